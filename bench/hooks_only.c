/* make bench: attaches bench/hooks_only.bpf.o (programs that do nothing) at
 * tc ingress and egress of each NETNS/IFACE and at net_dev_start_xmit, prints
 * "attached" and the program ids, and holds the links until SIGINT/SIGTERM.
 * Usage: hooks_only OBJ NETNS/IFACE... */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define TCX_INGRESS 46	/* BPF_TCX_INGRESS, newer than Debian's uapi headers */
#define TCX_EGRESS 47

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static int prog_id(struct bpf_program *p)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) ? -1 : (int)info.id;
}

/* Only the do-nothing programs at pre-gro's tracepoints: its floor. */
static int pre_gro_only(struct bpf_object *obj)
{
	struct bpf_program *p;
	int n = 0;

	bpf_object__for_each_program(p, obj) {
		if (strncmp(bpf_program__name(p), "bench_pre_gro", 13))
			continue;
		if (!bpf_program__attach(p))
			return perror(bpf_program__name(p)), 1;
		n++;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("attached %d pre-gro tracepoints\n", n);
	fflush(stdout);
	while (!stop)
		pause();
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *in, *out, *tp;
	int self = open("/proc/self/ns/net", O_RDONLY);

	if (argc < 3 || self < 0)
		return fprintf(stderr, "usage: hooks_only OBJ [--pre-gro] NETNS/IFACE...\n"), 2;
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj))
		return perror("hooks_only: load"), 1;
	if (!strcmp(argv[2], "--pre-gro"))
		return pre_gro_only(obj);
	in = bpf_object__find_program_by_name(obj, "bench_tc_ingress");
	out = bpf_object__find_program_by_name(obj, "bench_tc_egress");
	tp = bpf_object__find_program_by_name(obj, "bench_post_gso");
	if (!in || !out || !tp || !bpf_program__attach(tp))
		return perror("hooks_only: tracepoint"), 1;
	for (int i = 2; i < argc; i++) {
		char path[256], *slash = strchr(argv[i], '/');
		int ns, ifindex;

		if (!slash)
			return fprintf(stderr, "hooks_only: %s: want NETNS/IFACE\n", argv[i]), 2;
		snprintf(path, sizeof(path), "/var/run/netns/%.*s", (int)(slash - argv[i]), argv[i]);
		ns = open(path, O_RDONLY);
		if (ns < 0 || setns(ns, CLONE_NEWNET))
			return perror(path), 1;
		ifindex = (int)if_nametoindex(slash + 1);
		if (!ifindex || bpf_link_create(bpf_program__fd(in), ifindex, TCX_INGRESS, NULL) < 0 ||
		    bpf_link_create(bpf_program__fd(out), ifindex, TCX_EGRESS, NULL) < 0)
			return perror(argv[i]), 1;
		close(ns);
		if (setns(self, CLONE_NEWNET))
			return perror("setns"), 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("attached %d %d %d\n", prog_id(in), prog_id(out), prog_id(tp));
	fflush(stdout);
	while (!stop)
		pause();
	return 0;	/* the links go with the process */
}
