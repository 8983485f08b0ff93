/* Capture files as users bring them (tcpdump's, other tools', damaged ones)
 * through report's analysis, split and stats: every case here was handled
 * wrongly once (issue 8).  split and stats run as the offcap binary, and
 * their output is read back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis.h"
#include "capstats.h"
#include "check.h"
#include "csum.h"
#include "log.h"
#include "parse.h"
#include "pcapng.h"
#include "pkt.h"
#include "wire.h"

#define BIG 140000
/* The binary under test: $OFFCAP, else build/offcap (tests run from the top). */
static const char *offcap_bin(void)
{
	const char *b = getenv("OFFCAP");

	return b && *b ? b : "build/offcap";
}

static void system_quiet(const char *cmd, const char *arg)
{
	char c[256];

	snprintf(c, sizeof(c), "%s '%s'", cmd, arg);
	if (system(c))
		printf("# %s failed\n", c);
}

static char dir[64];
static const uint8_t TS_OPT[12] = { 1, 1, 8, 10, 0, 0, 0x12, 0x34, 0, 0, 0x56, 0x78 };

struct frame {
	const uint8_t *b;
	uint32_t n;
	uint32_t if_id;
	struct oc_meta meta;
};

static const char *path_of(const char *name)
{
	static char p[4][128];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

/* niface interfaces named name_fmt % i, described descr; then the frames. */
static void write_file(const char *path, unsigned niface, const char *name_fmt, const char *descr,
		       const struct frame *f, unsigned n)
{
	struct pcapng_writer *w = pcapng_open(path, NULL);
	int ok = !!w;

	for (unsigned i = 0; w && i < niface; i++) {
		struct oc_iface idb = { .linktype = OC_LINKTYPE_ETHERNET, .snaplen = 262144 };

		snprintf(idb.name, sizeof(idb.name), name_fmt, i);
		snprintf(idb.descr, sizeof(idb.descr), "%s", descr);
		ok &= pcapng_add_iface(w, &idb) == (int)i;
	}
	for (unsigned i = 0; w && i < n; i++) {
		struct oc_packet p = { .ts_ns = 1000000000ull * (i + 1), .if_id = f[i].if_id, .caplen = f[i].n,
				       .len = f[i].n, .data = f[i].b, .meta = f[i].meta };

		ok &= pcapng_write_packet(w, &p) == 0;
	}
	ok &= w && pcapng_close(w) == 0;
	if (!ok)
		printf("# could not write %s: %s\n", path, oc_log_last_err());
}

static struct oc_analysis *analyse(const char *path)
{
	struct oc_analysis_opts o = { .verify = 1 };
	struct oc_analysis *a = oc_analysis_new(&o);
	struct cap_reader *r = cap_open(path);
	struct oc_packet p;

	while (r && a && cap_next(r, &p) > 0)
		oc_analysis_packet(a, cap_iface(r, p.if_id), &p);
	if (a)
		oc_analysis_finish(a);
	cap_close(r);
	return a;
}

/* Runs "offcap ARGS", stderr into msg; the exit status. */
static int offcap(const char *args, char *msg, size_t len)
{
	char cmd[1024];
	const char *errf = path_of("stderr");
	FILE *f;
	size_t n = 0;
	int rc;

	snprintf(cmd, sizeof(cmd), "%s %s 2>%s", offcap_bin(), args, errf);
	rc = system(cmd);
	if (msg && (f = fopen(errf, "r"))) {
		n = fread(msg, 1, len - 1, f);
		fclose(f);
	}
	if (msg)
		msg[n] = '\0';
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* What split wrote. */
struct out {
	unsigned n;
	uint32_t max_l3;
	unsigned csum_ok, csum_bad, csum_partial, ip_bad;
	char ifname[4][128];	/* interface of the first packets */
	uint8_t first[2048];	/* bytes of the first packet */
};

static void check_layer(struct out *o, const uint8_t *d, uint32_t caplen, const struct oc_layer *l)
{
	enum oc_l4csum c;

	if (l->ip.version == 4 && !l->ip.csum_ok)
		o->ip_bad++;
	c = oc_l4csum_check(d, caplen, l);
	o->csum_ok += c == OC_L4CSUM_OK || c == OC_L4CSUM_NONE;
	o->csum_bad += c == OC_L4CSUM_BAD;
	o->csum_partial += c == OC_L4CSUM_PARTIAL;
}

static struct out read_out(const char *path)
{
	struct out o = { 0 };
	struct cap_reader *r = cap_open(path);
	struct oc_packet p;
	struct oc_parsed ps;

	while (r && cap_next(r, &p) > 0) {
		uint32_t l3 = oc_wire_l3_len(p.data, p.caplen, p.len, OC_LINKTYPE_ETHERNET);

		if (o.n < 4)
			snprintf(o.ifname[o.n], sizeof(o.ifname[0]), "%s", cap_iface(r, p.if_id)->name);
		if (!o.n)
			memcpy(o.first, p.data, p.caplen < sizeof(o.first) ? p.caplen : sizeof(o.first));
		o.n++;
		o.max_l3 = l3 > o.max_l3 ? l3 : o.max_l3;
		oc_parse(p.data, p.caplen, p.len, OC_LINKTYPE_ETHERNET, &ps);
		if (ps.has_inner)
			check_layer(&o, p.data, p.caplen, &ps.inner);
		check_layer(&o, p.data, p.caplen, &ps.outer);
	}
	if (!r)
		printf("# %s: %s\n", path, oc_log_last_err());
	cap_close(r);
	return o;
}

/* TCP over IPv4 with timestamps, payload pl; the TCP checksum field holds
 * the pseudo-header sum (left for the device) when partial, else 0xbeef. */
/* offcap split IN OUT (names in the test's directory); reads OUT back. */
static struct out split(const char *in, char *msg, size_t len)
{
	char args[512];
	struct out none = { 0 };

	snprintf(args, sizeof(args), "split %s %s", path_of(in), path_of("split-out.pcapng"));
	if (offcap(args, msg, len))
		return none;
	return read_out(path_of("split-out.pcapng"));
}

static uint32_t tcp4(struct pkt *p, uint32_t pl, int partial)
{
	uint32_t ip, th;

	p->n = 0;
	eth(p, 0x0800);
	ip = ipv4(p, 6, 0x100, HOST4_A, HOST4_B);
	th = tcp(p, 40000, 5201, 1000, 0x18, TS_OPT, sizeof(TS_OPT));
	payload(p, pl);
	ipv4_done(p, ip);
	if (partial)
		set16(p->b, th + 16, oc_l4csum_pseudo(&(struct oc_layer){
			.ip = { .version = 4, .src = { 10, 0, 0, 1 }, .dst = { 10, 0, 0, 2 } },
			.l4 = { .proto = 6, .len = p->n - th } }));
	return ip;
}

/* tcpdump's "presumed TSO": tot_len 0 on a 2030-byte frame, header checksum
 * over the real length, TCP checksum left for the device. */
static void test_presumed_tso(void)
{
	struct pkt p = { malloc(BIG), 0 };
	struct frame f;
	struct oc_analysis *a;
	const struct oc_if_stats *s;
	struct out o;
	uint32_t ip = tcp4(&p, 2030 - 66, 1);

	set16(p.b, ip + 2, 0);
	f = (struct frame){ p.b, p.n, 0, { 0 } };
	write_file(path_of("tso0.pcapng"), 1, "eth%u", "", &f, 1);
	a = analyse(path_of("tso0.pcapng"));
	s = a ? oc_analysis_iface(a, 0) : NULL;
	CHECK(s && s->over_mtu == 1 && s->cause[OC_CAUSE_OFFLOAD] == 1,
	      "presumed TSO: a 2030-byte frame with tot_len 0 is an offload super-frame");
	CHECK(s && !s->cause[OC_CAUSE_BIGTCP] && !s->cause[OC_CAUSE_REAL], "presumed TSO: not BIG TCP, not REAL");
	CHECK(s && !s->malformed && !s->ip_csum_bad && !s->csum_bad, "presumed TSO: not malformed, no wrong checksum");
	CHECK(s && s->superframes == 1 && s->segments == 2, "presumed TSO: 1 super-frame -> 2 wire segments");
	CHECK(a && !oc_analysis_problem_count(a, OC_PROB_BAD_CSUM), "presumed TSO: no checksum problem");
	oc_analysis_free(a);
	o = split("tso0.pcapng", NULL, 0);
	CHECK_EQ(o.n, 2, "presumed TSO: split writes 2 segments");
	CHECK(o.max_l3 == 1500 && !o.ip_bad && o.csum_ok == 2 && !o.csum_bad && !o.csum_partial,
	      "presumed TSO: segments of 1500 bytes, tot_len set, IP and TCP checksums good");
	free(p.b);
}

/* Over 64 KiB but not TCP: jumbograms no offload makes. */
static void test_jumbo_not_tcp(void)
{
	struct pkt p = { malloc(BIG), 0 }, q = { malloc(BIG), 0 };
	struct frame f[2];
	struct oc_analysis *a;
	const struct oc_if_stats *s;
	uint32_t ip;

	eth(&p, 0x86dd);
	ip = ipv6(&p, 0, HOST6_A, HOST6_B);
	hbh_jumbo(&p, 58, 8 + 8 + 70000);
	u8(&p, 128), u8(&p, 0), u16(&p, 0), u32(&p, 1);	/* ICMPv6 echo request */
	payload(&p, 70000);
	(void)ip;	/* payload_len stays 0: RFC 2675 */
	eth(&q, 0x86dd);
	ip = ipv6(&q, 103, HOST6_A, HOST6_B);	/* PIM */
	payload(&q, 65535);
	ipv6_done(&q, ip);
	f[0] = (struct frame){ p.b, p.n, 0, { 0 } };
	f[1] = (struct frame){ q.b, q.n, 0, { 0 } };
	write_file(path_of("jumbo.pcapng"), 1, "eth%u", "", f, 2);
	a = analyse(path_of("jumbo.pcapng"));
	s = a ? oc_analysis_iface(a, 0) : NULL;
	CHECK(s && s->over_mtu == 2 && !s->cause[OC_CAUSE_BIGTCP],
	      "an ICMPv6 jumbogram and a 65575-byte IPv6 PIM packet are not BIG TCP");
	CHECK(s && s->cause[OC_CAUSE_REAL] == 2, "both are REAL: no offload makes them");
	oc_analysis_free(a);
	free(p.b);
	free(q.b);
}

/* A 63 KB UDP datagram without GSO metadata: report and split agree it is
 * not cut (the file does not say at what size), rather than TCP arithmetic. */
static void test_udp_no_gso(void)
{
	struct pkt p = { malloc(BIG), 0 };
	struct oc_analysis *a;
	const struct oc_if_stats *s;
	struct frame f;
	struct out o;
	char msg[1024];
	uint32_t ip, uh;

	eth(&p, 0x0800);
	ip = ipv4(&p, 17, 7, HOST4_A, HOST4_B);
	uh = udp(&p, 5000, 5001);
	payload(&p, 63000);
	ipv4_done(&p, ip);
	udp_done(&p, uh);
	f = (struct frame){ p.b, p.n, 0, { 0 } };
	write_file(path_of("udp63k.pcapng"), 1, "eth%u", "", &f, 1);
	a = analyse(path_of("udp63k.pcapng"));
	s = a ? oc_analysis_iface(a, 0) : NULL;
	CHECK(s && s->over_mtu == 1 && !s->superframes && !s->segments,
	      "63 KB UDP without gso_size: no wire segments counted with TCP arithmetic");
	CHECK(s && s->uncut == 1 && s->uncut_why && strstr(s->uncut_why, "UDP"),
	      "63 KB UDP without gso_size: reported as not cut, and why");
	oc_analysis_free(a);
	o = split("udp63k.pcapng", msg, sizeof(msg));
	CHECK(o.n == 1 && strstr(msg, "not cut"), "63 KB UDP: split leaves it whole and says so");
	free(p.b);
}

static struct oc_meta egress_meta(uint16_t gso_size, uint16_t gso_segs, uint32_t len)
{
	return (struct oc_meta){ .point = OC_POINT_TC_EGRESS, .dir = OC_DIR_OUT, .csum = OC_CSUM_PARTIAL,
				 .flags = OC_META_VALID, .gso_size = gso_size, .gso_segs = gso_segs,
				 .gso_type = OC_GSO_TCPV4, .len = len };
}

/* gso_size 1 must not make split write a frame per payload byte. */
static void test_gso_size_bound(void)
{
	struct pkt p = { malloc(BIG), 0 };
	struct frame f;
	struct out o;
	char msg[1024];

	tcp4(&p, 1000, 1);
	f = (struct frame){ p.b, p.n, 0, egress_meta(1, 1000, p.n) };
	write_file(path_of("gso1.pcapng"), 1, "veth0@tc-egress", "mtu=1500", &f, 1);
	o = split("gso1.pcapng", msg, sizeof(msg));
	CHECK_EQ(o.n, 1, "gso_size 1: split does not cut (1 frame, not 1000)");
	CHECK(strstr(msg, "implausible gso_size"), "gso_size 1: split says why");
	CHECK(o.csum_ok == 1 && !o.csum_partial, "gso_size 1: the frame's partial checksum is still filled");
	{
		struct oc_analysis *a = analyse(path_of("gso1.pcapng"));
		const struct oc_if_stats *s = a ? oc_analysis_iface(a, 0) : NULL;

		CHECK(s && !s->segments && s->uncut == 1 && strstr(s->uncut_why, "implausible gso_size"),
		      "gso_size 1: the report agrees: not cut, implausible gso_size, no 1000 segments");
		oc_analysis_free(a);
	}

	f.meta = egress_meta(100, 3, p.n);
	write_file(path_of("gsobad.pcapng"), 1, "veth0@tc-egress", "mtu=1500", &f, 1);
	o = split("gsobad.pcapng", msg, sizeof(msg));
	CHECK(o.n == 1 && strstr(msg, "gso_segs disagrees"), "gso_segs 3 for 10 segments of 100: not cut");

	f.meta = egress_meta(400, 3, p.n);
	write_file(path_of("gsook.pcapng"), 1, "veth0@tc-egress", "mtu=1500", &f, 1);
	o = split("gsook.pcapng", msg, sizeof(msg));
	CHECK(o.n == 3 && o.csum_ok == 3, "gso_size 400, gso_segs 3: cut into 3 good segments");
	free(p.b);
}

/* split fills what was left for the device and nothing else. */
static void test_split_checksums(void)
{
	struct pkt p = { malloc(BIG), 0 }, v = { malloc(BIG), 0 };
	struct frame f[2];
	struct out o;
	uint32_t ip, uh, iip, th;

	tcp4(&p, 100, 0);	/* checksum 0xbeef: really wrong */
	eth(&v, 0x0800);	/* VXLAN, not GSO: inner checksum done, outer UDP left partial */
	ip = ipv4(&v, 17, 0x4000, EDGE4_A, EDGE4_B);
	uh = udp(&v, 33333, 4789);
	u32(&v, 0x08000000), u32(&v, 0x00002a00);
	eth(&v, 0x0800);
	iip = ipv4(&v, 6, 0x0100, HOST4_A, HOST4_B);
	th = tcp(&v, 40000, 5201, 1000, 0x18, NULL, 0);
	payload(&v, 200);
	ipv4_done(&v, iip);
	ipv4_done(&v, ip);
	udp_done(&v, uh);
	set16(v.b, th + 16, 0);
	set16(v.b, th + 16, oc_csum_finish(oc_csum_partial(v.b + th, v.n - th,
				oc_pseudo_v4(HOST4_A, HOST4_B, 6, v.n - th))));
	set16(v.b, uh + 6, oc_csum_fold(oc_pseudo_v4(EDGE4_A, EDGE4_B, 17, v.n - uh)));
	f[0] = (struct frame){ p.b, p.n, 0, { 0 } };
	f[1] = (struct frame){ v.b, v.n, 0, { 0 } };
	write_file(path_of("csum.pcapng"), 1, "eth%u", "", f, 1);
	o = split("csum.pcapng", NULL, 0);
	CHECK(o.n == 1 && o.csum_bad == 1 && !memcmp(o.first, p.b, p.n),
	      "split keeps a really wrong TCP checksum wrong, byte for byte");
	write_file(path_of("vxcsum.pcapng"), 1, "eth%u", "", f + 1, 1);
	o = split("vxcsum.pcapng", NULL, 0);
	CHECK(o.n == 1 && o.csum_ok == 2 && !o.csum_partial,
	      "split fills a non-GSO VXLAN packet's partial outer UDP checksum");
	free(p.b);
	free(v.b);
}

/* A VXLAN super-frame from tcpdump on a 1500-byte underlay: the segments
 * must fit it with the 50 bytes of encapsulation. */
static void test_vxlan_foreign(void)
{
	struct pkt v = { malloc(BIG), 0 };
	struct oc_analysis *a;
	const struct oc_if_stats *s;
	struct frame f;
	struct out o;
	uint32_t ip, uh, iip, th;
	char cmd[512];

	eth(&v, 0x0800);
	ip = ipv4(&v, 17, 0x4000, EDGE4_A, EDGE4_B);
	uh = udp(&v, 33333, 4789);
	u32(&v, 0x08000000), u32(&v, 0x00002a00);
	eth(&v, 0x0800);
	iip = ipv4(&v, 6, 0x0100, HOST4_A, HOST4_B);
	th = tcp(&v, 40000, 5201, 1000, 0x18, TS_OPT, sizeof(TS_OPT));
	payload(&v, 4000);
	ipv4_done(&v, iip);
	ipv4_done(&v, ip);
	udp_done(&v, uh);
	set16(v.b, th + 16, oc_csum_fold(oc_pseudo_v4(HOST4_A, HOST4_B, 6, v.n - th)));
	f = (struct frame){ v.b, v.n, 0, { 0 } };
	write_file(path_of("vxlan.pcapng"), 1, "eth%u", "", &f, 1);
	a = analyse(path_of("vxlan.pcapng"));
	s = a ? oc_analysis_iface(a, 0) : NULL;
	CHECK(s && s->superframes == 1 && s->segments == 3,
	      "VXLAN super-frame: 4000 bytes in segments of 1398 (1500 - 50 - 40 - 12): 3");
	oc_analysis_free(a);
	o = split("vxlan.pcapng", NULL, 0);
	CHECK(o.n == 3 && o.max_l3 <= 1500, "VXLAN split: 3 outer packets, none over the 1500 MTU");
	CHECK(!o.csum_bad && !o.csum_partial && !o.ip_bad, "VXLAN split: every checksum good");
	snprintf(cmd, sizeof(cmd), "%s report --json %s | python3 -c 'import json,sys; "
		 "f = json.load(sys.stdin)[\"flows\"][0]; sys.exit(f[\"tunnel\"] != \"vxlan\" or f[\"vni\"] != 42)'",
		 offcap_bin(), path_of("vxlan.pcapng"));
	CHECK(system(cmd) == 0, "VXLAN: the JSON flow names its tunnel and VNI 42");
	free(v.b);
}

/* GENEVE over IPv6 (70 bytes of tunnel headers), from tcpdump: 1500 - 70. */
static void test_geneve6_foreign(void)
{
	struct pkt v = { malloc(BIG), 0 };
	struct frame f;
	struct out o;
	uint32_t ip, uh, iip, th;

	eth(&v, 0x86dd);
	ip = ipv6(&v, 17, HOST6_A, HOST6_B);
	uh = udp(&v, 33333, 6081);
	u16(&v, 0), u16(&v, 0x6558), u32(&v, 0x00002a00);	/* GENEVE, no options, VNI 42 */
	eth(&v, 0x0800);
	iip = ipv4(&v, 6, 0x0100, HOST4_A, HOST4_B);
	th = tcp(&v, 40000, 5201, 1000, 0x18, NULL, 0);
	payload(&v, 5000);
	ipv4_done(&v, iip);
	ipv6_done(&v, ip);
	udp_done(&v, uh);
	set16(v.b, th + 16, oc_csum_fold(oc_pseudo_v4(HOST4_A, HOST4_B, 6, v.n - th)));
	f = (struct frame){ v.b, v.n, 0, { 0 } };
	write_file(path_of("geneve.pcapng"), 1, "eth%u", "", &f, 1);
	o = split("geneve.pcapng", NULL, 0);
	CHECK(o.n == 4 && o.max_l3 == 1500, "GENEVE/IPv6 split: 5000 bytes in 4 outer packets of at most 1500");
	CHECK(!o.csum_bad && !o.csum_partial && !o.ip_bad, "GENEVE/IPv6 split: every checksum good");
	free(v.b);
}

/* offcap stats' line for interface name: packets and over-mtu. */
static int stats_line(const char *file, const char *name, unsigned long long *pk, unsigned long long *over)
{
	char cmd[512], line[512], n[128];
	FILE *f;
	int found = 0;

	snprintf(cmd, sizeof(cmd), "%s stats %s", offcap_bin(), file);
	if (!(f = popen(cmd, "r")))
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a, b;

		if (sscanf(line, "%127s %llu %*u %llu", n, &a, &b) == 3 && !strcmp(n, name))
			found = 1, *pk = a, *over = b;
	}
	pclose(f);
	return found;
}

/* 1100 interfaces: none folded, dropped or renumbered; QinQ counted once. */
static void test_many_interfaces(void)
{
	struct pkt p = { malloc(BIG), 0 }, q = { malloc(BIG), 0 };
	struct oc_analysis *a;
	struct frame f[3];
	struct out o;
	unsigned long long pk = 0, over = 0;
	uint32_t ip;

	tcp4(&p, 1600, 0);	/* 1652 bytes of IP: over 1500 */
	eth_macs(&q);		/* QinQ, 1500 bytes of IP: not over */
	u16(&q, 0x88a8), u16(&q, 100), u16(&q, 0x8100), u16(&q, 200), u16(&q, 0x0800);
	ip = ipv4(&q, 17, 1, HOST4_A, HOST4_B);
	ip = (udp(&q, 1, 2), ip);
	payload(&q, 1500 - 28);
	ipv4_done(&q, ip);
	set16(q.b, ip + 20 + 4, 1500 - 20);
	f[0] = (struct frame){ p.b, p.n, 300, { 0 } };
	f[1] = (struct frame){ p.b, p.n, 1050, { 0 } };
	f[2] = (struct frame){ q.b, q.n, 1050, { 0 } };
	write_file(path_of("ifs.pcapng"), 1100, "v%u", "mtu=1500", f, 3);

	CHECK(stats_line(path_of("ifs.pcapng"), "v300", &pk, &over) && pk == 1 && over == 1,
	      "stats: interface 300 (beyond 256) listed with its packet over the MTU");
	CHECK(stats_line(path_of("ifs.pcapng"), "v1050", &pk, &over) && pk == 2 && over == 1,
	      "stats: interface 1050 listed; the 1522-byte QinQ frame (1500 of IP) is not over the MTU");
	a = analyse(path_of("ifs.pcapng"));
	CHECK(a && oc_analysis_iface(a, 1050) && oc_analysis_iface(a, 1050)->packets == 2 &&
	      oc_analysis_iface(a, 1050)->over_mtu == 1, "report: interface 1050 has its own line, QinQ not over");
	CHECK(a && oc_analysis_iface(a, 1023) && oc_analysis_iface(a, 1023)->packets == 0,
	      "report: nothing folded into interface 1023");
	oc_analysis_free(a);
	o = split("ifs.pcapng", NULL, 0);
	CHECK(o.n >= 3 && !strcmp(o.ifname[0], "v300") && !strcmp(o.ifname[o.n - 1 < 3 ? o.n - 1 : 3], "v1050"),
	      "split: packets keep their interfaces 300 and 1050 (got %s, %s)", o.ifname[0], o.ifname[2]);
	free(p.b);
	free(q.b);
}

/* Interface names with bytes that are not UTF-8: --json stays strict JSON. */
static void test_bad_utf8_json(void)
{
	struct pkt p = { malloc(BIG), 0 };
	struct frame f;
	char cmd[512];

	tcp4(&p, 100, 0);
	f = (struct frame){ p.b, p.n, 0, { 0 } };
	write_file(path_of("utf8.pcapng"), 1, "eth\xff\xc3(%u", "", &f, 1);
	snprintf(cmd, sizeof(cmd), "%s report --json %s | python3 -c 'import json,sys; "
		 "d = json.loads(sys.stdin.buffer.read().decode(\"utf-8\", \"strict\")); "
		 "sys.exit(d[\"interfaces\"][0][\"interface\"] != \"eth\\ufffd\\ufffd(0\")'",
		 offcap_bin(), path_of("utf8.pcapng"));
	CHECK(system(cmd) == 0, "report --json with a non-UTF-8 interface name: strict UTF-8 JSON, U+FFFD");
	free(p.b);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/offcap-files.XXXXXX");
	if (!mkdtemp(dir))
		return perror("mkdtemp"), 1;
	test_presumed_tso();
	test_jumbo_not_tcp();
	test_udp_no_gso();
	test_gso_size_bound();
	test_split_checksums();
	test_vxlan_foreign();
	test_geneve6_foreign();
	test_many_interfaces();
	test_bad_utf8_json();
	if (!getenv("KEEP"))
		system_quiet("rm -rf", dir);
	return check_done();
}
