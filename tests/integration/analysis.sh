#!/usr/bin/env bash
# offcap report and split on real captures: segments synthesized exactly as the
# kernel cut them, GRO merges matched with XDP frames, tcpdump captures
# explained, MSS clamping seen, split output verified by tshark.
source "$(dirname "$0")/../lib.sh"
oc_pair 1500 || { not_ok "namespaces and veth pair"; exit 1; }
J=$OC_TMP/r.json

# 1. software GSO on the test's veth: every synthesized segment against the kernel's own
ina ethtool -K oca tso off >/dev/null
F=$OC_TMP/gso.pcapng
oc_capture "$F" -i "$NS_A/oca" -p tc-egress,post-gso -s 0
oc_iperf 20M
oc_capture_stop
ina ethtool -K oca tso on >/dev/null
"$OFFCAP" report --json "$F" > "$J"; rc=$?
check "report --json exits 0 and is valid JSON" bash -c "[ $rc -eq 0 ] && jq -e . '$J' >/dev/null"
compared=$(jq .synthesis.compared "$J"); matched=$(jq .synthesis.matched "$J")
check_num "synthesis: segments compared with the kernel's" "$compared" -gt 1000
check_num "synthesis: byte-for-byte match rate 100% (matched)" "$matched" -eq "$compared"
check_num "synthesis: no segment differs from the kernel's" "$(jq .synthesis.differed "$J")" -eq 0
# a segment not seen at post-gso is one the capture dropped (a loaded machine): never more
missing=$(jq .synthesis.missing "$J")
drops=$(sed -n 's/^post-gso *[0-9]* packets captured, \([0-9]*\) dropped.*/\1/p' "$OC_TMP/offcap.err")
check "synthesis: no segment missing but what the capture dropped at post-gso ($missing missing, ${drops:-?} dropped)" \
	[ "$missing" -eq 0 -o "$missing" -le "${drops:-0}" ]
echo "# synthesis match: $matched of $compared"
"$OFFCAP" report --side-by-side -c 3 "$F" > "$OC_TMP/sbs.txt"
check "side-by-side: three super-frames listed" bash -c "[ \$(grep -c '^super-frame' '$OC_TMP/sbs.txt') -eq 3 ]"
check "side-by-side: every segment row says match" bash -c "grep -q ' match$' '$OC_TMP/sbs.txt' && ! grep -q 'DIFFERS\|not seen' '$OC_TMP/sbs.txt'"

# 2. split: the capture as the wire carried it, checked by tshark
S=$OC_TMP/split.pcapng
"$OFFCAP" split "$F" "$S" 2>"$OC_TMP/split.err"; rc=$?
check "split exits 0" [ $rc -eq 0 ]
check_num "split: no frame over the MTU left (largest frame)" "$(tshark -r "$S" -T fields -e frame.len 2>/dev/null | sort -n | tail -1)" -le 1514
bad=$(tshark -r "$S" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE -Y "tcp.checksum.status != 1 || ip.checksum.status != 1" -T fields -e frame.number 2>/dev/null | wc -l)
check_num "split: tshark verifies every TCP and IP checksum as good (bad)" "$bad" -eq 0
sup=$(jq '.interfaces[] | select(.interface == "oca@tc-egress") | .segments' "$J")
got=$(tshark -r "$S" -Y 'frame.interface_name == "oca@tc-egress" && frame.comment contains "offcap split: segment"' -T fields -e frame.number 2>/dev/null | wc -l)
check_num "split: super-frames became as many segments as the report says ($sup)" "$got" -eq "$sup"

# 3. GRO on the receiver: merged frames matched with the frames XDP saw
inb ethtool -K ocb gro on >/dev/null
F=$OC_TMP/gro.pcapng
oc_capture "$F" -i "$NS_B/ocb" -p xdp,tc-ingress
oc_iperf 20M
oc_capture_stop
"$OFFCAP" report --json "$F" > "$J"
merged=$(jq .synthesis.gro_merged "$J")
check_num "GRO: merged frames found at tc-ingress" "$merged" -gt 10
check_num "GRO: merged frames whose every wire frame was seen at XDP" "$(jq .synthesis.gro_matched "$J")" -ge $((merged * 9 / 10))
check_num "GRO: tc-ingress oversize frames explained as GRO merges" \
	"$(jq '.interfaces[] | select(.hook == "tc-ingress") | .over_mtu_causes.gro_lro' "$J")" -eq "$(jq '.interfaces[] | select(.hook == "tc-ingress") | .over_mtu' "$J")"
inb ethtool -K ocb gro off >/dev/null

# 4. tcpdump's own capture on a TSO veth: every oversize frame explained, MSS of both sides
T=$OC_TMP/tcpdump.pcap
ip netns exec "$NS_A" tcpdump -Z root --immediate-mode -i oca -s 256 -w "$T" -U 2>"$OC_TMP/tcpdump.err" & TP=$!; OC_PIDS+=($TP)
for _ in $(seq 50); do grep -q listening "$OC_TMP/tcpdump.err" && break; sleep 0.1; done
oc_iperf 20M
sleep 0.3; kill -INT $TP; wait $TP
"$OFFCAP" report --json "$T" > "$J"; rc=$?
check "report reads tcpdump's pcap" [ $rc -eq 0 ]
over=$(jq '[.interfaces[].over_mtu] | add' "$J")
check_num "tcpdump capture: frames over the MTU" "$over" -gt 10
check_num "tcpdump capture: none of them unexplained (REAL)" "$(jq '[.interfaces[].over_mtu_causes.real] | add' "$J")" -eq 0
flow='[.flows[] | select(.proto == "tcp")] | max_by(.sides[0].payload_bytes)'
check_num "tcpdump capture: client MSS from the SYN" "$(jq "$flow | .sides[0].mss" "$J")" -eq 1460
check_num "tcpdump capture: server MSS from the SYN-ACK" "$(jq "$flow | .sides[1].mss" "$J")" -eq 1460
check_num "tcpdump capture: segment payload 1448 (1460 - 12 timestamps)" "$(jq "$flow | .sides[0].segment_payload" "$J")" -eq 1448
"$OFFCAP" report "$T" > "$OC_TMP/report.txt"
check "text report names the cause and says no real problem" \
	bash -c "grep -q 'offload super-frame or merge' '$OC_TMP/report.txt' && grep -q 'Real problems: none' '$OC_TMP/report.txt'"

# 5. MSS clamped on the receiver: advmss 1000 on its route
inb ip route replace 198.18.0.0/24 dev ocb proto kernel scope link src "$IP_B" advmss 1000
F=$OC_TMP/mss.pcapng
oc_capture "$F" -i "$NS_A/oca" -p tc-egress,tc-ingress
oc_iperf 10M
oc_capture_stop
"$OFFCAP" report --json "$F" > "$J"
check_num "MSS clamp: the server announced MSS 1000" "$(jq "$flow | .sides[1].mss" "$J")" -eq 1000
check_num "MSS clamp: the client's segment payload is 988" "$(jq "$flow | .sides[0].segment_payload" "$J")" -eq 988
check "MSS clamp: the client's super-frames carry gso_size 988" bash -c "jq -e '$flow | .sides[0].gso_sizes == [988]' '$J' >/dev/null"
check_num "MSS clamp: no real problem reported" "$(jq '[.problems[]] | add' "$J")" -eq 0

# 6. bad input
out=$("$OFFCAP" report /nonexistent.pcapng 2>&1); rc=$?
check "report: missing file gives a clear error and non-zero exit" bash -c "[ $rc -ne 0 ] && grep -qi 'no such file' <<<\"$out\""
head -c 1000 /bin/sh > "$OC_TMP/junk"
out=$("$OFFCAP" report "$OC_TMP/junk" 2>&1); rc=$?
check "report: a non-capture file gives a clear error and non-zero exit" bash -c "[ $rc -ne 0 ] && [ -n \"$out\" ]"
head -c 100000 "$S" > "$OC_TMP/cut.pcapng"
out=$("$OFFCAP" report "$OC_TMP/cut.pcapng" 2>&1); rc=$?
check "report: a truncated file reports the error, still reports, exits non-zero" \
	bash -c "[ $rc -ne 0 ] && grep -q 'Interfaces and hook points' <<<\"$out\""
out=$("$OFFCAP" split "$F" /nonexistent-dir/out.pcapng 2>&1); rc=$?
check "split: unwritable output gives a clear error and non-zero exit" bash -c "[ $rc -ne 0 ] && grep -qi 'no such file' <<<\"$out\""
