/*
 * lorentz.c
 *	  The Lorentz (hyperboloid) model: to_lorentz, from_lorentz and
 *	  lorentz_distance.
 *
 * Lorentz points are float8[] of n+1 coordinates, time first, on the
 * upper sheet x0^2 - |xs|^2 = 1 (curvature -1).  The geometry is
 * hyp_*_lorentz in src/core/hyperbolic.c; formulas in doc/geometry.md.
 */
#include "hack.h"
#include "poincare.h"

PG_FUNCTION_INFO_V1(poincare_to_lorentz);
PG_FUNCTION_INFO_V1(poincare_from_lorentz);
PG_FUNCTION_INFO_V1(poincare_lorentz_distance);

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
	double	   *h = poincare_getarg_vector(fcinfo, 0, &n, hyp_check_lorentz);
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
	double	   *h = poincare_getarg_vector(fcinfo, 0, &n, hyp_check_lorentz);
	double	   *g = poincare_getarg_vector(fcinfo, 1, &m, hyp_check_lorentz);

	if (n != m)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("different Lorentz point dimensions %d and %d", n, m)));
	PG_RETURN_FLOAT8(hyp_lorentz_distance(h, g, n));
}
