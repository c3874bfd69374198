/*
 * density_sql.c
 *	  hack_knn_density(model, k): the k-nearest-neighbour density of each
 *	  embedding of a model, so users can check that density falls as the
 *	  hyperbolic norm grows (HACK paper, section 5.1).
 *
 * For each group, the distance r_k from every embedding to its k-th
 * nearest other embedding gives the estimate density = k / (n V(r_k)),
 * where V(r) is the hyperbolic volume of a ball of radius r in the
 * embedding's dimension (4 pi sinh^2(r/2) in the disc); src/core/
 * knn_density.c computes it.  This file reads the groups and checks them.
 */
#include "hack.h"
#include "poincare.h"
#include "catalog.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "core/knn_density.h"

PG_FUNCTION_INFO_V1(hack_knn_density);

#define MAX_GROUP_ROWS 200000	/* all pairs: 2e10 distances at most */

/* Emit the rows of one group of n points (n * dim coordinates). */
static void
group_density(Tuplestorestate *ts, TupleDesc desc, const char *group,
			  int64 *ids, const double *x, int n, int dim, int k)
{
	double	   *kth = palloc(sizeof(double) * n);
	double	   *density = palloc(sizeof(double) * n);
	HackError	err;

	hack_check(hack_knn_density_points(x, n, dim, k, kth, density,
									   hack_interrupt_callback, NULL, &err), &err);
	for (int i = 0; i < n; i++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = CStringGetTextDatum(group);
		values[1] = Int64GetDatum(ids[i]);
		values[2] = Float8GetDatum(hyp_norm(x + (Size) i * dim, dim, 1.0));
		values[3] = Float8GetDatum(kth[i]);
		values[4] = Float8GetDatum(density[i]);
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
		double	   *x = NULL;
		int			dim = 0;

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
		for (int i = 0; i < n; i++)
		{
			bool		isnull;
			HeapTuple	t = SPI_tuptable->vals[start + i];
			PoincarePoint *pt;

			ids[i] = DatumGetInt64(SPI_getbinval(t, td, 2, &isnull));
			pt = DatumGetPoincarePointP(SPI_getbinval(t, td, 3, &isnull));
			if (i == 0)
			{
				dim = pt->dim;
				x = palloc_extended(sizeof(double) * n * dim, MCXT_ALLOC_HUGE);
			}
			/* one model, one dimension: a row edited by hand must not be read past its end */
			else if (pt->dim != dim)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("embeddings of model \"%s\" have dimensions %d and %d",
								text_to_cstring(model), dim, pt->dim),
						 errhint("Drop the model with hack_drop_model and train it again.")));
			memcpy(x + (Size) i * dim, pt->x, sizeof(double) * dim);
		}
		group_density(rsinfo->setResult, rsinfo->setDesc, group, ids, x, n, dim, k);
		start = end;
	}
	SPI_finish();
	return (Datum) 0;
}
