/* offcap stats: per interface and hook point, what a capture file holds. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "capstats.h"
#include "cmd.h"
#include "pcapng.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: offcap stats [--packets] FILE\n\n"
		   "Packets, bytes, frames over the MTU and the largest frame per interface\n"
		   "and hook point, plus the capture's own drop statistics. Reads offcap's\n"
		   "pcapng and any pcap/pcapng (gzip too); '-' reads stdin.\n\n"
		   "  --packets  instead, one line per packet with the metadata offcap read:\n"
		   "             frame interface point len gso_size gso_segs gso_type csum vlan queue\n");
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

/* --packets: what offcap's reader makes of each packet ("-" where unknown). */
static void print_packet(uint64_t frame, const struct oc_iface *f, const struct oc_packet *p)
{
	const struct oc_meta *m = &p->meta;
	char gso[160] = "-", vlan[8] = "-";

	if (!(m->flags & OC_META_VALID)) {
		printf("%llu %s - %u - - - - - -\n", (unsigned long long)frame, f ? f->name : "?", p->len);
		return;
	}
	if (m->flags & OC_META_NO_GSO_TYPE)
		snprintf(gso, sizeof(gso), "unknown");
	else
		oc_gso_format(m->gso_type, gso, sizeof(gso));
	if (m->flags & OC_META_VLAN)
		snprintf(vlan, sizeof(vlan), "%u", m->vlan_tci & 0x0fff);
	printf("%llu %s %s %u %u %u %s %s %s %u\n", (unsigned long long)frame, f ? f->name : "?",
	       oc_point_name(m->point), m->len, m->gso_size, m->gso_segs, gso, oc_csum_name(m->csum),
	       vlan, m->rx_queue);
}

static int list_packets(const char *path)
{
	struct cap_reader *r;
	struct oc_packet p;
	uint64_t frame = 0;
	char err[256];
	int n;

	if (!(r = cap_open(path, err, sizeof(err))))
		return oc_err("%s", err), 1;
	while ((n = cap_next(r, &p)) > 0)
		print_packet(++frame, cap_iface(r, p.if_id), &p);
	if (n < 0)
		oc_err("%s: %s", path, cap_error(r));
	cap_close(r);
	return n < 0 ? 1 : 0;
}

int cmd_stats(int argc, char **argv)
{
	struct oc_capstats c = { 0 };
	struct cap_reader *r;
	struct oc_packet p;
	char err[256];
	int n;

	if (argc == 3 && !strcmp(argv[1], "--packets"))
		return list_packets(argv[2]);
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
