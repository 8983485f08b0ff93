#include "analysis.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "parse.h"
#include "verify.h"
#include "wire.h"

#define LINK_OUTGOING 4	/* Linux cooked capture: PACKET_OUTGOING */

struct oc_analysis {
	struct oc_analysis_opts o;
	struct oc_flow_table *flows;
	struct oc_if_stats *ifs;
	uint32_t nifs, nslots;	/* interfaces seen, slots allocated (oc_iface_slots) */
	uint32_t l3_len;	/* the current packet's oc_wire_l3_len() */
	uint64_t frame;
	struct oc_parsed p;
	struct oc_problem problems[OC_MAX_PROBLEMS_KEPT];
	unsigned nproblems;
	uint64_t problem_count[OC_PROB_MAX];
	struct oc_verify *verify;
};

const char *oc_cause_name(unsigned cause)
{
	static const char *const n[OC_CAUSE_MAX] = {
		"TSO/GSO super-frame", "GRO/LRO merge", "offload super-frame or merge",
		"BIG TCP", "REAL: too big for the wire",
	};
	return cause < OC_CAUSE_MAX ? n[cause] : "?";
}

const char *oc_problem_name(unsigned kind)
{
	static const char *const n[OC_PROB_MAX] = {
		"oversize frame where only wire-sized frames belong", "segment larger than the receiver's MSS",
		"MSS larger than the link MTU allows", "ICMP too-big", "checksum really wrong",
	};
	return kind < OC_PROB_MAX ? n[kind] : "?";
}

struct oc_analysis *oc_analysis_new(const struct oc_analysis_opts *o)
{
	struct oc_analysis *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->o = *o;
	if (!a->o.default_mtu)
		a->o.default_mtu = 1500;
	a->flows = oc_flows_new(o->flow_limit ? o->flow_limit : 65536);
	if (o->verify || o->side_by_side)
		a->verify = oc_verify_new(o->side_by_side, o->ctx, o->side_by_side_max);
	if (!a->flows || ((o->verify || o->side_by_side) && !a->verify)) {
		oc_analysis_free(a);
		return NULL;
	}
	return a;
}

void oc_analysis_free(struct oc_analysis *a)
{
	if (!a)
		return;
	oc_flows_free(a->flows);
	oc_verify_free(a->verify);
	free(a->ifs);
	free(a);
}

static void problem(struct oc_analysis *a, uint32_t if_id, unsigned kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void problem(struct oc_analysis *a, uint32_t if_id, unsigned kind, const char *fmt, ...)
{
	struct oc_problem *pr;
	va_list ap;

	a->problem_count[kind]++;
	if (a->nproblems == OC_MAX_PROBLEMS_KEPT)
		return;
	pr = &a->problems[a->nproblems++];
	pr->frame = a->frame;
	pr->if_id = if_id;
	pr->kind = (uint8_t)kind;
	va_start(ap, fmt);
	vsnprintf(pr->text, sizeof(pr->text), fmt, ap);
	va_end(ap);
}

static struct oc_if_stats *if_stats(struct oc_analysis *a, const struct oc_iface *iface,
				    uint32_t if_id)
{
	struct oc_if_stats *st;

	if (oc_iface_slots((void **)&a->ifs, &a->nslots, if_id, sizeof(*a->ifs)))
		return NULL;
	if (if_id >= a->nifs)
		a->nifs = if_id + 1;
	st = &a->ifs[if_id];
	if (!st->mtu) {
		st->mtu = iface && iface->mtu ? iface->mtu : a->o.default_mtu;
		st->mtu_assumed = !(iface && iface->mtu);
	}
	return st;
}

static unsigned direction(const struct oc_packet *pkt, const struct oc_parsed *p)
{
	if (pkt->meta.flags & OC_META_VALID)
		return pkt->meta.dir;
	if (pkt->epb_flags & 3)
		return pkt->epb_flags & OC_EPB_DIR_IN ? OC_DIR_IN : OC_DIR_OUT;
	if (p->link.linktype == OC_LINKTYPE_LINUX_SLL || p->link.linktype == OC_LINKTYPE_LINUX_SLL2)
		return p->link.sll_pkttype == LINK_OUTGOING ? OC_DIR_OUT : OC_DIR_IN;
	return OC_DIR_UNKNOWN;
}

static void note_vlan(struct oc_if_stats *st, uint16_t tci)
{
	uint16_t vid = tci & 0x0fff;

	st->vlan_offloaded++;
	for (unsigned i = 0; i < st->n_vlan_ids; i++)
		if (st->vlan_ids[i] == vid)
			return;
	if (st->n_vlan_ids < 8)
		st->vlan_ids[st->n_vlan_ids++] = vid;
}

static void check_csum(struct oc_analysis *a, struct oc_if_stats *st, const struct oc_packet *pkt,
		       const struct oc_layer *l, uint32_t if_id, int merged)
{
	enum oc_l4csum c;

	/* tot_len 0 (presumed TSO, BIG TCP): the device writes each segment's
	 * length and header checksum; the super-frame's is not the wire's */
	if (l->ip.version == 4 && !l->ip.csum_ok && l->ip.len_field) {
		st->ip_csum_bad++;
		problem(a, if_id, OC_PROB_BAD_CSUM, "IPv4 header checksum 0x%04x is wrong", l->ip.csum);
	}
	if ((l->l4.kind != OC_L4_TCP && l->l4.kind != OC_L4_UDP) || l->ip.is_fragment)
		return;
	c = oc_l4csum_check(pkt->data, pkt->caplen, l);
	if (c == OC_L4CSUM_PARTIAL || (pkt->meta.flags & OC_META_VALID && pkt->meta.csum == OC_CSUM_PARTIAL
				      && c != OC_L4CSUM_OK) || (c == OC_L4CSUM_BAD && merged))
		st->csum_partial++;
	else if (c == OC_L4CSUM_OK || c == OC_L4CSUM_NONE)
		st->csum_ok++;
	else if (c == OC_L4CSUM_UNKNOWN)
		st->csum_unverified++;
	else {
		st->csum_bad++;
		problem(a, if_id, OC_PROB_BAD_CSUM, "%s checksum 0x%04x is wrong (not an offload placeholder)",
			l->l4.kind == OC_L4_TCP ? "TCP" : "UDP",
			l->l4.kind == OC_L4_TCP ? l->l4.tcp.csum : l->l4.udp.csum);
	}
}

/* BIG TCP is TCP: over 64 KiB with the length from the frame (IPv4 tot_len 0,
 * IPv6 jumbo).  Anything else that large (an ICMPv6 jumbogram, a 64 KiB IPv6
 * PIM packet) no offload makes.  tot_len 0 below 64 KiB is tcpdump's
 * "presumed TSO": an ordinary super-frame. */
static unsigned oversize_cause(const struct oc_packet *pkt, const struct oc_parsed *p,
			       const struct oc_layer *l, unsigned dir, uint32_t l3_len)
{
	int offload_l4 = (l->l4.kind == OC_L4_TCP || l->l4.kind == OC_L4_UDP) && !l->ip.is_fragment;

	if (l3_len > 65535 && l->l4.kind != OC_L4_TCP)
		return OC_CAUSE_REAL;
	if (l3_len > 65535 && p->outer.ip.bigtcp)
		return OC_CAUSE_BIGTCP;
	if (pkt->meta.flags & OC_META_VALID) {
		if (pkt->meta.gso_segs > 1 || pkt->meta.gso_size)
			return dir == OC_DIR_IN ? OC_CAUSE_GRO : OC_CAUSE_TSO;
		return OC_CAUSE_REAL;
	}
	if (!offload_l4)
		return OC_CAUSE_REAL;
	return dir == OC_DIR_OUT ? OC_CAUSE_TSO : dir == OC_DIR_IN ? OC_CAUSE_GRO : OC_CAUSE_OFFLOAD;
}

/* Wire segments a super-frame becomes: the kernel's gso_segs, else its
 * payload cut at the size oc_wire_cut_at() chose. */
static uint32_t segments_of(const struct oc_wire_cut *cut, const struct oc_layer *l)
{
	if (cut->gso_segs > 1)
		return cut->gso_segs;
	if (l->l4.payload_len <= cut->gso_size)
		return 1;
	return (l->l4.payload_len + cut->gso_size - 1) / cut->gso_size;
}

static void flow_packet(struct oc_analysis *a, struct oc_if_stats *st, const struct oc_packet *pkt,
			const struct oc_layer *l, unsigned dir, unsigned cause, int oversize,
			uint32_t if_id)
{
	unsigned point = pkt->meta.flags & OC_META_VALID ? pkt->meta.point : OC_POINT_NONE;
	unsigned pidx = point < OC_POINT_MAX ? point : OC_POINT_MAX;
	int side, offloaded = oversize && cause != OC_CAUSE_REAL;
	struct oc_flow *f = oc_flows_get(a->flows, &a->p, pkt->ts_ns, &side);
	struct oc_flow_side *s;
	uint32_t payload = l->l4.payload_len;

	if (!f)
		return;
	s = &f->side[side];
	if (l->l4.kind == OC_L4_TCP) {
		oc_flow_learn_tcp(f, side, &l->l4.tcp, payload);
		if ((l->l4.tcp.flags & OC_TH_SYN) && s->mss &&
		    s->mss + (l->ip.version == 6 ? 60u : 40u) > st->mtu && !st->mtu_assumed)
			problem(a, if_id, OC_PROB_MSS_PMTU, "MSS %u announced, but MTU %u allows only %u",
				s->mss, st->mtu, st->mtu - (l->ip.version == 6 ? 60 : 40));
	}
	s->packets++;
	s->payload_bytes += payload;
	if (payload > s->max_payload[pidx])
		s->max_payload[pidx] = payload;
	if ((pkt->meta.flags & OC_META_VALID) && pkt->meta.gso_size && payload > pkt->meta.gso_size)
		oc_flow_note_gso(s, pkt->meta.gso_size);
	if (offloaded || ((pkt->meta.flags & OC_META_VALID) && pkt->meta.gso_segs > 1)) {
		struct oc_wire_cut cut;
		uint32_t n;

		oc_wire_cut_at(pkt, &a->p, f, side, st->mtu, a->l3_len, &cut);
		if (!cut.gso_size) {	/* not cut: say so, count no segments */
			st->uncut++;
			st->uncut_why = cut.why_not ? cut.why_not : "no segment size";
			return;
		}
		n = segments_of(&cut, l);
		if (dir == OC_DIR_IN) {
			s->merged++, s->merged_frames += n, st->merged++, st->merged_frames += n;
		} else {
			s->superframes++, s->segments += n, st->superframes++, st->segments += n;
		}
		if (f->side[!side].mss && pkt->meta.gso_size > f->side[!side].mss)
			problem(a, if_id, OC_PROB_OVER_MSS, "gso_size %u above the receiver's MSS %u",
				pkt->meta.gso_size, f->side[!side].mss);
		return;
	}
	if (oversize)
		return;
	/* a frame that crossed the wire as it is */
	if (payload > s->max_wire_payload)
		s->max_wire_payload = payload;
	if (l->l4.kind == OC_L4_TCP && f->side[!side].mss && payload > f->side[!side].mss) {
		s->over_mss++;
		problem(a, if_id, OC_PROB_OVER_MSS, "segment of %u bytes above the receiver's MSS %u",
			payload, f->side[!side].mss);
	}
}

static void icmp_too_big(struct oc_analysis *a, const struct oc_layer *l, uint32_t if_id)
{
	if ((l->l4.kind != OC_L4_ICMP && l->l4.kind != OC_L4_ICMPV6) || !l->l4.icmp.has_mtu)
		return;
	problem(a, if_id, OC_PROB_ICMP_TOO_BIG, "%s: next-hop MTU %u%s%u%s%u",
		l->l4.kind == OC_L4_ICMP ? "ICMP fragmentation needed" : "ICMPv6 packet too big",
		l->l4.icmp.mtu, l->l4.icmp.has_ports ? " for ports " : "",
		l->l4.icmp.has_ports ? l->l4.icmp.q_sport : 0, l->l4.icmp.has_ports ? " > " : "",
		l->l4.icmp.has_ports ? l->l4.icmp.q_dport : 0);
}

void oc_analysis_packet(struct oc_analysis *a, const struct oc_iface *iface,
			const struct oc_packet *pkt)
{
	struct oc_if_stats *st = if_stats(a, iface, pkt->if_id);
	struct oc_parsed *p = &a->p;
	uint16_t linktype = iface ? iface->linktype : OC_LINKTYPE_ETHERNET;
	const struct oc_layer *l;
	unsigned dir, cause = OC_CAUSE_REAL;
	int oversize;

	a->frame++;
	if (!st)
		return;
	st->packets++;
	st->bytes += pkt->len;
	if (pkt->len > st->max_len)
		st->max_len = pkt->len;
	if (oc_parse(pkt->data, pkt->caplen, pkt->len, linktype, p)) {
		st->truncated += !!(p->flags & OC_PARSE_TRUNCATED);
		if (p->flags & OC_PARSE_MALFORMED) {
			st->malformed++;
			st->malformed_example = p->error;
		}
	}
	if (pkt->meta.flags & OC_META_VLAN)
		note_vlan(st, pkt->meta.vlan_tci);
	if ((pkt->meta.flags & OC_META_VALID) && pkt->meta.gso_type)
		st->gso_types |= pkt->meta.gso_type;
	a->l3_len = oc_wire_l3_len(pkt->data, pkt->caplen, pkt->len, linktype);
	oversize = oc_wire_over_mtu(a->l3_len, st->mtu);
	l = oc_flow(p);
	dir = direction(pkt, p);
	if (oversize) {
		st->over_mtu++;
		cause = p->outer.ip.version ? oversize_cause(pkt, p, l, dir, a->l3_len) : OC_CAUSE_REAL;
		st->cause[cause]++;
		if (cause == OC_CAUSE_REAL)
			problem(a, pkt->if_id, OC_PROB_OVERSIZE, "%u-byte %s packet over MTU %u at %s%s",
				a->l3_len, p->outer.ip.version ? "IP" : "L3", st->mtu,
				oc_point_name(pkt->meta.flags & OC_META_VALID ? pkt->meta.point : OC_POINT_NONE),
				pkt->meta.flags & OC_META_VALID ? " with no GSO metadata" : "");
	}
	if (!p->outer.ip.version)
		return;
	check_csum(a, st, pkt, l, pkt->if_id,
		   dir == OC_DIR_IN && oversize && cause != OC_CAUSE_REAL);
	icmp_too_big(a, l, pkt->if_id);
	flow_packet(a, st, pkt, l, dir, cause, oversize, pkt->if_id);
	if (a->verify)
		oc_verify_packet(a->verify, pkt, p, iface, a->frame);
}

void oc_analysis_finish(struct oc_analysis *a)
{
	if (a->verify)
		oc_verify_finish(a->verify);
}

const struct oc_if_stats *oc_analysis_iface(const struct oc_analysis *a, uint32_t if_id)
{
	return if_id < a->nifs ? &a->ifs[if_id] : NULL;
}

uint32_t oc_analysis_niface(const struct oc_analysis *a)
{
	return a->nifs;
}

const struct oc_match_stats *oc_analysis_match(const struct oc_analysis *a)
{
	static const struct oc_match_stats none;

	return a->verify ? oc_verify_stats(a->verify) : &none;
}

struct oc_flow_table *oc_analysis_flows(const struct oc_analysis *a)
{
	return a->flows;
}

const struct oc_problem *oc_analysis_problems(const struct oc_analysis *a, unsigned *n)
{
	*n = a->nproblems;
	return a->problems;
}

uint64_t oc_analysis_problem_count(const struct oc_analysis *a, unsigned kind)
{
	return kind < OC_PROB_MAX ? a->problem_count[kind] : 0;
}

uint64_t oc_analysis_packets(const struct oc_analysis *a)
{
	return a->frame;
}
