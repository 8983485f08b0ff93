/* Packet parser: link, IP, TCP/UDP/ICMP and one level of tunnel.
 *
 * oc_parse() fills a caller-owned struct oc_parsed; it never allocates and
 * never reads outside data[0, caplen).  Every offset below is from the start
 * of the frame.  Lengths come from the headers (IP tot_len/payload_len, UDP
 * length), not from caplen: a snaplen-cut capture still has the right
 * payload_len, and payload_captured says how much of it is present. */
#ifndef OFFCAP_PARSE_H
#define OFFCAP_PARSE_H

#include <stdbool.h>
#include <stdint.h>
#include "packet.h"

/* oc_parsed.flags */
#define OC_PARSE_TRUNCATED	0x0001u	/* caplen ends inside a header */
#define OC_PARSE_MALFORMED	0x0002u	/* a header contradicts itself or the lengths */
#define OC_PARSE_BIGTCP		0x0004u	/* an IP length came from the frame or a jumbo option */
#define OC_PARSE_LEN_MISMATCH	0x0008u	/* an IP length and its frame disagree */
#define OC_PARSE_FRAGMENT	0x0010u	/* an IP fragment (L4 parsed only in the first) */
#define OC_PARSE_TUNNEL		0x0020u	/* has_inner: an encapsulated packet was parsed */
#define OC_PARSE_UNKNOWN	0x0040u	/* stopped at a protocol we do not parse (ARP, ESP...) */

enum oc_l4_kind {
	OC_L4_NONE = 0,
	OC_L4_TCP,
	OC_L4_UDP,
	OC_L4_ICMP,
	OC_L4_ICMPV6,
	OC_L4_GRE,	/* the GRE header is described in oc_parsed.tun */
	OC_L4_OTHER,	/* an IP protocol we do not parse; off/len still valid */
};

enum oc_tunnel_kind {
	OC_TUN_NONE = 0,
	OC_TUN_VXLAN,	/* udp/4789 */
	OC_TUN_GENEVE,	/* udp/6081 */
	OC_TUN_GRE,	/* IP protocol 47 */
	OC_TUN_IPIP,	/* IPv4 or IPv6 directly in IP (protocols 4 and 41) */
};

/* TCP flag bits, as in the 12-bit flags field (AE is the former NS). */
#define OC_TH_FIN	0x001
#define OC_TH_SYN	0x002
#define OC_TH_RST	0x004
#define OC_TH_PSH	0x008
#define OC_TH_ACK	0x010
#define OC_TH_URG	0x020
#define OC_TH_ECE	0x040
#define OC_TH_CWR	0x080
#define OC_TH_AE	0x100

/* oc_tcp_opts.present */
#define OC_TCPOPT_MSS		0x01
#define OC_TCPOPT_WSCALE	0x02
#define OC_TCPOPT_SACKOK	0x04
#define OC_TCPOPT_SACK		0x08
#define OC_TCPOPT_TS		0x10
#define OC_TCPOPT_EOL		0x20

#define OC_IP6_MAX_EXT 8	/* extension headers recorded (more are walked, not listed) */

struct oc_vlan {
	uint16_t tpid;		/* 0x8100, 0x88a8, 0x9100 */
	uint16_t tci;		/* PCP(3) DEI(1) VID(12) */
};

struct oc_link {
	uint16_t linktype;	/* OC_LINKTYPE_*; 1 for a tunnel's inner Ethernet */
	uint16_t ethertype;	/* after the VLAN tags: what follows at l3_off */
	uint32_t off;		/* start of the link header */
	uint32_t l3_off;	/* end of the link header and tags */
	uint8_t has_mac;	/* Ethernet: dst/src valid */
	uint8_t n_vlan;		/* tags parsed, at most 2 */
	uint8_t dst[6], src[6];
	uint32_t vlan_off;	/* offset of the first tag's TPID */
	struct oc_vlan vlan[2];	/* outer first */
	uint16_t sll_pkttype;	/* Linux cooked (SLL, SLL2) */
	uint16_t sll_hatype;
	uint32_t sll_ifindex;	/* SLL2 only */
};

struct oc_ip {
	uint8_t version;	/* 4 or 6; 0 when there is no IP layer */
	uint8_t proto;		/* upper protocol (after IPv6 extension headers) */
	uint8_t ttl;		/* TTL / hop limit */
	uint8_t tos;		/* TOS / traffic class */
	uint32_t off;		/* IP header */
	uint32_t hdr_len;	/* IPv4 IHL*4; IPv6 40 + extension headers */
	uint32_t len;		/* IP packet length as parsed: header + payload */
	uint16_t len_field;	/* tot_len (v4) or payload_len (v6) as found */
	uint32_t trailer;	/* bytes of the enclosing frame after the IP packet */
	uint8_t bigtcp;		/* len taken from the frame (field 0) or the jumbo option */
	uint8_t len_mismatch;	/* len and the enclosing frame disagree (not padding) */
	uint8_t is_fragment;	/* MF set or offset != 0 */
	uint8_t mf;
	uint32_t frag_off;	/* fragment offset in bytes */
	uint8_t src[16], dst[16];	/* IPv4 uses the first 4 bytes */
	/* IPv4 */
	uint16_t id;
	uint8_t df;
	uint8_t csum_ok;	/* header checksum verifies */
	uint16_t csum;
	/* IPv6 */
	uint32_t flow_label;
	uint32_t frag_id;	/* fragment header identification */
	uint16_t ext_len;	/* bytes of extension headers */
	uint8_t n_ext;		/* extension headers walked */
	uint8_t ext[OC_IP6_MAX_EXT];	/* their types in order (0 HBH, 43, 44, 60, 51) */
	uint32_t hbh_off;	/* hop-by-hop header, if ext[0] == 0 */
	uint32_t hbh_len;
	uint32_t jumbo;		/* RFC 2675 jumbo payload length; 0 if no option */
	uint32_t jumbo_off;	/* offset of the jumbo option TLV (type 0xC2) */
	uint8_t has_final_dst;	/* a routing header names a different final destination */
	uint8_t final_dst[16];	/* destination for the L4 pseudo-header */
};

struct oc_tcp_opts {
	uint16_t len;		/* option bytes: data offset * 4 - 20 */
	uint16_t present;	/* OC_TCPOPT_* */
	uint16_t mss;
	uint8_t wscale;
	uint8_t nop;		/* NOP count */
	uint8_t unknown;	/* options of other kinds */
	uint8_t unknown_kind[4];	/* the first four of them */
	uint8_t sack_blocks;
	uint32_t sack[4][2];	/* left, right edge */
	uint32_t tsval, tsecr;
	uint32_t ts_off;	/* offset of the timestamp option in the frame */
};

struct oc_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t doff;		/* data offset in 32-bit words */
	uint16_t flags;		/* OC_TH_* */
	uint16_t window;
	uint16_t csum;
	uint16_t urg;
	struct oc_tcp_opts opt;
};

struct oc_udp {
	uint16_t sport, dport;
	uint16_t len;		/* length field */
	uint16_t csum;
};

/* ICMP and ICMPv6.  For errors, the quoted packet's addresses and ports. */
struct oc_icmp {
	uint8_t type, code;
	uint16_t csum;
	uint8_t has_mtu;	/* frag-needed (3/4) or packet-too-big (v6 2/0) */
	uint32_t mtu;
	uint8_t has_quote;	/* q_* address fields valid */
	uint8_t has_ports;	/* q_sport/q_dport valid */
	uint8_t q_version;
	uint8_t q_proto;
	uint8_t q_src[16], q_dst[16];
	uint16_t q_sport, q_dport;
	uint32_t q_seq;		/* quoted TCP sequence number if present */
	uint8_t has_seq;
};

struct oc_l4 {
	uint8_t kind;		/* enum oc_l4_kind */
	uint8_t proto;		/* IP protocol number */
	uint32_t off;		/* L4 header */
	uint32_t hdr_len;	/* TCP doff*4, UDP 8, ICMP 8 */
	uint32_t len;		/* header + payload, from the IP length */
	uint32_t payload_off;
	uint32_t payload_len;	/* from IP/UDP lengths */
	uint32_t payload_captured;	/* bytes of payload present in the capture */
	union {
		struct oc_tcp tcp;
		struct oc_udp udp;
		struct oc_icmp icmp;
	};
};

struct oc_layer {
	struct oc_ip ip;
	struct oc_l4 l4;
};

struct oc_tunnel {
	uint8_t kind;		/* enum oc_tunnel_kind */
	uint8_t inner_is_eth;	/* the tunnel carries Ethernet (VXLAN, TEB) */
	uint8_t has_key, has_csum, has_seq;	/* GRE optional fields */
	uint16_t proto;		/* inner EtherType (0x6558 = Ethernet) */
	uint16_t gre_flags;	/* first 16 bits of the GRE header */
	uint16_t gre_csum;
	uint32_t off;		/* tunnel header (VXLAN, GENEVE, GRE; inner IP for IPIP) */
	uint32_t hdr_len;	/* its length incl. GENEVE options / GRE fields */
	uint32_t vni;		/* VXLAN/GENEVE VNI, GRE key */
	uint32_t gre_seq;
	uint32_t gre_csum_off;	/* offset of the GRE checksum field */
	uint32_t inner_off;	/* first inner byte (Ethernet or IP) */
	struct oc_link eth;	/* inner Ethernet when inner_is_eth */
};

struct oc_parsed {
	uint32_t caplen, len;
	uint32_t flags;		/* OC_PARSE_* */
	const char *error;	/* first problem found (static string), or NULL */
	uint8_t has_inner;	/* inner valid: the flow is the inner packet */
	struct oc_link link;
	struct oc_layer outer;
	struct oc_tunnel tun;
	struct oc_layer inner;
};

/* Parse one frame.  len is the original length (>= caplen).  Returns 0 if
 * every header was present and sane, -1 if the frame is truncated or
 * malformed (flags and error say which); out is filled as far as possible
 * either way. */
int oc_parse(const uint8_t *data, uint32_t caplen, uint32_t len, uint16_t linktype,
	     struct oc_parsed *out);

/* EtherTypes the parser and its readers name */
#define OC_ETH_IPV4	0x0800
#define OC_ETH_IPV6	0x86dd
#define OC_ETH_VLAN	0x8100
#define OC_ETH_QINQ	0x88a8
#define OC_ETH_QINQ_OLD	0x9100
#define OC_ETH_TEB	0x6558

/* The link layer alone, for a frame that may be truncated anywhere: the
 * offset of the L3 header after the link header and every VLAN tag (QinQ
 * too, up to 8), and the EtherType there (0: unknown link type, or the
 * header not captured; raw IP: IPv6 or IPv4 by the version nibble). */
uint32_t oc_link_l3(const uint8_t *data, uint32_t caplen, uint16_t linktype, uint16_t *ethertype);

/* The layer that carries the flow: inner when tunnelled. */
static inline const struct oc_layer *oc_flow(const struct oc_parsed *p)
{
	return p->has_inner ? &p->inner : &p->outer;
}

/* Destination address for the L4 pseudo-header (IPv6 routing headers). */
static inline const uint8_t *oc_ip_pseudo_dst(const struct oc_ip *ip)
{
	return ip->has_final_dst ? ip->final_dst : ip->dst;
}

const char *oc_tunnel_name(unsigned kind);	/* "vxlan", ... ; "none" */

#endif
