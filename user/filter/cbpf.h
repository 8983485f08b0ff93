/* Classic BPF (libpcap's compiled filters) translated to eBPF that runs in
 * the kernel on the first bytes of what offcap records. No kernel, no
 * libpcap; tested in tests/unit/test_cbpf.c. Not reentrant: the translation
 * keeps its scratch arrays (reachable instructions, abstract load states) in
 * static storage, so one thread translates at a time. */
#ifndef OFFCAP_CBPF_H
#define OFFCAP_CBPF_H

#include <linux/bpf.h>
#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

/* Most bytes the kernel copies for a filter: loads beyond it are decided in
 * user space (OC_FILTER_UNDECIDED). The same as bpf/capture.h's. */
#define OC_CBPF_SPAN_MAX	1024

/* What the generated program returns in r0. */
#define OC_CBPF_REJECT		0
#define OC_CBPF_MATCH		1
#define OC_CBPF_UNDECIDED	2	/* a load past the copied bytes, the packet longer */

/* Most eBPF instructions a translation may have (the splice's room is less). */
#define OC_CBPF_EBPF_MAX	8192

/* Bytes from the packet's start the program can read: the end of its
 * furthest load, from an interval analysis of X; at most OC_CBPF_SPAN_MAX.
 * -1 if the program is not valid classic BPF (a backward jump, bad code). */
int oc_cbpf_span(const struct sock_filter *f, unsigned n);
/* 1 when every load ends within OC_CBPF_SPAN_MAX: the kernel decides every
 * packet it has the first bytes of (none is left to user space). */
int oc_cbpf_within_copy(const struct sock_filter *f, unsigned n);
/* The classic instructions whose load can end past OC_CBPF_SPAN_MAX (the
 * first max of them into pcs); returns how many there are. */
unsigned oc_cbpf_past_copy(const struct sock_filter *f, unsigned n, unsigned *pcs, unsigned max);
/* 1 if the program loads an ancillary word (inbound, outbound, ifindex). */
int oc_cbpf_uses_aux(const struct sock_filter *f, unsigned n);

/* What the kernel's classic BPF gives a live capture beyond the bytes. */
struct oc_cbpf_aux {
	uint32_t pkttype;	/* SKF_AD_PKTTYPE: 4 (PACKET_OUTGOING) on the way out, else 0 */
	uint32_t ifindex;	/* SKF_AD_IFINDEX */
};

/* libpcap 1.10.3's bpf_filter (pcap_offline_filter) on the first caplen
 * bytes of a packet of wirelen bytes: a load past caplen, a division by 0
 * return 0, a shift by 32 or more gives 0. With aux, ancillary loads give
 * its words, as a live capture's kernel filter does (without it they fall
 * past the packet, as libpcap on a file). Returns the filter's value. */
uint32_t oc_cbpf_run(const struct sock_filter *f, unsigned n, const uint8_t *p, uint32_t caplen,
		     uint32_t wirelen, const struct oc_cbpf_aux *aux);

/* The eBPF body of a subprogram called as
 *   int filter(void *bytes, u64 avail, u64 wirelen, u64 complete, u64 aux)
 * bytes: span bytes of scratch (avail of them the packet's first bytes);
 * wirelen: the packet's length (BPF_LEN); complete: nonzero when avail is
 * every byte there is (caplen <= span), so a load past it rejects as
 * libpcap's bpf_filter does; otherwise it returns OC_CBPF_UNDECIDED;
 * aux: ifindex | pkttype << 32 (struct oc_cbpf_aux) for ancillary loads.
 * Returns the number of instructions written to out (at most max), or,
 * said with oc_err(), -E2BIG (more than max, or too large to translate) or
 * -EOPNOTSUPP (an instruction offcap does not translate). */
int oc_cbpf_to_ebpf(const struct sock_filter *f, unsigned n, unsigned span,
		    struct bpf_insn *out, unsigned max);

/* One eBPF instruction as text ("r0 = 1", "if w2 == 0x800 goto +3"). */
void oc_ebpf_format(const struct bpf_insn *insn, char *buf, size_t len);

/* 1 if the program is "ret #0" alone: it rejects every packet. */
int oc_cbpf_rejects_all(const struct sock_filter *f, unsigned n);

#endif
