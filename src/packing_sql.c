/*
 * packing_sql.c
 *	  SQL glue of the sphere packing: hack_pack() and hack_packing_stats().
 *
 * Both are thin wrappers around src/core/packing.c and packing_stats.c;
 * the core checks the parameters, runs the optimiser and computes the
 * figures, calling hack_interrupt_callback() between epochs so that a
 * cancel stops it.
 */
#include "hack.h"
#include "poincare.h"
#include "point_array.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/lsyscache.h"

#include "core/packing_stats.h"

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

/* The annulus counts of s as an int8[]. */
static ArrayType *
annulus_array(const HackPackStats *s)
{
	Datum		counts[HACK_PACK_ANNULI];

	for (int a = 0; a < HACK_PACK_ANNULI; a++)
		counts[a] = Int64GetDatum(s->annulus[a]);
	return construct_array(counts, HACK_PACK_ANNULI, INT8OID, sizeof(int64),
						   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/* The row of hack_packing_stats for the figures s. */
static Datum
stats_row(TupleDesc tupdesc, const HackPackStats *s)
{
	Datum		values[] = {
		Int32GetDatum(s->n), Int32GetDatum(s->dim),
		PointerGetDatum(annulus_array(s)),
		Float8GetDatum(hack_packing_annulus_deviation(s)),
		Int64GetDatum(s->outside),
		Float8GetDatum(s->nn_mean), Float8GetDatum(s->nn_cv),
		Float8GetDatum(s->nn_min), Float8GetDatum(s->nn_max),
		Float8GetDatum(s->max_norm), Int64GetDatum(s->coincident)
	};
	bool		nulls[lengthof(values)] = {false};

	/* nearest neighbours are undefined for a single point */
	for (int f = 5; f <= 8; f++)
		nulls[f] = isnan(s->nn_mean);
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/* Quality figures of a packing: one row (see doc/reference/packing.md). */
Datum
packing_stats(PG_FUNCTION_ARGS)
{
	static const PointArrayRules rules = {
		"array of points must not contain nulls", 0, NULL
	};
	HackPackStats s;
	HackError	err;
	HackStatus	st;
	TupleDesc	tupdesc;
	int			n,
				dim;
	double	   *x = hack_point_array_coords(PG_GETARG_ARRAYTYPE_P(0), &rules,
											&n, &dim);

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	st = hack_packing_stats(x, n, dim > 0 ? dim : 1, PG_GETARG_FLOAT8(1), &s,
							hack_interrupt_callback, NULL, &err);
	if (x != NULL)
		pfree(x);
	hack_check(st, &err);
	PG_RETURN_DATUM(stats_row(tupdesc, &s));
}
