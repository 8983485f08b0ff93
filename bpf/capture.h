/* Event layout shared by capture.bpf.c and the ring consumer (user/kernel/ring.c, event.c). */
#ifndef OFFCAP_CAPTURE_H
#define OFFCAP_CAPTURE_H

/* Hook points: the same values as enum oc_point in user/file/meta.h. */
#define OC_HOOK_XDP		0
#define OC_HOOK_TC_INGRESS	1
#define OC_HOOK_TC_EGRESS	2
#define OC_HOOK_POST_GSO	3
#define OC_HOOK_PRE_GRO		4
#define OC_HOOK_MAX		5

/* Largest packet copied into the ring: BIG TCP super-frames reach 512 KiB; the
 * original length always records the whole packet. */
#define OC_MAX_CAPLEN		(256 * 1024)	/* tshark and tcpdump refuse larger packets */

/* --payload-once: a post-gso super-frame keeps its headers, at most
 * OC_ONCE_HDR_MAX bytes; OC_ONCE_HDR where they cannot be measured. */
#define OC_ONCE_HDR		256
#define OC_ONCE_HDR_MAX		512

/* Bytes a perf sample (post-gso before 6.12, fragmented packets) can carry:
 * its 16-bit size holds the header, the raw size word, padding and the event. */
#define OC_PERF_MAX_CAPLEN	(0xffff - 8 - 8 - 48 - 8)

struct oc_event {
	__u64 ts;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 len;		/* true length: skb->len with frags, or the XDP buffer */
	__u32 cap_len;		/* packet bytes following this header */
	__u32 ifindex;
	__u32 netns;		/* inode of the device's network namespace */
	union {
		__u32 gso_type;		/* the kernel's raw SKB_GSO_* bits */
		__u32 xdp_verdict;	/* xdp with OC_EV_VERDICT: the program's XDP_* action */
	};
	__u32 queue;		/* skb->queue_mapping (rx: queue + 1), XDP rx_queue_index */
	__u16 gso_size;
	__u16 gso_segs;
	__u16 vlan_tci;
	__u16 vlan_proto;	/* network byte order, as in the skb */
	__u8 point;		/* OC_HOOK_* */
	__u8 csum;		/* skb->ip_summed; OC_EV_CSUM_UNKNOWN where unseen */
	__u8 vlan_present;
	__u8 flags;		/* OC_EV_* */
	__u32 drops;		/* reservations this point lost on this CPU since its last event */
};

#define OC_EV_CSUM_UNKNOWN	0xff	/* XDP; tc without OC_HAVE_KERN_CTX */
#define OC_EV_NO_GSO_TYPE	0x01	/* gso_type was out of reach */
#define OC_EV_VERDICT		0x02	/* xdp_verdict holds the XDP program's return */
#define OC_EV_FILTER_UNDECIDED	0x04	/* the filter read past the bytes it had: user space decides */
#define OC_EV_CUT_FULL		0x08	/* cut to OC_FULL_CUT bytes: its ring was nearly full */

/* --ring-full cut: a packet that finds its ring's last eighth taken keeps its
 * first OC_FULL_CUT bytes (headers) instead of being lost. */
#define OC_FULL_CUT		256

/* The capture filter (user/filter/cbpf.c): each stub, oc_filter_l2 (Ethernet) and
 * oc_filter_l3 (raw IP), is its OC_FILTER_MAGIC_*, OC_FILTER_SLOTS placeholder
 * instructions, "r0 = 2" and an exit, replaced at load by the translated filter.
 * A stub no loader spliced returns 2: undecided, user space decides. */
#define OC_FILTER_MAGIC_L2	0x0ffcf17e
#define OC_FILTER_MAGIC_L3	0x0ffcf17f
#define OC_FILTER_SLOTS		4096
#define OC_FILTER_SPAN_MAX	1024	/* bytes copied for the filter, at most */
#define OC_FILTER_L2		0x01	/* filter_on: which stubs hold a filter */
#define OC_FILTER_L3		0x02

/* What the running kernel offers, probed by the loader (user/kernel/hook.c) and
 * frozen into the programs' .rodata. */
#define OC_HAVE_KERN_CTX	0x01	/* bpf_cast_to_kern_ctx, bpf_rdonly_cast (6.2) */
#define OC_HAVE_TRACE_DYNPTR	0x02	/* bpf_dynptr_from_skb in tp_btf programs (6.12) */

/* Interfaces the tracepoint points (post-gso, pre-gro) watch, at most: a
 * tracepoint sees every device; the same as the loader's OC_MAX_DEVS. */
#define OC_WATCH_DEVS		16
/* Link-layer header bytes kept before skb->data at pre-gro (the driver has
 * pulled the Ethernet header already). */
#define OC_MAC_MAX		32

/* Entry of the tracepoints' interface filter. */
struct oc_dev_key {
	__u32 ifindex;
	__u32 netns;
};

/* Key of the per-interface drop counters. */
struct oc_drop_key {
	__u32 ifindex;
	__u32 netns;
	__u32 point;
};

/* Per hook point, per CPU. */
struct oc_point_stats {
	__u64 seen;		/* events the program saw */
	__u64 dropped;		/* ring reservations that failed */
	__u64 reported;		/* dropped, as already told in an event */
	__u64 filtered;		/* events the capture filter rejected */
	__u64 undecided;	/* events it left to user space */
	__u64 kept;		/* events it matched */
	__u64 cut;		/* events cut to OC_FULL_CUT bytes: the ring was nearly full */
};

#endif
