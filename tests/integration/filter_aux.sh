#!/usr/bin/env bash
# What tcpdump's live filters read beyond the bytes, in the kernel at each
# point: inbound/outbound from the hook point's direction, ifindex from the
# device; and loads past the bytes the kernel copies (ether[1024]) load and
# leave only the longer packets to libpcap.
source "$(dirname "$0")/../lib.sh"
oc_pair 1500 || { not_ok "namespaces and veth pair"; exit 1; }
# cap NAME EXPR: a capture at tc-ingress and tc-egress of oca while 1 MB goes A -> B
cap() {
	oc_capture "$OC_TMP/$1.pcapng" -s 0 -p tc-ingress,tc-egress -i "$NS_A/oca" "$2"
	cp "$OC_TMP/offcap.err" "$OC_TMP/$1.start"
	oc_iperf 1M; sleep 0.2; oc_capture_stop
	cp "$OC_TMP/offcap.err" "$OC_TMP/$1.err"
}
count() { oc_count "$OC_TMP/$1.pcapng" "oca@$2" ""; }
cap out outbound
read -r k r u _ < <(oc_verdicts "$OC_TMP/out.err" tc-egress)
check "'outbound' at tc-egress: the kernel kept every packet ($k), rejected none, none undecided" \
	[ "${k:-0}" -gt 10 -a "$r" -eq 0 -a "$u" -eq 0 -a "$k" -eq "$(count out tc-egress)" ]
read -r k r u _ < <(oc_verdicts "$OC_TMP/out.err" tc-ingress)
check "'outbound' at tc-ingress: the kernel rejected every packet ($r), kept none" \
	[ "${r:-0}" -gt 10 -a "$k" -eq 0 -a "$u" -eq 0 -a "$(count out tc-ingress)" -eq 0 ]
cap in 'inbound and tcp'
check_verdicts "'inbound and tcp'" "$OC_TMP/in.err" tc-egress "$(count in tc-egress)"
check_num "'inbound and tcp' at tc-egress: nothing kept" "$(count in tc-egress)" -eq 0
read -r k r u _ < <(oc_verdicts "$OC_TMP/in.err" tc-ingress)
check "'inbound and tcp' at tc-ingress: the kernel kept every packet ($k), none undecided" \
	[ "${k:-0}" -gt 10 -a "$u" -eq 0 -a "$k" -eq "$(count in tc-ingress)" ]
idx=$(ina cat /sys/class/net/oca/ifindex)
cap idx "ifindex $idx and greater 1000"
check_verdicts "'ifindex $idx and greater 1000' (oca's)" "$OC_TMP/idx.err" tc-egress "$(count idx tc-egress)"
check_num "'ifindex $idx and greater 1000': the transfer's packets at tc-egress" "$(count idx tc-egress)" -gt 5
cap notidx "ifindex $((idx + 1000))"
read -r k r u _ < <(oc_verdicts "$OC_TMP/notidx.err" tc-egress)
check "'ifindex $((idx + 1000))' (another device): rejected in the kernel ($r), nothing kept" \
	[ "${r:-0}" -gt 10 -a "$k" -eq 0 -a "$(count notidx tc-egress)" -eq 0 ]
cap far 'ether[1024] = 0 or tcp[tcpflags] & tcp-syn != 0'
read -r k r u uk ur < <(oc_verdicts "$OC_TMP/far.err" tc-egress)
check "'ether[1024] = 0 or SYN' loads; packets over 1024 bytes left to libpcap ($u undecided, $uk kept, $ur rejected)" \
	[ "${u:-0}" -gt 0 -a "$((uk + ur))" -eq "$u" -a "$r" -gt 0 ]
check "'ether[1024] = 0 or SYN': exactly what tcpdump selects from the file" \
	[ "$(tcpdump -r "$OC_TMP/far.pcapng" 'ether[1024] = 0 or tcp[tcpflags] & tcp-syn != 0' 2>/dev/null | wc -l)" -eq "$(tcpdump -r "$OC_TMP/far.pcapng" 2>/dev/null | wc -l)" ]
"$OFFCAP" capture -v -q -c 1 -i "$NS_A/oca" -w "$OC_TMP/v.pcapng" 'ether[1024] = 0 or tcp' >/dev/null 2>"$OC_TMP/v.err" &
OC_PIDS+=($!); V=$!
oc_wait_file "$OC_TMP/v.pcapng"; sleep 0.3; ina bash -c "exec 3<>/dev/tcp/$IP_B/22" 2>/dev/null
for i in $(seq 30); do kill -0 $V 2>/dev/null || break; sleep 0.1; done; kill -INT $V 2>/dev/null; wait $V
check "-v names the part left to user space and why" \
	grep -q "filter on Ethernet frames: left to libpcap in user space, on packets longer than the 1024 bytes the kernel copies: '(.*) ldb *\[1024\]'" "$OC_TMP/v.err"
# the older kernels' variants at every point: tc without bpf_cast_to_kern_ctx, linear XDP,
# tracepoints without dynptrs (packets whose headers are in page fragments may be undecided)
OFFCAP_DISABLE=kern_ctx,trace_dynptr,xdp_frags oc_capture "$OC_TMP/old.pcapng" -s 128 -p all \
	-i "$NS_A/oca" -i "$NS_B/ocb" 'tcp dst port 5201 or (outbound and icmp)'
oc_iperf 1M; sleep 0.2; oc_capture_stop
for pt in xdp tc-ingress tc-egress post-gso pre-gro; do
	check_verdicts "older kernels' variants, 'tcp dst port 5201 or (outbound and icmp)'" "$OC_TMP/offcap.err" "$pt" \
		"$(tshark -r "$OC_TMP/old.pcapng" -Y "frame.interface_name contains \"@$pt\"" -T fields -e frame.number 2>/dev/null | wc -l)"
done
left=$(oc_leftovers "$NS_A"); [ -n "$left" ] && echo "# left: $left"
check "nothing left attached" [ -z "$left" ]
