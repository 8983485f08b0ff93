#include "testrun.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event.h"
#include "capture.skel.h"
#include "cbpf.h"

/* The kernel copies at most a page of test data into the skb; the filter
 * reads at most OC_FILTER_SPAN_MAX bytes of it. */
#define TEST_DATA_MAX	2048
#define TEST_PAD	128

struct oc_testrun {
	struct capture_bpf *skel;
	int prog_fd, ring_fd, ncpu;
	struct oc_point_stats *st;
};

static int silent(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	(void)l, (void)fmt, (void)ap;
	return 0;
}

struct oc_testrun *oc_testrun_open(const struct oc_kfilter *f, int l3, int verbose,
				   char *err, size_t errlen)
{
	struct oc_testrun *t = calloc(1, sizeof(*t));
	struct stat ns;
	int ret;

	if (!t || stat("/proc/self/ns/net", &ns)) {
		snprintf(err, errlen, "cannot start: %s", strerror(errno));
		free(t);
		return NULL;
	}
	t->ring_fd = -1;
	if (!verbose)
		libbpf_set_print(silent);
	t->ncpu = libbpf_num_possible_cpus();
	t->st = calloc((size_t)t->ncpu, sizeof(*t->st));
	if (!t->st || oc_kfilter_arm(f, err, errlen) || !(t->skel = capture_bpf__open()))
		goto fail;
	t->skel->rodata->test_mode = 1;
	t->skel->rodata->snaplen = 0;
	t->skel->rodata->dev_netns = (uint32_t)ns.st_ino;
	t->skel->rodata->filter_on = (f->link[OC_KF_L2].ok ? OC_FILTER_L2 : 0) |
				     (f->link[OC_KF_L3].ok ? OC_FILTER_L3 : 0);
	t->skel->rodata->filter_span = oc_kfilter_span(f);
	if (l3) {	/* the test run's skb belongs to lo */
		t->skel->rodata->l3_ndevs = 1;
		t->skel->rodata->l3_devs[0] = (struct oc_dev_key){ .ifindex = 1, .netns = (uint32_t)ns.st_ino };
	}
	for (struct bpf_program *p = NULL; (p = bpf_object__next_program(t->skel->obj, p));)
		bpf_program__set_autoload(p, p == t->skel->progs.oc_tc_ingress);
	t->ring_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, NULL, 0, 0, (uint32_t)sysconf(_SC_PAGESIZE), NULL);
	if (t->ring_fd < 0 || bpf_map__set_inner_map_fd(t->skel->maps.rings, t->ring_fd) ||
	    bpf_map__set_max_entries(t->skel->maps.rings, 1))
		goto fail;
	ret = capture_bpf__load(t->skel);
	if (ret) {
		snprintf(err, errlen, "cannot load the capture program: %s%s", strerror(-ret),
			 verbose ? "" : " (-v shows the verifier's log)");
		goto fail_quiet;
	}
	t->prog_fd = bpf_program__fd(t->skel->progs.oc_tc_ingress);
	return t;
fail:
	if (!*err)
		snprintf(err, errlen, "cannot prepare the capture program: %s", strerror(errno));
fail_quiet:
	oc_testrun_close(t);
	return NULL;
}

static int counts(struct oc_testrun *t, uint64_t *filtered, uint64_t *undecided)
{
	uint32_t key = OC_HOOK_TC_INGRESS;

	if (bpf_map__lookup_elem(t->skel->maps.stats, &key, sizeof(key), t->st,
				 sizeof(*t->st) * (size_t)t->ncpu, 0))
		return -1;
	*filtered = *undecided = 0;
	for (int c = 0; c < t->ncpu; c++) {
		*filtered += t->st[c].filtered;
		*undecided += t->st[c].undecided;
	}
	return 0;
}

int oc_testrun_packet(struct oc_testrun *t, const uint8_t *data, uint32_t caplen, uint32_t len)
{
	uint8_t buf[TEST_DATA_MAX];
	uint32_t n = caplen < TEST_DATA_MAX ? caplen : TEST_DATA_MAX;
	/* zeros after a cut packet: the kernel refuses a run on a frame whose
	 * IP header it cannot pull; the program reads test_caplen bytes only */
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = n < TEST_PAD ? TEST_PAD : n,
		    .data_out = NULL, .repeat = 1);
	uint64_t f0, u0, f1, u1;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, data, n);
	t->skel->bss->test_len = len;
	t->skel->bss->test_caplen = caplen;
	if (counts(t, &f0, &u0) || bpf_prog_test_run_opts(t->prog_fd, &o) || counts(t, &f1, &u1))
		return -1;
	if (f1 != f0)
		return OC_CBPF_REJECT;
	return u1 != u0 ? OC_CBPF_UNDECIDED : OC_CBPF_MATCH;
}

void oc_testrun_close(struct oc_testrun *t)
{
	if (!t)
		return;
	capture_bpf__destroy(t->skel);
	if (t->ring_fd >= 0)
		close(t->ring_fd);
	free(t->st);
	free(t);
}
