/* ICMP and ICMPv6, the common types in tcpdump's words. */
#include "pr.h"

static const char *proto_word(uint8_t p)
{
	return p == OC_IPPROTO_TCP ? "tcp" : p == OC_IPPROTO_UDP ? "udp" : "ip";
}

static void echo(struct pr *x, const struct oc_l4 *l4, const char *what)
{
	uint16_t id = 0, seq = 0;

	(void)oc_get_u16(&x->c, l4->off + 4, &id);
	(void)oc_get_u16(&x->c, l4->off + 6, &seq);
	pr_printf(x, "%s, id %u, seq %u", what, id, seq);
}

static void unreachable(struct pr *x, const struct oc_icmp *ic)
{
	static const char *why[] = { "net", "host", "protocol", "port" };

	if (!ic->has_quote) {
		pr_printf(x, "unreachable, code %u", ic->code);
		return;
	}
	if (ic->code == 3 && ic->has_ports) {
		pr_addr(x, ic->q_version, ic->q_dst);
		pr_printf(x, " %s port %u unreachable", proto_word(ic->q_proto), ic->q_dport);
	} else if (ic->code == 4) {
		pr_addr(x, ic->q_version, ic->q_dst);
		pr_printf(x, " unreachable - need to frag (mtu %u)", ic->mtu);
	} else if (ic->code < 4) {
		pr_printf(x, "%s ", why[ic->code]);
		pr_addr(x, ic->q_version, ic->q_dst);
		pr_puts(x, " unreachable");
	} else {
		pr_addr(x, ic->q_version, ic->q_dst);
		pr_printf(x, " unreachable - code %u", ic->code);
	}
}

void pr_icmp(struct pr *x, const struct oc_layer *L)
{
	const struct oc_l4 *l4 = &L->l4;
	const struct oc_icmp *ic = &l4->icmp;

	pr_ends(x, &L->ip);
	pr_puts(x, "ICMP ");
	switch (ic->type) {
	case 0: echo(x, l4, "echo reply"); break;
	case 8: echo(x, l4, "echo request"); break;
	case 3: unreachable(x, ic); break;
	case 11: pr_puts(x, ic->code ? "ip reassembly time exceeded" : "time exceeded in-transit"); break;
	case 5: pr_puts(x, "redirect"); break;
	case 13: pr_puts(x, "time stamp query"); break;
	case 14: pr_puts(x, "time stamp reply"); break;
	default: pr_printf(x, "type-#%u", ic->type);
	}
	pr_printf(x, ", length %u", l4->len);
}

static void target(struct pr *x, const struct oc_l4 *l4, const char *what)
{
	uint8_t a[16];

	pr_puts(x, what);
	if (oc_get_bytes(&x->c, l4->off + 8, 16, a))
		pr_addr(x, 6, a);
	else
		pr_puts(x, "[|icmp6]");
}

void pr_icmp6(struct pr *x, const struct oc_layer *L)
{
	const struct oc_l4 *l4 = &L->l4;
	const struct oc_icmp *ic = &l4->icmp;

	pr_ends(x, &L->ip);
	pr_puts(x, "ICMP6, ");
	switch (ic->type) {
	case 1:
		pr_puts(x, "destination unreachable");
		if (ic->code == 4 && ic->has_ports) {
			pr_puts(x, ", unreachable port ");
			pr_addr(x, 6, ic->q_dst);
			pr_printf(x, " %s port %u", proto_word(ic->q_proto), ic->q_dport);
		}
		break;
	case 2: pr_printf(x, "packet too big, mtu %u", ic->mtu); break;
	case 3: pr_puts(x, "time exceeded in-transit"); break;
	case 4: pr_puts(x, "parameter problem"); break;
	case 128: echo(x, l4, "echo request"); break;
	case 129: echo(x, l4, "echo reply"); break;
	case 133: pr_puts(x, "router solicitation"); break;
	case 134: pr_puts(x, "router advertisement"); break;
	case 135: target(x, l4, "neighbor solicitation, who has "); break;
	case 136: target(x, l4, "neighbor advertisement, tgt is "); break;
	case 137: pr_puts(x, "redirect"); break;
	case 143: {
		uint16_t n = 0;

		(void)oc_get_u16(&x->c, l4->off + 6, &n);
		pr_printf(x, "multicast listener report v2, %u group record(s)", n);
		break;
	}
	default: pr_printf(x, "type-#%u", ic->type);
	}
	pr_printf(x, ", length %u", l4->len);
}
