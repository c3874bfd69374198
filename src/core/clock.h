/*
 * clock.h
 *	  Seconds for timing: the one clock of the core, the client and the
 *	  benches.
 *
 * Header-only, so that the hack-load client and the benches, which link
 * only a few core files, share it too.
 */
#ifndef HACK_CORE_CLOCK_H
#define HACK_CORE_CLOCK_H

#include <time.h>

/*
 * Seconds since an arbitrary origin: the monotonic clock where POSIX is
 * visible (durations survive clock adjustments), C11's UTC clock otherwise.
 */
static inline double
hack_now_seconds(void)
{
	struct timespec ts;

#ifdef CLOCK_MONOTONIC
	clock_gettime(CLOCK_MONOTONIC, &ts);
#else
	timespec_get(&ts, TIME_UTC);
#endif
	return (double) ts.tv_sec + ts.tv_nsec * 1e-9;
}

#endif							/* HACK_CORE_CLOCK_H */
