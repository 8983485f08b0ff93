/* offcap stats: per interface and hook point, what a capture file holds. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "pcapng.h"

#define MAX_IF 256

struct if_count {
	uint64_t packets, bytes, over_mtu, max_len, gso_segs, dropcount;
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: offcap stats [--packets] FILE\n\n"
		   "Packets, bytes, frames over the MTU and the largest frame per interface\n"
		   "and hook point, plus the capture's own drop statistics. Reads offcap's\n"
		   "pcapng and any pcap/pcapng (gzip too); '-' reads stdin.\n\n"
		   "  --packets  instead, one line per packet with the metadata offcap read:\n"
		   "             frame interface point len gso_size gso_segs gso_type csum vlan queue\n");
}

static void print(struct cap_reader *r, const struct if_count *c)
{
	printf("%-24s %10s %14s %9s %8s %10s  %s\n", "interface", "packets", "bytes", "over-mtu",
	       "max-len", "gso-segs", "capture statistics");
	for (unsigned i = 0; i < cap_niface(r) && i < MAX_IF; i++) {
		const struct oc_iface *f = cap_iface(r, i);
		char isb[96] = "none";

		if (f->has_isb)
			snprintf(isb, sizeof(isb), "recv=%llu drop=%llu", (unsigned long long)f->isb_recv,
				 (unsigned long long)f->isb_drop);
		printf("%-24s %10llu %14llu %9llu %8llu %10llu  %s mtu=%u\n", f->name,
		       (unsigned long long)c[i].packets, (unsigned long long)c[i].bytes,
		       (unsigned long long)c[i].over_mtu, (unsigned long long)c[i].max_len,
		       (unsigned long long)c[i].gso_segs, isb, f->mtu);
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
	struct if_count *c;
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
	c = calloc(MAX_IF, sizeof(*c));
	if (!c)
		return cap_close(r), oc_err("out of memory"), 1;
	while ((n = cap_next(r, &p)) > 0) {
		const struct oc_iface *f = cap_iface(r, p.if_id);
		struct if_count *k;

		if (p.if_id >= MAX_IF || !f)
			continue;
		k = &c[p.if_id];
		k->packets++;
		k->bytes += p.len;
		k->max_len = p.len > k->max_len ? p.len : k->max_len;
		k->over_mtu += f->mtu && p.len > f->mtu + 14u + ((p.meta.flags & OC_META_VLAN) ? 4 : 0);
		k->gso_segs += p.meta.gso_segs > 1 ? p.meta.gso_segs : 1;
		k->dropcount += p.dropcount;
	}
	print(r, c);
	if (n < 0)
		oc_err("%s: %s", argv[1], cap_error(r));
	cap_close(r);
	free(c);
	return n < 0 ? 1 : 0;
}
