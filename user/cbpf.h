/* Classic BPF (libpcap's compiled filters) translated to eBPF that runs in
 * the kernel on the first bytes of what offcap records. Pure: no kernel, no
 * libpcap; tested in tests/unit/test_cbpf.c. */
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

/* Bytes from the packet's start the program can read: the end of its
 * furthest load, from an interval analysis of X; at most OC_CBPF_SPAN_MAX.
 * -1 if the program is not valid classic BPF (a backward jump, bad code). */
int oc_cbpf_span(const struct sock_filter *f, unsigned n);

/* The eBPF body of a subprogram called as
 *   int filter(void *bytes, u64 avail, u64 wirelen, u64 complete)
 * bytes: span bytes of scratch (avail of them the packet's first bytes);
 * wirelen: the packet's length (BPF_LEN); complete: nonzero when avail is
 * every byte there is (caplen <= span), so a load past it rejects as
 * libpcap's bpf_filter does; otherwise it returns OC_CBPF_UNDECIDED.
 * Returns the number of instructions written to out (at most max), or -1
 * with a message in err. */
int oc_cbpf_to_ebpf(const struct sock_filter *f, unsigned n, unsigned span,
		    struct bpf_insn *out, unsigned max, char *err, size_t errlen);

/* One eBPF instruction as text ("r0 = 1", "if w2 == 0x800 goto +3"). */
void oc_ebpf_format(const struct bpf_insn *insn, char *buf, size_t len);

/* 1 if the program is "ret #0" alone: it rejects every packet. */
int oc_cbpf_rejects_all(const struct sock_filter *f, unsigned n);

#endif
