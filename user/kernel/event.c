#include "event.h"

#include <arpa/inet.h>
#include <bpf/btf.h>
#include <string.h>
#include <time.h>

#include "hook.h"

_Static_assert(sizeof(struct oc_event) == 48, "the event header OC_PERF_MAX_CAPLEN counts on");

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

void oc_gso_learn(const void *vbtf)
{
	const struct btf *btf = vbtf;
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
}

uint32_t oc_gso_to_kernel(uint32_t oc_bits)
{
	uint32_t kernel = 0;

	for (unsigned k = 0; k < GSO_MAP_N; k++)
		if (gso_map[k].oc & oc_bits)
			kernel |= gso_map[k].kernel;
	return kernel;
}

uint32_t oc_gso_from_kernel(uint32_t kernel_bits)
{
	uint32_t oc = 0;

	for (unsigned k = 0; k < GSO_MAP_N; k++)
		if (gso_map[k].kernel && (kernel_bits & gso_map[k].kernel))
			oc |= gso_map[k].oc;
	return oc;
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

uint64_t oc_mono_to_wall(uint64_t mono_ns)
{
	static int64_t offset;

	if (!offset) {
		uint64_t m1 = now_ns(CLOCK_MONOTONIC), w = now_ns(CLOCK_REALTIME);
		uint64_t m2 = now_ns(CLOCK_MONOTONIC);

		offset = (int64_t)(w - (m1 + (m2 - m1) / 2));
	}
	return mono_ns + offset;
}

static const uint8_t *vlan_reinsert(const struct oc_event *e, const uint8_t *data,
				    struct oc_event_buf *buf)
{
	uint16_t tpid = e->vlan_proto, tci = e->vlan_tci;
	uint8_t *out = buf->data;

	memcpy(out, data, 12);
	memcpy(out + 12, &tpid, 2);	/* already network order */
	out[14] = tci >> 8;
	out[15] = tci & 0xff;
	memcpy(out + 16, data + 12, e->cap_len - 12);
	return out;
}

static void set_epb_flags(struct oc_packet *p)
{
	const struct oc_meta *m = &p->meta;

	p->epb_flags = m->dir == OC_DIR_IN ? OC_EPB_DIR_IN : OC_EPB_DIR_OUT;
	if (m->csum == OC_CSUM_PARTIAL)
		p->epb_flags |= OC_EPB_CSUM_NOT_READY;
	else if (m->csum == OC_CSUM_UNNECESSARY)
		p->epb_flags |= OC_EPB_CSUM_VALID;
	if (oc_meta_superframe(m, OC_PAYLOAD_UNKNOWN))
		p->epb_flags |= OC_EPB_TSO;
}

int oc_event_decode(const void *rec, size_t size, struct oc_packet *p, struct oc_event_buf *buf)
{
	const struct oc_event *e = rec;

	if (size < sizeof(*e) || e->cap_len > OC_MAX_CAPLEN || size < sizeof(*e) + e->cap_len ||
	    e->point >= OC_POINT_MAX || e->cap_len > e->len)
		return -1;
	memset(p, 0, sizeof(*p));
	p->ts_ns = oc_mono_to_wall(e->ts);
	p->data = (const uint8_t *)(e + 1);
	p->caplen = e->cap_len;
	p->len = e->len;
	p->dropcount = e->drops;
	p->has_xdp_verdict = !!(e->flags & OC_EV_VERDICT);
	p->xdp_verdict = p->has_xdp_verdict ? e->xdp_verdict : 0;
	p->meta = (struct oc_meta){
		.point = e->point,
		.dir = oc_hooks[e->point].dir,
		.csum = e->point == OC_POINT_XDP ? OC_CSUM_UNKNOWN : e->csum,
		.flags = OC_META_VALID | (e->flags & OC_EV_NO_GSO_TYPE ? OC_META_NO_GSO_TYPE : 0) |
			 (e->flags & OC_EV_CUT_FULL ? OC_META_CUT_FULL : 0),
		.gso_size = e->gso_size,
		.gso_segs = e->gso_segs,
		.gso_type = e->flags & OC_EV_VERDICT ? 0 : oc_gso_from_kernel(e->gso_type),
		.vlan_tci = e->vlan_tci,
		.vlan_proto = ntohs(e->vlan_proto),
		.ifindex = e->ifindex,
		.netns = e->netns,
		.len = e->len,
	};
	/* an skb records its rx queue as queue + 1 */
	p->meta.rx_queue = e->point == OC_POINT_TC_INGRESS && e->queue ? e->queue - 1 : e->queue;
	p->queue = p->meta.rx_queue;
	set_epb_flags(p);
	if (e->vlan_present && e->point != OC_POINT_XDP && e->cap_len >= 12) {
		p->data = vlan_reinsert(e, p->data, buf);
		p->caplen += 4;
		p->len += 4;
		p->meta.flags |= OC_META_VLAN;
	}
	return 0;
}
