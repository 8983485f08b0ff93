/* Internet checksum (RFC 1071) and the forms Linux leaves in L4 checksum
 * fields.
 *
 * A "sum" (uint32_t) is an unfolded ones' complement sum of big-endian
 * 16-bit words, like the kernel's __wsum but as a number: pass it along,
 * fold at the end.  Blocks chained with oc_csum_partial must each start at
 * an even offset of the checksummed data (all header boundaries are even);
 * oc_csum_block_add takes a block at any offset.
 *
 * Zero has two ones' complement forms; these helpers keep the kernel's
 * choice exactly: a fold of a non-zero sum is never 0x0000 (it is 0xffff),
 * so a stored checksum (~fold) is never 0xffff unless CSUM_MANGLED_0 is
 * applied (UDP). */
#ifndef OFFCAP_CSUM_H
#define OFFCAP_CSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "parse.h"

/* Sum of len bytes added to sum.  An odd last byte is the high half of a
 * word padded with zero. */
uint32_t oc_csum_partial(const void *data, size_t len, uint32_t sum);

/* csum_add()/csum_sub(): 32-bit ones' complement add with end-around carry. */
static inline uint32_t oc_csum_add(uint32_t a, uint32_t b)
{
	uint32_t r = a + b;

	return r + (r < b);
}

static inline uint32_t oc_csum_sub(uint32_t a, uint32_t b)
{
	return oc_csum_add(a, ~b);
}

/* csum16_add()/csum16_sub() on 16-bit values. */
static inline uint16_t oc_csum16_add(uint16_t a, uint16_t b)
{
	uint16_t r = (uint16_t)(a + b);

	return (uint16_t)(r + (r < b));
}

static inline uint16_t oc_csum16_sub(uint16_t a, uint16_t b)
{
	return oc_csum16_add(a, (uint16_t)~b);
}

/* Fold to 16 bits, not complemented (the kernel's ~csum_fold()).  0 only
 * for a zero sum. */
static inline uint16_t oc_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The value a checksum field gets: csum_fold(), ~fold. */
static inline uint16_t oc_csum_finish(uint32_t sum)
{
	return (uint16_t)~oc_csum_fold(sum);
}

/* RFC 1071 checksum of a buffer: what goes into a field that was zero. */
static inline uint16_t oc_csum(const void *data, size_t len)
{
	return oc_csum_finish(oc_csum_partial(data, len, 0));
}

/* csum_block_add(): sum2 of a block that starts off bytes into the data
 * sum covers; an odd offset swaps its bytes. */
static inline uint32_t oc_csum_block_add(uint32_t sum, uint32_t sum2, uint32_t off)
{
	uint16_t s = oc_csum_fold(sum2);

	if (off & 1)
		s = (uint16_t)(s << 8 | s >> 8);
	return oc_csum_add(sum, s);
}

/* A frame held in two pieces: bytes [0, hdr_len) at hdr (a copy the caller
 * edits), [hdr_len, len) at rest (read in place, another buffer).  The sum
 * of the rest is kept for the next region that ends where it did: the
 * payload is read once however many checksums cover it. */
struct oc_csum_frame {
	uint8_t *hdr;
	const uint8_t *rest;
	uint32_t hdr_len, len;
	uint32_t rest_end, rest_sum;	/* rest_end 0: nothing kept */
};

/* Sum of the frame's bytes [from, to) added to sum (to past len: to len). */
uint32_t oc_csum_frame_sum(struct oc_csum_frame *f, uint32_t from, uint32_t to, uint32_t sum);

/* oc_l4csum_fill() on the frame: the L4 region [off, to), its checksum field
 * at field (an offset of the frame; nothing is written, 0 returned, unless
 * both bytes are in hdr). */
uint16_t oc_csum_frame_fill(struct oc_csum_frame *f, uint32_t off, uint32_t to, uint32_t field,
			    uint32_t pseudo, bool udp);

/* Pseudo-header sums.  len is the L4 length; 32 bits so BIG TCP lengths
 * fold in as the kernel's csum_tcpudp_nofold()/csum_ipv6_magic() do. */
uint32_t oc_pseudo_v4(const uint8_t src[4], const uint8_t dst[4], uint8_t proto, uint32_t len);
uint32_t oc_pseudo_v6(const uint8_t src[16], const uint8_t dst[16], uint8_t proto, uint32_t len);
/* For a parsed IP layer (IPv6 uses the routing header's final destination). */
uint32_t oc_pseudo_ip(const struct oc_ip *ip, uint8_t proto, uint32_t len);

/* IPv4 header checksum over ihl bytes, with the checksum field taken as 0:
 * the value ip_send_check() stores. */
uint16_t oc_ip4_csum(const uint8_t *hdr, uint32_t ihl);
bool oc_ip4_csum_ok(const uint8_t *hdr, uint32_t ihl);

enum oc_l4csum {
	OC_L4CSUM_OK = 0,	/* the field is the correct checksum */
	OC_L4CSUM_PARTIAL,	/* the field holds the pseudo-header sum: CHECKSUM_PARTIAL,
				 * left for the device (tcpdump says "incorrect") */
	OC_L4CSUM_BAD,		/* neither */
	OC_L4CSUM_UNKNOWN,	/* payload not fully captured, or not TCP/UDP */
	OC_L4CSUM_NONE,		/* UDP checksum 0: not computed by the sender */
};

/* The value CHECKSUM_PARTIAL leaves in a TCP/UDP field for this layer:
 * ~csum_tcpudp_magic(saddr, daddr, len, proto, 0), i.e. the folded,
 * uncomplemented pseudo-header sum (__tcp_v4_send_check, udp4_hwcsum,
 * tcp4_gro_complete, tcp_gso_segment all leave this form). */
uint16_t oc_l4csum_pseudo(const struct oc_layer *l);

/* Does field hold the pseudo-header sum, in the kernel's uncomplemented form
 * or complemented (csum_tcpudp_magic() stored as is)?  Needs no payload. */
bool oc_l4csum_is_pseudo(const struct oc_layer *l, uint16_t field);

/* Classify the TCP/UDP checksum of layer l (oc_flow(p), &p->outer, ...) of
 * the frame data[0, caplen) that oc_parse() described. */
enum oc_l4csum oc_l4csum_check(const uint8_t *data, uint32_t caplen, const struct oc_layer *l);

/* The one L4 checksum fill: writes the full TCP/UDP checksum of the l4len
 * bytes at l4 (header and payload, all present) into the field at field_off
 * (TCP 16, UDP 6), pseudo being the pseudo-header sum for l4len.  UDP never
 * gets 0: a computed 0 is sent as 0xffff (CSUM_MANGLED_0).  Returns it. */
uint16_t oc_l4csum_fill(uint8_t *l4, uint32_t l4len, uint32_t field_off, uint32_t pseudo, bool udp);

const char *oc_l4csum_name(enum oc_l4csum c);	/* "ok", "partial", ... */

#endif
