/* Tunnels: VXLAN, GENEVE, GRE (key/csum/seq, TEB) and IP-in-IP.  One level:
 * the inner packet is parsed with depth 1, which does not descend again. */
#include "proto.h"

#define VXLAN_HDR_LEN 8u
#define VXLAN_FLAG_VNI 0x08
#define GENEVE_HDR_LEN 8u
#define GRE_HDR_LEN 4u
#define GRE_CSUM 0x8000
#define GRE_ROUTING 0x4000
#define GRE_KEY 0x2000
#define GRE_SEQ 0x1000
#define GRE_VERSION 0x0007

/* Parse the inner packet at off, up to end (the outer payload's end). */
static int inner(struct oc_pctx *x, uint32_t off, uint32_t end)
{
	struct oc_parsed *out = x->out;
	struct oc_tunnel *t = &out->tun;
	uint16_t type = t->proto;
	int ret;

	t->inner_off = off;
	if (type == OC_ETH_TEB) {
		t->inner_is_eth = 1;
		ret = oc_p_ether(x, off, &t->eth);
		if (ret)
			return ret;
		type = t->eth.ethertype;
		off = t->eth.l3_off;
	}
	if (type != OC_ETH_IPV4 && type != OC_ETH_IPV6) {
		x->out->flags |= OC_PARSE_UNKNOWN;
		return 1;
	}
	out->has_inner = 1;
	out->flags |= OC_PARSE_TUNNEL;
	return oc_p_l3(x, type, off, end, &out->inner, 1);
}

int oc_p_vxlan(struct oc_pctx *x, struct oc_layer *L)
{
	struct oc_tunnel *t = &x->out->tun;
	uint32_t off = L->l4.payload_off;
	uint8_t flags = 0;

	if (L->l4.payload_len < VXLAN_HDR_LEN)
		return oc_p_bad(x, "UDP payload too short for VXLAN");
	if (!oc_has(&x->c, off, VXLAN_HDR_LEN))
		return oc_p_trunc(x, "truncated VXLAN header");
	(void)oc_get_u8(&x->c, off, &flags);
	if (!(flags & VXLAN_FLAG_VNI))
		return 0;	/* not VXLAN after all: plain UDP */
	t->kind = OC_TUN_VXLAN;
	t->off = off;
	t->hdr_len = VXLAN_HDR_LEN;
	t->proto = OC_ETH_TEB;
	(void)oc_get_u24(&x->c, off + 4, &t->vni);
	return inner(x, off + VXLAN_HDR_LEN, L->l4.payload_off + L->l4.payload_len);
}

int oc_p_geneve(struct oc_pctx *x, struct oc_layer *L)
{
	struct oc_tunnel *t = &x->out->tun;
	uint32_t off = L->l4.payload_off, hl;
	uint8_t b0 = 0;

	if (L->l4.payload_len < GENEVE_HDR_LEN)
		return oc_p_bad(x, "UDP payload too short for GENEVE");
	if (!oc_has(&x->c, off, GENEVE_HDR_LEN))
		return oc_p_trunc(x, "truncated GENEVE header");
	(void)oc_get_u8(&x->c, off, &b0);
	if (b0 >> 6 != 0)
		return 0;	/* unknown version: leave it as UDP */
	hl = GENEVE_HDR_LEN + (b0 & 0x3fu) * 4;
	t->kind = OC_TUN_GENEVE;
	t->off = off;
	t->hdr_len = hl;
	(void)oc_get_u16(&x->c, off + 2, &t->proto);
	(void)oc_get_u24(&x->c, off + 4, &t->vni);
	if (hl > L->l4.payload_len)
		return oc_p_bad(x, "GENEVE options past end of packet");
	if (!oc_has(&x->c, off, hl))
		return oc_p_trunc(x, "truncated GENEVE options");
	return inner(x, off + hl, L->l4.payload_off + L->l4.payload_len);
}

static void gre_fields(struct oc_pctx *x, uint32_t off, struct oc_tunnel *t)
{
	uint32_t p = off + GRE_HDR_LEN;

	if (t->gre_flags & GRE_CSUM) {
		t->has_csum = 1;
		t->gre_csum_off = p;
		(void)oc_get_u16(&x->c, p, &t->gre_csum);
		p += 4;
	}
	if (t->gre_flags & GRE_KEY) {
		t->has_key = 1;
		(void)oc_get_u32(&x->c, p, &t->vni);
		p += 4;
	}
	if (t->gre_flags & GRE_SEQ) {
		t->has_seq = 1;
		(void)oc_get_u32(&x->c, p, &t->gre_seq);
	}
}

int oc_p_gre(struct oc_pctx *x, struct oc_layer *L)
{
	struct oc_l4 *l4 = &L->l4;
	struct oc_tunnel *t = &x->out->tun;
	uint32_t off = l4->off, hl = GRE_HDR_LEN;
	uint16_t flags = 0;

	if (l4->len < GRE_HDR_LEN)
		return oc_p_bad(x, "IP payload too short for GRE");
	if (!oc_get_u16(&x->c, off, &flags) || !oc_get_u16(&x->c, off + 2, &t->proto))
		return oc_p_trunc(x, "truncated GRE header");
	l4->kind = OC_L4_GRE;
	if (flags & (GRE_VERSION | GRE_ROUTING)) {	/* PPTP or RFC 1701 routing */
		x->out->flags |= OC_PARSE_UNKNOWN;
		return 1;
	}
	hl += (flags & GRE_CSUM ? 4u : 0) + (flags & GRE_KEY ? 4u : 0) + (flags & GRE_SEQ ? 4u : 0);
	if (hl > l4->len)
		return oc_p_bad(x, "GRE header past end of packet");
	if (!oc_has(&x->c, off, hl))
		return oc_p_trunc(x, "truncated GRE header");
	l4->hdr_len = hl;
	l4->payload_off = off + hl;
	l4->payload_len = l4->len - hl;
	oc_p_captured(x, l4);
	t->kind = OC_TUN_GRE;
	t->off = off;
	t->hdr_len = hl;
	t->gre_flags = flags;
	gre_fields(x, off, t);
	return inner(x, off + hl, L->ip.off + L->ip.len);
}

int oc_p_ipip(struct oc_pctx *x, struct oc_layer *L)
{
	struct oc_l4 *l4 = &L->l4;
	struct oc_tunnel *t = &x->out->tun;

	l4->kind = OC_L4_OTHER;
	l4->payload_off = l4->off;
	l4->payload_len = l4->len;
	oc_p_captured(x, l4);
	t->kind = OC_TUN_IPIP;
	t->off = l4->off;
	t->proto = L->ip.proto == OC_IPPROTO_IPIP ? OC_ETH_IPV4 : OC_ETH_IPV6;
	return inner(x, l4->off, L->ip.off + L->ip.len);
}
