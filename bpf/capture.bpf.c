// SPDX-License-Identifier: GPL-2.0
/* offcap's hook points. Every program only reads: tc programs return
 * TCX_NEXT/TC_ACT_UNSPEC so the packet continues, XDP returns XDP_PASS.
 *
 * One object for every kernel from 5.10: the loader probes the running kernel
 * and freezes what it has into the have_* constants below; the verifier then
 * drops the branches this kernel cannot run (kfunc externs are __weak, so a
 * missing one refuses nothing). What each variant loses is in user/kernel/hook.c. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "capture.h"

#define TC_NEXT	(-1)	/* TCX_NEXT == TC_ACT_UNSPEC: run the next filter */

const volatile __u32 snaplen = 256;	/* 0: whole packet */
/* Unconsumed bytes of a ring above which a submit wakes the consumer; below
 * it the consumer drains the rings on a timer (a wakeup per event costs more
 * than capturing the event). Set by the loader. */
const volatile __u64 wakeup_bytes = 1 << 20;
/* The interfaces the tracepoint points watch, known before load: compared
 * inline, no map lookup on every packet of every device. */
const volatile __u32 watch_ndevs = 0;
const volatile struct oc_dev_key watch_devs[OC_WATCH_DEVS] = {};

/* The capture filter: which stubs the loader filled (OC_FILTER_*), the bytes
 * they read at most, and the devices whose packets start at the IP header. */
const volatile __u32 filter_on = 0;
const volatile __u32 filter_span = 0;
const volatile __u32 l3_ndevs = 0;
const volatile struct oc_dev_key l3_devs[OC_WATCH_DEVS] = {};

/* offcap filter -r: BPF_PROG_TEST_RUN of the tc program on a file's packets,
 * with their length and captured length from the file. */
const volatile __u32 test_mode = 0;
volatile __u32 test_len, test_caplen;
/* The frame's VLAN tag as skb metadata (the test run's __sk_buff cannot
 * carry one), and the filter's verdict (OC_CBPF_*), which user space sets
 * to 0xff before each run. */
volatile __u32 test_vlan_present, test_vlan_tci, test_vlan_proto, test_verdict;

/* What the loader found in this kernel (OC_HAVE_* in capture.h). */
const volatile __u32 have = 0;
/* Without OC_HAVE_KERN_CTX a tc or XDP program cannot see its device's
 * namespace: the loader loads one copy of them per watched namespace. */
const volatile __u32 dev_netns = 0;
/* The xdp point in libxdp's dispatcher, which offcap traces too: a frame
 * waits on its CPU for the verdict of the whole chain (oc_xdp_chain_in,
 * oc_xdp_verdict). Multi-buffer XDP only: linear XDP's copy loops leave 5.10's
 * verifier no room for another. */
const volatile __u32 xdp_verdicts = 0;
/* --payload-once: post-gso keeps only the headers of a super-frame the device
 * segments itself (tc-egress recorded the same bytes whole). */
const volatile __u32 payload_once = 0;
/* --ring-full cut (the default): near a full ring, keep headers, not nothing. */
const volatile __u32 ring_full_cut = 0;
/* The running kernel's SKB_GSO_* bits of TCP and of UDP_L4 (an anonymous enum:
 * no CO-RE relocation; the loader learns them from the kernel's BTF). */
const volatile __u32 gso_tcp_bits = 0x11, gso_udp_l4_bits = 1 << 17;
/* GSO kinds whose frames at post-gso are not the bytes tc-egress recorded:
 * partial GSO rewrites and splits them, fraglist chains them (kept whole). */
const volatile __u32 gso_whole_bits = (1 << 12) | (1 << 18);

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym __weak;
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;
extern int bpf_dynptr_from_skb(struct __sk_buff *skb, __u64 flags, struct bpf_dynptr *ptr) __ksym __weak;

/* Before 6.2, sk_buff had a vlan_present bit instead of vlan_all. */
struct sk_buff___old {
	__u8 vlan_present:1;
} __attribute__((preserve_access_index));

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

/* post-gso without OC_HAVE_TRACE_DYNPTR: a packet whose bytes reach into
 * page fragments goes out whole through bpf_skb_output (5.5), which copies
 * fragments too; the loader reads this perf buffer next to the rings. */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} frag_events SEC(".maps");

/* Drops per (point, interface), written only when a reservation fails: the
 * file's statistics block of each interface carries its own. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, OC_HOOK_MAX * OC_WATCH_DEVS);
	__type(key, struct oc_drop_key);
	__type(value, __u64);
} dev_drops SEC(".maps");

static __noinline void count_dev_drop(__u32 point, __u32 ifindex, __u32 netns)
{
	struct oc_drop_key k = { .ifindex = ifindex, .netns = netns, .point = point };
	__u64 one = 1, *n = bpf_map_lookup_elem(&dev_drops, &k);

	if (n)
		(*n)++;
	else
		bpf_map_update_elem(&dev_drops, &k, &one, BPF_NOEXIST);
}

static __always_inline void count_drop(const struct oc_event *e, struct oc_point_stats *st)
{
	st->dropped++;
	count_dev_drop(e->point, e->ifindex, e->netns);
}

/* Where a program's packet bytes come from. */
enum oc_src {
	SRC_SKB,		/* tc: bpf_skb_load_bytes, linear or not */
	SRC_XDP,		/* xdp.frags: bpf_xdp_load_bytes */
	SRC_XDP_LINEAR,		/* linear XDP (< 5.18): direct packet access */
	SRC_TRACE,		/* tp_btf: skb dynptr (6.12+), the linear part or perf */
	SRC_XDP_TRACE,		/* fexit on an XDP program: its xdp_buff's linear part */
};

struct oc_source {
	void *ctx;
	struct sk_buff *skb;	/* SRC_TRACE */
	__u32 mac;		/* SRC_TRACE: header bytes before skb->data, at most OC_MAC_MAX */
	enum oc_src kind;
};

static __always_inline bool have_(__u32 bit)
{
	return have & bit;
}

static __always_inline __u32 cap_len_of(__u32 len)
{
	__u32 cap = len;

	if (snaplen && cap > snaplen)
		cap = snaplen;
	return cap > OC_MAX_CAPLEN ? OC_MAX_CAPLEN : cap;
}

/* Linear XDP copies with a bounded loop: a frame without frags fits a page. */
#define OC_XDP_LINEAR_MAX 4096

/* The loops end at max, the room at dst (a constant at every call site): the
 * verifier walks them with i known, and 5.10 cannot tell "i + 8 > n" taken
 * when clang puts i on the left, so without that bound it would walk on past
 * the room (a store off the end of the filter's map value). */
static __always_inline long copy_xdp_linear(struct xdp_md *ctx, __u8 *dst, __u64 n, __u64 max)
{
	__u8 *data = (__u8 *)(long)ctx->data, *end = (__u8 *)(long)ctx->data_end;
	__u32 lim = max < OC_XDP_LINEAR_MAX ? max : OC_XDP_LINEAR_MAX, i;

	for (i = 0; i + 8 <= lim; i += 8) {
		if (i + 8 > n || data + i + 8 > end)
			break;
		*(__u64 *)(dst + i) = *(__u64 *)(data + i);
	}
	for (__u32 j = 0; j < 8; j++, i++) {
		if (i >= lim || i >= n || data + i + 1 > end)
			break;
		dst[i] = data[i];
	}
	return 0;
}

/* n, at most max, in a form the verifier sees bounded in the very register
 * the helper gets (a C clamp can be checked on a copy). */
static __always_inline __u64 bounded(__u64 n, __u64 max)
{
	asm volatile("if %[n] <= %[max] goto +1; %[n] = %[max];"
		     : [n] "+r"(n) : [max] "r"(max));
	return n;
}

/* The same for a size already known not to be 0, as helpers that refuse a
 * size of 0 need it: 5.10's verifier learns nothing from n != 0. */
static __always_inline __u64 bounded_nz(__u64 n, __u64 max)
{
	asm volatile("if %[n] <= %[max] goto +1; %[n] = %[max];"
		     "if %[n] > 0 goto +1; %[n] = 1;"
		     : [n] "+r"(n) : [max] "r"(max));
	return n;
}

/* The first n bytes of the packet into dst, n <= max (the record's room). */
static __always_inline long copy_bytes(const struct oc_source *s, void *dst, __u64 n, __u64 max)
{
	if (!n)
		return 0;
	n = bounded_nz(n, max);
	switch (s->kind) {
	case SRC_SKB:
		return bpf_skb_load_bytes(s->ctx, 0, dst, n);
	case SRC_XDP:
		return bpf_xdp_load_bytes(s->ctx, 0, dst, n);
	case SRC_XDP_LINEAR:
		return copy_xdp_linear(s->ctx, dst, n, max);
	case SRC_XDP_TRACE:
		return bpf_probe_read_kernel(dst, n, ((struct xdp_buff *)s->ctx)->data);
	default:
		if (have_(OC_HAVE_TRACE_DYNPTR)) {
			struct bpf_dynptr pkt;

			if (bpf_dynptr_from_skb((struct __sk_buff *)s->skb, 0, &pkt))
				return -1;
			return bpf_dynptr_read(dst, n, &pkt, 0, 0);
		}
		return bpf_probe_read_kernel(dst, n, s->skb->data);
	}
}

/* Wake the consumer once, as a record takes the ring past wakeup_bytes: a
 * wakeup on every record above it (an irq_work each) slowed the sending CPU
 * while the consumer was already behind and awake. size: the record's bytes;
 * pending: 1 when it is not yet in the ring (bpf_ringbuf_output). */
static __always_inline __u64 wakeup_flag(void *ring, __u64 size, bool pending)
{
	__u64 rec = BPF_RINGBUF_HDR_SZ + ((size + 7) & ~7ULL);
	__u64 after = bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA) + (pending ? rec : 0);

	return after >= wakeup_bytes && after - rec < wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* The link-layer header a receive tracepoint finds before skb->data. */
static __always_inline long copy_mac(const struct oc_source *s, void *dst)
{
	__u64 n = bounded(s->mac, OC_MAC_MAX);

	if (s->kind != SRC_TRACE || !n)
		return 0;
	return bpf_probe_read_kernel(dst, n, s->skb->head + s->skb->mac_header);
}

/* The filter's copy of the first bytes of what the file will hold: 4 bytes
 * of room before them for a reinserted VLAN tag, OC_MAC_MAX after them for a
 * header copy that starts at a variable offset. */
struct oc_filter_bytes {
	__u8 b[4 + OC_FILTER_SPAN_MAX + OC_MAC_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct oc_filter_bytes);
} filter_bytes SEC(".maps");

#define OC_STR_(x) #x
#define OC_STR(x) OC_STR_(x)

/* A stub the loader replaces with a translated pcap filter (user/filter/splice.c):
 * the arguments pinned in r1-r4, the verdict in r0 (OC_CBPF_* in user/filter/cbpf.h:
 * 0 reject, 1 match, 2 undecided). */
#define OC_FILTER_STUB(name, magic)							\
static __noinline int name(void *bytes, __u64 avail, __u64 wirelen, __u64 complete,	\
			   __u64 aux)							\
{											\
	register void *r1 asm("r1") = bytes;						\
	register __u64 r2 asm("r2") = avail, r3 asm("r3") = wirelen;			\
	register __u64 r4 asm("r4") = complete, r5 asm("r5") = aux;			\
	register int r0 asm("r0");							\
											\
	asm volatile("r0 = " OC_STR(magic) "\n"					\
		     ".rept " OC_STR(OC_FILTER_SLOTS) "\n r0 = 0\n .endr\n"		\
		     "r0 = 2\n"	/* not spliced: undecided, user space decides */	\
		     : "=r"(r0) : "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r5));		\
	return r0;									\
}

OC_FILTER_STUB(oc_filter_l2, OC_FILTER_MAGIC_L2)
OC_FILTER_STUB(oc_filter_l3, OC_FILTER_MAGIC_L3)

static __always_inline bool dev_is_l3(const struct oc_event *e)
{
	for (__u32 i = 0; i < OC_WATCH_DEVS; i++) {
		if (i >= l3_ndevs)
			return false;
		if (l3_devs[i].ifindex == e->ifindex && l3_devs[i].netns == e->netns)
			return true;
	}
	return false;
}

/* Bytes after the link-layer header copy that the source can read: all of
 * them, except a tracepoint's skb without dynptrs (its linear part only). */
static __always_inline __u64 readable(const struct oc_source *s, __u64 n)
{
	__u64 head;

	if (s->kind != SRC_TRACE || have_(OC_HAVE_TRACE_DYNPTR))
		return n;
	head = s->skb->len - s->skb->data_len;
	return n < head ? n : head;
}

/* What the kernel's classic BPF gives a live capture for inbound, outbound
 * and ifindex: ifindex | pkttype << 32, PACKET_OUTGOING (4) on the way out. */
static __always_inline __u64 filter_aux(const struct oc_event *e)
{
	bool out = e->point == OC_HOOK_TC_EGRESS || e->point == OC_HOOK_POST_GSO;

	return e->ifindex | (out ? 4ULL << 32 : 0);
}

/* The filter's verdict on the first bytes the file will hold (the tag of an
 * offloaded VLAN back in place), before any ring space is taken: 0 drops the
 * packet; an undecided one is recorded and flagged for user space. */
static __always_inline int filter_pass(struct oc_event *e, const struct oc_source *s,
				       struct oc_point_stats *st)
{
	__u64 span = bounded(filter_span, OC_FILTER_SPAN_MAX), mac = bounded(s->mac, OC_MAC_MAX);
	__u64 n = e->cap_len < span ? e->cap_len : span, data = n > mac ? n - mac : 0, got;
	bool vlan = e->vlan_present && e->point != OC_HOOK_XDP && e->cap_len >= 12, l3;
	__u64 cap = e->cap_len + (vlan ? 4 : 0), avail, complete;
	__u32 zero = 0;
	__u8 *b = bpf_map_lookup_elem(&filter_bytes, &zero), *base;
	int v;

	if (!b)
		goto undecided;
	got = readable(s, data);
	if (copy_mac(s, b + 4) || (got && copy_bytes(s, b + 4 + mac, got, OC_FILTER_SPAN_MAX)))
		goto undecided;
	got += mac;
	base = b + 4;
	if (vlan) {
		__builtin_memcpy(b, b + 4, 4);
		__builtin_memcpy(b + 4, b + 8, 4);
		__builtin_memcpy(b + 8, b + 12, 4);
		*(__u16 *)(b + 12) = e->vlan_proto;
		b[14] = e->vlan_tci >> 8;
		b[15] = e->vlan_tci & 0xff;
		base = b;
		got += 4;
	}
	avail = got < span ? got : span;
	complete = got >= cap && cap <= span;
	l3 = l3_ndevs && dev_is_l3(e);
	if (!(filter_on & (l3 ? OC_FILTER_L3 : OC_FILTER_L2)))
		v = 0;
	else if (l3)
		v = oc_filter_l3(base, avail, e->len + (vlan ? 4 : 0), complete, filter_aux(e));
	else
		v = oc_filter_l2(base, avail, e->len + (vlan ? 4 : 0), complete, filter_aux(e));
	if (test_mode)
		test_verdict = v;
	if (v == 1) {
		st->kept++;
		return 1;
	}
	if (v != 0)
		goto undecided;
	st->filtered++;
	return 0;
undecided:
	if (test_mode)
		test_verdict = 2;
	st->undecided++;
	e->flags |= OC_EV_FILTER_UNDECIDED;
	return 1;
}

/* A record of a fixed size (bpf_ringbuf_reserve wants a constant; 5.8 has no
 * dynptr records): the smallest bucket that holds the bytes. */
static __always_inline int emit_in(void *ring, struct oc_event *e, const struct oc_source *s,
				   __u32 room, struct oc_point_stats *st)
{
	__u64 size = sizeof(*e) + room + (s->kind == SRC_TRACE ? OC_MAC_MAX : 0);
	struct oc_event *r = bpf_ringbuf_reserve(ring, size, 0);

	if (!r) {
		count_drop(e, st);
		return 0;
	}
	e->drops = st->dropped - st->reported;
	st->reported = st->dropped;
	__builtin_memcpy(r, e, sizeof(*e));
	if (copy_mac(s, r + 1) ||
	    copy_bytes(s, (__u8 *)(r + 1) + bounded(s->mac, OC_MAC_MAX), e->cap_len - s->mac, room)) {
		count_drop(e, st);
		bpf_ringbuf_discard(r, 0);
		return 0;
	}
	bpf_ringbuf_submit(r, wakeup_flag(ring, size, false));
	return 0;
}

/* A perf sample holds at most 64 KiB: its header, the size word, the event
 * and the bytes. */
struct oc_frag_meta {
	struct oc_event e;
	__u8 mac[OC_MAC_MAX];	/* pre-gro: the header before skb->data */
};

/* One scratch per CPU: the event and the link-layer header, in front of the
 * bytes bpf_skb_output copies from skb->data. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct oc_frag_meta);
} frag_meta SEC(".maps");

static __always_inline int emit_frags(struct oc_event *e, const struct oc_source *s,
				      struct oc_point_stats *st)
{
	__u64 mac = bounded(s->mac, OC_MAC_MAX), n;
	__u32 zero = 0;
	struct oc_frag_meta *m = bpf_map_lookup_elem(&frag_meta, &zero);

	if (!m)
		return 0;
	n = bounded(e->cap_len - mac, OC_PERF_MAX_CAPLEN - OC_MAC_MAX);
	e->cap_len = mac + n;
	e->drops = st->dropped - st->reported;
	st->reported = st->dropped;
	m->e = *e;
	if (copy_mac(s, m->mac) ||
	    bpf_skb_output(s->skb, &frag_events, BPF_F_CURRENT_CPU | (n << 32), m, sizeof(m->e) + mac))
		count_drop(e, st);
	return 0;
}

/* A frame waiting for the verdict: kept by offcap's program in a traced
 * dispatcher, or by the entry of a traced program, until the exit on the same
 * CPU with nothing in between but XDP programs. Within the 32 KiB a per-CPU
 * value can have. */
#define OC_PENDING_MAX 16384
struct oc_pending {
	struct oc_event e;
	__u8 bytes[OC_PENDING_MAX];	/* follows e directly: one record */
	__u64 ctx;			/* the xdp_buff the dispatcher runs on */
	__u32 armed;			/* an entry ran for ctx: oc_xdp_verdict will follow */
	__u32 live;			/* e waits */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct oc_pending);
} xdp_pending SEC(".maps");

static __always_inline void flush_pending(struct oc_pending *p)
{
	__u32 point = OC_HOOK_XDP, cpu = bpf_get_smp_processor_id();
	struct oc_point_stats *st = bpf_map_lookup_elem(&stats, &point);
	void *ring = bpf_map_lookup_elem(&rings, &cpu);
	__u64 n = bounded(p->e.cap_len, OC_PENDING_MAX);

	p->live = 0;
	if (!st)
		return;
	p->e.drops = st->dropped - st->reported;
	st->reported = st->dropped;
	if (!ring || bpf_ringbuf_output(ring, &p->e, sizeof(p->e) + n, wakeup_flag(ring, sizeof(p->e) + n, true)))
		count_drop(&p->e, st);
}

/* Keep the frame for its verdict where its CPU is armed (the dispatcher or
 * the program it runs in is traced); anywhere else, or too big to keep, it
 * goes out now without. */
static __always_inline bool stash_xdp(struct oc_event *e, const struct oc_source *s,
				      struct oc_point_stats *st)
{
	__u32 zero = 0;
	struct oc_pending *p = bpf_map_lookup_elem(&xdp_pending, &zero);

	if (!p || !p->armed || p->ctx != (__u64)s->ctx || e->cap_len > OC_PENDING_MAX)
		return false;
	if (copy_bytes(s, p->bytes, e->cap_len, OC_PENDING_MAX)) {
		count_drop(e, st);
		return true;
	}
	p->e = *e;
	p->live = 1;
	return true;
}

/* A super-frame's headers, from the link-layer header to the end of the
 * (inner, when tunnelled) TCP or UDP header; OC_ONCE_HDR where the offsets or
 * the TCP header length do not make sense. */
static __always_inline __u32 gso_header_len(struct sk_buff *skb, __u32 gso_type)
{
	/* the copy starts at skb->data; the header's bytes must be in the linear part */
	__u32 base = skb->data - skb->head, th = skb->transport_header, tail = skb->tail;
	bool udp = gso_type & gso_udp_l4_bits;
	__u8 doff = 0;

	if (BPF_CORE_READ_BITFIELD(skb, encapsulation))
		th = skb->inner_transport_header;
	if (th == 0xffff || th < base || th - base > OC_ONCE_HDR_MAX - 60 || th + (udp ? 8 : 13) > tail)
		return OC_ONCE_HDR;
	if (udp)
		return th - base + 8;
	if (!(gso_type & gso_tcp_bits) || bpf_probe_read_kernel(&doff, 1, skb->head + th + 12) || doff >> 4 < 5)
		return OC_ONCE_HDR;
	return th - base + (doff >> 4) * 4;
}

/* With --payload-once, post-gso's super-frames keep their headers only. */
static __always_inline void cut_super_frame(struct oc_event *e, const struct oc_source *s)
{
	__u32 hdr;

	if (!payload_once || e->point != OC_HOOK_POST_GSO || s->kind != SRC_TRACE || !e->gso_size ||
	    (e->gso_type & gso_whole_bits) || (e->flags & OC_EV_FILTER_UNDECIDED))
		return;
	hdr = gso_header_len(s->skb, e->gso_type);
	if (e->cap_len > hdr)
		e->cap_len = hdr;
}

/* The ring's last eighth is kept for headers: a packet that would reach into
 * it keeps its first OC_FULL_CUT bytes (one CPU writes each ring). Not one the
 * filter left undecided: libpcap decides on its bytes in user space. */
static __always_inline void cut_when_full(void *ring, struct oc_event *e, struct oc_point_stats *st)
{
	__u64 size;

	if (!ring_full_cut || e->cap_len <= OC_FULL_CUT || (e->flags & OC_EV_FILTER_UNDECIDED))
		return;
	size = bpf_ringbuf_query(ring, BPF_RB_RING_SIZE);
	if (bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA) + e->cap_len + sizeof(*e) + 8 <= size - size / 8)
		return;
	e->cap_len = OC_FULL_CUT;
	e->flags |= OC_EV_CUT_FULL;
	st->cut++;
}

#define OC_BUCKET(room) \
	if (e->cap_len <= (room)) \
		return emit_in(ring, e, s, room, st)

/* Count, timestamp and hand the event with its bytes to this CPU's ring. A
 * failed reservation is counted, never silent. */
static __always_inline int emit(struct oc_event *e, const struct oc_source *s)
{
	__u32 point = e->point, cpu = bpf_get_smp_processor_id();
	struct oc_point_stats *st = bpf_map_lookup_elem(&stats, &point);
	void *ring;

	if (!st)
		return 0;
	/* Per-CPU counters, plain increments: the hooks run with bottom halves
	 * off or in softirq, so two programs never interleave on one CPU (except
	 * on PREEMPT_RT, where a count could be lost, never a packet). */
	st->seen++;
	if (test_mode) {
		e->len = test_len;
		if (test_vlan_present && e->point != OC_HOOK_XDP) {
			e->vlan_present = 1;
			e->vlan_tci = test_vlan_tci;
			e->vlan_proto = test_vlan_proto;
		}
	}
	e->cap_len = cap_len_of(e->len);
	if (test_mode && e->cap_len > test_caplen)
		e->cap_len = test_caplen;
	if ((s->kind == SRC_XDP_LINEAR || s->kind == SRC_XDP_TRACE) && e->cap_len > OC_XDP_LINEAR_MAX)
		e->cap_len = OC_XDP_LINEAR_MAX;
	if (filter_on && !filter_pass(e, s, st))
		return 0;
	cut_super_frame(e, s);	/* after the verdict: the filter sees what tc-egress sees */
	e->ts = bpf_ktime_get_ns();
	if ((s->kind == SRC_XDP_TRACE || (s->kind == SRC_XDP && xdp_verdicts)) &&
	    stash_xdp(e, s, st))
		return 0;
	if (s->kind == SRC_TRACE && !have_(OC_HAVE_TRACE_DYNPTR) &&
	    e->cap_len > s->mac + s->skb->len - s->skb->data_len)
		return emit_frags(e, s, st);
	ring = bpf_map_lookup_elem(&rings, &cpu);
	if (!ring) {
		count_drop(e, st);
		return 0;
	}
	cut_when_full(ring, e, st);
	OC_BUCKET(256);
	OC_BUCKET(2048);
	OC_BUCKET(OC_XDP_LINEAR_MAX);
	if (s->kind == SRC_XDP_LINEAR || s->kind == SRC_XDP_TRACE)
		return 0;
	OC_BUCKET(16384);
	OC_BUCKET(65536);
	OC_BUCKET(OC_MAX_CAPLEN);
	return 0;
}

static __always_inline __u8 skb_vlan_present(struct sk_buff *skb)
{
	if (bpf_core_field_exists(skb->vlan_all))
		return skb->vlan_all != 0;
	return BPF_CORE_READ_BITFIELD((struct sk_buff___old *)skb, vlan_present);
}

/* skb is a trusted BTF pointer (bpf_cast_to_kern_ctx, tp_btf argument): plain
 * CO-RE loads; the shared info through bpf_rdonly_cast where it exists. */
static __always_inline void fill_from_skb(struct oc_event *e, struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	struct skb_shared_info *shinfo = (void *)(skb->head + skb->end);

	e->len = skb->len;
	e->ifindex = dev->ifindex;
	e->netns = dev->nd_net.net->ns.inum;
	e->queue = skb->queue_mapping;
	e->csum = BPF_CORE_READ_BITFIELD(skb, ip_summed);
	e->vlan_tci = skb->vlan_tci;
	e->vlan_proto = skb->vlan_proto;
	e->vlan_present = skb_vlan_present(skb);
	if (have_(OC_HAVE_KERN_CTX)) {
		shinfo = bpf_rdonly_cast(shinfo, bpf_core_type_id_kernel(struct skb_shared_info));
		e->gso_size = shinfo->gso_size;
		e->gso_segs = shinfo->gso_segs;
		e->gso_type = shinfo->gso_type;
	} else {
		e->gso_size = BPF_CORE_READ(shinfo, gso_size);
		e->gso_segs = BPF_CORE_READ(shinfo, gso_segs);
		e->gso_type = BPF_CORE_READ(shinfo, gso_type);
	}
}

/* tc before 6.2: only what __sk_buff offers; no checksum state, no gso_type. */
static __always_inline void fill_from_ctx(struct oc_event *e, struct __sk_buff *ctx)
{
	e->len = ctx->len;
	e->ifindex = ctx->ifindex;
	e->netns = dev_netns;
	e->queue = ctx->queue_mapping;
	e->csum = OC_EV_CSUM_UNKNOWN;
	e->vlan_tci = ctx->vlan_tci;
	e->vlan_proto = ctx->vlan_proto;
	e->vlan_present = ctx->vlan_present;
	e->gso_size = ctx->gso_size;
	e->gso_segs = ctx->gso_segs;
	e->flags = OC_EV_NO_GSO_TYPE;
}

static __always_inline int capture_tc(struct __sk_buff *ctx, __u8 point)
{
	struct oc_event e = { .point = point };
	struct oc_source s = { .ctx = ctx, .kind = SRC_SKB };

	if (have_(OC_HAVE_KERN_CTX))
		fill_from_skb(&e, bpf_cast_to_kern_ctx(ctx));
	else
		fill_from_ctx(&e, ctx);
	return emit(&e, &s);
}

SEC("tc")
int oc_tc_ingress(struct __sk_buff *ctx)
{
	capture_tc(ctx, OC_HOOK_TC_INGRESS);
	return TC_NEXT;
}

SEC("tc")
int oc_tc_egress(struct __sk_buff *ctx)
{
	capture_tc(ctx, OC_HOOK_TC_EGRESS);
	return TC_NEXT;
}

static __always_inline bool watched(struct net_device *dev)
{
	__u32 ifindex = dev->ifindex;

	for (__u32 i = 0; i < OC_WATCH_DEVS; i++) {
		if (i >= watch_ndevs)
			return false;
		/* ifindex is per namespace: two watched devices can share one */
		if (watch_devs[i].ifindex == ifindex &&
		    watch_devs[i].netns == dev->nd_net.net->ns.inum)
			return true;
	}
	return false;
}

static __always_inline int capture_trace(struct sk_buff *skb, __u8 point, __u32 mac)
{
	struct oc_event e = { .point = point };
	struct oc_source s = { .skb = skb, .mac = mac, .kind = SRC_TRACE };

	fill_from_skb(&e, skb);
	e.len += mac;
	if (s.mac > cap_len_of(e.len))
		s.mac = cap_len_of(e.len);
	return emit(&e, &s);
}

/* After validate_xmit_skb: one event per segment where software GSO ran. */
SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(oc_post_gso, struct sk_buff *skb, struct net_device *dev)
{
	return watched(dev) ? capture_trace(skb, OC_HOOK_POST_GSO, 0) : 0;
}

/* What a driver hands the stack, before GRO. eth_type_trans has pulled the
 * link-layer header: it is kept from skb->mac_header. */
static __always_inline int capture_rx(struct sk_buff *skb)
{
	__u32 head, mac;

	if (!watched(skb->dev))
		return 0;
	head = skb->data - skb->head;
	mac = head - skb->mac_header;
	if (skb->mac_header == 0xffff || head < skb->mac_header || mac > OC_MAC_MAX)
		mac = 0;
	return capture_trace(skb, OC_HOOK_PRE_GRO, mac);
}

/* The programs of the pre-gro point: every name starts with oc_pre_gro. */
SEC("tp_btf/napi_gro_receive_entry")
int BPF_PROG(oc_pre_gro_napi, struct sk_buff *skb) { return capture_rx(skb); }

SEC("tp_btf/napi_gro_frags_entry")
int BPF_PROG(oc_pre_gro_frags, struct sk_buff *skb) { return capture_rx(skb); }

SEC("tp_btf/netif_receive_skb_entry")
int BPF_PROG(oc_pre_gro_receive, struct sk_buff *skb) { return capture_rx(skb); }

SEC("tp_btf/netif_receive_skb_list_entry")
int BPF_PROG(oc_pre_gro_list, struct sk_buff *skb) { return capture_rx(skb); }

SEC("tp_btf/netif_rx_entry")
int BPF_PROG(oc_pre_gro_rx, struct sk_buff *skb) { return capture_rx(skb); }

static __always_inline __u32 xdp_netns(struct xdp_md *ctx)
{
	struct xdp_buff *xdp;

	if (!have_(OC_HAVE_KERN_CTX))
		return dev_netns;
	xdp = bpf_cast_to_kern_ctx(ctx);
	return xdp->rxq->dev->nd_net.net->ns.inum;
}

static __always_inline void capture_xdp(struct xdp_md *ctx, __u32 len, enum oc_src kind)
{
	struct oc_event e = {
		.point = OC_HOOK_XDP,
		.csum = OC_EV_CSUM_UNKNOWN,
		.len = len,
		.ifindex = ctx->ingress_ifindex,
		.queue = ctx->rx_queue_index,
		.netns = xdp_netns(ctx),
	};
	struct oc_source s = { .ctx = ctx, .kind = kind };

	emit(&e, &s);
}

/* Multi-buffer XDP (5.18+): frames of any size. */
SEC("xdp.frags")
int oc_xdp(struct xdp_md *ctx)
{
	capture_xdp(ctx, bpf_xdp_get_buff_len(ctx), SRC_XDP);
	return XDP_PASS;
}

/* Before 5.18: one linear buffer per frame. */
SEC("xdp")
int oc_xdp_linear(struct xdp_md *ctx)
{
	capture_xdp(ctx, ctx->data_end - ctx->data, SRC_XDP_LINEAR);
	return XDP_PASS;
}

/* Arm this CPU for the frame at xdp: its exit will follow (oc_xdp_verdict). */
static __always_inline void arm_verdict(struct xdp_buff *xdp)
{
	__u32 zero = 0;
	struct oc_pending *p = bpf_map_lookup_elem(&xdp_pending, &zero);

	if (p) {
		if (p->live)
			flush_pending(p);
		p->ctx = (__u64)xdp;
		p->armed = 1;
	}
}

/* libxdp's dispatcher, traced on both sides (the loader sets the target and
 * follows libxdp when it replaces the dispatcher): its entry arms this CPU,
 * offcap's program in the chain keeps the frame, and the exit gives it the
 * chain's verdict. */
SEC("fentry/xdp")
int BPF_PROG(oc_xdp_chain_in, struct xdp_buff *xdp)
{
	arm_verdict(xdp);
	return 0;
}

/* An XDP program of someone else's that libxdp cannot share (attached alone,
 * not through its dispatcher), traced xdpdump's way and left untouched: the
 * frame as it enters, with the verdict it leaves with. */
SEC("fentry/xdp")
int BPF_PROG(oc_xdp_trace_in, struct xdp_buff *xdp)
{
	struct net_device *dev = xdp->rxq->dev;
	struct oc_event e = {
		.point = OC_HOOK_XDP,
		.csum = OC_EV_CSUM_UNKNOWN,
		.len = xdp->data_end - xdp->data,
		.ifindex = dev->ifindex,
		.queue = xdp->rxq->queue_index,
		.netns = dev->nd_net.net->ns.inum,
	};
	struct oc_source s = { .ctx = xdp, .kind = SRC_XDP_TRACE };

	if (!watched(dev))
		return 0;
	arm_verdict(xdp);
	return emit(&e, &s);
}

/* The exit of either: attached first and detached last, so an armed CPU
 * always meets it. */
SEC("fexit/xdp")
int BPF_PROG(oc_xdp_verdict, struct xdp_buff *xdp, int ret)
{
	__u32 zero = 0;
	struct oc_pending *p = bpf_map_lookup_elem(&xdp_pending, &zero);

	if (!p || p->ctx != (__u64)xdp)
		return 0;
	p->armed = 0;
	if (p->live) {
		p->e.flags |= OC_EV_VERDICT;
		p->e.xdp_verdict = ret;
		flush_pending(p);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
