/*
 * train_source.c
 *	  Reading a model's source table: its groups and the images of each.
 *
 * Names come from the caller (hack_train) or the catalogue (refresh,
 * resume) and are checked against the table each time (42703 for a
 * missing column, 42804 for a wrong type), then quoted with
 * quote_identifier; the table's printed name is qualified and quoted.
 *
 * Every query runs as the model's owner inside a security-restricted
 * operation (run_as.c): a superuser refreshing another role's model never
 * runs that role's functions (a view's, a policy's) with superuser rights,
 * and a role without SELECT on the source gets PostgreSQL's own error.
 * Group keys are computed here from the column's values with
 * hack_group_key_of, never by a cast or an operator in SQL, so no code of
 * the column type's owner runs and the keys do not depend on settings.
 *
 * Rows are fetched through a cursor and decoded straight into one compact
 * float32 buffer: a group of 60,000 28 x 28 images needs 188 MB, and
 * nothing else grows with the rows.
 */
#include "hack.h"
#include "group_key.h"
#include "image_hash.h"
#include "run_as.h"
#include "train_source.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#define FETCH_ROWS 1000

/* Check that column name exists in relid (a user column); return its type. */
static Oid
column_type(Oid relid, const char *name, const char *role)
{
	AttrNumber	att = get_attnum(relid, name);

	if (att == InvalidAttrNumber || att < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						name, get_rel_name(relid)),
				 errhint("Name the column with %s => 'name'.", role)));
	return get_atttype(relid, att);
}

/* 42804 unless an id column of type t (smallint, integer or bigint). */
void
train_source_check_id_type(const char *column, Oid t)
{
	if (t != INT2OID && t != INT4OID && t != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("id column \"%s\" must be of type smallint, integer or bigint, not %s",
						column, format_type_be(t))));
}

/* 42804 unless an image column of type t (bytea). */
void
train_source_check_image_type(const char *column, Oid t)
{
	if (t != BYTEAOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("image column \"%s\" must be of type bytea, not %s",
						column, format_type_be(t))));
}

/* Check the table and columns of a model's source and quote their names. */
void
train_source_open(TrainSource *src, const CatalogModel *def, bool skip_invalid)
{
	Oid			relid = def->source;
	char		kind;

	memset(src, 0, sizeof(*src));
	if (!OidIsValid(relid) || get_rel_name(relid) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("source table of model \"%s\" (OID %u) does not exist", def->model, relid)));
	kind = get_rel_relkind(relid);
	if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE && kind != RELKIND_VIEW &&
		kind != RELKIND_MATVIEW && kind != RELKIND_FOREIGN_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table, view, materialized view or foreign table",
						get_rel_name(relid))));
	src->relid = relid;
	src->owner = def->owner;
	src->relname = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
											  get_rel_name(relid));
	train_source_check_id_type(def->id_column, column_type(relid, def->id_column, "id_column"));
	train_source_check_image_type(def->image_column,
								  column_type(relid, def->image_column, "image_column"));
	if (def->group_column != NULL)
		src->group_type = column_type(relid, def->group_column, "group_column");
	src->id_col = pstrdup(quote_identifier(def->id_column));
	src->image_col = pstrdup(quote_identifier(def->image_column));
	src->group_col = def->group_column ? pstrdup(quote_identifier(def->group_column)) : NULL;
	src->shape = def->shape;
	src->format = def->format;
	src->skip_invalid = skip_invalid;
}

/*
 * The group key of a row from its group column's value: "" without a
 * group column, NULL for a NULL value.
 */
char *
train_source_row_group(const TrainSource *src, Datum value, bool isnull)
{
	if (src->group_col == NULL)
		return "";
	if (isnull)
		return NULL;
	return hack_group_key_of(value, src->group_type);
}

/*
 * The query reading (id, image[, group]) of every row of the source, or
 * with by_ids of the rows whose id is in the int8[] $1; ordered by id if
 * asked.  With hashed, the image column is its hack_image_hash instead,
 * computed where the row is (on a Citus worker, for a distributed source),
 * so a scan that only compares hashes moves 8 bytes a row, not the image.
 */
char *
train_source_query(const TrainSource *src, bool by_ids, bool ordered, bool hashed)
{
	return psprintf("SELECT (s.%s)::pg_catalog.int8, %s%s.%s%s%s%s FROM %s s%s%s",
					src->id_col, hashed ? catalog_hack_schema() : "",
					hashed ? ".hack_image_hash(s" : "s", src->image_col, hashed ? ")" : "",
					src->group_col ? ", s." : "", src->group_col ? src->group_col : "",
					src->relname,
					by_ids ? psprintf(" WHERE s.%s OPERATOR(pg_catalog.=) ANY ($1)", src->id_col) : "",
					ordered ? " ORDER BY 1" : "");
}

/*
 * Read a row fetched by train_source_query: its id, its image (detoasted
 * into the current memory context, only if with_image) or with hashed its
 * image's hash, and its group key.
 */
void
train_source_row(const TrainSource *src, HeapTuple tup, TupleDesc desc, bool with_image,
				 bool hashed, SourceRow *row)
{
	bool		isnull;
	Datum		d;

	row->id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &row->id_null));
	d = SPI_getbinval(tup, desc, 2, &isnull);
	row->has_image = !isnull;
	row->image = NULL;
	row->image_hash = 0;
	if (!isnull && hashed)
		row->image_hash = DatumGetInt64(d);
	else if (!isnull)
		row->image = with_image ? DatumGetByteaPP(d) : (bytea *) DatumGetPointer(d);
	d = src->group_col ? SPI_getbinval(tup, desc, 3, &isnull) : (Datum) 0;
	row->group = train_source_row_group(src, d, src->group_col && isnull);
}

/*
 * A row whose group value is NULL: an error, or with skip_invalid left
 * out (the caller skips it).
 */
void
train_source_null_group(const TrainSource *src)
{
	if (!src->skip_invalid)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("group column %s of %s contains NULL", src->group_col, src->relname),
				 errhint("Filter those rows out with a view, or pass skip_invalid => true to leave them out.")));
}

/* Compare two C strings through pointers, for qsort. */
static int
cmp_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * The distinct group keys of the source, in byte order; one "" group
 * without a group column.  A NULL group value is an error unless
 * skip_invalid.
 */
List *
train_source_groups(const TrainSource *src)
{
	MemoryContext cxt = CurrentMemoryContext;
	HTAB	   *seen;
	HASHCTL		ctl;
	Portal		portal;
	RunAs		as;
	HASH_SEQ_STATUS seq;
	char	   *entry;
	char	  **keys;
	long		n = 0;
	List	   *groups = NIL;

	if (src->group_col == NULL)
		return list_make1(pstrdup(""));
	ctl.keysize = HACK_GROUP_KEY_MAX + 1;
	ctl.entrysize = HACK_GROUP_KEY_MAX + 1;
	ctl.hcxt = cxt;
	seen = hash_create("hack groups", 64, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	run_as_begin(&as, src->owner);
	portal = SPI_cursor_open_with_args(NULL, psprintf("SELECT %s FROM %s", src->group_col,
													  src->relname),
									   0, NULL, NULL, NULL, false, 0);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, FETCH_ROWS * 10);
		if (SPI_processed == 0)
			break;
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			bool		isnull;
			Datum		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
			MemoryContext old = MemoryContextSwitchTo(cxt);
			char	   *key = train_source_row_group(src, d, isnull);

			MemoryContextSwitchTo(old);
			if (key == NULL)
			{
				train_source_null_group(src);
				continue;
			}
			(void) hash_search(seen, key, HASH_ENTER, NULL);
			if (hash_get_num_entries(seen) > HACK_MAX_GROUPS)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("group column %s of %s has more than %d distinct values",
								src->group_col, src->relname, HACK_MAX_GROUPS),
						 errhint("Each group is trained on its own: group by a label, not an id.")));
		}
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
	run_as_end(&as);

	keys = palloc(sizeof(char *) * Max(hash_get_num_entries(seen), 1));
	hash_seq_init(&seq, seen);
	while ((entry = hash_seq_search(&seq)) != NULL)
		keys[n++] = pstrdup(entry);
	qsort(keys, n, sizeof(char *), cmp_strings);
	for (long i = 0; i < n; i++)
		groups = lappend(groups, keys[i]);
	hash_destroy(seen);
	return groups;
}

/* Grow the buffers of out to hold at least n images. */
static void
reserve(GroupImages *out, int *cap, int n, size_t in, MemoryContext cxt)
{
	int			newcap;

	if (n <= *cap)
		return;
	newcap = Max(n, *cap * 2);
	if ((Size) newcap * in * sizeof(float) > MaxAllocHugeSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("group is too large to train in one backend")));
	out->ids = out->ids ? repalloc_huge(out->ids, sizeof(int64) * newcap)
		: MemoryContextAllocHuge(cxt, sizeof(int64) * newcap);
	out->hashes = out->hashes ? repalloc_huge(out->hashes, sizeof(int64) * newcap)
		: MemoryContextAllocHuge(cxt, sizeof(int64) * newcap);
	out->images = out->images ? repalloc_huge(out->images, sizeof(float) * in * newcap)
		: MemoryContextAllocHuge(cxt, sizeof(float) * in * newcap);
	*cap = newcap;
}

/*
 * Scan the whole source as its owner (ordered: in id order), fetch_rows
 * rows at a time, calling fn on each row read by train_source_row (image
 * not detoasted).  fn runs in the caller's memory context; the row, and
 * whatever fn allocates in row_cxt, lives until the next row.  Interrupts
 * are checked after each fetch.
 */
void
train_source_scan(const TrainSource *src, bool ordered, bool hashed, int fetch_rows,
				  SourceRowFn fn, void *arg)
{
	MemoryContext cxt = CurrentMemoryContext;
	MemoryContext row_cxt = AllocSetContextCreate(cxt, "hack source rows", ALLOCSET_DEFAULT_SIZES);
	Portal		portal;
	RunAs		as;

	run_as_begin(&as, src->owner);

	/*
	 * read_only = false: after the commit of a previous group or batch there
	 * is no active snapshot, and a non-read-only cursor takes a fresh one
	 */
	portal = SPI_cursor_open_with_args(NULL, train_source_query(src, false, ordered, hashed),
									   0, NULL, NULL, NULL, false, 0);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, fetch_rows);
		if (SPI_processed == 0)
			break;
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			SourceRow	row;

			MemoryContextReset(row_cxt);
			MemoryContextSwitchTo(row_cxt);
			train_source_row(src, SPI_tuptable->vals[i], SPI_tuptable->tupdesc, false, hashed, &row);
			MemoryContextSwitchTo(cxt);
			fn(arg, &row, row_cxt);
		}
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
	run_as_end(&as);
	MemoryContextDelete(row_cxt);
}

/* What read_row needs. */
typedef struct ReadGroup
{
	const TrainSource *src;
	const char *group;
	GroupImages *out;
	int			cap;			/* images out can hold */
	int64		last_id;
	bool		have_last;
} ReadGroup;

/*
 * Append the row id with image (NULL for a NULL image) to out, decoded
 * with format and shape, the buffers growing in cxt; *cap is what they
 * hold.  The image is detoasted in the current context.  A NULL or bad
 * image is an error naming the row, or with skip_invalid is counted in
 * out->skipped.
 */
void
train_source_add_image(GroupImages *out, int *cap, MemoryContext cxt, int64 id, bytea *image,
					   HackImageFormat format, const HackImageShape *shape, bool skip_invalid)
{
	size_t		in = (size_t) shape->channels * shape->height * shape->width;
	HackStatus	st;
	HackError	err;

	if (image == NULL)
	{
		if (skip_invalid)
		{
			out->skipped++;
			return;
		}
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("image of row id " INT64_FORMAT " is NULL", id),
				 errhint("Pass skip_invalid => true to leave such rows out.")));
	}
	reserve(out, cap, out->n + 1, in, cxt);
	image = DatumGetByteaPP(PointerGetDatum(image));
	st = hack_image_decode((const uint8_t *) VARDATA_ANY(image), VARSIZE_ANY_EXHDR(image),
						   format, shape, hack_max_image_pixels,
						   out->images + (size_t) out->n * in, &err);
	if (st != HACK_OK)
	{
		if (skip_invalid)
		{
			out->skipped++;
			return;
		}
		ereport(ERROR,
				(errcode(hack_sqlstate(st)),
				 errmsg("image of row id " INT64_FORMAT ": %s", id, err.message),
				 err.detail[0] ? errdetail_internal("%s", err.detail) : 0,
				 errhint("Pass skip_invalid => true to leave such rows out.")));
	}
	out->hashes[out->n] = hack_image_hash_of(image);
	out->ids[out->n++] = id;
}

/* One row of train_source_read: checked, decoded into the buffer, or skipped. */
static void
read_row(void *arg, SourceRow *row, MemoryContext row_cxt)
{
	ReadGroup  *rg = (ReadGroup *) arg;
	const TrainSource *src = rg->src;
	MemoryContext cxt;
	int64		id;

	if (row->group == NULL || strcmp(row->group, rg->group) != 0)
		return;
	id = row->id;
	if (row->id_null)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("id column %s of %s contains NULL", src->id_col, src->relname)));
	if (rg->have_last && rg->last_id == id)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("duplicate id " INT64_FORMAT " in %s", id, src->relname),
				 errdetail("Every row needs its own id: embeddings are stored by id.")));
	rg->last_id = id;
	rg->have_last = true;
	cxt = MemoryContextSwitchTo(row_cxt);
	train_source_add_image(rg->out, &rg->cap, cxt, id, row->image, src->format, &src->shape,
						   src->skip_invalid);
	MemoryContextSwitchTo(cxt);
}

/*
 * Read the images of one group in id order, decoding each into the compact
 * buffer.  NULL ids and duplicate ids are errors; NULL or undecodable
 * images are errors naming the row, unless skip_invalid counts them.
 */
void
train_source_read(const TrainSource *src, const char *group, GroupImages *out)
{
	ReadGroup	rg;

	memset(out, 0, sizeof(*out));
	memset(&rg, 0, sizeof(rg));
	rg.src = src;
	rg.group = group;
	rg.out = out;
	train_source_scan(src, true, false, FETCH_ROWS, read_row, &rg);
}
