/* What the wire carries, defined once and used by report, split and stats:
 * the length an MTU limits, the checksums a device fills in, the size a
 * super-frame is cut at, and the per-interface tables. */
#ifndef OFFCAP_WIRE_H
#define OFFCAP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "csum.h"
#include "flow.h"
#include "packet.h"
#include "parse.h"

/* The length an MTU limits: the outer IP packet's (IPv4 tot_len, IPv6
 * payload_len + 40; the frame's rest when the field is 0: BIG TCP, presumed
 * TSO, a jumbo option), else the frame less its link header and every VLAN
 * tag (QinQ too). "Over the MTU" means oc_wire_l3_len() > mtu, everywhere. */
uint32_t oc_wire_l3_len(const uint8_t *data, uint32_t caplen, uint32_t len, uint16_t linktype);

static inline bool oc_wire_over_mtu(uint32_t l3_len, uint32_t mtu)
{
	return mtu && l3_len > mtu;
}

/* The MTU of an interface whose file records none: report's and split's
 * --mtu default, stats' (which has no --mtu), and the Wireshark plugin's
 * offcap.default_mtu preference. */
#define OC_DEFAULT_MTU 1500

/* The MTU a frame of interface f is judged against: the interface block's,
 * else fallback (--mtu; 0: none given), else OC_DEFAULT_MTU.  Every reader
 * (report, split, stats, the wire units) asks this, never f->mtu itself. */
static inline uint32_t oc_wire_mtu(const struct oc_iface *f, uint32_t fallback)
{
	return f && f->mtu ? f->mtu : fallback ? fallback : OC_DEFAULT_MTU;
}

/* Fills in, in frame b (parsed as p), the TCP/UDP checksums the sender left
 * for the device -- the field holds the pseudo-header sum (CHECKSUM_PARTIAL)
 * -- the encapsulated packet's first, then a tunnel's outer UDP checksum.  A
 * checksum that is really wrong stays as it is.  Needs the whole packet
 * (caplen == len).  Returns how many checksums were filled. */
int oc_wire_fill_partial(uint8_t *b, uint32_t caplen, uint32_t len, const struct oc_parsed *p);

/* The same on a frame held in two pieces (csum.h): the fields are filled
 * in f->hdr, which holds the first oc_wire_csum_hdr_len() bytes or more;
 * len is the frame's original length. */
int oc_wire_fill_partial_frame(struct oc_csum_frame *f, uint32_t len, const struct oc_parsed *p);
/* Whether oc_wire_fill_partial() would fill anything (no payload read). */
bool oc_wire_needs_fill(uint32_t caplen, uint32_t len, const struct oc_parsed *p);
/* The leading bytes that hold every field oc_wire_fill_partial() fills. */
uint32_t oc_wire_csum_hdr_len(const struct oc_parsed *p, uint32_t caplen);

/* The same for an unparsed frame: parses it first.  Returns as above. */
int oc_wire_fill_csum(uint8_t *b, uint32_t caplen, uint32_t len, uint16_t linktype);

/* Where a frame is cut into wire segments. */
struct oc_wire_cut {
	uint16_t gso_size;	/* payload per segment; 0: the frame is not cut */
	uint32_t gso_type;	/* OC_GSO_* for oc_segment() */
	uint16_t gso_segs;	/* the kernel's count, 0 if not recorded */
	uint8_t why_not;	/* over the MTU but not cut: why (enum oc_seg_note, an uncut
				 * one: oc_seg_note_text/id); else OC_SEG_NOTE_NONE */
};

/* The one segment-size choice.  offcap's files: the kernel's gso_size for a
 * super-frame (gso_segs > 1), unless oc_seg_implausible() says otherwise.  Other files: a TCP frame over the MTU is cut at
 * the flow's segment payload (its peer's MSS, capped by the MTU less any
 * tunnel headers, less the options in use); a UDP datagram over the MTU is
 * not cut: nothing in the file says where its sender's UDP GSO cut it.
 * f/side: the frame's flow (may be NULL), l3_len: oc_wire_l3_len(). */
void oc_wire_cut_at(const struct oc_packet *pkt, const struct oc_parsed *p, const struct oc_flow *f,
		    int side, uint32_t mtu, uint32_t l3_len, struct oc_wire_cut *cut);

/* Interface tables: one slot per interface block of the file, grown on
 * demand up to OC_MAX_IFACES (the reader's limit, packet.h).  *arr holds *n
 * slots of elem bytes; afterwards at least if_id + 1, new ones zeroed.
 * -1 (nothing changed) when if_id is beyond the limit or memory runs out. */
int oc_iface_slots(void **arr, uint32_t *n, uint32_t if_id, size_t elem);

#endif
