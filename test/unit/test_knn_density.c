/*
 * test_knn_density.c
 *	  The k-nearest-neighbour density (src/core/knn_density.c): against a
 *	  sort of all distances, with ties, in several dimensions, and its
 *	  parameter checks and progress callback.
 */
#include "unit.h"

#include <string.h>

#include "hyperbolic.h"
#include "knn_density.h"

static int
double_cmp(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/* The k-th smallest distance from point i to the others, by sorting them all. */
static double
kth_by_sort(const double *x, int n, int dim, int k, int i)
{
	double	   *d = malloc(sizeof(double) * n);
	int			m = 0;
	double		r;

	for (int j = 0; j < n; j++)
		if (j != i)
			d[m++] = hyp_distance(x + i * dim, x + j * dim, dim, 1.0);
	qsort(d, m, sizeof(double), double_cmp);
	r = d[k - 1];
	free(d);
	return r;
}

/* Random points in dimensions 1, 2, 3 and 10, k from 1 to n - 1. */
static void
test_against_sort(void)
{
	int			dims[] = {1, 2, 3, 10};
	int			n = 40;
	UnitRng		rng = {17};
	double	   *x = malloc(sizeof(double) * n * 10);
	double	   *kth = malloc(sizeof(double) * n);
	double	   *density = malloc(sizeof(double) * n);
	HackError	err;

	for (int t = 0; t < 4; t++)
	{
		int			dim = dims[t];

		for (int i = 0; i < n * dim; i++)
			x[i] = (unit_rng_uniform(&rng) - 0.5) * 1.6 / sqrt((double) dim);
		for (int k = 1; k < n; k += 6)
		{
			CHECK(hack_knn_density_points(x, n, dim, k, kth, density, NULL,
										  NULL, &err) == HACK_OK);
			for (int i = 0; i < n; i++)
			{
				CHECK(kth[i] == kth_by_sort(x, n, dim, k, i));
				CHECK_CLOSE(density[i],
							exp(log((double) k / n) - hack_ball_log_volume(dim, kth[i])),
							1e-12);
			}
		}
	}
	free(x);
	free(kth);
	free(density);
}

/*
 * Ties count once each: on the disc's axis at -0.5, 0, 0.5 the centre has
 * two neighbours at one distance, so its 1st and 2nd are that distance; a
 * repeated point is at distance 0 and has infinite density.
 */
static void
test_ties(void)
{
	double		x[] = {-0.5, 0.0, 0.0, 0.0, 0.5, 0.0, 0.5, 0.0};
	double		kth[4],
				density[4];
	double		half = hyp_distance(x, x + 2, 2, 1.0);
	HackError	err;

	CHECK(hack_knn_density_points(x, 3, 2, 2, kth, density, NULL, NULL, &err) == HACK_OK);
	CHECK(kth[1] == half);
	CHECK_CLOSE(kth[0], 2 * half, 1e-12);
	CHECK(hack_knn_density_points(x, 3, 2, 1, kth, density, NULL, NULL, &err) == HACK_OK);
	CHECK(kth[0] == half && kth[1] == half && kth[2] == half);
	/* the 4th point repeats the 3rd */
	CHECK(hack_knn_density_points(x, 4, 2, 1, kth, density, NULL, NULL, &err) == HACK_OK);
	CHECK(kth[2] == 0.0 && kth[3] == 0.0 && isinf(density[2]) && isinf(density[3]));
	CHECK(kth[1] == half && isfinite(density[1]) && density[1] > 0);
}

/* k >= n, k < 1 and bad dimensions are parameter errors. */
static void
test_bad_parameters(void)
{
	double		x[6] = {0.1, 0.2, 0.3, 0.1, 0.2, 0.3};
	double		kth[3],
				density[3];
	HackError	err;

	CHECK(hack_knn_density_points(x, 3, 2, 3, kth, density, NULL, NULL, &err) == HACK_ERR_PARAMETER);
	CHECK(strcmp(err.message, "k = 3 needs more than 3 points, got 3") == 0);
	CHECK(hack_knn_density_points(x, 3, 2, 5, kth, density, NULL, NULL, &err) == HACK_ERR_PARAMETER);
	CHECK(hack_knn_density_points(x, 3, 2, 0, kth, density, NULL, NULL, &err) == HACK_ERR_PARAMETER);
	CHECK(strcmp(err.message, "k must be at least 1, got 0") == 0);
	CHECK(hack_knn_density_points(x, 3, 0, 1, kth, density, NULL, NULL, &err) == HACK_ERR_PARAMETER);
	CHECK(hack_knn_density_points(x, 3, HACK_MAX_DIM + 1, 1, kth, density,
								  NULL, NULL, &err) == HACK_ERR_PARAMETER);
	/* one dimension, two points: each is the other's only neighbour */
	CHECK(hack_knn_density_points(x, 2, 1, 1, kth, density, NULL, NULL, &err) == HACK_OK);
	CHECK(kth[0] == kth[1] && kth[0] == hyp_distance(x, x + 1, 1, 1.0));
}

/* The callback is called once a point and stops the estimate. */
static void
test_interrupt(void)
{
	double		x[10] = {0.1, -0.1, 0.2, 0.3, -0.4, 0.0, 0.5, 0.1, 0.0, -0.2};
	double		kth[5],
				density[5];
	HackError	err;
	int			calls = 0;

	CHECK(hack_knn_density_points(x, 5, 2, 2, kth, density, unit_stop_at_three,
								  &calls, &err) == HACK_ERR_INTERRUPTED);
	CHECK(calls == 3 && err.status == HACK_ERR_INTERRUPTED);
}

void
suite_knn_density(void)
{
	RUN(test_against_sort);
	RUN(test_ties);
	RUN(test_bad_parameters);
	RUN(test_interrupt);
}
