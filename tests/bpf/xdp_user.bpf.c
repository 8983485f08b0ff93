// SPDX-License-Identifier: GPL-2.0
/* A user's own XDP program next to offcap: counts the frames it sees and
 * drops UDP to port 9 (discard), after writing 'D' over their first payload
 * byte (a capture that records frames as received never shows it). Two copies (user_a, user_b) stand for two
 * users' programs, each with its own counter. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define DROP_PORT 9
#define ETH_P_IP 0x0800
#define IPPROTO_UDP 17

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} user_seen SEC(".maps");

static __always_inline int verdict(struct xdp_md *ctx, __u32 who)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	__u64 *n = bpf_map_lookup_elem(&user_seen, &who);

	if (n)
		__sync_fetch_and_add(n, 1);
	if ((void *)(udp + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->ihl != 5 || ip->protocol != IPPROTO_UDP)
		return XDP_PASS;
	if (udp->dest != bpf_htons(DROP_PORT))
		return XDP_PASS;
	if ((void *)(udp + 1) + 1 <= end)
		*(__u8 *)(udp + 1) = 'D';
	return XDP_DROP;
}

SEC("xdp")
int user_a(struct xdp_md *ctx) { return verdict(ctx, 0); }

SEC("xdp")
int user_b(struct xdp_md *ctx) { return verdict(ctx, 1); }

char LICENSE[] SEC("license") = "GPL";
