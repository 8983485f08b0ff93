/* TCP as tcpdump -n prints it: "Flags [P.], seq 1:1449, ack 1, win 502,
 * options [nop,nop,TS val 1 ecr 2], length 1448"; sequence numbers relative
 * to the conversation's first (seq.c), absolute with -S. */
#include "pr.h"

void pr_ports(struct pr *x, const struct oc_ip *ip, uint16_t sport, uint16_t dport)
{
	pr_addr(x, ip->version, ip->src);
	pr_puts(x, ".");
	pr_u(x, sport);
	pr_puts(x, " > ");
	pr_addr(x, ip->version, ip->dst);
	pr_puts(x, ".");
	pr_u(x, dport);
	pr_colon(x);
}

static void flags(struct pr *x, uint16_t f)
{
	static const struct { uint16_t bit; char c; } names[] = {
		{ OC_TH_FIN, 'F' }, { OC_TH_SYN, 'S' }, { OC_TH_RST, 'R' }, { OC_TH_PSH, 'P' },
		{ OC_TH_ACK, '.' }, { OC_TH_URG, 'U' }, { OC_TH_ECE, 'E' }, { OC_TH_CWR, 'W' },
		{ OC_TH_AE, 'e' },
	};
	char s[16];
	unsigned n = 0;

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (f & names[i].bit)
			s[n++] = names[i].c;
	s[n] = '\0';
	pr_printf(x, "Flags [%s]", n ? s : "none");
}

/* SACK edges are relative to the other side's base (tcpdump's rule). */
struct rel {
	int rev;
	uint32_t thseq, thack;
};

/* One option of olen bytes at p; false when it is malformed. */
static bool option(struct pr *x, uint32_t p, uint8_t kind, uint8_t olen, const struct rel *r)
{
	uint32_t a = 0, b = 0;
	uint16_t mss = 0;
	uint8_t ws = 0;

	switch (kind) {
	case 2:
		if (olen != 4 || !oc_get_u16(&x->c, p + 2, &mss))
			return false;
		pr_printf(x, "mss %u", mss);
		return true;
	case 3:
		if (olen != 3 || !oc_get_u8(&x->c, p + 2, &ws))
			return false;
		pr_printf(x, "wscale %u", ws);
		return true;
	case 4:
		pr_puts(x, "sackOK");
		return olen == 2;
	case 5:
		if (olen < 2 || (olen - 2) % 8)
			return false;
		pr_printf(x, "sack %u ", (olen - 2) / 8u);
		for (uint32_t i = 2; i + 8 <= olen; i += 8) {
			if (!oc_get_u32(&x->c, p + i, &a) || !oc_get_u32(&x->c, p + i + 4, &b))
				return false;
			a -= r->rev ? r->thseq : r->thack;
			b -= r->rev ? r->thseq : r->thack;
			pr_printf(x, "{%u:%u}", a, b);
		}
		return true;
	case 8:
		if (olen != 10 || !oc_get_u32(&x->c, p + 2, &a) || !oc_get_u32(&x->c, p + 6, &b))
			return false;
		pr_printf(x, "TS val %u ecr %u", a, b);
		return true;
	case 19: pr_puts(x, "md5"); return true;
	case 29: pr_puts(x, "tcp-ao"); return true;
	case 30: pr_puts(x, "mptcp"); return true;
	case 34: pr_puts(x, "tfo"); return true;
	default:
		pr_printf(x, "unknown-%u", kind);
		return true;
	}
}

/* ", options [...]": false when they are cut or malformed. */
static bool options(struct pr *x, uint32_t p, uint32_t end, const struct rel *r)
{
	bool first = true;

	pr_puts(x, ", options [");
	while (p < end) {
		uint8_t kind = 0, olen = 0;

		if (!first)
			pr_puts(x, ",");
		first = false;
		if (!oc_get_u8(&x->c, p, &kind))
			return false;
		if (kind == 0) {
			pr_puts(x, "eol");
			p++;
			continue;
		}
		if (kind == 1) {
			pr_puts(x, "nop");
			p++;
			continue;
		}
		if (!oc_get_u8(&x->c, p + 1, &olen) || olen < 2 || olen > end - p) {
			pr_puts(x, "bad opt");
			return false;
		}
		if (!option(x, p, kind, olen, r))
			return false;
		p += olen;
	}
	pr_puts(x, "]");
	return true;
}

/* tcpdump's rule: a conversation's first ACK-carrying packet (or a SYN)
 * records the bases and prints absolute numbers; later ones print relative. */
static void relative(struct pr *x, const struct oc_layer *L, uint32_t *seq, uint32_t *ack,
		     struct rel *r)
{
	const struct oc_tcp *t = &L->l4.tcp;
	int found = 0;
	struct oc_seq_entry *e = pr_seq_find(x->pr, &L->ip, t->sport, t->dport, &r->rev, &found);

	if (!e)
		return;
	if (!found || t->flags & OC_TH_SYN) {
		e->seq = r->rev ? t->ack - 1 : t->seq;
		e->ack = r->rev ? t->seq : t->ack - 1;
	} else {
		*seq -= r->rev ? e->ack : e->seq;
		*ack -= r->rev ? e->seq : e->ack;
	}
	r->thseq = e->seq;
	r->thack = e->ack;
}

void pr_tcp(struct pr *x, const struct oc_layer *L)
{
	const struct oc_l4 *l4 = &L->l4;
	const struct oc_tcp *t = &l4->tcp;
	uint32_t len = l4->payload_len, seq = t->seq, ack = t->ack;
	struct rel r = { 0 };

	pr_ports(x, &L->ip, t->sport, t->dport);
	if (x->o->qflag) {
		pr_printf(x, "tcp %u", len);
		return;
	}
	flags(x, t->flags);
	if (!l4->hdr_len) {	/* data offset bad: the parser stopped */
		pr_printf(x, " [bad hdr length %u]", t->doff * 4u);
		return;
	}
	if (!x->o->Sflag && t->flags & OC_TH_ACK)
		relative(x, L, &seq, &ack, &r);
	if (len || t->flags & (OC_TH_SYN | OC_TH_FIN | OC_TH_RST)) {
		pr_printf(x, ", seq %u", seq);
		if (len)
			pr_printf(x, ":%u", seq + len);
	}
	if (t->flags & OC_TH_ACK)
		pr_printf(x, ", ack %u", ack);
	pr_printf(x, ", win %u", t->window);
	if (t->flags & OC_TH_URG)
		pr_printf(x, ", urg %u", t->urg);
	if (l4->hdr_len > 20 && !options(x, l4->off + 20, l4->off + l4->hdr_len, &r)) {
		pr_trunc(x, "tcp");
		return;
	}
	pr_printf(x, ", length %u", len);
}
