/*
 * poincare_gist.h
 *	  Keys of the GiST index on poincare_point (poincare_point_gist_ops).
 *
 * The index is an R-tree on the Euclidean coordinates of the ball.  A key
 * shares the header of PoincarePoint (dim, flags):
 *
 *	- flags 0: a point, dim coordinates.  Leaf keys are the indexed
 *	  poincare_point values themselves, byte for byte, so the opclass needs
 *	  no compress method, and index-only scans return the stored key as is
 *	  (no fetch method either);
 *	- flags POINCARE_GIST_BOX: a box, the lower corner then the upper corner
 *	  (2 * dim coordinates).  Internal keys are boxes; they never leave the
 *	  index.
 *
 * Keys are stored in the index as values of the opclass's storage type,
 * poincare_point; a box is not a valid poincare_point outside the index.
 */
#ifndef HACK_POINCARE_GIST_H
#define HACK_POINCARE_GIST_H

#include "postgres.h"

#include "fmgr.h"

typedef struct PoincareGistKey
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int16		dim;			/* number of coordinates of a corner */
	int16		flags;			/* 0 (a point) or POINCARE_GIST_BOX */
	double		c[FLEXIBLE_ARRAY_MEMBER];	/* point, or lower then upper corner */
} PoincareGistKey;

#define POINCARE_GIST_BOX		0x0001

#define GKEY_IS_BOX(k)			(((k)->flags & POINCARE_GIST_BOX) != 0)
#define GKEY_BOX_SIZE(dim)		(offsetof(PoincareGistKey, c) + 2 * sizeof(double) * (dim))
#define GKEY_LO(k)				((k)->c)
#define GKEY_HI(k)				(GKEY_IS_BOX(k) ? (k)->c + (k)->dim : (k)->c)
#define DatumGetGistKeyP(d)		((PoincareGistKey *) PG_DETOAST_DATUM(d))

/* strategy numbers of poincare_point_gist_ops */
#define POINCARE_GIST_IN_BALL		8	/* poincare_point <@ hball (RTContainedBy) */
#define POINCARE_GIST_DISTANCE		15	/* poincare_point <-> poincare_point (ORDER BY) */

#endif							/* HACK_POINCARE_GIST_H */
