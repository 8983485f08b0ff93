/* What the wire carried: the real L4 checksum in place of an offload's placeholder. */
#ifndef OFFCAP_WIRE_H
#define OFFCAP_WIRE_H

#include <stdint.h>

/* Writes the full TCP/UDP checksum of the flow's layer into frame b.
 * Returns 1 if written, 0 if it cannot be (payload not fully captured, not
 * TCP/UDP, malformed). */
int oc_wire_fill_csum(uint8_t *b, uint32_t caplen, uint32_t len, uint16_t linktype);

#endif
