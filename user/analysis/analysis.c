#include "analysis.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "parse.h"
#include "segment.h"
#include "verify.h"
#include "niccut.h"
#include "wire.h"

#define LINK_OUTGOING 4	/* Linux cooked capture: PACKET_OUTGOING */
#define SENT_WHOLE_SLOTS 8192
#define SEEN_SLOTS 1024
#define VETH_RX_SLACK 18	/* veth forwards frames up to MTU + Ethernet header + VLAN tag */

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
	struct oc_niccut *niccut;	/* a NIC's cut against Linux's */
	/* super-frames seen sent whole (tc-egress/post-gso): key and if_id + 1 */
	uint64_t sent_whole[SENT_WHOLE_SLOTS];
	uint32_t sent_whole_if1[SENT_WHOLE_SLOTS];
	uint64_t seen[SEEN_SLOTS];	/* packets whose problem was counted (seen_before) */
	struct oc_frame_verdict last;
};

const char *oc_cause_name(unsigned cause)
{
	static const char *const n[OC_CAUSE_MAX] = {
		"TSO/GSO super-frame", "GRO/LRO merge",
		"super-frame received whole", "offload super-frame or merge",
		"BIG TCP", "REAL: too big for the wire",
	};
	return cause < OC_CAUSE_MAX ? n[cause] : "?";
}

static const struct oc_finding_row problems[OC_PROB_MAX] = { OC_PROBLEMS(OC_FINDING_ROW) };

const char *oc_problem_name(unsigned kind) { return oc_finding_row(problems, OC_PROB_MAX, kind)->text; }
const char *oc_problem_id(unsigned kind) { return oc_finding_row(problems, OC_PROB_MAX, kind)->id; }

struct oc_analysis *oc_analysis_new(const struct oc_analysis_opts *o)
{
	struct oc_analysis *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->o = *o;
	a->flows = oc_flows_new(o->flow_limit ? o->flow_limit : 65536);
	if (o->verify || o->side_by_side) {
		a->verify = oc_verify_new(o->side_by_side, o->ctx, o->side_by_side_max);
		a->niccut = oc_niccut_new();
	}
	if (!a->flows || ((o->verify || o->side_by_side) && (!a->verify || !a->niccut))) {
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
	oc_niccut_free(a->niccut);
	free(a->ifs);
	free(a);
}

static void vproblem(struct oc_analysis *a, uint64_t frame, uint32_t if_id, unsigned kind,
		     const char *fmt, va_list ap)
{
	struct oc_problem *pr;

	a->problem_count[kind]++;
	if (a->nproblems == OC_MAX_PROBLEMS_KEPT)
		return;
	pr = &a->problems[a->nproblems++];
	pr->frame = frame;
	pr->if_id = if_id;
	pr->kind = (uint8_t)kind;
	vsnprintf(pr->text, sizeof(pr->text), fmt, ap);
}

static void problem(struct oc_analysis *a, uint32_t if_id, unsigned kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void problem(struct oc_analysis *a, uint32_t if_id, unsigned kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vproblem(a, a->frame, if_id, kind, fmt, ap);
	va_end(ap);
}

static void problem_at(struct oc_analysis *a, uint64_t frame, uint32_t if_id, unsigned kind,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void problem_at(struct oc_analysis *a, uint64_t frame, uint32_t if_id, unsigned kind,
		       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vproblem(a, frame, if_id, kind, fmt, ap);
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
		st->mtu = oc_wire_mtu(iface, a->o.default_mtu);
		st->mtu_assumed = !(iface && iface->mtu);
	}
	if (!st->facts_known && iface) {
		oc_iface_facts_parse(iface->descr, iface->isb_comment, &st->facts);
		snprintf(st->ifname, sizeof(st->ifname), "%s", iface->ifname);
		st->point = iface->point;
		st->facts_known = 1;
	}
	return st;
}

void oc_analysis_add_iface(struct oc_analysis *a, uint32_t if_id, const struct oc_iface *iface)
{
	struct oc_if_stats *st = if_stats(a, iface, if_id);

	if (!iface)
		return;
	oc_iface_facts_parse(iface->descr, iface->isb_comment, &st->facts);
	if (a->niccut)
		oc_niccut_iface(a->niccut, &st->facts);
}

/* The same device: one interface block per hook point. */
static int same_device(const struct oc_if_stats *x, const struct oc_if_stats *y)
{
	return x->facts.ifindex == y->facts.ifindex && !strcmp(x->ifname, y->ifname) &&
	       !strcmp(x->facts.netns, y->facts.netns);
}

/* The veth peer's MTU: from its interface block when it is in the file (each
 * names the other's ifindex), else as recorded at the start (peer_mtu). */
static uint32_t veth_peer_mtu(struct oc_analysis *a, struct oc_if_stats *st)
{
	if (st->peer_checked)
		return st->peer_mtu;
	st->peer_checked = 1;
	st->peer_mtu = st->facts.peer_mtu;
	for (uint32_t i = 0; st->facts.peer_ifindex && i < a->nifs; i++) {
		const struct oc_if_stats *y = &a->ifs[i];

		if (y->facts_known && y->facts.ifindex == st->facts.peer_ifindex &&
		    y->facts.peer_ifindex == st->facts.ifindex && !same_device(st, y) &&
		    !strcmp(y->facts.driver, "veth") && !y->mtu_assumed) {
			st->peer_if1 = i + 1;
			st->peer_mtu = y->mtu;
			snprintf(st->facts.peer_name, sizeof(st->facts.peer_name), "%s", y->ifname);
			break;
		}
	}
	return st->peer_mtu;
}

/* Is this device's post-gso hook point in the file? (All interface blocks of
 * offcap's files come before the packets.) */
static int has_post_gso(const struct oc_analysis *a, struct oc_if_stats *st)
{
	if (!st->post_gso_checked) {
		st->post_gso_checked = 1;
		for (uint32_t i = 0; i < a->nifs && !st->has_post_gso; i++)
			st->has_post_gso = a->ifs[i].point == OC_POINT_POST_GSO && a->ifs[i].facts_known &&
					   same_device(&a->ifs[i], st);
	}
	return st->has_post_gso;
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

/* The same packet seen again at another hook point or interface, for a
 * problem counted once per packet: its addresses, IP id and length, L4
 * checksum field and the problem kind match one already counted. */
static int seen_before(struct oc_analysis *a, const struct oc_layer *l, unsigned kind)
{
	unsigned alen = l->ip.version == 6 ? 16 : 4;
	uint64_t h = 0xcbf29ce484222325ull, *slot;
	uint16_t l4csum = l->l4.kind == OC_L4_TCP ? l->l4.tcp.csum : l->l4.kind == OC_L4_UDP ? l->l4.udp.csum :
			  l->l4.icmp.csum;
	uint32_t v[4] = { kind, l->ip.id, l->ip.len, l4csum };
	const uint8_t *b = (const uint8_t *)v;

	for (unsigned i = 0; i < alen; i++)
		h = (h ^ l->ip.src[i]) * 0x100000001b3ull, h = (h ^ l->ip.dst[i]) * 0x100000001b3ull;
	for (unsigned i = 0; i < sizeof(v); i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	h = h ? h : 1;
	slot = &a->seen[h % SEEN_SLOTS];
	if (*slot == h)
		return 1;
	*slot = h;
	return 0;
}

static void check_csum(struct oc_analysis *a, struct oc_if_stats *st, const struct oc_packet *pkt,
		       const struct oc_layer *l, uint32_t if_id, int merged)
{
	enum oc_l4csum c;

	/* tot_len 0 (presumed TSO, BIG TCP): the device writes each segment's
	 * length and header checksum; the super-frame's is not the wire's */
	if (l->ip.version == 4 && !l->ip.csum_ok && l->ip.len_field) {
		st->ip_csum_bad++;
		if (!seen_before(a, l, OC_PROB_BAD_CSUM))
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
		if (!seen_before(a, l, OC_PROB_BAD_CSUM + 0x100))
			problem(a, if_id, OC_PROB_BAD_CSUM, "%s checksum 0x%04x is wrong (not an offload placeholder)",
				l->l4.kind == OC_L4_TCP ? "TCP" : "UDP",
				l->l4.kind == OC_L4_TCP ? l->l4.tcp.csum : l->l4.udp.csum);
	}
}

/* Direction-sensitive identity of a super-frame: flow, and TCP sequence or
 * IPv4 id and payload length (UDP). */
static uint64_t superframe_key(const struct oc_layer *l)
{
	unsigned alen = l->ip.version == 6 ? 16 : 4;
	uint64_t h = 0xcbf29ce484222325ull;
	uint32_t v[3] = { l->l4.proto, 0, 0 };
	const uint8_t *b = (const uint8_t *)v;

	if (l->l4.kind == OC_L4_TCP)
		v[1] = (uint32_t)l->l4.tcp.sport << 16 | l->l4.tcp.dport, v[2] = l->l4.tcp.seq;
	else
		v[1] = (uint32_t)l->l4.udp.sport << 16 | l->l4.udp.dport,
		v[2] = (uint32_t)l->ip.id << 16 ^ l->l4.payload_len;
	for (unsigned i = 0; i < alen; i++)
		h = (h ^ l->ip.src[i]) * 0x100000001b3ull, h = (h ^ l->ip.dst[i]) * 0x100000001b3ull;
	for (unsigned i = 0; i < sizeof(v); i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h ? h : 1;
}

static void note_sent_whole(struct oc_analysis *a, const struct oc_layer *l, uint32_t if_id)
{
	uint64_t k = superframe_key(l);

	a->sent_whole[k % SENT_WHOLE_SLOTS] = k;
	a->sent_whole_if1[k % SENT_WHOLE_SLOTS] = if_id + 1;
}

/* A super-frame received with GSO metadata: a GRO/LRO merge, or one that came
 * whole (veth GSO pass-through, forwarded by a bridge or router with GRO off).
 * Received whole when its gso_type has DODGY (set by the untrusted sources
 * that hand over whole super-frames, never by GRO), when it was seen sent
 * whole before, or when this device has GRO and LRO off (it merges nothing). */
static unsigned received_cause(struct oc_analysis *a, struct oc_if_stats *st, const struct oc_layer *l,
			       uint32_t pkt_gso_type, int count)
{
	uint64_t k = superframe_key(l);
	const struct oc_iface_facts *fa = &st->facts;

	if (pkt_gso_type & OC_GSO_DODGY) {	/* GRO never sets it: a tap, virtio or packet socket did */
		if (count)
			st->rw_dodgy++;
		return OC_CAUSE_RECEIVED_WHOLE;
	}
	if (a->sent_whole[k % SENT_WHOLE_SLOTS] == k) {
		if (count)
			st->rw_seen_sent++, st->rw_sent_if1 = a->sent_whole_if1[k % SENT_WHOLE_SLOTS];
		return OC_CAUSE_RECEIVED_WHOLE;
	}
	if (fa->gro == 0 && fa->lro != 1 && fa->gro_hw != 1) {
		if (count)
			st->rw_gro_off++;
		return OC_CAUSE_RECEIVED_WHOLE;
	}
	if (st->point == OC_POINT_PRE_GRO) {	/* software GRO has not run yet */
		if (count)
			st->rw_pre_gro++;
		return OC_CAUSE_RECEIVED_WHOLE;
	}
	return OC_CAUSE_GRO;
}

/* BIG TCP is TCP: over 64 KiB with the length from the frame (IPv4 tot_len 0,
 * IPv6 jumbo).  Anything else that large (an ICMPv6 jumbogram, a 64 KiB IPv6
 * PIM packet) no offload makes.  tot_len 0 below 64 KiB is tcpdump's
 * "presumed TSO": an ordinary super-frame. */
static unsigned oversize_cause(struct oc_analysis *a, struct oc_if_stats *st, const struct oc_packet *pkt,
			       const struct oc_parsed *p, const struct oc_layer *l, unsigned dir,
			       uint32_t l3_len)
{
	int offload_l4 = (l->l4.kind == OC_L4_TCP || l->l4.kind == OC_L4_UDP) && !l->ip.is_fragment;

	if (l3_len > 65535 && l->l4.kind != OC_L4_TCP)
		return OC_CAUSE_REAL;
	if (l3_len > 65535 && p->outer.ip.bigtcp)
		return OC_CAUSE_BIGTCP;
	if (pkt->meta.flags & OC_META_VALID) {
		if (oc_meta_has_gso(&pkt->meta))
			return dir == OC_DIR_IN ? received_cause(a, st, l, pkt->meta.gso_type, 0) : OC_CAUSE_TSO;
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

/* A side's packets are counted at the first interface block that saw one of
 * them, its sends and receptions at the first that saw one leave / arrive:
 * each packet once, not once per hook point and interface. */
static int count_here(uint32_t *if1, uint32_t if_id)
{
	if (!*if1)
		*if1 = if_id + 1;
	return *if1 == if_id + 1;
}

/* Payload at or below the highest sequence already sent is sent again. */
static void note_resent(struct oc_flow_side *s, uint32_t seq, uint32_t payload)
{
	uint32_t end = seq + payload;

	if (s->seq_known && (int32_t)(seq - s->seq_next) < 0)
		s->retrans_bytes += (int32_t)(end - s->seq_next) <= 0 ? payload : s->seq_next - seq;
	if (!s->seq_known || (int32_t)(end - s->seq_next) > 0)
		s->seq_next = end;
	s->seq_known = 1;
}

static void learn_tcp(struct oc_analysis *a, struct oc_flow *f, int side, const struct oc_layer *l,
		      uint32_t if_id)
{
	struct oc_flow_side *s = &f->side[side];
	uint32_t last = s->mss_if1;

	if (oc_flow_learn_tcp(f, side, &l->l4.tcp, l->l4.payload_len)) {
		s->clamp_before_if1 = last;
		s->clamp_after_if1 = if_id + 1;
	}
	if (l->l4.tcp.flags & OC_TH_SYN) {
		s->mss_if1 = if_id + 1;
		s->syn_frame = a->frame;
	}
}

/* Before this kernel's GRO, on a device that merges (LRO, hardware GRO: on
 * virtio-net the host's receive offloads): the device or its host made it. */
static int device_merges(const struct oc_if_stats *st)
{
	return (st->point == OC_POINT_PRE_GRO || st->point == OC_POINT_XDP) &&
	       (st->facts.lro == 1 || st->facts.gro_hw == 1);
}

static void received_superframe(struct oc_analysis *a, struct oc_if_stats *st, struct oc_flow_side *s,
				const struct oc_packet *pkt, const struct oc_layer *l, uint32_t n,
				uint32_t if_id)
{
	int whole = (pkt->meta.flags & OC_META_VALID) &&
		    received_cause(a, st, l, pkt->meta.gso_type, 1) == OC_CAUSE_RECEIVED_WHOLE;
	int here = count_here(&s->rx_if1, if_id);

	a->last.role = whole ? OC_ROLE_RECEIVED_WHOLE : OC_ROLE_MERGED;
	a->last.segments = n;
	if (whole) {
		st->received_whole++, st->received_whole_segs += n;
		st->device_merged += device_merges(st);
		if (here)
			s->received_whole++, s->received_whole_segs += n;
	} else {
		st->merged++, st->merged_frames += n;
		if (here)
			s->merged++, s->merged_frames += n;
	}
}

/* The device gets this super-frame whole: seen so at post-gso, or at tc-egress
 * of a device whose post-gso is not captured but that offloads this GSO type. */
static int handed_whole(const struct oc_analysis *a, struct oc_if_stats *st, const struct oc_packet *pkt)
{
	uint32_t t = pkt->meta.gso_type;
	int offloads;

	if (!(pkt->meta.flags & OC_META_VALID))
		return 0;
	if (pkt->meta.point == OC_POINT_POST_GSO)
		return 1;
	if (pkt->meta.point != OC_POINT_TC_EGRESS || has_post_gso(a, st))
		return 0;
	offloads = t & OC_GSO_UDP_L4 ? st->facts.uso : t & OC_GSO_TCPV6 ? st->facts.tso6 :
		   t & OC_GSO_TCPV4 ? st->facts.tso : 0;
	return offloads == 1;
}

static void sent_superframe(struct oc_analysis *a, struct oc_if_stats *st, struct oc_flow *f, int side,
			    const struct oc_packet *pkt, const struct oc_layer *l, uint32_t n, uint32_t if_id)
{
	struct oc_flow_side *s = &f->side[side];

	st->superframes++, st->segments += n;
	a->last.role = OC_ROLE_SUPERFRAME;
	a->last.segments = n;
	if (handed_whole(a, st, pkt))
		note_sent_whole(a, l, if_id);
	if (!count_here(&s->tx_if1, if_id))
		return;
	s->superframes++, s->segments += n;
	if (pkt->meta.gso_size && l->l4.payload_len > pkt->meta.gso_size)
		oc_flow_note_gso(s, pkt->meta.gso_size);
	if (l->l4.kind == OC_L4_TCP && f->side[!side].mss && pkt->meta.gso_size > f->side[!side].mss)
		problem(a, if_id, OC_PROB_OVER_MSS, "gso_size %u above the receiver's MSS %u",
			pkt->meta.gso_size, f->side[!side].mss);
}

/* The smallest MTU of the links a flow was seen on: the interface's, or its
 * veth peer's when smaller (a veth pair carries what both ends accept). */
static void note_path_mtu(struct oc_flow *f, const struct oc_if_stats *st, uint32_t if_id)
{
	uint32_t mtu = st->mtu;

	if (st->mtu_assumed)
		return;
	if (st->facts.peer_mtu && st->facts.peer_mtu < mtu)
		mtu = st->facts.peer_mtu;
	if (!f->path_mtu || mtu < f->path_mtu)
		f->path_mtu = mtu, f->path_mtu_if1 = if_id + 1;
}

static void iface_label(const struct oc_if_stats *st, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", st->facts.netns, st->facts.netns[0] ? "/" : "", st->ifname);
}

/* A side's packets sent unsegmented larger than an interface that receives
 * them takes: named once per flow side, with both ends. */
static void note_mtu_mismatch(struct oc_analysis *a, const struct oc_if_stats *st, struct oc_flow *f,
			      int side, unsigned dir, uint32_t if_id)
{
	struct oc_flow_side *s = &f->side[side];
	char tx[140], rx[140];

	if (st->mtu_assumed)
		return;
	if (dir == OC_DIR_OUT && a->l3_len > s->max_sent_l3)
		s->max_sent_l3 = a->l3_len, s->sent_if1 = if_id + 1, s->sent_mtu = st->mtu;
	if (dir == OC_DIR_IN && (!s->rx_mtu || st->mtu < s->rx_mtu))
		s->rx_mtu = st->mtu, s->rx_mtu_if1 = if_id + 1;
	if (s->mismatch_said || !s->rx_mtu || !s->sent_if1 || s->max_sent_l3 <= s->rx_mtu ||
	    s->sent_mtu <= s->rx_mtu)
		return;
	s->mismatch_said = 1;
	iface_label(oc_analysis_iface(a, s->sent_if1 - 1), tx, sizeof(tx));
	iface_label(oc_analysis_iface(a, s->rx_mtu_if1 - 1), rx, sizeof(rx));
	problem(a, if_id, OC_PROB_MTU_MISMATCH, "MTU mismatch: %s (MTU %u) sent %u-byte IP packets; %s (MTU %u) "
		"on the same flow takes at most %u (a NIC drops larger frames on receive; virtio and veth may "
		"hand them up)", tx, s->sent_mtu, s->max_sent_l3, rx,
		s->rx_mtu, s->rx_mtu);
}

/* A UDP datagram in IP fragments: as many as its first fragment's size
 * makes (every fragment but the last carries as much); its payload. */
static uint32_t first_fragment(struct oc_flow_side *s, const struct oc_layer *l, int counted)
{
	uint32_t piece = l->ip.len > l->ip.hdr_len ? l->ip.len - l->ip.hdr_len : 0;
	uint32_t dgram = l->l4.kind == OC_L4_UDP ? l->l4.udp.len : 0;

	if (dgram < 8 || !piece)
		return l->l4.payload_len;
	if (counted) {
		s->frag_datagrams++;
		s->fragments += (dgram + piece - 1) / piece;
		if (dgram - 8 > s->max_frag_datagram)
			s->max_frag_datagram = dgram - 8;
	}
	return dgram - 8;
}

static void flow_packet(struct oc_analysis *a, struct oc_if_stats *st, const struct oc_packet *pkt,
			const struct oc_layer *l, unsigned dir, unsigned cause, int oversize,
			uint32_t if_id)
{
	unsigned point = pkt->meta.flags & OC_META_VALID ? pkt->meta.point : OC_POINT_NONE;
	unsigned pidx = point < OC_POINT_MAX ? point : OC_POINT_MAX;
	int side, offloaded = oversize && cause != OC_CAUSE_REAL, counted;
	struct oc_flow *f = oc_flows_get(a->flows, &a->p, pkt->ts_ns, &side);
	struct oc_flow_side *s;
	uint32_t payload = l->l4.payload_len;

	if (!f)
		return;
	s = &f->side[side];
	a->last.flow = f;
	a->last.side = (int8_t)side;
	if (l->ip.is_fragment)	/* a first fragment: the datagram's payload, not the fragment's */
		payload = first_fragment(s, l, count_here(&s->count_if1, if_id) ? 1 : 0);
	note_path_mtu(f, st, if_id);
	if (l->l4.kind == OC_L4_TCP)
		learn_tcp(a, f, side, l, if_id);
	counted = count_here(&s->count_if1, if_id);
	if (counted) {
		s->packets++, s->payload_bytes += payload;
		if (l->l4.kind == OC_L4_TCP && payload)
			note_resent(s, l->l4.tcp.seq, payload);
	}
	if (payload > s->max_payload[pidx])
		s->max_payload[pidx] = payload;
	if (offloaded || oc_meta_superframe(&pkt->meta, l->l4.payload_len)) {
		struct oc_wire_cut cut;

		oc_wire_cut_at(pkt, &a->p, f, side, st->mtu, a->l3_len, &cut);
		if (!cut.gso_size) {	/* not cut: say so, count no segments */
			st->uncut++;
			st->uncut_why = cut.why_not ? oc_seg_note_text(cut.why_not) : "no segment size";
			a->last.role = OC_ROLE_UNCUT;
			return;
		}
		if (dir == OC_DIR_IN)
			received_superframe(a, st, s, pkt, l, segments_of(&cut, l), if_id);
		else
			sent_superframe(a, st, f, side, pkt, l, segments_of(&cut, l), if_id);
		return;
	}
	note_mtu_mismatch(a, st, f, side, dir, if_id);
	if (oversize)
		return;
	/* a frame that crossed the wire as it is */
	if (payload > s->max_wire_payload)
		s->max_wire_payload = payload;
	if (counted && l->l4.kind == OC_L4_TCP && f->side[!side].mss && payload > f->side[!side].mss) {
		s->over_mss++;
		problem(a, if_id, OC_PROB_OVER_MSS, "segment of %u bytes above the receiver's MSS %u",
			payload, f->side[!side].mss);
	}
}

/* A frame a veth hands to a peer with a smaller MTU: the peer drops it
 * (is_skb_forwardable: length, or each GSO segment, over MTU + 18). Judged
 * where the driver gets it: post-gso, else tc-egress. */
static void peer_mtu_check(struct oc_analysis *a, struct oc_if_stats *st, const struct oc_packet *pkt,
			   const struct oc_layer *l, uint32_t if_id)
{
	uint32_t frame_len = pkt->len;
	int gso = oc_meta_superframe(&pkt->meta, l->l4.payload_len);

	if (!(pkt->meta.flags & OC_META_VALID) || pkt->meta.dir != OC_DIR_OUT ||
	    (pkt->meta.point != OC_POINT_POST_GSO && pkt->meta.point != OC_POINT_TC_EGRESS))
		return;
	if (!veth_peer_mtu(a, st) || st->peer_mtu >= st->mtu)
		return;
	if (pkt->meta.point == OC_POINT_TC_EGRESS && has_post_gso(a, st))
		return;
	if (gso && l->l4.payload_len > pkt->meta.gso_size)	/* its largest segment */
		frame_len = pkt->len - l->l4.payload_len + pkt->meta.gso_size;
	if (frame_len <= st->peer_mtu + VETH_RX_SLACK)
		return;
	st->too_big_for_peer++;
	problem(a, if_id, OC_PROB_PEER_MTU, "%u-byte %s from %s (MTU %u) to its veth peer %s (MTU %u): "
		"the peer drops frames over %u bytes", frame_len, gso ? "segments of a super-frame" : "frame",
		st->ifname, st->mtu, st->facts.peer_name[0] ? st->facts.peer_name : "?", st->peer_mtu,
		st->peer_mtu + VETH_RX_SLACK);
}

static void icmp_too_big(struct oc_analysis *a, const struct oc_layer *l, uint32_t if_id)
{
	if ((l->l4.kind != OC_L4_ICMP && l->l4.kind != OC_L4_ICMPV6) || !l->l4.icmp.has_mtu ||
	    seen_before(a, l, OC_PROB_ICMP_TOO_BIG))
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
	a->last = (struct oc_frame_verdict){ .side = -1 };
	if (!st)
		return;
	st->packets++;
	st->bytes += pkt->len;
	st->ring_full_cut += !!(pkt->meta.flags & OC_META_CUT_FULL);
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
	if (pkt->has_xdp_verdict && pkt->xdp_verdict < OC_XDP_ACTIONS)
		st->xdp_verdict[pkt->xdp_verdict]++;
	if ((pkt->meta.flags & OC_META_VALID) && pkt->meta.gso_type)
		st->gso_types |= pkt->meta.gso_type;
	if ((pkt->meta.flags & OC_META_VALID) && pkt->meta.csum <= OC_CSUM_PARTIAL)
		st->csum_state[pkt->meta.csum]++;
	a->l3_len = oc_wire_l3_len(pkt->data, pkt->caplen, pkt->len, linktype);
	oversize = oc_wire_over_mtu(a->l3_len, st->mtu);
	a->last.l3_len = a->l3_len;
	l = oc_flow(p);
	dir = direction(pkt, p);
	if (oversize) {
		st->over_mtu++;
		cause = p->outer.ip.version ? oversize_cause(a, st, pkt, p, l, dir, a->l3_len) : OC_CAUSE_REAL;
		st->cause[cause]++;
		a->last.over_mtu = 1;
		a->last.cause = (uint8_t)cause;
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
	peer_mtu_check(a, st, pkt, l, pkt->if_id);
	if (a->verify)
		oc_verify_packet(a->verify, pkt, p, iface, a->frame);
	if (a->niccut)
		oc_niccut_packet(a->niccut, pkt, p, iface, a->frame);
}

/* An MSS is a problem where segments that size would cross a link that cannot
 * carry them: the peer sends at most min(this MSS, its own MSS) per packet,
 * plus 40 (IPv4) or 60 (IPv6) bytes of headers, over the smallest link the
 * flow was seen on. */
static void mss_against_path(struct oc_analysis *a, const struct oc_flow *f)
{
	uint32_t hdrs = f->key.version == 6 ? 60 : 40;
	char name[128];

	for (int side = 0; side < 2 && f->path_mtu; side++) {
		const struct oc_flow_side *me = &f->side[side], *peer = &f->side[!side];
		uint32_t send = me->mss;

		if (!me->syn_seen || !me->has_mss)
			continue;
		if (peer->has_mss && peer->mss < send)
			send = peer->mss;
		if (send + hdrs <= f->path_mtu)
			continue;
		oc_flow_format(f, name, sizeof(name));
		problem_at(a, me->syn_frame, f->path_mtu_if1 - 1, OC_PROB_MSS_PMTU,
			   "%s: MSS %u from the %s lets its peer send %u-byte packets; a link of MTU %u is on "
			   "the path (PMTU discovery must shrink them)", name, me->mss,
			   side == f->initiator ? "client" : "server", send + hdrs, f->path_mtu);
	}
}

static void flows_against_path(struct oc_analysis *a)
{
	uint32_t n = oc_flows_count(a->flows);
	struct oc_flow **v = calloc(n ? n : 1, sizeof(*v));

	if (!v)
		return;
	n = oc_flows_list(a->flows, v, n);
	for (uint32_t i = 0; i < n; i++)
		if (v[i]->key.proto == 6)
			mss_against_path(a, v[i]);
	free(v);
}

static uint64_t grew(uint64_t from, uint64_t to)
{
	return to > from ? to - from : 0;
}

/* What the kernel counted as dropped or errored on each device while capturing
 * (its first interface block carries it for all its hook points). */
static void kernel_counters(struct oc_analysis *a)
{
	for (uint32_t i = 0; i < a->nifs; i++) {
		const struct oc_if_stats *st = &a->ifs[i];
		const struct oc_counters *s = &st->facts.start, *e = &st->facts.end;
		uint32_t first = 0;

		if (!st->facts.has_start || !st->facts.has_end)
			continue;
		while (first < i && !(a->ifs[first].facts_known && same_device(&a->ifs[first], st)))
			first++;
		if (first != i || !(grew(s->rx_dropped, e->rx_dropped) + grew(s->rx_errors, e->rx_errors) +
				    grew(s->tx_dropped, e->tx_dropped) + grew(s->tx_errors, e->tx_errors)))
			continue;
		problem_at(a, 0, i, OC_PROB_KERNEL_DROPS,
			   "%s: rx_dropped +%llu, rx_errors +%llu, tx_dropped +%llu, tx_errors +%llu while capturing",
			   st->ifname, (unsigned long long)grew(s->rx_dropped, e->rx_dropped),
			   (unsigned long long)grew(s->rx_errors, e->rx_errors),
			   (unsigned long long)grew(s->tx_dropped, e->tx_dropped),
			   (unsigned long long)grew(s->tx_errors, e->tx_errors));
	}
}

void oc_analysis_finish(struct oc_analysis *a)
{
	if (a->verify)
		oc_verify_finish(a->verify);
	if (a->niccut)
		oc_niccut_finish(a->niccut);
	flows_against_path(a);
	kernel_counters(a);
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

const struct oc_cut_stats *oc_analysis_niccut(const struct oc_analysis *a)
{
	static const struct oc_cut_stats none;

	return a->niccut ? oc_niccut_stats(a->niccut) : &none;
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

const struct oc_frame_verdict *oc_analysis_last(const struct oc_analysis *a)
{
	return &a->last;
}
