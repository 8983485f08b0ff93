#include "ring.h"
#include "log.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* How long the consumer sleeps between rounds while the programs do not wake
 * it: POLL_MS while records flow, backing off to POLL_IDLE_MS when idle. */
#define POLL_MS 5
#define POLL_IDLE_MS 50
#define RING_MIN (1u << 20)	/* per CPU: room for the largest record */

/* One CPU's BPF ring buffer, read directly from its mapping. */
struct ring {
	int fd;
	uint64_t size;
	unsigned long *cons;	/* consumer position page, ours to write */
	const unsigned long *prod;	/* producer position page, then the data twice */
	const uint8_t *data;
	uint64_t pos;		/* next record to read */
	uint64_t end;		/* producer position when this round started */
	uint64_t stored;	/* consumer position the kernel last saw */
	const uint64_t *head;	/* record at pos, if committed (starts with its timestamp) */
	uint32_t head_size;
};

/* A staged record: its timestamp, then its bytes. */
struct staged {
	uint64_t ts;
	size_t size;
	uint8_t *rec;
};

struct oc_rings {
	struct ring *ring;	/* index = CPU */
	struct staged *st;	/* records of other sources, waiting for their turn */
	unsigned nst, capst;
	uint64_t round_start;	/* CLOCK_MONOTONIC at the snapshot */
	unsigned nlive;
	unsigned n;
	struct ring **live;	/* this round's rings with a record to deliver */
	int epfd;
	uint64_t wakeup_bytes;
	int behind;		/* the last round found a ring past its wakeup mark */
	int sleep_ms;
	int cb_err;
	void (*on_release)(void *ctx);
	void *release_ctx;
};

void oc_rings_on_release(struct oc_rings *r, void (*fn)(void *ctx), void *ctx)
{
	r->on_release = fn;
	r->release_ctx = ctx;
}

static void before_release(struct oc_rings *r)
{
	if (r->on_release)
		r->on_release(r->release_ctx);
}

/* CPUs that are online now ("0-3,8-11"); -1 if unknown. */
static int read_online(uint8_t *online, unsigned ncpu)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");
	unsigned a, b;
	int n = 0;
	char sep;

	if (!f)
		return -1;
	while (fscanf(f, "%u", &a) == 1) {
		b = a;
		if (fscanf(f, "%c", &sep) == 1 && sep == '-' && fscanf(f, "%u%c", &b, &sep) < 1)
			break;
		for (unsigned i = a; i <= b && i < ncpu; i++, n++)
			online[i] = 1;
		if (sep != ',')
			break;
	}
	fclose(f);
	return n ? 0 : -1;
}

struct oc_rings *oc_rings_create(uint64_t total, unsigned ncpu)
{
	struct oc_rings *r = calloc(1, sizeof(*r));
	uint8_t *online = calloc(ncpu, 1);
	uint64_t size = RING_MIN;
	unsigned n = 0;

	if (r) {
		r->epfd = -1;
		r->ring = calloc(ncpu, sizeof(*r->ring));
		r->live = calloc(ncpu, sizeof(*r->live));
	}
	if (!r || !online || !r->ring || !r->live) {
		free(online);
		oc_rings_free(r);
		oc_err("out of memory");
		return NULL;
	}
	if (read_online(online, ncpu))
		memset(online, 1, ncpu);
	for (unsigned i = 0; i < ncpu; i++)
		n += online[i];
	while (size * 2 * n <= total)
		size *= 2;
	r->n = ncpu;
	r->wakeup_bytes = size / 2;
	r->sleep_ms = POLL_MS;
	for (unsigned i = 0; i < ncpu; i++) {
		r->ring[i].fd = -1;
		r->ring[i].size = size;
		if (!online[i])
			continue;
		r->ring[i].fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "oc_ring", 0, 0, (uint32_t)size, NULL);
		if (r->ring[i].fd < 0) {
			oc_err("cannot create a %llu MiB ring buffer for CPU %u: %s%s",
			       (unsigned long long)size >> 20, i, strerror(errno),
			       errno == EINVAL ? " (BPF ring buffers need Linux 5.8)" : "");
			free(online);
			oc_rings_free(r);
			return NULL;
		}
	}
	free(online);
	return r;
}

uint64_t oc_rings_size(const struct oc_rings *r, unsigned *nrings)
{
	unsigned n = 0;

	for (unsigned i = 0; i < r->n; i++)
		n += r->ring[i].fd >= 0;
	*nrings = n;
	return r->n ? r->ring[0].size : 0;
}

int oc_rings_fd(const struct oc_rings *r, unsigned cpu)
{
	return cpu < r->n ? r->ring[cpu].fd : -1;
}

uint64_t oc_rings_wakeup_bytes(const struct oc_rings *r)
{
	return r->wakeup_bytes;
}

int oc_rings_map(struct oc_rings *r, int outer_fd)
{
	long page = sysconf(_SC_PAGESIZE);

	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epfd < 0)
		goto fail;
	for (unsigned i = 0; i < r->n; i++) {
		struct ring *g = &r->ring[i];
		struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u32 = i };
		uint32_t key = i;
		void *p;

		if (g->fd < 0)
			continue;
		if (bpf_map_update_elem(outer_fd, &key, &g->fd, BPF_ANY))
			goto fail;
		p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, g->fd, 0);
		if (p == MAP_FAILED)
			goto fail;
		g->cons = p;
		p = mmap(NULL, page + 2 * g->size, PROT_READ, MAP_SHARED, g->fd, page);
		if (p == MAP_FAILED)
			goto fail;
		g->prod = p;
		g->data = (const uint8_t *)p + page;
		g->pos = g->stored = g->end = __atomic_load_n(g->cons, __ATOMIC_ACQUIRE);
		if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, g->fd, &ev))
			goto fail;
	}
	return 0;
fail:
	return oc_fail(-errno, "cannot set up the ring buffers: %s", strerror(errno));
}

int oc_rings_wake_on(struct oc_rings *r, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = r->n };

	return epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev);
}

void oc_rings_free(struct oc_rings *r)
{
	long page = sysconf(_SC_PAGESIZE);

	if (!r)
		return;
	for (unsigned i = 0; r->ring && i < r->n; i++) {
		struct ring *g = &r->ring[i];

		if (g->cons)
			munmap(g->cons, page);
		if (g->prod)
			munmap((void *)g->prod, page + 2 * g->size);
		if (g->fd >= 0)
			close(g->fd);
	}
	if (r->epfd >= 0)
		close(r->epfd);
	for (unsigned i = 0; i < r->nst; i++)
		free(r->st[i].rec);
	free(r->st);
	free(r->ring);
	free(r->live);
	free(r);
}

/* The committed record at g->pos, skipping discarded ones; NULL at the end of
 * the round or at a record still being written. */
static const uint64_t *ring_head(struct ring *g)
{
	while (g->pos < g->end) {
		const uint32_t *hdr = (const uint32_t *)(g->data + (g->pos & (g->size - 1)));
		uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);

		if (len & BPF_RINGBUF_BUSY_BIT)
			return NULL;
		if (len & BPF_RINGBUF_DISCARD_BIT) {
			g->pos += (BPF_RINGBUF_HDR_SZ + (len & ~BPF_RINGBUF_DISCARD_BIT) + 7) & ~7ull;
			continue;
		}
		g->head_size = len;
		return (const uint64_t *)(hdr + 2);
	}
	return NULL;
}

/* Hands the kernel back the space read so far. */
static void ring_release(struct ring *g)
{
	if (g->stored != g->pos) {
		__atomic_store_n(g->cons, (unsigned long)g->pos, __ATOMIC_RELEASE);
		g->stored = g->pos;
	}
}

/* The oldest head among the live rings. */
static unsigned oldest(struct ring **live, unsigned nlive)
{
	unsigned b = 0;

	for (unsigned i = 1; i < nlive; i++)
		if (*live[i]->head < *live[b]->head)
			b = i;
	return b;
}

int oc_rings_stage(struct oc_rings *r, const void *rec, size_t size)
{
	struct staged *st = r->st;

	if (size < sizeof(uint64_t))
		return -1;
	if (r->nst == r->capst) {
		unsigned cap = r->capst ? r->capst * 2 : 256;

		if (!(st = realloc(r->st, cap * sizeof(*st))))
			return -1;
		r->st = st;
		r->capst = cap;
	}
	st = &r->st[r->nst];
	if (!(st->rec = malloc(size)))
		return -1;
	memcpy(st->rec, rec, size);
	memcpy(&st->ts, rec, sizeof(st->ts));
	st->size = size;
	r->nst++;
	return 0;
}

static int by_ts(const void *a, const void *b)
{
	const struct staged *x = a, *y = b;

	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static uint64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Staged records older than the round's start: the rings' records of their
 * time are in this round (the BPF clock is CLOCK_MONOTONIC). */
static unsigned staged_due(struct oc_rings *r, uint64_t start)
{
	unsigned n = 0;

	qsort(r->st, r->nst, sizeof(*r->st), by_ts);
	while (n < r->nst && r->st[n].ts <= start)
		n++;
	return n;
}

static void staged_drop(struct oc_rings *r, unsigned done)
{
	for (unsigned i = 0; i < done; i++)
		free(r->st[i].rec);
	memmove(r->st, r->st + done, (r->nst - done) * sizeof(*r->st));
	r->nst -= done;
}

void oc_rings_snapshot(struct oc_rings *r)
{
	r->round_start = mono_now();
	r->nlive = 0;
	r->behind = 0;
	for (unsigned i = 0; i < r->n; i++) {
		struct ring *g = &r->ring[i];

		if (!g->prod)
			continue;
		g->end = __atomic_load_n(g->prod, __ATOMIC_ACQUIRE);
		if (g->end - g->pos >= r->wakeup_bytes)
			r->behind = 1;
		if ((g->head = ring_head(g)))
			r->live[r->nlive++] = g;
	}
}

/* One round: everything the rings held at the snapshot, merged across CPUs in
 * timestamp order (each ring is in order: one CPU writes it) with the staged
 * records of the same time. */
static int consume_round(struct oc_rings *r, oc_record_cb cb, void *ctx)
{
	unsigned nlive = r->nlive, due = staged_due(r, r->round_start), si = 0;
	int n = 0;

	while (nlive || si < due) {
		unsigned b = nlive ? oldest(r->live, nlive) : 0;
		struct ring *g = nlive ? r->live[b] : NULL;
		int ret;

		if (si < due && (!g || r->st[si].ts < *g->head)) {
			ret = cb(ctx, r->st[si].rec, r->st[si].size);
			si++;
		} else {
			ret = cb(ctx, g->head, g->head_size);
			g->pos += (BPF_RINGBUF_HDR_SZ + g->head_size + 7) & ~7ull;
			if (g->pos - g->stored >= g->size / 8) {
				before_release(r);
				ring_release(g);
			}
			if (!ret && !(g->head = ring_head(g)))
				r->live[b] = r->live[--nlive];
		}
		if (ret) {
			r->cb_err = 1;
			break;
		}
		n++;
	}
	r->nlive = 0;
	before_release(r);
	staged_drop(r, si);
	for (unsigned i = 0; i < r->n; i++)
		if (r->ring[i].cons)
			ring_release(&r->ring[i]);
	return r->cb_err ? -1 : n;
}

void oc_rings_wait(struct oc_rings *r, int timeout_ms)
{
	struct epoll_event ev[8];
	int wait = r->sleep_ms;

	/* The programs wake us only when a ring passes its wakeup mark: otherwise
	 * sleep and take everything at once (a wakeup per event costs more than
	 * the event). */
	if (timeout_ms >= 0 && timeout_ms < wait)
		wait = timeout_ms;
	if (!r->behind && wait > 0)
		epoll_wait(r->epfd, ev, 8, wait);
}

int oc_rings_consume(struct oc_rings *r, oc_record_cb cb, void *ctx)
{
	int n = consume_round(r, cb, ctx);

	if (n > 0)
		r->sleep_ms = POLL_MS;
	else if (n == 0 && r->sleep_ms < POLL_IDLE_MS)
		r->sleep_ms = r->sleep_ms * 2 < POLL_IDLE_MS ? r->sleep_ms * 2 : POLL_IDLE_MS;
	return n;
}
