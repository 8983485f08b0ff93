/* Software GSO, replayed on captured bytes.  The kernel functions each step
 * mirrors are named in the comments; segment.h has the rules. */
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "extract.h"
#include "segment.h"

#define TUNNEL_BITS (OC_GSO_GRE | OC_GSO_GRE_CSUM | OC_GSO_IPXIP4 | OC_GSO_IPXIP6 | \
		     OC_GSO_UDP_TUNNEL | OC_GSO_UDP_TUNNEL_CSUM)
#define GRO_LEGACY_MAX_SIZE 65536u
#define IP6_HDR_LEN 40u
#define HBH_JUMBO_LEN 8u	/* struct hop_jumbo_hdr */
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17

/* The plan plus what building the segments needs. */
struct geom {
	struct oc_seg_plan plan;
	const struct oc_layer *fl;	/* the layer being segmented */
	const struct oc_layer *ol;	/* a tunnel's outer layer, or NULL */
	uint32_t hdr_end;		/* super-frame offset of the flow payload */
	uint32_t cut_off, cut_len;	/* a removed hop-by-hop jumbo header */
	bool udp;			/* UDP GSO, else TCP */
	bool outer_udp_csum;		/* tunnel outer UDP checksum requested */
};

static const struct oc_finding_row notes[OC_SEG_NOTE_MAX] = { OC_SEG_NOTES(OC_FINDING_ROW) };

const char *oc_seg_note_id(unsigned note) { return oc_finding_row(notes, OC_SEG_NOTE_MAX, note)->id; }
const char *oc_seg_note_text(unsigned note) { return oc_finding_row(notes, OC_SEG_NOTE_MAX, note)->text; }
bool oc_seg_note_uncut(unsigned note) { return oc_finding_row(notes, OC_SEG_NOTE_MAX, note)->flag; }

static int passthrough(struct geom *g, const struct oc_seg_req *r, unsigned why)
{
	g->plan.count = 1;
	g->plan.passthrough = true;
	g->plan.why = (uint8_t)why;
	g->plan.note = oc_seg_note_text(why);
	g->plan.seg_len = g->plan.last_len = r->len;
	if (g->fl && g->fl->l4.kind != OC_L4_NONE) {
		g->plan.hdr_len = g->fl->l4.payload_off;
		g->plan.payload_len = g->fl->l4.payload_len;
	}
	return 1;
}

/* Which packet GSO cuts: the inner one of a tunnel unless the type says
 * plain UDP GSO of the outer datagram. */
static void choose_layers(const struct oc_seg_req *r, struct geom *g)
{
	const struct oc_parsed *p = r->parsed;
	uint32_t t = r->gso_type;
	bool inner = p->has_inner;

	if (inner && !(t & TUNNEL_BITS) && !(t & (OC_GSO_TCPV4 | OC_GSO_TCPV6)) &&
	    (t & OC_GSO_UDP_L4) && p->outer.l4.kind == OC_L4_UDP)
		inner = false;
	g->fl = inner ? &p->inner : &p->outer;
	g->ol = inner ? &p->outer : NULL;
}

/* With a known gso_type, the packet must be what it says: a tunnel we did
 * not recognise (VXLAN on another port) must not be cut as plain UDP. */
static bool type_matches(uint32_t t, const struct geom *g)
{
	bool tcp = t & (OC_GSO_TCPV4 | OC_GSO_TCPV6), udp = t & (OC_GSO_UDP_L4 | OC_GSO_UDP);

	if (!t)
		return true;
	if ((t & TUNNEL_BITS) && !g->ol)
		return false;
	if (g->fl->l4.kind == OC_L4_TCP)
		return tcp || !udp;
	if (g->fl->l4.kind == OC_L4_UDP)
		return udp || !tcp;
	return true;
}

/* ipv6_has_hopopt_jumbo(): an 8-byte HBH header right after the IPv6
 * header holding only the jumbo option, TCP next, packet over 64 KiB. */
static void jumbo_cut(const struct oc_seg_req *r, struct geom *g)
{
	const struct oc_ip *ip = &g->fl->ip;

	if (ip->version != 6 || ip->n_ext != 1 || ip->ext[0] != 0 || ip->hbh_len != HBH_JUMBO_LEN ||
	    ip->jumbo_off != ip->hbh_off + 2 || ip->proto != IPPROTO_TCP_ ||
	    r->len - ip->off <= GRO_LEGACY_MAX_SIZE)
		return;
	g->cut_off = ip->hbh_off;
	g->cut_len = HBH_JUMBO_LEN;
}

static uint32_t out_off(const struct geom *g, uint32_t off)
{
	return g->cut_len && off >= g->cut_off + g->cut_len ? off - g->cut_len : off;
}

/* Every 16-bit length field of the largest segment must hold its value. */
static bool fits(const struct geom *g, const struct oc_layer *l)
{
	uint32_t len = g->plan.seg_len, o;

	if (!l)
		return true;
	o = out_off(g, l->ip.off);
	if (len - o - (l->ip.version == 6 ? IP6_HDR_LEN : 0) > 0xffff)
		return false;
	return l->l4.kind != OC_L4_UDP || len - out_off(g, l->l4.off) <= 0xffff;
}

unsigned oc_seg_implausible(uint32_t gso_size, uint32_t count, uint16_t gso_segs, bool udp)
{
	if (gso_segs && gso_segs != count)
		return OC_SEG_NOTE_GSO_SEGS;
	if (!udp && gso_size < OC_SEG_MIN_TCP)
		return OC_SEG_NOTE_TCP_MIN;
	if (udp && count > OC_SEG_MAX_UDP)
		return OC_SEG_NOTE_UDP_MAX;
	if (count > OC_SEG_MAX_SEGS)
		return OC_SEG_NOTE_SEGS_MAX;
	return OC_SEG_NOTE_NONE;
}

/* The bounds of segment.h: false (and passthrough) outside them. */
static bool sane(struct geom *g, const struct oc_seg_req *r)
{
	unsigned why = oc_seg_implausible(g->plan.mss, g->plan.count, r->gso_segs, g->udp);

	if (why)
		passthrough(g, r, why);
	return !why;
}

static int plan(const struct oc_seg_req *r, struct geom *g)
{
	const struct oc_parsed *p = r->parsed;
	uint32_t mss = r->gso_size, payload;

	memset(g, 0, sizeof(*g));
	if (!p)
		return passthrough(g, r, OC_SEG_NOTE_NOT_PARSED);
	choose_layers(r, g);
	if (p->flags & (OC_PARSE_TRUNCATED | OC_PARSE_MALFORMED))
		return passthrough(g, r, OC_SEG_NOTE_MALFORMED);
	if (!type_matches(r->gso_type, g))
		return passthrough(g, r, OC_SEG_NOTE_GSO_TYPE);
	if (g->fl->l4.kind == OC_L4_UDP) {
		if ((r->gso_type & OC_GSO_UDP) && !(r->gso_type & OC_GSO_UDP_L4))
			return passthrough(g, r, OC_SEG_NOTE_UFO);
		g->udp = true;
	} else if (g->fl->l4.kind != OC_L4_TCP) {
		return passthrough(g, r, OC_SEG_NOTE_NOT_TCP_UDP);
	}
	if (g->fl->ip.is_fragment)
		return passthrough(g, r, OC_SEG_NOTE_FRAGMENT);
	if (!mss)
		return passthrough(g, r, OC_SEG_NOTE_NO_GSO_SIZE);
	payload = g->fl->l4.payload_len;
	if (payload <= mss)
		return passthrough(g, r, OC_SEG_NOTE_NOT_SUPERFRAME);
	if (r->caplen < g->fl->l4.payload_off)
		return passthrough(g, r, OC_SEG_NOTE_NO_HEADERS);
	if (g->ol && g->ol->l4.kind == OC_L4_UDP)
		g->outer_udp_csum = r->gso_type & (OC_GSO_UDP_TUNNEL | OC_GSO_UDP_TUNNEL_CSUM) ?
			!!(r->gso_type & OC_GSO_UDP_TUNNEL_CSUM) : g->ol->l4.udp.csum != 0;
	jumbo_cut(r, g);
	g->hdr_end = g->fl->l4.payload_off;
	g->plan.hdr_len = g->hdr_end - g->cut_len;
	g->plan.mss = mss;
	g->plan.payload_len = payload;
	g->plan.count = (payload + mss - 1) / mss;
	g->plan.seg_len = g->plan.hdr_len + mss;
	g->plan.last_len = g->plan.hdr_len + payload - (g->plan.count - 1) * mss;
	if (!fits(g, g->fl) || !fits(g, g->ol))
		return passthrough(g, r, OC_SEG_NOTE_TOO_LONG);
	return sane(g, r) ? (int)g->plan.count : 1;
}

int oc_seg_plan(const struct oc_seg_req *req, struct oc_seg_plan *out)
{
	struct geom g;
	int n = plan(req, &g);

	*out = g.plan;
	return n;
}

/* One segment being built. */
struct seg {
	const struct oc_seg_req *r;
	const struct geom *g;
	struct oc_cur in;
	struct oc_wcur w;
	struct oc_csum_frame f;	/* headers in w, payload read in place */
	uint32_t len;		/* frame length */
	uint32_t caplen;
	uint32_t index;
	uint32_t start;		/* offset of the piece in the super-frame payload */
	uint32_t piece;		/* its length */
	bool last, truncated;
};

/* Sum of the segment's bytes [off, len), which must all be captured. */
static uint32_t seg_sum(struct seg *s, uint32_t off, uint32_t sum)
{
	return s->len <= s->f.len ? oc_csum_frame_sum(&s->f, off, s->len, sum) : sum;
}

/* inet_gso_segment / ipv6_gso_segment: lengths, id, header checksum. */
static uint16_t fix_ip(struct seg *s, const struct oc_ip *ip, bool fixed)
{
	uint32_t o = out_off(s->g, ip->off);
	struct oc_cur v;
	uint16_t id;

	if (ip->version == 6) {
		(void)oc_put_u16(&s->w, o + 4, (uint16_t)(s->len - o - IP6_HDR_LEN));
		return 0;
	}
	id = fixed ? ip->id : (uint16_t)(ip->id + s->index);
	(void)oc_put_u16(&s->w, o + 2, (uint16_t)(s->len - o));
	(void)oc_put_u16(&s->w, o + 4, id);
	v = oc_wcur_view(&s->w);
	(void)oc_put_u16(&s->w, o + 10, oc_ip4_csum(oc_span(&v, o, ip->hdr_len), ip->hdr_len));
	return id;
}

/* tcp_gso_segment: newcheck = ~csum_fold(csum_unfold(check) + (~oldlen + newlen)). */
static uint16_t tcp_partial(const struct seg *s)
{
	const struct oc_l4 *l4 = &s->g->fl->l4;
	uint32_t oldlen = l4->hdr_len + l4->payload_len, newlen = l4->hdr_len + s->piece;

	return oc_csum_fold(oc_csum_add(l4->tcp.csum, ~oldlen + newlen));
}

/* __udp_gso_segment: csum16_add(csum16_sub(uh->check, uh->len), newlen). */
static uint16_t udp_partial(const struct seg *s)
{
	const struct oc_l4 *l4 = &s->g->fl->l4;

	return oc_csum16_add(oc_csum16_sub(l4->udp.csum, l4->udp.len), (uint16_t)(8 + s->piece));
}

static void fix_tcp(struct seg *s, uint32_t o)
{
	const struct oc_tcp *t = &s->g->fl->l4.tcp;
	uint8_t flags = (uint8_t)t->flags;

	if (!s->last)
		flags &= (uint8_t)~(OC_TH_FIN | OC_TH_PSH);
	if (s->index && !(s->r->gso_type & OC_GSO_TCP_ACCECN))
		flags &= (uint8_t)~OC_TH_CWR;
	(void)oc_put_u32(&s->w, o + 4, t->seq + s->start);
	(void)oc_put_u8(&s->w, o + 13, flags);
}

/* The flow's L4 header; the checksum field gets the full checksum, or the
 * PARTIAL form when it cannot be computed.  Returns the PARTIAL form. */
static uint16_t fix_l4(struct seg *s)
{
	const struct oc_layer *fl = s->g->fl;
	uint32_t o = out_off(s->g, fl->l4.off), csum_at;
	uint16_t partial;

	if (s->g->udp) {
		(void)oc_put_u16(&s->w, o + 4, (uint16_t)(8 + s->piece));
		partial = udp_partial(s);
		csum_at = o + 6;
	} else {
		fix_tcp(s, o);
		partial = tcp_partial(s);
		csum_at = o + 16;
	}
	if (s->truncated) {
		(void)oc_put_u16(&s->w, csum_at, partial);
		return partial;
	}
	oc_csum_frame_fill(&s->f, o, s->len, csum_at, oc_pseudo_ip(&fl->ip, fl->l4.proto, s->len - o),
			   s->g->udp);
	return partial;
}

/* __skb_udp_tunnel_segment: outer UDP length and checksum. */
static void fix_outer_udp(struct seg *s)
{
	const struct oc_layer *ol = s->g->ol;
	uint32_t o = out_off(s->g, ol->l4.off), len = s->len - o;

	(void)oc_put_u16(&s->w, o + 4, (uint16_t)len);
	if (!s->g->outer_udp_csum)
		return;
	if (s->truncated) {
		uint32_t partial = oc_csum_sub(ol->l4.udp.csum, s->r->len - ol->l4.off);

		(void)oc_put_u16(&s->w, o + 6, oc_csum_fold(oc_csum_add(partial, len)));
		return;
	}
	oc_csum_frame_fill(&s->f, o, s->len, o + 6, oc_pseudo_ip(&ol->ip, IPPROTO_UDP_, len), true);
}

/* gre_gso_segment: checksum over GRE header and payload, computed in
 * software (with the reserved word after it zeroed). */
static void fix_gre(struct seg *s)
{
	const struct oc_tunnel *t = &s->r->parsed->tun;
	uint32_t o = out_off(s->g, t->gre_csum_off);

	if (!t->has_csum)
		return;
	(void)oc_put_u32(&s->w, o, 0);
	if (!s->truncated)
		(void)oc_put_u16(&s->w, o, oc_csum_finish(seg_sum(s, out_off(s->g, t->off), 0)));
}

static void build(struct seg *s, struct oc_seg_info *info)
{
	const struct geom *g = s->g;
	uint32_t t = s->r->gso_type, avail, got, at = g->hdr_end + s->start;
	uint16_t partial;

	avail = g->fl->l4.payload_captured > s->start ? g->fl->l4.payload_captured - s->start : 0;
	got = avail < s->piece ? avail : s->piece;
	s->truncated = got < s->piece;
	s->len = g->plan.hdr_len + s->piece;
	s->caplen = g->plan.hdr_len + got;
	if (!s->r->in_place)
		(void)oc_copy(&s->w, g->plan.hdr_len, &s->in, at, got);
	s->f = (struct oc_csum_frame){ .hdr = s->w.p, .hdr_len = g->plan.hdr_len,
				       .rest = oc_span(&s->in, at, got), .len = s->caplen };
	if (!s->f.rest)
		s->f.len = s->f.hdr_len;

	if (g->ol)
		info->outer_ip_id = fix_ip(s, &g->ol->ip, t & OC_GSO_TCP_FIXEDID);
	info->ip_id = fix_ip(s, &g->fl->ip, t & (g->ol ? OC_GSO_TCP_FIXEDID_INNER : OC_GSO_TCP_FIXEDID));
	partial = fix_l4(s);
	if (g->ol && g->ol->l4.kind == OC_L4_UDP)
		fix_outer_udp(s);
	else if (g->ol && g->ol->l4.kind == OC_L4_GRE)
		fix_gre(s);
	if (s->r->csum == OC_SEG_CSUM_PARTIAL && !s->truncated)
		(void)oc_put_u16(&s->w, out_off(g, g->fl->l4.off) + (g->udp ? 6 : 16), partial);

	info->payload_off = g->plan.hdr_len;
	info->payload_len = s->piece;
	info->payload_start = s->start;
	info->payload = s->f.rest;
	info->payload_truncated = s->truncated;
	info->csum_known = !s->truncated;
	info->seq = g->udp ? 0 : g->fl->l4.tcp.seq + s->start;
}

/* The headers every segment starts from, minus a BIG TCP jumbo header. */
static bool copy_headers(struct seg *s)
{
	const struct geom *g = s->g;
	uint8_t nh = 0;

	if (!g->cut_len)
		return oc_copy(&s->w, 0, &s->in, 0, g->hdr_end);
	if (!oc_copy(&s->w, 0, &s->in, 0, g->cut_off) ||
	    !oc_copy(&s->w, g->cut_off, &s->in, g->cut_off + g->cut_len,
		     g->hdr_end - g->cut_off - g->cut_len) ||
	    !oc_get_u8(&s->in, g->cut_off, &nh))
		return false;
	return oc_put_u8(&s->w, g->fl->ip.off + 6, nh);
}

static bool reserve(struct oc_segmenter *sg, uint32_t need)
{
	uint8_t *p;

	if (need <= sg->cap)
		return true;
	p = realloc(sg->buf, need);
	if (!p)
		return false;
	sg->buf = p;
	sg->cap = need;
	return true;
}

static int deliver_input(const struct oc_seg_req *r, const struct geom *g, oc_seg_cb cb, void *arg)
{
	struct oc_seg_info info = { .count = 1, .passthrough = true, .why = g->plan.why, .note = g->plan.note };
	const struct oc_layer *fl = g->fl;

	if (fl && fl->l4.kind != OC_L4_NONE) {
		info.ip_id = fl->ip.version == 4 ? fl->ip.id : 0;
		info.seq = fl->l4.kind == OC_L4_TCP ? fl->l4.tcp.seq : 0;
		info.payload_off = fl->l4.payload_off;
		info.payload_len = fl->l4.payload_len;
		info.payload_truncated = fl->l4.payload_captured < fl->l4.payload_len;
		info.payload = fl->l4.payload_off <= r->caplen ? r->data + fl->l4.payload_off : NULL;
	}
	if (g->ol && g->ol->ip.version == 4)
		info.outer_ip_id = g->ol->ip.id;
	info.csum_known = !info.payload_truncated;
	(void)cb(r->data, r->caplen, r->len, &info, arg);
	return 1;
}

void oc_segmenter_init(struct oc_segmenter *s)
{
	s->buf = NULL;
	s->cap = 0;
}

void oc_segmenter_free(struct oc_segmenter *s)
{
	free(s->buf);
	oc_segmenter_init(s);
}

int oc_segment(struct oc_segmenter *sg, const struct oc_seg_req *req, oc_seg_cb cb, void *arg)
{
	struct geom g;
	struct seg s = { .r = req, .g = &g };
	uint32_t i, size;

	if (plan(req, &g) == 1 && g.plan.passthrough)
		return deliver_input(req, &g, cb, arg);
	size = req->in_place ? g.plan.hdr_len : g.plan.seg_len;
	if (!reserve(sg, size))
		return -1;
	s.in = oc_cur_make(req->data, req->caplen);
	s.w = (struct oc_wcur){ sg->buf, size };
	if (!copy_headers(&s)) {
		passthrough(&g, req, OC_SEG_NOTE_NO_HEADERS);
		return deliver_input(req, &g, cb, arg);
	}
	for (i = 0; i < g.plan.count; i++) {
		struct oc_seg_info info = { .index = i, .count = g.plan.count };

		s.index = i;
		s.start = i * g.plan.mss;
		s.last = i + 1 == g.plan.count;
		s.piece = s.last ? g.plan.payload_len - s.start : g.plan.mss;
		build(&s, &info);
		if (cb(sg->buf, s.caplen, s.len, &info, arg))
			return (int)i + 1;
	}
	return (int)g.plan.count;
}
