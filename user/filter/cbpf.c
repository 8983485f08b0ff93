#include "cbpf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

/* Registers of the generated subprogram. The arguments move to callee-saved
 * registers; A and X hold 32-bit values, zero-extended (32-bit ALU ops). */
#define R_BYTES		6	/* the arguments (user/filter/cbpf.h), r5 spilled to AUX_OFF */
#define R_AVAIL		7
#define R_WIRELEN	8
#define R_COMPLETE	9
#define R_A		2
#define R_X		3
#define R_T		1
#define R_T2		4
#define MEM_OFF		(-64)	/* M[16] on the subprogram's own stack */
#define AUX_OFF		(-72)	/* the ancillary word: ifindex | pkttype << 32 */

/* Where a jump goes: a classic instruction, or one of the shared tails. */
enum { TO_REJECT = -1, TO_MATCH = -2, TO_OOB = -3 };

struct fixup {
	unsigned at;	/* eBPF jump instruction */
	int to;		/* classic index or TO_* */
};

struct gen {
	struct bpf_insn *out;
	unsigned n, max;
	struct fixup *fix;
	unsigned nfix, maxfix;
	int overflow;
};

static void emit(struct gen *g, struct bpf_insn i)
{
	if (g->n >= g->max) {
		g->overflow = 1;
		return;
	}
	g->out[g->n++] = i;
}

static struct bpf_insn ins(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

/* A jump whose offset is resolved at the end. */
static void emit_jump(struct gen *g, uint8_t code, uint8_t dst, uint8_t src, int32_t imm, int to)
{
	if (g->nfix >= g->maxfix || g->n >= g->max) {
		g->overflow = 1;
		return;
	}
	g->fix[g->nfix++] = (struct fixup){ .at = g->n, .to = to };
	emit(g, ins(code, dst, src, 0, imm));
}

static void mov32_imm(struct gen *g, int dst, uint32_t k)
{
	emit(g, ins(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, (int32_t)k));
}

static void mov32_reg(struct gen *g, int dst, int src)
{
	emit(g, ins(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0));
}

static int size_of(uint16_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_W: return 4;
	case BPF_H: return 2;
	case BPF_B: return 1;
	}
	return 0;
}

static uint8_t ebpf_size(int sz)
{
	return sz == 4 ? BPF_W : sz == 2 ? BPF_H : BPF_B;
}

/* R_T = the packet's bytes [R_T, R_T + sz) in host order; R_T holds the
 * offset, already bounded by [0, span - sz]. */
static void load_at_t(struct gen *g, int sz)
{
	emit(g, ins(BPF_ALU64 | BPF_ADD | BPF_X, R_T, R_BYTES, 0, 0));
	emit(g, ins(BPF_LDX | BPF_MEM | ebpf_size(sz), R_T, R_T, 0, 0));
	if (sz > 1)
		emit(g, ins(BPF_ALU | BPF_END | BPF_TO_BE, R_T, 0, 0, sz * 8));
}

/* dst = P[k:sz], libpcap's bounds: past the packet's captured bytes rejects. */
static void load_abs(struct gen *g, int dst, uint32_t k, int sz, unsigned span)
{
	if ((uint64_t)k + sz > span) {
		emit_jump(g, BPF_JMP | BPF_JA, 0, 0, 0, TO_OOB);
		return;
	}
	emit_jump(g, BPF_JMP | BPF_JLT | BPF_K, R_AVAIL, 0, (int32_t)(k + sz), TO_OOB);
	emit(g, ins(BPF_LDX | BPF_MEM | ebpf_size(sz), R_T, R_BYTES, (int16_t)k, 0));
	if (sz > 1)
		emit(g, ins(BPF_ALU | BPF_END | BPF_TO_BE, R_T, 0, 0, sz * 8));
	mov32_reg(g, dst, R_T);
}

/* 1 for the offset of a Linux ancillary load (SKF_AD_OFF + ...). */
static int oc_cbpf_ancillary(uint32_t k)
{
	return k >= (uint32_t)SKF_AD_OFF;
}

/* A = an ancillary word (SKF_AD_*), as the kernel's classic BPF gives it to
 * live captures: the hook point's direction, the device's ifindex. */
static int load_aux(struct gen *g, uint32_t k, unsigned pc)
{
	if (k != (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE) && k != (uint32_t)(SKF_AD_OFF + SKF_AD_IFINDEX))
		return oc_fail(-EOPNOTSUPP, "classic BPF instruction %u loads the kernel's ancillary word %#x: offcap's "
				 "kernel filter has the direction (inbound, outbound) and ifindex only", pc, k);
	emit(g, ins(BPF_LDX | BPF_MEM | BPF_DW, R_A, BPF_REG_10, AUX_OFF, 0));
	if (k == (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE))
		emit(g, ins(BPF_ALU64 | BPF_RSH | BPF_K, R_A, 0, 0, 32));
	mov32_reg(g, R_A, R_A);
	return 0;
}

/* A = P[X + k:sz]: the sum in 64 bits (bpf_filter checks it without wrap). */
static void load_ind(struct gen *g, uint32_t k, int sz, unsigned span)
{
	mov32_imm(g, R_T2, k);
	emit(g, ins(BPF_ALU64 | BPF_MOV | BPF_X, R_T, R_X, 0, 0));
	emit(g, ins(BPF_ALU64 | BPF_ADD | BPF_X, R_T, R_T2, 0, 0));
	emit(g, ins(BPF_ALU64 | BPF_ADD | BPF_K, R_T, 0, 0, sz));
	emit_jump(g, BPF_JMP | BPF_JGT | BPF_X, R_T, R_AVAIL, 0, TO_OOB);
	/* the same against a constant, for the verifier */
	emit_jump(g, BPF_JMP | BPF_JGT | BPF_K, R_T, 0, (int32_t)span, TO_OOB);
	emit(g, ins(BPF_ALU64 | BPF_SUB | BPF_K, R_T, 0, 0, sz));
	load_at_t(g, sz);
	mov32_reg(g, R_A, R_T);
}

static int translate_alu(struct gen *g, const struct sock_filter *s)
{
	uint8_t op = BPF_OP(s->code);

	if (op == BPF_NEG) {
		emit(g, ins(BPF_ALU | BPF_NEG, R_A, 0, 0, 0));
		return 0;
	}
	if (op != BPF_ADD && op != BPF_SUB && op != BPF_MUL && op != BPF_DIV && op != BPF_MOD &&
	    op != BPF_AND && op != BPF_OR && op != BPF_XOR && op != BPF_LSH && op != BPF_RSH)
		return oc_fail(-EOPNOTSUPP, "unknown ALU operation 0x%x", s->code);
	if (BPF_SRC(s->code) == BPF_K) {
		uint32_t k = s->k;

		if ((op == BPF_DIV || op == BPF_MOD) && !k)	/* bpf_filter: the filter returns 0 */
			emit_jump(g, BPF_JMP | BPF_JA, 0, 0, 0, TO_REJECT);
		else if ((op == BPF_LSH || op == BPF_RSH) && k >= 32)	/* libpcap: 0 */
			mov32_imm(g, R_A, 0);
		else
			emit(g, ins(BPF_ALU | op | BPF_K, R_A, 0, 0, (int32_t)k));
		return 0;
	}
	if (op == BPF_DIV || op == BPF_MOD)
		emit_jump(g, BPF_JMP32 | BPF_JEQ | BPF_K, R_X, 0, 0, TO_REJECT);
	if (op == BPF_LSH || op == BPF_RSH) {	/* libpcap 1.10: a shift by 32 or more gives 0 */
		emit(g, ins(BPF_JMP32 | BPF_JLT | BPF_K, R_X, 0, 2, 32));
		mov32_imm(g, R_A, 0);
		emit(g, ins(BPF_JMP | BPF_JA, 0, 0, 1, 0));
		emit(g, ins(BPF_ALU | op | BPF_X, R_A, R_X, 0, 0));
		return 0;
	}
	emit(g, ins(BPF_ALU | op | BPF_X, R_A, R_X, 0, 0));
	return 0;
}

static int translate_jmp(struct gen *g, const struct sock_filter *s, unsigned pc, unsigned n)
{
	uint8_t op = BPF_OP(s->code);
	unsigned t = pc + 1 + s->jt, f = pc + 1 + s->jf;

	if (op == BPF_JA) {
		if ((uint64_t)pc + 1 + s->k >= n)
			return oc_fail(-EOPNOTSUPP, "jump out of the program at %u", pc);
		emit_jump(g, BPF_JMP | BPF_JA, 0, 0, 0, (int)(pc + 1 + s->k));
		return 0;
	}
	if (op != BPF_JEQ && op != BPF_JGT && op != BPF_JGE && op != BPF_JSET)
		return oc_fail(-EOPNOTSUPP, "unknown jump 0x%x", s->code);
	if (t >= n || f >= n)
		return oc_fail(-EOPNOTSUPP, "jump out of the program at %u", pc);
	if (BPF_SRC(s->code) == BPF_K)
		emit_jump(g, BPF_JMP32 | op | BPF_K, R_A, 0, (int32_t)s->k, (int)t);
	else
		emit_jump(g, BPF_JMP32 | op | BPF_X, R_A, R_X, 0, (int)t);
	if (f != pc + 1)
		emit_jump(g, BPF_JMP | BPF_JA, 0, 0, 0, (int)f);
	return 0;
}

static int translate_one(struct gen *g, const struct sock_filter *s, unsigned pc, unsigned n,
			 unsigned span)
{
	uint16_t c = s->code;
	int sz = size_of(c);

	switch (BPF_CLASS(c)) {
	case BPF_LD:
		switch (BPF_MODE(c)) {
		case BPF_ABS:
			if (sz && oc_cbpf_ancillary(s->k))
				return load_aux(g, s->k, pc);
			if (sz) { load_abs(g, R_A, s->k, sz, span); return 0; }
			break;
		case BPF_IND: if (sz) { load_ind(g, s->k, sz, span); return 0; } break;
		case BPF_IMM: mov32_imm(g, R_A, s->k); return 0;
		case BPF_LEN: mov32_reg(g, R_A, R_WIRELEN); return 0;
		case BPF_MEM:
			if (s->k >= BPF_MEMWORDS)
				break;
			emit(g, ins(BPF_LDX | BPF_MEM | BPF_W, R_A, BPF_REG_10, MEM_OFF + 4 * s->k, 0));
			return 0;
		}
		break;
	case BPF_LDX:
		switch (BPF_MODE(c)) {
		case BPF_IMM: mov32_imm(g, R_X, s->k); return 0;
		case BPF_LEN: mov32_reg(g, R_X, R_WIRELEN); return 0;
		case BPF_MEM:
			if (s->k >= BPF_MEMWORDS)
				break;
			emit(g, ins(BPF_LDX | BPF_MEM | BPF_W, R_X, BPF_REG_10, MEM_OFF + 4 * s->k, 0));
			return 0;
		case BPF_MSH:
			load_abs(g, R_X, s->k, 1, span);
			emit(g, ins(BPF_ALU | BPF_AND | BPF_K, R_X, 0, 0, 0xf));
			emit(g, ins(BPF_ALU | BPF_LSH | BPF_K, R_X, 0, 0, 2));
			return 0;
		}
		break;
	case BPF_ST:
	case BPF_STX:
		if (s->k >= BPF_MEMWORDS)
			break;
		emit(g, ins(BPF_STX | BPF_MEM | BPF_W, BPF_REG_10, BPF_CLASS(c) == BPF_ST ? R_A : R_X,
			    MEM_OFF + 4 * s->k, 0));
		return 0;
	case BPF_ALU:
		return translate_alu(g, s);
	case BPF_JMP:
		return translate_jmp(g, s, pc, n);
	case BPF_RET:
		if (BPF_RVAL(c) == BPF_K) {
			emit_jump(g, BPF_JMP | BPF_JA, 0, 0, 0, s->k ? TO_MATCH : TO_REJECT);
			return 0;
		}
		if (BPF_RVAL(c) == BPF_A) {
			emit_jump(g, BPF_JMP32 | BPF_JEQ | BPF_K, R_A, 0, 0, TO_REJECT);
			emit_jump(g, BPF_JMP | BPF_JA, 0, 0, 0, TO_MATCH);
			return 0;
		}
		break;
	case BPF_MISC:
		if (BPF_MISCOP(c) == BPF_TAX) {
			mov32_reg(g, R_X, R_A);
			return 0;
		}
		if (BPF_MISCOP(c) == BPF_TXA) {
			mov32_reg(g, R_A, R_X);
			return 0;
		}
		break;
	}
	return oc_fail(-EOPNOTSUPP, "classic BPF instruction 0x%04x at %u is not supported", c, pc);
}

int oc_cbpf_uses_aux(const struct sock_filter *f, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (f[i].code == (BPF_LD | BPF_ABS | BPF_W) || f[i].code == (BPF_LD | BPF_ABS | BPF_H) ||
		    f[i].code == (BPF_LD | BPF_ABS | BPF_B))
			if (oc_cbpf_ancillary(f[i].k))
				return 1;
	return 0;
}

static int uses_mem(const struct sock_filter *f, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint16_t c = f[i].code;

		if (BPF_CLASS(c) == BPF_ST || BPF_CLASS(c) == BPF_STX ||
		    ((BPF_CLASS(c) == BPF_LD || BPF_CLASS(c) == BPF_LDX) && BPF_MODE(c) == BPF_MEM))
			return 1;
	}
	return 0;
}

static void prologue(struct gen *g, const struct sock_filter *f, unsigned n)
{
	emit(g, ins(BPF_ALU64 | BPF_MOV | BPF_X, R_BYTES, BPF_REG_1, 0, 0));
	emit(g, ins(BPF_ALU64 | BPF_MOV | BPF_X, R_AVAIL, BPF_REG_2, 0, 0));
	emit(g, ins(BPF_ALU64 | BPF_MOV | BPF_X, R_WIRELEN, BPF_REG_3, 0, 0));
	emit(g, ins(BPF_ALU64 | BPF_MOV | BPF_X, R_COMPLETE, BPF_REG_4, 0, 0));
	mov32_imm(g, R_A, 0);
	mov32_imm(g, R_X, 0);
	if (oc_cbpf_uses_aux(f, n))
		emit(g, ins(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, BPF_REG_5, AUX_OFF, 0));
	if (uses_mem(f, n))
		for (int i = 0; i < BPF_MEMWORDS / 2; i++)
			emit(g, ins(BPF_ST | BPF_MEM | BPF_DW, BPF_REG_10, 0, MEM_OFF + 8 * i, 0));
}

static int is_jump(const struct bpf_insn *i)
{
	uint8_t cls = BPF_CLASS(i->code);

	return (cls == BPF_JMP || cls == BPF_JMP32) && BPF_OP(i->code) != BPF_EXIT;
}

/* Removes what no path reaches (code after a load that always falls past the
 * copy, and what only it led to): the verifier refuses unreachable code.
 * Jumps go forward only, so one pass marks, one renumbers. */
static unsigned drop_unreachable(struct bpf_insn *p, unsigned n)
{
	static unsigned char live[OC_CBPF_EBPF_MAX];
	static unsigned to[OC_CBPF_EBPF_MAX + 1];
	unsigned k = 0;

	if (n > OC_CBPF_EBPF_MAX)
		return n;
	memset(live, 0, n);
	live[0] = n > 0;
	for (unsigned i = 0; i < n; i++) {
		uint8_t op = BPF_OP(p[i].code);

		if (!live[i])
			continue;
		if (is_jump(&p[i]) && i + 1 + p[i].off < n)
			live[i + 1 + p[i].off] = 1;
		if (!(is_jump(&p[i]) && op == BPF_JA) &&
		    !((BPF_CLASS(p[i].code) == BPF_JMP) && op == BPF_EXIT) && i + 1 < n)
			live[i + 1] = 1;
	}
	for (unsigned i = 0; i < n; i++) {
		to[i] = k;
		k += live[i];
	}
	to[n] = k;
	for (unsigned i = 0; i < n; i++) {
		if (!live[i])
			continue;
		if (is_jump(&p[i]))
			p[i].off = (int16_t)(to[i + 1 + p[i].off] - to[i] - 1);
		p[to[i]] = p[i];
	}
	return k;
}

int oc_cbpf_to_ebpf(const struct sock_filter *f, unsigned n, unsigned span,
		    struct bpf_insn *out, unsigned max)
{
	unsigned start[BPF_MAXINSNS + 1], tail_oob, tail_reject, tail_match;
	struct fixup fix[3 * BPF_MAXINSNS + 8];
	struct gen g = { .out = out, .max = max, .fix = fix, .maxfix = sizeof(fix) / sizeof(fix[0]) };

	if (!n || n > BPF_MAXINSNS || span > OC_CBPF_SPAN_MAX)
		return oc_fail(-E2BIG, "a classic BPF program of %u instructions (span %u) cannot be translated",
				 n, span);
	prologue(&g, f, n);
	for (unsigned pc = 0; pc < n; pc++) {
		start[pc] = g.n;
		int ret = translate_one(&g, &f[pc], pc, n, span);

		if (ret)
			return ret;
	}
	/* the shared tails, those jumped to (check_cfg refuses unreachable code) */
	int need[3] = { 0 };	/* -TO_* - 1 */

	for (unsigned i = 0; i < g.nfix; i++)
		if (fix[i].to < 0)
			need[-fix[i].to - 1] = 1;
	tail_oob = tail_reject = tail_match = 0;
	if (need[-TO_OOB - 1]) {	/* a load past the copied bytes: reject if they are all there are */
		tail_oob = g.n;
		need[-TO_REJECT - 1] = 1;
		emit_jump(&g, BPF_JMP | BPF_JNE | BPF_K, R_COMPLETE, 0, 0, TO_REJECT);
		emit(&g, ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, OC_CBPF_UNDECIDED));
		emit(&g, ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
	}
	if (need[-TO_REJECT - 1]) {
		tail_reject = g.n;
		emit(&g, ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, OC_CBPF_REJECT));
		emit(&g, ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
	}
	if (need[-TO_MATCH - 1]) {
		tail_match = g.n;
		emit(&g, ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, OC_CBPF_MATCH));
		emit(&g, ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
	}
	if (g.overflow)
		return oc_fail(-E2BIG, "the filter needs more than the %u eBPF instructions offcap has room for: "
				 "simplify the expression", max);
	for (unsigned i = 0; i < g.nfix; i++) {
		int to = fix[i].to;
		long target = to == TO_OOB ? tail_oob : to == TO_REJECT ? tail_reject :
			      to == TO_MATCH ? tail_match : (long)start[to];
		long off = target - (long)fix[i].at - 1;

		if (off < 0 || off > 32767)
			return oc_fail(-E2BIG, "a jump of %ld instructions does not fit", off);
		out[fix[i].at].off = (int16_t)off;
	}
	return (int)drop_unreachable(out, g.n);
}

/* An interval of 32-bit values, for the span analysis. */
struct ival {
	uint64_t lo, hi;
};

#define TOP ((struct ival){ 0, 0xffffffffu })

struct astate {
	int live;
	struct ival a, x, m[BPF_MEMWORDS];
};

static struct ival ijoin(struct ival p, struct ival q)
{
	return (struct ival){ p.lo < q.lo ? p.lo : q.lo, p.hi > q.hi ? p.hi : q.hi };
}

static void sjoin(struct astate *to, const struct astate *from)
{
	if (!to->live) {
		*to = *from;
		return;
	}
	to->a = ijoin(to->a, from->a);
	to->x = ijoin(to->x, from->x);
	for (int i = 0; i < BPF_MEMWORDS; i++)
		to->m[i] = ijoin(to->m[i], from->m[i]);
}

static struct ival ival_of_size(int sz)
{
	return (struct ival){ 0, sz == 1 ? 0xff : sz == 2 ? 0xffff : 0xffffffffu };
}

static struct ival alu_k(uint8_t op, struct ival a, uint32_t k)
{
	struct ival r = TOP;

	switch (op) {
	case BPF_ADD:
		if (a.hi + k <= 0xffffffffu)
			r = (struct ival){ a.lo + k, a.hi + k };
		break;
	case BPF_SUB:
		if (a.lo >= k)
			r = (struct ival){ a.lo - k, a.hi - k };
		break;
	case BPF_MUL:
		if (a.hi * k <= 0xffffffffu)
			r = (struct ival){ a.lo * k, a.hi * k };
		break;
	case BPF_AND:
		r = (struct ival){ 0, a.hi < k ? a.hi : k };
		break;
	case BPF_DIV:
		if (k)
			r = (struct ival){ a.lo / k, a.hi / k };
		break;
	case BPF_MOD:
		if (k)
			r = (struct ival){ 0, a.hi < k - 1 ? a.hi : k - 1 };
		break;
	case BPF_RSH:
		r = k >= 32 ? (struct ival){ 0, 0 } : (struct ival){ a.lo >> k, a.hi >> k };
		break;
	case BPF_LSH:
		if (k >= 32)
			r = (struct ival){ 0, 0 };
		else if ((a.hi << k) <= 0xffffffffu)
			r = (struct ival){ a.lo << k, a.hi << k };
		break;
	}
	return r;
}

static uint64_t load_end(const struct sock_filter *s, const struct astate *st)
{
	uint16_t c = s->code;
	int sz = size_of(c);

	if (BPF_CLASS(c) == BPF_LDX && BPF_MODE(c) == BPF_MSH)
		return (uint64_t)s->k + 1;
	if (BPF_CLASS(c) != BPF_LD || !sz)
		return 0;
	if (BPF_MODE(c) == BPF_ABS)
		return oc_cbpf_ancillary(s->k) ? 0 : (uint64_t)s->k + sz;
	if (BPF_MODE(c) == BPF_IND)
		return st->x.hi + s->k + sz;
	return 0;
}

static void step(const struct sock_filter *s, struct astate *st)
{
	uint16_t c = s->code;

	switch (BPF_CLASS(c)) {
	case BPF_LD:
		if (BPF_MODE(c) == BPF_IMM)
			st->a = (struct ival){ s->k, s->k };
		else if (BPF_MODE(c) == BPF_MEM && s->k < BPF_MEMWORDS)
			st->a = st->m[s->k];
		else if (BPF_MODE(c) == BPF_ABS && oc_cbpf_ancillary(s->k))
			st->a = TOP;
		else if (BPF_MODE(c) == BPF_ABS || BPF_MODE(c) == BPF_IND)
			st->a = ival_of_size(size_of(c));
		else
			st->a = TOP;
		break;
	case BPF_LDX:
		if (BPF_MODE(c) == BPF_IMM)
			st->x = (struct ival){ s->k, s->k };
		else if (BPF_MODE(c) == BPF_MEM && s->k < BPF_MEMWORDS)
			st->x = st->m[s->k];
		else if (BPF_MODE(c) == BPF_MSH)
			st->x = (struct ival){ 0, 60 };
		else
			st->x = TOP;
		break;
	case BPF_ST:
		if (s->k < BPF_MEMWORDS)
			st->m[s->k] = st->a;
		break;
	case BPF_STX:
		if (s->k < BPF_MEMWORDS)
			st->m[s->k] = st->x;
		break;
	case BPF_ALU:
		if (BPF_OP(c) == BPF_NEG)
			st->a = TOP;
		else if (BPF_SRC(c) == BPF_K)
			st->a = alu_k(BPF_OP(c), st->a, s->k);
		else if (st->x.lo == st->x.hi)
			st->a = alu_k(BPF_OP(c), st->a, (uint32_t)st->x.lo);
		else
			st->a = TOP;
		break;
	case BPF_MISC:
		if (BPF_MISCOP(c) == BPF_TAX)
			st->x = st->a;
		else
			st->a = st->x;
		break;
	}
}

/* The end of the furthest load; the instructions whose load can end past
 * the copy into past (at most maxpast of them, all counted in *npast). */
static int64_t span_of(const struct sock_filter *f, unsigned n, unsigned *past, unsigned *npast,
		       unsigned maxpast)
{
	static struct astate st[BPF_MAXINSNS];
	uint64_t span = 0;

	if (!n || n > BPF_MAXINSNS)
		return -1;
	memset(st, 0, sizeof(st[0]) * n);
	st[0].live = 1;
	st[0].a = st[0].x = (struct ival){ 0, 0 };
	for (int i = 0; i < BPF_MEMWORDS; i++)
		st[0].m[i] = (struct ival){ 0, 0 };
	for (unsigned pc = 0; pc < n; pc++) {
		const struct sock_filter *s = &f[pc];
		struct astate cur = st[pc];
		uint64_t end;

		if (!cur.live)
			continue;
		end = load_end(s, &cur);
		if (end > OC_CBPF_SPAN_MAX && npast && (*npast)++ < maxpast)
			past[*npast - 1] = pc;
		if (end > span)
			span = end;
		step(s, &cur);
		if (BPF_CLASS(s->code) == BPF_RET)
			continue;
		if (BPF_CLASS(s->code) != BPF_JMP) {
			if (pc + 1 >= n)
				return -1;
			sjoin(&st[pc + 1], &cur);
		} else if (BPF_OP(s->code) == BPF_JA) {
			if ((uint64_t)pc + 1 + s->k >= n)
				return -1;
			sjoin(&st[pc + 1 + s->k], &cur);
		} else {
			if (pc + 1 + s->jt >= n || pc + 1 + s->jf >= n)
				return -1;
			sjoin(&st[pc + 1 + s->jt], &cur);
			sjoin(&st[pc + 1 + s->jf], &cur);
		}
	}
	return span > UINT32_MAX ? UINT32_MAX : (int64_t)span;
}

int oc_cbpf_span(const struct sock_filter *f, unsigned n)
{
	int64_t span = span_of(f, n, NULL, NULL, 0);

	return span < 0 ? -1 : span > OC_CBPF_SPAN_MAX ? OC_CBPF_SPAN_MAX : (int)span;
}

int oc_cbpf_within_copy(const struct sock_filter *f, unsigned n)
{
	int64_t span = span_of(f, n, NULL, NULL, 0);

	return span >= 0 && span <= OC_CBPF_SPAN_MAX;
}

unsigned oc_cbpf_past_copy(const struct sock_filter *f, unsigned n, unsigned *pcs, unsigned max)
{
	unsigned np = 0;

	return span_of(f, n, pcs, &np, max) < 0 ? 0 : np;
}

int oc_cbpf_rejects_all(const struct sock_filter *f, unsigned n)
{
	return n == 1 && BPF_CLASS(f[0].code) == BPF_RET && BPF_RVAL(f[0].code) == BPF_K && !f[0].k;
}

static const char *op_name(uint8_t op)
{
	static const char *names[16] = {
		[BPF_ADD >> 4] = "+=", [BPF_SUB >> 4] = "-=", [BPF_MUL >> 4] = "*=",
		[BPF_DIV >> 4] = "/=", [BPF_OR >> 4] = "|=", [BPF_AND >> 4] = "&=",
		[BPF_LSH >> 4] = "<<=", [BPF_RSH >> 4] = ">>=", [BPF_NEG >> 4] = "= -",
		[BPF_MOD >> 4] = "%=", [BPF_XOR >> 4] = "^=", [BPF_MOV >> 4] = "=",
		[BPF_END >> 4] = "= be",
	};
	return names[op >> 4] ? names[op >> 4] : "?";
}

static const char *jmp_name(uint8_t op)
{
	static const char *names[16] = {
		[BPF_JEQ >> 4] = "==", [BPF_JGT >> 4] = ">", [BPF_JGE >> 4] = ">=",
		[BPF_JSET >> 4] = "&", [BPF_JNE >> 4] = "!=", [BPF_JLT >> 4] = "<",
		[BPF_JLE >> 4] = "<=",
	};
	return names[op >> 4] ? names[op >> 4] : "?";
}

void oc_ebpf_format(const struct bpf_insn *i, char *buf, size_t len)
{
	uint8_t cls = BPF_CLASS(i->code), op = BPF_OP(i->code);
	char r = cls == BPF_ALU || cls == BPF_JMP32 ? 'w' : 'r';
	static const char *sz[4] = { "u32", "u16", "u8", "u64" };

	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		if (op == BPF_END)
			snprintf(buf, len, "r%d = be%d r%d", i->dst_reg, i->imm, i->dst_reg);
		else if (op == BPF_NEG)
			snprintf(buf, len, "%c%d = -%c%d", r, i->dst_reg, r, i->dst_reg);
		else if (BPF_SRC(i->code) == BPF_X)
			snprintf(buf, len, "%c%d %s %c%d", r, i->dst_reg, op_name(op), r, i->src_reg);
		else
			snprintf(buf, len, "%c%d %s %d", r, i->dst_reg, op_name(op), i->imm);
		break;
	case BPF_LDX:
		snprintf(buf, len, "r%d = *(%s *)(r%d %+d)", i->dst_reg, sz[BPF_SIZE(i->code) >> 3],
			 i->src_reg, i->off);
		break;
	case BPF_STX:
		snprintf(buf, len, "*(%s *)(r%d %+d) = r%d", sz[BPF_SIZE(i->code) >> 3], i->dst_reg,
			 i->off, i->src_reg);
		break;
	case BPF_ST:
		snprintf(buf, len, "*(%s *)(r%d %+d) = %d", sz[BPF_SIZE(i->code) >> 3], i->dst_reg,
			 i->off, i->imm);
		break;
	case BPF_JMP:
	case BPF_JMP32:
		if (op == BPF_EXIT)
			snprintf(buf, len, "exit");
		else if (op == BPF_JA)
			snprintf(buf, len, "goto %+d", i->off);
		else if (BPF_SRC(i->code) == BPF_X)
			snprintf(buf, len, "if %c%d %s %c%d goto %+d", r, i->dst_reg, jmp_name(op), r,
				 i->src_reg, i->off);
		else
			snprintf(buf, len, "if %c%d %s %#x goto %+d", r, i->dst_reg, jmp_name(op),
				 (uint32_t)i->imm, i->off);
		break;
	default:
		snprintf(buf, len, "code %#x", i->code);
	}
}

/* P[k:sz] in host order, or -1 past caplen (k + sz in 64 bits: no wrap). */
static int64_t ref_load(const uint8_t *p, uint32_t caplen, uint64_t k, int sz)
{
	uint32_t v = 0;

	if (k + (uint64_t)sz > caplen)
		return -1;
	for (int i = 0; i < sz; i++)
		v = v << 8 | p[k + (uint64_t)i];
	return v;
}

static int64_t ref_abs(uint32_t k, int sz, const uint8_t *p, uint32_t caplen, const struct oc_cbpf_aux *aux)
{
	if (aux && k == (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE))
		return aux->pkttype;
	if (aux && k == (uint32_t)(SKF_AD_OFF + SKF_AD_IFINDEX))
		return aux->ifindex;
	return ref_load(p, caplen, k, sz);
}

/* A op= v; 0 with ok = 0 where bpf_filter returns 0 (division by 0). */
static uint32_t ref_alu(uint8_t op, uint32_t a, uint32_t v, int *ok)
{
	switch (op) {
	case BPF_ADD: return a + v;
	case BPF_SUB: return a - v;
	case BPF_MUL: return a * v;
	case BPF_DIV: if (!v) *ok = 0; return v ? a / v : 0;
	case BPF_MOD: if (!v) *ok = 0; return v ? a % v : 0;
	case BPF_AND: return a & v;
	case BPF_OR: return a | v;
	case BPF_XOR: return a ^ v;
	case BPF_LSH: return v < 32 ? a << v : 0;
	case BPF_RSH: return v < 32 ? a >> v : 0;
	case BPF_NEG: return -a;
	}
	*ok = 0;
	return 0;
}

static int ref_jump(uint8_t op, uint32_t a, uint32_t v)
{
	switch (op) {
	case BPF_JEQ: return a == v;
	case BPF_JGT: return a > v;
	case BPF_JGE: return a >= v;
	case BPF_JSET: return (a & v) != 0;
	}
	return 0;
}

uint32_t oc_cbpf_run(const struct sock_filter *f, unsigned n, const uint8_t *p, uint32_t caplen,
		     uint32_t wirelen, const struct oc_cbpf_aux *aux)
{
	uint32_t a = 0, x = 0, m[BPF_MEMWORDS] = { 0 };

	for (unsigned pc = 0; pc < n; pc++) {
		const struct sock_filter *s = &f[pc];
		uint16_t c = s->code;
		int sz = size_of(c), ok = 1;
		int64_t v;

		switch (BPF_CLASS(c)) {
		case BPF_RET:
			return BPF_RVAL(c) == BPF_A ? a : s->k;
		case BPF_LD:
			switch (BPF_MODE(c)) {
			case BPF_ABS: v = ref_abs(s->k, sz, p, caplen, aux); break;
			case BPF_IND: v = ref_load(p, caplen, (uint64_t)x + s->k, sz); break;
			case BPF_IMM: v = s->k; break;
			case BPF_LEN: v = wirelen; break;
			case BPF_MEM: v = s->k < BPF_MEMWORDS ? (int64_t)m[s->k] : -1; break;
			default: v = -1;
			}
			if (v < 0)
				return 0;
			a = (uint32_t)v;
			break;
		case BPF_LDX:
			switch (BPF_MODE(c)) {
			case BPF_IMM: v = s->k; break;
			case BPF_LEN: v = wirelen; break;
			case BPF_MEM: v = s->k < BPF_MEMWORDS ? (int64_t)m[s->k] : -1; break;
			case BPF_MSH: v = ref_load(p, caplen, s->k, 1); v = v < 0 ? v : (v & 0xf) << 2; break;
			default: v = -1;
			}
			if (v < 0)
				return 0;
			x = (uint32_t)v;
			break;
		case BPF_ST:
		case BPF_STX:
			if (s->k >= BPF_MEMWORDS)
				return 0;
			m[s->k] = BPF_CLASS(c) == BPF_ST ? a : x;
			break;
		case BPF_ALU:
			a = ref_alu(BPF_OP(c), a, BPF_SRC(c) == BPF_X ? x : s->k, &ok);
			if (!ok)
				return 0;
			break;
		case BPF_JMP:
			if (BPF_OP(c) == BPF_JA)
				pc += s->k;
			else
				pc += ref_jump(BPF_OP(c), a, BPF_SRC(c) == BPF_X ? x : s->k) ? s->jt : s->jf;
			break;
		case BPF_MISC:
			if (BPF_MISCOP(c) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		}
	}
	return 0;
}
