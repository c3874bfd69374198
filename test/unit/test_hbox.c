/*
 * test_hbox.c
 *	  Boxes of the Poincaré ball (src/core/hbox.c): the distance lower bound
 *	  the GiST index relies on, the curve key of sorted builds, the split.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "hbox.h"
#include "hyperbolic.h"

/* A random point of the ball: half near the boundary (norm up to 1 - 1e-6), half anywhere. */
static void
random_point(UnitRng *r, double *x, int dim)
{
	double		target = unit_rng_uniform(r) < 0.5 ?
		1.0 - pow(10.0, -6.0 * unit_rng_uniform(r)) : unit_rng_uniform(r);
	double		f;

	for (int i = 0; i < dim; i++)
		x[i] = unit_rng_normal(r);
	f = fmin(target, 1.0 - 1e-6) / sqrt(hyp_sqnorm(x, dim));
	for (int i = 0; i < dim; i++)
		x[i] *= f;
}

/* A point of the ball near c: c plus a small random offset, kept if inside. */
static void
nearby_point(UnitRng *r, const double *c, double scale, double *x, int dim)
{
	for (int tries = 0; tries < 100; tries++)
	{
		for (int i = 0; i < dim; i++)
			x[i] = c[i] + scale * unit_rng_normal(r);
		if (hyp_one_minus_c_sqnorm(x, dim, 1.0) > 0.0)
			return;
	}
	memcpy(x, c, sizeof(double) * dim);
}

/*
 * The bound never exceeds the distance to any point of the ball in the box:
 * boxes are bounding boxes of a few random points (near the boundary too),
 * queries are anywhere, checked points are the generators and random
 * points of the box that lie in the ball.
 */
static void
test_bound_never_overestimates(void)
{
	static const int dims[] = {1, 2, 3, 8, 20};
	UnitRng		r = {20261123};
	double		pts[8][20],
				lo[20],
				hi[20],
				q[20],
				x[20];
	long		checked = 0;

	for (size_t di = 0; di < sizeof(dims) / sizeof(dims[0]); di++)
	{
		int			dim = dims[di];

		for (int trial = 0; trial < 4000; trial++)
		{
			int			npts = 1 + (int) (unit_rng_uniform(&r) * 8);
			double		scale = pow(10.0, -6.0 * unit_rng_uniform(&r));

			random_point(&r, pts[0], dim);
			for (int p = 1; p < npts; p++)
				nearby_point(&r, pts[0], scale, pts[p], dim);
			memcpy(lo, pts[0], sizeof(double) * dim);
			memcpy(hi, pts[0], sizeof(double) * dim);
			for (int p = 1; p < npts; p++)
				for (int i = 0; i < dim; i++)
				{
					lo[i] = fmin(lo[i], pts[p][i]);
					hi[i] = fmax(hi[i], pts[p][i]);
				}
			if (trial % 3 == 0)
				nearby_point(&r, pts[0], scale * 3, q, dim);
			else
				random_point(&r, q, dim);
			{
				double		bound = hbox_min_distance(q, lo, hi, dim);
				double		aq = hyp_one_minus_c_sqnorm(q, dim, 1.0);
				double		zbound = hbox_min_cosh_m1(q, aq, lo, hi, dim);

				for (int p = 0; p < npts; p++)
				{
					CHECK(bound <= hyp_distance(pts[p], q, dim, 1.0));
					CHECK(zbound <= hyp_cosh_distance_m1(pts[p], q, dim, aq));
					checked++;
				}
				for (int s = 0; s < 20; s++)
				{
					for (int i = 0; i < dim; i++)
						x[i] = lo[i] + unit_rng_uniform(&r) * (hi[i] - lo[i]);
					if (!(hyp_one_minus_c_sqnorm(x, dim, 1.0) > 0.0))
						continue;
					CHECK(bound <= hyp_distance(x, q, dim, 1.0));
					CHECK(zbound <= hyp_cosh_distance_m1(x, q, dim, aq));
					checked++;
				}
			}
		}
	}
	CHECK(checked > 300000);
}

/* Ordering by cosh(d) - 1 is ordering by d: hyp_distance is its acosh1p. */
static void
test_cosh_distance(void)
{
	UnitRng		r = {99};
	double		x[3],
				y[3];

	for (int t = 0; t < 10000; t++)
	{
		random_point(&r, x, 3);
		random_point(&r, y, 3);
		CHECK(hyp_distance(x, y, 3, 1.0) ==
			  hyp_acosh1p(hyp_cosh_distance_m1(x, y, 3, hyp_one_minus_c_sqnorm(y, 3, 1.0))));
	}
}

/* From the origin the bound is the norm of the box's closest point. */
static void
test_bound_exact_from_origin(void)
{
	double		origin[3] = {0, 0, 0};
	double		lo[3] = {0.2, -0.1, 0.3};
	double		hi[3] = {0.5, 0.4, 0.35};
	double		closest[3] = {0.2, 0.0, 0.3};
	double		lo2[2] = {0.9999, 0.0};
	double		hi2[2] = {0.99999, 0.001};
	double		closest2[2] = {0.9999, 0.0};

	CHECK_CLOSE(hbox_min_distance(origin, lo, hi, 3), hyp_norm(closest, 3, 1.0), 1e-11);
	CHECK(hbox_min_distance(origin, lo, hi, 3) <= hyp_norm(closest, 3, 1.0));
	CHECK_CLOSE(hbox_min_distance(origin, lo2, hi2, 2), hyp_norm(closest2, 2, 1.0), 1e-11);
}

/* Inside the box the bound is 0; a degenerate box gives the distance. */
static void
test_bound_inside_and_point(void)
{
	double		lo[2] = {-0.1, -0.2};
	double		hi[2] = {0.3, 0.1};
	double		in[2] = {0.0, 0.0};
	double		p[2] = {0.5, -0.7};
	double		q[2] = {-0.3, 0.2};

	CHECK(hbox_min_distance(in, lo, hi, 2) == 0.0);
	CHECK(hbox_min_distance(lo, lo, hi, 2) == 0.0);
	CHECK_CLOSE(hbox_min_distance(q, p, p, 2), hyp_distance(p, q, 2, 1.0), 1e-11);
	CHECK(hbox_min_distance(q, p, p, 2) <= hyp_distance(p, q, 2, 1.0));
}

/* The Hilbert key visits the quadrants in the order (-,-), (-,+), (+,+), (+,-). */
static void
test_curve_key(void)
{
	double		a[2] = {-0.5, -0.5},
				b[2] = {-0.5, 0.5},
				c[2] = {0.5, 0.5},
				d[2] = {0.5, -0.5};
	double		x3[3] = {-0.9, 0.1, 0.2},
				y3[3] = {0.9, 0.1, 0.2};
	uint64_t	q = UINT64_C(1) << 62;

	CHECK(hbox_curve_key(a, 2) < q);
	CHECK(hbox_curve_key(b, 2) >= q && hbox_curve_key(b, 2) < 2 * q);
	CHECK(hbox_curve_key(c, 2) >= 2 * q && hbox_curve_key(c, 2) < 3 * q);
	CHECK(hbox_curve_key(d, 2) >= 3 * q);
	CHECK(hbox_curve_key(x3, 3) < hbox_curve_key(y3, 3));
	CHECK(hbox_curve_key(x3, 1) < hbox_curve_key(y3, 1));
}

/* Penalty realms: covered < flat growth < volume growth; tiny volumes stay apart. */
static void
test_penalty(void)
{
	double		lo[2] = {0.0, 0.0},
				hi[2] = {0.2, 0.2};
	double		in[2] = {0.1, 0.1},
				near[2] = {0.25, 0.1},
				far[2] = {0.5, 0.1};
	double		flo[2] = {0.0, 0.0},
				fhi[2] = {0.2, 0.0},
				fpt[2] = {0.3, 0.0};
	double		tlo[8],
				thi[8],
				t1[8],
				t2[8];

	CHECK(hbox_penalty(lo, hi, in, in, 2) == 0.0f);
	CHECK(hbox_penalty(lo, hi, near, near, 2) > 0.0f);
	CHECK(hbox_penalty(lo, hi, near, near, 2) < hbox_penalty(lo, hi, far, far, 2));
	CHECK(hbox_penalty(flo, fhi, fpt, fpt, 2) > 0.0f);
	CHECK(hbox_penalty(flo, fhi, fpt, fpt, 2) < hbox_penalty(lo, hi, near, near, 2));
	for (int i = 0; i < 8; i++)
	{
		tlo[i] = 0.9;
		thi[i] = 0.9 + 1e-6;
		t1[i] = t2[i] = 0.9 + 5e-7;
	}
	t1[0] = 0.9 + 2e-6;
	t2[0] = 0.9 + 3e-6;
	CHECK(hbox_penalty(tlo, thi, t1, t1, 8) > 0.0f);
	CHECK(hbox_penalty(tlo, thi, t1, t1, 8) < hbox_penalty(tlo, thi, t2, t2, 8));
	CHECK(isfinite(hbox_penalty(lo, hi, far, far, 2)));
}

/* Two separated clusters split along their gap; each side keeps >= 30%. */
static void
test_split(void)
{
	UnitRng		r = {7};
	int			n = 100;
	double	   *boxes = malloc(sizeof(double) * 4 * n);
	bool	   *right = malloc(sizeof(bool) * n);
	HackError	err;
	int			nright = 0;
	bool		separated = true;

	for (int i = 0; i < n; i++)
	{
		double		x = (i < 40 ? -0.5 : 0.5) + 0.05 * unit_rng_normal(&r);
		double		y = 0.3 * unit_rng_normal(&r);

		boxes[4 * i] = boxes[4 * i + 2] = x;
		boxes[4 * i + 1] = boxes[4 * i + 3] = y;
	}
	CHECK(hbox_split(boxes, n, 2, right, &err) == HACK_OK);
	for (int i = 0; i < n; i++)
	{
		nright += right[i];
		if (right[i] != right[0] && (i < 40) == (0 < 40))
			separated = false;
		if (right[i] == right[0] && (i < 40) != (0 < 40))
			separated = false;
	}
	CHECK(separated);
	CHECK(nright == 60 || nright == 40);
	/* tiny inputs */
	CHECK(hbox_split(boxes, 2, 2, right, &err) == HACK_OK);
	CHECK(right[0] != right[1]);
	CHECK(hbox_split(boxes, 3, 2, right, &err) == HACK_OK);
	nright = right[0] + right[1] + right[2];
	CHECK(nright == 1 || nright == 2);
	free(boxes);
	free(right);
}

void
suite_hbox(void)
{
	RUN(test_bound_never_overestimates);
	RUN(test_cosh_distance);
	RUN(test_bound_exact_from_origin);
	RUN(test_bound_inside_and_point);
	RUN(test_curve_key);
	RUN(test_penalty);
	RUN(test_split);
}
