/* offcap filter EXPR: the classic BPF libpcap makes of a capture filter and
 * the eBPF offcap runs in the kernel; with -r FILE, proof that both give the
 * same verdict on every packet of FILE (BPF_PROG_TEST_RUN vs libpcap). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf.h"
#include "cmd.h"
#include "params.h"
#include "expr.h"
#include "kfilter.h"
#include "packet.h"
#include "pcapng.h"
#include "pcapc.h"
#include "hook.h"
#include "loader.h"
#include "testrun.h"


enum { O_FILE = 256 };

const struct oc_params oc_params_filter = {
	.cmd = "filter",
	.posix = 1,
	.usage = "Usage: offcap filter [-v] [-r FILE ...] [-F FILE | EXPRESSION]\n\n"
		 "Print the classic BPF libpcap compiles EXPRESSION to (as tcpdump -d does)\n"
		 "and the eBPF offcap capture runs in the kernel for it, per link type.\n\n",
	.p = (const struct oc_param[]){
		{ 'r', "read", .arg = OC_ARG_REQUIRED, .metavar = "FILE", .complete = OC_COMP_FILE,
		  .help = "run the capture's kernel program (BPF_PROG_TEST_RUN) and\n"
			  "libpcap's interpreter on every packet of FILE and print\n"
			  "each packet they disagree on; exit 1 if any. Every program\n"
			  "kind a test run supports: tc ingress and egress (a VLAN\n"
			  "tag as metadata too), XDP, and the older kernels' variant.\n"
			  "Prints the kernel's kept/rejected/undecided counts; exit 1\n"
			  "if a packet was undecided for a filter the kernel decides.\n"
			  "Repeatable: packets are numbered across the files",
		  .man = "run the capture's own kernel programs, filter spliced in, with BPF_PROG_TEST_RUN, and libpcap's\n"
"interpreter over every packet of FILE (pcap or pcapng, Ethernet or raw IP): tc-ingress and\n"
"tc-egress (a tagged frame once more with its tag as skb metadata), XDP multi-buffer and linear,\n"
"in this kernel's variant and the older kernels'. Print each packet they disagree on as\n"
".BR \"#N tc-ingress kernel=match libpcap=reject ...\" ,\n"
"the kernel's verdicts per program\n"
".RB ( \"tc-ingress: N kept, N rejected, N undecided\" ),\n"
"then\n"
".BR \"kernel: N kept, N rejected, N undecided in N runs\" \" and \" \"N packets, N matched, N disagreements\" .\n"
"Exit status 1 on a disagreement, a run the kernel refused or that left no verdict, or a\n"
"packet undecided for a filter whose loads all fall within the 1024 bytes the kernel copies." },
		OC_PARAM_FILTER_FILE,
		{ 0, "file", 'F', OC_ARG_REQUIRED, "FILE", .hidden = 1 },	/* the old spelling, kept hidden */
		{ 'v', "verbose", .help = "libbpf's and the verifier's messages", .man = "libbpf's and the verifier's messages." },
		{ 'h', "help", .help = "", .man = "" },
		{ 0 },
	},
};

static void print_link(const struct oc_kfilter *f, enum oc_kf_link l)
{
	const char *name = l == OC_KF_L2 ? "Ethernet (DLT_EN10MB)" : "raw IP (DLT_RAW)";
	char line[128];

	printf("%s:\n", name);
	if (!f->link[l].ok) {
		printf("  %s\n", f->link[l].why);
		return;
	}
	printf("classic BPF (libpcap):\n");
	oc_pcap_dump(f->link[l].cbpf, f->link[l].cbpf_len);
	printf("eBPF (%u instructions, reads %u bytes at most):\n", f->link[l].n, f->link[l].span);
	for (unsigned i = 0; i < f->link[l].n; i++) {
		oc_ebpf_format(&f->link[l].ebpf[i], line, sizeof(line));
		printf("(%03u) %s\n", i, line);
	}
}

/* A run's programs in each variant: the kernel's own, and the older
 * kernels' without bpf_cast_to_kern_ctx (tc reads __sk_buff there). */
#define VARIANTS 2

struct tally {
	unsigned long kept, rejected, undecided;
};

struct compare {
	const struct oc_kfilter *f;
	struct oc_testrun *run[OC_KF_LINKS][VARIANTS];
	uint32_t have[VARIANTS];
	unsigned nvariants;
	int verbose;
	unsigned long n, matched, disagree, uncompared, runs, unexpected;
	struct tally t[VARIANTS][OC_TR_PROGS];
	int said[OC_KF_LINKS];	/* "not compared" told for this link type */
	int failed;		/* said with oc_err() */
};

static const char *verdict(int v)
{
	return v == OC_CBPF_MATCH ? "match" : v == OC_CBPF_REJECT ? "reject" : "undecided";
}

static void count(struct tally *t, int k)
{
	t->kept += k == OC_CBPF_MATCH;
	t->rejected += k == OC_CBPF_REJECT;
	t->undecided += k == OC_CBPF_UNDECIDED;
}

/* libpcap's verdict; for inbound/outbound/ifindex the kernel's classic BPF's
 * on a live capture at that program's point (libpcap on a file has none). */
static int reference(const struct compare *c, enum oc_kf_link l, const struct oc_testrun *r,
		     enum oc_tr_prog p, const uint8_t *data, uint32_t caplen, uint32_t len)
{
	const void *cbpf = c->f->link[l].cbpf;
	unsigned n = c->f->link[l].cbpf_len;
	struct oc_cbpf_aux aux;

	if (!oc_cbpf_uses_aux(cbpf, n))
		return oc_pcap_match(cbpf, n, data, caplen, len) != 0;
	aux = oc_testrun_aux(r, p);
	return oc_cbpf_run(cbpf, n, data, caplen, len, &aux) != 0;
}

static int run_one(struct compare *c, enum oc_kf_link l, unsigned v, enum oc_tr_prog p, int vlan_meta,
		   const uint8_t *data, uint32_t caplen, uint32_t len)
{
	struct oc_testrun *r = c->run[l][v];
	int u = reference(c, l, r, p, data, caplen, len), k;
	char ctx[32];

	snprintf(ctx, sizeof(ctx), "#%lu", c->n);
	k = oc_testrun_packet(r, p, data, caplen, len, vlan_meta, ctx);
	if (k < 0) {
		c->failed = 1;
		return -1;
	}
	c->runs++;
	count(&c->t[v][p], k);
	if (k == OC_CBPF_UNDECIDED) {	/* user space decides, with libpcap */
		c->unexpected += oc_kfilter_decides(c->f, l);
		k = u ? OC_CBPF_MATCH : OC_CBPF_REJECT;
	}
	if ((k == OC_CBPF_MATCH) != u) {
		c->disagree++;
		printf("#%lu %s%s%s kernel=%s libpcap=%s len %u caplen %u\n", c->n, oc_testrun_name(p),
		       v ? " (older kernels' variant)" : "", vlan_meta ? " (VLAN tag as metadata)" : "",
		       verdict(k), u ? "match" : "reject", len, caplen);
	}
	return 0;
}

static int tagged(const uint8_t *d, uint32_t caplen)
{
	return caplen >= 18 && ((d[12] == 0x81 && d[13] == 0x00) || (d[12] == 0x88 && d[13] == 0xa8));
}

/* Every program of every variant on the packet; a tagged frame at tc once
 * more with its tag as metadata. */
static int run_all(struct compare *c, enum oc_kf_link l, const uint8_t *data, uint32_t caplen, uint32_t len)
{
	for (unsigned v = 0; v < c->nvariants; v++) {
		if (!c->run[l][v] && !(c->run[l][v] = oc_testrun_open(c->f, l == OC_KF_L3, c->have[v], c->verbose))) {
			c->failed = 1;
			return -1;
		}
		for (unsigned p = 0; p < OC_TR_PROGS; p++) {
			int tc = p == OC_TR_TC_INGRESS || p == OC_TR_TC_EGRESS;

			if (!oc_testrun_has(c->run[l][v], p))
				continue;
			if (run_one(c, l, v, p, 0, data, caplen, len) ||
			    (tc && l == OC_KF_L2 && tagged(data, caplen) && run_one(c, l, v, p, 1, data, caplen, len)))
				return -1;
		}
	}
	return 0;
}

/* One packet of the file, with its interface's link type. */
static int compare_one(struct compare *c, unsigned linktype, const uint8_t *data, uint32_t caplen, uint32_t len)
{
	enum oc_kf_link l = linktype == OC_LINKTYPE_RAW ? OC_KF_L3 : OC_KF_L2;

	c->n++;
	if (linktype != OC_LINKTYPE_ETHERNET && linktype != OC_LINKTYPE_RAW) {
		oc_err("#%lu: link type %u: offcap filters Ethernet and raw IP", c->n, linktype);
		c->failed = 1;
		return 1;
	}
	if (!c->f->link[l].ok) {	/* libpcap has no program there: nothing to compare */
		if (!c->said[l]++)
			printf("%s packets not compared: %s (capture attaches nothing there)\n",
			       l == OC_KF_L3 ? "raw IP" : "Ethernet", c->f->link[l].why);
		c->uncompared++;
		return 0;
	}
	c->matched += oc_pcap_match(c->f->link[l].cbpf, c->f->link[l].cbpf_len, data, caplen, len) != 0;
	return run_all(c, l, data, caplen, len) ? 1 : 0;
}

static int compare_file(struct compare *c, const char *path)
{
	struct cap_reader *r = cap_open(path);
	struct oc_packet pkt;
	int ret = r ? 0 : -1;


	while (r && (ret = cap_next(r, &pkt)) == 1) {
		const struct oc_iface *i = cap_iface(r, pkt.if_id);

		if (compare_one(c, i ? i->linktype : OC_LINKTYPE_ETHERNET, pkt.data, pkt.caplen, pkt.len))
			break;
	}
	if (r && ret < 0)
		oc_err("%s: %s", path, cap_error(r));
	cap_close(r);
	return ret < 0 || c->failed ? -1 : 0;
}

/* The kernel's verdicts per program: what it kept, rejected, left to user space. */
static void print_tallies(const struct compare *c)
{
	struct tally all = { 0 };

	for (unsigned v = 0; v < c->nvariants; v++)
		for (unsigned p = 0; p < OC_TR_PROGS; p++) {
			const struct tally *t = &c->t[v][p];

			if (!t->kept && !t->rejected && !t->undecided)
				continue;
			printf("  %s%s: %lu kept, %lu rejected, %lu undecided\n", oc_testrun_name(p),
			       v ? " (without bpf_cast_to_kern_ctx)" : "", t->kept, t->rejected, t->undecided);
			all.kept += t->kept, all.rejected += t->rejected, all.undecided += t->undecided;
		}
	printf("kernel: %lu kept, %lu rejected, %lu undecided in %lu runs\n", all.kept, all.rejected,
	       all.undecided, c->runs);
}

/* Every file in turn, one program load per link type and variant for all of them. */
static int compare_files(const struct oc_kfilter *f, char **files, unsigned nfiles, int verbose)
{
	struct compare *c = calloc(1, sizeof(*c));
	int ret = 0;

	if (!c)
		return oc_fail(1, "out of memory");
	c->f = f, c->verbose = verbose;
	c->have[0] = oc_probe_features();
	c->nvariants = 1;
	if (c->have[0] & OC_FEAT_KERN_CTX)
		c->have[c->nvariants++] = c->have[0] & ~(uint32_t)OC_FEAT_KERN_CTX;
	for (unsigned i = 0; i < nfiles && !ret; i++)
		ret = compare_file(c, files[i]);
	for (unsigned l = 0; l < OC_KF_LINKS; l++)
		for (unsigned v = 0; v < VARIANTS; v++)
			oc_testrun_close(c->run[l][v]);
	if (ret) {
		free(c);
		return 1;
	}
	print_tallies(c);
	printf("%lu packets, %lu matched, %lu disagreements", c->n, c->matched, c->disagree);
	if (c->uncompared)
		printf(" (%lu not compared)", c->uncompared);
	printf("\n");
	if (c->unexpected)
		printf("%lu verdicts undecided although every load of the filter is within the %u bytes the "
		       "kernel copies: the filter did not decide in the kernel\n", c->unexpected, OC_CBPF_SPAN_MAX);
	ret = c->disagree || c->unexpected ? 1 : 0;
	free(c);
	return ret;
}

int cmd_filter(int argc, char **argv)
{
	struct oc_getopt g = { 0 };
	const char *exprfile = NULL;
	char *files[64];
	unsigned nfiles = 0;
	char *expr;
	struct oc_kfilter *f;
	int c, verbose = 0, ret;

	while ((c = oc_params_next(&oc_params_filter, &g, argc, argv)) != -1) {
		switch (c) {
		case 'r':
			if (nfiles == 64)
				return oc_fail(2, "-r: at most 64 files");
			files[nfiles++] = optarg;
			break;
		case 'F': exprfile = optarg; break;
		case 'v': verbose = 1; break;
		case 'h': oc_params_usage(&oc_params_filter, stdout); return 0;
		default: oc_params_usage(&oc_params_filter, stderr); return 2;
		}
	}
	/* options may follow the expression, as in "offcap filter EXPR -r FILE" */
	for (int i = optind; i < argc; i++)
		if (!strcmp(argv[i], "-r") && i + 1 < argc) {
			if (nfiles == 64)
				return oc_fail(2, "-r: at most 64 files");
			files[nfiles++] = argv[i + 1];
			memmove(&argv[i], &argv[i + 2], (size_t)(argc - i - 2) * sizeof(*argv));
			argc -= 2;
			i--;
		} else if (!strcmp(argv[i], "-v")) {
			verbose = 1;
			memmove(&argv[i], &argv[i + 1], (size_t)(argc - i - 1) * sizeof(*argv));
			argc--;
			i--;
		}
	if (oc_expr_text(argv + optind, argc - optind, exprfile, &expr))
		return 1;
	ret = oc_kfilter_compile(expr ? expr : "", &f);
	free(expr);
	if (ret)
		return 1;
	if (nfiles)
		ret = compare_files(f, files, nfiles, verbose);
	else {
		print_link(f, OC_KF_L2);
		print_link(f, OC_KF_L3);
		ret = 0;
	}
	oc_kfilter_free(f);
	return ret;
}
