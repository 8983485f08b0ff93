#!/usr/bin/env bash
# capture without -w prints one tcpdump-like line per packet of real traffic,
# with offcap's columns; with -w and --print into a reader that does not read
# for seconds, the file still gets every packet, the capture never waits, and
# the lines it had to skip are counted and reported.
. "$(dirname "$0")/../lib.sh"
oc_pair || { not_ok "setup"; exit 1; }
inb iperf3 -s -D >/dev/null 2>&1

"$OFFCAP" capture -i "$NS_A/oca" --duration 3 >"$OC_TMP/lines" 2>"$OC_TMP/err" & P=$!; OC_PIDS+=($P)
for _ in $(seq 50); do grep -q capturing "$OC_TMP/err" && break; sleep 0.1; done
ina timeout 10 iperf3 -c "$IP_B" -n 1M >/dev/null 2>&1
wait $P; rc=$?
L=$OC_TMP/lines
check "capture without -w ends cleanly" [ $rc -eq 0 ]
check "the SYN at tc-egress: interface@point, direction, addresses, ports, flags, seq, options" \
	grep -Eq "^[0-9:.]+ oca@tc-egress Out IP $IP_A\.[0-9]+ > $IP_B\.5201: Flags \[S\], seq [0-9]+, win [0-9]+, options \[mss 1460," "$L"
check "the SYN-ACK at tc-ingress" grep -Eq " oca@tc-ingress In  IP $IP_B\.5201 > $IP_A\.[0-9]+: Flags \[S\.\], seq [0-9]+, ack [0-9]+," "$L"
check "a TSO super-frame: its length, then gso SIZExSEGS tcpv4 and csum partial" \
	grep -Eq " oca@tc-egress Out IP .*, length [0-9]{4,}  +gso 1448x[0-9]+ tcpv4  csum partial" "$L"
check "every line starts with a time and names its interface and point" \
	bash -c "! grep -Evq '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} oca@(tc-ingress|tc-egress|post-gso) (In |Out)' '$L'"

# a fast stream into a reader that sleeps first
F=$OC_TMP/f.pcapng
( "$OFFCAP" capture -i "$NS_A/oca" -w "$F" --print --duration 3 2>"$OC_TMP/err2"; echo $? >"$OC_TMP/rc" ) |
	( sleep 5; wc -l >"$OC_TMP/nlines" ) & P=$!; OC_PIDS+=($P)
for _ in $(seq 50); do grep -q capturing "$OC_TMP/err2" && break; sleep 0.1; done
ina timeout 10 iperf3 -c "$IP_B" -u -b 0 -l 64 -t 2 >/dev/null 2>&1
wait $P
captured=$(awk '/packets captured/ { n += $2 } END { print n + 0 }' "$OC_TMP/err2")
skipped=$(sed -n 's/^\([0-9]*\) lines skipped (terminal too slow)$/\1/p' "$OC_TMP/err2")
infile=$("$OFFCAP" stats "$F" | awk 'NR > 1 { n += $2 } END { print n + 0 }')
check "the capture ended cleanly" [ "$(cat "$OC_TMP/rc")" = 0 ]
check_num "a fast stream" "$captured" -gt 50000
check_num "lines skipped while the reader slept, and said so" "${skipped:-0}" -gt 0
check_num "the file has every packet captured" "$infile" -eq "$captured"
check_num "lines written + lines skipped = packets captured" "$(( $(cat "$OC_TMP/nlines") + ${skipped:-0} ))" -eq "$captured"
"$OFFCAP" -r "$F" -w "$OC_TMP/g.pcapng" -c 1000 "udp port 5201"
check "read -w: the matching packets, interface blocks and metadata kept (same lines)" \
	cmp -s <("$OFFCAP" read "$F" -c 1000 "udp port 5201") <("$OFFCAP" read "$OC_TMP/g.pcapng")
tcpdump -r "$OC_TMP/g.pcapng" >"$OC_TMP/g.txt" 2>/dev/null
check_num "read -w -c 1000 writes 1000 packets" "$(wc -l <"$OC_TMP/g.txt")" -eq 1000
