#include "verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "segment.h"
#include "wire.h"

#define PENDING_MAX (1u << 16)	/* segments awaiting their observed twin */
#define PENDING_HASH (PENDING_MAX * 2)
#define SUPER_MAX 1024		/* super-frames in flight for --side-by-side */
#define GRO_RINGS 4096
#define GRO_RING_LEN 64

/* A synthesized segment's verdict, and the words --side-by-side prints for it:
 * the one table (DIFFERS adds the byte). */
#define VERDICTS(X) \
	X(PENDING, "not seen yet") \
	X(MATCH, "match") \
	X(DIFFERS, "DIFFERS") \
	X(MISSING, "not seen") \
	X(DEVICE_CUT, "synthesized: the device cuts it (TSO/USO)") \
	X(VETH_WHOLE, "synthesized: veth passes it whole to its peer")

enum verdict {
#define VERDICT_ENUM(name, text) V_##name,
	VERDICTS(VERDICT_ENUM)
#undef VERDICT_ENUM
	V_MAX,
};

static const char *const verdict_text[V_MAX] = {
#define VERDICT_TEXT(name, text) [V_##name] = text,
	VERDICTS(VERDICT_TEXT)
#undef VERDICT_TEXT
};

struct seg_result {
	uint64_t frame;		/* observed frame, 0 if none */
	uint64_t ts_ns;
	uint32_t len, seq;
	uint16_t ip_id;
	uint8_t verdict;
	uint32_t diff_at;	/* first differing byte */
};

struct superframe {
	uint64_t frame, ts_ns;
	char text[320];		/* header line */
	uint32_t count, resolved;
	struct seg_result *seg;	/* --side-by-side only */
};

struct pending {
	uint64_t key;		/* 0: free slot */
	uint32_t dev;
	uint32_t caplen, len;
	uint8_t *bytes;
	int32_t sf;		/* superframe slot, -1 if not tracked */
	uint32_t index;
};

struct dev {
	char name[64];
	uint32_t netns;
	uint8_t seen_post_gso, seen_wire;	/* seen_wire: frames before GRO (xdp, pre-gro) */
	uint8_t veth;		/* a veth: it passes super-frames whole to its peer */
	uint8_t virtio;		/* virtio-net: it passes them whole to its host */
};

struct gro_ring {
	uint64_t key;
	uint32_t head, first;	/* first: the flow's first wire frame's sequence number */
	uint32_t seq[GRO_RING_LEN], len[GRO_RING_LEN];
};

struct oc_verify {
	struct oc_match_stats st;
	struct oc_segmenter seg;
	struct pending *pend;		/* FIFO ring, oldest at tail */
	uint32_t head, tail, npend;
	uint32_t *index;		/* open-addressing hash -> pend slot + 1 */
	struct superframe sf[SUPER_MAX];
	uint64_t sf_next, sf_printed_upto, sf_shown;
	struct dev *devs;		/* one per (interface, namespace): oc_iface_slots */
	uint32_t ndevs, ndev_slots;
	struct gro_ring *gro;
	void (*sbs)(void *ctx, const char *text);
	void *ctx;
	uint64_t sbs_max;
	/* the super-frame being cut */
	uint32_t cur_dev;
	uint64_t cur_flowkey;
	int32_t cur_sf;
	int cur_udp;
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static uint64_t hash_bytes(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* Direction-sensitive flow identity of a parsed packet. */
static uint64_t flow_key(const struct oc_parsed *p)
{
	const struct oc_layer *l = oc_flow(p);
	uint64_t h = 0xcbf29ce484222325ull;
	unsigned alen = l->ip.version == 6 ? 16 : 4;

	h = hash_bytes(h, l->ip.src, alen);
	h = hash_bytes(h, l->ip.dst, alen);
	h = mix(h, l->l4.proto);
	if (l->l4.kind == OC_L4_TCP)
		h = mix(h, (uint64_t)l->l4.tcp.sport << 16 | l->l4.tcp.dport);
	else if (l->l4.kind == OC_L4_UDP)
		h = mix(h, (uint64_t)l->l4.udp.sport << 16 | l->l4.udp.dport);
	return h;
}

static uint32_t dev_of(struct oc_verify *v, const struct oc_iface *iface, const struct oc_packet *pkt)
{
	const char *name = iface ? iface->ifname : "?";

	for (unsigned i = 0; i < v->ndevs; i++)
		if (v->devs[i].netns == pkt->meta.netns && !strcmp(v->devs[i].name, name))
			return i;
	if (oc_iface_slots((void **)&v->devs, &v->ndev_slots, v->ndevs, sizeof(*v->devs)))
		return v->ndevs - 1;	/* out of memory only: devices <= interface blocks */
	snprintf(v->devs[v->ndevs].name, sizeof(v->devs[0].name), "%s", name);
	v->devs[v->ndevs].netns = pkt->meta.netns;
	if (iface) {
		struct oc_iface_facts f;

		oc_iface_facts_parse(iface->descr, NULL, &f);
		v->devs[v->ndevs].veth = !strcmp(f.driver, "veth");
		v->devs[v->ndevs].virtio = !strcmp(f.driver, "virtio_net");
	}
	return v->ndevs++;
}

struct oc_verify *oc_verify_new(void (*sbs)(void *ctx, const char *text), void *ctx,
				uint64_t sbs_max)
{
	struct oc_verify *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->pend = calloc(PENDING_MAX, sizeof(*v->pend));
	v->index = calloc(PENDING_HASH, sizeof(*v->index));
	v->gro = calloc(GRO_RINGS, sizeof(*v->gro));
	if (!v->pend || !v->index || !v->gro ||
	    oc_iface_slots((void **)&v->devs, &v->ndev_slots, 0, sizeof(*v->devs))) {
		oc_verify_free(v);
		return NULL;
	}
	oc_segmenter_init(&v->seg);
	v->sbs = sbs;
	v->ctx = ctx;
	v->sbs_max = sbs_max;
	return v;
}

static void print_superframe(struct oc_verify *v, struct superframe *s)
{
	char line[256];

	v->sbs(v->ctx, s->text);
	v->sbs(v->ctx, "    seg      seq          len  ip-id   | observed at post-gso          verdict\n");
	for (uint32_t i = 0; i < s->count; i++) {
		const struct seg_result *r = &s->seg[i];
		int n = snprintf(line, sizeof(line), "    %3u/%-3u %-11u %5u  0x%04x  | ", i + 1, s->count,
				 r->seq, r->len, r->ip_id);

		if (r->frame && (r->verdict == V_DEVICE_CUT || r->verdict == V_VETH_WHOLE))
			n += snprintf(line + n, sizeof(line) - n, "frame %-8llu (handed whole)  ",
				      (unsigned long long)r->frame);
		else if (r->frame)
			n += snprintf(line + n, sizeof(line) - n, "frame %-8llu %+9.1f us  ",
				      (unsigned long long)r->frame, ((double)r->ts_ns - (double)s->ts_ns) / 1e3);
		else
			n += snprintf(line + n, sizeof(line) - n, "%-30s", "-");
		if (r->verdict == V_DIFFERS)
			snprintf(line + n, sizeof(line) - n, "DIFFERS at byte %u\n", r->diff_at);
		else
			snprintf(line + n, sizeof(line) - n, "%s\n", verdict_text[r->verdict]);
		v->sbs(v->ctx, line);
	}
	v->sbs(v->ctx, "\n");
}

static void release_superframe(struct oc_verify *v, uint64_t n)
{
	struct superframe *s = &v->sf[n % SUPER_MAX];

	if (s->seg && v->sbs && v->sf_shown < v->sbs_max) {
		v->sf_shown++;
		print_superframe(v, s);
	}
	free(s->seg);
	s->seg = NULL;
}

static void flush_superframes(struct oc_verify *v, int all)
{
	while (v->sf_printed_upto < v->sf_next) {
		struct superframe *s = &v->sf[v->sf_printed_upto % SUPER_MAX];

		if (!all && s->resolved < s->count && v->sf_next - v->sf_printed_upto < SUPER_MAX)
			break;
		release_superframe(v, v->sf_printed_upto++);
	}
}

static struct seg_result *result_of(struct oc_verify *v, const struct pending *pe)
{
	struct superframe *s;

	if (pe->sf < 0)
		return NULL;
	s = &v->sf[pe->sf];
	s->resolved++;
	return s->seg && pe->index < s->count ? &s->seg[pe->index] : NULL;
}

static uint32_t *index_slot(struct oc_verify *v, uint64_t key)
{
	uint32_t i = (uint32_t)(key ^ (key >> 32)) & (PENDING_HASH - 1);

	while (v->index[i] && v->pend[v->index[i] - 1].key != key)
		i = (i + 1) & (PENDING_HASH - 1);
	return &v->index[i];
}

/* Removing from linear probing: re-insert the rest of the cluster. */
static void index_remove(struct oc_verify *v, uint64_t key)
{
	uint32_t *slot = index_slot(v, key), i;

	if (!*slot)
		return;
	*slot = 0;
	i = (uint32_t)(slot - v->index);
	for (i = (i + 1) & (PENDING_HASH - 1); v->index[i]; i = (i + 1) & (PENDING_HASH - 1)) {
		uint32_t e = v->index[i];

		v->index[i] = 0;
		*index_slot(v, v->pend[e - 1].key) = e;
	}
}

static void drop_pending(struct oc_verify *v, struct pending *pe, int verdict)
{
	struct seg_result *r;

	if (!pe->key)
		return;
	index_remove(v, pe->key);
	if (verdict == V_MISSING) {
		if (v->devs[pe->dev].seen_post_gso) {
			v->st.missing++;
			if ((r = result_of(v, pe)))
				r->verdict = V_MISSING;
		} else if (pe->sf >= 0) {
			v->sf[pe->sf].resolved++;
		}
	}
	free(pe->bytes);
	pe->bytes = NULL;
	pe->key = 0;
}

static void pop_oldest(struct oc_verify *v)
{
	while (v->npend && !v->pend[v->tail].key) {
		v->tail = (v->tail + 1) % PENDING_MAX;
		v->npend--;
	}
	if (!v->npend)
		return;
	drop_pending(v, &v->pend[v->tail], V_MISSING);
	v->tail = (v->tail + 1) % PENDING_MAX;
	v->npend--;
}

static uint64_t seg_key(uint32_t dev, uint64_t flow, uint32_t seq_or_id)
{
	uint64_t k = mix(mix(flow, dev), seq_or_id);

	return k ? k : 1;
}

static int on_segment(const uint8_t *seg, uint32_t caplen, uint32_t len,
		      const struct oc_seg_info *info, void *arg)
{
	struct oc_verify *v = arg;
	uint64_t key = seg_key(v->cur_dev, v->cur_flowkey, v->cur_udp ? info->ip_id : info->seq);
	struct pending *pe;
	uint32_t *slot;

	if (v->cur_sf >= 0 && v->sf[v->cur_sf].seg) {
		struct seg_result *r = &v->sf[v->cur_sf].seg[info->index];

		r->seq = info->seq;
		r->len = len;
		r->ip_id = info->ip_id;
	}
	if (v->npend == PENDING_MAX)
		pop_oldest(v);
	slot = index_slot(v, key);
	if (*slot)	/* the same segment again (retransmission): keep the newest */
		drop_pending(v, &v->pend[*slot - 1], V_MISSING), slot = index_slot(v, key);
	pe = &v->pend[v->head];
	*pe = (struct pending){ .key = key, .dev = v->cur_dev, .caplen = caplen, .len = len,
				.sf = v->cur_sf, .index = info->index };
	pe->bytes = malloc(caplen ? caplen : 1);
	if (!pe->bytes) {
		pe->key = 0;
		return 1;
	}
	memcpy(pe->bytes, seg, caplen);
	*slot = v->head + 1;
	v->head = (v->head + 1) % PENDING_MAX;
	v->npend++;
	return 0;
}

static int32_t new_superframe(struct oc_verify *v, const struct oc_packet *pkt,
			      const struct oc_iface *iface, uint64_t frame, uint32_t count)
{
	struct superframe *s;
	char gso[96];

	if (!v->sbs || v->sf_next - v->sf_printed_upto >= SUPER_MAX)
		flush_superframes(v, 0);
	if (v->sf_next - v->sf_printed_upto >= SUPER_MAX)
		release_superframe(v, v->sf_printed_upto++);
	s = &v->sf[v->sf_next % SUPER_MAX];
	memset(s, 0, sizeof(*s));
	s->frame = frame;
	s->ts_ns = pkt->ts_ns;
	s->count = count;
	if (v->sbs && v->sf_shown + (v->sf_next - v->sf_printed_upto) < v->sbs_max) {
		s->seg = calloc(count, sizeof(*s->seg));
		oc_gso_format(pkt->meta.gso_type, gso, sizeof(gso));
		snprintf(s->text, sizeof(s->text),
			 "super-frame: frame %llu at %s, len %u, gso_size %u, gso_segs %u, gso_type %s, csum %s -> %u segments\n",
			 (unsigned long long)frame, iface ? iface->name : "?", pkt->len, pkt->meta.gso_size,
			 pkt->meta.gso_segs, gso, oc_csum_name(pkt->meta.csum), count);
	}
	return (int32_t)(v->sf_next++ % SUPER_MAX);
}

static void cut_superframe(struct oc_verify *v, const struct oc_packet *pkt, const struct oc_parsed *p,
			   const struct oc_iface *iface, uint64_t frame, uint32_t dev)
{
	struct oc_seg_req req = {
		.data = pkt->data, .caplen = pkt->caplen, .len = pkt->len, .parsed = p,
		.gso_size = pkt->meta.gso_size, .gso_type = pkt->meta.gso_type,
		/* GSO leaves every super-frame CHECKSUM_PARTIAL: an unknown state
		 * (tc before 6.2) is that one; a segment the kernel completed is
		 * filled in when compared. */
		.csum = pkt->meta.csum == OC_CSUM_PARTIAL || pkt->meta.csum == OC_CSUM_UNKNOWN ?
			OC_SEG_CSUM_PARTIAL : OC_SEG_CSUM_FULL,
	};
	struct oc_seg_plan plan;

	if (oc_seg_plan(&req, &plan) < 0 || plan.passthrough)
		return;
	v->cur_dev = dev;
	v->cur_flowkey = flow_key(p);
	v->cur_udp = oc_flow(p)->l4.kind == OC_L4_UDP;
	v->cur_sf = new_superframe(v, pkt, iface, frame, plan.count);
	oc_segment(&v->seg, &req, on_segment, v);
}

static void observe_segment(struct oc_verify *v, const struct oc_packet *pkt, const struct oc_parsed *p,
			    const struct oc_iface *iface, uint64_t frame, uint32_t dev)
{
	const struct oc_layer *l = oc_flow(p);
	uint32_t id = l->l4.kind == OC_L4_UDP ? l->ip.id : l->l4.tcp.seq;
	uint32_t *slot = index_slot(v, seg_key(dev, flow_key(p), id));
	struct pending *pe;
	struct seg_result *r;
	uint32_t n, diff = 0;

	if (!*slot)
		return;
	pe = &v->pend[*slot - 1];
	if (pkt->meta.csum != OC_CSUM_PARTIAL)
		/* the kernel computed it: a device without checksum offload */
		oc_wire_fill_csum(pe->bytes, pe->caplen, pe->len, iface ? iface->linktype : OC_LINKTYPE_ETHERNET);
	n = pe->caplen < pkt->caplen ? pe->caplen : pkt->caplen;
	if (!memcmp(pe->bytes, pkt->data, n))	/* the usual case, at memcmp's speed */
		diff = n;
	while (diff < n && pe->bytes[diff] == pkt->data[diff])
		diff++;
	v->st.compared++;
	r = result_of(v, pe);
	if (diff == n && pe->len == pkt->len)
		v->st.matched++;
	else
		v->st.differed++;
	if (r) {
		r->frame = frame;
		r->ts_ns = pkt->ts_ns;
		r->verdict = diff == n && pe->len == pkt->len ? V_MATCH : V_DIFFERS;
		r->diff_at = diff;
	}
	drop_pending(v, pe, V_MATCH);
}

/* A super-frame handed whole to a TSO device at post-gso: the device cuts the
 * segments synthesized from its tc-egress twin; they are synthesized, not missing. */
static void device_cuts(struct oc_verify *v, const struct oc_packet *pkt, const struct oc_parsed *p,
			uint64_t frame, uint32_t dev)
{
	const struct oc_layer *l = oc_flow(p);
	int udp = l->l4.kind == OC_L4_UDP;
	uint64_t flow = flow_key(p);

	v->st.tso_superframes++;
	v->st.tso_superframes_veth += v->devs[dev].veth;
	if (v->devs[dev].virtio)
		v->st.tso_superframes_virtio++, v->st.host_cut += pkt->meta.gso_segs;
	else if (!v->devs[dev].veth)
		v->st.nic_cut += pkt->meta.gso_segs;
	for (uint32_t i = 0; i < pkt->meta.gso_segs; i++) {
		uint32_t id = udp ? (uint16_t)(l->ip.id + i) : l->l4.tcp.seq + i * pkt->meta.gso_size;
		uint32_t *slot = index_slot(v, seg_key(dev, flow, id));
		struct pending *pe;
		struct seg_result *r;

		if (!*slot)
			continue;
		pe = &v->pend[*slot - 1];
		if ((r = result_of(v, pe))) {
			r->frame = frame;
			r->ts_ns = pkt->ts_ns;
			r->verdict = v->devs[dev].veth ? V_VETH_WHOLE : V_DEVICE_CUT;
		}
		v->st.device_cut++;
		v->st.device_cut_veth += v->devs[dev].veth;
		drop_pending(v, pe, V_DEVICE_CUT);
	}
}

static struct gro_ring *gro_ring(struct oc_verify *v, uint32_t dev, const struct oc_parsed *p, int create)
{
	uint64_t key = seg_key(dev, flow_key(p), 0);
	struct gro_ring *g = &v->gro[key % GRO_RINGS];

	if (g->key != key) {
		if (!create)
			return NULL;
		memset(g, 0, sizeof(*g));
		g->key = key;
	}
	return g;
}

static int gro_seen(const struct gro_ring *g, uint32_t seq, uint32_t len)
{
	for (uint32_t i = 0; i < GRO_RING_LEN; i++)
		if (g->len[i] == len && g->seq[i] == seq)
			return 1;
	return 0;
}

static void gro_packet(struct oc_verify *v, const struct oc_packet *pkt, const struct oc_parsed *p,
		       uint32_t dev)
{
	const struct oc_layer *l = oc_flow(p);
	struct gro_ring *g;
	uint32_t seq = l->l4.tcp.seq, end = seq + l->l4.payload_len, n = 0;

	if (l->l4.kind != OC_L4_TCP || !l->l4.payload_len)
		return;
	if (pkt->meta.point == OC_POINT_XDP || (pkt->meta.point == OC_POINT_PRE_GRO && pkt->meta.gso_segs < 2)) {
		g = gro_ring(v, dev, p, 1);
		v->devs[dev].seen_wire = 1;
		if (gro_seen(g, seq, l->l4.payload_len))
			return;	/* the same frame at xdp and at pre-gro */
		if (!g->head)
			g->first = seq;
		g->seq[g->head % GRO_RING_LEN] = seq;
		g->len[g->head % GRO_RING_LEN] = l->l4.payload_len;
		g->head++;
		return;
	}
	if (pkt->meta.gso_segs < 2 || !v->devs[dev].seen_wire)
		return;
	g = gro_ring(v, dev, p, 0);
	for (uint32_t i = 0; g && i < GRO_RING_LEN; i++)
		if (g->len[i] && (int32_t)(g->seq[i] - seq) >= 0 && (int32_t)(end - (g->seq[i] + g->len[i])) >= 0)
			n++;
	v->st.gro_merged++;
	v->st.gro_matched += n == pkt->meta.gso_segs;
	/* an incomplete merge: built (partly) before the point recorded its flow's first
	 * frame (the capture's edge, or a point attached after the flow began), or
	 * missing frames the point should have recorded (the capture's drops) */
	if (n != pkt->meta.gso_segs) {
		if (!g || (int32_t)(seq - g->first) < 0)
			v->st.gro_edge++;
		else
			v->st.gro_missing++;
	}
	if (n) {
		unsigned b = 0;

		while (b < 6 && n >> (b + 1))
			b++;
		v->st.gro_hist[b]++;	/* 1, 2-3, 4-7, ..., 64+ */
	}
}

void oc_verify_packet(struct oc_verify *v, const struct oc_packet *pkt, const struct oc_parsed *p,
		      const struct oc_iface *iface, uint64_t frame)
{
	const struct oc_layer *l = oc_flow(p);
	uint32_t dev;

	if (!(pkt->meta.flags & OC_META_VALID) || (l->l4.kind != OC_L4_TCP && l->l4.kind != OC_L4_UDP))
		return;
	dev = dev_of(v, iface, pkt);
	switch (pkt->meta.point) {
	case OC_POINT_TC_EGRESS:
		if (oc_meta_superframe(&pkt->meta, l->l4.payload_len))
			cut_superframe(v, pkt, p, iface, frame, dev);
		break;
	case OC_POINT_POST_GSO:
		v->devs[dev].seen_post_gso = 1;
		if (oc_meta_superframe(&pkt->meta, l->l4.payload_len))
			device_cuts(v, pkt, p, frame, dev);
		else
			observe_segment(v, pkt, p, iface, frame, dev);
		break;
	case OC_POINT_XDP:
	case OC_POINT_PRE_GRO:
	case OC_POINT_TC_INGRESS:
		gro_packet(v, pkt, p, dev);
		break;
	}
	if (v->sbs)
		flush_superframes(v, 0);
}

void oc_verify_finish(struct oc_verify *v)
{
	while (v->npend)
		pop_oldest(v);
	flush_superframes(v, 1);
}

const struct oc_match_stats *oc_verify_stats(const struct oc_verify *v)
{
	return &v->st;
}

void oc_verify_free(struct oc_verify *v)
{
	if (!v)
		return;
	for (uint32_t i = 0; v->pend && i < PENDING_MAX; i++)
		free(v->pend[i].bytes);
	for (unsigned i = 0; i < SUPER_MAX; i++)
		free(v->sf[i].seg);
	oc_segmenter_free(&v->seg);
	free(v->pend);
	free(v->index);
	free(v->gro);
	free(v->devs);
	free(v);
}
