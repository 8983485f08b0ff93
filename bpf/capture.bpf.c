// SPDX-License-Identifier: GPL-2.0
/* offcap's four hook points. Every program only reads: tc programs return
 * TCX_NEXT/TC_ACT_UNSPEC so the packet continues, XDP returns XDP_PASS. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "capture.h"

#define TC_NEXT	(-1)	/* TCX_NEXT == TC_ACT_UNSPEC: run the next filter */

const volatile __u32 snaplen = 256;	/* 0: whole packet */

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;
extern int bpf_dynptr_from_skb(struct __sk_buff *skb, __u64 flags, struct bpf_dynptr *ptr) __ksym;
extern int bpf_dynptr_from_xdp(struct xdp_md *xdp, __u64 flags, struct bpf_dynptr *ptr) __ksym;
extern int bpf_dynptr_copy(struct bpf_dynptr *dst, __u32 dst_off, struct bpf_dynptr *src,
			   __u32 src_off, __u32 size) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 20);	/* resized by the loader */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, OC_HOOK_MAX);
	__type(key, __u32);
	__type(value, struct oc_point_stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct oc_dev_key);
	__type(value, __u8);
} post_gso_devs SEC(".maps");

static __always_inline __u32 cap_len_of(__u32 len)
{
	__u32 cap = len;

	if (snaplen && cap > snaplen)
		cap = snaplen;
	return cap > OC_MAX_CAPLEN ? OC_MAX_CAPLEN : cap;
}

static __always_inline struct oc_point_stats *point_stats(__u32 point)
{
	return bpf_map_lookup_elem(&stats, &point);
}

static __always_inline void fill_from_skb(struct oc_event *e, struct sk_buff *skb)
{
	struct net_device *dev = BPF_CORE_READ(skb, dev);
	struct skb_shared_info *shinfo;

	e->len = BPF_CORE_READ(skb, len);
	e->ifindex = BPF_CORE_READ(dev, ifindex);
	e->netns = BPF_CORE_READ(dev, nd_net.net, ns.inum);
	e->queue = BPF_CORE_READ(skb, queue_mapping);
	e->csum = BPF_CORE_READ_BITFIELD_PROBED(skb, ip_summed);
	e->vlan_tci = BPF_CORE_READ(skb, vlan_tci);
	e->vlan_proto = BPF_CORE_READ(skb, vlan_proto);
	e->vlan_present = BPF_CORE_READ(skb, vlan_all) != 0;
	shinfo = (void *)(BPF_CORE_READ(skb, head) + BPF_CORE_READ(skb, end));
	e->gso_size = BPF_CORE_READ(shinfo, gso_size);
	e->gso_segs = BPF_CORE_READ(shinfo, gso_segs);
	e->gso_type = BPF_CORE_READ(shinfo, gso_type);
}

/* Reserve header + bytes, copy the packet through its dynptr, submit. A failed
 * reservation is counted, never silent. */
static __always_inline void emit(struct oc_event *e, struct bpf_dynptr *pkt)
{
	struct oc_point_stats *st = point_stats(e->point);
	struct bpf_dynptr rec;

	if (!st)
		return;
	__sync_fetch_and_add(&st->seen, 1);
	e->cap_len = cap_len_of(e->len);
	e->ts = bpf_ktime_get_ns();
	if (bpf_ringbuf_reserve_dynptr(&events, sizeof(*e) + e->cap_len, 0, &rec)) {
		__sync_fetch_and_add(&st->dropped, 1);
		bpf_ringbuf_discard_dynptr(&rec, 0);
		return;
	}
	e->drops = st->dropped - st->reported;
	st->reported = st->dropped;
	if (bpf_dynptr_write(&rec, 0, e, sizeof(*e), 0) ||
	    (e->cap_len && bpf_dynptr_copy(&rec, sizeof(*e), pkt, 0, e->cap_len))) {
		__sync_fetch_and_add(&st->dropped, 1);
		bpf_ringbuf_discard_dynptr(&rec, 0);
		return;
	}
	bpf_ringbuf_submit_dynptr(&rec, 0);
}

static __always_inline void capture_skb(struct __sk_buff *ctx, struct sk_buff *skb, __u8 point)
{
	struct oc_event e = { .point = point };
	struct bpf_dynptr pkt;

	fill_from_skb(&e, skb);
	if (bpf_dynptr_from_skb(ctx, 0, &pkt))
		return;
	emit(&e, &pkt);
}

SEC("tc")
int oc_tc_ingress(struct __sk_buff *ctx)
{
	capture_skb(ctx, bpf_cast_to_kern_ctx(ctx), OC_HOOK_TC_INGRESS);
	return TC_NEXT;
}

SEC("tc")
int oc_tc_egress(struct __sk_buff *ctx)
{
	capture_skb(ctx, bpf_cast_to_kern_ctx(ctx), OC_HOOK_TC_EGRESS);
	return TC_NEXT;
}

/* After validate_xmit_skb: one event per segment where software GSO ran. */
SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(oc_post_gso, struct sk_buff *skb, struct net_device *dev)
{
	struct oc_dev_key key = {
		.ifindex = BPF_CORE_READ(dev, ifindex),
		.netns = BPF_CORE_READ(dev, nd_net.net, ns.inum),
	};

	if (!bpf_map_lookup_elem(&post_gso_devs, &key))
		return 0;
	capture_skb((struct __sk_buff *)skb, skb, OC_HOOK_POST_GSO);
	return 0;
}

SEC("xdp.frags")
int oc_xdp(struct xdp_md *ctx)
{
	struct oc_event e = {
		.point = OC_HOOK_XDP,
		.csum = 0xff,
		.len = bpf_xdp_get_buff_len(ctx),
		.ifindex = ctx->ingress_ifindex,
		.queue = ctx->rx_queue_index,
	};
	struct xdp_buff *xdp = bpf_cast_to_kern_ctx(ctx);
	struct bpf_dynptr pkt;

	e.netns = BPF_CORE_READ(xdp, rxq, dev, nd_net.net, ns.inum);
	if (!bpf_dynptr_from_xdp(ctx, 0, &pkt))
		emit(&e, &pkt);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
