/* pcapng writer (draft-ietf-opsawg-pcapng): whole blocks only, packets written
 * from a buffer or, with pcapng_write_packet_ref, in place with writev. */
#include "pcapng.h"
#include "pcapng_fmt.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

/* ---- writer ---------------------------------------------------------- */

/* Formatting the metadata comment costs more than the rest of writing a
 * packet; a stream repeats the same few lengths and offload states, so recent
 * comments are kept, keyed by the whole metadata. */
#define COMMENT_SLOTS 64

struct comment_slot {
	struct oc_meta key;
	int used;
	char text[512];
};

/* Packet bytes a block refers to in the caller's memory (pcapng_write_packet_ref),
 * written in place with writev: they go between buf[0..at) and buf[at..). */
struct wref {
	size_t at;
	const uint8_t *data;
	size_t len;
};

#define REF_MIN 512			/* smaller packets are copied: cheaper than an iovec */
#define REF_MAX 256			/* pending references before a write */
#define REF_BYTES (8u << 20)		/* pending referenced bytes before a write */
#define WRITE_CHUNK (256u << 10)	/* bytes per write call: writev_chunk() */

/* gzip output is compressed by a thread of its own, so that compressing never
 * stalls the capture: full buffers are queued to it (GZ_QUEUE of them, then
 * the writer waits), a flush queues a sync point; its first failure is the
 * writer's next. */
#define GZ_QUEUE 16

struct gz_buf {
	uint8_t *buf;
	size_t len, cap;
	int sync;		/* gzflush(Z_SYNC_FLUSH) after it */
};

struct gz_thread {
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	gzFile gz;
	struct gz_buf q[GZ_QUEUE];
	unsigned head, n;
	struct gz_buf spare[GZ_QUEUE + 1];
	unsigned nspare;
	int stop, err;
	char msg[256];
};

struct pcapng_writer {
	struct comment_slot comments[COMMENT_SLOTS];
	struct gz_thread *gt;	/* NULL: gzip in the caller's thread (or no gzip) */
	struct wref refs[REF_MAX];
	unsigned nref;
	size_t ref_bytes;
	uint32_t *blens;	/* lengths of the blocks since the last write (with refs) */
	size_t nblen, capblen;
	int fd;
	int own_fd;
	int regular;		/* plain regular file: a failed write can be truncated away */
	gzFile gz;
	off_t base;		/* file offset of our first byte */
	uint64_t flushed;	/* bytes of whole blocks in the file */
	uint64_t total;		/* bytes of blocks accepted, flushed or not */
	uint8_t *buf;
	size_t len, cap;
	uint32_t nif;
	int err;		/* errno of the first write failure: sticky */
	char *name;
	char msg[512];
};

/* Blocks are written in host byte order, as the spec allows. */
static uint8_t *put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); return p + 2; }
static uint8_t *put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); return p + 4; }
static uint8_t *put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); return p + 8; }
static uint8_t *put_ts(uint8_t *p, uint64_t ns) { return put32(put32(p, ns >> 32), (uint32_t)ns); }

static uint8_t *put_opt(uint8_t *p, uint16_t code, const void *val, size_t len)
{
	p = put16(put16(p, code), len);
	memcpy(p, val, len);
	memset(p + len, 0, pad4(len) - len);
	return p + pad4(len);
}

static uint8_t *put_opt32(uint8_t *p, uint16_t code, uint32_t v) { return put_opt(p, code, &v, 4); }
static uint8_t *put_opt64(uint8_t *p, uint16_t code, uint64_t v) { return put_opt(p, code, &v, 8); }

static uint8_t *put_verdict(uint8_t *p, uint64_t action)
{
	uint8_t v[9] = { EPB_VERDICT_XDP };

	memcpy(v + 1, &action, 8);
	return put_opt(p, EPB_VERDICT, v, sizeof(v));
}

static size_t str_opt_len(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n < MAX_OPTLEN ? n : MAX_OPTLEN;
}

static size_t str_opt_size(const char *s) { return s && *s ? 4 + pad4(str_opt_len(s)) : 0; }

static uint8_t *put_str_opt(uint8_t *p, uint16_t code, const char *s)
{
	return s && *s ? put_opt(p, code, s, str_opt_len(s)) : p;
}

/* A problem with one call's arguments: reported, but the file is fine. */
static int soft_fail(struct pcapng_writer *w, const char *fmt, ...)
{
	va_list ap;

	if (!w->err) {
		va_start(ap, fmt);
		vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int hard_fail(struct pcapng_writer *w, int err, const char *detail)
{
	if (!w->err) {
		w->err = err;
		snprintf(w->msg, sizeof(w->msg), "writing %s: %s", w->name,
			 detail ? detail : strerror(err));
	}
	return -1;
}

/* Length of the longest run of whole blocks at the start of buf[0..n). */
static size_t whole_blocks(const uint8_t *buf, size_t len, size_t n)
{
	size_t off = 0;
	uint32_t blen;

	while (off + 8 <= len) {
		memcpy(&blen, buf + off + 4, 4);
		if (off + blen > n)
			break;
		off += blen;
	}
	return off;
}

static int write_all(int fd, const uint8_t *p, size_t n, size_t *done)
{
	*done = 0;
	while (*done < n) {
		size_t left = n - *done;
		ssize_t k = write(fd, p + *done, left < WRITE_CHUNK ? left : WRITE_CHUNK);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? errno : ENOSPC;
		*done += (size_t)k;
	}
	return 0;
}

static int gz_fail(struct pcapng_writer *w)
{
	int saved = errno, zerr;
	const char *m = gzerror(w->gz, &zerr);

	if (zerr == Z_ERRNO)
		return hard_fail(w, saved ? saved : EIO, NULL);
	return hard_fail(w, EIO, m);
}

static void *gz_main(void *arg)
{
	struct gz_thread *t = arg;

	pthread_mutex_lock(&t->mu);
	for (;;) {
		struct gz_buf b;
		int err = 0, zerr;
		char msg[sizeof(t->msg)] = "";

		while (!t->n && !t->stop)
			pthread_cond_wait(&t->cv, &t->mu);
		if (!t->n)
			break;
		b = t->q[t->head];
		pthread_mutex_unlock(&t->mu);
		if (!t->err) {
			errno = 0;
			if ((b.len && gzwrite(t->gz, b.buf, (unsigned)b.len) != (int)b.len) ||
			    (b.sync && gzflush(t->gz, Z_SYNC_FLUSH) != Z_OK)) {
				const char *m = gzerror(t->gz, &zerr);

				err = zerr == Z_ERRNO ? (errno ? errno : EIO) : EIO;
				snprintf(msg, sizeof(msg), "%s", zerr == Z_ERRNO ? strerror(err) : m);
			}
		}
		pthread_mutex_lock(&t->mu);
		if (err && !t->err) {
			t->err = err;
			memcpy(t->msg, msg, sizeof(msg));
		}
		t->head = (t->head + 1) % GZ_QUEUE;
		t->n--;
		if (b.buf)
			t->spare[t->nspare++] = b;
		pthread_cond_broadcast(&t->cv);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

static struct gz_thread *gz_start(gzFile gz)
{
	struct gz_thread *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->gz = gz;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	if (pthread_create(&t->tid, NULL, gz_main, t)) {
		pthread_mutex_destroy(&t->mu);
		pthread_cond_destroy(&t->cv);
		free(t);
		return NULL;
	}
	return t;
}

/* Hands buf (and a sync point) to the thread, taking an empty buffer back. */
static int gz_enqueue(struct pcapng_writer *w, int sync)
{
	struct gz_thread *t = w->gt;
	struct gz_buf b = { 0 };
	int err;
	char msg[sizeof(t->msg)];

	pthread_mutex_lock(&t->mu);
	while (t->n == GZ_QUEUE && !t->err)
		pthread_cond_wait(&t->cv, &t->mu);
	if ((err = t->err)) {
		memcpy(msg, t->msg, sizeof(msg));
		pthread_mutex_unlock(&t->mu);
		return hard_fail(w, err, msg);
	}
	if (w->len) {
		if (t->nspare) {
			b = t->spare[--t->nspare];
		} else if (!(b.buf = malloc(WBUF_SIZE))) {
			pthread_mutex_unlock(&t->mu);
			return soft_fail(w, "writing %s: out of memory", w->name);
		} else {
			b.cap = WBUF_SIZE;
		}
		t->q[(t->head + t->n) % GZ_QUEUE] = (struct gz_buf){ w->buf, w->len, w->cap, sync };
		w->buf = b.buf;
		w->cap = b.cap;
	} else if (sync) {
		t->q[(t->head + t->n) % GZ_QUEUE] = (struct gz_buf){ NULL, 0, 0, 1 };
	} else {
		pthread_mutex_unlock(&t->mu);
		return 0;
	}
	t->n++;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
	w->flushed += w->len;
	w->len = 0;
	return 0;
}

/* Waits for the thread to compress everything queued, and ends it; its
 * failure, if any, becomes the writer's. */
static void gz_stop(struct pcapng_writer *w)
{
	struct gz_thread *t = w->gt;

	pthread_mutex_lock(&t->mu);
	t->stop = 1;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
	pthread_join(t->tid, NULL);
	if (t->err)
		hard_fail(w, t->err, t->msg);
	for (unsigned i = 0; i < t->nspare; i++)
		free(t->spare[i].buf);
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv);
	free(t);
	w->gt = NULL;
}

/* At most WRITE_CHUNK bytes of iov per writev. Into ext4's page cache (Linux
 * 6.18, two vCPUs next to a 10 Gbit/s stream) 8 MiB per call cost the kernel
 * 2.5-3.4 s of CPU per 1.5 GB against 0.8-1.1 s in 256 KiB calls, tcpdump's
 * 60 KiB ones 0.8-1.5 s (bench/RESULTS.md, "256 KiB writes"). */
static ssize_t writev_chunk(int fd, const struct iovec *iov, unsigned n)
{
	struct iovec t[64];
	unsigned m = 0;
	size_t sum = 0;

	for (; m < n && m < 64 && sum < WRITE_CHUNK; m++) {
		t[m] = iov[m];
		if (t[m].iov_len > WRITE_CHUNK - sum)
			t[m].iov_len = WRITE_CHUNK - sum;
		sum += t[m].iov_len;
	}
	return writev(fd, t, (int)m);
}

/* Writes buf with the referenced packet bytes in place; an errno, or 0. */
static int writev_all(struct pcapng_writer *w, size_t *done)
{
	struct iovec iov[2 * REF_MAX + 1];
	size_t at = 0, total = 0;
	unsigned n = 0, i = 0;

	for (unsigned k = 0; k < w->nref; k++) {
		iov[n++] = (struct iovec){ w->buf + at, w->refs[k].at - at };
		iov[n++] = (struct iovec){ (void *)w->refs[k].data, w->refs[k].len };
		at = w->refs[k].at;
	}
	iov[n++] = (struct iovec){ w->buf + at, w->len - at };
	for (unsigned k = 0; k < n; k++)
		total += iov[k].iov_len;
	*done = 0;
	while (*done < total) {
		ssize_t k;

		while (i < n && !iov[i].iov_len)
			i++;
		k = writev_chunk(w->fd, iov + i, n - i);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? errno : ENOSPC;
		*done += (size_t)k;
		while (k > 0) {
			size_t step = (size_t)k < iov[i].iov_len ? (size_t)k : iov[i].iov_len;

			iov[i].iov_base = (uint8_t *)iov[i].iov_base + step;
			iov[i].iov_len -= step;
			k -= (ssize_t)step;
			if (!iov[i].iov_len)
				i++;
		}
	}
	return 0;
}

/* Bytes of the whole blocks among the first n written (blocks with refs). */
static size_t whole_blocks_ref(const struct pcapng_writer *w, size_t n)
{
	size_t off = 0;

	for (size_t i = 0; i < w->nblen && off + w->blens[i] <= n; i++)
		off += w->blens[i];
	return off;
}

static void refs_done(struct pcapng_writer *w)
{
	w->nref = 0;
	w->ref_bytes = 0;
	w->nblen = 0;
}

static int flush_buf(struct pcapng_writer *w)
{
	size_t done = 0, stream;
	int e;

	if (w->err)
		return -1;
	if (w->nref) {
		stream = w->len + w->ref_bytes;
		e = writev_all(w, &done);
		if (!e) {
			w->flushed += stream;
			w->len = 0;
			refs_done(w);
			return 0;
		}
		w->flushed += whole_blocks_ref(w, done);
		refs_done(w);
		w->len = 0;
		if (w->regular && ftruncate(w->fd, w->base + (off_t)w->flushed) < 0) {
			char d[160];

			snprintf(d, sizeof(d), "%s (a partial block remains)", strerror(e));
			return hard_fail(w, e, d);
		}
		return hard_fail(w, e, NULL);
	}
	w->nblen = 0;
	if (w->gt)
		return gz_enqueue(w, 0);
	if (!w->len)
		return 0;
	if (w->gz) {
		errno = 0;
		if (gzwrite(w->gz, w->buf, (unsigned)w->len) != (int)w->len)
			return gz_fail(w);
		w->flushed += w->len;
		w->len = 0;
		return 0;
	}
	e = write_all(w->fd, w->buf, w->len, &done);
	if (!e) {
		w->flushed += w->len;
		w->len = 0;
		return 0;
	}
	/* Cut the partly written block off so readers only ever see whole blocks. */
	w->flushed += whole_blocks(w->buf, w->len, done);
	if (w->regular && ftruncate(w->fd, w->base + (off_t)w->flushed) < 0) {
		char d[160];

		snprintf(d, sizeof(d), "%s (a partial block remains)", strerror(e));
		return hard_fail(w, e, d);
	}
	return hard_fail(w, e, NULL);
}

/* Room for a block of n bytes at the end of the buffer. */
static uint8_t *reserve(struct pcapng_writer *w, size_t n)
{
	if (w->len + n > w->cap) {
		if (flush_buf(w) < 0)
			return NULL;
		if (n > w->cap) {
			uint8_t *nb = realloc(w->buf, n);

			if (!nb) {
				soft_fail(w, "writing %s: out of memory for a %zu-byte block", w->name, n);
				return NULL;
			}
			w->buf = nb;
			w->cap = n;
		}
	}
	return w->buf + w->len;
}

/* Fills in type and both lengths of the block from start to end (the
 * trailing length field excluded) and appends it. */
/* Notes a block's length while references are pending (a failed write is cut
 * back to whole blocks by these). */
static void note_block(struct pcapng_writer *w, uint32_t n)
{
	if (w->gz)
		return;
	if (w->nblen == w->capblen) {
		size_t cap = w->capblen ? w->capblen * 2 : 1024;
		uint32_t *nb = realloc(w->blens, cap * sizeof(*nb));

		if (!nb) {
			/* cannot cut back precisely: say so if a write fails */
			w->regular = 0;
			return;
		}
		w->blens = nb;
		w->capblen = cap;
	}
	w->blens[w->nblen++] = n;
}

static void commit(struct pcapng_writer *w, uint8_t *start, uint8_t *end, uint32_t type)
{
	uint32_t n = (uint32_t)(end + 4 - start);

	put32(put32(start, type), n);
	put32(end, n);
	note_block(w, n);
	w->len += n;
	w->total += n;
}

static int write_shb(struct pcapng_writer *w, const struct pcapng_shb_info *shb)
{
	static const struct pcapng_shb_info none;
	const struct pcapng_shb_info *s = shb ? shb : &none;
	size_t opts = str_opt_size(s->hardware) + str_opt_size(s->os) +
		      str_opt_size(s->app) + str_opt_size(s->comment);
	uint8_t *b = reserve(w, 28 + opts + (opts ? 4 : 0)), *p;

	if (!b)
		return -1;
	p = put32(b + 8, BYTE_ORDER_MAGIC);
	p = put16(put16(p, 1), 0);
	p = put64(p, UINT64_MAX);	/* section length unknown */
	p = put_str_opt(p, OPT_COMMENT, s->comment);
	p = put_str_opt(p, SHB_HARDWARE, s->hardware);
	p = put_str_opt(p, SHB_OS, s->os);
	p = put_str_opt(p, SHB_USERAPPL, s->app);
	if (opts)
		p = put32(p, OPT_END);
	commit(w, b, p, BT_SHB);
	return 0;
}

struct pcapng_writer *pcapng_open(const char *path, const struct pcapng_shb_info *shb)
{
	struct pcapng_writer *w = calloc(1, sizeof(*w));
	size_t plen = path ? strlen(path) : 0;
	struct stat st;

	if (!w || !path || !(w->buf = malloc(WBUF_SIZE)) ||
	    !(w->name = strdup(strcmp(path, "-") ? path : "stdout"))) {
		oc_err("cannot open %s: %s", path ? path : "(null)", path ? strerror(ENOMEM) : "no path");
		goto fail;
	}
	w->cap = WBUF_SIZE;
	w->fd = 1;
	if (strcmp(path, "-")) {
		w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (w->fd < 0) {
			oc_err("cannot open %s: %s", path, strerror(errno));
			goto fail;
		}
		w->own_fd = 1;
	}
	if (plen > 3 && !strcmp(path + plen - 3, ".gz")) {
		/* Level 1: the capture path must keep up with line rate. */
		w->gz = gzdopen(w->fd, "wb1");
		if (!w->gz) {
			oc_err("cannot open %s: gzip setup failed", path);
			goto fail;
		}
		w->own_fd = 0;
		gzbuffer(w->gz, RBUF_SIZE);
		w->gt = gz_start(w->gz);	/* else compressed in this thread */
	} else if (fstat(w->fd, &st) == 0 && S_ISREG(st.st_mode)) {
		w->regular = 1;
		w->base = lseek(w->fd, 0, SEEK_CUR);
		if (w->base < 0)
			w->base = 0;
	}
	write_shb(w, shb);
	return w;
fail:
	if (w && w->own_fd)
		close(w->fd);
	if (w) {
		free(w->buf);
		free(w->name);
	}
	free(w);
	return NULL;
}

int pcapng_add_iface(struct pcapng_writer *w, const struct oc_iface *iface)
{
	char name[sizeof(iface->name) + 1], descr[sizeof(iface->descr) + 1];
	uint8_t tsresol = 9, *b, *p;

	if (!w || w->err)
		return -1;
	if (!iface)
		return soft_fail(w, "NULL interface");
	/* The fields need not be NUL-terminated. */
	snprintf(name, sizeof(name), "%.*s", (int)sizeof(iface->name), iface->name);
	snprintf(descr, sizeof(descr), "%.*s", (int)sizeof(iface->descr), iface->descr);
	b = reserve(w, 16 + str_opt_size(name) + str_opt_size(descr) + 8 + 4 + 4);
	if (!b)
		return -1;
	p = put16(put16(b + 8, iface->linktype), 0);
	p = put32(p, iface->snaplen);
	p = put_str_opt(p, IF_NAME, name);
	p = put_str_opt(p, IF_DESCRIPTION, descr);
	p = put_opt(p, IF_TSRESOL, &tsresol, 1);
	p = put32(p, OPT_END);
	commit(w, b, p, BT_IDB);
	return (int)w->nif++;
}

static const char *meta_comment(struct pcapng_writer *w, const struct oc_meta *m)
{
	uint32_t h = (m->len * 2654435761u) ^ (m->gso_segs * 40503u) ^ m->point ^ (m->csum << 3) ^
		     m->gso_type ^ (m->ifindex << 7) ^ m->vlan_tci;
	struct comment_slot *c = &w->comments[(h ^ (h >> 16)) % COMMENT_SLOTS];

	if (!c->used || memcmp(&c->key, m, sizeof(*m))) {
		c->key = *m;
		c->used = 1;
		oc_meta_format(m, c->text, sizeof(c->text));
	}
	return c->text;
}

/* The comments of a packet: the caller's note (pkt->comment) and offcap's
 * metadata (formatted through the writer's cache), each its own opt_comment. */
struct epb_comments {
	const char *text[2];
	size_t len[2];
};

static size_t epb_comments(struct pcapng_writer *w, const struct oc_packet *pkt, struct epb_comments *c)
{
	size_t opts = 0, n = 0;

	if (pkt->comment)
		c->text[n++] = pkt->comment;
	if (pkt->meta.flags & OC_META_VALID)
		c->text[n++] = meta_comment(w, &pkt->meta);
	for (size_t i = 0; i < 2; i++) {
		c->len[i] = i < n ? str_opt_len(c->text[i]) : 0;
		opts += i < n ? 4 + pad4(c->len[i]) : 0;
		if (i >= n)
			c->text[i] = NULL;
	}
	return opts;
}

/* A part is referred to (left where it is) when it stays, it is large
 * enough, and the output is not compressed. */
static int is_ref(const struct pcapng_writer *w, const struct pcapng_part *part)
{
	return part->stays && !w->gz && part->len >= REF_MIN;
}

static int check_packet(struct pcapng_writer *w, const struct oc_packet *pkt,
			const struct pcapng_part *parts, unsigned n)
{
	uint64_t sum = 0;

	if (!pkt)
		return soft_fail(w, "NULL packet");
	for (unsigned i = 0; i < n; i++) {
		if (parts[i].len && !parts[i].data)
			return soft_fail(w, "NULL packet");
		sum += parts[i].len;
	}
	if (sum != pkt->caplen)
		return soft_fail(w, "packet parts of %llu bytes for a caplen of %u",
				 (unsigned long long)sum, pkt->caplen);
	if (pkt->caplen > MAX_CAPLEN)
		return soft_fail(w, "packet of %u bytes exceeds the %u-byte limit",
				 pkt->caplen, MAX_CAPLEN);
	if (pkt->if_id >= w->nif)
		return soft_fail(w, "packet on undefined interface %u", pkt->if_id);
	return 0;
}

/* The packet bytes: parts copied at p, or referred to where they are. */
static uint8_t *put_parts(struct pcapng_writer *w, uint8_t *b, uint8_t *p,
			  const struct pcapng_part *parts, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (is_ref(w, &parts[i])) {
			w->refs[w->nref++] = (struct wref){ w->len + (size_t)(p - b), parts[i].data, parts[i].len };
			w->ref_bytes += parts[i].len;
		} else if (parts[i].len) {
			memcpy(p, parts[i].data, parts[i].len);
			p += parts[i].len;
		}
	}
	return p;
}

static int write_packet(struct pcapng_writer *w, const struct oc_packet *pkt,
			const struct pcapng_part *parts, unsigned nparts)
{
	struct epb_comments c;
	uint8_t *b, *p;
	size_t opts, blen, ref_bytes = 0;
	unsigned nref = 0;
	int meta;

	if (!w || w->err)
		return -1;
	if (nparts > PCAPNG_MAX_PARTS)
		return soft_fail(w, "packet of more than %u parts", PCAPNG_MAX_PARTS);
	if (check_packet(w, pkt, parts, nparts))
		return -1;
	meta = pkt->meta.flags & OC_META_VALID;
	opts = epb_comments(w, pkt, &c);
	opts += (pkt->epb_flags ? 8 : 0) + (pkt->dropcount ? 12 : 0) + (meta ? 8 : 0) +
		(pkt->has_xdp_verdict ? 16 : 0);
	blen = 32 + pad4(pkt->caplen) + opts + (opts ? 4 : 0);
	for (unsigned i = 0; i < nparts; i++)
		if (is_ref(w, &parts[i]))
			nref++, ref_bytes += parts[i].len;
	if (nref && (w->nref + nref > REF_MAX || w->ref_bytes + ref_bytes > REF_BYTES) && flush_buf(w) < 0)
		return -1;
	b = reserve(w, blen - ref_bytes);
	if (!b)
		return -1;
	p = put_ts(put32(b + 8, pkt->if_id), pkt->ts_ns);
	/* Readers reject caplen > original length. */
	p = put32(put32(p, pkt->caplen), pkt->len < pkt->caplen ? pkt->caplen : pkt->len);
	p = put_parts(w, b, p, parts, nparts);
	memset(p, 0, pad4(pkt->caplen) - pkt->caplen);
	p += pad4(pkt->caplen) - pkt->caplen;
	for (size_t i = 0; i < 2 && c.text[i]; i++)
		p = put_opt(p, OPT_COMMENT, c.text[i], c.len[i]);
	if (pkt->epb_flags)
		p = put_opt32(p, EPB_FLAGS, pkt->epb_flags);
	if (pkt->dropcount)
		p = put_opt64(p, EPB_DROPCOUNT, pkt->dropcount);
	if (meta)
		p = put_opt32(p, EPB_QUEUE, pkt->queue);
	if (pkt->has_xdp_verdict)
		p = put_verdict(p, pkt->xdp_verdict);
	if (opts)
		p = put32(p, OPT_END);
	/* the referred bytes are in blen, not in the buffer */
	put32(put32(b, BT_EPB), (uint32_t)blen);
	put32(p, (uint32_t)blen);
	note_block(w, (uint32_t)blen);
	w->len += (size_t)(p + 4 - b);
	w->total += blen;
	return 0;
}

static int write_whole(struct pcapng_writer *w, const struct oc_packet *pkt, int ref)
{
	struct pcapng_part part = { pkt ? pkt->data : NULL, pkt ? pkt->caplen : 0, ref };

	return write_packet(w, pkt, &part, 1);
}

int pcapng_write_packet(struct pcapng_writer *w, const struct oc_packet *pkt)
{
	return write_whole(w, pkt, 0);
}

int pcapng_write_packet_ref(struct pcapng_writer *w, const struct oc_packet *pkt)
{
	return write_whole(w, pkt, 1);
}

int pcapng_write_packet_parts(struct pcapng_writer *w, const struct oc_packet *pkt,
			      const struct pcapng_part *parts, unsigned n)
{
	return write_packet(w, pkt, parts, n);
}

int pcapng_sync(struct pcapng_writer *w)
{
	if (!w)
		return -1;
	return w->nref ? flush_buf(w) : (w->err ? -1 : 0);
}

int pcapng_write_stats(struct pcapng_writer *w, uint32_t if_id, uint64_t start_ns,
		       uint64_t end_ns, uint64_t recv, uint64_t drop)
{
	return pcapng_write_stats_comment(w, if_id, start_ns, end_ns, recv, drop, NULL);
}

int pcapng_write_stats_comment(struct pcapng_writer *w, uint32_t if_id, uint64_t start_ns,
			       uint64_t end_ns, uint64_t recv, uint64_t drop, const char *comment)
{
	uint8_t ts[8], *b, *p;

	if (!w || w->err)
		return -1;
	if (if_id >= w->nif)
		return soft_fail(w, "statistics for undefined interface %u", if_id);
	b = reserve(w, 20 + 4 * 12 + str_opt_size(comment) + 4 + 4);
	if (!b)
		return -1;
	p = put_ts(put32(b + 8, if_id), end_ns);
	p = put_str_opt(p, OPT_COMMENT, comment);
	put_ts(ts, start_ns);
	p = put_opt(p, ISB_STARTTIME, ts, 8);
	put_ts(ts, end_ns);
	p = put_opt(p, ISB_ENDTIME, ts, 8);
	p = put_opt64(p, ISB_IFRECV, recv);
	p = put_opt64(p, ISB_IFDROP, drop);
	p = put32(p, OPT_END);
	commit(w, b, p, BT_ISB);
	return 0;
}

int pcapng_flush(struct pcapng_writer *w)
{
	if (w && w->gt)
		return w->err ? -1 : gz_enqueue(w, 1);
	if (!w || flush_buf(w) < 0)
		return -1;
	if (w->gz && gzflush(w->gz, Z_SYNC_FLUSH) != Z_OK)
		return gz_fail(w);
	return 0;
}

int pcapng_close(struct pcapng_writer *w)
{
	int rc;

	if (!w)
		return -EINVAL;
	flush_buf(w);
	if (w->gt)
		gz_stop(w);
	if (w->gz) {
		errno = 0;
		rc = gzclose(w->gz);
		if (rc != Z_OK && !w->err)
			w->err = rc == Z_ERRNO && errno ? errno : EIO;
	} else if (w->own_fd && close(w->fd) < 0 && errno != EINTR && !w->err) {
		w->err = errno;
	}
	rc = -w->err;
	free(w->blens);
	free(w->buf);
	free(w->name);
	free(w);
	return rc;
}

const char *pcapng_error(const struct pcapng_writer *w)
{
	return w ? w->msg : "no writer";
}

uint64_t pcapng_bytes_written(const struct pcapng_writer *w)
{
	return w ? w->total : 0;
}

