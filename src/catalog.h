/*
 * catalog.h
 *	  hack.models, hack.model_groups and hack.embeddings: the one module
 *	  that reads and writes them (catalog.c).
 */
#ifndef HACK_CATALOG_H
#define HACK_CATALOG_H

#include "postgres.h"

#include "nodes/pg_list.h"

#include "core/nn_model.h"
#include "core/tensor.h"

/* A model's row of hack.models, validated. */
typedef struct CatalogModel
{
	char	   *model;
	Oid			owner;
	Oid			source;
	char	   *id_column;		/* names as stored, unquoted */
	char	   *image_column;
	char	   *group_column;	/* NULL: one group, key "" */
	HackImageFormat format;
	const char *format_name;
	NnArch		arch;
	HackImageShape shape;
	int			dim;
} CatalogModel;

/* What a caller wants to do with a model it looks up. */
typedef enum CatalogAccess
{
	CATALOG_USE,				/* see it: 42704 when not visible */
	CATALOG_OWN					/* change it: 42501 unless a member of its owner */
} CatalogAccess;

/* One group of a model, as training stores it. */
typedef struct CatalogGroupResult
{
	const char *group;
	const char *params_json;	/* the training's parameters */
	const char *metrics_json;
	const NnModel *net;
	int			n;
	const int64 *ids;
	const double *embeddings;	/* n x dim */
	const double *particles;	/* by particle index, n x dim */
	const int  *assignment;		/* particle index of each row */
	const int64 *hashes;
} CatalogGroupResult;

/* A stored embedding's key and image hash (hack_refresh's view of a model). */
typedef struct CatalogEmbedding
{
	int64		id;
	const char *group;
	int64		image_hash;		/* 0 when NULL */
	bool		has_hash;
} CatalogEmbedding;

/* lookups */
extern bool catalog_model_find(const char *model, CatalogModel *m);
extern void catalog_model_get(const char *model, CatalogModel *m, CatalogAccess access);
extern bool catalog_model_visible(Oid owner, Oid source);
extern void catalog_check_owner(const CatalogModel *m);
extern void catalog_check_model_name(const char *name);
extern void catalog_model_missing(const char *model, const char *group) pg_attribute_noreturn();
extern List *catalog_group_keys(const CatalogModel *m);
extern List *catalog_check_group(const CatalogModel *m, const char *group);
extern NnModel *catalog_group_network(const CatalogModel *m, const char *group,
									  bool missing_ok, int64 *n_rows);
extern NnModel *catalog_network_from_blob(const CatalogModel *m, const char *group,
										  const bytea *blob, bool from_archive);
extern int	catalog_embeddings_of(const CatalogModel *m, CatalogEmbedding **out);
extern uint64 catalog_visible_embeddings(const char *model);

/* pictures: hack_plot's points, hack_gallery's rows */
typedef struct CatalogPoints
{
	int			n;
	int64	   *ids;
	double	   *xy;				/* n x the model's dim */
	int		   *group_index;	/* position of each row's group in the keys */
} CatalogPoints;

typedef struct CatalogNormRow
{
	int64		id;
	double		norm;
	bytea	   *image;			/* detoasted, never NULL */
} CatalogNormRow;

extern void catalog_model_points(const CatalogModel *m, const char *group, List *keys,
								 int max_points, CatalogPoints *out);
extern int	catalog_group_by_norm(const CatalogModel *m, const char *relname,
								  const char *id_col, const char *image_col,
								  const char *group, int n, bool largest,
								  CatalogNormRow *rows);

/* the per-backend cache (hack_embed, the trigger) */
extern void catalog_cache_begin(void);
extern const CatalogModel *catalog_model_cached(const char *model);
extern NnModel *catalog_network_cached(const CatalogModel *m, const char *group,
									   bool missing_ok);
extern void catalog_register_callbacks(void);

/* writes, as the extension's owner */
extern bool catalog_train_prepare(CatalogModel *def, bool resume);
extern void catalog_group_save(const CatalogModel *def, const CatalogGroupResult *g);
extern void catalog_embeddings_upsert(const CatalogModel *m, const char *group, int n,
									  const int64 *ids, const double *emb, double curvature,
									  const int64 *hashes);
extern uint64 catalog_embeddings_delete(const CatalogModel *m, const char *group, int n,
										const int64 *ids);
extern bool catalog_drop(const char *model, const char *group);
extern void catalog_rename(const char *model, const char *new_name);
extern void catalog_set_owner(const char *model, Oid new_owner);

/* export and import */
typedef struct CatalogGroupBlob
{
	char	   *group;
	bytea	   *weights;
	char	   *normalisation;	/* JSON text */
	char	   *metrics;		/* JSON text */
	int64		n_rows;
	NnModel    *net;			/* decoded, when catalog_archive_read keeps it */
} CatalogGroupBlob;

extern char *catalog_model_params(const CatalogModel *m);
extern List *catalog_group_blobs(const CatalogModel *m);
extern void catalog_import(const CatalogModel *def, const char *params_json, List *groups);
extern char *catalog_archive_read(const bytea *blob, CatalogModel *def, List **groups,
								  bool keep_networks);

extern Oid	catalog_point_type(void);
extern const char *catalog_hack_schema(void);

#endif							/* HACK_CATALOG_H */
