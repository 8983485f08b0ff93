/* offcap filter EXPR: the classic BPF libpcap makes of a capture filter and
 * the eBPF offcap runs in the kernel; with -r FILE, proof that both give the
 * same verdict on every packet of FILE (BPF_PROG_TEST_RUN vs libpcap). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf.h"
#include "cmd.h"
#include "expr.h"
#include "kfilter.h"
#include "packet.h"
#include "pcapng.h"
#include "pcapc.h"
#include "testrun.h"


static void usage(FILE *f)
{
	fprintf(f, "Usage: offcap filter [-v] [-r FILE ...] [-F FILE | EXPRESSION]\n\n"
		   "Print the classic BPF libpcap compiles EXPRESSION to (as tcpdump -d does)\n"
		   "and the eBPF offcap capture runs in the kernel for it, per link type.\n\n"
		   "  -r, --read FILE   run the capture's kernel program (BPF_PROG_TEST_RUN) and\n"
		   "                    libpcap's interpreter on every packet of FILE and print\n"
		   "                    each packet they disagree on; exit 1 if any. Repeatable:\n"
		   "                    packets are numbered across the files\n"
		   "  -F, --file FILE   read the expression from FILE\n"
		   "  -v, --verbose     libbpf's and the verifier's messages\n");
}

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

struct compare {
	const struct oc_kfilter *f;
	struct oc_testrun *run[OC_KF_LINKS];
	int verbose;
	unsigned long n, matched, undecided, disagree, skipped, uncompared;
	int said[OC_KF_LINKS];	/* "not compared" told for this link type */
	char err[512];
};

static const char *verdict(int v)
{
	return v == OC_CBPF_MATCH ? "match" : v == OC_CBPF_REJECT ? "reject" : "undecided";
}

/* One packet of the file, with its interface's link type. */
static int compare_one(struct compare *c, unsigned linktype, const uint8_t *data, uint32_t caplen, uint32_t len)
{
	enum oc_kf_link l = linktype == OC_LINKTYPE_RAW ? OC_KF_L3 : OC_KF_L2;
	int k, u;

	c->n++;
	if (linktype != OC_LINKTYPE_ETHERNET && linktype != OC_LINKTYPE_RAW) {
		snprintf(c->err, sizeof(c->err), "#%lu: link type %u: offcap filters Ethernet and raw IP",
			 c->n, linktype);
		return 1;
	}
	if (!c->f->link[l].ok) {	/* libpcap has no program there: nothing to compare */
		if (!c->said[l]++)
			printf("%s packets not compared: %s (capture attaches nothing there)\n",
			       l == OC_KF_L3 ? "raw IP" : "Ethernet", c->f->link[l].why);
		c->uncompared++;
		return 0;
	}
	if (!c->run[l] && !(c->run[l] = oc_testrun_open(c->f, l == OC_KF_L3, c->verbose, c->err, sizeof(c->err))))
		return 1;
	u = oc_pcap_match(c->f->link[l].cbpf, c->f->link[l].cbpf_len, data, caplen, len);
	if ((k = oc_testrun_packet(c->run[l], data, caplen, len)) < 0) {
		c->skipped++;
		fprintf(stderr, "#%lu: the kernel refused the test run (%u bytes)\n", c->n, caplen);
		return 0;
	}
	if (k == OC_CBPF_UNDECIDED) {	/* user space decides, with libpcap */
		c->undecided++;
		k = u ? OC_CBPF_MATCH : OC_CBPF_REJECT;
	}
	c->matched += k == OC_CBPF_MATCH;
	if ((k == OC_CBPF_MATCH) != (u != 0)) {
		c->disagree++;
		printf("#%lu kernel=%s libpcap=%s len %u caplen %u\n", c->n, verdict(k),
		       u ? "match" : "reject", len, caplen);
	}
	return 0;
}

static int compare_file(struct compare *c, const char *path)
{
	struct cap_reader *r = cap_open(path, c->err, sizeof(c->err));
	struct oc_packet pkt;
	int ret = r ? 0 : -1;

	while (r && (ret = cap_next(r, &pkt)) == 1) {
		const struct oc_iface *i = cap_iface(r, pkt.if_id);

		if (compare_one(c, i ? i->linktype : OC_LINKTYPE_ETHERNET, pkt.data, pkt.caplen, pkt.len))
			break;
	}
	if (r && ret < 0)
		snprintf(c->err, sizeof(c->err), "%s: %s", path, cap_error(r));
	cap_close(r);
	return ret < 0 || c->err[0] ? -1 : 0;
}

/* Every file in turn, one program load per link type for all of them. */
static int compare_files(const struct oc_kfilter *f, char **files, unsigned nfiles, int verbose)
{
	struct compare c = { .f = f, .verbose = verbose };
	int ret = 0;

	for (unsigned i = 0; i < nfiles && !ret; i++)
		ret = compare_file(&c, files[i]);
	for (unsigned l = 0; l < OC_KF_LINKS; l++)
		oc_testrun_close(c.run[l]);
	if (ret) {
		oc_err("%s", c.err);
		return 1;
	}
	printf("%lu packets, %lu matched, %lu disagreements", c.n, c.matched, c.disagree);
	if (c.undecided)
		printf(" (%lu decided in user space)", c.undecided);
	if (c.skipped)
		printf(" (%lu not run)", c.skipped);
	if (c.uncompared)
		printf(" (%lu not compared)", c.uncompared);
	printf("\n");
	return c.disagree || c.skipped ? 1 : 0;
}

int cmd_filter(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "read", required_argument, 0, 'r' }, { "file", required_argument, 0, 'F' },
		{ "verbose", no_argument, 0, 'v' }, { "help", no_argument, 0, 'h' }, { 0 }
	};
	const char *exprfile = NULL;
	char *files[64];
	unsigned nfiles = 0;
	char err[512] = "", *expr;
	struct oc_kfilter *f;
	int c, verbose = 0, ret;

	while ((c = getopt_long(argc, argv, "+r:F:vh", lo, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (nfiles == 64)
				return oc_err("-r: at most 64 files"), 2;
			files[nfiles++] = optarg;
			break;
		case 'F': exprfile = optarg; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	/* options may follow the expression, as in "offcap filter EXPR -r FILE" */
	for (int i = optind; i < argc; i++)
		if (!strcmp(argv[i], "-r") && i + 1 < argc) {
			if (nfiles == 64)
				return oc_err("-r: at most 64 files"), 2;
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
	if (oc_expr_text(argv + optind, argc - optind, exprfile, &expr, err, sizeof(err))) {
		oc_err("%s", err);
		return 1;
	}
	f = oc_kfilter_compile(expr ? expr : "", err, sizeof(err));
	free(expr);
	if (!f) {
		oc_err("%s", err);
		return 1;
	}
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
