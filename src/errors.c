/*
 * errors.c
 *	  Core statuses as PostgreSQL errors: the one status -> SQLSTATE
 *	  mapping, and the interrupt check core loops poll.
 */
#include "hack.h"

#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/elog.h"

/* The one mapping from core status to SQLSTATE. */
int
hack_sqlstate(HackStatus status)
{
	switch (status)
	{
		case HACK_ERR_SYNTAX:
			return ERRCODE_INVALID_TEXT_REPRESENTATION;
		case HACK_ERR_OUT_OF_RANGE:
			return ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
		case HACK_ERR_PARAMETER:
		case HACK_ERR_INFEASIBLE:
			return ERRCODE_INVALID_PARAMETER_VALUE;
		case HACK_ERR_BINARY:
			return ERRCODE_INVALID_BINARY_REPRESENTATION;
		case HACK_ERR_CORRUPT:
			return ERRCODE_DATA_CORRUPTED;
		case HACK_ERR_NO_MEMORY:
			return ERRCODE_OUT_OF_MEMORY;
		case HACK_ERR_LIMIT:
			return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
		case HACK_ERR_INTERRUPTED:
			return ERRCODE_QUERY_CANCELED;
		case HACK_OK:
		case HACK_ERR_INTERNAL:
			break;
	}
	return ERRCODE_INTERNAL_ERROR;
}

/* Report a core failure as an ERROR. */
void
hack_raise(const HackError *err)
{
	if (err->status == HACK_ERR_INTERRUPTED)
	{
		/* the pending interrupt raises the proper cancel/timeout error */
		CHECK_FOR_INTERRUPTS();
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("canceling statement due to user request")));
	}
	if (err->status == HACK_OK || err->status == HACK_ERR_INTERNAL)
		elog(ERROR, "hack internal error: %s", err->message);
	ereport(ERROR,
			(errcode(hack_sqlstate(err->status)),
			 errmsg_internal("%s", err->message),
			 err->detail[0] ? errdetail_internal("%s", err->detail) : 0));
	pg_unreachable();
}

/* Report a failure to read a literal of type typname, quoting the input. */
void
hack_raise_input(const HackError *err, const char *typname, const char *input)
{
	if (err->status == HACK_ERR_SYNTAX)
	{
		size_t		len = strlen(input);
		int			shown = len > 100 ? 100 : (int) len;

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%.*s%s\"",
						typname, shown, input, len > 100 ? "..." : ""),
				 err->detail[0] ? errdetail_internal("%s", err->detail) : 0));
	}
	hack_raise(err);
}

/*
 * Core progress callback: continue unless a cancel, statement_timeout,
 * recovery conflict or termination is pending.  Benign interrupts (barriers,
 * notifications) are left for the next CHECK_FOR_INTERRUPTS() of the glue,
 * so they never abort a long job.
 */
bool
hack_interrupt_callback(void *arg, double done, double total)
{
	(void) arg;
	(void) done;
	(void) total;
	if (!InterruptPending || !INTERRUPTS_CAN_BE_PROCESSED())
		return true;
	return !(QueryCancelPending || ProcDiePending);
}

/*
 * A byte string the core returned (malloc'd) as a palloc'd bytea; buf is
 * freed either way.  54000 when it is larger than a value may be; what
 * names it.
 */
bytea *
hack_bytea_from_core(uint8_t *buf, size_t len, const char *what)
{
	bytea	   *out;

	if (len > MaxAllocSize - VARHDRSZ)
	{
		free(buf);
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s of %zu bytes does not fit in one bytea", what, len)));
	}
	out = palloc(VARHDRSZ + len);
	SET_VARSIZE(out, VARHDRSZ + len);
	memcpy(VARDATA(out), buf, len);
	free(buf);
	return out;
}
