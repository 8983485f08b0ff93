/* A capture's life: planning which copies of the object to load and how the
 * xdp point goes, loading them, start and stop, polling the rings and the
 * counts. What the kernel has is probe.c's; attaching to devices, attach.c's. */
#include "capture_int.h"
#include "log.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

_Static_assert(OC_MAX_DEVS <= OC_WATCH_DEVS, "tracepoint filter too small");

/* Default ring memory, all CPUs together. Up to a snaplen of 1024, 8 MiB;
 * OC_RING_MB_MANY from four points on (xdp and pre-gro record every wire frame
 * as well: all five points on both ends of a veth lost events in 8 of 8 rounds
 * at 8 MiB, 2 of 16 at 32; bench/RESULTS.md, "four points"). */
#define OC_RING_MB_DEFAULT 8
#define OC_RING_MB_MANY 32
#define OC_RING_MB_DEFAULT_BIG 64
#define OC_RING_MB_MAX 128
/* Beyond a snaplen of 1024: room for OC_RING_RECORDS whole records at every
 * point, at least 64 MiB: a consumer kept off the CPU for a few tens of ms
 * loses events with less (analysis.sh's software GSO burst did at 8-16). */
#define OC_RING_RECORDS 256

static int libbpf_verbose(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return vfprintf(stderr, fmt, ap);
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level, (void)fmt, (void)ap;
	return 0;
}

/* ---- loading ---- */

struct bpf_program *oc_cap_prog_of(const struct oc_capture *c, struct capture_bpf *s, unsigned p)
{
	const struct oc_hook *h = &oc_hooks[p];
	const char *name = h->prog_old && !(c->features & h->needs[0].feature) ? h->prog_old : h->prog;

	return bpf_object__find_program_by_name(s->obj, name);
}

/* A program of a requested tracepoint point: its name starts with the point's. */
static int is_trace_prog(const struct bpf_program *prog, unsigned points)
{
	for (unsigned p = 0; p < OC_POINT_MAX; p++) {
		const char *want = oc_hooks[p].prog;

		if ((points & (1u << p)) && oc_hooks[p].attach == OC_ATTACH_TRACE &&
		    !strncmp(bpf_program__name(prog), want, strlen(want)))
			return 1;
	}
	return 0;
}

/* The namespaces the object is loaded for: one, unless device-bound programs
 * cannot read the namespace themselves. */
static void plan_instances(struct oc_capture *c)
{
	c->ninst = 1;
	c->inst[0].netns = c->devs[0].netns_ino;
	if ((c->features & OC_FEAT_KERN_CTX) || !(c->points & DEV_POINTS))
		return;
	for (unsigned d = 1; d < c->ndevs; d++) {
		unsigned i = 0;

		while (i < c->ninst && c->inst[i].netns != c->devs[d].netns_ino)
			i++;
		if (i == c->ninst)
			c->inst[c->ninst++].netns = c->devs[d].netns_ino;
	}
}


struct capture_bpf *oc_cap_instance_of(const struct oc_capture *c, const struct oc_netdev *dev)
{
	if (!c->inst[0].skel)
		return NULL;
	for (unsigned i = 1; i < c->ninst; i++)
		if (c->inst[i].netns == dev->netns_ino)
			return c->inst[i].skel;
	return c->inst[0].skel;
}

/* The first device of instance i whose xdp point is captured the way given, or -1. */
static int first_xdp(const struct oc_capture *c, unsigned i, enum oc_xdp_way way)
{
	if (!(c->points & (1u << OC_POINT_XDP)))
		return -1;
	for (unsigned d = 0; d < c->ndevs; d++)
		if (c->xdp[d].way == way && oc_cap_instance_of(c, &c->devs[d]) == c->inst[i].skel)
			return (int)d;
	return -1;
}

/* The first device of instance i whose xdp point joins libxdp's dispatcher, or -1. */
static int first_shared(const struct oc_capture *c, unsigned i)
{
	return first_xdp(c, i, OC_XDP_SHARE);
}

/* A device whose XDP program offcap traces, or -1. */
static int traced_xdp(const struct oc_capture *c)
{
	if (!(c->points & (1u << OC_POINT_XDP)))
		return -1;
	for (unsigned d = 0; d < c->ndevs; d++)
		if (c->xdp[d].way == OC_XDP_TRACE)
			return (int)d;
	return -1;
}

/* What each device's XDP hook holds decides how offcap captures there. One
 * traced program at a time: fexit is loaded for its target. */
static int plan_xdp(struct oc_capture *c)
{
	int t = -1;

	for (unsigned d = 0; d < c->ndevs; d++)
		c->xdp[d].prog_fd = -1;
	if (!(c->points & (1u << OC_POINT_XDP)))
		return 0;
	for (unsigned d = 0; d < c->ndevs; d++) {
		char ctx[96];
		int ret;

		if (oc_netdev_enter(&c->devs[d]))
			return oc_fail(oc_cap_errno(), "%s: cannot enter its namespace: %s",
				       c->devs[d].name, strerror(errno));
		snprintf(ctx, sizeof(ctx), "%s: xdp", c->devs[d].name);
		ret = oc_xdp_find(c->devs[d].ifindex, &c->xdp[d], ctx);
		oc_netdev_leave();
		if (ret)
			return ret;
		if (!(c->features & OC_FEAT_PROG_TRACE) && (c->xdp[d].way == OC_XDP_TRACE ||
							     c->xdp[d].prog_id))
			return oc_fail(-EOPNOTSUPP, "%s: xdp: XDP program %u is attached, and this kernel "
				       "refuses %s, so offcap can neither run next to it (libxdp) nor trace "
				       "it; capture at pre-gro instead", c->devs[d].name, c->xdp[d].prog_id,
				       oc_feature_name(OC_FEAT_PROG_TRACE));
		if (!(c->features & OC_FEAT_PROG_TRACE) && !d)
			oc_warn("xdp: this kernel refuses %s, which libxdp's dispatcher needs: offcap's "
				"XDP program runs alone, and no other XDP program can be attached while "
				"it runs", oc_feature_name(OC_FEAT_PROG_TRACE));
		if (!(c->features & OC_FEAT_PROG_TRACE))
			c->xdp[d].way = OC_XDP_ALONE;
		if (c->xdp[d].way != OC_XDP_TRACE)
			continue;
		if (t >= 0 && c->xdp[t].prog_id != c->xdp[d].prog_id)
			return oc_fail(-EOPNOTSUPP, "%s and %s: each has an XDP program attached alone; "
				       "offcap traces one such program at a time", c->devs[t].name,
				       c->devs[d].name);
		t = (int)d;
	}
	/* Linear XDP copies with loops: a third one, for the waiting frame, is
	 * more than 5.10's verifier takes next to a filter's (1M insns). */
	c->chain_verdicts = (c->features & OC_FEAT_PROG_TRACE) && (c->features & OC_FEAT_XDP_FRAGS);
	for (unsigned d = 0; d < c->ndevs; d++)
		if (c->xdp[d].way == OC_XDP_SHARE && !c->chain_verdicts &&
		    (c->features & OC_FEAT_PROG_TRACE)) {
			oc_warn("xdp: this kernel has no %s, so frames in libxdp's dispatcher are "
				"recorded without the chain's verdict", oc_feature_name(OC_FEAT_XDP_FRAGS));
			break;
		}
	return 0;
}

/* A further copy of the object writes into the first one's rings, counters
 * and waiting frames. */
static int share_maps(struct capture_bpf *s, const struct capture_bpf *s0)
{
	return bpf_map__reuse_fd(s->maps.rings, bpf_map__fd(s0->maps.rings)) ||
	       bpf_map__reuse_fd(s->maps.stats, bpf_map__fd(s0->maps.stats)) ||
	       bpf_map__reuse_fd(s->maps.dev_drops, bpf_map__fd(s0->maps.dev_drops)) ||
	       bpf_map__reuse_fd(s->maps.frag_events, bpf_map__fd(s0->maps.frag_events)) ||
	       bpf_map__reuse_fd(s->maps.xdp_pending, bpf_map__fd(s0->maps.xdp_pending)) ? -1 : 0;
}

static int set_rodata(struct oc_capture *c, unsigned i, const struct oc_capture_opts *o)
{
	struct capture_bpf *s = c->inst[i].skel;
	int traced = traced_xdp(c);

	s->rodata->snaplen = o->snaplen;
	s->rodata->have = c->features;
	s->rodata->dev_netns = c->inst[i].netns;
	s->rodata->wakeup_bytes = oc_rings_wakeup_bytes(c->rings);
	for (unsigned d = 0; d < c->ndevs; d++)
		s->rodata->watch_devs[d] = (struct oc_dev_key){
			.ifindex = (uint32_t)c->devs[d].ifindex, .netns = c->devs[d].netns_ino };
	s->rodata->watch_ndevs = c->ndevs;
	s->rodata->xdp_verdicts = first_shared(c, i) >= 0 && c->chain_verdicts;
	s->rodata->payload_once = !!o->payload_once;
	s->rodata->ring_full_cut = !o->ring_full_drop;
	s->rodata->gso_tcp_bits = oc_gso_to_kernel(OC_GSO_TCPV4 | OC_GSO_TCPV6);
	s->rodata->gso_udp_l4_bits = oc_gso_to_kernel(OC_GSO_UDP_L4);
	s->rodata->gso_whole_bits = oc_gso_to_kernel(OC_GSO_PARTIAL | OC_GSO_FRAGLIST);
	if (o->filter) {
		const struct oc_kfilter *f = o->filter;

		s->rodata->filter_on = (f->link[OC_KF_L2].ok ? OC_FILTER_L2 : 0) |
				       (f->link[OC_KF_L3].ok ? OC_FILTER_L3 : 0);
		s->rodata->filter_span = oc_kfilter_span(f);
		s->rodata->l3_ndevs = 0;
		for (unsigned d = 0; d < c->ndevs; d++)
			if (oc_netdev_is_l3(&c->devs[d]))
				s->rodata->l3_devs[s->rodata->l3_ndevs++] = (struct oc_dev_key){
					.ifindex = (uint32_t)c->devs[d].ifindex, .netns = c->devs[d].netns_ino };
	}
	for (struct bpf_program *p = NULL; (p = bpf_object__next_program(s->obj, p));)
		bpf_program__set_autoload(p, !i && is_trace_prog(p, o->points));
	for (unsigned p = 0; p < OC_POINT_MAX; p++) {
		if (!(o->points & (1u << p)) || !(DEV_POINTS & (1u << p)))
			continue;
		if (p != OC_POINT_XDP || first_shared(c, i) >= 0 || first_xdp(c, i, OC_XDP_ALONE) >= 0)
			bpf_program__set_autoload(oc_cap_prog_of(c, s, p), true);
	}
	if (!i && traced >= 0 &&
	    (bpf_program__set_autoload(s->progs.oc_xdp_trace_in, true) ||
	     bpf_program__set_autoload(s->progs.oc_xdp_verdict, true) ||
	     bpf_program__set_attach_target(s->progs.oc_xdp_trace_in, c->xdp[traced].prog_fd,
					    c->xdp[traced].func) ||
	     bpf_program__set_attach_target(s->progs.oc_xdp_verdict, c->xdp[traced].prog_fd,
					    c->xdp[traced].func)))
		return -1;
	if (!i) {
		int ncpu = libbpf_num_possible_cpus();

		bpf_map__set_max_entries(s->maps.rings, (uint32_t)ncpu);
		for (int k = 0; k < ncpu; k++)	/* the inner-map template: a ring of the same size */
			if (oc_rings_fd(c->rings, (unsigned)k) >= 0)
				return bpf_map__set_inner_map_fd(s->maps.rings, oc_rings_fd(c->rings, (unsigned)k));
		return -1;
	}
	return share_maps(s, c->inst[0].skel);	/* further copies share the first one's */
}

static int load_instance(struct oc_capture *c, unsigned i, const struct oc_capture_opts *o)
{
	int ret;

	if (o->filter && (ret = oc_kfilter_arm(o->filter)))
		return ret;
	c->inst[i].skel = capture_bpf__open();
	if (!c->inst[i].skel)
		return oc_fail(oc_cap_errno(), "cannot open the BPF object: %s", strerror(errno));
	if (set_rodata(c, i, o))
		return oc_fail(oc_cap_errno(), "cannot prepare the BPF maps: %s", strerror(errno));
	if (first_shared(c, i) >= 0)	/* libxdp loads it, as a dispatcher component */
		return oc_cap_share_xdp(c, (unsigned)first_shared(c, i));
	ret = capture_bpf__load(c->inst[i].skel);
	if (ret)
		return oc_fail(ret, "cannot load the BPF programs: %s%s", strerror(-ret),
			       ret == -EPERM ? " (need root, or CAP_BPF + CAP_NET_ADMIN + CAP_PERFMON)" :
			       o->verbose ? "" : " (-v shows the verifier's log)");
	return 0;
}

static int on_record(void *ctx, const void *rec, size_t size);

void oc_cap_untrace_chain(struct oc_chain_trace *t)
{
	bpf_link__destroy(t->in);	/* entry first: an armed CPU still meets the exit */
	bpf_link__destroy(t->out);
	capture_bpf__destroy(t->skel);
	*t = (struct oc_chain_trace){ 0 };
}

/* oc_xdp_chain_in and oc_xdp_verdict on the dispatcher fd: a copy of the
 * object with only them, sharing the first copy's maps. */
static int trace_chain_on(struct oc_capture *c, struct oc_chain_trace *t, int fd, const char *func)
{
	struct capture_bpf *s0 = c->inst[0].skel, *s = capture_bpf__open();

	if (!(t->skel = s))
		return -1;
	for (struct bpf_program *p = NULL; (p = bpf_object__next_program(s->obj, p));)
		bpf_program__set_autoload(p, p == s->progs.oc_xdp_chain_in ||
					  p == s->progs.oc_xdp_verdict);
	s->rodata->wakeup_bytes = oc_rings_wakeup_bytes(c->rings);
	if (share_maps(s, s0) ||
	    bpf_program__set_attach_target(s->progs.oc_xdp_chain_in, fd, func) ||
	    bpf_program__set_attach_target(s->progs.oc_xdp_verdict, fd, func) ||
	    capture_bpf__load(s))
		return -1;
	t->out = bpf_program__attach_trace(s->progs.oc_xdp_verdict);
	t->in = t->out ? bpf_program__attach_trace(s->progs.oc_xdp_chain_in) : NULL;
	return t->in ? 0 : -1;
}

/* Trace device d's dispatcher, again if libxdp replaced it. A dispatcher
 * that cannot be traced is not tried again: its frames go without verdict. */
static void trace_chain(struct oc_capture *c, unsigned d)
{
	struct oc_chain_trace *t = &c->chain[d];
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char func[128];
	uint32_t id;
	int fd;

	if (oc_netdev_enter(&c->devs[d]))
		return;
	if (bpf_xdp_query(c->devs[d].ifindex, 0, &q) || q.prog_id != t->disp_id) {
		fd = oc_xdp_dispatcher(c->devs[d].ifindex, &id, func, sizeof(func));
		oc_cap_untrace_chain(t);
		t->disp_id = q.prog_id;
		/* EBUSY: offcap's program is alone, libxdp made it the dispatcher's
		 * whole function; frames pass, without a verdict recorded */
		if (fd >= 0 && trace_chain_on(c, t, fd, func)) {
			if (c->verbose && errno != EBUSY)	/* -v only */
				oc_err("%s: xdp: cannot trace libxdp's dispatcher %u: %s; its frames go "
				       "without verdict", c->devs[d].name, id, strerror(errno));
			oc_cap_untrace_chain(t);
			t->disp_id = q.prog_id;
		}
		if (fd >= 0)
			close(fd);
	}
	oc_netdev_leave();
}

static void trace_chains(struct oc_capture *c)
{
	if (!(c->points & (1u << OC_POINT_XDP)) || !c->chain_verdicts)
		return;
	for (unsigned d = 0; d < c->ndevs; d++)
		if (c->xdp[d].way == OC_XDP_SHARE)
			trace_chain(c, d);
}

/* The tracepoint points' programs: one link each, whatever the device. */
static int attach_trace(struct oc_capture *c, const struct oc_capture_opts *o)
{
	struct bpf_object *obj = c->inst[0].skel->obj;

	for (struct bpf_program *p = NULL; (p = bpf_object__next_program(obj, p));) {
		if (!is_trace_prog(p, o->points))
			continue;
		if (c->ntrace == OC_MAX_TRACE ||
		    !(c->trace[c->ntrace] = bpf_program__attach(p)))
			return oc_fail(oc_cap_errno(), "cannot attach %s to its tracepoint (%s): %s",
				       bpf_program__name(p), bpf_program__section_name(p), strerror(errno));
		c->ntrace++;
	}
	return 0;
}

/* Staged, so that it reaches the file in timestamp order with the rings'. */
static void on_frag_sample(void *ctx, int cpu, void *data, __u32 size)
{
	struct oc_capture *c = ctx;

	(void)cpu;
	if (oc_rings_stage(c->rings, data, size))
		c->frags_lost++;
}

static void on_frag_lost(void *ctx, int cpu, __u64 n)
{
	(void)cpu;
	((struct oc_capture *)ctx)->frags_lost += n;
}

/* Per CPU: 1 MiB, or 8 MiB for bursts of whole 64 KiB super-frames. */
static size_t frag_pages(const struct oc_capture_opts *o)
{
	return (o->snaplen && o->snaplen <= 1024 ? 1u << 20 : 8u << 20) / (size_t)sysconf(_SC_PAGESIZE);
}

/* Every sample wakes the consumer: this path is for kernels without a better one. */
static int open_frags(struct oc_capture *c, const struct oc_capture_opts *o)
{
	c->frags = perf_buffer__new(bpf_map__fd(c->inst[0].skel->maps.frag_events), frag_pages(o),
				    on_frag_sample, on_frag_lost, c, NULL);
	if (!c->frags || oc_rings_wake_on(c->rings, perf_buffer__epoll_fd(c->frags)))
		return oc_fail(oc_cap_errno(), "cannot set up the post-gso perf buffer: %s", strerror(errno));
	return 0;
}

uint32_t oc_ring_mb_default(uint32_t snaplen, unsigned points)
{
	uint64_t rec = (snaplen && snaplen < 65536 ? snaplen : 65536) + 64, bytes;
	uint64_t mb = OC_RING_MB_DEFAULT_BIG;

	if (snaplen && snaplen <= 1024)
		return __builtin_popcount(points) >= 4 ? OC_RING_MB_MANY : OC_RING_MB_DEFAULT;
	bytes = rec * (uint64_t)__builtin_popcount(points) * OC_RING_RECORDS;
	while (mb << 20 < bytes && mb < OC_RING_MB_MAX)
		mb *= 2;
	return (uint32_t)mb;
}

uint64_t oc_capture_ring_bytes(const struct oc_capture *c, unsigned *nrings)
{
	return oc_rings_size(c->rings, nrings);
}

void oc_capture_on_release(struct oc_capture *c, void (*fn)(void *ctx), void *ctx)
{
	oc_rings_on_release(c->rings, fn, ctx);
}

static int load(struct oc_capture *c, const struct oc_capture_opts *o)
{
	int ncpu = libbpf_num_possible_cpus(), ret;
	uint64_t mb = o->ring_mb ? o->ring_mb : oc_ring_mb_default(o->snaplen, o->points);

	if (ncpu <= 0)
		return oc_fail(ncpu < 0 ? ncpu : -EINVAL, "cannot count the CPUs");
	c->rings = oc_rings_create(mb << 20, (unsigned)ncpu);
	if (!c->rings)
		return oc_cap_errno();
	plan_instances(c);
	for (unsigned i = 0; i < c->ninst; i++)
		if ((ret = load_instance(c, i, o)))
			return ret;
	if ((ret = attach_trace(c, o)))
		return ret;
	if ((ret = oc_rings_map(c->rings, bpf_map__fd(c->inst[0].skel->maps.rings))))
		return ret;
	if ((o->points & TRACE_POINTS) && !(c->features & OC_FEAT_TRACE_DYNPTR))
		return open_frags(c, o);
	return 0;
}

struct oc_capture *oc_capture_start(struct oc_netdev *devs, unsigned ndevs,
				    const struct oc_capture_opts *o)
{
	struct oc_capture *c;
	struct btf *btf;

	libbpf_set_print(o->verbose ? libbpf_verbose : libbpf_quiet);
	if (ndevs == 0 || ndevs > OC_MAX_DEVS) {
		oc_err("between 1 and %d interfaces", OC_MAX_DEVS);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		oc_err("out of memory");
		return NULL;
	}
	c->devs = devs;
	c->ndevs = ndevs;
	c->points = o->points;
	c->filter = o->filter;
	for (unsigned d = 0; d < OC_MAX_DEVS; d++)
		for (unsigned p = 0; p < OC_POINT_MAX; p++)
			c->at[d][p].tcx_fd = -1;
	btf = btf__load_vmlinux_btf();
	c->features = oc_cap_probe(btf);
	oc_gso_learn(btf);
	btf__free(btf);
	oc_cap_tell_limits(c, o);
	oc_mono_to_wall(0);
	oc_xdp_quiet(o->verbose);
	if (plan_xdp(c) || load(c, o))
		goto fail;
	for (unsigned d = 0; d < ndevs; d++)
		if (oc_cap_attach_dev(c, d, o))
			goto fail;
	c->verbose = o->verbose;
	trace_chains(c);
	return c;
fail:
	oc_capture_stop(c);
	return NULL;
}

uint32_t oc_capture_features(const struct oc_capture *c)
{
	return c->features;
}

/* ---- consuming ---- */

static int find_dev(const struct oc_capture *c, uint32_t ifindex, uint32_t netns)
{
	for (unsigned i = 0; i < c->ndevs; i++)
		if ((uint32_t)c->devs[i].ifindex == ifindex && c->devs[i].netns_ino == netns)
			return (int)i;
	return -1;
}

static int on_record(void *ctx, const void *rec, size_t size)
{
	struct oc_capture *c = ctx;
	struct oc_packet p;
	int dev;

	if (oc_event_decode(rec, size, &p, &c->buf)) {
		c->undecodable++;
		return 0;
	}
	/* the record stays until the rings' space is handed back (oc_rings_on_release) */
	p.data_in_record = (uintptr_t)p.data >= (uintptr_t)rec &&
			   (uintptr_t)p.data + p.caplen <= (uintptr_t)rec + size;
	dev = find_dev(c, p.meta.ifindex, p.meta.netns);
	if (dev < 0) {
		c->foreign++;
		return 0;
	}
	/* the kernel's filter read past the bytes it had: libpcap decides */
	if ((((const struct oc_event *)rec)->flags & OC_EV_FILTER_UNDECIDED) && c->filter &&
	    p.meta.point < OC_POINT_MAX) {
		if (!oc_kfilter_match(c->filter, oc_netdev_is_l3(&c->devs[dev]) ? OC_KF_L3 : OC_KF_L2, &p)) {
			c->user_rejected[p.meta.point]++;
			return 0;
		}
		c->user_kept[p.meta.point]++;
	}
	return c->cb(c->cb_ctx, &p, (unsigned)dev) ? -1 : 0;
}

/* How often the poll looks whether libxdp replaced a traced dispatcher: the
 * frames in between reach the file without their verdict. */
#define OC_CHAIN_CHECK_MS 100

int oc_capture_poll(struct oc_capture *c, oc_capture_cb cb, void *ctx, int timeout_ms)
{
	struct timespec now;
	uint64_t ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
	if (ms - c->chain_checked_ms >= OC_CHAIN_CHECK_MS) {
		c->chain_checked_ms = ms;
		trace_chains(c);
	}
	c->cb = cb;
	c->cb_ctx = ctx;
	oc_rings_wait(c->rings, timeout_ms);
	oc_rings_snapshot(c->rings);
	if (c->frags && perf_buffer__consume(c->frags) < 0)
		return -1;
	return oc_rings_consume(c->rings, on_record, c);
}

/* A program that entered before its link went away still submits; it runs
 * to its end under RCU, in microseconds unless preempted (PREEMPT_RT), so one
 * pause of a few milliseconds after the rings first run empty covers it. */
int oc_capture_drain(struct oc_capture *c, oc_capture_cb cb, void *ctx)
{
	const struct timespec settle = { .tv_nsec = 5 * 1000 * 1000 };
	int n;

	for (int pass = 0; pass < 2; pass++) {
		while ((n = oc_capture_poll(c, cb, ctx, 0)) > 0)
			;
		if (n < 0)
			return -1;
		if (!pass)
			nanosleep(&settle, NULL);
	}
	return 0;
}

/* The perf buffer's losses, which it does not tell apart, are post-gso's if
 * that point runs, else pre-gro's. */
static unsigned frags_point(const struct oc_capture *c)
{
	return c->points & (1u << OC_POINT_POST_GSO) ? OC_POINT_POST_GSO : OC_POINT_PRE_GRO;
}

int oc_capture_counts(struct oc_capture *c, unsigned point, struct oc_point_count *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct oc_point_stats *v;
	uint32_t key = point;

	memset(out, 0, sizeof(*out));
	if (ncpu <= 0 || !(v = calloc(ncpu, sizeof(*v))))
		return -1;
	if (!bpf_map__lookup_elem(c->inst[0].skel->maps.stats, &key, sizeof(key), v,
				  sizeof(*v) * ncpu, 0)) {
		for (int i = 0; i < ncpu; i++) {
			out->seen += v[i].seen;
			out->dropped += v[i].dropped;
			out->kept += v[i].kept;
			out->rejected += v[i].filtered;
			out->undecided += v[i].undecided;
			out->cut += v[i].cut;
		}
	}
	if (point < OC_POINT_MAX) {
		out->user_kept = c->user_kept[point];
		out->user_rejected = c->user_rejected[point];
	}
	if (point == frags_point(c))
		out->dropped += c->frags_lost;
	free(v);
	return 0;
}

void oc_capture_records(const struct oc_capture *c, uint64_t *undecodable, uint64_t *foreign)
{
	*undecodable = c->undecodable;
	*foreign = c->foreign;
}

uint64_t oc_capture_dev_drops(struct oc_capture *c, unsigned dev, unsigned point)
{
	int ncpu = libbpf_num_possible_cpus();
	struct oc_drop_key k = { .ifindex = (uint32_t)c->devs[dev].ifindex,
				 .netns = c->devs[dev].netns_ino, .point = point };
	uint64_t n = 0, *v;

	if (ncpu <= 0 || !(v = calloc(ncpu, sizeof(*v))))
		return 0;
	if (!bpf_map__lookup_elem(c->inst[0].skel->maps.dev_drops, &k, sizeof(k), v,
				  sizeof(*v) * ncpu, 0))
		for (int i = 0; i < ncpu; i++)
			n += v[i];
	free(v);
	/* the perf buffer says how many it lost, not whose: the first interface's */
	if (point == frags_point(c) && dev == 0)
		n += c->frags_lost;
	return n;
}

const char *oc_capture_attach_mode(struct oc_capture *c, unsigned dev, unsigned point)
{
	if (dev >= c->ndevs || point >= OC_POINT_MAX)
		return NULL;
	return c->at[dev][point].mode;
}

void oc_capture_stop(struct oc_capture *c)
{
	if (!c)
		return;
	oc_capture_detach(c);
	perf_buffer__free(c->frags);
	oc_rings_free(c->rings);
	for (unsigned i = 0; i < c->ninst; i++)
		capture_bpf__destroy(c->inst[i].skel);
	for (unsigned d = 0; d < c->ndevs; d++)
		if (c->xdp[d].prog_fd >= 0)
			close(c->xdp[d].prog_fd);
	free(c);
}
