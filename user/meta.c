#include "meta.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
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

static void format_vlan(const struct oc_meta *m, char *buf, size_t len)
{
	unsigned pcp = m->vlan_tci >> 13, dei = (m->vlan_tci >> 12) & 1;
	int n = snprintf(buf, len, " vlan=%u vlan_proto=0x%04x", m->vlan_tci & 0x0fff, m->vlan_proto);

	if (pcp && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, " vlan_pcp=%u", pcp);
	if (dei && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, " vlan_dei=1");
	if (n > 0 && (size_t)n < len)
		snprintf(buf + n, len - n, " (offloaded tag re-inserted)");
}

size_t oc_meta_format(const struct oc_meta *m, char *buf, size_t len)
{
	char gso[160], vlan[96] = "";
	int n;

	if (m->flags & OC_META_NO_GSO_TYPE)
		snprintf(gso, sizeof(gso), "unknown");
	else
		oc_gso_format(m->gso_type, gso, sizeof(gso));
	if (m->flags & OC_META_VLAN)
		format_vlan(m, vlan, sizeof(vlan));
	n = snprintf(buf, len, "point=%s len=%u gso_size=%u gso_segs=%u gso_type=%s csum=%s"
		     " ifindex=%u netns_ino=%u v=%d%s",
		     oc_point_name(m->point), m->len, m->gso_size, m->gso_segs, gso,
		     oc_csum_name(m->csum), m->ifindex, m->netns, OC_META_COMMENT_VERSION, vlan);
	return n < 0 ? 0 : (size_t)n;
}

/* One "key=value" token of a comment; value is not terminated. */
struct meta_token {
	const char *key, *val;
	size_t klen, vlen;
};

static int next_token(const char **p, const char *end, struct meta_token *t)
{
	const char *s = *p, *eq;

	while (s < end && *s == ' ')
		s++;
	if (s == end)
		return 0;
	t->key = s;
	while (s < end && *s != ' ')
		s++;
	*p = s;
	eq = memchr(t->key, '=', (size_t)(s - t->key));
	t->klen = eq ? (size_t)(eq - t->key) : (size_t)(s - t->key);
	t->val = eq ? eq + 1 : s;
	t->vlen = (size_t)(s - t->val);
	return 1;
}

static int key_is(const struct meta_token *t, const char *key)
{
	return t->klen == strlen(key) && !memcmp(t->key, key, t->klen);
}

static int val_is(const struct meta_token *t, const char *v)
{
	return t->vlen == strlen(v) && !memcmp(t->val, v, t->vlen);
}

/* Decimal, or hexadecimal with 0x; -1 if not a number up to max. */
static int parse_uint(const struct meta_token *t, uint32_t max, uint32_t *out)
{
	char buf[24], *end;
	unsigned long v;

	if (!t->vlen || t->vlen >= sizeof(buf) || t->val[0] == '-' || t->val[0] == '+')
		return -1;
	memcpy(buf, t->val, t->vlen);
	buf[t->vlen] = '\0';
	errno = 0;
	v = strtoul(buf, &end, t->vlen > 2 && buf[1] == 'x' ? 16 : 10);
	if (errno || *end || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int parse_gso_type(const struct meta_token *t, struct oc_meta *m)
{
	const char *s = t->val, *end = t->val + t->vlen;

	if (val_is(t, "unknown"))
		return m->flags |= OC_META_NO_GSO_TYPE, 0;
	if (val_is(t, "none"))
		return 0;
	while (s < end) {
		const char *bar = memchr(s, '|', (size_t)(end - s));
		size_t n = bar ? (size_t)(bar - s) : (size_t)(end - s), i;

		for (i = 0; i < sizeof(gso_names) / sizeof(gso_names[0]); i++)
			if (strlen(gso_names[i].name) == n && !memcmp(gso_names[i].name, s, n))
				break;
		if (i == sizeof(gso_names) / sizeof(gso_names[0]))
			return -1;
		m->gso_type |= gso_names[i].bit;
		s += n + (bar != NULL);
	}
	return 0;
}

static int parse_csum(const struct meta_token *t, struct oc_meta *m)
{
	static const uint8_t states[] = { OC_CSUM_NONE, OC_CSUM_UNNECESSARY, OC_CSUM_COMPLETE,
					  OC_CSUM_PARTIAL, OC_CSUM_UNKNOWN };

	for (size_t i = 0; i < sizeof(states); i++)
		if (val_is(t, oc_csum_name(states[i])))
			return m->csum = states[i], 0;
	return -1;
}

static int parse_point(const struct meta_token *t, struct oc_meta *m)
{
	char name[32];
	int point;

	if (t->vlen >= sizeof(name))
		return -1;
	memcpy(name, t->val, t->vlen);
	name[t->vlen] = '\0';
	if ((point = oc_point_parse(name)) < 0)
		return -1;
	m->point = (uint8_t)point;
	m->dir = oc_hooks[point].dir;
	return 0;
}

/* The numeric keys: where each goes and its largest value. */
struct meta_numbers {
	uint32_t len, gso_size, gso_segs, ifindex, netns, vlan, vlan_proto, vlan_pcp, vlan_dei, v;
};

static int parse_number(const struct meta_token *t, struct meta_numbers *n, uint32_t *seen)
{
	static const struct { const char *key; size_t off; uint32_t max; } keys[] = {
		{ "len", offsetof(struct meta_numbers, len), UINT32_MAX },
		{ "gso_size", offsetof(struct meta_numbers, gso_size), UINT16_MAX },
		{ "gso_segs", offsetof(struct meta_numbers, gso_segs), UINT16_MAX },
		{ "ifindex", offsetof(struct meta_numbers, ifindex), UINT32_MAX },
		{ "netns_ino", offsetof(struct meta_numbers, netns), UINT32_MAX },
		{ "vlan", offsetof(struct meta_numbers, vlan), 0x0fff },
		{ "vlan_proto", offsetof(struct meta_numbers, vlan_proto), UINT16_MAX },
		{ "vlan_pcp", offsetof(struct meta_numbers, vlan_pcp), 7 },
		{ "vlan_dei", offsetof(struct meta_numbers, vlan_dei), 1 },
		{ "v", offsetof(struct meta_numbers, v), UINT32_MAX },
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!key_is(t, keys[i].key))
			continue;
		*seen |= 1u << i;
		return parse_uint(t, keys[i].max, (uint32_t *)((char *)n + keys[i].off));
	}
	return 0;	/* unknown keys are for later versions: skipped */
}

#define SEEN_LEN 0x1u
#define SEEN_VLAN 0x20u

static void apply_numbers(const struct meta_numbers *n, uint32_t seen, struct oc_meta *m)
{
	m->len = n->len;
	m->gso_size = (uint16_t)n->gso_size;
	m->gso_segs = (uint16_t)n->gso_segs;
	m->ifindex = n->ifindex;
	m->netns = n->netns;
	if (seen & SEEN_VLAN) {
		m->flags |= OC_META_VLAN;
		m->vlan_tci = (uint16_t)(n->vlan | n->vlan_dei << 12 | n->vlan_pcp << 13);
		m->vlan_proto = (uint16_t)n->vlan_proto;
	}
}

int oc_meta_parse(const char *text, size_t len, struct oc_meta *out)
{
	const char *p = text, *end = text + len;
	struct meta_numbers n = { 0 };
	struct oc_meta m = { .flags = OC_META_VALID, .csum = OC_CSUM_UNKNOWN };
	struct meta_token t;
	uint32_t seen = 0;
	int rc;

	if (!text || !next_token(&p, end, &t) || !key_is(&t, "point") || parse_point(&t, &m))
		return -1;
	while (next_token(&p, end, &t)) {
		if (key_is(&t, "gso_type"))
			rc = parse_gso_type(&t, &m);
		else if (key_is(&t, "csum"))
			rc = parse_csum(&t, &m);
		else
			rc = parse_number(&t, &n, &seen);
		if (rc)
			return -1;
	}
	if (!(seen & SEEN_LEN))
		return -1;
	apply_numbers(&n, seen, &m);
	*out = m;
	return 0;
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
