/* Relative TCP sequence numbers as tcpdump makes them: per conversation
 * (both directions in one entry, ordered by port then address), the seq and
 * ack of its first ACK-carrying packet, reset by a SYN.  A fixed table: a
 * conversation whose slot is taken by a newer one starts over (its next
 * packet prints absolute numbers again, as a new conversation would). */
#include <stdlib.h>
#include <string.h>

#include "pr.h"

#define SLOTS 16384u	/* power of two */
#define PROBE 8u

struct key {
	uint8_t src[16], dst[16];
	uint32_t ports;
	uint8_t version;
};

struct slot {
	struct key k;
	uint8_t used;
	struct oc_seq_entry e;
};

struct oc_seq_table {
	struct slot s[SLOTS];
};

static uint32_t hash(const struct key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void make_key(const struct oc_ip *ip, uint16_t sport, uint16_t dport, struct key *k, int *rev)
{
	unsigned alen = ip->version == 6 ? 16 : 4;

	memset(k, 0, sizeof(*k));
	*rev = sport > dport || (sport == dport && memcmp(ip->src, ip->dst, alen) > 0);
	memcpy(k->src, *rev ? ip->dst : ip->src, alen);
	memcpy(k->dst, *rev ? ip->src : ip->dst, alen);
	k->ports = *rev ? (uint32_t)dport << 16 | sport : (uint32_t)sport << 16 | dport;
	k->version = ip->version;
}

struct oc_seq_entry *pr_seq_find(struct oc_printer *pr, const struct oc_ip *ip, uint16_t sport,
				 uint16_t dport, int *rev, int *found)
{
	struct key k;
	uint32_t h;
	struct slot *free_slot = NULL;

	if (!pr->seqs && !(pr->seqs = calloc(1, sizeof(*pr->seqs))))
		return NULL;
	make_key(ip, sport, dport, &k, rev);
	h = hash(&k);
	for (unsigned i = 0; i < PROBE; i++) {
		struct slot *s = &pr->seqs->s[(h + i) & (SLOTS - 1)];

		if (s->used && !memcmp(&s->k, &k, sizeof(k))) {
			*found = 1;
			return &s->e;
		}
		if (!s->used && !free_slot)
			free_slot = s;
	}
	if (!free_slot)
		free_slot = &pr->seqs->s[h & (SLOTS - 1)];
	free_slot->k = k;
	free_slot->used = 1;
	*found = 0;
	return &free_slot->e;
}

void oc_printer_free(struct oc_printer *pr)
{
	free(pr->seqs);
	pr->seqs = NULL;
}
