/* Splices translated capture filters into offcap's BPF programs at load:
 * libbpf custom section handlers for the sections offcap uses (tc, xdp,
 * xdp.frags, tp_btf/) whose prepare callback finds each filter stub (after
 * libbpf has appended the subprograms) and overwrites it in place, whatever
 * bpf_object or loader (libbpf, libxdp) the program comes from. */
#ifndef OFFCAP_SPLICE_H
#define OFFCAP_SPLICE_H

#include <linux/bpf.h>
#include <stddef.h>

enum oc_splice_link { OC_SPLICE_L2, OC_SPLICE_L3, OC_SPLICE_LINKS };

/* The eBPF body for each stub (NULL: leave the stub; the program must not
 * call it). Registers the handlers on first use: call before the objects
 * are opened. The arrays must outlive the loads. 0, or a negative errno said
 * with oc_err() (-E2BIG: a body larger than oc_splice_room()). */
int oc_splice_set(const struct bpf_insn *body[OC_SPLICE_LINKS], const unsigned n[OC_SPLICE_LINKS]);
/* Instructions a body may have at most. */
unsigned oc_splice_room(void);

#endif
