#include "loader.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "capture.skel.h"

_Static_assert(OC_MAX_DEVS <= OC_POST_GSO_DEVS, "post-gso filter too small");

/* tcx attach types (Linux 6.6); Debian's uapi headers predate them. */
#define OC_BPF_TCX_INGRESS 46
#define OC_BPF_TCX_EGRESS 47
/* clsact fallback: offcap's own handle and priority, so it never touches others' filters */
#define OC_TC_HANDLE 0x0cfc
#define OC_TC_PRIO 0xcfc0
/* How long the consumer sleeps between rounds while the programs do not wake
 * it: OC_POLL_MS while packets flow, backing off to OC_POLL_IDLE_MS when idle. */
#define OC_POLL_MS 5
#define OC_POLL_IDLE_MS 50
/* Default ring memory, all CPUs together: small rings stay in cache, which
 * makes every event cheaper to write; whole packets need room for bursts. */
#define OC_RING_MB_DEFAULT 8
#define OC_RING_MB_DEFAULT_BIG 64
#define OC_RING_MIN (1u << 20)	/* per CPU: room for the largest record */
/* the BPF ring buffer's record header (include/uapi/linux/bpf.h) */
#define OC_RB_BUSY (1u << 31)
#define OC_RB_DISCARD (1u << 30)
#define OC_RB_HDR 8

struct oc_attach {
	struct bpf_link *link;	/* XDP link */
	int tcx_fd;		/* tcx link fd, -1 if none */
	struct bpf_tc_hook hook;	/* clsact fallback */
	struct bpf_tc_opts tc;
	int tc_attached, hook_created;
	const char *mode;
};

/* One CPU's BPF ring buffer, read directly from its mapping. */
struct oc_ring {
	int fd;
	uint64_t size;
	unsigned long *cons;	/* consumer position page, ours to write */
	const unsigned long *prod;	/* producer position page, then the data twice */
	const uint8_t *data;
	uint64_t pos;		/* next record to read */
	uint64_t end;		/* producer position when this round started */
	uint64_t stored;	/* consumer position the kernel last saw */
	const struct oc_event *head;	/* record at pos, if committed */
	uint32_t head_size;
};

struct oc_capture {
	struct capture_bpf *skel;
	struct oc_ring *rings;	/* index = CPU; fd -1 for a CPU offline at start */
	unsigned nrings;
	struct oc_ring **live;	/* this round's rings with a record to deliver */
	int epfd;
	uint64_t wakeup_bytes;
	int behind;		/* the last round found a ring past its wakeup mark */
	int sleep_ms;		/* the next wait between rounds */
	struct oc_netdev *devs;
	unsigned ndevs;
	struct oc_attach at[OC_MAX_DEVS][OC_POINT_MAX];
	struct bpf_link *post_gso;
	oc_capture_cb cb;
	void *cb_ctx;
	int cb_err;
	uint8_t vlan_buf[sizeof(struct oc_event) + OC_MAX_CAPLEN + 4];
};

static int64_t wall_offset_ns;

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void init_wall_offset(void)
{
	uint64_t m1 = now_ns(CLOCK_MONOTONIC), w = now_ns(CLOCK_REALTIME);
	uint64_t m2 = now_ns(CLOCK_MONOTONIC);

	wall_offset_ns = (int64_t)(w - (m1 + (m2 - m1) / 2));
}

uint64_t oc_mono_to_wall(uint64_t mono_ns)
{
	if (!wall_offset_ns)
		init_wall_offset();
	return mono_ns + wall_offset_ns;
}

/* Kernel bit -> offcap bit, by enumerator name: the kernel moved FIXEDID in 6.18. */
static struct { const char *name; uint32_t oc; uint32_t kernel; } gso_map[] = {
	{ "SKB_GSO_TCPV4", OC_GSO_TCPV4, 1u << 0 }, { "SKB_GSO_DODGY", OC_GSO_DODGY, 1u << 1 },
	{ "SKB_GSO_TCP_ECN", OC_GSO_TCP_ECN, 1u << 2 },
	{ "SKB_GSO_TCP_FIXEDID", OC_GSO_TCP_FIXEDID, 1u << 3 },
	{ "SKB_GSO_TCPV6", OC_GSO_TCPV6, 1u << 4 }, { "SKB_GSO_GRE", OC_GSO_GRE, 1u << 6 },
	{ "SKB_GSO_GRE_CSUM", OC_GSO_GRE_CSUM, 1u << 7 },
	{ "SKB_GSO_IPXIP4", OC_GSO_IPXIP4, 1u << 8 }, { "SKB_GSO_IPXIP6", OC_GSO_IPXIP6, 1u << 9 },
	{ "SKB_GSO_UDP_TUNNEL", OC_GSO_UDP_TUNNEL, 1u << 10 },
	{ "SKB_GSO_UDP_TUNNEL_CSUM", OC_GSO_UDP_TUNNEL_CSUM, 1u << 11 },
	{ "SKB_GSO_PARTIAL", OC_GSO_PARTIAL, 1u << 12 }, { "SKB_GSO_SCTP", OC_GSO_SCTP, 1u << 14 },
	{ "SKB_GSO_ESP", OC_GSO_ESP, 1u << 15 }, { "SKB_GSO_UDP", OC_GSO_UDP, 1u << 16 },
	{ "SKB_GSO_UDP_L4", OC_GSO_UDP_L4, 1u << 17 },
	{ "SKB_GSO_FRAGLIST", OC_GSO_FRAGLIST, 1u << 18 },
	{ "SKB_GSO_TCP_ACCECN", OC_GSO_TCP_ACCECN, 0 },
	{ "SKB_GSO_TCP_FIXEDID_INNER", OC_GSO_TCP_FIXEDID_INNER, 0 },
};
#define GSO_MAP_N (sizeof(gso_map) / sizeof(gso_map[0]))

static void read_gso_bits(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	unsigned n = btf ? btf__type_cnt(btf) : 0;

	for (unsigned id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_enum *e;

		if (!btf_is_enum(t))
			continue;
		e = btf_enum(t);
		for (unsigned i = 0; i < btf_vlen(t); i++) {
			const char *name = btf__name_by_offset(btf, e[i].name_off);

			for (unsigned k = 0; name && k < GSO_MAP_N; k++)
				if (!strcmp(name, gso_map[k].name))
					gso_map[k].kernel = (uint32_t)e[i].val;
		}
	}
	btf__free(btf);
}

uint32_t oc_gso_from_kernel(uint32_t kernel_bits)
{
	uint32_t oc = 0;

	for (unsigned k = 0; k < GSO_MAP_N; k++)
		if (gso_map[k].kernel && (kernel_bits & gso_map[k].kernel))
			oc |= gso_map[k].oc;
	return oc;
}

static struct bpf_program *point_prog(struct capture_bpf *s, unsigned point)
{
	switch (point) {
	case OC_POINT_XDP: return s->progs.oc_xdp;
	case OC_POINT_TC_INGRESS: return s->progs.oc_tc_ingress;
	case OC_POINT_TC_EGRESS: return s->progs.oc_tc_egress;
	default: return s->progs.oc_post_gso;
	}
}

static int find_dev(const struct oc_capture *c, uint32_t ifindex, uint32_t netns)
{
	for (unsigned i = 0; i < c->ndevs; i++)
		if ((uint32_t)c->devs[i].ifindex == ifindex && c->devs[i].netns_ino == netns)
			return (int)i;
	return -1;
}

/* Re-insert an offloaded VLAN tag after the MAC addresses, as libpcap does. */
static const uint8_t *vlan_reinsert(struct oc_capture *c, const struct oc_event *e,
				    const uint8_t *data)
{
	uint16_t tpid = e->vlan_proto, tci = e->vlan_tci;
	uint8_t *out = c->vlan_buf;

	memcpy(out, data, 12);
	memcpy(out + 12, &tpid, 2);	/* already network order */
	out[14] = tci >> 8;
	out[15] = tci & 0xff;
	memcpy(out + 16, data + 12, e->cap_len - 12);
	return out;
}

static int on_event(struct oc_capture *c, const void *rec, size_t size)
{
	const struct oc_event *e = rec;
	struct oc_packet p = { 0 };
	int dev;

	if (size < sizeof(*e) || size < sizeof(*e) + e->cap_len || e->point >= OC_POINT_MAX)
		return 0;
	dev = find_dev(c, e->ifindex, e->netns);
	if (dev < 0)
		return 0;
	p.ts_ns = oc_mono_to_wall(e->ts);
	p.data = (const uint8_t *)(e + 1);
	p.caplen = e->cap_len;
	p.len = e->len;
	p.dropcount = e->drops;
	p.meta = (struct oc_meta){
		.point = e->point,
		.dir = e->point <= OC_POINT_TC_INGRESS ? OC_DIR_IN : OC_DIR_OUT,
		.csum = e->point == OC_POINT_XDP ? OC_CSUM_UNKNOWN : e->csum,
		.flags = OC_META_VALID,
		.gso_size = e->gso_size,
		.gso_segs = e->gso_segs,
		.gso_type = oc_gso_from_kernel(e->gso_type),
		.vlan_tci = e->vlan_tci,
		.vlan_proto = ntohs(e->vlan_proto),
		.ifindex = e->ifindex,
		.netns = e->netns,
		.len = e->len,
	};
	/* an skb records its rx queue as queue + 1 */
	p.meta.rx_queue = e->point == OC_POINT_TC_INGRESS && e->queue ? e->queue - 1 : e->queue;
	p.queue = p.meta.rx_queue;
	p.epb_flags = p.meta.dir == OC_DIR_IN ? OC_EPB_DIR_IN : OC_EPB_DIR_OUT;
	if (p.meta.csum == OC_CSUM_PARTIAL)
		p.epb_flags |= OC_EPB_CSUM_NOT_READY;
	else if (p.meta.csum == OC_CSUM_UNNECESSARY)
		p.epb_flags |= OC_EPB_CSUM_VALID;
	if (p.meta.gso_segs > 1 || (p.meta.gso_size && p.len > p.meta.gso_size + 54u))
		p.epb_flags |= OC_EPB_TSO;
	if (e->vlan_present && e->point != OC_POINT_XDP && e->cap_len >= 12) {
		p.data = vlan_reinsert(c, e, p.data);
		p.caplen += 4;
		p.len += 4;
		p.meta.flags |= OC_META_VLAN;
	}
	if (c->cb(c->cb_ctx, &p, (unsigned)dev)) {
		c->cb_err = 1;
		return -1;
	}
	return 0;
}

static void warnf(const struct oc_capture_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void warnf(const struct oc_capture_opts *o, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (o->warn)
		o->warn(msg);
}

/* A filter at offcap's handle and priority can only be an earlier run's leftover. */
static void remove_leftover_tc(struct bpf_tc_hook *hook, const struct oc_capture_opts *o,
			       const char *ifname)
{
	struct bpf_tc_opts q = { .sz = sizeof(q), .handle = OC_TC_HANDLE, .priority = OC_TC_PRIO };

	if (bpf_tc_query(hook, &q))
		return;
	q.prog_fd = q.prog_id = 0;
	q.flags = 0;
	if (!bpf_tc_detach(hook, &q))
		warnf(o, "removed a tc filter left on %s by an earlier offcap run", ifname);
}

static int attach_clsact(struct oc_attach *a, int prog_fd, int ifindex, unsigned point,
			 const struct oc_capture_opts *o, const char *ifname)
{
	int err;

	a->hook = (struct bpf_tc_hook){ .sz = sizeof(a->hook), .ifindex = ifindex,
		.attach_point = point == OC_POINT_TC_INGRESS ? BPF_TC_INGRESS : BPF_TC_EGRESS };
	err = bpf_tc_hook_create(&a->hook);
	if (err && err != -EEXIST)
		return err;
	a->hook_created = !err;
	remove_leftover_tc(&a->hook, o, ifname);
	a->tc = (struct bpf_tc_opts){ .sz = sizeof(a->tc), .prog_fd = prog_fd,
		.handle = OC_TC_HANDLE, .priority = OC_TC_PRIO };
	err = bpf_tc_attach(&a->hook, &a->tc);
	if (err)
		return err;
	a->tc_attached = 1;
	a->mode = "clsact";
	return 0;
}

static int attach_tc(struct oc_attach *a, int prog_fd, int ifindex, unsigned point,
		     const struct oc_capture_opts *o, const char *ifname)
{
	int type = point == OC_POINT_TC_INGRESS ? OC_BPF_TCX_INGRESS : OC_BPF_TCX_EGRESS;

	a->tcx_fd = o->tc_clsact ? -1 : bpf_link_create(prog_fd, ifindex, type, NULL);
	if (a->tcx_fd >= 0) {
		a->mode = "tcx";
		return 0;
	}
	/* kernel before 6.6: a classic clsact filter, removed on exit */
	return attach_clsact(a, prog_fd, ifindex, point, o, ifname);
}

static int attach_xdp(struct oc_attach *a, struct bpf_program *prog, int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	a->link = bpf_program__attach_xdp(prog, ifindex);
	if (!a->link)
		return -errno;
	a->mode = "xdp";
	if (!bpf_xdp_query(ifindex, 0, &q))
		a->mode = q.attach_mode == XDP_ATTACHED_SKB ? "xdp-generic" : "xdp-native";
	return 0;
}

static int attach_dev(struct oc_capture *c, unsigned d, const struct oc_capture_opts *o,
		      char *err, size_t errlen)
{
	struct oc_netdev *dev = &c->devs[d];
	int ret = 0;

	if (oc_netdev_enter(dev)) {
		snprintf(err, errlen, "%s: cannot enter its namespace: %s", dev->name, strerror(errno));
		return -1;
	}
	for (unsigned p = 0; p < OC_POINT_MAX && !ret; p++) {
		struct oc_attach *a = &c->at[d][p];
		struct bpf_program *prog = point_prog(c->skel, p);

		if (!(o->points & (1u << p)) || p == OC_POINT_POST_GSO)
			continue;
		ret = p == OC_POINT_XDP ? attach_xdp(a, prog, dev->ifindex)
					: attach_tc(a, bpf_program__fd(prog), dev->ifindex, p, o, dev->name);
		if (ret)
			snprintf(err, errlen, "%s: cannot attach at %s: %s%s", dev->name,
				 oc_point_name(p), strerror(-ret),
				 ret == -EBUSY || ret == -EEXIST ? " (another XDP program is attached)" : "");
	}
	if (!ret && (o->points & (1u << OC_POINT_POST_GSO)))
		c->at[d][OC_POINT_POST_GSO].mode = "tp_btf";	/* filter set at load */
	oc_netdev_leave();
	return ret ? -1 : 0;
}

/* CPUs that are online now ("0-3,8-11"); -1 if unknown. */
static int read_online(uint8_t *online, unsigned ncpu)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");
	unsigned a, b;
	int n = 0;
	char sep;

	if (!f)
		return -1;
	while (fscanf(f, "%u", &a) == 1) {
		b = a;
		if (fscanf(f, "%c", &sep) == 1 && sep == '-' && fscanf(f, "%u%c", &b, &sep) < 1)
			break;
		for (unsigned i = a; i <= b && i < ncpu; i++, n++)
			online[i] = 1;
		if (sep != ',')
			break;
	}
	fclose(f);
	return n ? 0 : -1;
}

/* One ring per online CPU, all together opts->ring_mb (per CPU a power of two,
 * at least OC_RING_MIN). */
static int create_rings(struct oc_capture *c, const struct oc_capture_opts *o, unsigned ncpu,
			char *err, size_t errlen)
{
	uint64_t total = (uint64_t)(o->ring_mb ? o->ring_mb :
				    o->snaplen && o->snaplen <= 1024 ? OC_RING_MB_DEFAULT :
				    OC_RING_MB_DEFAULT_BIG) << 20;
	uint8_t *online = calloc(ncpu, 1);
	uint64_t size = OC_RING_MIN;
	unsigned n = 0;

	c->rings = calloc(ncpu, sizeof(*c->rings));
	c->live = calloc(ncpu, sizeof(*c->live));
	if (!online || !c->rings || !c->live) {
		free(online);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (read_online(online, ncpu))
		memset(online, 1, ncpu);
	for (unsigned i = 0; i < ncpu; i++)
		n += online[i];
	while (size * 2 * n <= total)
		size *= 2;
	c->nrings = ncpu;
	c->wakeup_bytes = size / 2;
	for (unsigned i = 0; i < ncpu; i++) {
		c->rings[i].fd = -1;
		c->rings[i].size = size;
		if (!online[i])
			continue;
		c->rings[i].fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "oc_ring", 0, 0, (uint32_t)size, NULL);
		if (c->rings[i].fd < 0) {
			snprintf(err, errlen, "cannot create a %llu MiB ring buffer for CPU %u: %s",
				 (unsigned long long)size >> 20, i, strerror(errno));
			free(online);
			return -1;
		}
	}
	free(online);
	return 0;
}

/* After load: the rings into the program's array, mapped, polled. */
static int map_rings(struct oc_capture *c, char *err, size_t errlen)
{
	long page = sysconf(_SC_PAGESIZE);
	int outer = bpf_map__fd(c->skel->maps.rings);

	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epfd < 0)
		goto fail;
	for (unsigned i = 0; i < c->nrings; i++) {
		struct oc_ring *r = &c->rings[i];
		struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u32 = i };
		uint32_t key = i;
		void *p;

		if (r->fd < 0)
			continue;
		if (bpf_map_update_elem(outer, &key, &r->fd, BPF_ANY))
			goto fail;
		p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
		if (p == MAP_FAILED)
			goto fail;
		r->cons = p;
		p = mmap(NULL, page + 2 * r->size, PROT_READ, MAP_SHARED, r->fd, page);
		if (p == MAP_FAILED)
			goto fail;
		r->prod = p;
		r->data = (const uint8_t *)p + page;
		r->pos = r->stored = r->end = __atomic_load_n(r->cons, __ATOMIC_ACQUIRE);
		if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, r->fd, &ev))
			goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "cannot set up the ring buffers: %s", strerror(errno));
	return -1;
}

static void free_rings(struct oc_capture *c)
{
	long page = sysconf(_SC_PAGESIZE);

	for (unsigned i = 0; c->rings && i < c->nrings; i++) {
		struct oc_ring *r = &c->rings[i];

		if (r->cons)
			munmap(r->cons, page);
		if (r->prod)
			munmap((void *)r->prod, page + 2 * r->size);
		if (r->fd >= 0)
			close(r->fd);
	}
	free(c->rings);
	free(c->live);
	c->rings = NULL;
	c->live = NULL;
	if (c->epfd >= 0)
		close(c->epfd);
	c->epfd = -1;
}

static int load(struct oc_capture *c, const struct oc_capture_opts *o, char *err, size_t errlen)
{
	int ncpu = libbpf_num_possible_cpus();
	int ret;

	c->skel = capture_bpf__open();
	if (!c->skel) {
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(errno));
		return -1;
	}
	c->skel->rodata->snaplen = o->snaplen;
	for (unsigned d = 0; d < c->ndevs; d++)
		c->skel->rodata->post_gso_devs[d] = (struct oc_dev_key){
			.ifindex = (uint32_t)c->devs[d].ifindex, .netns = c->devs[d].netns_ino };
	c->skel->rodata->post_gso_ndevs = c->ndevs;
	if (ncpu <= 0 || create_rings(c, o, (unsigned)ncpu, err, errlen))
		return -1;
	c->skel->rodata->wakeup_bytes = c->wakeup_bytes;
	bpf_map__set_max_entries(c->skel->maps.rings, (uint32_t)ncpu);
	/* the array's inner-map template: a ring of the same size */
	for (int i = 0; i < ncpu; i++)
		if (c->rings[i].fd >= 0) {
			bpf_map__set_inner_map_fd(c->skel->maps.rings, c->rings[i].fd);
			break;
		}
	for (unsigned p = 0; p < OC_POINT_MAX; p++)
		bpf_program__set_autoload(point_prog(c->skel, p), !!(o->points & (1u << p)));
	ret = capture_bpf__load(c->skel);
	if (ret) {
		snprintf(err, errlen, "cannot load the BPF programs: %s%s", strerror(-ret),
			 ret == -EPERM ? " (need root, or CAP_BPF + CAP_NET_ADMIN + CAP_PERFMON)" : "");
		return -1;
	}
	if (o->points & (1u << OC_POINT_POST_GSO)) {
		c->post_gso = bpf_program__attach(c->skel->progs.oc_post_gso);
		if (!c->post_gso) {
			snprintf(err, errlen, "cannot attach to tracepoint net_dev_start_xmit: %s",
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}

struct oc_capture *oc_capture_start(struct oc_netdev *devs, unsigned ndevs,
				    const struct oc_capture_opts *o, char *err, size_t errlen)
{
	struct oc_capture *c;

	if (ndevs == 0 || ndevs > OC_MAX_DEVS) {
		snprintf(err, errlen, "between 1 and %d interfaces", OC_MAX_DEVS);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->devs = devs;
	c->ndevs = ndevs;
	c->epfd = -1;
	c->sleep_ms = OC_POLL_MS;
	for (unsigned d = 0; d < OC_MAX_DEVS; d++)
		for (unsigned p = 0; p < OC_POINT_MAX; p++)
			c->at[d][p].tcx_fd = -1;
	read_gso_bits();
	init_wall_offset();
	if (load(c, o, err, errlen))
		goto fail;
	for (unsigned d = 0; d < ndevs; d++)
		if (attach_dev(c, d, o, err, errlen))
			goto fail;
	if (map_rings(c, err, errlen))
		goto fail;
	return c;
fail:
	oc_capture_stop(c);
	return NULL;
}

/* The committed record at r->pos, skipping discarded ones; NULL at the end of
 * the round or at a record still being written. */
static const struct oc_event *ring_head(struct oc_ring *r)
{
	while (r->pos < r->end) {
		const uint32_t *hdr = (const uint32_t *)(r->data + (r->pos & (r->size - 1)));
		uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);

		if (len & OC_RB_BUSY)
			return NULL;
		if (len & OC_RB_DISCARD) {
			r->pos += (OC_RB_HDR + (len & ~OC_RB_DISCARD) + 7) & ~7ull;
			continue;
		}
		r->head_size = len;
		return (const struct oc_event *)(hdr + 2);
	}
	return NULL;
}

/* Hands the kernel back the space read so far. */
static void ring_release(struct oc_ring *r)
{
	if (r->stored != r->pos) {
		__atomic_store_n(r->cons, (unsigned long)r->pos, __ATOMIC_RELEASE);
		r->stored = r->pos;
	}
}

/* One round: everything the rings held when it started, merged across CPUs in
 * timestamp order (each ring is in order: one CPU writes it). Returns records
 * delivered or -1. */
static int consume_round(struct oc_capture *c)
{
	unsigned nlive = 0;
	int n = 0;

	c->behind = 0;
	for (unsigned i = 0; i < c->nrings; i++) {
		struct oc_ring *r = &c->rings[i];

		if (!r->prod)
			continue;
		r->end = __atomic_load_n(r->prod, __ATOMIC_ACQUIRE);
		if (r->end - r->pos >= c->wakeup_bytes)
			c->behind = 1;
		if ((r->head = ring_head(r)))
			c->live[nlive++] = r;
	}
	while (nlive) {
		unsigned b = 0;
		struct oc_ring *r;
		int ret;

		for (unsigned i = 1; i < nlive; i++)
			if (c->live[i]->head->ts < c->live[b]->head->ts)
				b = i;
		r = c->live[b];
		ret = on_event(c, r->head, r->head_size);
		r->pos += (OC_RB_HDR + r->head_size + 7) & ~7ull;
		if (r->pos - r->stored >= r->size / 8)
			ring_release(r);
		if (ret)
			break;
		n++;
		if (!(r->head = ring_head(r)))
			c->live[b] = c->live[--nlive];
	}
	for (unsigned i = 0; i < c->nrings; i++)
		if (c->rings[i].cons)
			ring_release(&c->rings[i]);
	return c->cb_err ? -1 : n;
}

int oc_capture_poll(struct oc_capture *c, oc_capture_cb cb, void *ctx, int timeout_ms)
{
	struct epoll_event ev[8];
	int wait = c->sleep_ms, n;

	c->cb = cb;
	c->cb_ctx = ctx;
	/* The programs wake us only when a ring passes its wakeup mark: otherwise
	 * sleep and take everything at once (a wakeup per event costs more than
	 * the event). */
	if (timeout_ms >= 0 && timeout_ms < wait)
		wait = timeout_ms;
	if (!c->behind && wait > 0 && epoll_wait(c->epfd, ev, 8, wait) < 0 && errno != EINTR)
		return -1;
	n = consume_round(c);
	if (n > 0)
		c->sleep_ms = OC_POLL_MS;
	else if (n == 0 && c->sleep_ms < OC_POLL_IDLE_MS)
		c->sleep_ms = c->sleep_ms * 2 < OC_POLL_IDLE_MS ? c->sleep_ms * 2 : OC_POLL_IDLE_MS;
	return n;
}

int oc_capture_counts(struct oc_capture *c, unsigned point, struct oc_point_count *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct oc_point_stats *v;
	uint32_t key = point;

	memset(out, 0, sizeof(*out));
	if (ncpu <= 0 || !(v = calloc(ncpu, sizeof(*v))))
		return -1;
	if (!bpf_map__lookup_elem(c->skel->maps.stats, &key, sizeof(key), v,
				  sizeof(*v) * ncpu, 0)) {
		for (int i = 0; i < ncpu; i++) {
			out->seen += v[i].seen;
			out->dropped += v[i].dropped;
		}
	}
	free(v);
	return 0;
}

const char *oc_capture_attach_mode(struct oc_capture *c, unsigned dev, unsigned point)
{
	if (dev >= c->ndevs || point >= OC_POINT_MAX)
		return NULL;
	return c->at[dev][point].mode;
}

int oc_capture_prog_id(struct oc_capture *c, unsigned point)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);
	int fd = bpf_program__fd(point_prog(c->skel, point));

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return -1;
	return (int)info.id;
}

static void detach(struct oc_capture *c, unsigned d)
{
	if (oc_netdev_enter(&c->devs[d]))
		return;
	for (unsigned p = 0; p < OC_POINT_MAX; p++) {
		struct oc_attach *a = &c->at[d][p];

		bpf_link__destroy(a->link);
		a->link = NULL;
		if (a->tcx_fd >= 0)
			close(a->tcx_fd);
		a->tcx_fd = -1;
		if (a->tc_attached) {
			a->tc.prog_fd = a->tc.prog_id = 0;
			a->tc.flags = 0;
			bpf_tc_detach(&a->hook, &a->tc);
			a->tc_attached = 0;
		}
	}
	/* the clsact qdisc goes only if offcap created it, after both hooks are empty */
	for (unsigned p = 0; p < OC_POINT_MAX; p++) {
		struct oc_attach *a = &c->at[d][p];

		if (a->hook_created) {
			a->hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&a->hook);
			a->hook_created = 0;
		}
	}
	oc_netdev_leave();
}

void oc_capture_detach(struct oc_capture *c)
{
	for (unsigned d = 0; d < c->ndevs; d++)
		detach(c, d);
	bpf_link__destroy(c->post_gso);
	c->post_gso = NULL;
}

void oc_capture_stop(struct oc_capture *c)
{
	if (!c)
		return;
	oc_capture_detach(c);
	free_rings(c);
	capture_bpf__destroy(c->skel);
	free(c);
}
