/*
 * edge_list.c
 *	  Edge lists of an assignment problem: sorting, key numbering, the
 *	  duplicate check and the dense cost matrix (see edge_list.h).
 *
 * A plain qsort of the largest edge list (maintenance_work_mem / 8 edges:
 * 8 million at 64 MB) takes about a second without a chance to cancel, so
 * the sorts qsort runs of HACK_EDGE_SORT_RUN elements and merge them
 * pairwise, calling the progress callback after each run sorted and every
 * HACK_EDGE_SORT_RUN elements merged.
 */
#include "edge_list.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef int (*EdgeCmp) (const void *a, const void *b);

/* qsort order of int64 keys. */
static int
key_cmp(const void *a, const void *b)
{
	int64_t		x = *(const int64_t *) a;
	int64_t		y = *(const int64_t *) b;

	return x < y ? -1 : x > y;
}

/* Order edges by (row, col), so duplicates are neighbours. */
static int
edge_cmp(const void *a, const void *b)
{
	const HackEdge *x = a;
	const HackEdge *y = b;
	int			c = key_cmp(&x->row, &y->row);

	return c != 0 ? c : key_cmp(&x->col, &y->col);
}

/* Ask the callback whether to go on; fills err when it says stop. */
static HackStatus
edge_progress(HackProgressFn progress, void *arg, double done, double total,
			  HackError *err)
{
	if (progress != NULL && !progress(arg, done, total))
		return hack_error_set(err, HACK_ERR_INTERRUPTED, NULL,
							  "edge list processing interrupted");
	return HACK_OK;
}

/*
 * Sort n elements of base: runs of HACK_EDGE_SORT_RUN by qsort, then
 * pairwise merges through scratch (n elements; unused, and may be NULL,
 * when n <= HACK_EDGE_SORT_RUN).
 */
static HackStatus
sort_runs(void *base, int64_t n, size_t size, EdgeCmp cmp, void *scratch,
		  HackProgressFn progress, void *arg, HackError *err)
{
	char	   *from = base;
	char	   *to = scratch;
	HackStatus	st;

	for (int64_t i = 0; i < n; i += HACK_EDGE_SORT_RUN)
	{
		int64_t		len = n - i < HACK_EDGE_SORT_RUN ? n - i : HACK_EDGE_SORT_RUN;

		qsort(from + i * size, (size_t) len, size, cmp);
		if ((st = edge_progress(progress, arg, i + len, n, err)) != HACK_OK)
			return st;
	}
	if (n <= HACK_EDGE_SORT_RUN)
		return HACK_OK;
	for (int64_t width = HACK_EDGE_SORT_RUN; width < n; width *= 2)
	{
		char	   *tmp;

		for (int64_t lo = 0; lo < n; lo += 2 * width)
		{
			int64_t		mid = lo + width < n ? lo + width : n,
						hi = lo + 2 * width < n ? lo + 2 * width : n,
						i = lo,
						j = mid,
						k = lo;

			while (i < mid || j < hi)
			{
				int64_t		take = (j >= hi || (i < mid && cmp(from + j * size, from + i * size) >= 0))
					? i++ : j++;

				memcpy(to + k++ * size, from + take * size, size);
				if ((k & (HACK_EDGE_SORT_RUN - 1)) == 0 &&
					(st = edge_progress(progress, arg, k, n, err)) != HACK_OK)
					return st;
			}
		}
		tmp = from;
		from = to;
		to = tmp;
	}
	if (from != (char *) base)
		memcpy(base, from, size * n);
	return HACK_OK;
}

/*
 * Sort the edges in place by (row, col).  An interrupted sort leaves them
 * in some order, still the same set.
 */
HackStatus
hack_edge_sort(HackEdge *edges, int64_t n, HackEdge *scratch,
			   HackProgressFn progress, void *arg, HackError *err)
{
	return sort_runs(edges, n, sizeof(HackEdge), edge_cmp, scratch,
					 progress, arg, err);
}

/* Reject a sorted edge list with two edges for one cell (22023). */
HackStatus
hack_edge_check_unique(const HackEdge *edges, int64_t n, HackError *err)
{
	for (int64_t k = 1; k < n; k++)
		if (edge_cmp(&edges[k], &edges[k - 1]) == 0)
			return hack_error_set(err, HACK_ERR_PARAMETER,
								  "Each pair of keys may appear at most once.",
								  "duplicate edge (row_key %" PRId64 ", col_key %" PRId64 ") in hungarian_agg",
								  edges[k].row, edges[k].col);
	return HACK_OK;
}

/* Sort keys in place and drop repeats; *kept gets how many remain. */
static HackStatus
sort_unique(int64_t *keys, int64_t n, int64_t *scratch, int64_t *kept,
			HackProgressFn progress, void *arg, HackError *err)
{
	int64_t		k = 0;
	HackStatus	st;

	if ((st = sort_runs(keys, n, sizeof(int64_t), key_cmp, scratch,
						progress, arg, err)) != HACK_OK)
		return st;
	for (int64_t i = 0; i < n; i++)
		if (k == 0 || keys[k - 1] != keys[i])
			keys[k++] = keys[i];
	*kept = k;
	return HACK_OK;
}

/*
 * Number the keys of n edges: rows and cols (n elements each) get the
 * distinct row and column keys in ascending order, *nrows and *ncols
 * their counts; the row of key rows[i] is i.  scratch is as for a sort
 * of n keys.
 */
HackStatus
hack_edge_keys(const HackEdge *edges, int64_t n, int64_t *rows, int64_t *cols,
			   int64_t *scratch, int64_t *nrows, int64_t *ncols,
			   HackProgressFn progress, void *arg, HackError *err)
{
	HackStatus	st;

	for (int64_t k = 0; k < n; k++)
	{
		rows[k] = edges[k].row;
		cols[k] = edges[k].col;
	}
	if ((st = sort_unique(rows, n, scratch, nrows, progress, arg, err)) != HACK_OK)
		return st;
	return sort_unique(cols, n, scratch, ncols, progress, arg, err);
}

/*
 * Fill the nrows x ncols cost matrix (row-major) of edges sorted by row:
 * each edge's cost at its keys' row and column, +Infinity elsewhere.
 * rows and cols are the numbering of hack_edge_keys.
 */
HackStatus
hack_edge_matrix(const HackEdge *edges, int64_t n, const int64_t *rows,
				 int64_t nrows, const int64_t *cols, int64_t ncols,
				 double *cost, HackProgressFn progress, void *arg,
				 HackError *err)
{
	HackStatus	st;

	for (int64_t k = 0; k < nrows * ncols; k++)
		cost[k] = INFINITY;
	for (int64_t k = 0, r = 0; k < n; k++)
	{
		const int64_t *c;

		if ((k & (HACK_EDGE_SORT_RUN - 1)) == 0 &&
			(st = edge_progress(progress, arg, k, n, err)) != HACK_OK)
			return st;
		while (rows[r] != edges[k].row)
			r++;				/* edges are in row order */
		c = bsearch(&edges[k].col, cols, (size_t) ncols, sizeof(int64_t), key_cmp);
		if (c == NULL)
			return hack_error_set(err, HACK_ERR_INTERNAL, NULL,
								  "column key %" PRId64 " of an edge is not numbered",
								  edges[k].col);
		cost[r * ncols + (c - cols)] = edges[k].cost;
	}
	return HACK_OK;
}
