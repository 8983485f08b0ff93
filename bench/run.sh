#!/usr/bin/env bash
# make bench: what capturing costs, on a veth pair between two namespaces of its own.
#
# Online: a TCP stream with TSO (iperf3, BENCH_SECS per run) from A to B,
# interleaved and repeated BENCH_ROUNDS times (the order rotates every round),
# under
#   none        1. no capture
#   offcap      2. offcap, tc-egress + post-gso + tc-ingress, snaplen 256 (the default)
#   offcap-all  3. offcap, all four points including XDP
#   offcap-s0   4. offcap, default points, -s 0 (whole packets)
#   offcap-s0-once 4'. the same with --payload-once (post-gso keeps a super-frame's
#               headers only; tc-egress has its bytes)
#   tcpdump     5. tcpdump -i <sender veth> -s 256 -w FILE
#   tcpdump-s0  6. tcpdump -i <sender veth> -s 0 -w FILE
#   offcap-tc   7. offcap on tcpdump's view: the sender's veth, tc-egress +
#               tc-ingress (both directions), -s 256
#   offcap-tc-s0 8. the same, -s 0 (a packet finding its ring nearly full
#               keeps its first 256 bytes: --ring-full cut, the default)
#   offcap-tc-s0-drop 8'. the same with --ring-full drop (such a packet is lost,
#               as with tcpdump)
# and, to tell the cost of the hooks and XDP's observer effect from offcap's own
# capture cost,
#   hooks-only  a. programs that do nothing at offcap's default hooks (bench/hooks_only*)
#   xdp-pass    b. a trivial XDP_PASS program on the receiver, nothing captured
#   offcap-xdp  c. offcap -p xdp on the receiver only (in a libxdp dispatcher of its
#               own where the kernel runs trampolines; else alone on a bpf_link)
#   offcap-pregro d. offcap -p pre-gro on the receiver only: the pre-GRO view
#               without XDP's observer effect
#   pregro-nop  e. programs that do nothing at pre-gro's tracepoints
#   xdp-libxdp  f. the same XDP_PASS program through libxdp's dispatcher (xdp-loader)
#   offcap-xdp-user g. offcap -p xdp joining (f): the user's program and offcap's
#               in one dispatcher (kernels that run trampolines only; else skipped)
#   filter-none h. offcap as (2) with a kernel filter that matches nothing of the
#               stream ('tcp port 9': every header read, every packet rejected)
#   filter-port i. offcap as (2) with 'tcp port 5201' (matches the stream: as (2))
# offcap watches both ends (-i A/oca -i B/ocb), as `make demo` does; tcpdump
# the sender's veth (both directions of the stream).
# Offline: a >= 1 GB capture of the demo traffic, read by offcap, tcpdump,
# tshark and cat; peak RSS of offcap for two file sizes.
#
# It prints figures and PASS/MISS against the targets (stdout, Markdown;
# progress on stderr); it never fails on a timing. Exit status non-zero only
# when something broke. kernel.bpf_stats_enabled is on during the online part
# only and restored on every exit path.
#
# Knobs (environment): BENCH_ROUNDS (7), BENCH_SECS (3), BENCH_CONFIGS (all of
# the above, space-separated), BENCH_BEFORE (a git revision: adds
# offcap-before, configuration (2) with offcap built at that revision, in the
# same interleaved rounds, and reports (2)'s ratio to it), BENCH_BEFORE_AS (offcap:
# the configuration offcap-before repeats, e.g. offcap-tc-s0), BENCH_OFFLINE (1), BENCH_ONLINE (1),
# BENCH_BIG_MB (1024), BENCH_SMALL_MB (250), BENCH_S256_MB (250: a -s 256 capture read too), BENCH_REPS (3, offline repetitions),
# BENCH_BPF_STATS (1; 0 leaves kernel.bpf_stats_enabled off: throughput without
# the two clock reads per program run that bpf_stats adds, and no ns/event).
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
OFFCAP=${OFFCAP:-$ROOT/build/offcap}
ROUNDS=${BENCH_ROUNDS:-7}
SECS=${BENCH_SECS:-3}
CONFIGS=${BENCH_CONFIGS:-none offcap offcap-all offcap-s0 offcap-s0-once tcpdump tcpdump-s0 offcap-tc offcap-tc-s0 offcap-tc-s0-drop hooks-only xdp-pass offcap-xdp offcap-pregro pregro-nop xdp-libxdp offcap-xdp-user filter-none filter-port}
BEFORE=${BENCH_BEFORE:-}
BEFORE_AS=${BENCH_BEFORE_AS:-offcap}
[ -n "$BEFORE" ] && CONFIGS="$CONFIGS offcap-before"
ONLINE=${BENCH_ONLINE:-1}
OFFLINE=${BENCH_OFFLINE:-1}
BIG_MB=${BENCH_BIG_MB:-1024}
SMALL_MB=${BENCH_SMALL_MB:-250}
S256_MB=${BENCH_S256_MB:-250}
REPS=${BENCH_REPS:-3}
BPF_STATS=${BENCH_BPF_STATS:-1}
TIME=/usr/bin/time

id="ocbench$$"; A="${id}a"; B="${id}b"
IP_A=198.18.0.1 IP_B=198.18.0.2	# RFC 2544, only inside our own namespaces
tmp=$(mktemp -d /tmp/offcap-bench.XXXXXX)
pids=()
server=""
stats_orig=""
broke=0

cleanup() {
	local p
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	sleep 0.2	# the links of a killed offcap go with it; let the kernel let go
	ip netns del "$A" 2>/dev/null; ip netns del "$B" 2>/dev/null
	[ -n "$stats_orig" ] && sysctl -qw kernel.bpf_stats_enabled="$stats_orig"
	rm -rf "$tmp"
}
on_signal() { exit 130; }
trap cleanup EXIT
trap on_signal INT TERM HUP

say() { echo "bench: $*" >&2; }
fail() { say "ERROR: $*"; broke=1; }
ina() { ip netns exec "$A" "$@"; }
inb() { ip netns exec "$B" "$@"; }
# xdp-loader in B's network namespace only: `ip netns exec` remounts /sys, hiding bpffs
xlb() { nsenter --net="/run/netns/$B" xdp-loader "$@"; }
xdp_user_attach() {
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	xlb load ocb "$tmp/xdp_pass.bpf.o" -s xdp.frags >/dev/null 2>"$tmp/xl.err" ||
		{ fail "xdp-loader cannot attach the XDP_PASS program: $(tail -1 "$tmp/xl.err")"; return 1; }
	xlb status ocb | grep -qE ' [0-9]+ +bench_xdp_pass ' ||
		say "$1: libxdp attached the XDP_PASS program without its dispatcher (no trampolines here)"
}

# ---- preflight -------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || { say "needs root (namespaces, BPF, sysctl)"; exit 1; }
for t in iperf3 tcpdump tshark bpftool clang cc ethtool "$TIME"; do
	command -v "$t" >/dev/null || { say "missing $t (make deps)"; exit 1; }
done
[ -x "$OFFCAP" ] || { say "missing $OFFCAP (make)"; exit 1; }

# ---- namespaces, veth, helpers, iperf3 server ------------------------------
ip netns add "$A" && ip netns add "$B" || { say "cannot create namespaces"; exit 1; }
ip link add oca netns "$A" type veth peer name ocb netns "$B" || { say "cannot create veth pair"; exit 1; }
for n in "$A:oca:$IP_A" "$B:ocb:$IP_B"; do
	IFS=: read -r ns dev ip <<<"$n"
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$ip/24" dev "$dev"
	ip -n "$ns" link set "$dev" up
done
# as in make demo: the receiver merges with GRO, so tc-ingress shows merged frames
inb ethtool -K ocb gro on >/dev/null

clang -g -O2 -target bpf -Ivmlinux -c bench/xdp_pass.bpf.c -o "$tmp/xdp_pass.bpf.o" &&
clang -g -O2 -target bpf -Ivmlinux -c bench/hooks_only.bpf.c -o "$tmp/hooks_only.bpf.o" &&
cc -O2 -Wall bench/hooks_only.c -o "$tmp/hooks_only" -lbpf ||
	{ say "cannot build the bench's helpers (bench/*.c)"; exit 1; }

# offcap as it was at $BEFORE, built from that revision's own tree
if [ -n "$BEFORE" ]; then
	say "building offcap at $BEFORE"
	mkdir -p "$tmp/before" && git archive "$BEFORE" | tar -x -C "$tmp/before" &&
		make -s -C "$tmp/before" all >"$tmp/before.log" 2>&1 ||
		{ say "cannot build offcap at $BEFORE: $(tail -3 "$tmp/before.log")"; exit 1; }
fi

start_server() {
	# not through inb: $! must be iperf3 itself (ip netns exec execs it)
	ip netns exec "$B" iperf3 -s -B "$IP_B" -p 5201 >/dev/null 2>&1 & server=$!; pids+=("$server")
	local i; for i in $(seq 50); do inb ss -ltn 2>/dev/null | grep -q ':5201 ' && return 0; sleep 0.1; done
	return 1
}
restart_server() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; start_server; }
start_server || { say "iperf3 server did not start"; exit 1; }

# iperf_run JSONFILE: prints "gbit seconds" of the receiver, or nothing
iperf_run() {
	ina timeout $((SECS + 20)) iperf3 -c "$IP_B" -p 5201 -t "$SECS" -J >"$1" 2>&1
	awk '/"sum_received"/ {f = 1}
	     f && /"seconds"/ {gsub(/,/, ""); s = $2}
	     f && /"bits_per_second"/ {gsub(/,/, ""); printf "%.3f %.3f\n", $2 / 1e9, s; exit}' "$1"
}

stat_file=$tmp/runs.tsv	# config round gbit secs events drops cpu_s cut
prog_file=$tmp/progs.tsv	# config round prog ns_per_event run_cnt
: >"$stat_file"; : >"$prog_file"

# prog_ids PID: BPF program ids a process holds (fds of programs and links)
prog_ids() { cat /proc/"$1"/fdinfo/* 2>/dev/null | awk '$1 == "prog_id:" {print $2}' | sort -un; }

# bpf_costs CONFIG ROUND IDS...: run_time_ns / run_cnt per program
bpf_costs() {
	local cfg=$1 r=$2 pid; shift 2
	for pid in "$@"; do
		bpftool prog show id "$pid" 2>/dev/null | awk -v c="$cfg" -v r="$r" '
			NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "name") n = $(i + 1);
				if ($i == "run_time_ns") t = $(i + 1); if ($i == "run_cnt") k = $(i + 1) } }
			END { if (n != "" && k > 0) printf "%s\t%s\t%s\t%.1f\t%d\n", c, r, n, t / k, k }'
	done >>"$prog_file"
}

# child_of PID: the process /usr/bin/time started
child_of() { local i c; for i in $(seq 100); do c=$(pgrep -P "$1" | head -1); [ -n "$c" ] && { echo "$c"; return; }; sleep 0.05; done; }

cpu_of_timefile() { awk 'END {printf "%.3f", $2 + $3}' "$1"; }

# one_run CONFIG ROUND
one_run() {
	local cfg=$1 r=$2 out=$tmp/cap.out err=$tmp/cap.err tf=$tmp/time.out tpid="" cpid="" ids=() res
	local events=0 drops=0 cut=0 cpu=0 i rc
	rm -f "$out" "$err" "$tf"
	case $cfg in
	none) ;;
	offcap|offcap-all|offcap-s0|offcap-s0-once|offcap-tc|offcap-tc-s0|offcap-tc-s0-drop|offcap-xdp|offcap-pregro|offcap-before|offcap-xdp-user|filter-none|filter-port)
		local args=(-i "$A/oca" -i "$B/ocb") bin=$OFFCAP as=$cfg
		[ "$cfg" = offcap-xdp-user ] && { xdp_user_attach "$cfg" || return 1; }
		[ "$cfg" = offcap-before ] && { bin=$tmp/before/build/offcap; as=$BEFORE_AS; }
		case $as in
		offcap-all) args+=(-p all) ;;
		offcap-s0) args+=(-s 0) ;;
		offcap-s0-once) args+=(-s 0 --payload-once) ;;
		offcap-tc) args=(-i "$A/oca" -p tc-egress,tc-ingress) ;;
		offcap-tc-s0) args=(-i "$A/oca" -p tc-egress,tc-ingress -s 0) ;;
		offcap-tc-s0-drop) args=(-i "$A/oca" -p tc-egress,tc-ingress -s 0 --ring-full drop) ;;
		offcap-xdp|offcap-xdp-user) args=(-i "$B/ocb" -p xdp) ;;
		offcap-pregro) args=(-i "$B/ocb" -p pre-gro) ;;
		filter-none) args+=(tcp port 9) ;;
		filter-port) args+=(tcp port 5201) ;;
		esac
		$TIME -f '%e %U %S %M' -o "$tf" "$bin" capture -q -w "$out" "${args[@]}" 2>"$err" &
		tpid=$!; pids+=("$tpid")
		for i in $(seq 100); do [ -s "$out" ] && break; sleep 0.1; done
		if [ ! -s "$out" ] && grep -q 'can neither run next to it' "$err"; then
			say "$cfg: skipped: $(cat "$err")"; wait "$tpid"; xlb unload ocb --all >/dev/null 2>&1; return 1
		fi
		[ -s "$out" ] || { fail "$cfg: offcap did not start: $(cat "$err")"; kill -9 "$tpid"; return 1; }
		cpid=$(child_of "$tpid"); pids+=("$cpid")
		;;
	tcpdump|tcpdump-s0)
		local snap=256; [ "$cfg" = tcpdump-s0 ] && snap=0
		$TIME -f '%e %U %S %M' -o "$tf" ip netns exec "$A" tcpdump -i oca -s "$snap" -w "$out" 2>"$err" &
		tpid=$!; pids+=("$tpid")
		for i in $(seq 100); do grep -q 'listening on' "$err" 2>/dev/null && break; sleep 0.1; done
		grep -q 'listening on' "$err" || { fail "tcpdump did not start: $(cat "$err")"; kill -9 "$tpid"; return 1; }
		cpid=$(child_of "$tpid"); pids+=("$cpid")
		;;
	hooks-only|pregro-nop)
		local hook_args=("$A/oca" "$B/ocb")
		[ "$cfg" = pregro-nop ] && hook_args=(--pre-gro "$B/ocb")
		"$tmp/hooks_only" "$tmp/hooks_only.bpf.o" "${hook_args[@]}" >"$out" 2>"$err" &
		cpid=$!; pids+=("$cpid")
		for i in $(seq 100); do grep -q attached "$out" 2>/dev/null && break; sleep 0.1; done
		grep -q attached "$out" || { fail "hooks_only did not attach: $(cat "$err")"; kill -9 "$cpid"; return 1; }
		;;
	xdp-pass)
		ip -n "$B" link set dev ocb xdpdrv obj "$tmp/xdp_pass.bpf.o" sec xdp.frags ||
			{ fail "cannot attach the XDP_PASS program"; return 1; }
		;;
	xdp-libxdp) xdp_user_attach "$cfg" || return 1 ;;
	esac
	sleep 0.3
	res=$(iperf_run "$tmp/iperf.json")
	if [ -z "$res" ]; then
		fail "$cfg round $r: iperf3 failed: $(tail -3 "$tmp/iperf.json")"
		restart_server
	fi
	case $cfg in
	none) ;;
	xdp-pass)
		ids=($(ip -n "$B" link show dev ocb | grep -o 'prog/xdp id [0-9]*' | awk '{print $3}'))
		bpf_costs "$cfg" "$r" "${ids[@]}"
		ip -n "$B" link set dev ocb xdpdrv off
		;;
	xdp-libxdp)
		ids=($(ip -n "$B" link show dev ocb | grep -o 'prog/xdp id [0-9]*' | awk '{print $3}'))
		bpf_costs "$cfg" "$r" "${ids[@]}"
		xlb unload ocb --all >/dev/null 2>&1
		;;
	hooks-only|pregro-nop)
		ids=($(prog_ids "$cpid")); bpf_costs "$cfg" "$r" "${ids[@]}"
		kill "$cpid"; wait "$cpid"
		;;
	*)
		[ -n "$cpid" ] && ids=($(prog_ids "$cpid")) && bpf_costs "$cfg" "$r" "${ids[@]}"
		kill -INT "$cpid" 2>/dev/null
		wait "$tpid"; rc=$?
		[ "$rc" -eq 0 ] || fail "$cfg round $r: capture exited with $rc: $(tail -3 "$err")"
		[ "$cfg" = offcap-xdp-user ] && xlb unload ocb --all >/dev/null 2>&1
		cpu=$(cpu_of_timefile "$tf")
		if [ "${cfg%-s0}" = tcpdump ]; then
			events=$(awk '/packets received by filter/ {print $1}' "$err")
			drops=$(awk '/packets dropped by kernel/ {print $1}' "$err")
		else
			events=$(awk '/packets captured,/ {n += $2 + $5} END {print n + 0}' "$err")
			drops=$(awk '/packets captured,/ {n += $5} END {print n + 0}' "$err")
			cut=$(awk '/of them cut to their first/ {n += $2} END {print n + 0}' "$err")
		fi
		;;
	esac
	rm -f "$out"
	[ -n "$res" ] || return 1
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$cfg" "$r" "${res// /	}" "${events:-0}" "${drops:-0}" "${cpu:-0}" "${cut:-0}" >>"$stat_file"
	say "$(printf '%-11s round %d: %6.2f Gbit/s  %8d events  %6d drops  %6d cut  %5.2f CPU s' "$cfg" "$r" ${res% *} "${events:-0}" "${drops:-0}" "${cut:-0}" "${cpu:-0}")"
}

# med_of: median, min, max of the numbers on stdin ("- - -" when none)
med_of() { sort -g | awk '{v[NR] = $1} END { if (!NR) { print "- - -"; exit }
	m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m, v[1], v[NR] }'; }
col() { awk -F'\t' -v c="$1" -v k="$2" '$1 == c {print $k}' "$stat_file"; }
med() { col "$1" "$2" | med_of | awk '{print $1}'; }
# events/s per run: events / iperf seconds
evrate() { awk -F'\t' -v c="$1" '$1 == c && $4 > 0 {print $5 / $4}' "$stat_file"; }
# userspace CPU per event, the idle cost (start-up, loading) taken out
cpu_per_event() { awk -F'\t' -v c="$1" -v idle="$2" '$1 == c && $5 > 0 {v = ($7 - idle) / $5 * 1e9; print (v < 0) ? 0 : v}' "$stat_file"; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.1f%%", 100 * a / b }'; }

describe() {
	case $1 in
	none) echo "1. no capture" ;;
	offcap) echo "2. offcap tc-egress+post-gso+tc-ingress, -s 256" ;;
	offcap-all) echo "3. offcap all four points (XDP too)" ;;
	offcap-s0) echo "4. offcap default points, -s 0" ;;
	offcap-s0-once) echo "4'. offcap default points, -s 0 --payload-once" ;;
	tcpdump) echo "5. tcpdump -i oca -s 256 -w FILE" ;;
	tcpdump-s0) echo "6. tcpdump -i oca -s 0 -w FILE" ;;
	offcap-tc) echo "7. offcap -i oca -p tc-egress,tc-ingress (tcpdump's view), -s 256" ;;
	offcap-tc-s0) echo "8. offcap -i oca -p tc-egress,tc-ingress (tcpdump's view), -s 0" ;;
	offcap-tc-s0-drop) echo "8''. the same, --ring-full drop" ;;
	hooks-only) echo "a. do-nothing programs at the default hooks" ;;
	xdp-pass) echo "b. trivial XDP_PASS on ocb, no capture" ;;
	offcap-xdp) echo "c. offcap -p xdp on ocb only" ;;
	offcap-before) echo "$(describe "$BEFORE_AS" | cut -d. -f1)b. as $BEFORE_AS, offcap at $BEFORE" ;;
	offcap-pregro) echo "d. offcap -p pre-gro on ocb only" ;;
	pregro-nop) echo "e. do-nothing programs at pre-gro's tracepoints" ;;
	xdp-libxdp) echo "f. XDP_PASS through libxdp's dispatcher, no capture" ;;
	offcap-xdp-user) echo "g. offcap -p xdp joining (f)'s dispatcher" ;;
	filter-none) echo "h. as (2), kernel filter 'tcp port 9' (rejects the stream)" ;;
	filter-port) echo "i. as (2), kernel filter 'tcp port 5201' (the stream)" ;;
	*) echo "$1" ;;
	esac
}

verdict() { if [ "$1" = 1 ]; then echo PASS; else echo MISS; fi; }

# CPU seconds offcap takes with no traffic (start-up: BTF, verifier; then idle polling)
idle_cpu() {
	local tf=$tmp/idle.time
	$TIME -f '%e %U %S %M' -o "$tf" "$OFFCAP" capture -q -w "$tmp/idle.pcapng" -i "$A/oca" -i "$B/ocb" \
		--duration "$SECS" 2>/dev/null || { echo 0; return; }
	rm -f "$tmp/idle.pcapng"
	cpu_of_timefile "$tf"
}

# The goals of issue #20, each figure next to tcpdump's with the ratio.
issue20_targets() {
	local ts0 ots0 os0 ots dts0 dos0 ct co ctc hb ob p n
	ts0=$(med tcpdump-s0 3); ots0=$(med offcap-tc-s0 3); os0=$(med offcap-s0 3)
	[ "$ts0" = - ] && return
	dts0=$(col offcap-tc-s0 6 | awk '{s += $1} END {print s + 0}')
	dos0=$(col offcap-s0 6 | awk '{s += $1} END {print s + 0}')
	ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2fx", a / b }'; }
	ge() { verdict "$(awk -v a="$1" -v b="$2" 'BEGIN {print (a != "-" && b != "-" && a >= b)}')"; }
	echo
	echo "Issue #20 (one interleaved run; ratio = offcap / tcpdump):"
	printf -- '- -s 0 on tcpdump view (8) %s Gbit/s vs tcpdump -s 0 (6) %s: %s -> %s; drops (8) %s in all rounds (tcpdump: %s) -> %s; cut to 256 bytes instead (8): %s\n' \
		"$ots0" "$ts0" "$(ratio "$ots0" "$ts0")" "$(ge "$ots0" "$ts0")" "$dts0" \
		"$(col tcpdump-s0 6 | awk '{s += $1} END {print s + 0}')" "$(verdict "$((dts0 == 0))")" \
		"$(col offcap-tc-s0 8 | awk '{s += $1} END {print s + 0}')"
	printf -- '- -s 0 at the default points (4) %s Gbit/s vs tcpdump -s 0 (6) %s: %s -> %s (drops (4): %s)\n' \
		"$os0" "$ts0" "$(ratio "$os0" "$ts0")" "$(ge "$os0" "$ts0")" "$dos0"
	ct=$(cpu_per_event tcpdump 0 | med_of | awk '{print $1}')
	co=$(cpu_per_event offcap "$idle" | med_of | awk '{print $1}')
	ctc=$(cpu_per_event offcap-tc "$idle" | med_of | awk '{print $1}')
	printf -- '- user-space CPU per event at -s 256: offcap (2) %s ns, on tcpdump view (7) %s ns, tcpdump (5) %s ns: %s, %s -> %s\n' \
		"$co" "$ctc" "$ct" "$(ratio "$co" "$ct")" "$(ratio "$ctc" "$ct")" \
		"$(verdict "$(awk -v a="$co" -v b="$ct" 'BEGIN {print (a != "-" && b != "-" && a <= b)}')")"
	for p in $(awk -F'\t' '$1 == "offcap" {print $3}' "$prog_file" | sort -u); do
		ob=$(awk -F'\t' -v p="$p" '$1 == "offcap" && $3 == p {print $4}' "$prog_file" | med_of | awk '{print $1}')
		n=$(sed 's/^oc_//' <<<"$p" | cut -c1-8)	# tc_ingre, tc_egres, post_gso: bench_* alike
		hb=$(awk -F'\t' -v n="$n" '$1 == "hooks-only" && index($3, n) {print $4}' "$prog_file" | med_of | awk '{print $1}')
		printf -- '- BPF ns/event at -s 256, %s: %s against the do-nothing program %s: %s -> %s\n' "$p" "$ob" "$hb" \
			"$(ratio "$ob" "$hb")" "$(verdict "$(awk -v a="$ob" -v b="$hb" 'BEGIN {print (a != "-" && b != "-" && a <= 2 * b)}')")"
	done
}

report_online() {
	local bare cfg t ev cpu tot ratio ce idle=$1
	bare=$(med none 3)
	echo
	echo "## Online: TCP stream A -> B over veth, iperf3 -t $SECS, $ROUNDS interleaved rounds"
	echo
	echo "Median [min..max] over the rounds. Events: all hook points of both interfaces for offcap,"
	echo "packets seen by tcpdump. CPU: the capturing process (utime+stime, /usr/bin/time), whole run;"
	echo "per event with offcap's idle cost ($idle s: start-up and idle polling, measured with no traffic) taken out."
	echo
	echo "| configuration | Gbit/s | ratio to (1) | events/s | kernel drops (all rounds) | cut to 256 bytes, ring full (all rounds) | capture CPU s/run | CPU ns/event |"
	echo "|---|---|---|---|---|---|---|---|"
	for cfg in $CONFIGS; do
		t=($(col "$cfg" 3 | med_of)); ev=($(evrate "$cfg" | med_of)); cpu=($(col "$cfg" 7 | med_of))
		[ "${t[0]}" = - ] && { echo "| $(describe "$cfg") | no successful run | | | | | | |"; continue; }
		ratio=$(pct "${t[0]}" "$bare")
		case $cfg in
		none|xdp-pass|hooks-only|pregro-nop|xdp-libxdp)
			printf '| %s | %.2f [%.2f..%.2f] | %s | - | - | - | - | - |\n' "$(describe "$cfg")" "${t[@]}" "$ratio" ;;
		*)
			tot=$(col "$cfg" 6 | awk '{s += $1} END {print s + 0}')
			ce=$(cpu_per_event "$cfg" "$([ "${cfg%-s0}" = tcpdump ] && echo 0 || echo "$idle")" | med_of | awk '{print $1}')
			printf '| %s | %.2f [%.2f..%.2f] | %s | %.0f [%.0f..%.0f] | %s | %s | %.2f [%.2f..%.2f] | %s |\n' \
				"$(describe "$cfg")" "${t[@]}" "$ratio" "${ev[@]}" "$tot" \
				"$(col "$cfg" 8 | awk '{s += $1} END {print s + 0}')" "${cpu[@]}" \
				"$(awk -v v="$ce" 'BEGIN { if (v == "-") print "-"; else printf "%.0f", v }')" ;;
		esac
	done
	echo
	echo "BPF programs (kernel.bpf_stats_enabled: run_time_ns / run_cnt; median [min..max] over rounds):"
	echo
	echo "| configuration | program | ns/event | runs/s | < 150 ns |"
	echo "|---|---|---|---|---|"
	for cfg in $CONFIGS; do
		local p ns secs rate
		for p in $(awk -F'\t' -v c="$cfg" '$1 == c {print $3}' "$prog_file" | sort -u); do
			ns=($(awk -F'\t' -v c="$cfg" -v p="$p" '$1 == c && $3 == p {print $4}' "$prog_file" | med_of))
			secs=$(med "$cfg" 4)
			rate=$(awk -F'\t' -v c="$cfg" -v p="$p" '$1 == c && $3 == p {print $5}' "$prog_file" | med_of |
				awk -v s="$secs" '{printf "%.0f", (s > 0) ? $1 / s : 0}')
			printf '| %s | %s | %.0f [%.0f..%.0f] | %s | %s |\n' "$(describe "$cfg")" "$p" "${ns[@]}" "$rate" \
				"$(verdict "$(awk -v v="${ns[0]}" 'BEGIN {print (v < 150)}')")"
		done
	done
	echo
	echo "(runs/s of post-gso counts every net_dev_start_xmit on the machine; the program filters.)"
	echo
	echo "Targets:"
	local t2 d2 td worst
	t2=$(med offcap 3); td=$(med tcpdump 3)
	d2=$(col offcap 6 | awk '{s += $1} END {print s + 0}')
	printf -- '- throughput with (2) >= 98%% of (1): %s -> %s   (tcpdump (5): %s of (1) here; 73-88%% elsewhere)\n' \
		"$(pct "$t2" "$bare")" "$(verdict "$(awk -v a="$t2" -v b="$bare" 'BEGIN {print (a != "-" && b != "-" && a >= 0.98 * b)}')")" \
		"$(pct "$td" "$bare")"
	[ -n "$BEFORE" ] && printf -- '- %s against the same configuration at %s, same rounds: %s\n' "$BEFORE_AS" "$BEFORE" "$(pct "$(med "$BEFORE_AS" 3)" "$(med offcap-before 3)")"
	printf -- '- zero kernel drops in (2): %s drops in %s rounds -> %s\n' "$d2" "$(col offcap 3 | wc -l)" "$(verdict "$((d2 == 0))")"
	worst=$(awk -F'\t' '$1 == "offcap" || $1 == "offcap-all" {print $1 "/" $3, $4}' "$prog_file" | sort -k1,1 |
		awk '{v[$1] = v[$1] " " $2} END {for (k in v) print k, v[k]}' |
		while read -r k vals; do echo "$(tr ' ' '\n' <<<"$vals" | med_of | awk '{print $1}') $k"; done | sort -g | tail -1)
	printf -- '- < 150 ns per event per BPF program, (2) and (3): worst median %s ns (%s) -> %s\n' \
		"${worst%% *}" "${worst#* }" "$(verdict "$(awk -v v="${worst%% *}" 'BEGIN {print (v != "" && v < 150)}')")"
	issue20_targets
	local x xo xa h
	x=$(med xdp-pass 3); xo=$(med offcap-xdp 3); xa=$(med offcap-all 3); h=$(med hooks-only 3)
	echo
	echo "Where the cost comes from:"
	[ "$h" != - ] && echo "- the hooks alone (do-nothing programs, bpf_stats on): $(pct "$h" "$bare") of (1); offcap (2) is $(pct "$t2" "$h") of that."
	[ "$x" != - ] && echo "- observer effect: a trivial XDP_PASS on the receiver alone gives $(pct "$x" "$bare") of (1) (the sender loses GSO pass-through and segments in software)."
	[ "$x" != - ] && [ "$xo" != - ] && echo "- offcap -p xdp gives $(pct "$xo" "$x") of the XDP_PASS figure, all points $(pct "$xa" "$x"): that part is capture cost."
	local pg; pg=$(med offcap-pregro 3)
	local fn fp
	fn=$(med filter-none 3); fp=$(med filter-port 3)
	[ "$fn" != - ] && echo "- a kernel filter that rejects the whole stream (h): $(pct "$fn" "$bare") of (1), $(pct "$fn" "$h") of the do-nothing programs (a); its programs' ns/event above are the reject path (copy the headers, run the filter)."
	[ "$fp" != - ] && echo "- 'tcp port 5201', matching the stream (i): $(pct "$fp" "$t2") of unfiltered (2)."
	[ "$pg" != - ] && echo "- offcap -p pre-gro (the receiver's frames before GRO, no XDP): $(pct "$pg" "$bare") of (1), against $(pct "$xo" "$bare") for -p xdp; do-nothing programs at its tracepoints: $(pct "$(med pregro-nop 3)" "$bare")."
	local xl=$(med xdp-libxdp 3) xu=$(med offcap-xdp-user 3)
	[ "$xl" != - ] && echo "- XDP_PASS through libxdp's dispatcher (f): $(pct "$xl" "$bare") of (1), against $(pct "$x" "$bare") attached alone (b); offcap joining that dispatcher (g): $(pct "$xu" "$bare")."
	return 0
}

run_online() {
	local r i cfgs=($CONFIGS) n idle
	n=${#cfgs[@]}
	say "online: offcap's idle CPU"
	idle=$(idle_cpu)
	stats_orig=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled="$BPF_STATS" || { say "cannot set kernel.bpf_stats_enabled"; exit 1; }
	say "online: $n configurations x $ROUNDS rounds x ${SECS}s"
	for r in $(seq 1 "$ROUNDS"); do
		for i in $(seq 0 $((n - 1))); do	# rotate the order every round
			one_run "${cfgs[$(((i + r - 1) % n))]}" "$r"
		done
	done
	sysctl -qw kernel.bpf_stats_enabled="$stats_orig"
	stats_orig=""
	report_online "$idle"
}

# ---- offline -----------------------------------------------------------------
# gen_capture FILE MB: offcap -s 0 at all four points on both ends of the demo
# traffic, until the file holds MB megabytes
gen_capture() {
	local f=$1 mb=$2 snap=${3:-0} tpid i left n
	"$OFFCAP" capture -q -s "$snap" -p all -i "$A/oca" -i "$B/ocb" -w "$f" 2>"$tmp/gen.err" &
	tpid=$!; pids+=("$tpid")
	for i in $(seq 100); do [ -s "$f" ] && break; sleep 0.1; done
	sleep 0.3
	for i in $(seq 60); do
		left=$((mb * 1000000 - $(stat -c %s "$f")))
		[ "$left" -le 0 ] && break
		# every byte shows up at about four points; a quarter of what is
		# missing, at least 20 MB, keeps the file near the size asked for
		# (-s 256: about a fifth of each byte sent is recorded)
		if [ "$snap" = 0 ]; then n=$((left / 4)); else n=$((left * 3)); fi
		ina iperf3 -c "$IP_B" -p 5201 -n $((n > 20000000 ? n : 20000000)) >/dev/null 2>&1 ||
			restart_server
		sleep 0.2	# offcap drains its rings and flushes within a second
	done
	kill -INT "$tpid"; wait "$tpid" || { fail "offcap capture for the offline file failed: $(tail -3 "$tmp/gen.err")"; return 1; }
	[ "$(stat -c %s "$f")" -ge $((mb * 1000000)) ] || { fail "capture stayed below $mb MB"; return 1; }
}

# timed CMD...: REPS runs -> "median_elapsed maxrss_kB status"
timed() {
	local i e=() m=0 st=0
	for i in $(seq "$REPS"); do
		timeout 300 $TIME -f '%e %M' -o "$tmp/t" "$@" >/dev/null 2>"$tmp/cmd.err"; st=$?
		[ "$st" -eq 0 ] || break
		e+=("$(awk 'END {print $1}' "$tmp/t")"); m=$(awk 'END {print $2}' "$tmp/t")
	done
	if [ "$st" -ne 0 ]; then echo "- - $st"; return; fi
	echo "$(printf '%s\n' "${e[@]}" | med_of | awk '{print $1}') $m 0"
}

has_cmd() { "$OFFCAP" "$1" --help >/dev/null 2>&1; }

# The same readers on a -s 256 capture (offcap's default snaplen) of S256_MB.
offline_s256() {
	local f=$tmp/s256.pcapng mb n td line t st
	gen_capture "$f" "$S256_MB" 256 || return
	mb=$(awk -v s="$(stat -c %s "$f")" 'BEGIN {printf "%.0f", s / 1e6}')
	n=$("$OFFCAP" stats "$f" | awk 'NR > 1 {n += $2} END {print n}')
	cat "$f" >/dev/null
	declare -A e
	e[tcpdump]=$(timed tcpdump -r "$f" -nn)
	for c in stats report read; do e[$c]=$(timed "$OFFCAP" "$c" "$f"); done
	e[split]=$(timed "$OFFCAP" split "$f" "$tmp/s256-split.pcapng"); rm -f "$tmp/s256-split.pcapng"
	td=$(awk '{print $1}' <<<"${e[tcpdump]}")
	echo
	echo "### The same on a -s 256 capture of $mb MB ($n packets; offcap -s 256 -p all of the demo traffic)"
	echo
	echo "| command | seconds | speed vs tcpdump -r | >= 2x |"
	echo "|---|---|---|---|"
	for line in tcpdump stats report read split; do
		read -r t _ st <<<"${e[$line]}"
		if [ "$st" != 0 ]; then echo "| $line | failed (status $st) | | |"; fail "$line failed on the -s 256 file"; continue; fi
		awk -v n="$line" -v t="$t" -v td="$td" 'BEGIN {
			r = (t > 0) ? td / t : 0
			printf "| %s | %.2f | %.2fx | %s |\n", (n == "tcpdump") ? "tcpdump -r FILE -nn" : "offcap " n " FILE", t, r,
				(n == "tcpdump") ? "" : (r >= 2 ? "PASS" : "MISS") }'
	done
	rm -f "$f"
}

run_offline() {
	local big=$tmp/big.pcapng small=$tmp/small.pcapng size mb smb t td tc line split_out=$tmp/split.pcapng npk
	say "offline: generating a ${BIG_MB} MB and a ${SMALL_MB} MB capture (offcap -s 0 -p all, demo traffic)"
	gen_capture "$big" "$BIG_MB" || return
	gen_capture "$small" "$SMALL_MB" || return
	size=$(stat -c %s "$big"); mb=$(awk -v s="$size" 'BEGIN {printf "%.0f", s / 1e6}')
	smb=$(awk -v s="$(stat -c %s "$small")" 'BEGIN {printf "%.0f", s / 1e6}')
	npk=$("$OFFCAP" stats "$big" | awk 'NR > 1 {n += $2} END {print n}')
	cat "$big" "$small" >/dev/null	# both in the page cache: every reader starts warm
	declare -A el
	local names=(cat "tcpdump -r FILE -nn" "tshark -r FILE -T fields -e frame.len" "offcap stats FILE"
		     "offcap report FILE" "offcap split FILE OUT" "offcap read FILE")
	say "offline: timing readers on $mb MB"
	el[${names[0]}]=$(timed cat "$big")
	el[${names[1]}]=$(timed tcpdump -r "$big" -nn)
	el[${names[2]}]=$(REPS=1 timed tshark -r "$big" -T fields -e frame.len)
	el[${names[3]}]=$(timed "$OFFCAP" stats "$big")
	if has_cmd report; then el[${names[4]}]=$(timed "$OFFCAP" report "$big"); fi
	if has_cmd split; then el[${names[5]}]=$(timed "$OFFCAP" split "$big" "$split_out"); rm -f "$split_out"; fi
	if has_cmd read; then el[${names[6]}]=$(timed "$OFFCAP" read "$big"); fi
	echo
	echo "## Offline: one capture of $mb MB ($npk packets; offcap -s 0 -p all of the demo traffic), page cache warm"
	echo
	echo "Median of $REPS runs (tshark: 1 run); output to /dev/null (split: to a file in the same directory)."
	echo
	echo "| command | seconds | MB/s | speed vs tcpdump -r | speed vs cat |"
	echo "|---|---|---|---|---|"
	td=$(awk '{print $1}' <<<"${el[${names[1]}]}"); tc=$(awk '{print $1}' <<<"${el[cat]}")
	for line in "${names[@]}"; do
		if [ -z "${el[$line]:-}" ]; then
			echo "| $line | not built yet | | | |"; continue
		fi
		read -r t _ st <<<"${el[$line]}"
		if [ "$st" != 0 ]; then echo "| $line | failed (status $st) | | | |"; fail "$line failed on the offline file"; continue; fi
		awk -v n="$line" -v t="$t" -v mb="$mb" -v td="$td" -v tc="$tc" 'BEGIN {
			a = (td > 0 && t > 0) ? sprintf("%.2fx", td / t) : "-"; b = (tc > 0 && t > 0) ? sprintf("%.2fx", tc / t) : "-"
			r = (t > 0) ? mb / t : 0
			printf "| %s | %.2f | %.0f | %s | %s |\n", n, t, r, a, b }'
	done
	echo
	echo "(\"speed vs X\" = X's time / this command's time: above 1.00x is faster than X.)"
	offline_s256
	echo
	for line in "${names[1]}" "${names[6]}"; do	# the line view: lines per second to /dev/null
		[ -n "${el[$line]:-}" ] || continue
		read -r t _ st <<<"${el[$line]}"
		[ "$st" = 0 ] && awk -v n="$line" -v t="$t" -v p="$npk" 'BEGIN {
			if (t > 0) printf "- %s > /dev/null: %.0f lines/s (%d packets)\n", n, p / t, p }'
	done
	echo
	echo "Peak RSS (/usr/bin/time -f %M):"
	echo
	echo "| command | $smb MB file | $mb MB file |"
	echo "|---|---|---|"
	local rs rb rss_pass=1 rcmd
	for rcmd in stats report split; do
		if ! has_cmd "$rcmd"; then echo "| offcap $rcmd | not built yet | |"; continue; fi
		local extra=(); [ "$rcmd" = split ] && extra=("$split_out")
		rs=$(REPS=1 timed "$OFFCAP" "$rcmd" "$small" "${extra[@]}" | awk '{print $2}')
		rb=$(REPS=1 timed "$OFFCAP" "$rcmd" "$big" "${extra[@]}" | awk '{print $2}')
		rm -f "$split_out"
		echo "| offcap $rcmd | ${rs} kB | ${rb} kB |"
		awk -v s="$rs" -v b="$rb" 'BEGIN {exit !(s != "-" && b != "-" && b <= s * 1.1 + 2048)}' || rss_pass=0
	done
	rs=$(REPS=1 timed tcpdump -r "$small" -nn | awk '{print $2}'); rb=$(REPS=1 timed tcpdump -r "$big" -nn | awk '{print $2}')
	echo "| tcpdump -r -nn (reference) | ${rs} kB | ${rb} kB |"
	echo
	echo "Targets:"
	if [ -n "${el[${names[4]}]:-}" ]; then
		t=$(awk '{print $1}' <<<"${el[${names[4]}]}")
		printf -- '- offcap report at least as fast as tcpdump -r -nn > /dev/null: %s s vs %s s -> %s\n' "$t" "$td" \
			"$(verdict "$(awk -v a="$t" -v b="$td" 'BEGIN {print (a != "-" && b != "-" && a <= b)}')")"
	else
		echo "- offcap report at least as fast as tcpdump -r -nn: not built yet (offcap stats, same reader: $(awk '{print $1}' <<<"${el[${names[3]}]}") s vs $td s)"
	fi
	echo "- flat RSS (the $mb MB file within 10% + 2 MB of the $smb MB file, every offcap command): $(verdict "$rss_pass")"
	rm -f "$big" "$small"
}

# ---- main --------------------------------------------------------------------
echo "# offcap bench"
echo
echo "- machine: Linux $(uname -r), $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo) RAM"
echo "- command: make bench (bench/run.sh); rounds $ROUNDS x ${SECS}s; $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- setup: namespaces $A, $B; veth oca ($IP_A) <-> ocb ($IP_B), MTU 1500, TSO on, GRO on ocb"
echo "- load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine shows up as spread)"
[ "$ONLINE" = 1 ] && run_online
[ "$OFFLINE" = 1 ] && run_offline
echo
echo "- load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$broke" -ne 0 ]; then say "something broke (see ERROR lines above)"; exit 1; fi
exit 0
