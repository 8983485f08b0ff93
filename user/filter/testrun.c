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
#include "log.h"
#include "capture.skel.h"
#include "hook.h"

/* A tc test run copies at most a page less head and tail room into the skb;
 * an XDP run with frags takes more (the rest in fragments). */
#define TC_DATA_MAX	2048
#define XDP_DATA_MAX	16384
#define TEST_PAD	128
#define NO_VERDICT	0xff
#define TEST_IFINDEX	1	/* a test run's device: the namespace's lo */

struct oc_testrun {
	struct capture_bpf *skel;
	int prog_fd[OC_TR_PROGS];
	int ring_fd;
	uint8_t buf[XDP_DATA_MAX];
};

static const char *names[OC_TR_PROGS] = { "tc-ingress", "tc-egress", "xdp", "xdp-linear" };

const char *oc_testrun_name(enum oc_tr_prog p)
{
	return names[p];
}

static int silent(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	(void)l, (void)fmt, (void)ap;
	return 0;
}

static struct bpf_program *prog_of(struct capture_bpf *s, enum oc_tr_prog p)
{
	switch (p) {
	case OC_TR_TC_INGRESS: return s->progs.oc_tc_ingress;
	case OC_TR_TC_EGRESS: return s->progs.oc_tc_egress;
	case OC_TR_XDP: return s->progs.oc_xdp;
	default: return s->progs.oc_xdp_linear;
	}
}

/* Which programs this run loads: tc always, XDP on Ethernet (multi-buffer
 * where the kernel has it). */
static int wanted(enum oc_tr_prog p, int l3, uint32_t have)
{
	if (p == OC_TR_XDP)
		return !l3 && (have & OC_FEAT_XDP_FRAGS);
	return p != OC_TR_XDP_LINEAR || !l3;
}

static void set_rodata(struct oc_testrun *t, const struct oc_kfilter *f, int l3, uint32_t have, uint32_t netns)
{
	struct capture_bpf *s = t->skel;

	s->rodata->test_mode = 1;
	s->rodata->snaplen = 0;
	s->rodata->have = have & (OC_FEAT_KERN_CTX | OC_FEAT_TRACE_DYNPTR);
	s->rodata->dev_netns = netns;
	s->rodata->filter_on = (f->link[OC_KF_L2].ok ? OC_FILTER_L2 : 0) | (f->link[OC_KF_L3].ok ? OC_FILTER_L3 : 0);
	s->rodata->filter_span = oc_kfilter_span(f);
	if (l3) {
		s->rodata->l3_ndevs = 1;
		s->rodata->l3_devs[0] = (struct oc_dev_key){ .ifindex = TEST_IFINDEX, .netns = netns };
	}
	for (struct bpf_program *p = NULL; (p = bpf_object__next_program(s->obj, p));)
		bpf_program__set_autoload(p, false);
	for (unsigned p = 0; p < OC_TR_PROGS; p++)
		if (wanted(p, l3, have))
			bpf_program__set_autoload(prog_of(s, p), true);
}

struct oc_testrun *oc_testrun_open(const struct oc_kfilter *f, int l3, uint32_t have, int verbose)
{
	struct oc_testrun *t = calloc(1, sizeof(*t));
	struct stat ns;
	int ret;

	if (!t || stat("/proc/self/ns/net", &ns)) {
		oc_err("cannot start: %s", strerror(errno));
		free(t);
		return NULL;
	}
	t->ring_fd = -1;
	libbpf_set_print(verbose ? NULL : silent);
	if (oc_kfilter_arm(f))
		goto fail_quiet;
	if (!(t->skel = capture_bpf__open()))
		goto fail;
	set_rodata(t, f, l3, have, (uint32_t)ns.st_ino);
	t->ring_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, NULL, 0, 0, (uint32_t)sysconf(_SC_PAGESIZE), NULL);
	if (t->ring_fd < 0 || bpf_map__set_inner_map_fd(t->skel->maps.rings, t->ring_fd) ||
	    bpf_map__set_max_entries(t->skel->maps.rings, 1))
		goto fail;
	ret = capture_bpf__load(t->skel);
	if (ret) {
		oc_err("cannot load the capture program: %s%s", strerror(-ret),
		       verbose ? "" : " (-v shows the verifier's log)");
		goto fail_quiet;
	}
	for (unsigned p = 0; p < OC_TR_PROGS; p++)
		t->prog_fd[p] = wanted(p, l3, have) ? bpf_program__fd(prog_of(t->skel, p)) : -1;
	return t;
fail:
	oc_err("cannot prepare the capture program: %s", strerror(errno));
fail_quiet:
	oc_testrun_close(t);
	return NULL;
}

int oc_testrun_has(const struct oc_testrun *t, enum oc_tr_prog p)
{
	return t->prog_fd[p] >= 0;
}

struct oc_cbpf_aux oc_testrun_aux(const struct oc_testrun *t, enum oc_tr_prog p)
{
	(void)t;
	return (struct oc_cbpf_aux){ .pkttype = p == OC_TR_TC_EGRESS ? 4 : 0, .ifindex = TEST_IFINDEX };
}

static int tagged(const uint8_t *d, uint32_t caplen)
{
	return caplen >= 18 && ((d[12] == 0x81 && d[13] == 0x00) || (d[12] == 0x88 && d[13] == 0xa8));
}

/* The frame into t->buf, its tag moved to the metadata when asked and
 * present; the bytes a run takes (zeros after a cut packet: the kernel
 * refuses a frame whose IP header it cannot pull; the program reads
 * test_caplen bytes only). */
static uint32_t stage(struct oc_testrun *t, const uint8_t *d, uint32_t caplen, uint32_t *len,
		      int vlan_meta, uint32_t max)
{
	struct capture_bpf__bss *b = t->skel->bss;
	uint32_t n;

	b->test_vlan_present = 0;
	memset(t->buf, 0, sizeof(t->buf));
	if (vlan_meta && tagged(d, caplen)) {
		uint16_t proto;

		memcpy(&proto, d + 12, 2);
		b->test_vlan_present = 1;
		b->test_vlan_proto = proto;
		b->test_vlan_tci = (uint32_t)d[14] << 8 | d[15];
		n = caplen - 4 < max ? caplen - 4 : max;
		memcpy(t->buf, d, 12);
		memcpy(t->buf + 12, d + 16, n - 12);
		caplen -= 4;
		*len -= 4;
	} else {
		n = caplen < max ? caplen : max;
		memcpy(t->buf, d, n);
	}
	b->test_caplen = caplen;
	return n < TEST_PAD ? TEST_PAD : n;
}

int oc_testrun_packet(struct oc_testrun *t, enum oc_tr_prog p, const uint8_t *data, uint32_t caplen,
		      uint32_t len, int vlan_meta, const char *ctx)
{
	int xdp = p == OC_TR_XDP || p == OC_TR_XDP_LINEAR;
	uint32_t max = p == OC_TR_XDP ? XDP_DATA_MAX : TC_DATA_MAX;
	uint32_t n = stage(t, data, caplen, &len, vlan_meta && !xdp, max);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = t->buf, .data_size_in = n, .repeat = 1);

	if (t->prog_fd[p] < 0)
		return oc_fail_in(ctx, -ENOENT, "%s: not loaded", names[p]);
	t->skel->bss->test_len = len;
	t->skel->bss->test_verdict = NO_VERDICT;
	if (bpf_prog_test_run_opts(t->prog_fd[p], &o))
		return oc_fail_in(ctx, errno ? -errno : -EIO, "%s: the kernel refused the test run of "
				  "%u bytes: %s", names[p], n, strerror(errno));
	if (t->skel->bss->test_verdict > OC_CBPF_UNDECIDED)
		return oc_fail_in(ctx, -EPROTO, "%s: the program left no verdict (%u bytes)", names[p], n);
	return (int)t->skel->bss->test_verdict;
}

void oc_testrun_close(struct oc_testrun *t)
{
	if (!t)
		return;
	capture_bpf__destroy(t->skel);
	if (t->ring_fd >= 0)
		close(t->ring_fd);
	free(t);
}
