/* offcap split: the capture a person would have got with offloads off. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "params.h"
#include "expr.h"
#include "flow.h"
#include "parse.h"
#include "pcapng.h"
#include "segment.h"
#include "wire.h"

struct split {
	struct cap_reader *r;
	struct pcapng_writer *w;
	struct oc_segmenter seg;
	struct oc_flow_table *flows;
	struct oc_parsed p;
	uint8_t *buf;		/* a copy of headers whose checksum is filled */
	uint32_t bufcap;
	unsigned long mtu;
	int *out_if;		/* reader's if_id -> writer's + 1 (0: not written yet) */
	uint32_t n_out_if;
	uint64_t frame, superframes, segments, csum_fixed, passed;
	uint64_t uncut, uncut_frame;	/* over the MTU, not cut: how many, the first */
	unsigned uncut_why;		/* the first's: enum oc_seg_note */
	const struct oc_packet *cur;
	int failed;
};

const struct oc_params oc_params_split = {
	.cmd = "split",
	.files = 1,
	.usage =
"Usage: offcap split [--mtu N] [-F FILE] IN OUT [EXPRESSION]\n"
"\n"
"Writes OUT (pcapng; *.gz for gzip) with every TSO/GSO super-frame and every\n"
"GRO-merged frame replaced by the wire segments it stands for: the lengths,\n"
"IPv4 ids, sequence numbers, flags and checksums Linux software GSO and a TSO\n"
"NIC produce. Checksums left for the device (CHECKSUM_PARTIAL: the field holds\n"
"the pseudo-header sum) are filled in; checksums that are really wrong stay wrong.\n"
"Other packets pass through unchanged. With offcap's captures the kernel's\n"
"gso_size is used; for tcpdump captures, frames over the MTU are cut by the\n"
"flow's MSS (from its handshake, else from the MTU). Payload bytes that were\n"
"not captured (snaplen) stay uncaptured in the segments. A UDP datagram over the\n"
"MTU in a file without GSO metadata is left whole (its segment size is unknown),\n"
"as is a frame with an implausible gso_size (below 8 bytes for TCP, more than\n"
"128 UDP segments, or disagreeing with gso_segs); both are counted on exit.\n"
"\n"
"With EXPRESSION (tcpdump's filter language; -F FILE reads it from FILE), OUT\n"
"holds only the packets of IN that match it, split.\n"
"\n"
"",
	.p = (const struct oc_param[]){
		{ 0, "mtu", 'm', OC_ARG_REQUIRED, "N", "MTU for files that do not record it (default " OC_STR(OC_DEFAULT_MTU) ")",
		  .man = "MTU for files that do not record it (default " OC_STR(OC_DEFAULT_MTU) ")." },
		OC_PARAM_FILTER_FILE,
		{ 'h', "help", .help = "", .man = "" },
		{ 0 },
	},
};

/* Interfaces are written in the reader's order, each before its first packet. */
static int add_ifaces(struct split *s, uint32_t if_id)
{
	if (oc_iface_slots((void **)&s->out_if, &s->n_out_if, if_id, sizeof(int)))
		return oc_err("split: interface %u: out of memory or beyond %u interfaces", if_id,
			      OC_MAX_IFACES), s->failed = 1, -1;
	for (unsigned i = 0; i < cap_niface(s->r) && i <= if_id; i++) {
		int id;

		if (s->out_if[i])
			continue;
		id = pcapng_add_iface(s->w, cap_iface(s->r, i));
		if (id < 0)
			return s->failed = 1, -1;
		s->out_if[i] = id + 1;
	}
	return 0;
}

/* The input's metadata comment is not copied: the writer writes the
 * segment's own (no GSO, checksum filled in). */
static const char *user_comment(const struct oc_packet *pkt)
{
	struct oc_meta m;
	const char *c = pkt->comment;

	if (!c || pkt->comment_is_meta)
		return NULL;
	return oc_meta_parse(c, strlen(c), &m) ? c : NULL;
}

/* One packet out: its caplen bytes in parts. */
struct out {
	struct pcapng_part part[2];
	unsigned n;
	uint32_t caplen, len;
	const char *comment;	/* not offcap's metadata */
	uint64_t ts_add;
};

/* Bytes of the input are referred to, not copied, while the reader keeps
 * them mapped (it calls release() before it moves on). */
static void add_part(struct split *s, struct out *o, const uint8_t *data, uint32_t len, int in_input)
{
	o->part[o->n++] = (struct pcapng_part){ data, len, in_input && s->cur->data_in_record };
}

static void release(void *arg)
{
	struct split *s = arg;

	if (pcapng_sync(s->w))
		s->failed = 1;
}

static int write_pkt(struct split *s, const struct oc_packet *in, const struct out *out)
{
	struct oc_packet o = *in;

	if (add_ifaces(s, in->if_id))
		return -1;
	o.if_id = (uint32_t)s->out_if[in->if_id] - 1;
	o.data = NULL;
	o.caplen = out->caplen;
	o.len = out->len;
	o.ts_ns += out->ts_add;
	o.comment = out->comment;
	o.epb_flags &= ~(OC_EPB_TSO | OC_EPB_CSUM_NOT_READY);
	if (o.meta.flags & OC_META_VALID) {
		o.meta.gso_size = 0;
		o.meta.gso_segs = 0;
		o.meta.gso_type = 0;
		o.meta.csum = OC_CSUM_NONE;
		o.meta.len = out->len;
	}
	if (pcapng_write_packet_parts(s->w, &o, out->part, out->n))
		return s->failed = 1, -1;
	return 0;
}

/* The input's packet as it is. */
static int write_input(struct split *s, const struct oc_packet *pkt)
{
	struct out o = { .caplen = pkt->caplen, .len = pkt->len, .comment = user_comment(pkt) };

	add_part(s, &o, pkt->data, pkt->caplen, 1);
	return write_pkt(s, pkt, &o);
}

static char *put_str(char *p, const char *str)
{
	size_t n = strlen(str);

	memcpy(p, str, n);
	return p + n;
}

static char *put_uint(char *p, unsigned long long v)
{
	char t[20];
	int n = 0;

	do
		t[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n)
		*p++ = t[--n];
	return p;
}

#define TRUNC_NOTE " (payload beyond the snaplen not captured; checksum not computable)"
#define SEG_COMMENT_MAX (sizeof("offcap split: segment /") + 10 + 10 + sizeof(" of frame ") + 20 + \
			 sizeof(TRUNC_NOTE))

/* "offcap split: segment I/N of frame F", without printf: one per segment. */
static void segment_comment(char *buf, const struct oc_seg_info *info, uint64_t frame)
{
	char *p = put_str(buf, "offcap split: segment ");

	p = put_uint(p, info->index + 1ull);
	*p++ = '/';
	p = put_uint(put_str(put_uint(p, info->count), " of frame "), frame);
	if (info->payload_truncated)
		p = put_str(p, TRUNC_NOTE);
	*p = '\0';
}

/* A segment: its headers from the segmenter, its payload from the input. */
static int on_segment(const uint8_t *seg, uint32_t caplen, uint32_t len,
		      const struct oc_seg_info *info, void *arg)
{
	struct split *s = arg;
	char comment[SEG_COMMENT_MAX];
	struct out o = { .caplen = caplen, .len = len, .comment = comment, .ts_add = info->index };

	segment_comment(comment, info, s->frame);
	s->segments++;
	if (info->passthrough) {
		add_part(s, &o, seg, caplen, 1);
	} else {
		add_part(s, &o, seg, info->payload_off, 0);
		add_part(s, &o, info->payload, caplen - info->payload_off, 1);
	}
	return write_pkt(s, s->cur, &o) ? 1 : 0;
}

static void not_cut(struct split *s, unsigned why)
{
	if (!s->uncut++) {
		s->uncut_frame = s->frame;
		s->uncut_why = why;
	}
}

/* Where this frame is cut (oc_wire_cut_at); learns the flow's MSS on the way. */
static void cut_at(struct split *s, const struct oc_packet *pkt, uint16_t linktype, uint32_t mtu,
		   struct oc_wire_cut *cut)
{
	const struct oc_layer *l = oc_flow(&s->p);
	struct oc_flow *fl = NULL;
	int side = 0;

	if (!(pkt->meta.flags & OC_META_VALID) && l->l4.kind == OC_L4_TCP &&
	    (fl = oc_flows_get(s->flows, &s->p, pkt->ts_ns, &side)) != NULL)
		oc_flow_learn_tcp(fl, side, &l->l4.tcp, l->l4.payload_len);
	oc_wire_cut_at(pkt, &s->p, fl, side, mtu,
		       oc_wire_l3_len(pkt->data, pkt->caplen, pkt->len, linktype), cut);
}

/* Cut into segments; 1 when the plan says no (the frame goes out whole). */
static int cut_frame(struct split *s, const struct oc_packet *pkt, const struct oc_wire_cut *cut)
{
	struct oc_seg_req req = { .data = pkt->data, .caplen = pkt->caplen, .len = pkt->len,
		.parsed = &s->p, .gso_size = cut->gso_size, .gso_type = cut->gso_type,
		.gso_segs = cut->gso_segs, .csum = OC_SEG_CSUM_FULL, .in_place = true };
	struct oc_seg_plan plan;

	if (oc_seg_plan(&req, &plan) == 1 && plan.passthrough) {
		if (oc_seg_note_uncut(plan.why))
			not_cut(s, plan.why);
		return 1;
	}
	s->superframes++;
	return oc_segment(&s->seg, &req, on_segment, s) < 0 || s->failed ? -1 : 0;
}

static int reserve(struct split *s, uint32_t n)
{
	uint8_t *nb;

	if (n <= s->bufcap)
		return 0;
	nb = realloc(s->buf, n);
	if (!nb)
		return oc_fail(-1, "out of memory (%u bytes of headers)", n);
	s->buf = nb;
	s->bufcap = n;
	return 0;
}

/* The frame as it is, with the checksums left for the device filled in: in
 * a copy of its headers, the payload summed where it lies. */
static int write_whole(struct split *s, const struct oc_packet *pkt)
{
	struct out o = { .caplen = pkt->caplen, .len = pkt->len, .comment = user_comment(pkt) };
	struct oc_csum_frame f = { .len = pkt->caplen };

	s->passed++;
	if (!s->p.outer.ip.version || !oc_wire_needs_fill(pkt->caplen, pkt->len, &s->p))
		return write_input(s, pkt);
	f.hdr_len = oc_wire_csum_hdr_len(&s->p, pkt->caplen);
	if (reserve(s, f.hdr_len))
		return -1;
	memcpy(s->buf, pkt->data, f.hdr_len);
	f.hdr = s->buf;
	f.rest = pkt->data + f.hdr_len;
	if (oc_wire_fill_partial_frame(&f, pkt->len, &s->p))
		s->csum_fixed++;
	add_part(s, &o, s->buf, f.hdr_len, 0);
	add_part(s, &o, f.rest, pkt->caplen - f.hdr_len, 1);
	return write_pkt(s, pkt, &o);
}

static int split_packet(struct split *s, const struct oc_packet *pkt)
{
	const struct oc_iface *f = cap_iface(s->r, pkt->if_id);
	uint16_t linktype = f ? f->linktype : OC_LINKTYPE_ETHERNET;
	uint32_t mtu = oc_wire_mtu(f, (uint32_t)s->mtu);
	struct oc_wire_cut cut;
	int rc;

	s->frame++;
	s->cur = pkt;
	if (oc_parse(pkt->data, pkt->caplen, pkt->len, linktype, &s->p) && !s->p.outer.ip.version)
		return s->passed++, write_input(s, pkt);
	cut_at(s, pkt, linktype, mtu, &cut);
	if (cut.why_not != OC_SEG_NOTE_NONE)
		not_cut(s, cut.why_not);
	if (cut.gso_size && (rc = cut_frame(s, pkt, &cut)) <= 0)
		return rc;
	return write_whole(s, pkt);
}

static int open_files(struct split *s, const char *in, const char *out)
{
	struct pcapng_shb_info shb = { .app = "offcap " OFFCAP_VERSION " split",
				       .comment = "offcap split: super-frames cut into wire segments" };

	s->r = cap_open(in);
	if (!s->r)
		return -1;
	s->w = pcapng_open(out, &shb);
	if (!s->w)
		return -1;
	return 0;
}

int cmd_split(int argc, char **argv)
{
	struct oc_getopt g = { 0 };
	struct split s = { .mtu = OC_DEFAULT_MTU };
	struct oc_packet pkt;
	struct oc_expr *e = NULL;
	const char *ffile = NULL;
	int c, n = 0, m, ret = 1;

	optind = 1;
	while ((c = oc_params_next(&oc_params_split, &g, argc, argv)) != -1) {
		if (c == 'h') {
			oc_params_usage(&oc_params_split, stdout);
			return 0;
		}
		if (c == 'F') {
			ffile = optarg;
			continue;
		}
		if (c == 'm' && oc_parse_uint(optarg, 68, 1 << 20, &s.mtu))
			return oc_fail(2, "--mtu: a number from 68 to 1048576");
		if (c != 'm') {
			oc_params_usage(&oc_params_split, stderr);
			return 2;
		}
	}
	if (argc - optind < 2) {
		oc_err("split: name an input and an output file");
		oc_params_usage(&oc_params_split, stderr);
		return 2;
	}
	if (!strcmp(argv[optind], argv[optind + 1]))
		return oc_fail(2, "split: the output would overwrite the input");
	if (oc_cmd_expr(argv + optind + 2, argc - optind - 2, ffile, &e))
		return 1;
	oc_segmenter_init(&s.seg);
	s.flows = oc_flows_new(65536);
	if (!s.flows || open_files(&s, argv[optind], argv[optind + 1]))
		goto out;
	cap_on_release(s.r, release, &s);
	while ((n = cap_next(s.r, &pkt)) > 0) {
		if ((m = oc_expr_match(e, cap_iface(s.r, pkt.if_id), &pkt)) < 0)
			goto out;
		if ((m && split_packet(&s, &pkt)) || s.failed)
			break;
	}
	if (n < 0)
		oc_err("%s: %s (stopped there)", argv[optind], cap_error(s.r));
	else if (!s.failed && !n)
		ret = 0;
	else if (*pcapng_error(s.w))	/* else said where it failed */
		oc_err("%s", pcapng_error(s.w));
	fprintf(stderr, "offcap split: %llu super-frames became %llu segments; %llu packets passed through "
		"(%llu with their checksum filled in)\n", (unsigned long long)s.superframes,
		(unsigned long long)s.segments, (unsigned long long)s.passed, (unsigned long long)s.csum_fixed);
	if (s.uncut)
		fprintf(stderr, "offcap split: %llu frames over the MTU were not cut (the first, frame %llu: %s)\n",
			(unsigned long long)s.uncut, (unsigned long long)s.uncut_frame, oc_seg_note_text(s.uncut_why));
out:
	if (s.w && pcapng_close(s.w))
		ret = 1;
	cap_close(s.r);
	oc_flows_free(s.flows);
	oc_segmenter_free(&s.seg);
	free(s.buf);
	free(s.out_if);
	oc_expr_free(e);
	return ret;
}
