#!/bin/bash
# PID 1 of a check-kernels guest, on the host's root (read-only 9p + tmpfs overlay).
# Reads its job from the results share (/oc-out/job: KVER, MODDIR, REPO, GUEST_JOB and
# the job's own settings). GUEST_JOB=nics runs tests/nics/guest.sh (make check-nics);
# otherwise (TESTS, TEST_TIMEOUT) it runs offcap once on lo (its output in
# /oc-out/probe), then each integration test with tests/run.sh: TEST.log and a line
# "TEST STATUS SECONDS" in /oc-out/results per test. Then it powers off.
set -u
OUT=/oc-out
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
# what udev/systemd make on a real system: bash's <(...) needs /dev/fd
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin; ln -sf /proc/self/fd/1 /dev/stdout; ln -sf /proc/self/fd/2 /dev/stderr
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs -o mode=0755 tmpfs /run && mkdir -p /run/netns
# the host's /tmp stays reachable under the guest's own: a checkout there is bound back
mkdir -p /.oc-host-tmp && mount --bind /tmp /.oc-host-tmp
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t bpf bpf /sys/fs/bpf
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || mount -t tracefs tracefs /sys/kernel/debug/tracing

poweroff() { sync; echo o > /proc/sysrq-trigger; sleep 60; }
# shellcheck source=/dev/null
. "$OUT/job" || { echo "guest: no job file"; poweroff; }
case $REPO in /tmp/*)
	mkdir -p "$REPO" && mount --bind "/.oc-host-tmp/${REPO#/tmp/}" "$REPO" ||
		{ echo "guest: cannot bind the checkout $REPO from the host's /tmp"; poweroff; }
esac

# the kernel's own modules, from the extracted package (.ko.xz: kmod decompresses)
mkdir -p "/lib/modules/$KVER" && mount --bind "$MODDIR/lib/modules/$KVER" "/lib/modules/$KVER"
ulimit -l unlimited	# 5.10 charges BPF maps to RLIMIT_MEMLOCK
modprobe -a veth sch_ingress cls_bpf 2>&1
ip link set lo up
{ uname -r; cut -d' ' -f1 /proc/uptime; } > "$OUT/booted"
echo "guest: $(uname -r) up after $(cut -d' ' -f1 /proc/uptime) s; job: ${GUEST_JOB:-tests} ${TESTS:-}"

cd "$REPO" || poweroff
if [ "${GUEST_JOB:-tests}" = nics ]; then
	NICS=${NICS:-} bash "${GUEST_SCRIPT:-tests/nics/guest.sh}" > "$OUT/nics.log" 2>&1
	echo "guest: check-nics: $(tail -1 "$OUT/nics.log")"
	dmesg > "$OUT/dmesg"
	echo finished > "$OUT/done"
	poweroff
fi
# what offcap itself says on this kernel, all points at once (the tests hide stderr)
probe() { timeout 300 build/offcap capture -q "$@" -i lo -p all --duration 2 -w /tmp/probe.pcapng 2>&1; echo "exit status $?"; }
probe > "$OUT/probe"
grep -q '^exit status 0$' "$OUT/probe" || probe -v > "$OUT/probe-v"	# with libbpf's and the verifier's log
for t in $TESTS; do
	start=$(date +%s)
	RUN_ONLY=integration TEST_TIMEOUT=$TEST_TIMEOUT tests/run.sh "integration/$t.sh" > "$OUT/$t.log" 2>&1
	rc=$?
	echo "$t $rc $(($(date +%s) - start))" >> "$OUT/results"
	echo "guest: $t: $(tail -1 "$OUT/$t.log") ($(($(date +%s) - start)) s)"
done
dmesg > "$OUT/dmesg"
echo finished > "$OUT/done"
poweroff
