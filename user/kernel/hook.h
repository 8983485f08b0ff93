/* offcap's hook points: the one list of them. The loader, the capture
 * command's defaults and --help, the extcap's options, offcap(8), the bash
 * completion, the Wireshark plugin (wireshark/offcap.lua.in, filled in at
 * build time) and the tests (offcap --list-points) all take it from oc_hooks[].
 * Adding a point touches this table (a row, and its number in enum oc_point,
 * meta.h, which bpf/capture.h's OC_HOOK_* repeats under a static assert) and
 * one BPF program; everything else follows from the row. */
#ifndef OFFCAP_HOOK_H
#define OFFCAP_HOOK_H

#include <stdint.h>
#include <stdio.h>
#include "meta.h"

enum oc_attach_kind {
	OC_ATTACH_XDP,		/* XDP link on the device */
	OC_ATTACH_TC,		/* tcx link (6.6+), else a clsact filter */
	OC_ATTACH_TRACE,	/* tp_btf, one or more tracepoints, filtered to the watched devices */
};

/* A kernel feature a point uses where it exists, and what it records without. */
struct oc_hook_need {
	uint32_t feature;	/* OC_FEAT_* */
	const char *lost;	/* "checksum state and gso_type (recorded as unknown)" */
};

struct oc_hook {
	const char *name;	/* "tc-egress": the -p name and the IDB suffix */
	const char *prog;	/* BPF program by name; OC_ATTACH_TRACE: every program so named or prefixed */
	const char *prog_old;	/* its variant where `needs[0]` is missing, or NULL */
	enum oc_attach_kind attach;
	int ingress;		/* OC_ATTACH_TC: which hook */
	uint8_t dir;		/* enum oc_dir */
	uint8_t dflt;		/* captured when -p is not given (capture, extcap) */
	const char *where;	/* help text: the kernel place */
	const char *shows;	/* help text: what a person sees there */
	struct oc_hook_need needs[2];
};

extern const struct oc_hook oc_hooks[OC_POINT_MAX];

/* The points whose attach kind is k, as a mask of 1 << point. */
unsigned oc_hooks_of(enum oc_attach_kind k);
/* The default points (dflt), as a mask; and as "tc-ingress,tc-egress,post-gso". */
unsigned oc_hooks_default(void);
const char *oc_hooks_default_list(void);
/* offcap --list-points: "NAME DIRECTION KIND default|- PROGRAM" per line. */
void oc_hooks_list(FILE *f);

/* Kernel features, probed once by the loader (never by version number). */
#define OC_FEAT_KERN_CTX	0x01	/* bpf_cast_to_kern_ctx, bpf_rdonly_cast: 6.2 */
#define OC_FEAT_TRACE_DYNPTR	0x02	/* bpf_dynptr_from_skb in tp_btf: 6.12 */
#define OC_FEAT_XDP_FRAGS	0x04	/* multi-buffer XDP, bpf_xdp_load_bytes: 5.18 */
#define OC_FEAT_TCX		0x08	/* tcx links: 6.6 */
/* BPF programs on BPF programs (trampolines: freplace, fexit), which libxdp's
 * dispatcher and tracing an XDP program need: 5.10, unless refused (some
 * sandboxed kernels refuse every trampoline). */
#define OC_FEAT_PROG_TRACE	0x10

/* "bpf_cast_to_kern_ctx (Linux 6.2)" */
const char *oc_feature_name(uint32_t feature);

#endif
