/* offcap view: one self-contained HTML page of a capture (overview per hook
 * point, a time-sequence graph per flow, every frame's line). Two passes:
 * the first is the report's analysis and picks the flows, the second draws. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "params.h"
#include "expr.h"
#include "parse.h"
#include "print.h"
#include "viewdata.h"
#include "wire.h"

struct view_opts {
	const char *file, *out;
	struct oc_expr *expr;
	unsigned long mtu, flows, frames, bins;
};

/* view's defaults, one definition each */
#define DEF_FLOWS	6
#define DEF_FRAMES	1000
#define DEF_BINS	600

const struct oc_params oc_params_view = {
	.cmd = "view",
	.files = 1,
	.usage =
"Usage: offcap view [OPTIONS] -o OUT.html FILE [EXPRESSION]\n"
"\n"
"One self-contained HTML page (inline SVG and JavaScript, no network) of a\n"
"capture: per interface and hook point the frame lengths against the MTU,\n"
"over-MTU frames coloured by the report's cause, the report's findings; per\n"
"flow a time-sequence graph with one colour per hook point, where a click on\n"
"a super-frame selects the wire segments it became (or a GRO merge the frames\n"
"it was built from); each drawn frame's line as 'offcap read -v' prints it.\n"
"Large captures are aggregated: the largest flows only, the first frames of\n"
"each drawn one by one, the whole flow in time bins (the page says so).\n"
"\n",
	.p = (const struct oc_param[]){
		{ 'o', "output", .arg = OC_ARG_REQUIRED, .metavar = "OUT.html", .complete = OC_COMP_FILE,
		  .help = "the page to write (required)", .man = "The page to write." },
		{ 0, "flows", 'f', OC_ARG_REQUIRED, "N", "flows drawn, largest first (default " OC_STR(DEF_FLOWS) ")",
		  .man = "Flows drawn (default " OC_STR(DEF_FLOWS) ")." },
		{ 0, "frames", 'n', OC_ARG_REQUIRED, "N", "frames drawn one by one per flow (default " OC_STR(DEF_FRAMES) ")",
		  .man = "Frames of each flow drawn one by one (default " OC_STR(DEF_FRAMES) ")." },
		{ 0, "bins", 'b', OC_ARG_REQUIRED, "N", "time bins of each flow's whole-flow graph (default " OC_STR(DEF_BINS) ")",
		  .man = "Time bins of each flow's whole-flow graph (default " OC_STR(DEF_BINS) ")." },
		{ 0, "mtu", 'm', OC_ARG_REQUIRED, "N", "MTU for files that do not record it (default " OC_STR(OC_DEFAULT_MTU) ")",
		  .man = "MTU for files that do not record it (default " OC_STR(OC_DEFAULT_MTU) ")." },
		OC_PARAM_FILTER_FILE,
		{ 'h', "help", .help = "", .man = "" },
		{ 0 },
	},
};

static int num_opt(const char *name, unsigned long min, unsigned long max, unsigned long *v)
{
	if (oc_parse_uint(optarg, min, max, v))
		return oc_fail(-EINVAL, "%s: a number from %lu to %lu", name, min, max);
	return 0;
}

static int parse_args(int argc, char **argv, struct view_opts *o)
{
	struct oc_getopt g = { 0 };
	const char *ffile = NULL;
	int c, bad = 0;

	*o = (struct view_opts){ .mtu = OC_DEFAULT_MTU, .flows = DEF_FLOWS, .frames = DEF_FRAMES, .bins = DEF_BINS };
	optind = 1;
	while ((c = oc_params_next(&oc_params_view, &g, argc, argv)) != -1 && !bad) {
		switch (c) {
		case 'o': o->out = optarg; break;
		case 'F': ffile = optarg; break;
		case 'm': bad = num_opt("--mtu", 68, 1 << 20, &o->mtu); break;
		case 'f': bad = num_opt("--flows", 0, 1000, &o->flows); break;
		case 'n': bad = num_opt("--frames", 0, 1000000, &o->frames); break;
		case 'b': bad = num_opt("--bins", 10, 100000, &o->bins); break;
		case 'h': oc_params_usage(&oc_params_view, stdout); exit(0);
		default: oc_params_usage(&oc_params_view, stderr); return -1;
		}
	}
	if (bad)
		return -1;
	if (optind >= argc || !o->out) {
		oc_err("view: name one capture file and the page (-o OUT.html)");
		oc_params_usage(&oc_params_view, stderr);
		return -EINVAL;
	}
	o->file = argv[optind];
	if (!strcmp(o->file, "-"))
		return oc_fail(-EINVAL, "view: reads its file twice, so not from stdin");
	return oc_cmd_expr(argv + optind + 1, argc - optind - 1, ffile, &o->expr) ? -2 : 0;
}

/* One pass: every matching packet to fn. 0 at the end, 1 after a message,
 * 2 when the file ends in an error (the page covers what came before). */
static int each_packet(const struct view_opts *o, struct oc_analysis *a, struct cap_reader *r,
		       void (*fn)(void *ctx, struct cap_reader *r, const struct oc_packet *p, uint64_t frame),
		       void *ctx)
{
	struct oc_packet pkt;
	unsigned known = 0;
	uint64_t frame = 0;
	int n;

	while ((n = cap_next(r, &pkt)) > 0) {
		int m;

		frame++;
		m = oc_expr_match(o->expr, cap_iface(r, pkt.if_id), &pkt);
		if (m < 0)
			return 1;
		if (!m)
			continue;
		for (; known < cap_niface(r); known++)
			oc_analysis_add_iface(a, known, cap_iface(r, known));
		oc_analysis_packet(a, cap_iface(r, pkt.if_id), &pkt);
		if (fn)
			fn(ctx, r, &pkt, frame);
	}
	for (unsigned i = 0; i < cap_niface(r); i++)
		oc_analysis_add_iface(a, i, cap_iface(r, i));
	oc_analysis_finish(a);
	if (n < 0 && !fn)	/* said once, in the first pass */
		oc_err("%s: %s (the page covers the packets before it)", o->file, cap_error(r));
	return n < 0 ? 2 : 0;
}

static struct oc_analysis *new_analysis(const struct view_opts *o)
{
	struct oc_analysis_opts ao = { .flow_limit = 65536, .default_mtu = (uint32_t)o->mtu, .verify = 1 };

	return oc_analysis_new(&ao);
}

static uint64_t flow_bytes(const struct oc_flow *f)
{
	return f->side[0].payload_bytes + f->side[1].payload_bytes;
}

static int by_bytes(const void *x, const void *y)
{
	uint64_t a = flow_bytes(*(struct oc_flow *const *)x), b = flow_bytes(*(struct oc_flow *const *)y);

	return a < b ? 1 : a > b ? -1 : 0;
}

static void keep_flow(struct vw_flow *v, const struct oc_flow *f, uint32_t nbins)
{
	v->key = f->key;
	oc_flow_format(f, v->name, sizeof(v->name));
	v->tcp = f->key.proto == 6;
	v->data_side = f->side[1].payload_bytes > f->side[0].payload_bytes;
	for (int s = 0; s < 2; s++)
		v->mss[s] = f->side[s].has_mss ? f->side[s].mss : 0;
	v->first_ns = f->first_ns, v->last_ns = f->last_ns;
	v->bin_ns = (f->last_ns - f->first_ns) / nbins + 1;
	v->bytes = flow_bytes(f);
}

/* The largest flows of the first pass, to draw. */
static int pick_flows(struct vw_data *d)
{
	struct oc_flow_table *t = oc_analysis_flows(d->a);
	uint32_t n = oc_flows_count(t);
	struct oc_flow **v = calloc(n ? n : 1, sizeof(*v));

	if (!v)
		return -1;
	n = oc_flows_list(t, v, n);
	qsort(v, n, sizeof(*v), by_bytes);
	d->flows_total = n;
	d->nflows = n < d->nflows_max ? n : d->nflows_max;
	d->flows = calloc(d->nflows ? d->nflows : 1, sizeof(*d->flows));
	for (uint32_t i = 0; d->flows && i < d->nflows; i++)
		keep_flow(&d->flows[i], v[i], d->nbins);
	free(v);
	return d->flows ? 0 : -1;
}

static void pick_findings(struct vw_data *d)
{
	unsigned n;
	const struct oc_problem *p = oc_analysis_problems(d->a, &n);

	for (unsigned i = 0; i < n && d->nfinding < OC_MAX_PROBLEMS_KEPT; i++)
		if (p[i].frame)
			d->finding[d->nfinding++].frame = p[i].frame;
}

static int first_pass(const struct view_opts *o, struct vw_data *d)
{
	struct cap_reader *r = cap_open(o->file);

	if (!r)
		return 1;
	d->a = new_analysis(o);
	if (!d->a) {
		cap_close(r);
		return oc_fail(1, "out of memory");
	}
	d->read_error = each_packet(o, d->a, r, NULL, NULL);
	cap_close(r);
	if (d->read_error == 1)
		return 1;
	pick_findings(d);
	return pick_flows(d) ? oc_fail(1, "out of memory") : 0;
}

/* ---- second pass ---- */

struct pass2 {
	struct vw_data *d;
	struct oc_analysis *a;
	struct oc_printer pr, pr_abs;	/* relative, absolute sequence numbers */
	uint64_t frame, file_frame;
	int oom;
	char line[8192];
};

static int same_key(const struct oc_flow_key *x, const struct oc_flow_key *y)
{
	return x->version == y->version && x->proto == y->proto && x->tunnel == y->tunnel &&
	       x->vni == y->vni && !memcmp(x->port, y->port, sizeof(x->port)) &&
	       !memcmp(x->addr, y->addr, sizeof(x->addr));
}

static struct vw_flow *find_flow(struct vw_data *d, const struct oc_flow *f)
{
	for (uint32_t i = 0; f && i < d->nflows; i++)
		if (same_key(&d->flows[i].key, &f->key))
			return &d->flows[i];
	return NULL;
}

/* A device is named by its first interface block. */
static uint32_t device_of(struct cap_reader *r, uint32_t if_id)
{
	const struct oc_iface *f = cap_iface(r, if_id);

	for (uint32_t i = 0; i < if_id; i++) {
		const struct oc_iface *g = cap_iface(r, i);

		if (f && g && !strcmp(f->ifname, g->ifname) && !strcmp(f->netns, g->netns))
			return i;
	}
	return if_id;
}

static struct vw_point *point_of(struct pass2 *s, struct cap_reader *r, uint32_t if_id)
{
	struct vw_data *d = s->d;

	if (if_id >= d->npoints) {
		struct vw_point *p = realloc(d->points, (if_id + 1) * sizeof(*p));

		if (!p)
			return NULL;
		memset(p + d->npoints, 0, (if_id + 1 - d->npoints) * sizeof(*p));
		d->points = p, d->npoints = if_id + 1;
	}
	if (!d->points[if_id].hist) {
		d->points[if_id].hist = calloc(OC_VIEW_LEN_BINS, sizeof(*d->points[if_id].hist));
		if (!d->points[if_id].hist)
			return NULL;
		d->points[if_id].dev = device_of(r, if_id);
	}
	return &d->points[if_id];
}

static struct vw_lane *lane_of(struct vw_flow *v, uint32_t if_id, uint32_t nbins)
{
	if (if_id >= v->nlanes) {
		struct vw_lane *l = realloc(v->lanes, (if_id + 1) * sizeof(*l));

		if (!l)
			return NULL;
		memset(l + v->nlanes, 0, (if_id + 1 - v->nlanes) * sizeof(*l));
		v->lanes = l, v->nlanes = if_id + 1;
	}
	if (!v->lanes[if_id].bins && !(v->lanes[if_id].bins = calloc(nbins, sizeof(struct vw_bin))))
		return NULL;
	return &v->lanes[if_id];
}

static void bin_frame(struct vw_flow *v, struct vw_lane *l, const struct oc_view_frame *x, uint32_t nbins)
{
	uint64_t i = x->ts_ns > v->first_ns ? (x->ts_ns - v->first_ns) / v->bin_ns : 0;
	struct vw_bin *b = &l->bins[i < nbins ? i : nbins - 1];
	uint32_t lo = x->tcp ? x->seq : 0, hi = x->tcp ? x->seq + x->plen : x->len;	/* UDP: the length */

	b->n++;
	b->nbig += x->role != OC_ROLE_FRAME;
	if (!x->tcp || (x->side == v->data_side && x->plen)) {
		if (!b->has_seq || lo < b->smin)
			b->smin = lo;
		if (!b->has_seq || hi > b->smax)
			b->smax = hi;
		b->has_seq = 1;
	} else if (x->tcp && x->side != v->data_side && (x->flags & OC_TH_ACK)) {
		if (!b->has_ack || x->ack > b->amax)
			b->amax = x->ack;
		b->has_ack = 1;
	}
}

static void note_resent(struct vw_lane *l, struct oc_view_frame *x)
{
	uint32_t end = x->seq + x->plen;

	if (!x->tcp || !x->plen)
		return;
	x->resent = l->known[x->side] && end <= l->hi[x->side];
	if (!l->known[x->side] || end > l->hi[x->side])
		l->hi[x->side] = end;
	l->known[x->side] = 1;
}

static void tcp_fields(struct vw_flow *v, struct oc_view_frame *x, const struct oc_tcp *t)
{
	int s = x->side;

	if (!v->has_base[s])
		v->base[s] = t->seq, v->has_base[s] = 1;
	x->seq = t->seq - v->base[s];
	x->flags = t->flags;
	x->ack = v->has_base[!s] ? t->ack - v->base[!s] : 0;
	x->nsack = v->has_base[!s] ? t->opt.sack_blocks : 0;
	for (unsigned k = 0; k < x->nsack && k < 4; k++) {
		x->sack[k][0] = t->opt.sack[k][0] - v->base[!s];
		x->sack[k][1] = t->opt.sack[k][1] - v->base[!s];
	}
}

static void fill_frame(struct pass2 *s, struct vw_flow *v, struct cap_reader *r, const struct oc_packet *p,
		       struct oc_view_frame *x)
{
	const struct oc_frame_verdict *fv = oc_analysis_last(s->a);
	const struct oc_iface *f = cap_iface(r, p->if_id);
	struct oc_parsed parsed;
	const struct oc_layer *l;

	*x = (struct oc_view_frame){ .frame = s->file_frame, .ts_ns = p->ts_ns, .if_id = p->if_id, .len = p->len,
		.segments = fv->segments, .side = (uint8_t)fv->side, .role = fv->role, .over_mtu = fv->over_mtu,
		.cause = fv->cause, .point = f ? f->point : OC_POINT_NONE, .dev = s->d->points[p->if_id].dev };
	oc_parse(p->data, p->caplen, p->len, f ? f->linktype : OC_LINKTYPE_ETHERNET, &parsed);
	l = oc_flow(&parsed);
	x->plen = l->l4.payload_len;
	x->tcp = l->l4.kind == OC_L4_TCP;
	if (x->tcp)
		tcp_fields(v, x, &l->l4.tcp);
}

static int keep_line(struct pass2 *s, char **dst)
{
	*dst = strdup(s->line);
	s->d->lines_kept++;
	return *dst ? 0 : -1;
}

static struct vw_finding_line *finding_of(struct vw_data *d, uint64_t frame)
{
	for (unsigned i = 0; i < d->nfinding; i++)
		if (d->finding[i].frame == frame && !d->finding[i].line)
			return &d->finding[i];
	return NULL;
}

static void flow_frame(struct pass2 *s, struct vw_flow *v, struct cap_reader *r, const struct oc_packet *p,
		       int drawn)
{
	struct oc_view_frame x;
	struct vw_lane *l = lane_of(v, p->if_id, s->d->nbins);

	if (!l) {
		s->oom = 1;
		return;
	}
	fill_frame(s, v, r, p, &x);
	note_resent(l, &x);
	bin_frame(v, l, &x, s->d->nbins);
	v->total++;
	if (!drawn)
		return;
	if (!v->fr && (!(v->fr = calloc(s->d->frames_max, sizeof(*v->fr))) ||
		       !(v->lines = calloc(s->d->frames_max, sizeof(*v->lines))))) {
		s->oom = 1;
		return;
	}
	if (keep_line(s, &v->lines[v->nfr]))
		s->oom = 1;
	v->fr[v->nfr++] = x;
}

/* frame: the packet's number in the file; s->frame counts what the analysis
 * saw (the report's frame numbers, which a filter expression changes). */
static void second_packet(void *ctx, struct cap_reader *r, const struct oc_packet *p, uint64_t frame)
{
	struct pass2 *s = ctx;
	const struct oc_frame_verdict *fv = oc_analysis_last(s->a);
	struct vw_point *pt = point_of(s, r, p->if_id);
	struct vw_flow *v = find_flow(s->d, fv->flow);
	struct vw_finding_line *fl;
	int drawn;

	s->frame++;
	s->file_frame = frame;
	if (!pt) {
		s->oom = 1;
		return;
	}
	pt->hist[oc_view_len_bin(p->len)][fv->over_mtu ? 1 + fv->cause : 0]++;
	pt->roles[fv->role < 5 ? fv->role : 0]++;
	/* a drawn flow's printer sees all its packets, as offcap read's would;
	 * a finding elsewhere gets absolute sequence numbers */
	drawn = v && fv->side >= 0 && v->nfr < s->d->frames_max;
	fl = finding_of(s->d, s->frame);
	if (drawn || fl) {
		oc_print_line(drawn ? &s->pr : &s->pr_abs, cap_iface(r, p->if_id), p, s->line, sizeof(s->line));
		s->line[strcspn(s->line, "\n")] = 0;
	}
	if (fl && keep_line(s, &fl->line))
		s->oom = 1;
	if (v && fv->side >= 0)
		flow_frame(s, v, r, p, drawn);
}

static int second_pass(const struct view_opts *o, struct vw_data *d, struct cap_reader **rp)
{
	static struct pass2 s;
	struct oc_print_opts po = { .vflag = 1 }, pa = { .vflag = 1, .Sflag = 1 };
	int ret;

	s = (struct pass2){ .d = d };
	*rp = cap_open(o->file);
	if (!*rp)
		return 1;
	po.no_ifname = pa.no_ifname = !cap_is_pcapng(*rp);
	if (!(s.a = new_analysis(o)))
		return oc_fail(1, "out of memory");
	oc_printer_init(&s.pr, &po);
	oc_printer_init(&s.pr_abs, &pa);
	ret = each_packet(o, s.a, *rp, second_packet, &s) == 1;
	oc_printer_free(&s.pr);
	oc_printer_free(&s.pr_abs);
	oc_analysis_free(s.a);
	for (uint32_t i = 0; !ret && !s.oom && i < d->nflows; i++)
		s.oom = oc_view_link(d->flows[i].fr, d->flows[i].nfr, &d->flows[i].links, &d->flows[i].nlinks);
	if (s.oom)
		return oc_fail(1, "out of memory");
	return ret;
}

static void free_data(struct vw_data *d)
{
	for (uint32_t i = 0; i < d->nflows; i++) {
		struct vw_flow *v = &d->flows[i];

		for (size_t k = 0; k < v->nfr; k++)
			free(v->lines[k]);
		for (uint32_t k = 0; k < v->nlanes; k++)
			free(v->lanes[k].bins);
		free(v->lines), free(v->fr), free(v->links), free(v->lanes);
	}
	for (uint32_t i = 0; i < d->npoints; i++)
		free(d->points[i].hist);
	for (unsigned i = 0; i < d->nfinding; i++)
		free(d->finding[i].line);
	free(d->flows), free(d->points);
	oc_analysis_free(d->a);
	if (d->r)
		cap_close(d->r);
}

static int write_out(const char *path, const struct vw_data *d)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return oc_fail(1, "%s: %m", path);
	ret = vw_write_page(f, d);
	if (fclose(f) || ret)
		return oc_fail(1, "%s: writing the page failed: %m", path);
	return 0;
}

int cmd_view(int argc, char **argv)
{
	struct view_opts o;
	struct vw_data d;
	int ret;

	if ((ret = parse_args(argc, argv, &o)))
		return ret == -2 ? 1 : 2;
	d = (struct vw_data){ .file = o.file, .nflows_max = (uint32_t)o.flows, .frames_max = (uint32_t)o.frames,
		.nbins = (uint32_t)o.bins };
	ret = first_pass(&o, &d);
	if (!ret)
		ret = second_pass(&o, &d, &d.r);
	if (!ret)
		ret = write_out(o.out, &d);
	if (!ret && d.read_error)
		ret = 1;
	free_data(&d);
	oc_expr_free(o.expr);
	return ret;
}
