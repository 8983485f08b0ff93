#!/usr/bin/env python3
"""netem where sch_netem is not built (as on our hosts): a router hands what
it forwards through two TUN devices, IN and OUT; this program reads each
packet from IN and writes it to OUT later -- after a delay, at once for some
(they overtake the delayed ones: reordering) or never (loss). A TUN device has
no offloads, so the router cuts GSO packets into wire packets before IN: each
is judged on its own.

    tun_netem.py IN OUT DELAY_MS LOSS_PCT REORDER_PCT SECONDS [SEED]

Prints "ready" once both devices exist."""
import fcntl
import heapq
import os
import random
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000


def tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def main():
    rx, tx = tun(sys.argv[1]), tun(sys.argv[2])
    os.set_blocking(rx, False)
    delay, loss, reorder, seconds = (float(sys.argv[3]) / 1000, float(sys.argv[4]), float(sys.argv[5]),
                                     float(sys.argv[6]))
    rnd = random.Random(int(sys.argv[7]) if len(sys.argv) > 7 else 1)
    print("ready", flush=True)
    due, n, end = [], 0, time.monotonic() + seconds
    while time.monotonic() < end:
        now = time.monotonic()
        while due and due[0][0] <= now:
            try:
                os.write(tx, heapq.heappop(due)[2])
            except OSError:     # OUT not up yet: as a wire with no link
                pass
        wait = min(due[0][0] - now, 0.05) if due else 0.05
        if not select.select([rx], [], [], max(wait, 0))[0]:
            continue
        while True:
            try:
                pkt = os.read(rx, 65536)
            except BlockingIOError:
                break
            r, n = rnd.random() * 100, n + 1
            if r >= loss:
                heapq.heappush(due, (now if r < loss + reorder else now + delay, n, pkt))


if __name__ == "__main__":
    main()
