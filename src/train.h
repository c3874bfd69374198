/*
 * train.h
 *	  What CALL hack_train's parts share: the checked arguments, the state
 *	  of a run, and the training of one group's images (train.c), used on
 *	  one server and by the workers of a cluster (train_worker.c,
 *	  train_cluster.c).
 */
#ifndef HACK_TRAIN_H
#define HACK_TRAIN_H

#include "postgres.h"

#include "datatype/timestamp.h"

#include "catalog.h"
#include "model_lock.h"
#include "train_source.h"

#include "core/cluster_msg.h"
#include "core/train_loop.h"

/* Everything the caller passed, checked. */
typedef struct TrainArgs
{
	char	   *model;
	char	   *format_name;	/* as given: auto, u8, f32, npy, png or jpeg */
	CatalogModel def;			/* the model as hack.models will hold it */
	TrainSource src;
	NnConfig	cfg;
	HackTrainParams params;
	double		lr_floor;		/* params.lr_min as a fraction of lr */
	bool		normalise_none; /* normalise => 'none' */
	bool		resume;			/* warm-start from the stored models */
	bool		skip_invalid;	/* leave out rows with NULL or bad images */
	ModelBusy	if_busy;
	bool		atomic;
} TrainArgs;

/* State the progress callback needs. */
typedef struct TrainRun
{
	const char *model;
	const char *group;
	int			group_no;
	int			groups;
	int			n;
	int64		resumed_from;	/* rows of the stored model, or -1 */
} TrainRun;

extern NnModel *train_network(const NnConfig *cfg, HackImageFormat format, bool normalise_none,
							  const HackTrainParams *params, NnModel *warm,
							  const GroupImages *g, TrainRun *run, HackTrainResult *result);
extern void train_report_progress(const TrainRun *run, const HackEpochReport *rep);
extern void train_group_metrics(HackGroupMsg *m, const HackTrainResult *r, int64 skipped,
								TimestampTz started, TimestampTz finished);
extern char *train_metrics_json(const HackGroupMsg *m, int64 resumed_from, const char *node);
extern void train_save_group(const TrainArgs *a, const char *group, const NnModel *net,
							 const HackGroupMsg *m, int64 resumed_from, const char *node);
extern char *train_params_json(const TrainArgs *a, const NnModel *net);
extern NnModel *train_warm_model(const TrainArgs *a, TrainRun *run);
extern NnModel *train_network_received(const uint8_t *blob, size_t len, const NnConfig *cfg,
									   const char *what);
extern bool train_config_differs(const NnConfig *x, const NnConfig *y);
extern void train_check_rows(const GroupImages *g, const HackTrainParams *params,
							 const char *model, const char *where);
extern void train_commit_group(const TrainArgs *a, const TrainRun *run, const char *node);
extern void train_catch_up(const TrainArgs *a, const TrainRun *run);

/* train_cluster.c: the groups trained on the workers of a Citus cluster */
extern bool train_cluster_applies(const TrainArgs *a);
extern void train_cluster_groups(TrainArgs *a, TrainRun *run, MemoryContext group_cxt);

#endif							/* HACK_TRAIN_H */
