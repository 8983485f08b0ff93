#include "splice.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include "capture.h"
#include "log.h"

#define STUB_LEN	(OC_FILTER_SLOTS + 3)	/* the magic, the slots, r0 = 2, exit */

static const uint32_t magic[OC_SPLICE_LINKS] = { OC_FILTER_MAGIC_L2, OC_FILTER_MAGIC_L3 };
static const struct bpf_insn *bodies[OC_SPLICE_LINKS];
static unsigned body_len[OC_SPLICE_LINKS];

/* What libbpf's own prepare callback does for these sections, which a custom
 * handler replaces (libbpf 1.1.2 libbpf_prepare_prog_load): xdp.frags sets
 * BPF_F_XDP_HAS_FRAGS, tp_btf resolves its target (always in vmlinux). */
enum { SEC_FRAGS = 1, SEC_TP_BTF = 2, SEC_FUNC = 4 };

static const struct { const char *sec; enum bpf_prog_type type; enum bpf_attach_type at; long cookie; }
sections[] = {
	{ "tc", BPF_PROG_TYPE_SCHED_CLS, 0, 0 },
	{ "xdp.frags", BPF_PROG_TYPE_XDP, BPF_XDP, SEC_FRAGS },
	{ "xdp", BPF_PROG_TYPE_XDP, BPF_XDP, 0 },
	{ "tp_btf/", BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, SEC_TP_BTF },
	/* a fallback hook (fentry on a driver or on another program) */
	{ "fentry+", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, SEC_FUNC },
	{ "fexit+", BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT, SEC_FUNC },
};

/* The target named in the section, in vmlinux (a program's or a module's
 * target is set with bpf_program__set_attach_target before load). */
static int btf_target(const struct bpf_program *prog, struct bpf_prog_load_opts *opts, long cookie)
{
	static struct btf *vmlinux;
	const char *name = strchr(bpf_program__section_name(prog), '/');
	char tname[128];
	int id;

	if (!vmlinux && !(vmlinux = btf__load_vmlinux_btf()))
		return -errno;
	if (!name)
		return -EINVAL;
	snprintf(tname, sizeof(tname), "%s%s", cookie & SEC_TP_BTF ? "btf_trace_" : "", name + 1);
	id = btf__find_by_name_kind(vmlinux, tname, cookie & SEC_TP_BTF ? BTF_KIND_TYPEDEF : BTF_KIND_FUNC);
	if (id <= 0)
		return -ESRCH;
	opts->attach_btf_obj_fd = 0;
	opts->attach_btf_id = (__u32)id;
	return 0;
}

static int is_slot(const struct bpf_insn *i)
{
	return i->code == (BPF_ALU64 | BPF_MOV | BPF_K) && i->dst_reg == 0 && !i->src_reg &&
	       !i->off && !i->imm;
}

/* A stub is the magic, exactly OC_FILTER_SLOTS placeholders, r0 = 2 and exit:
 * anything else means the compiler did not keep its shape. */
static int stub_at(const struct bpf_insn *in, size_t n, size_t at)
{
	const struct bpf_insn *undecided = &in[at + STUB_LEN - 2];

	if (at + STUB_LEN > n || in[at + STUB_LEN - 1].code != (BPF_JMP | BPF_EXIT) ||
	    undecided->code != (BPF_ALU64 | BPF_MOV | BPF_K) || undecided->dst_reg || undecided->imm != 2)
		return 0;
	for (size_t k = 1; k <= OC_FILTER_SLOTS; k++)
		if (!is_slot(&in[at + k]))
			return 0;
	return 1;
}

/* r0 = 0; if r0 == 0 goto +pad; pad placeholders; the filter. The verifier
 * sees the branch always taken and removes the placeholders as dead code:
 * they cost nothing at run time, yet check_cfg finds them reachable. */
static void fill(struct bpf_insn *at, const struct bpf_insn *body, unsigned n)
{
	unsigned pad = STUB_LEN - 2 - n;

	at[0] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K };
	at[1] = (struct bpf_insn){ .code = BPF_JMP | BPF_JEQ | BPF_K, .off = (__s16)pad };
	for (unsigned k = 0; k < pad; k++)
		at[2 + k] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K };
	memcpy(at + 2 + pad, body, n * sizeof(*body));
}

static int splice(struct bpf_program *prog)
{
	const struct bpf_insn *in = bpf_program__insns(prog);
	size_t n = bpf_program__insn_cnt(prog);
	struct bpf_insn *copy = NULL;
	int err = 0;

	/* test-only: the programs load with their stubs, every verdict undecided;
	 * tests/integration/filter_splice.sh proves the suite sees it */
	if (getenv("OFFCAP_TEST_BREAK_SPLICE"))
		return 0;
	for (size_t at = 0; at < n; at++) {
		for (unsigned l = 0; l < OC_SPLICE_LINKS; l++) {
			if (in[at].code != (BPF_ALU64 | BPF_MOV | BPF_K) || in[at].dst_reg ||
			    (uint32_t)in[at].imm != magic[l] || !bodies[l])
				continue;
			if (!stub_at(in, n, at)) {
				oc_err("%s: the filter stub is not in its expected shape", bpf_program__name(prog));
				free(copy);
				return -EINVAL;
			}
			if (!copy) {
				if (!(copy = malloc(n * sizeof(*copy))))
					return -ENOMEM;
				memcpy(copy, in, n * sizeof(*copy));
			}
			fill(copy + at, bodies[l], body_len[l]);
		}
	}
	if (copy)
		err = bpf_program__set_insns(prog, copy, n);
	free(copy);
	return err;
}

static int prepare(struct bpf_program *prog, struct bpf_prog_load_opts *opts, long cookie)
{
	int err;

	if ((cookie & SEC_FRAGS) && bpf_program__type(prog) == BPF_PROG_TYPE_XDP)
		opts->prog_flags |= BPF_F_XDP_HAS_FRAGS;
	if ((cookie & (SEC_TP_BTF | SEC_FUNC)) && !opts->attach_btf_id && (err = btf_target(prog, opts, cookie)))
		return err;
	return splice(prog);
}

static int attach(const struct bpf_program *prog, long cookie, struct bpf_link **link)
{
	if (!(cookie & (SEC_TP_BTF | SEC_FUNC))) {
		*link = NULL;
		return 0;
	}
	*link = bpf_program__attach_trace(prog);
	return *link ? 0 : -errno;
}

static int register_handlers(void)
{
	static int done;

	if (done)
		return 0;
	for (unsigned i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		LIBBPF_OPTS(libbpf_prog_handler_opts, o, .cookie = sections[i].cookie,
			    .prog_prepare_load_fn = prepare,
			    .prog_attach_fn = sections[i].cookie & (SEC_TP_BTF | SEC_FUNC) ? attach : NULL);

		if (libbpf_register_prog_handler(sections[i].sec, sections[i].type, sections[i].at, &o) < 0)
			return oc_fail(errno ? -errno : -EINVAL, "cannot register a libbpf handler for '%s': %s",
				       sections[i].sec, strerror(errno));
	}
	done = 1;
	return 0;
}

int oc_splice_set(const struct bpf_insn *body[OC_SPLICE_LINKS], const unsigned n[OC_SPLICE_LINKS])
{
	for (unsigned l = 0; l < OC_SPLICE_LINKS; l++) {
		if (body[l] && n[l] > oc_splice_room())
			return oc_fail(-E2BIG, "the filter takes %u eBPF instructions, more than the %u "
				       "offcap has room for: simplify the expression", n[l], oc_splice_room());
		bodies[l] = body[l];
		body_len[l] = body[l] ? n[l] : 0;
	}
	return register_handlers();
}

unsigned oc_splice_room(void)
{
	return STUB_LEN - 2;
}

