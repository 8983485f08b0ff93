#!/usr/bin/env bash
# A short fixed-seed round of the differential fuzzer (tests/filter/fuzz_filter.c;
# make fuzz-filter runs it for longer): random pcap-filter expressions against
# random and crafted packets, every test-run program kind against libpcap.
source "$(dirname "$0")/../lib.sh"
FUZZ=$OC_ROOT/build/tests/fuzz_filter
python3 "$OC_ROOT/tests/filter/packets.py" "$OC_TMP/crafted" || { not_ok "crafted packets"; exit 1; }
"$FUZZ" -s 18 -n "${FUZZ_EXPRS:-40}" -p 60 -r "$OC_TMP/crafted.pcap" -r "$OC_TMP/crafted-raw.pcap" >"$OC_TMP/fuzz.out" 2>&1
rc=$?
grep -E '^(DISAGREE|REFUSED|LOAD FAILED|RUN FAILED|UNDECIDED)' "$OC_TMP/fuzz.out" | head -10 | sed 's/^/# /'
sum=$(tail -1 "$OC_TMP/fuzz.out")
echo "# $sum"
read -r ex refused pairs < <(sed -n 's/^\([0-9]*\) expressions (\([0-9]*\) refused by libpcap), \([0-9]*\) (expression, packet) pairs.*/\1 \2 \3/p' <<<"$sum")
check_num "fuzz: (expression, packet) pairs compared" "${pairs:-0}" -ge 1000
check_num "fuzz: expressions libpcap accepts" "$(( ${ex:-0} - ${refused:-0} ))" -ge 25
check "fuzz: 0 disagreements, 0 load failures, nothing undecided the kernel decides (exit $rc)" \
	bash -c "[ $rc -eq 0 ] && grep -q ': 0 disagreements, 0 load failures, [0-9]* undecided (0 where' <<<'$sum'"
