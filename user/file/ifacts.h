/* What offcap's file says about an interface, read back: the interface
 * block's description (the contract in meta.h, or offcap 0.1.0's text) and
 * its statistics block's comment. Nothing here touches a live device
 * (user/kernel/netdev.c probes those). */
#ifndef OFFCAP_IFACTS_H
#define OFFCAP_IFACTS_H

#include <stddef.h>
#include <stdint.h>

/* The kernel's drop and error counters of an interface (/proc/net/dev). */
struct oc_counters {
	uint64_t rx_dropped, rx_errors, tx_dropped, tx_errors;
};

/* What offcap records about an interface in the file, read back from an IDB's
 * description (the contract in meta.h: driver, ifindex, peer, features,
 * counters at start) and the opt_comment of its Interface Statistics Block:
 *   "counters at end: rx_dropped=N rx_errors=N tx_dropped=N tx_errors=N"
 * Unknown fields are -1 / 0 (has_*). */
struct oc_iface_facts {
	int ifindex, peer_ifindex;	/* 0 unknown; peer_ifindex: veth peer */
	uint32_t peer_mtu;	/* the veth peer's MTU, 0 unknown */
	char peer_name[64];
	char netns[64];
	char driver[32];
	int gro, lro, gro_hw;	/* 1 on, 0 off, -1 unknown */
	int tso, tso6, uso;	/* transmit segmentation offloads: the same */
	char xdp_mode[16];	/* "native", "generic", "" */
	char observer_effect[160];	/* codes, user/file/meta.h */
	char gso_payload[16];	/* capture --payload-once: where this block's super-frames' payload is */
	struct oc_counters start, end;
	int has_start, has_end;
};

#define OC_COUNTERS_END "counters at end: "

/* "rx_dropped=N rx_errors=N tx_dropped=N tx_errors=N" */
size_t oc_counters_format(const struct oc_counters *c, char *buf, size_t len);
/* Parses an IDB description and an ISB comment (either may be NULL). */
void oc_iface_facts_parse(const char *descr, const char *isb_comment, struct oc_iface_facts *f);

#endif
