#!/usr/bin/env bash
# The pcapng as other tools read it: tshark, tcpdump, gzip, stdout pipe; and
# offcap's own reader agreeing with tshark.
source "$(dirname "$0")/../lib.sh"
oc_pair 1500 || { not_ok "namespaces and veth pair"; exit 1; }
F=$OC_TMP/c.pcapng
oc_capture "$F" -i "$NS_A/oca" -i "$NS_B/ocb" -p tc-egress,post-gso,tc-ingress
oc_iperf 5M
oc_capture_stop

check "tshark reads the file without error" tshark -r "$F" -c 1000000 -q
names=$(tshark -r "$F" -T fields -e frame.interface_name 2>/dev/null | sort -u | tr '\n' ' ')
check "two namespaces watched: tshark shows netns/interface@hook names ($names)" \
	bash -c "[[ '$names' == *$NS_A/oca@tc-egress* && '$names' == *$NS_B/ocb@tc-ingress* && '$names' == *$NS_A/oca@post-gso* ]]"
check "tshark shows the metadata comment" bash -c "tshark -r '$F' -T fields -e frame.comment 2>/dev/null | grep -q 'gso_size=.*gso_segs=.*csum='"
check "tshark shows direction flags (outbound at tc-egress)" \
	bash -c "tshark -r '$F' -Y 'frame.interface_name == \"$NS_A/oca@tc-egress\"' -T fields -e frame.packet_flags_direction 2>/dev/null | grep -qE '^0x0*2$'"
check "tshark shows direction flags (inbound at tc-ingress)" \
	bash -c "tshark -r '$F' -Y 'frame.interface_name == \"$NS_B/ocb@tc-ingress\"' -T fields -e frame.packet_flags_direction 2>/dev/null | grep -qE '^0x0*1$'"
check "the interface description records the MTU" bash -c "'$OFFCAP' stats '$F' | grep -q '$NS_A/oca@tc-egress.*mtu=1500'"
descr=$(tshark -r "$F" -Y "frame.interface_name == \"$NS_A/oca@tc-egress\"" -T fields -e frame.interface_description 2>/dev/null | head -1)
check "the description follows the key=value contract ($descr)" \
	bash -c "[[ '$descr' == 'offcap-idb/1 hook=tc-egress ifname=oca netns=$NS_A netns_ino='*' driver=veth mtu=1500 gso_max_size='*' features=tso:on,'* ]]"
n_tshark=$(tshark -r "$F" -T fields -e frame.number 2>/dev/null | wc -l)
check_num "tcpdump -r reads every packet tshark reads ($n_tshark)" "$(tcpdump -r "$F" -nn 2>/dev/null | wc -l)" -eq "$n_tshark"
ours=$("$OFFCAP" stats "$F" 2>/dev/null | awk '$1 ~ /@/ {print $1, $2}' | sort)
theirs=$(tshark -r "$F" -T fields -e frame.interface_name 2>/dev/null | sort | uniq -c | awk '{print $2, $1}' | sort)
check "offcap's reader agrees with tshark on packets per interface" test -n "$ours" -a "$ours" = "$theirs"
[ "$ours" = "$theirs" ] || { echo "# ours: $ours"; echo "# tshark: $theirs"; }

G=$OC_TMP/c.pcapng.gz
oc_capture "$G" -i "$NS_A/oca"
oc_iperf 2M
oc_capture_stop
check "a .gz output starts with the gzip magic" bash -c "head -c2 '$G' | od -An -tx1 | grep -q '1f 8b'"
check "tshark reads the gzip output" bash -c "[ \$(tshark -r '$G' -T fields -e frame.number 2>/dev/null | wc -l) -gt 10 ]"

"$OFFCAP" capture -q -w - -i "$NS_A/oca" -c 50 2>/dev/null > "$OC_TMP/pipe.pcapng" &
p=$!; OC_PIDS+=($p); sleep 0.8
oc_iperf 2M
wait "$p"; rc=$?
check "-c 50 -w - stops by itself with status 0" [ $rc -eq 0 ]
check_num "-w - | tshark -r - reads exactly 50 packets" "$(tshark -r - < "$OC_TMP/pipe.pcapng" -T fields -e frame.number 2>/dev/null | wc -l)" -eq 50

"$OFFCAP" capture -q -i "$NS_A/oca" -c 20 > "$OC_TMP/lines.txt" 2>/dev/null &
p=$!; OC_PIDS+=($p); sleep 0.8
oc_iperf 1M
wait "$p"
check_num "without -w: one line per packet on stdout (-c 20)" "$(wc -l < "$OC_TMP/lines.txt")" -eq 20
check "without -w: every line names interface@point and direction" \
	bash -c "! grep -qvE '^[0-9:.]+ oca@(tc-egress|tc-ingress|post-gso) (In |Out) ' '$OC_TMP/lines.txt'"
check "without -w, -q: tcpdump's short TCP lines (tcp LEN)" \
	grep -qE ' IP [0-9.]+ > [0-9.]+: tcp [0-9]+' "$OC_TMP/lines.txt"
