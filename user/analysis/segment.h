/* Re-segmentation of GSO/TSO super-frames (and GRO-merged frames) into the
 * frames the wire carried, byte for byte as Linux software GSO builds them
 * (tcp_gso_segment, __udp_gso_segment, inet_gso_segment, ipv6_gso_segment,
 * skb_udp_tunnel_segment, gre_gso_segment), which is also what a TSO/USO
 * NIC emits.
 *
 * Per segment i of n (payload pieces of gso_size, the last the remainder):
 *   - every header byte copied from the super-frame (VLAN tags, IP options,
 *     IPv6 extension headers, TCP options with the same timestamps), except:
 *   - IPv4: tot_len for the segment; id = id0 + i unless fixed (see below);
 *     header checksum recomputed.  IPv6: payload_len for the segment; a BIG
 *     TCP hop-by-hop jumbo header is removed first (ipv6_hopopt_jumbo_remove)
 *   - TCP: seq = seq0 + i * gso_size; FIN and PSH on the last segment only;
 *     CWR on the first only (all of them with OC_GSO_TCP_ACCECN)
 *   - UDP (OC_GSO_UDP_L4): length 8 + piece
 *   - tunnels: outer IPv4 tot_len/id/checksum and IPv6 payload_len, outer UDP
 *     length; outer UDP checksum stays 0 when it was not requested, else is
 *     computed (0 sent as 0xffff); GRE checksum computed when present
 *   - fixed IPv4 ids: OC_GSO_TCP_FIXEDID keeps id0 on the outer (or only)
 *     header, OC_GSO_TCP_FIXEDID_INNER on a tunnel's inner header (Linux
 *     6.18 semantics, net/ipv4/af_inet.c inet_gso_segment)
 *   - the flow's L4 checksum as chosen by the mode below.
 *
 * A recorded gso_segs must equal the segments the payload makes, and the
 * bounds below must hold, else the frame is passed through with a note.
 *
 * When the payload was not fully captured (caplen < len) every segment still
 * has exact headers and lengths, its bytes stop where the captured payload
 * stops, payload_truncated is set and csum_known is false: the L4 field
 * holds the PARTIAL form, a requested tunnel UDP checksum the pseudo-header
 * sum for the segment (__skb_udp_tunnel_segment's value before it sums the
 * packet) and a GRE checksum 0. */
#ifndef OFFCAP_SEGMENT_H
#define OFFCAP_SEGMENT_H

#include <stdbool.h>
#include <stdint.h>
#include "findings.h"
#include "meta.h"
#include "parse.h"

enum oc_seg_csum {
	/* The real checksum: what a TSO NIC or a device without checksum
	 * offload sends.  Use it for "what the wire carried" and to undo GRO. */
	OC_SEG_CSUM_FULL = 0,
	/* What GSO leaves for a device that will checksum (CHECKSUM_PARTIAL):
	 * the pseudo-header sum for the segment's length, derived from the
	 * super-frame's field exactly as the kernel does -- what a capture after
	 * GSO on a veth shows.  Tunnel outer checksums are still computed (the
	 * kernel does that in software, local checksum offload). */
	OC_SEG_CSUM_PARTIAL,
};

struct oc_seg_req {
	const uint8_t *data;		/* the super-frame */
	uint32_t caplen, len;
	const struct oc_parsed *parsed;	/* oc_parse() of data */
	uint16_t gso_size;
	uint32_t gso_type;		/* OC_GSO_* bits; 0 if unknown */
	enum oc_seg_csum csum;
	uint16_t gso_segs;		/* the kernel's count; 0 if not recorded */
	bool in_place;			/* payload not copied: see oc_seg_cb */
};

/* Sanity bounds: a super-frame outside them is not cut (passthrough, with
 * the reason in the note), so a damaged or hostile file cannot make a
 * 1-byte gso_size explode into thousands of segments per frame. */
#define OC_SEG_MIN_TCP 8u	/* tcp_min_snd_mss (48) less 40 bytes of options */
#define OC_SEG_MAX_UDP 128u	/* UDP_MAX_SEGMENTS: udp_send_skb refuses more */
#define OC_SEG_MAX_SEGS 65535u	/* gso_segs is 16 bits */

/* Why a frame is not cut: one row each (findings.h); the flag: the frame is
 * "over the MTU, not cut", what split and report count and name (the others
 * have nothing to cut).  Adding a reason: a row here, its passthrough(). */
#define OC_SEG_NOTES(X) \
	X(OC_SEG_NOTE_NOT_PARSED, "not_parsed", "not parsed", 0) \
	X(OC_SEG_NOTE_MALFORMED, "malformed", "headers truncated or malformed", 0) \
	X(OC_SEG_NOTE_GSO_TYPE, "gso_type_mismatch", \
	  "gso_type does not match the packet (tunnel on another port?)", 0) \
	X(OC_SEG_NOTE_UFO, "ufo", "UFO (IP fragmentation) is not re-segmented", 0) \
	X(OC_SEG_NOTE_NOT_TCP_UDP, "not_tcp_udp", "not TCP or UDP", 0) \
	X(OC_SEG_NOTE_FRAGMENT, "ip_fragment", "IP fragment", 0) \
	X(OC_SEG_NOTE_NO_GSO_SIZE, "no_gso_size", "no gso_size", 0) \
	X(OC_SEG_NOTE_NOT_SUPERFRAME, "not_superframe", "not a super-frame", 0) \
	X(OC_SEG_NOTE_NO_HEADERS, "headers_not_captured", "headers not captured", 0) \
	X(OC_SEG_NOTE_TOO_LONG, "lengths_overflow", "segments would not fit 16-bit lengths", 0) \
	X(OC_SEG_NOTE_GSO_SEGS, "implausible_gso_segs", \
	  "implausible metadata: gso_segs disagrees with the payload and gso_size", 1) \
	X(OC_SEG_NOTE_TCP_MIN, "implausible_tcp_gso_size", \
	  "implausible gso_size: below any TCP segment Linux sends (8 bytes)", 1) \
	X(OC_SEG_NOTE_UDP_MAX, "implausible_udp_segments", \
	  "implausible gso_size: more than 128 UDP GSO segments (UDP_MAX_SEGMENTS)", 1) \
	X(OC_SEG_NOTE_SEGS_MAX, "implausible_segments", "implausible gso_size: more than 65535 segments", 1) \
	X(OC_SEG_NOTE_UDP_UNKNOWN, "udp_segment_size_unknown", \
	  "a UDP datagram over the MTU, and the file does not record the segment size its " \
	  "sender's UDP GSO uses: left whole", 1)

enum oc_seg_note {
	OC_SEG_NOTE_NONE,	/* cut, or not asked: no row */
	OC_SEG_NOTES(OC_FINDING_ENUM)
	OC_SEG_NOTE_MAX,
};

/* A note's machine id and text (NULL for OC_SEG_NOTE_NONE), and whether it
 * counts as "over the MTU, not cut". */
const char *oc_seg_note_id(unsigned note);
const char *oc_seg_note_text(unsigned note);
bool oc_seg_note_uncut(unsigned note);

/* Why cutting payload bytes at gso_size into count segments (gso_segs: the
 * kernel's count, 0 if not recorded) is implausible (an uncut note), or
 * OC_SEG_NOTE_NONE if it is not. */
unsigned oc_seg_implausible(uint32_t gso_size, uint32_t count, uint16_t gso_segs, bool udp);

struct oc_seg_info {
	uint32_t index, count;
	uint32_t seq;			/* TCP sequence number */
	uint16_t ip_id;			/* the flow's IPv4 id (inner when tunnelled) */
	uint16_t outer_ip_id;		/* a tunnel's outer IPv4 id */
	uint32_t payload_off;		/* L4 payload offset in the segment */
	uint32_t payload_len;		/* L4 payload bytes on the wire */
	uint32_t payload_start;		/* where the piece starts in the super-frame payload */
	const uint8_t *payload;		/* its captured bytes (caplen - payload_off) */
	bool payload_truncated;		/* caplen < len for this segment */
	bool csum_known;		/* checksum fields are what the mode asks for */
	bool passthrough;		/* not segmented: the input as it is */
	uint8_t why;			/* why passthrough: enum oc_seg_note */
	const char *note;		/* its text (oc_seg_note_text), or NULL */
};

/* seg is the segmenter's buffer, valid during the call.  With req->in_place
 * a segment's buffer holds its payload_off header bytes only, and the rest
 * is info->payload, in req->data (a passthrough's seg is req->data, whole).
 * Return non-zero to stop. */
typedef int (*oc_seg_cb)(const uint8_t *seg, uint32_t caplen, uint32_t len,
			 const struct oc_seg_info *info, void *arg);

/* How a super-frame splits, without building anything. */
struct oc_seg_plan {
	uint32_t count;			/* segments (1 for passthrough) */
	uint32_t hdr_len;		/* header bytes of each segment */
	uint32_t mss;			/* payload bytes of every segment but the last */
	uint32_t payload_len;		/* the super-frame's payload */
	uint32_t seg_len;		/* frame length of every segment but the last */
	uint32_t last_len;		/* frame length of the last segment */
	bool passthrough;
	uint8_t why;			/* why passthrough: enum oc_seg_note */
	const char *note;		/* its text (oc_seg_note_text), or NULL */
};

/* Fills plan; returns plan->count. */
int oc_seg_plan(const struct oc_seg_req *req, struct oc_seg_plan *plan);

struct oc_segmenter {
	uint8_t *buf;			/* reused for every segment */
	uint32_t cap;
};

void oc_segmenter_init(struct oc_segmenter *s);
void oc_segmenter_free(struct oc_segmenter *s);

/* Deliver the segments of req->data one by one.  Not a super-frame (no
 * gso_size, payload <= gso_size, not TCP/UDP, headers missing or malformed):
 * one callback with the input itself and info.passthrough set.  Returns the
 * number of callbacks made, or -1 if the buffer could not be allocated. */
int oc_segment(struct oc_segmenter *s, const struct oc_seg_req *req, oc_seg_cb cb, void *arg);

#endif
