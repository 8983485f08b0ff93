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

/* pre-gro's tracepoints (hooks_only --pre-gro) */
SEC("tp_btf/napi_gro_receive_entry")
int BPF_PROG(bench_pre_gro_napi, struct sk_buff *skb) { return 0; }

SEC("tp_btf/napi_gro_frags_entry")
int BPF_PROG(bench_pre_gro_frags, struct sk_buff *skb) { return 0; }

SEC("tp_btf/netif_receive_skb_entry")
int BPF_PROG(bench_pre_gro_receive, struct sk_buff *skb) { return 0; }

SEC("tp_btf/netif_receive_skb_list_entry")
int BPF_PROG(bench_pre_gro_list, struct sk_buff *skb) { return 0; }

SEC("tp_btf/netif_rx_entry")
int BPF_PROG(bench_pre_gro_rx, struct sk_buff *skb) { return 0; }

char LICENSE[] SEC("license") = "GPL";
