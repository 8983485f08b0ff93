#!/usr/bin/env bash
# Signals, leftovers and bad input.
source "$(dirname "$0")/../lib.sh"
oc_pair 1500 || { not_ok "namespaces and veth pair"; exit 1; }

F=$OC_TMP/int.pcapng
oc_capture "$F" -i "$NS_A/oca" -i "$NS_B/ocb" -p all
oc_bg ip netns exec "$NS_B" iperf3 -s -1 -B "$IP_B"
sleep 0.3
oc_bg ip netns exec "$NS_A" iperf3 -c "$IP_B" -t 3
sleep 1
oc_capture_stop; rc=$?
check "SIGINT mid-transfer: exit status 0" [ $rc -eq 0 ]
check "SIGINT mid-transfer: tshark reads the whole file" tshark -r "$F" -q
check "SIGINT mid-transfer: every interface block got its statistics block" \
	bash -c "'$OFFCAP' stats '$F' | awk 'NR > 1 && \$7 == \"none\" {bad=1} END {exit bad}'"
check "SIGINT: offcap detached everything" test -z "$(oc_leftovers "$NS_A")$(oc_leftovers "$NS_B")"

F=$OC_TMP/kill.pcapng
oc_capture "$F" -i "$NS_A/oca" -i "$NS_B/ocb" -p all
check "while capturing: XDP attached on ocb" bash -c "ip netns exec '$NS_B' bpftool net show | grep -q 'ocb.*id'"
check_num "while capturing: offcap's programs for -p all are loaded (xdp, tc x2, post-gso, pre-gro x5)" "$(oc_progs | sort -u | wc -l)" -eq 9
oc_iperf 2M
sleep 1.5	# past a once-a-second flush: some packets are on disk
kill -9 "$OC_CAP_PID"; wait "$OC_CAP_PID" 2>/dev/null
sleep 0.5
# Without tcx (before 6.6) the tc programs sit in clsact filters, which outlive
# the process: then only offcap's own filters may remain, and its next run removes them.
if ina tc filter show dev oca egress 2>/dev/null | grep -q oc_tc_egress; then
	check "SIGKILL without tcx: only offcap's own clsact filters remain (pref 53184)" bash -c \
		"ip netns exec '$NS_A' tc filter show dev oca egress | grep -q 'pref 53184 bpf.*oc_tc_egress' &&
		 ! ip netns exec '$NS_B' ip link show ocb | grep -q 'xdp'"
	"$OFFCAP" capture -q -i "$NS_A/oca" -i "$NS_B/ocb" --duration 1 -w "$OC_TMP/next.pcapng" 2>"$OC_TMP/next.err"
	check "SIGKILL without tcx: the next run removes them and says so" grep -q "removed a tc filter left on oca" "$OC_TMP/next.err"
fi
check "SIGKILL: nothing stays attached in either namespace" test -z "$(oc_leftovers "$NS_A")$(oc_leftovers "$NS_B")"
# SIGKILL can cut the last write() between pages: what came before must read,
# and at most the tail is damaged.
"$OFFCAP" stats "$F" > "$OC_TMP/kill.stats" 2>&1
check "SIGKILL: the packets flushed before the kill are readable" \
	bash -c "awk 'NR > 1 && \$1 ~ /@/ {n += \$2} END {exit !(n > 0)}' '$OC_TMP/kill.stats'"
check "SIGKILL: any damage is confined to the end of the file" \
	bash -c "! grep -q 'offcap:' '$OC_TMP/kill.stats' || grep -qE 'ends inside a block|truncated' '$OC_TMP/kill.stats'"

out=$("$OFFCAP" capture -i nosuch0 -w "$OC_TMP/x.pcapng" 2>&1); rc=$?
check "unknown interface: non-zero exit and a clear message" bash -c "[ $rc -ne 0 ] && grep -q \"no interface 'nosuch0'\" <<<\"$out\""
out=$("$OFFCAP" capture -i "$NS_A/oca" -w /nonexistent-dir/x.pcapng 2>&1); rc=$?
check "missing output directory: non-zero exit and a clear message" bash -c "[ $rc -ne 0 ] && grep -qi 'no such file' <<<\"$out\""
out=$("$OFFCAP" capture -i "nonsuchns/oca" 2>&1); rc=$?
check "unknown namespace: non-zero exit and a clear message" bash -c "[ $rc -ne 0 ] && grep -q 'nonsuchns' <<<\"$out\""
out=$("$OFFCAP" capture -i "$NS_A/oca" -p tc-egres 2>&1); rc=$?
check "unknown hook point: non-zero exit and a clear message" bash -c "[ $rc -ne 0 ] && grep -q \"unknown hook point 'tc-egres'\" <<<\"$out\""
out=$("$OFFCAP" capture -i "$NS_A/oca" -s abc 2>&1); rc=$?
check "bad snaplen: non-zero exit" [ $rc -ne 0 ]
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$OFFCAP" capture -i lo 2>&1); rc=$?
check "not root: non-zero exit and says what it needs" bash -c "[ $rc -ne 0 ] && grep -q 'needs root' <<<\"$out\""
check "offcap --help and capture --help exit 0" bash -c "'$OFFCAP' --help >/dev/null && '$OFFCAP' capture --help | grep -q -- --points"
check "offcap --version (as tcpdump's: with libpcap's and libbpf's)" bash -c "'$OFFCAP' --version | grep -q '^offcap version [0-9]'"

# clsact fallback (kernels before 6.6): filters outlive SIGKILL, the next run removes them
F=$OC_TMP/legacy.pcapng
oc_capture "$F" -i "$NS_A/oca" -p tc-ingress,tc-egress --tc-clsact
check "--tc-clsact: offcap's filter sits at its own priority" bash -c "ina() { ip netns exec '$NS_A' \"\$@\"; }; ina tc filter show dev oca egress | grep -q 'pref 53184 bpf.*oc_tc_egress'"
kill -9 "$OC_CAP_PID"; wait "$OC_CAP_PID" 2>/dev/null
check "--tc-clsact after SIGKILL: the filter is still there" bash -c "ip netns exec '$NS_A' tc filter show dev oca egress | grep -q oc_tc_egress"
"$OFFCAP" capture -q -i "$NS_A/oca" -p tc-ingress,tc-egress --tc-clsact --duration 1 -w "$F" 2>"$OC_TMP/legacy.err"
check "the next run removes the leftover filters and says so" grep -q "removed a tc filter left on oca by an earlier offcap run" "$OC_TMP/legacy.err"
check "and leaves no filter behind itself" bash -c "[ -z \"\$(ip netns exec '$NS_A' tc filter show dev oca egress)\$(ip netns exec '$NS_A' tc filter show dev oca ingress)\" ]"

# a start that fails leaves no file; what -s 0 and XDP cannot keep is said at start
ip netns exec "$NS_B" ip link set dev ocb xdpdrv obj "$OC_ROOT/build/tests/xdp_pass.bpf.o" sec xdp
# (where the kernel runs trampolines offcap traces it instead: capture_xdp_multi)
out=$(OFFCAP_DISABLE=prog_trace "$OFFCAP" capture -q -i "$NS_B/ocb" -p xdp --duration 3 -w "$OC_TMP/fail.pcapng" 2>&1); rc=$?
check "another XDP program attached, no trampolines: non-zero exit and says so" bash -c "[ $rc -ne 0 ] && grep -q 'can neither run next to it' <<<\"$out\""
check "a failed start leaves no output file" test ! -e "$OC_TMP/fail.pcapng"
ip netns exec "$NS_B" ip link set dev ocb xdpdrv off
"$OFFCAP" capture -q -i "$NS_B/ocb" -p all -s 0 --duration 1 -w "$OC_TMP/s0.pcapng" 2>"$OC_TMP/s0.err"
check "-s 0: says how much of a packet it keeps at most" grep -q -- "-s 0 keeps at most 262144 bytes" "$OC_TMP/s0.err"
check "xdp with rx-vlan-offload on: says frames at xdp lack the tag" grep -q "ocb strips received VLAN tags into metadata" "$OC_TMP/s0.err"
