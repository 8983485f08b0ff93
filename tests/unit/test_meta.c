/* The metadata offcap stores per packet: the comment a person reads and the
 * custom option a program decodes. */
#include <string.h>

#include "check.h"
#include "ifacts.h"
#include "meta.h"
#include "legacy_meta.h"

static void test_format(void)
{
	struct oc_meta m = { .point = OC_POINT_TC_EGRESS, .csum = OC_CSUM_PARTIAL, .len = 65226,
			     .gso_size = 1448, .gso_segs = 45, .gso_type = OC_GSO_TCPV4 | OC_GSO_TCP_FIXEDID,
			     .flags = OC_META_VALID | OC_META_VLAN, .vlan_tci = 0x2064, .vlan_proto = 0x8100 };
	char buf[256];

	oc_meta_format(&m, buf, sizeof(buf));
	CHECK(!strcmp(buf, "point=tc-egress len=65226 gso_size=1448 gso_segs=45 gso_type=tcpv4|fixedid "
			   "csum=partial ifindex=0 netns_ino=0 v=2 vlan=100 vlan_proto=0x8100 vlan_pcp=1 "
			   "(offloaded tag re-inserted)"),
	      "comment text: %s", buf);
	m.flags = OC_META_VALID;
	m.gso_type = 0;
	oc_meta_format(&m, buf, sizeof(buf));
	CHECK(strstr(buf, "gso_type=none") && !strstr(buf, "vlan"), "no gso type, no tag: %s", buf);
	CHECK_EQ(oc_meta_format(&m, buf, 10) > 9, 1, "a short buffer truncates safely");
	CHECK_EQ(strlen(buf), 9, "and stays terminated");
}

static void test_encode(void)
{
	struct oc_meta m = { .point = OC_POINT_POST_GSO, .dir = OC_DIR_OUT, .csum = OC_CSUM_NONE,
			     .flags = OC_META_VALID | OC_META_VLAN, .gso_size = 9000, .gso_segs = 7,
			     .gso_type = OC_GSO_UDP_L4 | OC_GSO_UDP_TUNNEL, .vlan_tci = 0xabc, .vlan_proto = 0x88a8,
			     .rx_queue = 3, .ifindex = 42, .netns = 4026531840u, .len = 524288 }, d;
	uint8_t wire[OC_META_WIRE_LEN];

	oc_meta_encode(&m, wire);
	CHECK_EQ(wire[0], OC_META_WIRE_VERSION, "version byte first");
	CHECK_EQ(wire[6] | wire[7] << 8, 9000, "gso_size little endian at offset 6");
	CHECK_EQ(oc_meta_decode(wire, sizeof(wire), &d), 0, "decodes");
	CHECK(!memcmp(&m, &d, sizeof(m)), "round trip keeps every field");
	CHECK_EQ(oc_meta_decode(wire, sizeof(wire) - 1, &d), -1, "a short option is refused");
	wire[0] = 99;
	CHECK_EQ(oc_meta_decode(wire, sizeof(wire), &d), -1, "an unknown version is refused");
}

static void test_names(void)
{
	char buf[64];

	for (int p = 0; p < OC_POINT_MAX; p++)
		CHECK_EQ(oc_point_parse(oc_point_name(p)), p, "hook point %s round trips", oc_point_name(p));
	CHECK_EQ(oc_point_parse("tc-egres"), -1, "a misspelt hook point is unknown");
	CHECK(!strcmp(oc_point_name(OC_POINT_NONE), "capture"), "foreign packets are 'capture'");
	CHECK(!strcmp(oc_csum_name(OC_CSUM_UNKNOWN), "unknown"), "XDP checksum state is unknown");
	oc_gso_format(OC_GSO_TCPV6 | OC_GSO_TCP_ECN, buf, sizeof(buf));
	CHECK(!strcmp(buf, "tcpv6|ecn"), "gso bits in order: %s", buf);
	oc_gso_format(0, buf, sizeof(buf));
	CHECK(!strcmp(buf, "none"), "no bits: none");
}

/* Every field the comment carries comes back from oc_meta_parse. */
static void check_parse_roundtrip(struct oc_meta m, const char *what)
{
	char buf[512];
	struct oc_meta d;

	m.flags |= OC_META_VALID;
	m.dir = m.point < OC_POINT_MAX && m.point == OC_POINT_XDP ? OC_DIR_IN : m.dir;
	oc_meta_format(&m, buf, sizeof(buf));
	CHECK_EQ(oc_meta_parse(buf, strlen(buf), &d), 0, "parse: %s: %s", what, buf);
	m.rx_queue = 0;	/* epb_queue's, not the comment's */
	CHECK(!memcmp(&m, &d, sizeof(m)), "parse: %s: every field round trips", what);
}

static void test_parse(void)
{
	static const char v1[] = "point=tc-ingress len=2962 gso_size=1448 gso_segs=2 gso_type=tcpv4 "
				 "csum=unnecessary vlan=7 vlan_proto=0x88a8 (offloaded tag re-inserted)";
	struct oc_meta d;

	check_parse_roundtrip((struct oc_meta){ .point = OC_POINT_TC_EGRESS, .dir = OC_DIR_OUT,
		.csum = OC_CSUM_PARTIAL, .gso_size = 1448, .gso_segs = 45, .len = 65226,
		.gso_type = OC_GSO_TCPV4 | OC_GSO_TCP_FIXEDID | OC_GSO_TCP_ECN, .ifindex = 7,
		.netns = 4026532301u, .rx_queue = 5 }, "super-frame");
	check_parse_roundtrip((struct oc_meta){ .point = OC_POINT_TC_INGRESS, .dir = OC_DIR_IN,
		.csum = OC_CSUM_NONE, .flags = OC_META_VLAN | OC_META_NO_GSO_TYPE, .len = 1518,
		.vlan_tci = 0xf123, .vlan_proto = 0x88a8, .ifindex = 1 }, "tag with pcp and dei, old kernel");
	check_parse_roundtrip((struct oc_meta){ .point = OC_POINT_XDP, .csum = OC_CSUM_UNKNOWN,
		.len = 0xffffffffu, .gso_type = 0 }, "XDP, largest length");
	check_parse_roundtrip((struct oc_meta){ .point = OC_POINT_POST_GSO, .dir = OC_DIR_OUT,
		.csum = OC_CSUM_COMPLETE, .len = 1514, .gso_type = OC_GSO_UDP_L4 | OC_GSO_UDP_TUNNEL_CSUM },
		"post-gso UDP tunnel");
	check_parse_roundtrip((struct oc_meta){ .point = OC_POINT_TC_EGRESS, .dir = OC_DIR_OUT,
		.csum = OC_CSUM_PARTIAL, .flags = OC_META_CUT_FULL | OC_META_VLAN, .gso_size = 1448,
		.gso_segs = 45, .len = 65226, .gso_type = OC_GSO_TCPV4, .vlan_tci = 5, .vlan_proto = 0x8100 },
		"cut by a nearly full ring, with a tag");
	CHECK_EQ(oc_meta_parse("point=xdp len=1 cut=later", 25, &d), 0, "parse: a later cut= reason is skipped");
	CHECK(!(d.flags & OC_META_CUT_FULL), "parse: and is not ring_full");

	CHECK_EQ(oc_meta_parse(v1, sizeof(v1) - 1, &d), 0, "parse: offcap 0.1.0's comment (version 1)");
	CHECK(d.point == OC_POINT_TC_INGRESS && d.dir == OC_DIR_IN && d.len == 2962 && d.gso_segs == 2 &&
	      d.csum == OC_CSUM_UNNECESSARY && (d.flags & OC_META_VLAN) && d.vlan_tci == 7 &&
	      d.vlan_proto == 0x88a8 && d.gso_type == OC_GSO_TCPV4, "parse: version 1 fields");
	CHECK_EQ(oc_meta_parse(v1, 20, &d), -1, "parse: cut before len= is not metadata");
	CHECK_EQ(oc_meta_parse("hello, world", 12, &d), -1, "parse: a person's comment is not metadata");
	CHECK_EQ(oc_meta_parse("offcap split: segment 1/2", 25, &d), -1, "parse: split's note is not");
	CHECK_EQ(oc_meta_parse("point=tc-egres len=1", 20, &d), -1, "parse: unknown hook point");
	CHECK_EQ(oc_meta_parse("point=xdp len=-1", 16, &d), -1, "parse: negative length");
	CHECK_EQ(oc_meta_parse("point=xdp len=99999999999", 25, &d), -1, "parse: length over 32 bits");
	CHECK_EQ(oc_meta_parse("point=xdp len=1 gso_segs=65536", 30, &d), -1, "parse: gso_segs over 16 bits");
	CHECK_EQ(oc_meta_parse("point=xdp len=1 gso_type=tcpv5", 30, &d), -1, "parse: unknown gso bit");
	CHECK_EQ(oc_meta_parse("point=xdp len=1 csum=maybe", 26, &d), -1, "parse: unknown csum state");
	CHECK_EQ(oc_meta_parse("point=xdp len=1 vlan=4096", 25, &d), -1, "parse: VLAN id over 12 bits");
	CHECK_EQ(oc_meta_parse("point=xdp len=1 future=yes v=3", 30, &d), 0, "parse: later keys are skipped");
	CHECK_EQ(oc_meta_parse("point=xdp len=12", 15, &d), 0, "parse: the length bounds the text");
	CHECK_EQ(d.len, 1, "parse: and the value read is the bounded one");
	CHECK_EQ(oc_meta_parse(NULL, 0, &d), -1, "parse: NULL");
}

/* The IDB contract: written by oc_idb_name/oc_idb_descr, read by oc_idb_parse. */
static void test_idb_contract(void)
{
	struct oc_idb_meta m = { .point = OC_POINT_TC_EGRESS, .mtu = 1450, .ifindex = 7, .netns_ino = 4026532291u,
				 .gso_max_size = 65536, .gso_max_segs = 65535, .gro_max_size = 185000,
				 .tso_max_size = 524280, .ifname = "vx0", .netns = "ns 1;%\xc3\xa9",
				 .driver = "vxlan", .features = "tso:on,gso:on,gro:off" }, r;
	char name[128], descr[512];

	oc_idb_name(&m, 0, name, sizeof(name));
	CHECK(!strcmp(name, "vx0@tc-egress"), "one namespace: plain name %s", name);
	snprintf(m.netns, sizeof(m.netns), "ns1");
	oc_idb_name(&m, 1, name, sizeof(name));
	CHECK(!strcmp(name, "ns1/vx0@tc-egress"), "several namespaces: %s", name);
	snprintf(m.netns, sizeof(m.netns), "ns 1;%%\xc3\xa9");
	oc_idb_descr(&m, "transmit; before GSO", descr, sizeof(descr));
	CHECK(!strcmp(descr, "offcap-idb/1 hook=tc-egress ifname=vx0 netns=ns%201%3B%25%C3%A9 netns_ino=4026532291 "
			     "ifindex=7 driver=vxlan mtu=1450 gso_max_size=65536 gso_max_segs=65535 "
			     "gro_max_size=185000 tso_max_size=524280 features=tso:on,gso:on,gro:off ; "
			     "transmit; before GSO"), "descr: %s", descr);
	CHECK_EQ(oc_idb_parse("ns1/vx0@tc-egress", descr, &r), 1, "the contract is recognised");
	CHECK(r.point == OC_POINT_TC_EGRESS && r.mtu == 1450 && r.ifindex == 7 && r.netns_ino == 4026532291u &&
	      r.gso_max_size == 65536 && r.gso_max_segs == 65535 && r.gro_max_size == 185000 &&
	      r.tso_max_size == 524280, "numbers read back");
	CHECK(!strcmp(r.ifname, "vx0") && !strcmp(r.netns, m.netns) && !strcmp(r.driver, "vxlan") &&
	      !strcmp(r.features, "tso:on,gso:on,gro:off"), "strings read back, percent-decoded");
	CHECK(oc_idb_parse("x", "offcap-idb/1 future_key=1 mtu=9000 hook=xdp ; mtu=1 hook=post-gso", &r) == 1 &&
	      r.mtu == 9000 && r.point == OC_POINT_XDP, "unknown keys and the free text are ignored");
	CHECK(oc_idb_parse("veth0@tc-ingress", "offcap hook=tc-ingress (receive, after GRO); mtu=1500 "
			   "driver=veth ifindex=3 netns=(current); features at start: tso=on", &r) == 0 &&
	      r.mtu == 1500 && r.point == OC_POINT_TC_INGRESS && !strcmp(r.ifname, "veth0") && !r.netns[0],
	      "files of earlier offcap versions are still read");
	CHECK(oc_idb_parse("eth0", "Intel NIC, MTU 9000", &r) == 0 && r.mtu == 9000 &&
	      r.point == OC_POINT_NONE && !strcmp(r.ifname, "eth0"), "other tools' descriptions: MTU found");
	CHECK(oc_idb_parse("usbmon1/x", "", &r) == 0 && !strcmp(r.ifname, "usbmon1/x") && !r.netns[0],
	      "a foreign name with '/' but no hook is kept whole");
	CHECK(oc_idb_parse("a", "offcap-idb/1x mtu=5", &r) == 0 && r.mtu == 5, "a longer magic is not the contract");
	m.point = OC_POINT_POST_GSO;
	snprintf(m.gso_payload, sizeof(m.gso_payload), "tc-egress");
	oc_idb_descr(&m, NULL, descr, sizeof(descr));
	CHECK(strstr(descr, " features=tso:on,gso:on,gro:off gso_payload=tc-egress") != NULL,
	      "capture --payload-once: gso_payload after the features: %s", descr);
	CHECK(oc_idb_parse("vx0@post-gso", descr, &r) == 1 && !strcmp(r.gso_payload, "tc-egress"),
	      "gso_payload read back");
}

/* The interface block read back as facts (user/file/ifacts.c): the contract,
 * 0.1.0's description and the statistics block's comment, one key=value reader. */
static void test_iface_facts(void)
{
	struct oc_idb_meta m = { .point = OC_POINT_POST_GSO, .mtu = 1500, .ifindex = 5, .ifname = "oca",
				 .driver = "veth", .features = "tso:on,gso:on,gro:off,lro:off,uso:on",
				 .peer = "ocb", .peer_ifindex = 6, .peer_mtu = 9000, .has_counters = 1, .rx_dropped = 3 };
	struct oc_iface_facts f;
	char descr[512], kv[32];
	const char *p;
	struct oc_kv t;

	oc_idb_descr(&m, "free text: tso=off", descr, sizeof(descr));
	oc_iface_facts_parse(descr, OC_COUNTERS_END "rx_dropped=1 rx_errors=2 tx_dropped=3 tx_errors=4", &f);
	CHECK(f.ifindex == 5 && f.peer_ifindex == 6 && f.peer_mtu == 9000 && !strcmp(f.driver, "veth") &&
	      !strcmp(f.peer_name, "ocb"), "contract: the device and its peer");
	CHECK(f.tso == 1 && f.gro == 0 && f.lro == 0 && f.uso == 1 && f.gro_hw == -1 && f.tso6 == -1,
	      "contract: features from tso:on,... (the free text's tso=off ignored)");
	CHECK(f.has_start && f.start.rx_dropped == 3 && f.has_end && f.end.rx_dropped == 1 && f.end.tx_errors == 4,
	      "counters at start (description) and at end (statistics comment)");
	oc_iface_facts_parse("offcap hook=tc-ingress (receive, after GRO); mtu=1500 driver=veth ifindex=3 "
			     "netns=ns1; features at start: tso=on gso=on gro=off", "counters at end: rx_dropped=1", &f);
	CHECK(f.ifindex == 3 && !strcmp(f.driver, "veth") && !strcmp(f.netns, "ns1") && f.tso == 1 && f.gro == 0 &&
	      f.lro == -1 && !f.has_end, "0.1.0's description; incomplete counters are not read");
	oc_iface_facts_parse("Intel NIC, MTU 9000", NULL, &f);
	CHECK(f.ifindex == 0 && f.tso == -1 && !f.driver[0], "other tools' descriptions: nothing known");
	CHECK(oc_kv_get("a b=1;c=%41x (d=2", "c", kv, sizeof(kv)) && !strcmp(kv, "Ax") &&
	      oc_kv_get("a b=1;c=%41x (d=2", "d", kv, sizeof(kv)) && !strcmp(kv, "2") &&
	      !oc_kv_get("ab=1", "b", kv, sizeof(kv)) && !kv[0], "oc_kv_get: words, separators, percent-decoding");
	p = "x=1 y z=2";
	CHECK(oc_kv_next(&p, p + 3, &t) && t.klen == 1 && !strcmp(t.val, "1") && !oc_kv_next(&p, p, &t),
	      "oc_kv_next stops at end");
}

/* The one super-frame rule (oc_meta_superframe) and "carries GSO metadata". */
static void test_superframe_rule(void)
{
	struct oc_meta m = { .flags = OC_META_VALID, .gso_size = 1448, .gso_segs = 45 };

	CHECK(oc_meta_superframe(&m, 65160), "gso_segs 45: a super-frame");
	CHECK(oc_meta_superframe(&m, 100), "gso_segs > 1 decides whatever the payload");
	m.gso_segs = 0;
	CHECK(oc_meta_superframe(&m, 2896), "gso_segs 0 (a host's DODGY frame), payload over gso_size: a super-frame");
	CHECK(!oc_meta_superframe(&m, 1448), "gso_segs 0, one segment's payload: not");
	CHECK(oc_meta_superframe(&m, OC_PAYLOAD_UNKNOWN), "payload unknown (the capture's TSO flag): gso_size decides");
	CHECK(oc_meta_has_gso(&m), "gso_size alone: GSO metadata");
	m.gso_size = 0, m.gso_segs = 2;
	CHECK(!oc_meta_superframe(&m, 2896) && oc_meta_has_gso(&m), "no gso_size: no super-frame, but GSO metadata");
	m.flags = 0, m.gso_size = 1448;
	CHECK(!oc_meta_superframe(&m, 65160) && !oc_meta_has_gso(&m), "no offcap metadata: neither");
}

int main(void)
{
	test_iface_facts();
	test_superframe_rule();
	test_parse();
	test_format();
	test_encode();
	test_names();
	test_idb_contract();
	return check_done();
}
