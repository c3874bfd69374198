/*
 * test_edge_list.c
 *	  The edge lists of hungarian_agg (src/core/edge_list.c): the sort of
 *	  runs and merges against qsort, key numbering, the duplicate check
 *	  with its message, the matrix and the progress callback.
 */
#include "unit.h"

#include <string.h>

#include "edge_list.h"

/* qsort reference order of edges: by row, then column. */
static int
ref_cmp(const void *a, const void *b)
{
	const HackEdge *x = a;
	const HackEdge *y = b;
	int			by_row = (x->row > y->row) - (x->row < y->row);

	return by_row != 0 ? by_row : (x->col > y->col) - (x->col < y->col);
}

/* n edges of distinct cells of an nr x nc grid, keys spaced and shuffled. */
static HackEdge *
random_edges(UnitRng *rng, int64_t n, int64_t nc)
{
	HackEdge   *e = malloc(sizeof(HackEdge) * n);

	for (int64_t k = 0; k < n; k++)
	{
		e[k].row = 1000 * (k / nc) - 7;
		e[k].col = -3 * (k % nc);
		e[k].cost = (double) k;
	}
	for (int64_t k = n - 1; k > 0; k--)
	{
		int64_t		j = (int64_t) (unit_rng_next(rng) % (uint64_t) (k + 1));
		HackEdge	t = e[k];

		e[k] = e[j];
		e[j] = t;
	}
	return e;
}

/* One run, several runs and an odd count of runs: the order qsort gives. */
static void
test_sort_matches_qsort(void)
{
	int64_t		sizes[] = {1, 5, HACK_EDGE_SORT_RUN, 3 * HACK_EDGE_SORT_RUN + 17};
	UnitRng		rng = {11};
	HackError	err;

	for (int s = 0; s < 4; s++)
	{
		int64_t		n = sizes[s];
		HackEdge   *e,
				   *ref,
				   *scratch = malloc(sizeof(HackEdge) * n);

		if (unit_small() && n > HACK_EDGE_SORT_RUN)
			n = HACK_EDGE_SORT_RUN + 100;
		e = random_edges(&rng, n, 300);
		ref = malloc(sizeof(HackEdge) * n);
		memcpy(ref, e, sizeof(HackEdge) * n);
		qsort(ref, n, sizeof(HackEdge), ref_cmp);
		CHECK(hack_edge_sort(e, n, n > HACK_EDGE_SORT_RUN ? scratch : NULL,
							 NULL, NULL, &err) == HACK_OK);
		CHECK(memcmp(e, ref, sizeof(HackEdge) * n) == 0);
		CHECK(hack_edge_check_unique(e, n, &err) == HACK_OK);
		free(e);
		free(ref);
		free(scratch);
	}
}

/* Distinct keys in ascending order, and the matrix they number. */
static void
test_keys_and_matrix(void)
{
	HackEdge	e[] = {{5, -1, 1.5}, {-2, 9, 2.5}, {5, 9, 3.5}, {-2, 4, 4.5}};
	int64_t		rows[4],
				cols[4],
				nrows,
				ncols;
	double		cost[6];
	HackError	err;

	CHECK(hack_edge_sort(e, 4, NULL, NULL, NULL, &err) == HACK_OK);
	CHECK(hack_edge_keys(e, 4, rows, cols, NULL, &nrows, &ncols, NULL, NULL,
						 &err) == HACK_OK);
	CHECK(nrows == 2 && rows[0] == -2 && rows[1] == 5);
	CHECK(ncols == 3 && cols[0] == -1 && cols[1] == 4 && cols[2] == 9);
	CHECK(hack_edge_matrix(e, 4, rows, nrows, cols, ncols, cost, NULL, NULL,
						   &err) == HACK_OK);
	/* row -2: 4 -> 4.5, 9 -> 2.5; row 5: -1 -> 1.5, 9 -> 3.5 */
	CHECK(isinf(cost[0]) && cost[1] == 4.5 && cost[2] == 2.5);
	CHECK(cost[3] == 1.5 && isinf(cost[4]) && cost[5] == 3.5);
}

/* A sorted, numbered edge list of distinct cells and room for its matrix. */
typedef struct EdgeCase
{
	int64_t		n;
	HackEdge   *e;
	HackEdge   *scratch;		/* n edges: room for either sort */
	int64_t    *rows;
	int64_t    *cols;
	int64_t		nrows;
	int64_t		ncols;
	double	   *cost;
} EdgeCase;

static void
edge_case_init(EdgeCase *c, uint64_t seed, int64_t n, int64_t nc)
{
	UnitRng		rng = {seed};
	HackError	err;

	c->n = n;
	c->e = random_edges(&rng, n, nc);
	c->scratch = malloc(sizeof(HackEdge) * n);
	c->rows = malloc(sizeof(int64_t) * n);
	c->cols = malloc(sizeof(int64_t) * n);
	CHECK(hack_edge_sort(c->e, n, c->scratch, NULL, NULL, &err) == HACK_OK);
	CHECK(hack_edge_keys(c->e, n, c->rows, c->cols, (int64_t *) c->scratch,
						 &c->nrows, &c->ncols, NULL, NULL, &err) == HACK_OK);
	c->cost = malloc(sizeof(double) * c->nrows * c->ncols);
}

static void
edge_case_free(EdgeCase *c)
{
	void	   *blocks[] = {c->e, c->scratch, c->rows, c->cols, c->cost};

	for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++)
		free(blocks[i]);
}

/* A sparse matrix: +Infinity except at the edges, keys across several runs. */
static void
test_matrix_large(void)
{
	int64_t		nc = 400,
				finite = 0;
	EdgeCase	c;
	HackError	err;

	edge_case_init(&c, 5, unit_small() ? 4000 : 2 * HACK_EDGE_SORT_RUN + 3, nc);
	CHECK(c.nrows == (c.n + nc - 1) / nc && c.ncols == nc);
	CHECK(hack_edge_matrix(c.e, c.n, c.rows, c.nrows, c.cols, c.ncols, c.cost,
						   NULL, NULL, &err) == HACK_OK);
	for (int64_t k = 0; k < c.nrows * c.ncols; k++)
		finite += isfinite(c.cost[k]);
	CHECK(finite == c.n);
	/* edge k is at row k / nc; its column key -3 (k % nc) is column nc - 1 - k % nc */
	for (int64_t k = 0; k < c.n; k++)
	{
		int64_t		orig = (int64_t) c.e[k].cost;

		CHECK(c.cost[orig / nc * c.ncols + nc - 1 - orig % nc] == c.e[k].cost);
	}
	edge_case_free(&c);
}

/* Two edges for one cell: 22023, with hungarian_agg's message. */
static void
test_duplicate(void)
{
	HackEdge	e[] = {{1, 2, 0.5}, {3, 4, 1.0}, {1, 2, 7.0}};
	HackError	err;

	CHECK(hack_edge_sort(e, 3, NULL, NULL, NULL, &err) == HACK_OK);
	CHECK(hack_edge_check_unique(e, 3, &err) == HACK_ERR_PARAMETER);
	CHECK(strcmp(err.message, "duplicate edge (row_key 1, col_key 2) in hungarian_agg") == 0);
	CHECK(strcmp(err.detail, "Each pair of keys may appear at most once.") == 0);
	/* the same row or the same column alone is no duplicate */
	e[1].col = 4;
	CHECK(hack_edge_sort(e, 3, NULL, NULL, NULL, &err) == HACK_OK);
	CHECK(hack_edge_check_unique(e, 3, &err) == HACK_OK);
}

static int	calls;

/* Progress callback: counts calls, says stop after *arg of them. */
static bool
stop_after(void *arg, double done, double total)
{
	CHECK(done >= 0 && done <= total);
	return ++calls <= *(int *) arg;
}

/* Each pass reports progress and stops when the callback says so. */
static void
test_interrupt(void)
{
	EdgeCase	c;
	HackError	err;
	int			limit = 1000000;

	edge_case_init(&c, 3, 2 * HACK_EDGE_SORT_RUN + 1, 1000);
	calls = 0;
	CHECK(hack_edge_sort(c.e, c.n, c.scratch, stop_after, &limit, &err) == HACK_OK);
	CHECK(calls >= 3);
	for (limit = 0; limit <= 3; limit++)
	{
		calls = 0;
		CHECK(hack_edge_sort(c.e, c.n, c.scratch, stop_after, &limit, &err) ==
			  HACK_ERR_INTERRUPTED);
		CHECK(err.status == HACK_ERR_INTERRUPTED && calls == limit + 1);
	}
	/* an interrupted sort keeps the set: sorting again gives it whole */
	CHECK(hack_edge_sort(c.e, c.n, c.scratch, NULL, NULL, &err) == HACK_OK);
	CHECK(hack_edge_check_unique(c.e, c.n, &err) == HACK_OK);
	for (int64_t k = 1; k < c.n; k++)
		CHECK(ref_cmp(&c.e[k - 1], &c.e[k]) < 0);
	/* the matrix reports at edges 0, RUN and 2 RUN */
	for (limit = 0; limit <= 2; limit++)
	{
		calls = 0;
		CHECK(hack_edge_matrix(c.e, c.n, c.rows, c.nrows, c.cols, c.ncols,
							   c.cost, stop_after, &limit, &err) ==
			  HACK_ERR_INTERRUPTED);
		CHECK(calls == limit + 1);
	}
	edge_case_free(&c);
}

void
suite_edge_list(void)
{
	RUN(test_sort_matches_qsort);
	RUN(test_keys_and_matrix);
	RUN(test_matrix_large);
	RUN(test_duplicate);
	RUN(test_interrupt);
}
