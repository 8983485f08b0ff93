#!/usr/bin/env bash
# Two namespaces each with an interface called vx0: the interface blocks say
# which is which, and report, stats and split keep them apart.  One namespace
# alone keeps the plain names.
source "$(dirname "$0")/../lib.sh"
ip netns add "$NS_A" && ip netns add "$NS_B" &&
	ip link add vx0 netns "$NS_A" type veth peer name vx0 netns "$NS_B" || { not_ok "two vx0 in two namespaces"; exit 1; }
ina ip link set lo up; inb ip link set lo up
ina ip link set vx0 up; inb ip link set vx0 mtu 9000 up
ina ip addr add "$IP_A/24" dev vx0; inb ip addr add "$IP_B/24" dev vx0
F=$OC_TMP/n.pcapng
oc_capture "$F" -i "$NS_A/vx0" -i "$NS_B/vx0" -p tc-egress,tc-ingress
ina bash -c "for i in \$(seq 10); do echo offcap-names > /dev/udp/$IP_B/9999; done"
sleep 0.3
oc_capture_stop
names=$(tshark -r "$F" -T fields -e frame.interface_name 2>/dev/null | sort -u | tr '\n' ' ')
check "tshark: $NS_A/vx0@tc-egress and $NS_B/vx0@tc-ingress ($names)" \
	bash -c "[[ '$names' == *'$NS_A/vx0@tc-egress '* && '$names' == *'$NS_B/vx0@tc-ingress '* ]]"
st=$("$OFFCAP" stats "$F")
check "stats: each vx0 with its own MTU (1500 and 9000)" \
	bash -c "grep -q '^$NS_A/vx0@tc-egress .*mtu=1500' <<<\"$st\" && grep -q '^$NS_B/vx0@tc-ingress .*mtu=9000' <<<\"$st\""
J=$OC_TMP/n.json
"$OFFCAP" report --json "$F" > "$J"
check_num "report: the interfaces are four distinct names" "$(jq '[.interfaces[].interface] | unique | length' "$J")" -eq \
	"$(jq '.interfaces | length' "$J")"
check "report: $NS_B/vx0@tc-ingress has mtu 9000" \
	bash -c "jq -e '.interfaces[] | select(.interface == \"$NS_B/vx0@tc-ingress\") | .mtu == 9000' '$J' >/dev/null"
"$OFFCAP" split "$F" "$OC_TMP/s.pcapng" 2>/dev/null
check "split keeps the names" bash -c "tshark -r '$OC_TMP/s.pcapng' -T fields -e frame.interface_name 2>/dev/null | grep -qx '$NS_B/vx0@tc-ingress'"
G=$OC_TMP/one.pcapng
oc_capture "$G" -i "$NS_A/vx0" -p tc-egress
ina bash -c "echo offcap-names > /dev/udp/$IP_B/9999"
sleep 0.3
oc_capture_stop
check "one namespace: the plain name vx0@tc-egress" \
	bash -c "tshark -r '$G' -T fields -e frame.interface_name 2>/dev/null | grep -qx 'vx0@tc-egress'"
