#!/usr/bin/env bash
# Synthesis proof beyond TCPv4: TCPv6 and UDP GSO (UDP_SEGMENT) super-frames cut
# in software on the test's veth, every segment compared with the kernel's own.
source "$(dirname "$0")/../lib.sh"
oc_pair 1500 || { not_ok "namespaces and veth pair"; exit 1; }
J=$OC_TMP/r.json
ina ethtool -K oca tso off tx-udp-segmentation off >/dev/null

F=$OC_TMP/v6.pcapng
oc_capture "$F" -i "$NS_A/oca" -p tc-egress,post-gso -s 0
ip netns exec "$NS_B" iperf3 -s -1 -B "$IP6_B" >/dev/null 2>&1 & OC_PIDS+=($!)
for _ in $(seq 50); do inb ss -ltn | grep -q ':5201 ' && break; sleep 0.1; done
ina iperf3 -6 -c "$IP6_B" -n 10M >/dev/null 2>&1
oc_capture_stop
"$OFFCAP" report --json "$F" > "$J"
check "TCPv6: super-frames carry gso_type tcpv6" bash -c "tshark -r '$F' -T fields -e frame.comment 2>/dev/null | grep -q 'gso_type=tcpv6'"
c=$(jq .synthesis.compared "$J")
check_num "TCPv6: segments compared with the kernel's" "$c" -gt 1000
check_num "TCPv6: byte-for-byte match 100% (matched)" "$(jq .synthesis.matched "$J")" -eq "$c"

F=$OC_TMP/udp.pcapng
oc_capture "$F" -i "$NS_A/oca" -p tc-egress,post-gso -s 0
ina python3 - "$IP_B" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_UDP, 103, 1400)	# UDP_SEGMENT: 1400-byte datagrams
for i in range(50):
	s.sendto(bytes((i + j) & 0xff for j in range(1400 * 9 + 321)), (sys.argv[1], 9999))
PY
sleep 0.3
oc_capture_stop
"$OFFCAP" report --json "$F" > "$J"
check "UDP GSO: super-frames carry gso_type udp_l4" bash -c "tshark -r '$F' -T fields -e frame.comment 2>/dev/null | grep -q 'gso_size=1400 gso_segs=10 gso_type=udp_l4'"
check_num "UDP GSO: all 500 datagrams compared with the kernel's" "$(jq .synthesis.compared "$J")" -eq 500
check_num "UDP GSO: byte-for-byte match (matched)" "$(jq .synthesis.matched "$J")" -eq 500
S=$OC_TMP/udp-split.pcapng
"$OFFCAP" split "$F" "$S" 2>/dev/null
bad=$(tshark -r "$S" -o udp.check_checksum:TRUE -Y "udp && udp.checksum.status != 1" -T fields -e frame.number 2>/dev/null | wc -l)
check_num "UDP GSO split: tshark verifies every UDP checksum (bad)" "$bad" -eq 0
check_num "UDP GSO split: 500 datagrams of at most 1400 bytes at tc-egress" \
	"$(tshark -r "$S" -Y 'frame.interface_name == "oca@tc-egress" && udp.length <= 1408 && udp.dstport == 9999' -T fields -e frame.number 2>/dev/null | wc -l)" -eq 500
