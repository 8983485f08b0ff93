/* offcap stats: per interface and hook point, what a capture file holds. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "capstats.h"
#include "cmd.h"
#include "params.h"
#include "expr.h"
#include "pcapng.h"
#include "wire.h"

const struct oc_params oc_params_stats = {
	.cmd = "stats",
	.files = 1,
	.usage = "Usage: offcap stats [--packets] [-F FILE] FILE [EXPRESSION]\n\n"
		 "Packets, bytes, frames over the MTU and the largest frame per interface\n"
		 "and hook point, plus the capture's own drop statistics. Reads offcap's\n"
		 "pcapng and any pcap/pcapng (gzip too); '-' reads stdin.\n\n",
	.after = "\nWith EXPRESSION (tcpdump's filter language) only the packets it matches count\n"
		 "(--packets keeps their frame numbers in the file). The capture statistics\n"
		 "column stays the file's own (every packet the capture saw).\n",
	.p = (const struct oc_param[]){
		{ 0, "packets", 'P', .help = "instead, one line per packet with the metadata offcap read:\n"
					      "frame interface point len gso_size gso_segs gso_type csum vlan queue",
		  .man = "instead, one line per packet with the metadata offcap read: frame, interface block, point, len,\n"
			 "gso_size, gso_segs, gso_type, csum, vlan, queue\n.RB ( \\- \" where unknown).\"" },
		OC_PARAM_FILTER_FILE,
		{ 'h', "help", .help = "", .man = "" },
		{ 0 },
	},
};

static void print(struct cap_reader *r, const struct oc_capstats *c)
{
	printf("%-24s %10s %14s %9s %8s %10s  %s\n", "interface", "packets", "bytes", "over-mtu",
	       "max-len", "gso-segs", "capture statistics");
	for (unsigned i = 0; i < cap_niface(r); i++) {
		const struct oc_iface *f = cap_iface(r, i);
		struct oc_capstats_if k = oc_capstats_get(c, i);
		char isb[128] = "none";
		int n = 0;

		if (f->has_isb)
			n = snprintf(isb, sizeof(isb), "recv=%llu drop=%llu", (unsigned long long)f->isb_recv,
				     (unsigned long long)f->isb_drop);
		if (k.ring_full_cut)
			snprintf(isb + n, sizeof(isb) - n, "%scut=%llu", n ? " " : "",
				 (unsigned long long)k.ring_full_cut);
		/* over-mtu is judged against oc_wire_mtu(): '?' when the file has no MTU */
		printf("%-24s %10llu %14llu %9llu %8llu %10llu  %s mtu=%u%s\n", f->name,
		       (unsigned long long)k.packets, (unsigned long long)k.bytes,
		       (unsigned long long)k.over_mtu, (unsigned long long)k.max_len,
		       (unsigned long long)k.gso_segs, isb, oc_wire_mtu(f, 0), f->mtu ? "" : "?");
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

static int list_packets(const char *path, struct oc_expr *e)
{
	struct cap_reader *r;
	struct oc_packet p;
	uint64_t frame = 0;
	int n;

	if (!(r = cap_open(path)))
		return 1;
	while ((n = cap_next(r, &p)) > 0) {
		int m = oc_expr_match(e, cap_iface(r, p.if_id), &p);

		++frame;
		if (m < 0) {
			n = -2;
			break;
		}
		if (m)
			print_packet(frame, cap_iface(r, p.if_id), &p);
	}
	if (n == -1)
		oc_err("%s: %s", path, cap_error(r));
	cap_close(r);
	return n < 0 ? 1 : 0;
}

static int count(const char *path, struct oc_expr *e)
{
	struct oc_capstats c = { 0 };
	struct cap_reader *r;
	struct oc_packet p;
	int n, m = 0;

	r = cap_open(path);
	if (!r)
		return 1;
	while ((n = cap_next(r, &p)) > 0) {
		if ((m = oc_expr_match(e, cap_iface(r, p.if_id), &p)) < 0)
			break;
		if (m && oc_capstats_packet(&c, cap_iface(r, p.if_id), &p)) {
			m = oc_fail(-ENOMEM, "out of memory");
			break;
		}
	}
	if (m < 0) {	/* the expression's or memory's message is said */
		cap_close(r);
		oc_capstats_free(&c);
		return 1;
	}
	print(r, &c);
	if (n < 0)
		oc_err("%s: %s", path, cap_error(r));
	cap_close(r);
	oc_capstats_free(&c);
	return n < 0 ? 1 : 0;
}

int cmd_stats(int argc, char **argv)
{
	struct oc_getopt g = { 0 };
	struct oc_expr *e = NULL;
	const char *ffile = NULL;
	int c, packets = 0, ret;

	optind = 1;
	while ((c = oc_params_next(&oc_params_stats, &g, argc, argv)) != -1) {
		switch (c) {
		case 'P': packets = 1; break;
		case 'F': ffile = optarg; break;
		case 'h': oc_params_usage(&oc_params_stats, stdout); return 0;
		default: oc_params_usage(&oc_params_stats, stderr); return 2;
		}
	}
	if (optind >= argc) {
		oc_err("stats: name a capture file");
		oc_params_usage(&oc_params_stats, stderr);
		return 2;
	}
	if (oc_cmd_expr(argv + optind + 1, argc - optind - 1, ffile, &e))
		return 1;
	ret = packets ? list_packets(argv[optind], e) : count(argv[optind], e);
	oc_expr_free(e);
	return ret;
}
