/* offcap stats: per interface and hook point, what a capture file holds. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "capstats.h"
#include "cmd.h"
#include "pcapng.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: offcap stats FILE\n\n"
		   "Packets, bytes, frames over the MTU and the largest frame per interface\n"
		   "and hook point, plus the capture's own drop statistics. Reads offcap's\n"
		   "pcapng and any pcap/pcapng (gzip too); '-' reads stdin.\n");
}

static void print(struct cap_reader *r, const struct oc_capstats *c)
{
	printf("%-24s %10s %14s %9s %8s %10s  %s\n", "interface", "packets", "bytes", "over-mtu",
	       "max-len", "gso-segs", "capture statistics");
	for (unsigned i = 0; i < cap_niface(r); i++) {
		const struct oc_iface *f = cap_iface(r, i);
		struct oc_capstats_if k = oc_capstats_get(c, i);
		char isb[96] = "none";

		if (f->has_isb)
			snprintf(isb, sizeof(isb), "recv=%llu drop=%llu", (unsigned long long)f->isb_recv,
				 (unsigned long long)f->isb_drop);
		printf("%-24s %10llu %14llu %9llu %8llu %10llu  %s mtu=%u\n", f->name,
		       (unsigned long long)k.packets, (unsigned long long)k.bytes,
		       (unsigned long long)k.over_mtu, (unsigned long long)k.max_len,
		       (unsigned long long)k.gso_segs, isb, f->mtu);
	}
}

int cmd_stats(int argc, char **argv)
{
	struct oc_capstats c = { 0 };
	struct cap_reader *r;
	struct oc_packet p;
	char err[256];
	int n;

	if (argc != 2 || (argv[1][0] == '-' && argv[1][1])) {
		usage(argc == 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
		return argc == 2 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	r = cap_open(argv[1], err, sizeof(err));
	if (!r)
		return oc_err("%s", err), 1;
	while ((n = cap_next(r, &p)) > 0)
		if (oc_capstats_packet(&c, cap_iface(r, p.if_id), &p))
			return cap_close(r), oc_capstats_free(&c), oc_err("out of memory"), 1;
	print(r, &c);
	if (n < 0)
		oc_err("%s: %s", argv[1], cap_error(r));
	cap_close(r);
	oc_capstats_free(&c);
	return n < 0 ? 1 : 0;
}
