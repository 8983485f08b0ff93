#!/usr/bin/env bash
# The four hook points on a real veth pair: super-frames at tc-egress with TSO,
# segments at post-gso with software GSO, wire frames at XDP, merged frames at
# tc-ingress with GRO.
source "$(dirname "$0")/../lib.sh"
oc_pair 1500 || { not_ok "namespaces and veth pair"; exit 1; }
F=$OC_TMP/tso.pcapng

# 1. TSO: the sender's tc-egress sees super-frames
oc_capture "$F" -i "$NS_A/oca" -p tc-egress,post-gso
oc_iperf 20M
oc_capture_stop; check "capture exits 0 after SIGINT" [ $? -eq 0 ]
big=$(oc_count "$F" oca@tc-egress "frame.len > 1514 && frame.comment contains \"gso_segs=\"")
check_num "TSO: tc-egress super-frames longer than the MTU" "$big" -gt 10
segs=$(oc_fields "$F" oca@tc-egress "frame.len > 1514" frame.comment | grep -o 'gso_segs=[0-9]*' | cut -d= -f2 | sort -n | tail -1)
check_num "TSO: largest super-frame carries gso_segs > 1" "$segs" -gt 1
check "TSO: tc-egress comments carry gso_type=tcpv4 and csum=partial" \
	bash -c "tshark -r '$F' -T fields -e frame.comment 2>/dev/null | grep -q 'gso_type=tcpv4.*csum=partial'"

# 2. software GSO (this test's own namespace: ethtool is the test's, never offcap's)
ina ethtool -K oca tso off >/dev/null
F=$OC_TMP/gso.pcapng
oc_capture "$F" -i "$NS_A/oca" -p tc-egress,post-gso
oc_iperf 20M
oc_capture_stop
maxpost=$(oc_maxlen "$F" oca@post-gso "tcp")
check_num "software GSO: every post-gso frame fits the MTU (largest frame)" "$maxpost" -le 1514
want=$(oc_fields "$F" oca@tc-egress "tcp.len > 0" frame.comment |
	awk '{ n = 1; if (match($0, /gso_segs=[0-9]+/)) { v = substr($0, RSTART + 9, RLENGTH - 9) + 0; if (v > 1) n = v } s += n } END { print s + 0 }')
got=$(oc_count "$F" oca@post-gso "tcp.len > 0")
check_num "software GSO: post-gso data frames = sum of tc-egress gso_segs ($want)" "$got" -eq "$want"
check_num "software GSO: there were super-frames to cut" "$(oc_count "$F" oca@tc-egress "frame.len > 1514")" -gt 10
ina ethtool -K oca tso on >/dev/null

# 3. XDP and GRO on the receiver
inb ethtool -K ocb gro on >/dev/null
F=$OC_TMP/rx.pcapng
oc_capture "$F" -i "$NS_B/ocb" -p xdp,tc-ingress
oc_iperf 20M
oc_capture_stop
check "XDP attach warns about the observer effect on the veth peer" grep -q "GSO pass-through" "$OC_TMP/offcap.err"
n=$(oc_count "$F" ocb@xdp "tcp.len > 0")
check_num "XDP: data frames captured" "$n" -gt 1000
check_num "XDP: every frame fits the MTU (largest frame)" "$(oc_maxlen "$F" ocb@xdp "")" -le 1514
merged=$(oc_count "$F" ocb@tc-ingress "frame.len > 1514")
check_num "GRO: tc-ingress sees merged frames longer than the MTU" "$merged" -gt 10
check "GRO: merged frames carry gso_segs > 1" \
	bash -c "tshark -r '$F' -Y 'frame.len > 1514' -T fields -e frame.comment 2>/dev/null | grep -q 'gso_segs=[2-9]'"
check "nothing left attached in either namespace" test -z "$(oc_leftovers "$NS_A")$(oc_leftovers "$NS_B")"
