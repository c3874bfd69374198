/*
 * direction_cells_sql.c
 *	  poincare_direction_cells(points, k): the SQL face of src/core/
 *	  direction_cells.c, which hack_select(..., 'diverse') uses above two
 *	  dimensions in place of equal angular sectors.
 */
#include "hack.h"
#include "point_array.h"

#include "catalog/pg_type.h"
#include "utils/array.h"

#include "core/direction_cells.h"

PG_FUNCTION_INFO_V1(poincare_direction_cells);

/*
 * For each point, the number (from 1, in the order of the picks) of the
 * nearest of k directions spread by farthest-point sampling, the first
 * being the first point's.
 */
Datum
poincare_direction_cells(PG_FUNCTION_ARGS)
{
	static const PointArrayRules rules = {
		"array of points must not contain nulls", 0, NULL
	};
	int			k = PG_GETARG_INT32(1);
	int			n,
				dim;
	double	   *x = hack_point_array_coords(PG_GETARG_ARRAYTYPE_P(0), &rules,
											&n, &dim);
	int		   *centre;
	int		   *cell;
	Datum	   *out;
	HackError	err;

	/* the core checks k against n; an empty array has no dimension to check */
	centre = palloc(sizeof(int) * (Size) Max(1, Min(k, n)));
	cell = palloc(sizeof(int) * (Size) Max(1, n));
	hack_check(hack_direction_cells(x, n, dim, k, centre, cell,
									hack_interrupt_callback, NULL, &err), &err);
	out = palloc(sizeof(Datum) * (Size) n);
	for (int i = 0; i < n; i++)
		out[i] = Int32GetDatum(cell[i] + 1);
	PG_RETURN_ARRAYTYPE_P(construct_array(out, n, INT4OID, sizeof(int32),
										  true, TYPALIGN_INT));
}
