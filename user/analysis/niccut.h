/* The NIC's cut against Linux's: every super-frame handed whole to a device
 * (post-gso, gso_segs > 1) is cut as Linux GSO would (full checksums: what a
 * TSO NIC should send), its segments keyed as wire units (user/analysis/unit.c) and
 * kept for a while; a frame another interface of the same capture received
 * (xdp, pre-gro, or tc-ingress when not a GRO merge) with the same flow and
 * unit key is compared with its segment byte for byte, from the IP header on,
 * over the bytes both captured, and each difference named by field. */
#ifndef OFFCAP_NICCUT_H
#define OFFCAP_NICCUT_H

#include <stdint.h>
#include "findings.h"
#include "ifacts.h"
#include "packet.h"
#include "parse.h"

/* Where a NIC's segment differs from Linux's: one row each (findings.h), flag
 * unused; the id is the JSON key.  Adding one: a row here, and field_of(). */
#define OC_CUT_FIELD_TABLE(X) \
	X(OC_CUT_LINK, "link", "link layer (MAC, VLAN)", 0)	/* counted, no part of the cut */ \
	X(OC_CUT_IP_ID, "ip_id", "IP ID", 0) \
	X(OC_CUT_IP_LEN, "ip_len", "IP/UDP length", 0)	/* tot_len, payload_len, UDP length */ \
	X(OC_CUT_IP_CSUM, "ip_csum", "IP header checksum", 0) \
	X(OC_CUT_IP_OTHER, "ip_other", "IP header (other)", 0)	/* TOS, flags, TTL, addresses, outer */ \
	X(OC_CUT_TCP_SEQ, "tcp_seq", "TCP sequence", 0) \
	X(OC_CUT_TCP_FLAGS, "tcp_flags", "TCP flags (FIN/PSH/CWR)", 0)	/* their placement */ \
	X(OC_CUT_L4_CSUM, "l4_csum", "TCP/UDP checksum", 0) \
	X(OC_CUT_TCP_OPTIONS, "tcp_options", "TCP options", 0) \
	X(OC_CUT_L4_OTHER, "l4_other", "TCP/UDP header (other)", 0)	/* ports, ACK, window, ... */ \
	X(OC_CUT_PAYLOAD, "payload", "payload", 0) \
	/* a frame Linux does not send */ \
	X(OC_CUT_EXTRA, "extra_frame", "an extra frame (an empty TCP segment after the last)", 0) \
	/* received as something other than one TCP/UDP segment */ \
	X(OC_CUT_NOT_SEGMENT, "not_segment", "not a TCP/UDP segment", 0)

enum oc_cut_field { OC_CUT_FIELD_TABLE(OC_FINDING_ENUM) OC_CUT_FIELDS };

struct oc_cut_stats {
	uint64_t handed;	/* super-frames handed whole to a device (not a veth) */
	uint64_t segments;	/* the segments Linux cuts them into */
	uint64_t all_received;	/* super-frames every segment of which another interface received */
	uint64_t exact;		/* ... each byte for byte as Linux cuts it */
	uint64_t differ;	/* super-frames with a segment that differs */
	uint64_t fragmented;	/* super-frames received as IP fragments of the whole, not cut */
	uint64_t tx_virtio;	/* of the handed ones, to virtio-net: its host cuts them or not */
	uint64_t seg_received;	/* segments received as wire frames and compared */
	uint64_t seg_exact, seg_differ;
	uint64_t seg_merged;	/* received inside a merged or whole frame: not comparable */
	uint64_t seg_unseen;	/* never seen at another interface (within the window) */
	uint64_t seg_resent;	/* sent again before another interface saw it (a retransmission) */
	uint64_t seg_csum_unverified;	/* TCP/UDP checksum not compared: the super-frame past the snaplen */
	uint64_t field[OC_CUT_FIELDS];	/* segments differing in that field */
	uint64_t field_frame[OC_CUT_FIELDS];	/* the first received frame that did */
	uint64_t field_sf_frame[OC_CUT_FIELDS];	/* ... and its super-frame */
	char tx[136], rx[136];	/* the sending and the receiving device (the first of each) */
	uint32_t n_tx, n_rx;	/* 1, or 2: more than one device */
};

struct oc_niccut;

struct oc_niccut *oc_niccut_new(void);
void oc_niccut_free(struct oc_niccut *c);
/* An interface block of the capture, before its packets: one with gso_payload
 * (capture --payload-once) has tc-egress's super-frames kept for post-gso's. */
void oc_niccut_iface(struct oc_niccut *c, const struct oc_iface_facts *f);
/* Every packet of the capture in order; p is oc_parse() of it, frame its number. */
void oc_niccut_packet(struct oc_niccut *c, const struct oc_packet *pkt, const struct oc_parsed *p,
		      const struct oc_iface *iface, uint64_t frame);
/* The segments still waiting are never seen. */
void oc_niccut_finish(struct oc_niccut *c);
const struct oc_cut_stats *oc_niccut_stats(const struct oc_niccut *c);
const char *oc_cut_field_name(unsigned f);	/* "IP ID" */
const char *oc_cut_field_key(unsigned f);	/* "ip_id" (JSON) */

#endif
