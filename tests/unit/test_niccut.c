/* The NIC's cut against Linux's: a super-frame handed to nica's device at
 * post-gso, and what nicb received at pre-gro — Linux's own cut, another IP ID
 * policy, PSH on every segment, a wrong checksum, a segment lost, IP fragments
 * of the whole, a merge. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "csum.h"
#include "meta.h"
#include "niccut.h"
#include "pkt.h"
#include "segment.h"

#define SEGS 3
#define MSS 1448u
#define PAYLOAD (2 * MSS + 600)

static const uint8_t TS_OPT[12] = { 1, 1, 8, 10, 0, 0, 0x12, 0x34, 0, 0, 0x56, 0x78 };
static uint8_t sf_buf[8000];
static struct oc_packet superframe;
static uint8_t seg_buf[SEGS][2000];
static uint32_t seg_len[SEGS];

static struct oc_iface iface(const char *name, unsigned point)
{
	struct oc_iface f = { .linktype = OC_LINKTYPE_ETHERNET, .point = (uint8_t)point, .mtu = 1500 };
	struct oc_idb_meta m = { .point = (uint8_t)point, .mtu = 1500, .ifindex = 2 };

	snprintf(f.name, sizeof(f.name), "ns%s/%s@%s", name, name, oc_point_name(point));
	snprintf(f.ifname, sizeof(f.ifname), "%s", name);
	snprintf(f.netns, sizeof(f.netns), "ns%s", name);
	snprintf(m.ifname, sizeof(m.ifname), "%s", name);
	snprintf(m.driver, sizeof(m.driver), "e1000e");
	snprintf(m.features, sizeof(m.features), "tso:on,gro:on");
	oc_idb_descr(&m, NULL, f.descr, sizeof(f.descr));
	return f;
}

/* PSH|ACK super-frame of PAYLOAD bytes, IPv4 id 100, its TCP checksum in the
 * partial form the kernel hands a TSO device. */
static void build_superframe(int vlan)
{
	struct pkt p = { sf_buf, 0 };
	uint32_t ip, th;

	if (vlan) {
		eth(&p, 0x8100);
		u16(&p, 100);
		u16(&p, 0x0800);
	} else {
		eth(&p, 0x0800);
	}
	ip = ipv4(&p, 6, 100, HOST4_A, HOST4_B);
	th = tcp(&p, 40000, 5201, 1000, 0x18, TS_OPT, sizeof(TS_OPT));
	payload(&p, PAYLOAD);
	ipv4_done(&p, ip);
	set16(sf_buf, th + 16, oc_csum_fold(oc_pseudo_v4(HOST4_A, HOST4_B, 6, p.n - th)));
	superframe = (struct oc_packet){ .data = sf_buf, .caplen = p.n, .len = p.n, .ts_ns = 1000 };
	superframe.meta = (struct oc_meta){ .point = OC_POINT_POST_GSO, .dir = OC_DIR_OUT, .flags = OC_META_VALID,
					    .csum = OC_CSUM_PARTIAL, .len = p.n, .gso_size = MSS,
					    .gso_segs = SEGS, .gso_type = OC_GSO_TCPV4 };
}

static int keep(const uint8_t *seg, uint32_t caplen, uint32_t len, const struct oc_seg_info *info, void *arg)
{
	(void)arg, (void)len;
	memcpy(seg_buf[info->index], seg, caplen);
	seg_len[info->index] = caplen;
	return 0;
}

/* What nicb receives if the NIC cuts as Linux does. */
static void linux_cut(void)
{
	struct oc_parsed p;
	struct oc_segmenter s;
	struct oc_seg_req req = { .data = sf_buf, .caplen = superframe.caplen, .len = superframe.len,
				  .parsed = &p, .gso_size = MSS, .gso_type = OC_GSO_TCPV4,
				  .csum = OC_SEG_CSUM_FULL, .gso_segs = SEGS };

	oc_parse(sf_buf, superframe.caplen, superframe.len, OC_LINKTYPE_ETHERNET, &p);
	oc_segmenter_init(&s);
	CHECK_EQ(oc_segment(&s, &req, keep, NULL), SEGS, "Linux cuts the super-frame into %u segments", SEGS);
	oc_segmenter_free(&s);
}

/* Checksums made right again after a field was changed, as a NIC would. */
static void fix_csums(uint8_t *b, uint32_t n)
{
	uint32_t l4len = n - 34;

	set16(b, 14 + 10, 0);
	set16(b, 14 + 10, oc_ip4_csum(b + 14, 20));
	set16(b, 34 + 16, 0);
	oc_l4csum_fill(b + 34, l4len, 16, oc_pseudo_v4(HOST4_A, HOST4_B, 6, l4len), false);
}

static struct oc_packet rx_frame(const uint8_t *b, uint32_t n, uint64_t ts)
{
	struct oc_packet r = { .data = b, .caplen = n, .len = n, .ts_ns = ts, .if_id = 1 };

	r.meta = (struct oc_meta){ .point = OC_POINT_PRE_GRO, .dir = OC_DIR_IN, .flags = OC_META_VALID,
				   .csum = OC_CSUM_UNNECESSARY, .len = n };
	return r;
}

static struct oc_iface tx_if, rx_if;

static void feed(struct oc_niccut *c, const struct oc_packet *pkt, const struct oc_iface *f, uint64_t frame)
{
	struct oc_parsed p;

	oc_parse(pkt->data, pkt->caplen, pkt->len, OC_LINKTYPE_ETHERNET, &p);
	oc_niccut_packet(c, pkt, &p, f, frame);
}

/* The super-frame at frame 1, then segments [0, n) at frames 2... through
 * change(); returns the finished comparison (the caller frees it). */
static struct oc_niccut *run(unsigned n, void (*change)(uint8_t *b, uint32_t len, unsigned i))
{
	struct oc_niccut *c = oc_niccut_new();
	static uint8_t b[2000];

	feed(c, &superframe, &tx_if, 1);
	for (unsigned i = 0; i < n; i++) {
		struct oc_packet r;

		memcpy(b, seg_buf[i], seg_len[i]);
		if (change)
			change(b, seg_len[i], i);
		r = rx_frame(b, seg_len[i], 2000 + i);
		feed(c, &r, &rx_if, 2 + i);
	}
	oc_niccut_finish(c);
	return c;
}

static void fixed_ip_id(uint8_t *b, uint32_t n, unsigned i)
{
	(void)i;
	set16(b, 14 + 4, 100);	/* every segment keeps the super-frame's id */
	fix_csums(b, n);
}

static void psh_everywhere(uint8_t *b, uint32_t n, unsigned i)
{
	(void)i;
	b[34 + 13] |= 0x08;
	fix_csums(b, n);
}

static void bad_csum(uint8_t *b, uint32_t n, unsigned i)
{
	(void)n;
	if (i == 1)
		b[34 + 17] ^= 0x55;
}

static void test_linux_cut(void)
{
	struct oc_niccut *c = run(SEGS, NULL);
	const struct oc_cut_stats *s = oc_niccut_stats(c);

	CHECK_EQ(s->handed, 1, "one super-frame handed whole to nica's device");
	CHECK_EQ(s->segments, SEGS, "Linux cuts it into %u", SEGS);
	CHECK_EQ(s->all_received, 1, "every segment reached nicb");
	CHECK_EQ(s->exact, 1, "exactly as Linux would have cut it");
	CHECK_EQ(s->seg_exact, SEGS, "each segment byte for byte");
	CHECK_EQ(s->differ, 0, "nothing differs");
	CHECK(!strcmp(s->tx, "nsnica/nica") && !strcmp(s->rx, "nsnicb/nicb"), "devices named: %s -> %s", s->tx,
	      s->rx);
	oc_niccut_free(c);
}

static void test_ip_id_policy(void)
{
	struct oc_niccut *c = run(SEGS, fixed_ip_id);
	const struct oc_cut_stats *s = oc_niccut_stats(c);

	CHECK_EQ(s->all_received, 1, "fixed IP ids: matched all the same (the id is not in the key)");
	CHECK_EQ(s->exact, 0, "... not as Linux cuts");
	CHECK_EQ(s->differ, 1, "... one super-frame differs");
	CHECK_EQ(s->field[OC_CUT_IP_ID], SEGS - 1, "IP ID named on the segments after the first");
	CHECK_EQ(s->field_frame[OC_CUT_IP_ID], 3, "... the first example is frame 3");
	CHECK_EQ(s->field_sf_frame[OC_CUT_IP_ID], 1, "... of the super-frame at frame 1");
	CHECK_EQ(s->field[OC_CUT_IP_CSUM], 0, "the header checksum follows the id: not a difference of its own");
	CHECK_EQ(s->seg_differ, SEGS - 1, "two segments differ");
	oc_niccut_free(c);
}

static void test_psh_everywhere(void)
{
	struct oc_niccut *c = run(SEGS, psh_everywhere);
	const struct oc_cut_stats *s = oc_niccut_stats(c);

	CHECK_EQ(s->field[OC_CUT_TCP_FLAGS], SEGS - 1, "PSH on every segment: TCP flags named on all but the last");
	CHECK_EQ(s->field[OC_CUT_L4_CSUM], 0, "the TCP checksum follows the flags");
	CHECK_EQ(s->field[OC_CUT_IP_ID], 0, "IP ID as Linux's");
	CHECK_EQ(s->exact, 0, "not exact");
	oc_niccut_free(c);
}

static void test_bad_csum(void)
{
	struct oc_niccut *c = run(SEGS, bad_csum);
	const struct oc_cut_stats *s = oc_niccut_stats(c);

	CHECK_EQ(s->field[OC_CUT_L4_CSUM], 1, "a checksum the NIC got wrong is named");
	CHECK_EQ(s->field_frame[OC_CUT_L4_CSUM], 3, "... at frame 3");
	CHECK_EQ(s->field[OC_CUT_PAYLOAD], 0, "payload as Linux's");
	oc_niccut_free(c);
}

static void test_lost_segment(void)
{
	struct oc_niccut *c = run(SEGS - 1, NULL);
	const struct oc_cut_stats *s = oc_niccut_stats(c);

	CHECK_EQ(s->seg_unseen, 1, "the last segment never seen at nicb");
	CHECK_EQ(s->all_received, 0, "the super-frame did not reach nicb whole");
	CHECK_EQ(s->exact, 0, "... so it is not counted exact");
	CHECK_EQ(s->seg_exact, SEGS - 1, "the two received are exact");
	oc_niccut_free(c);
}

/* The whole super-frame in IP fragments (qemu 7.2 emulating TSO): the first
 * carries the TCP header. */
static void test_fragments(void)
{
	struct oc_niccut *c = oc_niccut_new();
	static uint8_t b[1600];
	const struct oc_cut_stats *s;
	struct oc_packet r;

	memcpy(b, sf_buf, 1514);
	set16(b, 14 + 2, 1500);
	set16(b, 14 + 6, 0x2000);	/* MF, offset 0 */
	set16(b, 14 + 10, 0);
	set16(b, 14 + 10, oc_ip4_csum(b + 14, 20));
	feed(c, &superframe, &tx_if, 1);
	r = rx_frame(b, 1514, 2000);
	feed(c, &r, &rx_if, 2);
	oc_niccut_finish(c);
	s = oc_niccut_stats(c);
	CHECK_EQ(s->fragmented, 1, "IP fragments of the whole super-frame named");
	CHECK_EQ(s->field[OC_CUT_NOT_SEGMENT], SEGS, "every segment: not a TCP segment");
	CHECK_EQ(s->field_frame[OC_CUT_NOT_SEGMENT], 2, "... the first fragment's frame");
	CHECK_EQ(s->exact, 0, "not exact");
	oc_niccut_free(c);
}

/* qemu's e1000 sends an empty PSH segment where the super-frame ends. */
static void test_extra_empty(void)
{
	struct oc_niccut *c = oc_niccut_new();
	static uint8_t b[66];
	const struct oc_cut_stats *s;
	struct oc_packet r;

	feed(c, &superframe, &tx_if, 1);
	for (unsigned i = 0; i < SEGS; i++) {
		r = rx_frame(seg_buf[i], seg_len[i], 2000 + i);
		feed(c, &r, &rx_if, 2 + i);
	}
	memcpy(b, seg_buf[SEGS - 1], sizeof(b));
	set16(b, 14 + 2, 52);
	set16(b, 34 + 4, (1000 + PAYLOAD) >> 16);
	set16(b, 34 + 6, (1000 + PAYLOAD) & 0xffff);
	fix_csums(b, sizeof(b));
	r = rx_frame(b, sizeof(b), 3000);
	feed(c, &r, &rx_if, 9);
	oc_niccut_finish(c);
	s = oc_niccut_stats(c);
	CHECK_EQ(s->field[OC_CUT_EXTRA], 1, "an empty segment where the super-frame ends: an extra frame");
	CHECK_EQ(s->field_frame[OC_CUT_EXTRA], 9, "... at frame 9");
	CHECK_EQ(s->seg_exact, SEGS, "its segments were Linux's");
	CHECK_EQ(s->exact, 0, "the super-frame is no longer exact");
	CHECK_EQ(s->differ, 1, "... it differs");
	oc_niccut_free(c);
}

/* The second segment sent again on its own (another IP id, as a retransmission
 * is) before nicb saw the first: nicb's copy is the retransmission's. */
static void test_resent(void)
{
	struct oc_niccut *c = oc_niccut_new();
	static uint8_t b[2000];
	const struct oc_cut_stats *s;
	struct oc_packet r, again;

	memcpy(b, seg_buf[1], seg_len[1]);
	set16(b, 14 + 4, 500);
	fix_csums(b, seg_len[1]);
	again = rx_frame(b, seg_len[1], 1500);
	again.if_id = 0;
	again.meta.point = OC_POINT_POST_GSO;
	again.meta.dir = OC_DIR_OUT;
	feed(c, &superframe, &tx_if, 1);
	feed(c, &again, &tx_if, 2);
	for (unsigned i = 0; i < SEGS; i++) {
		r = rx_frame(i == 1 ? b : seg_buf[i], seg_len[i], 2000 + i);
		feed(c, &r, &rx_if, 3 + i);
	}
	oc_niccut_finish(c);
	s = oc_niccut_stats(c);
	CHECK_EQ(s->seg_resent, 1, "a segment sent again on its own before nicb saw it");
	CHECK_EQ(s->field[OC_CUT_IP_ID], 0, "... the retransmission's IP id is not the NIC's cut");
	CHECK_EQ(s->seg_exact, SEGS - 1, "the others exact");
	CHECK_EQ(s->all_received, 0, "the super-frame not counted as reaching nicb whole");
	oc_niccut_free(c);
}

/* nicb's device merged the segments (LRO/hardware GRO): found, not comparable. */
static void test_merged(void)
{
	struct oc_niccut *c = oc_niccut_new();
	const struct oc_cut_stats *s;
	struct oc_packet r;

	feed(c, &superframe, &tx_if, 1);
	r = rx_frame(sf_buf, superframe.caplen, 2000);
	r.meta.gso_size = MSS;
	feed(c, &r, &rx_if, 2);
	oc_niccut_finish(c);
	s = oc_niccut_stats(c);
	CHECK_EQ(s->seg_merged, SEGS, "the segments found inside the merge");
	CHECK_EQ(s->all_received, 1, "the super-frame reached nicb");
	CHECK_EQ(s->exact, 0, "not compared byte for byte, not exact");
	oc_niccut_free(c);
}

/* A frame nica itself receives is not the other end of its wire. */
static void test_same_device(void)
{
	struct oc_niccut *c = oc_niccut_new();
	struct oc_iface own = iface("nica", OC_POINT_PRE_GRO);
	struct oc_packet r;

	feed(c, &superframe, &tx_if, 1);
	r = rx_frame(seg_buf[0], seg_len[0], 2000);
	r.if_id = 2;
	feed(c, &r, &own, 2);
	oc_niccut_finish(c);
	CHECK_EQ(oc_niccut_stats(c)->seg_received, 0, "a segment seen received at nica itself is not matched");
	oc_niccut_free(c);
}

/* Segments with the tag take 4 bytes more: the tag dropped at nicb. */
static void untag(uint8_t *b, uint32_t len, unsigned i)
{
	(void)i;
	memmove(b + 12, b + 16, len - 16);
}

static void test_vlan(void)
{
	struct oc_niccut *c;
	const struct oc_cut_stats *s;

	build_superframe(1);
	linux_cut();
	c = run(SEGS, NULL);
	s = oc_niccut_stats(c);
	CHECK_EQ(s->exact, 1, "VLAN 100 at both ends (offloaded tags re-inserted): exact");
	CHECK_EQ(s->field[OC_CUT_LINK], 0, "... the link layer equal");
	oc_niccut_free(c);
	c = run(SEGS, untag);
	s = oc_niccut_stats(c);
	CHECK_EQ(s->field[OC_CUT_LINK], SEGS, "the tag missing at nicb: the link layer named");
	CHECK_EQ(s->exact, 1, "... but the cut is Linux's: compared from the IP header on");
	CHECK_EQ(s->seg_differ, 0, "... no segment differs");
	oc_niccut_free(c);
}

/* capture --payload-once: post-gso holds the super-frame's headers only, and
 * tc-egress (if_id 2) the same skb whole before it: the cut is Linux's on
 * those bytes, a wrong checksum still named. */
static void test_payload_once(void)
{
	struct oc_iface eg = iface("nica", OC_POINT_TC_EGRESS), pg = tx_if;
	struct oc_packet whole = superframe, cut = superframe, r;
	struct oc_niccut *c = oc_niccut_new();
	struct oc_iface_facts f;
	static uint8_t b[2000];
	const struct oc_cut_stats *s;

	strcat(pg.descr, " gso_payload=tc-egress");
	oc_iface_facts_parse(pg.descr, NULL, &f);
	oc_niccut_iface(c, &f);

	whole.if_id = 2;
	whole.meta.point = OC_POINT_TC_EGRESS;
	cut.caplen = 14 + 20 + 32;
	feed(c, &whole, &eg, 1);
	feed(c, &cut, &pg, 2);
	for (unsigned i = 0; i < SEGS; i++) {
		memcpy(b, seg_buf[i], seg_len[i]);
		bad_csum(b, seg_len[i], i);
		r = rx_frame(b, seg_len[i], 2000 + i);
		feed(c, &r, &rx_if, 3 + i);
	}
	oc_niccut_finish(c);
	s = oc_niccut_stats(c);
	CHECK_EQ(s->handed, 1, "payload once: one super-frame handed (tc-egress's copy is no second one)");
	CHECK_EQ(s->seg_received, SEGS, "... its %u segments compared", SEGS);
	CHECK_EQ(s->seg_csum_unverified, 0, "... with tc-egress's payload: every checksum verified");
	CHECK_EQ(s->field[OC_CUT_L4_CSUM], 1, "... the NIC's wrong one named");
	CHECK_EQ(s->field[OC_CUT_PAYLOAD], 0, "... payload as Linux's");
	oc_niccut_free(c);
	cut.data = b;	/* another super-frame's headers: tc-egress's bytes are not taken */
	memcpy(b, sf_buf, cut.caplen);
	b[14 + 5] ^= 1;
	c = oc_niccut_new();
	oc_niccut_iface(c, &f);
	feed(c, &whole, &eg, 1);
	feed(c, &cut, &pg, 2);
	oc_niccut_finish(c);
	CHECK_EQ(oc_niccut_stats(c)->handed, 1, "headers that differ: the cut super-frame alone");
	oc_niccut_free(c);
}

int main(void)
{
	tx_if = iface("nica", OC_POINT_POST_GSO);
	rx_if = iface("nicb", OC_POINT_PRE_GRO);
	build_superframe(0);
	linux_cut();
	test_linux_cut();
	test_ip_id_policy();
	test_psh_everywhere();
	test_bad_csum();
	test_lost_segment();
	test_fragments();
	test_merged();
	test_extra_empty();
	test_resent();
	test_same_device();
	test_payload_once();	/* before test_vlan builds a tagged super-frame */
	test_vlan();
	return check_done();
}
