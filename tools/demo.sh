#!/usr/bin/env bash
# make demo: two namespaces joined by a veth pair, a TCP transfer measured
# without and then with offcap capturing at every hook point, demo.pcapng,
# a per-point summary. Everything it creates is removed at the end.
set -u
cd "$(dirname "$0")/.."
OFFCAP=./build/offcap
OUT=${DEMO_OUT:-demo.pcapng}
BYTES=${DEMO_BYTES:-200M}
id="ocdemo$$"; A="${id}a"; B="${id}b"
tmp=$(mktemp -d)
pids=()

cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$A" 2>/dev/null; ip netns del "$B" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || { echo "demo: needs root (namespaces, BPF)" >&2; exit 1; }
ip netns add "$A" && ip netns add "$B" || exit 1
ip link add oca netns "$A" type veth peer name ocb netns "$B" || exit 1
for n in "$A:oca:198.18.0.1" "$B:ocb:198.18.0.2"; do
	IFS=: read -r ns dev ip <<<"$n"
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$ip/24" dev "$dev"
	ip -n "$ns" link set "$dev" up
done
# The demo's own receiver merges with GRO, so tc-ingress shows merged frames.
ip netns exec "$B" ethtool -K ocb gro on >/dev/null

iperf() {	# iperf BYTES -> Gbit/s of the receiver
	ip netns exec "$B" iperf3 -s -1 -B 198.18.0.2 >/dev/null 2>&1 & pids+=($!)
	for _ in $(seq 50); do ip netns exec "$B" ss -ltn | grep -q ':5201 ' && break; sleep 0.1; done
	ip netns exec "$A" iperf3 -c 198.18.0.2 -n "$1" -J >"$tmp/iperf.json" 2>&1
	awk '/"sum_received"/{f=1} f && /"bits_per_second"/{gsub(/[,]/,""); printf "%.2f", $2/1e9; exit}' "$tmp/iperf.json"
}

echo "demo: namespaces $A and $B, veth oca (198.18.0.1) <-> ocb (198.18.0.2), MTU 1500"
bare=$(iperf "$BYTES")
echo "demo: TCP throughput without capture ($BYTES bytes): $bare Gbit/s"

$OFFCAP capture -i "$A/oca" -i "$B/ocb" --points all -w "$OUT" -q 2>"$tmp/offcap.err" &
cap=$!; pids+=($cap)
for _ in $(seq 50); do [ -s "$OUT" ] && break; sleep 0.1; done
sleep 0.5
with=$(iperf "$BYTES")
sleep 0.2
kill -INT "$cap"; wait "$cap"; rc=$?
echo "demo: TCP throughput with offcap at every point: $with Gbit/s"
echo "demo: (XDP on a veth switches its peer to software GSO: that is the observer effect offcap warns about)"
echo
cat "$tmp/offcap.err"
echo
[ "$rc" -eq 0 ] || { echo "demo: offcap exited with $rc" >&2; exit 1; }
if [ -x "$OFFCAP" ] && $OFFCAP report --help >/dev/null 2>&1; then
	$OFFCAP report "$OUT"
fi
echo "demo: wrote $OUT ($(du -h "$OUT" | cut -f1)); open it with: tshark -r $OUT or wireshark $OUT"
