/* offcap view's page: the HTML template (tools/offcap/view.html, built in)
 * with the capture's data as one JSON document inside it. */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "parse.h"
#include "viewdata.h"
#include "view_html.h"

#define DATA_MARK "@OFFCAP_DATA@"

static const char *const role_names[] = {
	"frame", "super-frame", "GRO/LRO merge", "super-frame received whole", "over the MTU, not cut",
};

static void u64s(struct oc_json *j, const char *key, const uint64_t *v, unsigned n)
{
	oc_json_open(j, key, '[');
	for (unsigned i = 0; i < n; i++)
		oc_json_u64(j, NULL, v[i]);
	oc_json_close(j, ']');
}

static void names(struct oc_json *j)
{
	oc_json_open(j, "causes", '[');
	for (unsigned c = 0; c < OC_CAUSE_MAX; c++)
		oc_json_str(j, NULL, oc_cause_name(c));
	oc_json_close(j, ']');
	oc_json_open(j, "roles", '[');
	for (unsigned i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		oc_json_str(j, NULL, role_names[i]);
	oc_json_close(j, ']');
	oc_json_open(j, "bin_edges", '[');
	for (unsigned b = 0; b < OC_VIEW_LEN_BINS; b++) {
		uint32_t lo, hi;

		oc_view_bin_edges(b, &lo, &hi);
		oc_json_open(j, NULL, '[');
		oc_json_u64(j, NULL, lo);
		oc_json_u64(j, NULL, hi);
		oc_json_close(j, ']');
	}
	oc_json_close(j, ']');
}

static void hist(struct oc_json *j, const struct vw_point *p)
{
	oc_json_open(j, "hist", '[');
	for (unsigned b = 0; b < OC_VIEW_LEN_BINS; b++)
		for (unsigned c = 0; c <= OC_CAUSE_MAX; c++) {
			if (!p->hist[b][c])
				continue;
			oc_json_open(j, NULL, '[');
			oc_json_u64(j, NULL, b);
			oc_json_u64(j, NULL, c);
			oc_json_u64(j, NULL, p->hist[b][c]);
			oc_json_close(j, ']');
		}
	oc_json_close(j, ']');
}

static void point(struct oc_json *j, const struct vw_data *d, uint32_t i)
{
	const struct oc_if_stats *s = oc_analysis_iface(d->a, i);
	const struct oc_iface *f = cap_iface(d->r, i);

	oc_json_open(j, NULL, '{');
	oc_json_u64(j, "id", i);
	oc_json_str(j, "name", f ? f->name : "?");
	oc_json_str(j, "hook", f && f->point != OC_POINT_NONE ? oc_point_name(f->point) : NULL);
	oc_json_u64(j, "dev", d->points[i].dev);
	oc_json_u64(j, "mtu", s->mtu);
	oc_json_bool(j, "mtu_assumed", s->mtu_assumed);
	oc_json_u64(j, "packets", s->packets);
	oc_json_u64(j, "max_len", s->max_len);
	oc_json_u64(j, "over_mtu", s->over_mtu);
	u64s(j, "over_mtu_causes", s->cause, OC_CAUSE_MAX);
	oc_json_u64(j, "superframes", s->superframes);
	oc_json_u64(j, "segments", s->segments);
	oc_json_u64(j, "gro_merged", s->merged);
	oc_json_u64(j, "gro_merged_frames", s->merged_frames);
	oc_json_u64(j, "received_whole", s->received_whole);
	u64s(j, "roles", d->points[i].roles, 5);
	hist(j, &d->points[i]);
	oc_json_close(j, '}');
}

static void points(struct oc_json *j, const struct vw_data *d)
{
	oc_json_open(j, "points", '[');
	for (uint32_t i = 0; i < d->npoints && i < oc_analysis_niface(d->a); i++)
		if (d->points[i].hist && oc_analysis_iface(d->a, i)->packets)
			point(j, d, i);
	oc_json_close(j, ']');
}

static const char *finding_line(const struct vw_data *d, uint64_t frame)
{
	for (unsigned i = 0; i < d->nfinding; i++)
		if (d->finding[i].frame == frame)
			return d->finding[i].line;
	return NULL;
}

static void findings(struct oc_json *j, const struct vw_data *d)
{
	unsigned n;
	const struct oc_problem *p = oc_analysis_problems(d->a, &n);

	oc_json_open(j, "problems", '[');
	for (unsigned k = 0; k < OC_PROB_MAX; k++) {
		oc_json_open(j, NULL, '{');
		oc_json_str(j, "id", oc_problem_id(k));
		oc_json_str(j, "kind", oc_problem_name(k));
		oc_json_u64(j, "count", oc_analysis_problem_count(d->a, k));
		oc_json_close(j, '}');
	}
	oc_json_close(j, ']');
	oc_json_open(j, "findings", '[');
	for (unsigned i = 0; i < n; i++) {
		const struct oc_iface *f = cap_iface(d->r, p[i].if_id);

		oc_json_open(j, NULL, '{');
		oc_json_u64(j, "frame", p[i].frame);
		oc_json_str(j, "interface", f ? f->name : NULL);
		oc_json_str(j, "id", oc_problem_id(p[i].kind));
		oc_json_str(j, "kind", oc_problem_name(p[i].kind));
		oc_json_str(j, "text", p[i].text);
		oc_json_str(j, "line", p[i].frame ? finding_line(d, p[i].frame) : NULL);
		oc_json_close(j, '}');
	}
	oc_json_close(j, ']');
}

static void synthesis(struct oc_json *j, const struct vw_data *d)
{
	const struct oc_match_stats *m = oc_analysis_match(d->a);

	oc_json_open(j, "synthesis", '{');
	oc_json_u64(j, "compared", m->compared);
	oc_json_u64(j, "matched", m->matched);
	oc_json_u64(j, "differed", m->differed);
	oc_json_u64(j, "missing", m->missing);
	oc_json_u64(j, "tso_superframes", m->tso_superframes);
	oc_json_u64(j, "device_cut_segments", m->device_cut);
	oc_json_u64(j, "gro_merged", m->gro_merged);
	oc_json_u64(j, "gro_matched", m->gro_matched);
	oc_json_close(j, '}');
}

/* [frame, t, lane, side, seq, plen, ack, flags, len, role, over_mtu, cause, segments, resent,
 *  [linked frames], [[sack left, right]...]] */
static void frame_row(struct oc_json *j, const struct vw_flow *v, const struct oc_view_frame *x)
{
	const uint64_t a[] = { x->frame, x->ts_ns > v->first_ns ? x->ts_ns - v->first_ns : 0, x->if_id, x->side, x->seq, x->plen, x->ack,
			       x->flags, x->len, x->role, x->over_mtu, x->cause, x->segments, x->resent };

	oc_json_open(j, NULL, '[');
	for (unsigned i = 0; i < sizeof(a) / sizeof(a[0]); i++)
		oc_json_u64(j, NULL, a[i]);
	oc_json_open(j, NULL, '[');
	for (uint32_t k = 0; k < x->nlinks; k++)
		oc_json_u64(j, NULL, v->fr[v->links[x->link_off + k]].frame);
	oc_json_close(j, ']');
	oc_json_open(j, NULL, '[');
	for (unsigned k = 0; k < x->nsack && k < 4; k++) {
		oc_json_open(j, NULL, '[');
		oc_json_u64(j, NULL, x->sack[k][0]);
		oc_json_u64(j, NULL, x->sack[k][1]);
		oc_json_close(j, ']');
	}
	oc_json_close(j, ']');
	oc_json_close(j, ']');
}

static void flow_bins(struct oc_json *j, const struct vw_flow *v, uint32_t nbins)
{
	oc_json_open(j, "bins", '[');
	for (uint32_t l = 0; l < v->nlanes; l++)
		for (uint32_t b = 0; v->lanes[l].bins && b < nbins; b++) {
			const struct vw_bin *x = &v->lanes[l].bins[b];
			const uint64_t a[] = { l, b, x->n, x->nbig, x->has_seq, x->smin, x->smax, x->has_ack, x->amax };

			if (!x->n)
				continue;
			oc_json_open(j, NULL, '[');
			for (unsigned i = 0; i < sizeof(a) / sizeof(a[0]); i++)
				oc_json_u64(j, NULL, a[i]);
			oc_json_close(j, ']');
		}
	oc_json_close(j, ']');
}

static void flow(struct oc_json *j, const struct vw_data *d, const struct vw_flow *v)
{
	oc_json_open(j, NULL, '{');
	oc_json_str(j, "name", v->name);
	oc_json_str(j, "proto", v->tcp ? "tcp" : "udp");
	oc_json_str(j, "tunnel", v->key.tunnel ? oc_tunnel_name(v->key.tunnel) : NULL);
	oc_json_u64(j, "data_side", v->data_side);
	u64s(j, "mss", (const uint64_t[]){ v->mss[0], v->mss[1] }, 2);
	oc_json_u64(j, "bytes", v->bytes);
	oc_json_u64(j, "frames_total", v->total);
	oc_json_u64(j, "frames_drawn", v->nfr);
	oc_json_u64(j, "span_ns", v->last_ns - v->first_ns);
	oc_json_u64(j, "bin_ns", v->bin_ns);
	oc_json_open(j, "frames", '[');
	for (size_t i = 0; i < v->nfr; i++)
		frame_row(j, v, &v->fr[i]);
	oc_json_close(j, ']');
	oc_json_open(j, "lines", '[');
	for (size_t i = 0; i < v->nfr; i++)
		oc_json_str(j, NULL, v->lines[i]);
	oc_json_close(j, ']');
	flow_bins(j, v, d->nbins);
	oc_json_close(j, '}');
}

static void document(struct oc_json *j, const struct vw_data *d)
{
	oc_json_open(j, NULL, '{');
	oc_json_str(j, "file", d->file);
	oc_json_str(j, "version", OFFCAP_VERSION);
	oc_json_u64(j, "packets", oc_analysis_packets(d->a));
	oc_json_u64(j, "frames_per_flow", d->frames_max);
	oc_json_u64(j, "flows_total", d->flows_total);
	oc_json_u64(j, "flows_evicted", oc_flows_evicted(oc_analysis_flows(d->a)));
	names(j);
	points(j, d);
	findings(j, d);
	synthesis(j, d);
	oc_json_open(j, "flows", '[');
	for (uint32_t i = 0; i < d->nflows; i++)
		flow(j, d, &d->flows[i]);
	oc_json_close(j, ']');
	oc_json_close(j, '}');
}

/* JSON inside <script>: no '<' at all, so no "</script>" or "<!--" in a
 * name from the file can end or confuse the element ('<' is only ever
 * inside JSON strings, where \u003c means the same). */
static int put_escaped(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '<' ? fputs("\\u003c", f) < 0 : putc(s[i], f) == EOF)
			return -1;
	return 0;
}

int vw_write_page(FILE *f, const struct vw_data *d)
{
	const char *mark = strstr(view_html, DATA_MARK);
	char *buf = NULL;
	size_t len = 0;
	struct oc_json j;
	FILE *m;
	int ret;

	if (!mark || !(m = open_memstream(&buf, &len)))
		return -1;
	oc_json_init(&j, m);
	document(&j, d);
	if (fclose(m)) {
		free(buf);
		return -1;
	}
	ret = fwrite(view_html, 1, (size_t)(mark - view_html), f) != (size_t)(mark - view_html) ||
	      put_escaped(f, buf, len) || fputs(mark + strlen(DATA_MARK), f) < 0;
	free(buf);
	return ret ? -1 : 0;
}
