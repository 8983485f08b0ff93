/* Attaching offcap's programs to devices and detaching them: tcx or clsact,
 * XDP alone, in libxdp's dispatcher or traced. */
#include "capture_int.h"
#include "log.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* tcx attach types (Linux 6.6); Debian's uapi headers predate them. */
#define OC_BPF_TCX_INGRESS 46
#define OC_BPF_TCX_EGRESS 47
/* clsact fallback: offcap's own handle and priority, so it never touches others' filters */
#define OC_TC_HANDLE 0x0cfc
#define OC_TC_PRIO 0xcfc0

/* offcap's xdp program into the device's dispatcher (libxdp makes one if
 * there is none); the first call for an object loads it. */
int oc_cap_share_xdp(struct oc_capture *c, unsigned d)
{
	struct oc_netdev *dev = &c->devs[d];
	struct oc_attach *a = &c->at[d][OC_POINT_XDP];
	struct bpf_program *prog = oc_cap_prog_of(c, oc_cap_instance_of(c, dev), OC_POINT_XDP);
	char ctx[96];

	if (oc_netdev_enter(dev))
		return oc_fail(oc_cap_errno(), "%s: cannot enter its namespace: %s", dev->name,
			       strerror(errno));
	snprintf(ctx, sizeof(ctx), "%s: cannot attach at xdp", dev->name);
	a->xprog = oc_xdp_share(bpf_program__fd(prog) < 0 ? oc_cap_instance_of(c, dev)->obj : NULL, prog,
				dev->ifindex, dev->netns_fd, &a->mode, ctx);
	oc_netdev_leave();
	return a->xprog ? 0 : -EIO;
}

/* A filter at offcap's handle and priority can only be an earlier run's leftover. */
static void remove_leftover_tc(struct bpf_tc_hook *hook, const char *ifname)
{
	struct bpf_tc_opts q = { .sz = sizeof(q), .handle = OC_TC_HANDLE, .priority = OC_TC_PRIO };

	if (bpf_tc_query(hook, &q))
		return;
	q.prog_fd = q.prog_id = 0;
	q.flags = 0;
	if (!bpf_tc_detach(hook, &q))
		oc_warn("removed a tc filter left on %s by an earlier offcap run", ifname);
}

static int attach_clsact(struct oc_attach *a, int prog_fd, int ifindex, int ingress,
			 const char *ifname)
{
	int err;

	a->hook = (struct bpf_tc_hook){ .sz = sizeof(a->hook), .ifindex = ifindex,
		.attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS };
	err = bpf_tc_hook_create(&a->hook);
	if (err && err != -EEXIST)
		return err;
	a->hook_created = !err;
	remove_leftover_tc(&a->hook, ifname);
	a->tc = (struct bpf_tc_opts){ .sz = sizeof(a->tc), .prog_fd = prog_fd,
		.handle = OC_TC_HANDLE, .priority = OC_TC_PRIO };
	err = bpf_tc_attach(&a->hook, &a->tc);
	if (err)
		return err;
	a->tc_attached = 1;
	a->mode = "clsact";
	return 0;
}

static int attach_tc(struct oc_attach *a, int prog_fd, int ifindex, int ingress,
		     const struct oc_capture_opts *o, const char *ifname)
{
	int type = ingress ? OC_BPF_TCX_INGRESS : OC_BPF_TCX_EGRESS;

	a->tcx_fd = o->tc_clsact ? -1 : bpf_link_create(prog_fd, ifindex, type, NULL);
	if (a->tcx_fd >= 0) {
		a->mode = "tcx";
		return 0;
	}
	/* no tcx (before 6.6): a classic clsact filter, removed on exit */
	return attach_clsact(a, prog_fd, ifindex, ingress, ifname);
}

/* Without trampolines: offcap's program alone, on a link that goes with it. */
static int attach_xdp_alone(struct oc_attach *a, struct bpf_program *prog, int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	a->link = bpf_program__attach_xdp(prog, ifindex);
	if (!a->link)
		return -errno;
	a->mode = "xdp";
	if (!bpf_xdp_query(ifindex, 0, &q))
		a->mode = q.attach_mode == XDP_ATTACHED_SKB ? "xdp-generic" : "xdp-native";
	return 0;
}

/* A program attached alone is traced: one pair of links for all its devices,
 * the exit first. */
static int attach_xdp_trace(struct oc_capture *c, struct oc_attach *a)
{
	struct capture_bpf *s = c->inst[0].skel;

	a->mode = "fentry/fexit";
	if (c->xdp_trace_in)
		return 0;
	if (!(c->xdp_trace_out = bpf_program__attach_trace(s->progs.oc_xdp_verdict)))
		return -errno;
	c->xdp_trace_in = bpf_program__attach_trace(s->progs.oc_xdp_trace_in);
	return c->xdp_trace_in ? 0 : -errno;
}

static const char *attach_hint(int ret, unsigned p, const struct oc_capture *c)
{
	if (p == OC_POINT_XDP && (ret == -EBUSY || ret == -EEXIST))
		return " (another XDP program was attached meanwhile)";
	if (p == OC_POINT_XDP && ret == -EOPNOTSUPP)
		return " (the driver refuses XDP as the device is set up now; offcap changes no setting: "
		       "-p pre-gro sees the received frames without XDP)";
	if (p == OC_POINT_XDP && ret == -EINVAL && !(c->features & OC_FEAT_XDP_FRAGS))
		return " (linear XDP: the MTU may be too large for one buffer)";
	return "";
}

int oc_cap_attach_dev(struct oc_capture *c, unsigned d, const struct oc_capture_opts *o)
{
	struct oc_netdev *dev = &c->devs[d];
	struct capture_bpf *s = oc_cap_instance_of(c, dev);
	int ret = 0;

	if (oc_netdev_enter(dev))
		return oc_fail(oc_cap_errno(), "%s: cannot enter its namespace: %s", dev->name,
			       strerror(errno));
	for (unsigned p = 0; p < OC_POINT_MAX && !ret; p++) {
		const struct oc_hook *h = &oc_hooks[p];
		struct oc_attach *a = &c->at[d][p];
		struct bpf_program *prog = oc_cap_prog_of(c, s, p);

		if (!(o->points & (1u << p)))
			continue;
		if (h->attach == OC_ATTACH_TRACE) {
			a->mode = "tp_btf";	/* one program for all, filtered by .rodata */
			continue;
		}
		if (h->attach == OC_ATTACH_XDP && (a->xprog || c->xdp[d].way == OC_XDP_SHARE)) {
			oc_netdev_leave();
			if (!a->xprog && (ret = oc_cap_share_xdp(c, d)))
				return ret;
			oc_netdev_enter(dev);
			continue;
		}
		ret = h->attach != OC_ATTACH_XDP ?
			attach_tc(a, bpf_program__fd(prog), dev->ifindex, h->ingress, o, dev->name) :
			c->xdp[d].way == OC_XDP_TRACE ? attach_xdp_trace(c, a) :
			attach_xdp_alone(a, prog, dev->ifindex);
		if (ret)
			oc_err("%s: cannot attach at %s: %s%s", dev->name, h->name, strerror(-ret),
			       attach_hint(ret, p, c));
	}
	oc_netdev_leave();
	return ret;
}

/* ---- detaching ---- */

static void detach(struct oc_capture *c, unsigned d)
{
	if (oc_netdev_enter(&c->devs[d]))
		return;
	for (unsigned p = 0; p < OC_POINT_MAX; p++) {
		struct oc_attach *a = &c->at[d][p];

		oc_xdp_unshare(a->xprog, c->devs[d].ifindex);
		a->xprog = NULL;
		bpf_link__destroy(a->link);
		a->link = NULL;
		if (a->tcx_fd >= 0)
			close(a->tcx_fd);
		a->tcx_fd = -1;
		if (a->tc_attached) {
			a->tc.prog_fd = a->tc.prog_id = 0;
			a->tc.flags = 0;
			bpf_tc_detach(&a->hook, &a->tc);
			a->tc_attached = 0;
		}
	}
	/* the clsact qdisc goes only if offcap created it, after both hooks are empty */
	for (unsigned p = 0; p < OC_POINT_MAX; p++) {
		struct oc_attach *a = &c->at[d][p];

		if (a->hook_created) {
			a->hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&a->hook);
			a->hook_created = 0;
		}
	}
	oc_netdev_leave();
}

void oc_capture_detach(struct oc_capture *c)
{
	for (unsigned d = 0; d < c->ndevs; d++)
		oc_cap_untrace_chain(&c->chain[d]);
	for (unsigned d = 0; d < c->ndevs; d++)
		detach(c, d);
	for (unsigned i = 0; i < c->ntrace; i++)
		bpf_link__destroy(c->trace[i]);
	c->ntrace = 0;
	bpf_link__destroy(c->xdp_trace_in);
	bpf_link__destroy(c->xdp_trace_out);
	c->xdp_trace_in = c->xdp_trace_out = NULL;
}
