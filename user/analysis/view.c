#include "view.h"

#include <stdlib.h>
#include <string.h>

#include "analysis.h"

#define LINK_WINDOW_NS 1000000000ull	/* a super-frame's segments follow it within 1 s */

unsigned oc_view_len_bin(uint32_t len)
{
	unsigned b = len < 4096 ? len / 64 : 64 + (len - 4096) / 1024;

	return b < OC_VIEW_LEN_BINS ? b : OC_VIEW_LEN_BINS - 1;
}

void oc_view_bin_edges(unsigned bin, uint32_t *lo, uint32_t *hi)
{
	*lo = bin < 64 ? bin * 64 : 4096 + (bin - 64) * 1024;
	*hi = bin + 1 >= OC_VIEW_LEN_BINS ? 0 : bin < 64 ? *lo + 64 : *lo + 1024;
}

static int is_big(const struct oc_view_frame *f)
{
	return f->plen && (f->role == OC_ROLE_SUPERFRAME || f->role == OC_ROLE_MERGED ||
			   f->role == OC_ROLE_RECEIVED_WHOLE);
}

static int inside(const struct oc_view_frame *b, const struct oc_view_frame *x)
{
	return (int32_t)(x->seq - b->seq) >= 0 && (int32_t)(x->seq + x->plen - (b->seq + b->plen)) <= 0;
}

static int candidate(const struct oc_view_frame *b, const struct oc_view_frame *x, int sent)
{
	uint64_t dt = sent ? x->ts_ns - b->ts_ns : b->ts_ns - x->ts_ns;

	if (sent ? x->ts_ns < b->ts_ns : x->ts_ns > b->ts_ns)
		return 0;
	return dt <= LINK_WINDOW_NS && x->tcp == b->tcp && x->plen && x->role == OC_ROLE_FRAME &&
	       x->side == b->side && x->if_id != b->if_id && (!b->tcp || inside(b, x));
}

/* Frames of interface block if_id among cand (nearest first), each TCP
 * sequence once (UDP, which has none: the nearest b->segments datagrams),
 * into out; returns how many, *bytes the payload they cover. */
static size_t pick_block(const struct oc_view_frame *fr, const struct oc_view_frame *b, const uint32_t *cand,
			 size_t nc, uint32_t if_id, uint32_t *out, uint64_t *bytes)
{
	size_t n = 0;

	*bytes = 0;
	for (size_t i = 0; i < nc && (b->tcp || n < b->segments); i++) {
		const struct oc_view_frame *x = &fr[cand[i]];
		size_t k = 0;

		if (x->if_id != if_id)
			continue;
		while (b->tcp && k < n && fr[out[k]].seq != x->seq)
			k++;
		if (b->tcp && k < n)
			continue;
		out[n++] = cand[i];
		*bytes += x->plen;
	}
	return n;
}

static int by_index(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The best block's frames for fr[bi] into tmp (after the nc candidates). */
static size_t link_one(const struct oc_view_frame *fr, size_t bi, uint32_t *cand, size_t nc, uint32_t *best)
{
	uint32_t *try = cand + nc;
	uint64_t best_score = 0;
	size_t nbest = 0;

	for (size_t i = 0; i < nc; i++) {
		uint32_t id = fr[cand[i]].if_id;
		uint64_t bytes, score;
		size_t n, seen = 0;

		while (seen < i && fr[cand[seen]].if_id != id)
			seen++;
		if (seen < i)
			continue;
		n = pick_block(fr, &fr[bi], cand, nc, id, try, &bytes);
		score = bytes * 2 + (fr[cand[i]].dev == fr[bi].dev);
		if (score > best_score) {
			best_score = score, nbest = n;
			memcpy(best, try, n * sizeof(*best));
		}
	}
	qsort(best, nbest, sizeof(*best), by_index);
	return nbest;
}

static size_t candidates(const struct oc_view_frame *fr, size_t n, size_t bi, uint32_t *cand)
{
	int sent = fr[bi].role == OC_ROLE_SUPERFRAME;
	size_t nc = 0;

	if (sent) {
		for (size_t i = bi + 1; i < n && (int64_t)(fr[i].ts_ns - fr[bi].ts_ns) <= (int64_t)LINK_WINDOW_NS; i++)
			if (candidate(&fr[bi], &fr[i], 1))
				cand[nc++] = (uint32_t)i;
	} else {
		for (size_t i = bi; i-- > 0 && (int64_t)(fr[bi].ts_ns - fr[i].ts_ns) <= (int64_t)LINK_WINDOW_NS;)
			if (candidate(&fr[bi], &fr[i], 0))
				cand[nc++] = (uint32_t)i;
	}
	return nc;
}

static int append(uint32_t **links, size_t *nlinks, size_t *cap, const uint32_t *v, size_t n)
{
	if (!n)
		return 0;
	if (*nlinks + n > *cap) {
		size_t c = (*nlinks + n) * 2 + 64;
		uint32_t *p = realloc(*links, c * sizeof(*p));

		if (!p)
			return -1;
		*links = p, *cap = c;
	}
	memcpy(*links + *nlinks, v, n * sizeof(*v));
	*nlinks += n;
	return 0;
}

int oc_view_link(struct oc_view_frame *fr, size_t n, uint32_t **links, size_t *nlinks)
{
	uint32_t *tmp = malloc((3 * n + 1) * sizeof(*tmp));
	size_t cap = *nlinks;
	int ret = 0;

	if (!tmp)
		return -1;
	for (size_t i = 0; i < n && !ret; i++) {
		size_t nc, nb;

		fr[i].link_off = fr[i].nlinks = 0;
		if (!is_big(&fr[i]))
			continue;
		nc = candidates(fr, n, i, tmp);
		nb = link_one(fr, i, tmp, nc, tmp + 2 * n + 1);
		fr[i].link_off = (uint32_t)*nlinks;
		fr[i].nlinks = (uint32_t)nb;
		ret = append(links, nlinks, &cap, tmp + 2 * n + 1, nb);
	}
	free(tmp);
	return ret;
}
