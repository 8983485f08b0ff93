#include "wire.h"

#include "csum.h"
#include "parse.h"

int oc_wire_fill_csum(uint8_t *b, uint32_t caplen, uint32_t len, uint16_t linktype)
{
	struct oc_parsed p;
	const struct oc_layer *l;
	uint32_t off, sum;

	if (caplen < len || oc_parse(b, caplen, len, linktype, &p))
		return 0;
	l = oc_flow(&p);
	if ((l->l4.kind != OC_L4_TCP && l->l4.kind != OC_L4_UDP) || l->ip.is_fragment)
		return 0;
	off = l->l4.off + (l->l4.kind == OC_L4_TCP ? 16 : 6);
	if (off + 2 > caplen || l->l4.off + l->l4.len > caplen)
		return 0;
	if (l->l4.kind == OC_L4_UDP && l->l4.udp.csum == 0 && l->ip.version == 4)
		return 1;	/* IPv4 UDP without checksum stays so */
	b[off] = b[off + 1] = 0;
	sum = oc_csum_finish(oc_csum_partial(b + l->l4.off, l->l4.len,
					     oc_pseudo_ip(&l->ip, l->l4.proto, l->l4.len)));
	if (!sum && l->l4.kind == OC_L4_UDP)
		sum = 0xffff;
	b[off] = (uint8_t)(sum >> 8);
	b[off + 1] = (uint8_t)sum;
	return 1;
}
