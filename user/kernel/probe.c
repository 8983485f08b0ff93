/* Probing the running kernel: what it has, never its version number. */
#include "capture_int.h"
#include "log.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int btf_has_func(const struct btf *btf, const char *name)
{
	return btf && btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) > 0;
}

/* A tp_btf program that calls bpf_dynptr_from_skb on net_dev_start_xmit's
 * skb: the kfunc can exist (6.4) long before tracing programs may call it. */
static int probe_trace_dynptr(const struct btf *btf)
{
	int kfunc = btf__find_by_name_kind(btf, "bpf_dynptr_from_skb", BTF_KIND_FUNC);
	int tp = btf__find_by_name_kind(btf, "btf_trace_net_dev_start_xmit", BTF_KIND_TYPEDEF);
	struct bpf_insn insns[] = {
		{ .code = BPF_LDX | BPF_MEM | BPF_DW, .dst_reg = 1, .src_reg = 1 },	/* skb */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 2 },			/* flags */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 3, .src_reg = 10 },
		{ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = 3, .imm = -16 },	/* dynptr */
		{ .code = BPF_JMP | BPF_CALL, .src_reg = BPF_PSEUDO_KFUNC_CALL, .imm = kfunc },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_RAW_TP,
		    .attach_btf_id = (uint32_t)tp);
	int fd;

	if (kfunc <= 0 || tp <= 0)
		return 0;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "oc_probe", "GPL", insns,
			   sizeof(insns) / sizeof(insns[0]), &opts);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* An fentry program on a function nothing calls but test runs: trampolines
 * load and attach (libxdp's dispatcher and fexit on XDP programs need them). */
static int probe_prog_trace(const struct btf *btf)
{
	int id = btf__find_by_name_kind(btf, "bpf_fentry_test1", BTF_KIND_FUNC), fd, link;
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY,
		    .attach_btf_id = (uint32_t)id);

	if (id <= 0)
		return 0;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "oc_probe", "GPL", insns, 2, &opts);
	if (fd < 0)
		return 0;
	link = bpf_raw_tracepoint_open(NULL, fd);
	if (link >= 0)
		close(link);
	close(fd);
	return link >= 0;
}

/* OFFCAP_DISABLE=kern_ctx,trace_dynptr,xdp_frags,prog_trace runs the variants of older
 * kernels on this one: how the tests reach them without a VM. */
static uint32_t disabled_features(void)
{
	static const struct { const char *name; uint32_t bit; } names[] = {
		{ "kern_ctx", OC_FEAT_KERN_CTX }, { "trace_dynptr", OC_FEAT_TRACE_DYNPTR },
		{ "xdp_frags", OC_FEAT_XDP_FRAGS }, { "prog_trace", OC_FEAT_PROG_TRACE },
	};
	const char *env = getenv("OFFCAP_DISABLE");
	uint32_t off = 0;

	for (unsigned i = 0; env && i < sizeof(names) / sizeof(names[0]); i++)
		if (strstr(env, names[i].name))
			off |= names[i].bit;
	return off;
}

uint32_t oc_cap_probe(const struct btf *btf)
{
	uint32_t f = 0;

	if (btf_has_func(btf, "bpf_cast_to_kern_ctx") && btf_has_func(btf, "bpf_rdonly_cast"))
		f |= OC_FEAT_KERN_CTX;
	if (probe_trace_dynptr(btf))
		f |= OC_FEAT_TRACE_DYNPTR;
	if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_xdp_load_bytes, NULL) == 1)
		f |= OC_FEAT_XDP_FRAGS;
	if (probe_prog_trace(btf))
		f |= OC_FEAT_PROG_TRACE;
	return f & ~disabled_features();
}

uint32_t oc_probe_features(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	uint32_t f = oc_cap_probe(btf);

	btf__free(btf);
	return f;
}

/* Once at start: each requested point's items this kernel cannot give. */
void oc_cap_tell_limits(const struct oc_capture *c, const struct oc_capture_opts *o)
{
	for (unsigned p = 0; p < OC_POINT_MAX; p++) {
		if (!(o->points & (1u << p)))
			continue;
		for (unsigned k = 0; k < 2; k++) {
			const struct oc_hook_need *n = &oc_hooks[p].needs[k];

			if (n->lost && n->feature && !(c->features & n->feature))
				oc_warn("%s: this kernel lacks %s, so %s", oc_hooks[p].name,
					oc_feature_name(n->feature), n->lost);
		}
	}
}
