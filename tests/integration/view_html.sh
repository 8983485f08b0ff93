#!/usr/bin/env bash
# offcap view in a real browser: a fresh TCP transfer captured at every hook
# point (GRO on at the receiver: super-frames, segments and merges), the page
# loaded in headless chromium (tests/view_browser.py, DevTools protocol): no
# console errors, a screenshot, the DOM's counts equal `offcap report --json`'s,
# a click on a super-frame selects exactly the segments tshark finds at
# post-gso, a click on a GRO merge exactly the frames it was built from.
# Then a tcpdump file (one point).
source "$(dirname "$0")/../lib.sh"
command -v chromium >/dev/null || { not_ok "chromium is installed (make deps)"; exit 1; }
oc_pair 1500 || { not_ok "namespaces and veth pair"; exit 1; }
inb ethtool -K ocb gro on >/dev/null
F=$OC_TMP/v.pcapng J=$OC_TMP/r.json H=$OC_TMP/v.html B=$OC_TMP/b.json
SHOT=${VIEW_SHOT:-$OC_TMP/v.png}

oc_capture "$F" -i "$NS_A/oca" -i "$NS_B/ocb" -p all
oc_iperf 5M
oc_capture_stop
"$OFFCAP" report --json "$F" > "$J"
check "view writes the page" "$OFFCAP" view -o "$H" "$F"
check "the page loads nothing from the network (no http(s) src/href, no fetch)" \
	bash -c "! grep -qE '(src|href)=\"?https?:|fetch\\(|XMLHttpRequest' '$H'"
timeout 120 python3 "$OC_ROOT/tests/view_browser.py" "$H" "$SHOT" > "$B" 2>"$OC_TMP/browser.err"
check "chromium loaded the page (DevTools)" jq_true '.ms > 0' "$B"
[ -s "$B" ] || sed 's/^/# /' "$OC_TMP/browser.err"
check_num "no console errors or exceptions" "$(jq '.errors | length' "$B" 2>/dev/null)" -eq 0
jq -r '.errors[]?' "$B" 2>/dev/null | sed 's/^/# /'
check "a screenshot was written (PNG)" bash -c "[ \$(stat -c %s '$SHOT') -gt 10000 ] && head -c 8 '$SHOT' | grep -q PNG"
check_num "the page is ready in under 2 s" "$(jq .ms "$B")" -lt 2000

# the DOM's counts against the report's JSON, per interface block
dom=$(jq -c '[.points[] | {name, packets, over_mtu, superframes, gro_merged, received_whole}] | sort_by(.name)' "$B")
rep=$(jq -c '[.interfaces[] | {name: .interface, packets, over_mtu, superframes, gro_merged,
	received_whole: .received_whole.superframes}] | sort_by(.name)' "$J")
check "frames, over-MTU frames, super-frames, merges per hook point: DOM = report --json" [ "$dom" = "$rep" ]
[ "$dom" = "$rep" ] || { echo "# dom $dom"; echo "# rep $rep"; }
check_num "every interface block has its card" "$(jq '.points | length' "$B")" -eq "$(jq '.interfaces | length' "$J")"
check_num "super-frames shown at tc-egress" "$(jq '[.points[].superframes] | add' "$B")" -gt 10
check_num "findings listed = report's problem examples" "$(jq .findings "$B")" -eq "$(jq '.problem_examples | length' "$J")"
check_num "problem counts = report's" "$(jq '.problem_kinds | add // 0' "$B")" -eq "$(jq '[.problems[]] | add' "$J")"

# what a click selects, against tshark: the frames of one interface block
# with the same source port whose sequence range lies in the clicked frame's
tshark -r "$F" -T fields -E separator=, -e frame.number -e frame.interface_name -e tcp.srcport \
	-e tcp.seq_raw -e tcp.len -Y tcp 2>/dev/null > "$OC_TMP/t.csv"
expect() {	# expect CLICK_KEY: "ok" or what differs
	jq -c ".$1" "$B" | python3 -c '
import csv, json, sys
c = json.load(sys.stdin)
rows = {int(r[0]): r for r in csv.reader(open(sys.argv[1]))}
if not c or not c["hl"]:
    sys.exit(print("nothing selected: %r" % c))
s = rows[c["clicked"]]; lo, n = int(s[3]), int(s[4])
at = rows[c["hl"][0]][1]
want, seen = [], set()
order = sorted(rows) if sys.argv[2] == "after" else sorted(rows, reverse=True)
for k in order:
    r = rows[k]
    if (k > c["clicked"]) != (sys.argv[2] == "after") or k == c["clicked"] or r[1] != at or r[2] != s[2]:
        continue
    q, m = int(r[3]), int(r[4])
    if m and lo <= q and q + m <= lo + n and q not in seen:
        seen.add(q); want.append(k)
want.sort()
print("ok %d at %s" % (len(want), at) if want == c["hl"] and c["sel"] == [c["clicked"]] and c["links"] == len(want)
      else "want %s at %s, selected %s (sel %s)" % (want, at, c["hl"], c["sel"]))
' "$OC_TMP/t.csv" "$2"
}
sf=$(expect superframe_click after)
check "a click on a super-frame selects exactly its segments ($sf)" bash -c "[[ '$sf' == ok* && '$sf' == *@post-gso ]]"
check "the panel shows the super-frame's line as offcap read -v prints it" \
	bash -c "\"$OFFCAP\" read -v '$F' | grep -qxF \"\$(jq -r .superframe_click.line '$B')\""
mg=$(expect merge_click before)
check "a click on a GRO merge selects exactly the frames it was built from ($mg)" \
	bash -c "[[ '$mg' == ok* && ( '$mg' == *@xdp || '$mg' == *@pre-gro ) ]]"

# with a filter expression: the report's packets, frames numbered as in the file
page_json() { python3 -c 'import re, sys
print(re.search(r"<script id=\"offcap-data\" type=\"application/json\">(.*?)</script>", open(sys.argv[1]).read(), re.S).group(1))' "$1"; }
"$OFFCAP" report --json "$F" 'tcp port 5201' > "$OC_TMP/rf.json"
check "view with an expression writes the page" "$OFFCAP" view -o "$OC_TMP/f.html" "$F" 'tcp port 5201'
got=$(page_json "$OC_TMP/f.html" | jq -c '[.points[] | {name, packets, superframes}] | sort_by(.name)')
want=$(jq -c '[.interfaces[] | {name: .interface, packets, superframes}] | sort_by(.name)' "$OC_TMP/rf.json")
check "with an expression: frames and super-frames per point = report --json EXPR's" [ "$got" = "$want" ]
n=$(page_json "$OC_TMP/f.html" | jq '.flows[0].frames[-1][0]')
line=$(page_json "$OC_TMP/f.html" | jq -r '.flows[0].lines[-1]')
check "with an expression: a drawn frame's number and line are offcap read -v's (frame $n)" \
	[ "$("$OFFCAP" read -v "$F" | sed -n "${n}p")" = "$line" ]

# a tcpdump capture: one point, no metadata
T=$OC_TMP/td.pcap
inb tcpdump -Z root -i ocb -s 200 -w "$T" -U tcp port 5201 >/dev/null 2>&1 & OC_PIDS+=($!); tdp=$!
oc_wait_file "$T"; sleep 0.5
oc_iperf 2M
sleep 0.5; kill -TERM "$tdp"; wait "$tdp"
"$OFFCAP" report --json "$T" > "$J"
check "view reads tcpdump's file" "$OFFCAP" view -o "$H" "$T"
timeout 120 python3 "$OC_ROOT/tests/view_browser.py" "$H" "$OC_TMP/td.png" > "$B" 2>"$OC_TMP/browser.err"
check_num "tcpdump file: no console errors" "$(jq '.errors | length' "$B" 2>/dev/null)" -eq 0
check_num "tcpdump file: one point" "$(jq '.points | length' "$B")" -eq 1
check_num "tcpdump file: its frames = report's" "$(jq '.points[0].packets' "$B")" -eq "$(jq '.interfaces[0].packets' "$J")"
check "tcpdump file: the flow is drawn" jq_true '.flows | length >= 1' "$B"

# bad input: a message and a non-zero exit
echo "not a capture" > "$OC_TMP/bad"
check "a file that is no capture: exit 1 with a message" bash -c \
	"! \"$OFFCAP\" view -o '$H.bad' '$OC_TMP/bad' 2>'$OC_TMP/e' && grep -q offcap: '$OC_TMP/e'"
check "no -o: usage, exit 2" bash -c "\"$OFFCAP\" view '$F' 2>/dev/null; [ \$? -eq 2 ]"
