/* offcap view's model: length bins, and which wire frames a super-frame or
 * merge is linked to (same side, inside its range, one block, each sequence once). */
#include <stdlib.h>

#include "analysis.h"
#include "check.h"
#include "meta.h"
#include "view.h"

static struct oc_view_frame fr(uint64_t n, uint64_t ts, uint32_t if_id, uint8_t dev, uint32_t seq, uint32_t plen,
			       uint8_t role)
{
	return (struct oc_view_frame){ .frame = n, .ts_ns = ts, .if_id = if_id, .dev = dev, .seq = seq,
		.plen = plen, .role = role, .tcp = 1, .segments = role ? plen / 1000 : 0 };
}

static void bins(void)
{
	uint32_t lo, hi;

	CHECK_EQ(oc_view_len_bin(0), 0, "length 0 in bin 0");
	CHECK_EQ(oc_view_len_bin(1514), 23, "1514 in the 64-byte bin 23");
	CHECK_EQ(oc_view_len_bin(4096), 64, "4096 starts the 1 KiB bins");
	CHECK_EQ(oc_view_len_bin(65226), 64 + (65226 - 4096) / 1024, "a 64 KB super-frame in its 1 KiB bin");
	CHECK_EQ(oc_view_len_bin(~0u), OC_VIEW_LEN_BINS - 1, "anything larger in the last, open bin");
	oc_view_bin_edges(23, &lo, &hi);
	CHECK(lo <= 1514 && 1514 < hi, "bin 23 holds 1514 (%u-%u)", lo, hi);
	oc_view_bin_edges(OC_VIEW_LEN_BINS - 1, &lo, &hi);
	CHECK_EQ(hi, 0, "the last bin is open");
	for (uint32_t len = 0; len < 300000; len += 97) {
		oc_view_bin_edges(oc_view_len_bin(len), &lo, &hi);
		if (len < lo || (hi && len >= hi)) {
			CHECK(0, "length %u outside its bin %u-%u", len, lo, hi);
			return;
		}
	}
	CHECK(1, "every length lies inside its bin's edges");
}

/* A super-frame of 3000 bytes at tc-egress (if 0, dev 0), its 3 segments at
 * post-gso (if 1, dev 0), at the peer's xdp (if 2, dev 1) with a duplicate,
 * a retransmission outside the window, and the other side's ACK. */
static void link_superframe(void)
{
	struct oc_view_frame f[] = {
		fr(1, 100, 0, 0, 1000, 3000, OC_ROLE_SUPERFRAME),
		fr(2, 110, 1, 0, 1000, 1000, OC_ROLE_FRAME),
		fr(3, 111, 1, 0, 2000, 1000, OC_ROLE_FRAME),
		fr(4, 112, 2, 1, 1000, 1000, OC_ROLE_FRAME),
		fr(5, 113, 1, 0, 3000, 1000, OC_ROLE_FRAME),
		fr(6, 114, 2, 1, 2000, 1000, OC_ROLE_FRAME),
		fr(7, 115, 1, 0, 3000, 1000, OC_ROLE_FRAME),	/* the same sequence again */
		fr(8, 116, 1, 0, 4000, 1000, OC_ROLE_FRAME),	/* beyond the range */
		fr(9, 117, 0, 0, 0, 0, OC_ROLE_FRAME),
		fr(10, 2000000000ull, 1, 0, 1000, 1000, OC_ROLE_FRAME),	/* 2 s later */
	};
	uint32_t *links = NULL;
	size_t n = 0;

	f[8].side = 1;
	CHECK_EQ(oc_view_link(f, 10, &links, &n), 0, "linking succeeds");
	CHECK_EQ(f[0].nlinks, 3, "the super-frame links its 3 post-gso segments (same device, full range)");
	CHECK(f[0].nlinks == 3 && links[f[0].link_off] == 1 && links[f[0].link_off + 1] == 2 &&
	      links[f[0].link_off + 2] == 4, "frames 2, 3 and 5 in file order, the repeat (7) not");
	for (unsigned i = 1; i < 10; i++)
		if (f[i].nlinks) {
			CHECK(0, "frame %u is no super-frame but has links", i + 1);
			break;
		}
	free(links);
}

/* A GRO merge at tc-ingress built from frames before it at xdp; a partial
 * block elsewhere covers less and loses. */
static void link_merge(void)
{
	struct oc_view_frame f[] = {
		fr(1, 100, 3, 1, 0, 1000, OC_ROLE_FRAME),	/* pre-gro, first half only */
		fr(2, 101, 2, 1, 0, 1000, OC_ROLE_FRAME),	/* xdp */
		fr(3, 102, 2, 1, 1000, 1000, OC_ROLE_FRAME),
		fr(4, 103, 4, 1, 0, 2000, OC_ROLE_MERGED),
		fr(5, 104, 2, 1, 2000, 1000, OC_ROLE_FRAME),	/* after the merge */
	};
	uint32_t *links = NULL;
	size_t n = 0;

	CHECK_EQ(oc_view_link(f, 5, &links, &n), 0, "linking succeeds");
	CHECK_EQ(f[3].nlinks, 2, "the merge links the 2 xdp frames it covers, not the 1 pre-gro frame");
	CHECK(f[3].nlinks == 2 && links[f[3].link_off] == 1 && links[f[3].link_off + 1] == 2,
	      "frames 2 and 3, not the later frame 5");
	free(links);
}

/* UDP GSO: no sequence numbers; the nearest `segments` datagrams of the
 * block after the super-frame, not the next super-frame's. */
static void link_udp(void)
{
	struct oc_view_frame f[] = {
		fr(1, 100, 0, 0, 0, 3000, OC_ROLE_SUPERFRAME),
		fr(2, 101, 1, 0, 0, 1000, OC_ROLE_FRAME),
		fr(3, 102, 1, 0, 0, 1000, OC_ROLE_FRAME),
		fr(4, 103, 1, 0, 0, 1000, OC_ROLE_FRAME),
		fr(5, 104, 0, 0, 0, 2000, OC_ROLE_SUPERFRAME),
		fr(6, 105, 1, 0, 0, 1000, OC_ROLE_FRAME),
		fr(7, 106, 1, 0, 0, 1000, OC_ROLE_FRAME),
	};
	uint32_t *links = NULL;
	size_t n = 0;

	for (unsigned i = 0; i < 7; i++)
		f[i].tcp = 0;
	CHECK_EQ(oc_view_link(f, 7, &links, &n), 0, "linking succeeds");
	CHECK_EQ(f[0].nlinks, 3, "the first UDP super-frame links its 3 datagrams");
	CHECK(f[0].nlinks == 3 && links[f[0].link_off] == 1 && links[f[0].link_off + 2] == 3, "frames 2 to 4");
	CHECK(f[4].nlinks == 2 && links[f[4].link_off] == 5 && links[f[4].link_off + 1] == 6,
	      "the second links frames 6 and 7 (%u links)", f[4].nlinks);
	free(links);
}

static void link_empty(void)
{
	uint32_t *links = NULL;
	size_t n = 0;
	struct oc_view_frame f[] = { fr(1, 1, 0, 0, 0, 3000, OC_ROLE_SUPERFRAME) };

	CHECK_EQ(oc_view_link(f, 0, &links, &n), 0, "no frames: nothing to link");
	CHECK_EQ(oc_view_link(f, 1, &links, &n), 0, "a super-frame alone");
	CHECK_EQ(f[0].nlinks, 0, "links nothing");
	free(links);
}

int main(void)
{
	bins();
	link_superframe();
	link_merge();
	link_udp();
	link_empty();
	return check_done();
}
