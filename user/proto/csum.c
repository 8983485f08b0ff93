/* Internet checksum with a 64-bit accumulator, and the L4 checksum
 * classifier. */
#include <string.h>

#include "csum.h"
#include "extract.h"

static inline uint64_t add64(uint64_t a, uint64_t b)
{
	uint64_t r = a + b;

	return r + (r < b);
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Sum native-order 64-bit words; the zero-padded tail keeps byte positions,
 * so the folded result is the sum of native 16-bit words. */
static uint16_t sum_native(const uint8_t *p, size_t len)
{
	uint64_t a = 0, b = 0;
	uint8_t tail[8] = { 0 };

	while (len >= 16) {
		a = add64(a, load64(p));
		b = add64(b, load64(p + 8));
		p += 16;
		len -= 16;
	}
	if (len >= 8) {
		a = add64(a, load64(p));
		p += 8;
		len -= 8;
	}
	if (len) {
		memcpy(tail, p, len);
		b = add64(b, load64(tail));
	}
	a = add64(a, b);
	a = (a & 0xffffffffu) + (a >> 32);
	a = (a & 0xffffffffu) + (a >> 32);
	return oc_csum_fold((uint32_t)a);
}

uint32_t oc_csum_partial(const void *data, size_t len, uint32_t sum)
{
	uint16_t s;

	if (!len)
		return sum;
	s = sum_native(data, len);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	s = (uint16_t)(s << 8 | s >> 8);
#endif
	return oc_csum_add(sum, s);
}

/* Big-endian words of two addresses: at most 16 words, no carry to fold.
 * Every packet asks for a pseudo-header sum (or three): no call into the
 * general sum for eight bytes. */
static uint32_t addr_words(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < n; i += 2)
		sum += (uint32_t)(a[i] << 8 | a[i + 1]) + (uint32_t)(b[i] << 8 | b[i + 1]);
	return sum;
}

uint32_t oc_pseudo_v4(const uint8_t src[4], const uint8_t dst[4], uint8_t proto, uint32_t len)
{
	uint32_t sum = oc_csum_fold(addr_words(src, dst, 4));

	sum = oc_csum_add(sum, proto);
	return oc_csum_add(sum, len);
}

uint32_t oc_pseudo_v6(const uint8_t src[16], const uint8_t dst[16], uint8_t proto, uint32_t len)
{
	uint32_t sum = oc_csum_fold(addr_words(src, dst, 16));

	sum = oc_csum_add(sum, len);
	return oc_csum_add(sum, proto);
}

uint32_t oc_pseudo_ip(const struct oc_ip *ip, uint8_t proto, uint32_t len)
{
	if (ip->version == 4)
		return oc_pseudo_v4(ip->src, ip->dst, proto, len);
	return oc_pseudo_v6(ip->src, oc_ip_pseudo_dst(ip), proto, len);
}

uint16_t oc_ip4_csum(const uint8_t *hdr, uint32_t ihl)
{
	uint32_t sum;

	if (ihl < 20)
		return 0;
	sum = oc_csum_partial(hdr, 10, 0);
	sum = oc_csum_partial(hdr + 12, ihl - 12, sum);
	return oc_csum_finish(sum);
}

bool oc_ip4_csum_ok(const uint8_t *hdr, uint32_t ihl)
{
	return ihl >= 20 && oc_csum_fold(oc_csum_partial(hdr, ihl, 0)) == 0xffff;
}

/* The L4 length the pseudo-header carries: UDP's own length field when set
 * (0 only for jumbograms), else the IP payload. */
static uint32_t l4_len(const struct oc_layer *l)
{
	if (l->l4.kind == OC_L4_UDP && l->l4.udp.len)
		return l->l4.udp.len;
	return l->l4.len;
}

uint16_t oc_l4csum_pseudo(const struct oc_layer *l)
{
	return oc_csum_fold(oc_pseudo_ip(&l->ip, l->l4.proto, l4_len(l)));
}

/* Linux leaves the pseudo-header sum with the L4 length; TSO drivers that
 * program the length per segment (e1000, e1000e, ixgbe: csum_tcpudp_magic(
 * saddr, daddr, 0, proto, 0)) and other systems' stacks leave it without. */
bool oc_l4csum_is_pseudo(const struct oc_layer *l, uint16_t field)
{
	uint16_t p = oc_l4csum_pseudo(l);
	uint16_t p0 = oc_csum_fold(oc_pseudo_ip(&l->ip, l->l4.proto, 0));
	uint16_t magic = (uint16_t)~p, magic0 = (uint16_t)~p0;	/* csum_tcpudp_magic() itself */

	return field == p || field == magic || field == p0 || field == magic0;
}

enum oc_l4csum oc_l4csum_check(const uint8_t *data, uint32_t caplen, const struct oc_layer *l)
{
	struct oc_cur c = oc_cur_make(data, caplen);
	const uint8_t *seg;
	uint16_t field;
	uint32_t n, sum;

	if (l->l4.kind == OC_L4_TCP)
		field = l->l4.tcp.csum;
	else if (l->l4.kind == OC_L4_UDP)
		field = l->l4.udp.csum;
	else
		return OC_L4CSUM_UNKNOWN;
	if (l->l4.kind == OC_L4_UDP && field == 0)
		return OC_L4CSUM_NONE;
	n = l4_len(l);
	seg = oc_span(&c, l->l4.off, n);
	if (!seg || l->l4.payload_captured < l->l4.payload_len)
		return OC_L4CSUM_UNKNOWN;
	sum = oc_pseudo_ip(&l->ip, l->l4.proto, n);
	sum = oc_csum_partial(seg, n, sum);
	if (oc_csum_fold(sum) == 0xffff)
		return OC_L4CSUM_OK;
	return oc_l4csum_is_pseudo(l, field) ? OC_L4CSUM_PARTIAL : OC_L4CSUM_BAD;
}

uint16_t oc_l4csum_fill(uint8_t *l4, uint32_t l4len, uint32_t field_off, uint32_t pseudo, bool udp)
{
	uint16_t c;

	l4[field_off] = l4[field_off + 1] = 0;
	c = oc_csum_finish(oc_csum_partial(l4, l4len, pseudo));
	if (udp && !c)
		c = 0xffff;
	l4[field_off] = (uint8_t)(c >> 8);
	l4[field_off + 1] = (uint8_t)c;
	return c;
}

uint32_t oc_csum_frame_sum(struct oc_csum_frame *f, uint32_t from, uint32_t to, uint32_t sum)
{
	uint32_t h_end, r_from;

	if (to > f->len)
		to = f->len;
	if (from >= to)
		return sum;
	h_end = to < f->hdr_len ? to : f->hdr_len;
	r_from = from > f->hdr_len ? from : f->hdr_len;
	if (from < h_end)
		sum = oc_csum_partial(f->hdr + from, h_end - from, sum);
	if (to <= r_from)
		return sum;
	if (r_from != f->hdr_len)
		return oc_csum_block_add(sum, oc_csum_partial(f->rest + (r_from - f->hdr_len), to - r_from, 0),
					 r_from - from);
	if (f->rest_end != to) {
		f->rest_sum = oc_csum_partial(f->rest, to - f->hdr_len, 0);
		f->rest_end = to;
	}
	return oc_csum_block_add(sum, f->rest_sum, r_from - from);
}

uint16_t oc_csum_frame_fill(struct oc_csum_frame *f, uint32_t off, uint32_t to, uint32_t field,
			    uint32_t pseudo, bool udp)
{
	uint16_t c;

	if (field > f->hdr_len || f->hdr_len - field < 2)
		return 0;
	f->hdr[field] = f->hdr[field + 1] = 0;
	c = oc_csum_finish(oc_csum_frame_sum(f, off, to, pseudo));
	if (udp && !c)
		c = 0xffff;
	f->hdr[field] = (uint8_t)(c >> 8);
	f->hdr[field + 1] = (uint8_t)c;
	return c;
}

const char *oc_l4csum_name(enum oc_l4csum c)
{
	switch (c) {
	case OC_L4CSUM_OK:
		return "ok";
	case OC_L4CSUM_PARTIAL:
		return "partial";
	case OC_L4CSUM_BAD:
		return "bad";
	case OC_L4CSUM_NONE:
		return "none";
	case OC_L4CSUM_UNKNOWN:
	default:
		return "unknown";
	}
}
