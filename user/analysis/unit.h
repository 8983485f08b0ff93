/* Wire units: what one packet on the wire is, the same at both ends of a path.
 *
 * A sender's capture holds super-frames, a receiver's GRO merges; neither
 * holds one frame per wire packet. A unit is one wire packet, named by a key
 * that survives GSO, GRO, NAT, routers and tunnels: a TCP segment by its
 * sequence number, length and ACK (a super-frame yields one unit per segment
 * it is cut into, a merge one per frame it was built from); a pure ACK by its
 * sequence, ACK, window, flags and timestamp; a UDP datagram by its length and
 * first payload bytes (a UDP GSO super-frame yields one per datagram); an IP
 * fragment train by its datagram (the first fragment carries its key); ICMP
 * by its header and quote. Addresses and ports are left out of the key, so a
 * translated flow still matches; they name the flow direction (group). */
#ifndef OFFCAP_UNIT_H
#define OFFCAP_UNIT_H

#include <stdint.h>
#include "flow.h"
#include "packet.h"
#include "parse.h"

/* A flow direction: source to destination, as one capture names it. */
struct oc_tuple {
	uint8_t version, proto;
	uint16_t sport, dport;	/* 0 where the protocol has none */
	uint8_t src[16], dst[16];
};

enum oc_unit_kind { OC_UNIT_TCP_DATA, OC_UNIT_TCP_CTL, OC_UNIT_UDP, OC_UNIT_ICMP, OC_UNIT_OTHER };

struct oc_unit {
	uint64_t key;		/* the same at every vantage point */
	uint64_t group;		/* flow direction as this capture names it (tuple) */
	uint64_t ts_ns;
	uint64_t frame;		/* the packet's frame number, 1-based */
	uint32_t if_id;
	uint32_t wire_len;	/* L3 length of the wire packet (the datagram's for fragments) */
	uint32_t payload;	/* L4 payload bytes */
	uint16_t mss;		/* SYN's MSS option; 0 none */
	uint8_t kind;		/* enum oc_unit_kind */
	uint8_t dir;		/* enum oc_dir from the capture; OC_DIR_UNKNOWN for tcpdump's pcap */
	uint8_t ttl, tos;	/* of the flow's IP header (inner when tunnelled) */
	uint8_t tunnel;		/* enum oc_tunnel_kind around it */
	uint8_t syn;		/* 1 SYN, 2 SYN-ACK */
	uint8_t frags;		/* IP fragments it travelled in (0: not fragmented) */
	uint8_t frags_complete;	/* every fragment seen */
	uint8_t df;
	uint32_t vni;
	struct oc_tuple tuple;	/* the flow direction as this capture saw it */
};

typedef void (*oc_unit_cb)(const struct oc_unit *u, void *arg);

struct oc_unit_src;

/* One per capture: its flow table (MSS, for cutting tcpdump's merges), the
 * datagrams waiting for fragments, and which interface block counts each
 * flow direction (the same unit at tc-egress and post-gso is one). */
struct oc_unit_src *oc_unit_src_new(uint32_t flow_limit);
void oc_unit_src_free(struct oc_unit_src *s);
/* Units of one packet (frame: its number), delivered through cb. */
void oc_unit_packet(struct oc_unit_src *s, const struct oc_iface *iface, const struct oc_packet *pkt,
		    uint64_t frame, oc_unit_cb cb, void *arg);
/* Deliver the datagrams still waiting for fragments (incomplete). */
void oc_unit_flush(struct oc_unit_src *s, oc_unit_cb cb, void *arg);
/* The last ICMP "fragmentation needed"/"packet too big" the capture held
 * for the flow direction group (0 if none), its MTU and frame. */
int oc_unit_icmp_too_big(const struct oc_unit_src *s, uint64_t group, uint32_t *mtu, uint64_t *frame);

/* The key of the wire packet carrying payload bytes [at, at + n) of the TCP
 * segment or UDP datagram p describes, its i-th piece (a UDP GSO super-frame's
 * datagrams take IPv4 ids id0 + i); 0 if p is neither or the TCP piece is
 * empty. One wire packet (a synthesized segment, a received frame): at 0, n
 * its payload, i 0. */
uint64_t oc_unit_piece_key(const struct oc_parsed *p, const uint8_t *data, uint32_t caplen, uint32_t at,
			   uint32_t n, uint32_t i);
/* The flow direction p belongs to (oc_unit.group). */
uint64_t oc_unit_group(const struct oc_parsed *p);

uint64_t oc_tuple_hash(const struct oc_tuple *t);
/* "tcp 198.18.0.1:40000 > 198.18.0.2:5201" */
void oc_tuple_format(const struct oc_tuple *t, char *buf, size_t len);

#endif
