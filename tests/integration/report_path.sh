#!/usr/bin/env bash
# offcap report across a path, default offloads: a router namespace with a
# 1400-byte link (no MSS problem when the peer answered 1360), the same with an
# nft MSS clamp (named: where, from what to what), a 1400-byte link in the
# middle (a real MSS problem), a bridge (forwarded whole, not GRO), and a veth
# pair with mismatched MTUs (the receiver drops; kernel counters show it).
source "$(dirname "$0")/../lib.sh"
J=$OC_TMP/r.json T=$OC_TMP/r.txt
flow='[.flows[] | select(.proto == "tcp")] | max_by(.sides[0].payload_bytes)'
ALL=(-i "$NS_A/oca" -i "$NS_R/ra" -i "$NS_R/rb" -i "$NS_B/ocb")
report() { "$OFFCAP" report --json "$1" > "$J"; "$OFFCAP" report "$1" > "$T"; }
problems() { jq ".problem_counts[\"$1\"]" "$J"; }	# by machine id (analysis.h's OC_PROBLEMS)
MSS_PROB=mss_over_path_mtu

# 1. router, B behind a 1400-byte link: B announces 1360, A sends 1348 — no problem
oc_router 1500 1400 || { not_ok "router namespaces"; exit 1; }
F=$OC_TMP/router.pcapng
oc_capture "$F" "${ALL[@]}"
oc_iperf 5M
oc_capture_stop
report "$F"
check_num "router: the server announced 1360" "$(jq "$flow | .sides[1].mss" "$J")" -eq 1360
check_num "router: the client's segments are 1348, from gso_size" "$(jq "$flow | .sides[0].segment_size_used" "$J")" -eq 1348
check "router: text says 'sends segments of 1348 (gso_size)', not 1448" \
	bash -c "grep -q 'sends segments of 1348 (gso_size)' '$T' && ! grep -q 'segments of 1448' '$T'"
check_num "router: no MSS problem for a SYN whose peer answered 1360" "$(problems "$MSS_PROB")" -eq 0
check "router text: no MSS finding, no real problem" \
	bash -c "! grep -q 'MTU 1400 allows\|MSS larger' '$T' && grep -q 'Real problems: none' '$T'"
check_num "router: forwarded super-frames received whole at rb's peer, not merged" \
	"$(jq '.interfaces[] | select((.interface | endswith("ocb@tc-ingress"))) | .over_mtu_causes.gro_lro' "$J")" -eq 0
check_num "router: the 5 MB transfer counted once (payload bytes)" "$(jq "$flow | .sides[0].payload_bytes" "$J")" -le 5500000

# 2. the same with an MSS clamp on the router (nft maxseg size set rt mtu)
inr nft add table inet "$OC_ID" && inr nft add chain inet "$OC_ID" ocfwd '{ type filter hook forward priority 0; }' &&
	inr nft add rule inet "$OC_ID" ocfwd tcp flags syn tcp option maxseg size set rt mtu
check "clamp: nft rule installed in the router namespace" [ $? -eq 0 ]
F=$OC_TMP/clamp.pcapng
oc_capture "$F" "${ALL[@]}"
oc_iperf 5M
oc_capture_stop
report "$F"
check "clamp: JSON names the clamp 1460 -> 1360 between ra@tc-ingress and rb@tc-egress" \
	jq_true "$flow | .sides[0].mss_clamp | .from == 1460 and .to == 1360 and (.seen_before_at | endswith(\"ra@tc-ingress\")) and (.seen_after_at | endswith(\"rb@tc-egress\"))" "$J"
check "clamp: text 'MSS 1460 in its SYN, clamped on the path to 1360 between ([^ ]*/)?ra@tc-ingress and ([^ ]*/)?rb@tc-egress, inside netns <router>'" \
	grep -qE "MSS 1460 in its SYN, clamped on the path to 1360 between ([^ ]*/)?ra@tc-ingress and ([^ ]*/)?rb@tc-egress, inside netns $NS_R" "$T"
check_num "clamp: no MSS problem" "$(problems "$MSS_PROB")" -eq 0
inr nft delete table inet "$OC_ID"
F=$OC_TMP/router.pcapng; report "$F"
check "no clamp: no mss_clamp in JSON, none in text" \
	bash -c "jq -e '[.flows[].sides[].mss_clamp] | all(. == null)' '$J' >/dev/null && ! grep -q clamped '$T'"

# 3. B on a 1500 link behind the router's 1400 one: MSS 1460 crosses a 1400 link
inb ip link set ocb mtu 1500
F=$OC_TMP/pmtu.pcapng
oc_capture "$F" "${ALL[@]}"
oc_iperf 5M
oc_capture_stop
report "$F"
check_num "1400 link in the middle: the MSS problem is reported" "$(problems "$MSS_PROB")" -ge 1
check "1400 link in the middle: text names the 1400 link" grep -q 'lets its peer send 1500-byte packets; a link of MTU 1400' "$T"
check_num "1400 link in the middle: each ICMP frag-needed counted once, not per hook point" \
	"$(problems icmp_too_big)" -eq "$(tshark -r "$F" -Y 'frame.interface_name contains "oca@tc-ingress" && icmp.type == 3' -T fields -e frame.number 2>/dev/null | wc -l)"
oc_cleanup_ns() { for ns in "$NS_A" "$NS_B" "$NS_R"; do ip netns del "$ns" 2>/dev/null; done; }
oc_cleanup_ns

# 4. a bridge: super-frames forwarded whole, never on a wire
oc_bridge || { not_ok "bridge namespaces"; exit 1; }
F=$OC_TMP/bridge.pcapng
oc_capture "$F" "${ALL[@]}"
oc_iperf 5M
oc_capture_stop
report "$F"
for i in ra ocb; do
	over=$(jq ".interfaces[] | select((.interface | endswith(\"$i@tc-ingress\"))) | .over_mtu" "$J")
	check_num "bridge: super-frames over the MTU at $i@tc-ingress" "$over" -gt 10
	check_num "bridge: all received whole at $i@tc-ingress" \
		"$(jq ".interfaces[] | select((.interface | endswith(\"$i@tc-ingress\"))) | .over_mtu_causes.received_whole" "$J")" -eq "$over"
done
check "bridge text: no GRO/LRO merge, no 'built from'" bash -c "! grep -q 'GRO/LRO merge\|built from' '$T'"
check_num "bridge: the transfer counted once (payload bytes)" "$(jq "$flow | .sides[0].payload_bytes" "$J")" -le 5500000
oc_cleanup_ns

# 5. MTU mismatch on a veth pair: 9000 -> 1500, 3000-byte datagrams with DF
oc_pair 1500 || { not_ok "veth pair"; exit 1; }
ina ip link set oca mtu 9000
F=$OC_TMP/mismatch.pcapng
oc_capture "$F" -i "$NS_A/oca" -i "$NS_B/ocb"
ina python3 - "$IP_B" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 10, 2)	# IP_MTU_DISCOVER = IP_PMTUDISC_DO: no fragments
for i in range(5):
	s.sendto(bytes(3000), (sys.argv[1], 9999))
PY
sleep 0.3
oc_capture_stop
report "$F"
check_num "mismatch: 5 frames over the peer's MTU reported" "$(problems over_peer_mtu)" -eq 5
check "mismatch: text names both MTUs and says the peer drops them" \
	grep -q '3042-byte frame from oca (MTU 9000) to its veth peer ocb (MTU 1500): the peer drops' "$T"
check "mismatch: 'Real problems: none' absent" bash -c "! grep -q 'Real problems: none' '$T'"
check_num "mismatch: the kernel's rx_dropped on ocb grew by 5 (JSON, start -> end)" \
	"$(jq '.interfaces[] | select((.interface | endswith("ocb@tc-ingress"))) | .kernel_counters | .end.rx_dropped - .start.rx_dropped' "$J")" -eq 5
check "mismatch: text shows the kernel's drops" grep -q 'ocb: rx_dropped +5' "$T"
# only the sender captured: its description carries the peer's MTU (netlink, other namespace)
F=$OC_TMP/mismatch-tx.pcapng
oc_capture "$F" -i "$NS_A/oca"
ina python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 10, 2)
for i in range(3): s.sendto(bytes(3000), ('$IP_B', 9999))"
sleep 0.3
oc_capture_stop
report "$F"
check "mismatch, sender only: the description records peer=ocb peer_mtu=1500" \
	bash -c "tshark -r '$F' -T fields -e frame.interface_description 2>/dev/null | grep -q 'peer=ocb peer_ifindex=[0-9]* peer_mtu=1500'"
check_num "mismatch, sender only: 3 frames over the peer's MTU reported" "$(problems over_peer_mtu)" -eq 3
check "mismatch, sender only: the kernel's tx_dropped on oca shown" grep -q 'oca: rx_dropped +0, rx_errors +0, tx_dropped +3' "$T"
