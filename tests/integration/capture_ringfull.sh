#!/usr/bin/env bash
# capture --ring-full cut|drop (#20): a packet that finds its ring buffer
# nearly full (the consumer fell behind) keeps its first 256 bytes and its
# length instead of being lost; the packet, the exit summary, the statistics
# blocks and report say so. The consumer is held with SIGSTOP while a TSO
# stream fills 1 MiB rings, the real way a ring fills.
source "$(dirname "$0")/../lib.sh"
oc_pair 1500 || { not_ok "namespaces and veth pair"; exit 1; }
A=oca	# the interface blocks' names: one namespace watched
pts=(-i "$NS_A/oca" -s 0 -p tc-egress,post-gso -B 2)
sf='frame.len > 1514'

"$OFFCAP" capture -q -w "$OC_TMP/x.pcapng" -i "$NS_A/oca" --ring-full maybe 2>"$OC_TMP/bad.err"
check "--ring-full maybe: refused with a reason" \
	bash -c "[ $? -ne 0 ] && grep -q \"ring-full: 'maybe' is neither cut nor drop\" '$OC_TMP/bad.err'"

# held_capture FILE ARGS...: the consumer stopped while 2 MB cross, then let go
held_capture() {
	local f=$1; shift
	oc_capture "$f" "${pts[@]}" "$@"
	kill -STOP "$OC_CAP_PID"
	oc_iperf 2M
	kill -CONT "$OC_CAP_PID"
	sleep 0.5
	oc_capture_stop
}
# point_line ERRFILE POINT: "captured dropped" from the exit summary
point_line() { sed -n "s/^$2 *\([0-9]*\) packets captured, \([0-9]*\) dropped .*/\1 \2/p" "$1"; }
point_cut() { sed -n "s/^$2 *\([0-9]*\) of them cut to their first 256 bytes: the ring buffer was nearly full.*/\1/p" "$1"; }

C=$OC_TMP/cut.pcapng
held_capture "$C"; check "the default (cut): exit status 0" [ $? -eq 0 ]
cp "$OC_TMP/offcap.err" "$OC_TMP/cut.err"
cut=0 dropped=0
for p in tc-egress post-gso; do
	read -r cap drop < <(point_line "$OC_TMP/cut.err" "$p")
	n=$(point_cut "$OC_TMP/cut.err" "$p")
	check_num "$p: the file holds every packet the exit summary counts" "$(oc_count "$C" "$A@$p" "")" -eq "${cap:--1}"
	check_num "$p: super-frames recorded" "$(oc_count "$C" "$A@$p" "$sf")" -gt 10
	cut=$((cut + ${n:-0})) dropped=$((dropped + ${drop:-1}))
done
check_num "packets cut because the ring was nearly full (exit summary)" "$cut" -gt 10
check_num "none lost: 0 dropped at both points" "$dropped" -eq 0
marked=$(tshark -r "$C" -Y 'frame.comment contains "cut=ring_full"' -T fields -e frame.cap_len -e frame.len 2>/dev/null)
check_num "each cut packet's comment says cut=ring_full, as many as the summary counts" \
	"$(grep -c . <<<"$marked")" -eq "$cut"
check_num "Wireshark's plugin (build/offcap.lua) shows offcap.cut == \"ring_full\" on each" \
	"$(tshark -X "lua_script:$OC_ROOT/build/offcap.lua" -r "$C" -Y 'offcap.cut == "ring_full"' -T fields -e frame.number 2>/dev/null | wc -l)" -eq "$cut"
check_num "a cut packet keeps 256 bytes and its length" "$(awk '$1 != 256 || $2 <= 256' <<<"$marked" | wc -l)" -eq 0
check_num "every other packet is whole (-s 0)" \
	"$(oc_count "$C" "$A@tc-egress" '!(frame.comment contains "cut=ring_full") && frame.cap_len != frame.len')" -eq 0
check "the statistics blocks say ring_full_cut" \
	grep -qa 'ring_full_cut=[1-9]' "$C"
check_num "stats: cut=N of the interfaces adds up to the summary's" \
	"$("$OFFCAP" stats "$C" | grep -o ' cut=[0-9]*' | awk -F= '{n += $2} END {print n + 0}')" -eq "$cut"
"$OFFCAP" report --json "$C" > "$OC_TMP/cut.json"; "$OFFCAP" report "$C" > "$OC_TMP/cut.txt"
check_num "report --json: ring_full_cut of the interfaces adds up to the summary's" \
	"$(jq '[.interfaces[].ring_full_cut] | add' "$OC_TMP/cut.json")" -eq "$cut"
check "report says the capture cut them" grep -q 'packets cut to their first bytes by the capture: its ring buffer was nearly full' "$OC_TMP/cut.txt"
pg='.interfaces[] | select(.interface | endswith("oca@post-gso"))'
check_num "report: post-gso's over-MTU frames, cut ones too, as tshark counts frames over 1514" \
	"$(jq "$pg | .over_mtu" "$OC_TMP/cut.json")" -eq "$(oc_count "$C" "$A@post-gso" "$sf")"

D=$OC_TMP/drop.pcapng
held_capture "$D" --ring-full drop; check "--ring-full drop: exit status 0" [ $? -eq 0 ]
dropped=0
for p in tc-egress post-gso; do
	read -r cap drop < <(point_line "$OC_TMP/offcap.err" "$p")
	dropped=$((dropped + ${drop:-0}))
done
check_num "--ring-full drop: the same stream loses packets" "$dropped" -gt 10
check_num "--ring-full drop: nothing cut" "$(oc_count "$D" "$A@tc-egress" 'frame.cap_len != frame.len')" -eq 0
check "--ring-full drop: no cut line at exit" bash -c "! grep -q 'cut to their first' '$OC_TMP/offcap.err'"

# A filter that reads past the kernel's 1024 bytes leaves a long packet to
# libpcap in user space, which decides on the bytes the file gets: those are
# never cut (cut, a super-frame's byte 2000 would be gone and libpcap would
# reject it). Every packet matches: short ones on their length, before the load.
U=$OC_TMP/undecided.pcapng
held_capture "$U" 'len <= 2100 or tcp[2000:1] >= 0'
check_num "undecided by the kernel's filter (over 2100 bytes): none cut" \
	"$(oc_count "$U" "$A@tc-egress" 'frame.len > 2100 && frame.cap_len != frame.len')" -eq 0
check_num "undecided by the kernel's filter: super-frames in the file" "$(oc_count "$U" "$A@tc-egress" "$sf")" -gt 2
read -r _ _ und _ urej < <(oc_verdicts "$OC_TMP/offcap.err" tc-egress)
check_num "undecided by the kernel's filter: left to libpcap" "${und:-0}" -gt 10
check_num "undecided by the kernel's filter: libpcap rejected none of them" "${urej:--1}" -eq 0

W=$OC_TMP/whole.pcapng	# the default ring at -s 0: 64 MiB
oc_capture "$W" -i "$NS_A/oca" -s 0 -p tc-egress,post-gso
oc_iperf 2M
oc_capture_stop
check_num "a consumer that keeps up: nothing cut" \
	"$(oc_count "$W" "$A@tc-egress" 'frame.cap_len != frame.len || frame.comment contains "cut=ring_full"')" -eq 0
check_num "a consumer that keeps up: super-frames whole" "$(oc_count "$W" "$A@tc-egress" "$sf")" -gt 10
