/* Parser: a table of crafted packets with every expected field checked,
 * malformed ones checked for flag and description, and a deterministic
 * mutation loop (flip bytes, truncate) that must never read out of bounds
 * (run under ASan). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "csum.h"
#include "parse.h"
#include "pkt.h"

/* Every packet is built here; keep() copies the valid ones. */
static uint8_t frame[2048];

/* The SRH's final destination. */
static const uint8_t SRH_DST6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 9 };

static int parse(const struct pkt *p, uint16_t linktype, struct oc_parsed *out)
{
	return oc_parse(p->b, p->n, p->n, linktype, out);
}

static int same(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* The valid packets, kept for the mutation loop. */
#define MAX_SAMPLES 32
static uint8_t sample_bytes[MAX_SAMPLES][sizeof(frame)];
static struct pkt samples[MAX_SAMPLES];
static uint16_t sample_link[MAX_SAMPLES];
static int n_samples;

static void keep(const struct pkt *p, uint16_t linktype)
{
	if (n_samples < MAX_SAMPLES) {
		memcpy(sample_bytes[n_samples], p->b, p->n);
		samples[n_samples] = (struct pkt){ sample_bytes[n_samples], p->n };
		sample_link[n_samples++] = linktype;
	}
}

/* Ethernet + IPv4 + TCP ACK with options opt, the IP header filled in. */
static void tcp_pkt(struct pkt *p, const uint8_t *opt, uint32_t optlen)
{
	uint32_t ip;

	p->n = 0;
	eth(p, 0x0800);
	ip = ipv4(p, 6, 0x1234, HOST4_A, HOST4_B);
	tcp(p, 1, 2, 3, 0x010, opt, optlen);
	ipv4_done(p, ip);
}

/* ---- valid packets ---- */

/* MSS 1460, NOP, wscale 7, SACK-permitted, timestamps, unknown kind 30. */
static const uint8_t ALL_OPTS[] = {
	2, 4, 0x05, 0xb4,
	1, 3, 3, 7,
	4, 2, 8, 10, 0, 0, 0x11, 0x11, 0, 0, 0x22, 0x22,
	30, 4, 0xab, 0xcd,
};

static void test_ipv4_tcp_options(void)
{
	struct pkt p = { frame, 0 };
	struct oc_parsed r;
	const struct oc_layer *l;
	uint32_t ip;

	eth(&p, 0x0800);
	ip = ipv4(&p, 6, 0x1234, HOST4_A, HOST4_B);
	tcp(&p, 40000, 80, 1000, 0x0c2 /* SYN|ECE|CWR */, ALL_OPTS, sizeof(ALL_OPTS));
	ipv4_done(&p, ip);
	keep(&p, OC_LINKTYPE_ETHERNET);

	CHECK_EQ(parse(&p, OC_LINKTYPE_ETHERNET, &r), 0, "IPv4/TCP options: parses");
	l = oc_flow(&r);
	CHECK_EQ(r.flags, 0, "no flags");
	CHECK(r.error == NULL, "no error");
	CHECK_EQ(r.link.ethertype, 0x0800, "ethertype");
	CHECK_EQ(r.link.l3_off, 14, "l3 offset");
	CHECK(memcmp(r.link.src, MAC_SRC, 6) == 0 && memcmp(r.link.dst, MAC_DST, 6) == 0, "MACs");
	CHECK_EQ(l->ip.version, 4, "version");
	CHECK_EQ(l->ip.off, 14, "ip offset");
	CHECK_EQ(l->ip.hdr_len, 20, "ip hdr_len");
	CHECK_EQ(l->ip.len_field, 20 + 20 + sizeof(ALL_OPTS), "tot_len");
	CHECK_EQ(l->ip.len, l->ip.len_field, "ip len");
	CHECK_EQ(l->ip.id, 0x1234, "id");
	CHECK(l->ip.df && !l->ip.mf && l->ip.frag_off == 0 && !l->ip.is_fragment, "DF only");
	CHECK_EQ(l->ip.ttl, 64, "ttl");
	CHECK_EQ(l->ip.proto, 6, "proto");
	CHECK(l->ip.csum_ok, "IPv4 header checksum valid");
	CHECK(memcmp(l->ip.src, HOST4_A, 4) == 0 && memcmp(l->ip.dst, HOST4_B, 4) == 0, "addresses");
	CHECK_EQ(l->l4.kind, OC_L4_TCP, "tcp");
	CHECK_EQ(l->l4.off, 34, "tcp offset");
	CHECK_EQ(l->l4.tcp.sport, 40000, "sport");
	CHECK_EQ(l->l4.tcp.dport, 80, "dport");
	CHECK_EQ(l->l4.tcp.seq, 1000, "seq");
	CHECK_EQ(l->l4.tcp.ack, 0x01020304, "ack");
	CHECK_EQ(l->l4.tcp.doff, 11, "data offset");
	CHECK_EQ(l->l4.tcp.flags, OC_TH_SYN | OC_TH_ECE | OC_TH_CWR, "flags incl. ECE/CWR");
	CHECK_EQ(l->l4.tcp.window, 502, "window");
	CHECK_EQ(l->l4.tcp.csum, 0xbeef, "checksum field");
	CHECK_EQ(l->l4.tcp.urg, 7, "urgent pointer");
	CHECK_EQ(l->l4.tcp.opt.len, sizeof(ALL_OPTS), "option bytes");
	CHECK_EQ(l->l4.tcp.opt.present,
		 OC_TCPOPT_MSS | OC_TCPOPT_WSCALE | OC_TCPOPT_SACKOK | OC_TCPOPT_TS, "options present");
	CHECK_EQ(l->l4.tcp.opt.mss, 1460, "MSS");
	CHECK_EQ(l->l4.tcp.opt.wscale, 7, "wscale");
	CHECK_EQ(l->l4.tcp.opt.tsval, 0x1111, "tsval");
	CHECK_EQ(l->l4.tcp.opt.tsecr, 0x2222, "tsecr");
	CHECK_EQ(l->l4.tcp.opt.ts_off, 34 + 20 + 10, "timestamp option offset");
	CHECK_EQ(l->l4.tcp.opt.nop, 1, "NOPs");
	CHECK_EQ(l->l4.tcp.opt.unknown, 1, "unknown options");
	CHECK_EQ(l->l4.tcp.opt.unknown_kind[0], 30, "unknown kind");
	CHECK_EQ(l->l4.hdr_len, 44, "tcp header length");
	CHECK_EQ(l->l4.payload_off, 78, "payload offset");
	CHECK_EQ(l->l4.payload_len, 0, "payload length");
}

static void test_tcp_sack_payload_snaplen(void)
{
	static const uint8_t opt[24] = { 1, 1, 5, 18, 0, 0, 0, 10, 0, 0, 0, 20,
					 0, 0, 0, 30, 0, 0, 0, 40 /* then EOL padding */ };
	struct pkt p = { frame, 0 };
	struct oc_parsed r;
	uint32_t ip;

	eth(&p, 0x0800);
	ip = ipv4(&p, 6, 0x1234, HOST4_A, HOST4_B);
	tcp(&p, 1, 2, 3, 0x018, opt, sizeof(opt));
	payload(&p, 1000);
	ipv4_done(&p, ip);
	keep(&p, OC_LINKTYPE_ETHERNET);
	/* snaplen 96: payload cut, not an error */
	CHECK_EQ(oc_parse(p.b, 96, p.n, OC_LINKTYPE_ETHERNET, &r), 0, "snaplen-cut packet parses");
	CHECK_EQ(r.outer.l4.tcp.opt.sack_blocks, 2, "two SACK blocks");
	CHECK(r.outer.l4.tcp.opt.sack[1][0] == 30 && r.outer.l4.tcp.opt.sack[1][1] == 40, "SACK edges");
	CHECK(r.outer.l4.tcp.opt.present & OC_TCPOPT_EOL, "EOL seen");
	CHECK_EQ(r.outer.l4.payload_len, 1000, "payload length from IP, not caplen");
	CHECK_EQ(r.outer.l4.payload_captured, 96 - 78, "payload captured");
}

/* IPv6 + HBH (jumbo) + routing (SRH, 1 segment left) + TCP, BIG TCP. */
static void test_ipv6_jumbo_routing(void)
{
	struct pkt p = { frame, 0 };
	struct oc_parsed r;
	const struct oc_layer *l;
	uint32_t len = 100000;

	eth(&p, 0x86dd);
	ipv6(&p, 0, HOST6_A, HOST6_B);
	hbh_jumbo(&p, 43, len - 14 - 40);
	/* SRH: next TCP, hdrlen 4 (40 bytes), type 4, segments left 1 */
	u8(&p, 6);
	u8(&p, 4);
	u8(&p, 4);
	u8(&p, 1);
	u8(&p, 1);	/* last entry */
	u8(&p, 0);
	u16(&p, 0);
	bytes(&p, SRH_DST6, 16);	/* segment list[0]: the final destination */
	bytes(&p, HOST6_B, 16);
	tcp(&p, 443, 50000, 7, 0x010, NULL, 0);
	keep(&p, OC_LINKTYPE_ETHERNET);

	CHECK_EQ(oc_parse(p.b, p.n, len, OC_LINKTYPE_ETHERNET, &r), 0, "IPv6 jumbo: parses");
	l = oc_flow(&r);
	CHECK_EQ(l->ip.version, 6, "v6");
	CHECK_EQ(l->ip.len_field, 0, "payload_len 0");
	CHECK_EQ(l->ip.flow_label, 0x12345, "flow label");
	CHECK_EQ(l->ip.n_ext, 2, "two extension headers");
	CHECK(l->ip.ext[0] == 0 && l->ip.ext[1] == 43, "chain HBH, routing");
	CHECK_EQ(l->ip.ext_len, 48, "extension bytes");
	CHECK_EQ(l->ip.hdr_len, 88, "header length");
	CHECK_EQ(l->ip.hbh_off, 54, "HBH offset");
	CHECK_EQ(l->ip.hbh_len, 8, "HBH length");
	CHECK_EQ(l->ip.jumbo, len - 54, "jumbo value");
	CHECK_EQ(l->ip.jumbo_off, 56, "jumbo option offset");
	CHECK(l->ip.bigtcp && (r.flags & OC_PARSE_BIGTCP), "BIG TCP flagged");
	CHECK_EQ(l->ip.len, len - 14, "IP length from jumbo");
	CHECK(!l->ip.len_mismatch, "lengths agree");
	CHECK(l->ip.has_final_dst && memcmp(l->ip.final_dst, SRH_DST6, 16) == 0,
	      "SRH final destination");
	CHECK_EQ(l->ip.proto, 6, "TCP after extensions");
	CHECK_EQ(l->l4.off, 14 + 88, "TCP offset");
	CHECK_EQ(l->l4.payload_len, len - 14 - 88 - 20, "payload length");
	CHECK_EQ(l->l4.payload_captured, 0, "no payload captured");
}

/* 802.1ad + 802.1Q + IPv4 + UDP. */
static void test_qinq(void)
{
	struct pkt p = { frame, 0 };
	struct oc_parsed r;
	uint32_t ip, u;

	eth_macs(&p);
	u16(&p, 0x88a8);
	u16(&p, 0x2064);	/* PCP 1, VID 100 */
	u16(&p, 0x8100);
	u16(&p, 0x00c8);	/* VID 200 */
	u16(&p, 0x0800);
	ip = ipv4(&p, 17, 0x1234, HOST4_A, HOST4_B);
	u = udp(&p, 5353, 53);
	payload(&p, 10);
	udp_done(&p, u);
	ipv4_done(&p, ip);
	keep(&p, OC_LINKTYPE_ETHERNET);

	CHECK_EQ(parse(&p, OC_LINKTYPE_ETHERNET, &r), 0, "QinQ: parses");
	CHECK_EQ(r.link.n_vlan, 2, "two tags");
	CHECK_EQ(r.link.vlan_off, 12, "tags at 12");
	CHECK(r.link.vlan[0].tpid == 0x88a8 && r.link.vlan[0].tci == 0x2064, "outer tag");
	CHECK(r.link.vlan[1].tpid == 0x8100 && r.link.vlan[1].tci == 0x00c8, "inner tag");
	CHECK_EQ(r.link.l3_off, 22, "l3 after tags");
	CHECK_EQ(r.outer.l4.kind, OC_L4_UDP, "udp");
	CHECK(r.outer.l4.udp.sport == 5353 && r.outer.l4.udp.dport == 53, "udp ports");
	CHECK_EQ(r.outer.l4.udp.len, 18, "udp length");
	CHECK_EQ(r.outer.l4.payload_len, 10, "udp payload");
}

/* Ethernet/IPv4/UDP/VXLAN/Ethernet/IPv4/TCP. */
static void build_vxlan(struct pkt *p)
{
	uint32_t ip, u, iip;

	eth(p, 0x0800);
	ip = ipv4(p, 17, 0x1234, EDGE4_A, EDGE4_B);
	u = udp(p, 49152, 4789);
	u8(p, 0x08);
	zeros(p, 3);
	u32(p, 0x00123400);	/* VNI 0x1234 */
	eth(p, 0x0800);
	iip = ipv4(p, 6, 0x1234, HOST4_A, HOST4_B);
	tcp(p, 33000, 22, 99, 0x018, NULL, 0);
	payload(p, 5);
	ipv4_done(p, iip);
	udp_done(p, u);
	ipv4_done(p, ip);
}

static void test_vxlan(void)
{
	struct pkt p = { frame, 0 };
	struct oc_parsed r;
	const struct oc_layer *l;

	build_vxlan(&p);
	keep(&p, OC_LINKTYPE_ETHERNET);
	CHECK_EQ(parse(&p, OC_LINKTYPE_ETHERNET, &r), 0, "VXLAN: parses");
	CHECK(r.has_inner && (r.flags & OC_PARSE_TUNNEL), "has inner");
	CHECK_EQ(r.tun.kind, OC_TUN_VXLAN, "vxlan");
	CHECK_EQ(r.tun.vni, 0x1234, "VNI");
	CHECK_EQ(r.tun.off, 42, "VXLAN header offset");
	CHECK_EQ(r.tun.inner_off, 50, "inner Ethernet offset");
	CHECK(r.tun.inner_is_eth && r.tun.eth.ethertype == 0x0800, "inner Ethernet");
	CHECK_EQ(r.outer.l4.udp.dport, 4789, "outer UDP");
	l = oc_flow(&r);
	CHECK(l == &r.inner, "flow is the inner packet");
	CHECK_EQ(l->ip.off, 64, "inner IP offset");
	CHECK(memcmp(l->ip.src, HOST4_A, 4) == 0, "inner source");
	CHECK_EQ(l->l4.kind, OC_L4_TCP, "inner TCP");
	CHECK(l->l4.tcp.sport == 33000 && l->l4.tcp.dport == 22, "inner ports");
	CHECK_EQ(l->l4.payload_len, 5, "inner payload");
	CHECK_EQ(oc_l4csum_check(p.b, p.n, &r.outer), OC_L4CSUM_NONE, "outer UDP checksum 0");
}

/* GENEVE with 8 bytes of options carrying Ethernet/IPv6/UDP. */
static void test_geneve(void)
{
	struct pkt p = { frame, 0 };
	struct oc_parsed r;
	uint32_t ip, u, iip, iu;

	eth(&p, 0x0800);
	ip = ipv4(&p, 17, 0x1234, EDGE4_A, EDGE4_B);
	u = udp(&p, 50000, 6081);
	u8(&p, 2);	/* ver 0, optlen 2 words */
	u8(&p, 0);
	u16(&p, 0x6558);
	u32(&p, 0x00abcd00);
	u32(&p, 0x01020304);	/* option */
	u32(&p, 0x05060708);
	eth(&p, 0x86dd);
	iip = ipv6(&p, 17, HOST6_A, HOST6_B);
	iu = udp(&p, 1000, 2000);
	payload(&p, 3);
	udp_done(&p, iu);
	ipv6_done(&p, iip);
	udp_done(&p, u);
	ipv4_done(&p, ip);
	keep(&p, OC_LINKTYPE_ETHERNET);

	CHECK_EQ(parse(&p, OC_LINKTYPE_ETHERNET, &r), 0, "GENEVE: parses");
	CHECK_EQ(r.tun.kind, OC_TUN_GENEVE, "geneve");
	CHECK_EQ(r.tun.vni, 0xabcd, "VNI");
	CHECK_EQ(r.tun.hdr_len, 16, "header with options");
	CHECK_EQ(r.tun.proto, 0x6558, "carries Ethernet");
	CHECK_EQ(r.inner.ip.version, 6, "inner IPv6");
	CHECK_EQ(r.inner.l4.udp.dport, 2000, "inner UDP port");
	CHECK_EQ(r.inner.l4.payload_len, 3, "inner payload");
}

/* GRE with key (and with csum+key+seq carrying Ethernet). */
static void test_gre(void)
{
	struct pkt p = { frame, 0 };
	struct oc_parsed r;
	uint32_t ip, iip;

	eth(&p, 0x0800);
	ip = ipv4(&p, 47, 0x1234, EDGE4_A, EDGE4_B);
	u16(&p, 0x2000);	/* K */
	u16(&p, 0x0800);
	u32(&p, 0xdeadbeef);
	iip = ipv4(&p, 6, 0x1234, HOST4_A, HOST4_B);
	tcp(&p, 1234, 5678, 1, 0x010, NULL, 0);
	ipv4_done(&p, iip);
	ipv4_done(&p, ip);
	keep(&p, OC_LINKTYPE_ETHERNET);

	CHECK_EQ(parse(&p, OC_LINKTYPE_ETHERNET, &r), 0, "GRE key: parses");
	CHECK_EQ(r.tun.kind, OC_TUN_GRE, "gre");
	CHECK(r.tun.has_key && !r.tun.has_csum && !r.tun.has_seq, "key only");
	CHECK_EQ(r.tun.vni, 0xdeadbeef, "key value");
	CHECK_EQ(r.tun.hdr_len, 8, "GRE header length");
	CHECK_EQ(r.outer.l4.kind, OC_L4_GRE, "outer L4 is GRE");
	CHECK_EQ(r.inner.l4.tcp.dport, 5678, "inner TCP");

	p.n = 0;
	eth(&p, 0x86dd);
	ip = ipv6(&p, 47, HOST6_A, HOST6_B);
	u16(&p, 0xb000);	/* C K S */
	u16(&p, 0x6558);
	u16(&p, 0x1111);
	u16(&p, 0);
	u32(&p, 42);
	u32(&p, 7);
	eth(&p, 0x0800);
	iip = ipv4(&p, 17, 0x1234, HOST4_A, HOST4_B);
	ip = udp(&p, 1, 2);
	udp_done(&p, ip);
	ipv4_done(&p, iip);
	ipv6_done(&p, 14);
	keep(&p, OC_LINKTYPE_ETHERNET);
	CHECK_EQ(parse(&p, OC_LINKTYPE_ETHERNET, &r), 0, "GRE TEB csum/key/seq: parses");
	CHECK(r.tun.has_csum && r.tun.has_key && r.tun.has_seq, "all GRE fields");
	CHECK(r.tun.gre_csum == 0x1111 && r.tun.vni == 42 && r.tun.gre_seq == 7, "GRE values");
	CHECK_EQ(r.tun.gre_csum_off, 58, "GRE checksum offset");
	CHECK(r.tun.inner_is_eth && r.inner.l4.kind == OC_L4_UDP, "TEB inner UDP");
}

static void test_icmp_frag_needed(void)
{
	struct pkt p = { frame, 0 };
	struct oc_parsed r;
	uint32_t ip, qip;

	eth(&p, 0x0800);
	ip = ipv4(&p, 1, 0x1234, EDGE4_B, HOST4_A);
	u8(&p, 3);
	u8(&p, 4);
	u16(&p, 0);
	u16(&p, 0);
	u16(&p, 1400);
	qip = ipv4(&p, 6, 0x1234, HOST4_A, HOST4_B);
	set16(p.b, qip + 2, 1500);
	u16(&p, 40000);
	u16(&p, 443);
	u32(&p, 0xcafe);
	ipv4_done(&p, ip);
	keep(&p, OC_LINKTYPE_ETHERNET);

	CHECK_EQ(parse(&p, OC_LINKTYPE_ETHERNET, &r), 0, "ICMP frag needed: parses");
	CHECK_EQ(r.outer.l4.kind, OC_L4_ICMP, "icmp");
	CHECK(r.outer.l4.icmp.type == 3 && r.outer.l4.icmp.code == 4, "type/code");
	CHECK(r.outer.l4.icmp.has_mtu && r.outer.l4.icmp.mtu == 1400, "MTU 1400");
	CHECK(r.outer.l4.icmp.has_quote && r.outer.l4.icmp.q_proto == 6, "quoted TCP");
	CHECK(memcmp(r.outer.l4.icmp.q_src, HOST4_A, 4) == 0, "quoted source");
	CHECK(r.outer.l4.icmp.has_ports && r.outer.l4.icmp.q_sport == 40000 &&
	      r.outer.l4.icmp.q_dport == 443, "quoted ports");
	CHECK(r.outer.l4.icmp.has_seq && r.outer.l4.icmp.q_seq == 0xcafe, "quoted seq");
}

static void test_icmp6_ptb(void)
{
	struct pkt p = { frame, 0 };
	struct oc_parsed r;
	uint32_t ip;

	eth(&p, 0x86dd);
	ip = ipv6(&p, 58, HOST6_B, HOST6_A);
	u8(&p, 2);
	u8(&p, 0);
	u16(&p, 0);
	u32(&p, 1280);
	ipv6(&p, 6, HOST6_A, HOST6_B);
	u16(&p, 50000);
	u16(&p, 8080);
	u32(&p, 1);
	ipv6_done(&p, ip);
	keep(&p, OC_LINKTYPE_ETHERNET);

	CHECK_EQ(parse(&p, OC_LINKTYPE_ETHERNET, &r), 0, "ICMPv6 PTB: parses");
	CHECK_EQ(r.outer.l4.kind, OC_L4_ICMPV6, "icmpv6");
	CHECK(r.outer.l4.icmp.has_mtu && r.outer.l4.icmp.mtu == 1280, "MTU 1280");
	CHECK(r.outer.l4.icmp.q_version == 6 && r.outer.l4.icmp.has_ports &&
	      r.outer.l4.icmp.q_sport == 50000 && r.outer.l4.icmp.q_dport == 8080, "quoted ports");
}

static void test_linktypes(void)
{
	struct pkt p = { frame, 0 };
	struct oc_parsed r;
	uint32_t ip;

	/* SLL: outgoing, ARPHRD_ETHER */
	u16(&p, 4);
	u16(&p, 1);
	u16(&p, 6);
	bytes(&p, MAC_SRC, 6);
	zeros(&p, 2);
	u16(&p, 0x0800);
	ip = ipv4(&p, 6, 0x1234, HOST4_A, HOST4_B);
	tcp(&p, 1, 2, 3, 0x010, NULL, 0);
	ipv4_done(&p, ip);
	keep(&p, OC_LINKTYPE_LINUX_SLL);
	CHECK_EQ(parse(&p, OC_LINKTYPE_LINUX_SLL, &r), 0, "SLL: parses");
	CHECK(r.link.sll_pkttype == 4 && r.link.sll_hatype == 1, "SLL fields");
	CHECK(r.outer.ip.off == 16 && r.outer.l4.tcp.dport == 2, "SLL payload");

	p.n = 0;
	u16(&p, 0x86dd);
	u16(&p, 0);
	u32(&p, 7);	/* ifindex */
	u16(&p, 1);
	u8(&p, 0);	/* host */
	u8(&p, 6);
	bytes(&p, MAC_SRC, 6);
	zeros(&p, 2);
	ip = ipv6(&p, 17, HOST6_A, HOST6_B);
	ip = udp(&p, 9, 10);
	udp_done(&p, ip);
	ipv6_done(&p, 20);
	keep(&p, OC_LINKTYPE_LINUX_SLL2);
	CHECK_EQ(parse(&p, OC_LINKTYPE_LINUX_SLL2, &r), 0, "SLL2: parses");
	CHECK(r.link.sll_ifindex == 7 && r.link.sll_pkttype == 0, "SLL2 fields");
	CHECK(r.outer.ip.version == 6 && r.outer.ip.off == 20 && r.outer.l4.udp.dport == 10,
	      "SLL2 payload");

	p.n = 0;
	ip = ipv4(&p, 6, 0x1234, HOST4_A, HOST4_B);
	tcp(&p, 5, 6, 7, 0x010, NULL, 0);
	ipv4_done(&p, ip);
	keep(&p, OC_LINKTYPE_RAW);
	CHECK_EQ(parse(&p, OC_LINKTYPE_RAW, &r), 0, "RAW IPv4: parses");
	CHECK(r.outer.ip.off == 0 && r.outer.l4.tcp.sport == 5, "RAW IPv4 fields");
	p.n = 0;
	ip = ipv6(&p, 6, HOST6_A, HOST6_B);
	tcp(&p, 5, 6, 7, 0x010, NULL, 0);
	ipv6_done(&p, ip);
	keep(&p, OC_LINKTYPE_RAW);
	CHECK_EQ(parse(&p, OC_LINKTYPE_RAW, &r), 0, "RAW IPv6: parses");
	CHECK_EQ(r.outer.ip.version, 6, "RAW IPv6 version");
}

static void test_bigtcp_v4(void)
{
	struct pkt p = { frame, 0 };
	struct oc_parsed r;

	tcp_pkt(&p, NULL, 0);
	set16(p.b, 14 + 2, 0);	/* tot_len */
	keep(&p, OC_LINKTYPE_ETHERNET);
	CHECK_EQ(oc_parse(p.b, p.n, 70000, OC_LINKTYPE_ETHERNET, &r), 0, "BIG TCP v4: parses");
	CHECK(r.outer.ip.bigtcp && (r.flags & OC_PARSE_BIGTCP), "bigtcp flagged");
	CHECK_EQ(r.outer.ip.len, 70000 - 14, "IP length from the frame");
	CHECK_EQ(r.outer.l4.payload_len, 70000 - 54, "payload length");
	CHECK(!(r.flags & OC_PARSE_LEN_MISMATCH), "no mismatch");
}

/* IPv6 BIG TCP without HBH: payload_len 0 on a frame over 64 KiB. */
static void test_bigtcp_v6_plain(void)
{
	struct pkt p = { frame, 0 };
	struct oc_parsed r;

	eth(&p, 0x86dd);
	ipv6(&p, 6, HOST6_A, HOST6_B);
	tcp(&p, 1, 2, 3, 0x010, NULL, 0);
	CHECK_EQ(oc_parse(p.b, p.n, 80000, OC_LINKTYPE_ETHERNET, &r), 0, "BIG TCP v6: parses");
	CHECK(r.outer.ip.bigtcp && !r.outer.ip.jumbo, "bigtcp without jumbo");
	CHECK_EQ(r.outer.l4.payload_len, 80000 - 74, "payload from the frame");
	/* The same header on a small frame: an empty IPv6 packet, TCP past it. */
	CHECK_EQ(parse(&p, OC_LINKTYPE_ETHERNET, &r), -1, "payload_len 0 small frame: error");
	CHECK(same(r.error, "IP payload too short for TCP"), "payload_len 0 small frame: why");
}

static void test_len_mismatch(void)
{
	struct pkt p = { frame, 0 };
	struct oc_parsed r;

	tcp_pkt(&p, NULL, 0);
	zeros(&p, 6);	/* Ethernet padding to 60 */
	CHECK_EQ(parse(&p, OC_LINKTYPE_ETHERNET, &r), 0, "padded frame parses");
	CHECK(r.outer.ip.trailer == 6 && !r.outer.ip.len_mismatch, "padding is not a mismatch");
	zeros(&p, 100);
	parse(&p, OC_LINKTYPE_ETHERNET, &r);
	CHECK(r.outer.ip.len_mismatch && (r.flags & OC_PARSE_LEN_MISMATCH), "long trailer flagged");
}

/* ---- malformed ---- */

struct bad_case {
	const char *name;
	uint32_t flag;
	const char *error;
};

static void expect_bad(const struct pkt *p, uint32_t caplen, const struct bad_case *c)
{
	struct oc_parsed r;
	int ret = oc_parse(p->b, caplen, caplen, OC_LINKTYPE_ETHERNET, &r);

	CHECK(ret == -1 && (r.flags & c->flag), "%s: flagged", c->name);
	CHECK(same(r.error, c->error), "%s: \"%s\"", c->name, r.error ? r.error : "(null)");
}

static void test_malformed(void)
{
	struct pkt p = { frame, 0 };
	static const uint8_t opt0[] = { 8, 0, 0, 0 };
	static const uint8_t optpast[] = { 1, 1, 8, 10 };
	static const uint8_t mss3[] = { 2, 3, 5, 0 };

	tcp_pkt(&p, NULL, 0);
	p.b[14] = 0x44;
	expect_bad(&p, p.n, &(struct bad_case){ "IHL < 5", OC_PARSE_MALFORMED, "IPv4 IHL < 5" });

	tcp_pkt(&p, NULL, 0);
	set16(p.b, 16, 16);
	expect_bad(&p, p.n, &(struct bad_case){ "tot_len < IHL", OC_PARSE_MALFORMED,
						"IPv4 tot_len < IHL" });

	tcp_pkt(&p, NULL, 0);
	p.b[46] = 0x40;
	expect_bad(&p, p.n, &(struct bad_case){ "doff < 5", OC_PARSE_MALFORMED, "TCP data offset < 5" });

	tcp_pkt(&p, NULL, 0);
	p.b[46] = 0xf0;
	expect_bad(&p, p.n, &(struct bad_case){ "doff past end", OC_PARSE_MALFORMED,
						"TCP data offset past end of packet" });

	tcp_pkt(&p, opt0, sizeof(opt0));
	expect_bad(&p, p.n, &(struct bad_case){ "option length 0", OC_PARSE_MALFORMED,
						"TCP option length 0" });

	tcp_pkt(&p, optpast, sizeof(optpast));
	expect_bad(&p, p.n, &(struct bad_case){ "option past header", OC_PARSE_MALFORMED,
						"TCP option runs past header" });

	tcp_pkt(&p, mss3, sizeof(mss3));
	expect_bad(&p, p.n, &(struct bad_case){ "MSS length 3", OC_PARSE_MALFORMED,
						"MSS option of wrong length" });

	p.n = 0;
	eth_macs(&p);
	u16(&p, 0x8100);
	u16(&p, 5);
	expect_bad(&p, p.n, &(struct bad_case){ "truncated VLAN", OC_PARSE_TRUNCATED,
						"truncated VLAN tag" });

	tcp_pkt(&p, NULL, 0);
	expect_bad(&p, 10, &(struct bad_case){ "10-byte Ethernet", OC_PARSE_TRUNCATED,
					       "truncated Ethernet header" });
	expect_bad(&p, 0, &(struct bad_case){ "empty", OC_PARSE_TRUNCATED, "empty packet" });
	expect_bad(&p, 40, &(struct bad_case){ "cut in TCP", OC_PARSE_TRUNCATED,
					       "truncated TCP header" });

	{
		struct oc_parsed r;

		CHECK_EQ(oc_parse(NULL, 0, 0, OC_LINKTYPE_ETHERNET, &r), -1, "NULL data is empty");
		CHECK_EQ(oc_parse(p.b, p.n, p.n, 9999, &r), 0, "unknown linktype is not an error");
		CHECK(r.flags & OC_PARSE_UNKNOWN, "unknown linktype flagged");
	}
}

/* ---- mutation loop ---- */

static uint32_t rng = 12345;

static uint32_t next_rand(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

/* Exact-size heap copies so ASan sees any read past caplen. */
static void mutate_all(void)
{
	unsigned iter, bad = 0, parsed = 0;
	struct oc_parsed r;

	for (iter = 0; iter < 200000; iter++) {
		const struct pkt *s = &samples[iter % (unsigned)n_samples];
		uint32_t caplen = s->n, len, flips = 1 + next_rand() % 4, i;
		uint8_t *buf;

		if (next_rand() % 3 == 0)
			caplen = next_rand() % (s->n + 1);
		len = caplen + (next_rand() % 4 == 0 ? next_rand() % 70000 : 0);
		buf = malloc(caplen ? caplen : 1);
		memcpy(buf, s->b, caplen);
		for (i = 0; caplen && i < flips; i++)
			buf[next_rand() % caplen] ^= (uint8_t)(1u << next_rand() % 8);
		if (oc_parse(buf, caplen, len, sample_link[iter % (unsigned)n_samples], &r) == 0)
			parsed++;
		else if (!r.error)
			bad++;
		if (r.outer.l4.kind == OC_L4_TCP || r.outer.l4.kind == OC_L4_UDP)
			(void)oc_l4csum_check(buf, caplen, &r.outer);
		if (r.has_inner)
			(void)oc_l4csum_check(buf, caplen, &r.inner);
		free(buf);
	}
	CHECK_EQ(bad, 0, "every failed parse has a description (%u parsed cleanly)", parsed);
	CHECK(n_samples >= 15, "mutation corpus of %d packets", n_samples);
}

/* The link layer alone (oc_link_l3): every link type's header, every VLAN tag. */
static void test_link_l3(void)
{
	uint8_t f[64] = { 0 };
	uint16_t et;

	f[12] = 0x88, f[13] = 0xa8, f[16] = 0x81, f[17] = 0x00, f[20] = 0x08, f[21] = 0x00;	/* QinQ */
	CHECK(oc_link_l3(f, sizeof(f), OC_LINKTYPE_ETHERNET, &et) == 22 && et == OC_ETH_IPV4,
	      "Ethernet, QinQ: IPv4 after 22 bytes");
	CHECK(oc_link_l3(f, 10, OC_LINKTYPE_ETHERNET, &et) == 14 && et == 0, "Ethernet cut short: no EtherType");
	memset(f, 0, sizeof(f));
	f[14] = 0x81, f[15] = 0x00, f[18] = 0x86, f[19] = 0xdd;	/* SLL, one tag */
	CHECK(oc_link_l3(f, sizeof(f), OC_LINKTYPE_LINUX_SLL, &et) == 20 && et == OC_ETH_IPV6, "SLL + 802.1Q: IPv6 at 20");
	memset(f, 0, sizeof(f));
	f[0] = 0x08;	/* SLL2: the protocol first */
	CHECK(oc_link_l3(f, sizeof(f), OC_LINKTYPE_LINUX_SLL2, &et) == 20 && et == OC_ETH_IPV4, "SLL2: IPv4 at 20");
	f[0] = 0x60;
	CHECK(oc_link_l3(f, sizeof(f), OC_LINKTYPE_IPV6, &et) == 0 && et == OC_ETH_IPV6, "raw IPv6 link type: at 0");
	CHECK(oc_link_l3(f, sizeof(f), 147, &et) == 0 && et == 0, "an unknown link type: no EtherType");
}

int main(void)
{
	test_link_l3();
	test_ipv4_tcp_options();
	test_tcp_sack_payload_snaplen();
	test_ipv6_jumbo_routing();
	test_qinq();
	test_vxlan();
	test_geneve();
	test_gre();
	test_icmp_frag_needed();
	test_icmp6_ptb();
	test_linktypes();
	test_bigtcp_v4();
	test_bigtcp_v6_plain();
	test_len_mismatch();
	test_malformed();
	mutate_all();
	return check_done();
}
