/*
 * model_lock.c
 *	  One job per model at a time: a session-level advisory lock on the
 *	  model's name.
 *
 * hack_train and hack_refresh replace or extend a model's rows over many
 * transactions (a commit per group or per batch), so a row or table lock,
 * released at the first commit, cannot keep two jobs on the same model
 * apart.  A session-level advisory lock lasts until it is released
 * explicitly, so the jobs take it for their whole run and release it in a
 * PG_FINALLY block: on success, on error and on cancel alike (session
 * locks survive a transaction abort, and a backend that exits drops them).
 *
 * Inside a transaction block (an atomic CALL) the writes are committed
 * only with the caller's transaction, after the CALL returns, so there the
 * lock is taken at transaction level instead and released by the commit
 * or abort (or by the abort of a subtransaction it was taken in).
 *
 * The key is 64 bits of the SHA-256 of the model's name, in the current
 * database, with objsubid HACK_LOCK_SPACE = 3: pg_locks shows it as
 * locktype advisory, classid and objid the two halves of the key, objsubid
 * 3.  pg_advisory_lock and its kin take objsubid 1 (one int8) or 2 (two
 * int4) only, so no SQL can take, hold or fake a model's lock (in 1.0 the
 * key was objsubid 2, and any role could hold a model busy forever).  A
 * 32-bit hash is not enough: a name of one's own that hashes like another
 * role's model is found by brute force in a minute, and a job on it holds
 * the other model busy.  Finding a name whose 64-bit SHA-256 prefix equals
 * a given model's takes about 2^64 hashes.  hack.training_progress trusts
 * a progress line only from a backend that holds the lock of the line's
 * model.
 */
#include "hack.h"
#include "model_lock.h"

#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/builtins.h"

#define HACK_LOCK_SPACE 3		/* not 1 or 2: SQL's advisory locks */

/* The key of a model's lock: the first 64 bits of the SHA-256 of its name. */
void
model_lock_key(const char *model, uint32 *hi, uint32 *lo)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	uint8		digest[PG_SHA256_DIGEST_LENGTH];

	if (ctx == NULL || pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) model, strlen(model)) < 0 ||
		pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
		elog(ERROR, "could not compute the lock key of model \"%s\"", model);
	pg_cryptohash_free(ctx);
	*hi = ((uint32) digest[0] << 24) | ((uint32) digest[1] << 16) | ((uint32) digest[2] << 8) | digest[3];
	*lo = ((uint32) digest[4] << 24) | ((uint32) digest[5] << 16) | ((uint32) digest[6] << 8) | digest[7];
}

/* The advisory lock tag of a model. */
static void
model_lock_tag(LOCKTAG *tag, const char *model)
{
	uint32		hi,
				lo;

	model_lock_key(model, &hi, &lo);
	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId, hi, lo, HACK_LOCK_SPACE);
}

/* Parse if_busy: 'error', 'skip' or 'wait' (22023 otherwise). */
ModelBusy
model_lock_parse_busy(const char *s)
{
	if (strcmp(s, "error") == 0)
		return MODEL_BUSY_ERROR;
	if (strcmp(s, "skip") == 0)
		return MODEL_BUSY_SKIP;
	if (strcmp(s, "wait") == 0)
		return MODEL_BUSY_WAIT;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("if_busy must be error, skip or wait, not \"%s\"", s)));
	pg_unreachable();
}

/* The pid holding a model's lock, or 0 if none is found (it may just have gone). */
static int
holder_pid(const LOCKTAG *tag)
{
	Oid			types[2] = {OIDOID, OIDOID};
	Datum		vals[2] = {ObjectIdGetDatum(tag->locktag_field2),
	ObjectIdGetDatum(tag->locktag_field3)};
	int			pid = 0;

	SPI_connect();
	if (SPI_execute_with_args("SELECT pid FROM pg_catalog.pg_locks"
							  " WHERE locktype OPERATOR(pg_catalog.=) 'advisory'"
							  " AND database OPERATOR(pg_catalog.=) (SELECT oid FROM pg_catalog.pg_database"
							  " WHERE datname OPERATOR(pg_catalog.=) pg_catalog.current_database())"
							  " AND classid OPERATOR(pg_catalog.=) $1 AND objid OPERATOR(pg_catalog.=) $2"
							  " AND objsubid OPERATOR(pg_catalog.=) 3 AND granted LIMIT 1",
							  2, types, vals, NULL, true, 1) == SPI_OK_SELECT &&
		SPI_processed == 1)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			pid = DatumGetInt32(d);
	}
	SPI_finish();
	return pid;
}

/*
 * Take the lock of a model for the session (or, with session false, for
 * the transaction).  Returns false (after a
 * NOTICE) when the model is busy and how is MODEL_BUSY_SKIP; raises 55P03
 * when it is busy and how is MODEL_BUSY_ERROR; with MODEL_BUSY_WAIT waits,
 * as any lock wait does, until lock_timeout, statement_timeout or a cancel.
 */
bool
model_lock_acquire(const char *model, ModelBusy how, const char *job, bool session)
{
	LOCKTAG		tag;
	int			pid;

	model_lock_tag(&tag, model);
	if (LockAcquire(&tag, ExclusiveLock, session, how != MODEL_BUSY_WAIT) != LOCKACQUIRE_NOT_AVAIL)
		return true;
	pid = holder_pid(&tag);
	if (how == MODEL_BUSY_SKIP)
	{
		ereport(NOTICE,
				(errmsg("%s skipped: model \"%s\" is busy", job, model),
				 pid ? errdetail("Process %d is running a job on it.", pid) : 0));
		return false;
	}
	ereport(ERROR,
			(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
			 errmsg("model \"%s\" is busy", model),
			 pid ? errdetail("Process %d is running a job on it.", pid) : 0,
			 errhint("Pass if_busy => 'wait' to wait for it, or if_busy => 'skip' to do nothing.")));
	pg_unreachable();
}

/* Release a session lock taken by model_lock_acquire (transaction locks go with their transaction). */
void
model_lock_release(const char *model, bool session)
{
	LOCKTAG		tag;

	if (!session)
		return;
	model_lock_tag(&tag, model);
	LockRelease(&tag, ExclusiveLock, true);
}

/*
 * Run fn(arg) holding the lock of a model, and release the lock however fn
 * ends (a session lock outlives an error, so the release must not be left
 * to the abort).  Returns false, without running fn, when the model is busy
 * and how is MODEL_BUSY_SKIP.
 */
bool
model_lock_run(const char *model, ModelBusy how, const char *job, bool session,
			   void (*fn) (void *arg), void *arg)
{
	if (!model_lock_acquire(model, how, job, session))
		return false;
	PG_TRY();
	{
		fn(arg);
	}
	PG_CATCH();
	{
		model_lock_release(model, session);
		PG_RE_THROW();
	}
	PG_END_TRY();
	model_lock_release(model, session);
	return true;
}
