/* UDP: "UDP, length N"; VXLAN and GENEVE with their inner packet. */
#include "pr.h"

static void tunnel(struct pr *x)
{
	const struct oc_tunnel *t = &x->P->tun;

	if (t->kind == OC_TUN_VXLAN)
		pr_printf(x, "VXLAN, flags [I] (0x08), vni %u", t->vni);
	else
		pr_printf(x, "Geneve, vni 0x%x, proto %s (0x%04x)", t->vni, pr_ethertype_name(t->proto),
			  t->proto);
	pr_inner(x, t);
}

void pr_udp(struct pr *x, const struct oc_layer *L)
{
	const struct oc_udp *u = &L->l4.udp;
	const struct oc_tunnel *t = &x->P->tun;

	pr_ports(x, &L->ip, u->sport, u->dport);
	if (L == &x->P->outer && (t->kind == OC_TUN_VXLAN || t->kind == OC_TUN_GENEVE)) {
		tunnel(x);
		return;
	}
	if (u->len >= 8 && L->ip.is_fragment)	/* the first fragment: the datagram's length */
		pr_printf(x, "UDP, length %u", u->len - 8u);
	else if (u->len < 8 || u->len > L->l4.len)
		pr_printf(x, "UDP, bad length %u > %u", u->len, L->l4.len);
	else
		pr_printf(x, "UDP, length %u", L->l4.payload_len);
}
