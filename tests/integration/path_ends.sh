#!/usr/bin/env bash
# Two vantage points: each end of a path captured on its own (offcap, and
# tcpdump), one file's clock moved by 3 h 17 s, then `offcap report A B` and
# `offcap merge`. Paths with default offloads: a clean router; two routers
# with a 1400-byte link between them and MSS clamps; the same without clamps
# and with ICMP "fragmentation needed" dropped (a black hole); netem loss,
# reordering and delay; VXLAN between A and B; UDP datagrams fragmented by the
# sender. Each path must name exactly the fault built, and the clean path none.
source "$(dirname "$0")/../lib.sh"
SHIFT=11817	# 3 h 17 s
J=$OC_TMP/p.json T=$OC_TMP/p.txt

# oc_four MTU: A - R - S - B, the R-S link at MTU; A 198.18.0.0/24, B 198.18.1.0/24
oc_four() {
	ip netns add "$NS_A" && ip netns add "$NS_B" && ip netns add "$NS_R" && ip netns add "$NS_S" || return 1
	ip link add oca netns "$NS_A" type veth peer name ra netns "$NS_R" || return 1
	ip link add rs netns "$NS_R" type veth peer name sr netns "$NS_S" || return 1
	ip link add ocb netns "$NS_B" type veth peer name sb netns "$NS_S" || return 1
	local ns; for ns in "$NS_A" "$NS_B" "$NS_R" "$NS_S"; do ip netns exec "$ns" ip link set lo up; done
	ina ip link set oca up; inr ip link set ra up; inb ip link set ocb up; ins ip link set sb up
	inr ip link set rs mtu "$1" up; ins ip link set sr mtu "$1" up
	IP_B=198.18.1.2
	ina ip addr add "$IP_A/24" dev oca; inr ip addr add 198.18.0.254/24 dev ra
	inr ip addr add 198.18.2.1/24 dev rs; ins ip addr add 198.18.2.2/24 dev sr
	ins ip addr add 198.18.1.254/24 dev sb; inb ip addr add "$IP_B/24" dev ocb
	ina ip route add default via 198.18.0.254; inb ip route add default via 198.18.1.254
	inr ip route add 198.18.1.0/24 via 198.18.2.2; ins ip route add 198.18.0.0/24 via 198.18.2.1
	inr sysctl -qw net.ipv4.ip_forward=1; ins sysctl -qw net.ipv4.ip_forward=1
}

# ends NAME A_IF B_IF: capture A_IF (in A) and B_IF (in B) with offcap and with
# tcpdump, each on its own, while the caller's traffic runs; B's files get
# their clock moved by SHIFT seconds.
CAPS=()
ends_start() {
	local n=$1
	"$OFFCAP" capture -q -w "$OC_TMP/$n-a.pcapng" -i "$NS_A/$2" 2>"$OC_TMP/$n-a.err" & CAPS+=($!); OC_PIDS+=($!)
	"$OFFCAP" capture -q -w "$OC_TMP/$n-b.pcapng" -i "$NS_B/$3" 2>"$OC_TMP/$n-b.err" & CAPS+=($!); OC_PIDS+=($!)
	ip netns exec "$NS_A" tcpdump -Z root -q -s 256 -U --immediate-mode -i "$2" -w "$OC_TMP/$n-a.pcap" 2>/dev/null & CAPS+=($!); OC_PIDS+=($!)
	ip netns exec "$NS_B" tcpdump -Z root -q -s 256 -U --immediate-mode -i "$3" -w "$OC_TMP/$n-b.pcap" 2>/dev/null & CAPS+=($!); OC_PIDS+=($!)
	oc_wait_file "$OC_TMP/$n-a.pcapng" && oc_wait_file "$OC_TMP/$n-b.pcapng" &&
		oc_wait_file "$OC_TMP/$n-a.pcap" && oc_wait_file "$OC_TMP/$n-b.pcap" && sleep 1
}
ends_stop() {
	local n=$1 p
	[ -z "${OC_KEEP:-}" ] || trap 'cp -a "$OC_TMP" "$OC_KEEP"; oc_cleanup' EXIT
	sleep 1	# tcpdump stops without reading what its ring still holds
	for p in "${CAPS[@]}"; do kill -INT "$p" 2>/dev/null; done
	for p in "${CAPS[@]}"; do wait "$p" 2>/dev/null; done
	CAPS=()
	editcap -t "$SHIFT" "$OC_TMP/$n-b.pcapng" "$OC_TMP/$n-bs.pcapng" 2>/dev/null &&
		editcap -t "$SHIFT" "$OC_TMP/$n-b.pcap" "$OC_TMP/$n-bs.pcap" 2>/dev/null
}
# report NAME EXT: the path report of A's and B's (shifted) files, JSON and text
report() {
	"$OFFCAP" report --json -l A="$OC_TMP/$1-a.$2" -l B="$OC_TMP/$1-bs.$2" > "$J" 2>"$OC_TMP/report.err"
	"$OFFCAP" report -l A="$OC_TMP/$1-a.$2" -l B="$OC_TMP/$1-bs.$2" > "$T" 2>&1
}
# the data direction: the flow direction that carried the most, A -> B
DATA='[.directions[] | select(.from == "A")] | max_by(.sent)'
faults() { jq -r '[.directions[].findings | to_entries[] | select(.value.fault) | .key] | unique | join(",")' "$J"; }
# a veth hands a packet to the backlog of the CPU that sent it: a sender that
# moves between CPUs mid-burst reorders a few on the path, for real (under
# load); outside the netem case that is not what a check is about
faults_but_reorder() { faults | tr , '\n' | grep -vx reordered | paste -sd, -; }
offset_ok() {	# the offset recovered within its uncertainty (+ 100 us for the delays' own spread)
	jq_true --argjson s "$SHIFT" '.captures[1] | .clock_found and
		((.clock_offset_s - $s) | fabs) <= (.clock_uncertainty_s + 0.0001) and .clock_uncertainty_s < 0.002' "$J"
}
# udp_send N SIZE: N UDP datagrams of SIZE bytes from A to B's port 9, DF off
udp_send() {
	ina python3 - "$IP_B" "$1" "$2" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 10, 0)	# IP_MTU_DISCOVER = IP_PMTUDISC_DONT: no DF, the kernel fragments
for i in range(int(sys.argv[2])):
    s.sendto(bytes([i]) * 8 + bytes(int(sys.argv[3]) - 8), (sys.argv[1], 9))
    time.sleep(0.05)
PY
}

# 1. clean: A - R - B, MTU 1500 everywhere
oc_router 1500 1500 || { not_ok "router namespaces"; exit 1; }
ends_start clean oca ocb || not_ok "clean: captures did not start"
oc_iperf 5M
ends_stop clean || not_ok "clean: editcap"
for ext in pcapng pcap; do
	report clean $ext
	check "clean ($ext): report ran" [ -s "$J" ]
	check "clean ($ext): clock offset of $SHIFT s recovered within its uncertainty ($(jq -c '.captures[1] | [.clock_offset_s, .clock_uncertainty_s]' "$J"))" offset_ok
	check "clean ($ext): no fault named ($(faults))" [ -z "$(faults_but_reorder)" ]
	# (iperf3's server may end the test with the last MB still in flight on a loaded
	# machine: it is reset, and neither end's capture has it)
	check_num "clean ($ext): the transfer crossed as wire segments" "$(jq "$DATA | .arrived" "$J")" -ge 1000
	check_num "clean ($ext): every segment sent arrived" "$(jq "$DATA | .arrived" "$J")" -eq "$(jq "$DATA | .sent" "$J")"
	check_num "clean ($ext): nothing lost" "$(jq "$DATA | .lost" "$J")" -eq 0
	check_num "clean ($ext): one hop (the router)" "$(jq "$DATA | .hops" "$J")" -eq 1
	check "clean ($ext): text says no fault" bash -c "grep -q 'No fault found on the path' '$T' || [ '$(faults)' = reordered ]"
done
M=$OC_TMP/merged.pcapng
check "merge: writes the merged file" "$OFFCAP" merge -l A="$OC_TMP/clean-a.pcapng" -l B="$OC_TMP/clean-bs.pcapng" -w "$M"
check_num "merge: tshark reads every packet of both" "$(tshark -r "$M" -T fields -e frame.number 2>/dev/null | wc -l)" -eq \
	"$(( $(tshark -r "$OC_TMP/clean-a.pcapng" -T fields -e frame.number 2>/dev/null | wc -l) + $(tshark -r "$OC_TMP/clean-bs.pcapng" -T fields -e frame.number 2>/dev/null | wc -l) ))"
check "merge: interface blocks keep their names behind the host label" \
	bash -c "tshark -r '$M' -T fields -e frame.interface_name 2>/dev/null | sort -u | grep -qx 'B:ocb@tc-ingress'"
check "merge: timestamps in order, B's corrected to A's clock (last frame within a minute of A's)" \
	bash -c "tshark -r '$M' -T fields -e frame.time_epoch 2>/dev/null | sort -c -n &&
		[ \$(tshark -r '$M' -T fields -e frame.time_epoch 2>/dev/null | tail -1 | cut -d. -f1) -lt \
		  \$(( \$(tshark -r '$OC_TMP/clean-a.pcapng' -T fields -e frame.time_epoch 2>/dev/null | tail -1 | cut -d. -f1) + 60 )) ]"
check "merge: the correction is recorded in the file" bash -c "capinfos -k '$M' 2>/dev/null | grep -q 'clock corrected by -11817'"
check "merge: the merged file's report reads it" bash -c "'$OFFCAP' report '$M' >/dev/null"
oc_cleanup_ns

# 2. MSS clamps: A - R - S - B, 1400 between R and S, each router clamps what it sends into it
oc_four 1400 || { not_ok "four namespaces"; exit 1; }
for ns in "$NS_R" "$NS_S"; do
	ip netns exec "$ns" nft add table inet oc && ip netns exec "$ns" nft add chain inet oc ocfwd '{ type filter hook forward priority 0; }' &&
		ip netns exec "$ns" nft add rule inet oc ocfwd tcp flags syn tcp option maxseg size set rt mtu ||
		not_ok "clamp: nft in $ns"
done
ends_start clamp oca ocb
oc_iperf 2M
ends_stop clamp
for ext in pcapng pcap; do
	report clamp $ext
	check "clamp ($ext): offset recovered" offset_ok
	check "clamp ($ext): exactly the MSS rewrite is named ($(faults))" [ "$(faults_but_reorder)" = mss_rewritten ]
	check "clamp ($ext): A's SYN 1460 at A, 1360 at B" jq_true \
		'[.directions[] | select(.from == "A" and .findings.mss_rewritten)] | any(.mss_sent == 1460 and .mss_arrived == 1360)' "$J"
	check "clamp ($ext): B's SYN-ACK 1460 at B, 1360 at A" jq_true \
		'[.directions[] | select(.from == "B" and .findings.mss_rewritten)] | any(.mss_sent == 1460 and .mss_arrived == 1360)' "$J"
	check "clamp ($ext): text names it" grep -q 'MSS 1460 in the SYN at A, 1360 at B' "$T"
done
check_num "clamp: two hops" "$(jq "$DATA | .hops" "$J")" -eq 2

# 3. black hole: the same path without clamps, R drops its ICMP "fragmentation needed"
for ns in "$NS_R" "$NS_S"; do ip netns exec "$ns" nft delete table inet oc; done
inr nft add table inet oc && inr nft add chain inet oc ocout '{ type filter hook output priority 0; }' &&
	inr nft add rule inet oc ocout icmp type destination-unreachable icmp code frag-needed drop || not_ok "black hole: nft"
ends_start hole oca ocb
oc_iperf 1M >/dev/null 2>&1 & hole_pid=$!; OC_PIDS+=($!)
sleep 5; kill "$hole_pid" 2>/dev/null
# tcpdump's files do not say when the capture ended: a datagram that crosses
# shows B was still capturing after A's last retransmission
ina bash -c "echo end > /dev/udp/$IP_B/9999"; sleep 0.3
ends_stop hole
for ns in "$NS_A" "$NS_B"; do	# the client retransmits until killed
	for p in $(ip netns pids "$ns"); do [ "$(cat /proc/$p/comm 2>/dev/null)" = iperf3 ] && kill "$p"; done
done
for ext in pcapng pcap; do
	report hole $ext
	check "black hole ($ext): exactly the black hole is named ($(faults))" [ "$(faults_but_reorder)" = mtu_black_hole ]
	check "black hole ($ext): the lost packets are 1500 bytes, what arrived smaller" \
		jq_true "[.directions[] | select(.findings.mtu_black_hole)] | .[0] | .max_arrived_len <= 1400 and .lost >= 2" "$J"
	check "black hole ($ext): text says no ICMP reached A" grep -q 'no ICMP fragmentation-needed/packet-too-big reached A' "$T"
done
oc_cleanup_ns

# 4. netem on the router towards B: 10 ms delay, 2% loss, 10% overtaking the
# others (reordering). This kernel has no sch_netem (nor fq, nor nft's queue):
# the router sends what goes to B through tests/tun_netem.py, TUN to TUN.
oc_router 1500 1500
inr python3 "$OC_ROOT/tests/tun_netem.py" ocq0 ocq1 10 2 10 40 > "$OC_TMP/netem.out" 2>&1 & OC_PIDS+=($!)
oc_wait_file "$OC_TMP/netem.out"
inr ip link set ocq0 up && inr ip link set ocq1 up && inr sysctl -qw net.ipv4.conf.all.rp_filter=0 \
	net.ipv4.conf.ocq1.rp_filter=0 && inr ip rule add iif ra to 198.18.1.0/24 lookup 100 pref 100 &&
	inr ip route add default dev ocq0 table 100 || not_ok "netem: the TUN detour ($(cat "$OC_TMP/netem.out"))"
ends_start netem oca ocb
oc_iperf 3M
ends_stop netem
for ext in pcapng pcap; do
	report netem $ext
	check "netem ($ext): offset recovered" offset_ok
	check "netem ($ext): exactly loss and reordering named ($(faults))" [ "$(faults)" = loss,reordered ]
	check "netem ($ext): the data direction lost and reordered" jq_true "$DATA | .lost > 0 and .reordered > 0" "$J"
	# 10 ms built, plus what the detour's own queue adds on a busy machine
	check "netem ($ext): one-way delay median at least the 10 ms built ($(jq "$DATA | .delay_median_ns" "$J") ns)" \
		jq_true "$DATA | .delay_median_ns > 9500000 and .delay_median_ns < 40000000" "$J"
	check "netem ($ext): the ACKs back are not delayed, none lost" jq_true \
		'[.directions[] | select(.from == "B")] | max_by(.sent) | .delay_median_ns < 2000000 and .lost == 0' "$J"
done
inr ip rule del pref 100

# 5. VXLAN between A and B over the router: A captured on its VXLAN device, B on the underlay
ina ip link add vx0 type vxlan id 42 remote "$IP_B" local "$IP_A" dstport 4789 dev oca &&
	inb ip link add vx0 type vxlan id 42 remote "$IP_A" local "$IP_B" dstport 4789 dev ocb &&
	ina ip addr add 198.18.9.1/24 dev vx0 && inb ip addr add 198.18.9.2/24 dev vx0 &&
	ina ip link set vx0 up && inb ip link set vx0 up || not_ok "vxlan devices"
ends_start vxlan vx0 ocb
IP_B=198.18.9.2 oc_iperf 2M
ends_stop vxlan
for ext in pcapng pcap; do
	report vxlan $ext
	check "vxlan ($ext): offset recovered" offset_ok
	check "vxlan ($ext): no fault ($(faults))" [ -z "$(faults_but_reorder)" ]
	check "vxlan ($ext): the tunnel is named: plain at A, in VXLAN at B" \
		jq_true "$DATA | .findings.tunnel.count > 0 and (.findings.tunnel.text | test(\"no tunnel at A, vxlan at B\"))" "$J"
	check_num "vxlan ($ext): the inner packets matched across the tunnel" "$(jq "$DATA | .arrived" "$J")" -ge 1000
	check_num "vxlan ($ext): none lost" "$(jq "$DATA | .lost" "$J")" -eq 0
done

# the VXLAN devices' own IPv6 (router solicitations, MLD) would cross the next case's path
ina ip link del vx0; inb ip link del vx0

# 6. UDP datagrams of 6000 bytes without DF: fragmented by the sender
ends_start frag oca ocb
udp_send 5 6000
ends_stop frag
for ext in pcapng pcap; do
	report frag $ext
	check_num "fragments ($ext): no fault on the datagrams' way ($(faults))" \
		"$(jq '[.directions[] | select(.protocol == "udp") | .findings | to_entries[] | select(.value.fault)] | length' "$J")" -eq 0
	check "fragments ($ext): 5 datagrams of 6028 bytes in 5 fragments each, fragmented by the sender" jq_true \
		'[.directions[] | select(.protocol == "udp")] | .[0] | .arrived == 5 and .max_sent_len == 6028 and
		 .findings.fragmented_by_sender.count == 5' "$J"
done
report_one() { "$OFFCAP" report --json "$1" | jq -c '[.flows[] | select(.proto == "udp")] | .[0].sides[0]'; }
check "fragments: one capture's report counts datagrams, not first fragments ($(report_one "$OC_TMP/frag-a.pcapng"))" \
	bash -c "'$OFFCAP' report '$OC_TMP/frag-a.pcapng' | grep -q '5 datagrams of up to 6000 bytes in 25 IP fragments'"
