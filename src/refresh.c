/*
 * refresh.c
 *	  CALL hack_refresh(model): embed the source rows a model has not seen
 *	  (or whose image changed) and drop the embeddings of rows that are
 *	  gone, without training.
 *
 * Per group of the model, in three steps:
 *
 *	1. one DELETE of the group's embeddings whose source row is gone, has
 *	   moved to another group or has a NULL image now;
 *	2. one plain SELECT, run to completion through SPI so the planner may
 *	   give it parallel workers, listing the ids whose row has no
 *	   embedding or whose image hash (hack_image_hash) differs from the
 *	   stored one: the scan that reads and hashes every image is the part
 *	   that grows with the table;
 *	3. the listed rows in batches of batch_size ids: fetch, decode with
 *	   the format training used, embed as one batch with the engine's
 *	   threads (hack.blas_threads), upsert, and, when the CALL is
 *	   non-atomic, commit.  A batch is one transaction, so an interrupted
 *	   refresh keeps the batches before it and none of the one it was in.
 *
 * The rows a batch fetches are re-read, and the hash stored is that of
 * the image actually embedded, so a row changed between steps 2 and 3 is
 * still consistent (and one deleted meanwhile is simply not found).
 * hack_train calls refresh_group after each group it commits, to catch up
 * with rows that arrived while it trained.
 */
#include "hack.h"
#include "model_lock.h"
#include "train.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "blas.h"

PG_FUNCTION_INFO_V1(hack_refresh);

#define EMBED_CHUNK 256			/* images per forward pass */

/* Column i (1-based) of row r of the last SPI result as text, or NULL. */
static char *
spi_text(int r, int i)
{
	return SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, i);
}

/*
 * The source of a stored (model, group) as its training read it: table,
 * columns (checked again, they may have changed since), format and shape.
 * With group NULL, that of any group of the model (they share a source).
 */
void
model_source_lookup(const char *model, const char *group, TrainSource *src)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		vals[2] = {CStringGetTextDatum(model), group ? CStringGetTextDatum(group) : (Datum) 0};
	char	   *relid,
			   *id,
			   *image,
			   *grp,
			   *fmt;
	HackError	err;

	memset(src, 0, sizeof(*src));
	if (SPI_execute_with_args("SELECT source::pg_catalog.regclass::pg_catalog.oid, params OPERATOR(pg_catalog.->>) 'id_column',"
							  " params OPERATOR(pg_catalog.->>) 'image_column', params OPERATOR(pg_catalog.->>) 'group_column',"
							  " params OPERATOR(pg_catalog.->>) 'format',"
							  " params OPERATOR(pg_catalog.->>) 'channels', params OPERATOR(pg_catalog.->>) 'height',"
							  " params OPERATOR(pg_catalog.->>) 'width'"
							  " FROM hack.models WHERE model OPERATOR(pg_catalog.=) $1"
							  " AND group_key OPERATOR(pg_catalog.=) coalesce($2, group_key)"
							  " ORDER BY group_key LIMIT 1",
							  2, types, vals, group ? NULL : " n", false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read hack.models");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\"%s%s%s does not exist", model,
						group && group[0] ? " (group \"" : "", group ? group : "",
						group && group[0] ? "\")" : "")));
	relid = spi_text(0, 1);
	id = spi_text(0, 2);
	image = spi_text(0, 3);
	grp = spi_text(0, 4);
	fmt = spi_text(0, 5);
	if (id == NULL || image == NULL || fmt == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model \"%s\" does not record how to read its source", model),
				 errdetail("Its parameters lack id_column, image_column or format."),
				 errhint("Train it again with hack_train.")));
	src->shape.channels = atoi(spi_text(0, 6));
	src->shape.height = atoi(spi_text(0, 7));
	src->shape.width = atoi(spi_text(0, 8));
	hack_check(hack_image_format_parse(fmt, &src->format, &err), &err);
	train_source_open(src, (Oid) strtoul(relid, NULL, 10), id, image, grp);
}

/* The schema-qualified name of hack_image_hash, found next to function self. */
static char *
hash_function_name(Oid self)
{
	return quote_qualified_identifier(get_namespace_name(get_func_namespace(self)),
									  "hack_image_hash");
}

/* The group filter of the source queries ("" without a group column). */
static char *
group_filter(const TrainSource *src, const char *alias)
{
	return src->group_col ? psprintf(" AND (%s.%s)::pg_catalog.text OPERATOR(pg_catalog.=) $2",
									 alias, src->group_col) : "";
}

/* Commit the work so far when the CALL is non-atomic. */
static void
maybe_commit(bool atomic)
{
	if (atomic)
		return;
	SPI_commit();
	SPI_start_transaction();
}

/* Index of id in the sorted ids[0..n-1] of a batch, or -1. */
static int
find_id(const int64 *ids, int n, int64 id)
{
	int			lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (ids[mid] == id)
			return mid;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/*
 * Embed batch ids[0..n-1] of the group with net and store the results;
 * rows whose image cannot be decoded lose their embedding and are counted
 * as skipped.
 */
static void
refresh_batch(const char *model, const char *group, const TrainSource *src,
			  NnModel *net, const int64 *ids, const bool *is_new, int n,
			  RefreshCounts *c)
{
	size_t		in = nn_input_size(net);
	float	   *x = palloc(sizeof(float) * in * n);
	double	   *emb = palloc(sizeof(double) * net->cfg.dim * n);
	int64	   *got = palloc(sizeof(int64) * n);
	int64	   *hashes = palloc(sizeof(int64) * n);
	int64	   *bad = palloc(sizeof(int64) * n);
	int			ngot = 0,
				nbad = 0;
	Datum	   *d = palloc(sizeof(Datum) * n);
	Oid			types[2] = {INT8ARRAYOID, TEXTOID};
	Datum		vals[2];
	HackError	err;
	HackStatus	st;

	for (int i = 0; i < n; i++)
		d[i] = Int64GetDatum(ids[i]);
	vals[0] = PointerGetDatum(construct_array(d, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	vals[1] = CStringGetTextDatum(group);
	if (SPI_execute_with_args(psprintf("SELECT (s.%s)::pg_catalog.int8, s.%s FROM %s s"
									   " WHERE s.%s OPERATOR(pg_catalog.=) ANY ($1)"
									   " AND s.%s IS NOT NULL%s",
									   src->id_col, src->image_col, src->relname, src->id_col,
									   src->image_col, group_filter(src, "s")),
							  src->group_col ? 2 : 1, types, vals, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read a batch of %s", src->relname);
	for (uint64 r = 0; r < SPI_processed && ngot + nbad < n; r++)
	{
		bool		isnull;
		int64		id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull));
		bytea	   *b = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, &isnull));

		if (hack_image_decode((const uint8_t *) VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b),
							  src->format, &src->shape, x + (size_t) ngot * in, &err) != HACK_OK)
		{
			bad[nbad++] = id;
			continue;
		}
		hashes[ngot] = hack_image_hash_of(b);
		got[ngot++] = id;
	}
	SPI_freetuptable(SPI_tuptable);
	st = nn_embed(net, x, ngot, EMBED_CHUNK, emb, hack_interrupt_callback, NULL, &err);
	if (st != HACK_OK)
		hack_raise(&err);
	if (ngot > 0)
		model_store_upsert(model, group, ngot, got, emb, net->cfg.dim, net->cfg.curvature, hashes);
	if (nbad > 0)
		model_store_delete(model, group, nbad, bad);
	for (int i = 0; i < ngot; i++)
	{
		int			k = find_id(ids, n, got[i]);

		if (k >= 0 && is_new[k])
			c->embedded++;
		else
			c->updated++;
	}
	c->skipped += nbad;
}

/* Step 3 of refresh_group: embed the listed rows batch by batch. */
static void
refresh_batches(const char *model, const char *group, const TrainSource *src,
				const int64 *ids, const bool *is_new, int n, int batch_size,
				bool atomic, RefreshCounts *c)
{
	MemoryContext cxt = CurrentMemoryContext;
	MemoryContext batch_cxt = AllocSetContextCreate(cxt, "hack_refresh batch",
													ALLOCSET_DEFAULT_SIZES);
	NnModel    *volatile net = NULL;

	PG_TRY();
	{
		HackError	err;

		/* a private copy: the cache may be reset by invalidations meanwhile */
		net = model_store_load(model, group, false, NULL, NULL);
		hack_check(nn_set_threads(net, hack_blas_prepare(), &err), &err);
		for (int s = 0; s < n; s += batch_size)
		{
			MemoryContextSwitchTo(batch_cxt);
			refresh_batch(model, group, src, net, ids + s, is_new + s,
						  Min(batch_size, n - s), c);
			MemoryContextSwitchTo(cxt);
			MemoryContextReset(batch_cxt);
			maybe_commit(atomic);
			CHECK_FOR_INTERRUPTS();
		}
	}
	PG_FINALLY();
	{
		if (net != NULL)
			nn_model_free(net);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	MemoryContextDelete(batch_cxt);
}

/*
 * Bring the embeddings of (model, group) up to date with its source (see
 * the file header).  Needs an SPI connection (non-atomic unless atomic);
 * the caller's memory context must survive commits.
 */
void
refresh_group(const char *model, const char *group, Oid self, int batch_size,
			  bool atomic, RefreshCounts *c)
{
	TrainSource src;
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		vals[2] = {CStringGetTextDatum(model), CStringGetTextDatum(group)};
	MemoryContext cxt = CurrentMemoryContext;
	int64	   *ids;
	bool	   *is_new;
	int			n;

	model_source_lookup(model, group, &src);

	/* 1. embeddings whose row is gone */
	if (SPI_execute_with_args(psprintf("DELETE FROM hack.embeddings e WHERE e.model OPERATOR(pg_catalog.=) $1"
									   " AND e.group_key OPERATOR(pg_catalog.=) $2"
									   " AND NOT EXISTS (SELECT FROM %s s WHERE s.%s OPERATOR(pg_catalog.=) e.id"
									   " AND s.%s IS NOT NULL%s)",
									   src.relname, src.id_col, src.image_col, group_filter(&src, "s")),
							  2, types, vals, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "could not delete stale embeddings");
	c->deleted += SPI_processed;
	maybe_commit(atomic);

	/* 2. rows without an up-to-date embedding (a plain SELECT: may run in parallel) */
	if (SPI_execute_with_args(psprintf("SELECT (s.%s)::pg_catalog.int8, e.id IS NULL FROM %s s"
									   " LEFT JOIN hack.embeddings e ON e.model OPERATOR(pg_catalog.=) $1"
									   " AND e.group_key OPERATOR(pg_catalog.=) $2"
									   " AND e.id OPERATOR(pg_catalog.=) s.%s WHERE s.%s IS NOT NULL%s"
									   " AND (e.image_hash IS NULL OR e.image_hash OPERATOR(pg_catalog.<>) %s(s.%s)) ORDER BY 1",
									   src.id_col, src.relname, src.id_col, src.image_col,
									   group_filter(&src, "s"), hash_function_name(self), src.image_col),
							  2, types, vals, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list the rows to refresh");
	n = (int) SPI_processed;
	MemoryContextSwitchTo(cxt);
	ids = palloc(sizeof(int64) * Max(n, 1));
	is_new = palloc(sizeof(bool) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		bool		isnull;

		ids[i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		is_new[i] = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
	}
	SPI_freetuptable(SPI_tuptable);
	if (n == 0)
		return;

	/* 3. in batches, one transaction each */
	refresh_batches(model, group, &src, ids, is_new, n, batch_size, atomic, c);
}

/* A refresh job: its model, groups and settings, and the counts it adds to. */
typedef struct RefreshJob
{
	const char *model;
	List	   *groups;
	Oid			self;
	int			batch_size;
	bool		atomic;
	RefreshCounts *counts;
} RefreshJob;

/* Refresh every group of the job (run under the model's lock). */
static void
refresh_groups(void *arg)
{
	RefreshJob *job = (RefreshJob *) arg;
	MemoryContext cxt = CurrentMemoryContext;
	ListCell   *lc;

	foreach(lc, job->groups)
	{
		MemoryContextSwitchTo(cxt);
		refresh_group(job->model, (const char *) lfirst(lc), job->self, job->batch_size,
					  job->atomic, job->counts);
	}
}

/* CALL hack_refresh(model [, batch_size, if_busy]) */
Datum
hack_refresh(PG_FUNCTION_ARGS)
{
	bool		atomic = hack_call_is_atomic(fcinfo);
	MemoryContext job_cxt;
	MemoryContext old;
	char	   *model;
	int			batch_size;
	ModelBusy	busy;
	List	   *groups = NIL;
	RefreshCounts c;
	bool		ran;
	TupleDesc	tupdesc;
	Datum		out[4];
	bool		nulls[4];
	Datum		result;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("hack_refresh parameters model, batch_size and if_busy must not be NULL")));
	model = text_to_cstring(PG_GETARG_TEXT_PP(0));
	batch_size = PG_GETARG_INT32(1);
	busy = model_lock_parse_busy(text_to_cstring(PG_GETARG_TEXT_PP(2)));
	if (batch_size < 1 || batch_size > 1000000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("batch_size must be between 1 and 1000000, got %d", batch_size)));
	memset(&c, 0, sizeof(c));
	/* lives across the commits between batches (the CALL's portal does) */
	job_cxt = AllocSetContextCreate(atomic ? CurrentMemoryContext : PortalContext,
									"hack_refresh", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(job_cxt);
	SPI_connect_ext(atomic ? 0 : SPI_OPT_NONATOMIC);
	MemoryContextSwitchTo(job_cxt);
	{
		Oid			types[1] = {TEXTOID};
		Datum		vals[1] = {CStringGetTextDatum(model)};

		if (SPI_execute_with_args("SELECT group_key FROM hack.models WHERE model OPERATOR(pg_catalog.=) $1 ORDER BY 1",
								  1, types, vals, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read hack.models");
		MemoryContextSwitchTo(job_cxt);
		for (uint64 i = 0; i < SPI_processed; i++)
			groups = lappend(groups, spi_text((int) i, 1));
		if (groups == NIL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("model \"%s\" does not exist", model),
					 errhint("Train it with CALL hack_train(model => '%s', ...).", model)));
	}
	{
		RefreshJob	job = {model, groups, fcinfo->flinfo->fn_oid, batch_size, atomic, &c};

		ran = model_lock_run(model, busy, "hack_refresh", !atomic, refresh_groups, &job);
	}
	SPI_finish();
	/* the row outlives the commits' transactions: build it in the portal's memory */
	MemoryContextSwitchTo(atomic ? old : PortalContext);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "hack_refresh must return a row");
	tupdesc = BlessTupleDesc(tupdesc);
	out[0] = Int64GetDatum(c.embedded);
	out[1] = Int64GetDatum(c.updated);
	out[2] = Int64GetDatum(c.deleted);
	out[3] = Int64GetDatum(c.skipped);
	for (int i = 0; i < 4; i++)
		nulls[i] = !ran;
	result = HeapTupleGetDatum(heap_form_tuple(tupdesc, out, nulls));
	MemoryContextSwitchTo(old);
	MemoryContextDelete(job_cxt);
	PG_RETURN_DATUM(result);
}
