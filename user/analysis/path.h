/* Two vantage points, one story: captures from the ends of a path, their
 * clocks aligned from the traffic itself and their packets matched across
 * GSO and GRO (user/analysis/unit.h), and what happened on the path between them.
 *
 * Clocks (oc_clock_estimate): a unit seen in both captures gives
 * d = t_B - t_A. Sent by A, d = delay + offset >= offset; sent by B,
 * d = offset - delay <= offset. So the offset lies between the largest d of
 * B's units and the smallest of A's (as NTP reasons with its minimum delays);
 * the estimate is the middle, the uncertainty half the gap. Done per slice
 * of the capture, a line through the slices gives the drift. Memory stays
 * bounded: units are sampled by key, the same keys at both ends.
 *
 * Path (oc_path_*): units in corrected time order; one sent at one end and
 * received at the other is matched within a window; what is left is lost
 * (or duplicated), and the fields that differ between the two copies say what
 * the path changed. Findings name frames of the merged order. */
#ifndef OFFCAP_PATH_H
#define OFFCAP_PATH_H

#include <stdint.h>
#include <stdio.h>
#include "findings.h"
#include "unit.h"

struct oc_clock {
	int64_t offset_ns;	/* B's clock minus A's at ref_ns (A's clock) */
	double drift;		/* d offset / d t, dimensionless (1e-6 = 1 ppm) */
	int64_t uncertainty_ns;	/* half the gap between the two directions' bounds */
	uint64_t ref_ns;
	uint64_t pairs;		/* units seen in both captures (sampled) */
	uint32_t slices;	/* slices with traffic both ways */
	int both_ways;		/* 0: one way only, the offset assumes no delay */
	int found;		/* 0: no unit in common: the clocks are left as they are */
};

/* B's clock at A's time t: t + offset + drift * (t - ref) */
int64_t oc_clock_at(const struct oc_clock *c, uint64_t t_a);

struct oc_clock_sampler;
struct oc_clock_sampler *oc_clock_sampler_new(unsigned nfiles);
void oc_clock_sampler_free(struct oc_clock_sampler *s);
/* Feed a unit of capture `file` (pass over every capture once). */
void oc_clock_sample(struct oc_clock_sampler *s, unsigned file, const struct oc_unit *u);
/* The clock of capture `file` against capture 0. */
void oc_clock_estimate(struct oc_clock_sampler *s, unsigned file, struct oc_clock *out);

/* What the path did, per flow direction and kind of finding: one row each
 * (findings.h); the flag: 1 a fault of the path, 0 what the path is
 * (fragmenting senders, tunnels).  The id is the JSON key and test handle. */
#define OC_PATH_FINDINGS(X) \
	/* sent at one end, never arrived at the other */ \
	X(OC_FIND_LOSS, "loss", "lost on the path", 1) \
	/* only the large packets lost */ \
	X(OC_FIND_BLACKHOLE, "mtu_black_hole", "MTU black hole: only the large packets lost", 1) \
	X(OC_FIND_DUPLICATE, "duplicated", "duplicated on the path", 1)	/* arrived more often than sent */ \
	X(OC_FIND_REORDER, "reordered", "reordered on the path", 1)	/* in another order than sent */ \
	/* a SYN's MSS option changed on the way: a clamp */ \
	X(OC_FIND_MSS_REWRITE, "mss_rewritten", "MSS option rewritten on the path (an MSS clamp)", 1) \
	X(OC_FIND_TOS_REWRITE, "tos_rewritten", "DSCP/ECN rewritten on the path", 1) \
	/* the hop count changed during the flow */ \
	X(OC_FIND_TTL_CHANGE, "hops_changed", "hop count changed during the flow (a route change)", 1) \
	X(OC_FIND_NAT, "translated", "addresses or ports translated on the path (NAT)", 1) \
	/* encapsulated at one end, not at the other */ \
	X(OC_FIND_TUNNEL, "tunnel", "encapsulated between the two captures", 0) \
	/* sent whole, arrived in IP fragments */ \
	X(OC_FIND_FRAGMENTED_PATH, "fragmented_on_path", "sent whole, fragmented on the path", 1) \
	/* sent in IP fragments by the sender (no DF) */ \
	X(OC_FIND_FRAGMENTED_SENDER, "fragmented_by_sender", "IP-fragmented by the sender (no DF)", 0) \
	/* a fragmented datagram not reassembled at the receiver */ \
	X(OC_FIND_FRAG_LOST, "fragments_lost", "fragmented datagrams not reassembled (a fragment lost)", 1)

enum oc_finding { OC_PATH_FINDINGS(OC_FINDING_ENUM) OC_FIND_MAX };

/* id (JSON key and test handle) and a person's heading, one row per finding */
const char *oc_finding_id(unsigned f);
const char *oc_finding_text(unsigned f);
/* 1: a fault of the path; 0: what the path is (fragmenting senders, tunnels) */
int oc_finding_is_fault(unsigned f);

#define OC_PATH_DELAY_BINS 192	/* 8 a doubling from 1 us */

struct oc_path_dir {
	struct oc_tuple sent_as, arrived_as;	/* the tuple at the sender, at the receiver */
	uint8_t from, to;		/* capture indexes */
	uint8_t kind;			/* enum oc_unit_kind of its first unit */
	uint64_t sent, arrived, lost, duplicated, reordered, outside;
	uint64_t first_frame;
	uint64_t example[OC_FIND_MAX];	/* a frame per finding; 0 none */
	uint64_t count[OC_FIND_MAX];
	uint32_t max_sent_len, max_arrived_len, min_lost_len, max_lost_len;
	uint16_t mss_sent, mss_arrived;
	uint8_t tos_sent, tos_arrived;
	uint8_t hops_min, hops_max, hops_known;
	uint8_t tunnel_sent, tunnel_arrived;
	uint32_t vni;
	uint32_t frags_sent_max, frags_arrived_max;
	uint64_t datagrams_fragmented;
	uint32_t icmp_mtu;		/* an ICMP too-big about it, at either end */
	uint64_t icmp_frame;
	uint64_t delay_n, delay_bins[OC_PATH_DELAY_BINS];	/* one-way delay, log2 of ns */
	uint64_t max_arrived_idx;	/* the latest-sent unit arrived so far */
};

struct oc_path_opts {
	uint64_t window_ns;	/* how long a unit waits for its other end (default 5 s) */
	uint32_t max_pending;	/* units waiting at once (default 4 M) */
	uint32_t max_dirs;	/* flow directions tracked (default 65536) */
};

struct oc_path;
/* Two captures, A = 0 and B = 1. */
struct oc_path *oc_path_new(const struct oc_path_opts *o);
void oc_path_free(struct oc_path *p);
/* Units in corrected time order; file is 0 or 1. */
void oc_path_unit(struct oc_path *p, unsigned file, const struct oc_unit *u);
/* A capture's time span (corrected), for units the other capture could not
 * see, and whether it dropped packets itself: a unit it lacks is then no
 * loss of the path's. */
void oc_path_span(struct oc_path *p, unsigned file, uint64_t first_ns, uint64_t last_ns, int dropped);
/* Match what waits, then judge each flow direction; src[i]: capture i's
 * unit source, for ICMP too-big messages. */
void oc_path_finish(struct oc_path *p, struct oc_unit_src *const src[2]);
uint32_t oc_path_ndirs(const struct oc_path *p);
const struct oc_path_dir *oc_path_dir(const struct oc_path *p, uint32_t i);
/* One line on finding f of d: what, how many, which frame; labels name
 * the two captures. */
void oc_path_detail(const struct oc_path_dir *d, unsigned f, const char *const labels[2], char *buf,
		    size_t len);
/* Median and 99th percentile one-way delay, ns (0 when none measured) */
void oc_path_delay(const struct oc_path_dir *d, uint64_t *median, uint64_t *p99);

#endif
