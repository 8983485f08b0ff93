#!/usr/bin/env bash
# One over-MTU rule for every reader (#18): offcap stats and offcap report count
# the same frames over the MTU, per interface block, on every capture file of the
# test corpus: the filter test's crafted packets (Ethernet, raw IP, and the same
# re-framed as Linux cooked SLL and SLL2: VLAN, QinQ, IPv6, tunnels, truncated and
# corrupted frames, none with an MTU in the file), a live TSO capture with its
# MTU and the same file without it (pcap), and every capture file the integration
# tests run before this one left in $OC_CORPUS (tests/run.sh collects them).
# A file without an MTU is judged against OC_DEFAULT_MTU by both.
source "$(dirname "$0")/../lib.sh"
T=$OC_TMP/corpus
mkdir -p "$T"
python3 "$OC_ROOT/tests/filter/packets.py" "$T/crafted" || not_ok "tests/filter/packets.py wrote the crafted packets"
# The Ethernet frames again behind a Linux cooked header (SLL: 113, SLL2: 276).
python3 - "$T" <<'PY'
import struct, sys
d = sys.argv[1]
def frames(path):
    b = open(path, "rb").read()
    at = 24
    while at + 16 <= len(b):
        _, _, cl, wl = struct.unpack("<IIII", b[at:at + 16])
        yield b[at + 16:at + 16 + cl], wl
        at += 16 + cl
def write(path, lt, pkts):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, lt))
        for i, (p, wl) in enumerate(pkts):
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(p), max(wl, len(p))) + p)
sll, sll2 = [], []
for p, wl in frames(d + "/crafted.pcap"):
    if len(p) < 14:
        continue
    et, rest = p[12:14], p[14:]
    sll.append((struct.pack("!HHH", 0, 1, 6) + p[6:12] + b"\0\0" + et + rest, wl + 2))
    sll2.append((et + b"\0\0" + struct.pack("!IHBB", 2, 1, 0, 6) + p[6:12] + b"\0\0" + rest, wl + 6))
write(d + "/crafted-sll.pcap", 113, sll)
write(d + "/crafted-sll2.pcap", 276, sll2)
PY
if oc_pair 1500; then
	oc_capture "$T/live.pcapng" -i "$NS_A/oca" -i "$NS_B/ocb" -p all
	oc_iperf 2M
	oc_capture_stop
	editcap -F pcap "$T/live.pcapng" "$T/live-nomtu.pcap" 2>/dev/null
else
	not_ok "namespaces and veth pair for the live capture"
fi
[ -n "${OC_CORPUS:-}" ] && [ -d "$OC_CORPUS" ] && cp "$OC_CORPUS"/* "$T"/ 2>/dev/null

# "NAME OVER" per interface block with frames over the MTU, sorted: stats' table
# (name, packets, bytes, over-mtu, ...), report --json's interfaces.
stats_over() { "$OFFCAP" stats "$1" 2>/dev/null | awk 'NR > 1 && NF >= 7 && $4 > 0 { print $1, $4 }' | sort; }
report_over() { "$OFFCAP" report --json "$1" 2>/dev/null | jq -r '.interfaces[] | select(.over_mtu > 0) | "\(.interface) \(.over_mtu)"' | sort; }
n=0 bad=0 total=0 nonzero=0
for f in "$T"/*; do
	[ -s "$f" ] || continue
	"$OFFCAP" stats "$f" >/dev/null 2>&1 || continue	# not a capture file offcap reads
	s=$(stats_over "$f") r=$(report_over "$f")
	n=$((n + 1))
	[ -n "$s" ] && nonzero=$((nonzero + 1))
	total=$((total + $(awk '{ n += $2 } END { print n + 0 }' <<<"$s")))
	if [ "$s" != "$r" ]; then
		bad=$((bad + 1))
		not_ok "$(basename "$f"): stats and report disagree on frames over the MTU: stats [${s//$'\n'/, }] report [${r//$'\n'/, }]"
	fi
done
check_num "capture files of the corpus read by both" "$n" -ge 6
check_num "files with frames over the MTU (the rule is exercised)" "$nonzero" -ge 4
check "stats and report agree on every interface's frames over the MTU ($n files, $total frames over the MTU)" [ "$bad" -eq 0 ]
