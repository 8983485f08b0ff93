/* offcap view's model: the frames of a flow drawn one by one, the length
 * bins of the overview, and which wire frames each super-frame or merge
 * became or was built from (pure, unit-tested). */
#ifndef OFFCAP_VIEW_H
#define OFFCAP_VIEW_H

#include <stddef.h>
#include <stdint.h>

#define OC_VIEW_LEN_BINS 320	/* 64-byte bins to 4 KiB, then 1 KiB bins; the last is open */

struct oc_view_frame {
	uint64_t frame;		/* 1-based in the file */
	uint64_t ts_ns;
	uint32_t if_id, len;
	uint32_t seq, ack, plen;	/* TCP sequence, ack, payload length */
	uint32_t segments;	/* wire frames a big frame stands for (oc_frame_verdict) */
	uint32_t sack[4][2];
	uint16_t flags;		/* OC_TH_* */
	uint8_t side, role, over_mtu, cause, tcp, nsack, resent;
	uint8_t point;		/* enum oc_point of its interface block */
	uint32_t dev;		/* its device: interface blocks of one device share it */
	uint32_t link_off, nlinks;	/* into the links array: frame indexes */
};

/* Bin of a frame length, and the lengths a bin holds ([lo, hi); hi 0: open). */
unsigned oc_view_len_bin(uint32_t len);
void oc_view_bin_edges(unsigned bin, uint32_t *lo, uint32_t *hi);

/* Fills fr[i].link_off/nlinks for every super-frame, merge or super-frame
 * received whole among n frames of one flow in file order: the wire frames
 * of the same side whose payload lies in its sequence range, from the one
 * interface block that covers most of that range (the same device first:
 * post-gso after a send, xdp/pre-gro before a reception), each sequence
 * once, nearest in time; for UDP, which has no sequence, the nearest
 * `segments` datagrams of that block. links gets room for *nlinks entries (grown).
 * -1 when out of memory. */
int oc_view_link(struct oc_view_frame *fr, size_t n, uint32_t **links, size_t *nlinks);

#endif
