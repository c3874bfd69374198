/*
 * poincare_agg.c
 *	  poincare_midpoint(p): the Einstein midpoint aggregate.
 *
 * The state is a float8[] {count, sum of gamma, sum of gamma*k (dim
 * values)} where k is the Klein-model image of the point and gamma its
 * Lorentz factor; states add up, so the combine function is a sum and the
 * aggregate runs in parallel.
 */
#include "hack.h"
#include "poincare.h"

#include "catalog/pg_type.h"
#include "utils/array.h"

PG_FUNCTION_INFO_V1(poincare_midpoint_accum);
PG_FUNCTION_INFO_V1(poincare_midpoint_combine);
PG_FUNCTION_INFO_V1(poincare_midpoint_final);

#define STATE_HEADER 2			/* count, sum of gamma */

/* Check a state array and return its values and length. */
static double *
state_values(ArrayType *state, int *n)
{
	if (ARR_NDIM(state) != 1 || ARR_HASNULL(state) ||
		ARR_ELEMTYPE(state) != FLOAT8OID)
		elog(ERROR, "poincare_midpoint: malformed state array");
	*n = ARR_DIMS(state)[0];
	if (*n < 1 || *n > STATE_HEADER + HACK_MAX_DIM)
		elog(ERROR, "poincare_midpoint: malformed state array");
	return (double *) ARR_DATA_PTR(state);
}

/* A fresh zero state for points of dimension dim. */
static ArrayType *
new_state(int dim)
{
	int			n = STATE_HEADER + dim;
	Datum	   *elems = palloc(sizeof(Datum) * n);

	for (int i = 0; i < n; i++)
		elems[i] = Float8GetDatum(0.0);
	return construct_array(elems, n, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
						   TYPALIGN_DOUBLE);
}

/* Points added to one state must share a dimension. */
static void
check_state_dim(int n, int dim)
{
	if (n - STATE_HEADER != dim)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("different poincare_point dimensions %d and %d",
						n - STATE_HEADER, dim)));
}

/*
 * Transition: add one point.  Inside an aggregate the state is ours and is
 * updated in place, as float8_accum does; otherwise a copy is made.
 */
Datum
poincare_midpoint_accum(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	PoincarePoint *p = PG_GETARG_POINCARE_P(1);
	double	   *s;
	int			n;

	s = state_values(state, &n);
	if (n == 1 || s[0] == 0.0)
		state = new_state(p->dim);
	else if (!AggCheckCallContext(fcinfo, NULL))
		state = PG_GETARG_ARRAYTYPE_P_COPY(0);
	s = state_values(state, &n);
	check_state_dim(n, p->dim);
	s[0] += 1.0;
	hyp_midpoint_accum(s + STATE_HEADER, &s[1], p->x, p->dim);
	PG_RETURN_ARRAYTYPE_P(state);
}

/* Combine: states are sums, so add them. */
Datum
poincare_midpoint_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *b = PG_GETARG_ARRAYTYPE_P(1);
	double	   *sa,
			   *sb;
	int			na,
				nb;
	ArrayType  *result;
	double	   *sr;

	sa = state_values(a, &na);
	sb = state_values(b, &nb);
	if (na == 1 || sa[0] == 0.0)
		PG_RETURN_ARRAYTYPE_P(PG_GETARG_ARRAYTYPE_P_COPY(1));
	if (nb == 1 || sb[0] == 0.0)
		PG_RETURN_ARRAYTYPE_P(PG_GETARG_ARRAYTYPE_P_COPY(0));
	check_state_dim(na, nb - STATE_HEADER);
	result = new_state(na - STATE_HEADER);
	sr = (double *) ARR_DATA_PTR(result);
	for (int i = 0; i < na; i++)
		sr[i] = sa[i] + sb[i];
	PG_RETURN_ARRAYTYPE_P(result);
}

/* Final: Klein midpoint back to the Poincaré ball; NULL for no rows. */
Datum
poincare_midpoint_final(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	double		out[HACK_MAX_DIM];
	double	   *s;
	int			n;

	s = state_values(state, &n);
	if (n == 1 || s[0] == 0.0)
		PG_RETURN_NULL();
	hyp_midpoint_final(s + STATE_HEADER, s[1], n - STATE_HEADER, out);
	PG_RETURN_POINCARE_P(poincare_result(out, n - STATE_HEADER, 1.0,
										 "poincare_midpoint"));
}
