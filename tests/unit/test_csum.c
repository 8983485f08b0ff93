/* Checksums: RFC 1071 vectors, the fast sum against a plain one, IPv4
 * header checksum, TCP/UDP classification (ok / partial / bad / unknown). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "csum.h"
#include "parse.h"
#include "pkt.h"

static void test_rfc1071(void)
{
	/* RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2. */
	const uint8_t v[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	CHECK_EQ(oc_csum_fold(oc_csum_partial(v, sizeof(v), 0)), 0xddf2, "RFC 1071 sum");
	CHECK_EQ(oc_csum(v, sizeof(v)), 0x220d, "RFC 1071 checksum");
	/* Chained at an even boundary gives the same. */
	CHECK_EQ(oc_csum_fold(oc_csum_partial(v + 4, 4, oc_csum_partial(v, 4, 0))), 0xddf2,
		 "chained sum");
	/* Odd length: last byte is a high byte. */
	CHECK_EQ(oc_csum_fold(oc_csum_partial(v, 7, 0)), ref_fold(v, 7, 0), "odd length");
	CHECK_EQ(oc_csum_fold(oc_csum_partial(v, 0, 0)), 0, "empty sum is 0");
	CHECK_EQ(oc_csum_fold(0xffff), 0xffff, "fold keeps negative zero");
	CHECK_EQ(oc_csum_fold(0x1fffe), 0xffff, "fold end-around carry");
	CHECK_EQ(oc_csum16_add(0xffff, 0x0001), 0x0001, "csum16_add carry");
	CHECK_EQ(oc_csum16_sub(0x1234, 0x1234), 0xffff, "csum16_sub to negative zero");
}

/* The 64-bit accumulator against the reference on random data of every
 * length and alignment up to 300 bytes, plus large buffers of 0xff. */
static void test_fast_vs_ref(void)
{
	uint8_t buf[4096 + 8];
	unsigned len, align, bad = 0;

	srand(1);
	for (len = 0; len < sizeof(buf) - 8; len++)
		buf[len] = (uint8_t)rand();
	for (len = 0; len <= 300; len++)
		for (align = 0; align < 8; align++)
			bad += oc_csum_fold(oc_csum_partial(buf + align, len, 0)) !=
			       ref_fold(buf + align, len, 0);
	CHECK_EQ(bad, 0, "fast sum equals reference for len 0..300, 8 alignments");
	memset(buf, 0xff, sizeof(buf));
	CHECK_EQ(oc_csum_fold(oc_csum_partial(buf, 4096, 0)), 0xffff, "all-ones buffer");
	CHECK_EQ(oc_csum_fold(oc_csum_partial(buf, 4095, 0)), ref_fold(buf, 4095, 0),
		 "all-ones odd buffer");
	CHECK_EQ(oc_csum_fold(oc_csum_partial(buf, 4096, 0x12345678)), ref_fold(buf, 4096, 0x12345678),
		 "initial sum carried in");
}

static void test_ipv4_header(void)
{
	/* The classic example: 4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7 */
	uint8_t h[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			  0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };

	CHECK_EQ(oc_ip4_csum(h, 20), 0xb861, "IPv4 header checksum of a known header");
	CHECK(oc_ip4_csum_ok(h, 20), "known header verifies");
	h[11] ^= 1;
	CHECK(!oc_ip4_csum_ok(h, 20), "flipped checksum does not verify");
	CHECK_EQ(oc_ip4_csum(h, 20), 0xb861, "the field itself is ignored when computing");
}

/* Ethernet + IPv4 + TCP (MSS option) + 11 bytes of payload. */
static uint32_t build_tcp4(uint8_t *b, uint16_t *check_at)
{
	static const uint8_t hdr[] = {
		2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00,
		0x45, 0x00, 0, 0, 0x12, 0x34, 0x40, 0x00, 64, 6, 0, 0,
		10, 0, 0, 1, 10, 0, 0, 2,
		0x9c, 0x40, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x60, 0x18, 0xff, 0xff,
		0, 0, 0, 0, 2, 4, 0x05, 0xb4,
	};
	const char *payload = "hello world";
	uint32_t n = sizeof(hdr);

	memcpy(b, hdr, n);
	memcpy(b + n, payload, 11);
	n += 11;
	set16(b, 16, n - 14);
	set16(b, 24, oc_ip4_csum(b + 14, 20));
	*check_at = 14 + 20 + 16;
	return n;
}

/* Reference TCP/UDP checksum over an IPv4 packet at ip. */
static uint16_t ref_l4_v4(const uint8_t *ip, uint32_t l4len, uint8_t proto)
{
	uint8_t ph[12];

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = proto;
	set16(ph, 10, l4len);
	return (uint16_t)~ref_fold(ip + 20, l4len, ref_fold(ph, 12, 0));
}

static void test_tcp_classify(void)
{
	uint8_t b[128];
	uint16_t at, pseudo;
	uint32_t n = build_tcp4(b, &at);
	struct oc_parsed p;
	const struct oc_layer *l;
	uint16_t good;

	good = ref_l4_v4(b + 14, n - 34, 6);
	set16(b, at, good);
	CHECK_EQ(oc_parse(b, n, n, OC_LINKTYPE_ETHERNET, &p), 0, "TCP packet parses");
	l = oc_flow(&p);
	CHECK_EQ(oc_l4csum_check(b, n, l), OC_L4CSUM_OK, "reference checksum is OK");

	/* The pseudo-header sum the kernel leaves for CHECKSUM_PARTIAL. */
	{
		uint8_t ph[12];

		memcpy(ph, b + 26, 8);
		ph[8] = 0;
		ph[9] = 6;
		set16(ph, 10, n - 34);
		pseudo = ref_fold(ph, 12, 0);
	}
	CHECK_EQ(oc_l4csum_pseudo(l), pseudo, "pseudo-header form");
	set16(b, at, pseudo);
	oc_parse(b, n, n, OC_LINKTYPE_ETHERNET, &p);
	CHECK_EQ(oc_l4csum_check(b, n, oc_flow(&p)), OC_L4CSUM_PARTIAL, "pseudo sum is PARTIAL");
	set16(b, at, (uint16_t)~pseudo);
	oc_parse(b, n, n, OC_LINKTYPE_ETHERNET, &p);
	CHECK_EQ(oc_l4csum_check(b, n, oc_flow(&p)), OC_L4CSUM_PARTIAL,
		 "complemented pseudo sum (csum_tcpudp_magic) is PARTIAL");
	/* e1000e/ixgbe TSO and other systems: the pseudo-header sum without the length */
	{
		uint8_t ph[12];
		uint16_t nolen;

		memcpy(ph, b + 26, 8);
		ph[8] = 0, ph[9] = 6, ph[10] = ph[11] = 0;
		nolen = ref_fold(ph, 12, 0);
		set16(b, at, nolen);
		oc_parse(b, n, n, OC_LINKTYPE_ETHERNET, &p);
		CHECK_EQ(oc_l4csum_check(b, n, oc_flow(&p)), OC_L4CSUM_PARTIAL,
			 "pseudo sum without the length (TSO drivers' form) is PARTIAL");
		set16(b, at, (uint16_t)~nolen);
		oc_parse(b, n, n, OC_LINKTYPE_ETHERNET, &p);
		CHECK_EQ(oc_l4csum_check(b, n, oc_flow(&p)), OC_L4CSUM_PARTIAL,
			 "complemented pseudo sum without the length is PARTIAL");
		set16(b, at, (uint16_t)(nolen + 1));
		oc_parse(b, n, n, OC_LINKTYPE_ETHERNET, &p);
		CHECK_EQ(oc_l4csum_check(b, n, oc_flow(&p)), (nolen + 1 == good) ? OC_L4CSUM_OK : OC_L4CSUM_BAD,
			 "one off the lengthless form is BAD");
	}
	set16(b, at, (uint16_t)(good + 1));
	oc_parse(b, n, n, OC_LINKTYPE_ETHERNET, &p);
	CHECK_EQ(oc_l4csum_check(b, n, oc_flow(&p)), OC_L4CSUM_BAD, "off-by-one checksum is BAD");
	set16(b, at, good);
	oc_parse(b, n - 3, n, OC_LINKTYPE_ETHERNET, &p);
	CHECK_EQ(oc_l4csum_check(b, n - 3, oc_flow(&p)), OC_L4CSUM_UNKNOWN,
		 "payload not captured: UNKNOWN");
	CHECK_EQ(oc_l4csum_is_pseudo(oc_flow(&p), pseudo), 1, "pseudo form detectable without payload");
	CHECK(strcmp(oc_l4csum_name(OC_L4CSUM_PARTIAL), "partial") == 0, "names");
}

static void test_udp_classify(void)
{
	/* Ethernet + IPv4 + UDP + 5 bytes. */
	uint8_t b[64] = {
		2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00,
		0x45, 0x00, 0, 33, 0, 1, 0, 0, 64, 17, 0, 0, 192, 168, 1, 1, 192, 168, 1, 2,
		0x13, 0x88, 0x00, 0x35, 0, 13, 0, 0, 'a', 'b', 'c', 'd', 'e',
	};
	uint32_t n = 14 + 33;
	struct oc_parsed p;
	uint16_t c;

	set16(b, 24, oc_ip4_csum(b + 14, 20));
	oc_parse(b, n, n, OC_LINKTYPE_ETHERNET, &p);
	CHECK_EQ(oc_l4csum_check(b, n, oc_flow(&p)), OC_L4CSUM_NONE, "UDP checksum 0 is NONE");
	c = ref_l4_v4(b + 14, 13, 17);
	set16(b, 40, c ? c : 0xffff);
	oc_parse(b, n, n, OC_LINKTYPE_ETHERNET, &p);
	CHECK_EQ(oc_l4csum_check(b, n, oc_flow(&p)), OC_L4CSUM_OK, "UDP reference checksum OK");
	set16(b, 40, oc_l4csum_pseudo(oc_flow(&p)));
	oc_parse(b, n, n, OC_LINKTYPE_ETHERNET, &p);
	CHECK_EQ(oc_l4csum_check(b, n, oc_flow(&p)), OC_L4CSUM_PARTIAL, "UDP pseudo sum PARTIAL");
}

/* IPv6 pseudo-header with a 32-bit (BIG TCP) length folds like the kernel's
 * csum_ipv6_magic(): the length's two halves are added. */
static void test_pseudo_long(void)
{
	uint8_t s[16] = { 0x20, 0x01, 0x0d, 0xb8 }, d[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	uint8_t ph[40];
	uint32_t len = 200000;

	memcpy(ph, s, 16);
	memcpy(ph + 16, d, 16);
	ph[32] = 0;
	ph[33] = (uint8_t)(len >> 16);
	set16(ph, 34, len & 0xffff);
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = 6;
	CHECK_EQ(oc_csum_fold(oc_pseudo_v6(s, d, 6, len)), ref_fold(ph, 40, 0),
		 "IPv6 pseudo-header with a 32-bit length");
}

/* A frame in two pieces sums as the contiguous bytes, whatever the cut
 * (odd ones too) and the region; the kept sum of the rest is reused only for
 * a region ending where it did; the fill never writes outside hdr. */
static void test_frame_sum(void)
{
	uint8_t data[600], hdr[600];
	unsigned bad = 0, cut, from, to;

	srand(7);
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)rand();
	for (cut = 0; cut <= 80; cut++) {
		struct oc_csum_frame f = { hdr, data + cut, cut, sizeof(data), 0, 0 };

		memcpy(hdr, data, cut);
		for (from = 0; from <= 90; from += 1 + from % 7)
			for (to = from; to <= sizeof(data); to += 1 + to % 97)
				bad += oc_csum_fold(oc_csum_frame_sum(&f, from, to, 0x1234)) !=
				       oc_csum_fold(oc_csum_partial(data + from, to - from, 0x1234));
	}
	CHECK_EQ(bad, 0, "frame sums: header and rest chained at every cut equal the contiguous sum");
	{
		struct oc_csum_frame f = { hdr, data + 40, 40, 100, 0, 0 };

		memcpy(hdr, data, 40);
		hdr[39] = 0x5a;
		CHECK_EQ(oc_csum_frame_fill(&f, 0, 100, 39, 0, false), 0, "fill: a field across the cut is refused");
		CHECK_EQ(hdr[39], 0x5a, "fill: nothing written outside hdr");
	}
}

int main(void)
{
	test_rfc1071();
	test_fast_vs_ref();
	test_ipv4_header();
	test_tcp_classify();
	test_udp_classify();
	test_pseudo_long();
	test_frame_sum();
	return check_done();
}
