/*
 * packing.h
 *	  Uniform sphere packing in the Poincaré ball (curvature -1).
 *
 * HACK (Guo et al., "Unsupervised Feature Learning with Emergent
 * Data-Driven Prototypicality", CVPR 2024, section 4.3) first spreads one
 * particle per image as evenly as possible over the ball of Euclidean
 * radius r; the encoder is then trained towards these targets.  Here n
 * particles are packed by minimising the paper's repulsion under its
 * boundary constraint; see doc/packing.md for definitions and choices.
 */
#ifndef HACK_CORE_PACKING_H
#define HACK_CORE_PACKING_H

#include <stdint.h>

#include "status.h"

#define HACK_PACK_MAX_N 200000		/* most particles per packing */
#define HACK_PACK_MAX_COORDS 20000000L	/* most n * dim (160 MB a copy) */
#define HACK_PACK_MAX_EPOCHS 1000000
#define HACK_PACK_ANNULI 10			/* shells of equal volume in stats */

typedef struct HackPackParams
{
	int			n;				/* number of particles, 1..HACK_PACK_MAX_N */
	int			dim;			/* dimension of the ball, >= 1 */
	double		radius;			/* Euclidean radius r of the packed ball, (0,1) */
	double		k;				/* exponent of the repulsion, > 0 */
	int			epochs;			/* optimiser steps, >= 0 */
	double		lr;				/* initial step size, >= 0 */
	uint64_t	seed;			/* seeds the initial layout */
	double		margin;			/* boundary margin; < 0 picks the default */
} HackPackParams;

/* Derived sizes of a packing problem (hyperbolic lengths unless noted). */
typedef struct HackPackGeometry
{
	double		r_b;			/* hyperbolic radius 2 artanh(r) of the ball */
	double		log_volume;		/* log of its hyperbolic volume A_B */
	double		r_n;			/* radius of a ball of volume A_B / n */
	double		cutoff;			/* interaction range 2 r_n */
	double		margin;			/* Euclidean margin of the boundary loss */
	double		wall;			/* Euclidean radius r - margin */
} HackPackGeometry;

extern void hack_pack_defaults(HackPackParams *p);
extern HackStatus hack_pack_check(const HackPackParams *p, HackError *err);
extern HackStatus hack_pack_geometry(const HackPackParams *p,
									 HackPackGeometry *g, HackError *err);
extern HackStatus hack_pack(const HackPackParams *p, double *points,
							HackProgressFn progress, void *arg,
							HackError *err);

extern HackStatus hack_pack_repulsion(const HackPackParams *p,
									  const double *points, double *energy,
									  double *grad, HackError *err);


#endif							/* HACK_CORE_PACKING_H */
