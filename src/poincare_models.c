/*
 * poincare_models.c
 *	  The Lorentz (hyperboloid) model and entailment cones.
 *
 * Lorentz points are float8[] of n+1 coordinates, time first, on the
 * upper sheet x0^2 - |xs|^2 = 1 (curvature -1).  Cones follow Ganea,
 * Bécigneul, Hofmann, "Hyperbolic Entailment Cones for Learning
 * Hierarchical Embeddings", ICML 2018; formulas in doc/geometry.md.
 */
#include "hack.h"
#include "poincare.h"

PG_FUNCTION_INFO_V1(poincare_to_lorentz);
PG_FUNCTION_INFO_V1(poincare_from_lorentz);
PG_FUNCTION_INFO_V1(poincare_lorentz_distance);
PG_FUNCTION_INFO_V1(poincare_cone_half_aperture);
PG_FUNCTION_INFO_V1(poincare_cone_exterior_angle);

/* Read a Lorentz point argument and check it lies on the hyperboloid. */
static double *
getarg_lorentz(FunctionCallInfo fcinfo, int argno, int *n)
{
	double	   *h = poincare_array_values(PG_GETARG_ARRAYTYPE_P(argno), n);
	HackError	err;

	hack_check(hyp_check_lorentz(h, *n, &err), &err);
	return h;
}

/* to_lorentz(p) -> float8[] */
Datum
poincare_to_lorentz(PG_FUNCTION_ARGS)
{
	PoincarePoint *p = PG_GETARG_POINCARE_P(0);
	double		out[HACK_MAX_DIM + 1];

	hyp_to_lorentz(p->x, p->dim, out);
	PG_RETURN_DATUM(poincare_float8_array(out, p->dim + 1));
}

/* from_lorentz(float8[]) -> poincare_point */
Datum
poincare_from_lorentz(PG_FUNCTION_ARGS)
{
	int			n;
	double	   *h = getarg_lorentz(fcinfo, 0, &n);
	double		out[HACK_MAX_DIM];

	hyp_from_lorentz(h, n - 1, out);
	PG_RETURN_POINCARE_P(poincare_result(out, n - 1, 1.0, "from_lorentz"));
}

/* lorentz_distance(float8[], float8[]) */
Datum
poincare_lorentz_distance(PG_FUNCTION_ARGS)
{
	int			n,
				m;
	double	   *h = getarg_lorentz(fcinfo, 0, &n);
	double	   *g = getarg_lorentz(fcinfo, 1, &m);

	if (n != m)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("different Lorentz point dimensions %d and %d", n, m)));
	PG_RETURN_FLOAT8(hyp_lorentz_distance(h, g, n));
}

/* cone_half_aperture(p, k default 0.1) */
Datum
poincare_cone_half_aperture(PG_FUNCTION_ARGS)
{
	PoincarePoint *p = PG_GETARG_POINCARE_P(0);
	double		k = PG_GETARG_FLOAT8(1);
	double		angle;
	HackError	err;

	hack_check(hyp_cone_half_aperture(p->x, p->dim, k, &angle, &err), &err);
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
