/* ICMP and ICMPv6, with the quoted packet of error messages (best effort:
 * whatever of it was captured). */
#include "proto.h"

#define ICMP_HDR_LEN 8u

/* Ports (and TCP seq) of the quoted L4 header at off in q. */
static void quote_ports(const struct oc_cur *q, uint32_t off, struct oc_icmp *ic)
{
	if (ic->q_proto != OC_IPPROTO_TCP && ic->q_proto != OC_IPPROTO_UDP)
		return;
	if (oc_get_u16(q, off, &ic->q_sport) && oc_get_u16(q, off + 2, &ic->q_dport))
		ic->has_ports = 1;
	if (ic->q_proto == OC_IPPROTO_TCP && oc_get_u32(q, off + 4, &ic->q_seq))
		ic->has_seq = 1;
}

static void quote_v4(const struct oc_cur *q, struct oc_icmp *ic)
{
	uint8_t vihl = 0;
	uint16_t frag = 0;

	if (!oc_get_u8(q, 0, &vihl) || vihl >> 4 != 4 || (vihl & 0xf) < 5 ||
	    !oc_get_u16(q, 6, &frag) || !oc_get_u8(q, 9, &ic->q_proto) ||
	    !oc_get_bytes(q, 12, 4, ic->q_src) || !oc_get_bytes(q, 16, 4, ic->q_dst))
		return;
	ic->q_version = 4;
	ic->has_quote = 1;
	if ((frag & 0x1fff) == 0)
		quote_ports(q, (vihl & 0xfu) * 4, ic);
}

static void quote_v6(const struct oc_cur *q, struct oc_icmp *ic)
{
	uint8_t b0 = 0, nh = 0;
	uint32_t off = 40;
	int n;

	if (!oc_get_u8(q, 0, &b0) || b0 >> 4 != 6 || !oc_get_u8(q, 6, &nh) ||
	    !oc_get_bytes(q, 8, 16, ic->q_src) || !oc_get_bytes(q, 24, 16, ic->q_dst))
		return;
	ic->q_version = 6;
	ic->has_quote = 1;
	for (n = 0; n < 8; n++) {
		uint8_t next, hl;

		if (nh != OC_IPPROTO_HOPOPTS && nh != OC_IPPROTO_ROUTING &&
		    nh != OC_IPPROTO_DSTOPTS && nh != OC_IPPROTO_FRAGMENT)
			break;
		if (!oc_get_u8(q, off, &next) || !oc_get_u8(q, off + 1, &hl))
			return;
		off += nh == OC_IPPROTO_FRAGMENT ? 8u : (hl + 1u) * 8;
		nh = next;
	}
	ic->q_proto = nh;
	quote_ports(q, off, ic);
}

static bool is_error(uint8_t version, uint8_t type)
{
	if (version == 6)
		return type >= 1 && type <= 4;
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

int oc_p_icmp(struct oc_pctx *x, struct oc_layer *L)
{
	struct oc_l4 *l4 = &L->l4;
	struct oc_icmp *ic = &l4->icmp;
	uint8_t v = L->ip.version;
	struct oc_cur q;

	if (l4->len < ICMP_HDR_LEN)
		return oc_p_bad(x, "IP payload too short for ICMP");
	if (!oc_has(&x->c, l4->off, ICMP_HDR_LEN))
		return oc_p_trunc(x, "truncated ICMP header");
	(void)oc_get_u8(&x->c, l4->off, &ic->type);
	(void)oc_get_u8(&x->c, l4->off + 1, &ic->code);
	(void)oc_get_u16(&x->c, l4->off + 2, &ic->csum);
	l4->kind = v == 6 ? OC_L4_ICMPV6 : OC_L4_ICMP;
	l4->hdr_len = ICMP_HDR_LEN;
	l4->payload_off = l4->off + ICMP_HDR_LEN;
	l4->payload_len = l4->len - ICMP_HDR_LEN;
	oc_p_captured(x, l4);

	if (v == 4 && ic->type == 3 && ic->code == 4) {
		uint16_t mtu = 0;

		(void)oc_get_u16(&x->c, l4->off + 6, &mtu);
		ic->mtu = mtu;
		ic->has_mtu = 1;
	} else if (v == 6 && ic->type == 2) {
		(void)oc_get_u32(&x->c, l4->off + 4, &ic->mtu);
		ic->has_mtu = 1;
	}
	if (is_error(v, ic->type) && oc_sub(&x->c, l4->payload_off, l4->payload_captured, &q)) {
		if (v == 4)
			quote_v4(&q, ic);
		else
			quote_v6(&q, ic);
	}
	return 0;
}
