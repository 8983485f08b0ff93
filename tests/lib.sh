# shellcheck shell=bash
# Shared by the integration tests: unique namespaces joined by a veth pair,
# checks that print "ok"/"not ok", and a trap that removes everything made.
OC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OFFCAP=${OFFCAP:-$OC_ROOT/build/offcap}
OC_ID="oc$$$RANDOM"
NS_A="${OC_ID}a" NS_B="${OC_ID}b" NS_R="${OC_ID}r" NS_S="${OC_ID}s"
# RFC 2544 benchmarking addresses, only ever inside the test's own namespaces.
IP_A=198.18.0.1 IP_B=198.18.0.2
IP6_A=fd0c::1 IP6_B=fd0c::2
OC_TMP=$(mktemp -d "/tmp/offcap-test.XXXXXX")
OC_PIDS=()

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
# skip "description" "reason": a check that cannot run here (tests/run.sh counts it skipped)
skip() { echo "ok - $1 # SKIP $2"; }
# check "description" command...: ok when the command succeeds
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# jq_true FILTER FILE: the filter yields true
# (its last output neither false nor null; no output at all, e.g. an empty file, is false)
jq_true() {
	local out
	out=$(jq "$@" 2>/dev/null) || return 1
	out=${out##*$'\n'}
	[ -n "$out" ] && [ "$out" != false ] && [ "$out" != null ]
}
# check_num "description" got op want (op: -eq -le -ge -gt -lt)
check_num() {
	if [ -n "$2" ] && [ "$2" "$3" "$4" ] 2>/dev/null; then ok "$1 ($2 $3 $4)"
	else not_ok "$1 (got '${2}', want $3 $4)"; fi
}

# The hook points offcap attaches to tracepoints (post-gso, pre-gro), from oc_hooks[]
OC_TRACE_POINTS=$("$OFFCAP" --list-points 2>/dev/null | awk '$3 == "trace" { print $1 }' | tr '\n' ' ')

# oc_verdicts ERRFILE POINT: "kept rejected undecided user_kept user_rejected", the
# capture filter's verdicts at POINT from offcap capture's exit summary (stderr)
oc_verdicts() {
	sed -n "s/^$2 *filter in the kernel: \([0-9]*\) kept, \([0-9]*\) rejected, \([0-9]*\) undecided (libpcap in user space: \([0-9]*\) kept, \([0-9]*\) rejected)\$/\1 \2 \3 \4 \5/p" "$1"
}
# check_verdicts DESC ERRFILE POINT CAPTURED: the filter ran in the kernel at POINT: it
# rejected packets, kept at least the CAPTURED ones the file holds there (with what
# libpcap kept of the undecided), and left none undecided (where a tracepoint cannot
# read page fragments, before 6.12, some may be)
check_verdicts() {
	local d=$1 err=$2 pt=$3 n=$4 k r u uk ur lax=0
	read -r k r u uk ur < <(oc_verdicts "$err" "$pt")
	if [ -z "$k" ]; then not_ok "$d: no filter verdicts at $pt in the capture's summary"; return; fi
	[[ " $OC_TRACE_POINTS " == *" $pt "* ]] && grep -q "lacks bpf_dynptr_from_skb" "$err" && lax=1
	if [ "$r" -gt 0 ] && [ $((k + uk)) -ge "$n" ] && [ "$k" -gt 0 -o "$n" -eq 0 ] && [ "$u" -eq 0 -o $lax = 1 ]; then
		ok "$d: $pt kernel kept $k, rejected $r, undecided $u (file: $n)"
	else
		not_ok "$d: $pt kernel kept $k, rejected $r, undecided $u, user space kept $uk (file: $n; want rejected > 0, undecided 0, kept >= file)"
	fi
}

# oc_cleanup_ns: stop everything of the test's and remove its namespaces
oc_cleanup_ns() {
	local p ns
	for p in "${OC_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	# whatever still runs inside the test's namespaces (servers, capturers)
	for ns in "$NS_A" "$NS_B" "$NS_R" "$NS_S"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	done
	wait 2>/dev/null
	OC_PIDS=()
	for ns in "$NS_A" "$NS_B" "$NS_R" "$NS_S"; do ip netns del "$ns" 2>/dev/null; done
}
# OC_CORPUS (set by tests/run.sh): a folder that keeps the test's capture files
# for tests/integration/stats_report_agree.sh (at most 64 MiB each)
oc_keep_corpus() {
	[ -n "${OC_CORPUS:-}" ] && [ -d "$OC_CORPUS" ] || return 0
	local f t; t=$(basename "$0" .sh)
	find "$OC_TMP" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.pcapng.gz' \) -size -64M 2>/dev/null |
		while read -r f; do cp "$f" "$OC_CORPUS/$t-$(basename "$f")" 2>/dev/null; done
}
oc_cleanup() {
	oc_cleanup_ns
	oc_keep_corpus
	rm -rf "$OC_TMP"
}
trap oc_cleanup EXIT
trap 'exit 130' INT TERM

ina() { ip netns exec "$NS_A" "$@"; }
inb() { ip netns exec "$NS_B" "$@"; }
inr() { ip netns exec "$NS_R" "$@"; }
ins() { ip netns exec "$NS_S" "$@"; }

# oc_pair [MTU]: namespaces A and B, veth "oca" (in A) <-> "ocb" (in B)
oc_pair() {
	local mtu=${1:-1500}
	IP_B=198.18.0.2
	ip netns add "$NS_A" && ip netns add "$NS_B" || return 1
	ip link add oca netns "$NS_A" type veth peer name ocb netns "$NS_B" || return 1
	ina ip link set lo up; inb ip link set lo up
	ina ip link set oca mtu "$mtu" up; inb ip link set ocb mtu "$mtu" up
	ina ip addr add "$IP_A/24" dev oca; inb ip addr add "$IP_B/24" dev ocb
	ina ip -6 addr add "$IP6_A/64" dev oca nodad; inb ip -6 addr add "$IP6_B/64" dev ocb nodad
}

# oc_three MTU_A MTU_B: namespaces A, R (middle) and B; veth "oca" (A) <->
# "ra" (R) at MTU_A, "rb" (R) <-> "ocb" (B) at MTU_B. Nothing joins ra and rb yet.
oc_three() {
	ip netns add "$NS_A" && ip netns add "$NS_B" && ip netns add "$NS_R" || return 1
	ip link add oca netns "$NS_A" type veth peer name ra netns "$NS_R" || return 1
	ip link add ocb netns "$NS_B" type veth peer name rb netns "$NS_R" || return 1
	ina ip link set lo up; inb ip link set lo up; inr ip link set lo up
	ina ip link set oca mtu "$1" up; inr ip link set ra mtu "$1" up
	inb ip link set ocb mtu "$2" up; inr ip link set rb mtu "$2" up
}

# oc_router MTU_A MTU_B: R routes between 198.18.0.0/24 (A side) and
# 198.18.1.0/24 (B side); IP_B becomes B's address there.
oc_router() {
	oc_three "$1" "$2" || return 1
	IP_B=198.18.1.2
	ina ip addr add "$IP_A/24" dev oca; inr ip addr add 198.18.0.254/24 dev ra
	inr ip addr add 198.18.1.254/24 dev rb; inb ip addr add "$IP_B/24" dev ocb
	ina ip route add default via 198.18.0.254; inb ip route add default via 198.18.1.254
	inr sysctl -qw net.ipv4.ip_forward=1
}

# oc_bridge: R bridges ra and rb (bridge "ocbr"): A and B share 198.18.0.0/24.
oc_bridge() {
	oc_three 1500 1500 || return 1
	IP_B=198.18.0.2
	inr ip link add ocbr type bridge && inr ip link set ra master ocbr && inr ip link set rb master ocbr
	inr ip link set ocbr up
	ina ip addr add "$IP_A/24" dev oca; inb ip addr add "$IP_B/24" dev ocb
}

# oc_bg CMD...: start in the background, remembered for the cleanup
oc_bg() { "$@" >/dev/null 2>&1 & OC_PIDS+=($!); }

# oc_iperf BYTES [extra client args]: TCP transfer A -> B with iperf3
oc_iperf() {
	local n=$1; shift
	ip netns exec "$NS_B" iperf3 -s -1 -B "$IP_B" -p 5201 >/dev/null 2>&1 &
	OC_PIDS+=($!)
	local i; for i in $(seq 50); do inb ss -ltn 2>/dev/null | grep -q ':5201 ' && break; sleep 0.1; done
	ina iperf3 -c "$IP_B" -p 5201 -n "$n" "$@" >"$OC_TMP/iperf.out" 2>&1
}

# oc_wait_attached NS: wait until offcap's programs show up in NS (tc or xdp)
oc_wait_file() { local i; for i in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }

# oc_capture FILE ARGS...: start offcap in the background writing FILE; waits
# until the file has its header (the programs are attached by then).
oc_capture() {
	local f=$1; shift
	"$OFFCAP" capture -q -w "$f" "$@" >"$OC_TMP/offcap.out" 2>"$OC_TMP/offcap.err" &
	OC_CAP_PID=$!; OC_PIDS+=($!)
	oc_wait_file "$f" && sleep 0.3
}
# oc_capture_stop: SIGINT, then the exit status
oc_capture_stop() { kill -INT "$OC_CAP_PID" 2>/dev/null; wait "$OC_CAP_PID"; }

# tshark field dump of one interface: oc_fields FILE IFNAME@POINT FILTER FIELDS...
oc_fields() {
	local f=$1 ifn=$2 flt=$3; shift 3
	local args=(); for x in "$@"; do args+=(-e "$x"); done
	tshark -r "$f" -Y "frame.interface_name == \"$ifn\"${flt:+ && ($flt)}" -T fields "${args[@]}" 2>/dev/null
}
oc_count() { oc_fields "$1" "$2" "$3" frame.number | wc -l; }
# largest frame of an interface
oc_maxlen() { oc_fields "$1" "$2" "$3" frame.len | sort -n | tail -1; }
# offcap's programs still loaded anywhere (empty = nothing). A program lives as
# long as a link or filter holds it; freeing is deferred, so wait a little.
# The programs are the hook points' (offcap --list-points: oc_hooks[]) and their
# variants (oc_xdp_linear, oc_pre_gro_*; xdpshare's oc_xdp_chain_*, oc_xdp_verdict).
OC_PROG_RE="name oc_($("$OFFCAP" --list-points 2>/dev/null | awk '{ sub(/^oc_/, "", $5); printf "%s%s", (NR > 1 ? "|" : ""), $5 }'))[a-z_]*"
oc_progs() { bpftool prog show 2>/dev/null | grep -oE "$OC_PROG_RE"; }
oc_leftovers() {
	local i; for i in $(seq 30); do [ -z "$(oc_progs)" ] && break; sleep 0.1; done
	oc_progs; ip netns exec "$1" bpftool net show 2>/dev/null | grep -E 'oc_|id [0-9]'
}
