/* A packet and an interface as the pcap/pcapng reader and writer exchange them. */
#ifndef OFFCAP_PACKET_H
#define OFFCAP_PACKET_H

#include <stdint.h>
#include "meta.h"

#define OC_LINKTYPE_ETHERNET 1
#define OC_LINKTYPE_RAW 101
#define OC_LINKTYPE_LINUX_SLL 113
#define OC_LINKTYPE_LINUX_SLL2 276
#define OC_LINKTYPE_IPV4 228	/* raw IPv4 */
#define OC_LINKTYPE_IPV6 229	/* raw IPv6 */

/* A link type whose frames start at the IP header (raw IP, IPv4, IPv6). */
static inline int oc_linktype_is_raw_ip(uint16_t linktype)
{
	return linktype == OC_LINKTYPE_RAW || linktype == OC_LINKTYPE_IPV4 || linktype == OC_LINKTYPE_IPV6;
}

/* Interface Description Blocks a file may hold: the reader stops with an
 * error beyond this; stats, report and split keep one slot per interface up
 * to it (oc_iface_slots), never folding or dropping one silently. */
#define OC_MAX_IFACES 16384u

/* One Interface Description Block. For offcap's own files one IDB is one
 * (interface, hook point): name "veth0@tc-egress", "ns1/veth0@tc-egress"
 * when several namespaces were watched; the description follows the
 * contract in meta.h (oc_idb_descr / oc_idb_parse). */
struct oc_iface {
	char name[128];		/* if_name as written in the file */
	char descr[1024];	/* if_description */
	char ifname[64];	/* interface part of name ("veth0"), or name */
	char netns[64];		/* its network namespace, "" if unknown or offcap's own */
	uint16_t linktype;
	uint32_t snaplen;
	uint32_t mtu;		/* 0 if unknown */
	uint8_t point;		/* enum oc_point, OC_POINT_NONE for foreign files */
	uint8_t tsresol;	/* if_tsresol as in the file (9 = ns, 6 = us) */
	/* filled by the reader from Interface Statistics Blocks */
	uint64_t isb_recv, isb_drop;
	uint64_t isb_start_ns, isb_end_ns;	/* the capture's span, 0 when not said */
	char isb_comment[256];	/* its opt_comment: offcap's counters at end */
	int has_isb;
};

struct oc_packet {
	uint64_t ts_ns;		/* wall clock, ns since the epoch */
	uint32_t if_id;		/* IDB index in its section */
	uint32_t caplen;	/* bytes in data */
	uint32_t len;		/* original length on the interface */
	const uint8_t *data;
	uint32_t epb_flags;	/* 0 if absent */
	uint64_t dropcount;	/* epb_dropcount, 0 if absent */
	uint32_t queue;		/* epb_queue */
	uint64_t xdp_verdict;	/* epb_verdict of type eBPF XDP: an XDP_* action */
	int has_xdp_verdict;
	struct oc_meta meta;	/* meta.flags & OC_META_VALID when present */
	const char *comment;	/* first opt_comment or NULL; reader-owned */
	int comment_is_meta;	/* 1: the reader parsed it as offcap's metadata
				 * (0: not, or not known) */
	/* data stays where it is until the capture hands the ring space back
	 * (oc_capture_on_release), or the reader moves on (cap_on_release): a
	 * writer may refer to it instead of copying */
	int data_in_record;
};

/* epb_flags bits (pcapng draft) */
#define OC_EPB_DIR_IN		0x1
#define OC_EPB_DIR_OUT		0x2
#define OC_EPB_CSUM_NOT_READY	(1u << 9)
#define OC_EPB_CSUM_VALID	(1u << 10)
#define OC_EPB_TSO		(1u << 11)

#endif
