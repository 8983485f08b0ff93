#!/usr/bin/env bash
# BIG TCP (IPv4 and IPv6): super-frames over 64 KiB at tc-egress, with the
# device's gso_max_size raised as an operator would; TSO on.
source "$(dirname "$0")/../lib.sh"
oc_pair 1500 || { not_ok "namespaces and veth pair"; exit 1; }
J=$OC_TMP/r.json
big=185000
ina ip link set oca gso_max_size $big 2>/dev/null ||
	{ skip "BIG TCP super-frames" "this kernel cannot raise gso_max_size past 64 KiB"; exit 0; }
inb ip link set ocb gro_max_size $big
# IPv4 BIG TCP (6.3) needs an iproute2 that knows gso_ipv4_max_size (bookworm's does not)
v4=0; ina ip link set oca gso_ipv4_max_size $big 2>/dev/null && v4=1
F=$OC_TMP/big.pcapng
oc_capture "$F" -i "$NS_A/oca" -p tc-egress,post-gso
oc_iperf 30M -l 256K
oc_iperf6() {
	ip netns exec "$NS_B" iperf3 -s -1 -B "$IP6_B" -p 5202 >/dev/null 2>&1 & OC_PIDS+=($!)
	local i; for i in $(seq 50); do inb ss -ltn 2>/dev/null | grep -q ':5202 ' && break; sleep 0.1; done
	ina iperf3 -6 -c "$IP6_B" -p 5202 -n 30M -l 256K >/dev/null 2>&1
}
oc_iperf6
oc_capture_stop; check "capture exits 0" [ $? -eq 0 ]
if [ $v4 = 1 ]; then
	check_num "tc-egress: IPv4 super-frames over 64 KiB" "$(oc_count "$F" oca@tc-egress "ip && frame.len > 65549")" -gt 0
else
	skip "tc-egress: IPv4 super-frames over 64 KiB" "iproute2 cannot set gso_ipv4_max_size here"
fi
check_num "tc-egress: IPv6 super-frames over 64 KiB" "$(oc_count "$F" oca@tc-egress "ipv6 && frame.len > 65549")" -gt 0
"$OFFCAP" report --json "$F" > "$J"; "$OFFCAP" report "$F" > "$OC_TMP/r.txt"
eg='.interfaces[] | select(.interface == "oca@tc-egress")'
check_num "report: frames over 64 KiB explained as BIG TCP" "$(jq "$eg | .over_mtu_causes.big_tcp" "$J")" -gt 0
check_num "report: none of them REAL" "$(jq "[.interfaces[].over_mtu_causes.real] | add" "$J")" -eq 0
check "report text names BIG TCP and finds no real problem" \
	bash -c "grep -q 'BIG TCP' '$OC_TMP/r.txt' && grep -q 'Real problems: none' '$OC_TMP/r.txt'"
S=$OC_TMP/split.pcapng
"$OFFCAP" split "$F" "$S" 2>/dev/null
check_num "split: no frame over the MTU left" "$(tshark -r "$S" -T fields -e frame.len 2>/dev/null | sort -n | tail -1)" -le 1514
