/*
 * packing_stats.c
 *	  Quality figures of a packing: how evenly it fills the ball.
 *
 * Two views.  Radially: the ball of radius r is cut into HACK_PACK_ANNULI
 * shells of equal hyperbolic volume, each of which should hold n / 10
 * particles.  Locally: the hyperbolic distance of every particle to its
 * nearest neighbour, whose coefficient of variation is near 0 for a
 * regular packing (about 0.5 for independent uniform points).
 *
 * Nearest neighbours are found with the cell list of packing_grid.c over
 * the points' bounding box, visiting rings of cells outwards until the
 * hyperbolic lower bound of the next ring exceeds the best distance found.
 * A ring L cells away is at least (L - 1) h away in Euclidean terms, and
 * |x - y| >= e implies d(x, y) >= acosh(1 + 2 e^2 / (1 - |x|^2)), since
 * 1 - |y|^2 <= 1.
 */
#include "packing_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hyperbolic.h"
#include "packing_grid.h"

/* Count the points in each shell of equal volume, and beyond radius. */
static void
stats_annuli(const double *x, int n, int dim, double radius, HackPackStats *s)
{
	double		edge[HACK_PACK_ANNULI];
	double		rb = 2.0 * atanh(radius);
	double		logv = hack_ball_log_volume(dim, rb);

	/* edge[i]: Euclidean radius enclosing (i + 1) / 10 of the volume */
	for (int i = 0; i < HACK_PACK_ANNULI - 1; i++)
		edge[i] = tanh(hack_ball_radius_of_log_volume(dim, logv + log((i + 1.0) / HACK_PACK_ANNULI),
													  rb) / 2.0);
	edge[HACK_PACK_ANNULI - 1] = radius;
	for (int i = 0; i < n; i++)
	{
		double		norm = sqrt(hyp_sqnorm(x + (long) i * dim, dim));
		int			a = 0;

		if (norm > s->max_norm)
			s->max_norm = norm;
		if (norm > radius)
		{
			s->outside++;
			continue;
		}
		while (a < HACK_PACK_ANNULI - 1 && norm >= edge[a])
			a++;
		s->annulus[a]++;
	}
}

/*
 * Distance from point i to its nearest other point; counts identical
 * later points into *coincident.
 */
static double
stats_nearest(const PackGrid *g, const double *x, int i, long *coincident)
{
	int			dim = g->dim;
	const double *xi = x + (long) i * dim;
	double		ai = hyp_one_minus_c_sqnorm(xi, dim, 1.0);
	double		best = INFINITY;
	int			c[PACK_GRID_MAX_GDIM];
	int			maxl = 0;

	pack_grid_coords(g, xi, c);
	for (int a = 0; a < g->gdim; a++)
		if (g->ncell[a] > maxl)
			maxl = g->ncell[a];
	for (int l = 0; l <= maxl; l++)
	{
		int			lo[PACK_GRID_MAX_GDIM],
					hi[PACK_GRID_MAX_GDIM];

		if (l > 1)
		{
			double		e = (l - 1) * g->h;

			if (hyp_acosh1p(2.0 * e * e / ai) >= best)
				break;
		}
		for (int a = 0; a < PACK_GRID_MAX_GDIM; a++)
		{
			lo[a] = a < g->gdim ? c[a] - l : 0;
			hi[a] = a < g->gdim ? c[a] + l : 0;
		}
		for (int c2 = lo[2]; c2 <= hi[2]; c2++)
			for (int c1 = lo[1]; c1 <= hi[1]; c1++)
				for (int c0 = lo[0]; c0 <= hi[0]; c0++)
				{
					int			ring = abs(c0 - c[0]);
					long		cell;

					if (abs(c1 - c[1]) > ring)
						ring = abs(c1 - c[1]);
					if (abs(c2 - c[2]) > ring)
						ring = abs(c2 - c[2]);
					if (ring != l || c0 < 0 || c1 < 0 || c2 < 0 ||
						c0 >= g->ncell[0] || c1 >= g->ncell[1] || c2 >= g->ncell[2])
						continue;
					cell = ((long) c2 * g->ncell[1] + c1) * g->ncell[0] + c0;
					for (int q = g->start[cell]; q < g->start[cell + 1]; q++)
					{
						int			j = g->order[q];
						double		d;

						if (j == i)
							continue;
						d = hyp_distance(xi, x + (long) j * dim, dim, 1.0);
						if (d == 0.0 && j > i)
							(*coincident)++;
						if (d < best)
							best = d;
					}
				}
	}
	return best;
}

/* Nearest-neighbour figures of the n >= 2 points. */
static HackStatus
stats_neighbours(const double *x, int n, int dim, HackPackStats *s,
				 HackProgressFn progress, void *arg, HackError *err)
{
	PackGrid	g;
	HackStatus	st;
	double		lo[PACK_GRID_MAX_GDIM],
				hi[PACK_GRID_MAX_GDIM];
	double		vol = 1.0,
				h,
				sum = 0.0,
				sum2 = 0.0;
	int			gdim = dim < PACK_GRID_MAX_GDIM ? dim : PACK_GRID_MAX_GDIM;
	double	   *nn = malloc(sizeof(double) * n);

	if (nn == NULL)
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL,
							  "out of memory for the statistics of %d points", n);
	for (int a = 0; a < gdim; a++)
	{
		lo[a] = hi[a] = x[a];
		for (int i = 1; i < n; i++)
		{
			double		v = x[(long) i * dim + a];

			lo[a] = v < lo[a] ? v : lo[a];
			hi[a] = v > hi[a] ? v : hi[a];
		}
		vol *= (hi[a] - lo[a]) > 1e-12 ? hi[a] - lo[a] : 1e-12;
	}
	/* about two points a cell */
	h = pow(vol * 2.0 / n, 1.0 / gdim);
	if ((st = pack_grid_init(&g, n, dim, lo, hi, h, 4L * n + 64, err)) != HACK_OK)
	{
		free(nn);
		return st;
	}
	pack_grid_build(&g, x);
	s->nn_min = INFINITY;
	s->nn_max = 0.0;
	for (int i = 0; i < n; i++)
	{
		if (progress != NULL && i % 4096 == 0 && !progress(arg, i, n))
		{
			pack_grid_free(&g);
			free(nn);
			return hack_error_set(err, HACK_ERR_INTERRUPTED, NULL,
								  "packing statistics interrupted");
		}
		nn[i] = stats_nearest(&g, x, i, &s->coincident);
		sum += nn[i];
		s->nn_min = nn[i] < s->nn_min ? nn[i] : s->nn_min;
		s->nn_max = nn[i] > s->nn_max ? nn[i] : s->nn_max;
	}
	s->nn_mean = sum / n;
	for (int i = 0; i < n; i++)
		sum2 += (nn[i] - s->nn_mean) * (nn[i] - s->nn_mean);
	s->nn_cv = s->nn_mean > 0.0 ? sqrt(sum2 / n) / s->nn_mean : NAN;
	pack_grid_free(&g);
	free(nn);
	return HACK_OK;
}

/*
 * Quality figures of n points (n * dim coordinates inside the unit ball)
 * against the ball of Euclidean radius radius.  With fewer than two
 * points the nearest-neighbour figures are NaN.
 */
HackStatus
hack_packing_stats(const double *points, int n, int dim, double radius,
				   HackPackStats *s, HackProgressFn progress, void *arg,
				   HackError *err)
{
	char		buf[HACK_DOUBLE_BUF];

	memset(s, 0, sizeof(*s));
	if (n < 1)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "packing statistics need at least one point");
	if (dim < 1 || dim > HACK_MAX_DIM)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "dimension must be between 1 and %d, got %d",
							  HACK_MAX_DIM, dim);
	if (!(radius > 0.0 && radius < 1.0))
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "radius must be between 0 and 1 exclusive, got %s",
							  hack_fmt_double(buf, sizeof(buf), radius));
	s->n = n;
	s->dim = dim;
	s->radius = radius;
	stats_annuli(points, n, dim, radius, s);
	if (n < 2)
	{
		s->nn_mean = s->nn_cv = s->nn_min = s->nn_max = NAN;
		return HACK_OK;
	}
	return stats_neighbours(points, n, dim, s, progress, arg, err);
}

/*
 * The largest relative deviation of a shell's count from the even share
 * n / HACK_PACK_ANNULI: 0 for a perfectly even packing, at least 1 with
 * an empty shell.  Particles outside the ball count in no shell.
 */
double
hack_packing_annulus_deviation(const HackPackStats *s)
{
	double		dev = 0.0;

	for (int a = 0; a < HACK_PACK_ANNULI; a++)
	{
		double		share = (double) s->annulus[a] / ((double) s->n / HACK_PACK_ANNULI) - 1.0;

		dev = fabs(share) > dev ? fabs(share) : dev;
	}
	return dev;
}
