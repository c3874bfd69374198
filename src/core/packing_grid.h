/*
 * packing_grid.h
 *	  A uniform cell list over the first (up to three) ball coordinates.
 *
 * Internal to the packing code.  Particles are bucketed by a counting sort
 * into cubic cells of side h; a query visits the cells within a given
 * Euclidean reach.  Using only the first min(dim, 3) coordinates is exact
 * (a projection never lengthens a distance, so no pair is missed), merely
 * less selective in higher dimensions.
 */
#ifndef HACK_CORE_PACKING_GRID_H
#define HACK_CORE_PACKING_GRID_H

#include "status.h"

#define PACK_GRID_MAX_GDIM 3

typedef struct PackGrid
{
	int			n;				/* number of particles */
	int			dim;			/* coordinates per particle */
	int			gdim;			/* coordinates used by the grid */
	double		lo[PACK_GRID_MAX_GDIM]; /* lower corner */
	double		h;				/* cell side */
	int			ncell[PACK_GRID_MAX_GDIM];	/* cells per axis (1 if unused) */
	long		total;			/* number of cells */
	int		   *start;			/* total + 1 offsets into order */
	int		   *order;			/* particle indices sorted by cell */
	long	   *cell;			/* cell of each particle */
} PackGrid;

extern HackStatus pack_grid_init(PackGrid *g, int n, int dim,
								 const double *lo, const double *hi,
								 double h, long max_cells, HackError *err);
extern void pack_grid_build(PackGrid *g, const double *x);
extern void pack_grid_coords(const PackGrid *g, const double *x, int *c);
extern void pack_grid_free(PackGrid *g);

#endif							/* HACK_CORE_PACKING_GRID_H */
