/*
 * hungarian_agg.c
 *	  hungarian_agg(row_key, col_key, cost): optimal assignment of an edge
 *	  list, as an aggregate returning hack_match[].
 *
 * The transition function appends edges to an in-memory list (24 bytes
 * each); the final function numbers the distinct row and column keys in
 * key order, builds the dense matrix with +Infinity (forbidden) for the
 * missing pairs, solves it and returns the matches in row key order.  A
 * valid edge list has at most one edge per matrix cell, so the list is
 * held to the same cell limit as the matrix and the limit error comes
 * early.  Rows with a NULL argument are ignored, like other aggregates do.
 */
#include "hack.h"
#include "hungarian_sql.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

PG_FUNCTION_INFO_V1(hungarian_agg_accum);
PG_FUNCTION_INFO_V1(hungarian_agg_final);

typedef struct HungarianEdge
{
	int64		row;
	int64		col;
	double		cost;
} HungarianEdge;

typedef struct HungarianAggState
{
	HungarianEdge *edges;
	int64		nedges;
	int64		capacity;
} HungarianAggState;

/* Transition: append one edge to the state, kept in the aggregate context. */
Datum
hungarian_agg_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	HungarianAggState *state;
	double		cost;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "hungarian_agg_accum called in non-aggregate context");
	state = PG_ARGISNULL(0) ? NULL : (HungarianAggState *) PG_GETARG_POINTER(0);
	if (state == NULL)
	{
		state = MemoryContextAllocZero(aggcontext, sizeof(HungarianAggState));
		state->capacity = 64;
		state->edges = MemoryContextAlloc(aggcontext,
										  sizeof(HungarianEdge) * state->capacity);
	}
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_POINTER(state);

	cost = PG_GETARG_FLOAT8(3);
	if (isnan(cost) || cost == -INFINITY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid cost %s for row_key " INT64_FORMAT ", col_key " INT64_FORMAT,
						isnan(cost) ? "NaN" : "-Infinity",
						PG_GETARG_INT64(1), PG_GETARG_INT64(2)),
				 errdetail("Costs must be finite numbers, or Infinity for a forbidden pair.")));
	if (state->nedges >= hungarian_max_cells())
		hungarian_check_size(state->nedges + 1, 1);
	if (state->nedges == state->capacity)
	{
		state->capacity *= 2;
		state->edges = repalloc_huge(state->edges,
									 sizeof(HungarianEdge) * state->capacity);
	}
	state->edges[state->nedges].row = PG_GETARG_INT64(1);
	state->edges[state->nedges].col = PG_GETARG_INT64(2);
	state->edges[state->nedges].cost = cost;
	state->nedges++;
	PG_RETURN_POINTER(state);
}

/* qsort order of int64 keys. */
static int
cmp_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return x < y ? -1 : x > y;
}

/* Order edges by (row, col), so duplicates are neighbours. */
static int
cmp_edge(const void *a, const void *b)
{
	const HungarianEdge *x = a;
	const HungarianEdge *y = b;

	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	return x->col < y->col ? -1 : x->col > y->col;
}

#define SORT_CHUNK 65536

/*
 * qsort that a cancel can stop: sorts runs of SORT_CHUNK elements, then
 * merges runs pairwise, checking for interrupts after each run sorted and
 * every SORT_CHUNK elements merged.  A plain qsort of the largest edge list
 * (maintenance_work_mem / 8 edges: 8 million at 64 MB) takes about a
 * second without a check.
 */
static void
sort_interruptible(void *base, int64 n, size_t size,
				   int (*cmp) (const void *, const void *))
{
	char	   *from = base;
	char	   *to;
	char	   *tmp;

	for (int64 i = 0; i < n; i += SORT_CHUNK)
	{
		qsort(from + i * size, Min(SORT_CHUNK, n - i), size, cmp);
		CHECK_FOR_INTERRUPTS();
	}
	if (n <= SORT_CHUNK)
		return;
	to = tmp = palloc_extended(size * n, MCXT_ALLOC_HUGE);
	for (int64 width = SORT_CHUNK; width < n; width *= 2)
	{
		for (int64 lo = 0; lo < n; lo += 2 * width)
		{
			int64		mid = Min(lo + width, n),
						hi = Min(lo + 2 * width, n),
						i = lo,
						j = mid,
						k = lo;

			while (i < mid || j < hi)
			{
				int64		take = (j >= hi || (i < mid && cmp(from + j * size, from + i * size) >= 0))
					? i++ : j++;

				memcpy(to + k++ * size, from + take * size, size);
				if ((k & (SORT_CHUNK - 1)) == 0)
					CHECK_FOR_INTERRUPTS();
			}
		}
		tmp = from;
		from = to;
		to = tmp;
	}
	if (from != (char *) base)
	{
		memcpy(base, from, size * n);
		pfree(from);
	}
	else
		pfree(to);
}

/* Sort keys in place and drop repeats; returns how many remain. */
static int64
sort_unique(int64 *keys, int64 n)
{
	int64		k = 0;

	sort_interruptible(keys, n, sizeof(int64), cmp_int64);
	for (int64 i = 0; i < n; i++)
		if (k == 0 || keys[k - 1] != keys[i])
			keys[k++] = keys[i];
	return k;
}

/* Index of key in the sorted unique keys[0, n). */
static int
key_index(const int64 *keys, int64 n, int64 key)
{
	const int64 *p = bsearch(&key, keys, n, sizeof(int64), cmp_int64);

	Assert(p != NULL);
	return (int) (p - keys);
}

/* A hack_match(row_key, col_key, cost) value of the given tuple descriptor. */
static Datum
make_match(TupleDesc tupdesc, int64 row, int64 col, double cost)
{
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	values[0] = Int64GetDatum(row);
	values[1] = Int64GetDatum(col);
	values[2] = Float8GetDatum(cost);
	return heap_copy_tuple_as_datum(heap_form_tuple(tupdesc, values, nulls),
									tupdesc);
}

/*
 * Final: solve and return the matches as hack_match[] in row key order, or
 * NULL when there were no edges.
 */
Datum
hungarian_agg_final(PG_FUNCTION_ARGS)
{
	HungarianAggState *state;
	HungarianEdge *edges;
	int64		nedges;
	int64	   *rows,
			   *cols;
	int64		nrows,
				ncols;
	double	   *cost;
	int		   *assign;
	Oid			arraytype,
				elemtype;
	TupleDesc	tupdesc;
	Datum	   *matches;
	int			nmatches = 0;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "hungarian_agg_final called in non-aggregate context");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = (HungarianAggState *) PG_GETARG_POINTER(0);
	if (state->nedges == 0)
		PG_RETURN_NULL();

	/*
	 * sort the state in place: the final function may run again on the same
	 * state, but the edges are a set, so their order does not matter (and a
	 * copy would add 24 bytes an edge to the peak)
	 */
	nedges = state->nedges;
	edges = state->edges;
	sort_interruptible(edges, nedges, sizeof(HungarianEdge), cmp_edge);
	for (int64 k = 1; k < nedges; k++)
		if (edges[k].row == edges[k - 1].row && edges[k].col == edges[k - 1].col)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("duplicate edge (row_key " INT64_FORMAT ", col_key " INT64_FORMAT ") in hungarian_agg",
							edges[k].row, edges[k].col),
					 errdetail("Each pair of keys may appear at most once.")));

	rows = palloc_extended(sizeof(int64) * nedges, MCXT_ALLOC_HUGE);
	cols = palloc_extended(sizeof(int64) * nedges, MCXT_ALLOC_HUGE);
	for (int64 k = 0; k < nedges; k++)
	{
		rows[k] = edges[k].row;
		cols[k] = edges[k].col;
	}
	nrows = sort_unique(rows, nedges);
	ncols = sort_unique(cols, nedges);
	hungarian_check_size(nrows, ncols);

	cost = hungarian_alloc_matrix(nrows, ncols);
	for (int64 k = 0; k < nrows * ncols; k++)
		cost[k] = INFINITY;
	for (int64 k = 0, r = 0; k < nedges; k++)
	{
		if ((k & (SORT_CHUNK - 1)) == 0)
			CHECK_FOR_INTERRUPTS();
		while (rows[r] != edges[k].row)
			r++;				/* edges are in row order */
		cost[r * ncols + key_index(cols, ncols, edges[k].col)] = edges[k].cost;
	}

	assign = hungarian_run(cost, nrows, ncols, false);

	arraytype = get_fn_expr_rettype(fcinfo->flinfo);
	elemtype = OidIsValid(arraytype) ? get_element_type(arraytype) : InvalidOid;
	if (!OidIsValid(elemtype))
		elog(ERROR, "hungarian_agg_final: could not determine the result type");
	tupdesc = lookup_rowtype_tupdesc(elemtype, -1);
	matches = palloc(sizeof(Datum) * Min(nrows, ncols));
	for (int i = 0; i < nrows; i++)
		if (assign[i] >= 0)
			matches[nmatches++] = make_match(tupdesc, rows[i], cols[assign[i]],
											 cost[(int64) i * ncols + assign[i]]);
	ReleaseTupleDesc(tupdesc);

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	PG_RETURN_ARRAYTYPE_P(construct_array(matches, nmatches, elemtype, typlen,
										  typbyval, typalign));
}
