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

log() { echo "check-kernels: $*" >&2; }
die() { log "$*"; exit 1; }

tmp='' qemu_pid=''
cleanup() {
	if [ -n "$qemu_pid" ]; then kill "$qemu_pid" 2>/dev/null; wait "$qemu_pid" 2>/dev/null; fi
	[ -z "$tmp" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The host's Debian archive URIs: one-line "deb" entries and deb822 "URIs:" fields.
host_uris() {
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		sed -n -E 's/^[[:space:]]*(deb[[:space:]]+(\[[^]]*\][[:space:]]+)?|URIs:)//p' |
		tr -s ' \t' '\n' | grep -E '^(https?|file)://'
}

# use_suite SUITE: APT=(options) for a source list of SUITE and SUITE-security on the
# host's mirror, in the cache (the host's own apt state is left alone); refreshed daily.
use_suite() {
	local d=$KCACHE/apt/$1 kr=/usr/share/keyrings/debian-archive-keyring.gpg sb=
	[ -f "$kr" ] && sb="[signed-by=$kr] "
	mkdir -p "$d/lists/partial" "$d/cache"
	{
		echo "deb $sb$MIRROR $1 main"
		[ -z "$MIRROR_SECURITY" ] || echo "deb $sb$MIRROR_SECURITY $1-security main"
	} > "$d/sources.list"
	APT=(-o "Dir::Etc::SourceList=$d/sources.list" -o "Dir::Etc::SourceParts=$d/none"
		-o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache" -o APT::Sandbox::User=root)
	[ -n "$(find "$d/updated" -mmin -1440 2>/dev/null)" ] && return 0
	log "apt-get update: $1 from $MIRROR"
	if apt-get "${APT[@]}" -qq update > "$tmp/apt.log" 2>&1; then touch "$d/updated"
	else cat "$tmp/apt.log" >&2; log "apt-get update failed for $1; using the lists cached before"; fi
}

# resolve PACKAGE: the name itself if apt knows it, else the newest name matching it as a regex
resolve() {
	if apt-cache "${APT[@]}" pkgnames "$1" 2>/dev/null | grep -Fxq -- "$1"; then echo "$1"; return; fi
	apt-cache "${APT[@]}" search --names-only "^$1\$" 2>/dev/null | cut -d' ' -f1 | sort -V | tail -1
}

# fetch PACKAGE: download it once and extract it to $KCACHE/root/PACKAGE, with modules.dep
fetch() {
	local pkg=$1 root=$KCACHE/root/$1 deb kver
	[ -d "$root" ] && return 0
	mkdir -p "$KCACHE/debs" "$KCACHE/root"
	deb=$(find "$KCACHE/debs" -name "${pkg}_*.deb" | sort -V | tail -1)
	if [ -z "$deb" ]; then
		log "apt-get download $pkg"
		(cd "$KCACHE/debs" && apt-get "${APT[@]}" -qq download "$pkg") > "$tmp/apt.log" 2>&1 ||
			{ cat "$tmp/apt.log" >&2; return 1; }
		deb=$(find "$KCACHE/debs" -name "${pkg}_*.deb" | sort -V | tail -1)
	fi
	rm -rf "$root.part" && dpkg-deb -x "$deb" "$root.part" || return 1
	kver=$(ls "$root.part/lib/modules") && depmod -b "$root.part" "$kver" || return 1
	mv "$root.part" "$root"
}

# initrd ROOT KVER FILE: busybox, /init and the modules that reach the 9p root, decompressed
initrd() {
	local root=$1 kver=$2 d=$tmp/initrd kind path name
	rm -rf "$d" && mkdir -p "$d/bin" "$d/modules" "$d/proc" "$d/sys" "$d/dev" || return 1
	cp /bin/busybox "$d/bin/" && cp "$HERE/initramfs-init" "$d/init" || return 1
	: > "$d/modules.order"
	modprobe -a -d "$root" -S "$kver" --show-depends virtio_pci 9pnet_virtio 9p overlay > "$tmp/deps" || return 1
	while read -r kind path _; do
		[ "$kind" = insmod ] || continue
		name=$(basename "$path" .xz)
		[ -e "$d/modules/$name" ] && continue
		case $path in
		*.xz) xz -dc "$path" > "$d/modules/$name" ;;
		*) cp "$path" "$d/modules/$name" ;;
		esac || return 1
		echo "$name" >> "$d/modules.order"
	done < "$tmp/deps"
	(cd "$d" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) > "$3"
}

# boot NAME PACKAGE: boot the kernel, run the tests; its logs in $KRESULTS/NAME
boot() {
	local name=$1 pkg=$2 root=$KCACHE/root/$2 dir=$KRESULTS/$1 kver start rc
	kver=$(ls "$root/lib/modules") || return 1
	rm -rf "$dir" && mkdir -p "$dir/share" || return 1
	initrd "$root" "$kver" "$tmp/initrd.gz" || { log "$name: cannot build the initramfs"; return 1; }
	{
		printf 'KVER=%q\nMODDIR=%q\nREPO=%q\n' "$kver" "$root" "$REPO"
		printf 'TESTS=%q\nTEST_TIMEOUT=%q\n' "$TESTS" "$TEST_TIMEOUT"
	} > "$dir/share/job"
	echo "$pkg" > "$dir/package"
	log "$name: booting $kver (TCG; at most $KTIMEOUT s)"
	start=$(date +%s)
	timeout -k 10 "$KTIMEOUT" qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp 2 -m 4096 \
		-kernel "$root/boot/vmlinuz-$kver" -initrd "$tmp/initrd.gz" \
		-append "console=ttyS0 panic=-1 quiet tsc=reliable random.trust_cpu=on ocinit=$HERE/guest-init.sh" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs "local,path=$dir/share,mount_tag=out,security_model=none" \
		-nodefaults -display none -no-reboot -serial "file:$dir/console.log" 2> "$dir/qemu.err" &
	qemu_pid=$!
	wait "$qemu_pid"; rc=$?; qemu_pid=
	echo $(($(date +%s) - start)) > "$dir/wall"
	[ "$rc" -eq 124 ] && log "$name: killed after $KTIMEOUT s"
	log "$name: qemu ended after $(cat "$dir/wall") s"
}

# cell NAME TEST: "PASSED FAILED TEXT" of one test in one kernel; a test that did not
# finish counts as one failure
cell() {
	local dir=$KRESULTS/$1/share last secs
	[ -f "$dir/booted" ] || { echo "0 0 no-boot"; return; }
	[ -f "$dir/$2.log" ] || { echo "0 1 not-run"; return; }
	last=$(tail -1 "$dir/$2.log")
	secs=$(awk -v t="$2" '$1 == t {print $3 "s"}' "$dir/results")
	if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(, [0-9]+ skipped)?$ ]]; then
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
	local k suite pat pkg line
	[ "$(id -u)" -eq 0 ] || die "needs root (sudo make check-kernels)"
	for t in $TESTS; do [ -f "tests/integration/$t.sh" ] || die "no test tests/integration/$t.sh"; done
	for k in $KERNELS; do
		awk -v k="$k" '$1 == k {f = 1} END {exit !f}' "$HERE/kernels.list" || die "kernel '$k' is not in $HERE/kernels.list"
	done
	[ -x build/offcap ] || die "build/offcap is missing: make all unit"
	MIRROR=${MIRROR:-$(host_uris | grep -E '/debian/?$' | head -1)}
	MIRROR_SECURITY=${MIRROR_SECURITY-$(host_uris | grep -E '/debian-security/?$' | head -1)}
	[ -n "$MIRROR" ] || die "no Debian mirror in /etc/apt/sources.list(.d); set MIRROR="
	mkdir -p "$KCACHE" "$KRESULTS" && tmp=$(mktemp -d /tmp/offcap-kernels.XXXXXX) || exit 1
	exec 9> "$KCACHE/.lock"
	if ! flock -n 9; then	# one guest at a time: each uses both CPUs
		log "waiting for another check-kernels (same KCACHE) to finish"
		until flock -w 5 9; do :; done	# short waits: a signal ends this
	fi
	local t0; t0=$(date +%s)
	for k in $KERNELS; do
		line=$(awk -v k="$k" '$1 == k {print $2, $3}' "$HERE/kernels.list")
		rm -rf "${KRESULTS:?}/$k" && mkdir -p "$KRESULTS/$k"
		read -r suite pat <<< "$line"
		use_suite "$suite"
		pkg=$(resolve "$pat")
		if [ -z "$pkg" ]; then
			echo "no package '$pat' in $suite" | tee "$KRESULTS/$k/error" >&2
		elif ! fetch "$pkg"; then
			echo "cannot fetch $pkg" | tee "$KRESULTS/$k/error" >&2
		else
			boot "$k" "$pkg"
		fi
	done
	log "all kernels: $(($(date +%s) - t0)) s"
	report
}

main "$@"
