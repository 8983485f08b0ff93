#!/usr/bin/env bash
# make bench-merge: two ends of a routed path captured on their own (offcap,
# -s 0, default points), then `offcap report A B` and `offcap merge` timed
# against `tcpdump -r` reading both files, with their peak memory, on a small
# and a large pair (RSS must not grow with the files). Prints a table.
#   BENCH_MERGE_MB  bytes iperf3 sends for the large pair (default 700 MB:
#                   about 1 GB per capture file with -s 0 at three points)
#   BENCH_REPS      runs per command (median; default 3)
#   BENCH_MERGE_RATE  iperf3 -b (default 2G: offcap -s 0 drops above it, which
#                   would make the captures differ for their own reasons)
set -u
source "$(dirname "$0")/../tests/lib.sh"
BIG=${BENCH_MERGE_MB:-700} REPS=${BENCH_REPS:-3} RATE=${BENCH_MERGE_RATE:-2G}
D=${BENCH_DIR:-$OC_TMP}
command -v /usr/bin/time >/dev/null || { echo "bench-merge: needs /usr/bin/time (package time)"; exit 1; }

# capture_pair NAME MB: iperf3 sends MB megabytes A -> B; each end captured apart
capture_pair() {
	local p pa pb
	"$OFFCAP" capture -q -s 0 -w "$D/$1-a.pcapng" -i "$NS_A/oca" 2>"$D/$1-a.err" & pa=$!; OC_PIDS+=($pa)
	"$OFFCAP" capture -q -s 0 -w "$D/$1-b.pcapng" -i "$NS_B/ocb" 2>"$D/$1-b.err" & pb=$!; OC_PIDS+=($pb)
	oc_wait_file "$D/$1-a.pcapng" && oc_wait_file "$D/$1-b.pcapng" && sleep 0.5
	oc_iperf "${2}M" -b "$RATE"	# a rate the capture keeps up with at -s 0 (issue 20)
	sleep 0.5
	for p in $pa $pb; do kill -INT "$p"; wait "$p"; done
}

# timed CMD...: the median of REPS runs, "seconds maxrss_kB"
timed() {
	local i out=()
	for i in $(seq "$REPS"); do
		/usr/bin/time -f '%e %M' -o "$D/time" "$@" >/dev/null 2>&1
		out+=("$(cat "$D/time")")
	done
	printf '%s\n' "${out[@]}" | sort -n | sed -n "$(( (REPS + 1) / 2 ))p"
}
tcpdump_both() { tcpdump -r "$1" -nn && tcpdump -r "$2" -nn; }

oc_router 1500 1500 || { echo "bench-merge: namespaces failed"; exit 1; }
capture_pair small 50
capture_pair big "$BIG"
echo "| pair | files (MB) | packets | tcpdump -r both (s) | offcap report A B (s) | ratio | offcap merge (s) | ratio | RSS tcpdump / report / merge (MB) |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in small big; do
	a=$D/$n-a.pcapng b=$D/$n-b.pcapng
	mb=$(( ($(stat -c %s "$a") + $(stat -c %s "$b")) / 1000000 ))
	pk=$(( $(capinfos -c -M "$a" 2>/dev/null | awk '/Number of packets/ {print $NF}') + \
	       $(capinfos -c -M "$b" 2>/dev/null | awk '/Number of packets/ {print $NF}') ))
	read -r tt tr <<<"$(timed bash -c "$(declare -f tcpdump_both); tcpdump_both '$a' '$b'")"
	read -r rt rr <<<"$(timed "$OFFCAP" report "$a" "$b")"
	read -r mt mr <<<"$(timed "$OFFCAP" merge -w "$D/merged.pcapng" "$a" "$b")"
	"$OFFCAP" report --json "$a" "$b" > "$D/$n.json"
	printf '| %s | %s | %s | %s | %s | %.2fx | %s | %.2fx | %d / %d / %d |\n' "$n" "$mb" "$pk" "$tt" "$rt" \
		"$(echo "$tt / $rt" | bc -l)" "$mt" "$(echo "$tt / $mt" | bc -l)" $((tr / 1024)) $((rr / 1024)) $((mr / 1024))
	echo "  capture drops: $(jq -r '[.captures[].capture_drops] | join(" / ")' "$D/$n.json")"
	echo "  match: $(jq -r '[.directions[] | select(.protocol == "tcp")] | max_by(.sent) |
		"\(.arrived) of \(.sent) wire segments matched, \(.lost) lost, offset error " ' "$D/$n.json")$(jq -r \
		'.captures[1] | "\(.clock_offset_s) s (+-\(.clock_uncertainty_s) s)"' "$D/$n.json")"
	rm -f "$D/merged.pcapng"
done
