#!/bin/bash
# perf profile of the capturing process on tcpdump's view at -s 0 (#20):
#   bench/profile-s0.sh offcap|tcpdump   -> /tmp/perf.WHO.data, perf report's top lines
# A veth pair in namespaces of its own, a 4 s iperf3 with TSO; the file on /tmp.
cd "$(dirname "$0")/.." || exit 1
WHO=${1:-offcap}; A=pfa$$ B=pfb$$; OUT=/tmp/profile-s0.$$
trap 'ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; rm -f $OUT' EXIT
ip netns add $A && ip netns add $B && ip link add oca netns $A type veth peer name ocb netns $B || exit 1
ip -n $A addr add 198.18.7.1/24 dev oca; ip -n $B addr add 198.18.7.2/24 dev ocb
ip -n $A link set oca up; ip -n $B link set ocb up
ip netns exec $B iperf3 -s -D -1 -p 5201 >/dev/null 2>&1; sleep 0.5
case $WHO in
offcap) build/offcap capture -q -s 0 -i $A/oca -p tc-egress,tc-ingress -w $OUT 2>/tmp/profile-s0.err & P=$! ;;
tcpdump) ip netns exec $A tcpdump -q -s 0 -i oca -w $OUT 2>/tmp/profile-s0.err & P=$! ;;
*) echo "usage: $0 offcap|tcpdump" >&2; exit 2 ;;
esac
sleep 1.5
perf record -F 1999 -g -p $P -o /tmp/perf.$WHO.data 2>/dev/null & PP=$!
ip netns exec $A iperf3 -c 198.18.7.2 -t 4 -p 5201 | grep -E "sender|receiver"
kill -INT $PP; wait $PP; sleep 0.3; kill -INT $P; wait $P
tail -3 /tmp/profile-s0.err; ls -l $OUT | awk '{print "file bytes:", $5}'
perf report -i /tmp/perf.$WHO.data --no-children --stdio 2>/dev/null | grep -E "^ +[0-9]" | head -10
