/*
 * train_worker.c
 *	  hack_train_group(job, id, image, group ORDER BY id): the training of
 *	  one group, as an aggregate, where the group's rows live.
 *
 * On a Citus cluster CALL hack_train on the coordinator sends
 *
 *	SELECT hack_group_key(g), hack_train_group($job, id, img, g ORDER BY id)
 *	FROM source WHERE g = ANY ($values) AND hack_group_key(g) = ANY ($keys)
 *	GROUP BY g, hack_group_key(g)
 *
 * (train_cluster.c); grouped by the distribution column, Citus runs the
 * whole aggregate on the worker holding each group, in parallel across
 * workers.  The transition decodes each image as train_source.c does on
 * one server; the final function trains with the same code
 * (train_network) and returns the trained group as one bytea
 * (core/cluster_msg.h), which the coordinator validates and stores.  The
 * aggregate writes nothing and reads no catalogue: it is a computation
 * on its arguments, like hack_pack, and any role may call it.
 *
 * The job is read once per group, on its first row, and the group looked
 * up in it there; the images grow in the aggregate's context, so a cancel
 * or an error frees them with the query.
 */
#include "hack.h"
#include "group_key.h"
#include "train.h"
#include "train_source.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "core/cluster_msg.h"
#include "core/nn_serial.h"

PG_FUNCTION_INFO_V1(hack_train_group_step);
PG_FUNCTION_INFO_V1(hack_train_group_final);

/* The aggregate's state: the job, read once, and the group's rows so far. */
typedef struct GroupState
{
	bytea	   *msg;			/* the first row's job message, copied */
	HackTrainJob job;			/* read from msg; groups palloc'd */
	const HackJobGroup *group;	/* the job's entry for this group */
	char	   *key;			/* the group's key */
	HackImageShape shape;		/* of the job's encoder */
	GroupImages images;
	int			cap;
	int64		last_id;
} GroupState;

/* The job's entry for a group, or 22023. */
static const HackJobGroup *
job_group(const HackTrainJob *job, const char *key)
{
	for (int i = 0; i < job->n_groups; i++)
		if (job->groups[i].key_len == strlen(key) &&
			memcmp(job->groups[i].key, key, job->groups[i].key_len) == 0)
			return &job->groups[i];
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("group \"%s\" is not one of the job's groups", key)));
	return NULL;				/* keep the compiler quiet */
}

/*
 * The state of a group's first row, in the aggregate's context: the job
 * read (22P03 if it is none) and its entry for the group found (22023)
 * before any image is decoded.
 */
static GroupState *
group_state(Datum msg, const char *key)
{
	GroupState *st = palloc0(sizeof(GroupState));
	HackTrainJob job;
	HackError	err;
	size_t		size;

	st->msg = DatumGetByteaPCopy(msg);
	st->key = pstrdup(key);
	if (hack_job_read((const uint8_t *) VARDATA_ANY(st->msg), VARSIZE_ANY_EXHDR(st->msg), &job,
					  &err) != HACK_OK)
		hack_raise(&err);
	/* the groups into palloc'd memory, so an error frees them with the query */
	size = sizeof(HackJobGroup) * job.n_groups;
	st->job = job;
	st->job.groups = palloc(size);
	memcpy(st->job.groups, job.groups, size);
	hack_job_free(&job);
	st->group = job_group(&st->job, st->key);
	st->shape.channels = st->job.cfg.channels;
	st->shape.height = st->job.cfg.height;
	st->shape.width = st->job.cfg.width;
	return st;
}

/* hack_train_group_step(state, job, id, image, group) */
Datum
hack_train_group_step(PG_FUNCTION_ARGS)
{
	MemoryContext agg_cxt;
	GroupState *st = PG_ARGISNULL(0) ? NULL : (GroupState *) PG_GETARG_POINTER(0);
	int64		id;
	char	   *key;

	if (!AggCheckCallContext(fcinfo, &agg_cxt))
		elog(ERROR, "hack_train_group_step called in a non-aggregate context");
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("hack_train_group needs a job, an id and a group on every row")));
	id = PG_GETARG_INT64(2);
	key = hack_group_key_of(PG_GETARG_DATUM(4), get_fn_expr_argtype(fcinfo->flinfo, 4));
	if (st == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(agg_cxt);

		st = group_state(PG_GETARG_DATUM(1), key);
		MemoryContextSwitchTo(old);
	}
	else
	{
		if (strcmp(key, st->key) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("hack_train_group got rows of groups \"%s\" and \"%s\"", st->key, key),
					 errhint("Call it with GROUP BY the group column.")));
		if (id == st->last_id)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("duplicate id " INT64_FORMAT " in group \"%s\"", id, st->key),
					 errdetail("Every row needs its own id: embeddings are stored by id.")));
		if (id < st->last_id)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("hack_train_group needs its rows in id order"),
					 errhint("Call it as hack_train_group(job, id, image, group ORDER BY id).")));
	}
	st->last_id = id;
	train_source_add_image(&st->images, &st->cap, agg_cxt, id,
						   PG_ARGISNULL(3) ? NULL : (bytea *) PG_GETARG_POINTER(3),
						   st->job.format, &st->shape, st->job.skip_invalid);
	PG_RETURN_POINTER(st);
}

/* The network to resume from, checked against the job's encoder; NULL for none. */
static NnModel *
warm_network(const HackTrainJob *job, const HackJobGroup *g, const char *where)
{
	if (g->warm == NULL)
		return NULL;
	return train_network_received(g->warm, g->warm_len, &job->cfg,
								  psprintf("the network to resume %s from", where));
}

/* The trained group as a bytea message. */
static bytea *
encode_group(const GroupState *st, const HackTrainResult *result, const NnModel *net,
			 TimestampTz started, const char *where)
{
	HackGroupMsg m;
	HackError	err;
	uint8_t    *buf;
	size_t		len;
	size_t		wlen = nn_model_blob_size(net);
	uint8_t    *w = palloc(wlen);

	nn_model_write(net, w);
	train_group_metrics(&m, result, st->images.skipped, started, GetCurrentTimestamp());
	m.weights = w;
	m.weights_len = wlen;
	m.ids = st->images.ids;
	m.hashes = st->images.hashes;
	m.assignment = result->assignment;
	m.embeddings = result->embeddings;
	m.particles = result->particles;
	if (hack_group_msg_write(&m, &buf, &len, &err) != HACK_OK)
		hack_raise(&err);
	return hack_bytea_from_core(buf, len, psprintf("the trained %s", where));
}

/* encode_group, freeing result and net whatever happens. */
static bytea *
group_message(const GroupState *st, HackTrainResult *result, NnModel *net,
			  TimestampTz started, const char *where)
{
	bytea	   *out = NULL;

	PG_TRY();
	{
		out = encode_group(st, result, net, started, where);
	}
	PG_CATCH();
	{
		hack_train_result_free(result);
		nn_model_free(net);
		PG_RE_THROW();
	}
	PG_END_TRY();
	hack_train_result_free(result);
	nn_model_free(net);
	return out;
}

/* hack_train_group_final(state): train, and return the group as a message. */
Datum
hack_train_group_final(PG_FUNCTION_ARGS)
{
	GroupState *st = PG_ARGISNULL(0) ? NULL : (GroupState *) PG_GETARG_POINTER(0);
	TimestampTz started = GetCurrentTimestamp();
	const HackTrainJob *job;
	char	   *model;
	const char *where;
	TrainRun	run;
	HackTrainResult result;
	NnModel    *net;

	if (st == NULL)
		PG_RETURN_NULL();
	job = &st->job;
	model = pnstrdup(job->model, job->model_len);
	where = psprintf("group \"%s\" of model %s", st->key, model);
	memset(&run, 0, sizeof(run));
	memset(&result, 0, sizeof(result));
	run.model = model;
	run.group = st->key;
	run.group_no = st->group->group_no;
	run.groups = job->groups_total;
	run.resumed_from = st->group->resumed_from;
	train_check_rows(&st->images, &job->params, model, where);
	net = warm_network(job, st->group, where);
	net = train_network(&job->cfg, job->format, job->normalise_none, &job->params, net,
						&st->images, &run, &result);
	PG_RETURN_BYTEA_P(group_message(st, &result, net, started, where));
}
