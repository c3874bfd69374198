/*
 * call_job.h
 *	  The frame of a CALL procedure that may commit as it goes
 *	  (hack_train, hack_refresh): call_job.c.
 */
#ifndef HACK_CALL_JOB_H
#define HACK_CALL_JOB_H

#include "model_lock.h"

typedef struct CallJob
{
	const char *name;			/* the procedure, for the lock's messages */
	bool		atomic;			/* inside a transaction block: no commits */
	MemoryContext caller_cxt;	/* current when the CALL began */
	MemoryContext cxt;			/* the job's, lives across its commits */
} CallJob;

extern void call_job_begin(CallJob *job, FunctionCallInfo fcinfo,
						   const char *name);
extern bool call_job_run(CallJob *job, const char *model, ModelBusy busy,
						 void (*fn) (void *arg), void *arg);
extern bool call_job_commit(bool atomic);
extern MemoryContext call_job_result_context(const CallJob *job);
extern void call_job_end(CallJob *job);

#endif							/* HACK_CALL_JOB_H */
