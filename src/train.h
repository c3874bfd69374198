/*
 * train.h
 *	  Glue shared by the training procedure, the model store and hack_embed.
 */
#ifndef HACK_TRAIN_H
#define HACK_TRAIN_H

#include "postgres.h"

#include "nodes/pg_list.h"

#include "core/nn_model.h"
#include "core/tensor.h"
#include "core/hack_train.h"

/* The table a model trains on, checked and with its names quoted. */
typedef struct TrainSource
{
	Oid			relid;
	char	   *relname;		/* schema-qualified and quoted */
	char	   *id_col;			/* quoted */
	char	   *image_col;		/* quoted */
	char	   *group_col;		/* quoted, or NULL for one group */
	char	   *id_name;		/* the names as given, unquoted */
	char	   *image_name;
	char	   *group_name;		/* NULL for one group */
	HackImageShape shape;
	HackImageFormat format;
	bool		skip_invalid;	/* skip rows with NULL or bad images */
} TrainSource;

/* The images of one group, in id order. */
typedef struct GroupImages
{
	int			n;
	int64	   *ids;
	float	   *images;			/* n x C x H x W, palloc'd (huge) */
	int64	   *hashes;			/* hack_image_hash of each raw image */
	int64		skipped;		/* rows skipped because of skip_invalid */
} GroupImages;

extern void train_source_open(TrainSource *src, Oid relid, const char *id_col,
							  const char *image_col, const char *group_col);
extern List *train_source_groups(const TrainSource *src);
extern void train_source_read(const TrainSource *src, const char *group,
							  GroupImages *out);

/* What the model store keeps of one trained group. */
typedef struct StoredModel
{
	const char *model;
	const char *group;
	const char *params_json;
	const char *metrics_json;
	Oid			source;			/* the table trained on */
	NnModel    *net;
	const GroupImages *images;
	const HackTrainResult *result;
} StoredModel;

extern void model_store_save(const StoredModel *sm);
extern NnModel *model_store_get(const char *model, const char *group);
extern NnModel *model_store_load(const char *model, const char *group,
								 bool missing_ok, int64 *n_rows, Oid *source);
extern void model_store_upsert(const char *model, const char *group, int n,
							   const int64 *ids, const double *emb, int dim,
							   double curvature, const int64 *hashes);
extern uint64 model_store_delete(const char *model, const char *group, int n,
								 const int64 *ids);

/* embed.c */
extern void embed_image(NnModel *net, const bytea *image, HackImageFormat format,
						double *emb);

/* image_hash.c */
extern int64 hack_image_hash_of(const bytea *image);

/* refresh.c: embed the rows of a group that lack an up-to-date embedding */
typedef struct RefreshCounts
{
	int64		embedded;		/* rows that had no embedding */
	int64		updated;		/* rows whose image changed */
	int64		deleted;		/* embeddings of rows gone (or now NULL) */
	int64		skipped;		/* rows whose image cannot be decoded */
} RefreshCounts;

extern void model_source_lookup(const char *model, const char *group,
								TrainSource *src);
extern void refresh_group(const char *model, const char *group, Oid self,
						  int batch_size, bool atomic, RefreshCounts *counts);
extern void model_store_register_callbacks(void);
extern Oid	hack_poincare_type_oid(void);

#endif							/* HACK_TRAIN_H */
