#!/usr/bin/env bash
# offcap report with the kernel's default offloads (TSO/GSO on, GRO off on veth):
# super-frames the device cuts are synthesized, not missing; a super-frame that
# crosses a veth pair whole is received whole, not a GRO merge; each packet is
# counted once per flow, not once per hook point.
source "$(dirname "$0")/../lib.sh"
oc_pair 1500 || { not_ok "namespaces and veth pair"; exit 1; }
J=$OC_TMP/r.json T=$OC_TMP/r.txt
flow='[.flows[] | select(.proto == "tcp")] | max_by(.sides[0].payload_bytes)'
rx='.interfaces[] | select((.interface | endswith("ocb@tc-ingress")))'

# 1. TSO on: the driver is handed super-frames at post-gso
F=$OC_TMP/tso.pcapng
oc_capture "$F" -i "$NS_A/oca" -i "$NS_B/ocb"
oc_iperf 5M
oc_capture_stop
"$OFFCAP" report --json "$F" > "$J"; "$OFFCAP" report "$F" > "$T"
check_num "TSO: super-frames handed whole to the device" "$(jq .synthesis.tso_superframes "$J")" -gt 10
check_num "TSO: their segments counted as synthesized by the device" "$(jq .synthesis.device_cut_segments "$J")" -gt 1000
check_num "TSO: no synthesized segment called missing" "$(jq .synthesis.missing "$J")" -eq 0
check "TSO text: says the veth passes them whole (segments synthesized), never 'not seen at post-gso'" \
	bash -c "grep -q 'went to a veth whole: it passes them to its peer whole' '$T' && ! grep -q 'not seen at post-gso\|dropped before the driver' '$T'"
check_num "TSO JSON: all of them on a veth" "$(jq .synthesis.veth_superframes "$J")" -eq "$(jq .synthesis.tso_superframes "$J")"
"$OFFCAP" report --side-by-side -c 2 "$F" > "$OC_TMP/sbs.txt"
check "TSO side-by-side: rows say synthesized (veth passes it whole), none 'not seen'" \
	bash -c "grep -q 'synthesized: veth passes it whole to its peer' '$OC_TMP/sbs.txt' && ! grep -q 'not seen' '$OC_TMP/sbs.txt'"

# 2. the same super-frames arrive whole at the peer: GSO pass-through, not GRO
over=$(jq "$rx | .over_mtu" "$J")
check_num "pass-through: super-frames over the MTU at ocb@tc-ingress" "$over" -gt 10
check_num "pass-through: all of them received whole" "$(jq "$rx | .over_mtu_causes.received_whole" "$J")" -eq "$over"
check_num "pass-through: none called a GRO/LRO merge" "$(jq "$rx | .over_mtu_causes.gro_lro + .gro_merged" "$J")" -eq 0
check "pass-through: JSON names where they were seen sent whole" \
	bash -c "jq -e '$rx | .received_whole.sent_whole_at | test(\"(^|/)oca@\")' '$J' >/dev/null"
check "pass-through text: 'received whole ... handed whole to the sending device (seen at ([^ ]*/)?oca@', no 'GRO/LRO merge'" \
	bash -c "grep -qE 'received whole.*handed whole to the sending device \(seen at ([^ ]*/)?oca@' '$T' && ! grep -q 'GRO/LRO merge\|built from' '$T'"

# 3. counted once: 5 MiB sent, 5 MiB in the flow (not once per hook point)
bytes=$(jq "$flow | .sides[0].payload_bytes" "$J")
check_num "counting: client payload is the ~5 MiB sent, not once per hook point (at most)" "$bytes" -le 5500000
check_num "counting: client payload bytes were counted (at least)" "$bytes" -ge 2500000
check "counting: counted once at oca@tc-egress" bash -c "jq -e '$flow | .sides[0] | (.counted_at | endswith(\"oca@tc-egress\"))' '$J' >/dev/null"
check_num "counting: flow super-frames = those at oca@tc-egress" "$(jq "$flow | .sides[0].superframes" "$J")" \
	-eq "$(jq '.interfaces[] | select((.interface | endswith("oca@tc-egress"))) | .superframes' "$J")"
check "counting text: 'counted once, at oca@tc-egress'" grep -qE 'counted once, at ([^ ]*/)?oca@tc-egress' "$T"

# 4. only the receiver captured, GRO off: its features say it merges nothing
F=$OC_TMP/rx.pcapng
oc_capture "$F" -i "$NS_B/ocb" -p tc-ingress
oc_iperf 5M
oc_capture_stop
"$OFFCAP" report --json "$F" > "$J"; "$OFFCAP" report "$F" > "$T"
check_num "receiver only, GRO off: received whole because GRO and LRO are off" \
	"$(jq "$rx | .received_whole.gro_off" "$J")" -eq "$(jq "$rx | .over_mtu" "$J")"
check "receiver only text: says GRO and LRO are off, no GRO/LRO merge" \
	bash -c "grep -q 'with GRO and LRO off on ocb' '$T' && ! grep -q 'GRO/LRO merge' '$T'"

# 5. GRO on at the receiver with XDP: the sender segments (veth), GRO merges for real
inb ethtool -K ocb gro on >/dev/null
F=$OC_TMP/gro.pcapng
oc_capture "$F" -i "$NS_B/ocb" -p xdp,tc-ingress
oc_iperf 5M
oc_capture_stop
"$OFFCAP" report --json "$F" > "$J"
over=$(jq "$rx | .over_mtu" "$J")
check_num "GRO on + XDP: merged frames over the MTU" "$over" -gt 10
check_num "GRO on + XDP: every one a GRO merge" "$(jq "$rx | .over_mtu_causes.gro_lro" "$J")" -eq "$over"
check_num "GRO on + XDP: none received whole" "$(jq "$rx | .received_whole.superframes" "$J")" -eq 0

# 6. GRO on without XDP: super-frames still cross whole (and GRO may join them)
F=$OC_TMP/gro-pt.pcapng
oc_capture "$F" -i "$NS_A/oca" -i "$NS_B/ocb" -p tc-egress,tc-ingress
oc_iperf 5M
oc_capture_stop
inb ethtool -K ocb gro off >/dev/null
"$OFFCAP" report --json "$F" > "$J"
over=$(jq "$rx | .over_mtu" "$J")
check_num "GRO on, no XDP: super-frames at ocb@tc-ingress" "$over" -gt 10
check_num "GRO on, no XDP: seen sent whole at oca, so received whole" \
	"$(jq "$rx | .received_whole.seen_sent_whole" "$J")" -ge $((over * 9 / 10))

# 7. a SYN without an MSS option (a crafted pcap): "no MSS option", never "MSS 0"
P=$OC_TMP/nomss.pcap
python3 - "$P" <<'PY'
import struct, sys
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
def frame(src, dst, sp, dp, flags, opts):
    tcp = struct.pack('!HHIIBBHHH', sp, dp, 1000, 0 if flags == 2 else 1001, (20 + len(opts)) // 4 << 4, flags, 64240, 0, 0) + opts
    ph = bytes(src) + bytes(dst) + struct.pack('!BBH', 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack('!H', csum(ph + tcp)) + tcp[18:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, bytes(src), bytes(dst))
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    return b'\x02' * 6 + b'\x04' * 6 + b'\x08\x00' + ip + tcp
a, b = [198, 18, 0, 1], [198, 18, 0, 2]
pk = [frame(a, b, 40000, 80, 0x02, b''), frame(b, a, 80, 40000, 0x12, b'\x02\x04\x05\xb4')]
with open(sys.argv[1], 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, p in enumerate(pk):
        f.write(struct.pack('<IIII', 1700000000, i, len(p), len(p)) + p)
PY
"$OFFCAP" report "$P" > "$T"; "$OFFCAP" report --json "$P" > "$J"
check "no MSS option: text says 'no MSS option (536/1220 by default)', not 'MSS 0'" \
	bash -c "grep -q 'client: no MSS option (536/1220 by default)' '$T' && ! grep -q 'MSS 0' '$T'"
check "no MSS option: JSON mss null, mss_option false; the server's 1460" \
	jq_true '.flows[0].sides | .[0].mss == null and .[0].mss_option == false and .[1].mss == 1460' "$J"

# 8. the sender segments in software (TSO off), the receiver has GRO on: real merges,
# although the sender's tc-egress saw super-frames starting at the same sequence
ina ethtool -K oca tso off >/dev/null; inb ethtool -K ocb gro on >/dev/null
F=$OC_TMP/gro-sw.pcapng
oc_capture "$F" -i "$NS_A/oca" -i "$NS_B/ocb" -p tc-egress,tc-ingress
oc_iperf 5M
oc_capture_stop
ina ethtool -K oca tso on >/dev/null; inb ethtool -K ocb gro off >/dev/null
"$OFFCAP" report --json "$F" > "$J"
over=$(jq "$rx | .over_mtu" "$J")
check_num "TSO off + GRO on: merged frames over the MTU at ocb@tc-ingress" "$over" -gt 10
check_num "TSO off + GRO on: every one a GRO merge (the sender's device segmented)" \
	"$(jq "$rx | .over_mtu_causes.gro_lro" "$J")" -eq "$over"
