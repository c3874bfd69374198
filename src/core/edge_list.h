/*
 * edge_list.h
 *	  Edge lists of an assignment problem: sorting, key numbering, the
 *	  duplicate check and the dense cost matrix they stand for.
 *
 * hungarian_agg collects (row key, column key, cost) edges and solves the
 * dense matrix they describe: the distinct keys of each side, in key
 * order, number its rows and columns, and the cells without an edge are
 * +Infinity (forbidden).  Edge lists reach maintenance_work_mem / 8
 * entries, so every pass takes a progress callback, and the sorts are
 * merge sorts of runs that call it between runs.  The caller owns all the
 * memory: a sort of more than HACK_EDGE_SORT_RUN elements needs a scratch
 * buffer as large as its input.
 */
#ifndef HACK_CORE_EDGE_LIST_H
#define HACK_CORE_EDGE_LIST_H

#include <stdint.h>

#include "status.h"

/* elements sorted by one qsort; progress is called after each run */
#define HACK_EDGE_SORT_RUN 65536

typedef struct HackEdge
{
	int64_t		row;
	int64_t		col;
	double		cost;
} HackEdge;

extern HackStatus hack_edge_sort(HackEdge *edges, int64_t n, HackEdge *scratch,
								 HackProgressFn progress, void *arg,
								 HackError *err);
extern HackStatus hack_edge_check_unique(const HackEdge *edges, int64_t n,
										 HackError *err);
extern HackStatus hack_edge_keys(const HackEdge *edges, int64_t n,
								 int64_t *rows, int64_t *cols,
								 int64_t *scratch, int64_t *nrows,
								 int64_t *ncols, HackProgressFn progress,
								 void *arg, HackError *err);
extern HackStatus hack_edge_matrix(const HackEdge *edges, int64_t n,
								   const int64_t *rows, int64_t nrows,
								   const int64_t *cols, int64_t ncols,
								   double *cost, HackProgressFn progress,
								   void *arg, HackError *err);

#endif							/* HACK_CORE_EDGE_LIST_H */
