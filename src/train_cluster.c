/*
 * train_cluster.c
 *	  CALL hack_train on a Citus coordinator: the groups of a source
 *	  distributed by its group column train on the workers that hold them,
 *	  in parallel, and the coordinator stores the results in its own
 *	  catalogue (doc/scaling.md).
 *
 * The catalogue stays where it is: hack.models, hack.model_groups and
 * hack.embeddings are local tables of the coordinator, so every query on
 * them, their row security and their trust rules are those of one server.
 * What moves is the work.  For each round the coordinator sends one query
 * (as the model's owner, like every read of the source):
 *
 *	SELECT hack_group_key(s.g), hack_train_group($job, s.id, s.img, s.g ORDER BY s.id)
 *	FROM source s WHERE s.g = ANY ($values) AND hack_group_key(s.g) = ANY ($keys)
 *	GROUP BY s.g, hack_group_key(s.g)
 *
 * Grouped by the distribution column, Citus pushes the whole aggregate
 * down, so each group trains on its worker (train_worker.c); a round holds
 * up to hack.jobs_per_worker groups of each worker, and Citus's pool size
 * is set to the same number, so a worker trains that many at a time.
 * Workers relay their NOTICEs (each epoch) as they come.
 *
 * Nothing a worker returns is trusted: each trained group is checked by
 * hack_group_msg_read (ids ascending, a one-to-one assignment, points in
 * the ball, the model's dimension), its network by nn_model_read and
 * against the encoder asked for, and its norms are recomputed here.  Then
 * each group is saved as on one server, in its own transaction when the
 * CALL is non-atomic: a worker that fails or dies fails the round, the
 * groups of earlier rounds keep their new models and the others their
 * old ones, and a re-run completes.
 */
#include "hack.h"

#include <math.h>
#include "call_job.h"
#include "group_key.h"
#include "run_as.h"
#include "train.h"

#include "access/htup_details.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "core/cluster_msg.h"
#include "core/nn_serial.h"
#include "core/packing.h"

/* A group of the source: its key, its value, the worker holding it. */
typedef struct ClusterGroup
{
	char	   *key;
	Datum		value;			/* of the group column's type */
	int			group_no;		/* 1-based, in key order */
	int			node;			/* index into the job's nodes */
	bool		dispatched;		/* sent to its worker in a round */
	int64		resumed_from;	/* rows of the network it resumes from, or -1 */
	bytea	   *result;			/* the worker's message, this round */
} ClusterGroup;

typedef struct ClusterJob
{
	TrainArgs  *a;
	TrainRun   *run;
	ClusterGroup *groups;		/* in key order */
	int			n_groups;
	char	  **nodes;			/* "host:port" */
	int			n_nodes;
	int			first;			/* the first group not dispatched */
	int16		typlen;			/* of the group column */
	bool		typbyval;
	char		typalign;
} ClusterJob;

/* Is the source distributed (by hash) by its group column, on a cluster that trains there? */
bool
train_cluster_applies(const TrainArgs *a)
{
	Oid			types[1] = {OIDOID};
	Datum		vals[1] = {ObjectIdGetDatum(a->def.source)};
	bool		applies = false;

	if (!hack_distributed_training || a->def.group_column == NULL ||
		!OidIsValid(get_extension_oid("citus", true)))
		return false;
	if (SPI_execute_with_args("SELECT p.partmethod::pg_catalog.text,"
							  " pg_catalog.column_to_column_name(p.logicalrelid, p.partkey)"
							  " FROM pg_catalog.pg_dist_partition p"
							  " WHERE p.logicalrelid OPERATOR(pg_catalog.=) $1",
							  1, types, vals, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_dist_partition");
	if (SPI_processed == 1)
	{
		char	   *method = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		char	   *column = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);

		applies = method && strcmp(method, "h") == 0 && column &&
			strcmp(column, a->def.group_column) == 0;
		if (!applies && method && strcmp(method, "h") == 0)
			ereport(NOTICE,
					(errmsg("hack_train %s: %s is distributed by %s, not by its group column: the coordinator trains every group",
							a->model, a->src.relname, column ? quote_identifier(column) : "?"),
					 errhint("Distribute the table by the group column to train its groups on the workers.")));
	}
	SPI_freetuptable(SPI_tuptable);
	return applies;
}

/* The worker ("host:port") holding the shard of a group value. */
static char *
node_of(const ClusterJob *job, Datum value)
{
	Oid			types[2] = {OIDOID, job->a->src.group_type};
	Datum		vals[2] = {ObjectIdGetDatum(job->a->def.source), value};
	char	   *host;
	char	   *port;

	if (SPI_execute_with_args("SELECT p.nodename, p.nodeport FROM pg_catalog.pg_dist_shard_placement p"
							  " WHERE p.shardid OPERATOR(pg_catalog.=)"
							  " pg_catalog.get_shard_id_for_distribution_column($1::pg_catalog.regclass, $2)"
							  " ORDER BY p.placementid LIMIT 1",
							  2, types, vals, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("no worker holds a shard of %s", job->a->src.relname)));
	host = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	port = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	return psprintf("%s:%s", host, port);
}

/* Order ClusterGroup by key, bytewise, as train_source_groups does. */
static int
cmp_groups(const void *x, const void *y)
{
	return strcmp(((const ClusterGroup *) x)->key, ((const ClusterGroup *) y)->key);
}

/* The groups of the source, their values and workers, read as the owner. */
static void
list_groups(ClusterJob *job)
{
	const TrainSource *src = &job->a->src;
	MemoryContext cxt = CurrentMemoryContext;
	RunAs		as;
	uint64		n;

	get_typlenbyvalalign(src->group_type, &job->typlen, &job->typbyval, &job->typalign);
	run_as_begin(&as, src->owner);

	/*
	 * Grouped by the key too: values the type's "=" calls equal may print
	 * differently (numeric 1.0 and 1.00), and each key is a group of its
	 * own, as train_source_groups makes it on one server.
	 */
	if (SPI_execute(psprintf("SELECT s.%s FROM %s s GROUP BY s.%s, %s.hack_group_key(s.%s)",
							 src->group_col, src->relname, src->group_col,
							 catalog_hack_schema(), src->group_col),
					false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list the groups of %s", src->relname);
	n = SPI_processed;
	if (n > HACK_MAX_GROUPS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("group column %s of %s has more than %d distinct values",
						src->group_col, src->relname, HACK_MAX_GROUPS),
				 errhint("Each group is trained on its own: group by a label, not an id.")));
	job->groups = MemoryContextAllocZero(cxt, sizeof(ClusterGroup) * Max(n, 1));
	for (uint64 i = 0; i < n; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
		MemoryContext old = MemoryContextSwitchTo(cxt);
		char	   *key = train_source_row_group(src, d, isnull);

		if (key == NULL)
		{
			MemoryContextSwitchTo(old);
			train_source_null_group(src);
			continue;
		}
		job->groups[job->n_groups].key = key;
		job->groups[job->n_groups].value = datumCopy(d, job->typbyval, job->typlen);
		job->n_groups++;
		MemoryContextSwitchTo(old);
	}
	SPI_freetuptable(SPI_tuptable);
	run_as_end(&as);
	qsort(job->groups, job->n_groups, sizeof(ClusterGroup), cmp_groups);

	/* each group's worker, and the list of workers in order of appearance */
	job->nodes = MemoryContextAlloc(cxt, sizeof(char *) * Max(job->n_groups, 1));
	for (int i = 0; i < job->n_groups; i++)
	{
		char	   *node = node_of(job, job->groups[i].value);
		int			k;

		job->groups[i].group_no = i + 1;
		for (k = 0; k < job->n_nodes; k++)
			if (strcmp(job->nodes[k], node) == 0)
				break;
		if (k == job->n_nodes)
			job->nodes[job->n_nodes++] = MemoryContextStrdup(cxt, node);
		job->groups[i].node = k;
	}
}

/* The job message of one round's groups. */
static bytea *
job_message(ClusterJob *job, ClusterGroup **round, int n)
{
	TrainArgs  *a = job->a;
	HackTrainJob msg;
	HackError	err;
	uint8_t    *buf;
	size_t		len;

	memset(&msg, 0, sizeof(msg));
	msg.cfg = a->cfg;
	msg.format = a->def.format;
	msg.params = a->params;
	msg.normalise_none = a->normalise_none;
	msg.skip_invalid = a->skip_invalid;
	msg.model = a->model;
	msg.model_len = strlen(a->model);
	msg.groups_total = job->n_groups;
	msg.n_groups = n;
	msg.groups = palloc0(sizeof(HackJobGroup) * n);
	for (int i = 0; i < n; i++)
	{
		HackJobGroup *g = &msg.groups[i];

		g->key = round[i]->key;
		g->key_len = strlen(round[i]->key);
		g->group_no = round[i]->group_no;
		g->resumed_from = -1;
		round[i]->resumed_from = -1;
		if (a->resume)
		{
			NnModel    *net;

			job->run->group = round[i]->key;
			net = train_warm_model(a, job->run);
			if (net != NULL)
			{
				uint8_t    *w;

				g->warm_len = nn_model_blob_size(net);
				w = palloc(g->warm_len);
				nn_model_write(net, w);
				g->warm = w;
				g->resumed_from = job->run->resumed_from;
				round[i]->resumed_from = g->resumed_from;
				nn_model_free(net);
			}
		}
	}
	if (hack_job_write(&msg, &buf, &len, &err) != HACK_OK)
		hack_raise(&err);
	return hack_bytea_from_core(buf, len, "the training job");
}

/* errcontext of a round: its groups and their workers. */
static void
round_context(void *arg)
{
	errcontext("%s", (const char *) arg);
}

/*
 * Run one round on the workers, as the source's owner: each group's
 * message lands in its ClusterGroup.result (in the current context).
 */
static void
run_round(ClusterJob *job, ClusterGroup **round, int n, const char *what)
{
	const TrainSource *src = &job->a->src;
	MemoryContext cxt = CurrentMemoryContext;
	const char *schema = catalog_hack_schema();
	Datum	   *values = palloc(sizeof(Datum) * n);
	Datum	   *keys = palloc(sizeof(Datum) * n);
	Oid			types[3] = {BYTEAOID, get_array_type(src->group_type), TEXTARRAYOID};
	Datum		args[3];
	ErrorContextCallback ecb;
	RunAs		as;
	char		pool[16];

	if (!OidIsValid(types[1]))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("group column %s of %s has a type without an array type", src->group_col,
						src->relname)));
	for (int i = 0; i < n; i++)
	{
		values[i] = round[i]->value;
		keys[i] = CStringGetTextDatum(round[i]->key);
	}
	args[0] = PointerGetDatum(job_message(job, round, n));
	args[1] = PointerGetDatum(construct_array(values, n, src->group_type, job->typlen,
											  job->typbyval, job->typalign));
	args[2] = PointerGetDatum(construct_array(keys, n, TEXTOID, -1, false, TYPALIGN_INT));
	ecb.callback = round_context;
	ecb.arg = (void *) what;
	ecb.previous = error_context_stack;
	error_context_stack = &ecb;
	run_as_begin(&as, src->owner);
	/* a worker runs as many of the round's groups at a time as it holds */
	snprintf(pool, sizeof(pool), "%d", hack_jobs_per_worker);
	(void) set_config_option("citus.max_adaptive_executor_pool_size", pool, PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	/* at once: Citus would otherwise add connections only as tasks wait */
	(void) set_config_option("citus.force_max_query_parallelization", "on", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	/*
	 * One aggregate per key, as list_groups lists them: the values ($2)
	 * let Citus pick the shards, the keys ($3) keep out rows of a value
	 * "=" calls equal that prints otherwise (another group).
	 */
	if (SPI_execute_with_args(psprintf("SELECT %s.hack_group_key(s.%s), %s.hack_train_group($1,"
									   " (s.%s)::pg_catalog.int8, s.%s, s.%s ORDER BY (s.%s)::pg_catalog.int8)"
									   " FROM %s s WHERE s.%s OPERATOR(pg_catalog.=) ANY ($2)"
									   " AND %s.hack_group_key(s.%s) OPERATOR(pg_catalog.=) ANY ($3)"
									   " GROUP BY s.%s, %s.hack_group_key(s.%s)",
									   schema, src->group_col, schema, src->id_col, src->image_col,
									   src->group_col, src->id_col, src->relname, src->group_col,
									   schema, src->group_col, src->group_col, schema, src->group_col),
							  3, types, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not train the groups of %s", src->relname);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		bool		isnull;
		char	   *key = SPI_getvalue(tup, SPI_tuptable->tupdesc, 1);
		Datum		d;
		int			i;

		for (i = 0; key != NULL && i < n; i++)
			if (strcmp(round[i]->key, key) == 0)
				break;
		if (key == NULL || i == n || round[i]->result != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("the workers returned a group that was not asked for")));
		d = SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull);
		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("worker %s returned no trained group \"%s\"",
							job->nodes[round[i]->node], key)));
		{
			MemoryContext old = MemoryContextSwitchTo(cxt);

			round[i]->result = DatumGetByteaPCopy(d);
			MemoryContextSwitchTo(old);
		}
	}
	SPI_freetuptable(SPI_tuptable);
	run_as_end(&as);
	error_context_stack = ecb.previous;
}

/* Check a worker's trained group and save it as on one server. */
static void
save_group(ClusterJob *job, ClusterGroup *g)
{
	TrainArgs  *a = job->a;
	const char *node = job->nodes[g->node];
	HackGroupMsg m;
	HackError	err;
	NnModel    *volatile net = NULL;

	if (hack_group_msg_read((const uint8_t *) VARDATA_ANY(g->result),
							VARSIZE_ANY_EXHDR(g->result), a->cfg.dim, HACK_PACK_MAX_N,
							a->cfg.curvature, &m, &err) != HACK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("worker %s returned an invalid trained group \"%s\": %s", node, g->key,
						err.message),
				 err.detail[0] ? errdetail_internal("%s", err.detail) : 0));
	PG_TRY();
	{
		net = train_network_received(m.weights, m.weights_len, &a->cfg,
									 psprintf("worker %s, trained group \"%s\"", node, g->key));
		train_save_group(a, g->key, net, &m, g->resumed_from, node);
		job->run->n = m.n;
	}
	PG_FINALLY();
	{
		hack_group_msg_free(&m);
		if (net != NULL)
			nn_model_free(net);
	}
	PG_END_TRY();
}

/*
 * The coordinator's progress line after storing a group: its last epoch,
 * so hack.training_progress shows how far the job is.
 */
static void
report_stored(const TrainArgs *a, TrainRun *run)
{
	HackEpochReport rep;

	memset(&rep, 0, sizeof(rep));
	rep.epoch = a->params.epochs;
	rep.epochs = a->params.epochs;
	rep.loss = NAN;
	rep.images_per_sec = NAN;
	rep.eta = NAN;
	train_report_progress(run, &rep);
}

/*
 * The next round: up to hack.jobs_per_worker groups of each worker, the
 * first not yet dispatched in key order; what describes it for errors.
 */
static int
next_round(ClusterJob *job, ClusterGroup **round, StringInfo what)
{
	int			n = 0;
	int			full = 0;
	int		   *taken = palloc0(sizeof(int) * job->n_nodes);

	resetStringInfo(what);
	appendStringInfo(what, "hack_train %s: training", job->a->model);
	while (job->first < job->n_groups && job->groups[job->first].dispatched)
		job->first++;
	for (int i = job->first; i < job->n_groups && full < job->n_nodes; i++)
	{
		ClusterGroup *g = &job->groups[i];

		if (g->dispatched || taken[g->node] >= hack_jobs_per_worker)
			continue;
		if (++taken[g->node] == hack_jobs_per_worker)
			full++;
		g->dispatched = true;
		round[n++] = g;
		appendStringInfo(what, "%s group \"%s\" on %s", n > 1 ? "," : "", g->key,
						 job->nodes[g->node]);
	}
	pfree(taken);
	return n;
}

/* Train every group on its worker, round by round, saving each as it comes. */
void
train_cluster_groups(TrainArgs *a, TrainRun *run, MemoryContext group_cxt)
{
	MemoryContext job_cxt = CurrentMemoryContext;
	ClusterJob	job;
	ClusterGroup **round;
	StringInfoData what;
	int			done = 0;

	memset(&job, 0, sizeof(job));
	job.a = a;
	job.run = run;
	list_groups(&job);
	if (job.n_groups == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s has no rows to train on", a->src.relname)));
	run->groups = job.n_groups;
	round = palloc(sizeof(ClusterGroup *) * job.n_groups);

	/*
	 * Commit (when non-atomic) before each round: within one transaction
	 * Citus keeps using the connection that first read a shard, so the
	 * listing above or a catch-up's scan would put all of a worker's groups
	 * on one connection, one after another.  Nothing but those reads is
	 * committed then.
	 */
	(void) call_job_commit(a->atomic);
	initStringInfo(&what);
	ereport(NOTICE,
			(errmsg("hack_train %s: training %d groups on %d workers, %d at a time on each",
					a->model, job.n_groups, job.n_nodes, hack_jobs_per_worker)));
	while (done < job.n_groups)
	{
		int			n = next_round(&job, round, &what);

		MemoryContextSwitchTo(group_cxt);
		run_round(&job, round, n, what.data);
		for (int i = 0; i < n; i++)
		{
			ClusterGroup *g = round[i];

			if (g->result == NULL)
			{
				ereport(NOTICE,
						(errmsg("hack_train %s: group \"%s\" has no rows any more; left as it was",
								a->model, g->key)));
				continue;
			}
			run->group = g->key;
			run->group_no = g->group_no;
			run->resumed_from = g->resumed_from;
			save_group(&job, g);
			report_stored(a, run);
			g->result = NULL;
			train_commit_group(a, run, job.nodes[g->node]);
			train_catch_up(a, run);
		}
		done += n;
		(void) call_job_commit(a->atomic);	/* before the next round, as above */
		MemoryContextSwitchTo(job_cxt);
		MemoryContextReset(group_cxt);
	}
}
