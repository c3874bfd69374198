/*
 * poincare_gist.c
 *	  GiST operator class poincare_point_gist_ops: exact KNN by hyperbolic
 *	  distance (ORDER BY p <-> q) and hyperbolic-ball search (p <@ hball).
 *
 * The index is an R-tree on the Euclidean coordinates of the Poincaré
 * ball (keys in poincare_gist.h).  Hyperbolic balls are Euclidean balls
 * of the same space, only with another centre, so Euclidean bounding
 * boxes cluster hyperbolic neighbours as well as Euclidean ones.  What
 * makes the tree exact is the distance from a query to an internal box:
 * hbox_min_distance() (src/core/hbox.c, with its proof) is a true lower
 * bound of the Poincaré distance to every point of the box, so KNN visits
 * boxes before any point they may hold, and ball search prunes a box only
 * when that bound exceeds the radius.  Leaves are the points themselves
 * and their values exact (the argument of the acosh in hyp_distance, the
 * <-> operator's kernel), so nothing is rechecked.
 *
 * Builds: sortsupport orders points along a Hilbert curve (Z-order above
 * two dimensions) for PostgreSQL 15's sorted build; inserts use Guttman's
 * volume penalty, with the margin breaking ties of flat boxes (hbox_penalty),
 * and an R*-tree split (hbox_split).
 * Like any R-tree it pays off in low dimension (2 to about 8).
 */
#include "hack.h"
#include "hball.h"
#include "poincare.h"
#include "poincare_gist.h"

#include "access/gist.h"
#include "access/stratnum.h"
#include "core/hbox.h"
#include "utils/sortsupport.h"

PG_FUNCTION_INFO_V1(poincare_gist_consistent);
PG_FUNCTION_INFO_V1(poincare_gist_union);
PG_FUNCTION_INFO_V1(poincare_gist_penalty);
PG_FUNCTION_INFO_V1(poincare_gist_picksplit);
PG_FUNCTION_INFO_V1(poincare_gist_same);
PG_FUNCTION_INFO_V1(poincare_gist_distance);
PG_FUNCTION_INFO_V1(poincare_gist_sortsupport);

/* An index built on one dimension cannot answer queries of another. */
static void
check_query_dim(const PoincareGistKey *key, int qdim, const char *qtype)
{
	if (key->dim != qdim)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("different dimensions of indexed poincare_point (%d) and query %s (%d)",
						key->dim, qtype, qdim)));
}

/* All keys of one index have one dimension; say how to get there. */
static void
check_key_dims(int a, int b)
{
	if (a != b)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot index poincare_point values of dimensions %d and %d in one GiST index",
						a, b),
				 errhint("Declare the column as poincare_point(n) so that all values have n dimensions.")));
}

/* A new box key covering the keys of entries first..last of the vector. */
static PoincareGistKey *
union_of_entries(GISTENTRY *ent, int first, int last)
{
	PoincareGistKey *k0 = DatumGetGistKeyP(ent[first].key);
	int			dim = k0->dim;
	PoincareGistKey *u = (PoincareGistKey *) palloc(GKEY_BOX_SIZE(dim));
	double	   *lo = u->c;
	double	   *hi = u->c + dim;

	SET_VARSIZE(u, GKEY_BOX_SIZE(dim));
	u->dim = (int16) dim;
	u->flags = POINCARE_GIST_BOX;
	memcpy(lo, GKEY_LO(k0), sizeof(double) * dim);
	memcpy(hi, GKEY_HI(k0), sizeof(double) * dim);
	for (int e = first + 1; e <= last; e++)
	{
		PoincareGistKey *k = DatumGetGistKeyP(ent[e].key);
		const double *klo = GKEY_LO(k);
		const double *khi = GKEY_HI(k);

		check_key_dims(dim, k->dim);
		for (int i = 0; i < dim; i++)
		{
			if (klo[i] < lo[i])
				lo[i] = klo[i];
			if (khi[i] > hi[i])
				hi[i] = khi[i];
		}
	}
	return u;
}

/* consistent(entry, query, strategy, subtype, recheck): p <@ hball */
Datum
poincare_gist_consistent(PG_FUNCTION_ARGS)
{
	GISTENTRY  *entry = (GISTENTRY *) PG_GETARG_POINTER(0);
	StrategyNumber strategy = (StrategyNumber) PG_GETARG_UINT16(2);
	bool	   *recheck = (bool *) PG_GETARG_POINTER(4);
	PoincareGistKey *key = DatumGetGistKeyP(entry->key);
	HBall	   *ball;

	*recheck = false;			/* leaf tests are exact */
	switch (strategy)
	{
		case POINCARE_GIST_IN_BALL:
			ball = PG_GETARG_HBALL_P(1);
			/* as the operator: another dimension holds no point of the ball */
			if (key->dim != ball->dim)
				PG_RETURN_BOOL(false);
			if (GIST_LEAF(entry))
				PG_RETURN_BOOL(hball_contains(ball, key->c, key->dim));
			/* prune only boxes whose every point is farther than the radius */
			PG_RETURN_BOOL(hbox_min_distance(ball->x, GKEY_LO(key), GKEY_HI(key),
											 key->dim) <= ball->radius);
		default:
			elog(ERROR, "unrecognized strategy number: %d", strategy);
	}
	PG_RETURN_BOOL(false);		/* keep compiler quiet */
}

/*
 * distance(entry, query, strategy, subtype, recheck): p <-> q, on the scale
 * of cosh(d) - 1.  With recheck off the executor only relies on the order
 * of the values GiST returns, never on the values, and cosh(d) - 1 is the
 * very quantity hyp_distance() takes the acosh of: the same order, without
 * a log and a square root for every entry of every visited page.
 */
Datum
poincare_gist_distance(PG_FUNCTION_ARGS)
{
	GISTENTRY  *entry = (GISTENTRY *) PG_GETARG_POINTER(0);
	StrategyNumber strategy = (StrategyNumber) PG_GETARG_UINT16(2);
	bool	   *recheck = (bool *) PG_GETARG_POINTER(4);
	PoincareGistKey *key = DatumGetGistKeyP(entry->key);
	PoincarePoint *q;
	double		aq;

	*recheck = false;			/* leaf values are exact */
	switch (strategy)
	{
		case POINCARE_GIST_DISTANCE:
			q = PG_GETARG_POINCARE_P(1);
			check_query_dim(key, q->dim, "poincare_point");
			aq = hyp_one_minus_c_sqnorm(q->x, q->dim, 1.0);
			if (GIST_LEAF(entry))
				PG_RETURN_FLOAT8(hyp_cosh_distance_m1(key->c, q->x, key->dim, aq));
			PG_RETURN_FLOAT8(hbox_min_cosh_m1(q->x, aq, GKEY_LO(key), GKEY_HI(key),
											  key->dim));
		default:
			elog(ERROR, "unrecognized strategy number: %d", strategy);
	}
	PG_RETURN_FLOAT8(0.0);		/* keep compiler quiet */
}

/* union(entryvec, sizep): the bounding box of all entries */
Datum
poincare_gist_union(PG_FUNCTION_ARGS)
{
	GistEntryVector *entryvec = (GistEntryVector *) PG_GETARG_POINTER(0);
	int		   *sizep = (int *) PG_GETARG_POINTER(1);
	PoincareGistKey *u = union_of_entries(entryvec->vector, 0, entryvec->n - 1);

	*sizep = VARSIZE(u);
	PG_RETURN_POINTER(u);
}

/* penalty(orig, new, result): growth of orig to cover new (hbox_penalty) */
Datum
poincare_gist_penalty(PG_FUNCTION_ARGS)
{
	GISTENTRY  *origentry = (GISTENTRY *) PG_GETARG_POINTER(0);
	GISTENTRY  *newentry = (GISTENTRY *) PG_GETARG_POINTER(1);
	float	   *result = (float *) PG_GETARG_POINTER(2);
	PoincareGistKey *orig = DatumGetGistKeyP(origentry->key);
	PoincareGistKey *add = DatumGetGistKeyP(newentry->key);

	check_key_dims(orig->dim, add->dim);
	*result = hbox_penalty(GKEY_LO(orig), GKEY_HI(orig), GKEY_LO(add), GKEY_HI(add),
						   orig->dim);
	PG_RETURN_POINTER(result);
}

/* picksplit(entryvec, splitvec): the R*-tree split of hbox_split() */
Datum
poincare_gist_picksplit(PG_FUNCTION_ARGS)
{
	GistEntryVector *entryvec = (GistEntryVector *) PG_GETARG_POINTER(0);
	GIST_SPLITVEC *v = (GIST_SPLITVEC *) PG_GETARG_POINTER(1);
	OffsetNumber maxoff = entryvec->n - 1;
	int			n = maxoff - FirstOffsetNumber + 1;
	int			dim = DatumGetGistKeyP(entryvec->vector[FirstOffsetNumber].key)->dim;
	double	   *boxes = (double *) palloc(sizeof(double) * 2 * dim * n);
	bool	   *right = (bool *) palloc(sizeof(bool) * n);
	GISTENTRY  *sorted = (GISTENTRY *) palloc(sizeof(GISTENTRY) * n);
	int			nl = 0;
	HackError	err;

	for (int e = 0; e < n; e++)
	{
		PoincareGistKey *k = DatumGetGistKeyP(entryvec->vector[FirstOffsetNumber + e].key);

		check_key_dims(dim, k->dim);
		memcpy(boxes + 2 * dim * e, GKEY_LO(k), sizeof(double) * dim);
		memcpy(boxes + 2 * dim * e + dim, GKEY_HI(k), sizeof(double) * dim);
	}
	hack_check(hbox_split(boxes, n, dim, right, &err), &err);

	/* left entries first in `sorted`, then right ones, for the two unions */
	v->spl_left = (OffsetNumber *) palloc(sizeof(OffsetNumber) * n);
	v->spl_right = (OffsetNumber *) palloc(sizeof(OffsetNumber) * n);
	v->spl_nleft = v->spl_nright = 0;
	for (int e = 0; e < n; e++)
		if (!right[e])
		{
			v->spl_left[v->spl_nleft++] = FirstOffsetNumber + e;
			sorted[nl++] = entryvec->vector[FirstOffsetNumber + e];
		}
	for (int e = 0; e < n; e++)
		if (right[e])
		{
			v->spl_right[v->spl_nright++] = FirstOffsetNumber + e;
			sorted[nl + v->spl_nright - 1] = entryvec->vector[FirstOffsetNumber + e];
		}
	v->spl_ldatum = PointerGetDatum(union_of_entries(sorted, 0, nl - 1));
	v->spl_rdatum = PointerGetDatum(union_of_entries(sorted, nl, n - 1));
	pfree(boxes);
	pfree(right);
	pfree(sorted);
	PG_RETURN_POINTER(v);
}

/* same(a, b, result): equal boxes (a point equals its degenerate box) */
Datum
poincare_gist_same(PG_FUNCTION_ARGS)
{
	PoincareGistKey *a = DatumGetGistKeyP(PG_GETARG_DATUM(0));
	PoincareGistKey *b = DatumGetGistKeyP(PG_GETARG_DATUM(1));
	bool	   *result = (bool *) PG_GETARG_POINTER(2);

	*result = a->dim == b->dim &&
		memcmp(GKEY_LO(a), GKEY_LO(b), sizeof(double) * a->dim) == 0 &&
		memcmp(GKEY_HI(a), GKEY_HI(b), sizeof(double) * a->dim) == 0;
	PG_RETURN_POINTER(result);
}

/* Position of a leaf key (a point) on the space-filling curve. */
static uint64
curve_key_of(Datum d)
{
	PoincareGistKey *k = DatumGetGistKeyP(d);
	uint64		key = hbox_curve_key(GKEY_LO(k), k->dim);

	if ((Pointer) k != DatumGetPointer(d))
		pfree(k);
	return key;
}

/* Full comparison of two leaf keys along the curve. */
static int
curve_cmp(Datum a, Datum b, SortSupport ssup)
{
	uint64		ka = curve_key_of(a);
	uint64		kb = curve_key_of(b);

	return ka < kb ? -1 : (ka > kb ? 1 : 0);
}

/* The abbreviated key is the curve position itself (its top bits on 32-bit Datums). */
static Datum
curve_abbrev_convert(Datum original, SortSupport ssup)
{
	uint64		key = curve_key_of(original);

#if SIZEOF_DATUM == 8
	return UInt64GetDatum(key);
#else
	return UInt32GetDatum((uint32) (key >> 32));
#endif
}

/* Abbreviation is always worth it: the key is as good as the full comparison. */
static bool
curve_abbrev_abort(int memtupcount, SortSupport ssup)
{
	return false;
}

/* sortsupport(ssup): sorted build along a Hilbert (2-D) or Z-order curve */
Datum
poincare_gist_sortsupport(PG_FUNCTION_ARGS)
{
	SortSupport ssup = (SortSupport) PG_GETARG_POINTER(0);

	if (ssup->abbreviate)
	{
		ssup->comparator = ssup_datum_unsigned_cmp;
		ssup->abbrev_converter = curve_abbrev_convert;
		ssup->abbrev_abort = curve_abbrev_abort;
		ssup->abbrev_full_comparator = curve_cmp;
	}
	else
		ssup->comparator = curve_cmp;
	PG_RETURN_VOID();
}
