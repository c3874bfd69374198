/*
 * knn_density.h
 *	  The k-nearest-neighbour density of points in the Poincaré ball.
 *
 * For each of n points, the hyperbolic distance r_k to its k-th nearest
 * other point (exact, all pairs) and the estimate k / (n V(r_k)), where
 * V(r) is the hyperbolic volume of a ball of radius r in the points'
 * dimension.  With it, the SQL function hack_knn_density(model, k) lets
 * users check that density falls as the norm grows (HACK paper, section
 * 5.1).
 */
#ifndef HACK_CORE_KNN_DENSITY_H
#define HACK_CORE_KNN_DENSITY_H

#include "status.h"

extern HackStatus hack_knn_density_points(const double *points, int n,
										  int dim, int k, double *kth,
										  double *density,
										  HackProgressFn progress, void *arg,
										  HackError *err);

#endif							/* HACK_CORE_KNN_DENSITY_H */
