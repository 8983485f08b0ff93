#include "niccut.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "extract.h"
#include "netdev.h"
#include "segment.h"
#include "unit.h"
#include "wire.h"

#define PEND_MAX (1u << 16)		/* segments waiting for their received twin */
#define PEND_HASH (PEND_MAX * 2)
#define PEND_BYTES (64u << 20)		/* ... and their bytes */
#define WINDOW_NS 2000000000ull		/* a segment not received within 2 s is never seen */
#define SF_MAX 4096u			/* super-frames with segments still waiting */
#define WHOLE_MAX 16u			/* tc-egress super-frames kept for capture --payload-once */

enum outcome { RX_WIRE, RX_MERGED, RX_UNSEEN, RX_RESENT };

struct seg {
	uint64_t key;			/* flow and unit key; 0: free */
	uint64_t seq_key;		/* TCP: flow, sequence and ACK alone; 0: none */
	uint64_t ts_ns, sf;		/* sf: its super-frame's number, from 1 */
	uint8_t *bytes;
	uint32_t caplen, len, tx;	/* tx: the sending device */
	uint32_t payload;		/* TCP/UDP payload bytes */
	uint16_t linktype;
	uint8_t csum_known;
};

struct sframe {
	uint64_t n, frame;		/* n: its number, 0: free */
	uint32_t count, left, wire, merged, differ;
	uint32_t first;			/* the ring slot of its first segment */
	uint8_t done, exact;		/* judged; judged exact */
};

struct port {				/* per interface block */
	uint8_t known, veth, virtio, once;	/* once: its super-frames cut to headers (gso_payload) */
	uint32_t dev;			/* hash of namespace and interface name */
	char name[136];
};

struct oc_niccut {
	struct oc_cut_stats st;
	struct oc_segmenter seg;
	struct oc_parsed sp;		/* a synthesized segment, parsed */
	struct seg *pend;		/* FIFO ring, oldest at tail */
	uint32_t head, tail, npend;
	uint64_t bytes;
	uint32_t *index, *seq_index;	/* open addressing by key, by seq_key: pend slot + 1 */
	struct sframe sf[SF_MAX];
	struct { uint64_t key, n; } ends[SF_MAX];	/* where each TCP super-frame ends: seq_key */
	uint64_t sf_next;
	struct port *ports;
	uint32_t nports;
	/* capture --payload-once: tc-egress's whole copies of the super-frames post-gso
	 * cut to their headers, kept once a block says so (gso_payload) */
	struct whole { uint8_t *bytes; uint32_t len, size, dev; } whole[WHOLE_MAX];
	uint32_t whole_next;
	int once;
	struct oc_parsed wp;		/* a super-frame with tc-egress's bytes, parsed */
	/* the super-frame being cut */
	uint64_t cur_group, cur_sf, cur_ts;
	uint32_t cur_tx;
	uint16_t cur_linktype;
};

static const struct oc_finding_row cut_fields[OC_CUT_FIELDS] = { OC_CUT_FIELD_TABLE(OC_FINDING_ROW) };

const char *oc_cut_field_name(unsigned f) { return oc_finding_row(cut_fields, OC_CUT_FIELDS, f)->text; }
const char *oc_cut_field_key(unsigned f) { return oc_finding_row(cut_fields, OC_CUT_FIELDS, f)->id; }

struct oc_niccut *oc_niccut_new(void)
{
	struct oc_niccut *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->pend = calloc(PEND_MAX, sizeof(*c->pend));
	c->index = calloc(PEND_HASH, sizeof(*c->index));
	c->seq_index = calloc(PEND_HASH, sizeof(*c->seq_index));
	if (!c->pend || !c->index || !c->seq_index || oc_iface_slots((void **)&c->ports, &c->nports, 0, sizeof(*c->ports))) {
		oc_niccut_free(c);
		return NULL;
	}
	oc_segmenter_init(&c->seg);
	return c;
}

void oc_niccut_free(struct oc_niccut *c)
{
	if (!c)
		return;
	for (uint32_t i = 0; c->pend && i < PEND_MAX; i++)
		free(c->pend[i].bytes);
	for (uint32_t i = 0; i < WHOLE_MAX; i++)
		free(c->whole[i].bytes);
	oc_segmenter_free(&c->seg);
	free(c->pend);
	free(c->index);
	free(c->seq_index);
	free(c->ports);
	free(c);
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

/* The device behind an interface block: "netns/ifname", the same at every hook. */
static const struct port *port_of(struct oc_niccut *c, const struct oc_packet *pkt, const struct oc_iface *iface)
{
	static const struct port none = { .known = 1, .veth = 1 };
	struct port *pt;

	if (!iface || oc_iface_slots((void **)&c->ports, &c->nports, pkt->if_id, sizeof(*c->ports)))
		return &none;
	pt = &c->ports[pkt->if_id];
	if (!pt->known) {
		struct oc_iface_facts f;

		oc_iface_facts_parse(iface->descr, NULL, &f);
		pt->known = 1;
		pt->veth = !strcmp(f.driver, "veth");
		pt->virtio = !strcmp(f.driver, "virtio_net");
		pt->once = f.gso_payload[0] != 0;
		snprintf(pt->name, sizeof(pt->name), "%s%s%s", iface->netns, *iface->netns ? "/" : "",
			 iface->ifname);
		pt->dev = name_hash(pt->name);
	}
	return pt;
}

/* The first device named; n: 1, or 2 when another one was seen too. */
static void note_dev(char *name, size_t len, uint32_t *n, const struct port *pt)
{
	if (!*n)
		snprintf(name, len, "%s", pt->name), *n = 1;
	else if (*n == 1 && strcmp(name, pt->name))
		*n = 2;
}

/* --- the table of waiting segments --- */

static uint64_t key_of(const struct seg *g, int by_seq)
{
	return by_seq ? g->seq_key : g->key;
}

static uint32_t *index_slot(struct oc_niccut *c, int by_seq, uint64_t key)
{
	uint32_t *idx = by_seq ? c->seq_index : c->index;
	uint32_t i = (uint32_t)(key ^ (key >> 32)) & (PEND_HASH - 1);

	while (idx[i] && key_of(&c->pend[idx[i] - 1], by_seq) != key)
		i = (i + 1) & (PEND_HASH - 1);
	return &idx[i];
}

/* Removing from linear probing: re-insert the rest of the cluster. */
static void index_remove(struct oc_niccut *c, int by_seq, uint64_t key)
{
	uint32_t *idx = by_seq ? c->seq_index : c->index;
	uint32_t *slot = index_slot(c, by_seq, key), i;

	if (!key || !*slot)
		return;
	*slot = 0;
	i = (uint32_t)(slot - idx);
	for (i = (i + 1) & (PEND_HASH - 1); idx[i]; i = (i + 1) & (PEND_HASH - 1)) {
		uint32_t e = idx[i];

		idx[i] = 0;
		*index_slot(c, by_seq, key_of(&c->pend[e - 1], by_seq)) = e;
	}
}

static void sframe_done(struct oc_niccut *c, struct sframe *s)
{
	if (s->wire + s->merged == s->count)
		c->st.all_received++;
	s->exact = s->wire == s->count && !s->differ;
	c->st.exact += s->exact;
	c->st.differ += !!s->differ;
	s->done = 1;
}

static struct sframe *sframe_of(struct oc_niccut *c, uint64_t n)
{
	struct sframe *s = &c->sf[n % SF_MAX];

	return s->n == n && !s->done ? s : NULL;
}

/* A waiting segment's fate: received as a wire frame (differing or not),
 * inside a merge, or never. */
static void resolve(struct oc_niccut *c, struct seg *g, enum outcome o, int differs)
{
	struct sframe *s = sframe_of(c, g->sf);

	c->st.seg_unseen += o == RX_UNSEEN;
	c->st.seg_merged += o == RX_MERGED;
	c->st.seg_resent += o == RX_RESENT;
	if (s) {
		s->wire += o == RX_WIRE;
		s->merged += o == RX_MERGED;
		s->differ += differs;
		if (!--s->left)
			sframe_done(c, s);
	}
	index_remove(c, 0, g->key);
	index_remove(c, 1, g->seq_key);
	c->bytes -= g->caplen;
	free(g->bytes);
	g->bytes = NULL;
	g->key = 0;
}

static void pop_oldest(struct oc_niccut *c)
{
	if (c->pend[c->tail].key)
		resolve(c, &c->pend[c->tail], RX_UNSEEN, 0);
	c->tail = (c->tail + 1) % PEND_MAX;
	c->npend--;
}

static void expire(struct oc_niccut *c, uint64_t now)
{
	while (c->npend && (!c->pend[c->tail].key || c->pend[c->tail].ts_ns + WINDOW_NS < now))
		pop_oldest(c);
}

static void drop_older(struct oc_niccut *c, int by_seq, uint64_t key)
{
	uint32_t *slot = index_slot(c, by_seq, key);

	if (key && *slot)	/* the same segment again (a retransmission): keep the newest */
		resolve(c, &c->pend[*slot - 1], RX_RESENT, 0);
}

static int keep_segment(struct oc_niccut *c, const uint8_t *b, uint32_t caplen, uint32_t len, uint64_t key,
			uint64_t seq_key, const struct oc_seg_info *info)
{
	struct seg *g;

	while (c->npend && (c->npend == PEND_MAX || c->bytes + caplen > PEND_BYTES))
		pop_oldest(c);
	drop_older(c, 0, key);
	drop_older(c, 1, seq_key);
	g = &c->pend[c->head];
	*g = (struct seg){ .key = key, .seq_key = seq_key, .ts_ns = c->cur_ts, .sf = c->cur_sf, .caplen = caplen, .len = len,
			   .tx = c->cur_tx, .linktype = c->cur_linktype, .csum_known = info->csum_known,
			   .payload = info->payload_len };
	g->bytes = malloc(caplen ? caplen : 1);
	if (!g->bytes)
		return g->key = 0, -1;
	memcpy(g->bytes, b, caplen);
	c->bytes += caplen;
	*index_slot(c, 0, key) = c->head + 1;
	if (seq_key)
		*index_slot(c, 1, seq_key) = c->head + 1;
	c->head = (c->head + 1) % PEND_MAX;
	c->npend++;
	return 0;
}

/* Flow, TCP sequence and ACK: a frame received where a segment starts, cut
 * otherwise or not at all. */
static uint64_t seq_key(uint64_t group, const struct oc_layer *l)
{
	return l->l4.kind == OC_L4_TCP ? mix(mix(group, l->l4.tcp.seq), l->l4.tcp.ack) | 1 : 0;
}

static int on_segment(const uint8_t *b, uint32_t caplen, uint32_t len, const struct oc_seg_info *info, void *arg)
{
	struct oc_niccut *c = arg;
	const struct oc_layer *l;
	uint64_t key;

	oc_parse(b, caplen, len, c->cur_linktype, &c->sp);
	l = oc_flow(&c->sp);
	key = oc_unit_piece_key(&c->sp, b, caplen, 0, l->l4.payload_len, 0);
	c->st.seg_csum_unverified += !info->csum_known;
	if (!info->index)
		c->sf[c->cur_sf % SF_MAX].first = c->head;
	if (!key || keep_segment(c, b, caplen, len, mix(c->cur_group, key) | 1, seq_key(c->cur_group, l), info)) {
		struct sframe *s = sframe_of(c, c->cur_sf);

		c->st.seg_unseen++;
		if (s && !--s->left)
			sframe_done(c, s);
	}
	return 0;
}

static void note_end(struct oc_niccut *c, const struct oc_layer *l)
{
	uint64_t key;

	if (l->l4.kind != OC_L4_TCP)
		return;
	key = mix(mix(c->cur_group, l->l4.tcp.seq + l->l4.payload_len), l->l4.tcp.ack) | 1;
	c->ends[key % SF_MAX].key = key;
	c->ends[key % SF_MAX].n = c->cur_sf;
}

static void new_sframe(struct oc_niccut *c, uint64_t frame, uint32_t count)
{
	struct sframe *s = &c->sf[c->sf_next % SF_MAX];

	if (s->n && !s->done)	/* still waiting after SF_MAX more: judged with what it has */
		sframe_done(c, s);
	*s = (struct sframe){ .n = c->sf_next, .frame = frame, .count = count, .left = count };
	c->cur_sf = c->sf_next++;
}

/* A super-frame handed whole to a device that is not a veth: Linux's cut. */
static void handed(struct oc_niccut *c, const struct oc_packet *pkt, const struct oc_parsed *p,
		   const struct oc_iface *iface, const struct port *pt, uint64_t frame)
{
	struct oc_seg_req req = {
		.data = pkt->data, .caplen = pkt->caplen, .len = pkt->len, .parsed = p,
		.gso_size = pkt->meta.gso_size, .gso_type = pkt->meta.gso_type,
		.csum = OC_SEG_CSUM_FULL, .gso_segs = pkt->meta.gso_segs,
	};
	struct oc_seg_plan plan;

	if (oc_seg_plan(&req, &plan) < 0 || plan.passthrough)
		return;
	if (!c->sf_next)
		c->sf_next = 1;
	c->st.handed++;
	c->st.segments += plan.count;
	note_dev(c->st.tx, sizeof(c->st.tx), &c->st.n_tx, pt);
	c->st.tx_virtio += pt->virtio;
	c->cur_tx = pt->dev;
	c->cur_group = oc_unit_group(p);
	c->cur_ts = pkt->ts_ns;
	c->cur_linktype = iface->linktype;
	new_sframe(c, frame, plan.count);
	note_end(c, oc_flow(p));
	oc_segment(&c->seg, &req, on_segment, c);
}

/* --- comparison --- */

static unsigned ip_field(const struct oc_ip *ip, uint32_t at)
{
	if (ip->version == 4)
		return at == 2 || at == 3 ? OC_CUT_IP_LEN : at == 4 || at == 5 ? OC_CUT_IP_ID :
		       at == 10 || at == 11 ? OC_CUT_IP_CSUM : OC_CUT_IP_OTHER;
	return at == 4 || at == 5 ? OC_CUT_IP_LEN : OC_CUT_IP_OTHER;
}

static unsigned l4_field(const struct oc_l4 *l4, uint32_t at)
{
	if (l4->kind == OC_L4_UDP)
		return at == 4 || at == 5 ? OC_CUT_IP_LEN : at == 6 || at == 7 ? OC_CUT_L4_CSUM : OC_CUT_L4_OTHER;
	if (at >= 4 && at < 8)
		return OC_CUT_TCP_SEQ;
	if (at == 13)
		return OC_CUT_TCP_FLAGS;
	if (at == 16 || at == 17)
		return OC_CUT_L4_CSUM;
	return at >= 20 ? OC_CUT_TCP_OPTIONS : OC_CUT_L4_OTHER;
}

/* The field byte off of the synthesized segment p belongs to. */
static unsigned field_at(const struct oc_parsed *p, uint32_t off)
{
	const struct oc_layer *l = oc_flow(p);

	if (off < l->ip.off)
		return OC_CUT_IP_OTHER;	/* a tunnel's outer headers */
	if (off < l->ip.off + l->ip.hdr_len)
		return ip_field(&l->ip, off - l->ip.off);
	if (off < l->l4.payload_off)
		return l4_field(&l->l4, off - l->l4.off);
	return OC_CUT_PAYLOAD;
}

static uint32_t min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Bits of the fields in which the IP packets (from the IP header to the end of
 * the shorter, over what both captured) differ. */
static uint32_t diff_fields(const struct oc_cur *s, const struct oc_parsed *sp, const struct oc_cur *r,
			    const struct oc_parsed *rp)
{
	uint32_t s3 = sp->link.l3_off, r3 = rp->link.l3_off, mask = 0;
	uint32_t n = min32(min32(oc_avail(s, s3), oc_avail(r, r3)),
			   min32(sp->outer.ip.len, rp->outer.ip.len));
	const uint8_t *a = oc_span(s, s3, n), *b = oc_span(r, r3, n);

	if (!a || !b || !memcmp(a, b, n))
		return sp->outer.ip.len != rp->outer.ip.len ? 1u << OC_CUT_IP_LEN : 0;
	for (uint32_t i = 0; i < n; i++)
		if (a[i] != b[i])
			mask |= 1u << field_at(sp, s3 + i);
	return mask;
}

static uint32_t link_differs(const struct oc_cur *s, const struct oc_parsed *sp, const struct oc_cur *r,
			     const struct oc_parsed *rp)
{
	uint32_t n = sp->link.l3_off;
	const uint8_t *a = oc_span(s, 0, n), *b = oc_span(r, 0, n);

	return n != rp->link.l3_off || !a || !b || memcmp(a, b, n);
}

/* A checksum that differs only because what it covers differs, and is right
 * for what was received (or cannot be checked), is not a difference of its own. */
static uint32_t consequences(uint32_t mask, const struct oc_cur *r, const struct oc_parsed *rp, int csum_known)
{
	const uint32_t ip_hdr = 1u << OC_CUT_IP_ID | 1u << OC_CUT_IP_LEN | 1u << OC_CUT_IP_OTHER;
	const uint32_t l4_covered = ip_hdr | 1u << OC_CUT_TCP_SEQ | 1u << OC_CUT_TCP_FLAGS |
				    1u << OC_CUT_TCP_OPTIONS | 1u << OC_CUT_L4_OTHER | 1u << OC_CUT_PAYLOAD;
	enum oc_l4csum rc = oc_l4csum_check(r->p, r->len, oc_flow(rp));

	if (!csum_known)
		mask &= ~(1u << OC_CUT_L4_CSUM);
	if ((mask & ip_hdr) && rp->outer.ip.version == 4 && rp->outer.ip.csum_ok)
		mask &= ~(1u << OC_CUT_IP_CSUM);
	if ((mask & l4_covered) && rc != OC_L4CSUM_BAD)
		mask &= ~(1u << OC_CUT_L4_CSUM);
	return mask;
}

static int one_segment(const struct oc_parsed *rp, const struct oc_parsed *sp)
{
	const struct oc_layer *r = oc_flow(rp), *s = oc_flow(sp);

	return r->l4.kind == s->l4.kind && !r->ip.is_fragment && rp->has_inner == sp->has_inner;
}

static void count_fields(struct oc_niccut *c, uint32_t mask, uint64_t frame, uint64_t sf_frame)
{
	for (unsigned f = 0; f < OC_CUT_FIELDS; f++) {
		if (!(mask & 1u << f))
			continue;
		if (!c->st.field[f]++)
			c->st.field_frame[f] = frame, c->st.field_sf_frame[f] = sf_frame;
	}
}

static void compare(struct oc_niccut *c, struct seg *g, const struct oc_packet *pkt, const struct oc_parsed *rp,
		    uint64_t frame)
{
	struct oc_cur s = oc_cur_make(g->bytes, g->caplen), r = oc_cur_make(pkt->data, pkt->caplen);
	const struct sframe *sf = sframe_of(c, g->sf);
	uint32_t mask, cut;

	oc_parse(g->bytes, g->caplen, g->len, g->linktype, &c->sp);
	if (!one_segment(rp, &c->sp)) {
		mask = 1u << OC_CUT_NOT_SEGMENT;
	} else {
		mask = diff_fields(&s, &c->sp, &r, rp) | link_differs(&s, &c->sp, &r, rp) << OC_CUT_LINK;
		mask = consequences(mask, &r, rp, g->csum_known);
	}
	cut = mask & ~(1u << OC_CUT_LINK);	/* MACs and tags are no part of the cut */
	c->st.seg_received++;
	c->st.seg_exact += !cut;
	c->st.seg_differ += !!cut;
	count_fields(c, mask, frame, sf ? sf->frame : 0);
	resolve(c, g, RX_WIRE, !!cut);
}

static struct seg *waiting(struct oc_niccut *c, int by_seq, uint64_t key, uint32_t rx)
{
	uint32_t *slot;

	if (!key)
		return NULL;
	slot = index_slot(c, by_seq, key);
	return *slot && c->pend[*slot - 1].tx != rx ? &c->pend[*slot - 1] : NULL;
}

/* The super-frame left in IP fragments, not cut into segments (qemu 7.2
 * emulates TSO so without a vnet_hdr peer): every segment of it is received as something else. */
static void fragmented(struct oc_niccut *c, struct seg *g, uint64_t frame)
{
	struct sframe *s = sframe_of(c, g->sf);
	uint32_t slot = s ? s->first : (uint32_t)(g - c->pend), n = s ? s->count : 1;
	uint64_t sf = g->sf;

	c->st.fragmented++;

	for (uint32_t i = 0; i < n; i++) {
		struct seg *e = &c->pend[(slot + i) % PEND_MAX];

		if (!e->key || e->sf != sf)
			continue;
		c->st.seg_received++;
		c->st.seg_differ++;
		count_fields(c, 1u << OC_CUT_NOT_SEGMENT, frame, s ? s->frame : 0);
		resolve(c, e, RX_WIRE, 1);
	}
}

/* A frame holding several segments (merged, or passed whole): its pieces
 * found, not comparable byte for byte. */
static void pieces(struct oc_niccut *c, const struct oc_packet *pkt, const struct oc_parsed *p,
		   const struct port *pt, uint32_t step)
{
	uint64_t group = oc_unit_group(p), key;
	uint32_t payload = oc_flow(p)->l4.payload_len;
	struct seg *g;

	for (uint32_t at = 0, i = 0; at < payload; at += step, i++) {
		key = oc_unit_piece_key(p, pkt->data, pkt->caplen, at, min32(step, payload - at), i);
		if ((g = waiting(c, 0, key ? mix(group, key) | 1 : 0, pt->dev))) {
			note_dev(c->st.rx, sizeof(c->st.rx), &c->st.n_rx, pt);
			resolve(c, g, RX_MERGED, 0);
		}
	}
}

/* An empty TCP segment where a super-frame ends, with its ACK: the NIC sent a
 * frame more than Linux cuts (qemu's e1000 after a payload that is a multiple
 * of the MSS). */
static void empty_segment(struct oc_niccut *c, const struct oc_layer *l, uint64_t group, uint64_t frame)
{
	uint64_t key = mix(mix(group, l->l4.tcp.seq), l->l4.tcp.ack) | 1;
	struct sframe *s;

	if (l->l4.tcp.flags & (OC_TH_SYN | OC_TH_RST | OC_TH_FIN) || c->ends[key % SF_MAX].key != key)
		return;
	s = &c->sf[c->ends[key % SF_MAX].n % SF_MAX];
	c->ends[key % SF_MAX].key = 0;
	if (s->n != c->ends[key % SF_MAX].n)
		return;
	count_fields(c, 1u << OC_CUT_EXTRA, frame, s->frame);
	if (!s->done) {
		s->differ++;
	} else if (!s->differ++) {
		c->st.exact -= s->exact;
		c->st.differ++;
		s->exact = 0;
	}
}

/* A frame another device received: one wire frame, compared with the segment
 * of the same unit key or, failing that, starting at the same TCP sequence. */
static void received(struct oc_niccut *c, const struct oc_packet *pkt, const struct oc_parsed *p,
		     const struct port *pt, uint64_t frame)
{
	const struct oc_layer *l = oc_flow(p);
	uint64_t group = oc_unit_group(p), key;
	uint32_t payload = l->l4.payload_len, step = pkt->meta.gso_size;
	struct seg *g;

	if (step && payload > step && !l->ip.is_fragment)
		return pieces(c, pkt, p, pt, step);
	if (l->l4.kind == OC_L4_TCP && !payload)
		return empty_segment(c, l, group, frame);
	if (l->ip.is_fragment && l->l4.kind == OC_L4_UDP && l->l4.udp.len >= 8)
		payload = l->l4.udp.len - 8u;	/* a first fragment: its datagram's key */
	key = oc_unit_piece_key(p, pkt->data, pkt->caplen, 0, payload, 0);
	if (!(g = waiting(c, 0, key ? mix(group, key) | 1 : 0, pt->dev)) &&
	    !(g = waiting(c, 1, seq_key(group, l), pt->dev)))
		return;
	if (l->ip.is_fragment && l->ip.mf && !l->ip.frag_off && l->l4.kind == OC_L4_TCP)
		fragmented(c, g, frame);
	else if (!l->ip.is_fragment && g->payload && payload > g->payload)
		return pieces(c, pkt, p, pt, g->payload);	/* passed whole, no GSO metadata */
	else
		compare(c, g, pkt, p, frame);
	note_dev(c->st.rx, sizeof(c->st.rx), &c->st.n_rx, pt);
}

void oc_niccut_iface(struct oc_niccut *c, const struct oc_iface_facts *f)
{
	c->once |= f->gso_payload[0] != 0;
}

/* tc-egress's super-frame, whole: post-gso may hold the same skb's headers only. */
static void keep_whole(struct oc_niccut *c, const struct oc_packet *pkt, const struct port *pt)
{
	struct whole *w = &c->whole[c->whole_next++ % WHOLE_MAX];

	w->len = 0;
	if (pkt->caplen != pkt->len)
		return;
	if (w->size < pkt->len) {
		uint8_t *b = realloc(w->bytes, pkt->len);

		if (!b)
			return;
		w->bytes = b;
		w->size = pkt->len;
	}
	memcpy(w->bytes, pkt->data, pkt->len);
	w->len = pkt->len;
	w->dev = pt->dev;
}

/* A post-gso super-frame cut to its headers, with the bytes of tc-egress's
 * copy of it (same device, length and headers; used once), else as it is. */
static const struct oc_packet *with_payload(struct oc_niccut *c, const struct oc_packet *pkt,
					    const struct port *pt, const struct oc_iface *iface,
					    const struct oc_parsed **p, struct oc_packet *out)
{
	for (uint32_t i = 1; pt->once && pkt->caplen < pkt->len && i <= WHOLE_MAX; i++) {
		struct whole *w = &c->whole[(c->whole_next - i) % WHOLE_MAX];

		if (w->len != pkt->len || w->dev != pt->dev || memcmp(w->bytes, pkt->data, pkt->caplen))
			continue;
		*out = *pkt;
		out->data = w->bytes;
		out->caplen = w->len;
		w->len = 0;
		oc_parse(out->data, out->caplen, out->len, iface->linktype, &c->wp);
		*p = &c->wp;
		return out;
	}
	return pkt;
}

/* A frame handed to the sending device on its own, carrying a waiting
 * segment's unit: a retransmission took its place before it was seen. */
static void resent(struct oc_niccut *c, const struct oc_packet *pkt, const struct oc_parsed *p,
		   const struct port *pt)
{
	uint64_t key = oc_unit_piece_key(p, pkt->data, pkt->caplen, 0, oc_flow(p)->l4.payload_len, 0);
	uint32_t *slot;

	if (!key || !c->npend)
		return;
	slot = index_slot(c, 0, mix(oc_unit_group(p), key) | 1);
	if (*slot && c->pend[*slot - 1].tx == pt->dev)
		resolve(c, &c->pend[*slot - 1], RX_RESENT, 0);
}

void oc_niccut_packet(struct oc_niccut *c, const struct oc_packet *pkt, const struct oc_parsed *p,
		      const struct oc_iface *iface, uint64_t frame)
{
	const struct oc_layer *l = oc_flow(p);
	const struct port *pt;

	if (!(pkt->meta.flags & OC_META_VALID) || (l->l4.kind != OC_L4_TCP && l->l4.kind != OC_L4_UDP))
		return;
	expire(c, pkt->ts_ns);
	pt = port_of(c, pkt, iface);
	if (pt->veth)
		return;
	switch (pkt->meta.point) {
	case OC_POINT_TC_EGRESS:
		if (c->once && oc_meta_superframe(&pkt->meta, l->l4.payload_len))
			keep_whole(c, pkt, pt);
		break;
	case OC_POINT_POST_GSO:
		if (oc_meta_superframe(&pkt->meta, l->l4.payload_len)) {
			struct oc_packet w;

			pkt = with_payload(c, pkt, pt, iface, &p, &w);
			handed(c, pkt, p, iface, pt, frame);
		} else {
			resent(c, pkt, p, pt);
		}
		break;
	case OC_POINT_XDP:
	case OC_POINT_PRE_GRO:
	case OC_POINT_TC_INGRESS:
		if (c->sf_next)
			received(c, pkt, p, pt, frame);
		break;
	}
}

void oc_niccut_finish(struct oc_niccut *c)
{
	while (c->npend)
		pop_oldest(c);
	for (unsigned i = 0; i < SF_MAX; i++)
		if (c->sf[i].n && !c->sf[i].done)
			sframe_done(c, &c->sf[i]);
}

const struct oc_cut_stats *oc_niccut_stats(const struct oc_niccut *c)
{
	return &c->st;
}
