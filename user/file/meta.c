#include "meta.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
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

const char *oc_xdp_action_name(uint64_t action)
{
	static const char *const names[OC_XDP_ACTIONS] = { "aborted", "drop", "pass", "tx", "redirect" };

	return action < OC_XDP_ACTIONS ? names[action] : "unknown";
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

/* Appenders for oc_meta_format: it runs for every packet a capture writes,
 * where snprintf cost more than the rest of the block. */
static char *app_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static char *app_u32(char *p, uint32_t v)
{
	char d[10];
	int n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		*p++ = d[--n];
	return p;
}

size_t oc_meta_format(const struct oc_meta *m, char *buf, size_t len)
{
	char out[512], vlan[96] = "", *p = out;
	size_t n;

	p = app_str(app_str(p, "point="), oc_point_name(m->point));
	p = app_u32(app_str(p, " len="), m->len);
	p = app_u32(app_str(p, " gso_size="), m->gso_size);
	p = app_u32(app_str(p, " gso_segs="), m->gso_segs);
	p = app_str(p, " gso_type=");
	if (m->flags & OC_META_NO_GSO_TYPE) {
		p = app_str(p, "unknown");
	} else {
		char *first = p;

		for (size_t i = 0; i < sizeof(gso_names) / sizeof(gso_names[0]); i++)
			if (m->gso_type & gso_names[i].bit)
				p = app_str(p == first ? p : app_str(p, "|"), gso_names[i].name);
		if (p == first)
			p = app_str(p, "none");
	}
	p = app_str(app_str(p, " csum="), oc_csum_name(m->csum));
	p = app_u32(app_str(p, " ifindex="), m->ifindex);
	p = app_u32(app_str(p, " netns_ino="), m->netns);
	p = app_u32(app_str(p, " v="), OC_META_COMMENT_VERSION);
	if (m->flags & OC_META_CUT_FULL)
		p = app_str(p, " cut=ring_full");
	if (m->flags & OC_META_VLAN) {
		format_vlan(m, vlan, sizeof(vlan));
		p = app_str(p, vlan);
	}
	n = (size_t)(p - out);
	if (len) {
		size_t k = n < len - 1 ? n : len - 1;

		memcpy(buf, out, k);
		buf[k] = '\0';
	}
	return n;
}

/* One "key=value" token of a comment; value is not terminated. */
struct meta_token {
	const char *key, *val;
	size_t klen, vlen;
};

static int next_token(const char **p, const char *end, struct meta_token *t)
{
	const char *s = *p, *eq = NULL;

	while (s < end && *s == ' ')
		s++;
	if (s == end)
		return 0;
	for (t->key = s; s < end && *s != ' '; s++)
		if (*s == '=' && !eq)
			eq = s;
	*p = s;
	t->klen = (size_t)((eq ? eq : s) - t->key);
	t->val = eq ? eq + 1 : s;
	t->vlen = (size_t)(s - t->val);
	return 1;
}

/* Token comparisons against string literals: the length is known at compile time. */
#define KEY_IS(t, lit) ((t)->klen == sizeof(lit) - 1 && !memcmp((t)->key, lit, sizeof(lit) - 1))
#define VAL_IS(t, lit) ((t)->vlen == sizeof(lit) - 1 && !memcmp((t)->val, lit, sizeof(lit) - 1))

static int val_is(const struct meta_token *t, const char *v)
{
	return t->vlen == strlen(v) && !memcmp(t->val, v, t->vlen);
}

/* Decimal, or hexadecimal with 0x; -1 if not a number up to max. By hand:
 * report, split and stats parse a comment per packet. */
static int parse_uint(const struct meta_token *t, uint32_t max, uint32_t *out)
{
	int hex = t->vlen > 2 && t->val[0] == '0' && t->val[1] == 'x';
	uint64_t v = 0;
	size_t i = hex ? 2 : 0;

	if (!t->vlen || t->vlen - i > (hex ? 8u : 10u))
		return -1;
	for (; i < t->vlen; i++) {
		char c = t->val[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
			   : hex && c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			   : hex && c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 99;

		if (d == 99)
			return -1;
		v = v * (hex ? 16 : 10) + d;
	}
	if (v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int parse_gso_type(const struct meta_token *t, struct oc_meta *m)
{
	const char *s = t->val, *end = t->val + t->vlen;

	if (VAL_IS(t, "unknown"))
		return m->flags |= OC_META_NO_GSO_TYPE, 0;
	if (VAL_IS(t, "none"))
		return 0;
	while (s < end) {
		const char *bar = memchr(s, '|', (size_t)(end - s));
		size_t n = bar ? (size_t)(bar - s) : (size_t)(end - s), i;

		for (i = 0; i < sizeof(gso_names) / sizeof(gso_names[0]); i++)
			if (n && gso_names[i].name[0] == s[0] && strnlen(gso_names[i].name, n + 1) == n &&
			    !memcmp(gso_names[i].name, s, n))
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
#define NUM_KEY(name, field, max) { name, sizeof(name) - 1, offsetof(struct meta_numbers, field), max }
	static const struct { const char *key; size_t klen, off; uint32_t max; } keys[] = {
		NUM_KEY("len", len, UINT32_MAX), NUM_KEY("gso_size", gso_size, UINT16_MAX),
		NUM_KEY("gso_segs", gso_segs, UINT16_MAX), NUM_KEY("ifindex", ifindex, UINT32_MAX),
		NUM_KEY("netns_ino", netns, UINT32_MAX), NUM_KEY("vlan", vlan, 0x0fff),
		NUM_KEY("vlan_proto", vlan_proto, UINT16_MAX), NUM_KEY("vlan_pcp", vlan_pcp, 7),
		NUM_KEY("vlan_dei", vlan_dei, 1), NUM_KEY("v", v, UINT32_MAX),
	};
#undef NUM_KEY

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (t->klen != keys[i].klen || memcmp(t->key, keys[i].key, t->klen))
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

static int meta_parse(const char *text, size_t len, struct oc_meta *out)
{
	const char *p = text, *end = text + len;
	struct meta_numbers n = { 0 };
	struct oc_meta m = { .flags = OC_META_VALID, .csum = OC_CSUM_UNKNOWN };
	struct meta_token t;
	uint32_t seen = 0;
	int rc;

	if (!text || !next_token(&p, end, &t) || !KEY_IS(&t, "point") || parse_point(&t, &m))
		return -1;
	while (next_token(&p, end, &t)) {
		if (KEY_IS(&t, "gso_type"))
			rc = parse_gso_type(&t, &m);
		else if (KEY_IS(&t, "csum"))
			rc = parse_csum(&t, &m);
		else if (KEY_IS(&t, "cut"))
			rc = (m.flags |= VAL_IS(&t, "ring_full") ? OC_META_CUT_FULL : 0, 0);
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

/* Readers parse one comment per packet, and a capture repeats the same few
 * comments (lengths, offload states): recent ones are kept with their result,
 * per thread, keyed by the whole text. */
#define PARSE_SLOTS 64
#define PARSE_TEXT 192

struct parse_slot {
	uint32_t len;		/* 0: empty */
	int rc;
	struct oc_meta m;
	char text[PARSE_TEXT];
};

static __thread struct parse_slot parse_cache[PARSE_SLOTS];

static uint32_t text_hash(const char *p, size_t len)
{
	uint64_t h = len * 0x9E3779B97F4A7C15ull, v;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&v, p + i, 8);
		h = (h ^ v) * 0x100000001B3ull;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ (uint8_t)p[i]) * 0x100000001B3ull;
	return (uint32_t)(h ^ (h >> 32));
}

int oc_meta_parse(const char *text, size_t len, struct oc_meta *out)
{
	struct parse_slot *c;
	struct oc_meta m = { 0 };
	int rc;

	if (!text || !len || len >= PARSE_TEXT)
		return meta_parse(text, len, out);
	c = &parse_cache[text_hash(text, len) % PARSE_SLOTS];
	if (c->len == len && !memcmp(c->text, text, len)) {
		if (!c->rc)
			*out = c->m;
		return c->rc;
	}
	rc = meta_parse(text, len, &m);
	c->len = (uint32_t)len;
	c->rc = rc;
	c->m = m;
	memcpy(c->text, text, len);
	if (!rc)
		*out = m;
	return rc;
}

static uint16_t get16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t get32(const uint8_t *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }

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

/* A counter, written even when 0 (put_num leaves 0 out as unknown). */
static size_t put_count(char *buf, size_t len, size_t n, const char *key, uint64_t v)
{
	return n + (size_t)snprintf(buf + (n < len ? n : len), n < len ? len - n : 0, " %s=%llu", key,
				    (unsigned long long)v);
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
	n = put_kv(buf, len, n, "peer", m->peer);
	n = put_num(buf, len, n, "peer_ifindex", m->peer_ifindex > 0 ? (uint64_t)m->peer_ifindex : 0);
	n = put_num(buf, len, n, "peer_mtu", m->peer_mtu);
	n = put_kv(buf, len, n, "xdp_mode", m->xdp_mode);
	n = put_kv(buf, len, n, "observer_effect", m->observer_effect);
	n = put_kv(buf, len, n, "gso_payload", m->gso_payload);
	if (m->has_counters) {
		n = put_count(buf, len, n, "rx_dropped", m->rx_dropped);
		n = put_count(buf, len, n, "rx_errors", m->rx_errors);
		n = put_count(buf, len, n, "tx_dropped", m->tx_dropped);
		n = put_count(buf, len, n, "tx_errors", m->tx_errors);
	}
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
	else if (KEY("peer"))
		copy(m->peer, sizeof(m->peer), val);
	else if (KEY("peer_ifindex"))
		m->peer_ifindex = (int32_t)to_u32(val);
	else if (KEY("peer_mtu"))
		m->peer_mtu = to_u32(val);
	else if (KEY("xdp_mode"))
		copy(m->xdp_mode, sizeof(m->xdp_mode), val);
	else if (KEY("observer_effect"))
		copy(m->observer_effect, sizeof(m->observer_effect), val);
	else if (KEY("gso_payload"))
		copy(m->gso_payload, sizeof(m->gso_payload), val);
	else if (KEY("rx_dropped"))
		m->rx_dropped = strtoull(val, NULL, 10), m->has_counters = 1;
	else if (KEY("rx_errors"))
		m->rx_errors = strtoull(val, NULL, 10), m->has_counters = 1;
	else if (KEY("tx_dropped"))
		m->tx_dropped = strtoull(val, NULL, 10), m->has_counters = 1;
	else if (KEY("tx_errors"))
		m->tx_errors = strtoull(val, NULL, 10), m->has_counters = 1;
#undef KEY
}

/* A separator between words of offcap's interface texts. */
static bool kv_sep(char c)
{
	return c == ' ' || c == ';' || c == '(';
}

int oc_kv_next(const char **p, const char *end, struct oc_kv *kv)
{
	const char *s = *p;

	while (s < end && *s) {
		const char *key, *eq;

		while (s < end && *s && kv_sep(*s))
			s++;
		for (key = eq = s; eq < end && *eq && *eq != '=' && !kv_sep(*eq); eq++)
			;
		if (eq < end && *eq == '=' && eq > key) {
			kv->key = key;
			kv->klen = (size_t)(eq - key);
			s = get_value(eq + 1, kv->val, sizeof(kv->val));
			*p = s < end ? s : end;
			return 1;
		}
		s = eq;	/* a word without '=' */
		while (s < end && *s && !kv_sep(*s))
			s++;
	}
	*p = s;
	return 0;
}

int oc_kv_get(const char *s, const char *key, char *out, size_t len)
{
	const char *end = s ? s + strlen(s) : NULL;
	struct oc_kv kv;

	while (s && oc_kv_next(&s, end, &kv))
		if (kv.klen == strlen(key) && !memcmp(kv.key, key, kv.klen)) {
			snprintf(out, len, "%s", kv.val);
			return 1;
		}
	if (len)
		out[0] = '\0';
	return 0;
}

/* The contract's words up to the free text (" ; "). */
static void parse_contract(const char *d, struct oc_idb_meta *m)
{
	const char *end = strstr(d, " ; ");
	struct oc_kv kv;

	end = end ? end : d + strlen(d);
	while (oc_kv_next(&d, end, &kv))
		set_key(m, kv.key, kv.klen, kv.val);
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

const char *oc_observer_effect_text(const char *code, size_t len)
{
	static const struct { const char *code, *text; } t[] = {
		{ "guest_offloads_off", "XDP made virtio-net switch off the host's receive offloads (guest "
		  "TSO/UFO/USO and checksum, through the control queue; ethtool -k still shows rx-gro-hw on): "
		  "the host sent wire-sized frames with full checksums instead of merged super-frames" },
		{ "gro_skipped", "generic XDP: the kernel skips GRO on this device while it is attached, so "
		  "tc-ingress shows wire frames, not merges" },
		{ "rx-lro:off", "attaching XDP turned the device's LRO off: it merges no received frames" },
		{ "rx-gro-hw:off", "attaching XDP turned the device's hardware GRO off" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strlen(t[i].code) == len && !memcmp(t[i].code, code, len))
			return t[i].text;
	return NULL;
}
