/*
 * assign_warm.c
 *	  The warm-start assignment of a resumed training: particles handed out
 *	  one to one so that each image starts near its current embedding.
 *
 * Images and particles are both sorted by norm and cut into matching
 * chunks of `batch` (the i-th smallest-norm images get the i-th
 * smallest-norm particles, which keeps the typicality ranking), and each
 * chunk is solved with the Hungarian algorithm for the angles.  That costs
 * O(n log n + n batch^2), like one re-assignment epoch of the training
 * loop (train_loop.c), instead of O(n^3) for one global Hungarian problem.
 */
#include "assign_warm.h"

#include <stdlib.h>
#include <string.h>

#include "hungarian.h"
#include "hyperbolic.h"

/* Compare two (norm, index) pairs by norm, then index. */
static int
cmp_norm(const void *a, const void *b)
{
	const double *x = a;
	const double *y = b;

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

/* Sort the indices 0..n-1 of points by Euclidean norm into order. */
static HackStatus
sort_by_norm(const double *points, int n, int dim, int *order, HackError *err)
{
	double	   *key = malloc(sizeof(double) * 2 * n);

	if (key == NULL)
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL,
							  "out of memory sorting %d points", n);
	for (int i = 0; i < n; i++)
	{
		double		s = 0.0;

		for (int d = 0; d < dim; d++)
			s += points[(size_t) i * dim + d] * points[(size_t) i * dim + d];
		key[2 * i] = s;
		key[2 * i + 1] = i;
	}
	qsort(key, n, sizeof(double) * 2, cmp_norm);
	for (int i = 0; i < n; i++)
		order[i] = (int) key[2 * i + 1];
	free(key);
	return HACK_OK;
}

/*
 * A one-to-one assignment of n particles to n images that follows given
 * embeddings: rank-matched by norm in chunks of `batch`, each chunk solved
 * for the least total Poincaré distance.
 */
HackStatus
hack_assign_warm(const double *emb, const double *particles, int n, int dim,
				 double c, int batch, int *assignment,
				 HackProgressFn progress, void *arg, HackError *err)
{
	int		   *img = malloc(sizeof(int) * n);
	int		   *par = malloc(sizeof(int) * n);
	int		   *perm = malloc(sizeof(int) * batch);
	double	   *a = malloc(sizeof(double) * batch * dim);
	double	   *p = malloc(sizeof(double) * batch * dim);
	double	   *cost = malloc(sizeof(double) * batch * batch);
	HackStatus	st;

	if (!img || !par || !perm || !a || !p || !cost)
	{
		st = hack_error_set(err, HACK_ERR_NO_MEMORY, NULL,
							"out of memory assigning %d images", n);
		goto done;
	}
	if ((st = sort_by_norm(emb, n, dim, img, err)) != HACK_OK ||
		(st = sort_by_norm(particles, n, dim, par, err)) != HACK_OK)
		goto done;
	for (int s = 0; s < n; s += batch)
	{
		int			cnt = n - s < batch ? n - s : batch;
		double		total;

		for (int i = 0; i < cnt; i++)
		{
			memcpy(a + (size_t) i * dim, emb + (size_t) img[s + i] * dim, sizeof(double) * dim);
			memcpy(p + (size_t) i * dim, particles + (size_t) par[s + i] * dim, sizeof(double) * dim);
		}
		if ((st = hyp_distance_matrix(a, cnt, p, cnt, dim, c, cost, NULL, NULL, err)) != HACK_OK ||
			(st = hungarian_solve(cost, cnt, cnt, false, perm, &total, NULL, NULL,
								  progress, arg, err)) != HACK_OK)
			goto done;
		for (int i = 0; i < cnt; i++)
			assignment[img[s + i]] = par[s + perm[i]];
	}
	st = HACK_OK;
done:
	free(img);
	free(par);
	free(perm);
	free(a);
	free(p);
	free(cost);
	return st;
}
