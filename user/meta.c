#include "meta.h"

#include <stdio.h>
#include <string.h>

#include "hook.h"

const char *oc_point_name(unsigned point)
{
	if (point < OC_POINT_MAX)
		return oc_hooks[point].name;
	return point == OC_POINT_NONE ? "capture" : "unknown";
}

int oc_point_parse(const char *name)
{
	for (int i = 0; i < OC_POINT_MAX; i++)
		if (!strcmp(name, oc_hooks[i].name))
			return i;
	return -1;
}

const char *oc_csum_name(unsigned csum)
{
	switch (csum) {
	case OC_CSUM_NONE: return "none";
	case OC_CSUM_UNNECESSARY: return "unnecessary";
	case OC_CSUM_COMPLETE: return "complete";
	case OC_CSUM_PARTIAL: return "partial";
	default: return "unknown";
	}
}

static const struct { uint32_t bit; const char *name; } gso_names[] = {
	{ OC_GSO_TCPV4, "tcpv4" }, { OC_GSO_TCPV6, "tcpv6" },
	{ OC_GSO_UDP_L4, "udp_l4" }, { OC_GSO_UDP, "ufo" },
	{ OC_GSO_TCP_FIXEDID, "fixedid" }, { OC_GSO_TCP_FIXEDID_INNER, "fixedid_inner" },
	{ OC_GSO_TCP_ECN, "ecn" }, { OC_GSO_TCP_ACCECN, "accecn" },
	{ OC_GSO_DODGY, "dodgy" }, { OC_GSO_GRE, "gre" }, { OC_GSO_GRE_CSUM, "gre_csum" },
	{ OC_GSO_IPXIP4, "ipxip4" }, { OC_GSO_IPXIP6, "ipxip6" },
	{ OC_GSO_UDP_TUNNEL, "udp_tunnel" }, { OC_GSO_UDP_TUNNEL_CSUM, "udp_tunnel_csum" },
	{ OC_GSO_PARTIAL, "partial" }, { OC_GSO_SCTP, "sctp" }, { OC_GSO_ESP, "esp" },
	{ OC_GSO_FRAGLIST, "fraglist" },
};

size_t oc_gso_format(uint32_t gso_type, char *buf, size_t len)
{
	size_t n = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < sizeof(gso_names) / sizeof(gso_names[0]); i++) {
		if (!(gso_type & gso_names[i].bit))
			continue;
		int w = snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "|" : "", gso_names[i].name);
		n += w > 0 ? (size_t)w : 0;
	}
	if (!n)
		n = (size_t)snprintf(buf, len, "none");
	return n;
}

size_t oc_meta_format(const struct oc_meta *m, char *buf, size_t len)
{
	char gso[160];
	int n;

	if (m->flags & OC_META_NO_GSO_TYPE)
		snprintf(gso, sizeof(gso), "unknown");
	else
		oc_gso_format(m->gso_type, gso, sizeof(gso));
	n = snprintf(buf, len, "point=%s len=%u gso_size=%u gso_segs=%u gso_type=%s csum=%s",
		     oc_point_name(m->point), m->len, m->gso_size, m->gso_segs, gso,
		     oc_csum_name(m->csum));
	if (n >= 0 && (size_t)n < len && (m->flags & OC_META_VLAN))
		n += snprintf(buf + n, len - n, " vlan=%u vlan_proto=0x%04x (offloaded tag re-inserted)",
			      m->vlan_tci & 0x0fff, m->vlan_proto);
	return n < 0 ? 0 : (size_t)n;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }
static uint16_t get16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t get32(const uint8_t *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }

void oc_meta_encode(const struct oc_meta *m, uint8_t out[OC_META_WIRE_LEN])
{
	memset(out, 0, OC_META_WIRE_LEN);
	out[0] = OC_META_WIRE_VERSION;
	out[1] = m->point;
	out[2] = m->dir;
	out[3] = m->csum;
	out[4] = m->flags;
	put16(out + 6, m->gso_size);
	put16(out + 8, m->gso_segs);
	put16(out + 10, m->vlan_tci);
	put32(out + 12, m->gso_type);
	put16(out + 16, m->vlan_proto);
	put32(out + 20, m->rx_queue);
	put32(out + 24, m->ifindex);
	put32(out + 28, m->netns);
	put32(out + 32, m->len);
}

int oc_meta_decode(const uint8_t *in, size_t len, struct oc_meta *m)
{
	if (len < OC_META_WIRE_LEN || in[0] != OC_META_WIRE_VERSION)
		return -1;
	memset(m, 0, sizeof(*m));
	m->point = in[1];
	m->dir = in[2];
	m->csum = in[3];
	m->flags = in[4] | OC_META_VALID;
	m->gso_size = get16(in + 6);
	m->gso_segs = get16(in + 8);
	m->vlan_tci = get16(in + 10);
	m->gso_type = get32(in + 12);
	m->vlan_proto = get16(in + 16);
	m->rx_queue = get32(in + 20);
	m->ifindex = get32(in + 24);
	m->netns = get32(in + 28);
	m->len = get32(in + 32);
	return 0;
}
