/*
 * unit.h
 *	  A minimal test runner for the pure-C core: no server, no framework.
 *
 * Each test file defines a suite function that runs its tests with
 * RUN(test_fn); suites are listed in suites.h.  A test fails if any CHECK
 * in it fails; the runner prints one line per test and a closing
 * "unit: N passed, M failed" line.
 */
#ifndef HACK_UNIT_H
#define HACK_UNIT_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "rng.h"

extern int	unit_current_failures;

extern void unit_fail(const char *file, int line, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));
extern void unit_run(const char *name, void (*fn) (void));

#define RUN(fn) unit_run(#fn, fn)

/* Number of elements of an array, as PostgreSQL's c.h defines it. */
#define lengthof(array) (sizeof(array) / sizeof((array)[0]))

#define CHECK(cond) \
	do { if (!(cond)) unit_fail(__FILE__, __LINE__, "%s", #cond); } while (0)

/* |a - b| <= tol * max(1, |b|): relative for large values, absolute near 0 */
#define CHECK_CLOSE(a, b, tol) \
	do { \
		double a_ = (a), b_ = (b); \
		double s_ = fabs(b_) > 1.0 ? fabs(b_) : 1.0; \
		if (!(fabs(a_ - b_) <= (tol) * s_)) \
			unit_fail(__FILE__, __LINE__, "%s = %.17g, expected %s = %.17g (tol %g)", \
					  #a, a_, #b, b_, (double) (tol)); \
	} while (0)

/*
 * True under `make unitcheck-valgrind` (HACK_UNIT_SMALL=1): suites shrink
 * or skip their large statistical cases, which exercise no code the small
 * cases do not, so that memcheck finishes in minutes.
 */
static inline bool
unit_small(void)
{
	const char *s = getenv("HACK_UNIT_SMALL");

	return s != NULL && s[0] == '1';
}

/* The core's SplitMix64 (rng.h), to draw test cases; {seed} seeds it. */
typedef struct UnitRng
{
	uint64_t	state;
} UnitRng;

static inline uint64_t
unit_rng_next(UnitRng *r)
{
	return hack_rng_next(&r->state);
}

/* uniform in [0, 1) */
static inline double
unit_rng_uniform(UnitRng *r)
{
	return hack_rng_uniform(&r->state);
}

/* standard normal (Box-Muller) */
static inline double
unit_rng_normal(UnitRng *r)
{
	return hack_rng_normal(&r->state);
}

/*
 * A progress callback that counts its calls in *(int *) arg and says stop
 * at the third, for the tests that a core loop calls back and unwinds.
 */
static inline bool
unit_stop_at_three(void *arg, double done, double total)
{
	int		   *calls = arg;

	CHECK(done >= 1 && done <= total);
	return ++*calls < 3;
}

#endif							/* HACK_UNIT_H */
