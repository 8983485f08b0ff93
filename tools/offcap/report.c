/* offcap report: every frame over the MTU explained, per interface, hook point and flow. */
#include <errno.h>
#include <getopt.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis.h"
#include "cmd.h"
#include "expr.h"
#include "json.h"
#include "params.h"
#include "parse.h"
#include "pcapng.h"
#include "wire.h"

#define MAX_FLOWS_SHOWN 100000

#define MAX_FILES 16

struct report_opts {
	const char *file;
	const char *files[MAX_FILES];	/* two or more: the path between the first two */
	char *labels[MAX_FILES];	/* -l LABEL=FILE */
	unsigned nfiles, nlabels;
	struct oc_expr *expr;	/* only matching packets are analysed */
	int json, side_by_side;
	unsigned long mtu, flow_limit, flows_shown, count;
};

/* report's defaults, one definition each (the table's help and the options' start) */
#define DEF_FLOWS	20
#define DEF_FLOW_LIMIT	65536
#define DEF_COUNT	10

const struct oc_params oc_params_report = {
	.cmd = "report",
	.files = 1,
	.usage =
"Usage: offcap report [OPTIONS] FILE [EXPRESSION]\n"
"       offcap report [--json] [-l LABEL=FILE] FILE FILE...\n"
"\n"
"Explain every frame over the MTU: TSO/GSO super-frame, GRO/LRO merge, BIG TCP,\n"
"or a REAL problem; per flow the MSS of each side, the segment payload, gso_size\n"
"seen, the largest wire segment, the super-frames and the segments they became;\n"
"checksums that are only partial (tcpdump's \"incorrect\") versus really wrong;\n"
"offloaded VLAN tags. For offcap's captures it also cuts every super-frame into\n"
"its segments exactly as Linux does and compares them with the segments seen\n"
"at post-gso, and matches GRO-merged frames with the frames seen at XDP.\n"
"Reads offcap's pcapng and any pcap/pcapng (tcpdump, dumpcap), gzip too.\n"
"EXPRESSION (tcpdump's filter language) limits the report to the packets it\n"
"matches: a flow whose SYNs it drops has no MSS learned from its handshake.\n"
"With two captures (one at each end of a path, offcap's or tcpdump's), the path\n"
"between them: clocks aligned from the traffic, packets matched across GSO and\n"
"GRO, and per flow direction what was lost, duplicated, reordered, delayed, the\n"
"MSS clamps, black holes, rewritten fields, NAT, tunnels and IP fragmentation\n"
"(offcap merge --help).\n"
"\n",
	.p = (const struct oc_param[]){
		{ 0, "json", 'j', .help = "one JSON document instead of text", .man = "one JSON document instead of text." },
		{ 0, "mtu", 'm', OC_ARG_REQUIRED, "N", "MTU for files that do not record it (default " OC_STR(OC_DEFAULT_MTU) ")",
		  .man = "MTU for files that do not record it (default " OC_STR(OC_DEFAULT_MTU) ")." },
		{ 0, "flows", 'f', OC_ARG_REQUIRED, "N", "flows listed (default " OC_STR(DEF_FLOWS) ", by bytes; all in --json)",
		  .man = "flows listed (default " OC_STR(DEF_FLOWS) ")." },
		{ 0, "flow-limit", 'L', OC_ARG_REQUIRED, "N", "flows tracked at once (default " OC_STR(DEF_FLOW_LIMIT) "; the oldest are evicted)",
		  .man = "flows tracked at once (default " OC_STR(DEF_FLOW_LIMIT) "; the least recently seen is evicted)." },
		{ 0, "side-by-side", 's', .help = "each super-frame's synthesized segments next to the observed ones",
		  .man = "each super-frame's synthesized segments next to the observed ones." },
		{ 'c', "count", .arg = OC_ARG_REQUIRED, .metavar = "N", .help = "with --side-by-side: the first N super-frames (default " OC_STR(DEF_COUNT) ")",
		  .man = "with\n.BR \\-\\-side\\-by\\-side :\nthe first N super-frames (default " OC_STR(DEF_COUNT) ")." },
		OC_PARAM_FILTER_FILE,
		{ 'l', "label", .arg = OC_ARG_REQUIRED, .metavar = "LABEL=FILE", .help = "with two captures: the host label of FILE" },
		{ 'h', "help", .help = "", .man = "" },
		{ 0 },
	},
};

/* A word after the first file is another capture when it names a file (a
 * filter expression's words do not): 1, 0, or -1 when that file is no capture. */
static int is_capture(const char *path)
{
	struct cap_reader *r;

	if (!strcmp(path, "-") || access(path, F_OK))
		return 0;
	if (!(r = cap_open(path)))
		return -1;
	cap_close(r);
	return 1;
}

static int parse_args(int argc, char **argv, struct report_opts *o)
{
	struct oc_getopt g = { 0 };
	const char *ffile = NULL;
	int c;

	*o = (struct report_opts){ .mtu = OC_DEFAULT_MTU, .flow_limit = DEF_FLOW_LIMIT, .flows_shown = DEF_FLOWS,
				   .count = DEF_COUNT };
	optind = 1;
	while ((c = oc_params_next(&oc_params_report, &g, argc, argv)) != -1) {
		switch (c) {
		case 'j': o->json = 1; break;
		case 's': o->side_by_side = 1; break;
		case 'm':
			if (oc_parse_uint(optarg, 68, 1 << 20, &o->mtu))
				return oc_fail(-EINVAL, "--mtu: a number from 68 to 1048576");
			break;
		case 'f':
			if (oc_parse_uint(optarg, 0, MAX_FLOWS_SHOWN, &o->flows_shown))
				return oc_fail(-EINVAL, "--flows: a number from 0 to %d", MAX_FLOWS_SHOWN);
			break;
		case 'L':
			if (oc_parse_uint(optarg, 1, 1 << 24, &o->flow_limit))
				return oc_fail(-EINVAL, "--flow-limit: a number from 1 to 16777216");
			break;
		case 'c':
			if (oc_parse_uint(optarg, 1, ~0ul, &o->count))
				return oc_fail(-EINVAL, "-c: a positive number");
			break;
		case 'F': ffile = optarg; break;
		case 'l':
			if (o->nlabels == MAX_FILES)
				return oc_fail(-EINVAL, "-l: at most %d", MAX_FILES);
			o->labels[o->nlabels++] = optarg;
			break;
		case 'h': oc_params_usage(&oc_params_report, stdout); exit(0);
		default: oc_params_usage(&oc_params_report, stderr); return -1;
		}
	}
	if (optind >= argc && o->nlabels > 1) {	/* the files named by -l LABEL=FILE only */
		for (unsigned i = 0; i < o->nlabels; i++)
			o->files[o->nfiles++] = strchr(o->labels[i], '=') ? strchr(o->labels[i], '=') + 1 : o->labels[i];
		o->file = o->files[0];
		return ffile ? oc_err("report: a filter expression goes with one capture"), -1 : 0;
	}
	if (optind >= argc) {
		oc_err("report: name one capture file");
		oc_params_usage(&oc_params_report, stderr);
		return -EINVAL;
	}
	o->file = o->files[o->nfiles++] = argv[optind++];
	while (optind < argc && o->nfiles < MAX_FILES && (c = is_capture(argv[optind])) != 0) {
		if (c < 0)
			return -1;
		o->files[o->nfiles++] = argv[optind++];
	}
	if (o->nfiles > 1 && (optind < argc || ffile))
		return oc_err("report: a filter expression goes with one capture; with two, the path between "
			      "them is reported whole"), -1;
	return oc_cmd_expr(argv + optind, argc - optind, ffile, &o->expr) ? -2 : 0;
}

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0;
}

/* Super-frames that arrived whole: never on a wire, so not GRO merges. */
static void print_received_whole(struct cap_reader *r, const struct oc_if_stats *s)
{
	const struct oc_iface *sent = s->rw_sent_if1 ? cap_iface(r, s->rw_sent_if1 - 1) : NULL;

	printf("  %-22s %17s %llu super-frames received whole (%llu segments), never on a wire, not GRO merges:",
	       "", "", (unsigned long long)s->received_whole, (unsigned long long)s->received_whole_segs);
	if (s->rw_seen_sent)
		printf(" %llu handed whole to the sending device (seen at %s): GSO pass-through",
		       (unsigned long long)s->rw_seen_sent, sent ? sent->name : "?");
	if (s->rw_dodgy)
		printf("%s%llu with gso_type DODGY (handed over whole by a tap, virtio or packet socket)",
		       s->rw_seen_sent ? ", " : " ", (unsigned long long)s->rw_dodgy);
	if (s->rw_gro_off)
		printf("%s%llu with GRO and LRO off on %s (it merges nothing: they came whole%s)",
		       s->rw_seen_sent || s->rw_dodgy ? ", " : " ", (unsigned long long)s->rw_gro_off, s->ifname,
		       !strcmp(s->facts.driver, "veth") ? " from the veth peer" : "");
	if (s->rw_pre_gro)
		printf("%s%llu before GRO (the driver handed them over whole: LRO or hardware GRO on a NIC, "
		       "pass-through from a veth peer)", s->rw_seen_sent || s->rw_dodgy || s->rw_gro_off ? ", " : " ",
		       (unsigned long long)s->rw_pre_gro);
	printf("\n");
	if (s->device_merged)
		printf("  %-22s %17s %llu of them merged or passed whole by the device or its host (%s on %s: "
		       "LRO or the hypervisor's receive offloads), before this kernel's GRO, whose merges "
		       "show at tc-ingress\n", "", "", (unsigned long long)s->device_merged,
		       s->facts.gro_hw == 1 ? "rx-gro-hw" : "rx-lro", s->facts.driver[0] ? s->facts.driver : "?");
}

/* ip_summed as the driver left it, at the receive points */
static void print_csum_states(const struct oc_if_stats *s)
{
	static const char *const why[4] = {
		"none (the driver vouched for nothing: the stack verifies in software)",
		"unnecessary (the device verified the TCP/UDP checksum: e1000e, vmxnet3, a virtio host's DATA_VALID)",
		"complete (the device summed the packet; the stack checks that sum: virtio-net, mlx5)",
		"partial (still to be filled: the sender left it for a device, and a veth peer or a virtio "
		"host handed the packet over as it was, never checksummed on a wire)",
	};
	const char *sep = "";

	if (s->point != OC_POINT_PRE_GRO && s->point != OC_POINT_TC_INGRESS)
		return;
	if (!(s->csum_state[0] | s->csum_state[1] | s->csum_state[2] | s->csum_state[3]))
		return;
	printf("  %-22s %17s checksum state at %s:", "", "", oc_point_name(s->point));
	for (unsigned c = 0; c < 4; c++)
		if (s->csum_state[c]) {
			printf("%s %llu %s", sep, (unsigned long long)s->csum_state[c], why[c]);
			sep = ";";
		}
	printf("\n");
}

/* XDP's mode, what attaching changed in what the device does, and super-frames
 * capture --payload-once cut to their headers (the IDB's) */
static void print_observer_effects(const struct oc_if_stats *s)
{
	if (s->point == OC_POINT_XDP && s->facts.xdp_mode[0])
		printf("  %-22s %17s %s XDP\n", "", "", s->facts.xdp_mode);
	if (s->facts.gso_payload[0])
		printf("  %-22s %17s super-frames cut to their headers (capture --payload-once): "
		       "their payload is at %s\n", "", "", s->facts.gso_payload);
	for (const char *e = s->facts.observer_effect; *e;) {
		size_t n = strcspn(e, ",");
		const char *text = oc_observer_effect_text(e, n);

		printf("  %-22s %17s observer effect: %s\n", "", "", text ? text : "");
		if (!text)
			printf("%.*s\n", (int)n, e);
		e += n + (e[n] == ',');
	}
}

/* Per hook point: super-frames sent, merges and super-frames received whole,
 * frames too big for the veth peer. */
static void print_if_offloads(struct cap_reader *r, const struct oc_if_stats *s)
{
	if (s->superframes)
		printf("  %-22s %17s %llu super-frames become %llu %s (%.1f each)\n", "", "",
		       (unsigned long long)s->superframes, (unsigned long long)s->segments,
		       strcmp(s->facts.driver, "veth") ? "wire segments" : "segments (a veth has no wire)",
		       (double)s->segments / s->superframes);
	if (s->uncut)
		printf("  %-22s %17s %llu frames over the MTU not cut into wire segments: %s\n", "", "",
		       (unsigned long long)s->uncut, s->uncut_why);
	if (s->gso_types) {
		char g[256];

		oc_gso_format(s->gso_types, g, sizeof(g));
		printf("  %-22s %17s GSO types: %s%s\n", "", "", g, s->gso_types & OC_GSO_TUNNEL_MASK ?
		       " (tunnel offload: each segment gets the outer headers again)" : "");
	}
	if (s->merged)
		printf("  %-22s %17s %llu GRO/LRO merges of %llu wire frames (%.1f each)\n",
		       "", "", (unsigned long long)s->merged, (unsigned long long)s->merged_frames,
		       (double)s->merged_frames / s->merged);
	if (s->received_whole)
		print_received_whole(r, s);
	if (s->too_big_for_peer)
		printf("  %-22s %17s %llu frames larger than the veth peer's MTU %u: the peer drops them\n",
		       "", "", (unsigned long long)s->too_big_for_peer, s->peer_mtu);
}

/* "XDP verdicts: 40 drop, 40 pass (only the passed frames reach the stack)" */
static void print_xdp_verdicts(const struct oc_if_stats *s)
{
	const uint64_t *v = s->xdp_verdict;
	uint64_t n = 0;
	const char *sep = "";

	for (unsigned a = 0; a < OC_XDP_ACTIONS; a++)
		n += v[a];
	if (!n)
		return;
	printf("  %-22s %17s XDP verdicts:", "", "");
	for (unsigned a = 0; a < OC_XDP_ACTIONS; a++)
		if (v[a]) {
			printf("%s %llu %s", sep, (unsigned long long)v[a], oc_xdp_action_name(a));
			sep = ",";
		}
	if (v[XDP_PASS] < n)
		printf(" (only the passed frames reach the stack%s)",
		       v[XDP_TX] || v[XDP_REDIRECT] ? "; tx and redirect leave by XDP" : "");
	if (n < s->packets)
		printf("; %llu frames without one", (unsigned long long)(s->packets - n));
	printf("\n");
}

static void print_ifaces(struct cap_reader *r, struct oc_analysis *a)
{
	int assumed = 0;

	printf("Interfaces and hook points\n");
	printf("  %-22s %6s %9s %9s  %-44s %s\n", "interface", "mtu", "packets", "over-mtu",
	       "why over the MTU", "max-len");
	for (uint32_t i = 0; i < oc_analysis_niface(a); i++) {
		const struct oc_if_stats *s = oc_analysis_iface(a, i);
		const struct oc_iface *f = cap_iface(r, i);
		char why[256] = "", *w = why;

		if (!s || !s->packets)
			continue;
		assumed |= s->mtu_assumed;
		for (unsigned c = 0; c < OC_CAUSE_MAX; c++)
			if (s->cause[c])
				w += snprintf(w, why + sizeof(why) - w, "%s%llu %s", w == why ? "" : ", ",
					      (unsigned long long)s->cause[c], oc_cause_name(c));
		printf("  %-22s %5u%s %9llu %9llu  %-44s %llu\n", f ? f->name : "?", s->mtu,
		       s->mtu_assumed ? "?" : " ", (unsigned long long)s->packets,
		       (unsigned long long)s->over_mtu, why[0] ? why : "-", (unsigned long long)s->max_len);
		print_if_offloads(r, s);
		if (s->csum_partial || s->csum_bad)
			printf("  %-22s %17s checksums: %llu partial (left for the device: tcpdump says "
			       "\"incorrect\"), %llu really wrong, %llu ok, %llu not verifiable (snaplen)\n",
			       "", "", (unsigned long long)s->csum_partial, (unsigned long long)s->csum_bad,
			       (unsigned long long)s->csum_ok, (unsigned long long)s->csum_unverified);
		if (s->vlan_offloaded) {
			printf("  %-22s %17s %llu packets had their VLAN tag offloaded (re-inserted); VLAN",
			       "", "", (unsigned long long)s->vlan_offloaded);
			for (unsigned v = 0; v < s->n_vlan_ids; v++)
				printf(" %u", s->vlan_ids[v]);
			printf("\n");
		}
		print_csum_states(s);
		print_observer_effects(s);
		print_xdp_verdicts(s);
		if (s->ring_full_cut)
			printf("  %-22s %17s %llu packets cut to their first bytes by the capture: its ring "
			       "buffer was nearly full (cut=ring_full)\n", "", "", (unsigned long long)s->ring_full_cut);
		if (s->malformed || s->truncated)
			printf("  %-22s %17s %llu malformed%s%s%s, %llu with truncated headers\n", "", "",
			       (unsigned long long)s->malformed, s->malformed_example ? " (e.g. " : "",
			       s->malformed_example ? s->malformed_example : "", s->malformed_example ? ")" : "",
			       (unsigned long long)s->truncated);
	}
	if (assumed)
		printf("  ('?' after an MTU: not recorded in the file; assumed, see --mtu)\n");
	printf("\n");
}

static uint64_t flow_bytes(const struct oc_flow *f)
{
	return f->side[0].payload_bytes + f->side[1].payload_bytes;
}

static int by_bytes(const void *a, const void *b)
{
	uint64_t x = flow_bytes(*(struct oc_flow *const *)a), y = flow_bytes(*(struct oc_flow *const *)b);

	return x < y ? 1 : x > y ? -1 : 0;
}

static const char *iface_name(struct cap_reader *r, uint32_t if1)
{
	const struct oc_iface *f = if1 ? cap_iface(r, if1 - 1) : NULL;

	return f ? f->name : "?";
}

/* The segment payload the sender used when the capture shows it (its most
 * common gso_size, else its largest wire segment), else the expected one. */
static uint32_t segment_used(const struct oc_flow *f, int side, uint32_t mtu, const char **how)
{
	const struct oc_flow_side *s = &f->side[side];
	uint64_t best = 0;
	uint32_t seg = 0;

	if (f->path_mtu)	/* the smallest link the flow was seen on */
		mtu = f->path_mtu;
	for (unsigned i = 0; i < s->n_gso; i++)
		if (s->gso_count[i] > best)
			best = s->gso_count[i], seg = s->gso_size[i];
	if (seg)
		return *how = "gso_size", seg;
	if (s->max_wire_payload && (s->superframes || s->max_wire_payload >= oc_flow_segment_payload(f, side, mtu)))
		return *how = "largest wire segment", s->max_wire_payload;
	*how = f->side[!side].syn_seen ? "expected: peer's MSS less options" : "estimated from the MTU";
	return oc_flow_segment_payload(f, side, mtu);
}

/* "in netns X" when both interface blocks are in the same namespace (a router, a bridge) */
static const char *clamp_netns(struct oc_analysis *a, const struct oc_flow_side *s)
{
	const struct oc_if_stats *x = oc_analysis_iface(a, s->clamp_before_if1 - 1);
	const struct oc_if_stats *y = oc_analysis_iface(a, s->clamp_after_if1 - 1);

	if (!s->clamp_before_if1 || !x || !y || !x->facts.netns[0] || strcmp(x->facts.netns, y->facts.netns))
		return NULL;
	return x->facts.netns;
}

static void print_mss(struct cap_reader *r, struct oc_analysis *a, const struct oc_flow_side *s)
{
	const char *ns = s->clamp_after_if1 ? clamp_netns(a, s) : NULL;

	if (!s->syn_seen)
		printf("MSS unknown (no handshake in the capture)");
	else if (s->clamp_after_if1 && !s->clamp_from)	/* no MSS option in the SYN at first */
		printf("no MSS option in its SYN; MSS %u set on the path between %s and %s%s%s", s->clamp_to,
		       iface_name(r, s->clamp_before_if1), iface_name(r, s->clamp_after_if1),
		       ns ? ", inside netns " : "", ns ? ns : "");
	else if (s->clamp_after_if1)
		printf("MSS %u in its SYN, clamped on the path to %u between %s and %s%s%s (the peer got %u)",
		       s->clamp_from, s->clamp_to, iface_name(r, s->clamp_before_if1),
		       iface_name(r, s->clamp_after_if1), ns ? ", inside netns " : "", ns ? ns : "", s->mss);
	else if (!s->has_mss)
		printf("no MSS option (536/1220 by default)");
	else
		printf("MSS %u", s->mss);
	if (s->syn_seen)
		printf("%s%s%s", s->ts ? ", timestamps" : "", s->sackok ? ", SACK" : "",
		       s->has_wscale ? ", wscale" : "");
}

static void print_side(struct cap_reader *r, struct oc_analysis *a, const struct oc_flow *f, int side,
		       uint32_t mtu)
{
	const struct oc_flow_side *s = &f->side[side];
	const char *how;
	uint32_t seg = segment_used(f, side, mtu, &how);

	printf("      %s: ", side == (f->initiator >= 0 ? f->initiator : 0) ? "client" : "server");
	if (!s->packets) {
		printf("no packets captured in this direction\n");
		return;
	}
	if (f->key.proto != 6) {
		printf("%llu packets (counted once, at %s), %llu payload bytes", (unsigned long long)s->packets,
		       iface_name(r, s->count_if1), (unsigned long long)s->payload_bytes);
		if (s->max_wire_payload)
			printf(", largest datagram sent as it is %u", s->max_wire_payload);
		printf("\n");
		if (s->frag_datagrams)
			printf("        %llu datagrams of up to %u bytes in %llu IP fragments (sent without DF)\n", (unsigned long long)s->frag_datagrams, s->max_frag_datagram,
			       (unsigned long long)s->fragments);
		if (s->superframes)
			printf("        %llu UDP GSO super-frames sent -> %llu datagrams (at %s)\n",
			       (unsigned long long)s->superframes, (unsigned long long)s->segments,
			       iface_name(r, s->tx_if1));
		if (s->received_whole)
			printf("        %llu UDP GSO super-frames received whole (never on a wire) at %s\n",
			       (unsigned long long)s->received_whole, iface_name(r, s->rx_if1));
		return;
	}
	print_mss(r, a, s);
	printf("; sends segments of %u (%s)", seg, how);
	for (unsigned i = 0; i < s->n_gso; i++)
		printf("%s%u (x%llu)", i ? ", " : "; gso_size ", s->gso_size[i], (unsigned long long)s->gso_count[i]);
	printf("\n        %llu packets, %llu payload bytes (%llu sent again; counted once, at %s); "
	       "largest wire segment %u", (unsigned long long)s->packets, (unsigned long long)s->payload_bytes,
	       (unsigned long long)s->retrans_bytes, iface_name(r, s->count_if1), s->max_wire_payload);
	if (s->superframes)
		printf("; %llu super-frames -> %llu segments (at %s)", (unsigned long long)s->superframes,
		       (unsigned long long)s->segments, iface_name(r, s->tx_if1));
	if (s->merged)
		printf("; %llu GRO merges <- %llu frames (at %s)", (unsigned long long)s->merged,
		       (unsigned long long)s->merged_frames, iface_name(r, s->rx_if1));
	if (s->received_whole)
		printf("; %llu super-frames received whole (at %s)", (unsigned long long)s->received_whole,
		       iface_name(r, s->rx_if1));
	printf("\n        largest payload per hook point:");
	for (unsigned p = 0; p <= OC_POINT_MAX; p++)
		if (s->max_payload[p])
			printf(" %s %u", p < OC_POINT_MAX ? oc_point_name(p) : "capture", s->max_payload[p]);
	if (s->over_mss)
		printf("; %llu segments above the peer's MSS", (unsigned long long)s->over_mss);
	printf("\n");
}

/* " in vxlan tunnel, vni 42" / " in gre tunnel, key 7" / "" */
static const char *tunnel_text(const struct oc_flow *f, char *buf, size_t len)
{
	const char *id = f->tunnel == OC_TUN_GRE ? "key" : "vni";

	if (f->tunnel == OC_TUN_NONE)
		return "";
	if (f->tunnel == OC_TUN_IPIP || (f->tunnel == OC_TUN_GRE && !f->key.vni))
		snprintf(buf, len, " in %s tunnel", oc_tunnel_name(f->tunnel));
	else
		snprintf(buf, len, " in %s tunnel, %s %u", oc_tunnel_name(f->tunnel), id, f->key.vni);
	return buf;
}

static void print_flows(struct cap_reader *r, struct oc_analysis *a, unsigned long shown, uint32_t mtu)
{
	struct oc_flow_table *t = oc_analysis_flows(a);
	uint32_t n = oc_flows_count(t);
	struct oc_flow **v = calloc(n ? n : 1, sizeof(*v));

	if (!v)
		return;
	n = oc_flows_list(t, v, n);
	qsort(v, n, sizeof(*v), by_bytes);
	printf("Flows: %u tracked, %llu evicted (flow limit)%s\n", n,
	       (unsigned long long)oc_flows_evicted(t), n > shown ? ", the largest by bytes:" : "");
	for (uint32_t i = 0; i < n && i < shown; i++) {
		char name[128], tun[64];

		oc_flow_format(v[i], name, sizeof(name));
		printf("  %s %s%s\n", name, v[i]->key.proto == 6 ? "tcp" : "udp",
		       tunnel_text(v[i], tun, sizeof(tun)));
		print_side(r, a, v[i], v[i]->initiator >= 0 ? v[i]->initiator : 0, mtu);
		print_side(r, a, v[i], v[i]->initiator >= 0 ? !v[i]->initiator : 1, mtu);
	}
	printf("\n");
	free(v);
}

static void print_match(const struct oc_match_stats *m)
{
	if (m->compared || m->missing || m->tso_superframes) {
		printf("Segment synthesis against the kernel's own (post-gso):\n");
		if (m->compared || !m->tso_superframes)
			printf("  %llu segments compared byte for byte: %llu match (%.2f%%), %llu differ\n",
			       (unsigned long long)m->compared, (unsigned long long)m->matched,
			       pct(m->matched, m->compared), (unsigned long long)m->differed);
		if (m->missing)
			printf("  %llu synthesized segments were not seen at post-gso: the kernel did not hand them "
			       "to the driver while capturing (dropped before the driver, or sent after the capture)\n",
			       (unsigned long long)m->missing);
		if (m->tso_superframes_virtio)
			printf("  %llu super-frames handed to the device whole: virtio-net passes them to its host "
			       "whole (vnet_hdr), which cuts them into %llu segments only where a wire needs it (a "
			       "host bridge and another guest take them whole)\n",
			       (unsigned long long)m->tso_superframes_virtio, (unsigned long long)m->host_cut);
		if (m->tso_superframes > m->tso_superframes_veth + m->tso_superframes_virtio)
			printf("  %llu super-frames handed to the device whole: the NIC cuts them into %llu segments "
			       "on the wire (TSO/USO)%s%llu%s\n",
			       (unsigned long long)(m->tso_superframes - m->tso_superframes_veth -
						    m->tso_superframes_virtio),
			       (unsigned long long)m->nic_cut, m->device_cut > m->device_cut_veth ?
			       "; synthesized here as Linux would cut them: " : "",
			       (unsigned long long)(m->device_cut - m->device_cut_veth),
			       m->device_cut > m->device_cut_veth ? " segments" : "");
		if (m->tso_superframes_veth)
			printf("  %llu super-frames went to a veth whole: it passes them to its peer whole (GSO "
			       "pass-through, no wire); %llu segments synthesized as a NIC would cut them (not missing)\n",
			       (unsigned long long)m->tso_superframes_veth, (unsigned long long)m->device_cut_veth);
	}
	if (m->gro_merged) {
		printf("GRO: %llu merged frames at tc-ingress, %llu with every frame seen before GRO (xdp, pre-gro); "
		       "built from:", (unsigned long long)m->gro_merged, (unsigned long long)m->gro_matched);
		for (unsigned i = 0; i < 7; i++) {
			if (!m->gro_hist[i])
				continue;
			if (i == 0)
				printf(" 1 frame x%llu", (unsigned long long)m->gro_hist[i]);
			else if (i == 6)
				printf(" 64+ frames x%llu", (unsigned long long)m->gro_hist[i]);
			else
				printf(" %u-%u frames x%llu", 1u << i, (2u << i) - 1, (unsigned long long)m->gro_hist[i]);
		}
		printf("\n");
		if (m->gro_edge)
			printf("  %llu merged frames began before the first frame of their flow seen before GRO "
			       "(the capture's edge: not a loss)\n", (unsigned long long)m->gro_edge);
		if (m->gro_missing)
			printf("  %llu merged frames lack frames the points before GRO did not record "
			       "(the capture's own drops, see the interface's statistics)\n",
			       (unsigned long long)m->gro_missing);
	}
	if (m->compared || m->gro_merged || m->tso_superframes)
		printf("\n");
}

static void print_cut_fields(const struct oc_cut_stats *c)
{
	const char *sep = "";

	for (unsigned f = OC_CUT_LINK + 1; f < OC_CUT_FIELDS; f++) {
		if (!c->field[f])
			continue;
		printf("%s%s in %llu segments (frame %llu, super-frame at frame %llu)", sep, oc_cut_field_name(f),
		       (unsigned long long)c->field[f], (unsigned long long)c->field_frame[f],
		       (unsigned long long)c->field_sf_frame[f]);
		sep = "; ";
	}
}

static void print_niccut(const struct oc_cut_stats *c)
{
	if (!c->handed)
		return;
	printf("The NIC's cut against Linux's (super-frames handed whole to a device, against the frames another "
	       "interface of this capture received):\n");
	printf("  %llu super-frames handed whole to %s%s's device (%s %llu segments): ",
	       (unsigned long long)c->handed, c->tx, c->n_tx > 1 ? " and others" : "",
	       c->tx_virtio == c->handed ? "virtio-net: its host cuts them, or passes them whole; Linux would cut"
					 : "the NIC cuts them; Linux would cut them into",
	       (unsigned long long)c->segments);
	if (!c->n_rx) {
		printf("no other interface of this capture received any of their segments\n\n");
		return;
	}
	printf("%llu reached %s%s (every segment accounted for), %llu exactly as Linux would have cut them; ",
	       (unsigned long long)c->all_received, c->rx, c->n_rx > 1 ? " and others" : "",
	       (unsigned long long)c->exact);
	if (c->differ) {
		printf("%llu differ: ", (unsigned long long)c->differ);
		print_cut_fields(c);
		printf("\n");
	} else {
		printf("none differs\n");
	}
	printf("  segments: %llu received at another interface (%llu exactly as Linux cuts them, %llu differ), "
	       "%llu inside frames merged or passed whole (not comparable), %llu sent again before another interface "
	       "saw them, %llu never seen at another interface (the capture's own drops count here)\n",
	       (unsigned long long)c->seg_received, (unsigned long long)c->seg_exact,
	       (unsigned long long)c->seg_differ, (unsigned long long)c->seg_merged,
	       (unsigned long long)c->seg_resent, (unsigned long long)c->seg_unseen);
	if (c->field[OC_CUT_LINK])
		printf("  link layer (MACs, VLAN tags) differs on %llu segments (frame %llu): not the NIC's cut, "
		       "compared from the IP header on\n", (unsigned long long)c->field[OC_CUT_LINK],
		       (unsigned long long)c->field_frame[OC_CUT_LINK]);
	if (c->fragmented)
		printf("  %llu super-frames left the device as IP fragments of the whole super-frame, not as TCP "
		       "segments (qemu 7.2 emulates TSO so on e1000e and vmxnet3 without a vnet_hdr peer)\n",
		       (unsigned long long)c->fragmented);
	if (c->seg_csum_unverified)
		printf("  TCP/UDP checksums not compared on %llu segments: their super-frame was not captured whole "
		       "(snaplen; capture with -s 0 to compare them)\n", (unsigned long long)c->seg_csum_unverified);
	printf("\n");
}

static void json_niccut(struct oc_json *j, const struct oc_cut_stats *c)
{
	oc_json_open(j, "nic_cut", '{');
	oc_json_u64(j, "handed_superframes", c->handed);
	oc_json_u64(j, "segments", c->segments);
	oc_json_str(j, "tx_device", c->n_tx ? c->tx : NULL);
	oc_json_str(j, "rx_device", c->n_rx ? c->rx : NULL);
	oc_json_u64(j, "received_superframes", c->all_received);
	oc_json_u64(j, "exact_superframes", c->exact);
	oc_json_u64(j, "differing_superframes", c->differ);
	oc_json_u64(j, "fragmented_superframes", c->fragmented);
	oc_json_u64(j, "segments_compared", c->seg_received);
	oc_json_u64(j, "segments_exact", c->seg_exact);
	oc_json_u64(j, "segments_differ", c->seg_differ);
	oc_json_u64(j, "segments_merged", c->seg_merged);
	oc_json_u64(j, "segments_unseen", c->seg_unseen);
	oc_json_u64(j, "segments_resent", c->seg_resent);
	oc_json_u64(j, "segments_csum_unverified", c->seg_csum_unverified);
	oc_json_open(j, "differences", '{');
	for (unsigned f = 0; f < OC_CUT_FIELDS; f++) {
		oc_json_open(j, oc_cut_field_key(f), '{');
		oc_json_u64(j, "segments", c->field[f]);
		oc_json_u64(j, "frame", c->field_frame[f]);
		oc_json_u64(j, "superframe_frame", c->field_sf_frame[f]);
		oc_json_close(j, '}');
	}
	oc_json_close(j, '}');
	oc_json_close(j, '}');
}

static uint64_t grew(uint64_t from, uint64_t to)
{
	return to > from ? to - from : 0;
}

/* Each device once (its first interface block): what the kernel counted while capturing. */
static void print_counters(struct oc_analysis *a)
{
	int header = 0;

	for (uint32_t i = 0; i < oc_analysis_niface(a); i++) {
		const struct oc_if_stats *s = oc_analysis_iface(a, i);
		const struct oc_counters *b = &s->facts.start, *e = &s->facts.end;
		int dup = 0;

		if (!s->facts.has_start || !s->facts.has_end)
			continue;
		for (uint32_t k = 0; k < i && !dup; k++) {
			const struct oc_if_stats *o = oc_analysis_iface(a, k);

			dup = !strcmp(o->ifname, s->ifname) && !strcmp(o->facts.netns, s->facts.netns) &&
			      o->facts.ifindex == s->facts.ifindex;
		}
		if (dup)
			continue;
		if (!header++)
			printf("Kernel counters during the capture (start -> end, /proc/net/dev):\n");
		printf("  %-16s rx_dropped +%llu, rx_errors +%llu, tx_dropped +%llu, tx_errors +%llu%s%s\n",
		       s->ifname, (unsigned long long)grew(b->rx_dropped, e->rx_dropped),
		       (unsigned long long)grew(b->rx_errors, e->rx_errors),
		       (unsigned long long)grew(b->tx_dropped, e->tx_dropped),
		       (unsigned long long)grew(b->tx_errors, e->tx_errors),
		       s->facts.netns[0] ? "  netns " : "", s->facts.netns);
	}
	if (header)
		printf("\n");
}

static void print_problems(struct cap_reader *r, struct oc_analysis *a)
{
	unsigned n, total = 0;
	const struct oc_problem *p = oc_analysis_problems(a, &n);

	for (unsigned k = 0; k < OC_PROB_MAX; k++)
		total += oc_analysis_problem_count(a, k);
	if (!total) {
		uint64_t over = 0;

		for (uint32_t i = 0; i < oc_analysis_niface(a); i++)
			over += oc_analysis_iface(a, i)->over_mtu;
		printf("Real problems: none.%s\n", over ? " Every frame over the MTU is an offload artefact." : "");
		return;
	}
	printf("Real problems:\n");
	for (unsigned k = 0; k < OC_PROB_MAX; k++)
		if (oc_analysis_problem_count(a, k))
			printf("  %llu x %s\n", (unsigned long long)oc_analysis_problem_count(a, k),
			       oc_problem_name(k));
	for (unsigned i = 0; i < n; i++) {
		const struct oc_iface *f = cap_iface(r, p[i].if_id);

		if (p[i].frame)
			printf("    frame %llu on %s: %s\n", (unsigned long long)p[i].frame, f ? f->name : "?",
			       p[i].text);
		else
			printf("    %s\n", p[i].text);
	}
}

static void json_received_whole(struct oc_json *j, struct cap_reader *r, const struct oc_if_stats *s)
{
	oc_json_open(j, "received_whole", '{');
	oc_json_u64(j, "superframes", s->received_whole);
	oc_json_u64(j, "segments", s->received_whole_segs);
	oc_json_u64(j, "seen_sent_whole", s->rw_seen_sent);
	oc_json_str(j, "sent_whole_at", s->rw_sent_if1 ? iface_name(r, s->rw_sent_if1) : NULL);
	oc_json_u64(j, "gro_off", s->rw_gro_off);
	oc_json_u64(j, "dodgy", s->rw_dodgy);
	oc_json_u64(j, "before_gro", s->rw_pre_gro);
	oc_json_close(j, '}');
}

static void json_counter_set(struct oc_json *j, const char *key, const struct oc_counters *c)
{
	oc_json_open(j, key, '{');
	oc_json_u64(j, "rx_dropped", c->rx_dropped);
	oc_json_u64(j, "rx_errors", c->rx_errors);
	oc_json_u64(j, "tx_dropped", c->tx_dropped);
	oc_json_u64(j, "tx_errors", c->tx_errors);
	oc_json_close(j, '}');
}

static void json_counters(struct oc_json *j, const struct oc_if_stats *s)
{
	if (!s->facts.has_start && !s->facts.has_end)
		return;
	oc_json_open(j, "kernel_counters", '{');
	if (s->facts.has_start)
		json_counter_set(j, "start", &s->facts.start);
	if (s->facts.has_end)
		json_counter_set(j, "end", &s->facts.end);
	oc_json_close(j, '}');
}

static void json_if(struct oc_json *j, struct cap_reader *r, const struct oc_iface *f,
		    const struct oc_if_stats *s)
{
	oc_json_open(j, NULL, '{');
	oc_json_str(j, "interface", f ? f->name : NULL);
	oc_json_str(j, "hook", f && f->point != OC_POINT_NONE ? oc_point_name(f->point) : NULL);
	oc_json_u64(j, "mtu", s->mtu);
	oc_json_bool(j, "mtu_assumed", s->mtu_assumed);
	oc_json_u64(j, "packets", s->packets);
	oc_json_u64(j, "bytes", s->bytes);
	oc_json_u64(j, "max_len", s->max_len);
	oc_json_u64(j, "over_mtu", s->over_mtu);
	oc_json_open(j, "over_mtu_causes", '{');
	oc_json_u64(j, "tso_gso", s->cause[OC_CAUSE_TSO]);
	oc_json_u64(j, "gro_lro", s->cause[OC_CAUSE_GRO]);
	oc_json_u64(j, "received_whole", s->cause[OC_CAUSE_RECEIVED_WHOLE]);
	oc_json_u64(j, "offload_unknown_direction", s->cause[OC_CAUSE_OFFLOAD]);
	oc_json_u64(j, "big_tcp", s->cause[OC_CAUSE_BIGTCP]);
	oc_json_u64(j, "real", s->cause[OC_CAUSE_REAL]);
	oc_json_close(j, '}');
	oc_json_u64(j, "superframes", s->superframes);
	oc_json_u64(j, "segments", s->segments);
	oc_json_u64(j, "gro_merged", s->merged);
	oc_json_u64(j, "gro_merged_frames", s->merged_frames);
	oc_json_u64(j, "over_mtu_not_cut", s->uncut);
	oc_json_str(j, "not_cut_why", s->uncut_why);
	oc_json_open(j, "gso_types", '[');
	for (unsigned b = 0; b < 32; b++) {
		char g[32];

		if (s->gso_types & (1u << b) && oc_gso_format(1u << b, g, sizeof(g)) && strcmp(g, "none"))
			oc_json_str(j, NULL, g);
	}
	oc_json_close(j, ']');
	json_received_whole(j, r, s);
	oc_json_u64(j, "too_big_for_peer", s->too_big_for_peer);
	if (s->peer_mtu) {
		oc_json_u64(j, "peer_mtu", s->peer_mtu);
		oc_json_str(j, "peer", s->facts.peer_name[0] ? s->facts.peer_name : NULL);
	}
	json_counters(j, s);
	oc_json_open(j, "checksums", '{');
	oc_json_u64(j, "ok", s->csum_ok);
	oc_json_u64(j, "partial", s->csum_partial);
	oc_json_u64(j, "bad", s->csum_bad);
	oc_json_u64(j, "unverified", s->csum_unverified);
	oc_json_u64(j, "ipv4_header_bad", s->ip_csum_bad);
	oc_json_close(j, '}');
	oc_json_u64(j, "vlan_offloaded", s->vlan_offloaded);
	oc_json_open(j, "csum_states", '{');
	oc_json_u64(j, "none", s->csum_state[0]);
	oc_json_u64(j, "unnecessary", s->csum_state[1]);
	oc_json_u64(j, "complete", s->csum_state[2]);
	oc_json_u64(j, "partial", s->csum_state[3]);
	oc_json_close(j, '}');
	oc_json_u64(j, "device_merged", s->device_merged);
	oc_json_str(j, "xdp_mode", s->facts.xdp_mode[0] ? s->facts.xdp_mode : NULL);
	oc_json_str(j, "observer_effect", s->facts.observer_effect[0] ? s->facts.observer_effect : NULL);
	oc_json_str(j, "gso_payload", s->facts.gso_payload[0] ? s->facts.gso_payload : NULL);
	if (s->point == OC_POINT_XDP) {
		oc_json_open(j, "xdp_verdicts", '{');
		for (unsigned a = 0; a < OC_XDP_ACTIONS; a++)
			oc_json_u64(j, oc_xdp_action_name(a), s->xdp_verdict[a]);
		oc_json_close(j, '}');
	}
	oc_json_u64(j, "malformed", s->malformed);
	oc_json_u64(j, "truncated", s->truncated);
	oc_json_u64(j, "ring_full_cut", s->ring_full_cut);
	oc_json_close(j, '}');
}

static void json_clamp(struct oc_json *j, struct cap_reader *r, struct oc_analysis *a,
		       const struct oc_flow_side *s)
{
	if (!s->clamp_after_if1)
		return;
	oc_json_open(j, "mss_clamp", '{');
	oc_json_u64(j, "from", s->clamp_from);
	oc_json_u64(j, "to", s->clamp_to);
	oc_json_str(j, "seen_before_at", iface_name(r, s->clamp_before_if1));
	oc_json_str(j, "seen_after_at", iface_name(r, s->clamp_after_if1));
	oc_json_str(j, "netns", clamp_netns(a, s));
	oc_json_close(j, '}');
}

static void json_side(struct oc_json *j, struct cap_reader *r, struct oc_analysis *a, const struct oc_flow *f,
		      int side, uint32_t mtu)
{
	const struct oc_flow_side *s = &f->side[side];
	const char *how;
	uint32_t used = segment_used(f, side, mtu, &how);

	oc_json_open(j, NULL, '{');
	oc_json_bool(j, "initiator", f->initiator == side);
	if (s->syn_seen && s->has_mss)
		oc_json_u64(j, "mss", s->mss);
	else
		oc_json_str(j, "mss", NULL);
	oc_json_bool(j, "handshake_seen", s->syn_seen);
	oc_json_bool(j, "mss_option", s->syn_seen && s->has_mss);
	json_clamp(j, r, a, s);
	oc_json_bool(j, "timestamps", s->ts);
	oc_json_u64(j, "segment_payload", oc_flow_segment_payload(f, side, f->path_mtu ? f->path_mtu : mtu));
	oc_json_u64(j, "segment_size_used", used);
	oc_json_str(j, "segment_size_from", how);
	oc_json_str(j, "counted_at", s->count_if1 ? iface_name(r, s->count_if1) : NULL);
	oc_json_str(j, "sent_at", s->tx_if1 ? iface_name(r, s->tx_if1) : NULL);
	oc_json_str(j, "received_at", s->rx_if1 ? iface_name(r, s->rx_if1) : NULL);
	oc_json_open(j, "gso_sizes", '[');
	for (unsigned i = 0; i < s->n_gso; i++)
		oc_json_u64(j, NULL, s->gso_size[i]);
	oc_json_close(j, ']');
	oc_json_u64(j, "packets", s->packets);
	oc_json_u64(j, "payload_bytes", s->payload_bytes);
	oc_json_u64(j, "retransmitted_bytes", s->retrans_bytes);
	oc_json_u64(j, "largest_wire_segment", s->max_wire_payload);
	oc_json_u64(j, "fragmented_datagrams", s->frag_datagrams);
	oc_json_u64(j, "ip_fragments", s->fragments);
	oc_json_u64(j, "superframes", s->superframes);
	oc_json_u64(j, "segments", s->segments);
	oc_json_u64(j, "gro_merged", s->merged);
	oc_json_u64(j, "received_whole", s->received_whole);
	oc_json_u64(j, "over_mss", s->over_mss);
	oc_json_open(j, "largest_payload", '{');
	for (unsigned p = 0; p <= OC_POINT_MAX; p++)
		if (s->max_payload[p])
			oc_json_u64(j, p < OC_POINT_MAX ? oc_point_name(p) : "capture", s->max_payload[p]);
	oc_json_close(j, '}');
	oc_json_close(j, '}');
}

static void json_flows(struct oc_json *j, struct cap_reader *r, struct oc_analysis *a, uint32_t mtu)
{
	struct oc_flow_table *t = oc_analysis_flows(a);
	uint32_t n = oc_flows_count(t);
	struct oc_flow **v = calloc(n ? n : 1, sizeof(*v));

	oc_json_u64(j, "flows_evicted", oc_flows_evicted(t));
	oc_json_open(j, "flows", '[');
	n = v ? oc_flows_list(t, v, n) : 0;
	for (uint32_t i = 0; i < n; i++) {
		char name[128];
		int c = v[i]->initiator >= 0 ? v[i]->initiator : 0;

		oc_flow_format(v[i], name, sizeof(name));
		oc_json_open(j, NULL, '{');
		oc_json_str(j, "flow", name);
		oc_json_str(j, "proto", v[i]->key.proto == 6 ? "tcp" : "udp");
		/* the same inner tuple outside and inside a tunnel are two flows */
		oc_json_str(j, "tunnel", v[i]->tunnel ? oc_tunnel_name(v[i]->tunnel) : NULL);
		if (v[i]->tunnel == OC_TUN_VXLAN || v[i]->tunnel == OC_TUN_GENEVE)
			oc_json_u64(j, "vni", v[i]->key.vni);
		else if (v[i]->tunnel == OC_TUN_GRE)
			oc_json_u64(j, "gre_key", v[i]->key.vni);
		if (v[i]->path_mtu) {
			oc_json_u64(j, "path_mtu", v[i]->path_mtu);
			oc_json_str(j, "path_mtu_at", iface_name(r, v[i]->path_mtu_if1));
		}
		oc_json_open(j, "sides", '[');
		json_side(j, r, a, v[i], c, mtu);
		json_side(j, r, a, v[i], !c, mtu);
		oc_json_close(j, ']');
		oc_json_close(j, '}');
	}
	oc_json_close(j, ']');
	free(v);
}

static void json_report(struct cap_reader *r, struct oc_analysis *a, const struct report_opts *o)
{
	const struct oc_match_stats *m = oc_analysis_match(a);
	const struct oc_problem *p;
	struct oc_json j;
	unsigned n;

	oc_json_init(&j, stdout);
	oc_json_open(&j, NULL, '{');
	oc_json_str(&j, "file", o->file);
	oc_json_u64(&j, "packets", oc_analysis_packets(a));
	oc_json_open(&j, "interfaces", '[');
	for (uint32_t i = 0; i < oc_analysis_niface(a); i++)
		if (oc_analysis_iface(a, i)->packets)
			json_if(&j, r, cap_iface(r, i), oc_analysis_iface(a, i));
	oc_json_close(&j, ']');
	json_flows(&j, r, a, (uint32_t)o->mtu);
	oc_json_open(&j, "synthesis", '{');
	oc_json_u64(&j, "compared", m->compared);
	oc_json_u64(&j, "matched", m->matched);
	oc_json_u64(&j, "differed", m->differed);
	oc_json_u64(&j, "missing", m->missing);
	oc_json_f64(&j, "match_rate", m->compared ? (double)m->matched / m->compared : 0);
	oc_json_u64(&j, "tso_superframes", m->tso_superframes);
	oc_json_u64(&j, "device_cut_segments", m->device_cut);
	oc_json_u64(&j, "veth_superframes", m->tso_superframes_veth);
	oc_json_u64(&j, "nic_cut_segments", m->nic_cut);
	oc_json_u64(&j, "virtio_superframes", m->tso_superframes_virtio);
	oc_json_u64(&j, "host_cut_segments", m->host_cut);
	oc_json_u64(&j, "gro_merged", m->gro_merged);
	oc_json_u64(&j, "gro_matched", m->gro_matched);
	oc_json_u64(&j, "gro_incomplete_edge", m->gro_edge);
	oc_json_u64(&j, "gro_incomplete_missing", m->gro_missing);
	oc_json_close(&j, '}');
	json_niccut(&j, oc_analysis_niccut(a));
	oc_json_open(&j, "problems", '{');
	for (unsigned k = 0; k < OC_PROB_MAX; k++)	/* headings as keys: kept for consumers */
		oc_json_u64(&j, oc_problem_name(k), oc_analysis_problem_count(a, k));
	oc_json_close(&j, '}');
	oc_json_open(&j, "problem_counts", '{');	/* the same, by machine id */
	for (unsigned k = 0; k < OC_PROB_MAX; k++)
		oc_json_u64(&j, oc_problem_id(k), oc_analysis_problem_count(a, k));
	oc_json_close(&j, '}');
	p = oc_analysis_problems(a, &n);
	oc_json_open(&j, "problem_examples", '[');
	for (unsigned i = 0; i < n; i++) {
		oc_json_open(&j, NULL, '{');
		oc_json_u64(&j, "frame", p[i].frame);
		oc_json_str(&j, "interface", cap_iface(r, p[i].if_id) ? cap_iface(r, p[i].if_id)->name : NULL);
		oc_json_str(&j, "id", oc_problem_id(p[i].kind));
		oc_json_str(&j, "kind", oc_problem_name(p[i].kind));
		oc_json_str(&j, "text", p[i].text);
		oc_json_close(&j, '}');
	}
	oc_json_close(&j, ']');
	oc_json_close(&j, '}');
}

static void sbs_print(void *ctx, const char *text)
{
	(void)ctx;
	fputs(text, stdout);
}

static int run_report(const struct report_opts *op)
{
	struct report_opts o = *op;
	struct oc_analysis_opts ao;
	struct oc_analysis *a;
	struct cap_reader *r;
	struct oc_packet pkt;
	unsigned known = 0;
	int n;

	r = cap_open(o.file);
	if (!r)
		return 1;
	ao = (struct oc_analysis_opts){ .flow_limit = (uint32_t)o.flow_limit,
		.default_mtu = (uint32_t)o.mtu, .verify = 1,
		.side_by_side = o.side_by_side ? sbs_print : NULL, .side_by_side_max = o.count };
	a = oc_analysis_new(&ao);
	if (!a) {
		cap_close(r);
		return oc_fail(1, "out of memory");
	}
	while ((n = cap_next(r, &pkt)) > 0) {
		int m = oc_expr_match(o.expr, cap_iface(r, pkt.if_id), &pkt);

		if (m < 0) {
			oc_analysis_free(a);
			cap_close(r);
			return 1;
		}
		if (!m)
			continue;
		for (; known < cap_niface(r); known++)
			oc_analysis_add_iface(a, known, cap_iface(r, known));
		oc_analysis_packet(a, cap_iface(r, pkt.if_id), &pkt);
	}
	for (unsigned i = 0; i < cap_niface(r); i++)	/* again: their statistics blocks */
		oc_analysis_add_iface(a, i, cap_iface(r, i));
	oc_analysis_finish(a);
	if (n < 0)
		oc_err("%s: %s (the report covers the packets before it)", o.file, cap_error(r));
	if (o.json) {
		json_report(r, a, &o);
	} else if (!o.side_by_side) {
		printf("offcap report: %s, %llu packets, %u interface blocks\n", o.file,
		       (unsigned long long)oc_analysis_packets(a), cap_niface(r));
		if (o.expr)
			printf("only the packets matching the filter expression (flows whose handshake it "
			       "drops have no MSS from it)\n");
		printf("\n");
		print_ifaces(r, a);
		print_flows(r, a, o.flows_shown, (uint32_t)o.mtu);
		print_match(oc_analysis_match(a));
		print_niccut(oc_analysis_niccut(a));
		print_counters(a);
		print_problems(r, a);
	}
	oc_analysis_free(a);
	cap_close(r);
	return n < 0 ? 1 : 0;
}

int cmd_report(int argc, char **argv)
{
	struct report_opts o;

	int ret;

	if ((ret = parse_args(argc, argv, &o)))
		return ret == -2 ? 1 : 2;
	if (o.nfiles > 1)
		return oc_path_report(o.files, o.nfiles, o.labels, o.nlabels, o.json);
	ret = run_report(&o);
	oc_expr_free(o.expr);
	return ret;
}

int oc_report_file(const char *path)
{
	struct report_opts o = { .file = path, .mtu = OC_DEFAULT_MTU, .flow_limit = DEF_FLOW_LIMIT,
				  .flows_shown = DEF_FLOWS, .count = DEF_COUNT };

	return run_report(&o);
}
