/* The line printer on crafted packets: tcpdump -n -S's words for TCP, UDP,
 * ICMP, ARP, VLAN (-e), tunnels, fragments and truncation, offcap's columns,
 * tiny buffers and a mutation loop (run under ASan); and the line queue
 * never blocking on a reader that does not read. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "lineout.h"
#include "pkt.h"
#include "print.h"

static uint8_t frame[4096];
static char line[4096];
#define TS (1700000000ull * 1000000000ull + 123456789ull)	/* 22:13:20.123456 UTC */

static const struct oc_iface ETH_IF = { .name = "veth0@tc-egress", .linktype = OC_LINKTYPE_ETHERNET };

static const char *show(const struct oc_print_opts *o, const struct pkt *p, const struct oc_meta *m)
{
	struct oc_printer pr;
	struct oc_packet k = { .ts_ns = TS, .caplen = p->n, .len = p->n, .data = p->b };

	if (m)
		k.meta = *m;
	oc_printer_init(&pr, o);
	oc_print_line(&pr, &ETH_IF, &k, line, sizeof(line));
	oc_printer_free(&pr);
	return line;
}

static int has(const char *s, const char *want)
{
	if (strstr(s, want))
		return 1;
	printf("#   line: %s#   want: %s\n", s, want);
	return 0;
}

static const struct oc_print_opts PLAIN = { 0 };

static void tcp_data(void)
{
	static const uint8_t ts[] = { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2 };
	struct pkt p = { frame, 0 };
	struct oc_meta m = { .point = OC_POINT_TC_EGRESS, .dir = OC_DIR_OUT, .csum = OC_CSUM_PARTIAL,
			     .flags = OC_META_VALID | OC_META_VLAN, .gso_size = 1448, .gso_segs = 45,
			     .gso_type = OC_GSO_TCPV4, .vlan_tci = 100, .vlan_proto = 0x8100 };
	struct oc_print_opts q = { .qflag = 1 }, v = { .vflag = 1 };
	uint32_t ip;
	const char *s;

	eth(&p, 0x0800);
	ip = ipv4(&p, 6, 1, HOST4_A, HOST4_B);
	tcp(&p, 5201, 41234, 1, 0x018, ts, sizeof(ts));
	payload(&p, 1448);
	ipv4_done(&p, ip);
	m.len = p.n;
	s = show(&PLAIN, &p, &m);
	CHECK(has(s, "22:13:20.123456 veth0@tc-egress Out IP 10.0.0.1.5201 > 10.0.0.2.41234: Flags [P.], "
		  "seq 1:1449, ack 16909060, win 502, options [nop,nop,TS val 1 ecr 2], length 1448"),
	      "TCP data: tcpdump -n -S's words, interface@point and direction first");
	CHECK(has(s, "length 1448  gso 1448x45 tcpv4  csum partial  vlan 100 (offloaded)\n"),
	      "offcap's columns: gso, csum, offloaded vlan");
	CHECK(s[strlen(s) - 1] == '\n' && !strchr(s, '\n')[1], "one line");
	s = show(&q, &p, &m);
	CHECK(has(s, "IP 10.0.0.1.5201 > 10.0.0.2.41234: tcp 1448  gso"), "-q: tcp LEN");
	s = show(&v, &p, &m);
	CHECK(has(s, "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto TCP (6), length 1500) 10.0.0.1"),
	      "-v: the IP header");
	CHECK(has(s, "[point=tc-egress len=1514 gso_size=1448 gso_segs=45"), "-v: all the metadata");
}

static void xdp_verdict(void)
{
	struct pkt p = { frame, 0 };
	struct oc_packet k = { .ts_ns = TS, .has_xdp_verdict = 1, .xdp_verdict = 1 };
	struct oc_printer pr;
	uint32_t ip;

	eth(&p, 0x0800);
	ip = ipv4(&p, 6, 1, HOST4_A, HOST4_B);
	tcp(&p, 5201, 9, 1, 0x002, NULL, 0);
	ipv4_done(&p, ip);
	k.caplen = k.len = p.n;
	k.data = p.b;
	k.meta = (struct oc_meta){ .point = OC_POINT_XDP, .dir = OC_DIR_IN, .csum = OC_CSUM_UNKNOWN,
				   .flags = OC_META_VALID, .len = p.n };
	oc_printer_init(&pr, &PLAIN);
	oc_print_line(&pr, &ETH_IF, &k, line, sizeof(line));
	CHECK(has(line, "length 0  xdp drop\n"), "the XDP chain's verdict ends the line");
	k.xdp_verdict = 7;
	oc_print_line(&pr, &ETH_IF, &k, line, sizeof(line));
	CHECK(has(line, "  xdp unknown\n"), "an action XDP does not define");
	oc_printer_free(&pr);
}

static void tcp_syn(void)
{
	static const uint8_t o[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 9, 0, 0, 0, 0, 1, 3, 3, 7 };
	struct pkt p = { frame, 0 };
	uint32_t ip;

	eth(&p, 0x0800);
	ip = ipv4(&p, 6, 1, HOST4_A, HOST4_B);
	tcp(&p, 40000, 80, 4000000000u, 0x002, o, sizeof(o));
	ipv4_done(&p, ip);
	CHECK(has(show(&PLAIN, &p, NULL), "Flags [S], seq 4000000000, win 502, options [mss 1460,sackOK,"
		  "TS val 9 ecr 0,nop,wscale 7], length 0\n"), "SYN: seq without end, options in order, no ack");
}

static void tcp_sack_and_flags(void)
{
	struct oc_print_opts S = { .Sflag = 1 };
	static const uint8_t o[] = { 1, 1, 5, 10, 0, 0, 0, 10, 0, 0, 0, 20 };
	struct pkt p = { frame, 0 };
	uint32_t ip;

	eth(&p, 0x86dd);
	ip = ipv6(&p, 6, HOST6_A, HOST6_B);
	tcp(&p, 1, 2, 5, 0x199, o, sizeof(o));	/* AE CWR ACK PSH FIN */
	ipv6_done(&p, ip);
	CHECK(has(show(&S, &p, NULL), "IP6 2001:db8::1.1 > 2001:db8::2.2: Flags [FP.We], seq 5, ack 16909060, "
		  "win 502, options [nop,nop,sack 1 {10:20}], length 0"), "IPv6 TCP (-S): flags FP.We, SACK block");
}

/* One conversation through one printer: tcpdump's relative numbers. */
static const char *conv(struct oc_printer *pr, const uint8_t *src, const uint8_t *dst, unsigned sp,
			unsigned dp, uint32_t seq, uint32_t ack, unsigned flags, const uint8_t *o,
			uint32_t olen, uint32_t len)
{
	struct pkt p = { frame, 0 };
	struct oc_packet k = { .ts_ns = TS, .data = frame };
	uint32_t ip, t;

	eth(&p, 0x0800);
	ip = ipv4(&p, 6, 1, src, dst);
	t = tcp(&p, sp, dp, seq, flags, o, olen);
	set16(p.b, t + 8, ack >> 16), set16(p.b, t + 10, ack & 0xffff);
	payload(&p, len);
	ipv4_done(&p, ip);
	k.caplen = k.len = p.n;
	oc_print_line(pr, &ETH_IF, &k, line, sizeof(line));
	return line;
}

static void tcp_relative(void)
{
	static const uint8_t sack[] = { 1, 1, 5, 10, 0, 0, 0x17, 0x71, 0, 0, 0x1b, 0x59 };	/* {6001:7001} */
	struct oc_printer pr, abs;
	struct oc_print_opts S = { .Sflag = 1 };

	oc_printer_init(&pr, &PLAIN);
	oc_printer_init(&abs, &S);
	CHECK(has(conv(&pr, HOST4_A, HOST4_B, 40000, 80, 1000, 0, 0x002, NULL, 0, 0), "Flags [S], seq 1000, win"),
	      "relative: the SYN absolute");
	CHECK(has(conv(&pr, HOST4_B, HOST4_A, 80, 40000, 5000, 1001, 0x012, NULL, 0, 0),
		  "Flags [S.], seq 5000, ack 1001,"), "the SYN-ACK absolute (it records the bases)");
	CHECK(has(conv(&pr, HOST4_A, HOST4_B, 40000, 80, 1001, 5001, 0x010, NULL, 0, 0), "Flags [.], ack 1, win"),
	      "the client's ACK: ack 1");
	CHECK(has(conv(&pr, HOST4_B, HOST4_A, 80, 40000, 5001, 1001, 0x018, NULL, 0, 100),
		  "Flags [P.], seq 1:101, ack 1, win"), "the server's data: seq 1:101, ack 1");
	CHECK(has(conv(&pr, HOST4_A, HOST4_B, 40000, 80, 1001, 5001, 0x010, sack, sizeof(sack), 0),
		  "ack 1, win 502, options [nop,nop,sack 1 {1001:2001}]"), "a SACK block relative to the server's seq");
	CHECK(has(conv(&abs, HOST4_A, HOST4_B, 40000, 80, 1001, 5001, 0x010, NULL, 0, 0), "ack 5001, win"),
	      "-S: absolute");
	oc_printer_free(&pr);
	oc_printer_free(&abs);
}

static void udp_icmp_arp(void)
{
	struct pkt p = { frame, 0 };
	uint32_t ip, u;

	eth(&p, 0x86dd);
	ip = ipv6(&p, 17, HOST6_A, HOST6_B);
	u = udp(&p, 53000, 5201);
	payload(&p, 100);
	udp_done(&p, u);
	ipv6_done(&p, ip);
	CHECK(has(show(&PLAIN, &p, NULL), "IP6 2001:db8::1.53000 > 2001:db8::2.5201: UDP, length 100\n"), "UDP");

	p.n = 0;
	eth(&p, 0x0800);
	ip = ipv4(&p, 1, 9, HOST4_A, HOST4_B);
	u8(&p, 8), u8(&p, 0), u16(&p, 0), u16(&p, 7), u16(&p, 1);
	payload(&p, 56);
	ipv4_done(&p, ip);
	CHECK(has(show(&PLAIN, &p, NULL), "IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 7, seq 1, length 64\n"),
	      "ICMP echo request");

	p.n = 0;
	eth(&p, 0x86dd);
	ip = ipv6(&p, 58, HOST6_A, HOST6_B);
	u8(&p, 129), u8(&p, 0), u16(&p, 0), u16(&p, 7), u16(&p, 2);
	payload(&p, 56);
	ipv6_done(&p, ip);
	CHECK(has(show(&PLAIN, &p, NULL), "IP6 2001:db8::1 > 2001:db8::2: ICMP6, echo reply, id 7, seq 2, length 64\n"),
	      "ICMPv6 echo reply");

	p.n = 0;
	eth(&p, 0x0806);
	u16(&p, 1), u16(&p, 0x0800), u8(&p, 6), u8(&p, 4), u16(&p, 1);
	bytes(&p, MAC_SRC, 6), bytes(&p, HOST4_A, 4), zeros(&p, 6), bytes(&p, HOST4_B, 4);
	zeros(&p, 18);	/* Ethernet padding */
	CHECK(has(show(&PLAIN, &p, NULL), "ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 46\n"),
	      "ARP request (length as tcpdump: the frame after the Ethernet header)");
}

static void vlan_e(void)
{
	struct pkt p = { frame, 0 };
	struct oc_print_opts e = { .eflag = 1 };
	uint32_t ip, u;

	eth(&p, 0x8100);
	u16(&p, 0x6064), u16(&p, 0x0800);	/* pcp 3, vid 100 */
	ip = ipv4(&p, 17, 1, HOST4_A, HOST4_B);
	u = udp(&p, 1000, 2000);
	payload(&p, 10);
	udp_done(&p, u);
	ipv4_done(&p, ip);
	CHECK(has(show(&e, &p, NULL), "02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype 802.1Q (0x8100), "
		  "length 56: vlan 100, p 3, ethertype IPv4 (0x0800), 10.0.0.1.1000 > 10.0.0.2.2000: UDP, length 10\n"),
	      "-e: MACs, the tag, and no 'IP ' (as tcpdump -e)");
	CHECK(has(show(&PLAIN, &p, NULL), "tc-egress IP 10.0.0.1.1000 > 10.0.0.2.2000"),
	      "without -e: the tag is not shown");
}

static void vxlan_fragment_trunc(void)
{
	struct pkt p = { frame, 0 };
	uint32_t ip, u, ip2;

	eth(&p, 0x0800);
	ip = ipv4(&p, 17, 1, EDGE4_A, EDGE4_B);
	u = udp(&p, 40000, 4789);
	u32(&p, 0x08000000), u32(&p, 42 << 8);
	eth(&p, 0x0800);
	ip2 = ipv4(&p, 1, 2, HOST4_A, HOST4_B);
	u8(&p, 8), u8(&p, 0), u16(&p, 0), u16(&p, 1), u16(&p, 1);
	ipv4_done(&p, ip2);
	udp_done(&p, u);
	ipv4_done(&p, ip);
	CHECK(has(show(&PLAIN, &p, NULL), "IP 192.0.2.1.40000 > 192.0.2.2.4789: VXLAN, flags [I] (0x08), vni 42: "
		  "IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 1, seq 1, length 8\n"), "VXLAN and its inner packet");

	p.n = 0;
	eth(&p, 0x0800);
	ip = ipv4(&p, 17, 5, HOST4_A, HOST4_B);
	payload(&p, 40);
	ipv4_done(&p, ip);
	set16(p.b, ip + 6, 185);	/* offset 1480, no DF/MF */
	CHECK(has(show(&PLAIN, &p, NULL), "IP 10.0.0.1 > 10.0.0.2: ip-proto-17\n"), "a later fragment");

	p.n = 0;
	eth(&p, 0x0800);
	ip = ipv4(&p, 17, 5, HOST4_A, HOST4_B);
	u = udp(&p, 1000, 2000);
	payload(&p, 1472);
	ipv4_done(&p, ip);
	set16(p.b, u + 4, 3008);	/* the whole datagram's length */
	set16(p.b, ip + 6, 0x2000);	/* MF */
	CHECK(has(show(&PLAIN, &p, NULL), "IP 10.0.0.1.1000 > 10.0.0.2.2000: UDP, length 3000\n"),
	      "a first fragment: the datagram's UDP length, as tcpdump");

	p.n = 0;
	eth(&p, 0x0800);
	ip = ipv4(&p, 6, 1, HOST4_A, HOST4_B);
	tcp(&p, 1, 2, 3, 0x10, NULL, 0);
	payload(&p, 100);
	ipv4_done(&p, ip);
	p.n = 14 + 20 + 10;
	CHECK(has(show(&PLAIN, &p, NULL), "IP 10.0.0.1 > 10.0.0.2: [|tcp]\n"), "a TCP header cut by the snaplen");
	p.n = 14 + 10;
	CHECK(has(show(&PLAIN, &p, NULL), "IP [|ip]\n"), "an IP header cut");
}

/* Never past the buffer, always a terminated line, whatever the bytes. */
static void tiny_and_mutated(void)
{
	static const uint8_t ts[] = { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2 };
	struct oc_print_opts all = { .eflag = 1, .vflag = 1 };
	struct pkt p = { frame, 0 };
	struct oc_printer pr;
	struct oc_packet k = { .ts_ns = TS, .data = frame };
	uint32_t ip, base, bad = 0;
	uint8_t copy[4096];
	char small[64];

	eth(&p, 0x8100);
	u16(&p, 100), u16(&p, 0x0800);
	ip = ipv4(&p, 6, 1, HOST4_A, HOST4_B);
	tcp(&p, 5201, 41234, 1, 0x018, ts, sizeof(ts));
	payload(&p, 40);
	ipv4_done(&p, ip);
	base = p.n;
	memcpy(copy, frame, base);
	oc_printer_init(&pr, &all);
	k.caplen = k.len = base;
	for (size_t n = 0; n < 40; n++) {
		size_t w = oc_print_line(&pr, &ETH_IF, &k, small, n);

		if ((n < 2 && w) || (n >= 2 && (w >= n || small[w - 1] != '\n' || small[w])))
			bad++;
	}
	CHECK_EQ(bad, 0, "buffers of 0..39 bytes: a cut line, still ending in a newline");
	srand(7);
	for (int i = 0; i < 20000; i++) {
		uint32_t cut = (uint32_t)rand() % (base + 1);

		memcpy(frame, copy, base);
		for (int f = rand() % 4; f >= 0; f--)
			frame[rand() % base] = (uint8_t)rand();
		k.caplen = cut;
		k.len = base;
		if (oc_print_line(&pr, &ETH_IF, &k, line, sizeof(line)) == 0 || !strchr(line, '\n'))
			bad++;
	}
	CHECK_EQ(bad, 0, "20000 mutated and cut frames print one line each (ASan: no read out of bounds)");
	oc_printer_free(&pr);
}

static void queue_never_blocks(void)
{
	char l[100];
	int fd[2];
	struct oc_lineout *o;
	unsigned ok = 0;

	memset(l, 'x', sizeof(l) - 1);
	l[sizeof(l) - 1] = '\n';
	signal(SIGPIPE, SIG_IGN);
	CHECK(pipe(fd) == 0, "a pipe nobody reads");
	o = oc_lineout_new(fd[1], 4096);
	CHECK(o != NULL, "line queue");
	for (int i = 0; i < 5000; i++)	/* 500 kB into a 64 kB pipe and an 8 kB queue */
		ok += oc_lineout_put(o, l, sizeof(l));
	CHECK(ok > 0 && ok < 5000, "some lines queued, the rest skipped (%u queued)", ok);
	CHECK_EQ(oc_lineout_skipped(o), 5000 - ok, "every skipped line counted");
	close(fd[0]);
	CHECK_EQ(oc_lineout_close(o), EPIPE, "the reader went away: EPIPE, no hang");
	close(fd[1]);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tcp_data();
	tcp_syn();
	xdp_verdict();
	tcp_sack_and_flags();
	tcp_relative();
	udp_icmp_arp();
	vlan_e();
	vxlan_fragment_trunc();
	tiny_and_mutated();
	queue_never_blocks();
	return check_done();
}
