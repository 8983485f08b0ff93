#!/usr/bin/env bash
# make check-kernels: boot Debian's kernels (tests/kernels/kernels.list) in qemu (TCG),
# the host's root shared read-only over 9p under a tmpfs overlay, run offcap's
# integration tests in each, and print passed/failed checks per kernel and test.
# The last line is "N passed, N failed"; exit status 1 on any failure or a kernel
# that did not boot. Needs root, qemu-system-x86, busybox-static, kmod, xz-utils.
#
#   KERNELS="6.1 6.12"   names from kernels.list (default: all of them)
#   TESTS="capture_points capture_robust"   tests/integration/NAME.sh; "all" for every
#                        one (default: a subset, below)
#   KCACHE=DIR           downloaded and extracted kernels (default /var/cache/offcap-kernels)
#   KRESULTS=DIR         per-kernel logs (default build/check-kernels)
#   KTIMEOUT=SECONDS     per kernel: qemu is killed after it (default 1200)
#   TEST_TIMEOUT=SECONDS per test inside the guest (default 600)
#   MIRROR, MIRROR_SECURITY   Debian archive URIs (default: the host's apt sources)
set -u
cd "$(dirname "$0")/../.." || exit 1
REPO=$PWD HERE=$PWD/tests/kernels
KCACHE=${KCACHE:-/var/cache/offcap-kernels}
KRESULTS=${KRESULTS:-$REPO/build/check-kernels}
KTIMEOUT=${KTIMEOUT:-1200} TEST_TIMEOUT=${TEST_TIMEOUT:-600}
# The default subset covers every hook point (capture_kernel, written for this matrix,
# captures at all of them and checks what offcap says each one lacks), every metadata
# field, tshark and tcpdump reading the file, the report, GRO merges against pre-gro,
# the clsact fallback and SIGKILL cleanup in about 12 minutes per kernel, and the xdp point
# next to other XDP programs (libxdp's dispatcher, tracing, verdicts: trampolines, which
# this host's kernel refuses, so only the guests prove it) in 2-4 more. capture_points
# (4-5 more minutes per kernel) is left out: capture_kernel and capture_pregro check
# what it checks; TESTS=all runs everything.
TESTS=${TESTS:-capture_kernel capture_pregro capture_files capture_robust capture_vlan capture_xdp_multi}
[ "$TESTS" != all ] || TESTS=$(for t in tests/integration/*.sh; do basename "$t" .sh; done | tr '\n' ' ')
KERNELS=${KERNELS:-$(awk '!/^#/ && NF {printf "%s ", $1}' "$HERE/kernels.list")}

LOGTAG=check-kernels QEMU_WRAP=()
# shellcheck source=tests/kernels/lib.sh
. "$HERE/lib.sh"
trap vm_cleanup EXIT
trap 'exit 130' INT TERM

# cell NAME TEST: "PASSED FAILED TEXT" of one test in one kernel; a test that did not
# finish counts as one failure
cell() {
	local dir=$KRESULTS/$1/share last secs
	[ -f "$dir/booted" ] || { echo "0 0 no-boot"; return; }
	[ -f "$dir/$2.log" ] || { echo "0 1 not-run"; return; }
	last=$(tail -1 "$dir/$2.log")
	secs=$(awk -v t="$2" '$1 == t {print $3 "s"}' "$dir/results")
	if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]} ${BASH_REMATCH[1]}/${BASH_REMATCH[2]}_${secs:-?}"
	else
		echo "0 1 cut-off"
	fi
}

# row TITLE CMD: one table row, CMD KERNEL printing each kernel's cell
row() {
	local k title=$1; shift
	printf '%-18s' "$title"
	for k in $KERNELS; do printf '%-22s' "$("$@" "$k" 2>/dev/null || echo -)"; done
	echo
}
uname_of() { head -1 "$KRESULTS/$1/share/booted"; }
boot_of() { sed -n 2p "$KRESULTS/$1/share/booted" | grep .; }
tests_of() { awk '{s += $3} END {print s + 0}' "$KRESULTS/$1/share/results"; }
wall_of() { cat "$KRESULTS/$1/wall"; }

report() {
	local k t p f text cells total_p=0 total_f=0 dir
	echo
	row "passed/failed" echo
	row "" uname_of
	for t in $TESTS; do
		cells=()
		for k in $KERNELS; do
			read -r p f text < <(cell "$k" "$t")
			total_p=$((total_p + p)) total_f=$((total_f + f)) cells+=("${text//[_-]/ }")
		done
		printf '%-18s' "$t"; printf '%-22s' "${cells[@]}"; echo
	done
	row "boot (s)" boot_of
	row "tests (s)" tests_of
	row "qemu wall (s)" wall_of
	echo
	for k in $KERNELS; do
		dir=$KRESULTS/$k
		if [ ! -f "$dir/share/booted" ]; then
			total_f=$((total_f + 1))
			if [ -f "$dir/error" ]; then echo "# $k: $(cat "$dir/error")"; continue; fi
			echo "# $k did not boot; the end of its console ($dir/console.log):"
			tail -n 25 "$dir/console.log" 2>/dev/null | sed 's/^/#   /'
			sed 's/^/#   qemu: /' "$dir/qemu.err" 2>/dev/null
			continue
		fi
		[ -f "$dir/share/done" ] || echo "# $k: the tests did not finish (killed after $KTIMEOUT s?)"
		if ! grep -q '^exit status 0$' "$dir/share/probe" 2>/dev/null; then
			grep -v '^exit status' "$dir/share/probe" 2>/dev/null | head -n 8 | sed "s/^/# $k: offcap capture -p all on lo: /"
			echo "# $k: the end of its -v log ($dir/share/probe-v):"
			grep -v '^exit status\|^$' "$dir/share/probe-v" 2>/dev/null | tail -n 12 | sed 's/^/#   /'
		fi
		grep -h '^  not ok' "$dir"/share/*.log 2>/dev/null | head -n 12 | sed "s/^  /# $k: /"
	done
	echo "# logs: $KRESULTS/KERNEL/{console.log,share/TEST.log}"
	echo "$total_p passed, $total_f failed"
	[ "$total_f" -eq 0 ]
}

main() {
	local k
	for t in $TESTS; do [ -f "tests/integration/$t.sh" ] || die "no test tests/integration/$t.sh"; done
	for k in $KERNELS; do known_kernel "$k" || die "kernel '$k' is not in $HERE/kernels.list"; done
	vm_begin
	JOB=$(printf 'TESTS=%q\nTEST_TIMEOUT=%q\nGUEST_JOB=tests\n' "$TESTS" "$TEST_TIMEOUT")
	local t0; t0=$(date +%s)
	for k in $KERNELS; do vm_kernel "$k" && vm_boot "$k" "$PKG"; done
	log "all kernels: $(($(date +%s) - t0)) s"
	report
}

main "$@"
