/*
 * model_store.c
 *	  hack.models and hack.embeddings: writing a trained group, and a
 *	  per-backend cache of decoded models for hack_embed.
 *
 * A group's model row and its embeddings are replaced in one transaction
 * (upsert of the model, delete and re-insert of the embeddings), so
 * readers see either the old or the new group, never a mix.
 *
 * The cache maps (role, model, group) to a decoded network.  It is dropped
 * whenever hack.models changes: a statement trigger on the table
 * (hack_models_changed) queues a relcache invalidation of hack.models,
 * which reaches every backend at commit, and this backend's relcache
 * callback then frees the cached networks.
 */
#include "hack.h"
#include "poincare.h"
#include "train.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "core/nn_serial.h"

PG_FUNCTION_INFO_V1(hack_models_changed);

#define CACHE_KEY_LEN 256

typedef struct CachedModel
{
	char		key[CACHE_KEY_LEN];	/* role \x1f model \x1f group */
	NnModel    *net;			/* malloc'd by the core */
	Oid			source;			/* hack.models.source, to re-check SELECT on */
} CachedModel;

static HTAB *model_cache = NULL;
static Oid	models_relid = InvalidOid;

/*
 * The OID of poincare_point, wherever the extension was installed: the
 * type of hack.embeddings.embedding (PostgreSQL 15 has no public lookup of
 * an extension's schema).
 */
Oid
hack_poincare_type_oid(void)
{
	Oid			relid = RangeVarGetRelid(makeRangeVar("hack", "embeddings", -1),
										 AccessShareLock, false);

	return get_atttype(relid, get_attnum(relid, "embedding"));
}

/* Forget every cached network. */
static void
cache_reset(void)
{
	HASH_SEQ_STATUS seq;
	CachedModel *e;

	if (model_cache == NULL)
		return;
	hash_seq_init(&seq, model_cache);
	while ((e = hash_seq_search(&seq)) != NULL)
		nn_model_free(e->net);
	hash_destroy(model_cache);
	model_cache = NULL;
}

/* Relcache callback: hack.models changed (or everything was invalidated). */
static void
models_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == models_relid)
		cache_reset();
}

/* Called once from _PG_init. */
void
model_store_register_callbacks(void)
{
	CacheRegisterRelcacheCallback(models_relcache_callback, (Datum) 0);
}

/*
 * Trigger on hack.models, AFTER each statement: make every backend drop
 * its cached networks when the transaction commits.
 */
Datum
hack_models_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("hack_models_changed must be called as a trigger")));
	CacheInvalidateRelcacheByRelid(RelationGetRelid(trigdata->tg_relation));
	PG_RETURN_POINTER(NULL);
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

/* Run one statement with arguments, expecting `expected` from SPI. */
static void
run(const char *sql, int nargs, Oid *types, Datum *values, int expected)
{
	int			rc = SPI_execute_with_args(sql, nargs, types, values, NULL, false, 0);

	if (rc != expected)
		elog(ERROR, "hack: \"%s\" failed: %s", sql, SPI_result_code_string(rc));
}

/* Replace the model row and the embeddings of one (model, group). */
void
model_store_save(const StoredModel *sm)
{
	const HackTrainResult *r = sm->result;
	int			n = r->n;
	int			dim = r->dim;
	Oid			pt = hack_poincare_type_oid();
	size_t		blob_len = nn_model_blob_size(sm->net);
	bytea	   *blob = palloc(VARHDRSZ + blob_len);
	Datum	   *ids = palloc(sizeof(Datum) * n);
	Datum	   *embs = palloc(sizeof(Datum) * n);
	Datum	   *parts = palloc(sizeof(Datum) * n);
	Datum	   *pids = palloc(sizeof(Datum) * n);
	Datum	   *norms = palloc(sizeof(Datum) * n);
	Datum	   *hashes = palloc(sizeof(Datum) * n);
	StringInfoData norm;
	Oid			mtypes[9] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, BYTEAOID, TEXTOID, TEXTOID,
	OIDOID, INT8OID};
	Datum		mvals[9];
	Oid			etypes[8];
	Datum		evals[8];

	SET_VARSIZE(blob, VARHDRSZ + blob_len);
	nn_model_write(sm->net, (uint8_t *) VARDATA(blob));
	for (int i = 0; i < n; i++)
	{
		const double *e = r->embeddings + (size_t) i * dim;
		int			p = r->assignment[i];

		ids[i] = Int64GetDatum(sm->images->ids[i]);
		embs[i] = PointerGetDatum(poincare_from_coords(e, dim));
		parts[i] = PointerGetDatum(poincare_from_coords(r->particles + (size_t) p * dim, dim));
		pids[i] = Int32GetDatum(p + 1);
		norms[i] = Float8GetDatum(hyp_norm(e, dim, sm->net->cfg.curvature));
		hashes[i] = Int64GetDatum(sm->images->hashes[i]);
	}
	initStringInfo(&norm);
	appendStringInfoString(&norm, "{\"mean\": [");
	for (int c = 0; c < sm->net->cfg.channels; c++)
		appendStringInfo(&norm, "%s%.9g", c ? ", " : "", sm->net->mean[c]);
	appendStringInfoString(&norm, "], \"std\": [");
	for (int c = 0; c < sm->net->cfg.channels; c++)
		appendStringInfo(&norm, "%s%.9g", c ? ", " : "", sm->net->std[c]);
	appendStringInfoString(&norm, "]}");

	mvals[0] = CStringGetTextDatum(sm->model);
	mvals[1] = CStringGetTextDatum(sm->group);
	mvals[2] = CStringGetTextDatum(nn_arch_name(sm->net->cfg.arch));
	mvals[3] = CStringGetTextDatum(sm->params_json);
	mvals[4] = PointerGetDatum(blob);
	mvals[5] = CStringGetTextDatum(norm.data);
	mvals[6] = CStringGetTextDatum(sm->metrics_json);
	mvals[7] = ObjectIdGetDatum(sm->source);
	mvals[8] = Int64GetDatum((int64) n);
	run("INSERT INTO hack.models AS m (model, group_key, architecture, params, weights,"
		" normalisation, metrics, source, n_rows, trained_at)"
		" VALUES ($1, $2, $3, $4::pg_catalog.jsonb, $5, $6::pg_catalog.jsonb,"
		" $7::pg_catalog.jsonb, $8::pg_catalog.regclass, $9, pg_catalog.now())"
		" ON CONFLICT (model, group_key) DO UPDATE SET architecture = EXCLUDED.architecture,"
		" params = EXCLUDED.params, weights = EXCLUDED.weights,"
		" normalisation = EXCLUDED.normalisation, metrics = EXCLUDED.metrics,"
		" source = EXCLUDED.source, n_rows = EXCLUDED.n_rows, trained_at = EXCLUDED.trained_at",
		9, mtypes, mvals, SPI_OK_INSERT);
	run("DELETE FROM hack.embeddings"
		" WHERE model OPERATOR(pg_catalog.=) $1 AND group_key OPERATOR(pg_catalog.=) $2",
		2, mtypes, mvals, SPI_OK_DELETE);
	etypes[0] = TEXTOID;
	etypes[1] = TEXTOID;
	etypes[2] = INT8ARRAYOID;
	etypes[3] = etypes[4] = get_array_type(pt);
	etypes[5] = INT4ARRAYOID;
	etypes[6] = FLOAT8ARRAYOID;
	evals[0] = mvals[0];
	evals[1] = mvals[1];
	evals[2] = make_array(ids, n, INT8OID);
	evals[3] = make_array(embs, n, pt);
	evals[4] = make_array(parts, n, pt);
	evals[5] = make_array(pids, n, INT4OID);
	evals[6] = make_array(norms, n, FLOAT8OID);
	etypes[7] = INT8ARRAYOID;
	evals[7] = make_array(hashes, n, INT8OID);
	run("INSERT INTO hack.embeddings (model, group_key, id, embedding, particle, particle_id, norm,"
		" image_hash) SELECT $1, $2, u.* FROM ROWS FROM (pg_catalog.unnest($3), pg_catalog.unnest($4),"
		" pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7), pg_catalog.unnest($8)) u",
		8, etypes, evals, SPI_OK_INSERT);
}

/*
 * Insert or replace the embeddings of n rows of (model, group) computed
 * outside training (refresh, trigger): they have no particle until the
 * next training.
 */
void
model_store_upsert(const char *model, const char *group, int n, const int64 *ids,
				   const double *emb, int dim, double curvature, const int64 *hashes)
{
	Oid			pt = hack_poincare_type_oid();
	Datum	   *d_ids = palloc(sizeof(Datum) * n);
	Datum	   *d_embs = palloc(sizeof(Datum) * n);
	Datum	   *d_norms = palloc(sizeof(Datum) * n);
	Datum	   *d_hashes = palloc(sizeof(Datum) * n);
	Oid			types[6] = {TEXTOID, TEXTOID, INT8ARRAYOID, get_array_type(pt),
	FLOAT8ARRAYOID, INT8ARRAYOID};
	Datum		vals[6];

	for (int i = 0; i < n; i++)
	{
		d_ids[i] = Int64GetDatum(ids[i]);
		d_embs[i] = PointerGetDatum(poincare_from_coords(emb + (size_t) i * dim, dim));
		d_norms[i] = Float8GetDatum(hyp_norm(emb + (size_t) i * dim, dim, curvature));
		d_hashes[i] = Int64GetDatum(hashes[i]);
	}
	vals[0] = CStringGetTextDatum(model);
	vals[1] = CStringGetTextDatum(group);
	vals[2] = make_array(d_ids, n, INT8OID);
	vals[3] = make_array(d_embs, n, pt);
	vals[4] = make_array(d_norms, n, FLOAT8OID);
	vals[5] = make_array(d_hashes, n, INT8OID);
	run("INSERT INTO hack.embeddings AS e (model, group_key, id, embedding, particle, particle_id,"
		" norm, image_hash) SELECT $1, $2, u.id, u.emb, NULL, NULL, u.norm, u.hash"
		" FROM ROWS FROM (pg_catalog.unnest($3), pg_catalog.unnest($4), pg_catalog.unnest($5),"
		" pg_catalog.unnest($6)) u(id, emb, norm, hash)"
		" ON CONFLICT (model, group_key, id) DO UPDATE SET embedding = EXCLUDED.embedding,"
		" particle = NULL, particle_id = NULL, norm = EXCLUDED.norm, image_hash = EXCLUDED.image_hash",
		6, types, vals, SPI_OK_INSERT);
}

/* Delete the embeddings of n ids of (model, group); returns how many there were. */
uint64
model_store_delete(const char *model, const char *group, int n, const int64 *ids)
{
	Datum	   *d_ids = palloc(sizeof(Datum) * n);
	Oid			types[3] = {TEXTOID, TEXTOID, INT8ARRAYOID};
	Datum		vals[3];

	for (int i = 0; i < n; i++)
		d_ids[i] = Int64GetDatum(ids[i]);
	vals[0] = CStringGetTextDatum(model);
	vals[1] = CStringGetTextDatum(group);
	vals[2] = make_array(d_ids, n, INT8OID);
	run("DELETE FROM hack.embeddings WHERE model OPERATOR(pg_catalog.=) $1"
		" AND group_key OPERATOR(pg_catalog.=) $2 AND id OPERATOR(pg_catalog.=) ANY ($3)",
		3, types, vals, SPI_OK_DELETE);
	return SPI_processed;
}

/* The cache key of (role, model, group). */
static void
cache_key(char *key, Oid role, const char *model, const char *group)
{
	if (strlen(model) + strlen(group) + 14 > CACHE_KEY_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("model and group names are too long together")));
	snprintf(key, CACHE_KEY_LEN, "%u\x1f%s\x1f%s", role, model, group);
}

/*
 * May the current role still use a cached model?  The entry was loaded
 * through hack.models' row-level security for this very role; what can
 * change since then is its SELECT privilege on the source table (a REVOKE
 * in another session), which the policy models_read checks, so check it
 * again: one syscache lookup, next to a forward pass of the network.
 */
static bool
cache_entry_usable(const CachedModel *e)
{
	bool		missing = false;

	return pg_class_aclcheck_ext(e->source, GetUserId(), ACL_SELECT, &missing) == ACLCHECK_OK &&
		!missing;
}

/*
 * A private copy of the stored network of (model, group), decoded from
 * hack.models (the caller frees it with nn_model_free); NULL when there
 * is none and missing_ok, else 42704.  Models the current role may not see
 * (row-level security: it cannot read their source table) count as none.
 * *n_rows and *source, if given, get the rows it was trained on and the
 * source table.
 */
NnModel *
model_store_load(const char *model, const char *group, bool missing_ok, int64 *n_rows,
				 Oid *source)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		vals[2];
	NnModel    *net = NULL;
	HackError	err;
	HackStatus	st;
	bytea	   *blob;
	bool		isnull;

	vals[0] = CStringGetTextDatum(model);
	vals[1] = CStringGetTextDatum(group);
	SPI_connect();
	if (SPI_execute_with_args("SELECT weights, 'hack.models'::pg_catalog.regclass::pg_catalog.oid,"
							  " n_rows, source::pg_catalog.oid FROM hack.models"
							  " WHERE model OPERATOR(pg_catalog.=) $1"
							  " AND group_key OPERATOR(pg_catalog.=) $2",
							  2, types, vals, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read hack.models");
	if (SPI_processed == 0)
	{
		SPI_finish();
		if (missing_ok)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\"%s%s%s does not exist", model,
						group[0] ? " (group \"" : "", group, group[0] ? "\")" : ""),
				 errhint("Train it with CALL hack_train(model => '%s', ...), or list models with SELECT model, group_key FROM hack.models.", model)));
	}
	models_relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	if (n_rows)
		*n_rows = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
	if (source)
		*source = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &isnull));
	blob = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	st = nn_model_read((const uint8_t *) VARDATA_ANY(blob), VARSIZE_ANY_EXHDR(blob), &net, &err);
	SPI_finish();
	if (st != HACK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("stored weights of model \"%s\" are unreadable: %s", model, err.message),
				 err.detail[0] ? errdetail_internal("%s", err.detail) : 0,
				 errhint("Retrain the model.")));
	return net;
}

/*
 * The decoded network of (model, group), from the cache or from
 * hack.models.  Unknown models, and models the current role may not see,
 * are an error (42704).  The cache owns it: it is freed at the next
 * invalidation of hack.models.  The cache is keyed by the role as well, so
 * a model loaded by one role is never served to another after SET ROLE.
 */
NnModel *
model_store_get(const char *model, const char *group)
{
	char		key[CACHE_KEY_LEN];
	CachedModel *e;
	bool		found;
	NnModel    *net;
	Oid			source;

	cache_key(key, GetUserId(), model, group);
	if (model_cache != NULL)
	{
		e = hash_search(model_cache, key, HASH_FIND, NULL);
		if (e != NULL)
		{
			if (cache_entry_usable(e))
				return e->net;
			nn_model_free(e->net);
			hash_search(model_cache, key, HASH_REMOVE, NULL);
		}
	}
	net = model_store_load(model, group, false, NULL, &source);
	if (model_cache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = CACHE_KEY_LEN;
		ctl.entrysize = sizeof(CachedModel);
		ctl.hcxt = TopMemoryContext;
		model_cache = hash_create("hack model cache", 16, &ctl,
								  HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	}
	e = hash_search(model_cache, key, HASH_ENTER, &found);
	e->net = net;
	e->source = source;
	return net;
}
