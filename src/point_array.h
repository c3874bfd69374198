/*
 * point_array.h
 *	  poincare_point[] arguments as contiguous coordinates.
 *
 * hack_packing_stats, hack_assign and hack_plot take arrays of points and
 * hand the core n * dim doubles.  They word their errors differently
 * (the regress tests fix each text), so the caller passes what differs.
 */
#ifndef HACK_POINT_ARRAY_H
#define HACK_POINT_ARRAY_H

#include "postgres.h"

#include "utils/array.h"

typedef struct PointArrayRules
{
	/* errmsg of a NULL element (22004) */
	const char *null_message;

	/*
	 * the dimension every point must have: 0 for the first point's, and < 0
	 * to check only for NULLs and return no coordinates
	 */
	int			dim;

	/*
	 * raises for a point of dimension got instead of expected; NULL for
	 * "different poincare_point dimensions" (22023), as poincare_check_dims
	 */
	void		(*dim_error) (int expected, int got);
} PointArrayRules;

extern double *hack_point_array_coords(ArrayType *array,
									   const PointArrayRules *rules,
									   int *n, int *dim);

#endif							/* HACK_POINT_ARRAY_H */
