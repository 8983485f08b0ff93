#!/usr/bin/env bash
# capture --payload-once (#20): a super-frame the device takes whole is kept
# whole at tc-egress and cut to its headers at post-gso (its length kept);
# whatever else post-gso sees keeps its bytes; the file and the start say so;
# report reads the cut frames as it reads whole ones; the file is smaller.
source "$(dirname "$0")/../lib.sh"
oc_pair 1500 || { not_ok "namespaces and veth pair"; exit 1; }
A="$NS_A/oca"
pts=(-i "$A" -i "$NS_B/ocb" -s 0 -p tc-egress,post-gso,tc-ingress)
sf='frame.len > 1514'

# the option's limits
"$OFFCAP" capture -q -w "$OC_TMP/x.pcapng" -i "$A" -p post-gso --payload-once 2>"$OC_TMP/refuse.err"
check "without tc-egress: refused with exit status 1 and a reason" \
	bash -c "[ $? -eq 1 ] && grep -q 'payload-once needs tc-egress' '$OC_TMP/refuse.err' && [ ! -e '$OC_TMP/x.pcapng' ]"
"$OFFCAP" capture -w "$OC_TMP/note.pcapng" -i "$A" -s 0 --duration 1 --payload-once 2>"$OC_TMP/note.err"
check "at start, stderr says post-gso's super-frames are cut to headers" \
	grep -q 'payload-once: at post-gso, super-frames (gso_size set) cut to their headers' "$OC_TMP/note.err"
"$OFFCAP" capture -q -w "$OC_TMP/y.pcapng" -i "$A" -p tc-egress --duration 1 --payload-once 2>"$OC_TMP/nop.err"
check "without post-gso: a warning, and the capture runs" \
	bash -c "[ $? -eq 0 ] && grep -q 'changes nothing without post-gso' '$OC_TMP/nop.err'"

"$OFFCAP" capture -q -w "$OC_TMP/z.pcapng" -i "$A" -p tc-egress,post-gso --duration 1 --payload-once 2>"$OC_TMP/snap.err"
check "with a snaplen (-s 256, the default): a warning, and the capture runs" \
	bash -c "[ $? -eq 0 ] && grep -q 'changes nothing at -s 256' '$OC_TMP/snap.err'"

# TSO on (the veth default): the same super-frames at tc-egress and post-gso
P=$OC_TMP/plain.pcapng O=$OC_TMP/once.pcapng
oc_capture "$P" "${pts[@]}"
oc_iperf 10M
oc_capture_stop
oc_capture "$O" "${pts[@]}" --payload-once
oc_iperf 10M
oc_capture_stop; check "capture --payload-once exits 0" [ $? -eq 0 ]
n_sf=$(oc_count "$O" "$A@post-gso" "$sf")
check_num "post-gso: super-frames handed to the device" "$n_sf" -gt 10
check_num "post-gso: every super-frame cut (cap_len < len)" \
	"$(oc_count "$O" "$A@post-gso" "$sf && frame.cap_len < frame.len")" -eq "$n_sf"
bad=$(oc_fields "$O" "$A@post-gso" "$sf" frame.cap_len ip.hdr_len tcp.hdr_len | awk '$1 != 14 + $2 + $3' | wc -l)
check_num "post-gso: each cut right after its TCP header (options included)" "$bad" -eq 0
check_num "post-gso: frames that are not super-frames kept whole" \
	"$(oc_count "$O" "$A@post-gso" "!($sf) && frame.cap_len != frame.len")" -eq 0
check_num "tc-egress: super-frames kept whole" "$(oc_count "$O" "$A@tc-egress" "$sf")" -gt 10
check_num "tc-egress: none cut" "$(oc_count "$O" "$A@tc-egress" "frame.cap_len != frame.len")" -eq 0
descr() { oc_fields "$O" "$1" "" frame.interface_description | head -1; }
check "post-gso's block says it: gso_payload=tc-egress and the text" \
	bash -c "d='$(descr "$A@post-gso")'; [[ \$d == *' gso_payload=tc-egress '* && \$d == *'cut to their headers by --payload-once: their payload is in the tc-egress block' ]]"
check "tc-egress's block does not" bash -c "[[ '$(descr "$A@tc-egress")' != *gso_payload* ]]"
ps=$(stat -c %s "$P") os=$(stat -c %s "$O")
echo "# file bytes for 10 MB sent (two runs): without $ps, with --payload-once $os ($(( (ps - os) * 100 / ps ))% smaller)"
check_num "the file is smaller" "$os" -lt "$ps"
kept=$(oc_fields "$O" "$A@post-gso" "$sf" frame.cap_len frame.len | awk '{ c += $1; l += $2 } END { print int(c * 1000 / l) }')
check_num "post-gso keeps under 1% of its super-frames' bytes (per mille)" "$kept" -lt 10

# report: what --payload-once writes reads as the whole capture did. The same
# capture cut afterwards (tests/once_cut.py) gives the same report, and the live
# one finds what the plain one found.
C=$OC_TMP/cut.pcapng
n_cut=$(python3 "$OC_ROOT/tests/once_cut.py" "$P" "$C")
check_num "the plain capture cut as --payload-once would" "$n_cut" -gt 10
cs=$(stat -c %s "$C")
echo "# the same capture: $ps bytes whole, $cs with post-gso's super-frames cut ($(( (ps - cs) * 100 / ps ))% smaller)"
# three points, one of the three whole copies of each super-frame left out: about a third
check_num "the same capture cut is a quarter smaller at least (bytes x4/3)" $((cs * 4 / 3)) -lt "$ps"
for fmt in "" --json; do
	"$OFFCAP" report $fmt "$P" | sed "s|$P|FILE|" > "$OC_TMP/p$fmt"
	"$OFFCAP" report $fmt "$C" | sed "s|$C|FILE|" > "$OC_TMP/c$fmt"
	check "report${fmt:+ $fmt}: the same capture cut says the same (over-MTU, segments, checksums)" \
		cmp -s "$OC_TMP/p$fmt" "$OC_TMP/c$fmt"
done
"$OFFCAP" report --json "$O" > "$OC_TMP/o.json"; "$OFFCAP" report "$O" > "$OC_TMP/o.txt"
pg='.interfaces[] | select(.interface | endswith("oca@post-gso"))'
check_num "report: post-gso's super-frames all counted over the MTU" "$(jq "$pg | .over_mtu" "$OC_TMP/o.json")" -eq "$n_sf"
# each super-frame's segments as the kernel counted them (gso_segs in its comment)
segs=$(oc_fields "$O" "$A@post-gso" "$sf" frame.comment | grep -o 'gso_segs=[0-9]*' | awk -F= '{n += $2} END {print n + 0}')
check_num "report: their segments counted from the length (gso_size), not the cut ($segs from gso_segs)" \
	"$(jq "$pg | .segments" "$OC_TMP/o.json")" -eq "$segs"
check_num "report: super-frames of many segments" "$segs" -gt $((n_sf * 2))
check "report: post-gso's super-frames said cut, their payload at tc-egress" \
	bash -c "grep -q 'super-frames cut to their headers (capture --payload-once): their payload is at tc-egress' '$OC_TMP/o.txt' &&
		 [ \"\$(jq -r '$pg | .gso_payload' '$OC_TMP/o.json')\" = tc-egress ]"
check_num "report: no synthesized segment missing" "$(jq .synthesis.missing "$OC_TMP/o.json")" -eq 0
check "report: no checksum called wrong or unverifiable, real problems none" \
	bash -c "grep -q 'Real problems: none' '$OC_TMP/o.txt' && ! grep -qE '[1-9][0-9]* really wrong|[1-9][0-9]* not verifiable' '$OC_TMP/o.txt'"

# a filter that reads payload decides on the whole super-frame, then it is cut
F=$OC_TMP/filtered.pcapng
oc_capture "$F" "${pts[@]}" --payload-once 'tcp dst port 5201 and tcp[100:1] >= 0'
oc_iperf 5M
oc_capture_stop
n_f=$(oc_count "$F" "$A@post-gso" "$sf")
check_num "a filter reading payload (tcp[100:1]): post-gso keeps the super-frames" "$n_f" -gt 10
# before 6.12 a tracepoint reads no page fragments: the filter leaves a super-frame's
# payload undecided, and libpcap decides on its bytes, kept whole
want=$n_f; grep -q "lacks bpf_dynptr_from_skb" "$OC_TMP/offcap.err" && want=0
check_num "a filter reading payload: those it kept are cut (where the kernel decided)" \
	"$(oc_count "$F" "$A@post-gso" "$sf && frame.cap_len < frame.len")" -eq "$want"

# TSO off: software GSO's segments at post-gso are not at tc-egress: whole
ina ethtool -K oca tso off >/dev/null
S=$OC_TMP/sw.pcapng
oc_capture "$S" "${pts[@]}" --payload-once
oc_iperf 5M
oc_capture_stop
check_num "software GSO: post-gso's segments" "$(oc_count "$S" "$A@post-gso" "tcp.len > 1000")" -gt 1000
check_num "software GSO: none cut" "$(oc_count "$S" "$A@post-gso" "frame.cap_len != frame.len")" -eq 0
"$OFFCAP" report --json "$S" > "$OC_TMP/s.json"
compared=$(jq .synthesis.compared "$OC_TMP/s.json")
check_num "software GSO: report compares the segments byte for byte" "$compared" -gt 1000
check_num "software GSO: every one matches the kernel's" "$(jq .synthesis.matched "$OC_TMP/s.json")" -eq "$compared"
