/* The report's verdicts from offcap's metadata and interface facts: super-frames
 * received whole versus GRO merges, frames over a veth peer's MTU, the kernel's
 * drop counters, and each packet counted once per flow. */
#include <stdio.h>
#include <string.h>

#include "analysis.h"
#include "check.h"
#include "pkt.h"

static uint8_t buf[4000];
static const char *driver = "veth";	/* the driver the next iface() records */

/* A TCPv4 frame 198.18.0.1:40000 > 198.18.0.2:5201 with payload_len bytes. */
static struct oc_packet tcp_pkt(uint32_t if_id, unsigned point, unsigned dir, uint32_t payload_len)
{
	static const uint8_t s[4] = { 198, 18, 0, 1 }, d[4] = { 198, 18, 0, 2 };
	struct pkt p = { buf, 0 };
	struct oc_packet pkt = { .if_id = if_id, .ts_ns = 1 };
	uint32_t ip;

	eth(&p, 0x0800);
	ip = ipv4(&p, 6, 1, s, d);
	tcp(&p, 40000, 5201, 1000, 0x18, NULL, 0);
	zeros(&p, payload_len);
	ipv4_done(&p, ip);
	pkt.data = buf;
	pkt.caplen = pkt.len = p.n;
	pkt.meta = (struct oc_meta){ .point = (uint8_t)point, .dir = (uint8_t)dir, .flags = OC_META_VALID,
				     .csum = OC_CSUM_PARTIAL, .len = p.n };
	if (payload_len > 1448)
		pkt.meta.gso_size = 1448, pkt.meta.gso_segs = (uint16_t)((payload_len + 1447) / 1448),
		pkt.meta.gso_type = OC_GSO_TCPV4;
	return pkt;
}

static struct oc_iface iface(const char *name, unsigned point, uint32_t mtu, int ifindex, int peer,
			     const char *feat)
{
	struct oc_iface f = { .linktype = OC_LINKTYPE_ETHERNET, .point = (uint8_t)point, .mtu = mtu };

	struct oc_idb_meta m = { .point = (uint8_t)point, .mtu = mtu, .ifindex = ifindex,
				 .peer_ifindex = peer, .has_counters = 1, .rx_dropped = 1 };

	snprintf(f.name, sizeof(f.name), "%s@%s", name, oc_point_name(point));
	snprintf(f.ifname, sizeof(f.ifname), "%s", name);
	snprintf(m.ifname, sizeof(m.ifname), "%s", name);
	snprintf(m.netns, sizeof(m.netns), "ns%s", name);
	snprintf(m.driver, sizeof(m.driver), "%s", driver);
	snprintf(m.features, sizeof(m.features), "tso:on,%s", feat);	/* "gro:on,lro:off" */
	oc_idb_descr(&m, NULL, f.descr, sizeof(f.descr));
	return f;
}

static struct oc_analysis *analysis(void)
{
	struct oc_analysis_opts o = { .flow_limit = 16 };

	return oc_analysis_new(&o);
}

static void test_received_whole(void)
{
	struct oc_iface gro_on = iface("b", OC_POINT_TC_INGRESS, 1500, 2, 2, "gro:on,lro:off");
	struct oc_iface gro_off = iface("c", OC_POINT_TC_INGRESS, 1500, 3, 3, "gro:off,lro:off");
	struct oc_analysis *a = analysis();
	struct oc_packet p;

	oc_analysis_add_iface(a, 0, &gro_on);
	oc_analysis_add_iface(a, 1, &gro_off);
	p = tcp_pkt(0, OC_POINT_TC_INGRESS, OC_DIR_IN, 2896);
	oc_analysis_packet(a, &gro_on, &p);
	CHECK_EQ(oc_analysis_iface(a, 0)->cause[OC_CAUSE_GRO], 1, "GRO on, no other evidence: a GRO merge");
	p = tcp_pkt(0, OC_POINT_TC_INGRESS, OC_DIR_IN, 2896);
	p.meta.gso_type |= OC_GSO_DODGY;
	oc_analysis_packet(a, &gro_on, &p);
	CHECK_EQ(oc_analysis_iface(a, 0)->rw_dodgy, 1, "gso_type DODGY: received whole, whatever GRO says");
	p = tcp_pkt(1, OC_POINT_TC_INGRESS, OC_DIR_IN, 2896);
	oc_analysis_packet(a, &gro_off, &p);
	CHECK_EQ(oc_analysis_iface(a, 1)->cause[OC_CAUSE_RECEIVED_WHOLE], 1, "GRO and LRO off: received whole");
	CHECK_EQ(oc_analysis_iface(a, 1)->merged, 0, "... and not counted as a merge");
	oc_analysis_free(a);
}

static void test_peer_mtu_and_counters(void)
{
	struct oc_iface c0 = iface("c0", OC_POINT_POST_GSO, 9000, 5, 6, "gro:off");
	struct oc_iface d0 = iface("d0", OC_POINT_TC_INGRESS, 1500, 6, 5, "gro:off");
	struct oc_analysis *a = analysis();
	struct oc_packet p;

	snprintf(d0.isb_comment, sizeof(d0.isb_comment), "%srx_dropped=4 rx_errors=0 tx_dropped=0 tx_errors=0",
		 OC_COUNTERS_END);
	oc_analysis_add_iface(a, 0, &c0);
	oc_analysis_add_iface(a, 1, &d0);
	p = tcp_pkt(0, OC_POINT_POST_GSO, OC_DIR_OUT, 1400);
	oc_analysis_packet(a, &c0, &p);
	CHECK_EQ(oc_analysis_problem_count(a, OC_PROB_PEER_MTU), 0, "a 1454-byte frame fits the 1500 peer");
	p = tcp_pkt(0, OC_POINT_POST_GSO, OC_DIR_OUT, 3000);
	p.meta.gso_segs = 0, p.meta.gso_size = 0;
	oc_analysis_packet(a, &c0, &p);
	CHECK_EQ(oc_analysis_problem_count(a, OC_PROB_PEER_MTU), 1, "a 3054-byte frame to a 1500 peer is dropped");
	oc_analysis_add_iface(a, 1, &d0);
	oc_analysis_finish(a);
	CHECK_EQ(oc_analysis_problem_count(a, OC_PROB_KERNEL_DROPS), 1, "rx_dropped 1 -> 4 is reported once");
	oc_analysis_free(a);
}

static void test_counted_once(void)
{
	struct oc_iface tx = iface("a", OC_POINT_TC_EGRESS, 1500, 2, 2, "gro:off");
	struct oc_iface rx = iface("b", OC_POINT_TC_INGRESS, 1500, 2, 2, "gro:off");
	struct oc_analysis *a = analysis();
	struct oc_flow *f[2];
	struct oc_packet p;

	oc_analysis_add_iface(a, 0, &tx);
	oc_analysis_add_iface(a, 1, &rx);
	p = tcp_pkt(0, OC_POINT_TC_EGRESS, OC_DIR_OUT, 2896);
	oc_analysis_packet(a, &tx, &p);
	p = tcp_pkt(1, OC_POINT_TC_INGRESS, OC_DIR_IN, 2896);
	oc_analysis_packet(a, &rx, &p);
	CHECK_EQ(oc_flows_list(oc_analysis_flows(a), f, 2), 1, "one flow");
	CHECK_EQ(f[0]->side[0].packets, 1, "a super-frame seen at two points is one packet");
	CHECK_EQ(f[0]->side[0].payload_bytes, 2896, "and its payload counted once");
	CHECK_EQ(f[0]->side[0].superframes, 1, "one super-frame sent");
	CHECK_EQ(f[0]->side[0].received_whole, 1, "one received whole (tso=on, no post-gso block: sent whole)");
	oc_analysis_free(a);
}

/* A packet with a wrong checksum seen at three points is one problem. */
static void test_problem_once(void)
{
	struct oc_iface tx = iface("a", OC_POINT_TC_EGRESS, 1500, 2, 2, "gro:off");
	struct oc_iface pg = iface("a", OC_POINT_POST_GSO, 1500, 2, 2, "gro:off");
	struct oc_iface rx = iface("b", OC_POINT_TC_INGRESS, 1500, 2, 2, "gro:off");
	struct oc_analysis *a = analysis();
	struct oc_packet p;

	oc_analysis_add_iface(a, 0, &tx);
	oc_analysis_add_iface(a, 1, &pg);
	oc_analysis_add_iface(a, 2, &rx);
	for (uint32_t i = 0; i < 3; i++) {
		p = tcp_pkt(i, i == 2 ? OC_POINT_TC_INGRESS : i ? OC_POINT_POST_GSO : OC_POINT_TC_EGRESS,
			    i == 2 ? OC_DIR_IN : OC_DIR_OUT, 100);
		p.meta.csum = OC_CSUM_NONE;	/* the stack computed it: 0xbeef is wrong */
		oc_analysis_packet(a, i == 2 ? &rx : i ? &pg : &tx, &p);
	}
	CHECK_EQ(oc_analysis_iface(a, 2)->csum_bad, 1, "each point counts its own wrong checksums");
	CHECK_EQ(oc_analysis_problem_count(a, OC_PROB_BAD_CSUM), 1, "the packet is one real problem, not three");
	oc_analysis_free(a);
}

static void test_xdp_verdicts(void)
{
	struct oc_iface x = iface("b", OC_POINT_XDP, 1500, 2, 2, "gro:on,lro:off");
	struct oc_analysis *a = analysis();
	struct oc_packet p;

	oc_analysis_add_iface(a, 0, &x);
	for (unsigned i = 0; i < 6; i++) {
		p = tcp_pkt(0, OC_POINT_XDP, OC_DIR_IN, 100);
		p.has_xdp_verdict = i < 5;
		p.xdp_verdict = i < 3 ? 1 : i < 4 ? 2 : 9;
		oc_analysis_packet(a, &x, &p);
	}
	CHECK_EQ(oc_analysis_iface(a, 0)->xdp_verdict[1], 3, "XDP verdicts: 3 drop");
	CHECK_EQ(oc_analysis_iface(a, 0)->xdp_verdict[2], 1, "... 1 pass; an unknown action and none uncounted");
	oc_analysis_free(a);
}

/* virtio-net's host merges (rx-gro-hw): named the device's before GRO, not at tc-ingress */
static void test_device_merged(void)
{
	struct oc_iface pre = iface("v", OC_POINT_PRE_GRO, 1500, 2, 0, "gro:on,gro-hw:on");
	struct oc_iface tci = iface("v", OC_POINT_TC_INGRESS, 1500, 2, 0, "gro:on,gro-hw:on");
	struct oc_iface veth = iface("w", OC_POINT_PRE_GRO, 1500, 3, 4, "gro:off,gro-hw:off");
	struct oc_analysis *a = analysis();
	struct oc_packet p;

	oc_analysis_add_iface(a, 0, &pre);
	oc_analysis_add_iface(a, 1, &tci);
	oc_analysis_add_iface(a, 2, &veth);
	p = tcp_pkt(0, OC_POINT_PRE_GRO, OC_DIR_IN, 2896);
	p.meta.gso_type |= OC_GSO_DODGY;
	oc_analysis_packet(a, &pre, &p);
	p.if_id = 1, p.meta.point = OC_POINT_TC_INGRESS;
	oc_analysis_packet(a, &tci, &p);
	p.if_id = 2, p.meta.point = OC_POINT_PRE_GRO;
	oc_analysis_packet(a, &veth, &p);
	CHECK_EQ(oc_analysis_iface(a, 0)->device_merged, 1, "pre-gro on a device with rx-gro-hw: the device's or host's");
	CHECK_EQ(oc_analysis_iface(a, 1)->device_merged, 0, "tc-ingress: not named the device's");
	CHECK_EQ(oc_analysis_iface(a, 2)->device_merged, 0, "a device without LRO or GRO_HW: not the device's");
	oc_analysis_free(a);
}

static void set_seq(uint32_t seq)	/* of tcp_pkt's frame */
{
	set16(buf, 38, seq >> 16);
	set16(buf, 40, seq & 0xffff);
}

/* A GRO merge whose wire frames pre-gro did not all record: before the flow's first
 * frame there (the capture's edge) or after it (the capture's drops). */
static void test_gro_incomplete(void)
{
	struct oc_iface pre = iface("v", OC_POINT_PRE_GRO, 1500, 2, 0, "gro:on");
	struct oc_iface tci = iface("v", OC_POINT_TC_INGRESS, 1500, 2, 0, "gro:on");
	struct oc_analysis_opts o = { .flow_limit = 16, .verify = 1 };
	struct oc_analysis *a = oc_analysis_new(&o);
	const uint32_t wire[] = { 3, 4, 5 }, merges[] = { 1, 3, 5 };	/* in 1448-byte frames */
	const struct oc_match_stats *m;
	struct oc_packet p;

	oc_analysis_add_iface(a, 0, &pre);
	oc_analysis_add_iface(a, 1, &tci);
	for (unsigned i = 0; i < 3; i++) {
		p = tcp_pkt(0, OC_POINT_PRE_GRO, OC_DIR_IN, 1448);
		set_seq(1000 + wire[i] * 1448);
		oc_analysis_packet(a, &pre, &p);
	}
	for (unsigned i = 0; i < 3; i++) {
		p = tcp_pkt(1, OC_POINT_TC_INGRESS, OC_DIR_IN, 2896);
		set_seq(1000 + merges[i] * 1448);
		oc_analysis_packet(a, &tci, &p);
	}
	m = oc_analysis_match(a);
	CHECK_EQ(m->gro_merged, 3, "three merges");
	CHECK_EQ(m->gro_matched, 1, "frames 3 and 4: complete");
	CHECK_EQ(m->gro_edge, 1, "frames 1 and 2, before pre-gro's first frame of the flow: the capture's edge");
	CHECK_EQ(m->gro_missing, 1, "frames 5 and 6, 6 not recorded: missing");
	oc_analysis_free(a);
}

static void test_csum_states(void)
{
	struct oc_iface rx = iface("e", OC_POINT_PRE_GRO, 1500, 2, 0, "gro:on");
	struct oc_analysis *a = analysis();
	static const uint8_t states[] = { OC_CSUM_UNNECESSARY, OC_CSUM_UNNECESSARY, OC_CSUM_COMPLETE,
					  OC_CSUM_NONE, OC_CSUM_UNKNOWN };
	struct oc_packet p;

	oc_analysis_add_iface(a, 0, &rx);
	for (unsigned i = 0; i < sizeof(states); i++) {
		p = tcp_pkt(0, OC_POINT_PRE_GRO, OC_DIR_IN, 100);
		p.meta.csum = states[i];
		oc_analysis_packet(a, &rx, &p);
	}
	CHECK_EQ(oc_analysis_iface(a, 0)->csum_state[OC_CSUM_UNNECESSARY], 2, "checksum state unnecessary counted");
	CHECK_EQ(oc_analysis_iface(a, 0)->csum_state[OC_CSUM_COMPLETE], 1, "... complete");
	CHECK_EQ(oc_analysis_iface(a, 0)->csum_state[OC_CSUM_NONE], 1, "... none; unknown is not a state");
	oc_analysis_free(a);
}

/* 9000 on one end, 1500 on the other: named once, with both ends */
static void test_mtu_mismatch(void)
{
	struct oc_iface tx = iface("a", OC_POINT_TC_EGRESS, 9000, 2, 0, "gro:off");
	struct oc_iface rx = iface("b", OC_POINT_PRE_GRO, 1500, 3, 0, "gro:off");
	struct oc_analysis *a = analysis();
	const struct oc_problem *pr;
	struct oc_packet p;
	unsigned n;

	oc_analysis_add_iface(a, 0, &tx);
	oc_analysis_add_iface(a, 1, &rx);
	p = tcp_pkt(1, OC_POINT_PRE_GRO, OC_DIR_IN, 1000);
	oc_analysis_packet(a, &rx, &p);
	p = tcp_pkt(0, OC_POINT_TC_EGRESS, OC_DIR_OUT, 1400);
	oc_analysis_packet(a, &tx, &p);
	CHECK_EQ(oc_analysis_problem_count(a, OC_PROB_MTU_MISMATCH), 0, "a 1454-byte packet fits both ends");
	for (unsigned i = 0; i < 2; i++) {
		p = tcp_pkt(0, OC_POINT_TC_EGRESS, OC_DIR_OUT, 3000);
		p.meta.gso_segs = 0, p.meta.gso_size = 0, p.meta.gso_type = 0;
		oc_analysis_packet(a, &tx, &p);
	}
	CHECK_EQ(oc_analysis_problem_count(a, OC_PROB_MTU_MISMATCH), 1, "3040 bytes from MTU 9000 to MTU 1500: once");
	pr = oc_analysis_problems(a, &n);
	CHECK(n >= 1 && strstr(pr[n - 1].text, "MTU mismatch: nsa/a (MTU 9000) sent 3040-byte IP packets") &&
	      strstr(pr[n - 1].text, "nsb/b (MTU 1500) on the same flow"), "named from both ends");
	oc_analysis_free(a);
}

/* A NIC's TSO: the segments it cuts counted from gso_segs, even without tc-egress */
static void test_nic_cut(void)
{
	struct oc_analysis_opts o = { .flow_limit = 16, .verify = 1 };
	struct oc_analysis *a = oc_analysis_new(&o);
	struct oc_iface nic, vth, vio;
	struct oc_packet p;

	driver = "e1000e";
	nic = iface("e", OC_POINT_POST_GSO, 1500, 2, 0, "gro:on");
	driver = "veth";
	vth = iface("v", OC_POINT_POST_GSO, 1500, 3, 4, "gro:off");
	driver = "virtio_net";
	vio = iface("q", OC_POINT_POST_GSO, 1500, 5, 0, "gro:on");
	driver = "veth";
	oc_analysis_add_iface(a, 0, &nic);
	oc_analysis_add_iface(a, 1, &vth);
	oc_analysis_add_iface(a, 2, &vio);
	p = tcp_pkt(0, OC_POINT_POST_GSO, OC_DIR_OUT, 3800);
	oc_analysis_packet(a, &nic, &p);
	p = tcp_pkt(1, OC_POINT_POST_GSO, OC_DIR_OUT, 3800);
	oc_analysis_packet(a, &vth, &p);
	p = tcp_pkt(2, OC_POINT_POST_GSO, OC_DIR_OUT, 3800);
	oc_analysis_packet(a, &vio, &p);
	oc_analysis_finish(a);
	CHECK_EQ(oc_analysis_match(a)->tso_superframes, 3, "three super-frames handed whole to a device");
	CHECK_EQ(oc_analysis_match(a)->nic_cut, 3, "the NIC cuts its one into 3 segments; veth and virtio are no NIC");
	CHECK_EQ(oc_analysis_match(a)->tso_superframes_virtio, 1, "virtio-net's goes to its host whole");
	CHECK_EQ(oc_analysis_match(a)->host_cut, 3, "... which cuts it into 3 where a wire needs it");
	CHECK_EQ(oc_analysis_niccut(a)->handed, 2, "Linux's cut kept for the NIC's and virtio's, not the veth's");
	CHECK_EQ(oc_analysis_niccut(a)->seg_unseen + oc_analysis_niccut(a)->seg_resent, 6,
		 "... no other interface received their 6 segments (the same flow's: sent again, then never seen)");
	oc_analysis_free(a);
}

/* The problems' table: every row a machine id (lower case and '_'), unique, and a heading. */
static void test_problem_table(void)
{
	for (unsigned k = 0; k < OC_PROB_MAX; k++) {
		const char *id = oc_problem_id(k);
		int good = id[0] != '\0' && strcmp(oc_problem_name(k), "?") != 0;

		for (const char *c = id; *c; c++)
			good &= (*c >= 'a' && *c <= 'z') || *c == '_';
		for (unsigned m = 0; m < k; m++)
			good &= strcmp(id, oc_problem_id(m)) != 0;
		CHECK(good, "problem %u: machine id '%s', unique, and a heading", k, id);
	}
	CHECK(!strcmp(oc_problem_id(OC_PROB_MAX), "?"), "no problem beyond the table");
	CHECK(!strcmp(oc_problem_id(OC_PROB_MSS_PMTU), "mss_over_path_mtu") &&
	      !strcmp(oc_problem_name(OC_PROB_MSS_PMTU), "MSS larger than a link on the path carries"),
	      "ids and headings stay what JSON consumers read");
}

int main(void)
{
	test_problem_table();
	test_device_merged();
	test_gro_incomplete();
	test_csum_states();
	test_mtu_mismatch();
	test_nic_cut();
	test_problem_once();
	test_xdp_verdicts();
	test_received_whole();
	test_peer_mtu_and_counters();
	test_counted_once();
	return check_done();
}
