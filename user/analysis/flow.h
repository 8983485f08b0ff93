/* Bidirectional flow table: per side, what the handshake announced and what
 * each hook point saw. Bounded: the least recently seen flow is evicted. */
#ifndef OFFCAP_FLOW_H
#define OFFCAP_FLOW_H

#include <stdint.h>
#include "meta.h"
#include "parse.h"

#define OC_FLOW_GSO_SIZES 4
#define OC_POINTS_ALL (OC_POINT_MAX + 1)	/* hook points + "foreign capture" */

struct oc_flow_key {
	uint8_t version, proto;
	uint8_t tunnel;		/* enum oc_tunnel_kind: inside a tunnel or not differs */
	uint16_t port[2];
	uint8_t addr[2][16];
	uint32_t vni;		/* tunnel VNI/key: the same inner tuple in two tunnels differs */
};

struct oc_flow_side {
	uint16_t mss;		/* announced in its SYN / SYN-ACK; 0 if not seen */
	uint8_t wscale, has_wscale, sackok, ts, syn_seen;
	uint8_t opt_len;	/* TCP option bytes on its last data segment */
	uint8_t opt_max, opt_seen;	/* most option bytes a data segment carried */
	uint8_t has_mss;	/* its SYN carried an MSS option */
	uint32_t syn_seq;
	uint16_t clamp_from, clamp_to;	/* the same SYN seen with two MSS values */
	/* interfaces (if_id + 1, 0 none): where the MSS was last seen, the clamp
	 * happened between, and where packets, sends and receptions are counted */
	uint32_t mss_if1, clamp_before_if1, clamp_after_if1;
	uint32_t count_if1, tx_if1, rx_if1;
	uint64_t syn_frame;	/* frame of its SYN (the last seen) */
	uint64_t received_whole, received_whole_segs;	/* super-frames received never on a wire */
	uint32_t seq_next;	/* TCP: the highest sequence sent + 1, where counted */
	uint8_t seq_known;
	uint64_t retrans_bytes;	/* payload sent again (at or below seq_next) */
	uint8_t n_gso;
	uint16_t gso_size[OC_FLOW_GSO_SIZES];
	uint64_t gso_count[OC_FLOW_GSO_SIZES];
	uint32_t max_payload[OC_POINTS_ALL];
	uint32_t max_wire_payload;	/* largest payload of a frame that went on the wire */
	uint64_t packets, payload_bytes;
	uint64_t superframes, segments;	/* super-frames sent and the segments they became */
	uint64_t merged, merged_frames;	/* GRO-merged frames received and frames merged */
	uint64_t over_mss;	/* wire segments larger than the peer's MSS */
	/* MTU mismatch: the largest IP packet sent unsegmented (where, that MTU),
	 * and the smallest MTU of an interface that received this side's packets */
	uint32_t max_sent_l3, sent_if1, sent_mtu;
	uint32_t rx_mtu, rx_mtu_if1;
	uint8_t mismatch_said;
	/* UDP datagrams sent in IP fragments (counted at the first fragment) */
	uint64_t frag_datagrams, fragments;
	uint32_t max_frag_datagram;
};

struct oc_flow {
	struct oc_flow_key key;
	struct oc_flow_side side[2];	/* side i sent from key.addr[i]:key.port[i] */
	int8_t initiator;	/* side that sent the SYN, -1 unknown */
	uint8_t tunnel;		/* enum oc_tunnel_kind */
	uint16_t encap;		/* tunnel headers before the flow's IP header (VXLAN 50) */
	uint32_t path_mtu, path_mtu_if1;	/* smallest known MTU of the links it crossed */
	uint64_t first_ns, last_ns;
	uint64_t id;		/* order of first appearance */
	/* table internals */
	struct oc_flow *hnext, *lru_prev, *lru_next;
};

struct oc_flow_table;

struct oc_flow_table *oc_flows_new(uint32_t limit);
void oc_flows_free(struct oc_flow_table *t);
/* The flow of a parsed TCP/UDP packet (created if new) and the sending side
 * (0/1); NULL when the packet has no ports. */
struct oc_flow *oc_flows_get(struct oc_flow_table *t, const struct oc_parsed *p, uint64_t ts_ns,
			     int *side);
uint64_t oc_flows_evicted(const struct oc_flow_table *t);
uint32_t oc_flows_count(const struct oc_flow_table *t);
/* Flows in order of first appearance; returns how many were written. */
uint32_t oc_flows_list(const struct oc_flow_table *t, struct oc_flow **out, uint32_t max);

/* Learn MSS/options from a SYN or SYN-ACK; note a data segment's option length.
 * Returns 1 when this SYN is one already seen with another MSS (a clamp). */
int oc_flow_learn_tcp(struct oc_flow *f, int side, const struct oc_tcp *tcp, uint32_t payload);
void oc_flow_note_gso(struct oc_flow_side *s, uint16_t gso_size);
/* Payload per wire segment the sender on `side` should use: the peer's MSS (or
 * the MTU's, less the flow's tunnel headers) less the option bytes its data
 * segments carry (1448 = 1460 - 12 with timestamps; more with SACK blocks,
 * MPTCP), or with only the handshake
 * seen, 12 when both sides agreed on timestamps. 0 if unknown. */
uint32_t oc_flow_segment_payload(const struct oc_flow *f, int side, uint32_t mtu);
/* "198.18.0.1:40000 > 198.18.0.2:5201" from the initiator's side */
void oc_flow_format(const struct oc_flow *f, char *buf, size_t len);

#endif
