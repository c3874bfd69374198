/*
 * embed_trigger.c
 *	  hack_embed_trigger('model'): keep a model's embeddings in step with
 *	  its source table, row by row.
 *
 *	CREATE TRIGGER embed AFTER INSERT OR UPDATE OR DELETE ON images
 *		FOR EACH ROW EXECUTE FUNCTION hack_embed_trigger('fashion_v1');
 *
 * An inserted row, or an updated row whose image, id or group changed, is
 * embedded with the stored network of its group and upserted into
 * hack.embeddings without a particle; a deleted row loses its embedding,
 * as does a row whose image or group became NULL.  A row of a group that
 * has no network yet is left for the next training.  The work happens in
 * the statement's transaction: a failure (an undecodable image) fails the
 * statement.
 *
 * The table must be the model's source or a partition of it, at any depth
 * (the source may be partitioned, or be itself a partition).  The group key is computed from the row's
 * value with hack_group_key_of, exactly as training and hack_refresh do,
 * so the trigger and a refresh agree on every type and under any
 * settings.  No code of another role runs here: the trigger reads only
 * the row it was given, calls output functions (installed by superusers)
 * and writes the catalogue through catalog.c, as the extension's owner.
 *
 * Per row rather than per statement with transition tables: the forward
 * pass of one image dominates, and a per-row trigger also serves UPDATE
 * ... WHERE id = ..., the common case.  The model's definition and network
 * come from the per-backend cache and the upsert is a kept plan, so a row
 * costs one forward pass and one executor run (doc/incremental.md gives
 * rows/s).
 */
#include "hack.h"
#include "catalog.h"
#include "embed.h"
#include "group_key.h"
#include "image_hash.h"
#include "train_source.h"

#include "catalog/partition.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"

#include "core/hyperbolic.h"
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

/* The attribute number of column name of desc; 42703 if it is gone. */
static int
source_column(TupleDesc desc, const char *name, const CatalogModel *m)
{
	int			att = SPI_fnumber(desc, name);

	if (att <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of the source of model \"%s\" does not exist", name,
						m->model)));
	return att;
}

/* Read the key and image of tuple tup of the source. */
static void
row_key(const CatalogModel *m, HeapTuple tup, TupleDesc desc, RowKey *k)
{
	bool		isnull;
	Datum		d;
	int			att = source_column(desc, m->id_column, m);

	d = SPI_getbinval(tup, desc, att, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("id column %s of the source of model \"%s\" is NULL",
						quote_identifier(m->id_column), m->model)));
	switch (SPI_gettypeid(desc, att))
	{
		case INT2OID:
			k->id = DatumGetInt16(d);
			break;
		case INT4OID:
			k->id = DatumGetInt32(d);
			break;
		default:
			train_source_check_id_type(m->id_column, SPI_gettypeid(desc, att));
			k->id = DatumGetInt64(d);
			break;
	}
	k->group = "";
	if (m->group_column)
	{
		att = source_column(desc, m->group_column, m);
		d = SPI_getbinval(tup, desc, att, &isnull);
		k->group = isnull ? NULL : hack_group_key_of(d, SPI_gettypeid(desc, att));
	}
	att = source_column(desc, m->image_column, m);
	train_source_check_image_type(m->image_column, SPI_gettypeid(desc, att));
	d = SPI_getbinval(tup, desc, att, &isnull);
	k->image = isnull ? NULL : DatumGetByteaPP(d);
}

/* Embed the new version of a row and upsert it (or drop it if it cannot be). */
static void
embed_row(const CatalogModel *m, const RowKey *k)
{
	NnModel    *net;
	double		emb[HACK_MAX_DIM];
	int64		hash;

	if (k->group == NULL)
		return;
	if (k->image == NULL)
	{
		catalog_embeddings_delete(m, k->group, 1, &k->id);
		return;
	}
	net = catalog_network_cached(m, k->group, true);
	if (net == NULL)
		return;					/* no network for this group yet */
	embed_image(net, k->image, m->format, &m->shape, &k->id, emb);
	hash = hack_image_hash_of(k->image);
	catalog_embeddings_upsert(m, k->group, 1, &k->id, emb, net->cfg.curvature, &hash);
}

/* Have two versions of a row the same key (id and group)? */
static bool
same_key(const RowKey *a, const RowKey *b)
{
	if (a->id != b->id || (a->group == NULL) != (b->group == NULL))
		return false;
	return a->group == NULL || strcmp(a->group, b->group) == 0;
}

/* Is source the table a trigger fired on, or one of its partition ancestors? */
static bool
fired_on_source(Relation rel, Oid source)
{
	Oid			relid = RelationGetRelid(rel);

	if (relid == source)
		return true;
	return rel->rd_rel->relispartition &&
		list_member_oid(get_partition_ancestors(relid), source);
}

/* The trigger function: see the file header. */
Datum
hack_embed_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	const CatalogModel *m;
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
	desc = RelationGetDescr(td->tg_relation);
	catalog_cache_begin();
	m = catalog_model_cached(td->tg_trigger->tgargs[0]);
	if (!fired_on_source(td->tg_relation, m->source))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("table %s is not the source of model \"%s\"",
						RelationGetRelationName(td->tg_relation), m->model),
				 /* which table it is, only to those who may see the model */
				 catalog_model_visible(m->owner, m->source) && get_rel_name(m->source) ?
				 errdetail("The model was trained on %s.", get_rel_name(m->source)) : 0));
	has_old = !TRIGGER_FIRED_BY_INSERT(td->tg_event);
	has_new = !TRIGGER_FIRED_BY_DELETE(td->tg_event);
	if (has_old)
		row_key(m, td->tg_trigtuple, desc, &oldk);
	if (has_new)
		row_key(m, TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple,
				desc, &newk);
	if (has_old && (!has_new || !same_key(&oldk, &newk)))
	{
		if (oldk.group != NULL)
			catalog_embeddings_delete(m, oldk.group, 1, &oldk.id);
		has_old = false;
	}
	/* an update that keeps key and image keeps the embedding */
	if (has_new && !(has_old && oldk.image && newk.image &&
					 hack_image_hash_of(oldk.image) == hack_image_hash_of(newk.image)))
		embed_row(m, &newk);
	return PointerGetDatum(NULL);
}
