/*
 * hyperbolic.c
 *	  Poincaré-ball geometry with care near the boundary.
 *
 * Almost every formula of the Poincaré ball divides by the conformal
 * denominators 1 - c|x|^2.  Near the boundary (|x| = 1 - 1e-7, as happens
 * with trained embeddings of atypical images) the naive 1 - sum(x_i^2)
 * loses nine of its sixteen digits, so it is evaluated here in
 * double-double arithmetic (exact products by fma, exact sums by TwoSum):
 * the result is then correct to a few ulps and distances keep about 1e-15
 * relative accuracy.  Other rewrites used below, each to avoid a
 * subtraction of nearly equal numbers:
 *
 *	- acosh(1 + z) is evaluated as log1p(z + sqrt(z (z + 2))), exact for
 *	  small z, so d(a, a) = 0 and close points keep their digits;
 *	- artanh(t) = log1p(t) - log(1 - t^2) / 2 for t >= 1/2, with 1 - t^2
 *	  taken from the compensated denominator;
 *	- the Möbius sum uses 1 + 2c<x,y> + c|y|^2 = (1 - c|x|^2) + c|x+y|^2
 *	  and 1 + 2c<x,y> + c^2|x|^2|y|^2 = (1 - c|x|^2)(1 - c|y|^2) + c|x+y|^2,
 *	  sums of non-negative terms, so (-a) + a is exactly the origin.
 *
 * References: Ganea, Bécigneul, Hofmann, "Hyperbolic Neural Networks"
 * (NeurIPS 2018) for the gyrovector formulas; Ganea et al., "Hyperbolic
 * Entailment Cones" (ICML 2018) for the cones.
 */
#include "hyperbolic.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* largest tanh() value kept before a Möbius sum, so 1 - c|y|^2 stays > 0 */
#define HYP_TANH_MAX (1.0 - 0x1p-50)

/* tolerance of the hyperboloid equation, relative to x0^2 */
#define HYP_LORENTZ_TOL 1e-9

#define HYP_PI 3.14159265358979323846
#define HYP_LN2 0.69314718055994530942

/*
 * The error of a number outside its domain: status, detail (or NULL) and a
 * message whose one conversion, %s, is v in shortest round-trip digits.
 */
HackStatus
hyp_value_error(HackError *err, HackStatus status, const char *detail,
				const char *msgfmt, double v)
{
	char		buf[HACK_DOUBLE_BUF];

	return hack_error_set(err, status, detail, msgfmt,
						  hack_fmt_double(buf, sizeof(buf), v));
}

/* Check that c is a usable curvature magnitude. */
HackStatus
hyp_check_curvature(double c, HackError *err)
{
	if (!(c > 0.0) || !isfinite(c))
		return hyp_value_error(err, HACK_ERR_PARAMETER,
							   "The curvature of the ball is -c, so c must be a positive finite number.",
							   "curvature c must be positive and finite, got %s", c);
	return HACK_OK;
}

/* Check that every element of v is finite. */
HackStatus
hyp_check_finite(const double *v, int dim, HackError *err)
{
	for (int i = 0; i < dim; i++)
		if (!isfinite(v[i]))
			return hack_error_set(err, HACK_ERR_OUT_OF_RANGE, NULL,
								  "coordinate %d is not finite (%s)", i + 1,
								  isnan(v[i]) ? "NaN" : v[i] > 0 ? "Infinity" : "-Infinity");
	return HACK_OK;
}

/* Check a tangent vector: at most HACK_MAX_DIM values, all finite. */
HackStatus
hyp_check_tangent(const double *v, int dim, HackError *err)
{
	if (dim > HACK_MAX_DIM)
		return hack_error_set(err, HACK_ERR_LIMIT, NULL,
							  "tangent vector cannot have more than %d dimensions",
							  HACK_MAX_DIM);
	return hyp_check_finite(v, dim, err);
}

/* Check dimension, finiteness and sqrt(c)|x| < 1. */
HackStatus
hyp_check_point(const double *x, int dim, double c, HackError *err)
{
	HackStatus	st;
	char		detail[HACK_MSG_LEN];
	char		nbuf[HACK_DOUBLE_BUF],
				rbuf[HACK_DOUBLE_BUF];

	if (dim < 1)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "poincare_point must have at least 1 dimension");
	if (dim > HACK_MAX_DIM)
		return hack_error_set(err, HACK_ERR_LIMIT, NULL,
							  "poincare_point cannot have more than %d dimensions",
							  HACK_MAX_DIM);
	if ((st = hyp_check_finite(x, dim, err)) != HACK_OK)
		return st;
	if (!(hyp_one_minus_c_sqnorm(x, dim, c) > 0.0))
	{
		if (c == 1.0)
			snprintf(detail, sizeof(detail),
					 "Its Euclidean norm is %s; it must be below 1.",
					 hack_fmt_double(nbuf, sizeof(nbuf), sqrt(hyp_sqnorm(x, dim))));
		else
			snprintf(detail, sizeof(detail),
					 "Its Euclidean norm is %s; it must be below 1/sqrt(c) = %s.",
					 hack_fmt_double(nbuf, sizeof(nbuf), sqrt(hyp_sqnorm(x, dim))),
					 hack_fmt_double(rbuf, sizeof(rbuf), 1.0 / sqrt(c)));
		if (c == 1.0)
			return hack_error_set(err, HACK_ERR_OUT_OF_RANGE, detail,
								  "point lies outside the Poincaré ball");
		return hack_error_set(err, HACK_ERR_OUT_OF_RANGE, detail,
							  "point lies outside the Poincaré ball of curvature -%s",
							  hack_fmt_double(rbuf, sizeof(rbuf), c));
	}
	return HACK_OK;
}

/* <x, y> */
double
hyp_dot(const double *x, const double *y, int dim)
{
	double		s = 0.0;

	for (int i = 0; i < dim; i++)
		s += x[i] * y[i];
	return s;
}

/* |x|^2 */
double
hyp_sqnorm(const double *x, int dim)
{
	return hyp_dot(x, x, dim);
}

/* |v| without overflow or underflow for any finite v (tangent vectors). */
double
hyp_euclid_norm(const double *v, int dim)
{
	double		m = 0.0;
	double		s = 0.0;

	for (int i = 0; i < dim; i++)
		if (fabs(v[i]) > m)
			m = fabs(v[i]);
	if (m == 0.0)
		return 0.0;
	for (int i = 0; i < dim; i++)
	{
		double		q = v[i] / m;

		s += q * q;
	}
	return m * sqrt(s);
}

/* Knuth's TwoSum: s + e == a + b exactly. */
static inline void
two_sum(double a, double b, double *s, double *e)
{
	double		x = a + b;
	double		z = x - a;

	*e = (a - (x - z)) + (b - z);
	*s = x;
}

/*
 * 1 - c|x|^2 in double-double arithmetic, rounded once at the end.  This is
 * the quantity that decides whether a point is inside the ball, and the one
 * every conformal factor divides by.
 */
double
hyp_one_minus_c_sqnorm(const double *x, int dim, double c)
{
	double		hi = 0.0;
	double		lo = 0.0;
	double		ch,
				cl;

	for (int i = 0; i < dim; i++)
	{
		double		p = x[i] * x[i];
		double		pe = fma(x[i], x[i], -p);
		double		se;

		two_sum(hi, p, &hi, &se);
		lo += se + pe;
	}
	if (c == 1.0)
		return (1.0 - hi) - lo;
	ch = c * hi;
	cl = c * lo + fma(c, hi, -ch);
	return (1.0 - ch) - cl;
}

/* acosh(1 + z) for z >= 0, exact near z = 0. */
double
hyp_acosh1p(double z)
{
	if (z > 1e150)
		return log(2.0) + log(z);
	return log1p(z + sqrt(z * (z + 2.0)));
}

/* artanh(sqrt(c)|x|) for a point of the ball, accurate up to the boundary. */
static double
artanh_of_norm(const double *x, int dim, double c)
{
	double		t = sqrt(c) * sqrt(hyp_sqnorm(x, dim));

	if (t < 0.5)
		return atanh(t);
	return log1p(t) - 0.5 * log(hyp_one_minus_c_sqnorm(x, dim, c));
}

/* |x - y|^2 */
static inline double
sqdist(const double *x, const double *y, int dim)
{
	double		diff2 = 0.0;

	for (int i = 0; i < dim; i++)
	{
		double		d = x[i] - y[i];

		diff2 += d * d;
	}
	return diff2;
}

/* The distance from |x-y|^2 > 0 and the denominators 1-c|x|^2, 1-c|y|^2. */
static inline double
distance_from_parts(double diff2, double ax, double ay, double c)
{
	double		den = ax * ay;

	if (c == 1.0)
		return hyp_acosh1p(2.0 * diff2 / den);
	return hyp_acosh1p(2.0 * c * diff2 / den) / sqrt(c);
}

/*
 * cosh(d(x, y)) - 1 = 2|x-y|^2 / ((1-|x|^2)(1-|y|^2)) for curvature -1, given
 * ay = hyp_one_minus_c_sqnorm(y, dim, 1).  hyp_distance() is acosh1p of this
 * very value, so ordering by it orders exactly as by the distance; an index
 * computes ay once per query and skips the acosh.
 */
double
hyp_cosh_distance_m1(const double *x, const double *y, int dim, double ay)
{
	double		diff2 = sqdist(x, y, dim);

	if (diff2 == 0.0)
		return 0.0;
	return 2.0 * diff2 / (hyp_one_minus_c_sqnorm(x, dim, 1.0) * ay);
}

/* Poincaré distance d_c(x, y) = acosh(1 + 2c|x-y|^2/((1-c|x|^2)(1-c|y|^2)))/sqrt(c). */
double
hyp_distance(const double *x, const double *y, int dim, double c)
{
	double		diff2 = sqdist(x, y, dim);

	if (diff2 == 0.0)
		return 0.0;
	return distance_from_parts(diff2, hyp_one_minus_c_sqnorm(x, dim, c),
							   hyp_one_minus_c_sqnorm(y, dim, c), c);
}

/*
 * All distances between n points x and m points y (each `dim` doubles,
 * contiguous), row-major into out (n x m): the same values as
 * hyp_distance, with each denominator computed once per point rather than
 * once per pair.  This is the cost matrix of hack_assign.  progress is
 * called after every row (it may be NULL).
 */
HackStatus
hyp_distance_matrix(const double *x, int n, const double *y, int m, int dim,
					double c, double *out, HackProgressFn progress,
					void *progress_arg, HackError *err)
{
	double	   *ax = malloc(sizeof(double) * ((size_t) n + m + 1));
	double	   *ay = ax + n;

	if (ax == NULL)
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL,
							  "out of memory for %d x %d distances", n, m);
	for (int i = 0; i < n; i++)
		ax[i] = hyp_one_minus_c_sqnorm(x + (size_t) i * dim, dim, c);
	for (int j = 0; j < m; j++)
		ay[j] = hyp_one_minus_c_sqnorm(y + (size_t) j * dim, dim, c);
	for (int i = 0; i < n; i++)
	{
		const double *xi = x + (size_t) i * dim;
		double	   *oi = out + (size_t) i * m;

		for (int j = 0; j < m; j++)
		{
			double		diff2 = sqdist(xi, y + (size_t) j * dim, dim);

			oi[j] = diff2 == 0.0 ? 0.0 : distance_from_parts(diff2, ax[i], ay[j], c);
		}
		if (progress != NULL && !progress(progress_arg, i + 1, n))
		{
			free(ax);
			return hack_error_set(err, HACK_ERR_INTERRUPTED, NULL,
								  "distance computation interrupted");
		}
	}
	free(ax);
	return HACK_OK;
}

/* Distance to the origin, 2 artanh(sqrt(c)|x|)/sqrt(c): the prototypicality score. */
double
hyp_norm(const double *x, int dim, double c)
{
	return 2.0 * artanh_of_norm(x, dim, c) / sqrt(c);
}

/* log sinh(t) for t > 0, without overflow for large t. */
double
hyp_log_sinh(double t)
{
	if (t > 20.0)
		return t - HYP_LN2 + log1p(-exp(-2.0 * t));
	return log(sinh(t));
}

/*
 * log of the hyperbolic volume of a ball of radius rho in dimension dim:
 * omega_(dim-1) * integral_0^rho sinh^(dim-1)(t) dt, with omega_(m) the
 * area of the unit m-sphere.  Closed forms for dim 1 and 2; Simpson's rule
 * on the integrand scaled by sinh^(dim-1)(rho), which stays within [0, 1]
 * for any dimension, otherwise.
 */
double
hack_ball_log_volume(int dim, double rho)
{
	int			m = dim - 1;
	int			steps;
	double		ls,
				h,
				sum;

	if (!(rho > 0.0))
		return -INFINITY;
	if (dim == 1)
		return log(2.0 * rho);
	if (dim == 2)
		return log(4.0 * HYP_PI) + 2.0 * log(sinh(rho / 2.0));
	ls = hyp_log_sinh(rho);
	steps = 8 * m > 512 ? 8 * m : 512;
	h = rho / steps;
	sum = 1.0;					/* integrand at rho; it is 0 at t = 0 */
	for (int s = 1; s < steps; s++)
		sum += (s % 2 ? 4.0 : 2.0) * exp(m * (hyp_log_sinh(s * h) - ls));
	return HYP_LN2 + (dim / 2.0) * log(HYP_PI) - lgamma(dim / 2.0)
		+ m * ls + log(sum * h / 3.0);
}

/*
 * (sx x) (+)_c y for sx = +1 or -1: Möbius addition, or the gyro-difference
 * (-x) (+) y used by logmap and geodesics.  out may alias x or y.
 */
static void
mobius_add_signed(const double *x, double sx, const double *y, int dim,
				  double c, double *out)
{
	double		ax = hyp_one_minus_c_sqnorm(x, dim, c);
	double		ay = hyp_one_minus_c_sqnorm(y, dim, c);
	double		s2 = 0.0;
	double		coef_x,
				den;

	for (int i = 0; i < dim; i++)
	{
		double		s = sx * x[i] + y[i];

		s2 += s * s;
	}
	coef_x = sx * (ax + c * s2);
	den = ax * ay + c * s2;
	for (int i = 0; i < dim; i++)
		out[i] = (coef_x * x[i] + ax * y[i]) / den;
}

/* Möbius addition x (+)_c y; out may alias x or y. */
void
hyp_mobius_add(const double *x, const double *y, int dim, double c,
			   double *out)
{
	mobius_add_signed(x, 1.0, y, dim, c, out);
}

/* (-x) (+)_c y */
static void
mobius_sub(const double *x, const double *y, int dim, double c, double *out)
{
	mobius_add_signed(x, -1.0, y, dim, c, out);
}

/* Möbius scalar multiplication r (x)_c x; exact for r = 0, 1 and -1. */
void
hyp_mobius_scale(double r, const double *x, int dim, double c, double *out)
{
	double		n = sqrt(hyp_sqnorm(x, dim));
	double		f;

	if (r == 1.0)
	{
		memmove(out, x, sizeof(double) * dim);
		return;
	}
	if (r == -1.0)
	{
		for (int i = 0; i < dim; i++)
			out[i] = -x[i];
		return;
	}
	if (r == 0.0 || n == 0.0)
	{
		memset(out, 0, sizeof(double) * dim);
		return;
	}
	f = tanh(r * artanh_of_norm(x, dim, c)) / (sqrt(c) * n);
	for (int i = 0; i < dim; i++)
		out[i] = f * x[i];
}

/* Scale x back so that sqrt(c)|x| <= 1 - HYP_CLIP_EPS (hyptorch's project). */
static void
clip_to_ball(double *x, int dim, double c)
{
	double		cap = (1.0 - HYP_CLIP_EPS) / sqrt(c);
	double		n = sqrt(hyp_sqnorm(x, dim));

	if (n > cap)
	{
		double		f = cap / n;

		for (int i = 0; i < dim; i++)
			x[i] *= f;
	}
}

/* Exponential map at the origin, clipped as in practice (see HYP_CLIP_EPS). */
void
hyp_expmap0(const double *v, int dim, double c, double *out)
{
	double		n = hyp_euclid_norm(v, dim);
	double		sc = sqrt(c);
	double		t;

	if (n == 0.0)
	{
		memset(out, 0, sizeof(double) * dim);
		return;
	}
	t = tanh(sc * n);
	if (t > 1.0 - HYP_CLIP_EPS)
		t = 1.0 - HYP_CLIP_EPS;
	for (int i = 0; i < dim; i++)
		out[i] = (t / sc) * (v[i] / n);
	clip_to_ball(out, dim, c);
}

/* Logarithmic map at the origin. */
void
hyp_logmap0(const double *x, int dim, double c, double *out)
{
	double		n = sqrt(hyp_sqnorm(x, dim));
	double		f;

	if (n == 0.0)
	{
		memset(out, 0, sizeof(double) * dim);
		return;
	}
	f = artanh_of_norm(x, dim, c) / (sqrt(c) * n);
	for (int i = 0; i < dim; i++)
		out[i] = f * x[i];
}

/* Exponential map at x: x (+) tanh(sqrt(c) lambda_x |v| / 2) v / (sqrt(c)|v|), clipped. */
void
hyp_expmap(const double *x, const double *v, int dim, double c, double *out)
{
	double		second[HACK_MAX_DIM];
	double		n = hyp_euclid_norm(v, dim);
	double		sc = sqrt(c);
	double		t;

	if (n == 0.0)
	{
		memmove(out, x, sizeof(double) * dim);
		return;
	}
	/* lambda_x / 2 = 1 / (1 - c|x|^2) */
	t = tanh(sc * (n / hyp_one_minus_c_sqnorm(x, dim, c)));
	if (t > HYP_TANH_MAX)
		t = HYP_TANH_MAX;
	for (int i = 0; i < dim; i++)
		second[i] = (t / sc) * (v[i] / n);
	hyp_mobius_add(x, second, dim, c, out);
	clip_to_ball(out, dim, c);
}

/* Logarithmic map at x: (1 - c|x|^2)/sqrt(c) artanh(sqrt(c)|w|) w/|w|, w = (-x) (+) y. */
void
hyp_logmap(const double *x, const double *y, int dim, double c, double *out)
{
	double		w[HACK_MAX_DIM];
	double		nw,
				f;

	mobius_sub(x, y, dim, c, w);
	nw = sqrt(hyp_sqnorm(w, dim));
	if (nw == 0.0)
	{
		memset(out, 0, sizeof(double) * dim);
		return;
	}
	f = hyp_one_minus_c_sqnorm(x, dim, c) / sqrt(c) * artanh_of_norm(w, dim, c) / nw;
	for (int i = 0; i < dim; i++)
		out[i] = f * w[i];
}

/* Point at fraction t of the geodesic from x to y: x (+) (t (x) ((-x) (+) y)). */
void
hyp_geodesic(const double *x, const double *y, double t, int dim, double c,
			 double *out)
{
	double		w[HACK_MAX_DIM];

	mobius_sub(x, y, dim, c, w);
	hyp_mobius_scale(t, w, dim, c, w);
	hyp_mobius_add(x, w, dim, c, out);
}

/* Poincaré (curvature -1) to hyperboloid: ((1+|x|^2), 2x) / (1-|x|^2), time first. */
void
hyp_to_lorentz(const double *x, int dim, double *out)
{
	double		a = hyp_one_minus_c_sqnorm(x, dim, 1.0);

	out[0] = (1.0 + hyp_sqnorm(x, dim)) / a;
	for (int i = 0; i < dim; i++)
		out[i + 1] = 2.0 * x[i] / a;
}

/* Check that h (n coordinates, time first) lies on the upper sheet x0^2 - |xs|^2 = 1. */
HackStatus
hyp_check_lorentz(const double *h, int n, HackError *err)
{
	HackStatus	st;
	double		h0sq,
				resid;

	if (n < 2)
		return hack_error_set(err, HACK_ERR_PARAMETER,
							  "A point of the hyperboloid has a time coordinate and at least one space coordinate.",
							  "Lorentz point must have at least 2 coordinates, got %d", n);
	if (n > HACK_MAX_DIM + 1)
		return hack_error_set(err, HACK_ERR_LIMIT, NULL,
							  "Lorentz point cannot have more than %d coordinates",
							  HACK_MAX_DIM + 1);
	if ((st = hyp_check_finite(h, n, err)) != HACK_OK)
		return st;
	h0sq = h[0] * h[0];
	resid = h0sq - hyp_sqnorm(h + 1, n - 1) - 1.0;
	if (!(h[0] > 0.0) || fabs(resid) > HYP_LORENTZ_TOL * (h0sq > 1.0 ? h0sq : 1.0))
		return hack_error_set(err, HACK_ERR_PARAMETER,
							  "Points of the hyperboloid satisfy x0^2 - x1^2 - ... - xn^2 = 1 with x0 > 0.",
							  "array is not a point of the upper sheet of the hyperboloid");
	return HACK_OK;
}

/* Hyperboloid (dim + 1 coordinates, time first) to Poincaré: xs / (1 + x0). */
void
hyp_from_lorentz(const double *h, int dim, double *out)
{
	for (int i = 0; i < dim; i++)
		out[i] = h[i + 1] / (1.0 + h[0]);
}

/*
 * Lorentz distance acosh(-<h,g>_L), computed as acosh(1 + z) with
 * z = (|hs-gs|^2 - (h0-g0)^2) / 2, which is exact on the hyperboloid and
 * keeps the digits of close points.
 */
double
hyp_lorentz_distance(const double *h, const double *g, int n)
{
	double		d0 = h[0] - g[0];
	double		ds = 0.0;
	double		z;

	for (int i = 1; i < n; i++)
	{
		double		d = h[i] - g[i];

		ds += d * d;
	}
	z = 0.5 * (ds - d0 * d0);
	return hyp_acosh1p(z > 0.0 ? z : 0.0);
}

/* Half-aperture psi(x) = asin(K (1 - |x|^2) / |x|) of the entailment cone at x. */
HackStatus
hyp_cone_half_aperture(const double *x, int dim, double k, double *angle,
					   HackError *err)
{
	double		n = sqrt(hyp_sqnorm(x, dim));
	double		arg;

	if (!(k > 0.0) || !isfinite(k))
		return hyp_value_error(err, HACK_ERR_PARAMETER, NULL,
							   "cone aperture constant K must be positive and finite, got %s", k);
	arg = (n > 0.0) ? k * hyp_one_minus_c_sqnorm(x, dim, 1.0) / n : INFINITY;
	if (!(arg <= 1.0))
	{
		char		detail[HACK_MSG_LEN];
		char		ebuf[HACK_DOUBLE_BUF],
					nbuf[HACK_DOUBLE_BUF];

		snprintf(detail, sizeof(detail),
				 "Cones exist only for points with norm at least (sqrt(1+4K^2)-1)/(2K) = %s; this point has norm %s.",
				 hack_fmt_double(ebuf, sizeof(ebuf), (sqrt(1.0 + 4.0 * k * k) - 1.0) / (2.0 * k)),
				 hack_fmt_double(nbuf, sizeof(nbuf), n));
		return hack_error_set(err, HACK_ERR_OUT_OF_RANGE, detail,
							  "entailment cone is undefined this close to the origin");
	}
	*angle = asin(arg);
	return HACK_OK;
}

/* Angle at the parent between the cone axis and the geodesic to the child. */
HackStatus
hyp_cone_exterior_angle(const double *parent, const double *child, int dim,
						double *angle, HackError *err)
{
	double		xy = hyp_dot(parent, child, dim);
	double		x2 = hyp_sqnorm(parent, dim);
	double		y2 = hyp_sqnorm(child, dim);
	double		diff2 = 0.0;
	double		num,
				den,
				arg;

	for (int i = 0; i < dim; i++)
	{
		double		d = parent[i] - child[i];

		diff2 += d * d;
	}
	if (x2 == 0.0 || diff2 == 0.0)
		return hack_error_set(err, HACK_ERR_OUT_OF_RANGE,
							  "The angle needs a parent away from the origin and a child distinct from it.",
							  "exterior angle is undefined for these points");
	num = xy * (1.0 + x2) - x2 * (1.0 + y2);
	den = sqrt(x2) * sqrt(diff2) * sqrt(1.0 + x2 * y2 - 2.0 * xy);
	arg = num / den;
	if (arg > 1.0)
		arg = 1.0;
	if (arg < -1.0)
		arg = -1.0;
	*angle = acos(arg);
	return HACK_OK;
}

/*
 * Einstein midpoint: in the Klein model k = 2x/(1+|x|^2) with Lorentz
 * factor gamma = (1+|x|^2)/(1-|x|^2), so gamma*k = 2x/(1-|x|^2).
 */
void
hyp_midpoint_accum(double *sum_gk, double *sum_g, const double *x, int dim)
{
	double		a = hyp_one_minus_c_sqnorm(x, dim, 1.0);

	*sum_g += (1.0 + hyp_sqnorm(x, dim)) / a;
	for (int i = 0; i < dim; i++)
		sum_gk[i] += 2.0 * x[i] / a;
}

/* K = S/G in Klein, back to Poincaré: K/(1+sqrt(1-|K|^2)) = S/(G+sqrt(G^2-|S|^2)). */
void
hyp_midpoint_final(const double *sum_gk, double sum_g, int dim, double *out)
{
	double		disc = sum_g * sum_g - hyp_sqnorm(sum_gk, dim);
	double		den = sum_g + sqrt(disc > 0.0 ? disc : 0.0);

	for (int i = 0; i < dim; i++)
		out[i] = sum_gk[i] / den;
}

/* Radius in [0, hi] of the ball whose log volume is logv (bisection). */
double
hack_ball_radius_of_log_volume(int dim, double logv, double hi)
{
	double		lo = 0.0;

	if (dim == 1)
		return exp(logv) / 2.0;
	if (dim == 2)
		return 2.0 * asinh(sqrt(exp(logv) / (4.0 * HYP_PI)));
	for (int it = 0; it < 200 && hi - lo > 1e-15 * hi; it++)
	{
		double		mid = 0.5 * (lo + hi);

		if (hack_ball_log_volume(dim, mid) < logv)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}
