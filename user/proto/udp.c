/* UDP header; VXLAN and GENEVE are recognised by destination port. */
#include "proto.h"

#define UDP_HDR_LEN 8u

int oc_p_udp(struct oc_pctx *x, struct oc_layer *L, int depth)
{
	struct oc_l4 *l4 = &L->l4;
	struct oc_udp *u = &l4->udp;
	uint32_t off = l4->off, ulen;

	if (l4->len < UDP_HDR_LEN)
		return oc_p_bad(x, "IP payload too short for UDP");
	if (!oc_has(&x->c, off, UDP_HDR_LEN))
		return oc_p_trunc(x, "truncated UDP header");
	(void)oc_get_u16(&x->c, off, &u->sport);
	(void)oc_get_u16(&x->c, off + 2, &u->dport);
	(void)oc_get_u16(&x->c, off + 4, &u->len);
	(void)oc_get_u16(&x->c, off + 6, &u->csum);
	l4->kind = OC_L4_UDP;
	l4->hdr_len = UDP_HDR_LEN;
	l4->payload_off = off + UDP_HDR_LEN;

	ulen = u->len;
	if (ulen == 0 && l4->len > 0xffff)	/* RFC 2675 jumbogram */
		ulen = l4->len;
	if (ulen < UDP_HDR_LEN)
		return oc_p_bad(x, "UDP length < 8");
	l4->payload_len = l4->len - UDP_HDR_LEN;
	oc_p_captured(x, l4);
	if (ulen > l4->len)
		return oc_p_bad(x, "UDP length past IP payload");
	l4->payload_len = ulen - UDP_HDR_LEN;
	oc_p_captured(x, l4);

	if (depth == 0 && u->dport == OC_PORT_VXLAN)
		return oc_p_vxlan(x, L);
	if (depth == 0 && u->dport == OC_PORT_GENEVE)
		return oc_p_geneve(x, L);
	return 0;
}
