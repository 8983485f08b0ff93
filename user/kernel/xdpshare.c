#include "xdpshare.h"
#include "log.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <xdp/libxdp.h>

#define BPFFS "/sys/fs/bpf"
#define BPFFS_MAGIC 0xcafe4a11
/* First in the dispatcher's chain: offcap sees every frame before the
 * programs whose verdict decides it (libxdp's default priority is 50). */
#define OC_XDP_PRIO 1

static int libxdp_quiet(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	(void)level, (void)fmt, (void)ap;
	return 0;
}

static int libxdp_verbose(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return vfprintf(stderr, fmt, ap);
}

void oc_xdp_quiet(int verbose)
{
	libxdp_set_print(verbose ? libxdp_verbose : libxdp_quiet);
}

/* The name of a program's function in its BTF: what fexit attaches to. */
static int func_name(int fd, char *name, size_t len)
{
	struct bpf_func_info fi = { 0 };
	struct bpf_prog_info info = { .nr_func_info = 1, .func_info_rec_size = sizeof(fi),
				      .func_info = (uint64_t)(unsigned long)&fi };
	uint32_t n = sizeof(info);
	const struct btf_type *t;
	struct btf *btf;

	if (bpf_obj_get_info_by_fd(fd, &info, &n) || !info.btf_id || !info.nr_func_info)
		return -1;
	btf = btf__load_from_kernel_by_id(info.btf_id);
	t = btf ? btf__type_by_id(btf, fi.type_id) : NULL;
	if (t)
		snprintf(name, len, "%s", btf__name_by_offset(btf, t->name_off));
	btf__free(btf);
	return t ? 0 : -1;
}

int oc_xdp_find(int ifindex, struct oc_xdp_found *f, const char *ctx)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	long e = libxdp_get_error(mp);
	struct xdp_program *main;
	int ret = 0;

	memset(f, 0, sizeof(*f));
	f->prog_fd = -1;
	f->way = OC_XDP_SHARE;
	if (!mp || e)
		return e && e != -ENOENT ? oc_fail_in(ctx, (int)e, "cannot read the XDP programs "
						      "attached: %s", strerror((int)-e)) : 0;
	main = xdp_multiprog__main_prog(mp);
	if (xdp_multiprog__is_legacy(mp) && main) {
		f->way = OC_XDP_TRACE;
		f->prog_id = xdp_program__id(main);
		f->prog_fd = fcntl(xdp_program__fd(main), F_DUPFD_CLOEXEC, 3);
		if (f->prog_fd < 0 || func_name(f->prog_fd, f->func, sizeof(f->func))) {
			ret = oc_fail_in(ctx, -EOPNOTSUPP, "XDP program %u is attached alone, so "
					 "libxdp cannot run offcap's next to it, and it has no BTF to "
					 "trace it by (xdpdump's way); capture at pre-gro instead",
					 f->prog_id);
		}
	}
	xdp_multiprog__close(mp);
	return ret;
}

int oc_xdp_dispatcher(int ifindex, uint32_t *id, char *func, size_t len)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *main;
	int fd = -1;

	*id = 0;
	if (!mp || libxdp_get_error(mp))
		return -1;
	main = xdp_multiprog__main_prog(mp);
	if (main && !xdp_multiprog__is_legacy(mp)) {
		fd = fcntl(xdp_program__fd(main), F_DUPFD_CLOEXEC, 3);
		if (fd >= 0 && func_name(fd, func, len)) {
			close(fd);
			fd = -1;
		}
		*id = fd >= 0 ? xdp_program__id(main) : 0;
	}
	xdp_multiprog__close(mp);
	return fd;
}

/* libxdp pins the dispatcher's programs in bpffs: mount it where it is
 * missing, as xdp-loader does. */
static int need_bpffs(const char *ctx)
{
	struct statfs st;

	if (!statfs(BPFFS, &st) && (unsigned long)st.f_type == BPFFS_MAGIC)
		return 0;
	if (!mount("bpf", BPFFS, "bpf", 0, "mode=0700"))
		return 0;
	return oc_fail_in(ctx, -errno, "no bpffs at " BPFFS " and cannot mount it: %s", strerror(errno));
}

/* ---- the guard: offcap's components leave with it, even after SIGKILL ----
 * libxdp attaches its dispatcher through netlink and pins the components'
 * links, so they outlive the process. A child in its own session waits for
 * the pipe from offcap to close, which happens however offcap ends, and then
 * takes out the components offcap told it about. */
struct guard_rec {
	int netns_fd;
	int ifindex;
	uint32_t prog_id;
};

static int guard_fd = -1;

static void guard_run(int rfd)
{
	struct guard_rec recs[64], r;
	unsigned n = 0;

	while (read(rfd, &r, sizeof(r)) == (ssize_t)sizeof(r))
		if (n < sizeof(recs) / sizeof(recs[0]))
			recs[n++] = r;
	libxdp_set_print(libxdp_quiet);
	for (unsigned i = 0; i < n; i++) {
		struct xdp_program *p;

		if (recs[i].netns_fd >= 0 && setns(recs[i].netns_fd, CLONE_NEWNET))
			continue;
		p = xdp_program__from_id(recs[i].prog_id);
		if (!libxdp_get_error(p) && p) {
			xdp_program__detach(p, recs[i].ifindex, XDP_MODE_UNSPEC, 0);
			xdp_program__close(p);
		}
	}
	_exit(0);
}

static int guard_start(const char *ctx)
{
	int fds[2];
	pid_t pid;

	if (guard_fd >= 0)
		return 0;
	if (pipe2(fds, O_CLOEXEC)) {
		return oc_fail_in(ctx, -errno, "cannot make the XDP guard's pipe: %s", strerror(errno));
	}
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(fds[0]);
		close(fds[1]);
		return oc_fail_in(ctx, -e, "cannot start the XDP guard: %s", strerror(e));
	}
	if (!pid) {
		int null = open("/dev/null", O_RDWR);

		close(fds[1]);
		setsid();	/* out of offcap's process group: a group kill leaves it */
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		guard_run(fds[0]);
	}
	close(fds[0]);
	guard_fd = fds[1];
	return 0;
}

static const char *mode_name(int ifindex)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	enum xdp_attach_mode m = libxdp_get_error(mp) || !mp ? XDP_MODE_UNSPEC :
				 xdp_multiprog__attach_mode(mp);

	if (mp && !libxdp_get_error(mp))
		xdp_multiprog__close(mp);
	return m == XDP_MODE_SKB ? "libxdp-generic" : m == XDP_MODE_NATIVE ? "libxdp-native" : "libxdp";
}

struct xdp_program *oc_xdp_share(struct bpf_object *obj, struct bpf_program *prog, int ifindex,
				 int netns_fd, const char **mode, const char *ctx)
{
	LIBBPF_OPTS(xdp_program_opts, po, .obj = obj, .prog_name = bpf_program__name(prog));
	struct xdp_program *p;
	struct guard_rec r;
	int ret;

	if (need_bpffs(ctx) || guard_start(ctx))
		return NULL;
	p = obj ? xdp_program__create(&po) : xdp_program__from_fd(bpf_program__fd(prog));
	if (!p || libxdp_get_error(p)) {
		oc_fail_in(ctx, 0, "libxdp cannot take program %s: %s", bpf_program__name(prog),
			   strerror(errno));
		return NULL;
	}
	xdp_program__set_run_prio(p, OC_XDP_PRIO);
	ret = xdp_program__attach(p, ifindex, XDP_MODE_UNSPEC, 0);
	if (ret) {
		oc_fail_in(ctx, ret, "cannot join the XDP dispatcher (libxdp): %s%s", strerror(-ret),
			   ret == -EBUSY || ret == -EEXIST ? " (another XDP program was attached meanwhile)" :
			   ret == -EOPNOTSUPP ? " (the driver refuses XDP as the device is set up now; offcap "
			   "changes no setting: -p pre-gro sees the received frames without XDP)" : "");
		xdp_program__close(p);
		return NULL;
	}
	r = (struct guard_rec){ .netns_fd = netns_fd, .ifindex = ifindex,
				.prog_id = xdp_program__id(p) };
	if (write(guard_fd, &r, sizeof(r)) != (ssize_t)sizeof(r)) {
		oc_fail_in(ctx, -errno, "cannot tell the XDP guard: %s", strerror(errno));
		oc_xdp_unshare(p, ifindex);
		return NULL;
	}
	*mode = mode_name(ifindex);
	return p;
}

void oc_xdp_unshare(struct xdp_program *p, int ifindex)
{
	if (!p)
		return;
	xdp_program__detach(p, ifindex, XDP_MODE_UNSPEC, 0);
	xdp_program__close(p);
}
