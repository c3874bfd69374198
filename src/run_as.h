/*
 * run_as.h
 *	  Running a piece of work as another role, restricted (run_as.c).
 */
#ifndef HACK_RUN_AS_H
#define HACK_RUN_AS_H

#include "postgres.h"

/* What run_as_begin saved, for run_as_end. */
typedef struct RunAs
{
	Oid			saved_user;
	int			saved_sec_context;
	int			guc_level;
} RunAs;

extern void run_as_begin(RunAs *r, Oid role);
extern void run_as_end(RunAs *r);

#endif							/* HACK_RUN_AS_H */
