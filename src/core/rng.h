/*
 * rng.h
 *	  SplitMix64 (Steele, Lea, Flood 2014): the core's one seedable source of
 *	  randomness, identical on every platform, so results depend only on the
 *	  seed.
 *
 * Every user (the packing, the encoder's NnRng, the unit tests) draws
 * through these three functions, so a stream is the same bits wherever it
 * is drawn; the regress outputs depend on it.
 */
#ifndef HACK_CORE_RNG_H
#define HACK_CORE_RNG_H

#include <math.h>
#include <stdint.h>

/* The next 64 random bits. */
static inline uint64_t
hack_rng_next(uint64_t *state)
{
	uint64_t	z = (*state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static inline double
hack_rng_uniform(uint64_t *state)
{
	return (hack_rng_next(state) >> 11) * 0x1.0p-53;
}

/* Standard normal by Box-Muller (one draw per call, for simplicity). */
static inline double
hack_rng_normal(uint64_t *state)
{
	double		u = hack_rng_uniform(state);
	double		v = hack_rng_uniform(state);

	/* 2 pi, the double nearest; 1 - u keeps log away from 0 */
	return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

#endif							/* HACK_CORE_RNG_H */
