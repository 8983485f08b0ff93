/* offcap stats' counting: per interface block, what a capture file holds. */
#ifndef OFFCAP_CAPSTATS_H
#define OFFCAP_CAPSTATS_H

#include <stdint.h>
#include "packet.h"

struct oc_capstats_if {
	uint64_t packets, bytes, over_mtu, max_len, gso_segs, dropcount;
	uint64_t ring_full_cut;	/* packets the capture cut: its ring was nearly full */
};

struct oc_capstats {
	struct oc_capstats_if *ifs;	/* one per interface, up to OC_MAX_IFACES */
	uint32_t nslots;
};

/* Counts one packet of interface f (NULL: unknown).  "Over the MTU" is
 * oc_wire_over_mtu() against oc_wire_mtu(f, 0), as in report and split
 * (OC_DEFAULT_MTU where the file records none).  -1 when out of memory. */
int oc_capstats_packet(struct oc_capstats *s, const struct oc_iface *f, const struct oc_packet *p);
/* The counts of interface if_id (zeros when it had no packets). */
struct oc_capstats_if oc_capstats_get(const struct oc_capstats *s, uint32_t if_id);
void oc_capstats_free(struct oc_capstats *s);

#endif
