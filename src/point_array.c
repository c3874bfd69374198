/*
 * point_array.c
 *	  poincare_point[] arguments as contiguous coordinates (point_array.h).
 */
#include "hack.h"
#include "point_array.h"
#include "poincare.h"

#include "miscadmin.h"
#include "utils/lsyscache.h"

/*
 * The coordinates of the points of array (any number of dimensions, in
 * storage order) as *n times *dim doubles, point after point; *dim is 0
 * for an empty array.  Elements are checked in order, each for NULL and
 * then for its dimension, so the first bad one is reported.
 */
double *
hack_point_array_coords(ArrayType *array, const PointArrayRules *rules,
						int *n, int *dim)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	double	   *x = NULL;

	get_typlenbyvalalign(ARR_ELEMTYPE(array), &typlen, &typbyval, &typalign);
	deconstruct_array(array, ARR_ELEMTYPE(array), typlen, typbyval, typalign,
					  &elems, &nulls, n);
	*dim = rules->dim > 0 ? rules->dim : 0;
	for (int i = 0; i < *n; i++)
	{
		PoincarePoint *pt;

		if ((i & 65535) == 0)
			CHECK_FOR_INTERRUPTS();
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s", rules->null_message)));
		if (rules->dim < 0)
			continue;
		pt = DatumGetPoincarePointP(elems[i]);
		if (*dim == 0)
			*dim = pt->dim;
		if (pt->dim != *dim)
		{
			if (rules->dim_error != NULL)
				rules->dim_error(*dim, pt->dim);
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("different poincare_point dimensions %d and %d",
							*dim, pt->dim)));
		}
		if (x == NULL)
			x = palloc_extended(sizeof(double) * (Size) (*n) * (*dim),
								MCXT_ALLOC_HUGE);
		memcpy(x + (Size) i * (*dim), pt->x, sizeof(double) * (*dim));
	}
	pfree(elems);
	pfree(nulls);
	if (rules->dim < 0)
		*dim = 0;
	return x;
}
