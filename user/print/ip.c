/* IPv4 and IPv6: "IP a > b: ..." / "IP6 a > b: ...", -v's header details,
 * fragments, and tunnels (GRE, IP-in-IP) with their inner packet. */
#include "pr.h"

static const char *proto_name(uint8_t p)
{
	switch (p) {
	case OC_IPPROTO_TCP: return "TCP";
	case OC_IPPROTO_UDP: return "UDP";
	case OC_IPPROTO_ICMP: return "ICMP";
	case OC_IPPROTO_ICMPV6: return "ICMPv6";
	case OC_IPPROTO_GRE: return "GRE";
	case OC_IPPROTO_IPIP: return "IPIP";
	case OC_IPPROTO_IPV6: return "IPv6";
	case OC_IPPROTO_ESP: return "ESP";
	case OC_IPPROTO_AH: return "AH";
	case OC_IPPROTO_FRAGMENT: return "frag";
	default: return "unknown";
	}
}

static void details(struct pr *x, const struct oc_ip *ip)
{
	if (ip->version == 4) {
		const char *fl = ip->df && ip->mf ? "DF+" : ip->df ? "DF" : ip->mf ? "+" : "none";

		pr_printf(x, "(tos 0x%x, ttl %u, id %u, offset %u, flags [%s], proto %s (%u), length %u) ",
			  ip->tos, ip->ttl, ip->id, ip->frag_off, fl, proto_name(ip->proto), ip->proto,
			  ip->len_field);
		return;
	}
	pr_printf(x, "(flowlabel 0x%05x, hlim %u, next-header %s (%u) payload length: %u) ",
		  ip->flow_label, ip->ttl, proto_name(ip->proto), ip->proto, ip->len_field);
}

void pr_ends(struct pr *x, const struct oc_ip *ip)
{
	pr_addr(x, ip->version, ip->src);
	pr_puts(x, " > ");
	pr_addr(x, ip->version, ip->dst);
	pr_colon(x);
}

static void gre(struct pr *x, const struct oc_layer *L)
{
	const struct oc_tunnel *t = &x->P->tun;

	pr_ends(x, &L->ip);
	pr_printf(x, "GREv0, ");
	if (t->has_key)
		pr_printf(x, "key=0x%x, ", t->vni);
	if (t->has_seq)
		pr_printf(x, "seq %u, ", t->gre_seq);
	if (t->proto != 0x0800 && t->proto != 0x86dd)	/* tcpdump names only the others */
		pr_printf(x, "proto %s (0x%04x), ", pr_ethertype_name(t->proto), t->proto);
	pr_printf(x, "length %u", L->l4.len);
	pr_inner(x, t);
}

/* A tunnel's inner packet, after the outer one's summary. */
void pr_inner(struct pr *x, const struct oc_tunnel *t)
{
	if (!x->P->has_inner)
		return;
	pr_puts(x, ": ");
	if (t->inner_is_eth && x->o->eflag) {
		pr_mac(x, t->eth.src), pr_puts(x, " > "), pr_mac(x, t->eth.dst), pr_puts(x, ", ");
	}
	pr_ip(x, &x->P->inner, 1);
}

/* An L4 header that is not (all) there: what oc_parse stopped at. */
static void no_l4(struct pr *x, const struct oc_layer *L)
{
	const struct oc_ip *ip = &L->ip;

	pr_ends(x, ip);
	switch (ip->proto) {
	case OC_IPPROTO_TCP: pr_puts(x, "[|tcp]"); break;
	case OC_IPPROTO_UDP: pr_puts(x, "[|udp]"); break;
	case OC_IPPROTO_ICMP: pr_puts(x, "[|icmp]"); break;
	case OC_IPPROTO_ICMPV6: pr_puts(x, "[|icmp6]"); break;
	default: pr_printf(x, "ip-proto-%u %u", ip->proto, ip->len > ip->hdr_len ? ip->len - ip->hdr_len : 0);
	}
}

void pr_ip(struct pr *x, const struct oc_layer *L, int inner)
{
	const struct oc_ip *ip = &L->ip;
	int v6 = ip->version == 6;

	if (!x->o->eflag || inner || x->P->link.linktype != OC_LINKTYPE_ETHERNET)
		pr_puts(x, v6 ? "IP6 " : "IP ");
	if (!oc_has(&x->c, ip->off, v6 ? 40 : 20) || !ip->hdr_len) {
		pr_puts(x, v6 ? "[|ip6]" : "[|ip]");
		return;
	}
	if (x->o->vflag)
		details(x, ip);
	if (v6 && ip->n_ext && ip->ext[0] == OC_IPPROTO_HOPOPTS)
		x->after_addr = "HBH ";
	if (ip->is_fragment && ip->frag_off) {	/* no L4 header here */
		pr_ends(x, ip);
		if (v6)
			pr_printf(x, "frag (%u|%u)", ip->frag_off, ip->len - ip->hdr_len);
		else
			pr_printf(x, "ip-proto-%u", ip->proto);
		return;
	}
	switch (L->l4.kind) {
	case OC_L4_TCP:
		pr_tcp(x, L);
		break;
	case OC_L4_UDP:
		pr_udp(x, L);
		break;
	case OC_L4_ICMP:
		pr_icmp(x, L);
		break;
	case OC_L4_ICMPV6:
		pr_icmp6(x, L);
		break;
	case OC_L4_GRE:
		gre(x, L);
		break;
	case OC_L4_OTHER:
		if (!inner && x->P->tun.kind == OC_TUN_IPIP && x->P->has_inner) {
			pr_ends(x, ip);
			pr_ip(x, &x->P->inner, 1);
			break;
		}
		/* fall through */
	default:
		no_l4(x, L);
	}
}
