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
/* Snap lengths up to this take the fixed-size record path. */
#define OC_FAST_CAPLEN 256
/* Unconsumed bytes of a ring above which a submit wakes the consumer; below
 * it the consumer drains the rings on a timer (a wakeup per event costs more
 * than capturing the event). Set by the loader. */
const volatile __u64 wakeup_bytes = 1 << 20;
/* The interfaces post-gso watches, known before load: compared inline, no map
 * lookup on every transmit of every device. */
const volatile __u32 post_gso_ndevs = 0;
const volatile struct oc_dev_key post_gso_devs[OC_POST_GSO_DEVS] = {};

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
extern int bpf_dynptr_from_skb(struct __sk_buff *skb, __u64 flags, struct bpf_dynptr *ptr) __ksym;
extern int bpf_dynptr_from_xdp(struct xdp_md *xdp, __u64 flags, struct bpf_dynptr *ptr) __ksym;
extern int bpf_dynptr_copy(struct bpf_dynptr *dst, __u32 dst_off, struct bpf_dynptr *src,
			   __u32 src_off, __u32 size) __ksym;

/* One ring per CPU: no lock shared between CPUs, and each ring stays small
 * enough to remain in cache. The loader creates the rings and fills this array
 * (index = CPU); a CPU without a ring counts its events as dropped. */
struct oc_ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);	/* a template: the loader sizes the rings */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);		/* resized by the loader: possible CPUs */
	__type(key, __u32);
	__array(values, struct oc_ring);
} rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, OC_HOOK_MAX);
	__type(key, __u32);
	__type(value, struct oc_point_stats);
} stats SEC(".maps");

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

/* skb is a trusted BTF pointer (bpf_cast_to_kern_ctx, tp_btf argument): plain
 * CO-RE loads, no bpf_probe_read_kernel call per field. */
static __always_inline void fill_from_skb(struct oc_event *e, struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	struct skb_shared_info *shinfo;

	e->len = skb->len;
	e->ifindex = dev->ifindex;
	e->netns = dev->nd_net.net->ns.inum;
	e->queue = skb->queue_mapping;
	e->csum = BPF_CORE_READ_BITFIELD(skb, ip_summed);
	e->vlan_tci = skb->vlan_tci;
	e->vlan_proto = skb->vlan_proto;
	e->vlan_present = skb->vlan_all != 0;
	shinfo = bpf_rdonly_cast(skb->head + skb->end, bpf_core_type_id_kernel(struct skb_shared_info));
	e->gso_size = shinfo->gso_size;
	e->gso_segs = shinfo->gso_segs;
	e->gso_type = shinfo->gso_type;
}

static __always_inline __u64 wakeup_flag(void *ring)
{
	return bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA) >= wakeup_bytes ?
	       BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* Reserve header + bytes in this CPU's ring, copy the packet in, submit. A
 * failed reservation is counted, never silent. */
static __always_inline void emit(struct oc_event *e, struct bpf_dynptr *pkt)
{
	struct oc_point_stats *st = point_stats(e->point);
	__u32 cpu = bpf_get_smp_processor_id();
	struct bpf_dynptr rec;
	void *ring;

	if (!st)
		return;
	/* Per-CPU counters, plain increments: the hooks run with bottom halves
	 * off or in softirq, so two programs never interleave on one CPU (except
	 * on PREEMPT_RT, where a count could be lost, never a packet). */
	st->seen++;
	e->cap_len = cap_len_of(e->len);
	e->ts = bpf_ktime_get_ns();
	ring = bpf_map_lookup_elem(&rings, &cpu);
	if (!ring) {
		st->dropped++;
		return;
	}
	if (snaplen && snaplen <= OC_FAST_CAPLEN) {
		/* one fixed-size record: the header stored in place, the bytes read
		 * straight into it */
		struct oc_event *r = bpf_ringbuf_reserve(ring, sizeof(*e) + OC_FAST_CAPLEN, 0);
		__u64 n = e->cap_len;

		if (!r) {
			st->dropped++;
			return;
		}
		e->drops = st->dropped - st->reported;
		st->reported = st->dropped;
		__builtin_memcpy(r, e, sizeof(*e));
		barrier_var(n);	/* keep the bound on the register the helper gets */
		if (n > OC_FAST_CAPLEN)
			n = OC_FAST_CAPLEN;
		barrier_var(n);
		if (n && bpf_dynptr_read(r + 1, n, pkt, 0, 0)) {
			st->dropped++;
			bpf_ringbuf_discard(r, 0);
			return;
		}
		bpf_ringbuf_submit(r, wakeup_flag(ring));
		return;
	}
	if (bpf_ringbuf_reserve_dynptr(ring, sizeof(*e) + e->cap_len, 0, &rec)) {
		st->dropped++;
		bpf_ringbuf_discard_dynptr(&rec, 0);
		return;
	}
	e->drops = st->dropped - st->reported;
	st->reported = st->dropped;
	if (bpf_dynptr_write(&rec, 0, e, sizeof(*e), 0) ||
	    (e->cap_len && bpf_dynptr_copy(&rec, sizeof(*e), pkt, 0, e->cap_len))) {
		st->dropped++;
		bpf_ringbuf_discard_dynptr(&rec, 0);
		return;
	}
	bpf_ringbuf_submit_dynptr(&rec, wakeup_flag(ring));
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
	__u32 ifindex = dev->ifindex, netns;

	for (__u32 i = 0; i < OC_POST_GSO_DEVS; i++) {
		if (i >= post_gso_ndevs)
			return 0;
		if (post_gso_devs[i].ifindex != ifindex)
			continue;
		netns = dev->nd_net.net->ns.inum;
		if (post_gso_devs[i].netns == netns) {
			capture_skb((struct __sk_buff *)skb, skb, OC_HOOK_POST_GSO);
			return 0;
		}
	}
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

	e.netns = xdp->rxq->dev->nd_net.net->ns.inum;
	if (!bpf_dynptr_from_xdp(ctx, 0, &pkt))
		emit(&e, &pkt);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
