/*
 * nn_loss.c
 *	  The hyperbolic head and the Poincaré-distance loss, with gradients.
 *
 * Forward, per image: v (float, the last linear layer's output) becomes
 *	u = v * min(1, r / |v|)			(tangent cap, r = clip_r)
 *	z = expmap0(u) = tanh(s) u / s', s = sqrt(c)|u|, s' = sqrt(c)|u|
 * with tanh(s) capped at 1 - HYP_CLIP_EPS, exactly as hyp_expmap0() does
 * (the forward value IS hyp_expmap0's).  The loss is
 *	L = (1/n) sum_i d(z_i, t_i) + w (2/n) sum_{i<n/2} d(z_i, z_{i+n/2})
 * the second term (consistency between two augmented views stacked in one
 * batch) only when w > 0.
 *
 * Gradients, derived in doc/encoder.md:
 *	d(x, y) = acosh(1 + q) / sqrt(c), q = 2c|x-y|^2 / (a b),
 *	a = 1 - c|x|^2, b = 1 - c|y|^2;
 *	dd/dx = 4 sqrt(c) / (a b sqrt(q (q + 2))) ((x - y) + (c |x-y|^2 / a) x).
 * sqrt(q(q+2)) vanishes like |x - y|, as does the bracket, so the ratio is
 * bounded; at x = y exactly the distance has a kink and we take the zero
 * subgradient.  a comes from hyp_one_minus_c_sqnorm (double-double), so
 * points at 1 - 1e-7 of the radius keep their digits.
 *	expmap0: z = f(|u|) u, f(n) = tanh(sqrt(c) n) / (sqrt(c) n), so
 *	dL/du = f g + (f'(n) / n) <u, g> u, f'(n)/n = c (s sech^2 s - tanh s) / s^3,
 * which tends to -2c/3 at the origin (a series is used for small s); where
 * the tanh cap is active, f = t_max / (sqrt(c) n) and f'(n)/n = -f / n^2.
 *	cap: where |v| > r, dL/dv = (r/|v|) (g - <v^, g> v^), v^ = v/|v|.
 *
 * Riemannian option: the reference (hyptorch's ToPoincare(riemannian=True),
 * RiemannianGradient) multiplies the gradient arriving at z by
 * (1 - c|z|^2)^2 / 4, the inverse of the Poincare metric's conformal factor
 * squared, before it flows back through expmap0.  That is not the gradient
 * of the loss: it shrinks the steps of points near the boundary, which moves
 * where images settle, so it is a choice (riemannian = true) and not the
 * default.
 */
#include "nn_loss.h"

#include <math.h>
#include <stddef.h>

#include "hyperbolic.h"

/* Cap v's norm at clip_r and map to the ball, one image per row. */
void
nn_head_forward(const float *v, int n, int dim, double c, double clip_r,
				double *u, double *z)
{
	for (int i = 0; i < n; i++)
	{
		const float *vi = v + (size_t) i * dim;
		double	   *ui = u + (size_t) i * dim;
		double		nrm;

		for (int j = 0; j < dim; j++)
			ui[j] = vi[j];
		nrm = hyp_euclid_norm(ui, dim);
		if (clip_r > 0.0 && nrm > clip_r)
		{
			double		f = clip_r / nrm;

			for (int j = 0; j < dim; j++)
				ui[j] *= f;
		}
		hyp_expmap0(ui, dim, c, z + (size_t) i * dim);
	}
}

/*
 * The factor the Riemannian option multiplies dL/dz by: (1 - c|z|^2)^2 / 4,
 * with 1 - c|z|^2 in double-double as the distance uses it.
 */
double
nn_riemannian_scale(const double *z, int dim, double c)
{
	double		a = hyp_one_minus_c_sqnorm(z, dim, c);

	return a * a / 4.0;
}

/*
 * Gradient through expmap0 then through the cap, into gv (float); z is the
 * forward output, used only when riemannian is true.
 */
void
nn_head_backward(const float *v, const double *u, const double *z,
				 const double *gz, int n, int dim, double c, double clip_r,
				 bool riemannian, float *gv)
{
	double		sc = sqrt(c);

	for (int i = 0; i < n; i++)
	{
		const float *vi = v + (size_t) i * dim;
		const double *ui = u + (size_t) i * dim;
		const double *gi = gz + (size_t) i * dim;
		float	   *out = gv + (size_t) i * dim;
		double		nu = hyp_euclid_norm(ui, dim);
		double		s = sc * nu;
		double		f,
					fp_over_n,
					ug = 0.0,
					vn = 0.0,
					vg = 0.0,
					capf = 1.0,
					rs = riemannian ? nn_riemannian_scale(z + (size_t) i * dim, dim, c) : 1.0;
		double		gu[HACK_MAX_DIM];

		if (tanh(s) > 1.0 - HYP_CLIP_EPS)
		{
			f = (1.0 - HYP_CLIP_EPS) / s;
			fp_over_n = -f / (nu * nu);
		}
		else if (s < 1e-4)
		{
			f = 1.0 - s * s / 3.0;
			fp_over_n = c * (-2.0 / 3.0 + 0.8 * s * s);
		}
		else
		{
			double		t = tanh(s);
			double		sech2 = 1.0 - t * t;

			f = t / s;
			fp_over_n = c * (s * sech2 - t) / (s * s * s);
		}
		for (int j = 0; j < dim; j++)
			ug += ui[j] * gi[j];
		for (int j = 0; j < dim; j++)
			gu[j] = rs * (f * gi[j] + fp_over_n * ug * ui[j]);

		/* through the cap: project out the radial part and scale */
		for (int j = 0; j < dim; j++)
			vn += (double) vi[j] * vi[j];
		vn = sqrt(vn);
		if (clip_r > 0.0 && vn > clip_r)
		{
			for (int j = 0; j < dim; j++)
				vg += vi[j] * gu[j];
			vg /= vn * vn;
			capf = clip_r / vn;
			for (int j = 0; j < dim; j++)
				gu[j] = capf * (gu[j] - vg * vi[j]);
		}
		for (int j = 0; j < dim; j++)
			out[j] = (float) gu[j];
	}
}

/* gx += scale * dd(x, y)/dx; the zero subgradient at x = y. */
void
nn_distance_grad(const double *x, const double *y, int dim, double c,
				 double scale, double *gx)
{
	double		diff2 = 0.0;
	double		a,
				b,
				q,
				root,
				f;

	for (int j = 0; j < dim; j++)
	{
		double		d = x[j] - y[j];

		diff2 += d * d;
	}
	if (diff2 == 0.0)
		return;
	a = hyp_one_minus_c_sqnorm(x, dim, c);
	b = hyp_one_minus_c_sqnorm(y, dim, c);
	q = 2.0 * c * diff2 / (a * b);
	root = q > 1e100 ? q * sqrt(1.0 + 2.0 / q) : sqrt(q * (q + 2.0));
	f = scale * 4.0 * sqrt(c) / (a * b * root);
	for (int j = 0; j < dim; j++)
		gx[j] += f * ((x[j] - y[j]) + (c * diff2 / a) * x[j]);
}

/*
 * Loss of a batch and its gradient gz with respect to the embeddings z;
 * consistency > 0 adds the two-view term (n must then be even).
 */
double
nn_loss(const double *z, const double *targets, int n, int dim, double c,
		double consistency, double *gz)
{
	double		loss = 0.0;
	double		cons = 0.0;

	for (size_t j = 0; j < (size_t) n * dim; j++)
		gz[j] = 0.0;
	for (int i = 0; i < n; i++)
	{
		const double *zi = z + (size_t) i * dim;
		const double *ti = targets + (size_t) i * dim;

		loss += hyp_distance(zi, ti, dim, c);
		nn_distance_grad(zi, ti, dim, c, 1.0 / n, gz + (size_t) i * dim);
	}
	loss /= n;
	if (consistency > 0.0)
	{
		int			half = n / 2;
		double		w = consistency / half;

		for (int i = 0; i < half; i++)
		{
			const double *za = z + (size_t) i * dim;
			const double *zb = z + (size_t) (i + half) * dim;

			cons += hyp_distance(za, zb, dim, c);
			nn_distance_grad(za, zb, dim, c, w, gz + (size_t) i * dim);
			nn_distance_grad(zb, za, dim, c, w, gz + (size_t) (i + half) * dim);
		}
		loss += consistency * cons / half;
	}
	return loss;
}
