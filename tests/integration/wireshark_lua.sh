#!/usr/bin/env bash
# build/offcap.lua (wireshark/offcap.lua.in, hook points filled in) in tshark on a fresh capture (TSO on, an offloaded VLAN
# tag): for every packet the plugin's fields equal what offcap's own reader
# makes of the file (offcap stats --packets), and 'offcap.gso_segs > 1'
# selects exactly the super-frames and merges. Also a version-1 comment (what
# offcap 0.1.0 wrote) on a foreign file.
source "$(dirname "$0")/../lib.sh"
LUA=(-X "lua_script:$OC_ROOT/build/offcap.lua")
oc_pair 1500 || { not_ok "namespaces and veth pair"; exit 1; }
F=$OC_TMP/lua.pcapng
check "TSO is on for the test's veth" bash -c "ip netns exec $NS_A ethtool -k oca | grep -q '^tcp-segmentation-offload: on'"
oc_capture "$F" -i "$NS_A/oca" -i "$NS_B/ocb"
oc_iperf 2M
# then an offloaded VLAN tag on oca's way out: post-gso sees it re-inserted
ina tc qdisc add dev oca clsact && ina tc filter add dev oca egress bpf da obj "$OC_ROOT/build/tests/vlan_push.bpf.o" sec tc
ina ip neigh replace "$IP_B" lladdr "$(inb cat /sys/class/net/ocb/address)" dev oca
ina bash -c "for i in \$(seq 5); do echo offcap-lua-test > /dev/udp/$IP_B/9999; done"
sleep 0.3
oc_capture_stop

# offcap's reader, one line per packet: frame iface point len gso_size gso_segs gso_type csum vlan queue
"$OFFCAP" stats --packets "$F" >"$OC_TMP/offcap.txt"
tshark "${LUA[@]}" -r "$F" -T fields -E occurrence=f -e frame.number -e frame.interface_name \
	-e offcap.point -e offcap.len -e offcap.gso_size -e offcap.gso_segs -e offcap.gso_type \
	-e offcap.csum -e offcap.vlan -e offcap.queue 2>"$OC_TMP/tshark.err" |
	awk -F'\t' -v OFS=' ' '{ for (i = 1; i <= NF; i++) if ($i == "") $i = "-"; $1 = $1; print }' >"$OC_TMP/lua.txt"
n=$(wc -l <"$OC_TMP/offcap.txt")
check_num "packets captured" "$n" -gt 100
check "tshark loads the plugin without errors" bash -c "! grep -qi 'lua.*error\|error.*lua' '$OC_TMP/tshark.err'"
check "every packet: point, len, gso_size, gso_segs, gso_type, csum, vlan, queue as offcap reads them" \
	diff -q "$OC_TMP/offcap.txt" "$OC_TMP/lua.txt"
diff "$OC_TMP/offcap.txt" "$OC_TMP/lua.txt" | head -5 | sed 's/^/# /'

want=$(awk '$6 > 1 { print $1 }' "$OC_TMP/offcap.txt")
got=$(tshark "${LUA[@]}" -r "$F" -Y 'offcap.gso_segs > 1' -T fields -e frame.number 2>/dev/null)
check_num "there are super-frames at tc-egress" "$(awk '$3 == "tc-egress" && $6 > 1' "$OC_TMP/offcap.txt" | wc -l)" -gt 10
check "-Y 'offcap.gso_segs > 1' selects exactly the super-frames and merges" [ "$want" = "$got" ]
check_num "offloaded VLAN 100 at post-gso as offcap.vlan" \
	"$(tshark "${LUA[@]}" -r "$F" -Y 'offcap.vlan == 100 && offcap.point == "post-gso" && udp.dstport == 9999' -T fields -e frame.number 2>/dev/null | wc -l)" -eq 5
arte=$(tshark "${LUA[@]}" -r "$F" -Y '_ws.expert.message contains "offload artefact"' -T fields -e frame.number 2>/dev/null | wc -l)
check_num "expert info 'offload artefact' on each of them" "$arte" -eq "$(wc -w <<<"$want")"
check_num "no REAL over-MTU frame on a healthy link" \
	"$(tshark "${LUA[@]}" -r "$F" -Y 'offcap.real_over_mtu' -T fields -e frame.number 2>/dev/null | wc -l)" -eq 0
check "offcap.iface and offcap.netns name the interface and namespace" \
	bash -c "tshark ${LUA[*]} -r '$F' -Y 'offcap.iface == \"ocb\"' -T fields -e offcap.netns 2>/dev/null | sort -u | grep -qx '$NS_B'"

# A version-1 comment (offcap 0.1.0) and a REAL over-MTU frame at XDP, on a foreign pcapng
O=$OC_TMP/old.pcapng
tshark -r "$F" -Y 'frame.number <= 3' -w "$OC_TMP/three.pcapng" 2>/dev/null
tcpdump -r "$OC_TMP/three.pcapng" -w "$OC_TMP/three.pcap" 2>/dev/null	# pcap: no comments left
editcap -F pcapng -a "1:point=tc-ingress len=2962 gso_size=1448 gso_segs=2 gso_type=tcpv4 csum=unnecessary" \
	-a "2:point=xdp len=3014 gso_size=0 gso_segs=0 gso_type=none csum=unknown" \
	"$OC_TMP/three.pcap" "$O" 2>/dev/null
out=$(tshark "${LUA[@]}" -o offcap.default_mtu:1500 -r "$O" -T fields -E occurrence=f -e offcap.gso_segs -e offcap.csum -e offcap.version \
	-e offcap.artefact -e offcap.real_over_mtu 2>/dev/null | head -2 | tr '\t\n' ',;')
# frame 2's comment claims 3014 bytes; its bytes are a small frame: over the MTU is the wire's
# length (oc_wire_l3_len, as offcap stats and report), not the comment's
check "version 1 comments: fields, a GRO merge, and no over-MTU verdict from a comment's len ($out)" \
	[ "$out" = "2,unnecessary,1,GRO/LRO merge,;0,unknown,1,,;" ]

# Over the MTU as user/analysis/wire.c's oc_wire_l3_len says (stats, report, split): the IP
# length after every VLAN tag, on Ethernet and on raw IP
python3 - "$OC_TMP" <<'PY'
import struct, sys
def pcap(path, lt, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, lt))
        for d in frames:
            f.write(struct.pack("<IIII", 0, 0, len(d), len(d)) + d)
ip = lambda n: bytes([0x45, 0]) + struct.pack("!H", n) + bytes(16) + bytes(n - 20)
eth = b"\x02" * 6 + b"\x04" * 6
tag = b"\x81\x00\x00\x64"
pcap(sys.argv[1] + "/mtu-eth.pcap", 1, [eth + tag + b"\x08\x00" + ip(1500), eth + tag + b"\x08\x00" + ip(1504),
     eth + b"\x88\xa8\x00\x0a\x81\x00\x00\x14\x08\x00" + ip(1500)])
pcap(sys.argv[1] + "/mtu-raw.pcap", 101, [ip(1500), ip(1504)])
PY
M="point=xdp gso_size=0 gso_segs=0 gso_type=none csum=unknown"
editcap -F pcapng -a "1:$M len=1518" -a "2:$M len=1522" -a "3:$M len=1522" "$OC_TMP/mtu-eth.pcap" "$OC_TMP/mtu-eth.pcapng" 2>/dev/null
editcap -F pcapng -a "1:$M len=1500" -a "2:$M len=1504" "$OC_TMP/mtu-raw.pcap" "$OC_TMP/mtu-raw.pcapng" 2>/dev/null
out=$(for f in eth raw; do tshark "${LUA[@]}" -o offcap.default_mtu:1500 -r "$OC_TMP/mtu-$f.pcapng" -T fields \
	-e frame.len -e offcap.over_mtu -e offcap.real_over_mtu 2>/dev/null; done | tr '\t\n' ':,')
check "over the MTU: a full 802.1Q and QinQ frame is not, 4 bytes more IP is (REAL at xdp); raw IP by its IP length ($out)" \
	[ "$out" = "1518:0:,1522:1:1,1522:0:,1500:0:,1504:1:1," ]
