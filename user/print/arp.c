/* ARP for IPv4 over Ethernet: "ARP, Request who-has A tell B, length 28". */
#include "pr.h"

void pr_arp(struct pr *x, uint32_t off)
{
	uint16_t htype = 0, ptype = 0, op = 0;
	uint8_t hlen = 0, plen = 0, sha[6], spa[4], tha[6], tpa[4];
	uint32_t len = x->P->len > off ? x->P->len - off : 0;
	static const uint8_t zero[6];

	if (!x->o->eflag)
		pr_puts(x, "ARP, ");
	if (!oc_get_u16(&x->c, off, &htype) || !oc_get_u16(&x->c, off + 2, &ptype) ||
	    !oc_get_u8(&x->c, off + 4, &hlen) || !oc_get_u8(&x->c, off + 5, &plen) ||
	    !oc_get_u16(&x->c, off + 6, &op)) {
		pr_puts(x, "[|arp]");
		return;
	}
	if (htype != 1 || ptype != 0x0800 || hlen != 6 || plen != 4) {
		pr_printf(x, "hardware 0x%x, protocol 0x%04x, op %u, length %u", htype, ptype, op, len);
		return;
	}
	if (!oc_get_bytes(&x->c, off + 8, 6, sha) || !oc_get_bytes(&x->c, off + 14, 4, spa) ||
	    !oc_get_bytes(&x->c, off + 18, 6, tha) || !oc_get_bytes(&x->c, off + 24, 4, tpa)) {
		pr_puts(x, "[|arp]");
		return;
	}
	if (op == 1) {
		pr_puts(x, "Request who-has ");
		pr_addr(x, 4, tpa);
		if (memcmp(tha, zero, 6)) {
			pr_puts(x, " ("), pr_mac(x, tha), pr_puts(x, ")");
		}
		pr_puts(x, " tell ");
		pr_addr(x, 4, spa);
	} else if (op == 2) {
		pr_puts(x, "Reply ");
		pr_addr(x, 4, spa);
		pr_puts(x, " is-at ");
		pr_mac(x, sha);
	} else {
		pr_printf(x, "op %u", op);
	}
	pr_printf(x, ", length %u", len);
}
