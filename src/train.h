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
extern void model_store_register_callbacks(void);
extern Oid	hack_poincare_type_oid(void);

#endif							/* HACK_TRAIN_H */
