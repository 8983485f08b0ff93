/* Minimal unit-test support: one "ok"/"not ok" line per check, as tests/run.sh counts them. */
#ifndef OFFCAP_CHECK_H
#define OFFCAP_CHECK_H

#include <stdio.h>

static int check_failed;
static int check_count;

#define CHECK(cond, ...) do {						\
	check_count++;							\
	if (cond) {							\
		printf("ok - ");					\
	} else {							\
		check_failed++;						\
		printf("not ok - %s:%d: (%s) ", __FILE__, __LINE__, #cond); \
	}								\
	printf(__VA_ARGS__);						\
	printf("\n");							\
} while (0)

/* A check that cannot run here: tests/run.sh counts it skipped, never passed. */
#define SKIP(...) do {							\
	check_count++;							\
	printf("ok - # SKIP ");						\
	printf(__VA_ARGS__);						\
	printf("\n");							\
} while (0)

#define CHECK_EQ(a, b, ...) do {					\
	long long _a = (long long)(a), _b = (long long)(b);		\
	CHECK(_a == _b, __VA_ARGS__);					\
	if (_a != _b)							\
		printf("#   got %lld, want %lld\n", _a, _b);		\
} while (0)

static inline int check_done(void)
{
	fflush(stdout);
	return check_failed ? 1 : 0;
}

#endif
