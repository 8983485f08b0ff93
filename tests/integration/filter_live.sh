#!/usr/bin/env bash
# The kernel filter on real traffic: filtered captures, run at the same time
# as an unfiltered one at the same hook (post-gso: tracepoint programs stack on
# every kernel, where clsact filters of concurrent captures would not before
# tcx; default offloads, TCP), hold exactly what tcpdump -r selects from the
# unfiltered file.
source "$(dirname "$0")/../lib.sh"
oc_pair 1500 || { not_ok "namespaces and veth pair"; exit 1; }
lines() { tcpdump -nn -t -S -r "$1" "${@:2}" 2>/dev/null; }
# the file's header means attached; six loads at once take long under TCG
attached() { local i; for i in $(seq 900); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }
EXPRS=("len > 1514" "tcp[tcpflags] & (tcp-syn|tcp-fin) != 0" "tcp dst port 5201 and less 100"
	"ip and not tcp" "ip6 and (udp or icmp6)" "vlan or arp")
U=$OC_TMP/all.pcapng
"$OFFCAP" capture -q -s 128 -p post-gso -i "$NS_A/oca" -w "$U" >/dev/null 2>"$OC_TMP/u.err" &
OC_PIDS+=($!); PIDS=($!)
for i in "${!EXPRS[@]}"; do
	"$OFFCAP" capture -q -s 128 -p post-gso -i "$NS_A/oca" -w "$OC_TMP/f$i.pcapng" "${EXPRS[$i]}" \
		>/dev/null 2>"$OC_TMP/f$i.err" &
	OC_PIDS+=($!); PIDS+=($!)
done
attached "$U"; for i in "${!EXPRS[@]}"; do attached "$OC_TMP/f$i.pcapng"; done; sleep 0.3
# the captures start and stop one after another: a packet of the namespace's own
# (IPv6 neighbour discovery) at either edge is in some files only, so files are
# compared between a moment all were capturing and one before any stopped
T0=$(date +%s.%N); sleep 0.2
oc_iperf 20M
ina bash -c "echo x > /dev/udp/$IP_B/9999; echo y > /dev/udp/$IP6_B/9999"
sleep 0.3; T1=$(date +%s.%N); sleep 0.2
for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null; done
for p in "${PIDS[@]}"; do wait "$p"; done
window() { editcap -A "$T0" -B "$T1" "$1" "$1.win" >/dev/null 2>&1 && lines "$1.win" "${@:2}"; }
check_num "the unfiltered capture saw the transfer inside the window" "$(window "$U" | wc -l)" -gt 100
for i in "${!EXPRS[@]}"; do
	want=$(window "$U" "${EXPRS[$i]}" | md5sum) got=$(window "$OC_TMP/f$i.pcapng" | md5sum)
	n=$(lines "$OC_TMP/f$i.pcapng" | wc -l)
	check "'${EXPRS[$i]}': the kernel kept exactly what tcpdump selects ($n packets)" [ "$want" = "$got" ]
	check_verdicts "'${EXPRS[$i]}'" "$OC_TMP/f$i.err" post-gso "$n"
done
# every hook point with a filter (each program loads with it spliced in);
# XDP on ocb changes the pair's offloads, so after the comparisons above
"$OFFCAP" capture -q -s 128 -p all -i "$NS_A/oca" -i "$NS_B/ocb" -w "$OC_TMP/all-points.pcapng" \
	"tcp dst port 5201" >/dev/null 2>"$OC_TMP/ap.err" &
OC_CAP_PID=$!; OC_PIDS+=($!)
attached "$OC_TMP/all-points.pcapng" || sed 's/^/  /' "$OC_TMP/ap.err"; sleep 0.3
oc_iperf 2M
sleep 0.2; oc_capture_stop
for pt in oca@tc-egress oca@post-gso ocb@xdp ocb@tc-ingress ocb@pre-gro; do
	sel="frame.interface_name contains \"/$pt\""	# NS/IFACE@POINT: two namespaces
	n=$(tshark -r "$OC_TMP/all-points.pcapng" -Y "$sel" -T fields -e frame.number 2>/dev/null | wc -l)
	bad=$(tshark -r "$OC_TMP/all-points.pcapng" -Y "$sel && !(tcp.dstport == 5201)" -T fields -e frame.number 2>/dev/null | wc -l)
	check "-p all 'tcp dst port 5201': $pt kept the transfer ($n) and nothing else ($bad)" \
		[ "$n" -gt 10 -a "$bad" -eq 0 ]
done
for pt in xdp tc-ingress tc-egress post-gso pre-gro; do
	n=$(tshark -r "$OC_TMP/all-points.pcapng" -Y "frame.interface_name contains \"@$pt\"" -T fields -e frame.number 2>/dev/null | wc -l)
	check_verdicts "-p all 'tcp dst port 5201'" "$OC_TMP/ap.err" "$pt" "$n"
done
check "-p all: the verdicts in each statistics block's comment" \
	bash -c "strings '$OC_TMP/all-points.pcapng' | grep -c 'filter in the kernel (every interface at this point): kept=[1-9][0-9]* rejected=[1-9][0-9]* undecided=0' | grep -qx 10"
check_num "'len > 1514' kept super-frames" "$(lines "$OC_TMP/f0.pcapng" | wc -l)" -gt 0
check_num "'len > 1514' kept no frame that fits the MTU" \
	"$(tshark -r "$OC_TMP/f0.pcapng" -Y 'frame.len <= 1514' -T fields -e frame.number 2>/dev/null | wc -l)" -eq 0
check_num "'len > 1514' kept every super-frame the unfiltered capture has" \
	"$(tshark -r "$OC_TMP/f0.pcapng" -T fields -e frame.number 2>/dev/null | wc -l)" -eq "$(tshark -r "$U" -Y 'frame.len > 1514' -T fields -e frame.number 2>/dev/null | wc -l)"
"$OFFCAP" capture -q -i "$NS_A/oca" -w "$OC_TMP/bad.pcapng" 'tcp port' 2>"$OC_TMP/bad.err"; rc=$?
check "a bad expression: libpcap's message, exit 1, nothing written" \
	bash -c "[ $rc -eq 1 ] && grep -q 'syntax error' '$OC_TMP/bad.err' && [ ! -e '$OC_TMP/bad.pcapng' ]"
echo 'tcp  # a comment' > "$OC_TMP/expr"
"$OFFCAP" capture -q -c 1 -i "$NS_A/oca" -F "$OC_TMP/expr" -w "$OC_TMP/ff.pcapng" 2>/dev/null &
OC_PIDS+=($!); FP=$!
attached "$OC_TMP/ff.pcapng"; sleep 0.3
ina bash -c "echo x > /dev/udp/$IP_B/9999; exec 3<>/dev/tcp/$IP_B/22" 2>/dev/null
for i in $(seq 30); do kill -0 $FP 2>/dev/null || break; sleep 0.1; done; kill -INT $FP 2>/dev/null; wait $FP
check "-F FILE: the expression from a file (one TCP packet, no UDP)" \
	bash -c "[ \$(tcpdump -r '$OC_TMP/ff.pcapng' tcp 2>/dev/null | wc -l) -eq 1 ] && [ \$(tcpdump -r '$OC_TMP/ff.pcapng' 2>/dev/null | wc -l) -eq 1 ]"
check "nothing left attached" [ -z "$(oc_leftovers "$NS_A")" ]
