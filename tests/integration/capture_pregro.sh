#!/usr/bin/env bash
# pre-gro: what the driver hands the stack, before GRO, without XDP's
# observer effect. Default offloads on the sender (TSO on).
source "$(dirname "$0")/../lib.sh"
oc_pair 1500 || { not_ok "namespaces and veth pair"; exit 1; }
J=$OC_TMP/r.json

# 1. GRO off on the receiver (veth's default): super-frames pass through whole
F=$OC_TMP/pass.pcapng
oc_capture "$F" -i "$NS_A/oca" -i "$NS_B/ocb" -p pre-gro,tc-ingress,tc-egress
oc_iperf 10M
oc_capture_stop; check "capture exits 0" [ $? -eq 0 ]
check "the sender keeps GSO pass-through: no feature changed by attaching" \
	bash -c "! grep -q 'attaching changed' '$OC_TMP/offcap.err'"
check_num "pre-gro: packets captured on the receiver" "$(oc_count "$F" $NS_B/ocb@pre-gro "tcp")" -gt 10
check_num "pre-gro sees the sender's super-frames whole (veth pass-through)" \
	"$(oc_count "$F" $NS_B/ocb@pre-gro "frame.len > 1514")" -gt 5
# (the points attach one after the other: a packet or two at the edges)
pg_n=$(oc_count "$F" $NS_B/ocb@pre-gro "") tc_n=$(oc_count "$F" $NS_B/ocb@tc-ingress "")
check_num "pre-gro and tc-ingress see as many packets, nothing merged (pre-gro $pg_n)" \
	"$(( pg_n - tc_n < 0 ? tc_n - pg_n : pg_n - tc_n ))" -le 2
"$OFFCAP" report --json "$F" > "$J"
pg=".interfaces[] | select(.interface == \"$NS_B/ocb@pre-gro\")"
check_num "report: pre-gro's super-frames are received whole, none a GRO merge" \
	"$(jq "$pg | .over_mtu_causes.received_whole" "$J")" -eq "$(jq "$pg | .over_mtu" "$J")"
check "pre-gro frames keep their Ethernet header (tshark decodes TCP)" \
	bash -c "[ \$(tshark -r '$F' -Y 'frame.interface_name == \"$NS_B/ocb@pre-gro\" && !eth' -T fields -e frame.number 2>/dev/null | wc -l) -eq 0 ]"

# 2. GRO on, the sender's TSO off: pre-gro sees every frame a merge was built from
inb ethtool -K ocb gro on >/dev/null
ina ethtool -K oca tso off >/dev/null
F=$OC_TMP/gro.pcapng
gro_run() { oc_capture "$F" -i "$NS_B/ocb" -p pre-gro,tc-ingress; oc_iperf 20M; oc_capture_stop; }
gro_run
if [ "$(oc_count "$F" ocb@tc-ingress "frame.len > 1514")" -eq 0 ]; then
	# a veth without NAPI merges nothing (before 5.13 only XDP gives it NAPI):
	# attach an XDP program of the test's own, as a user's would be
	echo "# no GRO merge without XDP on this kernel's veth: again with the test's own XDP_PASS on ocb"
	inb ip link set dev ocb xdpdrv obj "$OC_ROOT/build/tests/xdp_pass.bpf.o" sec xdp
	gro_run
	inb ip link set dev ocb xdpdrv off
fi
check_num "pre-gro: every frame fits the MTU" "$(oc_maxlen "$F" ocb@pre-gro "")" -le 1514
check_num "tc-ingress: merged frames" "$(oc_count "$F" ocb@tc-ingress "frame.len > 1514")" -gt 10
"$OFFCAP" report --json "$F" > "$J"
merged=$(jq .synthesis.gro_merged "$J")
check_num "GRO: merged frames found" "$merged" -gt 10
# a merge is incomplete only at the capture's edge (begun before pre-gro's first frame
# of the flow: at most the first one or two) or where pre-gro dropped events
gro_complete() {
	local what=$1 err=$2 matched edge missing drops
	read -r matched edge missing < <(jq -r '.synthesis | "\(.gro_matched) \(.gro_incomplete_edge) \(.gro_incomplete_missing)"' "$J")
	drops=$(sed -n 's/^pre-gro *[0-9]* packets captured, \([0-9]*\) dropped.*/\1/p' "$err")
	check_num "$what: every merged frame's wire frames were seen at pre-gro, but at the capture's edge ($edge)" \
		"$((matched + edge))" -eq "$merged"
	check_num "$what: merges at the capture's edge are the flow's first ones" "$edge" -le 2
	check "$what: no merge lacks a frame pre-gro recorded ($missing; pre-gro dropped ${drops:-?})" \
		[ "$missing" -eq 0 -o "${drops:-0}" -gt 0 ]
}
gro_complete GRO "$OC_TMP/offcap.err"
# the same frames at xdp and at pre-gro are one wire frame, counted once
F2=$OC_TMP/gro2.pcapng
oc_capture "$F2" -i "$NS_B/ocb" -p xdp,pre-gro,tc-ingress; oc_iperf 20M; oc_capture_stop
"$OFFCAP" report --json "$F2" > "$J"
merged=$(jq .synthesis.gro_merged "$J")
check_num "GRO with xdp and pre-gro: merged frames found" "$merged" -gt 10
gro_complete "GRO with xdp and pre-gro (each wire frame counted once)" "$OC_TMP/offcap.err"
ina ethtool -K oca tso on >/dev/null

# 3. SIGKILL leaves nothing
oc_capture "$OC_TMP/k.pcapng" -i "$NS_B/ocb" -p pre-gro
check_num "while capturing: the pre-gro programs are loaded" "$(oc_progs | grep -c pre_gro)" -ge 4
kill -9 "$OC_CAP_PID"; wait "$OC_CAP_PID" 2>/dev/null
check "SIGKILL: no program of offcap's left" test -z "$(oc_leftovers "$NS_B")"
