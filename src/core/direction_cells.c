/*
 * direction_cells.c
 *	  Farthest-point sampling of unit directions and the cell of every
 *	  point; see direction_cells.h.
 *
 * The angle between two directions falls as their dot product grows, so
 * "farthest" is "smallest largest dot product with the picked ones".  One
 * pass over the points per pick updates both that dot product and the
 * point's cell, so the whole is k n dim multiply-adds (0.3 s for n = k =
 * 6,000 in dimension 8) and no more memory than the n directions.
 */
#include "direction_cells.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "hyperbolic.h"

/*
 * The farthest-point loop of hack_direction_cells on u, the n unit
 * directions (dim each), with nearest[] and picked[] as its workspace.
 */
static HackStatus
pick_cells(const double *u, double *nearest, bool *picked, int n, int dim,
		   int k, int *centre, int *cell,
		   HackProgressFn progress, void *arg, HackError *err)
{
	for (int i = 0; i < n; i++)
	{
		/* below every dot product, so the first pick takes every cell */
		nearest[i] = -INFINITY;
		picked[i] = false;
	}
	for (int t = 0; t < k; t++)
	{
		int			j = 0;
		const double *uj;

		if (t > 0)
		{
			j = -1;
			for (int i = 0; i < n; i++)
				if (!picked[i] && (j < 0 || nearest[i] < nearest[j]))
					j = i;
		}
		picked[j] = true;
		centre[t] = j;
		uj = u + (size_t) j * dim;
		for (int i = 0; i < n; i++)
		{
			const double *ui = u + (size_t) i * dim;
			double		dot = 0.0;

			for (int d = 0; d < dim; d++)
				dot += ui[d] * uj[d];
			/* strictly nearer: a tie stays with the earlier pick */
			if (dot > nearest[i])
			{
				nearest[i] = dot;
				cell[i] = t;
			}
		}
		/* a pick keeps its own cell whatever the later picks */
		cell[j] = t;
		nearest[j] = INFINITY;
		if (progress != NULL && !progress(arg, t + 1, k))
			return hack_error_set(err, HACK_ERR_INTERRUPTED, NULL,
								  "direction cells interrupted");
	}
	return HACK_OK;
}

/*
 * For n points (n * dim coordinates) and 1 <= k <= n: centre[0..k-1], the
 * indexes of k points whose directions are spread by greedy farthest-point
 * sampling, and cell[0..n-1], for each point the position in centre[] of
 * the picked direction nearest its own.
 *
 * The first pick is point 0 (the caller orders the points: hack_select puts
 * the largest norm first), each next one the unpicked point whose largest
 * dot product with the picked directions is smallest.  Ties go to the
 * lowest index, for picks and cells alike, so the result depends only on
 * the order of the points.  A point at the origin has no direction: its
 * dot product with every direction is 0, as if it were at right angles to
 * all.  A picked point is in its own cell, even when it repeats the
 * direction of an earlier pick (that happens only once all the directions
 * left repeat picked ones), so no cell is empty.
 */
HackStatus
hack_direction_cells(const double *points, int n, int dim, int k,
					 int *centre, int *cell,
					 HackProgressFn progress, void *arg, HackError *err)
{
	double	   *u;
	double	   *nearest;
	bool	   *picked;
	HackStatus	st;

	if (k < 1 || k > n)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "k must be between 1 and the number of points %d, got %d",
							  n, k);
	if (dim < 1 || dim > HACK_MAX_DIM)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "dimension must be between 1 and %d, got %d",
							  HACK_MAX_DIM, dim);
	u = malloc(sizeof(double) * (size_t) n * dim);
	nearest = malloc(sizeof(double) * (size_t) n);
	picked = malloc(sizeof(bool) * (size_t) n);
	if (u == NULL || nearest == NULL || picked == NULL)
		st = hack_error_set(err, HACK_ERR_NO_MEMORY, NULL,
							"out of memory for the directions of %d points", n);
	else
	{
		for (int i = 0; i < n; i++)
		{
			const double *x = points + (size_t) i * dim;
			double	   *ui = u + (size_t) i * dim;
			double		s = 0.0;

			for (int d = 0; d < dim; d++)
				s += x[d] * x[d];
			s = sqrt(s);
			for (int d = 0; d < dim; d++)
				ui[d] = s > 0.0 ? x[d] / s : 0.0;
		}
		st = pick_cells(u, nearest, picked, n, dim, k, centre, cell,
						progress, arg, err);
	}
	free(u);
	free(nearest);
	free(picked);
	return st;
}
