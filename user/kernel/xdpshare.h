/* The xdp point next to other XDP programs: offcap's program as one of
 * libxdp's dispatcher components, or, where the attached program cannot be
 * shared, a trace (fexit) on that program. */
#ifndef OFFCAP_XDPSHARE_H
#define OFFCAP_XDPSHARE_H

#include <stddef.h>
#include <stdint.h>

struct bpf_object;
struct bpf_program;
struct xdp_program;

enum oc_xdp_way {
	OC_XDP_SHARE,	/* nothing attached, or libxdp's dispatcher: join it */
	OC_XDP_TRACE,	/* a program attached alone (netlink or bpf_link): fexit on it */
	OC_XDP_ALONE,	/* no trampolines, so no dispatcher: offcap's program alone, a bpf_link */
};

struct oc_xdp_found {
	enum oc_xdp_way way;
	int prog_fd;		/* OC_XDP_TRACE: the attached program, owned */
	uint32_t prog_id;
	char func[128];		/* its function's name in its BTF */
};

/* What is attached at ifindex (in the current namespace), and how offcap can
 * capture next to it. A negative errno when it cannot, said with ctx first
 * ("ctx: why", ctx NULL: none); -EOPNOTSUPP for a program attached alone
 * that cannot be traced. */
int oc_xdp_find(int ifindex, struct oc_xdp_found *f, const char *ctx);

/* offcap's program prog into the dispatcher at ifindex: first, passing every
 * frame on to the next program. With obj (not loaded yet) libxdp loads it,
 * prog as an extension of the dispatcher; without, prog is loaded already.
 * NULL when it cannot, said with ctx first as oc_xdp_find. */
struct xdp_program *oc_xdp_share(struct bpf_object *obj, struct bpf_program *prog, int ifindex,
				 int netns_fd, const char **mode, const char *ctx);
void oc_xdp_unshare(struct xdp_program *p, int ifindex);

/* The dispatcher at ifindex (current namespace): its fd (the caller's), id
 * and function name, for tracing it; -1 where there is none. */
int oc_xdp_dispatcher(int ifindex, uint32_t *id, char *func, size_t len);

void oc_xdp_quiet(int verbose);

#endif
