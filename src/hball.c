/*
 * hball.c
 *	  The hball type: text and binary I/O, constructor, accessors and the
 *	  containment operators poincare_point <@ hball and hball @> poincare_point.
 *
 * Every entry path (text, binary, constructor) runs the same checks: the
 * centre is a valid point of the ball, the radius is finite and >= 0.
 * Containment is hyp_distance(p, centre) <= radius, the very test the GiST
 * index applies to its leaves, so index and sequential scans agree; a point
 * and a ball of different dimensions are false, not an error (LEAKPROOF).
 */
#include "hack.h"
#include "hball.h"
#include "poincare.h"

#include "core/hball_text.h"
#include "core/point_binary.h"
#include "utils/float.h"

PG_FUNCTION_INFO_V1(hball_in);
PG_FUNCTION_INFO_V1(hball_out);
PG_FUNCTION_INFO_V1(hball_recv);
PG_FUNCTION_INFO_V1(hball_send);
PG_FUNCTION_INFO_V1(hball_make);
PG_FUNCTION_INFO_V1(hball_center);
PG_FUNCTION_INFO_V1(hball_radius);
PG_FUNCTION_INFO_V1(poincare_point_in_hball);
PG_FUNCTION_INFO_V1(hball_contains_point);

/* Build a ball from a centre and radius, checking both as every input does. */
static HBall *
hball_build(const double *x, int dim, double radius)
{
	HackError	err;
	HBall	   *b;

	hack_check(hyp_check_point(x, dim, 1.0, &err), &err);
	hack_check(hack_check_radius(radius, &err), &err);
	b = (HBall *) palloc0(HBALL_SIZE(dim));
	SET_VARSIZE(b, HBALL_SIZE(dim));
	b->dim = (int16) dim;
	b->radius = radius + 0.0;	/* -0 becomes +0 */
	memcpy(b->x, x, sizeof(double) * dim);
	return b;
}

/*
 * The containment test shared by the operators and the GiST index.  It never
 * raises: the operators are LEAKPROOF, so that a ball search can use the
 * index under hack's row security, and the planner may then run them on rows
 * the policy hides.  An error that depends on such a row (its dimension)
 * would tell the caller something about it, so a point of another dimension
 * is simply not in the ball.  A stored point is finite and inside the ball
 * (every input path checks); were one damaged to NaN, the comparison is
 * false, not an error.
 */
bool
hball_contains(const HBall *ball, const double *p, int dim)
{
	if (dim != ball->dim)
		return false;
	return hyp_distance(p, ball->x, dim, 1.0) <= ball->radius;
}

/* hball_in(cstring): "<(x1,...,xn), r>" */
Datum
hball_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	double		x[HACK_MAX_DIM];
	double		radius;
	int			dim;
	HackError	err;

	if (hack_parse_hball(str, x, &dim, &radius, &err) != HACK_OK)
		hack_raise_input(&err, "hball", str);
	PG_RETURN_HBALL_P(hball_build(x, dim, radius));
}

/* Text form "<(x1,...,xn),r>" with float8out's digits. */
Datum
hball_out(PG_FUNCTION_ARGS)
{
	HBall	   *b = PG_GETARG_HBALL_P(0);

	PG_RETURN_CSTRING(psprintf("<%s,%s>", poincare_coords_out(b->x, b->dim),
							   float8out_internal(b->radius)));
}

/* Binary form: int16 dim, int16 flags (0), float8 radius, dim float8 (point_binary.h). */
Datum
hball_recv(PG_FUNCTION_ARGS)
{
	double		x[HACK_MAX_DIM];
	double		radius;
	int			dim;
	size_t		len;
	const uint8_t *data = poincare_recv_bytes((StringInfo) PG_GETARG_POINTER(0),
											  &len);
	HackError	err;

	hack_check(hack_hball_recv(data, len, x, &dim, &radius, &err), &err);
	PG_RETURN_HBALL_P(hball_build(x, dim, radius));
}

/* Binary output, the layout hball_recv reads. */
Datum
hball_send(PG_FUNCTION_ARGS)
{
	HBall	   *b = PG_GETARG_HBALL_P(0);
	bytea	   *out = poincare_send_bytea(HACK_HBALL_BINARY_SIZE(b->dim));

	hack_hball_send(b->x, b->dim, b->radius, (uint8_t *) VARDATA(out));
	PG_RETURN_BYTEA_P(out);
}

/* hball(centre poincare_point, radius float8) */
Datum
hball_make(PG_FUNCTION_ARGS)
{
	PoincarePoint *c = PG_GETARG_POINCARE_P(0);

	PG_RETURN_HBALL_P(hball_build(c->x, c->dim, PG_GETARG_FLOAT8(1)));
}

/* hball_center(hball): the centre as a poincare_point */
Datum
hball_center(PG_FUNCTION_ARGS)
{
	HBall	   *b = PG_GETARG_HBALL_P(0);

	PG_RETURN_POINCARE_P(poincare_from_coords(b->x, b->dim));
}

/* hball_radius(hball): the hyperbolic radius */
Datum
hball_radius(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(PG_GETARG_HBALL_P(0)->radius);
}

/* poincare_point <@ hball */
Datum
poincare_point_in_hball(PG_FUNCTION_ARGS)
{
	PoincarePoint *p = PG_GETARG_POINCARE_P(0);

	PG_RETURN_BOOL(hball_contains(PG_GETARG_HBALL_P(1), p->x, p->dim));
}

/* hball @> poincare_point */
Datum
hball_contains_point(PG_FUNCTION_ARGS)
{
	PoincarePoint *p = PG_GETARG_POINCARE_P(1);

	PG_RETURN_BOOL(hball_contains(PG_GETARG_HBALL_P(0), p->x, p->dim));
}
