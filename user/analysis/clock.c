/* Clock alignment of two captures from the units both of them saw (path.h). */
#include <stdlib.h>
#include <string.h>

#include "path.h"

#define SAMPLES_MAX (1u << 17)	/* per capture: past it, one key in two is dropped */
#define SLICES 16
#define MIN_FIT_SPAN_NS 2000000000ll	/* drift only over 2 s or more */

struct sample {
	uint64_t key, ts, group;
	uint8_t dir, ttl;
};

struct samples {
	struct sample *v;
	uint32_t n, cap;
};

struct oc_clock_sampler {
	unsigned nfiles, level;	/* a key is kept when its low `level` bits are 0 */
	struct samples *f;
};

struct pair {
	int64_t d;		/* t_B - t_A */
	uint64_t t, group;	/* A's time and flow direction */
	int vote;		/* +1 sent by A, -1 sent by B, 0 unknown */
	int outlier;		/* beyond the trimmed bounds: a copy of a unit the other capture missed */
};

int64_t oc_clock_at(const struct oc_clock *c, uint64_t t_a)
{
	return (int64_t)t_a + c->offset_ns + (int64_t)(c->drift * ((double)t_a - (double)c->ref_ns));
}

struct oc_clock_sampler *oc_clock_sampler_new(unsigned nfiles)
{
	struct oc_clock_sampler *s = calloc(1, sizeof(*s));

	if (!s || !(s->f = calloc(nfiles, sizeof(*s->f)))) {
		free(s);
		return NULL;
	}
	s->nfiles = nfiles;
	return s;
}

void oc_clock_sampler_free(struct oc_clock_sampler *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->nfiles; i++)
		free(s->f[i].v);
	free(s->f);
	free(s);
}

static uint64_t scramble(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	return k ^ (k >> 33);
}

static int kept(const struct oc_clock_sampler *s, uint64_t key)
{
	return !(scramble(key) & ((1ull << s->level) - 1));
}

/* Keep one key in two more, in every capture alike. */
static void thin(struct oc_clock_sampler *s)
{
	s->level++;
	for (unsigned i = 0; i < s->nfiles; i++) {
		struct samples *f = &s->f[i];
		uint32_t w = 0;

		for (uint32_t r = 0; r < f->n; r++)
			if (kept(s, f->v[r].key))
				f->v[w++] = f->v[r];
		f->n = w;
	}
}

void oc_clock_sample(struct oc_clock_sampler *s, unsigned file, const struct oc_unit *u)
{
	struct samples *f = &s->f[file];

	if (file >= s->nfiles || !kept(s, u->key))
		return;
	if (f->n == SAMPLES_MAX) {
		thin(s);
		if (!kept(s, u->key))
			return;
	}
	if (f->n == f->cap) {
		uint32_t cap = f->cap ? f->cap * 2 : 4096;
		struct sample *v = realloc(f->v, cap * sizeof(*v));

		if (!v)
			return;
		f->v = v, f->cap = cap;
	}
	f->v[f->n++] = (struct sample){ .key = u->key, .ts = u->ts_ns, .group = u->group, .dir = u->dir,
					.ttl = u->ttl };
}

static int by_key_ts(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

/* Sorted by key, the earliest sighting of each key only: a copy sent again
 * or received twice would bound the offset on the wrong side. */
static void first_sightings(struct samples *f)
{
	uint32_t w = 0;

	qsort(f->v, f->n, sizeof(*f->v), by_key_ts);
	for (uint32_t r = 0; r < f->n; r++)
		if (!w || f->v[w - 1].key != f->v[r].key)
			f->v[w++] = f->v[r];
	f->n = w;
}

static int vote(const struct sample *a, const struct sample *b)
{
	int v = 0;

	v += a->dir == OC_DIR_OUT || b->dir == OC_DIR_IN;
	v -= a->dir == OC_DIR_IN || b->dir == OC_DIR_OUT;
	if (a->ttl != b->ttl)	/* routers on the way count the TTL down */
		v += a->ttl > b->ttl ? 1 : -1;
	return v;
}

static struct pair *join(struct samples *a, struct samples *b, uint32_t *n)
{
	struct pair *p = malloc(((a->n < b->n ? a->n : b->n) + 1) * sizeof(*p));
	uint32_t i = 0, j = 0;

	*n = 0;
	if (!p)
		return NULL;
	while (i < a->n && j < b->n) {
		if (a->v[i].key != b->v[j].key) {
			a->v[i].key < b->v[j].key ? i++ : j++;
			continue;
		}
		p[(*n)++] = (struct pair){ .d = (int64_t)(b->v[j].ts - a->v[i].ts), .t = a->v[i].ts,
					   .group = a->v[i].group, .vote = vote(&a->v[i], &b->v[j]) };
		i++, j++;
	}
	return p;
}

static int by_group(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return x->d < y->d ? -1 : x->d > y->d;
}

struct group_span {
	uint32_t from, to;
	int64_t median;
	int side;		/* +1 sent by A, -1 by B, 0 not known yet */
};

/* Orient each flow direction: by what the captures say (direction, TTL),
 * else by where its delays lie against the oriented ones, else by the
 * widest gap between the directions' medians. */
static void orient(struct group_span *g, uint32_t ng)
{
	int64_t lo_max = INT64_MIN, up_min = INT64_MAX, cut;
	uint32_t unknown = 0;

	for (uint32_t i = 0; i < ng; i++) {
		if (g[i].side > 0 && g[i].median < up_min)
			up_min = g[i].median;
		if (g[i].side < 0 && g[i].median > lo_max)
			lo_max = g[i].median;
		unknown += !g[i].side;
	}
	if (!unknown)
		return;
	if (up_min != INT64_MAX || lo_max != INT64_MIN) {
		cut = up_min == INT64_MAX ? lo_max : lo_max == INT64_MIN ? up_min : lo_max / 2 + up_min / 2;
		for (uint32_t i = 0; i < ng; i++)
			if (!g[i].side)
				g[i].side = g[i].median > cut ? 1 : g[i].median < cut ? -1 : 1;
		return;
	}
	int64_t best = -1;
	uint32_t at = 0;
	int64_t *m = malloc(ng * sizeof(*m));

	if (!m)
		return;
	for (uint32_t i = 0; i < ng; i++)
		m[i] = g[i].median;
	for (uint32_t i = 0; i < ng; i++)	/* a few directions: insertion sort */
		for (uint32_t k = i; k > 0 && m[k - 1] > m[k]; k--) {
			int64_t t = m[k];
			m[k] = m[k - 1], m[k - 1] = t;
		}
	for (uint32_t i = 1; i < ng; i++)
		if (m[i] - m[i - 1] > best)
			best = m[i] - m[i - 1], at = i;
	cut = ng > 1 ? m[at - 1] / 2 + m[at] / 2 : INT64_MIN;
	for (uint32_t i = 0; i < ng; i++)
		g[i].side = g[i].median > cut ? 1 : -1;
	free(m);
}

struct slice {
	int64_t up_min, lo_max;
	double t;
};

static void fit(struct oc_clock *c, const struct slice *s, unsigned n, uint64_t t0)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0, k = 0, span;
	int64_t unc = 0;

	for (unsigned i = 0; i < n; i++) {
		double y = (double)(s[i].up_min / 2 + s[i].lo_max / 2);

		sx += s[i].t, sy += y, sxx += s[i].t * s[i].t, sxy += s[i].t * y, k++;
		if (llabs(s[i].up_min / 2 - s[i].lo_max / 2) > unc)
			unc = llabs(s[i].up_min / 2 - s[i].lo_max / 2);
	}
	span = n ? s[n - 1].t - s[0].t : 0;
	c->ref_ns = t0;
	c->drift = n > 1 && span >= MIN_FIT_SPAN_NS ? (k * sxy - sx * sy) / (k * sxx - sx * sx) : 0;
	c->offset_ns = (int64_t)((sy - c->drift * sx) / k);
	for (unsigned i = 0; i < n; i++) {	/* how far a slice lies from the line */
		int64_t y = s[i].up_min / 2 + s[i].lo_max / 2;
		int64_t off = llabs(y - (c->offset_ns + (int64_t)(c->drift * s[i].t)));

		if (off + unc > c->uncertainty_ns)
			c->uncertainty_ns = off + unc;
	}
	if (!c->uncertainty_ns)
		c->uncertainty_ns = unc;
}

/* With the drift taken out, every unit bounds the offset: the tightest
 * bounds over the whole capture give the estimate and its uncertainty. */
static void bounds(struct oc_clock *c, const struct pair *p, const struct group_span *g, uint32_t ng, uint64_t t0)
{
	int64_t up = INT64_MAX, lo = INT64_MIN;

	for (uint32_t k = 0; k < ng; k++)
		for (uint32_t i = g[k].from; i < g[k].to; i++) {
			int64_t r;

			if (p[i].outlier)
				continue;
			r = p[i].d - (int64_t)(c->drift * (double)(p[i].t - t0));

			if (g[k].side > 0 && r < up)
				up = r;
			if (g[k].side <= 0 && r > lo)
				lo = r;
		}
	c->offset_ns = lo / 2 + up / 2;
	c->uncertainty_ns = llabs(up / 2 - lo / 2);
}

/* Per slice of A's time: the smallest d of units A sent, the largest of B's. */
static void estimate(struct oc_clock *c, const struct pair *p, uint32_t n, const struct group_span *g,
		     uint32_t ng)
{
	struct slice sl[SLICES], both[SLICES];
	uint64_t t0 = UINT64_MAX, t1 = 0, width;
	int64_t up_min = INT64_MAX, lo_max = INT64_MIN;
	unsigned nb = 0;

	for (uint32_t i = 0; i < n; i++)
		t0 = p[i].t < t0 ? p[i].t : t0, t1 = p[i].t > t1 ? p[i].t : t1;
	width = (t1 - t0) / SLICES + 1;
	for (unsigned s = 0; s < SLICES; s++)
		sl[s] = (struct slice){ INT64_MAX, INT64_MIN, (double)(s * width + width / 2) };
	for (uint32_t k = 0; k < ng; k++)
		for (uint32_t i = g[k].from; i < g[k].to; i++) {
			struct slice *s = &sl[(p[i].t - t0) / width];

			if (p[i].outlier)
				continue;
			if (g[k].side > 0)
				s->up_min = p[i].d < s->up_min ? p[i].d : s->up_min;
			else
				s->lo_max = p[i].d > s->lo_max ? p[i].d : s->lo_max;
		}
	for (unsigned s = 0; s < SLICES; s++) {
		up_min = sl[s].up_min < up_min ? sl[s].up_min : up_min;
		lo_max = sl[s].lo_max > lo_max ? sl[s].lo_max : lo_max;
		if (sl[s].up_min != INT64_MAX && sl[s].lo_max != INT64_MIN)
			both[nb++] = sl[s];
	}
	c->slices = nb;
	c->both_ways = up_min != INT64_MAX && lo_max != INT64_MIN;
	if (nb) {
		fit(c, both, nb, t0);
		bounds(c, p, g, ng, t0);
	} else {	/* one way only: the smallest delay taken as zero */
		c->ref_ns = t0;
		c->offset_ns = up_min != INT64_MAX ? up_min : lo_max;
		c->uncertainty_ns = -1;
	}
}

static int by_value(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* A unit one capture missed (a drop in the capture) can pair a
 * retransmission with the original's arrival: a difference far outside
 * the rest. The most extreme thousandth on the bounding side is set aside. */
static void trim(struct pair *p, uint32_t n, const struct group_span *g, uint32_t ng, int side)
{
	int64_t *v = malloc((n + 1) * sizeof(*v)), cut;
	uint32_t m = 0;

	if (!v)
		return;
	for (uint32_t k = 0; k < ng; k++)
		for (uint32_t i = g[k].from; i < g[k].to && (g[k].side > 0) == (side > 0); i++)
			v[m++] = side > 0 ? p[i].d : -p[i].d;
	if (m >= 1000) {
		qsort(v, m, sizeof(*v), by_value);
		cut = v[m / 1000];
		for (uint32_t k = 0; k < ng; k++)
			for (uint32_t i = g[k].from; i < g[k].to && (g[k].side > 0) == (side > 0); i++)
				p[i].outlier = (side > 0 ? p[i].d : -p[i].d) < cut;
	}
	free(v);
}

void oc_clock_estimate(struct oc_clock_sampler *s, unsigned file, struct oc_clock *out)
{
	struct group_span *g = NULL;
	struct pair *p;
	uint32_t n, ng = 0;

	memset(out, 0, sizeof(*out));
	if (!file || file >= s->nfiles)
		return;
	first_sightings(&s->f[0]);
	first_sightings(&s->f[file]);
	p = join(&s->f[0], &s->f[file], &n);
	if (!p || !n || !(g = calloc(n, sizeof(*g)))) {
		free(p);
		return;
	}
	qsort(p, n, sizeof(*p), by_group);
	for (uint32_t i = 0; i < n;) {
		uint32_t j = i;
		int v = 0;

		while (j < n && p[j].group == p[i].group)
			v += p[j++].vote;
		g[ng++] = (struct group_span){ i, j, p[i + (j - i) / 2].d, v > 0 ? 1 : v < 0 ? -1 : 0 };
		i = j;
	}
	orient(g, ng);
	trim(p, n, g, ng, 1);
	trim(p, n, g, ng, -1);
	estimate(out, p, n, g, ng);
	out->pairs = n;
	out->found = 1;
	free(g);
	free(p);
}
