/* Synthesized segments against the ones the kernel produced: every super-frame
 * seen before GSO is cut as Linux would and compared byte for byte with the
 * segments seen after GSO on the same device; GRO-merged frames are matched
 * with the frames seen at XDP. */
#ifndef OFFCAP_VERIFY_H
#define OFFCAP_VERIFY_H

#include <stdint.h>
#include "analysis.h"
#include "packet.h"
#include "parse.h"

struct oc_verify;

struct oc_verify *oc_verify_new(void (*side_by_side)(void *ctx, const char *text), void *ctx,
				uint64_t side_by_side_max);
void oc_verify_free(struct oc_verify *v);
void oc_verify_packet(struct oc_verify *v, const struct oc_packet *pkt, const struct oc_parsed *p,
		      const struct oc_iface *iface, uint64_t frame);
void oc_verify_finish(struct oc_verify *v);
const struct oc_match_stats *oc_verify_stats(const struct oc_verify *v);

#endif
