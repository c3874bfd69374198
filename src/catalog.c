/*
 * catalog.c
 *	  The model catalogue: hack.models (one row per model: owner, source,
 *	  how to read it, the encoder's shape), hack.model_groups (one row per
 *	  group: weights, normalisation, metrics) and hack.embeddings.  Every
 *	  query on those tables is in this file, as every query on cron.job is
 *	  in pg_cron's job_metadata.c.
 *
 * Trust.  The tables are hack's own: PUBLIC may SELECT them under row
 * security and write nothing, and this file writes them as the
 * extension's owner (run_as.c) after the caller's rights were checked
 * (catalog_model_get, catalog_train_prepare).  Reads for hack's own use
 * also run as the extension's owner, so they see every row and apply the
 * visibility rule themselves (catalog_model_visible, the same rule as the
 * tables' policies).  Nothing read back is trusted: a row is validated
 * field by field, and a stored network must decode and match its model's
 * shape, or the lookup is an XX001 error naming the model (a superuser can
 * still edit the tables by hand).
 *
 * The cache.  hack_embed and the trigger look models up per row, so
 * definitions and decoded networks are cached per backend.  hack's own
 * writes queue a relcache invalidation of hack.models (sent to every
 * backend at commit; there is no trigger on the tables, so that they can
 * be distributed); the callback only marks the cache stale, and the next
 * catalog_cache_begin() of an entry point drops it.  Nothing is freed
 * while a caller may hold a pointer into the cache, however many
 * invalidations arrive during a lookup.
 */
#include "hack.h"
#include "catalog.h"
#include "group_key.h"
#include "poincare.h"
#include "run_as.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rls.h"
#include "utils/syscache.h"

#include <math.h>

#include "core/hyperbolic.h"
#include "core/nn_serial.h"


/* A cached model definition. */
typedef struct CachedDef
{
	char		key[NAMEDATALEN];
	CatalogModel m;
} CachedDef;

/*
 * The key of a cached network: model and group in fields of their own,
 * zero-padded, so that no two (model, group) pairs share a key whatever
 * bytes they contain (a separator byte could be part of either).
 */
typedef struct NetKey
{
	char		model[NAMEDATALEN];
	char		group[HACK_GROUP_KEY_MAX + 1];
} NetKey;

/* A cached network of (model, group). */
typedef struct CachedNet
{
	NetKey		key;
	NnModel    *net;			/* malloc'd by the core */
} CachedNet;

static MemoryContext cache_cxt = NULL;
static HTAB *def_cache = NULL;
static HTAB *net_cache = NULL;
static bool cache_stale = false;
static Oid	models_relid = InvalidOid;	/* for the invalidation callback */

/* ---------------------------------------------------------------------
 * Relations, the writer role, SPI helpers
 * ---------------------------------------------------------------------
 */

/* The OID of hack.name; 55000 when the catalogue is still 1.0's. */
static Oid
catalog_relid(const char *name)
{
	Oid			relid = RangeVarGetRelid(makeRangeVar("hack", (char *) name, -1), NoLock, true);

	if (!OidIsValid(relid) ||
		!OidIsValid(RangeVarGetRelid(makeRangeVar("hack", "model_groups", -1), NoLock, true)))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the hack extension's catalogue is not at version 1.1"),
				 errhint("Run ALTER EXTENSION hack UPDATE.")));
	return relid;
}

/* The role that owns the catalogue (the extension's owner): hack writes as it. */
static Oid
catalog_writer(void)
{
	Oid			relid = catalog_relid("models");
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	models_relid = relid;
	return owner;
}

/* Connect to SPI and become the catalogue's writer (whose reads see every row). */
static void
catalog_begin(RunAs *as)
{
	SPI_connect();
	run_as_begin(as, catalog_writer());
}

/* Undo catalog_begin. */
static void
catalog_end(RunAs *as)
{
	run_as_end(as);
	SPI_finish();
}

/* Make every backend drop its cached models when this transaction commits. */
static void
catalog_changed(void)
{
	CacheInvalidateRelcacheByRelid(catalog_relid("models"));
}

/*
 * The local transaction that last wrote the catalogue.  SPI's read-only
 * mode reads with the snapshot of the statement that called us, which in
 * an atomic CALL (in a transaction block, a function, a multi-statement
 * command) is older than the rows the job has just written: a read in the
 * transaction that wrote runs as an ordinary SPI command instead (a command
 * counter increment and a fresh snapshot), so it sees them.
 */
static LocalTransactionId catalog_written_lxid = InvalidLocalTransactionId;

static void
catalog_wrote(void)
{
	catalog_written_lxid = MyProc->lxid;
}

/* May a read of the catalogue use SPI's read-only mode? */
static bool
catalog_read_only(void)
{
	return catalog_written_lxid != MyProc->lxid;
}

/* Run one statement with arguments; error unless SPI returns expected. */
static void
spi_run(const char *sql, int nargs, Oid *types, Datum *values, const char *nulls,
		bool read_only, int expected)
{
	int			rc;

	if (!read_only)
		catalog_wrote();
	rc = SPI_execute_with_args(sql, nargs, types, values, nulls,
							   read_only && catalog_read_only(), 0);

	if (rc != expected)
		elog(ERROR, "hack: \"%s\" failed: %s", sql, SPI_result_code_string(rc));
}

/*
 * Run a read-only SELECT whose one argument, $1, is the name of a model:
 * the form of most reads of one model's rows.
 */
static void
spi_select_model(const char *sql, const char *model)
{
	Oid			types[1] = {TEXTOID};
	Datum		vals[1] = {CStringGetTextDatum(model)};

	spi_run(sql, 1, types, vals, NULL, true, SPI_OK_SELECT);
}

/* Column i of row r of the last result as a string in cxt, or NULL. */
static char *
spi_string(int r, int i, MemoryContext cxt)
{
	char	   *v = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, i);

	return v ? MemoryContextStrdup(cxt, v) : NULL;
}

/* Column i of row r of the last result as a datum, or NULL into *isnull. */
static Datum
spi_datum(int r, int i, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, i, isnull);
}

/*
 * Append to a list that lives in cxt: the caller's context, where a result
 * read under SPI must be built to outlive SPI_finish.
 */
static List *
lappend_in(MemoryContext cxt, List *list, void *datum)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);

	list = lappend(list, datum);
	MemoryContextSwitchTo(old);
	return list;
}

/* Wrap n datums of type typid as an array. */
static Datum
make_array(Datum *elems, int n, Oid typid)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;

	get_typlenbyvalalign(typid, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_array(elems, n, typid, typlen, typbyval, typalign));
}

/* The OID of poincare_point, wherever the extension was installed. */
Oid
catalog_point_type(void)
{
	Oid			relid = catalog_relid("embeddings");

	return get_atttype(relid, get_attnum(relid, "embedding"));
}

/*
 * The schema of hack's objects (that of its point type), quoted, to
 * qualify calls of hack's functions in queries built here.
 */
const char *
catalog_hack_schema(void)
{
	HeapTuple	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(catalog_point_type()));
	Oid			nsp;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for hack's point type");
	nsp = ((Form_pg_type) GETSTRUCT(tup))->typnamespace;
	ReleaseSysCache(tup);
	return quote_identifier(get_namespace_name(nsp));
}

/* ---------------------------------------------------------------------
 * Lookups
 * ---------------------------------------------------------------------
 */

/* The one "does not exist" error of a model or a group. */
void
catalog_model_missing(const char *model, const char *group)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("model \"%s\"%s%s%s does not exist", model,
					group && group[0] ? " (group \"" : "", group ? group : "",
					group && group[0] ? "\")" : ""),
			 errhint("Train it with CALL hack_train(model => '%s', ...), or list the models you can see with SELECT model FROM hack.models.",
					 model)));
}

/* 22023 unless name is a valid model name (1 to 63 bytes). */
void
catalog_check_model_name(const char *name)
{
	if (name[0] == '\0' || strlen(name) > 63)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model name must have 1 to 63 characters")));
}

/* A corrupt catalogue row: XX001 naming the model. */
static void
corrupt(const char *model, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("catalogue row of model \"%s\" is corrupt: %s", model, what),
			 errhint("Drop the model with hack_drop_model and train it again.")));
}

#define MODEL_COLUMNS "owner::pg_catalog.oid, source::pg_catalog.oid, id_column, image_column," \
	" group_column, format, architecture, channels, height, width, dim"

/* Validate and copy the model row in row 0 of the last result (columns MODEL_COLUMNS). */
static void
model_from_row(const char *model, CatalogModel *m, MemoryContext cxt)
{
	bool		isnull[11];
	Datum		d[11];
	HackError	err;
	char	   *fmt,
			   *arch;

	for (int i = 0; i < 11; i++)
		d[i] = spi_datum(0, i + 1, &isnull[i]);
	for (int i = 0; i < 11; i++)
		if (isnull[i] && i != 4)
			corrupt(model, psprintf("column %s is NULL",
									SPI_fname(SPI_tuptable->tupdesc, i + 1)));
	memset(m, 0, sizeof(*m));
	m->model = MemoryContextStrdup(cxt, model);
	m->owner = DatumGetObjectId(d[0]);
	m->source = DatumGetObjectId(d[1]);
	m->id_column = spi_string(0, 3, cxt);
	m->image_column = spi_string(0, 4, cxt);
	m->group_column = spi_string(0, 5, cxt);
	fmt = spi_string(0, 6, cxt);
	arch = spi_string(0, 7, cxt);
	if (hack_image_format_parse(fmt, &m->format, &err) != HACK_OK)
		corrupt(model, err.message);
	m->format_name = fmt;
	if (nn_arch_from_name(arch, &m->arch, &err) != HACK_OK)
		corrupt(model, err.message);
	m->shape.channels = DatumGetInt32(d[7]);
	m->shape.height = DatumGetInt32(d[8]);
	m->shape.width = DatumGetInt32(d[9]);
	m->dim = DatumGetInt32(d[10]);
	if (hack_image_shape_check(&m->shape, &err) != HACK_OK)
		corrupt(model, err.message);
	if (m->dim < 1 || m->dim > HACK_MAX_DIM)
		corrupt(model, psprintf("dimension %d is out of range", m->dim));
	if (m->id_column[0] == '\0' || m->image_column[0] == '\0' ||
		(m->group_column && m->group_column[0] == '\0'))
		corrupt(model, "a column name is empty");
}

/*
 * Find a model's row, whoever owns it (no visibility check: callers
 * decide); false when there is none.
 */
bool
catalog_model_find(const char *model, CatalogModel *m)
{
	MemoryContext cxt = CurrentMemoryContext;
	RunAs		as;
	bool		found;

	catalog_begin(&as);
	spi_select_model("SELECT " MODEL_COLUMNS " FROM hack.models WHERE model OPERATOR(pg_catalog.=) $1",
					 model);
	found = SPI_processed == 1;
	if (found)
		model_from_row(model, m, cxt);
	catalog_end(&as);
	return found;
}

/*
 * May the current role see a model of this owner and source?  Members of
 * the owner always may.  Others may when they can SELECT the source, it
 * is a table (not a view, whose rows may depend on who reads it) and row
 * security is not active on it for them: then they can read every row
 * the model was trained on, and see no more through its embeddings.
 */
bool
catalog_model_visible(Oid owner, Oid source)
{
	Oid			user = GetUserId();
	char		kind;
	bool		missing = false;

	if (has_privs_of_role(user, owner))
		return true;
	kind = get_rel_relkind(source);
	if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE)
		return false;
	if (pg_class_aclcheck_ext(source, user, ACL_SELECT, &missing) != ACLCHECK_OK || missing)
		return false;
	return check_enable_rls(source, InvalidOid, true) != RLS_ENABLED;
}

/* 42501 unless the current role is a member of the model's owner. */
void
catalog_check_owner(const CatalogModel *m)
{
	if (!has_privs_of_role(GetUserId(), m->owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("model \"%s\" belongs to role %s", m->model,
						GetUserNameFromId(m->owner, true) ? GetUserNameFromId(m->owner, true) : "(dropped)"),
				 errhint("Choose another model name, or act as a member of that role.")));
}

/* A model the caller may use (42704 otherwise) or, with CATALOG_OWN, change (42501). */
void
catalog_model_get(const char *model, CatalogModel *m, CatalogAccess access)
{
	if (!catalog_model_find(model, m))
		catalog_model_missing(model, NULL);
	if (access == CATALOG_OWN)
		catalog_check_owner(m);
	else if (!catalog_model_visible(m->owner, m->source))
		catalog_model_missing(model, NULL);
}

/* The group keys of a model, in byte order. */
List *
catalog_group_keys(const CatalogModel *m)
{
	MemoryContext cxt = CurrentMemoryContext;
	List	   *keys = NIL;
	RunAs		as;

	catalog_begin(&as);
	spi_select_model("SELECT group_key FROM hack.model_groups WHERE model OPERATOR(pg_catalog.=) $1"
					 " ORDER BY group_key COLLATE \"C\"", m->model);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		char	   *k = spi_string((int) i, 1, cxt);

		if (k == NULL)
			corrupt(m->model, "a group key is NULL");
		keys = lappend_in(cxt, keys, k);
	}
	catalog_end(&as);
	/* a model has groups, and without a group column exactly one, "" */
	if (keys == NIL)
		corrupt(m->model, "it has no groups");
	if (m->group_column == NULL &&
		(list_length(keys) != 1 || ((const char *) linitial(keys))[0] != '\0'))
		corrupt(m->model, "it has no group column but groups other than \"\"");
	return keys;
}

/*
 * The group keys of a model (catalog_group_keys), after checking that
 * group, unless NULL, is one of them: 42704 naming both otherwise.
 */
List *
catalog_check_group(const CatalogModel *m, const char *group)
{
	List	   *keys = catalog_group_keys(m);
	ListCell   *lc;

	if (group == NULL)
		return keys;
	foreach(lc, keys)
		if (strcmp((const char *) lfirst(lc), group) == 0)
			return keys;
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("model \"%s\" has no group \"%s\"", m->model, group),
			 errhint("SELECT group_key FROM hack.model_groups WHERE model = %s lists them; a model trained without group_column has the one group ''.",
					 quote_literal_cstr(m->model))));
}

/*
 * Decode and check a network against its model: XX001 if a stored one does
 * not fit, 22P03 if one from an archive does not (from_archive).
 */
NnModel *
catalog_network_from_blob(const CatalogModel *m, const char *group, const bytea *blob,
						  bool from_archive)
{
	NnModel    *net = NULL;
	HackError	err;
	const NnConfig *c;
	int			code = from_archive ? ERRCODE_INVALID_BINARY_REPRESENTATION : ERRCODE_DATA_CORRUPTED;
	const char *what = from_archive ? "archived" : "stored";
	const char *hint = from_archive ? "The archive is damaged: export the model again." :
		"Drop the model with hack_drop_model and train it again.";

	if (nn_model_read((const uint8_t *) VARDATA_ANY(blob), VARSIZE_ANY_EXHDR(blob), &net,
					  &err) != HACK_OK)
		ereport(ERROR,
				(errcode(code),
				 errmsg("%s weights of model \"%s\"%s%s%s are unreadable: %s", what, m->model,
						group[0] ? " (group \"" : "", group, group[0] ? "\")" : "", err.message),
				 err.detail[0] ? errdetail_internal("%s", err.detail) : 0,
				 errhint("%s", hint)));
	c = &net->cfg;
	if (c->arch != m->arch || c->channels != m->shape.channels || c->height != m->shape.height ||
		c->width != m->shape.width || c->dim != m->dim)
	{
		NnConfig	s = *c;

		nn_model_free(net);
		ereport(ERROR,
				(errcode(code),
				 errmsg("%s weights of model \"%s\"%s%s%s do not match the model", what, m->model,
						group[0] ? " (group \"" : "", group, group[0] ? "\")" : ""),
				 errdetail("The network is %s on %d x %d x %d images with dimension %d; the model says %s on %d x %d x %d with dimension %d.",
						   nn_arch_name(s.arch), s.channels, s.height, s.width, s.dim,
						   nn_arch_name(m->arch), m->shape.channels, m->shape.height,
						   m->shape.width, m->dim),
				 errhint("%s", hint)));
	}
	return net;
}

/*
 * A private copy of the network of (model, group), validated (the caller
 * frees it with nn_model_free); NULL when the group has none and
 * missing_ok, else 42704.  *n_rows, if given, gets the rows it was
 * trained on.  No visibility check: callers hold a checked CatalogModel.
 */
NnModel *
catalog_group_network(const CatalogModel *m, const char *group, bool missing_ok, int64 *n_rows)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		vals[2] = {CStringGetTextDatum(m->model), CStringGetTextDatum(group)};
	NnModel    *net;
	bool		isnull;
	Datum		d;
	RunAs		as;

	catalog_begin(&as);
	spi_run("SELECT weights, n_rows FROM hack.model_groups WHERE model OPERATOR(pg_catalog.=) $1"
			" AND group_key OPERATOR(pg_catalog.=) $2", 2, types, vals, NULL, true, SPI_OK_SELECT);
	if (SPI_processed == 0)
	{
		catalog_end(&as);
		if (missing_ok)
			return NULL;
		catalog_model_missing(m->model, group);
	}
	d = spi_datum(0, 1, &isnull);
	if (isnull)
		corrupt(m->model, "weights are NULL");
	net = catalog_network_from_blob(m, group, DatumGetByteaPP(d), false);
	if (n_rows)
	{
		d = spi_datum(0, 2, &isnull);
		*n_rows = isnull ? 0 : DatumGetInt64(d);
	}
	catalog_end(&as);
	return net;
}

/*
 * Every stored embedding of a model (id, group, image hash), ordered by
 * group and id, into *out (palloc'd); returns the count.
 */
int
catalog_embeddings_of(const CatalogModel *m, CatalogEmbedding **out)
{
	MemoryContext cxt = CurrentMemoryContext;
	CatalogEmbedding *e;
	const char *last = NULL;
	int			n;
	RunAs		as;

	catalog_begin(&as);
	spi_select_model("SELECT id, group_key, image_hash FROM hack.embeddings"
					 " WHERE model OPERATOR(pg_catalog.=) $1 ORDER BY group_key COLLATE \"C\", id",
					 m->model);
	if (SPI_processed > (uint64) (MaxAllocHugeSize / sizeof(CatalogEmbedding)) - 1)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("model \"%s\" has too many embeddings to refresh in one backend", m->model)));
	n = (int) SPI_processed;
	e = MemoryContextAllocHuge(cxt, sizeof(CatalogEmbedding) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		bool		isnull;
		char	   *g = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);

		e[i].id = DatumGetInt64(spi_datum(i, 1, &isnull));
		if (g == NULL)
			corrupt(m->model, "an embedding's group key is NULL");
		if (last == NULL || strcmp(last, g) != 0)
			last = MemoryContextStrdup(cxt, g);
		e[i].group = last;
		e[i].image_hash = DatumGetInt64(spi_datum(i, 3, &isnull));
		e[i].has_hash = !isnull;
		if (isnull)
			e[i].image_hash = 0;
	}
	catalog_end(&as);
	*out = e;
	return n;
}

/*
 * Read the embeddings of a model that the current role may see (row
 * security applies: the query runs as the caller), ordered by group and
 * id, into SPI_tuptable (columns group_key, id, embedding); the caller is
 * connected to SPI.  Returns the row count.
 */
uint64
catalog_visible_embeddings(const char *model)
{
	(void) catalog_relid("embeddings");
	spi_select_model("SELECT group_key, id, embedding FROM hack.embeddings"
					 " WHERE model OPERATOR(pg_catalog.=) $1 ORDER BY group_key, id",
					 model);
	return SPI_processed;
}

/* ---------------------------------------------------------------------
 * Pictures: the points of hack_plot, the rows of hack_gallery
 * ---------------------------------------------------------------------
 */

/*
 * The embeddings of one group of a model, or of all its groups (group
 * NULL), ordered by group key (byte order) and id, into *out (palloc'd in
 * the caller's context): ids, coordinates and each row's group as its
 * position in keys (catalog_group_keys's list).  Read as the catalogue's
 * writer (the caller holds a model it may see) through a cursor, and
 * validated: a row of another dimension, outside the ball or of a group
 * the model does not have is XX001; more than max_points is 54000.
 */
void
catalog_model_points(const CatalogModel *m, const char *group, List *keys, int max_points,
					 CatalogPoints *out)
{
	MemoryContext cxt = CurrentMemoryContext;
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		vals[2] = {CStringGetTextDatum(m->model),
	CStringGetTextDatum(group ? group : "")};
	Portal		portal;
	RunAs		as;
	int			cap = 1024,
				key = 0;
	ListCell   *lc = list_head(keys);

	memset(out, 0, sizeof(*out));
	out->ids = MemoryContextAlloc(cxt, sizeof(int64) * cap);
	out->xy = MemoryContextAlloc(cxt, sizeof(double) * m->dim * cap);
	out->group_index = MemoryContextAlloc(cxt, sizeof(int) * cap);
	catalog_begin(&as);
	portal = SPI_cursor_open_with_args(NULL,
									   group ? "SELECT group_key, id, embedding FROM hack.embeddings"
									   " WHERE model OPERATOR(pg_catalog.=) $1 AND group_key OPERATOR(pg_catalog.=) $2"
									   " ORDER BY group_key COLLATE \"C\", id" :
									   "SELECT group_key, id, embedding FROM hack.embeddings"
									   " WHERE model OPERATOR(pg_catalog.=) $1"
									   " ORDER BY group_key COLLATE \"C\", id",
									   group ? 2 : 1, types, vals, NULL, catalog_read_only(), 0);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, 10000);
		if (SPI_processed == 0)
			break;
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			HeapTuple	t = SPI_tuptable->vals[r];
			TupleDesc	td = SPI_tuptable->tupdesc;
			char	   *g = SPI_getvalue(t, td, 1);
			bool		isnull;
			Datum		d;
			PoincarePoint *pt;
			HackError	err;

			if (out->n >= max_points)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("model \"%s\" has more than %d embeddings to draw", m->model, max_points),
						 errhint("Draw one group at a time.")));
			/* keys are in the same byte order as the rows: walk them along */
			while (g != NULL && lc != NULL && strcmp((const char *) lfirst(lc), g) != 0)
			{
				lc = lnext(keys, lc);
				key++;
			}
			if (g == NULL || lc == NULL)
				corrupt(m->model, "an embedding's group is not one of the model's groups");
			d = SPI_getbinval(t, td, 3, &isnull);
			if (isnull)
				corrupt(m->model, "an embedding is NULL");
			pt = DatumGetPoincarePointP(d);
			if (VARSIZE(pt) != POINCARE_SIZE(m->dim) || pt->dim != m->dim || pt->flags != 0 ||
				hyp_check_point(pt->x, pt->dim, 1.0, &err) != HACK_OK)
				corrupt(m->model, "an embedding is not a point of the model's dimension in the ball");
			if (out->n == cap)
			{
				cap *= 2;
				out->ids = repalloc_huge(out->ids, sizeof(int64) * cap);
				out->xy = repalloc_huge(out->xy, sizeof(double) * m->dim * cap);
				out->group_index = repalloc_huge(out->group_index, sizeof(int) * cap);
			}
			out->ids[out->n] = DatumGetInt64(SPI_getbinval(t, td, 2, &isnull));
			memcpy(out->xy + (Size) out->n * m->dim, pt->x, sizeof(double) * m->dim);
			out->group_index[out->n] = key;
			out->n++;
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	catalog_end(&as);
}

/*
 * The n rows of a group with the smallest hyperbolic norm (or the largest:
 * largest) whose image the current role may read, with their images, into
 * rows (palloc'd in the caller's context); returns how many (fewer when
 * the group has fewer readable rows with an image).
 *
 * Unlike the reads above, this one runs as the caller, not as the
 * catalogue's writer: it joins the embeddings to the model's source
 * (relname, id_col and image_col, quoted by train_source_open), and the
 * source must be read with the caller's privileges and row security, so
 * that nobody sees an image through hack that they could not SELECT.  The
 * embeddings' own policy applies too; it lets the caller see the model's
 * rows, which catalog_model_get checked.  Rows whose image is NULL are
 * left out; an id that the source holds twice shows once.  The plan walks
 * embeddings_norm_idx in norm order and stops after n rows.
 */
int
catalog_group_by_norm(const CatalogModel *m, const char *relname, const char *id_col,
					  const char *image_col, const char *group, int n, bool largest,
					  CatalogNormRow *rows)
{
	MemoryContext cxt = CurrentMemoryContext;
	Oid			types[3] = {TEXTOID, TEXTOID, INT4OID};
	Datum		vals[3] = {CStringGetTextDatum(m->model), CStringGetTextDatum(group),
	Int32GetDatum(n)};
	const char *dir = largest ? "DESC" : "ASC";
	char	   *sql;
	int			got = 0;
	int			rc;

	(void) catalog_relid("embeddings");
	sql = psprintf("SELECT e.id, e.norm, s.%s FROM hack.embeddings e JOIN %s s"
				   " ON s.%s OPERATOR(pg_catalog.=) e.id"
				   " WHERE e.model OPERATOR(pg_catalog.=) $1 AND e.group_key OPERATOR(pg_catalog.=) $2"
				   " AND s.%s IS NOT NULL ORDER BY e.norm %s, e.id %s LIMIT $3",
				   image_col, relname, id_col, image_col, dir, dir);
	SPI_connect();
	rc = SPI_execute_with_args(sql, 3, types, vals, NULL, catalog_read_only(), 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "hack: \"%s\" failed: %s", sql, SPI_result_code_string(rc));
	for (uint64 r = 0; r < SPI_processed && got < n; r++)
	{
		HeapTuple	t = SPI_tuptable->vals[r];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull[3];
		int64		id = DatumGetInt64(SPI_getbinval(t, td, 1, &isnull[0]));
		double		norm = DatumGetFloat8(SPI_getbinval(t, td, 2, &isnull[1]));
		Datum		img = SPI_getbinval(t, td, 3, &isnull[2]);
		MemoryContext old;

		if (isnull[0] || isnull[1] || isnull[2])
			corrupt(m->model, "an embedding's id or norm is NULL");
		if (!isfinite(norm) || norm < 0.0)
			corrupt(m->model, "an embedding's norm is not a finite non-negative number");
		if (got > 0 && rows[got - 1].id == id)
			continue;
		old = MemoryContextSwitchTo(cxt);
		rows[got].id = id;
		rows[got].norm = norm;
		rows[got].image = (bytea *) PG_DETOAST_DATUM_COPY(img);
		MemoryContextSwitchTo(old);
		got++;
	}
	SPI_finish();
	return got;
}

/* ---------------------------------------------------------------------
 * The per-backend cache
 * ---------------------------------------------------------------------
 */

/* Relcache callback: hack.models changed (or everything was invalidated). */
static void
catalog_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == models_relid)
		cache_stale = true;
}

/* Called once from _PG_init. */
void
catalog_register_callbacks(void)
{
	CacheRegisterRelcacheCallback(catalog_relcache_callback, (Datum) 0);
}

/* Free every cached definition and network. */
static void
cache_reset(void)
{
	if (net_cache != NULL)
	{
		HASH_SEQ_STATUS seq;
		CachedNet  *e;

		hash_seq_init(&seq, net_cache);
		while ((e = hash_seq_search(&seq)) != NULL)
			nn_model_free(e->net);
	}
	if (cache_cxt != NULL)
		MemoryContextReset(cache_cxt);
	def_cache = NULL;
	net_cache = NULL;
}

/*
 * Start a lookup in the cache (once per call of an entry point): drop it
 * if hack.models changed since.  Pointers from the cache stay valid until
 * the next catalog_cache_begin().
 */
void
catalog_cache_begin(void)
{
	HASHCTL		ctl;

	if (cache_stale)
	{
		cache_reset();
		cache_stale = false;
	}
	if (def_cache != NULL)
		return;
	if (cache_cxt == NULL)
		cache_cxt = AllocSetContextCreate(CacheMemoryContext, "hack model cache",
										  ALLOCSET_DEFAULT_SIZES);
	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(CachedDef);
	ctl.hcxt = cache_cxt;
	def_cache = hash_create("hack model definitions", 16, &ctl,
							HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	ctl.keysize = sizeof(NetKey);
	ctl.entrysize = sizeof(CachedNet);
	net_cache = hash_create("hack model networks", 16, &ctl,
							HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* The definition of a model, from the cache (42704 if there is none; no visibility check). */
const CatalogModel *
catalog_model_cached(const char *model)
{
	CachedDef  *e;
	CatalogModel m;
	bool		found;

	Assert(def_cache != NULL);
	if (strlen(model) >= NAMEDATALEN)
		catalog_model_missing(model, NULL);
	e = hash_search(def_cache, model, HASH_FIND, NULL);
	if (e != NULL)
		return &e->m;
	{
		MemoryContext old = MemoryContextSwitchTo(cache_cxt);

		/* copied into the cache's memory: the lookup's may be short-lived */
		if (!catalog_model_find(model, &m))
			catalog_model_missing(model, NULL);
		MemoryContextSwitchTo(old);
	}
	e = hash_search(def_cache, model, HASH_ENTER, &found);
	e->m = m;
	return &e->m;
}

/* The network of (model, group), from the cache; NULL if none and missing_ok. */
NnModel *
catalog_network_cached(const CatalogModel *m, const char *group, bool missing_ok)
{
	NetKey		key;
	CachedNet  *e;
	NnModel    *net;
	bool		found;

	Assert(net_cache != NULL);
	if (strlen(group) > HACK_GROUP_KEY_MAX)
	{
		if (missing_ok)
			return NULL;
		catalog_model_missing(m->model, group);
	}
	memset(&key, 0, sizeof(key));
	strlcpy(key.model, m->model, sizeof(key.model));
	strlcpy(key.group, group, sizeof(key.group));
	e = hash_search(net_cache, &key, HASH_FIND, NULL);
	if (e != NULL)
		return e->net;
	net = catalog_group_network(m, group, missing_ok, NULL);
	if (net == NULL)
		return NULL;
	e = hash_search(net_cache, &key, HASH_ENTER, &found);
	e->net = net;
	return net;
}

/* ---------------------------------------------------------------------
 * Writes, as the extension's owner
 * ---------------------------------------------------------------------
 */

/* Do two definitions read their source differently or shape the encoder differently? */
static bool
definition_differs(const CatalogModel *a, const CatalogModel *b)
{
	return a->source != b->source || strcmp(a->id_column, b->id_column) != 0 ||
		strcmp(a->image_column, b->image_column) != 0 ||
		(a->group_column == NULL) != (b->group_column == NULL) ||
		(a->group_column && strcmp(a->group_column, b->group_column) != 0) ||
		a->format != b->format || a->arch != b->arch ||
		a->shape.channels != b->shape.channels || a->shape.height != b->shape.height ||
		a->shape.width != b->shape.width || a->dim != b->dim;
}

/*
 * Before any training: may the current role train def->model?  A new
 * name becomes the caller's (def->owner); an existing model must belong
 * to a role the caller is a member of (42501) and be trained with the same
 * definition (22023), its owner kept.  Returns whether it exists.
 */
bool
catalog_train_prepare(CatalogModel *def, bool resume)
{
	CatalogModel old;

	if (!catalog_model_find(def->model, &old))
	{
		def->owner = GetUserId();
		return false;
	}
	catalog_check_owner(&old);
	if (definition_differs(def, &old))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model \"%s\" was trained with another definition", def->model),
				 errdetail("Stored: source %s, columns %s, %s, %s, format %s, %s on %d x %d x %d images, dimension %d.",
						   get_rel_name(old.source) ? get_rel_name(old.source) : "(dropped)",
						   old.id_column, old.image_column,
						   old.group_column ? old.group_column : "(no group column)",
						   old.format_name, nn_arch_name(old.arch), old.shape.channels,
						   old.shape.height, old.shape.width, old.dim),
				 errhint(resume ? "Pass the stored definition (see hack.models) to resume." :
						 "Drop it first with SELECT hack_drop_model('%s'), or choose another name.",
						 def->model)));
	def->owner = old.owner;
	return true;
}

/* The model row's parameters: owner and source as OIDs, names as text. */
#define MODEL_ARGS 13

/* Insert or touch the model row of def with params; 42501 if it is no longer def's. */
static void
save_model_row(const CatalogModel *def, const char *params_json)
{
	Oid			types[MODEL_ARGS] = {TEXTOID, OIDOID, OIDOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
	TEXTOID, INT4OID, INT4OID, INT4OID, INT4OID, TEXTOID};
	Datum		v[MODEL_ARGS];
	char		nulls[MODEL_ARGS];

	memset(nulls, ' ', sizeof(nulls));
	v[0] = CStringGetTextDatum(def->model);
	v[1] = ObjectIdGetDatum(def->owner);
	v[2] = ObjectIdGetDatum(def->source);
	v[3] = CStringGetTextDatum(def->id_column);
	v[4] = CStringGetTextDatum(def->image_column);
	v[5] = def->group_column ? CStringGetTextDatum(def->group_column) : (Datum) 0;
	nulls[5] = def->group_column ? ' ' : 'n';
	v[6] = CStringGetTextDatum(def->format_name);
	v[7] = CStringGetTextDatum(nn_arch_name(def->arch));
	v[8] = Int32GetDatum(def->shape.channels);
	v[9] = Int32GetDatum(def->shape.height);
	v[10] = Int32GetDatum(def->shape.width);
	v[11] = Int32GetDatum(def->dim);
	v[12] = CStringGetTextDatum(params_json);
	spi_run("INSERT INTO hack.models AS m (model, owner, source, id_column, image_column,"
			" group_column, format, architecture, channels, height, width, dim, params,"
			" created_at, trained_at)"
			" VALUES ($1, $2::pg_catalog.regrole, $3::pg_catalog.regclass, $4, $5, $6, $7, $8,"
			" $9, $10, $11, $12, $13::pg_catalog.jsonb, pg_catalog.now(), pg_catalog.now())"
			" ON CONFLICT (model) DO UPDATE SET params = EXCLUDED.params,"
			" trained_at = EXCLUDED.trained_at"
			" WHERE m.owner::pg_catalog.oid OPERATOR(pg_catalog.=) EXCLUDED.owner::pg_catalog.oid"
			" AND m.source::pg_catalog.oid OPERATOR(pg_catalog.=) EXCLUDED.source::pg_catalog.oid"
			" AND m.id_column OPERATOR(pg_catalog.=) EXCLUDED.id_column"
			" AND m.image_column OPERATOR(pg_catalog.=) EXCLUDED.image_column"
			" AND m.group_column IS NOT DISTINCT FROM EXCLUDED.group_column"
			" AND m.format OPERATOR(pg_catalog.=) EXCLUDED.format"
			" AND m.architecture OPERATOR(pg_catalog.=) EXCLUDED.architecture"
			" AND m.channels OPERATOR(pg_catalog.=) EXCLUDED.channels"
			" AND m.height OPERATOR(pg_catalog.=) EXCLUDED.height"
			" AND m.width OPERATOR(pg_catalog.=) EXCLUDED.width"
			" AND m.dim OPERATOR(pg_catalog.=) EXCLUDED.dim",
			MODEL_ARGS, types, v, nulls, false, SPI_OK_INSERT);
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("model \"%s\" was changed by another session during training", def->model),
				 errhint("Look at hack.models, and train again.")));
}

/* The normalisation of a network as JSON. */
static char *
normalisation_json(const NnModel *net)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfoString(&s, "{\"mean\": [");
	for (int c = 0; c < net->cfg.channels; c++)
		appendStringInfo(&s, "%s%.9g", c ? ", " : "", net->mean[c]);
	appendStringInfoString(&s, "], \"std\": [");
	for (int c = 0; c < net->cfg.channels; c++)
		appendStringInfo(&s, "%s%.9g", c ? ", " : "", net->std[c]);
	appendStringInfoString(&s, "]}");
	return s.data;
}

/* Insert or replace a group row. */
static void
save_group_row(const CatalogModel *def, const char *group, bytea *weights, const char *norm,
			   const char *metrics, int64 n_rows)
{
	Oid			types[8] = {TEXTOID, TEXTOID, OIDOID, OIDOID, BYTEAOID, TEXTOID, TEXTOID, INT8OID};
	Datum		v[8];

	v[0] = CStringGetTextDatum(def->model);
	v[1] = CStringGetTextDatum(group);
	v[2] = ObjectIdGetDatum(def->owner);
	v[3] = ObjectIdGetDatum(def->source);
	v[4] = PointerGetDatum(weights);
	v[5] = CStringGetTextDatum(norm);
	v[6] = CStringGetTextDatum(metrics);
	v[7] = Int64GetDatum(n_rows);
	spi_run("INSERT INTO hack.model_groups AS g (model, group_key, owner, source, weights,"
			" normalisation, metrics, n_rows, trained_at)"
			" VALUES ($1, $2, $3::pg_catalog.regrole, $4::pg_catalog.regclass, $5,"
			" $6::pg_catalog.jsonb, $7::pg_catalog.jsonb, $8, pg_catalog.now())"
			" ON CONFLICT (model, group_key) DO UPDATE SET weights = EXCLUDED.weights,"
			" normalisation = EXCLUDED.normalisation, metrics = EXCLUDED.metrics,"
			" n_rows = EXCLUDED.n_rows, trained_at = EXCLUDED.trained_at",
			8, types, v, NULL, false, SPI_OK_INSERT);
}

/* The serialised network as bytea. */
static bytea *
network_blob(const NnModel *net)
{
	size_t		len = nn_model_blob_size(net);
	bytea	   *blob = palloc(VARHDRSZ + len);

	SET_VARSIZE(blob, VARHDRSZ + len);
	nn_model_write(net, (uint8_t *) VARDATA(blob));
	return blob;
}

/*
 * Replace the model row, the group row and the group's embeddings with a
 * training's results, in the caller's transaction: readers see the old
 * group or the new one, never a mix.
 */
void
catalog_group_save(const CatalogModel *def, const CatalogGroupResult *g)
{
	int			n = g->n;
	int			dim = def->dim;
	Oid			pt = catalog_point_type();
	Datum	   *ids = palloc(sizeof(Datum) * n);
	Datum	   *embs = palloc(sizeof(Datum) * n);
	Datum	   *parts = palloc(sizeof(Datum) * n);
	Datum	   *pids = palloc(sizeof(Datum) * n);
	Datum	   *norms = palloc(sizeof(Datum) * n);
	Datum	   *hashes = palloc(sizeof(Datum) * n);
	Oid			types[11] = {TEXTOID, TEXTOID, INT8ARRAYOID, get_array_type(pt), get_array_type(pt),
	INT4ARRAYOID, FLOAT8ARRAYOID, INT8ARRAYOID, OIDOID, OIDOID, INT2OID};
	Datum		v[11];
	RunAs		as;

	for (int i = 0; i < n; i++)
	{
		const double *e = g->embeddings + (size_t) i * dim;
		int			p = g->assignment[i];

		ids[i] = Int64GetDatum(g->ids[i]);
		embs[i] = PointerGetDatum(poincare_from_coords(e, dim));
		parts[i] = PointerGetDatum(poincare_from_coords(g->particles + (size_t) p * dim, dim));
		pids[i] = Int32GetDatum(p + 1);
		norms[i] = Float8GetDatum(hyp_norm(e, dim, g->net->cfg.curvature));
		hashes[i] = Int64GetDatum(g->hashes[i]);
	}
	v[0] = CStringGetTextDatum(def->model);
	v[1] = CStringGetTextDatum(g->group);
	v[2] = make_array(ids, n, INT8OID);
	v[3] = make_array(embs, n, pt);
	v[4] = make_array(parts, n, pt);
	v[5] = make_array(pids, n, INT4OID);
	v[6] = make_array(norms, n, FLOAT8OID);
	v[7] = make_array(hashes, n, INT8OID);
	v[8] = ObjectIdGetDatum(def->owner);
	v[9] = ObjectIdGetDatum(def->source);
	v[10] = Int16GetDatum((int16) dim);

	catalog_begin(&as);
	save_model_row(def, g->params_json);
	save_group_row(def, g->group, network_blob(g->net), normalisation_json(g->net),
				   g->metrics_json, n);
	spi_run("DELETE FROM hack.embeddings WHERE model OPERATOR(pg_catalog.=) $1"
			" AND group_key OPERATOR(pg_catalog.=) $2", 2, types, v, NULL, false, SPI_OK_DELETE);
	spi_run("INSERT INTO hack.embeddings (model, group_key, id, embedding, particle, particle_id,"
			" norm, image_hash, owner, source, dim) SELECT $1, $2, u.*, $9::pg_catalog.regrole,"
			" $10::pg_catalog.regclass, $11 FROM ROWS FROM (pg_catalog.unnest($3),"
			" pg_catalog.unnest($4), pg_catalog.unnest($5), pg_catalog.unnest($6),"
			" pg_catalog.unnest($7), pg_catalog.unnest($8)) u",
			11, types, v, NULL, false, SPI_OK_INSERT);
	catalog_end(&as);
	catalog_changed();
}

/* The prepared upsert of catalog_embeddings_upsert, kept for the backend's life. */
static SPIPlanPtr upsert_plan = NULL;

/*
 * Insert or replace the embeddings of n rows of (model, group) computed
 * outside training (refresh, the trigger): they have no particle until the
 * next training.
 */
void
catalog_embeddings_upsert(const CatalogModel *m, const char *group, int n, const int64 *ids,
						  const double *emb, double curvature, const int64 *hashes)
{
	Oid			pt = catalog_point_type();
	Datum	   *d_ids = palloc(sizeof(Datum) * n);
	Datum	   *d_embs = palloc(sizeof(Datum) * n);
	Datum	   *d_norms = palloc(sizeof(Datum) * n);
	Datum	   *d_hashes = palloc(sizeof(Datum) * n);
	Oid			types[7] = {TEXTOID, TEXTOID, INT8ARRAYOID, get_array_type(pt), FLOAT8ARRAYOID,
	INT8ARRAYOID, INT2OID};
	Datum		v[7];
	RunAs		as;
	int			rc;

	for (int i = 0; i < n; i++)
	{
		d_ids[i] = Int64GetDatum(ids[i]);
		d_embs[i] = PointerGetDatum(poincare_from_coords(emb + (size_t) i * m->dim, m->dim));
		d_norms[i] = Float8GetDatum(hyp_norm(emb + (size_t) i * m->dim, m->dim, curvature));
		d_hashes[i] = Int64GetDatum(hashes[i]);
	}
	v[0] = CStringGetTextDatum(m->model);
	v[1] = CStringGetTextDatum(group);
	v[2] = make_array(d_ids, n, INT8OID);
	v[3] = make_array(d_embs, n, pt);
	v[4] = make_array(d_norms, n, FLOAT8OID);
	v[5] = make_array(d_hashes, n, INT8OID);
	v[6] = Int16GetDatum((int16) m->dim);
	catalog_begin(&as);
	if (upsert_plan == NULL || types[3] != SPI_getargtypeid(upsert_plan, 3))
	{
		/*
		 * The group's row is read FOR SHARE and lends its owner and source:
		 * a concurrent drop, rename or change of owner (which changes
		 * hack.model_groups before hack.embeddings) waits for this
		 * transaction, and one committed before finds no row and nothing is
		 * written, so no embedding outlives its group or keeps an old owner.
		 */
		SPIPlanPtr	plan = SPI_prepare("INSERT INTO hack.embeddings AS e (model, group_key, id,"
									   " embedding, particle, particle_id, norm, image_hash,"
									   " owner, source, dim)"
									   " SELECT $1, $2, u.id, u.emb, NULL, NULL, u.norm, u.hash,"
									   " g.owner, g.source, $7"
									   " FROM (SELECT owner, source FROM hack.model_groups"
									   " WHERE model OPERATOR(pg_catalog.=) $1"
									   " AND group_key OPERATOR(pg_catalog.=) $2 FOR SHARE) g,"
									   " ROWS FROM (pg_catalog.unnest($3), pg_catalog.unnest($4),"
									   " pg_catalog.unnest($5), pg_catalog.unnest($6))"
									   " u(id, emb, norm, hash)"
									   " ON CONFLICT (model, group_key, id) DO UPDATE SET"
									   " embedding = EXCLUDED.embedding, particle = NULL,"
									   " particle_id = NULL, norm = EXCLUDED.norm,"
									   " image_hash = EXCLUDED.image_hash, owner = EXCLUDED.owner,"
									   " source = EXCLUDED.source",
									   7, types);

		if (plan == NULL)
			elog(ERROR, "could not prepare the embedding upsert: %s",
				 SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "could not keep the embedding upsert's plan");
		if (upsert_plan != NULL)
			SPI_freeplan(upsert_plan);
		upsert_plan = plan;
	}
	catalog_wrote();
	rc = SPI_execute_plan(upsert_plan, v, NULL, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "could not upsert embeddings: %s", SPI_result_code_string(rc));
	catalog_end(&as);
}

/* Delete the embeddings of n ids of (model, group); returns how many there were. */
uint64
catalog_embeddings_delete(const CatalogModel *m, const char *group, int n, const int64 *ids)
{
	Datum	   *d = palloc(sizeof(Datum) * n);
	Oid			types[3] = {TEXTOID, TEXTOID, INT8ARRAYOID};
	Datum		v[3];
	uint64		deleted;
	RunAs		as;

	for (int i = 0; i < n; i++)
		d[i] = Int64GetDatum(ids[i]);
	v[0] = CStringGetTextDatum(m->model);
	v[1] = CStringGetTextDatum(group);
	v[2] = make_array(d, n, INT8OID);
	catalog_begin(&as);
	spi_run("DELETE FROM hack.embeddings WHERE model OPERATOR(pg_catalog.=) $1"
			" AND group_key OPERATOR(pg_catalog.=) $2 AND id OPERATOR(pg_catalog.=) ANY ($3)",
			3, types, v, NULL, false, SPI_OK_DELETE);
	deleted = SPI_processed;
	catalog_end(&as);
	return deleted;
}

/*
 * Drop a model (group NULL) or one group with its embeddings; the last
 * group takes the model row with it.  Returns whether there was anything.
 * The caller checked ownership.
 */
bool
catalog_drop(const char *model, const char *group)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		v[2] = {CStringGetTextDatum(model), group ? CStringGetTextDatum(group) : (Datum) 0};
	const char *filter = group ? " AND group_key OPERATOR(pg_catalog.=) $2" : "";
	int			nargs = group ? 2 : 1;
	bool		existed;
	RunAs		as;

	/*
	 * The groups first: that waits for writers holding a group's row (the
	 * trigger's upsert), so the embeddings' DELETE, a new statement, sees
	 * what they wrote
	 */
	catalog_begin(&as);
	spi_run(psprintf("DELETE FROM hack.model_groups WHERE model OPERATOR(pg_catalog.=) $1%s", filter),
			nargs, types, v, NULL, false, SPI_OK_DELETE);
	existed = SPI_processed > 0;
	spi_run(psprintf("DELETE FROM hack.embeddings WHERE model OPERATOR(pg_catalog.=) $1%s", filter),
			nargs, types, v, NULL, false, SPI_OK_DELETE);
	spi_run("DELETE FROM hack.models m WHERE model OPERATOR(pg_catalog.=) $1 AND NOT EXISTS"
			" (SELECT FROM hack.model_groups g WHERE g.model OPERATOR(pg_catalog.=) m.model)",
			1, types, v, NULL, false, SPI_OK_DELETE);
	existed = existed || SPI_processed > 0;
	catalog_end(&as);
	catalog_changed();
	return existed;
}

/*
 * The three catalogue tables, each keyed by model, in the order a change
 * of all three goes: hack.model_groups before hack.embeddings (see
 * catalog_embeddings_upsert).
 */
static const char *const catalog_tables[] = {"models", "model_groups", "embeddings"};

/* Rename a model in all three tables; 42710 if the new name is taken. */
void
catalog_rename(const char *model, const char *new_name)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		v[2] = {CStringGetTextDatum(model), CStringGetTextDatum(new_name)};
	CatalogModel other;
	RunAs		as;

	if (catalog_model_find(new_name, &other))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("model \"%s\" already exists", new_name)));
	catalog_begin(&as);
	for (int t = 0; t < lengthof(catalog_tables); t++)
		spi_run(psprintf("UPDATE hack.%s SET model = $2 WHERE model OPERATOR(pg_catalog.=) $1",
						 catalog_tables[t]), 2, types, v, NULL, false, SPI_OK_UPDATE);
	catalog_end(&as);
	catalog_changed();
}

/* Give a model to another role, in all three tables. */
void
catalog_set_owner(const char *model, Oid new_owner)
{
	Oid			types[2] = {TEXTOID, OIDOID};
	Datum		v[2] = {CStringGetTextDatum(model), ObjectIdGetDatum(new_owner)};
	RunAs		as;

	catalog_begin(&as);
	for (int t = 0; t < lengthof(catalog_tables); t++)
		spi_run(psprintf("UPDATE hack.%s SET owner = $2::pg_catalog.regrole"
						 " WHERE model OPERATOR(pg_catalog.=) $1", catalog_tables[t]),
				2, types, v, NULL, false, SPI_OK_UPDATE);
	catalog_end(&as);
	catalog_changed();
}

/* ---------------------------------------------------------------------
 * Export and import
 * ---------------------------------------------------------------------
 */

/* The params of the model row, as JSON text. */
char *
catalog_model_params(const CatalogModel *m)
{
	MemoryContext cxt = CurrentMemoryContext;
	char	   *params;
	char	   *is_object;
	RunAs		as;

	catalog_begin(&as);
	spi_select_model("SELECT params, pg_catalog.jsonb_typeof(params) OPERATOR(pg_catalog.=) 'object'"
					 " FROM hack.models WHERE model OPERATOR(pg_catalog.=) $1", m->model);
	if (SPI_processed != 1)
		catalog_model_missing(m->model, NULL);
	params = spi_string(0, 1, cxt);
	is_object = spi_string(0, 2, cxt);
	catalog_end(&as);
	if (params == NULL || is_object == NULL || strcmp(is_object, "t") != 0)
		corrupt(m->model, "params is not a JSON object");
	return params;
}

/* Every group of a model with its validated weights, as CatalogGroupBlobs. */
List *
catalog_group_blobs(const CatalogModel *m)
{
	MemoryContext cxt = CurrentMemoryContext;
	List	   *out = NIL;
	RunAs		as;

	catalog_begin(&as);
	spi_select_model("SELECT group_key, weights, normalisation, metrics, n_rows FROM hack.model_groups"
					 " WHERE model OPERATOR(pg_catalog.=) $1 ORDER BY group_key COLLATE \"C\"",
					 m->model);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		CatalogGroupBlob *g = MemoryContextAllocZero(cxt, sizeof(CatalogGroupBlob));
		MemoryContext old;
		bool		isnull;
		Datum		d;

		g->group = spi_string((int) i, 1, cxt);
		d = spi_datum((int) i, 2, &isnull);
		if (g->group == NULL || isnull)
			corrupt(m->model, "a group key or its weights are NULL");
		nn_model_free(catalog_network_from_blob(m, g->group, DatumGetByteaPP(d), false));
		old = MemoryContextSwitchTo(cxt);
		g->weights = DatumGetByteaPCopy(d);
		MemoryContextSwitchTo(old);
		g->normalisation = spi_string((int) i, 3, cxt);
		g->metrics = spi_string((int) i, 4, cxt);
		d = spi_datum((int) i, 5, &isnull);
		g->n_rows = isnull ? 0 : DatumGetInt64(d);
		if (g->normalisation == NULL || g->metrics == NULL)
			corrupt(m->model, "a group's normalisation or metrics are NULL");
		out = lappend_in(cxt, out, g);
	}
	catalog_end(&as);
	return out;
}

/*
 * Create a model from an archive: the model row (def, owned by
 * def->owner) and its groups, without embeddings.  42710 if the name is
 * taken.  The caller validated every network against def.
 */
void
catalog_import(const CatalogModel *def, const char *params_json, List *groups)
{
	ListCell   *lc;
	CatalogModel other;
	RunAs		as;

	if (catalog_model_find(def->model, &other))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("model \"%s\" already exists", def->model),
				 errhint("Import it under another name, or drop the existing one first.")));
	catalog_begin(&as);
	save_model_row(def, params_json);
	foreach(lc, groups)
	{
		CatalogGroupBlob *g = (CatalogGroupBlob *) lfirst(lc);

		save_group_row(def, g->group, g->weights, g->normalisation, g->metrics, g->n_rows);
	}
	catalog_end(&as);
	catalog_changed();
}
