/*
 * knn_density.c
 *	  The k-nearest-neighbour density of points in the Poincaré ball
 *	  (curvature -1); see knn_density.h.
 *
 * All pairs: n^2 distances, 36 million for a class of 6,000, which is
 * simpler than a spatial index and exact; the progress callback is called
 * once a point (n distances: 4 ms at the glue's largest group).
 */
#include "knn_density.h"

#include <math.h>
#include <stdlib.h>

#include "hyperbolic.h"

/* Insert d into the k smallest kept in best[0..k-1] (sorted ascending). */
static void
keep_smallest(double *best, int k, double d)
{
	int			i;

	if (d >= best[k - 1])
		return;
	for (i = k - 1; i > 0 && best[i - 1] > d; i--)
		best[i] = best[i - 1];
	best[i] = d;
}

/*
 * For n points (n * dim coordinates) and 1 <= k < n: kth[i], the distance
 * of point i to its k-th nearest other point (ties count each time), and
 * density[i] = k / (n V(kth[i])), +Infinity where kth[i] is 0.
 */
HackStatus
hack_knn_density_points(const double *points, int n, int dim, int k,
						double *kth, double *density,
						HackProgressFn progress, void *arg, HackError *err)
{
	double	   *best;

	if (k < 1)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "k must be at least 1, got %d", k);
	if (n <= k)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "k = %d needs more than %d points, got %d",
							  k, k, n);
	if (dim < 1 || dim > HACK_MAX_DIM)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "dimension must be between 1 and %d, got %d",
							  HACK_MAX_DIM, dim);
	if ((best = malloc(sizeof(double) * k)) == NULL)
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL,
							  "out of memory for %d nearest neighbours", k);
	for (int i = 0; i < n; i++)
	{
		const double *xi = points + (long) i * dim;

		for (int j = 0; j < k; j++)
			best[j] = INFINITY;
		for (int j = 0; j < n; j++)
			if (j != i)
				keep_smallest(best, k, hyp_distance(xi, points + (long) j * dim, dim, 1.0));
		kth[i] = best[k - 1];
		if (progress != NULL && !progress(arg, i + 1, n))
		{
			free(best);
			return hack_error_set(err, HACK_ERR_INTERRUPTED, NULL,
								  "density estimate interrupted");
		}
	}
	free(best);
	for (int i = 0; i < n; i++)
		density[i] = kth[i] > 0 ? exp(log((double) k / n) - hack_ball_log_volume(dim, kth[i]))
			: INFINITY;
	return HACK_OK;
}
