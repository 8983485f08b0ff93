#!/usr/bin/env bash
# A full disk and a vanished interface: offcap stops, says why, and leaves a
# file tshark reads to the end.
source "$(dirname "$0")/../lib.sh"
oc_pair 1500 || { not_ok "namespaces and veth pair"; exit 1; }
MNT=$OC_TMP/small
mkdir -p "$MNT" && mount -t tmpfs -o size=1m tmpfs "$MNT" || { not_ok "a 1 MiB tmpfs"; exit 1; }
trap 'umount "$MNT" 2>/dev/null; oc_cleanup' EXIT

F=$MNT/full.pcapng
"$OFFCAP" capture -q -s 0 -w "$F" -i "$NS_A/oca" >/dev/null 2>"$OC_TMP/full.err" & P=$!; OC_PIDS+=($P)
oc_wait_file "$F"; sleep 0.3
oc_iperf 20M
for _ in $(seq 50); do kill -0 $P 2>/dev/null || break; sleep 0.1; done
kill -INT $P 2>/dev/null; wait $P; rc=$?
check "full disk: offcap stops with a non-zero exit" [ $rc -ne 0 ]
check "full disk: it says so" grep -qi "no space left on device" "$OC_TMP/full.err"
check "full disk: tshark reads the file to its end" tshark -r "$F" -q
check "full disk: the file holds what fitted" bash -c "[ \$(tshark -r '$F' -T fields -e frame.number 2>/dev/null | wc -l) -gt 5 ]"
check "full disk: nothing left attached" test -z "$(oc_leftovers "$NS_A")"

F=$OC_TMP/gone.pcapng
oc_capture "$F" -i "$NS_A/oca" -i "$NS_B/ocb"
oc_iperf 2M
ina ip link del oca
for _ in $(seq 30); do kill -0 "$OC_CAP_PID" 2>/dev/null || break; sleep 0.1; done
check "vanished interface: offcap ends the capture by itself" bash -c "! kill -0 $OC_CAP_PID 2>/dev/null"
wait "$OC_CAP_PID"
check "vanished interface: it says which interface vanished" grep -q "interface $NS_A/oca vanished after" "$OC_TMP/offcap.err"
check "vanished interface: tshark reads the file" tshark -r "$F" -q
check "vanished interface: nothing left attached" test -z "$(oc_leftovers "$NS_B")"

# one of several interfaces vanishes: the others go on
ip link add oca netns "$NS_A" type veth peer name ocb netns "$NS_B"
ina ip link set oca up; inb ip link set ocb up
ina ip addr add "$IP_A/24" dev oca; inb ip addr add "$IP_B/24" dev ocb
ina ip link add ocd0 type veth peer name ocd1; ina ip link set ocd0 up
F=$OC_TMP/gone2.pcapng
oc_capture "$F" -i "$NS_A/oca" -i "$NS_B/ocb" -i "$NS_A/ocd0"
ina ip link del ocd0
sleep 1.5
check "one of three vanished: the capture goes on" kill -0 "$OC_CAP_PID"
oc_iperf 1M
oc_capture_stop; rc=$?
check "one of three vanished: exit status 0 at SIGINT" [ $rc -eq 0 ]
check "one of three vanished: it names the one and says the rest go on" \
	grep -q "interface $NS_A/ocd0 vanished after .* its packets until then are in the file" "$OC_TMP/offcap.err"
check_num "one of three vanished: packets after it at the others" "$(oc_count "$F" "$NS_A/oca@tc-egress" "tcp")" -gt 10
