/* Link level: with -e, MAC addresses, EtherType and VLAN tags as tcpdump -e
 * prints them; then the network layer by EtherType. */
#include "pr.h"

#define ETH_ARP 0x0806

const char *pr_ethertype_name(uint16_t type)
{
	switch (type) {
	case 0x0800: return "IPv4";
	case 0x86dd: return "IPv6";
	case ETH_ARP: return "ARP";
	case 0x8100: return "802.1Q";
	case 0x88a8: return "802.1Q-QinQ";
	case 0x9100: return "802.1Q-9100";
	case 0x88cc: return "LLDP";
	case 0x8035: return "Reverse ARP";
	case 0x8847: return "MPLS unicast";
	case 0x8864: return "PPPoE S";
	case 0x888e: return "EAPOL";
	default: return "Unknown";
	}
}

static void ethertype(struct pr *x, uint16_t type)
{
	pr_printf(x, "ethertype %s (0x%04x)", pr_ethertype_name(type), type);
}

/* -e on Ethernet: "src > dst, ethertype 802.1Q (0x8100), length 102: vlan 100, p 0, ..." */
static void ether_e(struct pr *x, const struct oc_link *l)
{
	pr_mac(x, l->src);
	pr_puts(x, " > ");
	pr_mac(x, l->dst);
	if (l->ethertype < 0x0600 && !l->n_vlan) {
		pr_printf(x, ", 802.3, length %u: ", x->P->len);
		return;
	}
	pr_puts(x, ", ");
	ethertype(x, l->n_vlan ? l->vlan[0].tpid : l->ethertype);
	pr_printf(x, ", length %u: ", x->P->len);
	for (unsigned i = 0; i < l->n_vlan; i++) {
		uint16_t tci = l->vlan[i].tci;

		pr_printf(x, "vlan %u, p %u%s, ", tci & 0x0fff, tci >> 13, tci & 0x1000 ? ", DEI" : "");
		ethertype(x, i + 1 < l->n_vlan ? l->vlan[i + 1].tpid : l->ethertype);
		pr_puts(x, ", ");
	}
}

void pr_link(struct pr *x)
{
	const struct oc_parsed *P = x->P;
	const struct oc_link *l = &P->link;
	uint16_t lt = l->linktype;

	if (lt == OC_LINKTYPE_ETHERNET) {
		if (!l->has_mac) {
			pr_puts(x, "[|ether]");
			return;
		}
		if (x->o->eflag)
			ether_e(x, l);
		if (l->ethertype < 0x0600) {
			pr_printf(x, "LLC, length %u", P->len);
			return;
		}
	} else if (lt == OC_LINKTYPE_LINUX_SLL || lt == OC_LINKTYPE_LINUX_SLL2) {
		if (!l->l3_off) {
			pr_puts(x, "[|sll]");
			return;
		}
		if (x->o->eflag) {
			ethertype(x, l->ethertype);
			pr_printf(x, ", length %u: ", P->len);
		}
	} else if (!oc_linktype_is_raw_ip(lt)) {
		pr_printf(x, "link-type %u, length %u", lt, P->len);
		return;
	}
	switch (l->ethertype) {
	case 0x0800:
	case 0x86dd:
		pr_ip(x, &P->outer, 0);
		break;
	case ETH_ARP:
		pr_arp(x, l->l3_off);
		break;
	default:
		if (x->o->eflag) {
			pr_printf(x, "length %u", P->len - l->l3_off);
			break;
		}
		if (l->has_mac) {
			pr_mac(x, l->src), pr_puts(x, " > "), pr_mac(x, l->dst), pr_puts(x, ", ");
		}
		ethertype(x, l->ethertype);
		pr_printf(x, ", length %u", P->len);
	}
}
