/* The report's findings: every frame over the MTU explained, per interface and
 * hook point and per flow, with the real problems singled out. Streams: memory
 * is bounded by the flow limit, never by the capture's size. */
#ifndef OFFCAP_ANALYSIS_H
#define OFFCAP_ANALYSIS_H

#include <stdint.h>
#include "findings.h"
#include "flow.h"
#include "netdev.h"
#include "packet.h"
#include "niccut.h"

enum oc_cause {
	OC_CAUSE_TSO,		/* TSO/GSO super-frame on transmit */
	OC_CAUSE_GRO,		/* GRO/LRO merge on receive */
	OC_CAUSE_RECEIVED_WHOLE,	/* received as a super-frame, never on a wire (veth GSO
				 * pass-through, forwarded whole): not a merge */
	OC_CAUSE_OFFLOAD,	/* super-frame or merge: a foreign capture cannot tell which */
	OC_CAUSE_BIGTCP,	/* BIG TCP: TCP over 64 KiB, IPv4 tot_len 0 or IPv6 jumbo */
	OC_CAUSE_REAL,		/* nothing explains it: it would not fit the wire */
	OC_CAUSE_MAX,
};

/* The report's real problems: one row each (findings.h), flag unused.  The id
 * is JSON's "id" and "problem_counts" key and what tests match on; the text
 * is the heading (text report, JSON "kind", the "problems" key kept for
 * consumers).  Adding a problem: a row here, its problem() where found. */
#define OC_PROBLEMS(X) \
	/* a frame over the MTU where only wire-sized frames belong */ \
	X(OC_PROB_OVERSIZE, "oversize", "oversize frame where only wire-sized frames belong", 0) \
	/* a wire segment larger than the receiver's MSS */ \
	X(OC_PROB_OVER_MSS, "over_mss", "segment larger than the receiver's MSS", 0) \
	/* announced MSS larger than a link the flow crossed carries */ \
	X(OC_PROB_MSS_PMTU, "mss_over_path_mtu", "MSS larger than a link on the path carries", 0) \
	/* ICMP fragmentation needed / ICMPv6 packet too big */ \
	X(OC_PROB_ICMP_TOO_BIG, "icmp_too_big", "ICMP too-big", 0) \
	/* a checksum really wrong (not an offload's placeholder) */ \
	X(OC_PROB_BAD_CSUM, "bad_checksum", "checksum really wrong", 0) \
	/* a frame larger than the receiving veth peer's MTU: dropped */ \
	X(OC_PROB_PEER_MTU, "over_peer_mtu", "frame larger than the receiving veth peer's MTU (dropped)", 0) \
	/* the kernel counted drops/errors on an interface meanwhile */ \
	X(OC_PROB_KERNEL_DROPS, "kernel_drops", "the kernel counted drops or errors during the capture", 0) \
	/* a flow sent larger than an interface that receives it takes */ \
	X(OC_PROB_MTU_MISMATCH, "mtu_mismatch", \
	  "MTU mismatch: a flow sent packets larger than a receiving interface's MTU", 0)

enum oc_problem_kind { OC_PROBLEMS(OC_FINDING_ENUM) OC_PROB_MAX };

#define OC_MAX_PROBLEMS_KEPT 32

struct oc_problem {
	uint64_t frame;		/* 1-based frame number in the file */
	uint32_t if_id;
	uint8_t kind;
	char text[320];
};

struct oc_if_stats {
	uint64_t packets, bytes, max_len;
	uint64_t over_mtu, cause[OC_CAUSE_MAX];
	uint64_t superframes, segments;	/* super-frames and the wire segments they become */
	uint64_t merged, merged_frames;	/* GRO merges and the frames merged */
	uint64_t uncut;		/* over the MTU, an offload's, but no segment size known */
	const char *uncut_why;
	uint32_t gso_types;	/* OC_GSO_* bits seen in this interface's metadata */
	/* super-frames received whole (never on a wire), and why we know */
	uint64_t received_whole, received_whole_segs;
	uint64_t rw_seen_sent;	/* the same super-frame was seen sent whole (rw_sent_if1) */
	uint64_t rw_gro_off;	/* GRO and LRO off on this device: it merges nothing */
	uint64_t rw_dodgy;	/* gso_type DODGY: from a tap, virtio or packet socket */
	uint64_t rw_pre_gro;	/* at pre-gro: LRO, hardware GRO, or the driver got it whole */
	uint32_t rw_sent_if1;	/* if_id + 1 of an interface that sent one whole */
	uint64_t too_big_for_peer;	/* frames over the receiving peer's MTU */
	uint32_t peer_if1, peer_mtu;	/* the veth peer's interface block, its MTU */
	uint8_t peer_checked, point, facts_known;
	uint8_t post_gso_checked, has_post_gso;	/* this device's post-gso is in the file */
	char ifname[64];
	struct oc_iface_facts facts;	/* from offcap's description and statistics */
	uint64_t csum_ok, csum_partial, csum_bad, csum_unverified;
	uint64_t csum_state[4];	/* ip_summed as recorded: none, unnecessary, complete, partial */
	uint64_t device_merged;	/* received whole before GRO on a device with LRO / hardware GRO */
	uint64_t ip_csum_bad;
	uint64_t vlan_offloaded;
	uint64_t xdp_verdict[OC_XDP_ACTIONS];	/* frames by the XDP verdict recorded */
	uint16_t vlan_ids[8];
	uint8_t n_vlan_ids;
	uint64_t truncated, malformed;
	uint64_t ring_full_cut;	/* cut by the capture: its ring was nearly full (cut=ring_full) */
	const char *malformed_example;
	uint32_t mtu;
	uint8_t mtu_assumed;	/* not in the file: --mtu or 1500 */
};

struct oc_match_stats {	/* synthesized segments against the kernel's own */
	uint64_t compared, matched, differed, missing;
	uint64_t tso_superframes;	/* handed whole to the device at post-gso (TSO) */
	uint64_t device_cut;	/* synthesized segments of those: the device cuts them, unobservable */
	uint64_t tso_superframes_veth, device_cut_veth;	/* of those, on a veth: passed whole to the peer */
	uint64_t nic_cut;	/* gso_segs of the super-frames handed whole to a NIC (not veth, virtio) */
	uint64_t tso_superframes_virtio, host_cut;	/* to virtio-net: its host cuts them, or not */
	uint64_t gro_merged, gro_matched;	/* merged frames whose wire frames were all seen at XDP */
	uint64_t gro_edge;	/* incomplete: begun before the point's first frame of the flow */
	uint64_t gro_missing;	/* incomplete otherwise: frames the point did not record */
	uint64_t gro_hist[7];	/* merged frames built from 1, 2-3, 4-7, ..., 64+ wire frames */
};

struct oc_analysis_opts {
	uint32_t flow_limit;	/* default 65536 */
	uint32_t default_mtu;	/* for files that do not record it; 0: OC_DEFAULT_MTU (wire.h) */
	int verify;		/* synthesize and compare with observed segments */
	/* called for every super-frame with its synthesized and observed segments */
	void (*side_by_side)(void *ctx, const char *text);
	void *ctx;
	uint64_t side_by_side_max;
};

/* What oc_analysis_packet decided about the packet just fed: offcap view draws
 * each frame by it, so the page and the report count the same. */
enum oc_frame_role {
	OC_ROLE_FRAME,		/* as it is: wire-sized, or not TCP/UDP */
	OC_ROLE_SUPERFRAME,	/* sent: becomes `segments` wire segments */
	OC_ROLE_MERGED,		/* received: a GRO/LRO merge of `segments` frames */
	OC_ROLE_RECEIVED_WHOLE,	/* received: a super-frame never on a wire */
	OC_ROLE_UNCUT,		/* an offload's, but no segment size known */
};

struct oc_frame_verdict {
	uint8_t over_mtu, cause, role;	/* cause only when over_mtu */
	int8_t side;		/* the flow's sending side, -1 without a flow */
	uint32_t segments, l3_len;
	const struct oc_flow *flow;	/* valid until the next packet */
};

struct oc_analysis;

struct oc_analysis *oc_analysis_new(const struct oc_analysis_opts *o);
void oc_analysis_free(struct oc_analysis *a);
/* Feed every packet of the file in order; iface is the packet's IDB. */
void oc_analysis_packet(struct oc_analysis *a, const struct oc_iface *iface,
			const struct oc_packet *pkt);
/* Tell the analysis about an interface block (before its packets, and again at
 * the end of the file for its statistics block). Optional for foreign files. */
void oc_analysis_add_iface(struct oc_analysis *a, uint32_t if_id, const struct oc_iface *iface);
/* Flush pending matches and judge what needs the whole file (MSS against the
 * path, kernel counters). */
void oc_analysis_finish(struct oc_analysis *a);

const struct oc_if_stats *oc_analysis_iface(const struct oc_analysis *a, uint32_t if_id);
uint32_t oc_analysis_niface(const struct oc_analysis *a);
const struct oc_match_stats *oc_analysis_match(const struct oc_analysis *a);
/* Super-frames handed whole to a NIC against the frames another interface received. */
const struct oc_cut_stats *oc_analysis_niccut(const struct oc_analysis *a);
struct oc_flow_table *oc_analysis_flows(const struct oc_analysis *a);
const struct oc_problem *oc_analysis_problems(const struct oc_analysis *a, unsigned *n);
uint64_t oc_analysis_problem_count(const struct oc_analysis *a, unsigned kind);
uint64_t oc_analysis_packets(const struct oc_analysis *a);
const struct oc_frame_verdict *oc_analysis_last(const struct oc_analysis *a);

const char *oc_cause_name(unsigned cause);
/* A problem's heading and machine id (OC_PROBLEMS); "?" beyond the table. */
const char *oc_problem_name(unsigned kind);
const char *oc_problem_id(unsigned kind);

#endif
