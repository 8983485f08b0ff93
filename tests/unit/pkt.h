/* Packet builder for the unit tests.  Fields are appended in network byte
 * order; the *_done() helpers fill in lengths and checksums once everything
 * after the header is in place:
 *
 *	struct pkt p = { buf, 0 };
 *	uint32_t ip;
 *
 *	eth(&p, 0x0800);
 *	ip = ipv4(&p, 6, 1, HOST4_A, HOST4_B);
 *	tcp(&p, 40000, 80, 1, 0x010, NULL, 0);
 *	ipv4_done(&p, ip);
 */
#ifndef OFFCAP_TEST_PKT_H
#define OFFCAP_TEST_PKT_H

#include <stdint.h>
#include <string.h>

#include "csum.h"

/* The frame so far: n bytes at b.  The caller owns b and makes it big enough. */
struct pkt {
	uint8_t *b;
	uint32_t n;
};

static inline void u8(struct pkt *p, unsigned v)
{
	p->b[p->n++] = (uint8_t)v;
}

static inline void u16(struct pkt *p, unsigned v)
{
	u8(p, v >> 8);
	u8(p, v);
}

static inline void u32(struct pkt *p, uint32_t v)
{
	u16(p, v >> 16);
	u16(p, v & 0xffff);
}

static inline void bytes(struct pkt *p, const void *d, uint32_t n)
{
	if (n)
		memcpy(p->b + p->n, d, n);
	p->n += n;
}

static inline void zeros(struct pkt *p, uint32_t n)
{
	memset(p->b + p->n, 0, n);
	p->n += n;
}

/* Overwrite the 16-bit field at b + off. */
static inline void set16(uint8_t *b, uint32_t off, unsigned v)
{
	b[off] = (uint8_t)(v >> 8);
	b[off + 1] = (uint8_t)v;
}

/* Two end hosts, and two edge routers (tunnel endpoints, ICMP senders). */
static const uint8_t MAC_DST[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t MAC_SRC[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t HOST4_A[4] = { 10, 0, 0, 1 }, HOST4_B[4] = { 10, 0, 0, 2 };
static const uint8_t EDGE4_A[4] = { 192, 0, 2, 1 }, EDGE4_B[4] = { 192, 0, 2, 2 };
static const uint8_t HOST6_A[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t HOST6_B[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

static inline void eth_macs(struct pkt *p)
{
	bytes(p, MAC_DST, 6);
	bytes(p, MAC_SRC, 6);
}

static inline void eth(struct pkt *p, unsigned ethertype)
{
	eth_macs(p);
	u16(p, ethertype);
}

/* IPv4 header without options, DF, TTL 64.  Returns its offset for ipv4_done(). */
static inline uint32_t ipv4(struct pkt *p, unsigned proto, unsigned id, const uint8_t *src,
			    const uint8_t *dst)
{
	uint32_t off = p->n;

	u8(p, 0x45);
	u8(p, 0);
	u16(p, 0);	/* tot_len */
	u16(p, id);
	u16(p, 0x4000);	/* DF */
	u8(p, 64);
	u8(p, proto);
	u16(p, 0);	/* header checksum */
	bytes(p, src, 4);
	bytes(p, dst, 4);
	return off;
}

/* tot_len and header checksum for the packet up to the end of the frame.
 * Over 64 KiB tot_len is 0, as in a BIG TCP super-frame. */
static inline void ipv4_done(struct pkt *p, uint32_t off)
{
	uint32_t tot = p->n - off;

	set16(p->b, off + 2, tot > 0xffff ? 0 : tot);
	set16(p->b, off + 10, oc_ip4_csum(p->b + off, (p->b[off] & 0xfu) * 4));
}

/* IPv6 header, flow label 0x12345.  Returns its offset for ipv6_done(). */
static inline uint32_t ipv6(struct pkt *p, unsigned next_hdr, const uint8_t *src,
			    const uint8_t *dst)
{
	uint32_t off = p->n;

	u32(p, 0x60012345);
	u16(p, 0);	/* payload_len */
	u8(p, next_hdr);
	u8(p, 64);
	bytes(p, src, 16);
	bytes(p, dst, 16);
	return off;
}

static inline void ipv6_done(struct pkt *p, uint32_t off)
{
	set16(p->b, off + 4, p->n - off - 40);
}

/* Hop-by-hop header holding only the jumbo payload option (RFC 2675). */
static inline void hbh_jumbo(struct pkt *p, unsigned next_hdr, uint32_t jumbo_len)
{
	u8(p, next_hdr);
	u8(p, 0);
	u8(p, 0xc2);
	u8(p, 4);
	u32(p, jumbo_len);
}

/* TCP header with options opt; flags may include the 9th bit (AE/NS).
 * ack, window, checksum and urgent pointer are fixed, distinct values
 * (0x01020304, 502, 0xbeef, 7) so a misread field shows. */
static inline uint32_t tcp(struct pkt *p, unsigned sport, unsigned dport, uint32_t seq,
			   unsigned flags, const uint8_t *opt, uint32_t optlen)
{
	uint32_t off = p->n;

	u16(p, sport);
	u16(p, dport);
	u32(p, seq);
	u32(p, 0x01020304);
	u8(p, ((20 + optlen) / 4) << 4 | (flags >> 8));
	u8(p, flags & 0xff);
	u16(p, 502);
	u16(p, 0xbeef);
	u16(p, 7);
	bytes(p, opt, optlen);
	return off;
}

/* UDP header with checksum 0.  Returns its offset for udp_done(). */
static inline uint32_t udp(struct pkt *p, unsigned sport, unsigned dport)
{
	uint32_t off = p->n;

	u16(p, sport);
	u16(p, dport);
	u16(p, 0);	/* length */
	u16(p, 0);	/* checksum */
	return off;
}

static inline void udp_done(struct pkt *p, uint32_t off)
{
	set16(p->b, off + 4, p->n - off);
}

/* Byte i of a payload: not periodic in 256, so a misplaced piece shows. */
static inline uint8_t payload_byte(uint32_t i)
{
	return (uint8_t)(i * 7 + i / 251);
}

static inline void payload(struct pkt *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		u8(p, payload_byte(i));
}

/* Ones' complement sum of n bytes plus acc, folded (RFC 1071), written
 * plainly as a reference independent of csum.c. */
static inline uint16_t ref_fold(const uint8_t *d, size_t n, uint64_t acc)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(d[i] << 8 | d[i + 1]);
	if (n & 1)
		acc += (uint32_t)d[n - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

#endif
