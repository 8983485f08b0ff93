/* Ring-buffer events to packets: what the loader hands the capture command. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "event.h"
#include "loader.h"

struct rec {
	struct oc_event e;
	uint8_t bytes[64];
};

static struct rec make(unsigned point, unsigned cap)
{
	struct rec r;

	memset(&r, 0, sizeof(r));
	r.e.point = point;
	r.e.len = 1000;
	r.e.cap_len = cap;
	r.e.csum = 3;
	r.e.gso_size = 1448;
	r.e.gso_segs = 45;
	r.e.ifindex = 2;
	r.e.netns = 4026531840u;
	r.e.queue = 1;
	for (unsigned i = 0; i < sizeof(r.bytes); i++)
		r.bytes[i] = (uint8_t)i;
	return r;
}

static void test_decode(void)
{
	struct oc_event_buf *buf = malloc(sizeof(*buf));
	struct rec r = make(OC_HOOK_TC_EGRESS, 64);
	struct oc_packet p;

	CHECK_EQ(oc_event_decode(&r, sizeof(r), &p, buf), 0, "a whole event decodes");
	CHECK_EQ(p.caplen, 64, "cap_len");
	CHECK_EQ(p.len, 1000, "true length");
	CHECK(p.data == r.bytes, "bytes point into the record");
	CHECK_EQ(p.meta.dir, OC_DIR_OUT, "tc-egress is outbound");
	CHECK_EQ(p.meta.csum, OC_CSUM_PARTIAL, "ip_summed 3 is partial");
	CHECK((p.epb_flags & OC_EPB_CSUM_NOT_READY) && (p.epb_flags & OC_EPB_TSO), "epb_flags: not ready, TSO");
	CHECK_EQ(p.meta.flags, OC_META_VALID, "no tag, gso_type known");

	r = make(OC_HOOK_TC_INGRESS, 64);
	r.e.flags = OC_EV_NO_GSO_TYPE;
	r.e.csum = OC_EV_CSUM_UNKNOWN;
	oc_event_decode(&r, sizeof(r), &p, buf);
	CHECK(p.meta.flags & OC_META_NO_GSO_TYPE, "gso_type out of reach is marked");
	CHECK_EQ(p.meta.csum, OC_CSUM_UNKNOWN, "checksum state unknown");
	CHECK_EQ(p.meta.rx_queue, 0, "an skb's rx queue is stored + 1");
	CHECK_EQ(p.meta.dir, OC_DIR_IN, "tc-ingress is inbound");
	r.e.flags = OC_EV_CUT_FULL;
	oc_event_decode(&r, sizeof(r), &p, buf);
	CHECK(p.meta.flags & OC_META_CUT_FULL, "cut by a nearly full ring is marked");

	r = make(OC_HOOK_XDP, 64);
	oc_event_decode(&r, sizeof(r), &p, buf);
	CHECK_EQ(p.meta.csum, OC_CSUM_UNKNOWN, "XDP cannot tell the checksum state");
	CHECK_EQ(p.meta.rx_queue, 1, "XDP's queue index as is");
	free(buf);
}

static void test_vlan(void)
{
	struct oc_event_buf *buf = malloc(sizeof(*buf));
	struct rec r = make(OC_HOOK_POST_GSO, 64);
	struct oc_packet p;

	r.e.vlan_present = 1;
	r.e.vlan_tci = 100;
	r.e.vlan_proto = htons(0x8100);
	CHECK_EQ(oc_event_decode(&r, sizeof(r), &p, buf), 0, "tagged event decodes");
	CHECK_EQ(p.caplen, 68, "the tag adds 4 captured bytes");
	CHECK_EQ(p.len, 1004, "and 4 to the length");
	CHECK(p.data[12] == 0x81 && p.data[13] == 0 && p.data[14] == 0 && p.data[15] == 100,
	      "TPID and TCI after the MAC addresses");
	CHECK(!memcmp(p.data, r.bytes, 12) && !memcmp(p.data + 16, r.bytes + 12, 52), "the rest moved by 4");
	CHECK(p.meta.flags & OC_META_VLAN, "flagged as re-inserted");
	free(buf);
}

static void test_bad(void)
{
	struct oc_event_buf *buf = malloc(sizeof(*buf));
	struct rec r = make(OC_HOOK_TC_EGRESS, 64);
	struct oc_packet p;

	CHECK_EQ(oc_event_decode(&r, sizeof(r.e) - 1, &p, buf), -1, "a short record is refused");
	CHECK_EQ(oc_event_decode(&r, sizeof(r) - 1, &p, buf), -1, "bytes beyond the record are refused");
	r.e.point = OC_HOOK_MAX;
	CHECK_EQ(oc_event_decode(&r, sizeof(r), &p, buf), -1, "an unknown point is refused");
	r = make(OC_HOOK_TC_EGRESS, 64);
	r.e.len = 10;
	CHECK_EQ(oc_event_decode(&r, sizeof(r), &p, buf), -1, "cap_len over len is refused");
	r = make(OC_HOOK_TC_EGRESS, 8);
	r.e.vlan_present = 1;
	CHECK_EQ(oc_event_decode(&r, sizeof(r), &p, buf), 0, "a tagged 8-byte capture decodes");
	CHECK(!(p.meta.flags & OC_META_VLAN) && p.caplen == 8, "but too short to re-insert a tag");
	free(buf);
}

static void test_gso_bits(void)
{
	CHECK_EQ(oc_gso_from_kernel(1u << 0 | 1u << 17), OC_GSO_TCPV4 | OC_GSO_UDP_L4,
		 "default kernel bits translate without BTF");
	CHECK_EQ(oc_gso_from_kernel(0), 0, "none stays none");
}

/* Default ring memory: by the snaplen and the number of points. */
static void test_ring_default(void)
{
	unsigned three = 1u << OC_POINT_TC_INGRESS | 1u << OC_POINT_TC_EGRESS | 1u << OC_POINT_POST_GSO;
	unsigned all = (1u << OC_POINT_MAX) - 1;

	CHECK_EQ(oc_ring_mb_default(256, three), 8, "ring: -s 256 at the default three points: 8 MiB");
	CHECK_EQ(oc_ring_mb_default(256, three | 1u << OC_POINT_XDP), 32, "ring: -s 256 at four points: 32 MiB");
	CHECK_EQ(oc_ring_mb_default(1024, all), 32, "ring: -s 1024 at all five: 32 MiB");
	CHECK_EQ(oc_ring_mb_default(0, three), 64, "ring: -s 0 at three points: 64 MiB");
	CHECK_EQ(oc_ring_mb_default(0, all), 128, "ring: -s 0 at all five: 128 MiB");
}

int main(void)
{
	test_decode();
	test_vlan();
	test_bad();
	test_gso_bits();
	test_ring_default();
	return check_done();
}
