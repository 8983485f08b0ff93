/* The capture filter that runs in the kernel: a pcap-filter(7) expression
 * compiled by libpcap for each link type offcap records (Ethernet, raw IP),
 * translated to eBPF (user/filter/cbpf.c) and spliced into the capture programs
 * (user/filter/splice.c). User space decides the rare packet the kernel could not. */
#ifndef OFFCAP_KFILTER_H
#define OFFCAP_KFILTER_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"

enum oc_kf_link { OC_KF_L2, OC_KF_L3, OC_KF_LINKS };

struct oc_kfilter {
	char *expr;
	struct {
		int ok;			/* compiled and translated */
		int rejects_all;	/* libpcap: "expression rejects all packets" */
		char why[256];		/* why not ok */
		void *cbpf;		/* libpcap's program (struct sock_filter) */
		unsigned cbpf_len;
		struct bpf_insn *ebpf;
		unsigned n;		/* eBPF instructions */
		unsigned span;		/* bytes the filter reads at most */
		int decides;		/* every load within the copy: never undecided */
	} link[OC_KF_LINKS];
};

/* 0 with the filter in *out; else a negative errno, said with oc_err():
 * -EINVAL when libpcap refuses the expression for Ethernet frames (its
 * message), -E2BIG when it is too large for the kernel filter, -EOPNOTSUPP
 * when its program cannot be translated (backward jumps), -ENOMEM. An
 * expression that only rejects, or cannot be used, on one link type
 * compiles: link[].ok says where it can run. */
int oc_kfilter_compile(const char *expr, struct oc_kfilter **out);
/* The bytes the programs copy: the larger span of the two, at least 16. */
unsigned oc_kfilter_span(const struct oc_kfilter *f);
/* 1 when the kernel decides every packet of link l it has the bytes of:
 * no load past the OC_FILTER_SPAN_MAX bytes it copies. */
int oc_kfilter_decides(const struct oc_kfilter *f, enum oc_kf_link l);
/* libpcap's own verdict (pcap_offline_filter) on a packet as the file holds it. */
int oc_kfilter_match(const struct oc_kfilter *f, enum oc_kf_link l, const struct oc_packet *pkt);
/* What of link l's program runs in the kernel and what is left to user
 * space, and why, in words; returns the number of loads left. */
int oc_kfilter_describe(const struct oc_kfilter *f, enum oc_kf_link l, char *buf, size_t len);
/* Hands the translated programs to the splice (before the objects open);
 * oc_splice_set's return. */
int oc_kfilter_arm(const struct oc_kfilter *f);
void oc_kfilter_free(struct oc_kfilter *f);

#endif
