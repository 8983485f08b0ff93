#!/usr/bin/env bash
# Runs every test: unit tests (plain and under ASan+UBSan), then the integration
# tests (root: they build namespaces and load the real BPF programs).
# Every check prints "ok - ..." or "not ok - ..."; a check that could not run prints
# "ok - ... # SKIP reason" and counts as skipped, never as passed. A test that prints
# no check at all fails. The last line is "N passed, N failed, N skipped".
# RUN_ONLY=unit or RUN_ONLY=integration runs only those; TEST_TIMEOUT (seconds, default
# 300) bounds each integration test.
set -u
cd "$(dirname "$0")/.."
pass=0 fail=0 skip=0 log=$(mktemp) && trap 'rm -f "$log"; rm -rf "$OC_CORPUS"' EXIT
# the integration tests' capture files, for stats_report_agree.sh (tests/lib.sh)
OC_CORPUS=$(mktemp -d) && export OC_CORPUS

run() {	# run NAME CMD...: stream output, count ok/not ok; a crash counts as a failure
	local name=$1; shift
	echo "# $name"
	"$@" >"$log" 2>&1
	local rc=$? p f s
	sed 's/^/  /' "$log"
	s=$(grep -c '^ok .*# SKIP' "$log"); p=$(( $(grep -c '^ok ' "$log") - s )); f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "  not ok - $name exited with status $rc"; f=1
	elif [ $((p + f + s)) -eq 0 ]; then
		echo "  not ok - $name printed no check"; f=1
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}

filter=${1:-} only=${RUN_ONLY:-}
for t in build/tests/test_* build/tests-san/test_*; do
	[ "$only" != integration ] || break
	[ -x "$t" ] || continue
	[[ -z "$filter" || "$t" == *"$filter"* ]] || continue
	run "$t" "$t"
done
if [ "$only" = unit ]; then
	:
elif [ "$(id -u)" -eq 0 ]; then
	for t in tests/integration/*.sh; do
		[ -f "$t" ] || continue
		[[ -z "$filter" || "$t" == *"$filter"* ]] || continue
		run "$t" timeout "${TEST_TIMEOUT:-300}" bash "$t"
	done
else
	echo "# integration tests skipped: they need root"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
