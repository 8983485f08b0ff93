/* Offload metadata of one packet at one hook point, as offcap records it. */
#ifndef OFFCAP_META_H
#define OFFCAP_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Hook points. The values are stored in pcapng files: never renumber. */
enum oc_point {
	OC_POINT_XDP = 0,	/* driver, before GRO */
	OC_POINT_TC_INGRESS = 1,	/* after GRO */
	OC_POINT_TC_EGRESS = 2,	/* before GSO: super-frames */
	OC_POINT_POST_GSO = 3,	/* net_dev_start_xmit: what the driver is handed */
	OC_POINT_PRE_GRO = 4,	/* what the driver hands the stack, before GRO */
	OC_POINT_MAX = 5,
	OC_POINT_NONE = 0xff,	/* packet from a foreign capture (tcpdump, dumpcap) */
};

enum oc_dir { OC_DIR_UNKNOWN = 0, OC_DIR_IN = 1, OC_DIR_OUT = 2 };

/* skb->ip_summed */
enum oc_csum {
	OC_CSUM_NONE = 0,
	OC_CSUM_UNNECESSARY = 1,
	OC_CSUM_COMPLETE = 2,
	OC_CSUM_PARTIAL = 3,
	OC_CSUM_UNKNOWN = 0xff,	/* XDP, foreign captures, tc before 6.2 */
};

/* offcap's own gso_type bits: stable across kernels (the kernel moved
 * SKB_GSO_TCP_FIXEDID in 6.18); the loader translates by enumerator name. */
enum oc_gso {
	OC_GSO_TCPV4 = 1u << 0,
	OC_GSO_DODGY = 1u << 1,
	OC_GSO_TCP_ECN = 1u << 2,
	OC_GSO_TCP_FIXEDID = 1u << 3,
	OC_GSO_TCPV6 = 1u << 4,
	OC_GSO_GRE = 1u << 6,
	OC_GSO_GRE_CSUM = 1u << 7,
	OC_GSO_IPXIP4 = 1u << 8,
	OC_GSO_IPXIP6 = 1u << 9,
	OC_GSO_UDP_TUNNEL = 1u << 10,
	OC_GSO_UDP_TUNNEL_CSUM = 1u << 11,
	OC_GSO_PARTIAL = 1u << 12,
	OC_GSO_SCTP = 1u << 14,
	OC_GSO_ESP = 1u << 15,
	OC_GSO_UDP = 1u << 16,	/* UFO: IP fragments */
	OC_GSO_UDP_L4 = 1u << 17,
	OC_GSO_FRAGLIST = 1u << 18,
	OC_GSO_TCP_ACCECN = 1u << 19,
	OC_GSO_TCP_FIXEDID_INNER = 1u << 20,
};

/* The tunnel offloads: the segments are encapsulated packets. */
#define OC_GSO_TUNNEL_MASK (OC_GSO_GRE | OC_GSO_GRE_CSUM | OC_GSO_IPXIP4 | OC_GSO_IPXIP6 | \
			    OC_GSO_UDP_TUNNEL | OC_GSO_UDP_TUNNEL_CSUM | OC_GSO_PARTIAL)

#define OC_META_VALID	0x01	/* the packet came with offcap metadata */
#define OC_META_VLAN	0x02	/* an offloaded VLAN tag was re-inserted into the bytes */
#define OC_META_NO_GSO_TYPE 0x04	/* the kernel did not let the hook read gso_type */
#define OC_META_CUT_FULL 0x08	/* cut to its first bytes: the capture's ring was nearly full */

struct oc_meta {
	uint8_t point;		/* enum oc_point */
	uint8_t dir;		/* enum oc_dir */
	uint8_t csum;		/* enum oc_csum */
	uint8_t flags;		/* OC_META_* */
	uint16_t gso_size;
	uint16_t gso_segs;
	uint32_t gso_type;	/* enum oc_gso bits */
	uint16_t vlan_tci;
	uint16_t vlan_proto;	/* host order, e.g. 0x8100 */
	uint32_t rx_queue;
	uint32_t ifindex;
	uint32_t netns;		/* network namespace inode */
	uint32_t len;		/* true length: skb->len including frags */
};

/* Whether the packet carries GSO metadata at all (a gso_size, or more than
 * one segment): the line's gso column, and what explains a frame over the MTU
 * as an offload rather than a REAL one. */
static inline bool oc_meta_has_gso(const struct oc_meta *m)
{
	return (m->flags & OC_META_VALID) && (m->gso_size || m->gso_segs > 1);
}

#define OC_PAYLOAD_UNKNOWN UINT32_MAX

/* The one super-frame rule (#19): by its metadata the packet stands for more
 * than one wire segment -- a TSO/GSO super-frame, a GRO/LRO merge: gso_size
 * set, and gso_segs > 1 or more L4 payload than gso_size (a host's DODGY
 * frame leaves gso_segs 0).  payload: the L4 payload (oc_layer's
 * l4.payload_len); OC_PAYLOAD_UNKNOWN where the packet is not parsed (the
 * capture's epb_flags TSO bit): gso_size decides.  Every reader asks this. */
static inline bool oc_meta_superframe(const struct oc_meta *m, uint32_t payload)
{
	return (m->flags & OC_META_VALID) && m->gso_size && (m->gso_segs > 1 || payload > m->gso_size);
}

/* The binary custom option offcap 0.1.0 wrote (code 2989) under PEN 32473,
 * IANA's number reserved for documentation (RFC 5612). offcap no longer
 * writes it; the reader still decodes it in files written before. */
#define OC_PEN_LEGACY 32473
#define OC_META_WIRE_VERSION 1
#define OC_META_WIRE_LEN 36	/* bytes after the PEN in the custom option */

/* Version of the comment grammar oc_meta_format writes ("v=2" at its end);
 * a comment without "v=" is version 1 (offcap 0.1.0). README: "Packet comment". */
#define OC_META_COMMENT_VERSION 2

const char *oc_point_name(unsigned point);	/* "tc-egress", ... */
int oc_point_parse(const char *name);		/* -1 if unknown */
const char *oc_csum_name(unsigned csum);	/* "partial", ... */
#define OC_XDP_ACTIONS 5	/* XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT */
const char *oc_xdp_action_name(uint64_t action);	/* "drop", "pass", ... as XDP_* */
/* "tcpv4|fixedid"; "none" for 0 */
size_t oc_gso_format(uint32_t gso_type, char *buf, size_t len);
/* The packet comment, a person's and a program's: "point=tc-egress len=65226
 * gso_size=1448 gso_segs=45 gso_type=tcpv4 csum=partial ifindex=7
 * netns_ino=4026532301 v=2", then " cut=ring_full" when the capture kept only
 * the packet's first bytes because its ring was nearly full, and " vlan=100
 * vlan_proto=0x8100 (offloaded tag re-inserted)" when a tag was offloaded. */
size_t oc_meta_format(const struct oc_meta *m, char *buf, size_t len);
/* Reads a comment oc_meta_format wrote (any version): 0 and *m filled (flags
 * OC_META_VALID, dir from the hook point; rx_queue is epb_queue's, left 0),
 * -1 when the text is not offcap metadata. text need not be terminated. */
int oc_meta_parse(const char *text, size_t len, struct oc_meta *m);
/* Machine encoding (custom option payload after the PEN, little endian), as
 * offcap 0.1.0 wrote it: decoded only (the tests' encoder: tests/unit/legacy_meta.h). */
int oc_meta_decode(const uint8_t *in, size_t len, struct oc_meta *m);	/* 0 ok */

/* ---- Interface Description Blocks: one contract, written and read here ----
 *
 * offcap names an IDB "IFNAME@HOOK" ("veth0@tc-egress"), or "NETNS/IFNAME@HOOK"
 * when the capture watches more than one network namespace (the namespace
 * offcap started in keeps the plain name).  Its if_description is
 *
 *   descr  = "offcap-idb/1" *(" " key "=" value) [" ; " free text]
 *   key    = 1*(a-z / 0-9 / "_")
 *   value  = 1*(printable ASCII except SP, ";" and "%") / "%" 2HEXDIG
 *
 * with the keys below (readers ignore keys they do not know; absent = not
 * known).  The free text after " ; " is for people: nothing reads it.
 *
 *   hook=tc-egress  ifname=vx0  netns=ns1 (absent: the namespace offcap ran in)
 *   netns_ino=4026532291  ifindex=5  driver=veth  mtu=1500
 *   gso_max_size=65536  gso_max_segs=65535  gro_max_size=65536  tso_max_size=524280
 *   features=tso:on,gso:on,gro:off,...  (the offload features at start)
 *   peer=ocb  peer_ifindex=2  peer_mtu=1500  (a veth's peer, in any namespace)
 *   rx_dropped=0  rx_errors=0  tx_dropped=0  tx_errors=0  (counters at start;
 *   the statistics block's comment has them at the end)
 *   xdp_mode=native|generic  (the xdp point's block: how the kernel runs it)
 *   observer_effect=guest_offloads_off,gro_skipped,rx-lro:off  (on every block
 *   of the device: what attaching changed in what the device does; see
 *   oc_observer_effect_text)
 *   gso_payload=tc-egress  (post-gso with --payload-once: super-frames, gso_size
 *   set, keep their headers only; their payload is in that point's block)
 *
 * Files written before this contract ("offcap hook=... mtu=1500 ...") and
 * other tools' files are still read: the MTU from "mtu=N" / "MTU N" anywhere
 * in the description, the hook from the name's "@HOOK" suffix. */
#define OC_IDB_MAGIC "offcap-idb/1"

struct oc_idb_meta {
	uint8_t point;		/* enum oc_point; OC_POINT_NONE if unknown */
	uint32_t mtu;		/* 0 if unknown */
	int32_t ifindex;
	uint32_t netns_ino;
	uint32_t gso_max_size, gso_max_segs, gro_max_size, tso_max_size;
	char ifname[64];	/* "vx0" */
	char netns[64];		/* "" = the namespace offcap was started in, or unknown */
	char driver[32];
	char features[400];	/* "tso:on,gso:on,..." */
	int32_t peer_ifindex;	/* veth peer, 0 if none or unknown */
	uint32_t peer_mtu;
	char peer[64];		/* the peer's name */
	char xdp_mode[16];	/* "native", "generic", "" unknown */
	char observer_effect[160];	/* comma-separated codes, "" none */
	char gso_payload[16];	/* the point holding this block's super-frames' payload, "" here */
	int has_counters;	/* the device's counters at start: */
	uint64_t rx_dropped, rx_errors, tx_dropped, tx_errors;
};

/* "vx0@tc-egress", or "ns1/vx0@tc-egress" with with_netns and a netns. */
size_t oc_idb_name(const struct oc_idb_meta *m, int with_netns, char *buf, size_t len);
/* The description per the grammar above; text (may be NULL) after " ; ". */
size_t oc_idb_descr(const struct oc_idb_meta *m, const char *text, char *buf, size_t len);
/* Reads an IDB's name and description back.  Returns 1 for offcap's
 * contract, 0 for older offcap files and other tools' (what could be found
 * is filled in: MTU, hook, interface and namespace from the name). */
int oc_idb_parse(const char *name, const char *descr, struct oc_idb_meta *m);
/* The one reader of key=value words in offcap's interface texts: the
 * description above, 0.1.0's ("offcap hook=... ; mtu=1500 driver=veth ...;
 * features at start: tso=on ...") and the statistics block's comment
 * ("counters at end: rx_dropped=N ..."). Words are separated by ' ', ';' or
 * '('; a value ends at ' ' or ';' and is percent-decoded; words without '='
 * are skipped. */
struct oc_kv {
	const char *key;	/* not terminated */
	size_t klen;
	char val[512];
};
/* The next key=value word in [*p, end) (or to the string's end): 1, else 0. */
int oc_kv_next(const char **p, const char *end, struct oc_kv *kv);
/* The value of the first word key=... in s into out: 1, else 0 and out "". */
int oc_kv_get(const char *s, const char *key, char *out, size_t len);
/* What one observer_effect code means, for people; NULL for a code not known. */
const char *oc_observer_effect_text(const char *code, size_t len);

#endif
