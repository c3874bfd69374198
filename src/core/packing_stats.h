/*
 * packing_stats.h
 *	  Quality figures of a packing, as hack_packing_stats() reports them.
 */
#ifndef HACK_CORE_PACKING_STATS_H
#define HACK_CORE_PACKING_STATS_H

#include "packing.h"

typedef struct HackPackStats
{
	int			n;
	int			dim;
	double		radius;
	long		annulus[HACK_PACK_ANNULI];	/* counts per shell of equal volume */
	long		outside;		/* particles beyond radius (not in annulus[]) */
	double		nn_mean;		/* nearest-neighbour hyperbolic distance */
	double		nn_cv;			/* its coefficient of variation */
	double		nn_min;
	double		nn_max;
	double		max_norm;		/* largest Euclidean norm */
	long		coincident;		/* pairs of identical points */
} HackPackStats;

extern HackStatus hack_packing_stats(const double *points, int n, int dim,
									 double radius, HackPackStats *s,
									 HackProgressFn progress, void *arg,
									 HackError *err);
extern double hack_packing_annulus_deviation(const HackPackStats *s);

#endif							/* HACK_CORE_PACKING_STATS_H */
