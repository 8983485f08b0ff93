#!/usr/bin/env bash
# What this kernel offers at each point, and the variants of older kernels.
# On the host, OFFCAP_DISABLE runs those variants (tc without
# bpf_cast_to_kern_ctx, linear XDP, post-gso without skb dynptr); in the
# kernel matrix (make check-kernels) the same checks meet the real kernels.
source "$(dirname "$0")/../lib.sh"
oc_pair 1500 || { not_ok "namespaces and veth pair"; exit 1; }
J=$OC_TMP/r.json

# which variant each point runs here: offcap says so at start
F=$OC_TMP/probe.pcapng
oc_capture "$F" -i "$NS_A/oca" -i "$NS_B/ocb" -p all
oc_capture_stop; check "capture at every point exits 0" [ $? -eq 0 ]
lacks() { grep -q "$1: this kernel lacks $2" "$OC_TMP/offcap.err"; }
if lacks tc-egress bpf_cast_to_kern_ctx; then legacy_tc=1; else legacy_tc=0; fi
if lacks post-gso bpf_dynptr_from_skb; then legacy_tp=1; else legacy_tp=0; fi
echo "# kernel $(uname -r): legacy tc $legacy_tc, legacy post-gso $legacy_tp, OFFCAP_DISABLE='${OFFCAP_DISABLE:-}'"
if [ -z "${OFFCAP_DISABLE:-}" ] && [ "$(printf '%s\n' 6.12 "$(uname -r)" | sort -V | head -1)" = 6.12 ]; then
	check "6.12 and later: no point lacks anything" [ $((legacy_tc + legacy_tp)) -eq 0 ]
fi
if [ -n "${OFFCAP_DISABLE:-}" ]; then
	check "each lacking point is named once with its item and feature" bash -c \
		"for p in xdp tc-ingress tc-egress post-gso pre-gro; do [ \$(grep -c \"^offcap: warning: \$p: this kernel lacks\" '$OC_TMP/offcap.err') -eq 1 ] || exit 1; done &&
		 grep -q 'xdp: this kernel lacks multi-buffer XDP (Linux 5.18), so XDP is attached in linear mode' '$OC_TMP/offcap.err' &&
		 grep -q 'tc-ingress: this kernel lacks bpf_cast_to_kern_ctx (Linux 6.2), so the checksum state and gso_type are recorded as unknown' '$OC_TMP/offcap.err'"
fi
check "no libbpf noise without -v" bash -c "! grep -q '^libbpf:' '$OC_TMP/offcap.err'"

# default offloads (TSO on), both namespaces, whole packets, every point
F=$OC_TMP/all.pcapng
oc_capture "$F" -i "$NS_A/oca" -i "$NS_B/ocb" -p all -s 0
oc_iperf 5M
oc_capture_stop; check "capture -s 0 at all points exits 0" [ $? -eq 0 ]
for ifp in "$NS_A/oca@tc-egress" "$NS_A/oca@post-gso" "$NS_B/ocb@xdp" "$NS_B/ocb@pre-gro" "$NS_B/ocb@tc-ingress" "$NS_B/ocb@tc-egress" "$NS_A/oca@tc-ingress"; do
	check_num "$ifp: packets captured" "$(oc_count "$F" "$ifp" "")" -gt 5
done
check_num "the two namespaces' interfaces are told apart: $NS_B/ocb@xdp has no packet from oca's side" \
	"$(oc_count "$F" $NS_B/ocb@xdp "ip.src == $IP_B")" -eq 0
if [ $legacy_tc = 1 ]; then
	check "tc before 6.2: comments say csum=unknown and gso_type=unknown" \
		bash -c "tshark -r '$F' -Y 'frame.interface_name == \"$NS_A/oca@tc-egress\"' -T fields -e frame.comment 2>/dev/null | grep -q 'gso_type=unknown csum=unknown'"
else
	check "tc: super-frames carry gso_type=tcpv4 and csum=partial" \
		bash -c "tshark -r '$F' -Y 'frame.interface_name == \"$NS_A/oca@tc-egress\" && frame.len > 1514' -T fields -e frame.comment 2>/dev/null | grep -q 'gso_type=tcpv4.*csum=partial'"
fi
check "post-gso: gso_type and csum always known (tp_btf)" \
	bash -c "! tshark -r '$F' -Y 'frame.interface_name == \"$NS_A/oca@post-gso\"' -T fields -e frame.comment 2>/dev/null | grep -q 'unknown'"
check_num "xdp: every received frame fits the MTU" "$(oc_maxlen "$F" $NS_B/ocb@xdp "")" -le 1514
check_num "xdp: whole frames kept with -s 0 (cap_len = len)" \
	"$(oc_count "$F" $NS_B/ocb@xdp "frame.cap_len != frame.len")" -eq 0
check_num "pre-gro: whole frames kept with -s 0, Ethernet header included" \
	"$(oc_count "$F" $NS_B/ocb@pre-gro "frame.cap_len != frame.len || !eth")" -eq 0
if [ $legacy_tp = 0 ]; then
	check_num "post-gso: whole segments kept with -s 0" "$(oc_count "$F" $NS_A/oca@post-gso "frame.cap_len != frame.len")" -eq 0
else
	check_num "post-gso without skb dynptr: whole segments kept with -s 0 through the perf buffer" \
		"$(oc_count "$F" $NS_A/oca@post-gso "frame.cap_len != frame.len")" -eq 0
fi
"$OFFCAP" report --json "$F" > "$J"
compared=$(jq .synthesis.compared "$J")
check_num "synthesis: segments compared" "$compared" -gt 100
check_num "synthesis: every segment matches the kernel's (as far as captured)" "$(jq .synthesis.matched "$J")" -eq "$compared"
check "report: real problems none" bash -c "\"$OFFCAP\" report '$F' | grep -q 'Real problems: none'"

# the classic clsact path, as on kernels before 6.6
F=$OC_TMP/clsact.pcapng
oc_capture "$F" -i "$NS_A/oca" -p tc-egress --tc-clsact
oc_iperf 2M
oc_capture_stop; check "clsact: capture exits 0" [ $? -eq 0 ]
check_num "clsact: tc-egress packets" "$(oc_count "$F" oca@tc-egress "")" -gt 5
check "clsact: no kernel error lines without -v" bash -c "! grep -qi 'kernel error\|libbpf' '$OC_TMP/offcap.err'"
check "nothing left attached in either namespace" test -z "$(oc_leftovers "$NS_A")$(oc_leftovers "$NS_B")"
check "clsact qdisc removed" bash -c "! ip netns exec '$NS_A' tc qdisc show dev oca | grep -q clsact"
