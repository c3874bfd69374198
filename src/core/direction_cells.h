/*
 * direction_cells.h
 *	  Cells of directions in the ball: k directions spread by farthest-point
 *	  sampling, and the cell (nearest of those directions) of every point.
 *
 * In the disc, hack_select(..., 'diverse') cuts the angle into k equal
 * sectors and takes the largest-norm row of each.  Equal sectors are the
 * cells of k equally spaced directions; above two dimensions there is no
 * such regular spacing, so the k directions are picked from the data by
 * greedy farthest-point sampling of the unit directions x / |x|, and each
 * point belongs to the picked direction nearest its own.
 */
#ifndef HACK_CORE_DIRECTION_CELLS_H
#define HACK_CORE_DIRECTION_CELLS_H

#include "status.h"

extern HackStatus hack_direction_cells(const double *points, int n, int dim,
									   int k, int *centre, int *cell,
									   HackProgressFn progress, void *arg,
									   HackError *err);

#endif							/* HACK_CORE_DIRECTION_CELLS_H */
