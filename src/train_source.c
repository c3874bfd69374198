/*
 * train_source.c
 *	  Reading a training table's images, group by group, through SPI.
 *
 * Names given by the caller are checked against the catalog (42703 for a
 * missing column, 42804 for a wrong type) and quoted with
 * quote_identifier; the table comes as a regclass, so it exists and its
 * printed name is qualified and quoted as needed.  Queries run with the
 * caller's privileges, so a role without SELECT on the table gets
 * PostgreSQL's own permission error.  Rows are fetched through a cursor
 * and decoded straight into one compact float32 buffer: a group of 60,000
 * 28 x 28 images needs 188 MB, and nothing else grows with the rows.
 */
#include "hack.h"
#include "train.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"

#define FETCH_ROWS 1000

/* Check that column name exists in relid; return its type. */
static Oid
column_type(Oid relid, const char *name, const char *role)
{
	AttrNumber	att = get_attnum(relid, name);

	if (att == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						name, get_rel_name(relid)),
				 errhint("Name the column with %s => 'name'.", role)));
	return get_atttype(relid, att);
}

/* Check the table and columns of a training source and quote their names. */
void
train_source_open(TrainSource *src, Oid relid, const char *id_col,
				  const char *image_col, const char *group_col)
{
	Oid			t;

	if (!OidIsValid(relid) || get_rel_name(relid) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	src->relid = relid;
	src->relname = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
											  get_rel_name(relid));
	t = column_type(relid, id_col, "id_column");
	if (t != INT2OID && t != INT4OID && t != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("id column \"%s\" must be of type smallint, integer or bigint, not %s",
						id_col, format_type_be(t))));
	t = column_type(relid, image_col, "image_column");
	if (t != BYTEAOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("image column \"%s\" must be of type bytea, not %s",
						image_col, format_type_be(t))));
	if (group_col != NULL)
		(void) column_type(relid, group_col, "group_column");
	src->id_col = pstrdup(quote_identifier(id_col));
	src->image_col = pstrdup(quote_identifier(image_col));
	src->group_col = group_col ? pstrdup(quote_identifier(group_col)) : NULL;
	src->id_name = pstrdup(id_col);
	src->image_name = pstrdup(image_col);
	src->group_name = group_col ? pstrdup(group_col) : NULL;
}

/* The distinct group values as text, in order; one "" group without a group column. */
List *
train_source_groups(const TrainSource *src)
{
	StringInfoData q;
	List	   *groups = NIL;

	if (src->group_col == NULL)
		return list_make1(pstrdup(""));
	initStringInfo(&q);
	appendStringInfo(&q, "SELECT DISTINCT (%s)::pg_catalog.text FROM %s ORDER BY 1",
					 src->group_col, src->relname);
	if (SPI_execute(q.data, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list the groups of %s", src->relname);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);

		if (isnull)
		{
			if (!src->skip_invalid)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("group column %s of %s contains NULL", src->group_col, src->relname),
						 errhint("Filter those rows out with a view, or pass skip_invalid => true to leave them out.")));
			continue;
		}
		groups = lappend(groups, TextDatumGetCString(d));
	}
	SPI_freetuptable(SPI_tuptable);
	return groups;
}

/* Grow the buffers of out to hold at least n images. */
static void
reserve(GroupImages *out, int *cap, int n, size_t in)
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
		: MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * newcap);
	out->hashes = out->hashes ? repalloc_huge(out->hashes, sizeof(int64) * newcap)
		: MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * newcap);
	out->images = out->images ? repalloc_huge(out->images, sizeof(float) * in * newcap)
		: MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * in * newcap);
	*cap = newcap;
}

/*
 * Read the images of one group in id order, decoding each into the compact
 * buffer.  NULL ids and duplicate ids are errors; NULL or undecodable
 * images are errors naming the row, unless skip_invalid counts them.
 */
void
train_source_read(const TrainSource *src, const char *group, GroupImages *out)
{
	StringInfoData q;
	size_t		in = (size_t) src->shape.channels * src->shape.height * src->shape.width;
	Portal		portal;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	int			cap = 0;
	int64		last_id = 0;
	bool		have_last = false;
	HackError	err;

	memset(out, 0, sizeof(*out));
	initStringInfo(&q);
	appendStringInfo(&q, "SELECT (%s)::pg_catalog.int8, %s FROM %s",
					 src->id_col, src->image_col, src->relname);
	if (src->group_col)
		appendStringInfo(&q, " WHERE (%s)::pg_catalog.text OPERATOR(pg_catalog.=) $1", src->group_col);
	appendStringInfoString(&q, " ORDER BY 1");
	args[0] = CStringGetTextDatum(group);
	/*
	 * read_only = false: after the commit of a previous group there is no
	 * active snapshot, and a non-read-only cursor takes a fresh one
	 */
	portal = SPI_cursor_open_with_args(NULL, q.data, src->group_col ? 1 : 0,
									   argtypes, args, NULL, false, 0);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, FETCH_ROWS);
		if (SPI_processed == 0)
			break;
		reserve(out, &cap, out->n + (int) SPI_processed, in);
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			bool		idnull,
						imgnull;
			int64		id = DatumGetInt64(SPI_getbinval(tup, SPI_tuptable->tupdesc, 1, &idnull));
			Datum		img = SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &imgnull);
			bytea	   *b;
			HackStatus	st;

			if (idnull)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("id column %s of %s contains NULL", src->id_col, src->relname)));
			if (have_last && last_id == id)
				ereport(ERROR,
						(errcode(ERRCODE_UNIQUE_VIOLATION),
						 errmsg("duplicate id " INT64_FORMAT " in %s", id, src->relname),
						 errdetail("Every row needs its own id: embeddings are stored by id.")));
			last_id = id;
			have_last = true;
			if (imgnull)
			{
				if (src->skip_invalid)
				{
					out->skipped++;
					continue;
				}
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("image of row id " INT64_FORMAT " is NULL", id),
						 errhint("Pass skip_invalid => true to leave such rows out.")));
			}
			b = DatumGetByteaPP(img);
			st = hack_image_decode((const uint8_t *) VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b),
								   src->format, &src->shape,
								   out->images + (size_t) out->n * in, &err);
			if (st != HACK_OK)
			{
				if (src->skip_invalid)
				{
					out->skipped++;
					continue;
				}
				ereport(ERROR,
						(errcode(hack_sqlstate(st)),
						 errmsg("image of row id " INT64_FORMAT ": %s", id, err.message),
						 err.detail[0] ? errdetail_internal("%s", err.detail) : 0,
						 errhint("Pass skip_invalid => true to leave such rows out.")));
			}
			out->hashes[out->n] = hack_image_hash_of(b);
			out->ids[out->n++] = id;
		}
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
}
