/* Link layers: Ethernet with 802.1Q/802.1ad tags, Linux cooked (SLL, SLL2)
 * and raw IP; then the dispatch on EtherType. */
#include "proto.h"

#define SLL_HDR_LEN 16
#define SLL2_HDR_LEN 20
#define ETH_HDR_LEN 14
#define MAX_TAGS 8	/* tags walked; only the first two are recorded */

static bool is_tag(uint16_t type)
{
	return type == OC_ETH_VLAN || type == OC_ETH_QINQ || type == OC_ETH_QINQ_OLD;
}

/* VLAN tags after a link header: TPID at off - 2 is l->ethertype. */
static int vlan_tags(struct oc_pctx *x, uint32_t off, struct oc_link *l)
{
	int n = 0;

	while (is_tag(l->ethertype)) {
		uint16_t tci, next;

		if (n == MAX_TAGS)
			return oc_p_bad(x, "too many VLAN tags");
		if (!oc_get_u16(&x->c, off, &tci) || !oc_get_u16(&x->c, off + 2, &next))
			return oc_p_trunc(x, "truncated VLAN tag");
		if (n < 2) {
			if (n == 0)
				l->vlan_off = off - 2;
			l->vlan[n].tpid = l->ethertype;
			l->vlan[n].tci = tci;
			l->n_vlan = (uint8_t)(n + 1);
		}
		l->ethertype = next;
		off += 4;
		n++;
	}
	l->l3_off = off;
	return 0;
}

uint32_t oc_link_l3(const uint8_t *d, uint32_t caplen, uint16_t linktype, uint16_t *ethertype)
{
	uint32_t off, at;

	*ethertype = 0;
	switch (linktype) {
	case OC_LINKTYPE_ETHERNET: off = ETH_HDR_LEN, at = 12; break;
	case OC_LINKTYPE_LINUX_SLL: off = SLL_HDR_LEN, at = 14; break;
	case OC_LINKTYPE_LINUX_SLL2: off = SLL2_HDR_LEN, at = 0; break;
	default:
		if (oc_linktype_is_raw_ip(linktype))
			*ethertype = caplen && d[0] >> 4 == 6 ? OC_ETH_IPV6 : OC_ETH_IPV4;
		return 0;
	}
	if (caplen < off)
		return off;
	*ethertype = (uint16_t)(d[at] << 8 | d[at + 1]);
	for (unsigned n = 0; is_tag(*ethertype) && n < MAX_TAGS && off + 4 <= caplen; n++, off += 4)
		*ethertype = (uint16_t)(d[off + 2] << 8 | d[off + 3]);
	return off;
}

int oc_p_ether(struct oc_pctx *x, uint32_t off, struct oc_link *l)
{
	l->linktype = OC_LINKTYPE_ETHERNET;
	l->off = off;
	if (!oc_has(&x->c, off, ETH_HDR_LEN) || !oc_get_bytes(&x->c, off, 6, l->dst) ||
	    !oc_get_bytes(&x->c, off + 6, 6, l->src) || !oc_get_u16(&x->c, off + 12, &l->ethertype))
		return oc_p_trunc(x, "truncated Ethernet header");
	l->has_mac = 1;
	l->l3_off = off + ETH_HDR_LEN;
	if (l->ethertype < 0x0600) {	/* 802.3 length: LLC follows */
		x->out->flags |= OC_PARSE_UNKNOWN;
		return 1;
	}
	return vlan_tags(x, off + ETH_HDR_LEN, l);
}

static int sll(struct oc_pctx *x, struct oc_link *l)
{
	if (!oc_has(&x->c, 0, SLL_HDR_LEN) || !oc_get_u16(&x->c, 0, &l->sll_pkttype) ||
	    !oc_get_u16(&x->c, 2, &l->sll_hatype) || !oc_get_u16(&x->c, 14, &l->ethertype))
		return oc_p_trunc(x, "truncated SLL header");
	return vlan_tags(x, SLL_HDR_LEN, l);
}

static int sll2(struct oc_pctx *x, struct oc_link *l)
{
	uint8_t pkttype;

	if (!oc_has(&x->c, 0, SLL2_HDR_LEN) || !oc_get_u16(&x->c, 0, &l->ethertype) ||
	    !oc_get_u32(&x->c, 4, &l->sll_ifindex) || !oc_get_u16(&x->c, 8, &l->sll_hatype) ||
	    !oc_get_u8(&x->c, 10, &pkttype))
		return oc_p_trunc(x, "truncated SLL2 header");
	l->sll_pkttype = pkttype;
	return vlan_tags(x, SLL2_HDR_LEN, l);
}

static int raw_ip(struct oc_pctx *x, struct oc_link *l)
{
	uint8_t v;

	l->l3_off = 0;
	if (!oc_get_u8(&x->c, 0, &v))
		return oc_p_trunc(x, "truncated IP header");
	switch (v >> 4) {
	case 4:
		l->ethertype = OC_ETH_IPV4;
		return 0;
	case 6:
		l->ethertype = OC_ETH_IPV6;
		return 0;
	default:
		return oc_p_bad(x, "raw packet of unknown IP version");
	}
}

int oc_p_link(struct oc_pctx *x, uint16_t linktype)
{
	struct oc_link *l = &x->out->link;
	int ret;

	l->linktype = linktype;
	if (x->c.len == 0)
		return oc_p_trunc(x, "empty packet");
	switch (linktype) {
	case OC_LINKTYPE_ETHERNET:
		ret = oc_p_ether(x, 0, l);
		break;
	case OC_LINKTYPE_LINUX_SLL:
		ret = sll(x, l);
		break;
	case OC_LINKTYPE_LINUX_SLL2:
		ret = sll2(x, l);
		break;
	default:
		if (oc_linktype_is_raw_ip(linktype)) {
			ret = raw_ip(x, l);
			break;
		}
		x->out->flags |= OC_PARSE_UNKNOWN;
		return 1;
	}
	if (ret)
		return ret;
	return oc_p_l3(x, l->ethertype, l->l3_off, x->len, &x->out->outer, 0);
}

int oc_p_l3(struct oc_pctx *x, uint16_t ethertype, uint32_t off, uint32_t end,
	    struct oc_layer *L, int depth)
{
	switch (ethertype) {
	case OC_ETH_IPV4:
		return oc_p_ipv4(x, off, end, L, depth);
	case OC_ETH_IPV6:
		return oc_p_ipv6(x, off, end, L, depth);
	default:
		x->out->flags |= OC_PARSE_UNKNOWN;
		return 1;
	}
}
