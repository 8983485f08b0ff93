#!/usr/bin/env python3
"""What --payload-once would have written, from a capture without it: every
super-frame (comment gso_size > 0) in a post-gso block cut to its headers
(Ethernet, IPv4/IPv6, TCP with options). Little-endian pcapng as offcap writes
it. Usage: once_cut.py IN OUT; prints the number of frames cut."""
import re
import struct
import sys


def options(body):
    off = 0
    while off + 4 <= len(body):
        code, n = struct.unpack_from("<HH", body, off)
        if code == 0:
            return
        yield code, body[off + 4:off + 4 + n]
        off += 4 + (n + 3) // 4 * 4


def header_len(data):
    if len(data) < 14 or data[12:14] not in (b"\x08\x00", b"\x86\xdd"):
        return None
    l3 = 14 + ((data[14] & 15) * 4 if data[12:14] == b"\x08\x00" else 40)
    return l3 + (data[l3 + 12] >> 4) * 4 if len(data) > l3 + 12 else None


def cut(block, post_gso):
    if_id, ts_hi, ts_lo, caplen, orig = struct.unpack_from("<IIIII", block, 8)
    data = block[28:28 + caplen]
    opts = block[28 + (caplen + 3) // 4 * 4:-4]
    gso = [re.search(rb"gso_size=(\d+)", v) for c, v in options(opts) if c == 1]
    hdr = header_len(data)
    if if_id not in post_gso or not any(m and int(m.group(1)) for m in gso) or not hdr or hdr >= caplen:
        return block, 0
    pad = b"\0" * ((4 - hdr % 4) % 4)
    body = struct.pack("<IIIII", if_id, ts_hi, ts_lo, hdr, orig) + data[:hdr] + pad + opts
    n = 12 + len(body)
    return struct.pack("<II", 6, n) + body + struct.pack("<I", n), 1


def main(src, dst):
    raw, out, ifaces, post_gso, n = open(src, "rb").read(), [], 0, set(), 0
    off = 0
    while off + 12 <= len(raw):
        btype, blen = struct.unpack_from("<II", raw, off)
        block = raw[off:off + blen]
        if btype == 0x0A0D0D0A:
            ifaces, post_gso = 0, set()
        elif btype == 1:
            names = [v for c, v in options(block[16:-4]) if c == 2]
            if names and names[0].rstrip(b"\0").endswith(b"@post-gso"):
                post_gso.add(ifaces)
            ifaces += 1
        elif btype == 6:
            block, k = cut(block, post_gso)
            n += k
        out.append(block)
        off += blen
    open(dst, "wb").write(b"".join(out))
    print(n)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
