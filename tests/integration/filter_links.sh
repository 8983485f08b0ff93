#!/usr/bin/env bash
# The kernel filter per link type: a tun device (no link-layer header) gets
# LINKTYPE_RAW and the DLT_RAW program (concurrent captures at post-gso: its
# tracepoint programs stack on every kernel); an offloaded VLAN tag matches 'vlan
# 100' as on the wire (the filter's bytes carry the tag again, as the file's).
source "$(dirname "$0")/../lib.sh"
oc_pair 1500 || { not_ok "namespaces and veth pair"; exit 1; }
lines() { tcpdump -nn -t -S -r "$1" "${@:2}" 2>/dev/null; }
attached() { local i; for i in $(seq 900); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }
# a tun device whose reader drops everything (the device goes when it exits)
[ -c /dev/net/tun ] || modprobe tun 2>/dev/null
for i in $(seq 20); do [ -c /dev/net/tun ] && break; sleep 0.1; done
if [ ! -c /dev/net/tun ]; then	# a guest without devtmpfs' node: the character device tun is
	mkdir -p /dev/net && mknod /dev/net/tun c 10 200
fi
ina python3 -c '
import fcntl, os, struct
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", b"octun", 0x0001 | 0x1000))
while True:
    os.read(fd, 65536)' &
OC_PIDS+=($!); disown
for i in $(seq 50); do ina ip link show octun >/dev/null 2>&1 && break; sleep 0.1; done
ina ip addr add 10.77.0.1/24 dev octun && ina ip link set octun up || { not_ok "tun device"; exit 1; }
"$OFFCAP" capture -q -p post-gso -i "$NS_A/octun" -w "$OC_TMP/tun-all.pcapng" 2>/dev/null &
OC_PIDS+=($!); P1=$!
"$OFFCAP" capture -q -p post-gso -i "$NS_A/octun" -w "$OC_TMP/tun-udp.pcapng" 'udp and dst host 10.77.0.2' 2>"$OC_TMP/tun-udp.err" &
OC_PIDS+=($!); P2=$!
attached "$OC_TMP/tun-all.pcapng"; attached "$OC_TMP/tun-udp.pcapng"; sleep 0.3
ina bash -c 'for i in 1 2 3 4 5; do echo x > /dev/udp/10.77.0.2/9999; echo y > /dev/udp/10.77.0.3/9999; done'
ina bash -c 'exec 3<>/dev/tcp/10.77.0.2/80' 2>/dev/null &
sleep 1.2
kill -INT $P1 $P2; wait $P1 $P2
check "the tun device's interface block is LINKTYPE_RAW" \
	bash -c "tcpdump -r '$OC_TMP/tun-all.pcapng' -c 1 2>&1 | grep -q 'link-type RAW'"
check_num "raw IP: the kernel kept the 5 UDP datagrams to 10.77.0.2" "$(lines "$OC_TMP/tun-udp.pcapng" | wc -l)" -eq 5
check "raw IP: exactly what tcpdump selects from the unfiltered capture" \
	[ "$(lines "$OC_TMP/tun-all.pcapng" 'udp and dst host 10.77.0.2' | md5sum)" = "$(lines "$OC_TMP/tun-udp.pcapng" | md5sum)" ]
check_verdicts "raw IP 'udp and dst host 10.77.0.2'" "$OC_TMP/tun-udp.err" post-gso 5
check "offcap filter -r on the raw-IP capture: the kernel program agrees with libpcap, rejects, decides all" \
	bash -c "'$OFFCAP' filter 'udp and dst host 10.77.0.2' -r '$OC_TMP/tun-all.pcapng' > '$OC_TMP/tun-r.out' &&
		 grep -q ', 5 matched, 0 disagreements' '$OC_TMP/tun-r.out' &&
		 grep -q '^kernel: [1-9][0-9]* kept, [1-9][0-9]* rejected, 0 undecided' '$OC_TMP/tun-r.out'"
"$OFFCAP" capture -q -i "$NS_A/octun" -w "$OC_TMP/arp.pcapng" arp >/dev/null 2>"$OC_TMP/arp.err"; rc=$?
check "'arp' on a tun device: said at start, nothing attached, exit 1" \
	bash -c "[ $rc -eq 1 ] && grep -q 'octun: expression rejects all packets on raw IP frames: nothing attached' '$OC_TMP/arp.err'"

# VLAN 100 as a tx-vlan-offload NIC's driver gets it: in metadata (tests/bpf/vlan_push.bpf.c)
ina tc qdisc add dev oca clsact && ina tc filter add dev oca egress bpf da obj "$OC_ROOT/build/tests/vlan_push.bpf.o" sec tc
ina ip neigh replace "$IP_B" lladdr "$(inb cat /sys/class/net/ocb/address)" dev oca
"$OFFCAP" capture -q -p post-gso -i "$NS_A/oca" -w "$OC_TMP/v-all.pcapng" 2>/dev/null &
OC_PIDS+=($!); P1=$!
"$OFFCAP" capture -q -p post-gso -i "$NS_A/oca" -w "$OC_TMP/v100.pcapng" 'vlan 100 and udp port 9999' 2>"$OC_TMP/v100.err" &
OC_PIDS+=($!); P2=$!
"$OFFCAP" capture -q -p post-gso -i "$NS_A/oca" -w "$OC_TMP/v-not.pcapng" 'udp port 9999' 2>"$OC_TMP/v-not.err" &
OC_PIDS+=($!); P3=$!
attached "$OC_TMP/v-all.pcapng"; attached "$OC_TMP/v100.pcapng"; attached "$OC_TMP/v-not.pcapng"; sleep 0.3
ina bash -c "for i in \$(seq 20); do echo offcap-vlan-filter > /dev/udp/$IP_B/9999; done; for i in 1 2 3; do echo other > /dev/udp/$IP_B/9998; done"
sleep 0.3
kill -INT $P1 $P2 $P3; wait $P1 $P2 $P3
check_num "offloaded tag: 'vlan 100 and udp port 9999' kept the 20 datagrams" "$(lines "$OC_TMP/v100.pcapng" | wc -l)" -eq 20
check_num "offloaded tag: 'udp port 9999' (no vlan) keeps none, as tcpdump on the wire" \
	"$(lines "$OC_TMP/v-not.pcapng" | wc -l)" -eq 0
check "offloaded tag: exactly what tcpdump selects from the unfiltered capture" \
	[ "$(lines "$OC_TMP/v-all.pcapng" 'vlan 100 and udp port 9999' | md5sum)" = "$(lines "$OC_TMP/v100.pcapng" | md5sum)" ]
check_verdicts "offloaded tag: 'vlan 100 and udp port 9999'" "$OC_TMP/v100.err" post-gso 20
read -r k r u _ < <(oc_verdicts "$OC_TMP/v-not.err" post-gso)
check "offloaded tag: 'udp port 9999' rejected in the kernel ($r), none kept or undecided" \
	[ "${r:-0}" -ge 20 -a "$k" -eq 0 -a "$u" -eq 0 ]
ina tc qdisc del dev oca clsact
check "nothing left attached" [ -z "$(oc_leftovers "$NS_A")" ]
