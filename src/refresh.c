/*
 * refresh.c
 *	  CALL hack_refresh(model): embed the source rows a model has not seen
 *	  (or whose image changed) and drop the embeddings of rows that are
 *	  gone, without training.
 *
 * In three steps, all groups of the model at once:
 *
 *	1. one scan of the source, as the model's owner (train_source.c):
 *	   each row's id, group key (computed in C, train_source_row_group)
 *	   and image hash (hack_image_hash in the scan's query, so that on a
 *	   Citus cluster the workers hash and the images stay there), compared
 *	   with the stored embeddings
 *	   (catalog_embeddings_of): a row with no embedding, or one under
 *	   another group, is new; one whose hash differs is changed;
 *	2. the embeddings of rows gone, moved to another group or with a NULL
 *	   image now are deleted;
 *	3. the new and changed rows, group by group in batches of batch_size
 *	   ids: fetch (as the owner), decode with the model's format and shape,
 *	   embed as one batch with the engine's threads (hack.blas_threads),
 *	   upsert, and, when the CALL is non-atomic, commit.  A batch is one
 *	   transaction, so an interrupted refresh keeps the batches before it
 *	   and none of the one it was in.
 *
 * The rows a batch fetches are re-read and their group re-computed, and
 * the hash stored is that of the image actually embedded, so a row
 * changed between steps 1 and 3 is still consistent (one deleted or moved
 * meanwhile is left for the next refresh).  Rows of a group that has no
 * network yet are left for the next training.  hack_train calls
 * refresh_model for the group it just committed, to catch up with rows
 * that arrived while it trained.
 */
#include "hack.h"
#include "call_job.h"
#include "catalog.h"
#include "image_hash.h"
#include "refresh.h"
#include "run_as.h"
#include "train_source.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "core/hyperbolic.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "blas.h"

PG_FUNCTION_INFO_V1(hack_refresh);

#define EMBED_CHUNK 256			/* images per forward pass */
#define SCAN_ROWS 10000			/* rows per fetch of step 1 */

/* A stored embedding, by id, for step 1. */
typedef struct StoredEntry
{
	int64		id;				/* hash key */
	const char *group;
	int64		image_hash;
	bool		has_hash;
	bool		seen;			/* its row is still there, in its group */
	bool		in_two;			/* the id is stored under two groups */
} StoredEntry;

/* A row to embed. */
typedef struct Pending
{
	const char *group;			/* interned: the model's group key */
	int64		id;
	bool		is_new;
} Pending;

/* A growing array of Pending. */
typedef struct PendingList
{
	Pending    *items;
	int			n;
	int			cap;
} PendingList;

/* Append to a PendingList. */
static void
pending_add(PendingList *l, const char *group, int64 id, bool is_new)
{
	if (l->n == l->cap)
	{
		l->cap = Max(64, l->cap * 2);
		l->items = l->items ? repalloc_huge(l->items, sizeof(Pending) * l->cap)
			: MemoryContextAllocHuge(CurrentMemoryContext, sizeof(Pending) * l->cap);
	}
	l->items[l->n].group = group;
	l->items[l->n].id = id;
	l->items[l->n].is_new = is_new;
	l->n++;
}

/* Order Pending by group (pointer to interned keys sorted alike), then id. */
static int
cmp_pending(const void *a, const void *b)
{
	const Pending *x = a;
	const Pending *y = b;
	int			c = strcmp(x->group, y->group);

	if (c != 0)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * The model's key equal to key, or NULL when the model has no such group;
 * groups is sorted in byte order (catalog_group_keys).
 */
static const char *
model_group(List *groups, const char *key)
{
	int			lo = 0,
				hi = list_length(groups) - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		const char *g = (const char *) list_nth(groups, mid);
		int			c = strcmp(g, key);

		if (c == 0)
			return g;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/* Delete the ids of list (all of one group, sorted) group by group. */
static void
delete_pending(const CatalogModel *m, PendingList *del, RefreshCounts *c)
{
	int			s = 0;

	qsort(del->items, del->n, sizeof(Pending), cmp_pending);
	while (s < del->n)
	{
		int			e = s;
		int64	   *ids;

		while (e < del->n && strcmp(del->items[e].group, del->items[s].group) == 0)
			e++;
		ids = palloc(sizeof(int64) * (e - s));
		for (int i = s; i < e; i++)
			ids[i - s] = del->items[i].id;
		c->deleted += catalog_embeddings_delete(m, del->items[s].group, e - s, ids);
		pfree(ids);
		s = e;
	}
}

/* What plan_row needs. */
typedef struct PlanScan
{
	HTAB	   *by_id;			/* StoredEntry by id */
	List	   *groups;
	const char *only_group;
	PendingList *todo;
} PlanScan;

/* One source row of step 1: new, changed, or as stored. */
static void
plan_row(void *arg, SourceRow *row, MemoryContext row_cxt)
{
	PlanScan   *ps = (PlanScan *) arg;
	MemoryContext cxt = MemoryContextSwitchTo(row_cxt);
	const char *group;
	int64		id;
	int64		hash;
	StoredEntry *se;

	id = row->id;
	group = row->group ? model_group(ps->groups, row->group) : NULL;
	hash = row->image_hash;
	MemoryContextSwitchTo(cxt);
	if (row->id_null || !row->has_image)
		return;					/* no embedding: a stored one is deleted below */
	if (group == NULL || (ps->only_group && strcmp(group, ps->only_group) != 0))
		return;					/* no network for its group (yet) */
	se = hash_search(ps->by_id, &id, HASH_FIND, NULL);
	if (se == NULL)
		pending_add(ps->todo, group, id, true);
	else if (se->seen)
		return;					/* a duplicate id in the source: the first wins */
	else if (strcmp(se->group, group) != 0)
		pending_add(ps->todo, group, id, true); /* moved: the old one goes below */
	else
	{
		se->seen = true;
		if (!se->has_hash || se->image_hash != hash)
			pending_add(ps->todo, group, id, false);
	}
}

/*
 * Steps 1 and 2: compare the source with the stored embeddings, delete
 * what is gone, and list what to embed into *todo.
 */
static void
refresh_plan(const CatalogModel *m, const TrainSource *src, List *groups,
			 const char *only_group, PendingList *todo, RefreshCounts *c)
{
	MemoryContext cxt = CurrentMemoryContext;
	CatalogEmbedding *stored;
	int			nstored = catalog_embeddings_of(m, &stored);
	HTAB	   *by_id;
	HASHCTL		ctl;
	PendingList del = {0};
	HASH_SEQ_STATUS seq;
	StoredEntry *se;

	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(StoredEntry);
	ctl.hcxt = cxt;
	by_id = hash_create("hack_refresh stored", Max(nstored, 64), &ctl,
						HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	for (int i = 0; i < nstored; i++)
	{
		bool		found;

		if (only_group && strcmp(stored[i].group, only_group) != 0)
			continue;
		se = hash_search(by_id, &stored[i].id, HASH_ENTER, &found);
		if (found)
		{
			/* an id under two groups: keep the first, drop the other */
			pending_add(&del, stored[i].group, stored[i].id, false);
			se->in_two = true;
			continue;
		}
		se->group = stored[i].group;
		se->image_hash = stored[i].image_hash;
		se->has_hash = stored[i].has_hash;
		se->seen = false;
		se->in_two = false;
	}

	{
		PlanScan	ps = {by_id, groups, only_group, todo};

		train_source_scan(src, false, true, SCAN_ROWS, plan_row, &ps);
	}

	hash_seq_init(&seq, by_id);
	while ((se = hash_seq_search(&seq)) != NULL)
		if (!se->seen)
			pending_add(&del, se->group, se->id, false);
	hash_destroy(by_id);
	if (del.n > 0)
		delete_pending(m, &del, c);
}

/* Index of id in a batch (sorted by id), or -1. */
static int
find_id(const Pending *batch, int n, int64 id)
{
	int			lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (batch[mid].id == id)
			return mid;
		if (batch[mid].id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/*
 * Embed batch ids[0..n-1] of one group with net and store the results;
 * rows whose image cannot be decoded lose their embedding and are counted
 * as skipped.
 */
static void
refresh_batch(const CatalogModel *m, const TrainSource *src, NnModel *net,
			  const Pending *batch, int n, RefreshCounts *c)
{
	const char *group = batch[0].group;
	size_t		in = nn_input_size(net);
	float	   *x = palloc(sizeof(float) * in * n);
	double	   *emb = palloc(sizeof(double) * m->dim * n);
	int64	   *got = palloc(sizeof(int64) * n);
	bool	   *got_new = palloc(sizeof(bool) * n);
	int64	   *hashes = palloc(sizeof(int64) * n);
	int64	   *bad = palloc(sizeof(int64) * n);
	int			ngot = 0,
				nbad = 0;
	Datum	   *d = palloc(sizeof(Datum) * n);
	Oid			types[1] = {INT8ARRAYOID};
	Datum		vals[1];
	HackError	err;
	HackStatus	st;
	RunAs		as;

	/* the network reads exactly the model's shape (validated on load) */
	Assert(in == (size_t) m->shape.channels * m->shape.height * m->shape.width);
	for (int i = 0; i < n; i++)
		d[i] = Int64GetDatum(batch[i].id);
	vals[0] = PointerGetDatum(construct_array(d, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	run_as_begin(&as, src->owner);
	if (SPI_execute_with_args(train_source_query(src, true, false, false),
							  1, types, vals, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read a batch of %s", src->relname);
	for (uint64 r = 0; r < SPI_processed && ngot + nbad < n; r++)
	{
		SourceRow	row;
		int64		id;
		int			k;
		bytea	   *b;

		train_source_row(src, SPI_tuptable->vals[r], SPI_tuptable->tupdesc, true, false, &row);
		id = row.id;
		k = find_id(batch, n, id);
		if (row.id_null || row.image == NULL || row.group == NULL ||
			strcmp(row.group, group) != 0 || k < 0)
			continue;			/* gone or moved since step 1: the next refresh sees it */
		b = row.image;
		if (hack_image_decode((const uint8_t *) VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b),
							  src->format, &src->shape, hack_max_image_pixels,
							  x + (size_t) ngot * in, &err) != HACK_OK)
		{
			bad[nbad++] = id;
			continue;
		}
		hashes[ngot] = hack_image_hash_of(b);
		got_new[ngot] = batch[k].is_new;
		got[ngot++] = id;
	}
	SPI_freetuptable(SPI_tuptable);
	run_as_end(&as);
	st = nn_embed(net, x, ngot, EMBED_CHUNK, emb, hack_interrupt_callback, NULL, &err);
	if (st != HACK_OK)
		hack_raise(&err);
	if (ngot > 0)
		catalog_embeddings_upsert(m, group, ngot, got, emb, net->cfg.curvature, hashes);
	if (nbad > 0)
		catalog_embeddings_delete(m, group, nbad, bad);
	for (int i = 0; i < ngot; i++)
	{
		if (got_new[i])
			c->embedded++;
		else
			c->updated++;
	}
	c->skipped += nbad;
}

/* Step 3: embed the listed rows (sorted by group), batch by batch. */
static void
refresh_batches(const CatalogModel *m, const TrainSource *src, const PendingList *todo,
				int batch_size, bool atomic, RefreshCounts *c)
{
	MemoryContext cxt = CurrentMemoryContext;
	MemoryContext batch_cxt = AllocSetContextCreate(cxt, "hack_refresh batch",
													ALLOCSET_DEFAULT_SIZES);
	NnModel    *volatile net = NULL;
	int			s = 0;

	PG_TRY();
	{
		while (s < todo->n)
		{
			const char *group = todo->items[s].group;
			int			e = s;
			HackError	err;

			while (e < todo->n && strcmp(todo->items[e].group, group) == 0)
				e++;
			/* a private copy: the cache may be reset by invalidations meanwhile */
			net = catalog_group_network(m, group, false, NULL);
			hack_check(nn_set_threads(net, hack_blas_prepare(), &err), &err);
			for (int b = s; b < e; b += batch_size)
			{
				MemoryContextSwitchTo(batch_cxt);
				refresh_batch(m, src, net, todo->items + b, Min(batch_size, e - b), c);
				MemoryContextSwitchTo(cxt);
				MemoryContextReset(batch_cxt);
				(void) call_job_commit(atomic);
				CHECK_FOR_INTERRUPTS();
			}
			nn_model_free(net);
			net = NULL;
			s = e;
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
 * Bring the embeddings of a model (or of its group only_group) up to date
 * with its source (see the file header).  Needs an SPI connection
 * (non-atomic unless atomic); the caller's memory context must survive
 * commits.
 */
void
refresh_model(const CatalogModel *m, const char *only_group, int batch_size, bool atomic,
			  RefreshCounts *c)
{
	TrainSource src;
	List	   *groups = catalog_group_keys(m);
	PendingList todo = {0};

	train_source_open(&src, m, true);
	refresh_plan(m, &src, groups, only_group, &todo, c);
	(void) call_job_commit(atomic);
	if (todo.n == 0)
		return;
	qsort(todo.items, todo.n, sizeof(Pending), cmp_pending);
	refresh_batches(m, &src, &todo, batch_size, atomic, c);
}

/* A refresh job: its model, settings, and the counts it adds to. */
typedef struct RefreshJob
{
	const CatalogModel *m;
	int			batch_size;
	bool		atomic;
	RefreshCounts *counts;
} RefreshJob;

/* The job, run under the model's lock. */
static void
refresh_job(void *arg)
{
	RefreshJob *job = (RefreshJob *) arg;

	refresh_model(job->m, NULL, job->batch_size, job->atomic, job->counts);
}

/* CALL hack_refresh(model [, batch_size, if_busy]) */
Datum
hack_refresh(PG_FUNCTION_ARGS)
{
	CallJob		call;
	char	   *model;
	int			batch_size;
	ModelBusy	busy;
	CatalogModel m;
	RefreshCounts c;
	bool		ran;
	TupleDesc	tupdesc;
	Datum		out[5];
	bool		nulls[5] = {false, false, false, false, false};
	Datum		result;

	if (PG_NARGS() != 8)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("hack_refresh of hack 1.0 cannot run with this library"),
				 errhint("Run ALTER EXTENSION hack UPDATE.")));
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
	call_job_begin(&call, fcinfo, "hack_refresh");
	/* maintenance is the owner's: members of the owner role only */
	catalog_model_get(model, &m, CATALOG_OWN);
	{
		RefreshJob	job = {&m, batch_size, call.atomic, &c};

		ran = call_job_run(&call, model, busy, refresh_job, &job);
	}
	MemoryContextSwitchTo(call_job_result_context(&call));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "hack_refresh must return a row");
	tupdesc = BlessTupleDesc(tupdesc);
	out[0] = Int64GetDatum(c.embedded);
	out[1] = Int64GetDatum(c.updated);
	out[2] = Int64GetDatum(c.deleted);
	out[3] = Int64GetDatum(c.skipped);
	out[4] = CStringGetTextDatum(ran ? "done" : "skipped");
	result = HeapTupleGetDatum(heap_form_tuple(tupdesc, out, nulls));
	call_job_end(&call);
	PG_RETURN_DATUM(result);
}
