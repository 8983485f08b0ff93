#include "flow.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct oc_flow_table {
	struct oc_flow **bucket;
	uint32_t nbucket, count, limit;
	struct oc_flow *lru_head, *lru_tail;	/* head = most recently seen */
	struct oc_flow *free_list;
	uint64_t evicted, next_id;
};

struct oc_flow_table *oc_flows_new(uint32_t limit)
{
	struct oc_flow_table *t = calloc(1, sizeof(*t));
	uint32_t n = 1024;

	if (!t)
		return NULL;
	t->limit = limit ? limit : 1;
	while (n < t->limit * 2 && n < (1u << 24))
		n <<= 1;
	t->nbucket = n;
	t->bucket = calloc(n, sizeof(*t->bucket));
	if (!t->bucket) {
		free(t);
		return NULL;
	}
	return t;
}

static void free_chain(struct oc_flow *f, int lru)
{
	while (f) {
		struct oc_flow *next = lru ? f->lru_next : f->hnext;

		free(f);
		f = next;
	}
}

void oc_flows_free(struct oc_flow_table *t)
{
	if (!t)
		return;
	free_chain(t->lru_head, 1);
	free_chain(t->free_list, 0);
	free(t->bucket);
	free(t);
}

static uint32_t key_hash(const struct oc_flow_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return (uint32_t)(h ^ (h >> 32));
}

/* Canonical key: the lower (address, port) is side 0. */
static int make_key(const struct oc_parsed *p, struct oc_flow_key *k)
{
	const struct oc_layer *l = oc_flow(p);
	unsigned alen = l->ip.version == 6 ? 16 : 4;
	uint16_t sp, dp;
	int c;

	if (l->l4.kind == OC_L4_TCP) {
		sp = l->l4.tcp.sport;
		dp = l->l4.tcp.dport;
	} else if (l->l4.kind == OC_L4_UDP) {
		sp = l->l4.udp.sport;
		dp = l->l4.udp.dport;
	} else {
		return -1;
	}
	memset(k, 0, sizeof(*k));
	k->version = l->ip.version;
	k->proto = l->l4.proto;
	k->vni = p->has_inner ? p->tun.vni : 0;
	k->tunnel = p->has_inner ? p->tun.kind : OC_TUN_NONE;
	c = memcmp(l->ip.src, l->ip.dst, alen);
	if (c > 0 || (c == 0 && sp > dp)) {
		memcpy(k->addr[0], l->ip.dst, alen);
		memcpy(k->addr[1], l->ip.src, alen);
		k->port[0] = dp;
		k->port[1] = sp;
		return 1;
	}
	memcpy(k->addr[0], l->ip.src, alen);
	memcpy(k->addr[1], l->ip.dst, alen);
	k->port[0] = sp;
	k->port[1] = dp;
	return 0;
}

static void lru_unlink(struct oc_flow_table *t, struct oc_flow *f)
{
	if (f->lru_prev)
		f->lru_prev->lru_next = f->lru_next;
	else
		t->lru_head = f->lru_next;
	if (f->lru_next)
		f->lru_next->lru_prev = f->lru_prev;
	else
		t->lru_tail = f->lru_prev;
	f->lru_prev = f->lru_next = NULL;
}

static void lru_push(struct oc_flow_table *t, struct oc_flow *f)
{
	f->lru_prev = NULL;
	f->lru_next = t->lru_head;
	if (t->lru_head)
		t->lru_head->lru_prev = f;
	t->lru_head = f;
	if (!t->lru_tail)
		t->lru_tail = f;
}

static void evict_oldest(struct oc_flow_table *t)
{
	struct oc_flow *f = t->lru_tail, **pp;

	if (!f)
		return;
	for (pp = &t->bucket[key_hash(&f->key) & (t->nbucket - 1)]; *pp; pp = &(*pp)->hnext)
		if (*pp == f) {
			*pp = f->hnext;
			break;
		}
	lru_unlink(t, f);
	f->hnext = t->free_list;
	t->free_list = f;
	t->count--;
	t->evicted++;
}

static struct oc_flow *new_flow(struct oc_flow_table *t, const struct oc_flow_key *k, uint32_t h,
				uint64_t ts)
{
	struct oc_flow *f;

	if (t->count >= t->limit)
		evict_oldest(t);
	f = t->free_list;
	if (f)
		t->free_list = f->hnext;
	else if (!(f = malloc(sizeof(*f))))
		return NULL;
	memset(f, 0, sizeof(*f));
	f->key = *k;
	f->initiator = -1;
	f->first_ns = ts;
	f->id = t->next_id++;
	f->hnext = t->bucket[h];
	t->bucket[h] = f;
	t->count++;
	return f;
}

struct oc_flow *oc_flows_get(struct oc_flow_table *t, const struct oc_parsed *p, uint64_t ts_ns,
			     int *side)
{
	struct oc_flow_key k;
	struct oc_flow *f;
	uint32_t h;
	int swapped = make_key(p, &k);

	if (swapped < 0)
		return NULL;
	h = key_hash(&k) & (t->nbucket - 1);
	for (f = t->bucket[h]; f; f = f->hnext)
		if (!memcmp(&f->key, &k, sizeof(k)))
			break;
	if (f)
		lru_unlink(t, f);
	else if (!(f = new_flow(t, &k, h, ts_ns)))
		return NULL;
	lru_push(t, f);
	f->last_ns = ts_ns;
	f->tunnel = p->has_inner ? p->tun.kind : OC_TUN_NONE;
	f->encap = p->has_inner ? (uint16_t)(p->inner.ip.off - p->outer.ip.off) : 0;
	*side = swapped;
	return f;
}

uint64_t oc_flows_evicted(const struct oc_flow_table *t)
{
	return t->evicted;
}

uint32_t oc_flows_count(const struct oc_flow_table *t)
{
	return t->count;
}

static int by_id(const void *a, const void *b)
{
	const struct oc_flow *x = *(struct oc_flow *const *)a, *y = *(struct oc_flow *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

uint32_t oc_flows_list(const struct oc_flow_table *t, struct oc_flow **out, uint32_t max)
{
	uint32_t n = 0;

	for (struct oc_flow *f = t->lru_head; f && n < max; f = f->lru_next)
		out[n++] = f;
	qsort(out, n, sizeof(*out), by_id);
	return n;
}

int oc_flow_learn_tcp(struct oc_flow *f, int side, const struct oc_tcp *tcp, uint32_t payload)
{
	struct oc_flow_side *s = &f->side[side];
	int has_mss = !!(tcp->opt.present & OC_TCPOPT_MSS), clamp = 0;
	uint16_t mss = has_mss ? tcp->opt.mss : 0;

	if (tcp->flags & OC_TH_SYN) {
		if (s->syn_seen && s->syn_seq == tcp->seq && (s->mss != mss || s->has_mss != has_mss)) {
			if (!s->clamp_to)
				s->clamp_from = s->mss;
			s->clamp_to = mss;
			clamp = 1;
		}
		s->syn_seen = 1;
		s->syn_seq = tcp->seq;
		if (!(tcp->flags & OC_TH_ACK))
			f->initiator = (int8_t)side;
		s->has_mss = (uint8_t)has_mss;
		s->mss = mss;
		s->has_wscale = !!(tcp->opt.present & OC_TCPOPT_WSCALE);
		s->wscale = tcp->opt.wscale;
		s->sackok = !!(tcp->opt.present & OC_TCPOPT_SACKOK);
		s->ts = !!(tcp->opt.present & OC_TCPOPT_TS);
	} else if (payload) {
		s->opt_len = (uint8_t)tcp->opt.len;
		if (!s->opt_seen || s->opt_len > s->opt_max)
			s->opt_max = s->opt_len;
		s->opt_seen = 1;
	}
	return clamp;
}

void oc_flow_note_gso(struct oc_flow_side *s, uint16_t gso_size)
{
	for (unsigned i = 0; i < s->n_gso; i++)
		if (s->gso_size[i] == gso_size) {
			s->gso_count[i]++;
			return;
		}
	if (s->n_gso < OC_FLOW_GSO_SIZES) {
		s->gso_size[s->n_gso] = gso_size;
		s->gso_count[s->n_gso++] = 1;
	}
}

uint32_t oc_flow_segment_payload(const struct oc_flow *f, int side, uint32_t mtu)
{
	const struct oc_flow_side *me = &f->side[side], *peer = &f->side[!side];
	uint32_t iph = f->key.version == 6 ? 40 : 20, mss = peer->mss, opts;

	mtu = mtu > f->encap ? mtu - f->encap : 0;	/* the outer packet must fit the MTU */

	if (mtu > iph + 20 && (!mss || mss > mtu - iph - 20))
		mss = mtu - iph - 20;
	if (!mss)
		return 0;
	/* what its data segments carry; with only the handshake, timestamps if agreed */
	if (me->opt_seen)
		opts = me->opt_max;
	else
		opts = me->syn_seen && peer->syn_seen && me->ts && peer->ts ? 12 : 0;
	return mss > opts ? mss - opts : 0;
}

void oc_flow_format(const struct oc_flow *f, char *buf, size_t len)
{
	int a = f->initiator >= 0 ? f->initiator : 0, fam = f->key.version == 6 ? AF_INET6 : AF_INET;
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	inet_ntop(fam, f->key.addr[a], s, sizeof(s));
	inet_ntop(fam, f->key.addr[!a], d, sizeof(d));
	snprintf(buf, len, fam == AF_INET6 ? "[%s]:%u > [%s]:%u" : "%s:%u > %s:%u", s,
		 f->key.port[a], d, f->key.port[!a]);
}
