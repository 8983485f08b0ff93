/* oc_parse(): the entry point; the protocols are in proto/. */
#include <string.h>

#include "parse.h"
#include "proto.h"

int oc_p_l4(struct oc_pctx *x, struct oc_layer *L, int depth)
{
	struct oc_ip *ip = &L->ip;
	struct oc_l4 *l4 = &L->l4;

	l4->proto = ip->proto;
	l4->off = ip->off + ip->hdr_len;
	l4->len = ip->len - ip->hdr_len;
	if (ip->is_fragment && ip->frag_off)
		return 1;	/* no L4 header in a later fragment */

	switch (ip->proto) {
	case OC_IPPROTO_TCP:
		return oc_p_tcp(x, L);
	case OC_IPPROTO_UDP:
		return oc_p_udp(x, L, depth);
	case OC_IPPROTO_ICMP:
		if (ip->version == 4)
			return oc_p_icmp(x, L);
		break;
	case OC_IPPROTO_ICMPV6:
		if (ip->version == 6)
			return oc_p_icmp(x, L);
		break;
	case OC_IPPROTO_GRE:
		if (depth == 0)
			return oc_p_gre(x, L);
		break;
	case OC_IPPROTO_IPIP:
	case OC_IPPROTO_IPV6:
		if (depth == 0)
			return oc_p_ipip(x, L);
		break;
	case OC_IPPROTO_NONE:
		return 1;
	default:
		break;
	}
	l4->kind = OC_L4_OTHER;
	l4->payload_off = l4->off;
	l4->payload_len = l4->len;
	oc_p_captured(x, l4);
	x->out->flags |= OC_PARSE_UNKNOWN;
	return 1;
}

int oc_parse(const uint8_t *data, uint32_t caplen, uint32_t len, uint16_t linktype,
	     struct oc_parsed *out)
{
	struct oc_pctx x;

	memset(out, 0, sizeof(*out));
	if (!data)
		caplen = 0;
	if (len < caplen)
		len = caplen;
	out->caplen = caplen;
	out->len = len;
	x.c = oc_cur_make(data, caplen);
	x.len = len;
	x.out = out;
	(void)oc_p_link(&x, linktype);
	return out->flags & (OC_PARSE_TRUNCATED | OC_PARSE_MALFORMED) ? -1 : 0;
}

const char *oc_tunnel_name(unsigned kind)
{
	switch (kind) {
	case OC_TUN_VXLAN:
		return "vxlan";
	case OC_TUN_GENEVE:
		return "geneve";
	case OC_TUN_GRE:
		return "gre";
	case OC_TUN_IPIP:
		return "ipip";
	default:
		return "none";
	}
}
