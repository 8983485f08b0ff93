#!/usr/bin/env bash
# The xdp point next to a user's own XDP programs (tests/bpf/xdp_user.bpf.c:
# each counts what it sees and drops UDP to port 9). Through libxdp's
# dispatcher: one attached before offcap and one after keep working while
# offcap captures and after it exits, and nothing of offcap's stays after
# SIGKILL. A program attached alone (ip link): offcap traces it (fentry/fexit) and
# records its verdicts. A kernel that refuses programs on programs (and
# OFFCAP_DISABLE=prog_trace): offcap runs alone, or says why it cannot.
source "$(dirname "$0")/../lib.sh"
oc_pair 1500 || { not_ok "namespaces and veth pair"; exit 1; }
OBJ=$OC_ROOT/build/tests/xdp_user.bpf.o
# xdp-loader in B's network namespace only: `ip netns exec` remounts /sys, which hides bpffs
xl() { nsenter --net="/run/netns/$NS_B" xdp-loader "$@"; }
# frames user_a (key 0) / user_b (key 1) have seen, over every copy of the map
seen() { bpftool -j map dump name user_seen 2>/dev/null |
	jq "[.. | objects | select(.formatted?) | select(.formatted.key == $1) | .formatted.value] | add // 0"; }
noports() { inb awk '/^Udp:/ { n = $3 } END { print n }' /proc/net/snmp; }
# UDP datagrams A -> B: N to port 9 (the users' programs drop them), N to port 10
udp() { ina bash -c "for i in \$(seq $1); do echo sent-as-is > /dev/udp/$IP_B/9; echo y > /dev/udp/$IP_B/10; done"; }
# a TCP connection attempt A -> B (port 9: refused), for traffic a filter 'udp' drops
tcp_try() { ina timeout 2 bash -c "exec 3<>/dev/tcp/$IP_B/9" 2>/dev/null; }
offcap_xdp() { xl status ocb 2>/dev/null | grep -c ' oc_xdp'; }
# anything attached to ocb (offcap's, or the test's own where it expects none);
# programs are freed a little after their last link goes
ocb_progs() { inb bpftool net show dev ocb 2>/dev/null | grep -E 'oc_|id [0-9]'; }
offcap_left() { local i; for i in $(seq 30); do [ -z "$(ocb_progs | grep oc_)" ] && break; sleep 0.1; done; ocb_progs | grep oc_; }
status_has() { xl status ocb 2>/dev/null | grep -qE "$1"; }
# the users' programs still drop port 9 and pass port 10
users_work() {
	local np=$(noports) a=$(seen 0) b=$(seen 1)
	udp 20; sleep 0.3
	check_num "$1: port 10 passes, port 9 is dropped (ICMP port unreachable for port 10 only)" \
		"$(( $(noports) - np ))" -eq 20
	check_num "$1: user_a sees the frames" "$(( $(seen 0) - a ))" -ge 40
	[ -z "$2" ] || check_num "$1: user_b sees the frames user_a passes" "$(( $(seen 1) - b ))" -ge 20
}
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf	# as xdp-loader needs it

# 0. the default points change no feature of either end; XDP turns the peer's GSO off
feats() { ina ethtool -k oca; inb ethtool -k ocb; }
feats > "$OC_TMP/feat.before"
oc_capture "$OC_TMP/def.pcapng" -i "$NS_A/oca" -i "$NS_B/ocb"
feats > "$OC_TMP/feat.during"
oc_capture_stop
check "default points: the veth pair's features (GSO pass-through) as before, while capturing" \
	cmp -s "$OC_TMP/feat.before" "$OC_TMP/feat.during"
oc_capture "$OC_TMP/x.pcapng" -i "$NS_B/ocb" -p xdp
check "-p xdp on ocb: oca's TSO (GSO pass-through) turns off (the check above would see it)" \
	bash -c "ip netns exec $NS_A ethtool -k oca | grep -q '^tcp-segmentation-offload: off'"
oc_capture_stop
check "after -p xdp: features as before" bash -c "$(declare -f ina inb feats); NS_A=$NS_A NS_B=$NS_B; feats | cmp -s - '$OC_TMP/feat.before'"

F=$OC_TMP/probe.pcapng
"$OFFCAP" capture -q -i "$NS_B/ocb" -p xdp -w "$F" -c 1 >/dev/null 2>"$OC_TMP/probe.err" &
udp 3; wait $!
if grep -q 'refuses BPF programs on BPF programs' "$OC_TMP/probe.err"; then
	echo "# this kernel refuses trampolines: libxdp's dispatcher and fexit cannot run"
	NO_TRAMPOLINES=1
fi
export OFFCAP_DISABLE=${NO_TRAMPOLINES:+prog_trace}

if [ -z "$NO_TRAMPOLINES" ]; then
	# 1. libxdp: user_a before offcap, user_b while it captures
	xl load ocb "$OBJ" -n user_a >/dev/null 2>&1
	check "user_a attached through libxdp's dispatcher (it has a priority)" status_has ' [0-9]+ +user_a '
	F=$OC_TMP/multi.pcapng
	oc_capture "$F" -i "$NS_B/ocb" -p xdp
	check_num "offcap's program is in the dispatcher" "$(offcap_xdp)" -eq 1
	# linear XDP (before 5.18): no verdicts in a dispatcher, and offcap says so
	grep -q "without the chain's verdict" "$OC_TMP/offcap.err" && LINEAR=1
	[ -z "$LINEAR" ] || echo "# linear XDP: offcap records no verdict in a dispatcher here"
	users_work "offcap capturing, user_a"
	xl load ocb "$OBJ" -n user_b >/dev/null 2>&1
	check_num "user_b attached while offcap captures" "$(xl status ocb | grep -c ' user_b ')" -eq 1
	sleep 0.5	# offcap follows libxdp's new dispatcher within 100 ms
	users_work "offcap capturing" b
	oc_capture_stop; check "capture exits 0" [ $? -eq 0 ]
	check_num "offcap saw port 9's frames, which user_a then dropped (first in the chain)" \
		"$(oc_count "$F" ocb@xdp "udp.dstport == 9")" -ge 40
	if [ -n "$LINEAR" ]; then
		check_num "linear XDP: no frame has a verdict" \
			"$(oc_count "$F" ocb@xdp "frame.verdict.ebpf_xdp")" -eq 0
	else
		check_num "the chain's verdict: port 9's frames XDP_DROP (1)" \
			"$(oc_count "$F" ocb@xdp "udp.dstport == 9 && frame.verdict.ebpf_xdp == 1")" -ge 40
		check_num "the chain's verdict: port 10's frames XDP_PASS (2)" \
			"$(oc_count "$F" ocb@xdp "udp.dstport == 10 && frame.verdict.ebpf_xdp == 2")" -ge 40
		check_num "the chain's verdict: no frame to port 9 passed" \
			"$(oc_count "$F" ocb@xdp "udp.dstport == 9 && frame.verdict.ebpf_xdp != 1")" -eq 0
		check_num "offcap read: port 9's lines say 'xdp drop'" \
			"$("$OFFCAP" read "$F" udp dst port 9 | grep -c '  xdp drop')" -ge 40
		check "offcap report: the XDP verdicts of ocb@xdp" bash -c \
			"'$OFFCAP' report '$F' | grep -E 'XDP verdicts: [0-9]+ drop, [0-9]+ pass'"
	fi

	check_num "after exit: offcap's program left the dispatcher" "$(offcap_xdp)" -eq 0
	check_num "after exit: user_a and user_b still attached" "$(xl status ocb | grep -cE ' user_(a|b) ')" -eq 2
	users_work "after offcap" b

	# 2. SIGKILL: the guard takes offcap's program out of the dispatcher
	oc_capture "$OC_TMP/k.pcapng" -i "$NS_B/ocb" -p xdp
	check_num "capturing again: in the dispatcher" "$(offcap_xdp)" -eq 1
	kill -9 "$OC_CAP_PID"; wait "$OC_CAP_PID" 2>/dev/null
	for i in $(seq 30); do [ "$(offcap_xdp)" -eq 0 ] && break; sleep 0.1; done
	check_num "SIGKILL: offcap's program left the dispatcher" "$(offcap_xdp)" -eq 0
	check "SIGKILL: nothing of offcap's on ocb" test -z "$(offcap_left)"
	check "SIGKILL: no pin of offcap's in bpffs" bash -c "! grep -rqs oc_xdp /sys/fs/bpf/xdp"
	check "SIGKILL: the traces on the dispatcher are gone" bash -c \
		"for i in \$(seq 30); do bpftool prog show | grep -q oc_xdp_chain || exit 0; sleep 0.1; done; exit 1"
	users_work "after SIGKILL" b
	xl unload ocb --all >/dev/null 2>&1

	# 3. nothing attached: offcap makes the dispatcher, a user's program joins it
	# (with a kernel filter: it runs before the frame waits for its verdict)
	oc_capture "$OC_TMP/alone.pcapng" -i "$NS_B/ocb" -p xdp udp
	check_num "offcap alone, in a dispatcher" "$(offcap_xdp)" -eq 1
	udp 5; tcp_try; sleep 0.3
	xl load ocb "$OBJ" -n user_a >/dev/null 2>&1
	check_num "user_a attached after offcap" "$(xl status ocb | grep -c ' user_a ')" -eq 1
	sleep 0.5
	users_work "offcap first, user_a after"
	oc_capture_stop
	check_num "offcap saw port 9's frames, alone and then before user_a" \
		"$(oc_count "$OC_TMP/alone.pcapng" ocb@xdp "udp.dstport == 9")" -ge 25
	# alone, libxdp makes offcap's program the dispatcher's whole function: nothing to trace
	check_num "alone: port 9's frames (which all pass) carry no verdict" \
		"$(oc_count "$OC_TMP/alone.pcapng" ocb@xdp "udp.dstport == 9 && !frame.verdict.ebpf_xdp")" -ge 5
	if [ -n "$LINEAR" ]; then
		check_num "linear XDP: no frame has a verdict" \
			"$(oc_count "$OC_TMP/alone.pcapng" ocb@xdp "frame.verdict.ebpf_xdp")" -eq 0
	else
		check_num "with user_a after offcap: port 9's frames dropped (verdict 1)" \
			"$(oc_count "$OC_TMP/alone.pcapng" ocb@xdp "udp.dstport == 9 && frame.verdict.ebpf_xdp == 1")" -ge 20
	fi
	check_num "the filter 'udp': not the TCP SYNs, nothing but UDP" \
		"$(oc_count "$OC_TMP/alone.pcapng" ocb@xdp "!udp")" -eq 0
	check "after exit: only user_a in the dispatcher" bash -c \
		"[ \$(nsenter --net=/run/netns/$NS_B xdp-loader status ocb | grep -cE ' (oc_xdp|user_a) ') -eq 1 ]"
	xl unload ocb --all >/dev/null 2>&1

	# 4. a program attached alone, which libxdp cannot share: traced, its verdicts recorded
	inb ip link set dev ocb xdpdrv obj "$OBJ" sec xdp program user_a 2>/dev/null ||
		inb ip link set dev ocb xdpdrv obj "$OBJ" sec xdp
	F=$OC_TMP/trace.pcapng
	oc_capture "$F" -i "$NS_B/ocb" -p xdp
	users_work "traced"
	oc_capture_stop; check "capture exits 0" [ $? -eq 0 ]
	check_num "traced: port 9's frames with verdict XDP_DROP (1)" \
		"$(oc_count "$F" ocb@xdp "udp.dstport == 9 && frame.verdict.ebpf_xdp == 1")" -ge 20
	check_num "traced: port 10's frames with verdict XDP_PASS (2)" \
		"$(oc_count "$F" ocb@xdp "udp.dstport == 10 && frame.verdict.ebpf_xdp == 2")" -ge 20
	check_num "traced: frames as the program received them (before it wrote 'D' over the payload)" \
		"$(oc_count "$F" ocb@xdp 'frame contains "sent-as-is"')" -ge 20
	check_num "traced: ... never as it left them" "$(oc_count "$F" ocb@xdp 'frame contains "Dent-as-is"')" -eq 0
	check "traced: the user's program is still attached, alone" bash -c \
		"ip netns exec $NS_B ip -d link show ocb | grep -q 'prog/xdp id'"
	users_work "after tracing"
	oc_capture "$OC_TMP/k2.pcapng" -i "$NS_B/ocb" -p xdp
	kill -9 "$OC_CAP_PID"; wait "$OC_CAP_PID" 2>/dev/null
	for i in $(seq 30); do bpftool prog show | grep -qE 'oc_xdp_(trace_in|verdict)' || break; sleep 0.1; done
	check "traced, SIGKILL: the fentry/fexit programs are gone" bash -c "! bpftool prog show | grep -qE 'oc_xdp_(trace_in|verdict)'"
	inb ip link set dev ocb xdpdrv off
	export OFFCAP_DISABLE=prog_trace
fi

# 5. without programs on programs: alone on a link, or a clear refusal
inb ip link set dev ocb xdpdrv obj "$OBJ" sec xdp
"$OFFCAP" capture -q -i "$NS_B/ocb" -p xdp -w "$OC_TMP/no.pcapng" -c 1 >/dev/null 2>"$OC_TMP/no.err"
check "no trampolines, a program attached: offcap refuses, non-zero" [ $? -ne 0 ]
check "... and says why" grep -q "can neither run next to it" "$OC_TMP/no.err"
users_work "refused"
inb ip link set dev ocb xdpdrv off
F=$OC_TMP/link.pcapng
oc_capture "$F" -i "$NS_B/ocb" -p xdp
check "no trampolines, nothing attached: offcap warns that it runs alone" \
	grep -q "runs alone" "$OC_TMP/offcap.err"
udp 5; sleep 0.3
oc_capture_stop; check "capture exits 0" [ $? -eq 0 ]
check_num "alone: frames captured" "$(oc_count "$F" ocb@xdp "udp")" -ge 10
oc_capture "$OC_TMP/k3.pcapng" -i "$NS_B/ocb" -p xdp
kill -9 "$OC_CAP_PID"; wait "$OC_CAP_PID" 2>/dev/null
for i in $(seq 30); do [ -z "$(ocb_progs)" ] && break; sleep 0.1; done
check "alone, SIGKILL: nothing attached to ocb" test -z "$(ocb_progs)"
