# shellcheck shell=bash
# What make check-kernels and make check-nics share: Debian's kernel packages fetched
# with apt-get download into KCACHE (the host's apt state is left alone), a tiny
# initramfs reaching the host's root over 9p, and one qemu (TCG) boot of a guest that
# runs $OCINIT with a job file in its results share. The caller sets REPO, HERE
# (tests/kernels), KCACHE, KRESULTS, KTIMEOUT and LOGTAG, then calls vm_begin.

log() { echo "$LOGTAG: $*" >&2; }
die() { log "$*"; exit 1; }

tmp='' qemu_pid='' QEMU_WRAP=()
vm_cleanup() {
	if [ -n "$qemu_pid" ]; then kill "$qemu_pid" 2>/dev/null; wait "$qemu_pid" 2>/dev/null; fi
	[ -z "$tmp" ] || rm -rf "$tmp"
}

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

# vm_begin: root, the mirror, a scratch directory, and the cache lock (one guest at a
# time: each uses both CPUs)
vm_begin() {
	[ "$(id -u)" -eq 0 ] || die "needs root"
	[ -x "$REPO/build/offcap" ] || die "build/offcap is missing: make all unit"
	MIRROR=${MIRROR:-$(host_uris | grep -E '/debian/?$' | head -1)}
	MIRROR_SECURITY=${MIRROR_SECURITY-$(host_uris | grep -E '/debian-security/?$' | head -1)}
	[ -n "$MIRROR" ] || die "no Debian mirror in /etc/apt/sources.list(.d); set MIRROR="
	mkdir -p "$KCACHE" "$KRESULTS" && tmp=$(mktemp -d /tmp/offcap-kernels.XXXXXX) || exit 1
	exec 9> "$KCACHE/.lock"
	if ! flock -n 9; then
		log "waiting for another check-kernels or check-nics (same KCACHE) to finish"
		until flock -w 5 9; do :; done	# short waits: a signal ends this
	fi
}

# vm_kernel NAME: PKG = the package of kernels.list's NAME, downloaded and extracted;
# on failure the reason is in $KRESULTS/NAME/error
vm_kernel() {
	local suite pat line
	line=$(awk -v k="$1" '$1 == k {print $2, $3}' "$HERE/kernels.list")
	rm -rf "${KRESULTS:?}/$1" && mkdir -p "$KRESULTS/$1"
	read -r suite pat <<< "$line"
	use_suite "$suite"
	PKG=$(resolve "$pat")
	if [ -z "$PKG" ]; then
		echo "no package '$pat' in $suite" | tee "$KRESULTS/$1/error" >&2; return 1
	elif ! fetch "$PKG"; then
		echo "cannot fetch $PKG" | tee "$KRESULTS/$1/error" >&2; return 1
	fi
}

known_kernel() { awk -v k="$1" '$1 == k {f = 1} END {exit !f}' "$HERE/kernels.list"; }

# vm_boot NAME PACKAGE [QEMU ARGS...]: boot the kernel with its job ($JOB, lines of
# shell assignments) in $KRESULTS/NAME/share; QEMU_WRAP=(cmd ...) runs qemu under a
# command (ip netns exec NS). Logs in $KRESULTS/NAME.
vm_boot() {
	local name=$1 pkg=$2 root=$KCACHE/root/$2 dir=$KRESULTS/$1 kver start rc
	shift 2
	kver=$(ls "$root/lib/modules") || return 1
	rm -rf "$dir/share" && mkdir -p "$dir/share" || return 1
	initrd "$root" "$kver" "$tmp/initrd.gz" || { log "$name: cannot build the initramfs"; return 1; }
	{ printf 'KVER=%q\nMODDIR=%q\nREPO=%q\n' "$kver" "$root" "$REPO"; echo "$JOB"; } > "$dir/share/job"
	echo "$pkg" > "$dir/package"
	log "$name: booting $kver (TCG; at most $KTIMEOUT s)"
	start=$(date +%s)
	"${QEMU_WRAP[@]}" timeout -k 10 "$KTIMEOUT" qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp 2 -m 4096 \
		-kernel "$root/boot/vmlinuz-$kver" -initrd "$tmp/initrd.gz" \
		-append "console=ttyS0 panic=-1 quiet tsc=reliable random.trust_cpu=on ocinit=$HERE/guest-init.sh" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs "local,path=$dir/share,mount_tag=out,security_model=none" \
		-nodefaults -display none -no-reboot -serial "file:$dir/console.log" "$@" 2> "$dir/qemu.err" &
	qemu_pid=$!
	wait "$qemu_pid"; rc=$?; qemu_pid=
	echo $(($(date +%s) - start)) > "$dir/wall"
	[ "$rc" -eq 124 ] && log "$name: killed after $KTIMEOUT s"
	log "$name: qemu ended after $(cat "$dir/wall") s"
}
