/*
 * poincare_ops.c
 *	  Hyperbolic geometry on poincare_point: distance, norm, gyrovector
 *	  operations, exponential and logarithmic maps, geodesics.
 *
 * Each function is a thin wrapper: detoast, check dimensions and the
 * curvature argument, call the core, validate the result.  The optional
 * last argument c is the magnitude of the curvature -c (default 1).
 */
#include "hack.h"
#include "poincare.h"

#include <math.h>

#include "utils/array.h"

PG_FUNCTION_INFO_V1(poincare_distance);
PG_FUNCTION_INFO_V1(poincare_norm);
PG_FUNCTION_INFO_V1(poincare_mobius_add);
PG_FUNCTION_INFO_V1(poincare_mobius_scale);
PG_FUNCTION_INFO_V1(poincare_expmap0);
PG_FUNCTION_INFO_V1(poincare_logmap0);
PG_FUNCTION_INFO_V1(poincare_expmap);
PG_FUNCTION_INFO_V1(poincare_logmap);
PG_FUNCTION_INFO_V1(poincare_geodesic);

/* Read a tangent vector argument: a 1-D float8[] of finite values. */
static double *
getarg_tangent(FunctionCallInfo fcinfo, int argno, int *dim)
{
	double	   *v = poincare_array_values(PG_GETARG_ARRAYTYPE_P(argno), dim);
	HackError	err;

	if (*dim > HACK_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("tangent vector cannot have more than %d dimensions",
						HACK_MAX_DIM)));
	hack_check(hyp_check_finite(v, *dim, &err), &err);
	return v;
}

/* Two points for one operation: same dimension, both inside the c-ball. */
static void
check_pair(const PoincarePoint *a, const PoincarePoint *b, double c)
{
	poincare_check_dims(a, b);
	poincare_check_in_ball(a, c);
	poincare_check_in_ball(b, c);
}

/* poincare_distance(a, b [, c]) and the <-> operator. */
Datum
poincare_distance(PG_FUNCTION_ARGS)
{
	PoincarePoint *a = PG_GETARG_POINCARE_P(0);
	PoincarePoint *b = PG_GETARG_POINCARE_P(1);
	double		c = poincare_getarg_curvature(fcinfo, 2);

	check_pair(a, b, c);
	PG_RETURN_FLOAT8(hyp_distance(a->x, b->x, a->dim, c));
}

/* poincare_norm(p [, c]): distance to the origin. */
Datum
poincare_norm(PG_FUNCTION_ARGS)
{
	PoincarePoint *p = PG_GETARG_POINCARE_P(0);
	double		c = poincare_getarg_curvature(fcinfo, 1);

	poincare_check_in_ball(p, c);
	PG_RETURN_FLOAT8(hyp_norm(p->x, p->dim, c));
}

/* mobius_add(a, b [, c]) */
Datum
poincare_mobius_add(PG_FUNCTION_ARGS)
{
	PoincarePoint *a = PG_GETARG_POINCARE_P(0);
	PoincarePoint *b = PG_GETARG_POINCARE_P(1);
	double		c = poincare_getarg_curvature(fcinfo, 2);
	double		out[HACK_MAX_DIM];

	check_pair(a, b, c);
	hyp_mobius_add(a->x, b->x, a->dim, c, out);
	PG_RETURN_POINCARE_P(poincare_result(out, a->dim, c, "mobius_add"));
}

/* mobius_scale(r, p [, c]) */
Datum
poincare_mobius_scale(PG_FUNCTION_ARGS)
{
	double		r = PG_GETARG_FLOAT8(0);
	PoincarePoint *p = PG_GETARG_POINCARE_P(1);
	double		c = poincare_getarg_curvature(fcinfo, 2);
	double		out[HACK_MAX_DIM];

	if (!isfinite(r))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("scalar of mobius_scale must be finite, got %g", r)));
	poincare_check_in_ball(p, c);
	hyp_mobius_scale(r, p->x, p->dim, c, out);
	PG_RETURN_POINCARE_P(poincare_result(out, p->dim, c, "mobius_scale"));
}

/* expmap0(v float8[] [, c]) */
Datum
poincare_expmap0(PG_FUNCTION_ARGS)
{
	int			dim;
	double	   *v = getarg_tangent(fcinfo, 0, &dim);
	double		c = poincare_getarg_curvature(fcinfo, 1);
	double		out[HACK_MAX_DIM];

	hyp_expmap0(v, dim, c, out);
	PG_RETURN_POINCARE_P(poincare_result(out, dim, c, "expmap0"));
}

/* logmap0(p [, c]) -> float8[] */
Datum
poincare_logmap0(PG_FUNCTION_ARGS)
{
	PoincarePoint *p = PG_GETARG_POINCARE_P(0);
	double		c = poincare_getarg_curvature(fcinfo, 1);
	double		out[HACK_MAX_DIM];

	poincare_check_in_ball(p, c);
	hyp_logmap0(p->x, p->dim, c, out);
	PG_RETURN_DATUM(poincare_float8_array(out, p->dim));
}

/* expmap(p, v float8[] [, c]) */
Datum
poincare_expmap(PG_FUNCTION_ARGS)
{
	PoincarePoint *p = PG_GETARG_POINCARE_P(0);
	int			dim;
	double	   *v = getarg_tangent(fcinfo, 1, &dim);
	double		c = poincare_getarg_curvature(fcinfo, 2);
	double		out[HACK_MAX_DIM];

	if (dim != p->dim)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("different dimensions of point (%d) and tangent vector (%d)",
						p->dim, dim)));
	poincare_check_in_ball(p, c);
	hyp_expmap(p->x, v, dim, c, out);
	PG_RETURN_POINCARE_P(poincare_result(out, dim, c, "expmap"));
}

/* logmap(p, q [, c]) -> float8[]: the tangent vector at p pointing to q. */
Datum
poincare_logmap(PG_FUNCTION_ARGS)
{
	PoincarePoint *p = PG_GETARG_POINCARE_P(0);
	PoincarePoint *q = PG_GETARG_POINCARE_P(1);
	double		c = poincare_getarg_curvature(fcinfo, 2);
	double		out[HACK_MAX_DIM];

	check_pair(p, q, c);
	hyp_logmap(p->x, q->x, p->dim, c, out);
	PG_RETURN_DATUM(poincare_float8_array(out, p->dim));
}

/* poincare_geodesic(a, b, t [, c]) */
Datum
poincare_geodesic(PG_FUNCTION_ARGS)
{
	PoincarePoint *a = PG_GETARG_POINCARE_P(0);
	PoincarePoint *b = PG_GETARG_POINCARE_P(1);
	double		t = PG_GETARG_FLOAT8(2);
	double		c = poincare_getarg_curvature(fcinfo, 3);
	double		out[HACK_MAX_DIM];

	if (!isfinite(t))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("geodesic parameter t must be finite, got %g", t)));
	check_pair(a, b, c);
	hyp_geodesic(a->x, b->x, t, a->dim, c, out);
	PG_RETURN_POINCARE_P(poincare_result(out, a->dim, c, "poincare_geodesic"));
}
