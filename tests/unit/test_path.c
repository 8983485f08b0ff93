/* Two vantage points: the clock estimate against a known offset and drift,
 * and the path's findings from units with known fates. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "path.h"

#define OFFSET_NS (11817ll * 1000000000ll)	/* 3 h 17 s */
#define T0 1700000000000000000ull

static struct oc_unit unit(uint64_t key, uint64_t group, uint64_t ts, uint8_t ttl, uint32_t len)
{
	struct oc_unit u = { .key = key, .group = group, .ts_ns = ts, .ttl = ttl, .wire_len = len,
			     .kind = OC_UNIT_TCP_DATA, .frame = key };

	u.tuple.version = 4;
	u.tuple.proto = 6;
	u.tuple.sport = (uint16_t)group;
	return u;
}

/* B's clock = A's + OFFSET + drift * t; delays at least 50 us each way */
static uint64_t b_clock(uint64_t t, double drift)
{
	return t + (uint64_t)OFFSET_NS + (uint64_t)(drift * (double)(t - T0));
}

static void test_clock(double drift, int both_ways)
{
	struct oc_clock_sampler *s = oc_clock_sampler_new(2);
	struct oc_clock c;
	uint64_t seed = 1;

	for (uint64_t i = 0; i < 200000; i++) {
		uint64_t t = T0 + i * 100000;	/* 20 s */
		uint64_t delay = 50000 + (seed = seed * 6364136223846793005ull + 1) % 400000;
		int b_sends = both_ways && (i & 1);
		struct oc_unit a = unit(i * 7919 + 1, b_sends ? 2 : 1, t, 64, 100);
		struct oc_unit b = a;

		if (b_sends) {	/* B sends at its t, A receives later */
			b.ts_ns = b_clock(t, drift);
			a.ts_ns = t + delay;
		} else {
			b.ts_ns = b_clock(t + delay, drift);
		}
		oc_clock_sample(s, 0, &a);
		oc_clock_sample(s, 1, &b);
	}
	oc_clock_estimate(s, 1, &c);
	CHECK(c.found, "clock: units in common found (drift %.0f ppm, %s)", drift * 1e6, both_ways ? "both ways" : "one way");
	CHECK(c.both_ways == both_ways, "clock: both ways is %d", both_ways);
	if (both_ways) {
		int64_t err = llabs(oc_clock_at(&c, T0 + 10000000000ull) - (int64_t)b_clock(T0 + 10000000000ull, drift));

		CHECK(err <= c.uncertainty_ns && c.uncertainty_ns < 100000,
		      "clock: offset within its uncertainty (error %lld ns, uncertainty %lld ns)", (long long)err,
		      (long long)c.uncertainty_ns);
		CHECK(c.drift > drift - 2e-6 && c.drift < drift + 2e-6, "clock: drift %.2f ppm (true %.2f)", c.drift * 1e6,
		      drift * 1e6);
	} else {
		int64_t err = oc_clock_at(&c, T0) - (int64_t)b_clock(T0, drift);

		CHECK(err >= 0 && err <= 60000, "clock one way: the offset is high by the smallest delay (%lld ns)",
		      (long long)err);
	}
	oc_clock_sampler_free(s);
}

static void test_no_common(void)
{
	struct oc_clock_sampler *s = oc_clock_sampler_new(2);
	struct oc_unit a = unit(1, 1, T0, 64, 100), b = unit(2, 1, T0, 64, 100);
	struct oc_clock c;

	oc_clock_sample(s, 0, &a);
	oc_clock_sample(s, 1, &b);
	oc_clock_estimate(s, 1, &c);
	CHECK(!c.found && c.offset_ns == 0, "clock: nothing in common, the clock is left alone");
	oc_clock_sampler_free(s);
}

struct fate {
	uint32_t len;
	int copies;		/* at B: 0 lost, 2 duplicated */
	int late;		/* arrives after the next one */
};

/* A sends n units 1 ms apart; B gets them 100 us later as fates say. */
static const struct oc_path_dir *run_path(struct oc_path **pp, const struct fate *f, unsigned n, int dropped)
{
	struct oc_path_opts o = { .window_ns = 1000000000ull };
	struct oc_path *p = oc_path_new(&o);
	struct oc_unit_src *src[2] = { NULL, NULL };

	oc_path_span(p, 0, T0, T0 + 100000000000ull, 0);
	oc_path_span(p, 1, T0, T0 + 100000000000ull, dropped);
	for (unsigned i = 0; i < n; i++) {
		uint64_t t = T0 + i * 1000000ull;
		struct oc_unit a = unit(1000 + i, 5, t, 64, f[i].len), b = unit(1000 + i, 9, 0, 63, f[i].len);

		oc_path_unit(p, 0, &a);
		for (int c = 0; c < f[i].copies && !f[i].late; c++) {
			b.ts_ns = t + 100000 + (uint64_t)c;
			oc_path_unit(p, 1, &b);
		}
		if (i && f[i - 1].late) {	/* the previous one, overtaken */
			struct oc_unit l = unit(1000 + i - 1, 9, t + 200000, 63, f[i - 1].len);

			oc_path_unit(p, 1, &l);
		}
	}
	oc_path_finish(p, src);
	*pp = p;
	return oc_path_ndirs(p) ? oc_path_dir(p, 0) : NULL;
}

static void test_faults(void)
{
	struct fate f[100];
	const struct oc_path_dir *d;
	struct oc_path *p;
	uint64_t med, p99;

	for (unsigned i = 0; i < 100; i++)
		f[i] = (struct fate){ .len = 1500, .copies = 1 };
	f[50].copies = 0;
	f[70].copies = 2;
	f[80].late = 1;
	d = run_path(&p, f, 100, 0);
	CHECK(d != NULL, "path: one flow direction");
	if (d) {
		CHECK_EQ(d->sent, 100, "path: 100 sent");
		CHECK_EQ(d->lost, 1, "path: one lost");
		CHECK_EQ(d->duplicated, 1, "path: one duplicated");
		CHECK_EQ(d->reordered, 1, "path: one reordered");
		CHECK_EQ(d->count[OC_FIND_BLACKHOLE], 0, "path: a loss among arrivals of the same size is no black hole");
		CHECK(d->hops_min == 1 && d->hops_max == 1, "path: one hop");
		CHECK(d->sent_as.sport == 5 && d->arrived_as.sport == 9 && d->count[OC_FIND_NAT],
		      "path: the tuple differs at the two ends: translated");
		oc_path_delay(d, &med, &p99);
		CHECK(med > 90000 && med < 110000, "path: median delay 100 us (%llu)", (unsigned long long)med);
	}
	oc_path_free(p);
	for (unsigned i = 0; i < 100; i++)
		f[i] = (struct fate){ .len = i % 4 ? 1500 : 80, .copies = i % 4 ? 0 : 1 };
	d = run_path(&p, f, 100, 0);
	CHECK(d && d->count[OC_FIND_BLACKHOLE] == 75 && !d->count[OC_FIND_LOSS],
	      "path: only the 1500-byte units lost: a black hole, not a loss");
	oc_path_free(p);
	d = run_path(&p, f, 100, 1);
	CHECK(d && !d->lost && !d->count[OC_FIND_BLACKHOLE] && d->outside == 75,
	      "path: the receiving capture dropped packets itself: what it lacks is not lost on the path");
	oc_path_free(p);
}

static void test_texts(void)
{
	for (unsigned f = 0; f < OC_FIND_MAX; f++)
		CHECK(strcmp(oc_finding_id(f), "?") && strcmp(oc_finding_text(f), "?"), "finding %u has an id and a text", f);
	CHECK(!oc_finding_is_fault(OC_FIND_TUNNEL) && oc_finding_is_fault(OC_FIND_BLACKHOLE),
	      "a tunnel is what the path is, a black hole a fault");
}

int main(void)
{
	test_clock(0, 1);
	test_clock(20e-6, 1);
	test_clock(0, 0);
	test_no_common();
	test_faults();
	test_texts();
	return check_done();
}
