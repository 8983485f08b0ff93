#!/bin/bash
# CPU the capturing process spends per byte at -s 0 (#20):
#   bench/cost-s0.sh offcap|tcpdump [RATE] [DIR]
# A veth pair in namespaces of its own, iperf3 at RATE (3G: nothing drops;
# 0: as fast as it goes) for 4 s, tc-egress + tc-ingress (tcpdump's view) to a
# file in DIR (/tmp); prints the process's elapsed, user and system seconds
# and the file's bytes. OCOPTS adds offcap options (e.g. "-B 8"); PERF=1
# profiles the process (/tmp/perf.WHO.data) and prints perf report's top lines.
cd "$(dirname "$0")/.." || exit 1
WHO=${1:-offcap}; RATE=${2:-3G}; DIR=${3:-/tmp}; A=cpa$$ B=cpb$$; OUT=$DIR/cost-s0.$$ TF=/tmp/cost-s0.time.$$
trap 'ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; rm -f $OUT $TF' EXIT
ip netns add $A && ip netns add $B && ip link add oca netns $A type veth peer name ocb netns $B || exit 1
ip -n $A addr add 198.18.7.1/24 dev oca; ip -n $B addr add 198.18.7.2/24 dev ocb
ip -n $A link set oca up; ip -n $B link set ocb up
ip netns exec $B iperf3 -s -D -1 -p 5201 >/dev/null 2>&1; sleep 0.5
case $WHO in
offcap) /usr/bin/time -f "%e %U %S" -o $TF build/offcap capture -q -s 0 -i $A/oca -p tc-egress,tc-ingress $OCOPTS -w $OUT 2>/tmp/cost-s0.err & P=$! ;;
tcpdump) /usr/bin/time -f "%e %U %S" -o $TF ip netns exec $A tcpdump -q -s 0 -i oca -w $OUT 2>/tmp/cost-s0.err & P=$! ;;
*) echo "usage: $0 offcap|tcpdump [RATE] [DIR]" >&2; exit 2 ;;
esac
sleep 1.5
[ -n "$PERF" ] && { perf record -F 2999 -g -p "$(pgrep -n -x tcpdump || pgrep -n -f 'offcap capture')" -o /tmp/perf.$WHO.data 2>/dev/null & PP=$!; }
ip netns exec $A iperf3 -c 198.18.7.2 -t 4 -b $RATE -p 5201 | awk '/sender/ {print "sent:", $7, $8}'
[ -n "$PERF" ] && { kill -INT $PP; wait $PP; }
sleep 0.3; pkill -INT -P $P; kill -INT $P 2>/dev/null; wait $P
echo "$WHO elapsed/user/system s: $(cat $TF)  file bytes: $(stat -c %s $OUT)"
grep -iE "dropped|cut" /tmp/cost-s0.err | tail -4
[ -n "$PERF" ] && perf report -i /tmp/perf.$WHO.data --no-children --stdio 2>/dev/null | grep -E "^ +[0-9]" | head -10
