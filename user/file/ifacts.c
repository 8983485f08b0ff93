#include "ifacts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta.h"

size_t oc_counters_format(const struct oc_counters *c, char *buf, size_t len)
{
	int n = snprintf(buf, len, "rx_dropped=%llu rx_errors=%llu tx_dropped=%llu tx_errors=%llu",
			 (unsigned long long)c->rx_dropped, (unsigned long long)c->rx_errors,
			 (unsigned long long)c->tx_dropped, (unsigned long long)c->tx_errors);

	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len;
}

/* "counters at end: rx_dropped=N ...": the four counters after tag, all or none. */
static int parse_counters(const char *s, const char *tag, struct oc_counters *c)
{
	static const char *const keys[4] = { "rx_dropped", "rx_errors", "tx_dropped", "tx_errors" };
	const char *p = s ? strstr(s, tag) : NULL;
	uint64_t v[4];
	char val[32];

	if (!p)
		return 0;
	for (unsigned i = 0; i < 4; i++) {
		if (!oc_kv_get(p + strlen(tag), keys[i], val, sizeof(val)))
			return 0;
		v[i] = strtoull(val, NULL, 10);
	}
	*c = (struct oc_counters){ v[0], v[1], v[2], v[3] };
	return 1;
}

/* One feature's state in the contract's list "tso:on,gso:off,...": 1, 0, -1 unknown. */
static int feature_state(const char *list, const char *name)
{
	size_t k = strlen(name);

	for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, name, k) && p[k] == ':')
			return !strncmp(p + k + 1, "on", 2) ? 1 : !strncmp(p + k + 1, "off", 3) ? 0 : -1;
	return -1;
}

static void read_features(const char *list, struct oc_iface_facts *f)
{
	f->gro = feature_state(list, "gro");
	f->lro = feature_state(list, "lro");
	f->gro_hw = feature_state(list, "gro-hw");
	f->tso = feature_state(list, "tso");
	f->tso6 = feature_state(list, "tso6");
	f->uso = feature_state(list, "uso");
}

/* offcap's description contract (user/file/meta.h), as the report's facts. */
static void facts_of_contract(const struct oc_idb_meta *m, struct oc_iface_facts *f)
{
	f->ifindex = m->ifindex;
	f->peer_ifindex = m->peer_ifindex;
	f->peer_mtu = m->peer_mtu;
	snprintf(f->peer_name, sizeof(f->peer_name), "%s", m->peer);
	snprintf(f->netns, sizeof(f->netns), "%s", m->netns);
	snprintf(f->driver, sizeof(f->driver), "%s", m->driver);
	read_features(m->features, f);
	snprintf(f->xdp_mode, sizeof(f->xdp_mode), "%s", m->xdp_mode);
	snprintf(f->observer_effect, sizeof(f->observer_effect), "%s", m->observer_effect);
	snprintf(f->gso_payload, sizeof(f->gso_payload), "%s", m->gso_payload);
	if ((f->has_start = m->has_counters))
		f->start = (struct oc_counters){ m->rx_dropped, m->rx_errors, m->tx_dropped, m->tx_errors };
}

/* offcap 0.1.0's "offcap hook=... ; mtu=1500 driver=veth ifindex=5 netns=ns1;
 * features at start: tso=on gso=on ...", read with the same key=value reader. */
static int onoff(const char *descr, const char *key)
{
	char v[16];

	return !oc_kv_get(descr, key, v, sizeof(v)) ? -1 : !strcmp(v, "on") ? 1 : !strcmp(v, "off") ? 0 : -1;
}

/* offcap 0.1.0's "offcap hook=... ; mtu=1500 driver=veth ifindex=5 netns=ns1;
 * features at start: tso=on gso=on ...", read with the same key=value reader. */
static void facts_of_010(const char *descr, struct oc_iface_facts *f)
{
	char v[32];

	f->ifindex = oc_kv_get(descr, "ifindex", v, sizeof(v)) ? atoi(v) : 0;
	oc_kv_get(descr, "netns", f->netns, sizeof(f->netns));
	oc_kv_get(descr, "driver", f->driver, sizeof(f->driver));
	f->gro = onoff(descr, "gro");
	f->lro = onoff(descr, "lro");
	f->gro_hw = onoff(descr, "gro-hw");
	f->tso = onoff(descr, "tso");
	f->tso6 = onoff(descr, "tso6");
	f->uso = onoff(descr, "uso");
}

void oc_iface_facts_parse(const char *descr, const char *isb_comment, struct oc_iface_facts *f)
{
	struct oc_idb_meta m;

	memset(f, 0, sizeof(*f));
	f->gro = f->lro = f->gro_hw = f->tso = f->tso6 = f->uso = -1;
	f->has_end = parse_counters(isb_comment, OC_COUNTERS_END, &f->end);
	if (oc_idb_parse(NULL, descr, &m) == 1)
		facts_of_contract(&m, f);
	else if (descr && !strncmp(descr, "offcap ", 7))
		facts_of_010(descr, f);
}
