/* Wire units: one key per wire packet, the same at both ends of a path. */
#include "unit.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

#define OWNER_SLOTS (1u << 16)
#define OWNER_PROBES 32u
#define FRAG_SLOTS 4096u
#define MAX_TOO_BIG 16u
#define UDP_PREFIX 8u

struct owner {
	uint64_t group;		/* 0 = free */
	uint32_t if1;		/* the interface block that counts it, + 1 */
};

/* A datagram in IP fragments, until every byte of it was seen. */
struct frag_train {
	uint64_t id;		/* hash of addresses, protocol, IP id, interface; 0 = free */
	uint32_t got, total;	/* payload bytes seen; the datagram's (from its last fragment) */
	uint8_t n, has_first;
	struct oc_unit u;	/* from the first fragment */
};

struct too_big {
	uint64_t group, frame;
	uint32_t mtu;
};

struct oc_unit_src {
	struct oc_flow_table *flows;
	struct oc_parsed p;
	struct owner *owners;
	struct frag_train *frags;
	struct too_big too_big[MAX_TOO_BIG];
	unsigned n_too_big;
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h ^= h >> 31;
	return h * 0xbf58476d1ce4e5b9ull;
}

static uint64_t mix_bytes(uint64_t h, const uint8_t *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		h = mix(h, b[i]);
	return h;
}

uint64_t oc_tuple_hash(const struct oc_tuple *t)
{
	uint64_t h = mix(mix(t->version, t->proto), (uint64_t)t->sport << 16 | t->dport);

	return mix_bytes(mix_bytes(h, t->src, 16), t->dst, 16) | 1;
}

void oc_tuple_format(const struct oc_tuple *t, char *buf, size_t len)
{
	int fam = t->version == 6 ? AF_INET6 : AF_INET;
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	const char *proto = t->proto == 6 ? "tcp" : t->proto == 17 ? "udp" : t->proto == 1 ? "icmp" :
			    t->proto == 58 ? "icmp6" : "ip";

	inet_ntop(fam, t->src, s, sizeof(s));
	inet_ntop(fam, t->dst, d, sizeof(d));
	if (t->sport || t->dport)
		snprintf(buf, len, fam == AF_INET6 ? "%s [%s]:%u > [%s]:%u" : "%s %s:%u > %s:%u", proto, s,
			 t->sport, d, t->dport);
	else
		snprintf(buf, len, "%s %s > %s", proto, s, d);
}

struct oc_unit_src *oc_unit_src_new(uint32_t flow_limit)
{
	struct oc_unit_src *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->flows = oc_flows_new(flow_limit);
	s->owners = calloc(OWNER_SLOTS, sizeof(*s->owners));
	s->frags = calloc(FRAG_SLOTS, sizeof(*s->frags));
	if (!s->flows || !s->owners || !s->frags) {
		oc_unit_src_free(s);
		return NULL;
	}
	return s;
}

void oc_unit_src_free(struct oc_unit_src *s)
{
	if (!s)
		return;
	oc_flows_free(s->flows);
	free(s->owners);
	free(s->frags);
	free(s);
}

/* A flow direction is counted at the first interface block of the capture
 * that showed it: the same packets at tc-egress and post-gso, or at pre-gro
 * and tc-ingress, are one set of wire packets; seen again at that block, a
 * unit is a second wire packet (a retransmission). */
static int owned_here(struct oc_unit_src *s, uint64_t group, uint32_t if_id)
{
	for (unsigned i = 0; i < OWNER_PROBES; i++) {
		struct owner *o = &s->owners[(group + i) & (OWNER_SLOTS - 1)];

		if (!o->group) {
			*o = (struct owner){ .group = group, .if1 = if_id + 1 };
			return 1;
		}
		if (o->group == group)
			return o->if1 == if_id + 1;
	}
	return 1;	/* a full table counts everywhere rather than nowhere */
}

static void fill_tuple(struct oc_tuple *t, const struct oc_layer *l)
{
	unsigned alen = l->ip.version == 6 ? 16 : 4;

	memset(t, 0, sizeof(*t));
	t->version = l->ip.version;
	t->proto = l->l4.proto ? l->l4.proto : l->ip.proto;
	memcpy(t->src, l->ip.src, alen);
	memcpy(t->dst, l->ip.dst, alen);
	if (l->l4.kind == OC_L4_TCP)
		t->sport = l->l4.tcp.sport, t->dport = l->l4.tcp.dport;
	else if (l->l4.kind == OC_L4_UDP)
		t->sport = l->l4.udp.sport, t->dport = l->l4.udp.dport;
}

static void base_unit(struct oc_unit *u, const struct oc_parsed *p, const struct oc_packet *pkt,
		      uint64_t frame)
{
	const struct oc_layer *l = oc_flow(p);

	memset(u, 0, sizeof(*u));
	u->ts_ns = pkt->ts_ns;
	u->frame = frame;
	u->if_id = pkt->if_id;
	if (pkt->meta.flags & OC_META_VALID)
		u->dir = pkt->meta.dir;
	else if (pkt->epb_flags & 3)
		u->dir = (pkt->epb_flags & 3) == OC_EPB_DIR_IN ? OC_DIR_IN : OC_DIR_OUT;
	u->ttl = l->ip.ttl;
	u->tos = l->ip.tos;
	u->df = l->ip.df;
	u->tunnel = p->has_inner ? p->tun.kind : OC_TUN_NONE;
	u->vni = p->has_inner ? p->tun.vni : 0;
	u->wire_len = l->ip.len;
	u->payload = l->l4.payload_len;
	fill_tuple(&u->tuple, l);
	u->group = oc_tuple_hash(&u->tuple);
}

static uint64_t udp_key(const struct oc_layer *l, const uint8_t *data, uint32_t caplen, uint32_t off,
			uint32_t len, uint16_t ip_id)
{
	uint64_t h = mix(mix(mix(OC_UNIT_UDP, len), l->l4.udp.sport), l->l4.udp.dport);

	if (l->ip.version == 4 && ip_id)
		return mix(h, ip_id);
	if (off + UDP_PREFIX <= caplen)
		return mix_bytes(h, data + off, UDP_PREFIX);
	return h;
}

uint64_t oc_unit_group(const struct oc_parsed *p)
{
	struct oc_tuple t;

	fill_tuple(&t, oc_flow(p));
	return oc_tuple_hash(&t);
}

uint64_t oc_unit_piece_key(const struct oc_parsed *p, const uint8_t *data, uint32_t caplen, uint32_t at,
			   uint32_t n, uint32_t i)
{
	const struct oc_layer *l = oc_flow(p);

	if (l->l4.kind == OC_L4_TCP && n)
		return mix(mix(mix(OC_UNIT_TCP_DATA, l->l4.tcp.seq + at), n), l->l4.tcp.ack);
	if (l->l4.kind == OC_L4_UDP)
		return udp_key(l, data, caplen, l->l4.payload_off + at, 8 + n, (uint16_t)(l->ip.id + i));
	return 0;
}

static void tcp_units(struct oc_unit_src *s, const struct oc_iface *iface, const struct oc_packet *pkt,
		      struct oc_unit *u, oc_unit_cb cb, void *arg)
{
	const struct oc_layer *l = oc_flow(&s->p);
	const struct oc_tcp *t = &l->l4.tcp;
	uint32_t payload = l->l4.payload_len, hdrs = l->ip.hdr_len + l->l4.hdr_len, step;
	struct oc_wire_cut cut;
	struct oc_flow *f;
	int side = 0;

	f = oc_flows_get(s->flows, &s->p, pkt->ts_ns, &side);
	if (f)
		oc_flow_learn_tcp(f, side, t, payload);
	if (!payload) {
		u->kind = OC_UNIT_TCP_CTL;
		u->syn = t->flags & OC_TH_SYN ? (t->flags & OC_TH_ACK ? 2 : 1) : 0;
		u->mss = t->opt.present & OC_TCPOPT_MSS ? t->opt.mss : 0;
		u->key = mix(mix(mix(mix(mix(OC_UNIT_TCP_CTL, t->seq), t->ack), t->flags), t->window), t->opt.tsval);
		cb(u, arg);
		return;
	}
	u->kind = OC_UNIT_TCP_DATA;
	oc_wire_cut_at(pkt, &s->p, f, side, oc_wire_mtu(iface, 0),
		       oc_wire_l3_len(pkt->data, pkt->caplen, pkt->len, iface ? iface->linktype : OC_LINKTYPE_ETHERNET), &cut);
	step = cut.gso_size && payload > cut.gso_size ? cut.gso_size : payload;
	for (uint32_t at = 0; at < payload; at += step) {
		uint32_t n = payload - at < step ? payload - at : step;

		u->payload = n;
		u->wire_len = hdrs + n;
		u->key = oc_unit_piece_key(&s->p, pkt->data, pkt->caplen, at, n, 0);
		cb(u, arg);
	}
}

static void udp_units(struct oc_unit_src *s, const struct oc_packet *pkt, struct oc_unit *u, oc_unit_cb cb,
		      void *arg)
{
	const struct oc_layer *l = oc_flow(&s->p);
	uint32_t payload = l->l4.payload_len, step = payload;

	u->kind = OC_UNIT_UDP;
	if (oc_meta_superframe(&pkt->meta, payload) && payload > pkt->meta.gso_size && !l->ip.is_fragment)
		step = pkt->meta.gso_size;
	for (uint32_t at = 0, i = 0; at < payload || at == 0; at += step, i++) {
		uint32_t n = payload - at < step ? payload - at : step;

		u->payload = n;
		u->wire_len = l->ip.hdr_len + 8 + n;
		u->key = oc_unit_piece_key(&s->p, pkt->data, pkt->caplen, at, n, i);
		cb(u, arg);
		if (!step)
			break;
	}
}

static void other_unit(struct oc_unit_src *s, const struct oc_packet *pkt, struct oc_unit *u, oc_unit_cb cb,
		       void *arg)
{
	const struct oc_layer *l = oc_flow(&s->p);
	uint32_t off = l->l4.off + 4;
	uint64_t h = mix(mix(OC_UNIT_OTHER, l->ip.proto), l->ip.len - l->ip.hdr_len);

	if (l->l4.kind == OC_L4_ICMP || l->l4.kind == OC_L4_ICMPV6) {
		u->kind = OC_UNIT_ICMP;
		h = mix(mix(h, l->l4.icmp.type), l->l4.icmp.code);
		if (off + 4 <= pkt->caplen)
			h = mix_bytes(h, pkt->data + off, 4);
	} else {
		u->kind = OC_UNIT_OTHER;
		h = mix(h, l->ip.version == 4 ? l->ip.id : l->ip.frag_id);
	}
	u->key = h;
	cb(u, arg);
}

/* The units of a whole (unfragmented, or reassembled) packet. */
static void packet_units(struct oc_unit_src *s, const struct oc_iface *iface, const struct oc_packet *pkt,
			 struct oc_unit *u, oc_unit_cb cb, void *arg)
{
	switch (oc_flow(&s->p)->l4.kind) {
	case OC_L4_TCP: tcp_units(s, iface, pkt, u, cb, arg); break;
	case OC_L4_UDP: udp_units(s, pkt, u, cb, arg); break;
	default: other_unit(s, pkt, u, cb, arg); break;
	}
}

static void train_done(struct frag_train *t, oc_unit_cb cb, void *arg)
{
	if (t->has_first) {
		t->u.frags = t->n;
		t->u.frags_complete = t->total && t->got >= t->total;
		cb(&t->u, arg);
	}
	t->id = 0;
}

static uint64_t train_id(const struct oc_layer *l, uint32_t if_id)
{
	uint64_t h = mix(mix(mix(l->ip.version, l->ip.proto), l->ip.version == 4 ? l->ip.id : l->ip.frag_id), if_id);

	return mix_bytes(mix_bytes(h, l->ip.src, 16), l->ip.dst, 16) | 1;
}

/* A first fragment's unit: the datagram's key (its L4 header says how long
 * the datagram is) and its length on the wire before fragmentation. */
static void first_fragment(struct oc_unit_src *s, const struct oc_packet *pkt, struct oc_unit *u,
			   struct frag_train *t)
{
	const struct oc_layer *l = oc_flow(&s->p);
	uint32_t dgram = l->l4.kind == OC_L4_UDP && l->l4.udp.len >= 8 ? l->l4.udp.len : 0;

	if (dgram) {
		u->kind = OC_UNIT_UDP;
		u->payload = dgram - 8;
		u->key = udp_key(l, pkt->data, pkt->caplen, l->l4.payload_off, dgram, l->ip.id);
	} else {
		u->kind = OC_UNIT_OTHER;
		u->key = mix(mix(OC_UNIT_OTHER, l->ip.proto), l->ip.version == 4 ? l->ip.id : l->ip.frag_id);
	}
	u->wire_len = dgram ? l->ip.hdr_len + dgram : 0;
	t->u = *u;
	t->has_first = 1;
}

static void fragment(struct oc_unit_src *s, const struct oc_packet *pkt, struct oc_unit *u, oc_unit_cb cb,
		     void *arg)
{
	const struct oc_layer *l = oc_flow(&s->p);
	uint64_t id = train_id(l, pkt->if_id);
	struct frag_train *t = &s->frags[id & (FRAG_SLOTS - 1)];
	uint32_t piece = l->ip.len > l->ip.hdr_len ? l->ip.len - l->ip.hdr_len : 0;

	if (t->id && t->id != id)
		train_done(t, cb, arg);
	if (!t->id)
		*t = (struct frag_train){ .id = id };
	t->n += t->n < 255;
	t->got += piece;
	if (!l->ip.mf)
		t->total = l->ip.frag_off + piece;
	if (l->ip.frag_off == 0 && !t->has_first)
		first_fragment(s, pkt, u, t);
	if (t->has_first && t->total && t->got >= t->total) {
		if (!t->u.wire_len)
			t->u.wire_len = l->ip.hdr_len + t->total;
		train_done(t, cb, arg);
	}
}

static void note_too_big(struct oc_unit_src *s, const struct oc_layer *l, uint64_t frame)
{
	const struct oc_icmp *ic = &l->l4.icmp;
	struct oc_tuple q = { .version = ic->q_version, .proto = ic->q_proto };
	unsigned alen = ic->q_version == 6 ? 16 : 4;
	struct too_big *e;

	if (!ic->has_mtu || !ic->has_quote)
		return;
	memcpy(q.src, ic->q_src, alen);
	memcpy(q.dst, ic->q_dst, alen);
	if (ic->has_ports)
		q.sport = ic->q_sport, q.dport = ic->q_dport;
	e = &s->too_big[s->n_too_big++ % MAX_TOO_BIG];
	*e = (struct too_big){ .group = oc_tuple_hash(&q), .frame = frame, .mtu = ic->mtu };
}

int oc_unit_icmp_too_big(const struct oc_unit_src *s, uint64_t group, uint32_t *mtu, uint64_t *frame)
{
	unsigned n = s->n_too_big < MAX_TOO_BIG ? s->n_too_big : MAX_TOO_BIG;

	for (unsigned i = 0; i < n; i++)
		if (s->too_big[i].group == group) {
			*mtu = s->too_big[i].mtu, *frame = s->too_big[i].frame;
			return 1;
		}
	return 0;
}

/* Multicast, broadcast and link-local packets never cross a router: each
 * host sends its own, and two of them alike are not one wire packet. */
static int link_local(const struct oc_ip *ip)
{
	if (ip->version == 4)
		return (ip->dst[0] & 0xf0) == 0xe0 || ip->dst[0] == 255 || (ip->src[0] == 169 && ip->src[1] == 254) ||
		       !(ip->src[0] | ip->src[1] | ip->src[2] | ip->src[3]);
	return ip->dst[0] == 0xff || (ip->src[0] == 0xfe && (ip->src[1] & 0xc0) == 0x80) ||
	       (ip->dst[0] == 0xfe && (ip->dst[1] & 0xc0) == 0x80);
}

void oc_unit_packet(struct oc_unit_src *s, const struct oc_iface *iface, const struct oc_packet *pkt,
		    uint64_t frame, oc_unit_cb cb, void *arg)
{
	const struct oc_layer *l;
	struct oc_unit u;

	oc_parse(pkt->data, pkt->caplen, pkt->len, iface ? iface->linktype : OC_LINKTYPE_ETHERNET, &s->p);
	l = oc_flow(&s->p);
	if (!l->ip.version || link_local(&s->p.outer.ip))
		return;
	base_unit(&u, &s->p, pkt, frame);
	if (l->l4.kind == OC_L4_ICMP || l->l4.kind == OC_L4_ICMPV6)
		note_too_big(s, l, frame);
	if (!owned_here(s, u.group, pkt->if_id))
		return;
	if (l->ip.is_fragment)
		fragment(s, pkt, &u, cb, arg);
	else
		packet_units(s, iface, pkt, &u, cb, arg);
}

void oc_unit_flush(struct oc_unit_src *s, oc_unit_cb cb, void *arg)
{
	for (unsigned i = 0; i < FRAG_SLOTS; i++)
		if (s->frags[i].id)
			train_done(&s->frags[i], cb, arg);
}
