/* IPv6 header and extension headers (hop-by-hop with the RFC 2675 jumbo
 * option, routing, fragment, destination options, AH). */
#include "proto.h"

#define IP6_HDR_LEN 40u
#define IP6_MAX_PAYLOAD 65535u
#define IP6_MAX_EXT_WALK 16
#define OPT_PAD1 0
#define OPT_JUMBO 0xc2

static bool is_ext(uint8_t nh)
{
	return nh == OC_IPPROTO_HOPOPTS || nh == OC_IPPROTO_ROUTING ||
	       nh == OC_IPPROTO_FRAGMENT || nh == OC_IPPROTO_DSTOPTS || nh == OC_IPPROTO_AH;
}

/* Hop-by-hop options: find the jumbo payload option. */
static int hbh_options(struct oc_pctx *x, uint32_t off, uint32_t len, struct oc_ip *ip)
{
	uint32_t p = off + 2, end = off + len;

	while (p < end) {
		uint8_t type = 0, olen;

		(void)oc_get_u8(&x->c, p, &type);
		if (type == OPT_PAD1) {
			p++;
			continue;
		}
		if (end - p < 2 || !oc_get_u8(&x->c, p + 1, &olen) || olen > end - p - 2)
			return oc_p_bad(x, "IPv6 option runs past header");
		if (type == OPT_JUMBO) {
			if (olen != 4)
				return oc_p_bad(x, "jumbo option of wrong length");
			(void)oc_get_u32(&x->c, p + 2, &ip->jumbo);
			ip->jumbo_off = p;
		}
		p += 2u + olen;
	}
	return 0;
}

/* Routing header: the last hop is the pseudo-header destination (RFC 8200
 * 8.1).  Type 0/2 list it last, SRH (type 4) lists it first. */
static void routing(struct oc_pctx *x, uint32_t off, uint32_t len, struct oc_ip *ip)
{
	uint8_t type = 0, left = 0;
	uint32_t addr;

	(void)oc_get_u8(&x->c, off + 2, &type);
	(void)oc_get_u8(&x->c, off + 3, &left);
	if (!left || len < 24)
		return;
	if (type == 0 || type == 2)
		addr = off + len - 16;
	else if (type == 4)
		addr = off + 8;
	else
		return;
	if (oc_get_bytes(&x->c, addr, 16, ip->final_dst))
		ip->has_final_dst = 1;
}

static void fragment(struct oc_pctx *x, uint32_t off, struct oc_ip *ip)
{
	uint16_t fo = 0;

	(void)oc_get_u16(&x->c, off + 2, &fo);
	(void)oc_get_u32(&x->c, off + 4, &ip->frag_id);
	ip->frag_off = fo & 0xfff8u;
	ip->mf = fo & 1;
	ip->is_fragment = ip->mf || ip->frag_off;
	if (ip->is_fragment)
		x->out->flags |= OC_PARSE_FRAGMENT;
}

/* Walk the extension headers in [off + 40, limit); sets proto/ext_len. */
static int ext_headers(struct oc_pctx *x, uint8_t nh, uint32_t limit, struct oc_ip *ip)
{
	uint32_t p = ip->off + IP6_HDR_LEN;
	int n = 0;

	while (is_ext(nh)) {
		uint8_t next, hl;
		uint32_t len;
		int ret = 0;

		if (n == IP6_MAX_EXT_WALK)
			return oc_p_bad(x, "too many IPv6 extension headers");
		if (nh == OC_IPPROTO_HOPOPTS && n != 0)
			return oc_p_bad(x, "IPv6 hop-by-hop header not first");
		if (limit < p || limit - p < 8)
			return oc_p_bad(x, "IPv6 extension header past payload length");
		if (!oc_get_u8(&x->c, p, &next) || !oc_get_u8(&x->c, p + 1, &hl))
			return oc_p_trunc(x, "truncated IPv6 extension header");
		if (nh == OC_IPPROTO_FRAGMENT)
			len = 8;
		else if (nh == OC_IPPROTO_AH)
			len = (hl + 2u) * 4;
		else
			len = (hl + 1u) * 8;
		if (limit - p < len)
			return oc_p_bad(x, "IPv6 extension header past payload length");
		if (!oc_has(&x->c, p, len))
			return oc_p_trunc(x, "truncated IPv6 extension header");
		if (nh == OC_IPPROTO_HOPOPTS) {
			ip->hbh_off = p;
			ip->hbh_len = len;
			ret = hbh_options(x, p, len, ip);
		} else if (nh == OC_IPPROTO_ROUTING) {
			routing(x, p, len, ip);
		} else if (nh == OC_IPPROTO_FRAGMENT) {
			fragment(x, p, ip);
		}
		if (ret)
			return ret;
		if (n < OC_IP6_MAX_EXT)
			ip->ext[n] = nh;
		n++;
		ip->n_ext = (uint8_t)(n < 255 ? n : 255);
		ip->ext_len = (uint16_t)(ip->ext_len + len);
		p += len;
		nh = next;
		if (ip->frag_off)	/* later headers are not in this fragment */
			break;
	}
	ip->proto = nh;
	ip->hdr_len = IP6_HDR_LEN + ip->ext_len;
	return 0;
}

int oc_p_ipv6(struct oc_pctx *x, uint32_t off, uint32_t end, struct oc_layer *L, int depth)
{
	struct oc_ip *ip = &L->ip;
	uint32_t vtf = 0, avail, limit;
	uint8_t nh = 0;
	int ret;

	ip->version = 6;
	ip->off = off;
	ip->hdr_len = IP6_HDR_LEN;
	if (!oc_has(&x->c, off, IP6_HDR_LEN))
		return oc_p_trunc(x, "truncated IPv6 header");
	(void)oc_get_u32(&x->c, off, &vtf);
	if (vtf >> 28 != 6)
		return oc_p_bad(x, "IPv6 header with version != 6");
	ip->tos = (uint8_t)(vtf >> 20);
	ip->flow_label = vtf & 0xfffff;
	(void)oc_get_u16(&x->c, off + 4, &ip->len_field);
	(void)oc_get_u8(&x->c, off + 6, &nh);
	(void)oc_get_u8(&x->c, off + 7, &ip->ttl);
	(void)oc_get_bytes(&x->c, off + 8, 16, ip->src);
	(void)oc_get_bytes(&x->c, off + 24, 16, ip->dst);

	avail = end > off ? end - off : 0;
	limit = ip->len_field ? off + IP6_HDR_LEN + ip->len_field : (end > off ? end : off);
	ret = ext_headers(x, nh, limit, ip);
	if (ret)
		return ret;

	if (ip->jumbo_off) {
		if (ip->len_field)
			return oc_p_bad(x, "jumbo option with payload length != 0");
		if (ip->jumbo <= IP6_MAX_PAYLOAD)
			return oc_p_bad(x, "jumbo payload length <= 65535");
		ip->len = IP6_HDR_LEN + ip->jumbo;
		ip->bigtcp = 1;
		x->out->flags |= OC_PARSE_BIGTCP;
	} else if (ip->len_field == 0 && avail > IP6_HDR_LEN + IP6_MAX_PAYLOAD) {
		ip->len = 0;	/* BIG TCP without the HBH header */
	} else {
		ip->len = IP6_HDR_LEN + ip->len_field;
	}
	if (ip->len && ip->hdr_len > ip->len)
		return oc_p_bad(x, "IPv6 extension headers past payload length");
	oc_p_ip_len(x, ip, end, depth);
	return oc_p_l4(x, L, depth);
}
