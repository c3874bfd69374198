/*
 * test_nn.c
 *	  Unit tests of the encoder engine (src/core/nn_*.c).
 *
 * Gradients are checked against central finite differences: exactly in
 * double for the hyperbolic head and the distance, and for the float32
 * network along the direction of the computed gradient of each tensor
 * (the directional derivative along g/|g| must equal |g|), which catches
 * a wrong scale, sign, transpose or routing of any layer while staying
 * well above float32 rounding noise.  test_nn_gradcheck_detects_bugs
 * shows the check fails when a gradient is off by 5%.
 *
 * HACK_UNIT_SMALL=1 (set by make unitcheck-valgrind) shrinks the slow
 * cases so the suite stays quick under valgrind.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "hyperbolic.h"
#include "nn_augment.h"
#include "nn_loss.h"
#include "nn_model.h"
#include "nn_model_internal.h"
#include "nn_ops.h"
#include "nn_optim.h"
#include "nn_serial.h"
#include "rng.h"

/* Build and initialise a model, failing the test if that fails. */
static NnModel *
make_model(NnArch arch, int c, int h, int w, int dim, uint64_t seed)
{
	NnConfig	cfg;
	NnModel    *m = NULL;
	HackError	err;

	nn_config_default(&cfg, arch, c, h, w, dim);
	if (arch == NN_ARCH_MLP)
	{
		cfg.n_hidden = 2;
		cfg.hidden[0] = 12;
		cfg.hidden[1] = 7;
	}
	CHECK(nn_model_create(&cfg, &m, &err) == HACK_OK);
	if (m != NULL)
		nn_model_init(m, seed);
	return m;
}

/* n random images with pixels in [0, 1). */
static float *
random_images(const NnModel *m, int n, UnitRng *rng)
{
	size_t		len = nn_input_size(m) * n;
	float	   *x = malloc(sizeof(float) * len);

	for (size_t i = 0; i < len; i++)
		x[i] = (float) unit_rng_uniform(rng);
	return x;
}

/* n random points of the unit ball with norm below 0.9. */
static double *
random_targets(int n, int dim, UnitRng *rng)
{
	double	   *t = malloc(sizeof(double) * n * dim);

	for (int i = 0; i < n; i++)
	{
		double		s = 0.0;
		double		r = 0.9 * unit_rng_uniform(rng);

		for (int j = 0; j < dim; j++)
		{
			t[i * dim + j] = unit_rng_normal(rng);
			s += t[i * dim + j] * t[i * dim + j];
		}
		for (int j = 0; j < dim; j++)
			t[i * dim + j] *= r / sqrt(s);
	}
	return t;
}

/* Loss of the model on a batch, without touching its gradients. */
static double
loss_only(NnModel *m, const float *x, int n, const double *t, double cons)
{
	double	   *gz = malloc(sizeof(double) * n * m->cfg.dim);
	double		loss;

	CHECK(nn_forward(m, x, n, NULL, NULL) == HACK_OK);
	loss = nn_loss(m->ws->emb, t, n, m->cfg.dim, m->cfg.curvature, cons, gz);
	free(gz);
	return loss;
}

/*
 * Relative error of the gradient of parameters [off, off + len): the
 * central difference of the loss along d = g/|g| against |g|, at three
 * step sizes, keeping the best: ReLU and max-pool kinks spoil large steps
 * and float32 rounding spoils small ones, but a wrong gradient is wrong
 * at every step.  The gradients must be in m->grads (and are left there).
 */
static double
directional_error(NnModel *m, const float *x, int n, const double *t,
				  double cons, size_t off, size_t len)
{
	float	   *saved = malloc(sizeof(float) * len);
	double		gn = 0.0,
				best = INFINITY;
	double		steps[3] = {4e-3, 1e-3, 2.5e-4};

	memcpy(saved, m->params + off, sizeof(float) * len);
	for (size_t i = 0; i < len; i++)
		gn += (double) m->grads[off + i] * m->grads[off + i];
	gn = sqrt(gn);
	for (int k = 0; gn > 0.0 && k < 3; k++)
	{
		double		h = steps[k],
					lp,
					lm,
					rel;

		for (size_t i = 0; i < len; i++)
			m->params[off + i] = (float) (saved[i] + h * m->grads[off + i] / gn);
		lp = loss_only(m, x, n, t, cons);
		for (size_t i = 0; i < len; i++)
			m->params[off + i] = (float) (saved[i] - h * m->grads[off + i] / gn);
		lm = loss_only(m, x, n, t, cons);
		rel = fabs((lp - lm) / (2 * h) - gn) / (gn + 1e-4);
		if (rel < best)
			best = rel;
	}
	memcpy(m->params + off, saved, sizeof(float) * len);
	free(saved);
	return gn > 0.0 ? best : 0.0;
}

/* Worst directional error over every weight and bias tensor. */
static double
model_grad_error(NnModel *m, const float *x, int n, const double *t,
				 double cons, float break_factor, int break_layer)
{
	double		loss,
				worst = 0.0;

	CHECK(nn_forward(m, x, n, NULL, NULL) == HACK_OK);
	CHECK(nn_backward(m, t, cons, &loss, NULL) == HACK_OK);
	CHECK(isfinite(loss) && loss > 0.0);
	for (int i = 0; i < m->n_layers; i++)
	{
		NnLayer    *l = &m->layers[i];
		size_t		wl,
					bl;
		double		ew,
					eb;

		if (l->kind == NN_LAYER_FLATTEN)
			continue;
		wl = l->bias - l->weight;
		bl = l->kind == NN_LAYER_CONV_POOL ? (size_t) l->cout : (size_t) l->out;
		if (i == break_layer)
			m->grads[l->weight] *= break_factor;
		ew = directional_error(m, x, n, t, cons, l->weight, wl);
		eb = directional_error(m, x, n, t, cons, l->bias, bl);
		if (getenv("HACK_NN_VERBOSE"))
			fprintf(stderr, "    layer %d: weight %g bias %g\n", i, ew, eb);
		if (ew > worst)
			worst = ew;
		if (eb > worst)
			worst = eb;
	}
	return worst;
}

#define GRAD_TOL 1e-2

/* A seeded model and a seeded batch of n images with targets. */
typedef struct Batch
{
	NnModel    *m;
	int			n;
	float	   *x;
	double	   *t;
} Batch;

/* make_model(arch, c, h, w, dim, model_seed), then the batch from data_seed. */
static Batch
batch_make(uint64_t data_seed, NnArch arch, int c, int h, int w, int dim,
		   uint64_t model_seed, int n)
{
	UnitRng		rng = {data_seed};
	Batch		b;

	b.m = make_model(arch, c, h, w, dim, model_seed);
	b.n = n;
	b.x = random_images(b.m, n, &rng);
	b.t = random_targets(n, dim, &rng);
	return b;
}

static void
batch_free(Batch *b)
{
	free(b->x);
	free(b->t);
	nn_model_free(b->m);
}

/* The whole model's gradient check on the batch passes; what names it if not. */
static void
check_gradients(Batch *b, double cons, const char *what)
{
	double		e = model_grad_error(b->m, b->x, b->n, b->t, cons, 1.0f, -1);

	CHECK(e < GRAD_TOL);
	if (e >= GRAD_TOL)
		fprintf(stderr, "    %s gradient error %g\n", what, e);
}

/*
 * Gradient check of the whole lenet (conv, ReLU, pool, flatten, linear,
 * ReLU, head, loss), and of the lenet of version-1 blobs, whose
 * convolutions have no ReLU.  (The conv ReLUs' kinks add finite-difference
 * noise: over seeds the error of a correct gradient reaches 1% now and
 * then, with or without them, while a missing ReLU mask gives 40-80%.)
 */
static void
test_nn_gradcheck_lenet(void)
{
	Batch		b = batch_make(16, NN_ARCH_LENET, 1, 20, 20, 3, 5, unit_small() ? 2 : 4);
	Batch		v1 = batch_make(11, NN_ARCH_LENET, 1, 20, 20, 3, 5, unit_small() ? 2 : 4);

	CHECK(b.m->layers[0].relu && b.m->layers[1].relu);
	check_gradients(&b, 0.0, "lenet");
	v1.m->layers[0].relu = v1.m->layers[1].relu = false;
	check_gradients(&v1, 0.0, "lenet without conv ReLU");
	batch_free(&b);
	batch_free(&v1);
}

/*
 * The lenet of the reference: every convolution output is a ReLU output
 * (non-negative, some zeros); without conv_relu some are negative.
 */
static void
test_nn_lenet_conv_relu(void)
{
	Batch		b = batch_make(15, NN_ARCH_LENET, 1, 16, 16, 2, 9, 3);

	for (int pass = 0; pass < 2; pass++)
	{
		bool		relu = pass == 0;

		for (int li = 0; li < 2; li++)
			b.m->layers[li].relu = relu;
		CHECK(nn_forward(b.m, b.x, b.n, NULL, NULL) == HACK_OK);
		for (int li = 0; li < 2; li++)
		{
			const float *y = b.m->ws->work[0].act[li + 1];
			size_t		len = (size_t) b.n * b.m->layers[li].out_size;
			size_t		neg = 0,
						zero = 0;

			CHECK(b.m->layers[li].kind == NN_LAYER_CONV_POOL);
			for (size_t j = 0; j < len; j++)
			{
				neg += y[j] < 0.0f;
				zero += y[j] == 0.0f;
			}
			if (relu)
				CHECK(neg == 0 && zero > 0);
			else
				CHECK(neg > 0);
		}
	}
	batch_free(&b);
}

/* Three channels, several im2col blocks per layer, and the consistency term. */
static void
test_nn_gradcheck_lenet_rgb_blocks(void)
{
	Batch		b = batch_make(12, NN_ARCH_LENET, 3, 20, 20, 4, 6, unit_small() ? 4 : 6);

	b.m->layers[0].chunk = 3;	/* several blocks, the last one short */
	b.m->layers[1].chunk = unit_small() ? 3 : 4;
	check_gradients(&b, 0.5, "lenet rgb");
	batch_free(&b);
}

/* The mlp architecture, and the tangent cap active (small clip radius). */
static void
test_nn_gradcheck_mlp(void)
{
	Batch		b = batch_make(13, NN_ARCH_MLP, 1, 4, 5, 6, 7, 5);

	check_gradients(&b, 0.0, "mlp");
	b.m->cfg.clip_r = 0.3;
	check_gradients(&b, 0.0, "mlp clipped");
	batch_free(&b);
}

/* The check must fail when one tensor's gradient is 5% off. */
static void
test_nn_gradcheck_detects_bugs(void)
{
	UnitRng		rng = {14};
	NnModel    *m = make_model(NN_ARCH_LENET, 1, 16, 16, 3, 5);
	float	   *x = random_images(m, 4, &rng);
	double	   *t = random_targets(4, 3, &rng);

	for (int layer = 0; layer < m->n_layers; layer++)
	{
		NnLayer    *l = &m->layers[layer];
		size_t		wl = l->bias - l->weight;

		if (l->kind == NN_LAYER_FLATTEN)
			continue;
		/* scale the whole weight gradient of this layer by 1.05 */
		CHECK(nn_forward(m, x, 4, NULL, NULL) == HACK_OK);
		{
			double		loss;

			CHECK(nn_backward(m, t, 0.0, &loss, NULL) == HACK_OK);
		}
		for (size_t j = 0; j < wl; j++)
			m->grads[l->weight + j] *= 1.05f;
		CHECK(directional_error(m, x, 4, t, 0.0, l->weight, wl) > 2 * GRAD_TOL);
	}
	free(x);
	free(t);
	nn_model_free(m);
}

/* Gradient of the Poincaré distance in double, from the origin to the boundary. */
static void
test_nn_distance_gradient(void)
{
	UnitRng		rng = {15};
	double		radii[] = {0.0, 1e-6, 0.3, 0.9, 0.999, 1 - 1e-6};

	for (int ci = 0; ci < 2; ci++)
	{
		double		c = ci == 0 ? 1.0 : 0.5;

		for (int k = 0; k < 6; k++)
		{
			double		x[4],
						y[4],
						g[4] = {0},
						s = 0.0;
			int			dim = 4;

			for (int j = 0; j < dim; j++)
			{
				x[j] = unit_rng_normal(&rng);
				s += x[j] * x[j];
			}
			for (int j = 0; j < dim; j++)
				x[j] *= radii[k] / sqrt(c) / sqrt(s);
			for (int j = 0; j < dim; j++)
				y[j] = 0.4 * unit_rng_uniform(&rng) - 0.2;
			nn_distance_grad(x, y, dim, c, 1.0, g);
			for (int j = 0; j < dim; j++)
			{
				double		h = 1e-6 * (1 - radii[k] + 1e-3);
				double		xp[4],
							xm[4],
							fd;

				memcpy(xp, x, sizeof(x));
				memcpy(xm, x, sizeof(x));
				xp[j] += h;
				xm[j] -= h;
				fd = (hyp_distance(xp, y, dim, c) - hyp_distance(xm, y, dim, c)) / (2 * h);
				CHECK_CLOSE(g[j], fd, 1e-5);
				CHECK(isfinite(g[j]));
			}
		}
	}
	/* equal points: zero subgradient, no NaN */
	{
		double		x[2] = {0.5, 0.5},
					g[2] = {0, 0};

		nn_distance_grad(x, x, 2, 1.0, 1.0, g);
		CHECK(g[0] == 0.0 && g[1] == 0.0);
	}
}

/*
 * Central difference of <w, head(v)> along coordinate j of one 3-vector v,
 * step h: what the head's gradient must match.
 */
static double
head_fd(const float *v, int j, float h, double c, double clip_r, const double *w)
{
	float		vp[3],
				vm[3];
	double		zp[3],
				zm[3],
				up[3],
				fd = 0.0;

	memcpy(vp, v, sizeof(vp));
	memcpy(vm, v, sizeof(vm));
	vp[j] += h;
	vm[j] -= h;
	nn_head_forward(vp, 1, 3, c, clip_r, up, zp);
	nn_head_forward(vm, 1, 3, c, clip_r, up, zm);
	for (int k = 0; k < 3; k++)
		fd += w[k] * (zp[k] - zm[k]) / (2.0 * h);
	return fd;
}

/* Gradient of the head (cap + expmap0) in double precision via exact float inputs. */
static void
test_nn_head_gradient(void)
{
	/* rows: near the origin, mid, capped by clip_r, capped by tanh */
	float		v[4][3] = {
		{0x1p-12, -0x1p-11, 0x1p-12},
		{0.25f, -0.5f, 0.125f},
		{2.0f, -1.5f, 1.0f},
		{6.0f, 5.0f, -4.0f}
	};
	double		clips[2] = {NN_DEFAULT_CLIP_R, 0.0};

	for (int ci = 0; ci < 2; ci++)
		for (int r = 0; r < 4; r++)
		{
			double		u[3],
						z[3],
						w[3] = {0.3, -0.7, 0.2};
			float		gv[3];
			double		c = 1.0;

			nn_head_forward(v[r], 1, 3, c, clips[ci], u, z);
			CHECK(hyp_one_minus_c_sqnorm(z, 3, c) > 0.0);
			nn_head_backward(v[r], u, z, w, 1, 3, c, clips[ci], false, gv);
			for (int j = 0; j < 3; j++)
				CHECK_CLOSE(gv[j], head_fd(v[r], j, r == 0 ? 0x1p-20f : 0x1p-10f, c,
										   clips[ci], w), 1e-5);
		}
}

/*
 * The Riemannian option scales dL/dz by exactly (1 - |z|^2)^2 / 4 before
 * expmap0 and the cap: the head's gradient is the scale times the finite
 * difference of the forward map, row by row, capped or not.
 */
static void
test_nn_head_riemannian(void)
{
	float		v[3][3] = {
		{0.25f, -0.5f, 0.125f},
		{1.0f, 0.75f, -0.5f},
		{2.0f, -1.5f, 1.0f}		/* capped at clip_r 2.3 */
	};
	double		c = 1.0;

	for (int r = 0; r < 3; r++)
	{
		double		u[3],
					z[3],
					w[3] = {0.3, -0.7, 0.2},
					sq = 0.0,
					scale;
		float		g0[3],
					g1[3];

		nn_head_forward(v[r], 1, 3, c, NN_DEFAULT_CLIP_R, u, z);
		for (int j = 0; j < 3; j++)
			sq += z[j] * z[j];
		scale = (1.0 - sq) * (1.0 - sq) / 4.0;
		CHECK_CLOSE(nn_riemannian_scale(z, 3, c), scale, 1e-14);
		CHECK(scale < 0.25);
		nn_head_backward(v[r], u, z, w, 1, 3, c, NN_DEFAULT_CLIP_R, false, g0);
		nn_head_backward(v[r], u, z, w, 1, 3, c, NN_DEFAULT_CLIP_R, true, g1);
		for (int j = 0; j < 3; j++)
		{
			CHECK_CLOSE(g1[j], scale * head_fd(v[r], j, 0x1p-10f, c, NN_DEFAULT_CLIP_R, w), 1e-5);
			CHECK_CLOSE(g1[j], scale * g0[j], 1e-6);
		}
	}
}

/*
 * Through a whole network: with one image, every parameter's gradient
 * under riemannian_grad is the Euclidean one times (1 - |z|^2)^2 / 4.
 */
static void
test_nn_riemannian_model(void)
{
	Batch		b = batch_make(21, NN_ARCH_MLP, 1, 4, 5, 2, 7, 1);
	double		z[2],
				loss0,
				loss1,
				scale;
	float	   *g0 = malloc(sizeof(float) * b.m->n_params);
	double		worst = 0.0,
				big = 0.0;

	CHECK(nn_forward(b.m, b.x, 1, z, NULL) == HACK_OK);
	CHECK(nn_backward(b.m, b.t, 0.0, &loss0, NULL) == HACK_OK);
	memcpy(g0, b.m->grads, sizeof(float) * b.m->n_params);
	b.m->riemannian_grad = true;
	CHECK(nn_forward(b.m, b.x, 1, NULL, NULL) == HACK_OK);
	CHECK(nn_backward(b.m, b.t, 0.0, &loss1, NULL) == HACK_OK);
	CHECK(loss0 == loss1);		/* the loss itself is unchanged */
	scale = (1.0 - z[0] * z[0] - z[1] * z[1]);
	scale = scale * scale / 4.0;
	for (size_t i = 0; i < b.m->n_params; i++)
	{
		double		d = fabs(b.m->grads[i] - scale * g0[i]);

		worst = d > worst ? d : worst;
		big = fabs(g0[i]) > big ? fabs(g0[i]) : big;
	}
	CHECK(big > 0.0);
	CHECK(worst <= 1e-5 * big);
	free(g0);
	batch_free(&b);
}

/* col2im is the adjoint of im2col: <col2im(c), x> = <c, im2col(x)>. */
static void
test_nn_im2col_adjoint(void)
{
	UnitRng		rng = {16};
	int			C = 2,
				n = 3,
				H = 8,					/* odd conv output: 6 x 5, pooled 3 x 2 */
				W = 7,
				k = 3;
	int			ph = (H - k + 1) / 2,
				pw = (W - k + 1) / 2;
	size_t		xl = (size_t) C * n * H * W,
				block = (size_t) n * ph * pw,
				cl = (size_t) C * k * k * 4 * block;
	float	   *x = malloc(sizeof(float) * xl),
			   *y = malloc(sizeof(float) * xl),
			   *cx = malloc(sizeof(float) * cl),
			   *c = malloc(sizeof(float) * cl);
	NnPlanes	px = {x, (size_t) n * H * W, C, n, H, W};
	NnPlanes	py = {y, (size_t) n * H * W, C, n, H, W};
	double		a = 0.0,
				b = 0.0;

	for (size_t i = 0; i < xl; i++)
		x[i] = (float) unit_rng_normal(&rng);
	for (size_t i = 0; i < cl; i++)
		c[i] = (float) unit_rng_normal(&rng);
	nn_im2col_pool(&px, k, cx);
	nn_col2im_pool(c, k, &py);
	for (size_t i = 0; i < xl; i++)
		a += (double) x[i] * y[i];
	for (size_t i = 0; i < cl; i++)
		b += (double) c[i] * cx[i];
	CHECK_CLOSE(a, b, 1e-5);
	/*
	 * one explicit entry: row (c=1, ky=2, kx=1), window position q = 3
	 * (dy = dx = 1), image 2, pooled pixel (1, 1): conv pixel (3, 3)
	 */
	CHECK(cx[((size_t) (1 * k + 2) * k + 1) * 4 * block + 3 * block + 2 * ph * pw + 1 * pw + 1] ==
		  x[1 * n * H * W + 2 * H * W + (3 + 2) * W + 3 + 1]);
	free(x);
	free(y);
	free(cx);
	free(c);
}

/* Max-pool picks the maximum, adds the bias, and routes gradients back. */
static void
test_nn_maxpool(void)
{
	UnitRng		rng = {17};
	int			C = 2;
	size_t		len = 6;
	float		conv[2 * 4 * 6],
				out[2 * 6],
				g[2 * 6],
				dconv[2 * 4 * 6];
	uint8_t		am[2 * 6];
	float		bias[2] = {0.5f, -1.0f};
	NnPlanes	po = {out, len, C, 1, 2, 3};
	NnPlanes	pg = {g, len, C, 1, 2, 3};
	double		a = 0.0,
				b = 0.0;

	for (int i = 0; i < C * 4 * 6; i++)
		conv[i] = (float) unit_rng_normal(&rng);
	conv[1] = conv[6 + 1];		/* a tie: the earlier block wins */
	nn_pool4_bias(conv, C, len, bias, &po, am);
	for (int c = 0; c < C; c++)
		for (size_t j = 0; j < len; j++)
		{
			const float *p = conv + c * 4 * len + j;
			float		mx = fmaxf(fmaxf(p[0], p[len]), fmaxf(p[2 * len], p[3 * len]));

			CHECK(out[c * len + j] == mx + bias[c]);
			CHECK(p[am[c * len + j] * len] == mx);
		}
	if (conv[1] >= conv[13] && conv[1] >= conv[19])
		CHECK(am[1] == 0);
	for (int i = 0; i < 12; i++)
		g[i] = (float) unit_rng_normal(&rng);
	nn_pool4_backward(&pg, am, len, dconv);
	for (int i = 0; i < 12; i++)
		a += (double) g[i] * (out[i] - bias[i / 6]);
	for (int i = 0; i < C * 4 * 6; i++)
		b += (double) dconv[i] * conv[i];
	CHECK_CLOSE(a, b, 1e-6);
}

/* Training on a tiny set drives the loss well down. */
static void
test_nn_training_reduces_loss(void)
{
	int			n = 16;
	Batch		bt = batch_make(18, NN_ARCH_LENET, 1, 16, 16, 2, 9, n);
	NnModel    *m = bt.m;
	const float *x = bt.x;
	const double *t = bt.t;
	NnSgd		sgd = {0.0, 0.0};
	double		first = 0.0,
				loss = 0.0;
	int			steps = unit_small() ? 12 : 300;
	double		goal = unit_small() ? 0.95 : 0.5;

	CHECK(nn_fit_normalisation(m, x, n, NULL) == HACK_OK);
	for (int s = 0; s < steps; s++)
	{
		CHECK(nn_forward(m, x, n, NULL, NULL) == HACK_OK);
		CHECK(nn_backward(m, t, 0.0, &loss, NULL) == HACK_OK);
		if (s == 0)
			first = loss;
		nn_sgd_step(m, &sgd, nn_cosine_lr(0.1, 0.0, s, steps));
	}
	CHECK(isfinite(loss));
	CHECK(loss < goal * first);
	if (!(loss < goal * first))
		fprintf(stderr, "    loss %g -> %g\n", first, loss);
	batch_free(&bt);
}

/* Same seed, same data, same thread count: bit-identical weights. */
static void
test_nn_deterministic(void)
{
	Batch		ba = batch_make(19, NN_ARCH_LENET, 1, 16, 16, 2, 21, 8);
	NnModel    *a = ba.m;
	NnModel    *b = make_model(NN_ARCH_LENET, 1, 16, 16, 2, 21);
	NnModel    *c = make_model(NN_ARCH_LENET, 1, 16, 16, 2, 22);
	NnSgd		sgd = {0.5, 1e-4};
	double		loss;

	CHECK(memcmp(a->params, b->params, sizeof(float) * a->n_params) == 0);
	CHECK(memcmp(a->params, c->params, sizeof(float) * a->n_params) != 0);
	for (int s = 0; s < 5; s++)
	{
		NnModel    *ms[2] = {a, b};

		for (int k = 0; k < 2; k++)
		{
			CHECK(nn_forward(ms[k], ba.x, 8, NULL, NULL) == HACK_OK);
			CHECK(nn_backward(ms[k], ba.t, 0.0, &loss, NULL) == HACK_OK);
			nn_sgd_step(ms[k], &sgd, 0.05);
		}
	}
	CHECK(memcmp(a->params, b->params, sizeof(float) * a->n_params) == 0);
	batch_free(&ba);
	nn_model_free(b);
	nn_model_free(c);
}

/* Parts and threads: the same bits on 1 and 3 threads, and close to one part. */
static void
test_nn_threads(void)
{
	int			n = unit_small() ? 40 : 70;	/* 2 or 3 parts */
	Batch		ba = batch_make(32, NN_ARCH_LENET, 1, 20, 20, 3, 31, n);
	NnModel    *a = ba.m;
	NnModel    *b = make_model(NN_ARCH_LENET, 1, 20, 20, 3, 31);
	NnModel    *c = make_model(NN_ARCH_LENET, 1, 20, 20, 3, 31);
	const float *x = ba.x;
	const double *t = ba.t;
	double		la,
				lb,
				lc,
				sum = 0.0;
	double		gmax = 0.0,
				dmax = 0.0;

	CHECK(nn_set_threads(b, 3, NULL) == HACK_OK);
	CHECK(nn_set_threads(c, 0, NULL) == HACK_ERR_PARAMETER);
	CHECK(nn_forward(a, x, n, NULL, NULL) == HACK_OK);
	CHECK(nn_backward(a, t, 0.0, &la, NULL) == HACK_OK);
	CHECK(nn_forward(b, x, n, NULL, NULL) == HACK_OK);
	CHECK(nn_backward(b, t, 0.0, &lb, NULL) == HACK_OK);
	CHECK(la == lb);
	CHECK(memcmp(a->grads, b->grads, sizeof(float) * a->n_params) == 0);

	/* one image at a time through c: same loss and gradients up to rounding */
	memset(b->grads, 0, sizeof(float) * b->n_params);
	for (int i = 0; i < n; i++)
	{
		CHECK(nn_forward(c, x + (size_t) i * 400, 1, NULL, NULL) == HACK_OK);
		CHECK(nn_backward(c, t + 3 * i, 0.0, &lc, NULL) == HACK_OK);
		sum += lc;
		for (size_t j = 0; j < c->n_params; j++)
			b->grads[j] += c->grads[j] / n;
	}
	CHECK_CLOSE(la, sum / n, 1e-5);
	for (size_t i = 0; i < a->n_params; i++)
	{
		gmax = fmax(gmax, fabs(a->grads[i]));
		dmax = fmax(dmax, fabs((double) a->grads[i] - b->grads[i]));
	}
	CHECK(dmax <= 1e-4 * gmax);
	batch_free(&ba);
	nn_model_free(b);
	nn_model_free(c);
}

/* Progress callback that stops after the first call. */
static bool
stop_at_once(void *arg, double done, double total)
{
	(*(int *) arg)++;
	return done > total;		/* never true here */
}

/*
 * A pass asks m->progress after each part of the calling thread and stops
 * when told; without the callback it runs to the end.
 */
static void
test_nn_pass_interrupted(void)
{
	NnModel    *m = make_model(NN_ARCH_LENET, 1, 20, 20, 2, 41);
	UnitRng		rng = {42};
	int			n = 3 * NN_PART_MIN;	/* 3 parts */
	float	   *x = random_images(m, n, &rng);
	double	   *t = random_targets(n, 2, &rng);
	double		loss;
	int			calls = 0;

	CHECK(nn_set_threads(m, 2, NULL) == HACK_OK);
	CHECK(nn_forward(m, x, n, NULL, NULL) == HACK_OK);
	m->progress = stop_at_once;
	m->progress_arg = &calls;
	CHECK(nn_backward(m, t, 0.0, &loss, NULL) == HACK_ERR_INTERRUPTED);
	CHECK(calls == 1);
	CHECK(nn_forward(m, x, n, NULL, NULL) == HACK_ERR_INTERRUPTED);
	CHECK(calls == 2);
	m->progress = NULL;
	CHECK(nn_forward(m, x, n, NULL, NULL) == HACK_OK);
	CHECK(nn_backward(m, t, 0.0, &loss, NULL) == HACK_OK);
	free(x);
	free(t);
	nn_model_free(m);
}

/* nn_embed equals one forward pass, whatever the batch size, and can be stopped. */
static void
test_nn_embed(void)
{
	NnModel    *m = make_model(NN_ARCH_MLP, 1, 3, 3, 4, 33);
	UnitRng		rng = {34};
	float	   *x = random_images(m, 10, &rng);
	double		e1[40],
				e2[40];
	int			calls = 0;
	HackError	err;

	CHECK(nn_forward(m, x, 10, e1, NULL) == HACK_OK);
	CHECK(nn_embed(m, x, 10, 3, e2, NULL, NULL, NULL) == HACK_OK);
	for (int i = 0; i < 40; i++)
		CHECK_CLOSE(e1[i], e2[i], 1e-6);
	for (int i = 0; i < 10; i++)
		CHECK(hyp_one_minus_c_sqnorm(e1 + 4 * i, 4, 1.0) >= HYP_CLIP_EPS);
	CHECK(nn_embed(m, x, 10, 3, e2, stop_at_once, &calls, &err) == HACK_ERR_INTERRUPTED);
	CHECK(calls == 1);
	CHECK(nn_embed(m, x, 10, 0, e2, NULL, NULL, &err) == HACK_ERR_PARAMETER);
	free(x);
	nn_model_free(m);
}

/* SGD with momentum and weight decay follows PyTorch's update rule. */
static void
test_nn_sgd_and_schedule(void)
{
	NnModel    *m = make_model(NN_ARCH_MLP, 1, 1, 2, 1, 1);
	NnSgd		sgd = {0.9, 0.01};
	float		w0 = m->params[0];
	float		v;

	m->grads[0] = 0.5f;
	nn_sgd_step(m, &sgd, 0.1);
	v = 0.5f + 0.01f * w0;
	CHECK_CLOSE(m->params[0], w0 - 0.1f * v, 1e-6);
	w0 = m->params[0];
	nn_sgd_step(m, &sgd, 0.1);
	v = 0.9f * v + 0.5f + 0.01f * w0;
	CHECK_CLOSE(m->params[0], w0 - 0.1f * v, 1e-6);
	CHECK_CLOSE(nn_cosine_lr(0.1, 0.0, 0, 100), 0.1, 1e-15);
	CHECK_CLOSE(nn_cosine_lr(0.1, 0.0, 50, 100), 0.05, 1e-15);
	CHECK_CLOSE(nn_cosine_lr(0.1, 0.01, 100, 100), 0.01, 1e-15);
	CHECK(nn_sgd_check(&sgd, NULL) == HACK_OK);
	sgd.momentum = 1.0;
	CHECK(nn_sgd_check(&sgd, NULL) == HACK_ERR_PARAMETER);
	nn_model_free(m);
}

/* Normalisation statistics and identity / seeded augmentation. */
static void
test_nn_normalisation_and_augment(void)
{
	UnitRng		rng = {20};
	NnModel    *m = make_model(NN_ARCH_LENET, 3, 16, 16, 2, 1);
	float	   *x = random_images(m, 5, &rng);
	size_t		len = nn_input_size(m) * 5;
	float	   *a = malloc(sizeof(float) * len),
			   *b = malloc(sizeof(float) * len);
	NnAugment	none = {1.0, false},
				some = {0.5, true};
	NnRng		r1,
				r2;

	for (size_t i = 0; i < 256; i++)
		x[i * 3 % len] = 7.0f;	/* make the channels differ */
	CHECK(nn_fit_normalisation(m, x, 5, NULL) == HACK_OK);
	for (int c = 0; c < 3; c++)
	{
		double		s = 0.0,
					s2 = 0.0;

		for (int i = 0; i < 5; i++)
			for (int j = 0; j < 256; j++)
			{
				double		v = x[(i * 3 + c) * 256 + j];

				s += v;
				s2 += v * v;
			}
		CHECK_CLOSE(m->mean[c], s / 1280, 1e-5);
		CHECK_CLOSE(m->std[c], sqrt(s2 / 1280 - (s / 1280) * (s / 1280)), 1e-4);
	}
	nn_rng_seed(&r1, 3);
	nn_augment(x, a, 5, 3, 16, 16, &none, &r1);
	CHECK(memcmp(a, x, sizeof(float) * len) == 0);
	nn_rng_seed(&r1, 3);
	nn_rng_seed(&r2, 3);
	nn_augment(x, a, 5, 3, 16, 16, &some, &r1);
	nn_augment(x, b, 5, 3, 16, 16, &some, &r2);
	CHECK(memcmp(a, b, sizeof(float) * len) == 0);
	CHECK(memcmp(a, x, sizeof(float) * len) != 0);
	free(a);
	free(b);
	free(x);
	nn_model_free(m);
}

/* Write, read back, write again: identical bytes and identical embeddings. */
static void
test_nn_serial_roundtrip(void)
{
	UnitRng		rng = {23};
	NnArch		archs[2] = {NN_ARCH_LENET, NN_ARCH_MLP};

	for (int k = 0; k < 2; k++)
	{
		NnModel    *m = make_model(archs[k], 3, 16, 16, 5, 31);
		NnModel    *r = NULL;
		size_t		len = nn_model_blob_size(m);
		uint8_t    *blob = malloc(len),
				   *blob2 = malloc(len);
		float	   *x = random_images(m, 3, &rng);
		double		e1[15],
					e2[15];
		HackError	err;
		float		mean[3] = {0.1f, 0.2f, 0.3f},
					sd[3] = {1.5f, 2.5f, 0.5f};

		CHECK(nn_set_normalisation(m, mean, sd, NULL) == HACK_OK);
		nn_model_write(m, blob);
		CHECK(nn_model_read(blob, len, &r, &err) == HACK_OK);
		if (r == NULL)
			return;
		CHECK(memcmp(&r->cfg, &m->cfg, sizeof(NnConfig)) == 0);
		CHECK(memcmp(r->params, m->params, sizeof(float) * m->n_params) == 0);
		CHECK(nn_model_blob_size(r) == len);
		CHECK(blob[8] == NN_BLOB_VERSION && r->cfg.conv_relu);
		nn_model_write(r, blob2);
		CHECK(memcmp(blob, blob2, len) == 0);
		CHECK(nn_forward(m, x, 3, e1, NULL) == HACK_OK);
		CHECK(nn_forward(r, x, 3, e2, NULL) == HACK_OK);
		CHECK(memcmp(e1, e2, sizeof(e1)) == 0);
		nn_model_free(r);
		nn_model_free(m);
		free(blob);
		free(blob2);
		free(x);
	}
}

/* Recompute the trailing checksum after editing a blob. */
static void
reseal(uint8_t *blob, size_t len)
{
	uint32_t	crc = nn_crc32(blob, len - 4);

	for (int i = 0; i < 4; i++)
		blob[len - 4 + i] = (uint8_t) (crc >> (8 * i));
}

/*
 * A version-1 blob (hack 1.1 and before: lenet without ReLU after its
 * convolutions) loads as that network and embeds as it did.  The constants
 * were printed by the code of 1.1 for this seeded model and input: its
 * blob's length and CRC-32 (of the bytes before the trailing one, which
 * this writer must reproduce) and its embeddings.  The same weights as a
 * version-2 model embed differently.
 */
static void
test_nn_serial_version_1(void)
{
	static const double want[6] = {
		-0x1.54766d3f68753p-6, -0x1.e5f80cdbdcea9p-6, -0x1.761d11ea4aae6p-6,
		-0x1.f20093002de6ap-6, -0x1.277df902e5fb7p-6, -0x1.10700677a29e3p-5,
	};
	NnConfig	cfg;
	NnModel    *m = NULL,
			   *r = NULL;
	HackError	err;
	float		mean[1] = {0.25f},
				sd[1] = {0.5f};
	float		x[3 * 256];
	uint64_t	st = 77;
	double		e[6],
				diff = 0.0;
	size_t		len;
	uint8_t    *blob,
			   *again;

	nn_config_default(&cfg, NN_ARCH_LENET, 1, 16, 16, 2);
	cfg.conv_relu = false;
	CHECK(nn_model_create(&cfg, &m, &err) == HACK_OK);
	if (m == NULL)
		return;
	nn_model_init(m, 7);
	CHECK(nn_set_normalisation(m, mean, sd, NULL) == HACK_OK);
	len = nn_model_blob_size(m);
	blob = malloc(len);
	again = malloc(len);
	nn_model_write(m, blob);
	CHECK(len == 189674);
	CHECK(nn_crc32(blob, len - 4) == 0x3C8ABBA4u);
	CHECK(blob[8] == NN_BLOB_VERSION_NO_CONV_RELU);
	nn_model_free(m);

	CHECK(nn_model_read(blob, len, &r, &err) == HACK_OK);
	if (r == NULL)
		return;
	CHECK(!r->cfg.conv_relu && !r->layers[0].relu && !r->layers[1].relu);
	nn_model_write(r, again);
	CHECK(memcmp(blob, again, len) == 0);
	for (int i = 0; i < 3 * 256; i++)
		x[i] = (float) hack_rng_uniform(&st);
	CHECK(nn_forward(r, x, 3, e, NULL) == HACK_OK);
	/*
	 * bit-identical on the machine that printed them; another sgemm kernel
	 * (another CPU, or valgrind's, which lacks AVX-512) rounds the float32
	 * sums otherwise, far below what the convolutions' ReLUs change (> 1e-4)
	 */
	for (int i = 0; i < 6; i++)
		diff = fmax(diff, fabs(e[i] - want[i]));
	CHECK(diff <= 1e-6);
	if (getenv("HACK_NN_VERBOSE"))
		fprintf(stderr, "    version 1 embedding difference %g\n", diff);
	nn_model_free(r);

	/* the same bytes as version 2: the reference lenet, other embeddings */
	blob[8] = NN_BLOB_VERSION;
	reseal(blob, len);
	CHECK(nn_model_read(blob, len, &r, &err) == HACK_OK);
	if (r != NULL)
	{
		CHECK(r->cfg.conv_relu && r->layers[0].relu && r->layers[1].relu);
		CHECK(nn_forward(r, x, 3, e, NULL) == HACK_OK);
		diff = 0.0;
		for (int i = 0; i < 6; i++)
			diff = fmax(diff, fabs(e[i] - want[i]));
		CHECK(diff > 1e-4);
		nn_model_free(r);
	}
	/* versions 0 and 3 are unknown */
	for (int v = 0; v <= 3; v += 3)
	{
		blob[8] = (uint8_t) v;
		reseal(blob, len);
		CHECK(nn_model_read(blob, len, &r, &err) == HACK_ERR_CORRUPT);
	}
	free(blob);
	free(again);
}

/* Truncations, byte flips, resealed edits and foreign bytes are all rejected. */
static void
test_nn_serial_rejects_damage(void)
{
	UnitRng		rng = {24};
	NnModel    *m = make_model(NN_ARCH_MLP, 1, 3, 3, 2, 41);
	NnModel    *r = NULL;
	size_t		len = nn_model_blob_size(m);
	uint8_t    *blob = malloc(len),
			   *copy = malloc(len);
	HackError	err;
	int			flips = unit_small() ? 200 : 5000;

	nn_model_write(m, blob);
	for (size_t cut = 0; cut < len; cut++)
	{
		CHECK(nn_model_read(blob, cut, &r, &err) == HACK_ERR_CORRUPT);
		CHECK(r == NULL);
	}
	for (int f = 0; f < flips; f++)
	{
		size_t		pos = unit_rng_next(&rng) % len;

		memcpy(copy, blob, len);
		copy[pos] ^= (uint8_t) (1 + unit_rng_next(&rng) % 255);
		CHECK(nn_model_read(copy, len, &r, &err) == HACK_ERR_CORRUPT);
		CHECK(r == NULL);
	}
	/* edits with a valid checksum: every header byte, resealed */
	for (size_t pos = 8; pos < len - 4 - 4 * m->n_params; pos++)
	{
		memcpy(copy, blob, len);
		copy[pos] ^= 0x41;
		reseal(copy, len);
		if (nn_model_read(copy, len, &r, &err) == HACK_OK)
		{
			/* only a change of the normalisation floats or clip/curvature may pass */
			CHECK(r->n_params == m->n_params);
			nn_model_free(r);
			r = NULL;
		}
	}
	/* a non-finite weight with a valid checksum */
	memcpy(copy, blob, len);
	memset(copy + len - 8, 0xFF, 4);
	reseal(copy, len);
	CHECK(nn_model_read(copy, len, &r, &err) == HACK_ERR_CORRUPT);
	/* foreign bytes */
	for (size_t i = 0; i < len; i++)
		copy[i] = (uint8_t) unit_rng_next(&rng);
	CHECK(nn_model_read(copy, len, &r, &err) == HACK_ERR_CORRUPT);
	CHECK(strstr(err.message, "invalid encoder model") != NULL);
	free(blob);
	free(copy);
	nn_model_free(m);
}

/*
 * One generator: SplitMix64's published outputs for state 0, and the
 * encoder's NnRng, the tests' UnitRng and rng.h drawing the same stream
 * (the packing and the initial weights, hence the regress outputs, rest
 * on those bits).
 */
static void
test_nn_rng_one_stream(void)
{
	uint64_t	st = 0;
	NnRng		nr;
	UnitRng		ur;

	CHECK(hack_rng_next(&st) == 0xE220A8397B1DCDAFULL);
	CHECK(hack_rng_next(&st) == 0x6E789E6AA1B965F4ULL);
	CHECK(hack_rng_next(&st) == 0x06C45D188009454FULL);
	nn_rng_seed(&nr, 5);
	ur.state = nr.state;
	st = nr.state;
	for (int i = 0; i < 100; i++)
	{
		double		a = nn_rng_normal(&nr);
		double		b = unit_rng_normal(&ur);
		double		c = hack_rng_normal(&st);

		CHECK(a == b && b == c && isfinite(a));
		CHECK(nn_rng_uniform(&nr) == hack_rng_uniform(&st));
		CHECK(unit_rng_uniform(&ur) < 1.0);
	}
}

/* nn_config_default: the given shape, curvature 1, the default clip radius, no hidden layers. */
static void
test_nn_config_default(void)
{
	NnConfig	cfg;
	NnConfig	want;
	HackError	err;

	memset(&cfg, 0x7f, sizeof(cfg));
	nn_config_default(&cfg, NN_ARCH_LENET, 3, 32, 28, 5);
	memset(&want, 0, sizeof(want));
	want.arch = NN_ARCH_LENET;
	want.channels = 3;
	want.height = 32;
	want.width = 28;
	want.dim = 5;
	want.curvature = 1.0;
	want.clip_r = NN_DEFAULT_CLIP_R;
	want.conv_relu = true;
	CHECK(memcmp(&cfg, &want, sizeof(cfg)) == 0);
	CHECK(nn_config_check(&cfg, &err) == HACK_OK);
	nn_config_default(&cfg, NN_ARCH_MLP, 1, 2, 2, 2);
	CHECK(cfg.n_hidden == 0 && cfg.hidden[0] == 0);
	CHECK(nn_config_check(&cfg, &err) == HACK_OK);
}

/*
 * normalise => 'none': mean 0 and the encoding's scale (u8 pixels / 255,
 * f32 as stored), recognised as such; a fitted normalisation is not.
 */
static void
test_nn_raw_normalisation(void)
{
	NnModel    *m = make_model(NN_ARCH_LENET, 3, 28, 28, 2, 1);
	HackError	err;
	UnitRng		rng = {11};
	float	   *x;

	if (m == NULL)
		return;
	CHECK(nn_set_raw_normalisation(m, HACK_IMAGE_U8, &err) == HACK_OK);
	for (int c = 0; c < 3; c++)
		CHECK(m->mean[c] == 0.0f && m->std[c] == 255.0f);
	CHECK(nn_normalisation_is_raw(m, HACK_IMAGE_U8));
	CHECK(!nn_normalisation_is_raw(m, HACK_IMAGE_F32));
	CHECK(nn_set_raw_normalisation(m, HACK_IMAGE_F32, &err) == HACK_OK);
	CHECK(m->std[2] == 1.0f && nn_normalisation_is_raw(m, HACK_IMAGE_F32));
	x = random_images(m, 4, &rng);
	CHECK(nn_fit_normalisation(m, x, 4, &err) == HACK_OK);
	CHECK(!nn_normalisation_is_raw(m, HACK_IMAGE_F32));
	free(x);
	nn_model_free(m);
}

/* Bad configurations and arguments are refused with the right status. */
static void
test_nn_bad_arguments(void)
{
	NnConfig	cfg;
	NnModel    *m = NULL;
	NnArch		a;
	double		loss;
	HackError	err;

	nn_config_default(&cfg, NN_ARCH_LENET, 1, 10, 28, 2);
	CHECK(nn_model_create(&cfg, &m, &err) == HACK_ERR_PARAMETER);
	cfg.height = 28;
	cfg.curvature = -1.0;
	CHECK(nn_model_create(&cfg, &m, &err) == HACK_ERR_PARAMETER);
	cfg.curvature = 1.0;
	cfg.dim = HACK_MAX_DIM + 1;
	CHECK(nn_model_create(&cfg, &m, &err) == HACK_ERR_PARAMETER);
	CHECK(m == NULL);
	CHECK(nn_arch_from_name("resnet", &a, &err) == HACK_ERR_PARAMETER);
	CHECK(nn_arch_from_name("lenet", &a, &err) == HACK_OK && a == NN_ARCH_LENET);
	m = make_model(NN_ARCH_MLP, 1, 2, 2, 2, 1);
	CHECK(nn_backward(m, NULL, 0.0, &loss, &err) == HACK_ERR_PARAMETER);
	{
		float		x[12] = {0};
		double		t[6] = {0.5, 0.5, 0.9, 0.9, 0, 0};

		CHECK(nn_forward(m, x, 3, NULL, &err) == HACK_OK);
		CHECK(nn_backward(m, t, 0.0, &loss, &err) == HACK_ERR_OUT_OF_RANGE);
		t[2] = 0.1;
		CHECK(nn_backward(m, t, 1.0, &loss, &err) == HACK_ERR_PARAMETER);
		CHECK(nn_backward(m, t, 0.0, &loss, &err) == HACK_OK);
	}
	nn_model_free(m);
}

void
suite_nn(void)
{
	RUN(test_nn_im2col_adjoint);
	RUN(test_nn_pass_interrupted);
	RUN(test_nn_maxpool);
	RUN(test_nn_distance_gradient);
	RUN(test_nn_head_gradient);
	RUN(test_nn_head_riemannian);
	RUN(test_nn_riemannian_model);
	RUN(test_nn_gradcheck_lenet);
	RUN(test_nn_gradcheck_lenet_rgb_blocks);
	RUN(test_nn_lenet_conv_relu);
	RUN(test_nn_gradcheck_mlp);
	RUN(test_nn_gradcheck_detects_bugs);
	RUN(test_nn_training_reduces_loss);
	RUN(test_nn_deterministic);
	RUN(test_nn_threads);
	RUN(test_nn_embed);
	RUN(test_nn_sgd_and_schedule);
	RUN(test_nn_normalisation_and_augment);
	RUN(test_nn_serial_roundtrip);
	RUN(test_nn_serial_version_1);
	RUN(test_nn_serial_rejects_damage);
	RUN(test_nn_bad_arguments);
	RUN(test_nn_rng_one_stream);
	RUN(test_nn_config_default);
	RUN(test_nn_raw_normalisation);
}
