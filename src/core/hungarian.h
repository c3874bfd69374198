/*
 * hungarian.h
 *	  Exact linear assignment (the "Hungarian" problem) on a dense matrix.
 *
 * Given an nrows x ncols cost matrix (row-major, contiguous), find a
 * one-to-one assignment of min(nrows, ncols) rows to distinct columns that
 * minimises (or maximises) the total cost.  +Infinity marks a forbidden
 * pair; NaN and -Infinity are rejected, and so are finite costs beyond
 * +-HUNGARIAN_MAX_COST (their differences could overflow).  The method,
 * its complexity and measured speed are described in doc/hungarian.md.
 */
#ifndef HACK_CORE_HUNGARIAN_H
#define HACK_CORE_HUNGARIAN_H

#include <stdbool.h>

#include "status.h"

/* largest magnitude of a finite cost */
#define HUNGARIAN_MAX_COST 1e100

extern HackStatus hungarian_solve(const double *cost, int nrows, int ncols,
								  bool maximize, int *col_for_row,
								  double *total, double *row_dual,
								  double *col_dual, HackProgressFn progress,
								  void *progress_arg, HackError *err);

#endif							/* HACK_CORE_HUNGARIAN_H */
