#!/usr/bin/env bash
# make check-nics, inside the guest (run by tests/kernels/guest-init.sh): for each NIC
# pair of $NICS, each NIC in its own namespace, traffic across the wire under offcap,
# and checks of what offcap says and what its report finds on that driver. Captures,
# reports and offcap's messages are kept in /oc-out/DRIVER/ (both NICs in each file).
# Prints "ok"/"not ok" lines, "# figures" lines, and "N passed, N failed" last.
source "$(dirname "$0")/../lib.sh"
OUT=${OC_OUT:-/oc-out}
pass=0 fail=0 ALL_NS=()
ok() { echo "ok - $DRV: $*"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $DRV: $*"; fail=$((fail + 1)); }
nics_cleanup() { local n; for n in "${ALL_NS[@]}"; do NS_A=$n NS_B=$n NS_R=$n oc_cleanup; done; }
trap nics_cleanup EXIT

nic_by_mac() { local i; for i in /sys/class/net/*; do [ "$(cat "$i/address")" = "$1" ] && echo "${i##*/}"; done; }

# pair DRIVER MACID: the two NICs 52:54:00:0c:MACID:01/02 become nica in NS_A and nicb
# in NS_B, 198.18.0.1 and .2, and VLAN 100 on top (198.18.100.1 and .2)
pair() {
	local a b
	a=$(nic_by_mac "52:54:00:0c:$2:01") b=$(nic_by_mac "52:54:00:0c:$2:02")
	[ -n "$a" ] && [ -n "$b" ] || return 1
	NS_A=ocn$1a NS_B=ocn$1b ALL_NS+=("$NS_A" "$NS_B")
	ip netns add "$NS_A" && ip netns add "$NS_B" || return 1
	ip link set "$a" netns "$NS_A" && ip link set "$b" netns "$NS_B" || return 1
	ina ip link set "$a" name nica && inb ip link set "$b" name nicb || return 1
	ina ip link set lo up; inb ip link set lo up
	ina ip link set nica up; inb ip link set nicb up
	ina ip addr add "$IP_A/24" dev nica; inb ip addr add "$IP_B/24" dev nicb
	ina ip link add link nica name nica.100 type vlan id 100; inb ip link add link nicb name nicb.100 type vlan id 100
	ina ip link set nica.100 up; inb ip link set nicb.100 up
	ina ip addr add 198.18.100.1/24 dev nica.100; inb ip addr add 198.18.100.2/24 dev nicb.100
	link_back
}

# link_back: both ends have carrier and B answers A's ARP afresh; after an MTU
# change too, which resets some NICs (e1000e: a datagram sent meanwhile is dropped)
link_back() {
	local i; for i in $(seq 100); do
		ina ip neigh flush dev nica 2>/dev/null
		ina bash -c "exec 3<>/dev/tcp/$IP_B/9" 2>/dev/null
		ina ip link show nica | grep -q LOWER_UP && inb ip link show nicb | grep -q LOWER_UP &&
			ina ip neigh show dev nica | grep -q lladdr && return 0
		sleep 0.2
	done
	return 1
}

# cap NAME ARGS...: offcap in the background on both NICs into $D/NAME.pcapng
cap() {
	local n=$1; shift
	oc_capture "$D/$n.pcapng" -i "$NS_A/nica" -i "$NS_B/nicb" "$@"
}
stop() {	# stop NAME: stop offcap, keep its messages, write the report (text, JSON)
	oc_capture_stop; cp "$OC_TMP/offcap.err" "$D/$1.err"
	"$OFFCAP" report "$D/$1.pcapng" > "$D/$1.txt" 2>&1
	"$OFFCAP" report --json "$D/$1.pcapng" > "$D/$1.json" 2>/dev/null
}
J() { jq -r "$1" "$D/$2.json" 2>/dev/null; }
ifj() { echo ".interfaces[] | select(.interface == \"$1\")"; }	# one interface block
has() { grep -q -- "$1" "$D/$2"; }

# nic_cut NAME: the NIC's cut against Linux's in capture NAME, asserted and recorded
nic_cut() {
	local n=$1 c='.nic_cut' handed reached exact differ fields
	handed=$(J "$c.handed_superframes" "$n") reached=$(J "$c.received_superframes" "$n")
	exact=$(J "$c.exact_superframes" "$n") differ=$(J "$c.differing_superframes" "$n")
	fields=$(J "[$c.differences | to_entries[] | select(.value.segments > 0) | \"\\(.key) \\(.value.segments) (frame \\(.value.frame))\"] | join(\", \")" "$n")
	check_num "$n: super-frames handed whole to nica's device, cut as Linux would" "$handed" -gt 0
	check_num "$n: of them, reached nicb (matched by flow and wire unit)" "$reached" -gt 0
	check "$n: the report says how many arrived as Linux would have cut them" has "exactly as Linux would have cut them" "$n.txt"
	echo "# figures $DRV $n nic cut: $handed super-frames handed whole to nica's device ($(J "$c.segments" "$n") segments by Linux's cut); $reached reached nicb ($(J "$c.segments_compared" "$n") segments received, $(J "$c.segments_merged" "$n") inside merged/whole frames, $(J "$c.segments_unseen" "$n") never seen); $exact exactly as Linux cuts them; $differ differ${fields:+: $fields}; $(J "$c.fragmented_superframes" "$n") as IP fragments"
}

udp_send() {	# udp_send DST COUNT SIZE[,SIZE...] [GSO]: datagrams from A on one socket, DF set
	ina python3 - "$@" <<'PY'
import socket, sys
dst, n, sizes = sys.argv[1], int(sys.argv[2]), [int(x) for x in sys.argv[3].split(",")]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 10, 2)	# IP_MTU_DISCOVER = IP_PMTUDISC_DO
if len(sys.argv) > 4:
	s.setsockopt(socket.IPPROTO_UDP, 103, int(sys.argv[4]))	# UDP_SEGMENT
for i in range(n):
	size = sizes[i % len(sizes)]
	try:
		s.sendto(bytes((i + j) & 0xff for j in range(size)), (dst, 9999))
	except OSError as e:
		print("send:", e)
PY
	sleep 0.5
}

tcp_stream() {	# TSO super-frames to the device; what the other NIC receives
	cap tcp -p tc-egress,post-gso,pre-gro,tc-ingress
	oc_iperf 30M; cp "$OC_TMP/iperf.out" "$D/tcp.iperf"
	stop tcp
	local tx rx sf segs wire big
	tx=$(ifj "$NS_A/nica@post-gso") rx=$(ifj "$NS_B/nicb@pre-gro")
	sf=$(J "$tx | .superframes" tcp) segs=$(J "$tx | .segments" tcp)
	wire=$(J "$rx | .packets" tcp) big=$(J "$rx | .over_mtu" tcp)
	check_num "tcp: super-frames handed to nica's device at post-gso" "$sf" -gt 0
	if [ "$DRV" = virtio ]; then
		check "tcp: the report says the host gets them whole ('virtio-net passes them to its host whole')" \
			has "handed to the device whole: virtio-net passes them to its host whole (vnet_hdr), which cuts them into $segs segments" tcp.txt
	else
		check "tcp: the report says the NIC cuts them ('handed to the device whole: the NIC cuts them into')" \
			has "handed to the device whole: the NIC cuts them into $segs segments" tcp.txt
	fi
	check "tcp: never 'not observable in software'" bash -c "! grep -q 'not observable' '$D/tcp.txt'"
	check_num "tcp: the JSON counts the device's segments" \
		"$(J '.synthesis.nic_cut_segments + .synthesis.host_cut_segments' tcp)" -eq "$segs"
	case $DRV in
	virtio)
		check_num "tcp: nicb@pre-gro receives frames over the MTU (the host passes or merges them)" "$big" -gt 0
		check "tcp: named as the device's/host's, not this kernel's GRO" \
			has "merged or passed whole by the device or its host (rx-gro-hw" tcp.txt ;;
	*)
		check_num "tcp: nicb@pre-gro receives only wire frames" "$big" -eq 0 ;;
	esac
	check "tcp: the receive checksum state is explained" has "checksum state at" tcp.txt
	nic_cut tcp
	echo "# figures $DRV tcp: $sf super-frames handed to nica's device ($segs segments); nicb@pre-gro received $wire frames, $big over the MTU; $(grep -o '[0-9.]* [MG]bits/sec' "$D/tcp.iperf" | tail -1)"
}

cut_whole() {	# whole packets (-s 0): checksums and payloads compared too
	cap cut -s 0 -p post-gso,pre-gro
	oc_iperf 4M
	stop cut
	nic_cut cut
}

udp_gso() {	# 40 sends of 21 x 1000-byte datagrams with UDP_SEGMENT
	cap udp -p tc-egress,post-gso,pre-gro,tc-ingress
	udp_send "$IP_B" 40 21000 1000
	stop udp
	local side='[.flows[] | select(.proto == "udp")][0].sides[0]' got
	check_num "udp gso: 40 super-frames sent" "$(J "$side | .superframes" udp)" -eq 40
	check_num "udp gso: they become 840 datagrams" "$(J "$side | .segments" udp)" -eq 840
	got=$(J "$(ifj "$NS_B/nicb@pre-gro") | .packets" udp)
	echo "# figures $DRV udp gso: 40 super-frames, 840 datagrams; nicb@pre-gro received $got frames"
}

mtu_mismatch() {	# nica at 9000, nicb at 1500: datagrams of 1000 and 4000 bytes
	ina ip link set nica mtu 9000 || { not_ok "mtu: nica takes MTU 9000"; return; }
	link_back || not_ok "mtu: the link back up after the MTU change"
	cap mtu -p tc-egress,post-gso,pre-gro,tc-ingress
	udp_send "$IP_B" 20 1000,4000
	stop mtu
	ina ip link set nica mtu 1500; link_back
	check "mtu: named at the sending end" has "MTU mismatch: $NS_A/nica (MTU 9000) sent" mtu.txt
	check "mtu: named at the receiving end" has "$NS_B/nicb (MTU 1500) on the same flow" mtu.txt
	echo "# figures $DRV mtu 9000->1500: nicb@pre-gro frames over 1500: $(J "$(ifj "$NS_B/nicb@pre-gro") | .over_mtu" mtu)"
}

vlan() {	# a TCP stream over VLAN 100 on both NICs
	cap vlan -p tc-egress,post-gso,pre-gro,tc-ingress
	IP_B=198.18.100.2 oc_iperf 10M
	stop vlan
	check_num "vlan: super-frames carry VLAN 100 to nica's device" \
		"$(J "$(ifj "$NS_A/nica@post-gso") | .superframes" vlan)" -gt 0
	check "vlan: VLAN 100 named in the report" grep -qE 'VLAN.*100|vlan 100' "$D/vlan.txt"
	nic_cut vlan
}

# xdp WANT_MODE: -p xdp,pre-gro on nicb during a stream; what offcap says and records
xdp() {
	local want=$1 mode
	oc_capture "$D/xdp.pcapng" -i "$NS_B/nicb" -p xdp,pre-gro
	oc_iperf 20M; cp "$OC_TMP/iperf.out" "$D/xdp.iperf"
	stop xdp
	mode=$(grep -o 'nicb: \(native\|generic\) XDP' "$D/xdp.err" | awk '{print $2}')
	check "xdp: native or generic said at start" test -n "$mode"
	[ -z "$want" ] || check "xdp: $want XDP on $DRV" test "$mode" = "$want"
	check "xdp: the mode recorded in the interface block" \
		bash -c "tshark -r '$D/xdp.pcapng' -T fields -e frame.interface_description 2>/dev/null | grep -q 'xdp_mode=$mode'"
	if [ "$DRV" = virtio ]; then
		check "xdp: the host's receive offloads switched off, said at start" has "switch off the host's receive offloads" xdp.err
		check "xdp: recorded in the interface block" \
			bash -c "tshark -r '$D/xdp.pcapng' -T fields -e frame.interface_description 2>/dev/null | grep -q 'observer_effect='"
		check "xdp: the report names the observer effect" has "observer effect" xdp.txt
		check_num "xdp: nicb@pre-gro frames now at most 1514 (no more host merges)" \
			"$(J "$(ifj "nicb@pre-gro") | .max_len" xdp)" -le 1514
	fi
	[ "$mode" = generic ] && check "xdp: generic XDP's GRO bypass said" has "skips GRO on this device" xdp.err
	check "xdp: nothing left attached on nicb" bash -c "! ip -n '$NS_B' link show nicb | grep -q 'xdp'"
	check "xdp: no offcap program left" test -z "$(oc_leftovers "$NS_B")"
	echo "# figures $DRV xdp: $mode; $(grep -o '[0-9.]* [MG]bits/sec' "$D/xdp.iperf" | tail -1) with XDP attached"
}

# a virtio-net NIC whose device cannot switch guest offloads off: XDP refused, nothing changed
xdp_refused() {
	local c before
	c=$(nic_by_mac 52:54:00:0c:01:03); [ -n "$c" ] || { not_ok "xdp refused: no third virtio NIC"; return; }
	ip link set "$c" up; before=$(ethtool -k "$c")
	"$OFFCAP" capture -q -i "$c" -p xdp --duration 2 -w "$D/refused.pcapng" > /dev/null 2> "$D/refused.err"
	check_num "xdp refused: offcap exits 1" "$?" -eq 1
	check "xdp refused: says why (GRO_HW) and names pre-gro" bash -c "grep -q 'GRO_HW' '$D/refused.err' && grep -q 'pre-gro' '$D/refused.err'"
	check "xdp refused: nothing attached, no setting changed" bash -c "! ip link show '$c' | grep -q xdp && [ \"\$(ethtool -k '$c')\" = '$before' ]"
	sed "s/^/# $DRV refused: /" "$D/refused.err" | head -3
}

modprobe -a e1000e virtio_net vmxnet3 e1000 8021q 2>&1
sleep 2
for DRV in $NICS; do
	D=$OUT/$DRV; mkdir -p "$D"
	case $DRV in e1000e) id=0e want=generic ;; virtio) id=01 want=native ;; vmxnet3) id=03 want= ;; e1000) id=10 want=generic ;; esac
	if ! pair "$DRV" "$id"; then not_ok "two NICs joined by a wire, each in its namespace"; continue; fi
	ok "two NICs joined by a wire, each in its namespace"
	echo "# $DRV: $(ina ethtool -i nica | head -1); features: $(ina ethtool -k nica | grep -E '^(tcp-segmentation-offload|generic-receive-offload|large-receive-offload|rx-gro-hw):' | tr -s '\n\t' '  ')"
	tcp_stream; cut_whole; udp_gso; mtu_mismatch; vlan; xdp "$want"
	[ "$DRV" = virtio ] && xdp_refused
done
echo "$pass passed, $fail failed"
