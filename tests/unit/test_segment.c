/* Segmenter: hand-checked expectations for TCP, UDP GSO, BIG TCP (v4 and v6
 * with the jumbo header), VLAN, tunnels, truncated input and passthrough. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "csum.h"
#include "meta.h"
#include "parse.h"
#include "pkt.h"
#include "segment.h"

/* ---- builder ---- */

#define BIG 140000

static uint16_t get16(const uint8_t *b, uint32_t off)
{
	return (uint16_t)(b[off] << 8 | b[off + 1]);
}

static uint32_t get32(const uint8_t *b, uint32_t off)
{
	return (uint32_t)get16(b, off) << 16 | get16(b, off + 2);
}

static const uint8_t TS_OPT[12] = { 1, 1, 8, 10, 0, 0, 0x12, 0x34, 0, 0, 0x56, 0x78 };

/* Pseudo-header sum (folded) for an IP header at ip, L4 length len. */
static uint16_t ref_pseudo(const uint8_t *ip, uint8_t proto, uint32_t len)
{
	uint64_t acc = proto + (len >> 16) + (len & 0xffff);

	if ((ip[0] >> 4) == 4)
		return ref_fold(ip + 12, 8, acc);
	return ref_fold(ip + 8, 32, acc);
}

/* The kernel's CHECKSUM_PARTIAL field: ~csum_tcpudp_magic(), never 0. */
static void set_pseudo(uint8_t *b, uint32_t ip, uint32_t l4, uint32_t csum_at, uint8_t proto,
		       uint32_t l4len)
{
	(void)l4;
	set16(b, csum_at, ref_pseudo(b + ip, proto, l4len));
}

/* ---- collecting segments ---- */

#define MAX_SEGS 64

static struct oc_segmenter sg, sg_ip;
static uint32_t runs, in_place_differ;	/* every run(): in place against copied */

struct got {
	uint32_t n;
	uint8_t *bytes[MAX_SEGS];
	uint32_t caplen[MAX_SEGS], len[MAX_SEGS];
	struct oc_seg_info info[MAX_SEGS];
};

static int collect(const uint8_t *seg, uint32_t caplen, uint32_t len,
		   const struct oc_seg_info *info, void *arg)
{
	struct got *g = arg;

	if (g->n == MAX_SEGS)
		return 1;
	g->bytes[g->n] = malloc(caplen ? caplen : 1);
	memcpy(g->bytes[g->n], seg, caplen);
	g->caplen[g->n] = caplen;
	g->len[g->n] = len;
	g->info[g->n] = *info;
	g->n++;
	return 0;
}

static void release(struct got *g)
{
	while (g->n)
		free(g->bytes[--g->n]);
}

/* collect() for req.in_place: the headers from seg, the rest from info->payload. */
static int collect_joined(const uint8_t *seg, uint32_t caplen, uint32_t len,
			  const struct oc_seg_info *info, void *arg)
{
	struct got *g = arg;
	uint32_t h = info->passthrough ? caplen : info->payload_off;

	if (g->n == MAX_SEGS || h > caplen)
		return 1;
	g->bytes[g->n] = malloc(caplen ? caplen : 1);
	memcpy(g->bytes[g->n], seg, h);
	if (caplen > h)
		memcpy(g->bytes[g->n] + h, info->payload, caplen - h);
	g->caplen[g->n] = caplen;
	g->len[g->n] = len;
	g->info[g->n] = *info;
	g->n++;
	return 0;
}

/* Segments built in place (headers only, the payload summed where it lies)
 * are byte for byte the copied ones. */
static bool same_in_place(struct oc_seg_req req)
{
	static struct got a, b;
	bool same;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	req.in_place = false;
	oc_segment(&sg_ip, &req, collect, &a);
	req.in_place = true;
	oc_segment(&sg_ip, &req, collect_joined, &b);
	same = a.n == b.n;
	for (uint32_t i = 0; same && i < a.n; i++)
		same = a.caplen[i] == b.caplen[i] && a.len[i] == b.len[i] &&
		       !memcmp(a.bytes[i], b.bytes[i], a.caplen[i]);
	release(&a);
	release(&b);
	return same;
}


static int run(const struct pkt *p, uint32_t caplen, uint32_t len, uint16_t mss, uint32_t type,
	       enum oc_seg_csum mode, struct oc_parsed *parsed, struct got *g)
{
	struct oc_seg_req req = { p->b, caplen, len, parsed, mss, type, mode, 0, false };

	oc_parse(p->b, caplen, len, OC_LINKTYPE_ETHERNET, parsed);
	memset(g, 0, sizeof(*g));
	runs++;
	in_place_differ += !same_in_place(req);
	return oc_segment(&sg, &req, collect, g);
}

/* Every segment re-parses cleanly and its checksums classify as want. */
static void check_reparse(const struct got *g, enum oc_l4csum want, const char *what)
{
	uint32_t i, ok = 0, csum = 0;
	struct oc_parsed r;

	for (i = 0; i < g->n; i++) {
		const struct oc_layer *l;

		ok += oc_parse(g->bytes[i], g->caplen[i], g->len[i], OC_LINKTYPE_ETHERNET, &r) == 0 &&
		      !(r.flags & OC_PARSE_LEN_MISMATCH);
		l = oc_flow(&r);
		csum += oc_l4csum_check(g->bytes[i], g->caplen[i], l) == want &&
			(l->ip.version != 4 || l->ip.csum_ok) &&
			(!r.has_inner || r.outer.ip.version != 4 || r.outer.ip.csum_ok);
	}
	CHECK_EQ(ok, g->n, "%s: every segment parses with consistent lengths", what);
	CHECK_EQ(csum, g->n, "%s: IPv4 header checksums valid, L4 checksums %s", what,
		 oc_l4csum_name(want));
}

/* Concatenated payloads equal the super-frame's payload. */
static void check_payload(const struct got *g, uint32_t total, const char *what)
{
	uint32_t i, k, at = 0, bad = 0;

	for (i = 0; i < g->n; i++) {
		for (k = 0; k < g->info[i].payload_len; k++)
			bad += g->bytes[i][g->info[i].payload_off + k] != payload_byte(at + k);
		CHECK_EQ(g->info[i].payload_start, at, "%s: segment %u payload_start", what, i);
		at += g->info[i].payload_len;
	}
	CHECK_EQ(at, total, "%s: payload lengths add up", what);
	CHECK_EQ(bad, 0, "%s: payload bytes concatenate to the original", what);
}

/* ---- IPv4 TCP ---- */

#define MSS 1448u
#define TCP_PAYLOAD (3 * MSS + 100)
#define ID0 0xfffe	/* wraps */
#define SEQ0 0xfffff000u	/* wraps */

/* Ethernet/IPv4/TCP with timestamps; over 64 KiB a BIG TCP super-frame (tot_len 0). */
static uint32_t build_tcp4(struct pkt *p, unsigned flags, uint32_t pl)
{
	uint32_t ip, th;

	p->n = 0;
	eth(p, 0x0800);
	ip = ipv4(p, 6, ID0, HOST4_A, HOST4_B);
	th = tcp(p, 40000, 5201, SEQ0, flags, TS_OPT, sizeof(TS_OPT));
	payload(p, pl);
	ipv4_done(p, ip);
	set_pseudo(p->b, ip, th, th + 16, 6, p->n - th);
	return th;
}

static void test_tcp4(void)
{
	struct pkt p = { malloc(BIG), 0 };
	struct oc_parsed parsed;
	struct got g;
	uint32_t i;
	int n;

	build_tcp4(&p, 0x99 /* CWR|ACK|PSH|FIN */, TCP_PAYLOAD);
	n = run(&p, p.n, p.n, MSS, OC_GSO_TCPV4, OC_SEG_CSUM_FULL, &parsed, &g);
	CHECK_EQ(n, 4, "TCPv4: 4 segments");
	CHECK_EQ(g.n, 4, "TCPv4: 4 callbacks");
	for (i = 0; i < g.n; i++) {
		const uint8_t *s = g.bytes[i];
		uint8_t fl = s[14 + 20 + 13];
		uint32_t want_len = 14 + 52 + (i < 3 ? MSS : 100);

		CHECK_EQ(g.len[i], want_len, "seg %u: frame length", i);
		CHECK_EQ(g.caplen[i], want_len, "seg %u: all captured", i);
		CHECK_EQ(get16(s, 16), 52 + (i < 3 ? MSS : 100), "seg %u: tot_len", i);
		CHECK_EQ(get16(s, 18), (uint16_t)(ID0 + i), "seg %u: id", i);
		CHECK_EQ(g.info[i].ip_id, (uint16_t)(ID0 + i), "seg %u: info ip_id", i);
		CHECK_EQ(get32(s, 38), SEQ0 + i * MSS, "seg %u: seq", i);
		CHECK_EQ(g.info[i].seq, SEQ0 + i * MSS, "seg %u: info seq", i);
		CHECK_EQ(get32(s, 42), 0x01020304, "seg %u: ack copied", i);
		CHECK_EQ(fl & 0x80, i == 0 ? 0x80 : 0, "seg %u: CWR first only", i);
		CHECK_EQ(fl & 0x09, i == 3 ? 0x09 : 0, "seg %u: PSH|FIN last only", i);
		CHECK_EQ(fl & 0x10, 0x10, "seg %u: ACK kept", i);
		CHECK(memcmp(s + 54, TS_OPT, sizeof(TS_OPT)) == 0, "seg %u: timestamps copied", i);
		CHECK_EQ(g.info[i].index, i, "seg %u: index", i);
		CHECK(g.info[i].count == 4 && g.info[i].csum_known && !g.info[i].payload_truncated &&
		      !g.info[i].passthrough, "seg %u: info", i);
	}
	check_reparse(&g, OC_L4CSUM_OK, "TCPv4 full");
	check_payload(&g, TCP_PAYLOAD, "TCPv4");
	release(&g);

	/* PARTIAL: the field is the pseudo-header sum for the segment. */
	run(&p, p.n, p.n, MSS, OC_GSO_TCPV4, OC_SEG_CSUM_PARTIAL, &parsed, &g);
	for (i = 0; i < g.n; i++)
		CHECK_EQ(get16(g.bytes[i], 50), ref_pseudo(g.bytes[i] + 14, 6, g.len[i] - 34),
			 "PARTIAL seg %u: pseudo-header sum for its length", i);
	check_reparse(&g, OC_L4CSUM_PARTIAL, "TCPv4 partial");
	release(&g);

	/* FIXEDID: all ids id0. ACCECN: CWR everywhere. */
	run(&p, p.n, p.n, MSS, OC_GSO_TCPV4 | OC_GSO_TCP_FIXEDID | OC_GSO_TCP_ACCECN,
	    OC_SEG_CSUM_FULL, &parsed, &g);
	for (i = 0; i < g.n; i++) {
		CHECK_EQ(get16(g.bytes[i], 18), ID0, "FIXEDID seg %u: id kept", i);
		CHECK_EQ(g.bytes[i][47] & 0x80, 0x80, "ACCECN seg %u: CWR kept", i);
	}
	check_reparse(&g, OC_L4CSUM_OK, "TCPv4 fixedid");
	release(&g);

	/* Headers only (snaplen): exact lengths, truncated, PARTIAL-form field. */
	run(&p, 66, p.n, MSS, OC_GSO_TCPV4, OC_SEG_CSUM_FULL, &parsed, &g);
	CHECK_EQ(g.n, 4, "headers only: 4 segments");
	for (i = 0; i < g.n; i++) {
		CHECK_EQ(g.caplen[i], 66, "headers only seg %u: caplen", i);
		CHECK_EQ(g.len[i], 66 + (i < 3 ? MSS : 100), "headers only seg %u: len", i);
		CHECK(g.info[i].payload_truncated && !g.info[i].csum_known,
		      "headers only seg %u: truncated, checksum unknown", i);
		CHECK_EQ(get16(g.bytes[i], 16), 52 + (i < 3 ? MSS : 100), "headers only seg %u: tot_len", i);
		CHECK_EQ(get16(g.bytes[i], 50), ref_pseudo(g.bytes[i] + 14, 6, g.len[i] - 34),
			 "headers only seg %u: PARTIAL form", i);
	}
	release(&g);

	/* Cut in the middle of the second piece. */
	run(&p, 66 + MSS + 500, p.n, MSS, OC_GSO_TCPV4, OC_SEG_CSUM_FULL, &parsed, &g);
	CHECK(!g.info[0].payload_truncated && g.caplen[0] == g.len[0], "partial capture: seg 0 whole");
	CHECK(g.info[1].payload_truncated && g.caplen[1] == 66 + 500, "partial capture: seg 1 cut");
	CHECK(g.caplen[2] == 66 && g.caplen[3] == 66, "partial capture: segs 2-3 headers only");
	release(&g);
	free(p.b);
}

static void test_plan_and_passthrough(void)
{
	struct pkt p = { malloc(BIG), 0 };
	struct oc_parsed parsed;
	struct oc_seg_plan plan;
	struct oc_seg_req req = { 0 };
	struct got g;

	build_tcp4(&p, 0x10, TCP_PAYLOAD);
	oc_parse(p.b, p.n, p.n, OC_LINKTYPE_ETHERNET, &parsed);
	req = (struct oc_seg_req){ p.b, p.n, p.n, &parsed, MSS, OC_GSO_TCPV4, OC_SEG_CSUM_FULL, 0, false };
	CHECK_EQ(oc_seg_plan(&req, &plan), 4, "plan: 4 segments");
	CHECK(plan.hdr_len == 66 && plan.mss == MSS && plan.seg_len == 66 + MSS &&
	      plan.last_len == 166 && plan.payload_len == TCP_PAYLOAD && !plan.passthrough,
	      "plan geometry");

	req.gso_size = TCP_PAYLOAD;
	CHECK_EQ(oc_seg_plan(&req, &plan), 1, "payload == gso_size: one");
	CHECK(plan.passthrough && plan.seg_len == p.n, "payload == gso_size: passthrough");
	run(&p, p.n, p.n, 0, 0, OC_SEG_CSUM_FULL, &parsed, &g);
	CHECK(g.n == 1 && g.info[0].passthrough && g.len[0] == p.n &&
	      memcmp(g.bytes[0], p.b, p.n) == 0, "gso_size 0: the input once, unchanged");
	release(&g);

	p.b[46] = 0x30;	/* TCP data offset 3: malformed */
	run(&p, p.n, p.n, MSS, OC_GSO_TCPV4, OC_SEG_CSUM_FULL, &parsed, &g);
	CHECK(g.n == 1 && g.info[0].passthrough && g.info[0].note &&
	      strcmp(g.info[0].note, "headers truncated or malformed") == 0,
	      "malformed: passthrough with a note");
	release(&g);
	run(&p, 40, p.n, MSS, OC_GSO_TCPV4, OC_SEG_CSUM_FULL, &parsed, &g);
	CHECK(g.n == 1 && g.info[0].passthrough && g.caplen[0] == 40, "headers cut: passthrough");
	release(&g);

	/* Not TCP/UDP: ICMP echo. */
	p.n = 0;
	eth(&p, 0x0800);
	{
		uint32_t ip = ipv4(&p, 1, 1, HOST4_A, HOST4_B);

		u32(&p, 0x08000000);
		u32(&p, 0);
		payload(&p, 3000);
		ipv4_done(&p, ip);
	}
	run(&p, p.n, p.n, 1000, OC_GSO_TCPV4, OC_SEG_CSUM_FULL, &parsed, &g);
	CHECK(g.n == 1 && g.info[0].passthrough && g.caplen[0] == p.n &&
	      memcmp(g.bytes[0], p.b, p.n) == 0, "ICMP: passthrough unchanged");
	release(&g);
	free(p.b);
}

/* IPv4 BIG TCP: tot_len 0 in the super-frame, real tot_len in segments. */
static void test_bigtcp4(void)
{
	struct pkt p = { malloc(BIG), 0 };
	struct oc_parsed parsed;
	struct got g;
	uint32_t i, pl = 100000;

	build_tcp4(&p, 0x18, pl);
	run(&p, p.n, p.n, 9000, OC_GSO_TCPV4, OC_SEG_CSUM_FULL, &parsed, &g);
	CHECK(parsed.outer.ip.bigtcp, "BIG TCP v4 super-frame recognised");
	CHECK_EQ(g.n, 12, "BIG TCP v4: 12 segments");
	for (i = 0; i < g.n; i++)
		CHECK_EQ(get16(g.bytes[i], 16), g.len[i] - 14, "BIG TCP v4 seg %u: tot_len", i);
	check_reparse(&g, OC_L4CSUM_OK, "BIG TCP v4 full");
	check_payload(&g, pl, "BIG TCP v4");
	release(&g);
	run(&p, p.n, p.n, 9000, OC_GSO_TCPV4, OC_SEG_CSUM_PARTIAL, &parsed, &g);
	check_reparse(&g, OC_L4CSUM_PARTIAL, "BIG TCP v4 partial");
	release(&g);
	free(p.b);
}

/* IPv6 BIG TCP with the HBH jumbo header: removed in every segment. */
static void test_bigtcp6_jumbo(void)
{
	struct pkt p = { malloc(BIG), 0 };
	struct oc_parsed parsed;
	struct got g;
	uint32_t i, pl = 80000, th, ip;

	eth(&p, 0x86dd);
	ip = ipv6(&p, 0, HOST6_A, HOST6_B);
	hbh_jumbo(&p, 6, 8 + 32 + pl);
	th = tcp(&p, 40000, 5201, 1, 0x18, TS_OPT, sizeof(TS_OPT));
	payload(&p, pl);
	set_pseudo(p.b, ip, th, th + 16, 6, p.n - th);

	run(&p, p.n, p.n, 16000, OC_GSO_TCPV6, OC_SEG_CSUM_FULL, &parsed, &g);
	CHECK(parsed.outer.ip.jumbo && parsed.outer.ip.bigtcp, "jumbo super-frame recognised");
	CHECK_EQ(g.n, 5, "IPv6 jumbo: 5 segments");
	for (i = 0; i < g.n; i++) {
		const uint8_t *s = g.bytes[i];

		CHECK_EQ(s[14 + 6], 6, "IPv6 jumbo seg %u: next header TCP, no HBH", i);
		CHECK_EQ(g.len[i], 14 + 40 + 32 + 16000, "IPv6 jumbo seg %u: length", i);
		CHECK_EQ(get16(s, 18), 32 + 16000, "IPv6 jumbo seg %u: payload_len", i);
		CHECK_EQ(get32(s, 54 + 4), 1 + i * 16000, "IPv6 jumbo seg %u: seq", i);
	}
	CHECK_EQ(g.info[0].payload_off, 14 + 40 + 32, "IPv6 jumbo: payload offset without HBH");
	check_reparse(&g, OC_L4CSUM_OK, "IPv6 jumbo full");
	check_payload(&g, pl, "IPv6 jumbo");
	release(&g);

	run(&p, p.n, p.n, 16000, OC_GSO_TCPV6, OC_SEG_CSUM_PARTIAL, &parsed, &g);
	check_reparse(&g, OC_L4CSUM_PARTIAL, "IPv6 jumbo partial");
	release(&g);

	/* Headers only: the jumbo header is still cut. */
	run(&p, th + 32, p.n, 16000, OC_GSO_TCPV6, OC_SEG_CSUM_FULL, &parsed, &g);
	CHECK(g.n == 5 && g.caplen[0] == 14 + 40 + 32 && g.len[4] == 14 + 40 + 32 + 16000,
	      "IPv6 jumbo headers only: lengths");
	release(&g);
	free(p.b);
}

/* IPv6 BIG TCP without the HBH header (payload_len 0), as newer kernels
 * send it: segments get real payload_len. */
static void test_bigtcp6_plain(void)
{
	struct pkt p = { malloc(BIG), 0 };
	struct oc_parsed parsed;
	struct got g;
	uint32_t i, pl = 70000, th, ip, ok = 0;

	eth(&p, 0x86dd);
	ip = ipv6(&p, 6, HOST6_A, HOST6_B);
	th = tcp(&p, 40000, 5201, 1, 0x10, NULL, 0);
	payload(&p, pl);
	set_pseudo(p.b, ip, th, th + 16, 6, p.n - th);
	run(&p, p.n, p.n, 9000, OC_GSO_TCPV6, OC_SEG_CSUM_FULL, &parsed, &g);
	CHECK(parsed.outer.ip.bigtcp && !parsed.outer.ip.jumbo, "IPv6 payload_len 0: BIG TCP");
	CHECK_EQ(g.n, 8, "IPv6 payload_len 0: 8 segments");
	for (i = 0; i < g.n; i++)
		ok += get16(g.bytes[i], 18) == g.len[i] - 54;
	CHECK_EQ(ok, g.n, "IPv6 payload_len 0: payload_len per segment");
	check_reparse(&g, OC_L4CSUM_OK, "IPv6 payload_len 0 full");
	release(&g);
	free(p.b);
}

static void test_udp_l4(void)
{
	struct pkt p = { malloc(BIG), 0 };
	struct oc_parsed parsed;
	struct got g;
	uint32_t i, ip, uh, pl = 3 * 1000 + 1;

	eth(&p, 0x0800);
	ip = ipv4(&p, 17, 100, HOST4_A, HOST4_B);
	uh = udp(&p, 33333, 4433);
	payload(&p, pl);
	ipv4_done(&p, ip);
	udp_done(&p, uh);
	set_pseudo(p.b, ip, uh, uh + 6, 17, p.n - uh);

	run(&p, p.n, p.n, 1000, OC_GSO_UDP_L4, OC_SEG_CSUM_FULL, &parsed, &g);
	CHECK_EQ(g.n, 4, "UDP_L4: 4 segments");
	for (i = 0; i < g.n; i++) {
		CHECK_EQ(get16(g.bytes[i], 38), i < 3 ? 1008 : 9, "UDP_L4 seg %u: UDP length", i);
		CHECK_EQ(get16(g.bytes[i], 18), 100 + i, "UDP_L4 seg %u: id", i);
		CHECK_EQ(get16(g.bytes[i], 16), 20 + (i < 3 ? 1008 : 9), "UDP_L4 seg %u: tot_len", i);
	}
	check_reparse(&g, OC_L4CSUM_OK, "UDP_L4 full");
	check_payload(&g, pl, "UDP_L4");
	release(&g);

	run(&p, p.n, p.n, 1000, OC_GSO_UDP_L4, OC_SEG_CSUM_PARTIAL, &parsed, &g);
	for (i = 0; i < g.n; i++)
		CHECK_EQ(get16(g.bytes[i], 40), ref_pseudo(g.bytes[i] + 14, 17, g.len[i] - 34),
			 "UDP_L4 PARTIAL seg %u: pseudo-header sum", i);
	release(&g);
	free(p.b);
}

static void test_vlan(void)
{
	struct pkt p = { malloc(BIG), 0 };
	struct oc_parsed parsed;
	struct got g;
	uint32_t i, ip, th, bad = 0;
	static const uint8_t tag[4] = { 0x81, 0x00, 0x00, 0x64 };

	eth_macs(&p);
	bytes(&p, tag, 4);
	u16(&p, 0x0800);
	ip = ipv4(&p, 6, 5, HOST4_A, HOST4_B);
	th = tcp(&p, 40000, 5201, 9, 0x10, NULL, 0);
	payload(&p, 5000);
	ipv4_done(&p, ip);
	set_pseudo(p.b, ip, th, th + 16, 6, p.n - th);

	run(&p, p.n, p.n, 1400, OC_GSO_TCPV4, OC_SEG_CSUM_FULL, &parsed, &g);
	CHECK_EQ(g.n, 4, "VLAN: 4 segments");
	for (i = 0; i < g.n; i++)
		bad += memcmp(g.bytes[i] + 12, tag, 4) != 0;
	CHECK_EQ(bad, 0, "VLAN tag in every segment");
	{
		uint32_t ok = 0;
		struct oc_parsed r;

		for (i = 0; i < g.n; i++) {
			oc_parse(g.bytes[i], g.caplen[i], g.len[i], OC_LINKTYPE_ETHERNET, &r);
			ok += r.link.n_vlan == 1 && oc_l4csum_check(g.bytes[i], g.caplen[i], &r.outer) ==
							    OC_L4CSUM_OK;
		}
		CHECK_EQ(ok, g.n, "VLAN segments parse with valid checksums");
	}
	release(&g);
	free(p.b);
}

/* Ethernet/IPv4/UDP(4789)/VXLAN/Ethernet/IPv4/TCP super-frame. */
static void build_vxlan(struct pkt *p, uint32_t pl, int outer_csum)
{
	uint32_t ip, uh, iip, th;

	p->n = 0;
	eth(p, 0x0800);
	ip = ipv4(p, 17, 0x4000, EDGE4_A, EDGE4_B);
	uh = udp(p, 33333, 4789);
	u32(p, 0x08000000);
	u32(p, 0x00002a00);
	eth(p, 0x0800);
	iip = ipv4(p, 6, 0x0100, HOST4_A, HOST4_B);
	th = tcp(p, 40000, 5201, 1000, 0x18, TS_OPT, sizeof(TS_OPT));
	payload(p, pl);
	ipv4_done(p, iip);
	ipv4_done(p, ip);
	udp_done(p, uh);
	set_pseudo(p->b, iip, th, th + 16, 6, p->n - th);
	if (outer_csum)
		set_pseudo(p->b, ip, uh, uh + 6, 17, p->n - uh);
}

static void test_vxlan(void)
{
	struct pkt p = { malloc(BIG), 0 };
	struct oc_parsed parsed, r;
	struct got g;
	uint32_t i, pl = 4000, hl = 14 + 20 + 8 + 8 + 14 + 20 + 32;

	build_vxlan(&p, pl, 0);
	run(&p, p.n, p.n, 1400, OC_GSO_TCPV4 | OC_GSO_UDP_TUNNEL, OC_SEG_CSUM_FULL, &parsed, &g);
	CHECK_EQ(g.n, 3, "VXLAN: 3 segments");
	for (i = 0; i < g.n; i++) {
		const uint8_t *s = g.bytes[i];
		uint32_t piece = i < 2 ? 1400 : 1200;

		CHECK_EQ(g.len[i], hl + piece, "VXLAN seg %u: length", i);
		CHECK_EQ(get16(s, 16), g.len[i] - 14, "VXLAN seg %u: outer tot_len", i);
		CHECK_EQ(get16(s, 18), 0x4000 + i, "VXLAN seg %u: outer id", i);
		CHECK_EQ(get16(s, 38), g.len[i] - 34, "VXLAN seg %u: outer UDP length", i);
		CHECK_EQ(get16(s, 40), 0, "VXLAN seg %u: outer UDP checksum stays 0", i);
		CHECK_EQ(get16(s, 64 + 2), g.len[i] - 64, "VXLAN seg %u: inner tot_len", i);
		CHECK_EQ(get16(s, 64 + 4), 0x0100 + i, "VXLAN seg %u: inner id", i);
		CHECK_EQ(g.info[i].outer_ip_id, 0x4000 + i, "VXLAN seg %u: info outer id", i);
		CHECK_EQ(g.info[i].ip_id, 0x0100 + i, "VXLAN seg %u: info inner id", i);
		CHECK_EQ(get32(s, 84 + 4), 1000 + i * 1400, "VXLAN seg %u: inner seq", i);
	}
	check_reparse(&g, OC_L4CSUM_OK, "VXLAN full");
	check_payload(&g, pl, "VXLAN");
	release(&g);

	/* Outer checksum requested: computed per segment. */
	build_vxlan(&p, pl, 1);
	run(&p, p.n, p.n, 1400, OC_GSO_TCPV4 | OC_GSO_UDP_TUNNEL_CSUM, OC_SEG_CSUM_FULL, &parsed, &g);
	for (i = 0; i < g.n; i++) {
		oc_parse(g.bytes[i], g.caplen[i], g.len[i], OC_LINKTYPE_ETHERNET, &r);
		CHECK_EQ(oc_l4csum_check(g.bytes[i], g.caplen[i], &r.outer), OC_L4CSUM_OK,
			 "VXLAN csum seg %u: outer UDP checksum valid", i);
	}
	check_reparse(&g, OC_L4CSUM_OK, "VXLAN csum full");
	release(&g);

	/* PARTIAL: inner left as pseudo sum, outer still valid over it (LCO). */
	run(&p, p.n, p.n, 1400, OC_GSO_TCPV4 | OC_GSO_UDP_TUNNEL_CSUM, OC_SEG_CSUM_PARTIAL,
	    &parsed, &g);
	for (i = 0; i < g.n; i++) {
		oc_parse(g.bytes[i], g.caplen[i], g.len[i], OC_LINKTYPE_ETHERNET, &r);
		CHECK(oc_l4csum_check(g.bytes[i], g.caplen[i], &r.inner) == OC_L4CSUM_PARTIAL &&
		      oc_l4csum_check(g.bytes[i], g.caplen[i], &r.outer) == OC_L4CSUM_BAD,
		      "VXLAN partial seg %u: inner pseudo, outer computed for the filled inner", i);
	}
	release(&g);

	/* Tunnel bits but no tunnel recognised (another port): not cut as UDP. */
	set16(p.b, 36, 4790);
	run(&p, p.n, p.n, 1400, OC_GSO_TCPV4 | OC_GSO_UDP_TUNNEL_CSUM, OC_SEG_CSUM_FULL, &parsed, &g);
	CHECK(g.n == 1 && g.info[0].passthrough, "unrecognised tunnel: passthrough");
	release(&g);
	set16(p.b, 36, 4789);

	/* Headers only: outer UDP field is the pseudo sum for the segment. */
	run(&p, hl, p.n, 1400, OC_GSO_TCPV4 | OC_GSO_UDP_TUNNEL_CSUM, OC_SEG_CSUM_FULL, &parsed, &g);
	for (i = 0; i < g.n; i++) {
		CHECK(g.caplen[i] == hl && g.info[i].payload_truncated && !g.info[i].csum_known,
		      "VXLAN headers only seg %u: truncated", i);
		CHECK_EQ(get16(g.bytes[i], 40), ref_pseudo(g.bytes[i] + 14, 17, g.len[i] - 34),
			 "VXLAN headers only seg %u: outer UDP pseudo sum", i);
		CHECK_EQ(get16(g.bytes[i], 84 + 16), ref_pseudo(g.bytes[i] + 64, 6, g.len[i] - 84),
			 "VXLAN headers only seg %u: inner TCP pseudo sum", i);
	}
	release(&g);

	/* FIXEDID on the outer, FIXEDID_INNER on the inner header. */
	run(&p, p.n, p.n, 1400, OC_GSO_TCPV4 | OC_GSO_UDP_TUNNEL_CSUM | OC_GSO_TCP_FIXEDID,
	    OC_SEG_CSUM_FULL, &parsed, &g);
	CHECK(get16(g.bytes[2], 18) == 0x4000 && get16(g.bytes[2], 68) == 0x0102,
	      "FIXEDID fixes the outer id only");
	release(&g);
	run(&p, p.n, p.n, 1400, OC_GSO_TCPV4 | OC_GSO_UDP_TUNNEL_CSUM | OC_GSO_TCP_FIXEDID_INNER,
	    OC_SEG_CSUM_FULL, &parsed, &g);
	CHECK(get16(g.bytes[2], 18) == 0x4002 && get16(g.bytes[2], 68) == 0x0100,
	      "FIXEDID_INNER fixes the inner id only");
	release(&g);
	free(p.b);
}

/* GRE with checksum and key over IPv6, inner IPv4 TCP. */
static void test_gre_csum(void)
{
	struct pkt p = { malloc(BIG), 0 };
	struct oc_parsed parsed;
	struct got g;
	uint32_t i, ip, iip, th, ok = 0;

	eth(&p, 0x86dd);
	ip = ipv6(&p, 47, HOST6_A, HOST6_B);
	u16(&p, 0xa000);	/* C K */
	u16(&p, 0x0800);
	u32(&p, 0);
	u32(&p, 99);
	iip = ipv4(&p, 6, 7, HOST4_A, HOST4_B);
	th = tcp(&p, 40000, 5201, 5, 0x10, NULL, 0);
	payload(&p, 3000);
	ipv4_done(&p, iip);
	ipv6_done(&p, ip);
	set_pseudo(p.b, iip, th, th + 16, 6, p.n - th);

	run(&p, p.n, p.n, 1000, OC_GSO_TCPV4 | OC_GSO_GRE_CSUM, OC_SEG_CSUM_FULL, &parsed, &g);
	CHECK_EQ(g.n, 3, "GRE: 3 segments");
	for (i = 0; i < g.n; i++) {
		uint32_t gre = 14 + 40;

		ok += get16(g.bytes[i], 18) == g.len[i] - 54 &&
		      ref_fold(g.bytes[i] + gre, g.len[i] - gre, 0) == 0xffff &&
		      get16(g.bytes[i], gre + 6) == 0;
	}
	CHECK_EQ(ok, g.n, "GRE: IPv6 payload_len and GRE checksum valid per segment");
	check_reparse(&g, OC_L4CSUM_OK, "GRE full");
	check_payload(&g, 3000, "GRE");
	release(&g);
	free(p.b);
}

/* ---- mutation loop: corrupted super-frames never crash the segmenter ---- */

struct fuzz_stats {
	uint32_t calls, bad;
	uint32_t len_sum;
};

static int fuzz_cb(const uint8_t *seg, uint32_t caplen, uint32_t len,
		   const struct oc_seg_info *info, void *arg)
{
	struct fuzz_stats *st = arg;
	volatile uint8_t x = 0;
	uint32_t i;

	for (i = 0; i < caplen; i++)	/* touch every byte: ASan checks the bounds */
		x ^= seg[i];
	(void)x;
	st->calls++;
	st->len_sum += len;
	st->bad += caplen > len || info->index >= info->count;
	return 0;
}

static uint32_t rng = 777;

static uint32_t next_rand(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

static void test_mutations(void)
{
	struct pkt p[4];
	uint32_t k, iter, bad = 0, mismatch = 0, differ = 0;

	for (k = 0; k < 4; k++)
		p[k] = (struct pkt){ malloc(BIG), 0 };
	build_tcp4(&p[0], 0x99, 6000);
	build_vxlan(&p[1], 5000, 1);
	build_tcp4(&p[2], 0x18, 70000);
	{
		uint32_t ip, uh;

		eth(&p[3], 0x0800);
		ip = ipv4(&p[3], 17, 1, HOST4_A, HOST4_B);
		uh = udp(&p[3], 33333, 443);
		payload(&p[3], 5000);
		ipv4_done(&p[3], ip);
		udp_done(&p[3], uh);
	}
	for (iter = 0; iter < 4000; iter++) {
		const struct pkt *src = &p[iter % 4];
		uint32_t caplen = src->n, i, hdr = 140;
		static const uint32_t types[] = { 0, OC_GSO_TCPV4, OC_GSO_UDP_L4, OC_GSO_UDP,
						  OC_GSO_TCPV4 | OC_GSO_UDP_TUNNEL_CSUM | OC_GSO_TCP_FIXEDID,
						  OC_GSO_TCPV6 | OC_GSO_TCP_ACCECN };
		struct oc_seg_req req;
		struct oc_seg_plan plan;
		struct fuzz_stats st = { 0 };
		struct oc_parsed parsed;
		uint8_t *buf;
		int n;

		if (next_rand() % 2)
			caplen = next_rand() % (src->n + 1);
		buf = malloc(caplen ? caplen : 1);
		memcpy(buf, src->b, caplen);
		for (i = 0; caplen && i < 1 + next_rand() % 3; i++)	/* flip header bits */
			buf[next_rand() % (caplen < hdr ? caplen : hdr)] ^= (uint8_t)(1u << next_rand() % 8);
		oc_parse(buf, caplen, src->n, OC_LINKTYPE_ETHERNET, &parsed);
		req = (struct oc_seg_req){ buf, caplen, src->n, &parsed, (uint16_t)(1 + next_rand() % 9000),
					   types[next_rand() % 6], (enum oc_seg_csum)(next_rand() % 2), 0, false };
		oc_seg_plan(&req, &plan);
		n = oc_segment(&sg, &req, fuzz_cb, &st);
		differ += !same_in_place(req);
		bad += st.bad;
		mismatch += n != (int)plan.count || st.calls != plan.count ||
			    (!plan.passthrough && st.len_sum != (plan.count - 1) * plan.seg_len + plan.last_len);
		free(buf);
	}
	CHECK_EQ(bad, 0, "mutations: caplen <= len and index < count in every callback");
	CHECK_EQ(mismatch, 0, "mutations: callbacks and lengths agree with oc_seg_plan");
	CHECK_EQ(differ, 0, "mutations: segments built in place are the copied ones, byte for byte");
	for (k = 0; k < 4; k++)
		free(p[k].b);
}

/* Why a frame is not cut: every row a unique machine id and a text; split and
 * report count exactly the implausible sizes and the UDP datagram of unknown size. */
static void test_note_table(void)
{
	for (unsigned k = 1; k < OC_SEG_NOTE_MAX; k++) {
		const char *id = oc_seg_note_id(k);
		int good = id && id[0] && oc_seg_note_text(k);

		for (const char *c = id ? id : ""; *c; c++)
			good &= (*c >= 'a' && *c <= 'z') || *c == '_';
		for (unsigned m = 1; m < k; m++)
			good &= strcmp(id ? id : "", oc_seg_note_id(m)) != 0;
		CHECK(good, "note %u: machine id '%s', unique, and a text", k, id ? id : "(null)");
		CHECK(oc_seg_note_uncut(k) == (!strncmp(id ? id : "", "implausible", 11) ||
					       k == OC_SEG_NOTE_UDP_UNKNOWN),
		      "note %s: counted as not cut exactly when implausible or UDP of unknown size", id);
	}
	CHECK(!oc_seg_note_text(OC_SEG_NOTE_NONE) && !oc_seg_note_uncut(OC_SEG_NOTE_NONE), "no note: no text");
	CHECK(oc_seg_implausible(1, 1000, 0, false) == OC_SEG_NOTE_TCP_MIN, "gso_size 1 on TCP: implausible_tcp_gso_size");
}

int main(void)
{
	oc_segmenter_init(&sg);
	oc_segmenter_init(&sg_ip);
	test_note_table();
	test_tcp4();
	test_plan_and_passthrough();
	test_bigtcp4();
	test_bigtcp6_jumbo();
	test_bigtcp6_plain();
	test_udp_l4();
	test_vlan();
	test_vxlan();
	test_gre_csum();
	test_mutations();
	CHECK(runs > 10 && !in_place_differ, "every case above: segments built in place are the copied ones "
	      "(%u of %u differ)", in_place_differ, runs);
	oc_segmenter_free(&sg);
	oc_segmenter_free(&sg_ip);
	return check_done();
}
