// SPDX-License-Identifier: GPL-2.0
/* make bench: offcap's three default hooks (tc egress, tc ingress, the
 * net_dev_start_xmit tracepoint) with programs that do nothing. What it costs
 * is the floor under any capture at these hooks on this machine. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("tc")
int bench_tc_ingress(struct __sk_buff *ctx)
{
	(void)ctx;
	return -1;	/* TCX_NEXT */
}

SEC("tc")
int bench_tc_egress(struct __sk_buff *ctx)
{
	(void)ctx;
	return -1;
}

SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(bench_post_gso, struct sk_buff *skb, struct net_device *dev)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
