/*
 * call_job.c
 *	  The frame of a CALL procedure that may commit as it goes.
 *
 * hack_train commits after each group and hack_refresh after each batch,
 * but only when the CALL is non-atomic (outside a transaction block, as
 * the whole statement).  Such a job:
 *	call_job_begin		decides atomic, makes the job's memory context
 *						(under the CALL's portal, which survives the
 *						commits) and connects to SPI, non-atomic if it may
 *						commit;
 *	... reads its arguments in the job's context ...
 *	call_job_run		runs the work under the model's lock (session-level
 *						when it commits, model_lock.c), then disconnects SPI;
 *	call_job_end		returns to the caller's context and frees the job's.
 */
#include "hack.h"
#include "call_job.h"

#include "executor/spi.h"
#include "nodes/parsenodes.h"
#include "utils/memutils.h"
#include "utils/portal.h"

/*
 * Is this CALL atomic?  Only a CALL outside a transaction block, as the
 * whole statement, may commit.
 */
static bool
call_is_atomic(FunctionCallInfo fcinfo)
{
	return !(fcinfo->context && IsA(fcinfo->context, CallContext) &&
			 !castNode(CallContext, fcinfo->context)->atomic);
}

/* Start the job: its memory context is current on return, SPI connected. */
void
call_job_begin(CallJob *job, FunctionCallInfo fcinfo, const char *name)
{
	job->name = name;
	job->atomic = call_is_atomic(fcinfo);
	/* lives across the commits (the CALL's portal does) */
	job->cxt = AllocSetContextCreate(job->atomic ? CurrentMemoryContext : PortalContext,
									 "hack CALL job", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSetIdentifier(job->cxt, name);
	job->caller_cxt = MemoryContextSwitchTo(job->cxt);
	SPI_connect_ext(job->atomic ? 0 : SPI_OPT_NONATOMIC);
	MemoryContextSwitchTo(job->cxt);
}

/*
 * fn(arg) under the model's lock, as model_lock_run does it (false: the
 * model was busy and busy said skip); then SPI is disconnected.
 */
bool
call_job_run(CallJob *job, const char *model, ModelBusy busy,
			 void (*fn) (void *arg), void *arg)
{
	bool		ran = model_lock_run(model, busy, job->name, !job->atomic, fn, arg);

	SPI_finish();
	return ran;
}

/*
 * Where to build what the CALL returns: the result outlives the commits'
 * transactions, so a non-atomic job builds it in the portal's memory.
 */
MemoryContext
call_job_result_context(const CallJob *job)
{
	return job->atomic ? job->caller_cxt : PortalContext;
}

/*
 * Commit the work so far and start the next transaction, when the CALL is
 * non-atomic; inside a transaction block, nothing.  Returns whether it
 * committed.
 */
bool
call_job_commit(bool atomic)
{
	if (atomic)
		return false;
	SPI_commit();
	SPI_start_transaction();	/* a no-op where SPI_commit starts one */
	return true;
}

/* Back to the caller's memory context; the job's is freed. */
void
call_job_end(CallJob *job)
{
	MemoryContextSwitchTo(job->caller_cxt);
	MemoryContextDelete(job->cxt);
}
