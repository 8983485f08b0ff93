/* What the path did between two captures: units matched end to end (path.h). */
#include "path.h"

#include <stdlib.h>
#include <string.h>

#define EDGE_NS 1000000000ull	/* a unit this close to the other capture's end may still arrive */
#define DELAY_BINS_PER_OCTAVE 8
#define DELAY_MIN_LOG 10	/* bin 0 holds everything under 1 us */

static const struct oc_finding_row findings[OC_FIND_MAX] = { OC_PATH_FINDINGS(OC_FINDING_ROW) };

const char *oc_finding_id(unsigned f) { return oc_finding_row(findings, OC_FIND_MAX, f)->id; }
const char *oc_finding_text(unsigned f) { return oc_finding_row(findings, OC_FIND_MAX, f)->text; }
int oc_finding_is_fault(unsigned f) { return oc_finding_row(findings, OC_FIND_MAX, f)->flag; }

/* One capture's sighting of a unit. */
struct sighting {
	uint64_t ts, frame, group;
	uint32_t wire_len, vni;
	uint16_t count, mss;
	uint8_t ttl, tos, tunnel, frags, complete, dir, syn;
};

struct pending {
	uint64_t key, idx[2];	/* its place among its flow direction's units in each capture */
	struct sighting at[2];
	struct pending *hnext, *older, *newer;
};

/* A flow direction as one capture names it. */
struct group {
	uint64_t hash;
	uint8_t file;
	struct oc_tuple tuple;
	struct oc_path_dir *dir;
	uint64_t units;
	struct group *hnext;
};

struct oc_path {
	struct oc_path_opts o;
	struct pending **bucket, *oldest, *newest, *free_list;
	uint32_t nbucket, npending;
	struct group **gbucket;
	uint32_t ngbucket, ngroups;
	struct oc_path_dir **dirs;
	uint32_t ndirs, cap_dirs;
	uint64_t first_ns[2], last_ns[2];
	int dropped[2];
};

struct oc_path *oc_path_new(const struct oc_path_opts *o)
{
	struct oc_path *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->o = *o;
	if (!p->o.window_ns)
		p->o.window_ns = 5000000000ull;
	if (!p->o.max_pending)
		p->o.max_pending = 1u << 20;
	if (!p->o.max_dirs)
		p->o.max_dirs = 65536;
	p->nbucket = 1u << 20;
	p->ngbucket = 1u << 16;
	p->bucket = calloc(p->nbucket, sizeof(*p->bucket));
	p->gbucket = calloc(p->ngbucket, sizeof(*p->gbucket));
	if (!p->bucket || !p->gbucket) {
		oc_path_free(p);
		return NULL;
	}
	return p;
}

void oc_path_free(struct oc_path *p)
{
	if (!p)
		return;
	for (struct pending *e = p->oldest, *n; e; e = n)
		n = e->newer, free(e);
	for (struct pending *e = p->free_list, *n; e; e = n)
		n = e->hnext, free(e);
	for (uint32_t i = 0; p->gbucket && i < p->ngbucket; i++)
		for (struct group *g = p->gbucket[i], *n; g; g = n)
			n = g->hnext, free(g);
	for (uint32_t i = 0; i < p->ndirs; i++)
		free(p->dirs[i]);
	free(p->dirs);
	free(p->bucket);
	free(p->gbucket);
	free(p);
}

static struct group *group_of(struct oc_path *p, unsigned file, uint64_t hash, const struct oc_tuple *t)
{
	uint32_t b = (uint32_t)(hash ^ file) & (p->ngbucket - 1);
	struct group *g;

	for (g = p->gbucket[b]; g; g = g->hnext)
		if (g->hash == hash && g->file == file)
			return g;
	if (!t || p->ngroups >= 4 * p->o.max_dirs || !(g = calloc(1, sizeof(*g))))
		return NULL;
	*g = (struct group){ .hash = hash, .file = (uint8_t)file, .tuple = *t, .hnext = p->gbucket[b] };
	p->gbucket[b] = g;
	p->ngroups++;
	return g;
}

static struct oc_path_dir *new_dir(struct oc_path *p, const struct group *s, const struct group *r)
{
	struct oc_path_dir *d;

	if (p->ndirs >= p->o.max_dirs)
		return NULL;
	if (p->ndirs == p->cap_dirs) {
		uint32_t cap = p->cap_dirs ? p->cap_dirs * 2 : 64;
		struct oc_path_dir **v = realloc(p->dirs, cap * sizeof(*v));

		if (!v)
			return NULL;
		p->dirs = v, p->cap_dirs = cap;
	}
	if (!(d = calloc(1, sizeof(*d))))
		return NULL;
	d->sent_as = s->tuple;
	d->arrived_as = r ? r->tuple : s->tuple;
	d->from = s->file;
	d->to = !s->file;
	d->min_lost_len = UINT32_MAX;
	d->hops_min = 255;
	p->dirs[p->ndirs++] = d;
	return d;
}

static void note(struct oc_path_dir *d, unsigned f, uint64_t n, uint64_t frame)
{
	d->count[f] += n;
	if (!d->example[f])
		d->example[f] = frame;
}

static unsigned delay_bin(uint64_t ns)
{
	unsigned lg, bin;

	if (ns < (1ull << DELAY_MIN_LOG))
		return 0;
	lg = 63 - (unsigned)__builtin_clzll(ns);
	bin = (lg - DELAY_MIN_LOG) * DELAY_BINS_PER_OCTAVE + 1 +
	      (unsigned)((ns >> (lg - 3)) & (DELAY_BINS_PER_OCTAVE - 1));
	return bin < OC_PATH_DELAY_BINS ? bin : OC_PATH_DELAY_BINS - 1;
}

static uint64_t bin_value(unsigned bin)
{
	unsigned lg = (bin - 1) / DELAY_BINS_PER_OCTAVE + DELAY_MIN_LOG,
		 frac = (bin - 1) % DELAY_BINS_PER_OCTAVE;

	if (!bin)
		return 0;
	/* the middle of the bin */
	return (1ull << lg) + ((2ull * frac + 1) << (lg - 3)) / 2;
}

void oc_path_delay(const struct oc_path_dir *d, uint64_t *median, uint64_t *p99)
{
	uint64_t seen = 0, want50 = (d->delay_n + 1) / 2, want99 = d->delay_n - d->delay_n / 100;

	*median = *p99 = 0;
	for (unsigned b = 0; b < OC_PATH_DELAY_BINS && d->delay_n; b++) {
		if (seen < want50 && seen + d->delay_bins[b] >= want50)
			*median = bin_value(b);
		if (seen < want99 && seen + d->delay_bins[b] >= want99)
			*p99 = bin_value(b);
		seen += d->delay_bins[b];
	}
}

/* Fields the path changed between the sender's copy s and the receiver's r. */
static void compare(struct oc_path_dir *d, const struct sighting *s, const struct sighting *r)
{
	uint8_t hops = (uint8_t)(s->ttl - r->ttl);

	if (hops < d->hops_min)
		d->hops_min = hops;
	if (hops > d->hops_max)
		d->hops_max = hops;
	if (d->hops_known && d->hops_min != d->hops_max)
		note(d, OC_FIND_TTL_CHANGE, 1, r->frame);
	d->hops_known = 1;
	if (s->tos != r->tos) {
		note(d, OC_FIND_TOS_REWRITE, 1, r->frame);
		d->tos_sent = s->tos, d->tos_arrived = r->tos;
	}
	if (s->syn && s->mss != r->mss) {
		note(d, OC_FIND_MSS_REWRITE, 1, r->frame);
		d->mss_sent = s->mss, d->mss_arrived = r->mss;
	}
	if (s->tunnel != r->tunnel) {
		note(d, OC_FIND_TUNNEL, 1, r->frame);
		d->tunnel_sent = s->tunnel, d->tunnel_arrived = r->tunnel;
		d->vni = s->tunnel ? s->vni : r->vni;
	}
	if (s->frags || r->frags) {
		d->datagrams_fragmented++;
		note(d, s->frags ? OC_FIND_FRAGMENTED_SENDER : OC_FIND_FRAGMENTED_PATH, 1, r->frame);
		d->frags_sent_max = s->frags > d->frags_sent_max ? s->frags : d->frags_sent_max;
		d->frags_arrived_max = r->frags > d->frags_arrived_max ? r->frags : d->frags_arrived_max;
		if (r->frags && !r->complete)
			note(d, OC_FIND_FRAG_LOST, 1, r->frame);
	}
}

/* Who sent it: what the flow direction already is, else what the captures
 * say (direction), else the earlier clock. */
static unsigned sender(struct oc_path *p, const struct pending *e, struct group **g)
{
	g[0] = group_of(p, 0, e->at[0].group, NULL);
	g[1] = group_of(p, 1, e->at[1].group, NULL);
	for (unsigned f = 0; f < 2; f++)
		if (g[f] && g[f]->dir)
			return g[f]->dir->from;
	if (e->at[0].dir == OC_DIR_OUT || e->at[1].dir == OC_DIR_IN)
		return 0;
	if (e->at[0].dir == OC_DIR_IN || e->at[1].dir == OC_DIR_OUT)
		return 1;
	if (e->at[0].ttl != e->at[1].ttl)	/* routers count it down */
		return e->at[0].ttl > e->at[1].ttl ? 0 : 1;
	return e->at[0].ts <= e->at[1].ts ? 0 : 1;
}

/* The flow direction a unit seen at both ends belongs to, made when the
 * first such unit comes: which capture sent it, and both names of it. */
static struct oc_path_dir *link_dir(struct oc_path *p, const struct pending *e, unsigned *sent_by)
{
	struct group *g[2];
	unsigned s = sender(p, e, g);

	*sent_by = s;
	if (!g[s])
		return NULL;
	if (!g[s]->dir)
		g[s]->dir = new_dir(p, g[s], g[!s]);
	if (g[!s] && !g[!s]->dir)
		g[!s]->dir = g[s]->dir;
	return g[s]->dir && g[s]->dir->from == s ? g[s]->dir : NULL;
}

static void matched(struct oc_path *p, const struct pending *e)
{
	unsigned s;
	struct oc_path_dir *d = link_dir(p, e, &s);
	const struct sighting *tx = &e->at[s], *rx = &e->at[!s];

	if (!d)
		return;
	if (!d->first_frame)
		d->first_frame = tx->frame;
	d->sent += tx->count;
	d->arrived += rx->count;
	if (tx->count > rx->count && p->dropped[!s]) {
		d->outside += tx->count - rx->count;
	} else if (tx->count > rx->count) {
		note(d, OC_FIND_LOSS, tx->count - rx->count, tx->frame);
		d->lost += tx->count - rx->count;
		d->min_lost_len = tx->wire_len < d->min_lost_len ? tx->wire_len : d->min_lost_len;
		d->max_lost_len = tx->wire_len > d->max_lost_len ? tx->wire_len : d->max_lost_len;
	}
	if (rx->count > tx->count && p->dropped[s])
		d->outside += rx->count - tx->count;
	else if (rx->count > tx->count)
		note(d, OC_FIND_DUPLICATE, rx->count - tx->count, rx->frame), d->duplicated += rx->count - tx->count;
	d->max_sent_len = tx->wire_len > d->max_sent_len ? tx->wire_len : d->max_sent_len;
	d->max_arrived_len = rx->wire_len > d->max_arrived_len ? rx->wire_len : d->max_arrived_len;
	d->delay_bins[delay_bin(rx->ts > tx->ts ? rx->ts - tx->ts : 0)]++;
	d->delay_n++;
	compare(d, tx, rx);
}

/* Seen by one capture only: sent and lost, or outside the other's span. */
static void unmatched(struct oc_path *p, const struct pending *e)
{
	unsigned f = e->at[0].count ? 0 : 1;
	const struct sighting *x = &e->at[f];
	struct group *g = group_of(p, f, x->group, NULL);
	struct oc_path_dir *d = g ? g->dir : NULL;

	if (!d)		/* a flow direction nothing of which reached the other end */
		return;
	if (d->from != f || x->ts < p->first_ns[!f] || x->ts + EDGE_NS > p->last_ns[!f] || p->dropped[!f]) {
		d->outside += x->count;
		return;
	}
	d->sent += x->count;
	d->lost += x->count;
	note(d, OC_FIND_LOSS, x->count, x->frame);
	d->max_sent_len = x->wire_len > d->max_sent_len ? x->wire_len : d->max_sent_len;
	d->min_lost_len = x->wire_len < d->min_lost_len ? x->wire_len : d->min_lost_len;
	d->max_lost_len = x->wire_len > d->max_lost_len ? x->wire_len : d->max_lost_len;
}

static void unlink_pending(struct oc_path *p, struct pending *e)
{
	struct pending **pp = &p->bucket[e->key & (p->nbucket - 1)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	if (e->older)
		e->older->newer = e->newer;
	else
		p->oldest = e->newer;
	if (e->newer)
		e->newer->older = e->older;
	else
		p->newest = e->older;
	p->npending--;
}

static void settle(struct oc_path *p, struct pending *e)
{
	unlink_pending(p, e);
	if (e->at[0].count && e->at[1].count)
		matched(p, e);
	else
		unmatched(p, e);
	e->hnext = p->free_list;
	p->free_list = e;
}

static void expire(struct oc_path *p, uint64_t now)
{
	while (p->oldest && (p->oldest->at[p->oldest->at[0].count ? 0 : 1].ts + p->o.window_ns < now ||
			     p->npending > p->o.max_pending))
		settle(p, p->oldest);
}

static struct pending *lookup(struct oc_path *p, uint64_t key)
{
	for (struct pending *e = p->bucket[key & (p->nbucket - 1)]; e; e = e->hnext)
		if (e->key == key)
			return e;
	return NULL;
}

static struct pending *insert(struct oc_path *p, uint64_t key)
{
	struct pending *e = p->free_list;
	uint32_t b = key & (p->nbucket - 1);

	if (e)
		p->free_list = e->hnext;
	else if (!(e = malloc(sizeof(*e))))
		return NULL;
	memset(e, 0, sizeof(*e));
	e->key = key;
	e->hnext = p->bucket[b];
	p->bucket[b] = e;
	e->older = p->newest;
	if (p->newest)
		p->newest->newer = e;
	else
		p->oldest = e;
	p->newest = e;
	p->npending++;
	return e;
}

/* Seen at both ends now: reordered when it arrived after a unit sent later.
 * Checked as units complete, which keeps their arrival order: a unit
 * completes at the later of its two sightings, and both captures' own orders
 * are kept. */
static void arrival_order(struct oc_path *p, const struct pending *e, const struct oc_unit *u)
{
	unsigned s;
	struct oc_path_dir *d = link_dir(p, e, &s);

	if (!d)
		return;
	if (e->idx[s] < d->max_arrived_idx)
		note(d, OC_FIND_REORDER, 1, u->frame), d->reordered++;
	else
		d->max_arrived_idx = e->idx[s];
}

void oc_path_unit(struct oc_path *p, unsigned file, const struct oc_unit *u)
{
	struct group *g = group_of(p, file, u->group, &u->tuple);
	struct pending *e = lookup(p, u->key);
	struct sighting *s;

	expire(p, u->ts_ns);
	if (!e && !(e = insert(p, u->key)))
		return;
	s = &e->at[file];
	if (!s->count++) {
		*s = (struct sighting){ .ts = u->ts_ns, .frame = u->frame, .group = u->group, .count = 1,
					.wire_len = u->wire_len, .mss = u->mss, .ttl = u->ttl, .tos = u->tos,
					.tunnel = u->tunnel, .vni = u->vni, .frags = u->frags, .complete = u->frags_complete,
					.dir = u->dir, .syn = u->syn };
		e->idx[file] = g ? ++g->units : 0;
		if (e->at[!file].count)
			arrival_order(p, e, u);
	}
	if (s->count == 0)	/* wrapped */
		s->count = UINT16_MAX;
}

void oc_path_span(struct oc_path *p, unsigned file, uint64_t first_ns, uint64_t last_ns, int dropped)
{
	if (file < 2)
		p->first_ns[file] = first_ns, p->last_ns[file] = last_ns, p->dropped[file] = dropped;
}

static void judge(struct oc_path_dir *d, struct oc_unit_src *const src[2])
{
	struct oc_unit_src *s = src[d->from];
	uint32_t mtu;
	uint64_t frame;

	if (s && oc_unit_icmp_too_big(s, oc_tuple_hash(&d->sent_as), &mtu, &frame))
		d->icmp_mtu = mtu, d->icmp_frame = frame;
	/* Only what is larger than anything that arrived was lost, again and
	 * again, while smaller packets got through: the path cannot carry them. */
	if (d->lost >= 2 && d->arrived && d->min_lost_len > d->max_arrived_len) {
		d->count[OC_FIND_BLACKHOLE] = d->count[OC_FIND_LOSS];
		d->example[OC_FIND_BLACKHOLE] = d->example[OC_FIND_LOSS];
		d->count[OC_FIND_LOSS] = 0;
	}
	if (memcmp(&d->sent_as, &d->arrived_as, sizeof(d->sent_as)))
		note(d, OC_FIND_NAT, 1, d->first_frame);
}

void oc_path_finish(struct oc_path *p, struct oc_unit_src *const src[2])
{
	while (p->oldest)
		settle(p, p->oldest);
	for (uint32_t i = 0; i < p->ndirs; i++)
		judge(p->dirs[i], src);
}

uint32_t oc_path_ndirs(const struct oc_path *p)
{
	return p->ndirs;
}

const struct oc_path_dir *oc_path_dir(const struct oc_path *p, uint32_t i)
{
	return i < p->ndirs ? p->dirs[i] : NULL;
}

static const char *tunnel_words(unsigned kind)
{
	return kind ? oc_tunnel_name(kind) : "no tunnel";
}

void oc_path_detail(const struct oc_path_dir *d, unsigned f, const char *const labels[2], char *buf,
		    size_t len)
{
	const char *tx = labels[d->from], *rx = labels[d->to];
	unsigned long long n = d->count[f], fr = d->example[f];
	char t[160];

	switch (f) {
	case OC_FIND_LOSS:
		snprintf(buf, len, "%llu of %llu lost between %s and %s (%.2f%%), the first at frame %llu", n,
			 (unsigned long long)d->sent, tx, rx, d->sent ? 100.0 * (double)n / (double)d->sent : 0, fr);
		break;
	case OC_FIND_BLACKHOLE:
		if (d->icmp_mtu)
			snprintf(t, sizeof(t), "ICMP too-big (MTU %u) reached %s at frame %llu, but the sender kept "
				 "sending", d->icmp_mtu, tx, (unsigned long long)d->icmp_frame);
		else
			snprintf(t, sizeof(t), "no ICMP fragmentation-needed/packet-too-big reached %s", tx);
		snprintf(buf, len, "%llu packets of %u to %u bytes sent by %s never arrived, while every packet of "
			 "up to %u bytes did (the first lost at frame %llu); %s", n, d->min_lost_len, d->max_lost_len, tx,
			 d->max_arrived_len, fr, t);
		break;
	case OC_FIND_DUPLICATE:
		snprintf(buf, len, "%llu packets arrived at %s more often than %s sent them (frame %llu)", n, rx, tx, fr);
		break;
	case OC_FIND_REORDER:
		snprintf(buf, len, "%llu packets arrived at %s after one sent later (frame %llu)", n, rx, fr);
		break;
	case OC_FIND_MSS_REWRITE:
		snprintf(buf, len, "MSS %u in the SYN at %s, %u at %s (frame %llu)", d->mss_sent, tx, d->mss_arrived, rx, fr);
		break;
	case OC_FIND_TOS_REWRITE:
		snprintf(buf, len, "%llu packets: TOS 0x%02x at %s, 0x%02x at %s (DSCP %u -> %u, ECN %u -> %u; frame %llu)",
			 n, d->tos_sent, tx, d->tos_arrived, rx, d->tos_sent >> 2, d->tos_arrived >> 2, d->tos_sent & 3,
			 d->tos_arrived & 3, fr);
		break;
	case OC_FIND_TTL_CHANGE:
		snprintf(buf, len, "between %u and %u hops (frame %llu)", d->hops_min, d->hops_max, fr);
		break;
	case OC_FIND_NAT:
		oc_tuple_format(&d->arrived_as, t, sizeof(t));
		snprintf(buf, len, "arrived at %s as %s", rx, t);
		break;
	case OC_FIND_TUNNEL:
		snprintf(buf, len, "%s at %s, %s at %s (vni/key %u; frame %llu)", tunnel_words(d->tunnel_sent), tx,
			 tunnel_words(d->tunnel_arrived), rx, d->vni, fr);
		break;
	case OC_FIND_FRAGMENTED_PATH:
	case OC_FIND_FRAGMENTED_SENDER:
		snprintf(buf, len, "%llu datagrams (up to %u bytes), in up to %u fragments at %s and %u at %s (frame %llu)",
			 n, d->max_sent_len, d->frags_sent_max, tx, d->frags_arrived_max, rx, fr);
		break;
	case OC_FIND_FRAG_LOST:
		snprintf(buf, len, "%llu datagrams arrived at %s with fragments missing (frame %llu)", n, rx, fr);
		break;
	default:
		snprintf(buf, len, "%llu", n);
	}
}
