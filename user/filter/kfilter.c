#include "kfilter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf.h"
#include "log.h"
#include "pcapc.h"
#include "splice.h"

static const int dlt[OC_KF_LINKS] = { 1 /* DLT_EN10MB */, 12 /* DLT_RAW */ };

static int compile_link(struct oc_kfilter *f, enum oc_kf_link l)
{
	typeof(f->link[0]) *k = &f->link[l];
	const char *why;
	int span, n;

	if (oc_pcap_compile(dlt[l], f->expr, &k->cbpf, &k->cbpf_len, &why)) {
		snprintf(k->why, sizeof(k->why), "%s", why);
		k->rejects_all = strstr(k->why, "rejects all packets") != NULL;
		return 0;
	}
	if (k->cbpf_len > BPF_MAXINSNS)
		return oc_fail(-E2BIG, "the expression compiles to %u classic BPF instructions, more than "
			       "the %u the kernel filter takes: simplify it", k->cbpf_len, BPF_MAXINSNS);
	span = oc_cbpf_span((const struct sock_filter *)k->cbpf, k->cbpf_len);
	k->ebpf = calloc(oc_splice_room(), sizeof(*k->ebpf));
	if (span < 0)
		return oc_fail(-EOPNOTSUPP, "libpcap's program for this expression jumps backward "
			       "(protochain loops): offcap's kernel filter runs forward jumps only");
	if (!k->ebpf)
		return oc_fail(-ENOMEM, "out of memory");
	k->span = (unsigned)span;
	k->decides = oc_cbpf_within_copy((const struct sock_filter *)k->cbpf, k->cbpf_len);
	if (oc_cbpf_rejects_all((const struct sock_filter *)k->cbpf, k->cbpf_len)) {
		k->rejects_all = 1;
		snprintf(k->why, sizeof(k->why), "expression rejects all packets");
		return 0;
	}
	n = oc_cbpf_to_ebpf((const struct sock_filter *)k->cbpf, k->cbpf_len, k->span,
			    k->ebpf, oc_splice_room());
	if (n < 0)
		return n;
	k->n = (unsigned)n;
	k->ok = 1;
	return 0;
}

int oc_kfilter_compile(const char *expr, struct oc_kfilter **out)
{
	struct oc_kfilter *f = calloc(1, sizeof(*f));
	int ret = 0;

	*out = NULL;
	if (!f || !(f->expr = strdup(expr ? expr : ""))) {
		free(f);
		return oc_fail(-ENOMEM, "out of memory");
	}
	for (unsigned l = 0; l < OC_KF_LINKS && !ret; l++)
		ret = compile_link(f, l);
	if (!ret && !f->link[OC_KF_L2].ok && !f->link[OC_KF_L2].rejects_all)
		ret = oc_fail(-EINVAL, "filter \"%s\": %s", f->expr, f->link[OC_KF_L2].why);
	if (ret) {
		oc_kfilter_free(f);
		return ret;
	}
	*out = f;
	return 0;
}

/* At least 16: the verifiers of 5.10 and 6.1 walk infeasible paths, and on
 * one where fewer bytes are copied than a VLAN reinsertion needs (12) they
 * see a copy size whose bounds contradict and refuse the program. */
#define SPAN_MIN	16

unsigned oc_kfilter_span(const struct oc_kfilter *f)
{
	unsigned s = SPAN_MIN;

	for (unsigned l = 0; l < OC_KF_LINKS; l++)
		if (f->link[l].ok && f->link[l].span > s)
			s = f->link[l].span;
	return s;
}

int oc_kfilter_decides(const struct oc_kfilter *f, enum oc_kf_link l)
{
	return f->link[l].ok && f->link[l].decides;
}

int oc_kfilter_match(const struct oc_kfilter *f, enum oc_kf_link l, const struct oc_packet *pkt)
{
	if (!f->link[l].ok)
		return 0;
	return oc_pcap_match(f->link[l].cbpf, f->link[l].cbpf_len, pkt->data, pkt->caplen, pkt->len);
}

int oc_kfilter_arm(const struct oc_kfilter *f)
{
	const struct bpf_insn *body[OC_SPLICE_LINKS] = { 0 };
	unsigned n[OC_SPLICE_LINKS] = { 0 };

	for (unsigned l = 0; l < OC_KF_LINKS; l++)
		if (f->link[l].ok) {
			body[l] = f->link[l].ebpf;
			n[l] = f->link[l].n;
		}
	return oc_splice_set(body, n);
}

void oc_kfilter_free(struct oc_kfilter *f)
{
	if (!f)
		return;
	for (unsigned l = 0; l < OC_KF_LINKS; l++) {
		free(f->link[l].cbpf);
		free(f->link[l].ebpf);
	}
	free(f->expr);
	free(f);
}

int oc_kfilter_describe(const struct oc_kfilter *f, enum oc_kf_link l, char *buf, size_t len)
{
	const struct sock_filter *c = f->link[l].cbpf;
	unsigned pcs[4], np, n = 0;
	char img[96];

	if (!f->link[l].ok) {
		snprintf(buf, len, "nothing runs there: %s", f->link[l].why);
		return 0;
	}
	np = oc_cbpf_past_copy(c, f->link[l].cbpf_len, pcs, 4);
	if (!np) {
		snprintf(buf, len, "every part runs in the kernel");
		return 0;
	}
	n = (unsigned)snprintf(buf, len, "left to libpcap in user space, on packets longer than the %u bytes "
			       "the kernel copies:", OC_CBPF_SPAN_MAX);
	for (unsigned i = 0; i < np && i < 4 && n < len; i++) {
		char *t = img;

		oc_pcap_image(f->link[l].cbpf, pcs[i], img, sizeof(img));
		while (*t == ' ')
			t++;
		n += (unsigned)snprintf(buf + n, len - n, " '%s'", t);
	}
	if (np > 4 && n < len)
		snprintf(buf + n, len - n, " and %u more", np - 4);
	if (n < len)
		snprintf(buf + n, len - n, "%s", " (a load at or past that offset, or at an offset the packet sets)");
	return (int)np;
}
