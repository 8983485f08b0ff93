/* IPv4 header, options included. */
#include "csum.h"
#include "proto.h"

#define ETH_MIN_FRAME 64u	/* 60 + FCS, or 64 + a VLAN tag some switches pad to */

/* Check ip->len against the frame [ip->off, end): end is the original frame
 * length for the outer packet, the tunnel payload's end for the inner one.
 * ip->len == 0 means a super-frame whose length the device fills in: BIG
 * TCP over 64 KiB, or below it what tcpdump calls "presumed TSO" (drivers
 * and Windows LSO captures leave tot_len 0): the frame gives the length. */
void oc_p_ip_len(struct oc_pctx *x, struct oc_ip *ip, uint32_t end, int depth)
{
	uint32_t avail = end > ip->off ? end - ip->off : 0;

	if (ip->len == 0) {
		ip->len = avail;
		ip->bigtcp = 1;
		x->out->flags |= OC_PARSE_BIGTCP;
	}
	if (ip->len > avail) {
		ip->len_mismatch = 1;
	} else if (ip->len < avail) {
		ip->trailer = avail - ip->len;
		/* Ethernet pads short frames: not a disagreement. */
		if (depth > 0 || x->len > ETH_MIN_FRAME || x->out->link.l3_off == 0)
			ip->len_mismatch = 1;
	}
	if (ip->len_mismatch)
		x->out->flags |= OC_PARSE_LEN_MISMATCH;
}

static void ipv4_fields(struct oc_pctx *x, uint32_t off, struct oc_ip *ip)
{
	uint16_t frag = 0;

	(void)oc_get_u8(&x->c, off + 1, &ip->tos);
	(void)oc_get_u16(&x->c, off + 2, &ip->len_field);
	(void)oc_get_u16(&x->c, off + 4, &ip->id);
	(void)oc_get_u16(&x->c, off + 6, &frag);
	(void)oc_get_u8(&x->c, off + 8, &ip->ttl);
	(void)oc_get_u8(&x->c, off + 9, &ip->proto);
	(void)oc_get_u16(&x->c, off + 10, &ip->csum);
	(void)oc_get_bytes(&x->c, off + 12, 4, ip->src);
	(void)oc_get_bytes(&x->c, off + 16, 4, ip->dst);
	ip->df = (frag & 0x4000) != 0;
	ip->mf = (frag & 0x2000) != 0;
	ip->frag_off = (uint32_t)(frag & 0x1fff) * 8;
	ip->is_fragment = ip->mf || ip->frag_off;
}

int oc_p_ipv4(struct oc_pctx *x, uint32_t off, uint32_t end, struct oc_layer *L, int depth)
{
	struct oc_ip *ip = &L->ip;
	uint8_t vihl;
	uint32_t ihl;

	ip->version = 4;
	ip->off = off;
	if (!oc_get_u8(&x->c, off, &vihl))
		return oc_p_trunc(x, "truncated IPv4 header");
	if (vihl >> 4 != 4)
		return oc_p_bad(x, "IPv4 header with version != 4");
	ihl = (vihl & 0x0fu) * 4;
	if (ihl < 20)
		return oc_p_bad(x, "IPv4 IHL < 5");
	if (!oc_has(&x->c, off, 20))
		return oc_p_trunc(x, "truncated IPv4 header");
	ipv4_fields(x, off, ip);
	ip->hdr_len = ihl;
	if (!oc_has(&x->c, off, ihl))
		return oc_p_trunc(x, "truncated IPv4 options");
	ip->csum_ok = oc_ip4_csum_ok(oc_span(&x->c, off, ihl), ihl);

	ip->len = ip->len_field;
	if (ip->len_field < ihl && ip->len_field != 0)
		return oc_p_bad(x, "IPv4 tot_len < IHL");
	oc_p_ip_len(x, ip, end, depth);

	if (ip->is_fragment)
		x->out->flags |= OC_PARSE_FRAGMENT;
	return oc_p_l4(x, L, depth);
}
