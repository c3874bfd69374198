/*
 * status.h
 *	  Status codes and error messages returned by the pure-C core.
 *
 * The core never calls ereport() or longjmps: every fallible function
 * returns a HackStatus and, on failure, fills a HackError with a message
 * in PostgreSQL's style (lower case, no final period) and an optional
 * detail sentence.  The glue (src/hack.h) maps each status to exactly one
 * SQLSTATE, so the mapping lives in one place.
 */
#ifndef HACK_CORE_STATUS_H
#define HACK_CORE_STATUS_H

#include <stdbool.h>

typedef enum HackStatus
{
	HACK_OK = 0,
	HACK_ERR_SYNTAX,			/* malformed literal: 22P02 */
	HACK_ERR_OUT_OF_RANGE,		/* value outside its domain: 22003 */
	HACK_ERR_PARAMETER,			/* bad parameter or dimension: 22023 */
	HACK_ERR_BINARY,			/* bad binary representation: 22P03 */
	HACK_ERR_CORRUPT,			/* stored blob fails validation: XX001 */
	HACK_ERR_NO_MEMORY,			/* allocation failed: 53200 */
	HACK_ERR_LIMIT,				/* problem above a documented size: 54000 */
	HACK_ERR_INFEASIBLE,		/* no feasible solution exists: 22023 */
	HACK_ERR_INTERRUPTED,		/* the progress callback asked to stop */
	HACK_ERR_INTERNAL			/* can't happen: XX000 */
} HackStatus;

#define HACK_MSG_LEN 256

typedef struct HackError
{
	HackStatus	status;
	char		message[HACK_MSG_LEN];
	char		detail[HACK_MSG_LEN];	/* empty when there is none */
} HackError;

/*
 * Progress and interrupt callback for long loops.  Called every so often
 * with the work done and the total; returns false to make the loop stop
 * and return HACK_ERR_INTERRUPTED (the glue then frees its resources and
 * runs CHECK_FOR_INTERRUPTS(), which raises the cancel error).
 */
typedef bool (*HackProgressFn) (void *arg, double done, double total);

extern HackStatus hack_error_set(HackError *err, HackStatus status,
								 const char *detail, const char *fmt,...)
			__attribute__((format(printf, 4, 5)));
extern void hack_error_clear(HackError *err);

/* Shortest of %.15g, %.16g, %.17g that reads back as v, for messages. */
extern const char *hack_fmt_double(char *buf, int len, double v);
#define HACK_DOUBLE_BUF 32

#endif							/* HACK_CORE_STATUS_H */
