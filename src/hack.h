/*
 * hack.h
 *	  The glue's shared header: PostgreSQL's, the core's status codes and
 *	  their reporting (errors.h), and the module entry (hack.c).
 *
 * Every glue file includes it first, as PostgreSQL's own files include
 * postgres.h.
 */
#ifndef HACK_H
#define HACK_H

#include "postgres.h"

#include "fmgr.h"

#include "errors.h"

/* hack.c: define the GUCs and set up the backend when the library loads */
extern void _PG_init(void);

/* hack.max_image_pixels: the most pixels a PNG or JPEG may have (hack.c) */
extern int	hack_max_image_pixels;

/* hack.distributed_training, hack.jobs_per_worker: training on a Citus cluster (hack.c) */
extern bool hack_distributed_training;
extern int	hack_jobs_per_worker;

#endif							/* HACK_H */
