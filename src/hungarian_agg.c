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
 * Sorting, numbering and the matrix are src/core/edge_list.c; this file
 * holds the state, the memory and the result.
 */
#include "hack.h"
#include "hungarian_sql.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "core/edge_list.h"

PG_FUNCTION_INFO_V1(hungarian_agg_accum);
PG_FUNCTION_INFO_V1(hungarian_agg_final);

typedef struct HungarianAggState
{
	HackEdge   *edges;
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
										  sizeof(HackEdge) * state->capacity);
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
									 sizeof(HackEdge) * state->capacity);
	}
	state->edges[state->nedges].row = PG_GETARG_INT64(1);
	state->edges[state->nedges].col = PG_GETARG_INT64(2);
	state->edges[state->nedges].cost = cost;
	state->nedges++;
	PG_RETURN_POINTER(state);
}

/*
 * The merge buffer of a sort of n elements of the given size, or NULL when
 * the sort is a single run and needs none.
 */
static void *
sort_scratch(int64 n, size_t size)
{
	if (n <= HACK_EDGE_SORT_RUN)
		return NULL;
	return palloc_extended(size * n, MCXT_ALLOC_HUGE);
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
	HackEdge   *edges;
	int64		nedges;
	int64_t    *rows,
			   *cols;
	int64_t		nrows,
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
	void	   *scratch;
	HackError	err;

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
	scratch = sort_scratch(nedges, sizeof(HackEdge));
	hack_check(hack_edge_sort(edges, nedges, scratch, hack_interrupt_callback,
							  NULL, &err), &err);
	if (scratch != NULL)
		pfree(scratch);
	hack_check(hack_edge_check_unique(edges, nedges, &err), &err);

	rows = palloc_extended(sizeof(int64_t) * nedges, MCXT_ALLOC_HUGE);
	cols = palloc_extended(sizeof(int64_t) * nedges, MCXT_ALLOC_HUGE);
	scratch = sort_scratch(nedges, sizeof(int64_t));
	hack_check(hack_edge_keys(edges, nedges, rows, cols,
							  scratch, &nrows, &ncols,
							  hack_interrupt_callback, NULL, &err), &err);
	if (scratch != NULL)
		pfree(scratch);
	hungarian_check_size(nrows, ncols);

	cost = hungarian_alloc_matrix(nrows, ncols);
	hack_check(hack_edge_matrix(edges, nedges, rows, nrows,
								cols, ncols, cost,
								hack_interrupt_callback, NULL, &err), &err);

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
