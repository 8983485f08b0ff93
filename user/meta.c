#include "meta.h"

#include <ctype.h>
#include <stdbool.h>
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

/* ---- Interface Description Blocks ---- */

size_t oc_idb_name(const struct oc_idb_meta *m, int with_netns, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s%s%s@%s", with_netns && m->netns[0] ? m->netns : "",
			 with_netns && m->netns[0] ? "/" : "", m->ifname, oc_point_name(m->point));

	return n < 0 ? 0 : (size_t)n;
}

static bool plain_byte(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != ';' && c != '%';
}

/* Appends " key=value", the value percent-encoded. */
static size_t put_kv(char *buf, size_t len, size_t n, const char *key, const char *val)
{
	static const char hex[] = "0123456789ABCDEF";

	if (!val || !*val)
		return n;
	n += (size_t)snprintf(buf + (n < len ? n : len), n < len ? len - n : 0, " %s=", key);
	for (const unsigned char *v = (const unsigned char *)val; *v; v++) {
		char enc[4] = { (char)*v, 0 };

		if (!plain_byte(*v))
			enc[0] = '%', enc[1] = hex[*v >> 4], enc[2] = hex[*v & 15];
		n += (size_t)snprintf(buf + (n < len ? n : len), n < len ? len - n : 0, "%s", enc);
	}
	return n;
}

static size_t put_num(char *buf, size_t len, size_t n, const char *key, uint64_t v)
{
	char num[24];

	if (!v)
		return n;
	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	return put_kv(buf, len, n, key, num);
}

size_t oc_idb_descr(const struct oc_idb_meta *m, const char *text, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "%s", OC_IDB_MAGIC);

	n = put_kv(buf, len, n, "hook", m->point < OC_POINT_MAX ? oc_point_name(m->point) : NULL);
	n = put_kv(buf, len, n, "ifname", m->ifname);
	n = put_kv(buf, len, n, "netns", m->netns);
	n = put_num(buf, len, n, "netns_ino", m->netns_ino);
	n = put_num(buf, len, n, "ifindex", m->ifindex > 0 ? (uint64_t)m->ifindex : 0);
	n = put_kv(buf, len, n, "driver", m->driver);
	n = put_num(buf, len, n, "mtu", m->mtu);
	n = put_num(buf, len, n, "gso_max_size", m->gso_max_size);
	n = put_num(buf, len, n, "gso_max_segs", m->gso_max_segs);
	n = put_num(buf, len, n, "gro_max_size", m->gro_max_size);
	n = put_num(buf, len, n, "tso_max_size", m->tso_max_size);
	n = put_kv(buf, len, n, "features", m->features);
	if (text && *text)
		n += (size_t)snprintf(buf + (n < len ? n : len), n < len ? len - n : 0, " ; %s", text);
	return n;
}

static int unhex(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

/* Decodes the value at v (up to a space, ';' or the end) into out. */
static const char *get_value(const char *v, char *out, size_t len)
{
	size_t n = 0;

	for (; *v && *v != ' ' && *v != ';'; v++) {
		int c = (unsigned char)*v;

		if (c == '%' && unhex(v[1]) >= 0 && unhex(v[2]) >= 0) {
			c = unhex(v[1]) << 4 | unhex(v[2]);
			v += 2;
		}
		if (n + 1 < len)
			out[n++] = (char)c;
	}
	if (len)
		out[n] = '\0';
	return v;
}

static uint32_t to_u32(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	return *s && !*end && v <= UINT32_MAX ? (uint32_t)v : 0;
}

static void copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void set_key(struct oc_idb_meta *m, const char *key, size_t klen, const char *val)
{
#define KEY(k) (klen == sizeof(k) - 1 && !memcmp(key, k, klen))
	if (KEY("hook"))
		m->point = oc_point_parse(val) >= 0 ? (uint8_t)oc_point_parse(val) : OC_POINT_NONE;
	else if (KEY("ifname"))
		copy(m->ifname, sizeof(m->ifname), val);
	else if (KEY("netns"))
		copy(m->netns, sizeof(m->netns), val);
	else if (KEY("driver"))
		copy(m->driver, sizeof(m->driver), val);
	else if (KEY("features"))
		copy(m->features, sizeof(m->features), val);
	else if (KEY("netns_ino"))
		m->netns_ino = to_u32(val);
	else if (KEY("ifindex"))
		m->ifindex = (int32_t)to_u32(val);
	else if (KEY("mtu"))
		m->mtu = to_u32(val);
	else if (KEY("gso_max_size"))
		m->gso_max_size = to_u32(val);
	else if (KEY("gso_max_segs"))
		m->gso_max_segs = to_u32(val);
	else if (KEY("gro_max_size"))
		m->gro_max_size = to_u32(val);
	else if (KEY("tso_max_size"))
		m->tso_max_size = to_u32(val);
#undef KEY
}

static void parse_contract(const char *d, struct oc_idb_meta *m)
{
	char val[512];

	while (*d == ' ') {
		const char *key = ++d, *eq = d;

		while (*eq && *eq != '=' && *eq != ' ' && *eq != ';')
			eq++;
		if (*eq != '=')
			break;
		d = get_value(eq + 1, val, sizeof(val));
		set_key(m, key, (size_t)(eq - key), val);
	}
}

/* Older offcap files and other tools: "mtu=1500", "MTU 9000" anywhere. */
static uint32_t legacy_mtu(const char *s)
{
	for (const char *p = s; (p = strcasestr(p, "mtu")); p += 3) {
		if ((p == s || !isalnum((unsigned char)p[-1])) && (p[3] == '=' || p[3] == ' ') &&
		    isdigit((unsigned char)p[4])) {
			unsigned long v = strtoul(p + 4, NULL, 10);

			return v > UINT32_MAX ? 0 : (uint32_t)v;
		}
	}
	return 0;
}

/* "ns1/vx0@tc-egress": the hook after the last '@', the namespace before the
 * first '/' (interface names cannot hold '/'). */
static void parse_name(const char *name, struct oc_idb_meta *m)
{
	const char *at = strrchr(name, '@'), *slash;
	int pt = at ? oc_point_parse(at + 1) : -1;
	size_t n = pt >= 0 ? (size_t)(at - name) : strlen(name);

	m->point = pt >= 0 ? (uint8_t)pt : OC_POINT_NONE;
	slash = pt >= 0 ? memchr(name, '/', n) : NULL;
	if (slash) {
		snprintf(m->netns, sizeof(m->netns), "%.*s", (int)(slash - name), name);
		n -= (size_t)(slash + 1 - name);
		name = slash + 1;
	}
	snprintf(m->ifname, sizeof(m->ifname), "%.*s", (int)n, name);
}

int oc_idb_parse(const char *name, const char *descr, struct oc_idb_meta *m)
{
	size_t ml = sizeof(OC_IDB_MAGIC) - 1;

	memset(m, 0, sizeof(*m));
	parse_name(name ? name : "", m);
	descr = descr ? descr : "";
	if (strncmp(descr, OC_IDB_MAGIC, ml) || (descr[ml] && descr[ml] != ' ')) {
		m->mtu = legacy_mtu(descr);
		return 0;
	}
	parse_contract(descr + ml, m);
	return 1;
}
