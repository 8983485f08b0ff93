#!/usr/bin/env bash
# VXLAN over a veth pair with the default offloads (TSO, GSO, tunnel GSO with
# outer UDP checksums): a TCP transfer and pings through vx0, captured on vx0
# and on the underlay.  The report names the tunnel and VNI, shows the tunnel
# GSO types, keeps the inner flow apart from the same tuple outside the
# tunnel; split cuts the encapsulated super-frames to the underlay MTU, fills
# the checksums left for the device, and tshark verifies every one of them.
source "$(dirname "$0")/../lib.sh"
oc_pair 1500 || { not_ok "namespaces and veth pair"; exit 1; }
VX_A=10.42.0.1 VX_B=10.42.0.2
ina ip link add vx0 type vxlan id 42 dstport 4789 local "$IP_A" remote "$IP_B" dev oca udpcsum &&
inb ip link add vx0 type vxlan id 42 dstport 4789 local "$IP_B" remote "$IP_A" dev ocb udpcsum ||
	{ not_ok "VXLAN devices (ip link add type vxlan)"; exit 1; }
ina ip addr add "$VX_A/24" dev vx0; inb ip addr add "$VX_B/24" dev vx0
ina ip link set vx0 up; inb ip link set vx0 up
check_num "vx0 MTU is the underlay's less 50 bytes of VXLAN" "$(ina cat /sys/class/net/vx0/mtu)" -eq 1450

F=$OC_TMP/vx.pcapng S=$OC_TMP/vx-split.pcapng J=$OC_TMP/vx.json T=$OC_TMP/vx.txt
oc_capture "$F" -i "$NS_A/oca" -i "$NS_A/vx0" -p tc-egress,post-gso -s 0
# echo requests whose ICMP checksum is computed in software: the inner packet
# is complete, so the outer UDP checksum is the one left for the device
ina python3 - "$VX_B" <<'PY'
import socket, struct, sys, time
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
body = bytes(range(256)) * 4
for i in range(3):
    h = struct.pack('!BBHHH', 8, 0, 0, 0x4f43, i)
    s.sendto(struct.pack('!BBHHH', 8, 0, csum(h + body), 0x4f43, i) + body, (sys.argv[1], 0))
    time.sleep(0.1)
PY
ip netns exec "$NS_B" iperf3 -s -1 -B "$VX_B" -p 5201 >/dev/null 2>&1 & OC_PIDS+=($!)
for _ in $(seq 50); do inb ss -ltn | grep -q ':5201 ' && break; sleep 0.1; done
ina iperf3 -c "$VX_B" -p 5201 -n 3M >/dev/null 2>&1
sleep 0.2
oc_capture_stop
"$OFFCAP" report --json "$F" > "$J"; "$OFFCAP" report "$F" > "$T"

sf=$(jq '[.interfaces[] | select(.interface == "oca@tc-egress") | .superframes] | add' "$J")
check_num "the underlay's tc-egress sees encapsulated super-frames" "$sf" -gt 10
check "report: the underlay's GSO types include udp_tunnel_csum (JSON)" \
	bash -c "jq -e '.interfaces[] | select(.interface == \"oca@tc-egress\") | .gso_types | index(\"udp_tunnel_csum\")' '$J' >/dev/null"
check "report: the text shows the tunnel GSO type" grep -q 'GSO types: .*udp_tunnel_csum.*tunnel offload' "$T"
check "report: the flow line names the tunnel and its VNI" grep -q "$VX_A:[0-9]* > $VX_B:5201 tcp in vxlan tunnel, vni 42\$" "$T"
check "report: no flow line ends in an empty 'vni '" bash -c "! grep -q 'vni \$' '$T'"
tun=$(jq '[.flows[] | select(.flow | test(":5201$")) | select(.tunnel == "vxlan" and .vni == 42) | .flow] | sort' "$J")
plain=$(jq '[.flows[] | select(.flow | test(":5201$")) | select(.tunnel == null) | .flow] | sort' "$J")
check_num "JSON: iperf3's flows inside the tunnel carry tunnel vxlan, vni 42" "$(jq length <<<"$tun")" -ge 1
check "JSON: each has its twin on vx0 outside any tunnel (same tuple, tunnel null)" [ "$tun" = "$plain" ]
check_num "JSON: no two flows alike (flow, tunnel, vni)" \
	"$(jq '[.flows[] | [.flow, .tunnel, .vni]] | (length - (unique | length))' "$J")" -eq 0
check_num "report: no REAL oversize frame" "$(jq '[.interfaces[].over_mtu_causes.real] | add' "$J")" -eq 0

"$OFFCAP" split "$F" "$S" 2>"$OC_TMP/split.err"
check "split succeeds" [ $? -eq 0 ]
big=$(tshark -r "$S" -Y 'frame.interface_name contains "oca@" && frame.len > 1514' -T fields -e frame.number 2>/dev/null | wc -l)
check_num "split: no underlay frame over the 1500 MTU (1514 with Ethernet)" "$big" -eq 0
big=$(tshark -r "$S" -Y 'frame.interface_name contains "vx0@" && frame.len > 1464' -T fields -e frame.number 2>/dev/null | wc -l)
check_num "split: no vx0 frame over its 1450 MTU" "$big" -eq 0
n=$(tshark -r "$S" -Y 'frame.interface_name == "oca@tc-egress" && vxlan.vni == 42 && tcp.len > 0' -T fields -e frame.number 2>/dev/null | wc -l)
check_num "split: the underlay carries the data as VXLAN segments" "$n" -gt 1000
bad=$(tshark -r "$S" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
	-Y 'ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0' 2>/dev/null | wc -l)
check_num "split: tshark finds no bad IP, TCP, outer UDP or ICMP checksum" "$bad" -eq 0
part=$(tshark -r "$F" -o udp.check_checksum:TRUE -Y 'frame.interface_name == "oca@tc-egress" && udp.checksum.status == 0 && icmp.type == 8' -T fields -e frame.number 2>/dev/null | wc -l)
check_num "capture: the echo requests' outer UDP checksums were left for the device" "$part" -eq 3
good=$(tshark -r "$S" -o udp.check_checksum:TRUE -Y 'frame.interface_name == "oca@tc-egress" && udp.checksum.status == 1 && icmp.type == 8' -T fields -e frame.number 2>/dev/null | wc -l)
check_num "split: filled in, they verify" "$good" -eq 3
