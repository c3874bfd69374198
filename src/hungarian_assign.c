/*
 * hungarian_assign.c
 *	  hack_assign(points, targets): match points to targets one-to-one so
 *	  that the sum of Poincaré distances is least.
 *
 * This is the assignment step of HACK: a batch of embeddings against as
 * many (or more) particles of the packing.  The cost matrix is built here
 * by hyp_distance_matrix (the Poincaré distance of the poincare_point
 * ball, curvature -1, with denominators computed once per point) and solved by
 * the shared glue; more points than targets is allowed too, in which case
 * every target gets one point and the other points none.
 */
#include "hack.h"
#include "hungarian_sql.h"
#include "poincare.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(hack_assign);

/*
 * The points of a poincare_point[] argument (any number of dimensions, in
 * storage order, detoasted), checked for NULLs; *n gets their count.
 */
static PoincarePoint **
points_of(ArrayType *array, const char *what, int *n)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	PoincarePoint **points;

	get_typlenbyvalalign(ARR_ELEMTYPE(array), &typlen, &typbyval, &typalign);
	deconstruct_array(array, ARR_ELEMTYPE(array), typlen, typbyval, typalign,
					  &elems, &nulls, n);
	points = palloc(sizeof(PoincarePoint *) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain NULLs", what)));
		points[i] = DatumGetPoincarePointP(elems[i]);
	}
	return points;
}

/* The coordinates of n points of one dimension, contiguous. */
static double *
coords_of(PoincarePoint **points, int n)
{
	int			dim = points[0]->dim;
	double	   *xs = palloc(sizeof(double) * (Size) n * dim);

	for (int i = 0; i < n; i++)
		memcpy(xs + (Size) i * dim, points[i]->x, sizeof(double) * dim);
	return xs;
}

/*
 * hack_assign(points, targets): one row (point_index, target_index,
 * distance) per matched pair, in point order, 1-based.
 */
Datum
hack_assign(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	PoincarePoint **points,
			  **targets;
	int			n,
				m;
	double	   *cost;
	double	   *xs,
			   *ys;
	int		   *assign;
	HackError	err;

	points = points_of(PG_GETARG_ARRAYTYPE_P(0), "points", &n);
	targets = points_of(PG_GETARG_ARRAYTYPE_P(1), "targets", &m);
	InitMaterializedSRF(fcinfo, 0);
	if (n == 0 || m == 0)
		return (Datum) 0;
	for (int i = 1; i < n; i++)
		poincare_check_dims(points[0], points[i]);
	for (int j = 0; j < m; j++)
		poincare_check_dims(points[0], targets[j]);
	hungarian_check_size(n, m);

	cost = hungarian_alloc_matrix(n, m);
	xs = coords_of(points, n);
	ys = coords_of(targets, m);
	hack_check(hyp_distance_matrix(xs, n, ys, m, points[0]->dim, 1.0, cost,
								   hack_interrupt_callback, NULL, &err),
			   &err);

	assign = hungarian_run(cost, n, m, false);
	for (int i = 0; i < n; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		if (assign[i] < 0)
			continue;
		values[0] = Int32GetDatum(i + 1);
		values[1] = Int32GetDatum(assign[i] + 1);
		values[2] = Float8GetDatum(cost[(Size) i * m + assign[i]]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
