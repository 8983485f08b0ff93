#include "capstats.h"

#include <stdlib.h>

#include "wire.h"

int oc_capstats_packet(struct oc_capstats *s, const struct oc_iface *f, const struct oc_packet *p)
{
	struct oc_capstats_if *k;
	uint16_t linktype = f ? f->linktype : OC_LINKTYPE_ETHERNET;

	if (oc_iface_slots((void **)&s->ifs, &s->nslots, p->if_id, sizeof(*s->ifs)))
		return -1;
	k = &s->ifs[p->if_id];
	k->packets++;
	k->bytes += p->len;
	k->max_len = p->len > k->max_len ? p->len : k->max_len;
	k->over_mtu += oc_wire_over_mtu(oc_wire_l3_len(p->data, p->caplen, p->len, linktype), oc_wire_mtu(f, 0));
	k->gso_segs += p->meta.gso_segs > 1 ? p->meta.gso_segs : 1;
	k->dropcount += p->dropcount;
	k->ring_full_cut += !!(p->meta.flags & OC_META_CUT_FULL);
	return 0;
}

struct oc_capstats_if oc_capstats_get(const struct oc_capstats *s, uint32_t if_id)
{
	static const struct oc_capstats_if none;

	return if_id < s->nslots ? s->ifs[if_id] : none;
}

void oc_capstats_free(struct oc_capstats *s)
{
	free(s->ifs);
	s->ifs = NULL;
	s->nslots = 0;
}
