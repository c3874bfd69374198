/*
 * hbox.h
 *	  Euclidean boxes of the Poincaré ball: the geometry behind the GiST
 *	  index on poincare_point (src/poincare_gist.c).
 *
 * A box of dimension dim is given by its lower corner lo[dim] and upper
 * corner hi[dim] (lo[i] <= hi[i]); a point is the degenerate box lo = hi.
 * Every box the index builds is the bounding box of points of the open
 * unit ball, so it always meets the ball.  The distance bound and its
 * proof are in hbox.c and doc/gist.md.
 */
#ifndef HACK_CORE_HBOX_H
#define HACK_CORE_HBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "status.h"

/*
 * A lower bound of the Poincaré distance (curvature -1) from the point q of
 * the ball to any point of the ball inside the box [lo, hi]: never larger
 * than hyp_distance(q, x) for such an x.  It is 0 when q is in the box and
 * exact (within a relative 1e-12) for the origin, so KNN from the origin
 * (ranking by hyperbolic norm) visits no box it does not need.
 */
extern double hbox_min_distance(const double *q, const double *lo,
								const double *hi, int dim);

/*
 * The same bound on the scale of cosh(d) - 1 (see hyp_cosh_distance_m1),
 * given aq = hyp_one_minus_c_sqnorm(q, dim, 1): never larger than
 * hyp_cosh_distance_m1(x, q, dim, aq) for a point x of the ball in the box.
 */
extern double hbox_min_cosh_m1(const double *q, double aq, const double *lo,
							   const double *hi, int dim);

/* Sum of the edge lengths of [lo, hi]. */
extern double hbox_margin(const double *lo, const double *hi, int dim);

/*
 * Penalty of extending [lo, hi] to cover [plo, phi], for GiST inserts:
 * 0 if it covers it already, then ordered by margin growth when the volume
 * does not grow, then by volume growth (details in hbox.c).
 */
extern float hbox_penalty(const double *lo, const double *hi,
						  const double *plo, const double *phi, int dim);

/*
 * Position of the point x on a space-filling curve of the cube [-1, 1]^dim:
 * the Hilbert curve for dim = 2 (32 bits a coordinate), the Z-order curve
 * otherwise (64/dim bits a coordinate).  Sorting points by it puts close
 * points next to each other, which is what GiST's sorted build needs.
 */
extern uint64_t hbox_curve_key(const double *x, int dim);

/*
 * Split n boxes (box i is boxes[2*dim*i .. ]: lo then hi) in two groups of
 * at least 30% of n each, the R*-tree way: the axis with the smallest total
 * margin over all candidate splits of the boxes sorted by centre on that
 * axis, then the split with the least overlap, then the least total volume.
 * right[i] says which group box i goes to.  n >= 2.
 */
extern HackStatus hbox_split(const double *boxes, int n, int dim, bool *right,
							 HackError *err);

#endif							/* HACK_CORE_HBOX_H */
