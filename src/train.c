/*
 * train.c
 *	  CALL hack_train(...): HACK on the images of a table, group by group.
 *
 * For each group (each distinct value of group_column, or the whole table)
 * the procedure reads the images (train_source.c), builds and initialises
 * the encoder, runs the HACK loop in the core (core/train_loop.c), and
 * replaces the group's model and embeddings (catalog.c).
 *
 * Transactions.  Called outside a transaction block (CALL is then
 * non-atomic), it commits after each group, so a ten-class job that fails
 * in class seven keeps classes one to six.  Inside a transaction block it
 * cannot commit and is all-or-nothing.  Either way a group is written in
 * one transaction, so an interrupted group leaves its previous results.
 *
 * Progress.  A NOTICE per epoch, and the backend's pg_stat_activity query
 * text is set to "hack_train progress: {json}" so that another session can
 * follow the job through the hack.training_progress view (other users see
 * it only with pg_read_all_stats, as for any query text).
 *
 * The core allocates with malloc; everything it holds is freed in a
 * PG_FINALLY block so that an error or a cancel leaks nothing.
 */
#include "hack.h"
#include "catalog.h"
#include "refresh.h"
#include "train.h"
#include "train_source.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "blas.h"
#include "call_job.h"
#include "core/train_loop.h"
#include "core/nn_augment.h"
#include "core/nn_serial.h"
#include "core/progress_line.h"

PG_FUNCTION_INFO_V1(hack_train);

#define REFRESH_BATCH 1000		/* rows per batch of the catch-up */

/*
 * Argument positions: hack--1.0.sql (and 1.1) declare the first
 * A_NARGS_1_0, 1.2 appends the rest.  A database not yet updated to 1.2
 * calls with the old count, and the new parameters take 1.2's defaults
 * (the Euclidean gradient: those versions' behaviour); from 1.3 on the
 * SQL default of riemannian_grad is true, passed like any argument.
 */
enum
{
	A_MODEL, A_SOURCE, A_ID, A_IMAGE, A_GROUP, A_HEIGHT, A_WIDTH, A_CHANNELS,
	A_FORMAT, A_ARCH, A_HIDDEN, A_DIM, A_EPOCHS, A_BATCH, A_LR, A_MOMENTUM,
	A_WEIGHT_DECAY, A_REASSIGN, A_RADIUS, A_K, A_PACK_EPOCHS, A_PACK_LR,
	A_CLIP_R, A_SEED, A_SKIP_INVALID, A_RESUME, A_IF_BUSY, A_NARGS_1_0,
	A_RIEMANNIAN_GRAD = A_NARGS_1_0, A_NORMALISE, A_LR_FLOOR, A_LR_SCHEDULE,
	A_REASSIGN_PHASE, A_NARGS
};

/* An argument that must not be NULL. */
static Datum
required(FunctionCallInfo fcinfo, int i, const char *name)
{
	if (PG_ARGISNULL(i))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("hack_train parameter %s must not be NULL", name)));
	return PG_GETARG_DATUM(i);
}

/* An argument of 1.2, or NULL (its default) when called through 1.0's signature. */
static bool
has_arg(FunctionCallInfo fcinfo, int i)
{
	return PG_NARGS() > i;
}

/* The 1.2 arguments: the differences from the reference, as parameters. */
static void
parse_reference_args(FunctionCallInfo fcinfo, TrainArgs *a)
{
	char	   *normalise = "group";
	char	   *schedule = "step";

	if (has_arg(fcinfo, A_RIEMANNIAN_GRAD))
		a->params.riemannian_grad = DatumGetBool(required(fcinfo, A_RIEMANNIAN_GRAD, "riemannian_grad"));
	if (has_arg(fcinfo, A_NORMALISE))
		normalise = TextDatumGetCString(required(fcinfo, A_NORMALISE, "normalise"));
	if (strcmp(normalise, "none") == 0)
		a->normalise_none = true;
	else if (strcmp(normalise, "group") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("normalise must be group or none, not \"%s\"", normalise)));
	/* 'none' scales by the encoding's range, so it must know the encoding */
	if (a->normalise_none && a->def.format == HACK_IMAGE_AUTO)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("normalise => 'none' needs an explicit format"),
				 errhint("Pass format => 'u8', 'png' or 'jpeg' (pixels / 255), 'f32' or 'npy' (values as stored).")));
	a->lr_floor = 0.0;
	if (has_arg(fcinfo, A_LR_FLOOR))
		a->lr_floor = DatumGetFloat8(required(fcinfo, A_LR_FLOOR, "lr_floor"));
	if (!(a->lr_floor >= 0.0 && a->lr_floor <= 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lr_floor must be in [0, 1], got %g", a->lr_floor)));
	if (has_arg(fcinfo, A_LR_SCHEDULE))
		schedule = TextDatumGetCString(required(fcinfo, A_LR_SCHEDULE, "lr_schedule"));
	if (strcmp(schedule, "step") == 0)
		a->params.lr_schedule = HACK_LR_STEP;
	else if (strcmp(schedule, "epoch") == 0)
		a->params.lr_schedule = HACK_LR_EPOCH;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lr_schedule must be step or epoch, not \"%s\"", schedule)));
	if (has_arg(fcinfo, A_REASSIGN_PHASE))
		a->params.reassign_phase = DatumGetInt32(required(fcinfo, A_REASSIGN_PHASE, "reassign_phase"));
}

/* Read and check every argument. */
static void
parse_args(FunctionCallInfo fcinfo, TrainArgs *a)
{
	HackError	err;
	char	   *fmt;
	char	   *arch;

	memset(a, 0, sizeof(*a));
	a->model = TextDatumGetCString(required(fcinfo, A_MODEL, "model"));
	catalog_check_model_name(a->model);
	a->def.model = a->model;
	a->def.shape.height = DatumGetInt32(required(fcinfo, A_HEIGHT, "height"));
	a->def.shape.width = DatumGetInt32(required(fcinfo, A_WIDTH, "width"));
	a->def.shape.channels = DatumGetInt32(required(fcinfo, A_CHANNELS, "channels"));
	hack_check(hack_image_shape_check(&a->def.shape, &err), &err);
	fmt = TextDatumGetCString(required(fcinfo, A_FORMAT, "format"));
	hack_check(hack_image_format_parse(fmt, &a->def.format, &err), &err);
	a->format_name = fmt;
	a->def.format_name = fmt;
	a->def.source = DatumGetObjectId(required(fcinfo, A_SOURCE, "source"));
	a->def.id_column = pstrdup(NameStr(*DatumGetName(required(fcinfo, A_ID, "id_column"))));
	a->def.image_column = pstrdup(NameStr(*DatumGetName(required(fcinfo, A_IMAGE, "image_column"))));
	a->def.group_column = PG_ARGISNULL(A_GROUP) ? NULL : pstrdup(NameStr(*PG_GETARG_NAME(A_GROUP)));

	arch = TextDatumGetCString(required(fcinfo, A_ARCH, "architecture"));
	hack_check(nn_arch_from_name(arch, &a->def.arch, &err), &err);
	nn_config_default(&a->cfg, a->def.arch, a->def.shape.channels,
					  a->def.shape.height, a->def.shape.width,
					  DatumGetInt32(required(fcinfo, A_DIM, "dim")));
	a->cfg.clip_r = DatumGetFloat8(required(fcinfo, A_CLIP_R, "clip_r"));
	if (a->cfg.arch == NN_ARCH_MLP)
	{
		ArrayType  *h = DatumGetArrayTypeP(required(fcinfo, A_HIDDEN, "hidden"));
		int			nh = ArrayGetNItems(ARR_NDIM(h), ARR_DIMS(h));

		if (ARR_NDIM(h) > 1 || ARR_HASNULL(h) || nh > NN_MAX_HIDDEN)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("hidden must be a 1-D integer array of at most %d sizes without NULLs",
							NN_MAX_HIDDEN)));
		a->cfg.n_hidden = nh;
		memcpy(a->cfg.hidden, ARR_DATA_PTR(h), sizeof(int) * nh);
	}
	hack_check(nn_config_check(&a->cfg, &err), &err);
	a->def.dim = a->cfg.dim;

	hack_train_defaults(&a->params);
	a->params.epochs = DatumGetInt32(required(fcinfo, A_EPOCHS, "epochs"));
	a->params.batch_size = DatumGetInt32(required(fcinfo, A_BATCH, "batch_size"));
	a->params.lr = DatumGetFloat8(required(fcinfo, A_LR, "lr"));
	a->params.sgd.momentum = DatumGetFloat8(required(fcinfo, A_MOMENTUM, "momentum"));
	a->params.sgd.weight_decay = DatumGetFloat8(required(fcinfo, A_WEIGHT_DECAY, "weight_decay"));
	a->params.reassign_every = DatumGetInt32(required(fcinfo, A_REASSIGN, "reassign_every"));
	a->params.pack.radius = DatumGetFloat8(required(fcinfo, A_RADIUS, "radius"));
	a->params.pack.k = DatumGetFloat8(required(fcinfo, A_K, "k"));
	a->params.pack.epochs = DatumGetInt32(required(fcinfo, A_PACK_EPOCHS, "pack_epochs"));
	a->params.pack.lr = DatumGetFloat8(required(fcinfo, A_PACK_LR, "pack_lr"));
	a->params.seed = (uint64) DatumGetInt64(required(fcinfo, A_SEED, "seed"));
	parse_reference_args(fcinfo, a);
	if (!(a->params.lr > 0.0) || !isfinite(a->params.lr))
		a->params.lr_min = 0.0; /* let hack_train_check report lr */
	else
		a->params.lr_min = a->lr_floor * a->params.lr;
	hack_check(hack_train_check(&a->params, &err), &err);
	a->resume = DatumGetBool(required(fcinfo, A_RESUME, "resume"));
	a->if_busy = model_lock_parse_busy(TextDatumGetCString(required(fcinfo, A_IF_BUSY, "if_busy")));
	a->skip_invalid = DatumGetBool(required(fcinfo, A_SKIP_INVALID, "skip_invalid"));
	{
		/* the packing's own checks need a valid n; 2 is the smallest group */
		HackPackParams pp = a->params.pack;

		pp.n = 2;
		pp.dim = a->cfg.dim;
		hack_check(hack_pack_check(&pp, &err), &err);
	}
}

/*
 * A float8 as a JSON number with the shortest digits that read back
 * exactly, as float8out prints it: lr => 0.1 is stored as 0.1, not as
 * %.17g's 0.10000000000000001 (jsonb keeps a number's digits as given).
 * The arguments are checked finite; a non-finite value would be null.
 */
static char *
json_float8(double v, char *buf)
{
	if (!isfinite(v))
		return strcpy(buf, "null");
	double_to_shortest_decimal_buf(v, buf);
	return buf;
}

/* The parameters as stored in hack.models.params. */
char *
train_params_json(const TrainArgs *a, const NnModel *net)
{
	StringInfoData s;
	char		num[8][DOUBLE_SHORTEST_DECIMAL_LEN];

	initStringInfo(&s);
	appendStringInfo(&s,
					 "{\"architecture\": \"%s\", \"channels\": %d, \"height\": %d, \"width\": %d,"
					 " \"dim\": %d, \"clip_r\": %s, \"epochs\": %d, \"batch_size\": %d,"
					 " \"lr\": %s, \"momentum\": %s, \"weight_decay\": %s,"
					 " \"reassign_every\": %d, \"radius\": %s, \"k\": %s,"
					 " \"pack_epochs\": %d, \"pack_lr\": %s, \"seed\": " UINT64_FORMAT ","
					 " \"format\": \"%s\", \"resume\": %s, ",
					 nn_arch_name(a->cfg.arch), a->cfg.channels, a->cfg.height, a->cfg.width,
					 a->cfg.dim, json_float8(a->cfg.clip_r, num[0]), a->params.epochs,
					 a->params.batch_size, json_float8(a->params.lr, num[1]),
					 json_float8(a->params.sgd.momentum, num[2]),
					 json_float8(a->params.sgd.weight_decay, num[3]),
					 a->params.reassign_every, json_float8(a->params.pack.radius, num[4]),
					 json_float8(a->params.pack.k, num[5]),
					 a->params.pack.epochs, json_float8(a->params.pack.lr, num[6]), a->params.seed,
					 a->format_name, a->resume ? "true" : "false");
	appendStringInfo(&s,
					 "\"riemannian_grad\": %s, \"normalise\": \"%s\", \"lr_floor\": %s,"
					 " \"lr_schedule\": \"%s\", \"reassign_phase\": %d, \"id_column\": ",
					 a->params.riemannian_grad ? "true" : "false",
					 nn_normalisation_is_raw(net, a->def.format) ? "none" : "group",
					 json_float8(a->lr_floor, num[7]),
					 a->params.lr_schedule == HACK_LR_EPOCH ? "epoch" : "step",
					 a->params.reassign_phase);
	/* how later jobs (hack_refresh, the trigger) read the source */
	escape_json(&s, a->def.id_column);
	appendStringInfoString(&s, ", \"image_column\": ");
	escape_json(&s, a->def.image_column);
	appendStringInfoString(&s, ", \"group_column\": ");
	if (a->def.group_column)
		escape_json(&s, a->def.group_column);
	else
		appendStringInfoString(&s, "null");
	appendStringInfoChar(&s, '}');
	return s.data;
}

/* The metrics of a training run, as a worker sends them (cluster_msg.h). */
void
train_group_metrics(HackGroupMsg *m, const HackTrainResult *r, int64 skipped,
					TimestampTz started, TimestampTz finished)
{
	const HackPackStats *p = &r->pack_stats;

	m->n = r->n;
	m->dim = r->dim;
	m->skipped = skipped;
	m->first_loss = r->first_loss;
	m->final_loss = r->final_loss;
	m->pack_seconds = r->pack_seconds;
	m->train_seconds = r->train_seconds;
	m->images_per_sec = r->images_per_sec;
	m->nn_mean = p->nn_mean;
	m->nn_cv = p->nn_cv;
	m->nn_min = p->nn_min;
	m->max_norm = p->max_norm;
	m->started_at = started;
	m->finished_at = finished;
}

/* A timestamp as ISO 8601 in UTC, whatever the session's settings. */
static char *
iso_timestamp(TimestampTz t)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (timestamp2tm(t, NULL, &tm, &fsec, NULL, NULL) != 0)
		return pstrdup("null");
	return psprintf("\"%04d-%02d-%02dT%02d:%02d:%02d.%06dZ\"", tm.tm_year, tm.tm_mon,
					tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int) fsec);
}

/*
 * Training metrics as stored in hack.model_groups.metrics; node is the
 * worker that trained the group ("host:port"), or NULL on one server.
 */
char *
train_metrics_json(const HackGroupMsg *m, int64 resumed_from, const char *node)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfo(&s,
					 "{\"rows\": %d, \"skipped\": " INT64_FORMAT ", \"first_loss\": %.9g,"
					 " \"final_loss\": %.9g, \"pack_seconds\": %.3f, \"train_seconds\": %.3f,"
					 " \"images_per_second\": %.1f, \"packing\": {\"nn_mean\": %.9g,"
					 " \"nn_cv\": %.9g, \"nn_min\": %.9g, \"max_norm\": %.9g},"
					 " \"started_at\": %s, \"finished_at\": %s",
					 m->n, (int64) m->skipped, m->first_loss, m->final_loss, m->pack_seconds,
					 m->train_seconds, m->images_per_sec, m->nn_mean, m->nn_cv, m->nn_min,
					 m->max_norm, iso_timestamp(m->started_at), iso_timestamp(m->finished_at));
	if (resumed_from >= 0)
		appendStringInfo(&s, ", \"resumed_from_rows\": " INT64_FORMAT, resumed_from);
	if (node != NULL)
	{
		appendStringInfoString(&s, ", \"node\": ");
		escape_json(&s, node);
	}
	appendStringInfoChar(&s, '}');
	return s.data;
}

/*
 * The backend's query text becomes the progress line of an epoch of
 * run's group, for hack.training_progress.
 */
void
train_report_progress(const TrainRun *run, const HackEpochReport *rep)
{
	HackProgress line;
	char		activity[HACK_PROGRESS_LINE_MAX];

	memset(&line, 0, sizeof(line));
	strlcpy(line.model, run->model, sizeof(line.model));
	strlcpy(line.group, run->group, sizeof(line.group));
	line.group_no = run->group_no;
	line.groups = run->groups;
	line.rows = run->n;
	line.epoch = rep->epoch;
	line.epochs = rep->epochs;
	line.loss = rep->loss;
	line.images_per_second = rep->images_per_sec;
	line.eta_seconds = rep->eta;
	hack_progress_line_format(&line, activity);
	pgstat_report_activity(STATE_RUNNING, activity);
}

/* Per-epoch callback: live progress, NOTICE, and interrupts. */
static bool
on_epoch(void *arg, const HackEpochReport *rep)
{
	TrainRun   *run = (TrainRun *) arg;

	train_report_progress(run, rep);
	/*
	 * The NOTICE after the progress line: a client that asks
	 * hack.training_progress on seeing it finds this epoch there.
	 */
	ereport(NOTICE,
			(errmsg("hack_train %s%s%s: epoch %d/%d, loss %.4f, %.0f images/s, ETA %.0f s",
					run->model, run->group[0] ? " group " : "", run->group,
					rep->epoch, rep->epochs, rep->loss, rep->images_per_sec, rep->eta)));
	return hack_interrupt_callback(NULL, rep->epoch, rep->epochs);
}

/*
 * A network received from another server (a worker's trained group, a
 * job's network to resume from): read, validated, and checked to be the
 * encoder cfg asks for; 22P03 naming what otherwise.
 */
NnModel *
train_network_received(const uint8_t *blob, size_t len, const NnConfig *cfg, const char *what)
{
	NnModel    *net = NULL;
	HackError	err;

	if (nn_model_read(blob, len, &net, &err) != HACK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("%s: unreadable weights: %s", what, err.message)));
	if (train_config_differs(&net->cfg, cfg))
	{
		nn_model_free(net);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("%s: a network of another shape than the one asked for", what)));
	}
	return net;
}

/* Do two encoder shapes differ? (clip_r and curvature are the stored model's) */
bool
train_config_differs(const NnConfig *x, const NnConfig *y)
{
	return x->arch != y->arch || x->channels != y->channels || x->height != y->height ||
		x->width != y->width || x->dim != y->dim ||
		(x->arch == NN_ARCH_MLP &&
		 (x->n_hidden != y->n_hidden ||
		  memcmp(x->hidden, y->hidden, sizeof(int) * x->n_hidden) != 0));
}

/*
 * The stored network of the group to resume from (weights and input
 * normalisation), or NULL, after a NOTICE, when the group has none yet;
 * 22023 if its shape is not the one asked for.
 */
NnModel *
train_warm_model(const TrainArgs *a, TrainRun *run)
{
	NnModel    *net = catalog_group_network(&a->def, run->group, true, &run->resumed_from);

	if (net == NULL)
	{
		run->resumed_from = -1;
		ereport(NOTICE,
				(errmsg("hack_train %s%s%s: no stored model to resume, training from scratch",
						run->model, run->group[0] ? " group " : "", run->group)));
		return NULL;
	}
	if (train_config_differs(&net->cfg, &a->cfg))
	{
		NnConfig	c = net->cfg;

		nn_model_free(net);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot resume model \"%s\": the stored encoder has another shape", a->model),
				 errdetail("Stored: %s, %d x %d x %d images, dim %d; asked: %s, %d x %d x %d images, dim %d%s.",
						   nn_arch_name(c.arch), c.channels, c.height, c.width, c.dim,
						   nn_arch_name(a->cfg.arch), a->cfg.channels, a->cfg.height,
						   a->cfg.width, a->cfg.dim,
						   c.arch == NN_ARCH_MLP ? " (or other hidden sizes)" : ""),
				 errhint("Pass the stored parameters (see hack.models.params), or resume => false to train afresh.")));
	}
	return net;
}

/*
 * 22023 for a group too small to train, a NOTICE for a batch larger than
 * it; where names the group.
 */
void
train_check_rows(const GroupImages *g, const HackTrainParams *params, const char *model,
				 const char *where)
{
	if (g->skipped > 0)
		ereport(NOTICE,
				(errmsg("hack_train %s: skipped " INT64_FORMAT " rows with NULL or invalid images",
						model, g->skipped)));
	if (g->n < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s has %d usable rows; HACK needs at least 2", where, g->n)));
	if (params->batch_size > g->n)
		ereport(NOTICE,
				(errmsg("batch_size %d exceeds the %d rows of %s; using them all as one batch",
						params->batch_size, g->n, where)));
}

/*
 * Train a network on the images of one group: warm, if given, is the
 * stored network to resume from (the result then is warm itself);
 * otherwise a new one is created, initialised from the seed and fitted
 * to the group's normalisation.  Returns the trained network; an error
 * is raised with the network freed.  Used on one server and on the
 * workers of a cluster alike, so both train the same.
 */
NnModel *
train_network(const NnConfig *cfg, HackImageFormat format, bool normalise_none,
			  const HackTrainParams *params, NnModel *warm, const GroupImages *g,
			  TrainRun *run, HackTrainResult *result)
{
	NnModel    *volatile net = warm;
	HackTrainParams p = *params;
	HackError	err;
	volatile HackStatus st = HACK_OK;

	p.warm_start = warm != NULL;
	run->n = g->n;
	PG_TRY();
	{
		if (net == NULL)
		{
			st = nn_model_create(cfg, (NnModel **) &net, &err);
			if (st == HACK_OK)
			{
				nn_model_init(net, p.seed);
				if (normalise_none)
					st = nn_set_raw_normalisation(net, format, &err);
				else
					st = nn_fit_normalisation(net, g->images, g->n, &err);
			}
		}
		if (st == HACK_OK)
			st = nn_set_threads(net, hack_blas_prepare(), &err);
		if (st == HACK_OK)
			st = hack_train_group(net, g->images, g->n, &p, result, on_epoch,
								  hack_interrupt_callback, run, &err);
		if (st != HACK_OK)
			hack_raise(&err);
	}
	PG_CATCH();
	{
		hack_train_result_free(result);
		if (net != NULL)
			nn_model_free(net);
		PG_RE_THROW();
	}
	PG_END_TRY();
	return net;
}

/* Train one group and write its results; frees every core allocation. */
static void
train_group(TrainArgs *a, TrainRun *run)
{
	GroupImages g;
	NnModel    *volatile net = NULL;
	HackTrainResult result;
	TimestampTz started = GetCurrentTimestamp();
	const char *where = run->group[0]
		? psprintf("group \"%s\" of %s", run->group, a->src.relname)
		: a->src.relname;

	memset(&result, 0, sizeof(result));
	train_source_read(&a->src, run->group, &g);
	train_check_rows(&g, &a->params, run->model, where);
	run->resumed_from = -1;
	if (a->resume)
		net = train_warm_model(a, run);
	net = train_network(&a->cfg, a->def.format, a->normalise_none, &a->params, net, &g, run,
						&result);
	PG_TRY();
	{
		HackGroupMsg m;

		train_group_metrics(&m, &result, g.skipped, started, GetCurrentTimestamp());
		m.ids = g.ids;
		m.hashes = g.hashes;
		m.assignment = result.assignment;
		m.embeddings = result.embeddings;
		m.particles = result.particles;
		train_save_group(a, run->group, net, &m, run->resumed_from, NULL);
	}
	PG_FINALLY();
	{
		hack_train_result_free(&result);
		nn_model_free(net);
	}
	PG_END_TRY();
}

/*
 * Store a trained group (its network, and the embeddings, particles and
 * metrics of m) as the model's group, replacing what it held; node is the
 * worker that trained it, or NULL.
 */
void
train_save_group(const TrainArgs *a, const char *group, const NnModel *net,
				 const HackGroupMsg *m, int64 resumed_from, const char *node)
{
	CatalogGroupResult cg;

	cg.group = group;
	cg.params_json = train_params_json(a, net);
	cg.metrics_json = train_metrics_json(m, resumed_from, node);
	cg.net = net;
	cg.n = m->n;
	cg.ids = m->ids;
	cg.embeddings = m->embeddings;
	cg.particles = m->particles;
	cg.assignment = m->assignment;
	cg.hashes = m->hashes;
	catalog_group_save(&a->def, &cg);
}

/*
 * Rows that reached the source while the group trained (or changed or
 * left it) are not in what was just stored: bring the group up to date
 * with the refresh code, so the ranking table never lags behind.
 */
void
train_catch_up(const TrainArgs *a, const TrainRun *run)
{
	RefreshCounts c;

	memset(&c, 0, sizeof(c));
	refresh_model(&a->def, run->group, REFRESH_BATCH, a->atomic, &c);
	if (c.embedded + c.updated + c.deleted > 0)
		ereport(NOTICE,
				(errmsg("hack_train %s: caught up with rows changed during training: "
						INT64_FORMAT " embedded, " INT64_FORMAT " updated, " INT64_FORMAT " deleted",
						a->model, c.embedded, c.updated, c.deleted)));
}

/*
 * Commit the group just stored when the CALL is non-atomic, and say so;
 * node is the worker that trained it, or NULL.
 */
void
train_commit_group(const TrainArgs *a, const TrainRun *run, const char *node)
{
	if (call_job_commit(a->atomic))
		ereport(NOTICE,
				(errmsg("hack_train %s: committed group %d of %d (%s)%s%s", a->model,
						run->group_no, run->groups, run->group[0] ? run->group : "all rows",
						node ? ", trained on " : "", node ? node : "")));
}

/* Train every group in turn, committing after each when non-atomic. */
static void
train_groups(TrainArgs *a, TrainRun *run, List *groups, MemoryContext group_cxt)
{
	MemoryContext job_cxt = CurrentMemoryContext;
	ListCell   *lc;
	int			i = 0;

	foreach(lc, groups)
	{
		run->group = (const char *) lfirst(lc);
		run->group_no = ++i;
		MemoryContextSwitchTo(group_cxt);
		train_group(a, run);
		MemoryContextSwitchTo(job_cxt);
		MemoryContextReset(group_cxt);
		train_commit_group(a, run, NULL);
		MemoryContextSwitchTo(group_cxt);
		train_catch_up(a, run);
		MemoryContextSwitchTo(job_cxt);
		MemoryContextReset(group_cxt);
	}
}

/* What train_job needs. */
typedef struct TrainJob
{
	TrainArgs  *a;
	TrainRun   *run;
	MemoryContext group_cxt;
} TrainJob;

/* The job, run under the model's lock. */
static void
train_job(void *arg)
{
	TrainJob   *job = (TrainJob *) arg;
	List	   *groups;

	if (train_cluster_applies(job->a))
	{
		train_cluster_groups(job->a, job->run, job->group_cxt);
		return;
	}
	groups = train_source_groups(&job->a->src);
	if (groups == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s has no rows to train on", job->a->src.relname)));
	job->run->groups = list_length(groups);
	train_groups(job->a, job->run, groups, job->group_cxt);
}

/* CALL hack_train(model => ..., source => ..., ...) */
Datum
hack_train(PG_FUNCTION_ARGS)
{
	CallJob		call;
	MemoryContext group_cxt;
	TrainArgs	a;
	TrainRun	run;

	if (PG_NARGS() != A_NARGS && PG_NARGS() != A_NARGS_1_0)
		elog(ERROR, "hack_train: expected %d or %d arguments, got %d", A_NARGS_1_0,
			 A_NARGS, PG_NARGS());
	call_job_begin(&call, fcinfo, "hack_train");
	group_cxt = AllocSetContextCreate(call.cxt, "hack_train group", ALLOCSET_DEFAULT_SIZES);
	parse_args(fcinfo, &a);
	/* whose model it is, and whether it fits, before any work */
	(void) catalog_train_prepare(&a.def, a.resume);
	train_source_open(&a.src, &a.def, a.skip_invalid);
	a.atomic = call.atomic;
	run.model = a.model;
	{
		TrainJob	job = {&a, &run, group_cxt};

		(void) call_job_run(&call, a.model, a.if_busy, train_job, &job);
	}
	pgstat_report_activity(STATE_RUNNING, debug_query_string ? debug_query_string : "CALL hack_train");
	call_job_end(&call);
	PG_RETURN_VOID();
}
