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
#include "point_array.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(hack_assign);

/*
 * hack_assign(points, targets): one row (point_index, target_index,
 * distance) per matched pair, in point order, 1-based.
 */
Datum
hack_assign(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ArrayType  *points = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *targets = PG_GETARG_ARRAYTYPE_P(1);
	PointArrayRules prules = {"points must not contain NULLs", -1, NULL};
	PointArrayRules trules = {"targets must not contain NULLs", -1, NULL};
	int			n,
				m,
				dim;
	double	   *cost;
	double	   *xs,
			   *ys;
	int		   *assign;
	HackError	err;

	/* NULLs in either array come before a difference of dimensions */
	hack_point_array_coords(points, &prules, &n, &dim);
	hack_point_array_coords(targets, &trules, &m, &dim);
	InitMaterializedSRF(fcinfo, 0);
	if (n == 0 || m == 0)
		return (Datum) 0;
	prules.dim = 0;
	xs = hack_point_array_coords(points, &prules, &n, &dim);
	trules.dim = dim;
	ys = hack_point_array_coords(targets, &trules, &m, &dim);
	hungarian_check_size(n, m);

	cost = hungarian_alloc_matrix(n, m);
	hack_check(hyp_distance_matrix(xs, n, ys, m, dim, 1.0, cost,
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
