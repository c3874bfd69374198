/*
 * poincare.h
 *	  The on-disk contract of the poincare_point type.
 *
 * A poincare_point is a varlena holding its dimension, a reserved flags
 * field that must be zero (room for a future format change), and `dim`
 * float8 coordinates of a point strictly inside the unit ball.  Stored
 * values are forever: change this layout only with a new flags value.
 */
#ifndef HACK_POINCARE_H
#define HACK_POINCARE_H

#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"

#include "core/hyperbolic.h"

typedef struct PoincarePoint
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int16		dim;			/* number of coordinates, 1..HACK_MAX_DIM */
	int16		flags;			/* reserved, always 0 */
	double		x[FLEXIBLE_ARRAY_MEMBER];
} PoincarePoint;

#define POINCARE_SIZE(dim)		(offsetof(PoincarePoint, x) + sizeof(double) * (dim))
#define DatumGetPoincarePointP(d)	((PoincarePoint *) PG_DETOAST_DATUM(d))
#define PG_GETARG_POINCARE_P(n)	DatumGetPoincarePointP(PG_GETARG_DATUM(n))
#define PG_RETURN_POINCARE_P(p)	PG_RETURN_POINTER(p)

extern PoincarePoint *poincare_alloc(int dim);
extern PoincarePoint *poincare_from_coords(const double *x, int dim);
extern PoincarePoint *poincare_result(const double *x, int dim, double c,
									  const char *func);
extern void poincare_check_dims(const PoincarePoint *a, const PoincarePoint *b);
extern void poincare_check_typmod(int dim, int32 typmod);
extern const uint8_t *poincare_recv_bytes(StringInfo buf, size_t *len);
extern bytea *poincare_send_bytea(size_t len);
extern double poincare_getarg_curvature(FunctionCallInfo fcinfo, int argno);
extern void poincare_check_in_ball(const PoincarePoint *p, double c);
extern Datum poincare_float8_array(const double *x, int n);
extern char *poincare_coords_out(const double *x, int dim);
extern double *poincare_array_values(ArrayType *array, int *n);
extern double *poincare_getarg_vector(FunctionCallInfo fcinfo, int argno,
									  int *n,
									  HackStatus (*check) (const double *, int,
														   HackError *));

#endif							/* HACK_POINCARE_H */
