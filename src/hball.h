/*
 * hball.h
 *	  The on-disk contract of the hball type: a ball of the Poincaré ball
 *	  (curvature -1) given by its centre and hyperbolic radius.
 *
 * An hball is a varlena holding the dimension of its centre, a reserved
 * flags field that must be zero, the radius (finite, >= 0) and `dim`
 * float8 coordinates of the centre, a point strictly inside the unit
 * ball.  It is the query of the index search "p <@ ball".  Stored values
 * are forever: change this layout only with a new flags value.
 */
#ifndef HACK_HBALL_H
#define HACK_HBALL_H

#include "postgres.h"

#include "fmgr.h"

typedef struct HBall
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int16		dim;			/* dimension of the centre, 1..HACK_MAX_DIM */
	int16		flags;			/* reserved, always 0 */
	double		radius;			/* hyperbolic radius, finite and >= 0 */
	double		x[FLEXIBLE_ARRAY_MEMBER];	/* the centre */
} HBall;

#define HBALL_SIZE(dim)			(offsetof(HBall, x) + sizeof(double) * (dim))
#define DatumGetHBallP(d)		((HBall *) PG_DETOAST_DATUM(d))
#define PG_GETARG_HBALL_P(n)	DatumGetHBallP(PG_GETARG_DATUM(n))
#define PG_RETURN_HBALL_P(b)	PG_RETURN_POINTER(b)

/* p <@ ball: the hyperbolic distance from p to the centre is at most the radius */
extern bool hball_contains(const HBall *ball, const double *p, int dim);

#endif							/* HACK_HBALL_H */
