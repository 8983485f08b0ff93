#!/usr/bin/env bash
# The filter tests cannot pass by accident: with the splice broken on purpose
# (OFFCAP_TEST_BREAK_SPLICE: the programs load with their stubs, every packet
# undecided, libpcap in user space keeps the right ones) the captures still hold
# the right packets, but the suite's assertions on the kernel's verdicts go red.
source "$(dirname "$0")/../lib.sh"
python3 "$OC_ROOT/tests/filter/packets.py" "$OC_TMP/crafted" || { not_ok "crafted packets"; exit 1; }
export OFFCAP_TEST_BREAK_SPLICE=1
"$OFFCAP" filter 'tcp port 80' -r "$OC_TMP/crafted.pcap" >"$OC_TMP/r.out" 2>&1; rc=$?
check "broken splice: filter -r exits 1 and says the filter did not decide in the kernel" \
	bash -c "[ $rc -eq 1 ] && grep -q 'the filter did not decide in the kernel' '$OC_TMP/r.out' &&
		 grep -q '^kernel: 0 kept, 0 rejected, [1-9][0-9]* undecided' '$OC_TMP/r.out'"
FILTER_EXPRS_MAX=4 bash "$OC_ROOT/tests/integration/filter_equiv.sh" >"$OC_TMP/equiv.out" 2>&1
check "broken splice: filter_equiv.sh goes red" grep -q '^not ok - expressions on which the kernel and libpcap disagree' "$OC_TMP/equiv.out"
oc_pair 1500 || { not_ok "namespaces and veth pair"; exit 1; }
oc_capture "$OC_TMP/b.pcapng" -s 128 -p tc-egress -i "$NS_A/oca" 'tcp dst port 5201'
oc_iperf 1M; sleep 0.2; oc_capture_stop
n=$(oc_count "$OC_TMP/b.pcapng" oca@tc-egress "")
bad=$(oc_count "$OC_TMP/b.pcapng" oca@tc-egress "!(tcp.dstport == 5201)")
check "broken splice: user space still keeps the right packets ($n, $bad others)" [ "$n" -gt 5 -a "$bad" -eq 0 ]
out=$(check_verdicts "broken splice" "$OC_TMP/offcap.err" tc-egress "$n")
check "broken splice: filter_live's and filter_links' verdict check goes red ($out)" grep -q '^not ok' <<<"$out"
unset OFFCAP_TEST_BREAK_SPLICE
FILTER_EXPRS_MAX=4 bash "$OC_ROOT/tests/integration/filter_equiv.sh" >"$OC_TMP/equiv-ok.out" 2>&1
check "the same filter_equiv.sh with the splice: green" \
	bash -c "! grep -q '^not ok' '$OC_TMP/equiv-ok.out' && grep -q '^ok - expressions on which' '$OC_TMP/equiv-ok.out'"
