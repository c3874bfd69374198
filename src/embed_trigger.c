/*
 * embed_trigger.c
 *	  hack_embed_trigger('model'): keep a model's embeddings in step with
 *	  its source table, row by row.
 *
 *	CREATE TRIGGER embed AFTER INSERT OR UPDATE OR DELETE ON images
 *		FOR EACH ROW EXECUTE FUNCTION hack_embed_trigger('fashion_v1');
 *
 * An inserted row, or an updated row whose image, id or group changed, is
 * embedded with the stored model of its group (the per-backend cache of
 * model_store.c, so the network is decoded once per backend) and
 * upserted into hack.embeddings without a particle; a deleted row loses
 * its embedding, as does a row whose image or group became NULL.  A row
 * of a group that has no model yet is left for the next training.  The
 * work happens in the statement's transaction with the caller's
 * privileges: a failure (an undecodable image) fails the statement.
 *
 * Per row rather than per statement with transition tables: the forward
 * pass of one image dominates (see doc/incremental.md for rows/s), and a
 * per-row trigger also serves UPDATE ... WHERE id = ..., the common case.
 */
#include "hack.h"
#include "poincare.h"
#include "train.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

PG_FUNCTION_INFO_V1(hack_embed_trigger);

/* A row's key in hack.embeddings and its image, as the source defines them. */
typedef struct RowKey
{
	int64		id;
	char	   *group;			/* "" without a group column; NULL if NULL */
	bytea	   *image;			/* NULL if NULL */
} RowKey;

/* Read the key and image of tuple tup of the source. */
static void
row_key(const TrainSource *src, HeapTuple tup, TupleDesc desc, RowKey *k)
{
	bool		isnull;
	Datum		d;
	int			att = SPI_fnumber(desc, src->id_name);

	d = SPI_getbinval(tup, desc, att, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("id column %s of %s is NULL", src->id_col, src->relname)));
	switch (SPI_gettypeid(desc, att))
	{
		case INT2OID:
			k->id = DatumGetInt16(d);
			break;
		case INT4OID:
			k->id = DatumGetInt32(d);
			break;
		default:
			k->id = DatumGetInt64(d);
			break;
	}
	k->group = src->group_name ? SPI_getvalue(tup, desc, SPI_fnumber(desc, src->group_name)) : "";
	d = SPI_getbinval(tup, desc, SPI_fnumber(desc, src->image_name), &isnull);
	k->image = isnull ? NULL : DatumGetByteaPP(d);
}

/* Does (model, group) have a stored model? */
static bool
group_has_model(const char *model, const char *group)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		vals[2] = {CStringGetTextDatum(model), CStringGetTextDatum(group)};

	if (SPI_execute_with_args("SELECT FROM hack.models WHERE model OPERATOR(pg_catalog.=) $1"
							  " AND group_key OPERATOR(pg_catalog.=) $2",
							  2, types, vals, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read hack.models");
	return SPI_processed == 1;
}

/* Embed the new version of a row and upsert it (or drop it if it cannot be). */
static void
embed_row(const char *model, const TrainSource *src, const RowKey *k)
{
	NnModel    *net;
	double		emb[HACK_MAX_DIM];
	int64		hash;

	if (k->group == NULL)
		return;
	if (k->image == NULL)
	{
		model_store_delete(model, k->group, 1, &k->id);
		return;
	}
	if (!group_has_model(model, k->group))
		return;
	net = model_store_get(model, k->group);
	embed_image(net, k->image, src->format, emb);
	hash = hack_image_hash_of(k->image);
	model_store_upsert(model, k->group, 1, &k->id, emb, net->cfg.dim, net->cfg.curvature, &hash);
}

/* Have two versions of a row the same key (id and group)? */
static bool
same_key(const RowKey *a, const RowKey *b)
{
	if (a->id != b->id || (a->group == NULL) != (b->group == NULL))
		return false;
	return a->group == NULL || strcmp(a->group, b->group) == 0;
}

/* The trigger function: see the file header. */
Datum
hack_embed_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	TrainSource src;
	const char *model;
	RowKey		oldk,
				newk;
	bool		has_old,
				has_new;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("hack_embed_trigger must be called as a trigger")));
	if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("hack_embed_trigger must be fired AFTER INSERT, UPDATE or DELETE FOR EACH ROW")));
	if (td->tg_trigger->tgnargs != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hack_embed_trigger needs one argument, the model name"),
				 errhint("CREATE TRIGGER ... EXECUTE FUNCTION hack_embed_trigger('model').")));
	model = td->tg_trigger->tgargs[0];
	desc = RelationGetDescr(td->tg_relation);
	SPI_connect();
	model_source_lookup(model, NULL, &src);
	if (src.relid != RelationGetRelid(td->tg_relation))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("table %s is not the source of model \"%s\"",
						RelationGetRelationName(td->tg_relation), model),
				 errdetail("The model was trained on %s.", src.relname)));
	has_old = !TRIGGER_FIRED_BY_INSERT(td->tg_event);
	has_new = !TRIGGER_FIRED_BY_DELETE(td->tg_event);
	if (has_old)
		row_key(&src, td->tg_trigtuple, desc, &oldk);
	if (has_new)
		row_key(&src, TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple,
				desc, &newk);
	if (has_old && (!has_new || !same_key(&oldk, &newk)))
	{
		if (oldk.group != NULL)
			model_store_delete(model, oldk.group, 1, &oldk.id);
		has_old = false;
	}
	/* an update that keeps key and image keeps the embedding */
	if (has_new && !(has_old && oldk.image && newk.image &&
					 hack_image_hash_of(oldk.image) == hack_image_hash_of(newk.image)))
		embed_row(model, &src, &newk);
	SPI_finish();
	return PointerGetDatum(NULL);
}
