/*
 * nn_loss.h
 *	  The hyperbolic head (tangent cap + exponential map at the origin) and
 *	  the Poincaré-distance loss, with their exact gradients.
 */
#ifndef HACK_CORE_NN_LOSS_H
#define HACK_CORE_NN_LOSS_H

#include <stdbool.h>

extern void nn_head_forward(const float *v, int n, int dim, double c,
							double clip_r, double *u, double *z);
extern void nn_head_backward(const float *v, const double *u,
							 const double *z, const double *gz, int n,
							 int dim, double c, double clip_r,
							 bool riemannian, float *gv);
extern double nn_riemannian_scale(const double *z, int dim, double c);
extern void nn_distance_grad(const double *x, const double *y, int dim,
							 double c, double scale, double *gx);
extern double nn_loss(const double *z, const double *targets, int n, int dim,
					  double c, double consistency, double *gz);

#endif							/* HACK_CORE_NN_LOSS_H */
