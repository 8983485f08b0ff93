#!/usr/bin/env bash
# offcap report on UDP GSO (UDP_SEGMENT) with tx-udp-segmentation on (the
# default: the veth passes super-frames whole) and off (software GSO): 40 sends
# of 21 datagrams are 40 super-frames and 840 datagrams, counted once.
source "$(dirname "$0")/../lib.sh"
oc_pair 1500 || { not_ok "namespaces and veth pair"; exit 1; }
J=$OC_TMP/r.json T=$OC_TMP/r.txt
udp='[.flows[] | select(.proto == "udp")][0].sides[0]'
rx='.interfaces[] | select((.interface | endswith("ocb@tc-ingress")))'

send_udp_gso() {	# 40 super-frames of 21 x 1000-byte datagrams
	ina python3 - "$IP_B" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_UDP, 103, 1000)	# UDP_SEGMENT
for i in range(40):
	s.sendto(bytes((i + j) & 0xff for j in range(1000 * 21)), (sys.argv[1], 9999))
PY
	sleep 0.3
}

for uso in on off; do
	ina ethtool -K oca tx-udp-segmentation $uso >/dev/null
	F=$OC_TMP/udp-$uso.pcapng
	oc_capture "$F" -i "$NS_A/oca" -i "$NS_B/ocb"
	send_udp_gso
	oc_capture_stop
	"$OFFCAP" report --json "$F" > "$J"; "$OFFCAP" report "$F" > "$T"
	check_num "uso $uso: 40 UDP GSO super-frames sent (once, not per hook point)" "$(jq "$udp | .superframes" "$J")" -eq 40
	check_num "uso $uso: they become 840 datagrams" "$(jq "$udp | .segments" "$J")" -eq 840
	check "uso $uso text: '40 UDP GSO super-frames sent -> 840 datagrams'" grep -q '40 UDP GSO super-frames sent -> 840 datagrams' "$T"
	check "uso $uso: no 'GRO/LRO merge' and no 'built from' anywhere" bash -c "! grep -q 'GRO/LRO merge\|built from' '$T'"
	check_num "uso $uso: no GRO merge in JSON" "$(jq '[.interfaces[].gro_merged] | add' "$J")" -eq 0
done
# uso on: the super-frames cross the veth whole, the device (peer) cuts nothing on a wire
F=$OC_TMP/udp-on.pcapng
"$OFFCAP" report --json "$F" > "$J"
check_num "uso on: ocb@tc-ingress received the 40 super-frames whole" "$(jq "$rx | .received_whole.superframes" "$J")" -eq 40
check_num "uso on: synthesized datagrams the device cuts, none missing" "$(jq '.synthesis.device_cut_segments' "$J")" -eq 840
check_num "uso on: none missing" "$(jq '.synthesis.missing' "$J")" -eq 0
F=$OC_TMP/udp-off.pcapng
"$OFFCAP" report --json "$F" > "$J"
check_num "uso off: every datagram compared with the kernel's software GSO" "$(jq '.synthesis.matched' "$J")" -eq 840
check_num "uso off: nothing received whole at ocb" "$(jq "$rx | .received_whole.superframes" "$J")" -eq 0
ina ethtool -K oca tx-udp-segmentation on >/dev/null
