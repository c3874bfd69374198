/*
 * packing_grid.c
 *	  Cell list for the packing optimiser and its statistics.
 *
 * One counting sort per build: O(n + cells).  The grid covers a fixed box
 * (the caller clamps coordinates into it), so the arrays are allocated once
 * and rebuilt every optimiser step without further allocation.
 */
#include "packing_grid.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * Set up a grid over the box [lo, hi] of the first min(dim, 3)
 * coordinates with cells of side about h, enlarged if the box would need
 * more than max_cells cells.
 */
HackStatus
pack_grid_init(PackGrid *g, int n, int dim, const double *lo,
			   const double *hi, double h, long max_cells, HackError *err)
{
	memset(g, 0, sizeof(*g));
	g->n = n;
	g->dim = dim;
	g->gdim = dim < PACK_GRID_MAX_GDIM ? dim : PACK_GRID_MAX_GDIM;
	if (max_cells < 1)
		max_cells = 1;
	for (;;)
	{
		double		total = 1.0;

		for (int a = 0; a < g->gdim; a++)
			total *= floor((hi[a] - lo[a]) / h) + 1.0;
		if (total <= (double) max_cells)
			break;
		h *= 1.25;
	}
	g->h = h;
	g->total = 1;
	for (int a = 0; a < PACK_GRID_MAX_GDIM; a++)
	{
		if (a < g->gdim)
		{
			g->lo[a] = lo[a];
			g->ncell[a] = (int) floor((hi[a] - lo[a]) / h) + 1;
		}
		else
			g->ncell[a] = 1;
		g->total *= g->ncell[a];
	}
	g->start = malloc(sizeof(int) * (g->total + 1));
	g->order = malloc(sizeof(int) * (n > 0 ? n : 1));
	g->cell = malloc(sizeof(long) * (n > 0 ? n : 1));
	if (!g->start || !g->order || !g->cell)
	{
		pack_grid_free(g);
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL,
							  "out of memory for a cell list of %ld cells",
							  g->total);
	}
	return HACK_OK;
}

/* Cell coordinates of point p (dim doubles), clamped into the grid. */
void
pack_grid_coords(const PackGrid *g, const double *p, int *c)
{
	for (int a = 0; a < PACK_GRID_MAX_GDIM; a++)
	{
		if (a < g->gdim)
		{
			double		f = floor((p[a] - g->lo[a]) / g->h);

			if (!(f >= 0.0))
				f = 0.0;
			if (f > g->ncell[a] - 1)
				f = g->ncell[a] - 1;
			c[a] = (int) f;
		}
		else
			c[a] = 0;
	}
}

/* Bucket the n particles x (n * dim doubles) into their cells. */
void
pack_grid_build(PackGrid *g, const double *x)
{
	int			c[PACK_GRID_MAX_GDIM];

	memset(g->start, 0, sizeof(int) * (g->total + 1));
	for (int i = 0; i < g->n; i++)
	{
		pack_grid_coords(g, x + (long) i * g->dim, c);
		g->cell[i] = ((long) c[2] * g->ncell[1] + c[1]) * g->ncell[0] + c[0];
		g->start[g->cell[i] + 1]++;
	}
	for (long k = 0; k < g->total; k++)
		g->start[k + 1] += g->start[k];
	/* stable placement: particles keep index order within a cell */
	for (int i = 0; i < g->n; i++)
		g->order[g->start[g->cell[i]]++] = i;
	for (long k = g->total; k > 0; k--)
		g->start[k] = g->start[k - 1];
	g->start[0] = 0;
}

/* Release the grid's arrays. */
void
pack_grid_free(PackGrid *g)
{
	free(g->start);
	free(g->order);
	free(g->cell);
	g->start = NULL;
	g->order = NULL;
	g->cell = NULL;
}
