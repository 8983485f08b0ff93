/* Internal to the parser: one parse in progress and the per-protocol steps.
 * Each step reads through ctx->c (extract.h) and returns 0 to go on, -1 to
 * stop (after oc_p_fail) or 1 to stop cleanly (nothing more to parse). */
#ifndef OFFCAP_PROTO_H
#define OFFCAP_PROTO_H

#include "extract.h"
#include "parse.h"

#define OC_IPPROTO_HOPOPTS	0
#define OC_IPPROTO_ICMP		1
#define OC_IPPROTO_IPIP		4
#define OC_IPPROTO_TCP		6
#define OC_IPPROTO_UDP		17
#define OC_IPPROTO_IPV6		41
#define OC_IPPROTO_ROUTING	43
#define OC_IPPROTO_FRAGMENT	44
#define OC_IPPROTO_GRE		47
#define OC_IPPROTO_ESP		50
#define OC_IPPROTO_AH		51
#define OC_IPPROTO_ICMPV6	58
#define OC_IPPROTO_NONE		59
#define OC_IPPROTO_DSTOPTS	60

#define OC_PORT_VXLAN	4789
#define OC_PORT_GENEVE	6081

struct oc_pctx {
	struct oc_cur c;	/* the captured bytes */
	uint32_t len;		/* original frame length */
	struct oc_parsed *out;
};

/* Record a problem; the first description wins.  Returns -1. */
static inline int oc_p_fail(struct oc_pctx *x, uint32_t flag, const char *why)
{
	x->out->flags |= flag;
	if (!x->out->error)
		x->out->error = why;
	return -1;
}

static inline int oc_p_trunc(struct oc_pctx *x, const char *why)
{
	return oc_p_fail(x, OC_PARSE_TRUNCATED, why);
}

static inline int oc_p_bad(struct oc_pctx *x, const char *why)
{
	return oc_p_fail(x, OC_PARSE_MALFORMED, why);
}

/* ether.c */
int oc_p_link(struct oc_pctx *x, uint16_t linktype);
int oc_p_ether(struct oc_pctx *x, uint32_t off, struct oc_link *l);
/* Dispatch on an EtherType at off; end = where the enclosing frame ends. */
int oc_p_l3(struct oc_pctx *x, uint16_t ethertype, uint32_t off, uint32_t end,
	    struct oc_layer *L, int depth);

/* ipv4.c, ipv6.c: parse the header, then the L4 via oc_p_l4(). */
int oc_p_ipv4(struct oc_pctx *x, uint32_t off, uint32_t end, struct oc_layer *L, int depth);
int oc_p_ipv6(struct oc_pctx *x, uint32_t off, uint32_t end, struct oc_layer *L, int depth);

/* ipv4.c: check/complete ip->len (0 = BIG TCP) against the frame end. */
void oc_p_ip_len(struct oc_pctx *x, struct oc_ip *ip, uint32_t end, int depth);

/* parse.c: set l4 offsets from the IP layer and dispatch on ip.proto. */
int oc_p_l4(struct oc_pctx *x, struct oc_layer *L, int depth);

/* tcp.c, udp.c, icmp.c */
int oc_p_tcp(struct oc_pctx *x, struct oc_layer *L);
int oc_p_udp(struct oc_pctx *x, struct oc_layer *L, int depth);
int oc_p_icmp(struct oc_pctx *x, struct oc_layer *L);

/* tunnel.c */
int oc_p_vxlan(struct oc_pctx *x, struct oc_layer *L);
int oc_p_geneve(struct oc_pctx *x, struct oc_layer *L);
int oc_p_gre(struct oc_pctx *x, struct oc_layer *L);
int oc_p_ipip(struct oc_pctx *x, struct oc_layer *L);

/* Set payload_captured from payload_off/payload_len and caplen. */
static inline void oc_p_captured(const struct oc_pctx *x, struct oc_l4 *l4)
{
	uint32_t avail = oc_avail(&x->c, l4->payload_off);

	l4->payload_captured = avail < l4->payload_len ? avail : l4->payload_len;
}

#endif
