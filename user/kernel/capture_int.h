/* Private to user/kernel/: one capture's state, shared by loader.c (planning,
 * loading, start and stop, the rings and the counts), probe.c (what the
 * running kernel has) and attach.c (attaching to and detaching from devices).
 * The public API is loader.h's. */
#ifndef OFFCAP_CAPTURE_INT_H
#define OFFCAP_CAPTURE_INT_H

#include "loader.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdint.h>

#include "capture.skel.h"
#include "ring.h"
#include "xdpshare.h"

#define OC_MAX_TRACE 8	/* tp_btf programs of all tracepoint points */
/* from oc_hooks[]: the points attached to a device (without OC_FEAT_KERN_CTX
 * their programs cannot read its namespace, so each watched namespace gets
 * its own copy of the object), and the tracepoints */
#define DEV_POINTS (oc_hooks_of(OC_ATTACH_XDP) | oc_hooks_of(OC_ATTACH_TC))
#define TRACE_POINTS oc_hooks_of(OC_ATTACH_TRACE)

struct oc_attach {
	struct xdp_program *xprog;	/* offcap's component in libxdp's dispatcher */
	struct bpf_link *link;		/* XDP link, where the kernel has no dispatcher */
	int tcx_fd;		/* tcx link fd, -1 if none */
	struct bpf_tc_hook hook;	/* clsact fallback */
	struct bpf_tc_opts tc;
	int tc_attached, hook_created;
	const char *mode;
};

/* A trace on both sides of one device's libxdp dispatcher, for the chain's
 * verdicts. libxdp replaces the dispatcher whenever a program joins or
 * leaves; the poll follows it. */
struct oc_chain_trace {
	struct capture_bpf *skel;
	struct bpf_link *in, *out;
	uint32_t disp_id;	/* the dispatcher traced, or tried */
};

/* One loaded copy of the object: the first holds the maps and post-gso; more
 * exist only for more namespaces on kernels without OC_FEAT_KERN_CTX. */
struct oc_instance {
	struct capture_bpf *skel;
	uint32_t netns;
};

struct oc_capture {
	struct oc_instance inst[OC_MAX_DEVS];
	unsigned ninst;
	uint32_t features;
	unsigned points;
	struct oc_rings *rings;
	struct oc_netdev *devs;
	unsigned ndevs;
	struct oc_attach at[OC_MAX_DEVS][OC_POINT_MAX];
	struct bpf_link *trace[OC_MAX_TRACE];	/* the tracepoint points' links */
	struct oc_xdp_found xdp[OC_MAX_DEVS];	/* how each device's xdp point is captured */
	struct bpf_link *xdp_trace_in, *xdp_trace_out;	/* a program attached alone, traced */
	struct oc_chain_trace chain[OC_MAX_DEVS];
	int chain_verdicts;	/* offcap's program in a dispatcher keeps frames for the verdict */
	uint64_t chain_checked_ms;
	unsigned ntrace;
	struct perf_buffer *frags;	/* post-gso's fragmented packets, before 6.12 */
	uint64_t frags_lost;
	oc_capture_cb cb;
	void *cb_ctx;
	struct oc_event_buf buf;
	const struct oc_kfilter *filter;
	uint64_t user_kept[OC_POINT_MAX], user_rejected[OC_POINT_MAX];	/* undecided, then libpcap's verdict */
	uint64_t undecodable, foreign;	/* records not delivered: see oc_capture_records */
	int verbose;
};

/* errno as a failure's return: -EIO where a library left it 0 */
static inline int oc_cap_errno(void)
{
	return errno ? -errno : -EIO;
}

/* loader.c */
/* The program of hook point p in copy s, in the variant this kernel runs. */
struct bpf_program *oc_cap_prog_of(const struct oc_capture *c, struct capture_bpf *s, unsigned p);
/* The copy of the object for dev's namespace, or NULL before loading. */
struct capture_bpf *oc_cap_instance_of(const struct oc_capture *c, const struct oc_netdev *dev);
void oc_cap_untrace_chain(struct oc_chain_trace *t);

/* probe.c */
/* What this kernel has (OC_FEAT_*), less OFFCAP_DISABLE's. */
uint32_t oc_cap_probe(const struct btf *btf);
void oc_cap_tell_limits(const struct oc_capture *c, const struct oc_capture_opts *o);

/* attach.c: a negative errno, said with oc_err(), when they fail */
int oc_cap_share_xdp(struct oc_capture *c, unsigned d);
int oc_cap_attach_dev(struct oc_capture *c, unsigned d, const struct oc_capture_opts *o);

#endif
