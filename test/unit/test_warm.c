/*
 * test_warm.c
 *	  The warm-start assignment of a resumed training (hack_assign_warm).
 */
#include "unit.h"

#include <string.h>

#include "assign_warm.h"

/* n random points of norm < 0.7 in dim dimensions */
static void
random_points(UnitRng *rng, double *x, int n, int dim)
{
	for (int i = 0; i < n * dim; i++)
		x[i] = (unit_rng_uniform(rng) - 0.5) * 0.8;
}

/* true when a[0..n-1] is a permutation of 0..n-1 */
static bool
is_permutation(const int *a, int n)
{
	char	   *seen = calloc(n, 1);
	bool		ok = true;

	for (int i = 0; i < n && ok; i++)
	{
		ok = a[i] >= 0 && a[i] < n && !seen[a[i]];
		if (ok)
			seen[a[i]] = 1;
	}
	free(seen);
	return ok;
}

/* embeddings that are the particles shuffled: one chunk recovers the shuffle */
static void
test_warm_recovers_permutation(void)
{
	UnitRng		rng = {42};
	int			n = 300,
				dim = 3;
	double	   *par = malloc(sizeof(double) * n * dim);
	double	   *emb = malloc(sizeof(double) * n * dim);
	int		   *truth = malloc(sizeof(int) * n);
	int		   *got = malloc(sizeof(int) * n);
	HackError	err;

	random_points(&rng, par, n, dim);
	for (int i = 0; i < n; i++)
		truth[i] = i;
	for (int i = n - 1; i > 0; i--)
	{
		int			j = (int) (unit_rng_next(&rng) % (uint64_t) (i + 1));
		int			t = truth[i];

		truth[i] = truth[j];
		truth[j] = t;
	}
	for (int i = 0; i < n; i++)
		for (int d = 0; d < dim; d++)
			emb[i * dim + d] = par[truth[i] * dim + d] * (1.0 + 1e-4 * unit_rng_uniform(&rng));
	CHECK(hack_assign_warm(emb, par, n, dim, 1.0, n, got, NULL, NULL, &err) == HACK_OK);
	CHECK(memcmp(got, truth, sizeof(int) * n) == 0);
	free(par);
	free(emb);
	free(truth);
	free(got);
}

/* with chunks smaller than n: a permutation, and norms are rank-matched per chunk */
static void
test_warm_chunks(void)
{
	UnitRng		rng = {7};
	int			n = 1000,
				dim = 2,
				b = 64;
	double	   *par = malloc(sizeof(double) * n * dim);
	double	   *emb = malloc(sizeof(double) * n * dim);
	int		   *got = malloc(sizeof(int) * n);
	int			inner_small = 0;
	HackError	err;

	random_points(&rng, par, n, dim);
	random_points(&rng, emb, n, dim);
	for (int i = 0; i < n; i++)	/* shrink the first tenth: the most typical */
		if (i % 10 == 0)
			for (int d = 0; d < dim; d++)
				emb[i * dim + d] *= 0.01;
	CHECK(hack_assign_warm(emb, par, n, dim, 1.0, b, got, NULL, NULL, &err) == HACK_OK);
	CHECK(is_permutation(got, n));
	/* the 100 most typical images get particles among the 128 smallest */
	for (int i = 0; i < n; i += 10)
	{
		double		r = hypot(par[got[i] * dim], par[got[i] * dim + 1]);
		int			smaller = 0;

		for (int j = 0; j < n; j++)
			smaller += hypot(par[j * dim], par[j * dim + 1]) < r;
		inner_small += smaller < 128;
	}
	CHECK(inner_small == n / 10);
	/* a batch of 1 is rank matching by norm alone */
	CHECK(hack_assign_warm(emb, par, n, dim, 1.0, 1, got, NULL, NULL, &err) == HACK_OK);
	CHECK(is_permutation(got, n));
	free(par);
	free(emb);
	free(got);
}

void
suite_warm(void)
{
	RUN(test_warm_recovers_permutation);
	RUN(test_warm_chunks);
}
