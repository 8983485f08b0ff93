/* offcap read FILE [EXPRESSION]: one line per packet, tcpdump -n -r style. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "expr.h"
#include "params.h"
#include "pcapng.h"
#include "print.h"
#include "wire.h"

struct read_opts {
	const char *file, *ffile, *out;
	unsigned long count;
	struct oc_print_opts po;
	char *expr;
};

const struct oc_params oc_params_read = {
	.cmd = "read",
	.files = 1,
	.usage =
"Usage: offcap read [OPTIONS] FILE [EXPRESSION]\n"
"       offcap -r FILE [OPTIONS] [EXPRESSION]\n"
"\n"
"One line per packet, as tcpdump -n -r prints it (time, interface@point,\n"
"direction, addresses and ports, TCP flags, seq/ack/win/options, length),\n"
"followed by what only offcap knows: gso SIZExSEGS TYPE, csum, offloaded vlan.\n"
"Reads offcap's pcapng and any pcap/pcapng (tcpdump, dumpcap), gzip too; '-'\n"
"reads stdin. EXPRESSION is tcpdump's filter language, compiled for each link\n"
"type in the file. TCP sequence numbers are relative to each conversation's\n"
"first, as tcpdump prints them; -S prints them absolute.\n"
"\n",
	.p = (const struct oc_param[]){
		{ 'r', "read", .arg = OC_ARG_REQUIRED, .metavar = "FILE", .complete = OC_COMP_FILE,
		  .help = "the file (instead of the first argument)", .man = "the file, instead of the first argument." },
		{ 'w', "write", .arg = OC_ARG_REQUIRED, .metavar = "OUT", .complete = OC_COMP_FILE,
		  .help = "instead of lines, write the matching packets to OUT (pcapng,\nwith their interface blocks, comments and metadata; *.gz: gzip)",
		  .man = "instead of lines, write the matching packets to\n.I OUT\n(pcapng,\n.B .gz\nfor gzip) with their interface blocks, comments and metadata, as\n"
			 ".B \"tcpdump \\-r IN \\-w OUT EXPRESSION\"\ndoes." },
		{ 'c', "count", .arg = OC_ARG_REQUIRED, .metavar = "N", .help = "stop after N packets shown",
		  .man = "stop after N packets shown." },
		{ 'e', .help = "link level: MAC addresses, EtherType, VLAN tags",
		  .man = "the link level: MAC addresses, EtherType, VLAN tags (no\n.I IP\nbefore the addresses, as tcpdump \\-e)." },
		{ 'v', "verbose", .help = "IP header details and all of offcap's metadata of each packet",
		  .man = "IP header details (tos, ttl, id, offset, flags, proto, length) and all of offcap's metadata of\n"
			 "each packet (its comment, epb_queue, epb_flags); another tool's packet comment." },
		{ 'q', "quiet", .help = "short protocol lines (tcp 1448)", .man = "short lines:\n.IR \"tcp 1448\" ." },
		OC_PARAM_FILTER_FILE,
		{ 'S', .help = "absolute TCP sequence numbers", .man = "absolute TCP sequence numbers." },
		{ 'n', .show = "-n, -nn", .help = "accepted: offcap never resolves names", .man = "accepted." },
		{ 's', "snapshot-length", .arg = OC_ARG_REQUIRED, .metavar = "N", .help = "accepted: the file's snaplen stays",
		  .man = "accepted: the file's snaplen stays." },
		{ 0, "version", 'V', .help = "", .man = "" },
		{ 'h', "help", .help = "", .man = "" },
		{ 0 },
	},
};

static int parse_args(int argc, char **argv, struct read_opts *o)
{
	struct oc_getopt g = { 0 };
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = oc_params_next(&oc_params_read, &g, argc, argv)) != -1) {
		switch (c) {
		case 'r': o->file = optarg; break;
		case 'w': o->out = optarg; break;
		case 's': break;
		case 'c':
			if (oc_parse_uint(optarg, 1, ~0ul, &o->count))
				return oc_fail(-EINVAL, "-c: count must be a positive number");
			break;
		case 'e': o->po.eflag = 1; break;
		case 'v': o->po.vflag++; break;
		case 'q': o->po.qflag = 1; break;
		case 'n': break;
		case 'S': o->po.Sflag = 1; break;
		case 'F': o->ffile = optarg; break;
		case 'V': oc_print_version(); exit(0);
		case 'h': oc_params_usage(&oc_params_read, stdout); exit(0);
		default: oc_params_usage(&oc_params_read, stderr); return -1;
		}
	}
	if (!o->file) {
		if (optind >= argc) {
			oc_err("read: name a capture file");
			oc_params_usage(&oc_params_read, stderr);
			return -EINVAL;
		}
		o->file = argv[optind++];
	}
	if (oc_expr_text(argv + optind, argc - optind, o->ffile, &o->expr))
		return -1;
	return 0;
}

static int read_lines(struct read_opts *o, struct cap_reader *r, struct oc_expr *e)
{
	static char line[8192];
	struct oc_printer pr;
	struct oc_packet p;
	uint64_t shown = 0;
	int n, m;

	o->po.no_ifname = !cap_is_pcapng(r);
	oc_printer_init(&pr, &o->po);
	while ((n = cap_next(r, &p)) > 0) {
		const struct oc_iface *f = cap_iface(r, p.if_id);

		if ((m = oc_expr_match(e, f, &p)) < 0)
			return 1;
		if (!m)
			continue;
		fwrite(line, 1, oc_print_line(&pr, f, &p, line, sizeof(line)), stdout);
		if (o->count && ++shown >= o->count)
			break;
	}
	if (n < 0)
		oc_err("%s: %s", o->file, cap_error(r));
	oc_printer_free(&pr);
	if (fflush(stdout) || ferror(stdout))
		return oc_fail(1, "writing the lines: %m");
	return n < 0 ? 1 : 0;
}

/* -w: the matching packets, each interface block written before its first. */
static int write_matching(struct read_opts *o, struct cap_reader *r, struct oc_expr *e)
{
	struct pcapng_shb_info shb = { .app = "offcap " OFFCAP_VERSION " read",
				       .comment = "offcap read: the packets matching a filter expression" };
	struct pcapng_writer *w;
	struct oc_packet p;
	int *map = NULL, n, m, ret = 1;
	uint32_t nmap = 0;
	uint64_t shown = 0;

	if (!strcmp(o->out, o->file))
		return oc_fail(1, "read: -w would overwrite the input");
	if (!(w = pcapng_open(o->out, &shb)))
		return 1;
	while ((n = cap_next(r, &p)) > 0) {
		if ((m = oc_expr_match(e, cap_iface(r, p.if_id), &p)) < 0)
			goto out;
		if (!m)
			continue;
		if (oc_iface_slots((void **)&map, &nmap, p.if_id, sizeof(int))) {
			oc_err("read: interface %u: out of memory or beyond %u interfaces", p.if_id, OC_MAX_IFACES);
			goto out;
		}
		if (!map[p.if_id]) {
			int id = pcapng_add_iface(w, cap_iface(r, p.if_id));

			if (id < 0)
				break;
			map[p.if_id] = id + 1;
		}
		if (p.comment && (p.meta.flags & OC_META_VALID))
			p.comment = NULL;	/* the writer writes the metadata's own comment */
		p.if_id = (uint32_t)map[p.if_id] - 1;
		if (pcapng_write_packet(w, &p))
			break;
		if (o->count && ++shown >= o->count)
			break;
	}
	if (n < 0)
		oc_err("%s: %s", o->file, cap_error(r));
	else if (pcapng_error(w) && *pcapng_error(w))
		oc_err("%s", pcapng_error(w));
	else
		ret = 0;
out:
	if (pcapng_close(w))
		ret = 1;
	free(map);
	return ret;
}

int cmd_read(int argc, char **argv)
{
	struct read_opts o;
	struct cap_reader *r;
	struct oc_expr *e = NULL;
	int ret;

	if (parse_args(argc, argv, &o))
		return 2;
	if (o.expr && !(e = oc_expr_new(o.expr))) {
		free(o.expr);
		return 1;
	}
	if (!(r = cap_open(o.file))) {
		oc_expr_free(e);
		free(o.expr);
		return 1;
	}
	if (!isatty(1))
		setvbuf(stdout, NULL, _IOFBF, 1 << 18);
	ret = o.out ? write_matching(&o, r, e) : read_lines(&o, r, e);
	cap_close(r);
	oc_expr_free(e);
	free(o.expr);
	return ret;
}
