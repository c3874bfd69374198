/*
 * assign_warm.h
 *	  The warm-start assignment of particles to already embedded images.
 */
#ifndef HACK_CORE_ASSIGN_WARM_H
#define HACK_CORE_ASSIGN_WARM_H

#include "status.h"

/*
 * Fill assignment[i] with the particle of image i (emb and particles are
 * n x dim, in the ball of curvature -c), rank-matched by norm in chunks of
 * batch images, each chunk solved for the least total Poincaré distance.
 */
extern HackStatus hack_assign_warm(const double *emb, const double *particles,
								   int n, int dim, double c, int batch,
								   int *assignment, HackProgressFn progress,
								   void *arg, HackError *err);

#endif							/* HACK_CORE_ASSIGN_WARM_H */
