#!/usr/bin/env bash
# The kernel filter gives libpcap's verdict on every packet: `offcap filter
# EXPR -r FILE` runs the capture's own tc program, filter spliced in
# (BPF_PROG_TEST_RUN), next to pcap_offline_filter, for every expression of
# tests/filter/exprs.txt over crafted packets (VLAN/QinQ, IPv6 extension
# headers, fragments, ICMP, tunnels, cut frames, random corruption; Ethernet
# and raw IP) and a capture offcap made of real traffic.
source "$(dirname "$0")/../lib.sh"
python3 "$OC_ROOT/tests/filter/packets.py" "$OC_TMP/crafted" || { not_ok "crafted packets"; exit 1; }
oc_pair 1500 || { not_ok "namespaces and veth pair"; exit 1; }
oc_capture "$OC_TMP/own.pcapng" -s 0 -p tc-egress,tc-ingress,post-gso -i "$NS_A/oca"
oc_iperf 2M
ina bash -c "echo x > /dev/udp/$IP_B/9999; echo y > /dev/udp/$IP6_B/9999"
sleep 0.2; oc_capture_stop
check_num "offcap's own capture has packets" "$(tcpdump -r "$OC_TMP/own.pcapng" 2>/dev/null | wc -l)" -gt 50
n=0 bad=0 skipped=0 undecided=0 norej=0
# FILTER_EXPRS_MAX: the first N expressions only (filter_splice.sh)
while IFS= read -r e; do
	[[ -z "$e" || "$e" == \#* ]] && continue
	[ -n "${FILTER_EXPRS_MAX:-}" ] && [ "$n" -ge "$FILTER_EXPRS_MAX" ] && break
	n=$((n + 1))
	# one load per link type for the three files: the kernel matrix runs this under TCG
	out=$("$OFFCAP" filter "$e" -r "$OC_TMP/crafted.pcap" -r "$OC_TMP/crafted-raw.pcap" -r "$OC_TMP/own.pcapng" 2>&1)
	rc=$?
	grep -q '^raw IP packets not compared: .*attaches nothing there' <<<"$out" && skipped=$((skipped + 1))
	read -r k r u < <(sed -n 's/^kernel: \([0-9]*\) kept, \([0-9]*\) rejected, \([0-9]*\) undecided.*/\1 \2 \3/p' <<<"$out")
	[ "${u:-0}" -gt 0 ] && undecided=$((undecided + 1))
	# libpcap rejects some compared packet, so must the kernel
	read -r np nm < <(sed -n 's/^\([0-9]*\) packets, \([0-9]*\) matched.*/\1 \2/p' <<<"$out")
	nu=$(sed -n 's/.*(\([0-9]*\) not compared).*/\1/p' <<<"$out")
	if [ "${nm:-0}" -lt $(( ${np:-0} - ${nu:-0} )) ] && [ "${r:-0}" -eq 0 ] && ! grep -qE 'inbound|outbound|ifindex' <<<"$e"; then
		norej=$((norej + 1)); echo "  '$e': libpcap rejects packets, the kernel rejected none ($k kept, $u undecided)"
	fi
	if [ $rc -ne 0 ] || ! grep -q ' 0 disagreements' <<<"$out" || grep -q '^Ethernet packets not compared' <<<"$out"; then
		bad=$((bad + 1)); echo "  '$e' (exit $rc):"; sed 's/^/    /' <<<"$out" | head -5
		if grep -q 'cannot load' <<<"$out"; then	# the verifier's reason
			"$OFFCAP" filter -v "$e" -r "$OC_TMP/crafted.pcap" 2>&1 | grep -B25 'END PROG LOAD LOG' | sed 's/^/    /'
		fi
	fi
done <"$OC_ROOT/tests/filter/exprs.txt"
check_num "expressions tried" "$n" -ge "${FILTER_EXPRS_MAX:-100}"
check_num "expressions on which the kernel and libpcap disagree, did not load, or left undecided what the kernel decides" "$bad" -eq 0
check_num "expressions libpcap rejects packets for and the kernel rejected none" "$norej" -eq 0
[ -n "${FILTER_EXPRS_MAX:-}" ] && exit 0
check_num "expressions that left packets to user space (loads past the copied bytes)" "$undecided" -ge 2
check_num "expressions not compared on raw IP: they cannot match there (ether, vlan, arp)" "$skipped" -ge 10
"$OFFCAP" filter 'tcp port' >"$OC_TMP/bad.out" 2>&1; rc=$?
check "a bad expression: libpcap's message, exit 1" bash -c "[ $rc -eq 1 ] && grep -q 'syntax error' '$OC_TMP/bad.out'"
"$OFFCAP" filter 'ip6 protochain 6' -r "$OC_TMP/crafted.pcap" >"$OC_TMP/loop.out" 2>&1; rc=$?
check "protochain (a backward jump): refused with a clear message" \
	bash -c "[ $rc -eq 1 ] && grep -q 'jumps backward' '$OC_TMP/loop.out'"
"$OFFCAP" filter 'tcp port 80' >"$OC_TMP/dump.txt"
check "offcap filter EXPR prints the classic BPF and the eBPF" \
	bash -c "grep -q 'ldh      \[12\]' '$OC_TMP/dump.txt' && grep -q '^eBPF (' '$OC_TMP/dump.txt' && grep -q 'exit' '$OC_TMP/dump.txt'"
