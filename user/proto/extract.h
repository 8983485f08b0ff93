/* Bounds-checked access to packet bytes, in the spirit of tcpdump's GET_*
 * macros.  Every read of captured data goes through a cursor: a pointer and
 * the number of bytes behind it.  A read that does not fit returns false and
 * leaves *out untouched; nothing here ever reads past p + len.
 *
 * Offsets are uint32_t and checked as "off <= len && n <= len - off", which
 * cannot overflow.  Multi-byte values are big endian (network order). */
#ifndef OFFCAP_EXTRACT_H
#define OFFCAP_EXTRACT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct oc_cur {
	const uint8_t *p;
	uint32_t len;
};

/* A writable buffer with the same discipline (used by the segmenter). */
struct oc_wcur {
	uint8_t *p;
	uint32_t len;
};

static inline struct oc_cur oc_cur_make(const uint8_t *p, uint32_t len)
{
	struct oc_cur c = { p, p ? len : 0 };
	return c;
}

static inline bool oc_has(const struct oc_cur *c, uint32_t off, uint32_t n)
{
	return off <= c->len && n <= c->len - off;
}

/* Bytes available from off (0 when off is past the end). */
static inline uint32_t oc_avail(const struct oc_cur *c, uint32_t off)
{
	return off < c->len ? c->len - off : 0;
}

/* A pointer to n bytes at off, or NULL when they are not all there.  The
 * only way to get a raw pointer into packet data (for memcpy and checksums). */
static inline const uint8_t *oc_span(const struct oc_cur *c, uint32_t off, uint32_t n)
{
	return oc_has(c, off, n) ? c->p + off : NULL;
}

/* Sub-cursor of n bytes at off; false if they are not all there. */
static inline bool oc_sub(const struct oc_cur *c, uint32_t off, uint32_t n, struct oc_cur *out)
{
	if (!oc_has(c, off, n))
		return false;
	out->p = c->p + off;
	out->len = n;
	return true;
}

static inline bool oc_get_u8(const struct oc_cur *c, uint32_t off, uint8_t *out)
{
	if (!oc_has(c, off, 1))
		return false;
	*out = c->p[off];
	return true;
}

static inline bool oc_get_u16(const struct oc_cur *c, uint32_t off, uint16_t *out)
{
	if (!oc_has(c, off, 2))
		return false;
	*out = (uint16_t)(c->p[off] << 8 | c->p[off + 1]);
	return true;
}

static inline bool oc_get_u24(const struct oc_cur *c, uint32_t off, uint32_t *out)
{
	if (!oc_has(c, off, 3))
		return false;
	*out = (uint32_t)c->p[off] << 16 | (uint32_t)c->p[off + 1] << 8 | c->p[off + 2];
	return true;
}

static inline bool oc_get_u32(const struct oc_cur *c, uint32_t off, uint32_t *out)
{
	if (!oc_has(c, off, 4))
		return false;
	*out = (uint32_t)c->p[off] << 24 | (uint32_t)c->p[off + 1] << 16 |
	       (uint32_t)c->p[off + 2] << 8 | c->p[off + 3];
	return true;
}

static inline bool oc_get_bytes(const struct oc_cur *c, uint32_t off, uint32_t n, void *out)
{
	if (!oc_has(c, off, n))
		return false;
	memcpy(out, c->p + off, n);
	return true;
}

/* Writes, for buffers we build ourselves. */
static inline bool oc_wcur_has(const struct oc_wcur *w, uint32_t off, uint32_t n)
{
	return off <= w->len && n <= w->len - off;
}

static inline bool oc_put_u8(struct oc_wcur *w, uint32_t off, uint8_t v)
{
	if (!oc_wcur_has(w, off, 1))
		return false;
	w->p[off] = v;
	return true;
}

static inline bool oc_put_u16(struct oc_wcur *w, uint32_t off, uint16_t v)
{
	if (!oc_wcur_has(w, off, 2))
		return false;
	w->p[off] = (uint8_t)(v >> 8);
	w->p[off + 1] = (uint8_t)v;
	return true;
}

static inline bool oc_put_u32(struct oc_wcur *w, uint32_t off, uint32_t v)
{
	if (!oc_wcur_has(w, off, 4))
		return false;
	w->p[off] = (uint8_t)(v >> 24);
	w->p[off + 1] = (uint8_t)(v >> 16);
	w->p[off + 2] = (uint8_t)(v >> 8);
	w->p[off + 3] = (uint8_t)v;
	return true;
}

/* Copy n bytes from a read cursor at roff to the buffer at woff. */
static inline bool oc_copy(struct oc_wcur *w, uint32_t woff, const struct oc_cur *c,
			   uint32_t roff, uint32_t n)
{
	const uint8_t *src = oc_span(c, roff, n);

	if (!src || !oc_wcur_has(w, woff, n))
		return false;
	memmove(w->p + woff, src, n);
	return true;
}

/* Read view of a writable buffer. */
static inline struct oc_cur oc_wcur_view(const struct oc_wcur *w)
{
	return oc_cur_make(w->p, w->len);
}

#endif
