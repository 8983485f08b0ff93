/* The cBPF -> eBPF translator, without a kernel: a small interpreter of the
 * eBPF subset it emits runs the translation next to libpcap's interpreter on
 * random and cut packets; the span analysis and the refusals. */
#include <stdlib.h>
#include <errno.h>
#include <string.h>

#include "cbpf.h"
#include "check.h"
#include "log.h"
#include "pcapc.h"

/* The emitted subset: 32/64-bit ALU, byte swaps, jumps, loads from the
 * bytes and the stack, stores to the stack. -1 on anything else, and on a
 * shift by the register's width or more (undefined in eBPF). */
static int run(const struct bpf_insn *p, unsigned n, uint8_t *bytes, uint64_t avail,
	       uint64_t wirelen, uint64_t complete, uint64_t aux)
{
	uint64_t r[11] = { 0 };
	uint8_t stack[512];

	r[1] = (uintptr_t)bytes, r[2] = avail, r[3] = wirelen, r[4] = complete, r[5] = aux;
	r[10] = (uintptr_t)(stack + sizeof(stack));
	for (unsigned pc = 0; pc < n; pc++) {
		const struct bpf_insn *i = &p[pc];
		uint8_t cls = BPF_CLASS(i->code), op = BPF_OP(i->code);
		uint64_t src = BPF_SRC(i->code) == BPF_X ? r[i->src_reg] : (uint64_t)(int64_t)i->imm;
		uint64_t *d = &r[i->dst_reg];
		int taken;

		switch (cls) {
		case BPF_ALU:
		case BPF_ALU64: {
			uint64_t a = cls == BPF_ALU ? (uint32_t)*d : *d;
			uint64_t b = cls == BPF_ALU ? (uint32_t)src : src;

			switch (op) {
			case BPF_MOV: a = b; break;
			case BPF_ADD: a += b; break;
			case BPF_SUB: a -= b; break;
			case BPF_MUL: a *= b; break;
			case BPF_DIV: a = b ? a / b : 0; break;
			case BPF_MOD: a = b ? a % b : a; break;
			case BPF_AND: a &= b; break;
			case BPF_OR: a |= b; break;
			case BPF_XOR: a ^= b; break;
			case BPF_LSH:
			case BPF_RSH:
				if (b >= (cls == BPF_ALU ? 32u : 64u))
					return -1;
				a = op == BPF_LSH ? a << b : a >> b;
				break;
			case BPF_NEG: a = -a; break;
			case BPF_END:
				a = i->imm == 16 ? (uint64_t)__builtin_bswap16((uint16_t)*d) :
				    (uint64_t)__builtin_bswap32((uint32_t)*d);
				break;
			default: return -1;
			}
			*d = cls == BPF_ALU ? (uint32_t)a : a;
			break;
		}
		case BPF_LDX: {
			const uint8_t *at = (const uint8_t *)(uintptr_t)(r[i->src_reg] + i->off);
			int sz = BPF_SIZE(i->code) == BPF_W ? 4 : BPF_SIZE(i->code) == BPF_H ? 2 : 1;
			uint64_t v = 0;

			if (BPF_SIZE(i->code) == BPF_DW)
				sz = 8;
			memcpy(&v, at, (size_t)sz);
			*d = v;
			break;
		}
		case BPF_ST:
		case BPF_STX: {
			uint64_t v = cls == BPF_ST ? (uint64_t)(int64_t)i->imm : r[i->src_reg];
			int sz = BPF_SIZE(i->code) == BPF_DW ? 8 : 4;

			memcpy((uint8_t *)(uintptr_t)(*d + i->off), &v, (size_t)sz);
			break;
		}
		case BPF_JMP:
		case BPF_JMP32: {
			uint64_t a = cls == BPF_JMP32 ? (uint32_t)*d : *d;
			uint64_t b = cls == BPF_JMP32 ? (uint32_t)src : src;

			if (op == BPF_EXIT)
				return (int)r[0];
			switch (op) {
			case BPF_JA: taken = 1; break;
			case BPF_JEQ: taken = a == b; break;
			case BPF_JNE: taken = a != b; break;
			case BPF_JGT: taken = a > b; break;
			case BPF_JGE: taken = a >= b; break;
			case BPF_JLT: taken = a < b; break;
			case BPF_JSET: taken = (a & b) != 0; break;
			default: return -1;
			}
			if (taken)
				pc += (unsigned)i->off;
			break;
		}
		default:
			return -1;
		}
	}
	return -1;
}

static const char *exprs[] = {
	"tcp port 80", "ip[2:2] > 1500", "tcp[tcpflags] & (tcp-syn|tcp-fin) != 0", "vlan 10 and udp",
	"icmp[icmptype] == icmp-echo", "ip6 and tcp dst port 5201", "greater 1514", "less 60",
	"len % 7 == 3", "ip[ip[0] & 0xf] > 3", "ether[ether[12:2] & 0x7ff] == 1", "arp or ip6 proto 58",
	"host 10.0.0.1 or net 192.168.0.0/16", "ip[2:2] - ((ip[0] & 0xf) << 2) > 100",
	"ether[6] << ether[7] != 0", "ether[6] >> ether[7] != 0", "ether[2:4] << ether[3] > 0x10000",
	"ether[0] / ether[1] == 2", "ether[0] % ether[1] == 1", "len / (ether[5] & 3) > 100",
	"ether[1024] = 0", "ether[1021:4] = 0", "tcp or ether[1024] = 0", "ether[1023] != 1",
	"inbound", "outbound", "ifindex 2", "not ifindex 7 and tcp", "inbound and ether[6] << ether[7] > 9",
};

/* Every instruction reachable, every jump inside the program: what the
 * verifier's check_cfg wants. */
static int reachable_all(const struct bpf_insn *p, unsigned n)
{
	unsigned char live[8192] = { 0 };

	live[0] = 1;
	for (unsigned i = 0; i < n; i++) {
		uint8_t cls = BPF_CLASS(p[i].code), op = BPF_OP(p[i].code);
		int jump = (cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_EXIT;

		if (!live[i])
			return 0;
		if (jump && (p[i].off < 0 || i + 1 + (unsigned)p[i].off >= n))
			return 0;
		if (jump)
			live[i + 1 + p[i].off] = 1;
		if (!(jump && op == BPF_JA) && !(cls == BPF_JMP && op == BPF_EXIT) && i + 1 < n)
			live[i + 1] = 1;
	}
	return 1;
}

/* A frame that is mostly plausible: Ethernet + IPv4/IPv6/VLAN, random rest. */
static unsigned frame(uint8_t *b, unsigned max, unsigned seed)
{
	static const uint16_t types[] = { 0x0800, 0x86dd, 0x8100, 0x0806, 0x88a8, 0x1234 };
	unsigned n = 14 + (unsigned)rand() % (max - 14);

	for (unsigned i = 0; i < n; i++)
		b[i] = (uint8_t)rand();
	b[12] = types[seed % 6] >> 8, b[13] = types[seed % 6] & 0xff;
	if (seed % 6 == 0)
		b[14] = 0x45 + (uint8_t)(seed % 3), b[23] = (uint8_t)(seed % 2 ? 6 : 17);
	if (seed % 6 == 2)
		b[16] = 0x08, b[17] = 0x00, b[18] = 0x45;
	return n;
}

static void equivalence(void)
{
	static uint8_t pkt[1300], bytes[OC_CBPF_SPAN_MAX + 64];
	struct bpf_insn out[8192];

	for (unsigned e = 0; e < sizeof(exprs) / sizeof(exprs[0]); e++) {
		void *cbpf;
		unsigned n, bad = 0, runs = 0;
		const char *why;
		int span, len;

		if (oc_pcap_compile(1, exprs[e], &cbpf, &n, &why)) {
			CHECK(0, "'%s' compiles (%s)", exprs[e], why);
			continue;
		}
		span = oc_cbpf_span(cbpf, n);
		len = oc_cbpf_to_ebpf(cbpf, n, (unsigned)span, out, 8192);
		CHECK(span >= 0 && len > 0, "'%s' translates (%d instructions, span %d)", exprs[e], len, span);
		CHECK(len > 0 && reachable_all(out, (unsigned)len), "'%s': no unreachable instruction", exprs[e]);
		unsigned refbad = 0, undecided = 0;
		for (unsigned k = 0; len > 0 && k < 3000; k++) {
			unsigned caplen = frame(pkt, sizeof(pkt), k), wirelen = caplen + (k % 5 ? 0 : 40000);
			unsigned cut = k % 3 ? caplen : 14 + k % 50 < caplen ? 14 + k % 50 : caplen;
			unsigned avail = cut < (unsigned)span ? cut : (unsigned)span;
			struct oc_cbpf_aux aux = { .pkttype = k % 2 ? 4 : 0, .ifindex = k % 9 };
			int lib = oc_pcap_match(cbpf, n, pkt, cut, wirelen), got;
			int want = oc_cbpf_run(cbpf, n, pkt, cut, wirelen, &aux) != 0;

			refbad += (oc_cbpf_run(cbpf, n, pkt, cut, wirelen, NULL) != 0) != (lib != 0);
			memset(bytes, 0xee, sizeof(bytes));
			memcpy(bytes, pkt, avail);
			got = run(out, (unsigned)len, bytes, avail, wirelen, cut <= (unsigned)span,
				  aux.ifindex | (uint64_t)aux.pkttype << 32);
			if (got == OC_CBPF_UNDECIDED) {	/* user space decides, with libpcap */
				undecided++;
				got = want;
			}
			runs++;
			bad += got != want;
		}
		CHECK_EQ(refbad, 0, "'%s': oc_cbpf_run without ancillary data is libpcap's pcap_offline_filter",
			 exprs[e]);
		CHECK_EQ(bad, 0, "'%s': the translation agrees with libpcap on %u packets (%u undecided)",
			 exprs[e], runs, undecided);
		if (oc_cbpf_within_copy(cbpf, n))
			CHECK_EQ(undecided, 0, "'%s' reads within the copy: nothing undecided", exprs[e]);
		free(cbpf);
	}
}

static void refusals(void)
{
	struct sock_filter back[] = { { BPF_JMP | BPF_JA, 0, 0, 0xffffffffu }, { BPF_RET | BPF_K, 0, 0, 1 } };
	struct sock_filter div0[] = { { BPF_ALU | BPF_DIV | BPF_K, 0, 0, 0 }, { BPF_RET | BPF_K, 0, 0, 1 } };
	struct sock_filter vlan_aux[] = { { BPF_LD | BPF_B | BPF_ABS, 0, 0, SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT },
					  { BPF_RET | BPF_A, 0, 0, 0 } };
	struct sock_filter reject[] = { { BPF_RET | BPF_K, 0, 0, 0 } };
	struct bpf_insn out[64];
	char err[256] = "";
	void *cbpf;
	unsigned n;

	CHECK_EQ(oc_cbpf_span(back, 2), -1, "a backward jump (protochain's loop) is refused");
	const char *why;
	int len = oc_cbpf_to_ebpf(div0, 2, 0, out, 64);
	CHECK(len > 0 && run(out, (unsigned)len, (uint8_t *)err, 0, 60, 1, 0) == OC_CBPF_REJECT &&
	      !oc_cbpf_run(div0, 2, (uint8_t *)err, 0, 60, NULL), "a division by the constant 0 rejects, as in libpcap");
	oc_log_setup(NULL, OC_LOG_QUIET);	/* the refusals: their words are checked */
	CHECK(oc_cbpf_to_ebpf(vlan_aux, 2, 0, out, 64) == -EOPNOTSUPP && strstr(oc_log_last_err(), "ancillary word"),
	      "an ancillary load offcap cannot give is refused (-EOPNOTSUPP), named (%s)", oc_log_last_err());
	CHECK(oc_cbpf_rejects_all(reject, 1), "'ret #0' alone rejects all packets");
	CHECK(!oc_pcap_compile(1, "tcp port 80", &cbpf, &n, &why), "tcp port 80 compiles");
	CHECK_EQ(oc_cbpf_span(cbpf, n), 78, "tcp port 80 reads 78 bytes at most (14 + 60 of IPv4 header + 4)");
	CHECK(oc_cbpf_to_ebpf(cbpf, n, 78, out, 20) == -E2BIG && strstr(oc_log_last_err(), "more than the 20"),
	      "a filter larger than the room is refused (-E2BIG: %s)", oc_log_last_err());
	oc_log_setup(NULL, OC_LOG_WARN);
	free(cbpf);
	CHECK(oc_pcap_compile(1, "ether[ether[12:2]] == 1", &cbpf, &n, &why) == 0 &&
	      oc_cbpf_span(cbpf, n) == OC_CBPF_SPAN_MAX, "an unbounded indirect load spans the maximum");
	free(cbpf);
}

int main(void)
{
	srand(7);
	refusals();
	equivalence();
	return check_done();
}
