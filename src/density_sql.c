/*
 * density_sql.c
 *	  hack_knn_density(model, k): the k-nearest-neighbour density of each
 *	  embedding of a model, so users can check that density falls as the
 *	  hyperbolic norm grows (HACK paper, section 5.1).
 *
 * For each group, the distance r_k from every embedding to its k-th
 * nearest other embedding (exact Poincaré distances, all pairs: n^2/2
 * distances, 18 million for a class of 6,000) gives the estimate
 * density = k / (n V(r_k)), where V(r) is the hyperbolic volume of a ball
 * of radius r in the embedding's dimension (4 pi sinh^2(r/2) in the disc).
 */
#include "hack.h"
#include "poincare.h"
#include "catalog.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "core/packing.h"

PG_FUNCTION_INFO_V1(hack_knn_density);

#define MAX_GROUP_ROWS 200000	/* all pairs: 2e10 distances at most */

/* Insert d into the k smallest kept in best[0..k-1] (sorted ascending). */
static void
keep_smallest(double *best, int k, double d)
{
	int			i;

	if (d >= best[k - 1])
		return;
	for (i = k - 1; i > 0 && best[i - 1] > d; i--)
		best[i] = best[i - 1];
	best[i] = d;
}

/* Emit the rows of one group. */
static void
group_density(Tuplestorestate *ts, TupleDesc desc, const char *group,
			  int64 *ids, PoincarePoint **pts, int n, int k)
{
	double	   *kth = palloc(sizeof(double) * n);
	double	   *best = palloc(sizeof(double) * k);
	int			dim = pts[0]->dim;

	for (int i = 0; i < n; i++)
	{
		for (int j = 0; j < k; j++)
			best[j] = INFINITY;
		for (int j = 0; j < n; j++)
			if (j != i)
				keep_smallest(best, k, hyp_distance(pts[i]->x, pts[j]->x, dim, 1.0));
		kth[i] = best[k - 1];
		/* one row is n distances: 4 ms at the largest group */
		CHECK_FOR_INTERRUPTS();
	}
	for (int i = 0; i < n; i++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};
		double		logv = hack_ball_log_volume(dim, kth[i]);

		values[0] = CStringGetTextDatum(group);
		values[1] = Int64GetDatum(ids[i]);
		values[2] = Float8GetDatum(hyp_norm(pts[i]->x, dim, 1.0));
		values[3] = Float8GetDatum(kth[i]);
		values[4] = Float8GetDatum(kth[i] > 0 ? exp(log((double) k / n) - logv) : INFINITY);
		tuplestore_putvalues(ts, desc, values, nulls);
	}
}

Datum
hack_knn_density(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	text	   *model = PG_GETARG_TEXT_PP(0);
	int			k = PG_GETARG_INT32(1);
	uint64		start = 0;

	if (k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be at least 1, got %d", k)));
	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	if (catalog_visible_embeddings(text_to_cstring(model)) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" has no embeddings", text_to_cstring(model))));
	while (start < SPI_processed)
	{
		TupleDesc	td = SPI_tuptable->tupdesc;
		char	   *group = SPI_getvalue(SPI_tuptable->vals[start], td, 1);
		uint64		end = start;
		int			n;
		int64	   *ids;
		PoincarePoint **pts;

		while (end < SPI_processed &&
			   strcmp(SPI_getvalue(SPI_tuptable->vals[end], td, 1), group) == 0)
			end++;
		n = (int) (end - start);
		if (end - start > MAX_GROUP_ROWS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("group \"%s\" has more than %d rows", group, MAX_GROUP_ROWS)));
		if (n <= k)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("k = %d needs groups of more than %d rows; group \"%s\" has %d",
							k, k, group, n)));
		ids = palloc(sizeof(int64) * n);
		pts = palloc(sizeof(PoincarePoint *) * n);
		for (int i = 0; i < n; i++)
		{
			bool		isnull;
			HeapTuple	t = SPI_tuptable->vals[start + i];

			ids[i] = DatumGetInt64(SPI_getbinval(t, td, 2, &isnull));
			pts[i] = DatumGetPoincarePointP(SPI_getbinval(t, td, 3, &isnull));
			/* one model, one dimension: a row edited by hand must not be read past its end */
			if (pts[i]->dim != pts[0]->dim)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("embeddings of model \"%s\" have dimensions %d and %d",
								text_to_cstring(model), pts[0]->dim, pts[i]->dim),
						 errhint("Drop the model with hack_drop_model and train it again.")));
		}
		group_density(rsinfo->setResult, rsinfo->setDesc, group, ids, pts, n, k);
		start = end;
	}
	SPI_finish();
	return (Datum) 0;
}
