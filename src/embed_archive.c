/*
 * embed_archive.c
 *	  hack_embed_with(archive, image, group_key): embed with an exported
 *	  model (hack_export_model's bytea) rather than a catalogue lookup.
 *
 * This is the form a query pushed down to Citus workers uses (doc/
 * scaling.md): the coordinator evaluates hack_export_model('m') once, as
 * the caller and under row security, and every worker embeds with the
 * networks it carries.  A worker's catalogue is never read, so a worker
 * cannot embed with a model it has a stale copy of, or one another role
 * planted there.
 *
 * The archive is validated as hack_import_model validates it, and the
 * networks that validation decodes are the ones embedding uses.  It is
 * decoded once per query and call site: the cache lives in fn_extra, so
 * nothing outlives the query.  A constant archive (what a worker gets) is
 * decoded on the first row; any other is compared with the cached bytes
 * on each row, and decoded again when it differs.
 */
#include "hack.h"
#include "catalog.h"
#include "embed.h"
#include "poincare.h"

#include "utils/builtins.h"
#include "utils/memutils.h"

#include "core/hyperbolic.h"
#include "core/nn_model.h"

PG_FUNCTION_INFO_V1(hack_embed_with);

/* One decoded archive: its bytes, definition, and groups with their networks. */
typedef struct ArchiveCache
{
	MemoryContext cxt;			/* holds all of it; deleted on replacement */
	bytea	   *archive;		/* a copy, the cache's key */
	CatalogModel def;
	List	   *groups;			/* CatalogGroupBlob, each with its decoded net */
	MemoryContextCallback free_nets;
} ArchiveCache;

/* Free the networks (the core's, malloc'd) when the cache's context goes. */
static void
free_nets(void *arg)
{
	ArchiveCache *c = (ArchiveCache *) arg;
	ListCell   *lc;

	foreach(lc, c->groups)
		nn_model_free(((CatalogGroupBlob *) lfirst(lc))->net);
}

/* The cache for archive, decoding it unless the one in fn_extra holds the same bytes. */
static ArchiveCache *
archive_cache(FmgrInfo *flinfo, const bytea *archive)
{
	ArchiveCache *c = (ArchiveCache *) flinfo->fn_extra;
	MemoryContext cxt;
	MemoryContext old;

	/*
	 * A constant or a parameter (as in the query Citus sends a worker) is
	 * the same on every row: decode it once.  Otherwise compare the bytes.
	 */
	if (c != NULL && get_fn_expr_arg_stable(flinfo, 0))
		return c;
	if (c != NULL && VARSIZE_ANY_EXHDR(c->archive) == VARSIZE_ANY_EXHDR(archive) &&
		memcmp(VARDATA_ANY(c->archive), VARDATA_ANY(archive), VARSIZE_ANY_EXHDR(archive)) == 0)
		return c;
	if (c != NULL)
	{
		flinfo->fn_extra = NULL;
		MemoryContextDelete(c->cxt);
	}
	cxt = AllocSetContextCreate(flinfo->fn_mcxt, "hack_embed_with archive", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		c = palloc0(sizeof(ArchiveCache));
		c->cxt = cxt;
		c->archive = (bytea *) palloc(VARSIZE_ANY_EXHDR(archive) + VARHDRSZ);
		SET_VARSIZE(c->archive, VARSIZE_ANY_EXHDR(archive) + VARHDRSZ);
		memcpy(VARDATA(c->archive), VARDATA_ANY(archive), VARSIZE_ANY_EXHDR(archive));
		c->def.model = "(archive)";
		c->free_nets.func = free_nets;
		c->free_nets.arg = c;
		MemoryContextRegisterResetCallback(cxt, &c->free_nets);
		/* validated as hack_import_model validates it, its networks kept */
		(void) catalog_archive_read(c->archive, &c->def, &c->groups, true);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	flinfo->fn_extra = c;
	return c;
}

/* hack_embed_with(archive, image, group_key) */
Datum
hack_embed_with(PG_FUNCTION_ARGS)
{
	bytea	   *archive = PG_GETARG_BYTEA_PP(0);
	bytea	   *image = PG_GETARG_BYTEA_PP(1);
	char	   *group = text_to_cstring(PG_GETARG_TEXT_PP(2));
	ArchiveCache *c = archive_cache(fcinfo->flinfo, archive);
	double		emb[HACK_MAX_DIM];
	const CatalogGroupBlob *g = NULL;
	ListCell   *lc;

	foreach(lc, c->groups)
	{
		g = lfirst(lc);
		if (strcmp(g->group, group) == 0)
			break;
		g = NULL;
	}
	if (g == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("the archive has no group \"%s\"", group),
				 errhint("Pass the row's group as hack_group_key(group column).")));
	embed_image(g->net, image, c->def.format, &c->def.shape, NULL, emb);
	PG_RETURN_POINCARE_P(poincare_from_coords(emb, c->def.dim));
}
