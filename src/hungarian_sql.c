/*
 * hungarian_sql.c
 *	  hungarian(cost float8[][], maximize): optimal assignment of a matrix,
 *	  and the size limit and solver call shared by the assignment functions.
 *
 * The solver itself is src/core/hungarian.c; this file only checks the
 * array, passes its data to the core without copying it, and returns the
 * assigned pairs as rows, by the array's own subscripts.
 */
#include "hack.h"
#include "hungarian_sql.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "core/hungarian.h"

PG_FUNCTION_INFO_V1(hungarian);

/*
 * The flat array behind argument argno, without copying it when it is an
 * unmodified expanded array (a PL/pgSQL variable, say): flattening a
 * 2048 x 2048 matrix would cost more than solving it.
 */
static ArrayType *
flat_array_arg(FunctionCallInfo fcinfo, int argno)
{
	Datum		d = PG_GETARG_DATUM(argno);

	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
	{
		ExpandedArrayHeader *eah = (ExpandedArrayHeader *) DatumGetEOHP(d);

		if (eah->ea_magic == EA_MAGIC && eah->fvalue != NULL)
			return eah->fvalue;
	}
	return DatumGetArrayTypeP(d);
}

/* Largest number of cost matrix cells: 8-byte cells in maintenance_work_mem. */
int64
hungarian_max_cells(void)
{
	return (int64) maintenance_work_mem * 1024 / (int64) sizeof(double);
}

/* Raise 54000 unless an nrows x ncols problem is within the documented limit. */
void
hungarian_check_size(int64 nrows, int64 ncols)
{
	if (nrows > PG_INT32_MAX / 2 || ncols > PG_INT32_MAX / 2 ||
		(ncols > 0 && nrows > hungarian_max_cells() / ncols))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("assignment problem of " INT64_FORMAT " x " INT64_FORMAT " is too large",
						nrows, ncols),
				 errdetail("Its cost matrix of 8-byte cells must fit in maintenance_work_mem (%d kB), which holds " INT64_FORMAT " cells.",
						   maintenance_work_mem, hungarian_max_cells()),
				 errhint("Raise maintenance_work_mem, or split the problem.")));
}

/* A matrix for a problem that passed hungarian_check_size (may exceed 1 GB). */
double *
hungarian_alloc_matrix(int nrows, int ncols)
{
	return MemoryContextAllocHuge(CurrentMemoryContext,
								  sizeof(double) * (Size) nrows * ncols);
}

/*
 * Solve the problem and return the column of each row (0-based; -1 for
 * rows left out when there are more rows than columns).  Raises on
 * invalid costs, infeasibility or cancel.
 */
int *
hungarian_run(const double *cost, int nrows, int ncols, bool maximize)
{
	int		   *assign = palloc(sizeof(int) * Max(nrows, 1));
	double		total;
	HackError	err;

	hungarian_check_size(nrows, ncols);
	hack_check(hungarian_solve(cost, nrows, ncols, maximize, assign, &total,
							   NULL, NULL, hack_interrupt_callback, NULL, &err),
			   &err);
	return assign;
}

/*
 * hungarian(cost, maximize): one row (row_index, col_index, cost) per
 * assigned pair, in row order, with the array's subscripts.
 */
Datum
hungarian(PG_FUNCTION_ARGS)
{
	ArrayType  *array = flat_array_arg(fcinfo, 0);
	bool		maximize = PG_GETARG_BOOL(1);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			nrows,
				ncols;
	int		   *assign;
	const double *cost;

	if (ARR_NDIM(array) != 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cost matrix must be a two-dimensional array, got %d dimension%s",
						ARR_NDIM(array), ARR_NDIM(array) == 1 ? "" : "s"),
				 errhint("Write a matrix as '{{1,2},{3,4}}'::float8[].")));
	if (ARR_HASNULL(array) && array_contains_nulls(array))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("cost matrix must not contain NULLs"),
				 errhint("Use 'Infinity' for a forbidden pair.")));
	nrows = ARR_DIMS(array)[0];
	ncols = ARR_DIMS(array)[1];
	cost = (const double *) ARR_DATA_PTR(array);

	assign = hungarian_run(cost, nrows, ncols, maximize);

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < nrows; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		if (assign[i] < 0)
			continue;
		values[0] = Int32GetDatum(ARR_LBOUND(array)[0] + i);
		values[1] = Int32GetDatum(ARR_LBOUND(array)[1] + assign[i]);
		values[2] = Float8GetDatum(cost[(Size) i * ncols + assign[i]]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
