// SPDX-License-Identifier: GPL-2.0
/* A user's own XDP program, for tests of offcap next to it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int user_xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
