/*
 * catalog_admin.c
 *	  The SQL functions that manage models: drop a model or a group,
 *	  rename, change owner, export and import, and the visibility rule the
 *	  catalogue's policies call.  Argument handling and rights only: every
 *	  query is in catalog.c.
 *
 * Rights, as for PostgreSQL's own objects: changing a model needs
 * membership of its owner role (42501 otherwise); giving it away needs
 * membership of the new owner too, and the new owner must be able to read
 * the source (maintenance runs as the owner).  Each change takes the
 * model's job lock for the transaction, so it waits for no one and fails
 * with 55P03 while a training or refresh runs on the model.
 */
#include "hack.h"
#include "catalog.h"
#include "group_key.h"
#include "model_lock.h"
#include "train_source.h"

#include "catalog/pg_type.h"
#include "common/jsonapi.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "core/hyperbolic.h"
#include "core/model_archive.h"
#include "core/nn_serial.h"

PG_FUNCTION_INFO_V1(hack_model_visible);
PG_FUNCTION_INFO_V1(hack_drop_model);
PG_FUNCTION_INFO_V1(hack_drop_group);
PG_FUNCTION_INFO_V1(hack_rename_model);
PG_FUNCTION_INFO_V1(hack_alter_model_owner);
PG_FUNCTION_INFO_V1(hack_export_model);
PG_FUNCTION_INFO_V1(hack_import_model);
PG_FUNCTION_INFO_V1(hack_models_changed);

/* Take the job lock of a model for this transaction, or fail with 55P03. */
static void
lock_model(const char *model, const char *job)
{
	(void) model_lock_acquire(model, MODEL_BUSY_ERROR, job, false);
}

/* hack_model_visible(owner regrole, source regclass): the policies' rule */
Datum
hack_model_visible(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(catalog_model_visible(PG_GETARG_OID(0), PG_GETARG_OID(1)));
}

/* hack_drop_model(model text, if_exists boolean) */
Datum
hack_drop_model(PG_FUNCTION_ARGS)
{
	char	   *model = text_to_cstring(PG_GETARG_TEXT_PP(0));
	bool		if_exists = PG_GETARG_BOOL(1);
	CatalogModel m;

	if (!catalog_model_find(model, &m))
	{
		if (if_exists)
		{
			ereport(NOTICE, (errmsg("model \"%s\" does not exist, skipping", model)));
			PG_RETURN_BOOL(false);
		}
		catalog_model_missing(model, NULL);
	}
	catalog_check_owner(&m);
	lock_model(model, "hack_drop_model");
	PG_RETURN_BOOL(catalog_drop(model, NULL));
}

/* hack_drop_group(model text, group_key text) */
Datum
hack_drop_group(PG_FUNCTION_ARGS)
{
	char	   *model = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *group = text_to_cstring(PG_GETARG_TEXT_PP(1));
	CatalogModel m;

	catalog_model_get(model, &m, CATALOG_OWN);
	lock_model(model, "hack_drop_group");
	PG_RETURN_BOOL(catalog_drop(model, group));
}

/* hack_rename_model(model text, new_name text) */
Datum
hack_rename_model(PG_FUNCTION_ARGS)
{
	char	   *model = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *new_name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	CatalogModel m;

	catalog_check_model_name(new_name);
	catalog_model_get(model, &m, CATALOG_OWN);
	lock_model(model, "hack_rename_model");
	lock_model(new_name, "hack_rename_model");
	catalog_rename(model, new_name);
	PG_RETURN_VOID();
}

/* hack_alter_model_owner(model text, new_owner regrole) */
Datum
hack_alter_model_owner(PG_FUNCTION_ARGS)
{
	char	   *model = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Oid			new_owner = PG_GETARG_OID(1);
	CatalogModel m;

	catalog_model_get(model, &m, CATALOG_OWN);
	if (!OidIsValid(new_owner) || GetUserNameFromId(new_owner, true) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("role with OID %u does not exist", new_owner)));
	if (!is_member_of_role(GetUserId(), new_owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be able to SET ROLE \"%s\" to give it model \"%s\"",
						GetUserNameFromId(new_owner, false), model)));
	if (pg_class_aclcheck(m.source, new_owner, ACL_SELECT) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("role \"%s\" cannot read the source of model \"%s\"",
						GetUserNameFromId(new_owner, false), model),
				 errdetail("Maintenance of a model reads its source as its owner."),
				 errhint("GRANT SELECT ON %s TO %s first.",
						 get_rel_name(m.source) ? get_rel_name(m.source) : "the source",
						 quote_identifier(GetUserNameFromId(new_owner, false)))));
	lock_model(model, "hack_alter_model_owner");
	catalog_set_owner(model, new_owner);
	PG_RETURN_VOID();
}

/*
 * A text of an archive (UTF-8, checked by the codec, not NUL-terminated)
 * in the database encoding; 22021 if it has no equivalent there.
 */
static char *
archive_text(const char *p, size_t len)
{
	return pg_any_to_server(pnstrdup(p, len), (int) len, PG_UTF8);
}

/* A JSON text of an archive in the database encoding; 22P03 if it is not JSON. */
static char *
archive_json(const char *p, size_t len, const char *what)
{
	char	   *s = archive_text(p, len);
	JsonLexContext *lex = makeJsonLexContextCstringLen(s, (int) strlen(s), GetDatabaseEncoding(),
													   false);

	if (pg_parse_json(lex, &nullSemAction) != JSON_SUCCESS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("the archive's %s is not valid JSON", what),
				 errhint("The archive is damaged: export the model again.")));
	return s;
}

/* A text of the catalogue in UTF-8, as archives hold texts. */
static const char *
utf8_text(const char *s, size_t *len)
{
	const char *u = pg_server_to_any(s, (int) strlen(s), PG_UTF8);

	*len = strlen(u);
	return u;
}

/* The archive header: the model's definition and its last parameters. */
static char *
archive_header(const CatalogModel *m, const char *params)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfoString(&s, "{\"id_column\": ");
	escape_json(&s, m->id_column);
	appendStringInfoString(&s, ", \"image_column\": ");
	escape_json(&s, m->image_column);
	appendStringInfoString(&s, ", \"group_column\": ");
	if (m->group_column)
		escape_json(&s, m->group_column);
	else
		appendStringInfoString(&s, "null");
	appendStringInfo(&s, ", \"format\": \"%s\", \"architecture\": \"%s\", \"channels\": %d,"
					 " \"height\": %d, \"width\": %d, \"dim\": %d, \"params\": %s}",
					 m->format_name, nn_arch_name(m->arch), m->shape.channels,
					 m->shape.height, m->shape.width, m->dim, params);
	return s.data;
}

/* hack_export_model(model text) */
Datum
hack_export_model(PG_FUNCTION_ARGS)
{
	char	   *model = text_to_cstring(PG_GETARG_TEXT_PP(0));
	CatalogModel m;
	List	   *groups;
	HackArchive a;
	HackError	err;
	size_t		size;
	bytea	   *out;
	ListCell   *lc;
	int			i = 0;
	char	   *header;

	catalog_model_get(model, &m, CATALOG_USE);
	header = archive_header(&m, catalog_model_params(&m));
	groups = catalog_group_blobs(&m);
	memset(&a, 0, sizeof(a));
	a.header = utf8_text(header, &a.header_len);
	a.n_groups = list_length(groups);
	a.groups = palloc0(sizeof(HackArchiveGroup) * Max(a.n_groups, 1));
	foreach(lc, groups)
	{
		CatalogGroupBlob *g = (CatalogGroupBlob *) lfirst(lc);
		HackArchiveGroup *ag = &a.groups[i++];

		ag->key = utf8_text(g->group, &ag->key_len);
		ag->normalisation = utf8_text(g->normalisation, &ag->normalisation_len);
		ag->metrics = utf8_text(g->metrics, &ag->metrics_len);
		ag->n_rows = g->n_rows;
		ag->weights = (const uint8_t *) VARDATA_ANY(g->weights);
		ag->weights_len = VARSIZE_ANY_EXHDR(g->weights);
	}
	hack_check(hack_archive_size(&a, &size, &err), &err);
	if (size > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("model \"%s\" is too large to export as one bytea", model)));
	out = palloc(VARHDRSZ + size);
	SET_VARSIZE(out, VARHDRSZ + size);
	hack_archive_write(&a, (uint8_t *) VARDATA(out));
	PG_RETURN_BYTEA_P(out);
}

/* The fields of an archive header, read with jsonb and checked. */
static char *
read_header(const char *header, CatalogModel *def)
{
	Oid			types[1] = {TEXTOID};
	Datum		v[1] = {CStringGetTextDatum(header)};
	const char *names[10] = {"id_column", "image_column", "group_column", "format",
	"architecture", "channels", "height", "width", "dim", "params"};
	char	   *f[10];
	HackError	err;
	MemoryContext cxt = CurrentMemoryContext;

	SPI_connect();
	if (SPI_execute_with_args("SELECT h OPERATOR(pg_catalog.->>) 'id_column', h OPERATOR(pg_catalog.->>) 'image_column',"
							  " h OPERATOR(pg_catalog.->>) 'group_column', h OPERATOR(pg_catalog.->>) 'format',"
							  " h OPERATOR(pg_catalog.->>) 'architecture',"
							  " CASE WHEN pg_catalog.jsonb_typeof(h OPERATOR(pg_catalog.->) 'channels') OPERATOR(pg_catalog.=) 'number' THEN h OPERATOR(pg_catalog.->>) 'channels' END,"
							  " CASE WHEN pg_catalog.jsonb_typeof(h OPERATOR(pg_catalog.->) 'height') OPERATOR(pg_catalog.=) 'number' THEN h OPERATOR(pg_catalog.->>) 'height' END,"
							  " CASE WHEN pg_catalog.jsonb_typeof(h OPERATOR(pg_catalog.->) 'width') OPERATOR(pg_catalog.=) 'number' THEN h OPERATOR(pg_catalog.->>) 'width' END,"
							  " CASE WHEN pg_catalog.jsonb_typeof(h OPERATOR(pg_catalog.->) 'dim') OPERATOR(pg_catalog.=) 'number' THEN h OPERATOR(pg_catalog.->>) 'dim' END,"
							  " CASE WHEN pg_catalog.jsonb_typeof(h OPERATOR(pg_catalog.->) 'params') OPERATOR(pg_catalog.=) 'object' THEN (h OPERATOR(pg_catalog.->) 'params')::pg_catalog.text END"
							  " FROM (SELECT $1::pg_catalog.jsonb AS h) s"
							  " WHERE pg_catalog.jsonb_typeof(h) OPERATOR(pg_catalog.=) 'object'",
							  1, types, v, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("the archive's header is not a JSON object")));
	for (int i = 0; i < 10; i++)
	{
		char	   *s = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1);

		f[i] = s ? MemoryContextStrdup(cxt, s) : NULL;
		if (f[i] == NULL && i != 2)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("the archive's header lacks %s, or it has the wrong type", names[i])));
		if (i < 3 && f[i] && (f[i][0] == '\0' || strlen(f[i]) >= NAMEDATALEN))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("the archive's %s is not a valid column name", names[i])));
	}
	SPI_finish();
	def->id_column = f[0];
	def->image_column = f[1];
	def->group_column = f[2];
	if (hack_image_format_parse(f[3], &def->format, &err) != HACK_OK ||
		nn_arch_from_name(f[4], &def->arch, &err) != HACK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("the archive's header is invalid: %s", err.message)));
	def->format_name = f[3];
	def->shape.channels = pg_strtoint32(f[5]);
	def->shape.height = pg_strtoint32(f[6]);
	def->shape.width = pg_strtoint32(f[7]);
	def->dim = pg_strtoint32(f[8]);
	if (hack_image_shape_check(&def->shape, &err) != HACK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("the archive's header is invalid: %s", err.message)));
	if (def->dim < 1 || def->dim > HACK_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("the archive's dimension %d is out of range", def->dim)));
	return f[9];
}

/*
 * The definition (into def: columns, format, encoder shape) and groups
 * (CatalogGroupBlob, each network decoded and checked against def) of an
 * exported model; returns the archive's parameters (JSON text).  Every
 * defect is 22P03.  With keep_networks each group's decoded network stays
 * in its net (the caller frees them with nn_model_free); otherwise net is
 * NULL.
 */
char *
catalog_archive_read(const bytea *blob, CatalogModel *def, List **groups, bool keep_networks)
{
	HackArchive a;
	HackError	err;
	char	   *volatile params = NULL;

	*groups = NIL;
	if (hack_archive_read((const uint8_t *) VARDATA_ANY(blob), VARSIZE_ANY_EXHDR(blob), &a,
						  &err) != HACK_OK)
		hack_raise(&err);
	PG_TRY();
	{
		params = read_header(archive_json(a.header, a.header_len, "header"), def);
		for (int i = 0; i < a.n_groups; i++)
		{
			HackArchiveGroup *ag = &a.groups[i];
			CatalogGroupBlob *g = palloc0(sizeof(CatalogGroupBlob));
			NnModel    *net;

			g->group = archive_text(ag->key, ag->key_len);
			if (strlen(g->group) > HACK_GROUP_KEY_MAX)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
						 errmsg("a group key of the archive is longer than %d bytes",
								HACK_GROUP_KEY_MAX)));
			if (def->group_column == NULL && g->group[0] != '\0')
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
						 errmsg("the archive has group \"%s\" but no group column", g->group)));
			g->normalisation = archive_json(ag->normalisation, ag->normalisation_len,
											"normalisation");
			g->metrics = archive_json(ag->metrics, ag->metrics_len, "metrics");
			g->n_rows = ag->n_rows;
			g->weights = palloc(VARHDRSZ + ag->weights_len);
			SET_VARSIZE(g->weights, VARHDRSZ + ag->weights_len);
			memcpy(VARDATA(g->weights), ag->weights, ag->weights_len);
			/* every network must decode and fit the model */
			net = catalog_network_from_blob(def, g->group, g->weights, true);
			if (keep_networks)
				g->net = net;
			else
				nn_model_free(net);
			*groups = lappend(*groups, g);
		}
	}
	PG_CATCH();
	{
		ListCell   *lc;

		foreach(lc, *groups)
		{
			CatalogGroupBlob *g = lfirst(lc);

			nn_model_free(g->net);
			g->net = NULL;		/* the list is the caller's: leave nothing freed in it */
		}
		hack_archive_free(&a);
		PG_RE_THROW();
	}
	PG_END_TRY();
	hack_archive_free(&a);
	return params;
}

/* hack_import_model(model text, archive bytea, source regclass) */
Datum
hack_import_model(PG_FUNCTION_ARGS)
{
	char	   *model = text_to_cstring(PG_GETARG_TEXT_PP(0));
	bytea	   *blob = PG_GETARG_BYTEA_PP(1);
	Oid			source = PG_GETARG_OID(2);
	CatalogModel def;
	TrainSource src;
	List	   *groups;
	char	   *params;

	catalog_check_model_name(model);
	memset(&def, 0, sizeof(def));
	def.model = model;
	def.source = source;
	def.owner = GetUserId();
	params = catalog_archive_read(blob, &def, &groups, false);
	/* the caller reads the source; its columns must be the archive's */
	if (pg_class_aclcheck(source, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for table %s",
						get_rel_name(source) ? get_rel_name(source) : "(unknown)")));
	train_source_open(&src, &def, false);
	lock_model(model, "hack_import_model");
	catalog_import(&def, params, groups);
	PG_RETURN_INT32(list_length(groups));
}

/*
 * hack 1.0's statement trigger on hack.models; 1.1 has no trigger on the
 * catalogue.  A database still at 1.0 with this library reaches it only
 * through direct writes to 1.0's catalogue: say how to move on.
 */
Datum
hack_models_changed(PG_FUNCTION_ARGS)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("the hack extension's catalogue is not at version 1.1"),
			 errhint("Run ALTER EXTENSION hack UPDATE.")));
	PG_RETURN_NULL();
}
