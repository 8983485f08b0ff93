/* What the wire carries: the definitions report, split and stats share. */
#include "wire.h"

#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "segment.h"

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t oc_wire_l3_len(const uint8_t *d, uint32_t caplen, uint32_t len, uint16_t linktype)
{
	uint16_t type, field;
	uint32_t off = oc_link_l3(d, caplen, linktype, &type), rest = len > off ? len - off : 0;

	if (type == OC_ETH_IPV4 && off + 4 <= caplen && d[off] >> 4 == 4) {
		field = be16(d + off + 2);
		return field ? field : rest;
	}
	if (type == OC_ETH_IPV6 && off + 6 <= caplen && d[off] >> 4 == 6) {
		field = be16(d + off + 4);
		return field ? field + 40u : rest;
	}
	return rest;
}

/* Does layer l hold the pseudo-header sum the device fills (all of it captured)? */
static bool fillable(const struct oc_layer *l, uint32_t caplen)
{
	bool udp = l->l4.kind == OC_L4_UDP;

	if ((l->l4.kind != OC_L4_TCP && !udp) || l->ip.is_fragment || l->l4.off + l->l4.len > caplen)
		return false;
	/* Only the pseudo-header form is the device's to fill (no payload read
	 * for any other); were it right by chance, the fill writes it again. */
	return !(udp && !l->l4.udp.csum) && oc_l4csum_is_pseudo(l, udp ? l->l4.udp.csum : l->l4.tcp.csum);
}

/* One layer's TCP/UDP checksum, when it holds the pseudo-header sum. */
static int fill_layer(struct oc_csum_frame *f, const struct oc_layer *l)
{
	bool udp = l->l4.kind == OC_L4_UDP;

	if (!fillable(l, f->len))
		return 0;
	oc_csum_frame_fill(f, l->l4.off, l->l4.off + l->l4.len, l->l4.off + (udp ? 6 : 16),
			   oc_pseudo_ip(&l->ip, l->l4.proto, l->l4.len), udp);
	return 1;
}

static bool whole(uint32_t caplen, uint32_t len, const struct oc_parsed *p)
{
	return caplen >= len && !(p->flags & (OC_PARSE_TRUNCATED | OC_PARSE_MALFORMED));
}

bool oc_wire_needs_fill(uint32_t caplen, uint32_t len, const struct oc_parsed *p)
{
	return whole(caplen, len, p) &&
	       ((p->has_inner && fillable(&p->inner, caplen)) || fillable(&p->outer, caplen));
}

static uint32_t l4_hdr_end(const struct oc_layer *l)
{
	if (l->l4.kind == OC_L4_UDP)
		return l->l4.off + 8;
	return l->l4.kind == OC_L4_TCP ? l->l4.off + 18 : 0;
}

uint32_t oc_wire_csum_hdr_len(const struct oc_parsed *p, uint32_t caplen)
{
	uint32_t n = l4_hdr_end(&p->outer), in = p->has_inner ? l4_hdr_end(&p->inner) : 0;

	n = in > n ? in : n;
	return n < caplen ? n : caplen;
}

int oc_wire_fill_partial_frame(struct oc_csum_frame *f, uint32_t len, const struct oc_parsed *p)
{
	int n = 0;

	if (!whole(f->len, len, p))
		return 0;
	if (p->has_inner)
		n += fill_layer(f, &p->inner);
	return n + fill_layer(f, &p->outer);
}

int oc_wire_fill_partial(uint8_t *b, uint32_t caplen, uint32_t len, const struct oc_parsed *p)
{
	struct oc_csum_frame f = { .hdr = b, .hdr_len = caplen, .len = caplen };

	return oc_wire_fill_partial_frame(&f, len, p);
}

int oc_wire_fill_csum(uint8_t *b, uint32_t caplen, uint32_t len, uint16_t linktype)
{
	struct oc_parsed p;

	if (caplen < len || oc_parse(b, caplen, len, linktype, &p))
		return 0;
	return oc_wire_fill_partial(b, caplen, len, &p);
}

static uint32_t tcp_gso_type(const struct oc_layer *l)
{
	return l->ip.version == 6 ? OC_GSO_TCPV6 : OC_GSO_TCPV4;
}

/* A size the segmenter would refuse is no size: not cut, and why. */
static void check_plausible(const struct oc_layer *l, struct oc_wire_cut *cut)
{
	uint32_t payload = l->l4.payload_len, n;

	if (!cut->gso_size || payload <= cut->gso_size)
		return;
	n = (payload + cut->gso_size - 1) / cut->gso_size;
	cut->why_not = (uint8_t)oc_seg_implausible(cut->gso_size, n, cut->gso_segs, l->l4.kind == OC_L4_UDP);
	if (cut->why_not != OC_SEG_NOTE_NONE)
		cut->gso_size = 0;
}

static void choose(const struct oc_packet *pkt, const struct oc_parsed *p, const struct oc_flow *f,
		   int side, uint32_t mtu, uint32_t l3_len, struct oc_wire_cut *cut)
{
	const struct oc_layer *l = oc_flow(p);

	if (pkt->meta.flags & OC_META_VALID) {
		if (oc_meta_superframe(&pkt->meta, l->l4.payload_len)) {
			cut->gso_size = pkt->meta.gso_size;
			cut->gso_type = pkt->meta.gso_type;
			cut->gso_segs = pkt->meta.gso_segs;
		}
		return;
	}
	if (!oc_wire_over_mtu(l3_len, mtu) || l->ip.is_fragment)
		return;
	if (l->l4.kind == OC_L4_UDP) {
		cut->why_not = OC_SEG_NOTE_UDP_UNKNOWN;
		return;
	}
	if (l->l4.kind != OC_L4_TCP || !f)
		return;
	cut->gso_size = (uint16_t)oc_flow_segment_payload(f, side, mtu);
	cut->gso_type = tcp_gso_type(l);
}

void oc_wire_cut_at(const struct oc_packet *pkt, const struct oc_parsed *p, const struct oc_flow *f,
		    int side, uint32_t mtu, uint32_t l3_len, struct oc_wire_cut *cut)
{
	memset(cut, 0, sizeof(*cut));
	choose(pkt, p, f, side, mtu, l3_len, cut);
	check_plausible(oc_flow(p), cut);
}

int oc_iface_slots(void **arr, uint32_t *n, uint32_t if_id, size_t elem)
{
	uint32_t want;
	uint8_t *a;

	if (if_id < *n)
		return 0;
	if (if_id >= OC_MAX_IFACES)
		return -1;
	want = *n ? *n : 16;
	while (want <= if_id)
		want *= 2;
	want = want < OC_MAX_IFACES ? want : OC_MAX_IFACES;
	a = realloc(*arr, (size_t)want * elem);
	if (!a)
		return -1;
	memset(a + (size_t)*n * elem, 0, (size_t)(want - *n) * elem);
	*arr = a;
	*n = want;
	return 0;
}
