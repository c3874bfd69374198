/*
 * packing_sql.c
 *	  SQL glue of the sphere packing: hack_pack() and hack_packing_stats().
 *
 * Both are thin wrappers around src/core/packing.[ch]; the core checks the
 * parameters, runs the optimiser and computes the figures, calling
 * hack_interrupt_callback() between epochs so that a cancel stops it.
 */
#include "hack.h"
#include "poincare.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/lsyscache.h"

#include "core/packing.h"

PG_FUNCTION_INFO_V1(packing_pack);
PG_FUNCTION_INFO_V1(packing_stats);

/*
 * hack_pack(n, dim, radius, k, epochs, lr, seed)
 *	  RETURNS TABLE(particle_id int, point poincare_point)
 */
Datum
packing_pack(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HackPackParams p;
	HackError	err;
	HackStatus	st;
	double	   *x;

	hack_pack_defaults(&p);
	p.n = PG_GETARG_INT32(0);
	p.dim = PG_GETARG_INT32(1);
	p.radius = PG_GETARG_FLOAT8(2);
	p.k = PG_GETARG_FLOAT8(3);
	p.epochs = PG_GETARG_INT32(4);
	p.lr = PG_GETARG_FLOAT8(5);
	p.seed = (uint64_t) PG_GETARG_INT64(6);
	hack_check(hack_pack_check(&p, &err), &err);

	InitMaterializedSRF(fcinfo, 0);
	x = palloc_extended(sizeof(double) * p.n * p.dim, MCXT_ALLOC_HUGE);
	st = hack_pack(&p, x, hack_interrupt_callback, NULL, &err);
	if (st != HACK_OK)
	{
		pfree(x);
		hack_raise(&err);
	}
	for (int i = 0; i < p.n; i++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = Int32GetDatum(i + 1);
		values[1] = PointerGetDatum(poincare_from_coords(x + (long) i * p.dim, p.dim));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		pfree(DatumGetPointer(values[1]));
	}
	pfree(x);
	return (Datum) 0;
}

/*
 * The coordinates of the points of a poincare_point[] of any shape, as
 * n * dim doubles; NULL elements and mixed dimensions are errors.
 */
static double *
packing_array_coords(ArrayType *array, int *n, int *dim)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	double	   *x = NULL;

	get_typlenbyvalalign(ARR_ELEMTYPE(array), &typlen, &typbyval, &typalign);
	deconstruct_array(array, ARR_ELEMTYPE(array), typlen, typbyval, typalign,
					  &elems, &nulls, n);
	*dim = 0;
	if (*n == 0)
		return NULL;
	for (int i = 0; i < *n; i++)
	{
		PoincarePoint *pt;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("array of points must not contain nulls")));
		pt = DatumGetPoincarePointP(elems[i]);
		if (i == 0)
		{
			*dim = pt->dim;
			x = palloc_extended(sizeof(double) * (*n) * (*dim), MCXT_ALLOC_HUGE);
		}
		else if (pt->dim != *dim)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("different poincare_point dimensions %d and %d",
							*dim, pt->dim)));
		memcpy(x + (long) i * (*dim), pt->x, sizeof(double) * (*dim));
	}
	return x;
}

/* Quality figures of a packing: one row (see doc/reference/packing.md). */
Datum
packing_stats(PG_FUNCTION_ARGS)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(0);
	double		radius = PG_GETARG_FLOAT8(1);
	HackPackStats s;
	HackError	err;
	HackStatus	st;
	TupleDesc	tupdesc;
	Datum		values[11];
	bool		nulls[11];
	Datum		counts[HACK_PACK_ANNULI];
	double		dev = 0.0;
	int			n,
				dim;
	double	   *x = packing_array_coords(array, &n, &dim);

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	st = hack_packing_stats(x, n, dim > 0 ? dim : 1, radius, &s,
							hack_interrupt_callback, NULL, &err);
	if (x != NULL)
		pfree(x);
	hack_check(st, &err);

	for (int a = 0; a < HACK_PACK_ANNULI; a++)
	{
		double		share = (double) s.annulus[a] / ((double) n / HACK_PACK_ANNULI) - 1.0;

		counts[a] = Int64GetDatum(s.annulus[a]);
		dev = fabs(share) > dev ? fabs(share) : dev;
	}
	memset(nulls, 0, sizeof(nulls));
	values[0] = Int32GetDatum(s.n);
	values[1] = Int32GetDatum(s.dim);
	values[2] = PointerGetDatum(construct_array(counts, HACK_PACK_ANNULI, INT8OID,
												sizeof(int64), FLOAT8PASSBYVAL,
												TYPALIGN_DOUBLE));
	values[3] = Float8GetDatum(dev);
	values[4] = Int64GetDatum(s.outside);
	values[5] = Float8GetDatum(s.nn_mean);
	values[6] = Float8GetDatum(s.nn_cv);
	values[7] = Float8GetDatum(s.nn_min);
	values[8] = Float8GetDatum(s.nn_max);
	values[9] = Float8GetDatum(s.max_norm);
	values[10] = Int64GetDatum(s.coincident);
	/* nearest neighbours are undefined for a single point */
	for (int f = 5; f <= 8; f++)
		nulls[f] = isnan(s.nn_mean);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
