#!/usr/bin/env bash
# An offloaded VLAN tag is skb metadata, not bytes: offcap re-inserts it, says
# so in the comment, and the report counts it. The tag comes from a tc filter
# (tests/bpf/vlan_push.bpf.c) doing what a VLAN device on a tx-vlan-offload NIC
# does; it runs after offcap's tcx program, so the post-gso point sees it.
source "$(dirname "$0")/../lib.sh"
oc_pair 1500 || { not_ok "namespaces and veth pair"; exit 1; }
ina tc qdisc add dev oca clsact && ina tc filter add dev oca egress bpf da obj "$OC_ROOT/build/tests/vlan_push.bpf.o" sec tc
# the tagged frames never get an answer: a static neighbour spares the ARP
ina ip neigh replace "$IP_B" lladdr "$(inb cat /sys/class/net/ocb/address)" dev oca
F=$OC_TMP/vlan.pcapng
oc_capture "$F" -i "$NS_A/oca" -p tc-egress,post-gso --report
ina bash -c "for i in \$(seq 20); do echo offcap-vlan-test > /dev/udp/$IP_B/9999; done"
sleep 0.3
oc_capture_stop; cp "$OC_TMP/offcap.out" "$OC_TMP/report.txt"
n=$(tshark -r "$F" -Y 'frame.interface_name == "oca@post-gso" && vlan.id == 100 && udp.dstport == 9999' -T fields -e frame.number 2>/dev/null | wc -l)
check_num "post-gso: the offloaded tag is back in the bytes (tshark sees VLAN 100)" "$n" -eq 20
check "the comment says the tag was offloaded and re-inserted" \
	bash -c "tshark -r '$F' -T fields -e frame.comment 2>/dev/null | grep -q 'vlan=100.*re-inserted'"
check "capture --report prints the report with the offloaded VLAN tags" \
	bash -c "grep -q 'Interfaces and hook points' '$OC_TMP/report.txt' && grep -q 'VLAN tag offloaded (re-inserted); VLAN 100' '$OC_TMP/report.txt'"
check "the report parses through the tag to the UDP flow" grep -q "$IP_A:[0-9]* > $IP_B:9999 udp" "$OC_TMP/report.txt"
check "read: post-gso lines carry 'vlan 100 (offloaded)' after the UDP summary" \
	bash -c "'$OFFCAP' read '$F' 'vlan and udp port 9999' | grep -c ' oca@post-gso Out IP .*: UDP, length 17  .*vlan 100 (offloaded)' | grep -qx 20"
check "read -e: the tag in the bytes (vlan 100, p 0, ethertype IPv4)" \
	bash -c "'$OFFCAP' read -e '$F' 'vlan and udp port 9999' | grep -q 'ethertype 802.1Q (0x8100), length [0-9]*: vlan 100, p 0, ethertype IPv4 (0x0800), $IP_A'"
out=$("$OFFCAP" capture -i "$NS_A/oca" --report -w - 2>&1); rc=$?
check "--report without a file: clear error, non-zero exit" bash -c "[ $rc -ne 0 ] && grep -q 'needs a file' <<<\"$out\""
