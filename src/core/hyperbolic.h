/*
 * hyperbolic.h
 *	  Geometry of the Poincaré ball of curvature -c (radius 1/sqrt(c)).
 *
 * Points are plain arrays of `dim` doubles.  Every function here is pure
 * and total on valid input: callers validate points with hyp_check_point()
 * and curvatures with hyp_check_curvature() first.  Functions that build a
 * point write `dim` doubles to `out`, which may alias no input unless
 * stated.  Formulas and their numerical care are described in
 * doc/geometry.md.
 */
#ifndef HACK_CORE_HYPERBOLIC_H
#define HACK_CORE_HYPERBOLIC_H

#include "status.h"

#define HACK_MAX_DIM 1024

/* expmap clipping: results keep sqrt(c)|x| <= 1 - HYP_CLIP_EPS (hyptorch) */
#define HYP_CLIP_EPS 1e-5

/* default aperture constant K of entailment cones (Ganea et al. 2018) */
#define HYP_CONE_K 0.1

extern HackStatus hyp_value_error(HackError *err, HackStatus status,
								  const char *detail, const char *msgfmt,
								  double v);
extern HackStatus hyp_check_curvature(double c, HackError *err);
extern HackStatus hyp_check_point(const double *x, int dim, double c,
								  HackError *err);
extern HackStatus hyp_check_finite(const double *v, int dim, HackError *err);
extern HackStatus hyp_check_tangent(const double *v, int dim, HackError *err);

extern double hyp_dot(const double *x, const double *y, int dim);
extern double hyp_sqnorm(const double *x, int dim);
extern double hyp_euclid_norm(const double *v, int dim);
extern double hyp_one_minus_c_sqnorm(const double *x, int dim, double c);

extern double hyp_distance(const double *x, const double *y, int dim, double c);
extern HackStatus hyp_distance_matrix(const double *x, int n, const double *y,
									  int m, int dim, double c, double *out,
									  HackProgressFn progress,
									  void *progress_arg, HackError *err);
extern double hyp_cosh_distance_m1(const double *x, const double *y, int dim,
								   double ay);
extern double hyp_norm(const double *x, int dim, double c);
extern double hyp_acosh1p(double z);
extern double hyp_log_sinh(double t);

/* log of the hyperbolic volume of a ball of radius rho (curvature -1) */
extern double hack_ball_log_volume(int dim, double rho);
/* its inverse: the radius in [0, hi] of the ball of log volume logv */
extern double hack_ball_radius_of_log_volume(int dim, double logv,
											 double hi);

extern void hyp_mobius_add(const double *x, const double *y, int dim,
						   double c, double *out);
extern void hyp_mobius_scale(double r, const double *x, int dim, double c,
							 double *out);
extern void hyp_expmap0(const double *v, int dim, double c, double *out);
extern void hyp_logmap0(const double *x, int dim, double c, double *out);
extern void hyp_expmap(const double *x, const double *v, int dim, double c,
					   double *out);
extern void hyp_logmap(const double *x, const double *y, int dim, double c,
					   double *out);
extern void hyp_geodesic(const double *x, const double *y, double t, int dim,
						 double c, double *out);

extern void hyp_to_lorentz(const double *x, int dim, double *out);
extern HackStatus hyp_check_lorentz(const double *h, int n, HackError *err);
extern void hyp_from_lorentz(const double *h, int dim, double *out);
extern double hyp_lorentz_distance(const double *h, const double *g, int n);

extern HackStatus hyp_cone_half_aperture(const double *x, int dim, double k,
										 double *angle, HackError *err);
extern HackStatus hyp_cone_exterior_angle(const double *parent,
										  const double *child, int dim,
										  double *angle, HackError *err);

/* Einstein midpoint, accumulated as sum of gamma*k (Klein) and sum of gamma */
extern void hyp_midpoint_accum(double *sum_gk, double *sum_g, const double *x,
							   int dim);
extern void hyp_midpoint_final(const double *sum_gk, double sum_g, int dim,
							   double *out);

#endif							/* HACK_CORE_HYPERBOLIC_H */
