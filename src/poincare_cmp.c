/*
 * poincare_cmp.c
 *	  Equality, a total order and hashing for poincare_point, so that
 *	  DISTINCT, GROUP BY, UNIQUE and hash joins work.
 *
 * The order is lexicographic on coordinates, then by dimension; it has no
 * geometric meaning.  -0 and +0 compare (and hash) equal, as for float8.
 */
#include "hack.h"
#include "poincare.h"

#include "common/hashfn.h"

PG_FUNCTION_INFO_V1(poincare_point_cmp);
PG_FUNCTION_INFO_V1(poincare_point_eq);
PG_FUNCTION_INFO_V1(poincare_point_ne);
PG_FUNCTION_INFO_V1(poincare_point_lt);
PG_FUNCTION_INFO_V1(poincare_point_le);
PG_FUNCTION_INFO_V1(poincare_point_gt);
PG_FUNCTION_INFO_V1(poincare_point_ge);
PG_FUNCTION_INFO_V1(poincare_point_hash);

/* Three-way comparison of two points. */
static int
point_cmp(const PoincarePoint *a, const PoincarePoint *b)
{
	int			n = Min(a->dim, b->dim);

	for (int i = 0; i < n; i++)
	{
		if (a->x[i] < b->x[i])
			return -1;
		if (a->x[i] > b->x[i])
			return 1;
	}
	return (a->dim > b->dim) - (a->dim < b->dim);
}

#define CMP_ARGS point_cmp(PG_GETARG_POINCARE_P(0), PG_GETARG_POINCARE_P(1))

Datum
poincare_point_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(CMP_ARGS);
}

Datum
poincare_point_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CMP_ARGS == 0);
}

Datum
poincare_point_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CMP_ARGS != 0);
}

Datum
poincare_point_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CMP_ARGS < 0);
}

Datum
poincare_point_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CMP_ARGS <= 0);
}

Datum
poincare_point_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CMP_ARGS > 0);
}

Datum
poincare_point_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CMP_ARGS >= 0);
}

/* Hash consistent with equality: -0 is hashed as +0. */
Datum
poincare_point_hash(PG_FUNCTION_ARGS)
{
	PoincarePoint *p = PG_GETARG_POINCARE_P(0);
	uint32		h = hash_bytes_uint32((uint32) p->dim);

	for (int i = 0; i < p->dim; i++)
	{
		double		v = p->x[i] == 0.0 ? 0.0 : p->x[i];
		uint64		bits;

		memcpy(&bits, &v, sizeof(bits));
		h = hash_combine(h, DatumGetUInt32(hash_uint32((uint32) bits)));
		h = hash_combine(h, DatumGetUInt32(hash_uint32((uint32) (bits >> 32))));
	}
	PG_RETURN_UINT32(h);
}
