/* A streaming reader for pcapng and classic pcap: plain files mapped in a
 * sliding window, gzip files and pipes through zlib. */
#include "pcapng.h"
#include "pcapng_fmt.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

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
	void (*on_release)(void *ctx);	/* before the window moves (cap_on_release) */
	void *release_ctx;
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
	if (r->map && r->on_release)
		r->on_release(r->release_ctx);
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
		else if (o.code == ISB_STARTTIME && o.len >= 8)
			f->pub.isb_start_ns = to_ns(f, rd_ts(r, o.val));
		else if (o.code == ISB_ENDTIME && o.len >= 8)
			f->pub.isb_end_ns = to_ns(f, rd_ts(r, o.val));
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
			pkt->comment_is_meta = (em.comment.flags & OC_META_VALID) && !memchr(o.val, 0, o.len);
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

/* A packet in the mapped window stays there until on_release is called. */
static int in_window(const struct cap_reader *r, struct oc_packet *pkt, int rc)
{
	if (rc == 1 && r->fd >= 0 && r->on_release)
		pkt->data_in_record = 1;
	return rc;
}

int cap_next(struct cap_reader *r, struct oc_packet *pkt)
{
	uint32_t type, blen;
	int rc;

	if (!r || !pkt || r->failed)
		return -1;
	if (!r->pcapng)
		return in_window(r, pkt, pcap_next(r, pkt));
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
	return in_window(r, pkt, rc);
}

void cap_on_release(struct cap_reader *r, void (*fn)(void *ctx), void *ctx)
{
	r->on_release = fn;
	r->release_ctx = ctx;
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

struct cap_reader *cap_open(const char *path)
{
	struct cap_reader *r = calloc(1, sizeof(*r));
	int fd;

	if (r)
		r->fd = -1;

	if (!r || !path || !(r->path = strdup(path)) || !(r->buf = malloc(RBUF_SIZE))) {
		oc_err("cannot open %s: %s", path ? path : "(null)", path ? strerror(ENOMEM) : "no path");
		cap_close(r);
		return NULL;
	}
	r->cap = RBUF_SIZE;
	if (strcmp(path, "-") && open_mapped(r) < 0) {
		oc_err("cannot open %s: %s", path, strerror(errno));
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
		oc_err("cannot open %s: %s", path, errno ? strerror(errno) : "gzip setup failed");
		cap_close(r);
		return NULL;
	}
	if (r->gz)
		gzbuffer(r->gz, RBUF_SIZE);
	if (open_format(r) < 0) {
		oc_err("%s", r->err);
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
