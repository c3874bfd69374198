/*
 * hungarian_sql.h
 *	  Glue shared by the assignment functions: the size limit and the call
 *	  into the core solver.
 *
 * Every entry point (hungarian, hungarian_agg, hack_assign) solves a dense
 * cost matrix; the matrix must fit in maintenance_work_mem, which is the
 * documented limit (doc/reference/hungarian.md), checked before anything
 * of that size is allocated.
 */
#ifndef HACK_HUNGARIAN_SQL_H
#define HACK_HUNGARIAN_SQL_H

#include "postgres.h"

extern void hungarian_check_size(int64 nrows, int64 ncols);
extern int64 hungarian_max_cells(void);
extern double *hungarian_alloc_matrix(int nrows, int ncols);
extern int *hungarian_run(const double *cost, int nrows, int ncols,
						  bool maximize);

#endif							/* HACK_HUNGARIAN_SQL_H */
