#!/usr/bin/env python3
"""Crafted packets for the filter equivalence test (tests/integration/filter_equiv.sh):
VLAN/QinQ, IPv6 extension headers, fragments, ICMP/ICMPv6, ARP, tunnels,
truncated and oversized frames, and seeded random corruptions of them all.
Writes OUT.pcap (Ethernet) and OUT-raw.pcap (LINKTYPE_RAW)."""
import random
import struct
import sys

MAC_A, MAC_B = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")
BCAST, MCAST6 = b"\xff" * 6, bytes.fromhex("333300000001")
V4 = [bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2]), bytes([10, 1, 2, 3]), bytes([192, 168, 7, 9])]
V6 = [bytes.fromhex("fd0c0000000000000000000000000001"), bytes.fromhex("fd0c0000000000000000000000000002"),
      bytes.fromhex("20010db8000000000000000000000042"), bytes.fromhex("ff020000000000000000000000000001")]


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def eth(dst, src, etype, payload):
    return dst + src + struct.pack("!H", etype) + payload


def vlan(tpid, vid, etype, payload, pcp=0):
    return struct.pack("!HH", tpid, (pcp << 13) | vid) + struct.pack("!H", etype) + payload


def ipv4(src, dst, proto, payload, ttl=64, flags=0, frag=0, opts=b"", ident=1, tos=0):
    ihl = 5 + len(opts) // 4
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, 20 + len(opts) + len(payload), ident,
                    (flags << 13) | frag, ttl, proto, 0, src, dst) + opts
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def ipv6(src, dst, nh, payload, hlim=64):
    return struct.pack("!IHBB", 0x60000000, len(payload), nh, hlim) + src + dst + payload


def tcp(sport, dport, flags, payload=b"", seq=1000, ack=0, opts=b"", win=65535):
    off = (20 + len(opts)) // 4
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, win, 0, 0) + opts + payload


def udp(sport, dport, payload=b""):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def icmp(t, c, payload=b"abcd"):
    return struct.pack("!BBHI", t, c, 0, 0x12340001) + payload


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + spa + tha + tpa


def l3_packets():
    out = []
    a, b, c, d = V4
    for fl in (0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x01, 0x29, 0xc2, 0x00):
        out.append(ipv4(a, b, 6, tcp(40000, 5201, fl, b"x" * 20)))
    for sp, dp in ((80, 40000), (443, 1024), (22, 22), (53, 53), (6000, 6010), (1, 65535)):
        out.append(ipv4(c, d, 6, tcp(sp, dp, 0x18, b"GET / HTTP/1.1\r\n")))
        out.append(ipv4(d, c, 17, udp(sp, dp, b"q" * 30)))
    out.append(ipv4(a, b, 6, tcp(40000, 80, 0x18, b"y" * 40), opts=b"\x01\x01\x01\x00" * 3))  # IP options
    out.append(ipv4(a, b, 17, udp(5000, 53, b"z" * 40)[:24], flags=1, frag=0))  # first fragment
    out.append(ipv4(a, b, 17, b"w" * 40, flags=1, frag=3))  # middle fragment
    out.append(ipv4(a, b, 6, b"w" * 20, flags=0, frag=10))  # last fragment: no TCP header
    out.append(ipv4(a, b, 6, tcp(1, 2, 0x02), flags=2))  # DF
    for t, code in ((8, 0), (0, 0), (3, 3), (11, 0), (5, 1), (13, 0)):
        out.append(ipv4(a, b, 1, icmp(t, code)))
    out.append(ipv4(a, bytes([224, 0, 0, 1]), 2, b"\x11\x64\x00\x00\xe0\x00\x00\x01"))  # IGMP
    out.append(ipv4(a, b, 4, ipv4(c, d, 6, tcp(1234, 80, 0x02))))  # IPIP
    out.append(ipv4(a, b, 41, ipv6(V6[0], V6[1], 6, tcp(1234, 443, 0x02))))  # 6in4
    out.append(ipv4(a, b, 47, b"\x00\x00\x08\x00" + ipv4(c, d, 17, udp(1, 53))))  # GRE
    inner = eth(MAC_B, MAC_A, 0x0800, ipv4(c, d, 6, tcp(5555, 80, 0x18, b"in")))
    out.append(ipv4(a, b, 17, udp(33333, 4789, b"\x08\x00\x00\x00\x00\x00\x64\x00" + inner)))  # VXLAN
    out.append(ipv4(a, b, 6, tcp(40000, 5201, 0x10, b"\0" * 1400)))
    out.append(ipv4(a, b, 132, b"\x13\x88\x13\x88" + b"\0" * 12))  # SCTP
    s6, d6, g6, m6 = V6
    for fl in (0x02, 0x12, 0x11, 0x18):
        out.append(ipv6(s6, d6, 6, tcp(40000, 5201, fl, b"x" * 10)))
    out.append(ipv6(g6, s6, 17, udp(546, 547, b"dhcp")))
    out.append(ipv6(s6, m6, 58, icmp(135, 0, b"\0" * 20)))  # neighbour solicitation
    out.append(ipv6(s6, d6, 58, icmp(128, 0)))
    out.append(ipv6(d6, s6, 58, icmp(129, 0)))
    out.append(ipv6(s6, d6, 0, struct.pack("!BB", 6, 0) + b"\x01\x04\0\0\0\0" + tcp(40000, 80, 0x02)))  # hop-by-hop
    out.append(ipv6(s6, d6, 60, struct.pack("!BB", 17, 0) + b"\x01\x04\0\0\0\0" + udp(7, 53, b"dst")))  # dstopts
    out.append(ipv6(s6, d6, 43, struct.pack("!BBBB", 58, 0, 0, 0) + b"\0" * 4 + icmp(128, 0)))  # routing
    out.append(ipv6(s6, d6, 44, struct.pack("!BBHI", 6, 0, 1, 7) + tcp(40000, 22, 0x18, b"f" * 16)))  # fragment
    out.append(ipv6(s6, d6, 44, struct.pack("!BBHI", 17, 0, 100 << 3, 7) + b"g" * 24))  # later fragment
    out.append(ipv6(s6, d6, 4, ipv4(a, b, 17, udp(1, 2))))  # 4in6
    out.append(ipv6(s6, d6, 59, b""))  # no next header
    return out


def frame(p):
    return eth(MAC_B, MAC_A, 0x0800 if p[0] >> 4 == 4 else 0x86dd, p)


def l2_packets(l3):
    out = [(frame(p), None) for p in l3]
    a, b = V4[:2]
    t = ipv4(a, b, 6, tcp(40000, 5201, 0x18, b"v" * 30))
    u6 = ipv6(V6[0], V6[1], 17, udp(9, 9999, b"six"))
    for vid in (10, 20, 4095):
        out.append((eth(MAC_B, MAC_A, 0x8100, vlan(0, vid, 0x0800, t)[2:]) if False else
                    MAC_B + MAC_A + vlan(0x8100, vid, 0x0800, t), None))
    out.append((MAC_B + MAC_A + vlan(0x8100, 10, 0x86dd, u6, pcp=5), None))
    out.append((MAC_B + MAC_A + vlan(0x88a8, 100, 0x8100, vlan(0, 10, 0x0800, t)[2:])[:4] +
                struct.pack("!HH", 0x8100, 10) + struct.pack("!H", 0x0800) + t, None))  # QinQ 100/10
    out.append((MAC_B + MAC_A + vlan(0x8100, 30, 0x8100, struct.pack("!H", 40) + struct.pack("!H", 0x86dd) + u6), None))
    out.append((MAC_B + MAC_A + vlan(0x9100, 7, 0x0806, arp(1, MAC_A, a, b"\0" * 6, b)), None))
    out.append((eth(BCAST, MAC_A, 0x0806, arp(1, MAC_A, a, b"\0" * 6, b)), None))
    out.append((eth(MAC_A, MAC_B, 0x0806, arp(2, MAC_B, b, MAC_A, a)), None))
    out.append((eth(MCAST6, MAC_A, 0x86dd, ipv6(V6[0], V6[3], 58, icmp(143, 0))), None))
    out.append((eth(BCAST, MAC_A, 0x0800, ipv4(a, bytes([255] * 4), 17, udp(68, 67, b"\0" * 40))), None))
    out.append((eth(MAC_B, MAC_A, 0x88cc, b"\x02\x07\x04" + MAC_A), None))  # LLDP
    out.append((MAC_B + MAC_A + struct.pack("!H", 60) + b"\xaa\xaa\x03\0\0\0\x08\0" + t, None))  # 802.3 + SNAP
    out.append((MAC_B + MAC_A + struct.pack("!H", 40) + b"\x42\x42\x03" + b"\0" * 37, None))  # STP LLC
    big = frame(ipv4(a, b, 6, tcp(40000, 5201, 0x10, b"\0" * 100)))
    out.append((big, 65226))   # a super-frame: captured 156 bytes of 65226
    out.append((big, 1514))
    out.append((big, 1515))
    out.append((b"\x01\x02\x03", None))
    return out


def truncations(pkts, rnd):
    out = []
    for data, wl in pkts:
        for cut in (14, 18, 20, 23, 34, 38, 42, 54, 58, 62, 66):
            if cut < len(data) and rnd.random() < 0.25:
                out.append((data[:cut], wl or len(data)))
    return out


def corruptions(pkts, rnd, n):
    out = []
    for _ in range(n):
        data, wl = rnd.choice(pkts)
        b = bytearray(data)
        for _ in range(rnd.randint(1, 4)):
            i = rnd.randrange(min(len(b), 80)) if b else 0
            if b:
                b[i] = rnd.randrange(256) if rnd.random() < 0.7 else b[i] ^ 0x0f
        out.append((bytes(b), wl))
    return out


def write(path, linktype, pkts):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, linktype))
        for i, (data, wl) in enumerate(pkts):
            wl = max(wl or len(data), len(data))
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(data), wl) + data)


def main():
    out = sys.argv[1]
    rnd = random.Random(9)
    l3 = l3_packets()
    l2 = l2_packets(l3)
    write(out + ".pcap", 1, l2 + truncations(l2, rnd) + corruptions(l2, rnd, 300))
    raw = [(p, None) for p in l3]
    write(out + "-raw.pcap", 101, raw + truncations(raw, rnd) + corruptions(raw, rnd, 150))


main()
