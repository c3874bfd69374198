/*
 * poincare_ops.c
 *	  Hyperbolic geometry on poincare_point: distance, norm, gyrovector
 *	  operations, exponential and logarithmic maps, geodesics and
 *	  entailment cones.
 *
 * Each function is a thin wrapper: detoast, check dimensions and the
 * curvature argument, call the core, validate the result.  The optional
 * last argument c is the magnitude of the curvature -c (default 1).
 * Cones follow Ganea, Bécigneul, Hofmann, "Hyperbolic Entailment Cones for
 * Learning Hierarchical Embeddings", ICML 2018 (curvature -1 only).
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
PG_FUNCTION_INFO_V1(poincare_cone_half_aperture);
PG_FUNCTION_INFO_V1(poincare_cone_exterior_angle);

/* Two points for one operation: same dimension, both inside the c-ball. */
static void
check_pair(const PoincarePoint *a, const PoincarePoint *b, double c)
{
	poincare_check_dims(a, b);
	poincare_check_in_ball(a, c);
	poincare_check_in_ball(b, c);
}

/* The arguments (a, b [, c]) of a function of two points, checked as a pair. */
static double
getarg_pair(FunctionCallInfo fcinfo, PoincarePoint **a, PoincarePoint **b)
{
	double		c;

	*a = PG_GETARG_POINCARE_P(0);
	*b = PG_GETARG_POINCARE_P(1);
	c = poincare_getarg_curvature(fcinfo, 2);
	check_pair(*a, *b, c);
	return c;
}

/* poincare_distance(a, b [, c]) and the <-> operator. */
Datum
poincare_distance(PG_FUNCTION_ARGS)
{
	PoincarePoint *a,
			   *b;
	double		c = getarg_pair(fcinfo, &a, &b);

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
	PoincarePoint *a,
			   *b;
	double		c = getarg_pair(fcinfo, &a, &b);
	double		out[HACK_MAX_DIM];

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
	double	   *v = poincare_getarg_vector(fcinfo, 0, &dim, hyp_check_tangent);
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
	double	   *v = poincare_getarg_vector(fcinfo, 1, &dim, hyp_check_tangent);
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
	PoincarePoint *p,
			   *q;
	double		c = getarg_pair(fcinfo, &p, &q);
	double		out[HACK_MAX_DIM];

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

/* cone_half_aperture(p, k default 0.1) */
Datum
poincare_cone_half_aperture(PG_FUNCTION_ARGS)
{
	PoincarePoint *p = PG_GETARG_POINCARE_P(0);
	double		angle;
	HackError	err;

	hack_check(hyp_cone_half_aperture(p->x, p->dim, PG_GETARG_FLOAT8(1),
									  &angle, &err), &err);
	PG_RETURN_FLOAT8(angle);
}

/* cone_exterior_angle(parent, child) */
Datum
poincare_cone_exterior_angle(PG_FUNCTION_ARGS)
{
	PoincarePoint *parent = PG_GETARG_POINCARE_P(0);
	PoincarePoint *child = PG_GETARG_POINCARE_P(1);
	double		angle;
	HackError	err;

	poincare_check_dims(parent, child);
	hack_check(hyp_cone_exterior_angle(parent->x, child->x, parent->dim,
									   &angle, &err), &err);
	PG_RETURN_FLOAT8(angle);
}
