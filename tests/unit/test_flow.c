/* The flow table: MSS from the handshake, the segment payload it implies, and
 * bounded memory (the least recently seen flow is evicted and counted). */
#include <string.h>

#include "check.h"
#include "flow.h"
#include "parse.h"
#include "pkt.h"

/* Ethernet + IPv4 + TCP with options: MSS, and timestamps when ts is set. */
static uint32_t frame(uint8_t *b, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
		      uint8_t flags, uint16_t mss, int ts, uint32_t payload_len)
{
	uint8_t s[4] = { src >> 24, src >> 16, src >> 8, src };
	uint8_t d[4] = { dst >> 24, dst >> 16, dst >> 8, dst };
	uint8_t opt_buf[16];
	struct pkt p = { b, 0 }, opt = { opt_buf, 0 };
	uint32_t ip;

	if (mss) {
		u16(&opt, 0x0204);	/* MSS, length 4 */
		u16(&opt, mss);
	}
	if (ts) {
		u16(&opt, 0x0101);	/* NOP, NOP */
		u16(&opt, 0x080a);	/* timestamps, length 10 */
		zeros(&opt, 8);
	}
	eth(&p, 0x0800);
	ip = ipv4(&p, 6, 0, s, d);
	tcp(&p, sport, dport, 0, flags, opt.b, opt.n);
	zeros(&p, payload_len);
	ipv4_done(&p, ip);
	return p.n;
}

/* The same with the TCP options given as bytes. */
static uint32_t frame_opts(uint8_t *b, uint32_t src, uint32_t dst, uint8_t flags, const uint8_t *opt,
			   uint32_t optlen, uint32_t payload_len)
{
	uint8_t s[4] = { src >> 24, src >> 16, src >> 8, src };
	uint8_t d[4] = { dst >> 24, dst >> 16, dst >> 8, dst };
	struct pkt p = { b, 0 };
	uint32_t ip;

	eth(&p, 0x0800);
	ip = ipv4(&p, 6, 0, s, d);
	tcp(&p, 40000, 5201, 0, flags, opt, optlen);
	zeros(&p, payload_len);
	ipv4_done(&p, ip);
	return p.n;
}

static struct oc_flow *feed(struct oc_flow_table *t, uint8_t *b, uint32_t n, int *side)
{
	struct oc_parsed p;
	struct oc_flow *f;

	oc_parse(b, n, n, OC_LINKTYPE_ETHERNET, &p);
	f = oc_flows_get(t, &p, 1, side);
	if (f && p.outer.l4.kind == OC_L4_TCP)
		oc_flow_learn_tcp(f, *side, &p.outer.l4.tcp, p.outer.l4.payload_len);
	return f;
}

static void test_handshake(void)
{
	struct oc_flow_table *t = oc_flows_new(16);
	uint8_t b[2000];
	uint32_t a = 0xc6120001, z = 0xc6120002;
	struct oc_flow *f1, *f2, *f3;
	int s1, s2, s3;
	char name[128];

	f1 = feed(t, b, frame(b, z, 40000, a, 5201, 0x02, 1460, 1, 0), &s1);	/* SYN from the higher address */
	f2 = feed(t, b, frame(b, a, 5201, z, 40000, 0x12, 1000, 1, 0), &s2);	/* SYN-ACK, MSS 1000 */
	f3 = feed(t, b, frame(b, z, 40000, a, 5201, 0x10, 0, 1, 1000), &s3);
	CHECK(f1 && f1 == f2 && f2 == f3, "both directions are one flow");
	CHECK(s1 != s2 && s1 == s3, "sides follow the sender");
	CHECK_EQ(f1->initiator, s1, "the SYN's sender is the initiator");
	CHECK_EQ(f1->side[s1].mss, 1460, "client MSS from the SYN");
	CHECK_EQ(f1->side[s2].mss, 1000, "server MSS from the SYN-ACK");
	CHECK_EQ(oc_flow_segment_payload(f1, s1, 1500), 988, "client segments: 1000 - 12 timestamp bytes");
	CHECK_EQ(oc_flow_segment_payload(f1, s2, 1500), 1448, "server segments: 1460 - 12");
	CHECK_EQ(oc_flow_segment_payload(f1, s2, 1280), 1228, "a smaller MTU caps the segment: 1280 - 40 - 12");
	oc_flow_format(f1, name, sizeof(name));
	CHECK(!strcmp(name, "198.18.0.2:40000 > 198.18.0.1:5201"), "named from the initiator: %s", name);
	oc_flows_free(t);
}

static void test_eviction(void)
{
	struct oc_flow_table *t = oc_flows_new(4);
	struct oc_flow *v[8];
	uint8_t b[200];
	int side;

	for (uint16_t port = 1; port <= 6; port++)
		feed(t, b, frame(b, 0x0a000001, port, 0x0a000002, 80, 0x10, 0, 0, 0), &side);
	CHECK_EQ(oc_flows_count(t), 4, "never more flows than the limit");
	CHECK_EQ(oc_flows_evicted(t), 2, "the two oldest were evicted and counted");
	CHECK_EQ(oc_flows_list(t, v, 8), 4, "the list holds the tracked ones");
	CHECK_EQ(v[0]->key.port[0], 3, "oldest kept is the third flow");
	feed(t, b, frame(b, 0x0a000001, 3, 0x0a000002, 80, 0x10, 0, 0, 0), &side);
	feed(t, b, frame(b, 0x0a000001, 7, 0x0a000002, 80, 0x10, 0, 0, 0), &side);
	oc_flows_list(t, v, 8);
	CHECK(v[0]->key.port[0] == 3 && v[1]->key.port[0] == 5, "a flow seen again is not evicted (LRU)");
	oc_flows_free(t);
}

static void test_not_a_flow(void)
{
	struct oc_flow_table *t = oc_flows_new(4);
	uint8_t b[200];
	struct oc_parsed p;
	int side;
	uint32_t n = frame(b, 1, 1, 2, 2, 0x10, 0, 0, 0);

	b[23] = 1;	/* ICMP */
	oc_parse(b, n, n, OC_LINKTYPE_ETHERNET, &p);
	CHECK(!oc_flows_get(t, &p, 1, &side), "no ports, no flow");
	oc_flows_free(t);
}

/* Segments carrying SACK blocks (or MPTCP, MD5...) have less room for payload
 * than 1460 - 12: subtract the option bytes they actually carry. */
static void test_options_carried(void)
{
	struct oc_flow_table *t = oc_flows_new(4);
	uint8_t b[2000];
	/* NOP NOP TS(10) NOP NOP SACK(2 blocks: 18) = 32 option bytes */
	static const uint8_t opts[32] = { 1, 1, 8, 10, [12] = 1, 1, 5, 18 };
	uint32_t a = 0xc6120001, z = 0xc6120002;
	struct oc_flow *f;
	int c, sv;

	feed(t, b, frame(b, a, 40000, z, 5201, 0x02, 1460, 1, 0), &c);
	feed(t, b, frame(b, z, 5201, a, 40000, 0x12, 1460, 1, 0), &sv);
	f = feed(t, b, frame(b, a, 40000, z, 5201, 0x10, 0, 1, 1448), &c);
	CHECK_EQ(oc_flow_segment_payload(f, c, 1500), 1448, "timestamps only: 1460 - 12");
	f = feed(t, b, frame_opts(b, a, z, 0x10, opts, sizeof(opts), 1000), &c);
	CHECK_EQ(f->side[c].opt_max, 32, "the option bytes a data segment carried");
	CHECK_EQ(oc_flow_segment_payload(f, c, 1500), 1428, "timestamps and two SACK blocks: 1460 - 32");
	oc_flows_free(t);
}

/* A SYN without an MSS option is not "MSS 0"; the same SYN seen again with
 * another MSS is a clamp on the path. */
static void test_mss_option_and_clamp(void)
{
	struct oc_flow_table *t = oc_flows_new(4);
	uint8_t b[2000];
	uint32_t a = 0xc6120001, z = 0xc6120002;
	struct oc_flow *f;
	int c;

	f = feed(t, b, frame(b, a, 40000, z, 5201, 0x02, 0, 0, 0), &c);
	CHECK(f->side[c].syn_seen && !f->side[c].has_mss, "a SYN without an MSS option is recorded as such");
	f = feed(t, b, frame(b, a, 40000, z, 5201, 0x02, 1460, 0, 0), &c);
	CHECK(f->side[c].has_mss && f->side[c].mss == 1460, "a SYN with an MSS option");
	{
		struct oc_parsed p;
		uint32_t n = frame(b, a, 40000, z, 5201, 0x02, 1360, 0, 0);

		oc_parse(b, n, n, OC_LINKTYPE_ETHERNET, &p);
		f = oc_flows_get(t, &p, 1, &c);
		CHECK_EQ(oc_flow_learn_tcp(f, c, &p.outer.l4.tcp, 0), 1, "the same SYN with MSS 1360: a clamp");
	}
	CHECK(f->side[c].clamp_from == 0 && f->side[c].clamp_to == 1360,
	      "first clamp recorded from the first value seen (no option -> 1460 -> 1360: from 0)");
	CHECK_EQ(f->side[c].mss, 1360, "the MSS the peer got is the last seen");
	oc_flows_free(t);
}

int main(void)
{
	test_options_carried();
	test_mss_option_and_clamp();
	test_handshake();
	test_eviction();
	test_not_a_flow();
	return check_done();
}
