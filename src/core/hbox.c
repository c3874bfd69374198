/*
 * hbox.c
 *	  Euclidean boxes of the Poincaré ball: a lower bound of the hyperbolic
 *	  distance to a box, a space-filling-curve key and an R*-tree split.
 *
 * The GiST index on poincare_point (src/poincare_gist.c) is an R-tree on
 * the Euclidean coordinates of the ball: internal keys are bounding boxes.
 * The tree is exact for hyperbolic queries as long as the distance from a
 * query to a box never exceeds the distance to any point inside it.
 *
 * The bound.  For q, x in the unit ball D (curvature -1)
 *
 *		d(q, x) = acosh(1 + 2 |q - x|^2 / ((1 - |q|^2) (1 - |x|^2))).
 *
 * Let B be a box meeting D, m = min over y in B of |q - y| (the Euclidean
 * distance from q to B) and n = min over y in B of |y| (the smallest norm
 * in B; n < 1 since B meets D).  For every x in B and D:
 *
 *	- |q - x| >= m, since x is in B;
 *	- |x| >= n, so 0 < 1 - |x|^2 <= 1 - n^2 and 1/(1 - |x|^2) >= 1/(1 - n^2);
 *	- both factors of |q - x|^2 / (1 - |x|^2) are non-negative, so the
 *	  product is at least m^2 / (1 - n^2);
 *	- acosh(1 + t) increases with t.
 *
 * Hence d(q, x) >= L(q, B) = acosh(1 + 2 m^2 / ((1 - |q|^2) (1 - n^2))).
 * m is reached at the clamp of q to B, n at the clamp of the origin to B;
 * the two points differ in general, which is what makes L a bound rather
 * than a distance.  For q = 0 they coincide (m = n) and L is the exact
 * hyperbolic norm of the box's closest point: ranking by typicality, a KNN
 * query from the origin, prunes as well as an exact distance would.
 *
 * In floating point the argument 2 m^2 / ((1 - |q|^2) (1 - n^2)) is computed
 * with the same kernels as hyp_distance() (double-double 1 - |y|^2), each
 * within a few ulps, and then shrunk by a relative 1e-12, far more than the
 * accumulated rounding, so the computed bound never exceeds a computed leaf
 * value.  KNN orders by that argument, cosh(d) - 1, not by d itself: the
 * order is the same and leaves skip the acosh (hbox_min_cosh_m1).
 */
#include "hbox.h"

#include "hyperbolic.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* relative safety margin of the distance bound against rounding */
#define HBOX_BOUND_SHRINK (1.0 - 1e-12)

/* minimum fill of each side of a split, as a fraction of the entries */
#define HBOX_SPLIT_MIN_FILL 0.3

/* The bound L of the essay above, on the scale of cosh(d) - 1. */
double
hbox_min_cosh_m1(const double *q, double aq, const double *lo,
				 const double *hi, int dim)
{
	double		z[HACK_MAX_DIM];
	double		m2 = 0.0;
	double		den;

	for (int i = 0; i < dim; i++)
	{
		double		t = 0.0;

		if (q[i] < lo[i])
			t = lo[i] - q[i];
		else if (q[i] > hi[i])
			t = q[i] - hi[i];
		m2 += t * t;
		/* the point of the box closest to the origin */
		z[i] = lo[i] > 0.0 ? lo[i] : (hi[i] < 0.0 ? hi[i] : 0.0);
	}
	if (m2 == 0.0)
		return 0.0;
	den = hyp_one_minus_c_sqnorm(z, dim, 1.0) * aq;
	if (!(den > 0.0))
		return 0.0;				/* box outside the ball: cannot happen */
	return 2.0 * m2 / den * HBOX_BOUND_SHRINK;
}

/* The bound L itself, for ball search (compared with a radius). */
double
hbox_min_distance(const double *q, const double *lo, const double *hi,
				  int dim)
{
	return hyp_acosh1p(hbox_min_cosh_m1(q, hyp_one_minus_c_sqnorm(q, dim, 1.0),
										lo, hi, dim));
}

/* The margin: what R*-tree splits minimize to get square boxes. */
double
hbox_margin(const double *lo, const double *hi, int dim)
{
	double		s = 0.0;

	for (int i = 0; i < dim; i++)
		s += hi[i] - lo[i];
	return s;
}

/*
 * Insert penalty of adding [plo, phi] to [lo, hi], packed in a float so that
 * three realms order first (as PostGIS's n-D GiST does): 0 when the box
 * already covers the new one; then growth of the margin alone, when the
 * volume does not grow (flat boxes); then growth of the volume.  Volume
 * growth is Guttman's penalty; it is computed in double and taken to the
 * power 1/dim (a side length), which keeps the tiny volumes of 8-D boxes
 * near the boundary (1e-40 and below) apart in a float.  Positive floats
 * order as their bit patterns, so the realm goes in the two bits under the
 * sign and the value, shifted right by two, below them.
 */
float
hbox_penalty(const double *lo, const double *hi, const double *plo,
			 const double *phi, int dim)
{
	double		vol = 1.0,
				uvol = 1.0,
				margin = 0.0;
	float		value;
	uint32_t	realm,
				bits;

	for (int i = 0; i < dim; i++)
	{
		double		l = plo[i] < lo[i] ? plo[i] : lo[i];
		double		h = phi[i] > hi[i] ? phi[i] : hi[i];

		vol *= hi[i] - lo[i];
		uvol *= h - l;
		margin += (lo[i] - l) + (h - hi[i]);
	}
	if (uvol > vol)
	{
		realm = 2;
		value = (float) pow(uvol - vol, 1.0 / dim);
	}
	else if (margin > 0.0)
	{
		realm = 1;
		value = (float) margin;
	}
	else
		return 0.0f;
	memcpy(&bits, &value, sizeof(bits));
	bits = (bits >> 2) | (realm << 29);
	memcpy(&value, &bits, sizeof(value));
	return value;
}

/* Map v in [-1, 1] to an unsigned integer of `bits` bits (1..64). */
static uint64_t
quantize(double v, int bits)
{
	double		scaled = (v + 1.0) * 0.5 * ldexp(1.0, bits);
	double		top = ldexp(1.0, bits) - 1.0;

	if (!(scaled > 0.0))
		return 0;
	if (scaled >= top)
		return bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
	return (uint64_t) scaled;
}

/* Hilbert index of (x, y) on the 2^32 x 2^32 grid (the classic xy2d). */
static uint64_t
hilbert2(uint32_t x, uint32_t y)
{
	uint64_t	d = 0;

	for (uint32_t s = UINT32_C(1) << 31; s > 0; s >>= 1)
	{
		uint32_t	rx = (x & s) ? 1 : 0;
		uint32_t	ry = (y & s) ? 1 : 0;

		d += (uint64_t) s * s * ((3 * rx) ^ ry);
		if (ry == 0)
		{
			uint32_t	t;

			if (rx == 1)
			{
				x = ~x;
				y = ~y;
			}
			t = x;
			x = y;
			y = t;
		}
	}
	return d;
}

/* Curve position of a point, for GiST's sorted build. */
uint64_t
hbox_curve_key(const double *x, int dim)
{
	uint64_t	c[64];
	uint64_t	key = 0;
	int			nd = dim < 64 ? dim : 64;
	int			bits = 64 / nd;

	if (dim == 2)
		return hilbert2((uint32_t) quantize(x[0], 32), (uint32_t) quantize(x[1], 32));
	for (int i = 0; i < nd; i++)
		c[i] = quantize(x[i], bits);
	if (nd == 1)
		return c[0];
	for (int b = bits - 1; b >= 0; b--)
		for (int i = 0; i < nd; i++)
			key = (key << 1) | ((c[i] >> b) & 1);
	return key;
}

/* an entry to sort by its centre on one axis */
typedef struct HboxOrder
{
	double		centre;
	int			index;
} HboxOrder;

/* qsort order of HboxOrder: by centre, then index (a total order). */
static int
cmp_order(const void *a, const void *b)
{
	const HboxOrder *x = (const HboxOrder *) a;
	const HboxOrder *y = (const HboxOrder *) b;

	if (x->centre != y->centre)
		return x->centre < y->centre ? -1 : 1;
	return x->index - y->index;
}

/* Set dst (lo then hi) to the bounding box of dst and box. */
static void
box_extend(double *dst, const double *box, int dim)
{
	for (int i = 0; i < dim; i++)
	{
		if (box[i] < dst[i])
			dst[i] = box[i];
		if (box[dim + i] > dst[dim + i])
			dst[dim + i] = box[dim + i];
	}
}

/* Volume of the box (lo then hi). */
static double
box_volume(const double *box, int dim)
{
	double		v = 1.0;

	for (int i = 0; i < dim; i++)
		v *= box[dim + i] - box[i];
	return v;
}

/* Volume of the intersection of two boxes (lo then hi), 0 if disjoint. */
static double
overlap_volume(const double *a, const double *b, int dim)
{
	double		v = 1.0;

	for (int i = 0; i < dim; i++)
	{
		double		l = a[i] > b[i] ? a[i] : b[i];
		double		h = a[dim + i] < b[dim + i] ? a[dim + i] : b[dim + i];

		if (h < l)
			return 0.0;
		v *= h - l;
	}
	return v;
}

/* the best split found on one axis */
typedef struct HboxSplitChoice
{
	double		margin_sum;		/* total margin over all candidate splits */
	double		overlap;		/* of the best split */
	double		volume;			/* of the best split: both sides summed */
	int			balance;		/* of the best split: |left - right| */
	int			k;				/* left side is the first k boxes */
} HboxSplitChoice;

/*
 * Evaluate every split of the boxes in `order` (k first to the left) with
 * k in [lo_k, hi_k]; prefix and suffix hold n+1 boxes of scratch.
 */
static HboxSplitChoice
eval_axis(const double *boxes, const HboxOrder *order, int n, int dim,
		  int lo_k, int hi_k, double *prefix, double *suffix)
{
	HboxSplitChoice best = {0.0, INFINITY, INFINITY, n, lo_k};
	size_t		w = 2 * (size_t) dim;

	/* prefix[k]: bounding box of the first k boxes, k >= 1 */
	memcpy(prefix + w, boxes + w * order[0].index, sizeof(double) * w);
	for (int k = 2; k <= n; k++)
	{
		memcpy(prefix + w * k, prefix + w * (k - 1), sizeof(double) * w);
		box_extend(prefix + w * k, boxes + w * order[k - 1].index, dim);
	}
	/* suffix[k]: bounding box of boxes k..n-1, k <= n-1 */
	memcpy(suffix + w * (n - 1), boxes + w * order[n - 1].index, sizeof(double) * w);
	for (int k = n - 2; k >= 0; k--)
	{
		memcpy(suffix + w * k, suffix + w * (k + 1), sizeof(double) * w);
		box_extend(suffix + w * k, boxes + w * order[k].index, dim);
	}
	for (int k = lo_k; k <= hi_k; k++)
	{
		const double *l = prefix + w * k;
		const double *r = suffix + w * k;
		double		ov = overlap_volume(l, r, dim);
		double		vol = box_volume(l, dim) + box_volume(r, dim);
		int			bal = abs(n - 2 * k);

		best.margin_sum += hbox_margin(l, l + dim, dim) + hbox_margin(r, r + dim, dim);
		if (ov < best.overlap ||
			(ov == best.overlap && (vol < best.volume ||
									(vol == best.volume && bal < best.balance))))
		{
			best.overlap = ov;
			best.volume = vol;
			best.balance = bal;
			best.k = k;
		}
	}
	return best;
}

/* Fill order with the boxes sorted by their centre on axis a. */
static void
sort_axis(const double *boxes, int n, int dim, int a, HboxOrder *order)
{
	size_t		w = 2 * (size_t) dim;

	for (int i = 0; i < n; i++)
	{
		order[i].centre = 0.5 * (boxes[w * i + a] + boxes[w * i + dim + a]);
		order[i].index = i;
	}
	qsort(order, n, sizeof(HboxOrder), cmp_order);
}

/* R*-tree split: axis by margin sum, position by overlap, volume, balance. */
HackStatus
hbox_split(const double *boxes, int n, int dim, bool *right, HackError *err)
{
	size_t		w = 2 * (size_t) dim;
	HboxOrder  *order = malloc(sizeof(HboxOrder) * n);
	double	   *prefix = malloc(sizeof(double) * w * (n + 1));
	double	   *suffix = malloc(sizeof(double) * w * (n + 1));
	int			min_fill = (int) ceil(HBOX_SPLIT_MIN_FILL * n);
	HboxSplitChoice best = {INFINITY, 0.0, 0.0, 0, 0};
	int			best_axis = 0;

	if (order == NULL || prefix == NULL || suffix == NULL)
	{
		free(order);
		free(prefix);
		free(suffix);
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL,
							  "out of memory splitting %d boxes", n);
	}
	if (min_fill < 1)
		min_fill = 1;
	if (min_fill > n / 2)
		min_fill = n / 2;
	for (int a = 0; a < dim; a++)
	{
		HboxSplitChoice c;

		sort_axis(boxes, n, dim, a, order);
		c = eval_axis(boxes, order, n, dim, min_fill, n - min_fill, prefix, suffix);
		if (c.margin_sum < best.margin_sum)
		{
			best = c;
			best_axis = a;
		}
	}
	sort_axis(boxes, n, dim, best_axis, order);
	for (int i = 0; i < n; i++)
		right[order[i].index] = (i >= best.k);
	free(order);
	free(prefix);
	free(suffix);
	return HACK_OK;
}
