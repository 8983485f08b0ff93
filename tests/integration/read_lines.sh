#!/usr/bin/env bash
# offcap read on tcpdump's own pcap of real TCP, UDP, ICMP, ARP and IPv6
# traffic: every line's protocol part equals tcpdump -nn -r's (relative
# sequence numbers) and, with -S on both sides, tcpdump -nn -S -r's; the
# expression selects what tcpdump selects (Ethernet and Linux cooked files);
# report, split and stats take the same expression; offcap -r works as tcpdump -r.
. "$(dirname "$0")/../lib.sh"
oc_pair || { not_ok "setup"; exit 1; }
F=$OC_TMP/t.pcap SLL=$OC_TMP/any.pcap

inb iperf3 -s -D >/dev/null 2>&1
ip netns exec "$NS_A" tcpdump -Z root --immediate-mode -i oca -s 0 -U -w "$F" 2>"$OC_TMP/td.err" & T1=$!
ip netns exec "$NS_A" tcpdump -Z root --immediate-mode -i any -s 0 -U -w "$SLL" 2>"$OC_TMP/td2.err" & T2=$!
OC_PIDS+=($T1 $T2)
for _ in $(seq 50); do grep -q listening "$OC_TMP/td.err" && grep -q listening "$OC_TMP/td2.err" && break; sleep 0.1; done
ina python3 - "$IP_B" "$IP6_B" <<'PY'
import socket, struct, sys, time
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
for i in range(3):
    h = struct.pack('!BBHHH', 8, 0, 0, 77, i) + b'x' * 56
    s.sendto(h[:2] + struct.pack('!H', csum(h)) + h[4:], (sys.argv[1], 0))
    s6.sendto(struct.pack('!BBHHH', 128, 0, 0, 77, i) + b'y' * 56, (sys.argv[2], 0))  # kernel fills the csum
    time.sleep(0.05)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5): u.sendto(b'z' * (100 + i), (sys.argv[1], 9999))
time.sleep(0.2)
PY
ina timeout 10 iperf3 -c "$IP_B" -n 300K >/dev/null 2>&1
ina timeout 10 iperf3 -6 -c "$IP6_B" -n 100K >/dev/null 2>&1
ina timeout 10 iperf3 -c "$IP_B" -u -b 2M -l 500 -t 1 >/dev/null 2>&1
sleep 0.5
kill -INT $T1 $T2; wait $T1 $T2

# the protocol part: the line without its time
tcpdump -nn -r "$F" 2>/dev/null | cut -d' ' -f2- >"$OC_TMP/td.txt"
"$OFFCAP" read "$F" | cut -d' ' -f2- | sed 's/  *$//' >"$OC_TMP/oc.txt"
n=$(wc -l <"$OC_TMP/td.txt")
check_num "tcpdump saw the traffic" "$n" -gt 100
check_num "offcap read: one line per packet" "$(wc -l <"$OC_TMP/oc.txt")" -eq "$n"
for what in "Flags \[S\]" "Flags \[S.\]" "Flags \[P.\]" "Flags \[F.\]" "IP6 .*Flags" "UDP, length" \
	"ICMP echo request" "ICMP echo reply" "ICMP6, echo request" "ICMP6, echo reply" "ARP, Request" "ARP, Reply"; do
	a=$(grep -c "$what" "$OC_TMP/td.txt") b=$(grep -c "$what" "$OC_TMP/oc.txt")
	check "'$what': $b lines, as tcpdump ($a)" [ "$a" -gt 0 ] && [ "$a" = "$b" ]
done
# field by field: addresses, ports, flags, seq, ack, win, options, length
diff "$OC_TMP/td.txt" "$OC_TMP/oc.txt" | head -20 >"$OC_TMP/diff"
check "every line's protocol part equals tcpdump -nn -r's (relative seq/ack, SACK)" [ ! -s "$OC_TMP/diff" ]
sed 's/^/#   /' "$OC_TMP/diff"
tcpdump -nn -S -r "$F" 2>/dev/null | cut -d' ' -f2- >"$OC_TMP/tdS.txt"
"$OFFCAP" read -S "$F" | cut -d' ' -f2- | sed 's/  *$//' >"$OC_TMP/ocS.txt"
diff "$OC_TMP/tdS.txt" "$OC_TMP/ocS.txt" | head -20 >"$OC_TMP/diff"
check "with -S on both sides: tcpdump -nn -S -r's absolute numbers" [ ! -s "$OC_TMP/diff" ]
sed 's/^/#   /' "$OC_TMP/diff"
for flag in -e -q; do
	tcpdump -nn $flag -r "$F" 2>/dev/null | cut -d' ' -f2- >"$OC_TMP/tdf.txt"
	"$OFFCAP" read $flag "$F" | cut -d' ' -f2- | sed 's/  *$//' >"$OC_TMP/ocf.txt"
	check "read $flag: tcpdump -nn $flag -r's lines" cmp -s "$OC_TMP/tdf.txt" "$OC_TMP/ocf.txt"
done
n1=$(tcpdump -nn -r "$F" 2>/dev/null | grep -m1 'Flags \[P.\]' | cut -d' ' -f2-)
n2=$("$OFFCAP" -nr "$F" -c 1 'tcp[tcpflags] & tcp-push != 0' | cut -d' ' -f2- | sed 's/  *$//')
check "offcap -nr FILE -c 1 EXPR: tcpdump's first push line" [ -n "$n1" ] && [ "$n1" = "$n2" ]

for expr in "tcp" "udp and not port 5201" "icmp or icmp6" "ip6" "arp" "tcp[tcpflags] & tcp-syn != 0" "len > 1000"; do
	a=$(tcpdump -r "$F" "$expr" 2>/dev/null | wc -l) b=$("$OFFCAP" read "$F" "$expr" | wc -l)
	c=$(tcpdump -r "$SLL" "$expr" 2>/dev/null | wc -l) d=$("$OFFCAP" read "$SLL" "$expr" | wc -l)
	check "read '$expr': $b packets as tcpdump ($a); Linux cooked: $d ($c)" [ "$a" -gt 0 ] && [ "$a" = "$b" ] && [ "$c" = "$d" ]
done
echo "udp and port 9999" >"$OC_TMP/expr"
check_num "read -F FILE" "$("$OFFCAP" read -F "$OC_TMP/expr" "$F" | wc -l)" -eq 5
"$OFFCAP" read "$SLL" "ether host 01:02:03:04:05:06" >/dev/null 2>"$OC_TMP/err"; rc=$?
check "an expression invalid for the file's link type: exit 1 with libpcap's words" \
	[ $rc -eq 1 ] && grep -q "LINUX_SLL" "$OC_TMP/err"
"$OFFCAP" read "$F" "tcp and" >/dev/null 2>"$OC_TMP/err"; rc=$?
check "a syntax error: exit 1, libpcap's message" [ $rc -eq 1 ] && grep -q "syntax error" "$OC_TMP/err"

a=$(tcpdump -r "$F" udp 2>/dev/null | wc -l)
check_num "stats FILE udp counts the UDP packets" "$("$OFFCAP" stats "$F" udp | awk 'NR == 2 { print $2 }')" -eq "$a"
check_num "stats --packets FILE udp lists them" "$("$OFFCAP" stats --packets "$F" udp | wc -l)" -eq "$a"
"$OFFCAP" split "$F" "$OC_TMP/s.pcapng" "ip6 and tcp" 2>/dev/null
check_num "split IN OUT 'ip6 and tcp' writes only those" "$(tcpdump -r "$OC_TMP/s.pcapng" 'not (ip6 and tcp)' 2>/dev/null | wc -l)" -eq 0
check_num "... and all of them" "$(tcpdump -r "$OC_TMP/s.pcapng" 2>/dev/null | wc -l)" -ge "$(tcpdump -r "$F" 'ip6 and tcp' 2>/dev/null | wc -l)"
"$OFFCAP" report "$F" "ip6" >"$OC_TMP/r.txt"
check "report FILE ip6: the IPv6 flow, no IPv4 one, and the note" \
	grep -q "only the packets matching" "$OC_TMP/r.txt"
check_num "report FILE ip6 analysed the IPv6 packets only" "$(awk 'NR == 1 { print $4 }' "$OC_TMP/r.txt")" -eq \
	"$(tcpdump -r "$F" ip6 2>/dev/null | wc -l)"
check "offcap --version names libpcap and libbpf" bash -c "'$OFFCAP' --version | grep -q libpcap && '$OFFCAP' --version | grep -q libbpf"
