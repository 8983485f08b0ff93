/* The binary custom option offcap 0.1.0 wrote (code 2989, after the PEN,
 * little endian): offcap only decodes it now (oc_meta_decode); the tests
 * write it to prove that. */
#ifndef OFFCAP_TEST_LEGACY_META_H
#define OFFCAP_TEST_LEGACY_META_H

#include <stdint.h>
#include <string.h>
#include "meta.h"

static inline void legacy_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void legacy_put32(uint8_t *p, uint32_t v) { legacy_put16(p, (uint16_t)v); legacy_put16(p + 2, (uint16_t)(v >> 16)); }

static inline void oc_meta_encode(const struct oc_meta *m, uint8_t out[OC_META_WIRE_LEN])
{
	memset(out, 0, OC_META_WIRE_LEN);
	out[0] = OC_META_WIRE_VERSION;
	out[1] = m->point;
	out[2] = m->dir;
	out[3] = m->csum;
	out[4] = m->flags;
	legacy_put16(out + 6, m->gso_size);
	legacy_put16(out + 8, m->gso_segs);
	legacy_put16(out + 10, m->vlan_tci);
	legacy_put32(out + 12, m->gso_type);
	legacy_put16(out + 16, m->vlan_proto);
	legacy_put32(out + 20, m->rx_queue);
	legacy_put32(out + 24, m->ifindex);
	legacy_put32(out + 28, m->netns);
	legacy_put32(out + 32, m->len);
}

#endif
