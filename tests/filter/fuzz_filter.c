/* Differential fuzzer of the kernel capture filter: random pcap-filter(7)
 * expressions from a grammar against random and captured packets; every
 * program kind BPF_PROG_TEST_RUN supports (user/filter/testrun.c) against libpcap's
 * pcap_offline_filter (oc_cbpf_run with the hook point's direction and
 * ifindex where the expression reads them, as the kernel's classic BPF does
 * for a live capture). Counts expressions libpcap accepts that offcap could
 * not load, verdicts that differ, and packets left undecided by a filter
 * the kernel decides. make fuzz-filter; tests/integration/filter_fuzz.sh. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cbpf.h"
#include "hook.h"
#include "kfilter.h"
#include "loader.h"
#include "log.h"
#include "packet.h"
#include "pcapc.h"
#include "pcapng.h"
#include "testrun.h"

#define MAX_PKTS	4096
#define PKT_MAX		2200
#define EXPR_MAX	1024

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)	/* xorshift64*: the same run for a seed everywhere */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return n ? (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32) % n : 0;
}

struct pkt {
	uint8_t *data;
	uint32_t caplen, len;
	int l3;
};

static struct pkt pkts[MAX_PKTS];
static unsigned npkts;

/* ---- expressions ---- */

struct buf {
	char s[EXPR_MAX];
	size_t n;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (b->n >= sizeof(b->s))
		return;
	va_start(ap, fmt);
	k = vsnprintf(b->s + b->n, sizeof(b->s) - b->n, fmt, ap);
	va_end(ap);
	b->n += k > 0 ? (size_t)k : 0;
}

static const char *pick(const char *const *v, unsigned n)
{
	return v[rnd(n)];
}
#define PICK(v) pick(v, sizeof(v) / sizeof(v[0]))

/* Offsets: small, near the copy limit (1024), or anywhere in a frame. */
static unsigned offset(void)
{
	switch (rnd(4)) {
	case 0: return rnd(64);
	case 1: return 1010 + rnd(25);
	case 2: return rnd(1600);
	default: return rnd(16);
	}
}

static void arith(struct buf *b, int depth);

static void term(struct buf *b, int depth)
{
	static const char *const protos[] = { "ether", "ip", "ip6", "tcp", "udp", "icmp", "icmp6", "arp", "igmp" };
	static const char *const sizes[] = { "", ":1", ":2", ":4" };

	switch (rnd(depth > 0 ? 6 : 4)) {
	case 0: put(b, "%u", rnd(3) ? rnd(256) : rnd(70000)); break;
	case 1: put(b, "len"); break;
	case 2:
	case 3: put(b, "%s[%u%s]", PICK(protos), offset(), PICK(sizes)); break;
	case 4: put(b, "%s[", PICK(protos)); arith(b, depth - 1); put(b, "%s]", PICK(sizes)); break;
	default: put(b, "("); arith(b, depth - 1); put(b, ")"); break;
	}
}

static void arith(struct buf *b, int depth)
{
	/* shifts and division weigh more: where libpcap's semantics are subtle */
	static const char *const ops[] = { "+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", "<<", ">>", "/", "%" };

	term(b, depth);
	if (depth > 0 && rnd(4)) {
		const char *op = PICK(ops);

		put(b, " %s ", op);
		if ((!strcmp(op, "<<") || !strcmp(op, ">>")) && rnd(2))
			put(b, "%u", rnd(32));	/* a constant shift: libpcap refuses 32 or more */
		else
			term(b, depth - 1);
	}
}

static void primitive(struct buf *b)
{
	static const char *const simple[] = {
		"ip", "ip6", "arp", "tcp", "udp", "icmp", "icmp6", "sctp", "vlan", "igmp", "inbound", "outbound",
		"ether broadcast", "ether multicast", "ip multicast", "ip6 multicast", "llc", "mpls",
		"tcp[tcpflags] & tcp-syn != 0", "tcp[tcpflags] & (tcp-ack|tcp-fin) == tcp-ack", "ip[6:2] & 0x3fff != 0",
	};
	static const char *const hosts[] = { "198.18.0.1", "198.18.0.2", "10.1.2.3", "fd0c::1", "fd0c::2" };
	static const char *const dirs[] = { "", "src ", "dst " };
	static const char *const cmp[] = { "=", "!=", "<", ">", "<=", ">=" };
	static const char *const varops[] = { "<<", ">>", "/", "%" };

	switch (rnd(13)) {
	case 0: put(b, "%s", PICK(simple)); break;
	case 1: put(b, "%shost %s", PICK(dirs), PICK(hosts)); break;
	case 2: put(b, "%s%sport %u", rnd(2) ? "tcp " : rnd(2) ? "udp " : "", PICK(dirs),
		    rnd(2) ? 5201 : rnd(2) ? 80 : rnd(65536)); break;
	case 3: put(b, "vlan %u", rnd(2) ? 100 : rnd(4096)); break;
	case 4: put(b, "%s %u", rnd(2) ? "greater" : "less", rnd(2) ? 1514 + rnd(3) - 1 : rnd(2000)); break;
	case 5: put(b, "ifindex %u", rnd(4)); break;
	case 6: put(b, "len %s %u", PICK(cmp), rnd(2) ? 1024 + rnd(3) - 1 : rnd(70000)); break;
	case 7:	/* a shift or division by a packet byte or the length */
		switch (rnd(3)) {
		case 0: put(b, "ether[%u]", rnd(60)); break;
		case 1: put(b, "len"); break;
		default: put(b, "%u", 1 + rnd(255)); break;
		}
		put(b, " %s ", PICK(varops));
		if (rnd(3))
			put(b, "%s[%u]", rnd(2) ? "ether" : "ip", rnd(2) ? rnd(40) : offset());
		else
			put(b, "len");
		put(b, " %s %u", rnd(3) ? "!=" : PICK(cmp), rnd(3) ? 0 : rnd(256));
		break;
	default: arith(b, 2); put(b, " %s ", PICK(cmp)); arith(b, 2); break;
	}
}

static void expr(struct buf *b, int depth)
{
	switch (depth > 0 ? rnd(6) : 0) {
	case 0:
	case 1: primitive(b); break;
	case 2: put(b, "not "); expr(b, depth - 1); break;
	case 3: put(b, "("); expr(b, depth - 1); put(b, ")"); break;
	default: expr(b, depth - 1); put(b, rnd(2) ? " and " : " or "); expr(b, depth - 1); break;
	}
}

/* ---- packets ---- */

static void add(const uint8_t *d, uint32_t caplen, uint32_t len, int l3)
{
	if (npkts >= MAX_PKTS || !caplen || !(pkts[npkts].data = malloc(caplen)))
		return;
	memcpy(pkts[npkts].data, d, caplen);
	pkts[npkts].caplen = caplen;
	pkts[npkts].len = len < caplen ? caplen : len;
	pkts[npkts++].l3 = l3;
}

static size_t put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
	return 2;
}

/* IPv4 or IPv6 (extension headers, fragments) with TCP/UDP/ICMP, random rest. */
static size_t l3_header(uint8_t *p, size_t room)
{
	static const uint8_t l4[] = { 6, 17, 1, 58, 132, 2 };
	static const uint8_t ext[] = { 0, 43, 44, 60 };
	size_t n = 0;

	if (rnd(2)) {
		p[0] = (uint8_t)(0x45 + (rnd(4) ? 0 : rnd(11))), p[9] = l4[rnd(6)];
		put16(p + 6, rnd(3) ? 0x4000 : (uint16_t)rnd(0x10000));	/* DF, or fragments */
		p[12] = 198, p[13] = 18, p[14] = 0, p[15] = (uint8_t)rnd(3);
		p[16] = rnd(2) ? 198 : 10, p[17] = 18, p[18] = 0, p[19] = (uint8_t)rnd(3);
		n = (size_t)(p[0] & 0xf) * 4;
	} else {
		uint8_t *nh = p + 6;

		p[0] = 0x60, n = 40;
		p[8] = 0xfd, p[9] = 0x0c, p[23] = (uint8_t)rnd(3);
		p[24] = 0xfd, p[25] = 0x0c, p[39] = (uint8_t)rnd(3);
		for (unsigned k = rnd(3); k && n + 8 < room; k--) {	/* extension headers */
			*nh = ext[rnd(4)];
			nh = p + n, p[n + 1] = 0;
			n += 8;
		}
		*nh = l4[rnd(6)];
	}
	if (n + 4 <= room)	/* ports */
		put16(p + n, rnd(2) ? 5201 : (uint16_t)rnd(65536)), put16(p + n + 2, rnd(2) ? 80 : (uint16_t)rnd(65536));
	if (n + 14 <= room)
		p[n + 13] = (uint8_t)rnd(256);	/* TCP flags */
	return n;
}

static void gen_packet(void)
{
	static const uint16_t tpids[] = { 0x8100, 0x88a8, 0x9100 };
	uint8_t p[PKT_MAX];
	uint32_t len = rnd(4) ? 60 + rnd(1500) : 1000 + rnd(100), caplen, at = 12;
	int l3 = rnd(6) == 0;

	for (uint32_t i = 0; i < sizeof(p); i++)
		p[i] = (uint8_t)rnd(256);
	if (len > sizeof(p))
		len = sizeof(p);
	if (!l3) {
		memcpy(p, rnd(4) ? "\x02\0\0\0\0\x02" : "\xff\xff\xff\xff\xff\xff", 6);
		for (unsigned tags = rnd(3); tags; tags--)	/* VLAN, QinQ */
			at += (uint32_t)put16(p + at, tpids[rnd(3)]), at += (uint32_t)put16(p + at, rnd(2) ? 100 : (uint16_t)rnd(4096));
		put16(p + at, rnd(5) ? (rnd(2) ? 0x0800 : 0x86dd) : rnd(2) ? 0x0806 : (uint16_t)rnd(0x10000));
		at += 2;
	} else {
		at = 0;
	}
	if (rnd(8))
		l3_header(p + at, len > at ? len - at : 0);
	caplen = len;
	if (!rnd(5))	/* cut by a snaplen */
		caplen = 14 + rnd(len - 13);
	if (!rnd(8))	/* a super-frame: GSO/GRO, bytes beyond the copy */
		len = 1515 + rnd(64000);
	add(p, caplen, len, l3);
}

static int read_file(const char *path)
{
	struct cap_reader *r = cap_open(path);
	struct oc_packet pkt;
	int ret;

	if (!r)
		return -1;	/* cap_open said why */
	while ((ret = cap_next(r, &pkt)) == 1) {
		const struct oc_iface *i = cap_iface(r, pkt.if_id);
		unsigned lt = i ? i->linktype : OC_LINKTYPE_ETHERNET;

		if (lt == OC_LINKTYPE_ETHERNET || lt == OC_LINKTYPE_RAW)
			add(pkt.data, pkt.caplen, pkt.len, lt == OC_LINKTYPE_RAW);
	}
	cap_close(r);
	return ret < 0 ? -1 : 0;
}

/* ---- the comparison ---- */

struct stats {
	unsigned long exprs, refused_libpcap, load_fail, pairs, runs, disagree, undecided_bad, undecided;
	int verbose;
};

static int tagged(const struct pkt *p)
{
	return p->caplen >= 18 && p->data[12] == 0x81 && p->data[13] == 0;
}

static void report(struct stats *st, const char *e, const struct pkt *p, const char *prog, int vlan, int k, int u)
{
	st->disagree++;
	if (st->disagree > 20)
		return;
	printf("DISAGREE '%s' %s%s kernel=%d libpcap=%d len %u caplen %u:", e, prog, vlan ? " (tag as metadata)" : "",
	       k, u, p->len, p->caplen);
	for (uint32_t i = 0; i < p->caplen && i < 64; i++)
		printf(" %02x", p->data[i]);
	printf("\n");
}

static void run_packet(struct stats *st, const struct oc_kfilter *f, struct oc_testrun *r, enum oc_kf_link l,
		       const char *e, const struct pkt *p)
{
	const void *cbpf = f->link[l].cbpf;
	unsigned n = f->link[l].cbpf_len;
	int aux = oc_cbpf_uses_aux(cbpf, n), lib = oc_pcap_match(cbpf, n, p->data, p->caplen, p->len);

	if ((oc_cbpf_run(cbpf, n, p->data, p->caplen, p->len, NULL) != 0) != lib)
		report(st, e, p, "oc_cbpf_run (the reference itself)", 0, -1, lib);
	st->pairs++;
	for (unsigned prog = 0; prog < OC_TR_PROGS; prog++) {
		if (!oc_testrun_has(r, prog))
			continue;
		for (int vlan = 0; vlan <= (prog <= OC_TR_TC_EGRESS && !l && tagged(p)); vlan++) {
			struct oc_cbpf_aux a = oc_testrun_aux(r, prog);
			int u = aux ? oc_cbpf_run(cbpf, n, p->data, p->caplen, p->len, &a) != 0 : lib;
			int k = oc_testrun_packet(r, prog, p->data, p->caplen, p->len, vlan, NULL);

			st->runs++;
			if (k < 0) {
				printf("RUN FAILED '%s': %s\n", e, oc_log_last_err());
				st->disagree++;
				continue;
			}
			if (k == OC_CBPF_UNDECIDED) {
				st->undecided++;
				if (oc_kfilter_decides(f, l) && st->undecided_bad++ < 10)
					printf("UNDECIDED '%s' %s len %u caplen %u\n", e, oc_testrun_name(prog), p->len, p->caplen);
				continue;	/* libpcap decides in user space */
			}
			if (k != u)
				report(st, e, p, oc_testrun_name(prog), vlan, k, u);
		}
	}
}

static void one_expression(struct stats *st, uint32_t have, unsigned per_expr)
{
	struct buf b = { .n = 0 };
	struct oc_kfilter *f;
	struct oc_testrun *r[OC_KF_LINKS] = { 0 };
	const char *why = "";
	int ret;

	expr(&b, 3);
	st->exprs++;
	for (unsigned l = 0; l < OC_KF_LINKS; l++) {
		void *c;
		unsigned n;

		if (!oc_pcap_compile(l ? 12 : 1, b.s, &c, &n, &why)) {
			free(c);
			break;
		}
		if (l == OC_KF_LINKS - 1) {	/* libpcap takes it on neither link type */
			st->refused_libpcap++;
			if (st->verbose)
				printf("libpcap refuses '%s': %s\n", b.s, why);
			return;
		}
	}
	oc_log_setup(NULL, OC_LOG_QUIET);	/* a refusal's words go to the lines below */
	ret = oc_kfilter_compile(b.s, &f);
	oc_log_setup(NULL, OC_LOG_WARN);
	if (ret == -EINVAL) {
		st->refused_libpcap++;	/* libpcap refuses it on Ethernet: as tcpdump -i eth0 */
		return;
	}
	if (ret) {
		st->load_fail++;
		printf("REFUSED '%s': %s\n", b.s, oc_log_last_err());
		return;
	}
	for (unsigned l = 0; l < OC_KF_LINKS; l++) {
		if (!f->link[l].ok)
			continue;
		if (!(r[l] = oc_testrun_open(f, l == OC_KF_L3, have, 0))) {
			st->load_fail++;
			printf("LOAD FAILED '%s' (%s): %s\n", b.s, l ? "raw IP" : "Ethernet", oc_log_last_err());
		}
	}
	for (unsigned i = 0; i < per_expr && npkts; i++) {
		const struct pkt *p = &pkts[rnd(npkts)];

		if (r[p->l3])
			run_packet(st, f, r[p->l3], p->l3 ? OC_KF_L3 : OC_KF_L2, b.s, p);
	}
	if (st->verbose)
		printf("'%s'\n", b.s);
	oc_testrun_close(r[0]);
	oc_testrun_close(r[1]);
	oc_kfilter_free(f);
}

int main(int argc, char **argv)
{
	unsigned long seed = 1, max_exprs = 0, per_expr = 40, gen = 2000;
	double secs = 0;
	struct stats st = { 0 };
	uint32_t have;
	time_t t0 = time(NULL);
	int c;

	while ((c = getopt(argc, argv, "s:t:n:p:g:r:v")) != -1) {
		switch (c) {
		case 's': seed = strtoul(optarg, NULL, 0); break;
		case 't': secs = atof(optarg); break;
		case 'n': max_exprs = strtoul(optarg, NULL, 0); break;
		case 'p': per_expr = strtoul(optarg, NULL, 0); break;
		case 'g': gen = strtoul(optarg, NULL, 0); break;
		case 'r': if (read_file(optarg)) return 2; break;
		case 'v': st.verbose = 1; break;
		default:
			fprintf(stderr, "Usage: fuzz_filter [-s SEED] [-t SECONDS] [-n EXPRESSIONS] [-p PACKETS PER "
					"EXPRESSION] [-g RANDOM PACKETS] [-r FILE]... [-v]\n");
			return 2;
		}
	}
	if (!secs && !max_exprs)
		max_exprs = 500;
	rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
	for (unsigned long i = 0; i < gen; i++)
		gen_packet();
	have = oc_probe_features();
	printf("fuzz_filter: seed %lu, %u packets (%lu random), %lu per expression\n", seed, npkts, gen, per_expr);
	while ((!max_exprs || st.exprs < max_exprs) && (!secs || difftime(time(NULL), t0) < secs)) {
		/* alternate the kernel's variant and the older kernels' (no bpf_cast_to_kern_ctx) */
		one_expression(&st, st.exprs % 2 ? have & ~(uint32_t)OC_FEAT_KERN_CTX : have, (unsigned)per_expr);
		fflush(stdout);
	}
	printf("%lu expressions (%lu refused by libpcap), %lu (expression, packet) pairs, %lu test runs: "
	       "%lu disagreements, %lu load failures, %lu undecided (%lu where the kernel decides) in %.0f s\n",
	       st.exprs, st.refused_libpcap, st.pairs, st.runs, st.disagree, st.load_fail, st.undecided,
	       st.undecided_bad, difftime(time(NULL), t0));
	for (unsigned i = 0; i < npkts; i++)
		free(pkts[i].data);
	return st.disagree || st.load_fail || st.undecided_bad ? 1 : 0;
}
