#!/usr/bin/env bash
# make check-nics: boot Debian's kernels in qemu (TCG) with pairs of emulated NICs,
# each NIC in its own network namespace in the guest, the two of a pair joined by a
# wire; tests/nics/guest.sh drives traffic across each pair under offcap and checks
# what offcap says and what its report finds, per driver. One boot per kernel carries
# every pair. The last line is "N passed, N failed"; exit status 1 on any failure.
#
#   KERNELS="6.1 6.12"      names from tests/kernels/kernels.list (default: 6.1 6.12)
#   NICS="e1000e virtio vmxnet3"   the pairs (default: all three)
#   KCACHE, KRESULTS (default build/check-nics), KTIMEOUT (default 1800), MIRROR: as
#                           make check-kernels
#
# Wires: e1000e and vmxnet3 pairs each sit on a qemu hub (no vnet_hdr: the emulated
# NIC segments itself). virtio-net NICs sit on taps with vnet_hdr joined by a bridge
# in a network namespace made here on the host (qemu runs inside it), so the host
# passes and merges super-frames as a hypervisor does; a third virtio NIC without
# the guest-offloads control queue shows XDP refused.
set -u
cd "$(dirname "$0")/../.." || exit 1
REPO=$PWD HERE=$PWD/tests/kernels
KCACHE=${KCACHE:-/var/cache/offcap-kernels}
KRESULTS=${KRESULTS:-$REPO/build/check-nics}
KTIMEOUT=${KTIMEOUT:-1800}
KERNELS=${KERNELS:-6.1 6.12}
NICS=${NICS:-e1000e virtio vmxnet3}
LOGTAG=check-nics QEMU_WRAP=()
# shellcheck source=tests/kernels/lib.sh
. "$HERE/lib.sh"

HOSTNS=ocnic$$
host_cleanup() {
	vm_cleanup
	ip netns del "$HOSTNS" 2>/dev/null
}
trap host_cleanup EXIT
trap 'exit 130' INT TERM

# the wire of the virtio NICs: taps with vnet_hdr on a bridge, in our own namespace;
# MTU 9000 on the host side, so a guest's jumbo frames cross it
host_wire() {
	local t
	ip netns add "$HOSTNS" || return 1
	ip -n "$HOSTNS" link add ocbr type bridge || return 1
	for t in octap0 octap1 octap2; do
		ip -n "$HOSTNS" tuntap add "$t" mode tap vnet_hdr || return 1
		ip -n "$HOSTNS" link set "$t" mtu 9000 master ocbr up || return 1
	done
	ip -n "$HOSTNS" link set ocbr mtu 9000 up
}

# qemu's -netdev/-device arguments for the pairs; MACs 52:54:00:0c:MODEL:SIDE, which
# guest.sh finds the NICs by
nic_args() {
	local n
	for n in $NICS; do
		case $n in
		e1000e | vmxnet3 | e1000)
			local hub id model=$n
			case $n in e1000e) hub=1 id=0e ;; vmxnet3) hub=2 id=03 ;; e1000) hub=3 id=10 ;; esac
			for s in 1 2; do
				echo "-netdev hubport,id=$n$s,hubid=$hub -device $model,netdev=$n$s,mac=52:54:00:0c:$id:0$s"
			done ;;
		virtio)
			for s in 1 2 3; do
				local extra=
				[ "$s" = 3 ] && extra=,ctrl_guest_offloads=off
				echo "-netdev tap,id=virtio$s,ifname=octap$((s - 1)),script=no,downscript=no,vhost=off" \
					"-device virtio-net-pci,netdev=virtio$s,mac=52:54:00:0c:01:0$s$extra"
			done ;;
		*) die "unknown NIC '$n' (e1000e, virtio, vmxnet3, e1000)" ;;
		esac
	done
}

cell() {	# cell KERNEL: "PASSED FAILED"
	local log=$KRESULTS/$1/share/nics.log last
	[ -f "$KRESULTS/$1/share/booted" ] || { echo "0 1"; return; }
	last=$(tail -1 "$log" 2>/dev/null)
	[[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]] || { echo "0 1"; return; }
	[ "${BASH_REMATCH[1]}${BASH_REMATCH[2]}" != 00 ] || { echo "0 1"; return; }	# ran nothing
	echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
}

report() {
	local k p f tp=0 tf=0 dir
	echo
	for k in $KERNELS; do
		dir=$KRESULTS/$k
		read -r p f < <(cell "$k")
		tp=$((tp + p)) tf=$((tf + f))
		printf '%-6s %-34s %4s passed %3s failed  qemu %ss\n' "$k" "$(head -1 "$dir/share/booted" 2>/dev/null || echo no-boot)" \
			"$p" "$f" "$(cat "$dir/wall" 2>/dev/null || echo -)"
		if [ ! -f "$dir/share/booted" ]; then
			[ -f "$dir/error" ] && echo "# $k: $(cat "$dir/error")" && continue
			echo "# $k did not boot; the end of its console ($dir/console.log):"
			tail -n 25 "$dir/console.log" 2>/dev/null | sed 's/^/#   /'
			sed 's/^/#   qemu: /' "$dir/qemu.err" 2>/dev/null
			continue
		fi
		[ -f "$dir/share/done" ] || echo "# $k: the guest did not finish (killed after $KTIMEOUT s?)"
		grep -h '^not ok' "$dir/share/nics.log" 2>/dev/null | head -n 20 | sed "s/^/# $k: /"
		grep -h '^# figures' "$dir/share/nics.log" 2>/dev/null | sed "s/^# figures/# $k:/"
	done
	echo "# logs: $KRESULTS/KERNEL/share/{nics.log,NIC/*.pcapng,NIC/*.txt}"
	echo "$tp passed, $tf failed"
	[ "$tf" -eq 0 ]
}

main() {
	local k args
	for k in $KERNELS; do known_kernel "$k" || die "kernel '$k' is not in $HERE/kernels.list"; done
	args=$(nic_args) || exit 1
	vm_begin
	case " $NICS " in *" virtio "*)
		host_wire || die "cannot build the virtio NICs' wire (taps with vnet_hdr, a bridge) in netns $HOSTNS"
		QEMU_WRAP=(ip netns exec "$HOSTNS")
	esac
	JOB=$(printf 'GUEST_JOB=nics\nNICS=%q\nGUEST_SCRIPT=%q\n' "$NICS" "${GUEST_SCRIPT:-tests/nics/guest.sh}")
	local t0; t0=$(date +%s)
	# shellcheck disable=SC2086
	for k in $KERNELS; do vm_kernel "$k" && vm_boot "$k" "$PKG" $args; done
	log "all kernels: $(($(date +%s) - t0)) s"
	report
}

main "$@"
