#!/usr/bin/env bash
# make bench-view: how large `offcap view`'s page gets and how fast it opens.
# Generates a capture of VIEW_MB megabytes (default 1000; offcap -s 0 -p all
# of the demo traffic, iperf3 runs until the file is that large) in a
# temporary directory (never in the tree), then for it and the demo-sized one
# (DEMO_MB, default 16): the time `offcap view` takes, the page's size, and
# the time headless chromium takes to parse and draw it (performance.now() when
# the page's script is done; and the wall time from navigation to that; the
# median of three loads).
# VIEW_FILE=FILE measures an existing capture instead of generating one;
# VIEW_KEEP=FILE keeps the large capture generated there.
set -u
cd "$(dirname "$0")/.."
OFFCAP=./build/offcap
MB=${VIEW_MB:-1000} DEMO_MB=${DEMO_MB:-16}
id="ocview$$"; A="${id}a"; B="${id}b"
tmp=$(mktemp -d /tmp/offcap-bench-view.XXXXXX)
pids=()

cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$A" 2>/dev/null; ip netns del "$B" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pair() {
	ip netns add "$A" && ip netns add "$B" || return 1
	ip link add oca netns "$A" type veth peer name ocb netns "$B" || return 1
	ip -n "$A" addr add 198.18.0.1/24 dev oca; ip -n "$B" addr add 198.18.0.2/24 dev ocb
	ip -n "$A" link set oca up; ip -n "$B" link set ocb up
	ip netns exec "$B" ethtool -K ocb gro on >/dev/null
	ip netns exec "$B" iperf3 -s -B 198.18.0.2 >/dev/null 2>&1 & pids+=($!)
	for _ in $(seq 50); do ip netns exec "$B" ss -ltn | grep -q ':5201 ' && return 0; sleep 0.1; done
}

# gen FILE MB: capture iperf3 runs until the file holds MB megabytes
gen() {
	local f=$1 mb=$2 cap left
	$OFFCAP capture -q -s 0 -p all -i "$A/oca" -i "$B/ocb" -w "$f" 2>"$tmp/cap.err" & cap=$!; pids+=($cap)
	for _ in $(seq 100); do [ -s "$f" ] && break; sleep 0.1; done
	sleep 0.3
	for _ in $(seq 200); do
		left=$((mb * 1000000 - $(stat -c %s "$f")))
		[ "$left" -le 0 ] && break
		ip netns exec "$A" iperf3 -c 198.18.0.2 -n $((left / 5 > 4000000 ? left / 5 : 4000000)) >/dev/null 2>&1
		sleep 0.2
	done
	kill -INT "$cap"; wait "$cap"
}

measure() {	# measure NAME FILE: offcap view once (time, CPU), chromium 3 times (median)
	local name=$1 f=$2 page=$tmp/$1.html t ms=() wall=() err=0 b
	/usr/bin/time -f '%e %U %S' -o "$tmp/time" $OFFCAP view -o "$page" "$f" || { echo "| $name | view failed |"; return; }
	read -r t u s <"$tmp/time"
	for _ in 1 2 3; do
		b=$(python3 tests/view_browser.py "$page" "$tmp/$name.png")
		ms+=("$(echo "$b" | jq .ms)"); wall+=("$(echo "$b" | jq .wall_s)")
		err=$((err + $(echo "$b" | jq '.errors | length')))
	done
	printf '| %s | %s MB, %s packets | %s s (CPU %.2f s) | %s kB | %s ms (%s) | %s s | %s |\n' "$name" \
		"$(awk -v s="$(stat -c %s "$f")" 'BEGIN {printf "%.0f", s / 1e6}')" \
		"$($OFFCAP stats "$f" | awk 'NR > 1 {n += $2} END {print n}')" \
		"$t" "$(echo "$u + $s" | bc)" "$(( $(stat -c %s "$page") / 1000 ))" \
		"$(printf '%s\n' "${ms[@]}" | sort -n | sed -n 2p)" "$(IFS=,; echo "${ms[*]}")" \
		"$(printf '%s\n' "${wall[@]}" | sort -n | sed -n 2p)" "$err"
}

[ "$(id -u)" -eq 0 ] || { echo "bench-view: needs root (namespaces, BPF)" >&2; exit 1; }
echo "| capture | size | offcap view: wall (CPU) | page | chromium: page script done, median of 3 (all) | navigation to done, median | console errors |"
echo "|---|---|---|---|---|---|---|"
if [ -n "${VIEW_FILE:-}" ]; then
	measure file "$VIEW_FILE"
	exit 0
fi
pair || { echo "bench-view: namespaces failed" >&2; exit 1; }
gen "$tmp/demo.pcapng" "$DEMO_MB" && measure demo "$tmp/demo.pcapng"
big=${VIEW_KEEP:-$tmp/big.pcapng}
gen "$big" "$MB" && measure large "$big"
