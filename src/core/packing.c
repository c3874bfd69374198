/*
 * packing.c
 *	  Pack n particles uniformly into a ball of the Poincaré model.
 *
 * The problem (Guo et al., CVPR 2024, section 4.3).  The ball of Euclidean
 * radius r has hyperbolic radius r_B = 2 artanh(r) and, in dimension 2,
 * area A_B = 4 pi sinh^2(r_B / 2).  Each particle gets the area
 * A_n = A_B / n, which is that of a disc of radius
 * r_n = 2 asinh(sqrt(A_n / (4 pi))).  Two particles at hyperbolic distance
 * d repel with V = C(k) (1 / min(d, 2 r_n)^k - 1 / (2 r_n)^k),
 * C(k) = (2 r_n)^(k+1) / k, so dV/dd = -(2 r_n / d)^(k+1) below the cut-off
 * 2 r_n and nothing beyond: a dimensionless force of at least 1 between
 * overlapping discs.  The boundary loss max(0, |x| - r + margin) keeps them
 * inside.  In other dimensions "area" is the hyperbolic volume
 * omega_(D-1) * integral_0^rho sinh^(D-1)(t) dt (equal to the formula above
 * for D = 2), and r_n is the radius of the ball of volume A_B / n.
 *
 * What we do differently from the reference, and why (measured figures in
 * doc/packing.md):
 *
 *	- Start.  The reference starts every particle within +-0.01 of the
 *	  origin and lets SGD push them out; after 600 epochs they are still
 *	  within norm 0.06.  We start from a layout that is already uniform in
 *	  hyperbolic volume: particle i at the radius enclosing the fraction
 *	  (i + 1/2) / n of the volume, on a Fibonacci sunflower (angle i times
 *	  the golden angle) in dimension 2, evenly along the segment in
 *	  dimension 1, in a seeded uniform direction otherwise.  The optimiser
 *	  then only has to make the local spacing regular.
 *
 *	- Boundary.  With the hinge at weight 1 its pull, measured in the
 *	  hyperbolic metric, is (1 - |x|^2) / 2 (about 0.21 at r = 0.76) while a
 *	  single overlap pushes with at least 1, so a jammed packing leaks
 *	  outwards until no pair overlaps.  We treat the hinge as a constraint
 *	  instead: after every step a particle with |x| > r - margin is moved
 *	  radially back onto that sphere (the projection onto the hinge's zero
 *	  set).  The default margin puts this wall where a quarter of a
 *	  particle's volume A_n / 4 is left outside it, just beyond the outermost
 *	  particle of a uniform layout, in any dimension.
 *
 *	- Radial equalisation.  Relaxed under a circular wall, the packing
 *	  settles into concentric rows whose density alternates from shell to
 *	  shell (for n = 2,000 some of the 10 equal-area shells held 175 and
 *	  others 230 particles, at the same radii for every seed).  After each
 *	  step the particle of radial rank q therefore moves a share beta of
 *	  the way towards the radius enclosing (q + 1/2) / n of the volume,
 *	  keeping its direction: a relaxed projection onto the layouts whose
 *	  radial distribution is exactly uniform (the one-dimensional optimal
 *	  transport of the radial marginal).  beta grows from PACK_EQUALISE to
 *	  1 as the schedule decays, so the last steps, which are tiny, end on
 *	  the exact radial distribution.  The repulsion still decides the
 *	  angular and local arrangement.
 *
 *	- Steps.  Riemannian gradient descent: each particle moves along the
 *	  geodesic against its Riemannian gradient ((1 - |x|^2)^2 / 4 times
 *	  the Euclidean one) by lr_t * PACK_STEP_SCALE * r_n times the
 *	  gradient's hyperbolic norm, capped at PACK_MAX_STEP * r_n times the
 *	  schedule so that near-coincident pairs cannot fling particles across
 *	  the ball and hard-pushed particles still come to rest; the schedule
 *	  is a cosine from 1 to 0 (lr_t from lr to 0).  Steps scale with r_n,
 *	  so one lr suits every n.  We do not use Adam: its per-coordinate
 *	  normalisation moves every particle by about lr however weakly it is
 *	  pushed, whereas here the force itself (zero once a particle's
 *	  neighbours are at 2 r_n) should decide how far it moves.
 *
 *	- Cell list.  Only pairs closer than 2 r_n interact.  A hyperbolic
 *	  distance d <= rho between x and y means
 *	  |x - y|^2 <= sinh^2(rho / 2) (1 - |x|^2)(1 - |y|^2), so a particle at
 *	  norm s needs to look no further than
 *	  e(s) = sinh(rho / 2) sqrt((1 - s^2)(1 - max(0, s - e)^2)) in Euclidean
 *	  terms (iterated twice from e = sinh(rho / 2) sqrt(1 - s^2)).  The grid's
 *	  cells have the side e(r - margin), the smallest reach; a particle
 *	  nearer the centre scans ceil(e(s) / side) cells each way.  Particles
 *	  are re-sorted by cell every step (a counting sort, O(n + cells)), so
 *	  the forces cost O(n) for a packing of bounded density; the radial
 *	  ranking is an insertion sort of the previous one (nearly linear, since
 *	  ranks barely change), with qsort as the O(n log n) fallback.
 *
 * Everything is single-threaded and the order of floating-point sums is
 * fixed, so a seed always gives the same packing.
 */
#include "packing.h"

#include "rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hyperbolic.h"
#include "packing_grid.h"

#define PACK_DEFAULT_RADIUS 0.76
#define PACK_DEFAULT_K 1.55
#define PACK_DEFAULT_EPOCHS 1000
#define PACK_DEFAULT_LR 0.01

#define PACK_WALL_SHARE 0.25	/* default wall leaves this * A_n outside */
#define PACK_EQUALISE 0.2		/* share of the radial correction per step */
#define PACK_STEP_SCALE 25.0	/* lr 0.01 moves 0.25 r_n per unit force */
#define PACK_PROGRESS_ROWS 16	/* particles between two progress calls */
#define PACK_INIT_ROWS 1024		/* the same, laying out the initial packing */
#define PACK_MAX_STEP 0.5		/* no step longer than this many r_n */
#define PACK_MIN_DIST 0.05		/* forces are clamped below this * 2 r_n */
#define PACK_MAX_FORCE 1e100	/* and never exceed this */
#define PACK_JITTER 0.02		/* initial jitter, in r_n */
#define PACK_CDF_POINTS 4096	/* table of the radial distribution */

#define PACK_PI 3.14159265358979323846


/* The documented defaults of hack_pack() (n is left at 0). */
void
hack_pack_defaults(HackPackParams *p)
{
	memset(p, 0, sizeof(*p));
	p->dim = 2;
	p->radius = PACK_DEFAULT_RADIUS;
	p->k = PACK_DEFAULT_K;
	p->epochs = PACK_DEFAULT_EPOCHS;
	p->lr = PACK_DEFAULT_LR;
	p->seed = 0;
	p->margin = -1.0;
}

/* Validate the parameters: 22023 for bad values, 54000 above the limits. */
HackStatus
hack_pack_check(const HackPackParams *p, HackError *err)
{
	char		buf[HACK_DOUBLE_BUF];

	if (p->n < 1)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "number of particles must be positive, got %d", p->n);
	if (p->n > HACK_PACK_MAX_N)
		return hack_error_set(err, HACK_ERR_LIMIT, NULL,
							  "cannot pack more than %d particles, got %d",
							  HACK_PACK_MAX_N, p->n);
	if (p->dim < 1)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "dimension must be at least 1, got %d", p->dim);
	if (p->dim > HACK_MAX_DIM)
		return hack_error_set(err, HACK_ERR_LIMIT, NULL,
							  "dimension cannot exceed %d, got %d",
							  HACK_MAX_DIM, p->dim);
	if ((long) p->n * p->dim > HACK_PACK_MAX_COORDS)
		return hack_error_set(err, HACK_ERR_LIMIT,
							  "The packing is held in memory; n times dim is limited to 20000000.",
							  "packing of %d particles in %d dimensions is too large",
							  p->n, p->dim);
	if (!(p->radius > 0.0 && p->radius < 1.0))
		return hack_error_set(err, HACK_ERR_PARAMETER,
							  "The packed ball must lie strictly inside the unit ball.",
							  "radius must be between 0 and 1 exclusive, got %s",
							  hack_fmt_double(buf, sizeof(buf), p->radius));
	if (!(p->k > 0.0) || !isfinite(p->k))
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "repulsion exponent k must be positive and finite, got %s",
							  hack_fmt_double(buf, sizeof(buf), p->k));
	if (p->epochs < 0)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "number of epochs must not be negative, got %d", p->epochs);
	if (p->epochs > HACK_PACK_MAX_EPOCHS)
		return hack_error_set(err, HACK_ERR_LIMIT, NULL,
							  "number of epochs cannot exceed %d, got %d",
							  HACK_PACK_MAX_EPOCHS, p->epochs);
	if (!(p->lr >= 0.0) || !isfinite(p->lr))
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "learning rate must be non-negative and finite, got %s",
							  hack_fmt_double(buf, sizeof(buf), p->lr));
	if (isnan(p->margin) || p->margin >= p->radius)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "margin must be below the radius, got %s",
							  hack_fmt_double(buf, sizeof(buf), p->margin));
	return HACK_OK;
}

/* Euclidean reach e(s) of the hyperbolic cut-off for a particle at norm s. */
static double
pack_reach(double s, double sinh_half_cutoff)
{
	double		a = 1.0 - s * s;
	double		e = sinh_half_cutoff * sqrt(a);

	for (int it = 0; it < 2; it++)
	{
		double		t = s - e > 0.0 ? s - e : 0.0;

		e = sinh_half_cutoff * sqrt(a * (1.0 - t * t));
	}
	return e;
}

/* r_B, A_B, r_n, the cut-off and the wall of a valid problem. */
HackStatus
hack_pack_geometry(const HackPackParams *p, HackPackGeometry *g,
				   HackError *err)
{
	HackStatus	st;

	if ((st = hack_pack_check(p, err)) != HACK_OK)
		return st;
	g->r_b = 2.0 * atanh(p->radius);
	g->log_volume = hack_ball_log_volume(p->dim, g->r_b);
	g->r_n = hack_ball_radius_of_log_volume(p->dim, g->log_volume - log((double) p->n),
											g->r_b);
	g->cutoff = 2.0 * g->r_n;
	if (p->margin >= 0.0)
		g->wall = p->radius - p->margin;
	else
	{
		/* where a quarter of a particle's volume is left outside */
		double		rho = hack_ball_radius_of_log_volume(p->dim,
														 g->log_volume + log1p(-PACK_WALL_SHARE / p->n),
														 g->r_b);

		g->wall = tanh(rho / 2.0);
	}
	g->margin = p->radius - g->wall;
	return HACK_OK;
}

/*
 * Move x by hyperbolic length s along the Euclidean direction u (not
 * necessarily a unit vector): exp_x(v) = x (+) tanh(lambda_x |v| / 2) v/|v|
 * for the tangent vector v of length s, i.e. x (+) tanh(s / 2) u/|u|.
 * Unlike hyp_expmap() this does not clip at norm 1 - 1e-5, so radii up to
 * 1 - 1e-12 stay reachable; the caller projects onto the wall.
 */
static void
pack_move(double *x, const double *u, int dim, double s)
{
	double		step[HACK_MAX_DIM];
	double		un = hyp_euclid_norm(u, dim);
	double		t = tanh(s / 2.0);

	if (un == 0.0 || s == 0.0)
		return;
	for (int a = 0; a < dim; a++)
		step[a] = t * (u[a] / un);
	hyp_mobius_add(x, step, dim, 1.0, x);
}

/* Move x radially back onto the sphere of Euclidean radius wall if beyond it. */
static void
pack_project(double *x, int dim, double wall)
{
	double		norm = sqrt(hyp_sqnorm(x, dim));

	if (norm > wall)
		for (int a = 0; a < dim; a++)
			x[a] *= wall / norm;
}

/* Put x (dim doubles) at hyperbolic distance rho from the origin along u; x may be u. */
static void
pack_place(double *x, const double *u, int dim, double rho)
{
	double		un = hyp_euclid_norm(u, dim);
	double		t = tanh(rho / 2.0);

	for (int a = 0; a < dim; a++)
		x[a] = un > 0.0 ? t * (u[a] / un) : (a == 0 ? t : 0.0);
}

/*
 * The radial distribution of a uniform packing: the radius below which a
 * fraction f of the volume of the ball of radius r_B lies.  Closed form in
 * dimension 2; otherwise a table of the cumulative volume (trapezoid rule
 * on sinh^(dim-1), scaled by its value at r_B so that it never overflows),
 * inverted by bisection and linear interpolation.
 */
typedef struct PackRadial
{
	int			dim;
	double		r_b;
	double	   *cdf;			/* PACK_CDF_POINTS + 1 values, NULL in 2-D */
} PackRadial;

/* Build the table of the radial distribution (none needed in 2-D). */
static HackStatus
pack_radial_init(PackRadial *r, int dim, double r_b, HackError *err)
{
	int			m = dim - 1;
	double		ls = hyp_log_sinh(r_b);

	r->dim = dim;
	r->r_b = r_b;
	r->cdf = NULL;
	if (dim == 2)
		return HACK_OK;
	r->cdf = malloc(sizeof(double) * (PACK_CDF_POINTS + 1));
	if (r->cdf == NULL)
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL,
							  "out of memory for the radial distribution");
	r->cdf[0] = 0.0;
	for (int s = 1; s <= PACK_CDF_POINTS; s++)
	{
		double		t0 = r_b * (s - 1) / PACK_CDF_POINTS;
		double		t1 = r_b * s / PACK_CDF_POINTS;
		double		f0 = m == 0 ? 1.0 : (s > 1 ? exp(m * (hyp_log_sinh(t0) - ls)) : 0.0);
		double		f1 = m == 0 ? 1.0 : exp(m * (hyp_log_sinh(t1) - ls));

		r->cdf[s] = r->cdf[s - 1] + 0.5 * (f0 + f1);
	}
	return HACK_OK;
}

/* Radius enclosing the fraction f in [0, 1] of the volume. */
static double
pack_radial_quantile(const PackRadial *r, double f)
{
	double		q;
	int			lo = 0,
				hi = PACK_CDF_POINTS;

	if (r->dim == 2)
		return 2.0 * asinh(sqrt(f) * sinh(r->r_b / 2.0));
	q = f * r->cdf[PACK_CDF_POINTS];
	while (hi - lo > 1)
	{
		int			mid = (lo + hi) / 2;

		if (r->cdf[mid] < q)
			lo = mid;
		else
			hi = mid;
	}
	if (r->cdf[hi] > r->cdf[lo])
		q = (q - r->cdf[lo]) / (r->cdf[hi] - r->cdf[lo]);
	else
		q = 0.0;
	return r->r_b * (lo + q) / PACK_CDF_POINTS;
}

/*
 * Initial layout, uniform in hyperbolic volume: particle i at the radius
 * enclosing the fraction (i + 1/2) / n of the volume, on a Fibonacci
 * sunflower (angle i times the golden angle, turned by a seeded angle) in
 * dimension 2 and in a seeded uniform direction otherwise, then moved by
 * a small seeded jitter so that no symmetry survives.  Two seconds at
 * n dim = 2e7, so the callback is asked every PACK_INIT_ROWS particles;
 * returns false when it says stop.
 */
static bool
pack_initial(const HackPackParams *p, const HackPackGeometry *g,
			 const PackRadial *radial, double *x,
			 HackProgressFn progress, void *arg)
{
	uint64_t	rng = p->seed ^ 0x5DEECE66DULL;
	int			dim = p->dim;
	double		golden = PACK_PI * (3.0 - sqrt(5.0));
	double		theta0 = 2.0 * PACK_PI * hack_rng_uniform(&rng);
	double		u[HACK_MAX_DIM];

	for (int i = 0; i < p->n; i++)
	{
		double		rho = pack_radial_quantile(radial, (i + 0.5) / p->n);

		if (progress != NULL && (i & (PACK_INIT_ROWS - 1)) == 0 &&
			!progress(arg, i, 2.0 * p->n))
			return false;

		if (dim == 2)
		{
			u[0] = cos(theta0 + golden * i);
			u[1] = sin(theta0 + golden * i);
		}
		else if (dim == 1)
		{
			/* evenly along the whole segment [-r_B, r_B] */
			double		s = (2.0 * i + 1.0) / p->n - 1.0;

			u[0] = s < 0.0 ? -1.0 : 1.0;
			rho = radial->r_b * fabs(s);
		}
		else
			for (int a = 0; a < dim; a++)
				u[a] = hack_rng_normal(&rng);
		pack_place(x + (long) i * dim, u, dim, rho);
	}
	for (int i = 0; i < p->n; i++)
	{
		double	   *xi = x + (long) i * dim;

		if (progress != NULL && (i & (PACK_INIT_ROWS - 1)) == 0 &&
			!progress(arg, p->n + i, 2.0 * p->n))
			return false;
		for (int d = 0; d < dim; d++)
			u[d] = hack_rng_normal(&rng);
		pack_move(xi, u, dim, PACK_JITTER * g->r_n * hack_rng_uniform(&rng));
		pack_project(xi, dim, g->wall);
	}
	return true;
}

/* Scratch of one packing run. */
typedef struct PackWork
{
	int			n;
	int			dim;
	double	   *x;				/* positions, in cell order after a sort */
	double	   *y;				/* the other buffer of the permutation */
	double	   *grad;			/* Euclidean gradient */
	double	   *alpha;			/* 1 - |x|^2 */
	double	   *norm2;			/* |x|^2 (x in 1-D), for the radial ranking */
	int		   *rank;			/* slots in increasing order of norm */
	int		   *inverse;		/* scratch for renumbering rank */
	double		energy;			/* total repulsion of the last gradient */
	PackRadial	radial;
	PackGrid	grid;
} PackWork;

/* Free whatever the work area holds. */
static void
pack_work_free(PackWork *w)
{
	free(w->x);
	free(w->y);
	free(w->grad);
	free(w->alpha);
	free(w->norm2);
	free(w->rank);
	free(w->inverse);
	free(w->radial.cdf);
	pack_grid_free(&w->grid);
}

/*
 * Re-sort the particles by cell, so that neighbours are close in memory,
 * and renumber the radial ranking accordingly.
 */
static void
pack_sort(PackWork *w)
{
	double	   *t;

	pack_grid_build(&w->grid, w->x);
	for (int p = 0; p < w->n; p++)
	{
		memcpy(w->y + (long) p * w->dim, w->x + (long) w->grid.order[p] * w->dim,
			   sizeof(double) * w->dim);
		w->inverse[w->grid.order[p]] = p;
	}
	for (int q = 0; q < w->n; q++)
		w->rank[q] = w->inverse[w->rank[q]];
	t = w->x;
	w->x = w->y;
	w->y = t;
}

/* A deterministic unit direction for a pair of coincident particles. */
static void
pack_split_direction(int i, int j, int dim, double *u)
{
	uint64_t	s = ((uint64_t) i << 32) ^ (uint64_t) j;

	for (int a = 0; a < dim; a++)
		u[a] = hack_rng_normal(&s);
}

/*
 * Accumulate into grad the Euclidean gradient of the repulsion of pair
 * (i, j), with diff2 = |x_i - x_j|^2 > 0 and z = 2 diff2 / (a_i a_j) below
 * the cut-off: d = acosh(1 + z) and dV/dd = -(2 r_n / d)^(k+1), with d
 * clamped below at PACK_MIN_DIST * 2 r_n as the reference clamps it.
 * This is hyp_distance()'s formula with its two compensated denominators
 * a = 1 - |x|^2 computed once per particle and step instead of per pair,
 * and z is needed anyway: it rejects distant pairs without an acosh and
 * gives the gradient.
 */
static void
pack_pair(PackWork *w, int i, int j, double diff2, double z,
		  double cutoff, double kp1)
{
	int			dim = w->dim;
	const double *xi = w->x + (long) i * dim;
	const double *xj = w->x + (long) j * dim;
	double	   *gi = w->grad + (long) i * dim;
	double	   *gj = w->grad + (long) j * dim;
	double		ai = w->alpha[i];
	double		aj = w->alpha[j];
	double		d = fmax(hyp_acosh1p(z), PACK_MIN_DIST * cutoff);
	/* capped so that a huge k cannot overflow to inf */
	double		force = fmin(pow(cutoff / d, kp1), PACK_MAX_FORCE);

	/* dd/dz = 1/sqrt(z (z + 2)); dz/dx_i = 4/(a_i a_j) (x_i - x_j + diff2 x_i / a_i) */
	double		f = -force * 4.0 / (ai * aj * sqrt(z * (z + 2.0)));
	double		fi = diff2 / ai;
	double		fj = diff2 / aj;

	/* V = C(k) (d^-k - (2 r_n)^-k) = (force d - 2 r_n) / k */
	w->energy += (force * d - cutoff) / (kp1 - 1.0);
	for (int a = 0; a < dim; a++)
	{
		double		delta = xi[a] - xj[a];

		gi[a] += f * (delta + fi * xi[a]);
		gj[a] += f * (-delta + fj * xj[a]);
	}
}

/*
 * Push two coincident particles apart along a fixed direction, with the
 * force of the clamped distance (the gradient of d is undefined there).
 */
static void
pack_split(PackWork *w, int i, int j, double cutoff, double kp1)
{
	double		u[HACK_MAX_DIM];
	double		force = fmin(pow(1.0 / PACK_MIN_DIST, kp1), PACK_MAX_FORCE);
	double	   *gi = w->grad + (long) i * w->dim;
	double	   *gj = w->grad + (long) j * w->dim;
	double		un;

	w->energy += (force * PACK_MIN_DIST - 1.0) * cutoff / (kp1 - 1.0);
	pack_split_direction(i, j, w->dim, u);
	un = hyp_euclid_norm(u, w->dim);
	for (int a = 0; a < w->dim; a++)
	{
		/* a Euclidean gradient whose hyperbolic norm is force */
		gi[a] -= force * 2.0 / w->alpha[i] * u[a] / un;
		gj[a] += force * 2.0 / w->alpha[j] * u[a] / un;
	}
}

/* Range of cells within m cells of c on each grid axis, clipped to the grid. */
static void
pack_cell_range(const PackGrid *grid, const int *c, int m, int *lo, int *hi)
{
	for (int a = 0; a < PACK_GRID_MAX_GDIM; a++)
	{
		lo[a] = c[a];
		hi[a] = c[a];
		if (a >= grid->gdim)
			continue;
		lo[a] = c[a] - m > 0 ? c[a] - m : 0;
		hi[a] = c[a] + m < grid->ncell[a] - 1 ? c[a] + m : grid->ncell[a] - 1;
	}
}

/* |x - y|^2 */
static inline double
pack_sqdist(const double *x, const double *y, int dim)
{
	double		s = 0.0;

	for (int a = 0; a < dim; a++)
		s += (x[a] - y[a]) * (x[a] - y[a]);
	return s;
}

/*
 * The repulsion gradient of every interacting pair, found by the cell list.
 * In high dimensions the cell list (over at most three axes) prunes little,
 * and one pass costs up to n^2 dim / 2 flops (minutes at n = 200,000 and
 * dim = 100), so the callback is asked every PACK_PROGRESS_ROWS particles;
 * returns false when it says stop.
 */
static bool
pack_gradient(PackWork *w, const HackPackGeometry *g, double kp1,
			  HackProgressFn progress, void *arg)
{
	PackGrid   *grid = &w->grid;
	int			dim = w->dim;
	double		shc = sinh(g->cutoff / 2.0);
	double		zc = 2.0 * shc * shc;	/* cosh(cutoff) - 1 */

	memset(w->grad, 0, sizeof(double) * w->n * dim);
	w->energy = 0.0;
	for (int i = 0; i < w->n; i++)
		w->alpha[i] = hyp_one_minus_c_sqnorm(w->x + (long) i * dim, dim, 1.0);

	for (int i = 0; i < w->n; i++)
	{
		const double *xi = w->x + (long) i * dim;
		double		reach = pack_reach(sqrt(1.0 - w->alpha[i]), shc);
		int			c[PACK_GRID_MAX_GDIM],
					lo[PACK_GRID_MAX_GDIM],
					hi[PACK_GRID_MAX_GDIM];

		if (progress != NULL && (i & (PACK_PROGRESS_ROWS - 1)) == 0 &&
			!progress(arg, i, w->n))
			return false;
		pack_grid_coords(grid, xi, c);
		pack_cell_range(grid, c, (int) ceil(reach / grid->h), lo, hi);
		for (int c2 = lo[2]; c2 <= hi[2]; c2++)
			for (int c1 = lo[1]; c1 <= hi[1]; c1++)
			{
				long		row = ((long) c2 * grid->ncell[1] + c1) * grid->ncell[0];
				int			q0 = grid->start[row + lo[0]];
				int			q1 = grid->start[row + hi[0] + 1];

				/* particles are stored in cell order: a row of cells is a range */
				for (int j = q0 > i + 1 ? q0 : i + 1; j < q1; j++)
				{
					double		diff2 = pack_sqdist(xi, w->x + (long) j * dim, dim);
					double		z;

					if (diff2 == 0.0)
					{
						pack_split(w, i, j, g->cutoff, kp1);
						continue;
					}
					z = 2.0 * diff2 / (w->alpha[i] * w->alpha[j]);
					if (z < zc)
						pack_pair(w, i, j, diff2, z, g->cutoff, kp1);
				}
			}
	}
	return true;
}

/*
 * Move every particle along its Riemannian descent direction by
 * min(eta * r_n * |grad|_H, cap), then project it back inside the wall
 * (the zero set of the boundary loss).  The cap follows the same schedule
 * as eta, so that even particles pushed hard come to rest at the end.
 */
static void
pack_step(PackWork *w, const HackPackGeometry *g, double eta, double cap)
{
	int			dim = w->dim;

	for (int i = 0; i < w->n; i++)
	{
		double	   *xi = w->x + (long) i * dim;
		double	   *gi = w->grad + (long) i * dim;
		double		gn = hyp_euclid_norm(gi, dim);
		double		s;

		/* the Riemannian gradient's hyperbolic norm is (1 - |x|^2) / 2 |grad| */
		s = eta * g->r_n * (w->alpha[i] / 2.0) * gn;
		if (s > cap)
			s = cap;
		for (int d = 0; d < dim; d++)
			gi[d] = -gi[d];
		pack_move(xi, gi, dim, s);
		pack_project(xi, dim, g->wall);
	}
}

/* A slot and its ranking key, for the qsort fallback of pack_rank(). */
typedef struct PackKey
{
	double		key;
	int			slot;
} PackKey;

/* Order by key, ties by slot, so the result never depends on qsort. */
static int
pack_key_cmp(const void *a, const void *b)
{
	const PackKey *x = a;
	const PackKey *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->slot - y->slot;
}

/*
 * Bring w->rank into increasing order of norm (ties by slot).  Ranks
 * change little from one step to the next, so an insertion sort of the
 * previous order is nearly linear; if it has to move too much, fall back
 * to qsort (or, without memory for it, finish the insertion sort).
 */
static void
pack_rank(PackWork *w)
{
	long		budget = 16L * w->n;
	int		   *r = w->rank;
	PackKey    *keys;

	/* on a line, rank by the signed coordinate: particles lie on both sides */
	for (int i = 0; i < w->n; i++)
		w->norm2[i] = w->dim == 1 ? w->x[i] : hyp_sqnorm(w->x + (long) i * w->dim, w->dim);
	for (int q = 1; q < w->n; q++)
	{
		int			s = r[q];
		double		key = w->norm2[s];
		int			p = q;

		if (budget < 0 && (keys = malloc(sizeof(PackKey) * w->n)) != NULL)
		{
			for (int i = 0; i < w->n; i++)
			{
				keys[i].key = w->norm2[i];
				keys[i].slot = i;
			}
			qsort(keys, w->n, sizeof(PackKey), pack_key_cmp);
			for (int i = 0; i < w->n; i++)
				r[i] = keys[i].slot;
			free(keys);
			return;
		}
		while (p > 0 && (w->norm2[r[p - 1]] > key ||
						 (w->norm2[r[p - 1]] == key && r[p - 1] > s)))
		{
			r[p] = r[p - 1];
			p--;
			budget--;
		}
		r[p] = s;
	}
}

/*
 * Radial equalisation: move the particle of rank q the share beta of the
 * way to the radius enclosing (q + 1/2) / n of the volume, keeping its
 * direction (signed positions on a line).  See the essay at the top.
 */
static void
pack_equalise(PackWork *w, double beta)
{
	pack_rank(w);
	if (w->dim == 1)
	{
		/* signed: the target of rank q is (2 (q + 1/2) / n - 1) r_B */
		for (int q = 0; q < w->n; q++)
		{
			double	   *xi = w->x + w->rank[q];
			double		target = w->radial.r_b * ((2.0 * q + 1.0) / w->n - 1.0);
			double		rho = 2.0 * atanh(*xi);

			*xi = tanh((rho + beta * (target - rho)) / 2.0);
		}
		return;
	}
	for (int q = 0; q < w->n; q++)
	{
		double	   *xi = w->x + (long) w->rank[q] * w->dim;
		double		target = pack_radial_quantile(&w->radial, (q + 0.5) / w->n);
		double		rho = hyp_norm(xi, w->dim, 1.0);

		pack_place(xi, xi, w->dim, rho + beta * (target - rho));
	}
}

/* Allocate the work area and lay out the initial packing. */
static HackStatus
pack_work_init(PackWork *w, const HackPackParams *p,
			   const HackPackGeometry *g, HackProgressFn progress, void *arg,
			   HackError *err)
{
	HackStatus	st;
	double		lo[PACK_GRID_MAX_GDIM],
				hi[PACK_GRID_MAX_GDIM];
	long		size = (long) p->n * p->dim;

	memset(w, 0, sizeof(*w));
	w->n = p->n;
	w->dim = p->dim;
	w->x = malloc(sizeof(double) * size);
	w->y = malloc(sizeof(double) * size);
	w->grad = malloc(sizeof(double) * size);
	w->alpha = malloc(sizeof(double) * p->n);
	w->norm2 = malloc(sizeof(double) * p->n);
	w->rank = malloc(sizeof(int) * p->n);
	w->inverse = malloc(sizeof(int) * p->n);
	if (!w->x || !w->y || !w->grad || !w->alpha || !w->norm2 || !w->rank ||
		!w->inverse)
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL,
							  "out of memory for a packing of %d particles", p->n);
	for (int a = 0; a < PACK_GRID_MAX_GDIM; a++)
	{
		lo[a] = -p->radius;
		hi[a] = p->radius;
	}
	if ((st = pack_grid_init(&w->grid, p->n, p->dim, lo, hi,
							 pack_reach(g->wall, sinh(g->cutoff / 2.0)),
							 4L * p->n + 64, err)) != HACK_OK ||
		(st = pack_radial_init(&w->radial, p->dim, g->r_b, err)) != HACK_OK)
		return st;
	if (!pack_initial(p, g, &w->radial, w->x, progress, arg))
		return hack_error_set(err, HACK_ERR_INTERRUPTED, NULL, "packing interrupted");
	/* the initial layout is in rank order already, up to the jitter */
	for (int q = 0; q < p->n; q++)
		w->rank[q] = q;
	return HACK_OK;
}

/*
 * Pack p->n particles; on success points holds n * dim coordinates.
 * progress is called once per epoch and may stop the run.
 */
HackStatus
hack_pack(const HackPackParams *p, double *points, HackProgressFn progress,
		  void *arg, HackError *err)
{
	HackPackGeometry g;
	HackStatus	st;
	PackWork	w;
	double		kp1 = p->k + 1.0;

	if ((st = hack_pack_geometry(p, &g, err)) != HACK_OK)
		return st;
	if ((st = pack_work_init(&w, p, &g, progress, arg, err)) != HACK_OK)
	{
		pack_work_free(&w);
		return st;
	}
	for (int t = 0; t < p->epochs; t++)
	{
		double		sched = 0.5 * (1.0 + cos(PACK_PI * t / p->epochs));

		if (progress != NULL && !progress(arg, t, p->epochs))
		{
			pack_work_free(&w);
			return hack_error_set(err, HACK_ERR_INTERRUPTED, NULL,
								  "packing interrupted");
		}
		pack_sort(&w);
		if (!pack_gradient(&w, &g, kp1, progress, arg))
		{
			pack_work_free(&w);
			return hack_error_set(err, HACK_ERR_INTERRUPTED, NULL,
								  "packing interrupted");
		}
		pack_step(&w, &g, p->lr * PACK_STEP_SCALE * sched,
				  PACK_MAX_STEP * g.r_n * sched);
		pack_equalise(&w, 1.0 - (1.0 - PACK_EQUALISE) * sched);
	}
	memcpy(points, w.x, sizeof(double) * (long) p->n * p->dim);
	pack_work_free(&w);
	return HACK_OK;
}

/*
 * The total repulsion sum_{i<j} V(d_ij) of n given points (inside the unit
 * ball) under the parameters p, and its Euclidean gradient (n * dim
 * doubles, in the points' order), found with the same cell list as the
 * optimiser: for tests and diagnostics.
 */
HackStatus
hack_pack_repulsion(const HackPackParams *p, const double *points,
					double *energy, double *grad, HackError *err)
{
	HackPackGeometry g;
	HackStatus	st;
	PackWork	w;

	if ((st = hack_pack_geometry(p, &g, err)) != HACK_OK)
		return st;
	if ((st = pack_work_init(&w, p, &g, NULL, NULL, err)) != HACK_OK)
	{
		pack_work_free(&w);
		return st;
	}
	memcpy(w.x, points, sizeof(double) * (long) p->n * p->dim);
	pack_sort(&w);
	(void) pack_gradient(&w, &g, p->k + 1.0, NULL, NULL);
	*energy = w.energy;
	for (int q = 0; q < p->n; q++)
		memcpy(grad + (long) w.grid.order[q] * p->dim, w.grad + (long) q * p->dim,
			   sizeof(double) * p->dim);
	pack_work_free(&w);
	return HACK_OK;
}
