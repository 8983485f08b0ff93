/* TCP header and options. */
#include "proto.h"

#define TCP_HDR_LEN 20u

enum { OPT_EOL = 0, OPT_NOP = 1, OPT_MSS = 2, OPT_WSCALE = 3, OPT_SACKOK = 4,
       OPT_SACK = 5, OPT_TS = 8 };

static int sack(struct oc_pctx *x, uint32_t p, uint8_t olen, struct oc_tcp_opts *o)
{
	uint8_t i, n;

	if (olen < 10 || (olen - 2) % 8)
		return oc_p_bad(x, "SACK option of wrong length");
	n = (uint8_t)((olen - 2) / 8);
	for (i = 0; i < n && i < 4; i++) {
		(void)oc_get_u32(&x->c, p + 2 + 8u * i, &o->sack[i][0]);
		(void)oc_get_u32(&x->c, p + 6 + 8u * i, &o->sack[i][1]);
	}
	o->sack_blocks = i;
	o->present |= OC_TCPOPT_SACK;
	return 0;
}

/* One option of olen bytes at p (kind and length already read). */
static int option(struct oc_pctx *x, uint32_t p, uint8_t kind, uint8_t olen,
		  struct oc_tcp_opts *o)
{
	switch (kind) {
	case OPT_MSS:
		if (olen != 4)
			return oc_p_bad(x, "MSS option of wrong length");
		(void)oc_get_u16(&x->c, p + 2, &o->mss);
		o->present |= OC_TCPOPT_MSS;
		return 0;
	case OPT_WSCALE:
		if (olen != 3)
			return oc_p_bad(x, "window scale option of wrong length");
		(void)oc_get_u8(&x->c, p + 2, &o->wscale);
		o->present |= OC_TCPOPT_WSCALE;
		return 0;
	case OPT_SACKOK:
		if (olen != 2)
			return oc_p_bad(x, "SACK-permitted option of wrong length");
		o->present |= OC_TCPOPT_SACKOK;
		return 0;
	case OPT_SACK:
		return sack(x, p, olen, o);
	case OPT_TS:
		if (olen != 10)
			return oc_p_bad(x, "timestamp option of wrong length");
		(void)oc_get_u32(&x->c, p + 2, &o->tsval);
		(void)oc_get_u32(&x->c, p + 6, &o->tsecr);
		o->ts_off = p;
		o->present |= OC_TCPOPT_TS;
		return 0;
	default:
		if (o->unknown < 4)
			o->unknown_kind[o->unknown] = kind;
		if (o->unknown < 255)
			o->unknown++;
		return 0;
	}
}

/* Options in [p, end); the caller checked they are captured. */
static int options(struct oc_pctx *x, uint32_t p, uint32_t end, struct oc_tcp_opts *o)
{
	while (p < end) {
		uint8_t kind = 0, olen = 0;
		int ret;

		(void)oc_get_u8(&x->c, p, &kind);
		if (kind == OPT_EOL) {
			o->present |= OC_TCPOPT_EOL;
			return 0;
		}
		if (kind == OPT_NOP) {
			o->nop++;
			p++;
			continue;
		}
		if (end - p < 2)
			return oc_p_bad(x, "TCP option runs past header");
		(void)oc_get_u8(&x->c, p + 1, &olen);
		if (olen == 0)
			return oc_p_bad(x, "TCP option length 0");
		if (olen == 1)
			return oc_p_bad(x, "TCP option length 1");
		if (olen > end - p)
			return oc_p_bad(x, "TCP option runs past header");
		ret = option(x, p, kind, olen, o);
		if (ret)
			return ret;
		p += olen;
	}
	return 0;
}

int oc_p_tcp(struct oc_pctx *x, struct oc_layer *L)
{
	struct oc_l4 *l4 = &L->l4;
	struct oc_tcp *t = &l4->tcp;
	uint32_t off = l4->off, hl;
	uint8_t b12 = 0, b13 = 0;

	if (l4->len < TCP_HDR_LEN)
		return oc_p_bad(x, "IP payload too short for TCP");
	if (!oc_has(&x->c, off, TCP_HDR_LEN))
		return oc_p_trunc(x, "truncated TCP header");
	(void)oc_get_u16(&x->c, off, &t->sport);
	(void)oc_get_u16(&x->c, off + 2, &t->dport);
	(void)oc_get_u32(&x->c, off + 4, &t->seq);
	(void)oc_get_u32(&x->c, off + 8, &t->ack);
	(void)oc_get_u8(&x->c, off + 12, &b12);
	(void)oc_get_u8(&x->c, off + 13, &b13);
	(void)oc_get_u16(&x->c, off + 14, &t->window);
	(void)oc_get_u16(&x->c, off + 16, &t->csum);
	(void)oc_get_u16(&x->c, off + 18, &t->urg);
	t->doff = b12 >> 4;
	t->flags = (uint16_t)((b12 & 1u) << 8 | b13);
	l4->kind = OC_L4_TCP;

	hl = t->doff * 4u;
	if (hl < TCP_HDR_LEN)
		return oc_p_bad(x, "TCP data offset < 5");
	if (hl > l4->len)
		return oc_p_bad(x, "TCP data offset past end of packet");
	l4->hdr_len = hl;
	l4->payload_off = off + hl;
	l4->payload_len = l4->len - hl;
	oc_p_captured(x, l4);
	t->opt.len = (uint16_t)(hl - TCP_HDR_LEN);
	if (!oc_has(&x->c, off, hl))
		return oc_p_trunc(x, "truncated TCP options");
	return options(x, off + TCP_HDR_LEN, off + hl, &t->opt);
}
