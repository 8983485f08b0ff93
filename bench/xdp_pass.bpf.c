// SPDX-License-Identifier: GPL-2.0
/* make bench: the cheapest possible XDP program, to measure the observer
 * effect of attaching XDP to a veth (the peer loses GSO pass-through) apart
 * from the cost of capturing. Same section type as offcap's (xdp.frags). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp.frags")
int bench_xdp_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
