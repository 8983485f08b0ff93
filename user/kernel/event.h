/* A ring-buffer event (struct oc_event) turned into a packet: no kernel
 * needed, unit-tested. Two pieces of state: the kernel's GSO bits, learned
 * once from its BTF (oc_gso_learn), and the monotonic-to-wall offset, fixed
 * at the first conversion (oc_mono_to_wall). */
#ifndef OFFCAP_EVENT_H
#define OFFCAP_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "capture.h"
#include "packet.h"

/* Kernel SKB_GSO_* bits to offcap's stable OC_GSO_* bits. The kernel moved
 * FIXEDID in 6.18, so the bits are learned by enumerator name from the
 * running kernel's BTF (btf: a struct btf *; NULL keeps the defaults). */
void oc_gso_learn(const void *btf);
uint32_t oc_gso_from_kernel(uint32_t kernel_bits);
uint32_t oc_gso_to_kernel(uint32_t oc_bits);

/* CLOCK_MONOTONIC ns (the BPF clock) to wall-clock ns. */
uint64_t oc_mono_to_wall(uint64_t mono_ns);

/* Room for a decoded packet: an offloaded VLAN tag is re-inserted into the
 * bytes, as libpcap does. */
struct oc_event_buf {
	uint8_t data[OC_MAX_CAPLEN + 4];
};

/* Fills p from the record of `size` bytes; p->data points into rec or buf.
 * Returns -1 for a record that is not a whole, valid event. */
int oc_event_decode(const void *rec, size_t size, struct oc_packet *p, struct oc_event_buf *buf);

#endif
