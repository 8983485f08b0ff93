/* Several captures as one: clocks aligned, packets merged, two ends compared. */
#include "vantage.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pcapng.h"

struct oc_vantages {
	unsigned n;
	struct oc_vantage_opts o;
	struct oc_vantage v[OC_VANTAGE_MAX];
	const char *paths[OC_VANTAGE_MAX];
	struct cap_reader *r[OC_VANTAGE_MAX];
	struct oc_unit_src *src[OC_VANTAGE_MAX];
	struct oc_packet cur[OC_VANTAGE_MAX];
	int more[OC_VANTAGE_MAX];
	struct oc_clock_sampler *sampler;
	struct oc_path *path;
	int aligned;
};

struct unit_ctx {
	struct oc_vantages *v;
	unsigned file;
};

static void default_label(const char *path, char *buf, size_t len)
{
	const char *base = strrchr(path, '/');
	char *dot;

	snprintf(buf, len, "%s", base ? base + 1 : path);
	for (int i = 0; i < 2 && (dot = strrchr(buf, '.')) && dot != buf; i++)
		if (!strcmp(dot, ".gz") || !strcmp(dot, ".pcapng") || !strcmp(dot, ".pcap") || !strcmp(dot, ".cap"))
			*dot = 0;
}

static void unique_label(struct oc_vantages *v, unsigned i)
{
	char base[48];

	snprintf(base, sizeof(base), "%s", v->v[i].label);
	for (unsigned k = 0, n = 2; k < i; k++)
		if (!strcmp(v->v[k].label, v->v[i].label))
			snprintf(v->v[i].label, sizeof(v->v[i].label), "%s-%u", base, n++), k = (unsigned)-1;
}

/* The reader of a capture, or NULL after saying why. */
static struct cap_reader *open_capture(const char *path)
{
	struct cap_reader *r = cap_open(path);

	return r;
}

struct oc_vantages *oc_vantages_open(const char *const *paths, const char *const *labels, unsigned n,
				     const struct oc_vantage_opts *o)
{
	struct oc_vantages *v;

	if (!n || n > OC_VANTAGE_MAX) {
		oc_err("from 1 to %d captures", OC_VANTAGE_MAX);
		return NULL;
	}
	if (!(v = calloc(1, sizeof(*v)))) {
		oc_err("out of memory");
		return NULL;
	}
	v->n = n;
	v->o = *o;
	for (unsigned i = 0; i < n; i++) {
		struct cap_reader *r = open_capture(paths[i]);

		if (!r) {
			oc_vantages_free(v);
			return NULL;
		}
		cap_close(r);
		if (!strcmp(paths[i], "-")) {
			oc_err("captures are read twice: name files, not standard input");
			oc_vantages_free(v);
			return NULL;
		}
		v->paths[i] = v->v[i].path = paths[i];
		if (labels && labels[i])
			snprintf(v->v[i].label, sizeof(v->v[i].label), "%s", labels[i]);
		else
			default_label(paths[i], v->v[i].label, sizeof(v->v[i].label));
		unique_label(v, i);
	}
	return v;
}

void oc_vantages_free(struct oc_vantages *v)
{
	if (!v)
		return;
	for (unsigned i = 0; i < v->n; i++) {
		cap_close(v->r[i]);
		oc_unit_src_free(v->src[i]);
	}
	oc_clock_sampler_free(v->sampler);
	oc_path_free(v->path);
	free(v);
}

/* A time on capture `file`'s clock, on capture 0's. */
static uint64_t corrected(const struct oc_vantage *v, uint64_t t)
{
	const struct oc_clock *c = &v->clock;
	double back = (double)c->offset_ns + c->drift * ((double)t - (double)c->offset_ns - (double)c->ref_ns);

	return (uint64_t)((int64_t)t - (int64_t)back);
}

static void to_sampler(const struct oc_unit *u, void *arg)
{
	struct unit_ctx *c = arg;

	oc_clock_sample(c->v->sampler, c->file, u);
	c->v->v[c->file].units++;
}

/* A capture's span is what its statistics blocks say (every interface's
 * together), when they say it: a capture that saw nothing for its last
 * seconds was still capturing (what it missed then was lost, not outside its
 * time). Packets stamped between attaching and the recorded start stay in. */
static void isb_span(struct oc_vantage *t, const struct cap_reader *r)
{
	uint64_t start = UINT64_MAX, end = 0;

	for (unsigned k = 0; k < cap_niface(r); k++) {
		const struct oc_iface *f = cap_iface(r, k);

		if (!f->has_isb)
			continue;
		t->capture_drops += f->isb_drop;
		if (f->isb_start_ns && f->isb_end_ns >= f->isb_start_ns) {
			start = f->isb_start_ns < start ? f->isb_start_ns : start;
			end = f->isb_end_ns > end ? f->isb_end_ns : end;
		}
	}
	/* a span apart from the packets is not this file's clock (retimed) */
	if (!t->packets || !end || end < t->first_ns || start > t->last_ns)
		return;
	t->first_ns = start < t->first_ns ? start : t->first_ns;
	t->last_ns = end > t->last_ns ? end : t->last_ns;
}

static int sample_file(struct oc_vantages *v, unsigned i)
{
	struct unit_ctx ctx = { v, i };
	struct oc_unit_src *src = oc_unit_src_new(v->o.flow_limit);
	struct cap_reader *r = src ? open_capture(v->paths[i]) : NULL;
	struct oc_packet pkt;
	uint64_t frame = 0;
	int n;

	if (!r) {
		oc_unit_src_free(src);
		return src ? -EIO : oc_fail(-ENOMEM, "out of memory");
	}
	while ((n = cap_next(r, &pkt)) > 0) {
		if (!v->v[i].packets++)
			v->v[i].first_ns = pkt.ts_ns;
		v->v[i].last_ns = pkt.ts_ns;
		oc_unit_packet(src, cap_iface(r, pkt.if_id), &pkt, ++frame, to_sampler, &ctx);
	}
	if (n < 0)
		snprintf(v->v[i].error, sizeof(v->v[i].error), "%s", cap_error(r));
	oc_unit_flush(src, to_sampler, &ctx);
	isb_span(&v->v[i], r);
	cap_close(r);
	oc_unit_src_free(src);
	return 0;
}

int oc_vantages_align(struct oc_vantages *v)
{
	int rc;

	if (v->aligned++)
		return 0;
	if (!(v->sampler = oc_clock_sampler_new(v->n)))
		return oc_fail(-ENOMEM, "out of memory");
	for (unsigned i = 0; i < v->n; i++)
		if ((rc = sample_file(v, i)))
			return rc;
	for (unsigned i = 1; i < v->n && v->o.align; i++) {
		oc_clock_estimate(v->sampler, i, &v->v[i].clock);
		v->v[i].first_ns = corrected(&v->v[i], v->v[i].first_ns);
		v->v[i].last_ns = corrected(&v->v[i], v->v[i].last_ns);
	}
	oc_clock_sampler_free(v->sampler);
	v->sampler = NULL;
	return 0;
}

static void to_path(const struct oc_unit *u, void *arg)
{
	struct unit_ctx *c = arg;

	oc_path_unit(c->v->path, c->file, u);
}

static int advance(struct oc_vantages *v, unsigned i)
{
	int n = cap_next(v->r[i], &v->cur[i]);

	if (n < 0 && !v->v[i].error[0])
		snprintf(v->v[i].error, sizeof(v->v[i].error), "%s", cap_error(v->r[i]));
	v->more[i] = n > 0;
	if (n > 0)
		v->cur[i].ts_ns = corrected(&v->v[i], v->cur[i].ts_ns);
	return n > 0;
}

static int open_second_pass(struct oc_vantages *v)
{
	if (v->n >= 2) {
		if (!(v->path = oc_path_new(&v->o.path)))
			return oc_fail(-ENOMEM, "out of memory");
		for (unsigned i = 0; i < 2; i++)
			oc_path_span(v->path, i, v->v[i].first_ns, v->v[i].last_ns, v->v[i].capture_drops > 0);
	}
	for (unsigned i = 0; i < v->n; i++) {
		if (!(v->r[i] = open_capture(v->paths[i])))
			return -EIO;
		if (!(v->src[i] = oc_unit_src_new(v->o.flow_limit)))
			return oc_fail(-ENOMEM, "out of memory");
		advance(v, i);
	}
	return 0;
}

static int earliest(const struct oc_vantages *v)
{
	int best = -1;

	for (unsigned i = 0; i < v->n; i++)
		if (v->more[i] && (best < 0 || v->cur[i].ts_ns < v->cur[best].ts_ns))
			best = (int)i;
	return best;
}

int oc_vantages_run(struct oc_vantages *v)
{
	uint64_t frame = 0;
	int i, rc;

	if ((rc = oc_vantages_align(v)) || (rc = open_second_pass(v)))
		return rc;
	while ((i = earliest(v)) >= 0) {
		const struct oc_iface *f = cap_iface(v->r[i], v->cur[i].if_id);
		struct unit_ctx ctx = { v, (unsigned)i };

		frame++;
		if (v->o.packet && v->o.packet(v->o.ctx, (unsigned)i, f, &v->cur[i]))
			return oc_fail(-EIO, "writing the merged file failed");
		if (v->path && i < 2)
			oc_unit_packet(v->src[i], f, &v->cur[i], frame, to_path, &ctx);
		advance(v, (unsigned)i);
	}
	for (unsigned k = 0; v->path && k < 2; k++) {
		struct unit_ctx ctx = { v, k };

		oc_unit_flush(v->src[k], to_path, &ctx);
	}
	if (v->path)
		oc_path_finish(v->path, v->src);
	return 0;
}

unsigned oc_vantages_count(const struct oc_vantages *v)
{
	return v->n;
}

const struct oc_vantage *oc_vantage(const struct oc_vantages *v, unsigned i)
{
	return i < v->n ? &v->v[i] : NULL;
}

const struct oc_path *oc_vantages_path(const struct oc_vantages *v)
{
	return v->path;
}

void oc_vantage_iface_name(const struct oc_vantage *v, const struct oc_iface *f, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%s", v->label, f ? f->name : "?");
}

const struct oc_iface *oc_vantages_iface(const struct oc_vantages *v, unsigned file, uint32_t if_id)
{
	return file < v->n && v->r[file] ? cap_iface(v->r[file], if_id) : NULL;
}
