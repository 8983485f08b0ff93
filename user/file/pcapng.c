/* pcapng writer (draft-ietf-opsawg-pcapng), and a streaming reader for pcapng
 * and classic pcap, plain or gzip. */
#include "pcapng.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 1
#define BT_PB 2			/* obsolete Packet Block */
#define BT_SPB 3
#define BT_ISB 5
#define BT_EPB 6
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du

#define OPT_END 0
#define OPT_COMMENT 1
#define OPT_CUSTOM_BIN 2989	/* binary, may be copied */
#define OPT_CUSTOM_BIN_NOCOPY 19373
#define SHB_HARDWARE 2
#define SHB_OS 3
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_DESCRIPTION 3
#define IF_TSRESOL 9
#define IF_TSOFFSET 14
#define EPB_FLAGS 2
#define EPB_DROPCOUNT 4
#define EPB_QUEUE 6
#define EPB_VERDICT 7
#define EPB_VERDICT_XDP 2	/* eBPF XDP: 8 bytes, an XDP_* action */
#define ISB_STARTTIME 2
#define ISB_ENDTIME 3
#define ISB_IFRECV 4
#define ISB_IFDROP 5

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du

#define WBUF_SIZE (1u << 20)
#define RBUF_SIZE (256u << 10)
#define MAP_WINDOW (8u << 20)	/* bytes of a plain file mapped at a time */
#define MAX_CAPLEN (16u << 20)
#define MAX_BLOCK (64u << 20)
#define IF_CHUNK 64u
#define MAX_IFACES OC_MAX_IFACES
#define MAX_OPTLEN 0xffffu

static size_t pad4(size_t n) { return (n + 3) & ~(size_t)3; }

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

struct pcapng_writer {
	struct comment_slot comments[COMMENT_SLOTS];
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
		ssize_t k = write(fd, p + *done, n - *done);

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
		k = writev(w->fd, iov + i, (int)(n - i < 1024 ? n - i : 1024));
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

struct pcapng_writer *pcapng_open(const char *path, const struct pcapng_shb_info *shb,
				  char *err, size_t errlen)
{
	struct pcapng_writer *w = calloc(1, sizeof(*w));
	size_t plen = path ? strlen(path) : 0;
	struct stat st;

	if (!w || !path || !(w->buf = malloc(WBUF_SIZE)) ||
	    !(w->name = strdup(strcmp(path, "-") ? path : "stdout"))) {
		snprintf(err, errlen, "cannot open %s: %s", path ? path : "(null)",
			 path ? strerror(ENOMEM) : "no path");
		goto fail;
	}
	w->cap = WBUF_SIZE;
	w->fd = 1;
	if (strcmp(path, "-")) {
		w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (w->fd < 0) {
			snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
			goto fail;
		}
		w->own_fd = 1;
	}
	if (plen > 3 && !strcmp(path + plen - 3, ".gz")) {
		/* Level 1: the capture path must keep up with line rate. */
		w->gz = gzdopen(w->fd, "wb1");
		if (!w->gz) {
			snprintf(err, errlen, "cannot open %s: gzip setup failed", path);
			goto fail;
		}
		w->own_fd = 0;
		gzbuffer(w->gz, RBUF_SIZE);
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

static int write_packet(struct pcapng_writer *w, const struct oc_packet *pkt, int ref)
{
	struct epb_comments c;
	uint8_t *b, *p;
	size_t opts, blen;
	int meta;

	if (!w || w->err)
		return -1;
	if (!pkt || (pkt->caplen && !pkt->data))
		return soft_fail(w, "NULL packet");
	if (pkt->caplen > MAX_CAPLEN)
		return soft_fail(w, "packet of %u bytes exceeds the %u-byte limit",
				 pkt->caplen, MAX_CAPLEN);
	if (pkt->if_id >= w->nif)
		return soft_fail(w, "packet on undefined interface %u", pkt->if_id);
	meta = pkt->meta.flags & OC_META_VALID;
	opts = epb_comments(w, pkt, &c);
	opts += (pkt->epb_flags ? 8 : 0) + (pkt->dropcount ? 12 : 0) + (meta ? 8 : 0) +
		(pkt->has_xdp_verdict ? 16 : 0);
	blen = 32 + pad4(pkt->caplen) + opts + (opts ? 4 : 0);
	ref = ref && !w->gz && pkt->caplen >= REF_MIN;
	if (ref && (w->nref == REF_MAX || w->ref_bytes + pkt->caplen > REF_BYTES) && flush_buf(w) < 0)
		return -1;
	b = reserve(w, ref ? blen - pkt->caplen : blen);
	if (!b)
		return -1;
	p = put_ts(put32(b + 8, pkt->if_id), pkt->ts_ns);
	/* Readers reject caplen > original length. */
	p = put32(put32(p, pkt->caplen), pkt->len < pkt->caplen ? pkt->caplen : pkt->len);
	if (ref) {
		/* the bytes stay where they are; the rest of the block follows them */
		w->refs[w->nref++] = (struct wref){ w->len + (size_t)(p - b), pkt->data, pkt->caplen };
		w->ref_bytes += pkt->caplen;
	} else if (pkt->caplen) {
		memcpy(p, pkt->data, pkt->caplen);
		p += pkt->caplen;
	}
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
	if (ref) {
		put32(put32(b, BT_EPB), (uint32_t)blen);
		put32(p, (uint32_t)blen);
		note_block(w, (uint32_t)blen);
		w->len += (size_t)(p + 4 - b);
		w->total += blen;
		return 0;
	}
	commit(w, b, p, BT_EPB);
	return 0;
}

int pcapng_write_packet(struct pcapng_writer *w, const struct oc_packet *pkt)
{
	return write_packet(w, pkt, 0);
}

int pcapng_write_packet_ref(struct pcapng_writer *w, const struct oc_packet *pkt)
{
	return write_packet(w, pkt, 1);
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

/* ---- reader ---------------------------------------------------------- */

struct rd_iface {
	struct oc_iface pub;
	uint64_t mul, div;	/* ns = ts * mul / div for decimal resolutions */
	uint8_t shift;		/* binary resolution 2^-shift, 0 if decimal */
	uint64_t offset_ns;	/* if_tsoffset */
};

struct cap_reader {
	gzFile gz;		/* gzip files, pipes, stdin */
	int pcapng, swap, failed;
	unsigned pre;		/* bytes of the next header already in buf */
	int held;		/* cur holds a block cap_next has yet to process */
	uint32_t held_type, held_len;
	uint8_t *buf;
	size_t cap;
	const uint8_t *cur;	/* the current record: buf, or in the mapped window */
	/* A plain regular file is read through a window mapped from it: no copy
	 * of the bytes, and at most MAP_WINDOW (or one block) resident. */
	int fd;			/* -1 unless mapped */
	uint8_t *map;
	size_t map_len;
	uint64_t map_off;	/* file offset of map[0] */
	uint64_t fsize;
	uint64_t off;		/* file offset of the next block */
	uint64_t blk;		/* file offset of the current block */
	/* Interfaces of every section, in chunks so that cap_iface() pointers
	 * stay valid while later sections add more. */
	struct rd_iface *ifs[MAX_IFACES / IF_CHUNK];
	unsigned nif, base;	/* base: first interface of this section */
	char *shb_comment;
	char *path;
	char err[512];
	char comment[MAX_OPTLEN + 1];
};

/* Every multi-byte field of the file goes through these. */
static uint16_t rd16(const struct cap_reader *r, const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return r->swap ? __builtin_bswap16(v) : v;
}

static uint32_t rd32(const struct cap_reader *r, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return r->swap ? __builtin_bswap32(v) : v;
}

static uint64_t rd64(const struct cap_reader *r, const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return r->swap ? __builtin_bswap64(v) : v;
}

static uint64_t rd_ts(const struct cap_reader *r, const uint8_t *p)
{
	return (uint64_t)rd32(r, p) << 32 | rd32(r, p + 4);
}

static int vfail(struct cap_reader *r, int at, const char *fmt, va_list ap)
{
	int n;

	if (r->failed)
		return -1;
	r->failed = 1;
	n = vsnprintf(r->err, sizeof(r->err), fmt, ap);
	if (at && n >= 0 && (size_t)n < sizeof(r->err))
		snprintf(r->err + n, sizeof(r->err) - n, " at offset %llu",
			 (unsigned long long)r->blk);
	return -1;
}

static int fail(struct cap_reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(r, 0, fmt, ap);
	va_end(ap);
	return -1;
}

/* A problem with the block or record at r->blk. */
static int fail_at(struct cap_reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(r, 1, fmt, ap);
	va_end(ap);
	return -1;
}

/* Reads up to n bytes; the count, or -1 on a read or decompression error. */
static long rd_bytes(struct cap_reader *r, uint8_t *p, size_t n)
{
	int zerr, k = gzread(r->gz, p, (unsigned)n);
	const char *m;

	if (k >= 0 && (size_t)k == n)
		return k;
	m = gzerror(r->gz, &zerr);
	if (zerr == Z_ERRNO)
		return fail(r, "reading %s: %s", r->path, strerror(errno));
	if (zerr != Z_OK)
		return fail_at(r, "reading %s: %s", r->path,
			    zerr == Z_BUF_ERROR ? "gzip data ends early" : m);
	return k;
}

static int grow_buf(struct cap_reader *r, size_t n)
{
	uint8_t *nb;

	if (n <= r->cap)
		return 0;
	nb = realloc(r->buf, n);
	if (!nb)
		return fail(r, "out of memory for a %zu-byte block", n);
	r->buf = nb;
	r->cap = n;
	return 0;
}

/* Maps the window holding file bytes [off, off + n) (fewer at the end of
 * the file); the bytes available from off, or -1. */
static long map_at(struct cap_reader *r, uint64_t off, size_t n)
{
	uint64_t start = off & ~(uint64_t)4095, len;
	struct stat st;
	void *m;

	if (off + n > r->fsize && fstat(r->fd, &st) == 0 && (uint64_t)st.st_size > r->fsize)
		r->fsize = (uint64_t)st.st_size;	/* the file grew */
	if (off >= r->fsize)
		return 0;
	if (r->map && off >= r->map_off && off + n <= r->map_off + r->map_len)
		return (long)n;
	if (r->map)
		munmap(r->map, r->map_len);
	r->map = NULL;
	len = off + n - start > MAP_WINDOW ? off + n - start : MAP_WINDOW;
	if (len > r->fsize - start)
		len = r->fsize - start;
	m = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, r->fd, (off_t)start);
	if (m == MAP_FAILED)
		return fail(r, "reading %s: %s", r->path, strerror(errno));
	madvise(m, len, MADV_SEQUENTIAL);
	r->map = m;
	r->map_len = len;
	r->map_off = start;
	return (long)(off + n <= start + len ? n : start + len - off);
}

/* Makes bytes [0, want) of the record at r->off available at r->cur, of
 * which [0, have) already are: the count available (below want only at the
 * end of the file), or -1. */
static long fetch(struct cap_reader *r, size_t have, size_t want)
{
	long k;

	if (r->fd >= 0) {
		k = map_at(r, r->off, want);
		if (k > 0)
			r->cur = r->map + (r->off - r->map_off);
		return k;
	}
	if (have < r->pre)
		have = r->pre;
	r->pre = 0;
	if (grow_buf(r, want) < 0)
		return -1;
	r->cur = r->buf;
	if (have >= want)
		return (long)want;
	k = rd_bytes(r, r->buf + have, want - have);
	return k < 0 ? -1 : (long)have + k;
}

static void init_packet(struct oc_packet *pkt)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->meta.point = OC_POINT_NONE;
	pkt->meta.csum = OC_CSUM_UNKNOWN;
}

static void copy_str(char *dst, size_t size, const uint8_t *src, size_t len)
{
	len = len < size - 1 ? len : size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* ---- classic pcap ---- */

static int pcap_next(struct cap_reader *r, struct oc_packet *pkt)
{
	const uint8_t *h;
	uint32_t caplen;
	long k;

	r->blk = r->off;
	if ((k = fetch(r, 0, 16)) <= 0)
		return (int)k;
	if (k < 16)
		return fail_at(r, "file ends inside a record header");
	h = r->cur;
	caplen = rd32(r, h + 8);
	if (caplen > MAX_BLOCK)
		return fail_at(r, "bad record length %u", caplen);
	init_packet(pkt);
	pkt->ts_ns = rd32(r, h) * 1000000000ull +
		     rd32(r, h + 4) * (uint64_t)(r->ifs[0][0].pub.tsresol == 9 ? 1 : 1000);
	pkt->caplen = caplen;
	pkt->len = rd32(r, h + 12);
	if ((k = fetch(r, 16, 16 + (size_t)caplen)) < 0)
		return -1;
	if ((size_t)k < 16 + (size_t)caplen)
		return fail_at(r, "file ends inside a record");
	pkt->data = r->cur + 16;
	r->off += 16 + caplen;
	return 1;
}

/* ---- pcapng ---- */

struct opt {
	uint16_t code, len;
	const uint8_t *val;
};

/* Next option from *p (n bytes left): 1 with *o, 0 at the end, -1 on overrun. */
static int opt_next(struct cap_reader *r, const uint8_t **p, size_t *n, struct opt *o)
{
	if (*n < 4)
		return 0;
	o->code = rd16(r, *p);
	o->len = rd16(r, *p + 2);
	if (o->code == OPT_END)
		return 0;
	if (o->len > *n - 4)
		return fail_at(r, "option %u of length %u runs past the block",
			    o->code, o->len);
	o->val = *p + 4;
	*n -= 4 + o->len;
	*p += 4 + o->len;
	if (*n >= pad4(o->len) - o->len) {	/* a missing last padding is tolerated */
		*n -= pad4(o->len) - o->len;
		*p += pad4(o->len) - o->len;
	}
	return 1;
}

static void set_tsresol(struct rd_iface *f, uint8_t res)
{
	unsigned e = res & 0x7f;

	f->pub.tsresol = res;
	f->mul = f->div = 1;
	f->shift = 0;
	if (res & 0x80) {
		f->shift = (uint8_t)e;
		f->mul = e ? 1 : 1000000000;	/* 2^-0: seconds */
		return;
	}
	if (e > 28) {
		f->mul = 0;	/* ticks below 1e-28 s: every timestamp rounds to 0 */
		return;
	}
	for (unsigned i = e; i < 9; i++)
		f->mul *= 10;
	for (unsigned i = 9; i < e; i++)
		f->div *= 10;
}

static uint64_t to_ns(const struct rd_iface *f, uint64_t ts)
{
	uint64_t ns;

	if (f->shift)
		ns = (uint64_t)(((unsigned __int128)ts * 1000000000u) >> f->shift);
	else if (f->div == 1)
		ns = ts * f->mul;
	else
		ns = ts / f->div;
	return ns + f->offset_ns;
}

/* Name and description as meta.c's contract defines them (old files too). */
static void decode_idb(struct oc_iface *f)
{
	struct oc_idb_meta m;

	oc_idb_parse(f->name, f->descr, &m);
	f->point = m.point;
	f->mtu = m.mtu;
	snprintf(f->ifname, sizeof(f->ifname), "%s", m.ifname);
	snprintf(f->netns, sizeof(f->netns), "%s", m.netns);
}

static struct rd_iface *iface_at(const struct cap_reader *r, unsigned i)
{
	return &r->ifs[i / IF_CHUNK][i % IF_CHUNK];
}

static struct rd_iface *new_iface(struct cap_reader *r)
{
	struct rd_iface *f;

	if (r->nif >= MAX_IFACES) {
		fail_at(r, "more than %u interfaces", MAX_IFACES);
		return NULL;
	}
	if (!r->ifs[r->nif / IF_CHUNK] &&
	    !(r->ifs[r->nif / IF_CHUNK] = malloc(IF_CHUNK * sizeof(*f)))) {
		fail(r, "out of memory for interfaces");
		return NULL;
	}
	f = iface_at(r, r->nif);
	memset(f, 0, sizeof(*f));
	set_tsresol(f, 6);
	f->pub.point = OC_POINT_NONE;
	return f;
}

static int do_idb(struct cap_reader *r, const uint8_t *b, size_t n)
{
	struct rd_iface *f;
	struct opt o;
	int rc;

	if (n < 8)
		return fail_at(r, "short interface block");
	if (!(f = new_iface(r)))
		return -1;
	f->pub.linktype = rd16(r, b);
	f->pub.snaplen = rd32(r, b + 4);
	b += 8;
	n -= 8;
	while ((rc = opt_next(r, &b, &n, &o)) > 0) {
		if (o.code == IF_NAME)
			copy_str(f->pub.name, sizeof(f->pub.name), o.val, o.len);
		else if (o.code == IF_DESCRIPTION)
			copy_str(f->pub.descr, sizeof(f->pub.descr), o.val, o.len);
		else if (o.code == IF_TSRESOL && o.len >= 1)
			set_tsresol(f, o.val[0]);
		else if (o.code == IF_TSOFFSET && o.len >= 8)
			f->offset_ns = rd64(r, o.val) * 1000000000ull;
	}
	if (rc < 0)
		return -1;
	if (!f->pub.name[0])
		snprintf(f->pub.name, sizeof(f->pub.name), "if%u", r->nif);
	decode_idb(&f->pub);
	r->nif++;
	return 0;
}

/* The interface local id of this section refers to, or NULL (error set). */
static struct rd_iface *section_iface(struct cap_reader *r, uint32_t id)
{
	if (id >= r->nif - r->base) {
		fail_at(r, "block refers to undefined interface %u", id);
		return NULL;
	}
	return iface_at(r, r->base + id);
}

static int do_isb(struct cap_reader *r, const uint8_t *b, size_t n)
{
	struct rd_iface *f;
	struct opt o;
	int rc;

	if (n < 12)
		return fail_at(r, "short statistics block");
	if (!(f = section_iface(r, rd32(r, b))))
		return -1;
	b += 12;
	n -= 12;
	while ((rc = opt_next(r, &b, &n, &o)) > 0) {
		if (o.code == OPT_COMMENT)
			copy_str(f->pub.isb_comment, sizeof(f->pub.isb_comment), o.val, o.len);
		else if (o.code == ISB_IFRECV && o.len >= 8)
			f->pub.isb_recv = rd64(r, o.val);
		else if (o.code == ISB_IFDROP && o.len >= 8)
			f->pub.isb_drop = rd64(r, o.val);
	}
	f->pub.has_isb = 1;
	return rc;
}

/* The metadata of a packet: offcap 0.1.0's custom option when present, else
 * the comment (oc_meta_parse) with the direction from epb_flags and the
 * queue from epb_queue. */
struct epb_meta {
	struct oc_meta legacy, comment;
	int has_queue;
};

static void note_meta_option(struct cap_reader *r, const struct opt *o, struct epb_meta *em)
{
	if (o->code == OPT_COMMENT && !(em->comment.flags & OC_META_VALID))
		oc_meta_parse((const char *)o->val, o->len, &em->comment);
	else if ((o->code == OPT_CUSTOM_BIN || o->code == OPT_CUSTOM_BIN_NOCOPY) &&
		 o->len >= 4 && rd32(r, o->val) == OC_PEN_LEGACY)
		oc_meta_decode(o->val + 4, o->len - 4u, &em->legacy);
	else if (o->code == EPB_QUEUE && o->len >= 4)
		em->has_queue = 1;
}

static void set_meta(struct oc_packet *pkt, const struct epb_meta *em)
{
	if (em->legacy.flags & OC_META_VALID) {
		pkt->meta = em->legacy;
		return;
	}
	if (!(em->comment.flags & OC_META_VALID))
		return;
	pkt->meta = em->comment;
	if (pkt->epb_flags & (OC_EPB_DIR_IN | OC_EPB_DIR_OUT))
		pkt->meta.dir = (pkt->epb_flags & 3) == OC_EPB_DIR_IN ? OC_DIR_IN : OC_DIR_OUT;
	if (em->has_queue)
		pkt->meta.rx_queue = pkt->queue;
}

static int packet_opts(struct cap_reader *r, const uint8_t *b, size_t n, struct oc_packet *pkt)
{
	struct epb_meta em = { 0 };
	struct opt o;
	int rc;

	while ((rc = opt_next(r, &b, &n, &o)) > 0) {
		note_meta_option(r, &o, &em);
		if (o.code == OPT_COMMENT && !pkt->comment) {
			copy_str(r->comment, sizeof(r->comment), o.val, o.len);
			pkt->comment = r->comment;
		} else if (o.code == EPB_FLAGS && o.len >= 4) {
			pkt->epb_flags = rd32(r, o.val);
		} else if (o.code == EPB_DROPCOUNT && o.len >= 8) {
			pkt->dropcount = rd64(r, o.val);
		} else if (o.code == EPB_QUEUE && o.len >= 4) {
			pkt->queue = rd32(r, o.val);
		} else if (o.code == EPB_VERDICT && o.len == 9 && o.val[0] == EPB_VERDICT_XDP) {
			pkt->xdp_verdict = rd64(r, o.val + 1);
			pkt->has_xdp_verdict = 1;
		}
	}
	set_meta(pkt, &em);
	return rc < 0 ? -1 : 1;
}

/* Enhanced (type 6) and obsolete (type 2) Packet Blocks share the layout
 * after the interface id. */
static int do_epb(struct cap_reader *r, uint32_t type, const uint8_t *b, size_t n,
		  struct oc_packet *pkt)
{
	struct rd_iface *f;
	uint32_t id, caplen;

	if (n < 20)
		return fail_at(r, "short packet block");
	init_packet(pkt);
	id = type == BT_EPB ? rd32(r, b) : rd16(r, b);
	if (type == BT_PB)
		pkt->dropcount = rd16(r, b + 2);
	caplen = rd32(r, b + 12);
	if (caplen > n - 20)
		return fail_at(r, "captured length %u exceeds the block", caplen);
	if (!(f = section_iface(r, id)))
		return -1;
	pkt->if_id = r->base + id;
	pkt->ts_ns = to_ns(f, rd_ts(r, b + 4));
	pkt->caplen = caplen;
	pkt->len = rd32(r, b + 16);
	pkt->data = b + 20;
	return packet_opts(r, b + 20 + pad4(caplen), n - 20 - pad4(caplen), pkt);
}

static int do_spb(struct cap_reader *r, const uint8_t *b, size_t n, struct oc_packet *pkt)
{
	struct rd_iface *f;
	uint32_t len;

	if (n < 4)
		return fail_at(r, "short simple packet block");
	if (!(f = section_iface(r, 0)))
		return -1;
	init_packet(pkt);
	len = rd32(r, b);
	pkt->if_id = r->base;
	pkt->len = len;
	pkt->caplen = f->pub.snaplen && f->pub.snaplen < len ? f->pub.snaplen : len;
	pkt->data = b + 4;
	if (pkt->caplen > n - 4)
		return fail_at(r, "packet length %u exceeds the block", pkt->caplen);
	return 1;
}

static int do_shb(struct cap_reader *r, const uint8_t *b, size_t n)
{
	struct opt o;
	int rc;

	if (n < 16)
		return fail_at(r, "short section header");
	if (rd16(r, b + 4) != 1)
		return fail_at(r, "unsupported pcapng version %u.%u", rd16(r, b + 4),
			    rd16(r, b + 6));
	r->base = r->nif;
	free(r->shb_comment);
	r->shb_comment = NULL;
	b += 16;
	n -= 16;
	while ((rc = opt_next(r, &b, &n, &o)) > 0) {
		if (o.code == OPT_COMMENT && !r->shb_comment &&
		    !(r->shb_comment = strndup((const char *)o.val, o.len)))
			return fail(r, "out of memory");
	}
	return rc;
}

/* Reads one whole block into buf: 1 with its type and length, 0 at a clean
 * end of file, -1 on error. */
static int read_block(struct cap_reader *r, uint32_t *type, uint32_t *blen)
{
	unsigned hdr = 8;
	long k;

	r->blk = r->off;
	if ((k = fetch(r, 0, 8)) <= 0)
		return (int)k;
	if (k == 8 && (*type = rd32(r, r->cur)) == BT_SHB) {
		uint32_t magic;

		hdr = 12;
		if ((k = fetch(r, 8, 12)) < 0)
			return -1;
		if (k < 12)
			return fail_at(r, "file ends inside a block");
		memcpy(&magic, r->cur + 8, 4);
		if (magic != BYTE_ORDER_MAGIC && magic != __builtin_bswap32(BYTE_ORDER_MAGIC))
			return fail_at(r, "bad byte-order magic 0x%08x", magic);
		r->swap = magic != BYTE_ORDER_MAGIC;
	}
	if (k < hdr)
		return fail_at(r, "file ends inside a block");
	*blen = rd32(r, r->cur + 4);
	if (*blen < 12 + (hdr == 12 ? 16u : 0u) || *blen % 4 || *blen > MAX_BLOCK)
		return fail_at(r, "bad block length %u", *blen);
	if ((k = fetch(r, hdr, *blen)) < 0)
		return -1;
	if ((size_t)k < *blen)
		return fail_at(r, "file ends inside a block");
	if (rd32(r, r->cur + *blen - 4) != *blen)
		return fail_at(r, "block length %u does not match its trailer", *blen);
	r->off += *blen;
	return 1;
}

/* 1 when the block was a packet (in *pkt), 0 for other blocks, -1 on error. */
static int do_block(struct cap_reader *r, uint32_t type, uint32_t blen, struct oc_packet *pkt)
{
	const uint8_t *b = r->cur + 8;
	size_t n = blen - 12;

	switch (type) {
	case BT_SHB: return do_shb(r, b, n);
	case BT_IDB: return do_idb(r, b, n);
	case BT_ISB: return do_isb(r, b, n);
	case BT_EPB:
	case BT_PB: return do_epb(r, type, b, n, pkt);
	case BT_SPB: return do_spb(r, b, n, pkt);
	default: return 0;	/* NRB, DSB, custom and unknown blocks */
	}
}

int cap_next(struct cap_reader *r, struct oc_packet *pkt)
{
	uint32_t type, blen;
	int rc;

	if (!r || !pkt || r->failed)
		return -1;
	if (!r->pcapng)
		return pcap_next(r, pkt);
	do {
		if (r->held) {
			r->held = 0;
			type = r->held_type;
			blen = r->held_len;
		} else if ((rc = read_block(r, &type, &blen)) <= 0) {
			return rc;
		}
		rc = do_block(r, type, blen, pkt);
	} while (rc == 0);
	return rc;
}

/* Reads the interface blocks after the first SHB so that cap_niface() is
 * right straight after cap_open(); the first other block is held for
 * cap_next(), and so is any error. */
static void read_ifaces(struct cap_reader *r)
{
	while (read_block(r, &r->held_type, &r->held_len) > 0) {
		if (r->held_type != BT_IDB) {
			r->held = 1;
			return;
		}
		if (do_idb(r, r->cur + 8, r->held_len - 12) < 0)
			return;
	}
}

static int open_pcap(struct cap_reader *r, uint32_t magic)
{
	struct rd_iface *f;
	long k = fetch(r, 4, 24);

	if (k < 0)
		return -1;
	if (k < 24)
		return fail(r, "%s: file ends inside the pcap header", r->path);
	r->swap = magic != PCAP_MAGIC_US && magic != PCAP_MAGIC_NS;
	if (!(f = new_iface(r)))
		return -1;
	snprintf(f->pub.name, sizeof(f->pub.name), "pcap");
	decode_idb(&f->pub);
	f->pub.snaplen = rd32(r, r->cur + 16);
	f->pub.linktype = (uint16_t)rd32(r, r->cur + 20);	/* upper bits: FCS info */
	set_tsresol(f, rd32(r, r->cur) == PCAP_MAGIC_NS ? 9 : 6);
	r->nif = 1;
	r->off = 24;
	return 0;
}

static int open_format(struct cap_reader *r)
{
	uint32_t magic, type, blen;
	long k = fetch(r, 0, 4);

	if (k < 0)
		return -1;
	if (k < 4)
		return fail(r, "%s: %s", r->path, k ? "too short for a capture file" : "empty file");
	memcpy(&magic, r->cur, 4);
	r->pre = 4;	/* the magic stays in buf (a mapped file ignores pre) */
	if (magic == BT_SHB) {
		r->pcapng = 1;
		if (read_block(r, &type, &blen) <= 0 || do_shb(r, r->cur + 8, blen - 12) < 0)
			return -1;
		read_ifaces(r);
		return 0;
	}
	if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS ||
	    __builtin_bswap32(magic) == PCAP_MAGIC_US || __builtin_bswap32(magic) == PCAP_MAGIC_NS)
		return open_pcap(r, magic);
	return fail(r, "%s: not a pcap or pcapng file (starts with %02x %02x %02x %02x)", r->path,
		    r->cur[0], r->cur[1], r->cur[2], r->cur[3]);
}

/* A plain (not gzip) regular file is mapped; anything else (gzip, a pipe,
 * a device) goes through zlib. -1 with errno when the file cannot be opened. */
static int open_mapped(struct cap_reader *r)
{
	uint8_t magic[2];
	struct stat st;
	int fd = open(r->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 2 ||
	    pread(fd, magic, 2, 0) != 2 || (magic[0] == 0x1f && magic[1] == 0x8b)) {
		close(fd);
		return 0;
	}
	r->fd = fd;
	r->fsize = (uint64_t)st.st_size;
	return 0;
}

struct cap_reader *cap_open(const char *path, char *err, size_t errlen)
{
	struct cap_reader *r = calloc(1, sizeof(*r));
	int fd;

	if (r)
		r->fd = -1;

	if (!r || !path || !(r->path = strdup(path)) || !(r->buf = malloc(RBUF_SIZE))) {
		snprintf(err, errlen, "cannot open %s: %s", path ? path : "(null)",
			 path ? strerror(ENOMEM) : "no path");
		cap_close(r);
		return NULL;
	}
	r->cap = RBUF_SIZE;
	if (strcmp(path, "-") && open_mapped(r) < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		cap_close(r);
		return NULL;
	}
	if (r->fd >= 0) {
		/* mapped: no gzip stream */
	} else if (!strcmp(path, "-")) {
		/* gzclose closes the descriptor: keep stdin itself open. */
		fd = dup(0);
		r->gz = fd < 0 ? NULL : gzdopen(fd, "rb");
		if (!r->gz && fd >= 0)
			close(fd);
	} else {
		errno = 0;
		r->gz = gzopen(path, "rb");
	}
	if (r->fd < 0 && !r->gz) {
		snprintf(err, errlen, "cannot open %s: %s", path, errno ? strerror(errno) : "gzip setup failed");
		cap_close(r);
		return NULL;
	}
	if (r->gz)
		gzbuffer(r->gz, RBUF_SIZE);
	if (open_format(r) < 0) {
		snprintf(err, errlen, "%s", r->err);
		cap_close(r);
		return NULL;
	}
	return r;
}

unsigned cap_niface(const struct cap_reader *r)
{
	return r ? r->nif : 0;
}

const struct oc_iface *cap_iface(const struct cap_reader *r, uint32_t if_id)
{
	return r && if_id < r->nif ? &iface_at(r, if_id)->pub : NULL;
}

int cap_is_pcapng(const struct cap_reader *r)
{
	return r && r->pcapng;
}

const char *cap_shb_comment(const struct cap_reader *r)
{
	return r ? r->shb_comment : NULL;
}

const char *cap_error(const struct cap_reader *r)
{
	return r ? r->err : "no reader";
}

void cap_close(struct cap_reader *r)
{
	if (!r)
		return;
	if (r->gz)
		gzclose(r->gz);
	if (r->map)
		munmap(r->map, r->map_len);
	if (r->fd >= 0)
		close(r->fd);
	free(r->buf);
	for (unsigned i = 0; i < MAX_IFACES / IF_CHUNK; i++)
		free(r->ifs[i]);
	free(r->shb_comment);
	free(r->path);
	free(r);
}
