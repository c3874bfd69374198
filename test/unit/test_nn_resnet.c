/*
 * test_nn_resnet.c
 *	  Unit tests of the composable layers and resnet20 (nn_arch.c,
 *	  nn_layers.c, nn_dnnl.c).
 *
 * The oneDNN convolution is checked against the definition and its
 * gradients as adjoints; every parameter tensor of resnet20 (convs
 * with stride 1 and 2, BatchNorm in training and inference mode, residual
 * adds with identity and option-A shortcuts, the average pool, the linear
 * layers) against central differences of the loss along its gradient, as
 * test_nn.c does for lenet (float32 network, so the check is directional,
 * best of three steps, 2%: with 19 BatchNorms and the ReLU kinks the
 * float32 loss is noisier than lenet's; a gradient off by 5% in any one
 * tensor fails, see test_nn_resnet_gradcheck_detects_bugs).  BatchNorm's
 * batch statistics and running averages are checked against the formula,
 * threads against one thread bit for bit, and blob version 3 for round
 * trips and damage.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "nn_dnnl.h"
#include "nn_loss.h"
#include "nn_model.h"
#include "nn_model_internal.h"
#include "nn_ops.h"
#include "nn_optim.h"
#include "nn_serial.h"

/* A seeded resnet20 for c x h x w images into the ball of dimension dim. */
static NnModel *
make_resnet(int c, int h, int w, int dim, uint64_t seed)
{
	NnConfig	cfg;
	NnModel    *m = NULL;

	nn_config_default(&cfg, NN_ARCH_RESNET20, c, h, w, dim);
	CHECK(nn_model_create(&cfg, &m, NULL) == HACK_OK);
	if (m != NULL)
		nn_model_init(m, seed);
	return m;
}

/* n images with pixels in [0, 1) and n targets of norm below 0.8. */
static void
make_data(NnModel *m, int n, uint64_t seed, float **x, double **t)
{
	UnitRng		rng = {seed};
	size_t		len = nn_input_size(m) * n;
	int			dim = m->cfg.dim;

	*x = malloc(sizeof(float) * len);
	*t = malloc(sizeof(double) * n * dim);
	for (size_t i = 0; i < len; i++)
		(*x)[i] = (float) unit_rng_uniform(&rng);
	for (int i = 0; i < n * dim; i++)
		(*t)[i] = 0.8 / sqrt((double) dim) * (2.0 * unit_rng_uniform(&rng) - 1.0);
}

/* Loss of a forward pass (in the model's mode), gradients untouched. */
static double
loss_only(NnModel *m, const float *x, int n, const double *t)
{
	double	   *gz = malloc(sizeof(double) * n * m->cfg.dim);
	double		loss;

	CHECK(nn_forward(m, x, n, NULL, NULL) == HACK_OK);
	loss = nn_loss(m->ws->emb, t, n, m->cfg.dim, m->cfg.curvature, 0.0, gz);
	free(gz);
	return loss;
}

/*
 * Relative error of the gradient of parameters [off, off + len) along
 * d = g/|g|: central differences at three steps, the best kept.  The
 * running statistics a training forward pass moves are restored after
 * each evaluation, so every loss is of the same model.
 */
static double
directional_error(NnModel *m, const float *x, int n, const double *t,
				  size_t off, size_t len)
{
	float	   *saved = malloc(sizeof(float) * len);
	float	   *buf = malloc(sizeof(float) * (m->n_buffers + 1));
	double		gn = 0.0,
				best = INFINITY;
	double		steps[3] = {2e-3, 5e-4, 1.25e-4};

	memcpy(saved, m->params + off, sizeof(float) * len);
	memcpy(buf, m->buffers, sizeof(float) * m->n_buffers);
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
		lp = loss_only(m, x, n, t);
		memcpy(m->buffers, buf, sizeof(float) * m->n_buffers);
		for (size_t i = 0; i < len; i++)
			m->params[off + i] = (float) (saved[i] - h * m->grads[off + i] / gn);
		lm = loss_only(m, x, n, t);
		memcpy(m->buffers, buf, sizeof(float) * m->n_buffers);
		rel = fabs((lp - lm) / (2 * h) - gn) / (gn + 1e-4);
		if (rel < best)
			best = rel;
	}
	memcpy(m->params + off, saved, sizeof(float) * len);
	free(saved);
	free(buf);
	return gn > 0.0 ? best : 0.0;
}

/*
 * Worst directional error over every parameter tensor (a layer's weight
 * range [weight, bias) and bias range); the gradient of layer
 * break_layer's weights is scaled by break_factor first.
 */
static double
resnet_grad_error(NnModel *m, const float *x, int n, const double *t,
				  float break_factor, int break_layer, int *worst_layer)
{
	double		loss,
				worst = 0.0;
	float	   *buf = malloc(sizeof(float) * (m->n_buffers + 1));

	memcpy(buf, m->buffers, sizeof(float) * m->n_buffers);
	CHECK(nn_forward(m, x, n, NULL, NULL) == HACK_OK);
	CHECK(nn_backward(m, t, 0.0, &loss, NULL) == HACK_OK);
	memcpy(m->buffers, buf, sizeof(float) * m->n_buffers);
	CHECK(isfinite(loss) && loss > 0.0);
	for (int i = 0; i < m->n_layers; i++)
	{
		NnLayer    *l = &m->layers[i];
		size_t		bl = l->kind == NN_LAYER_LINEAR ? (size_t) l->out :
			l->kind == NN_LAYER_BATCHNORM ? (size_t) l->cout : 0;
		double		ew,
					eb;

		if (l->bias == l->weight && bl == 0)
			continue;			/* no parameters */
		/* under valgrind, every fifth layer, the heads and the broken one */
		if (unit_small() && i % 5 != 0 && i < m->n_layers - 2 && i != break_layer)
			continue;
		if (i == break_layer)
			for (size_t j = l->weight; j < l->bias; j++)
				m->grads[j] *= break_factor;
		ew = directional_error(m, x, n, t, l->weight, l->bias - l->weight);
		eb = bl ? directional_error(m, x, n, t, l->bias, bl) : 0.0;
		if (getenv("HACK_NN_VERBOSE"))
			fprintf(stderr, "    layer %d (kind %d): weight %g bias %g\n",
					i, (int) l->kind, ew, eb);
		if (ew > worst || eb > worst)
		{
			worst = fmax(ew, eb);
			if (worst_layer)
				*worst_layer = i;
		}
	}
	free(buf);
	return worst;
}

#define RESNET_GRAD_TOL 2e-2

/*
 * The oneDNN convolution against the definition, NHWC: the forward pass,
 * with bias and ReLU, and both gradients as the adjoints
 * <dy, conv(x, W)> = <dx, x> = <dW, W> (a convolution is bilinear).
 */
static void
test_nn_conv_direct(void)
{
	int			shapes[][5] = {	/* c, h, w, stride, pad */
		{2, 5, 7, 1, 1}, {3, 7, 6, 2, 1}, {1, 4, 4, 2, 0}, {2, 6, 5, 1, 0}, {1, 3, 3, 2, 1},
		{16, 8, 8, 1, 1}, {17, 9, 5, 2, 1},
	};
	UnitRng		rng = {41};

	for (size_t si = 0; si < lengthof(shapes); si++)
	{
		NnLayer		l = {0};
		NnConvKernel *kernel = NULL;
		HackError	err;
		int			m = 3,
					c,
					h,
					w,
					oh,
					ow;
		size_t		nx,
					ny,
					nw;
		float	   *x,
				   *y,
				   *W,
				   *dy,
				   *dx,
				   *dW,
				   *b;
		double		worst = 0.0,
					ydy = 0.0,
					xdx = 0.0,
					wdw = 0.0;

		l.kind = NN_LAYER_CONV;
		l.cin = c = shapes[si][0];
		l.cout = 5;
		l.k = 3;
		l.h = h = shapes[si][1];
		l.w = w = shapes[si][2];
		l.stride = shapes[si][3];
		l.pad = shapes[si][4];
		l.oh = oh = (h + 2 * l.pad - l.k) / l.stride + 1;
		l.ow = ow = (w + 2 * l.pad - l.k) / l.stride + 1;
		nx = (size_t) m * h * w * c;
		ny = (size_t) m * oh * ow * l.cout;
		nw = (size_t) l.cout * c * 9;
		x = malloc(sizeof(float) * nx);
		dx = malloc(sizeof(float) * nx);
		y = malloc(sizeof(float) * ny);
		dy = malloc(sizeof(float) * ny);
		W = malloc(sizeof(float) * nw);
		dW = malloc(sizeof(float) * nw);
		b = malloc(sizeof(float) * l.cout);
		for (size_t i = 0; i < nx; i++)
			x[i] = (float) (unit_rng_uniform(&rng) - 0.5);
		for (size_t i = 0; i < ny; i++)
			dy[i] = (float) (unit_rng_uniform(&rng) - 0.5);
		for (size_t i = 0; i < nw; i++)
			W[i] = (float) (unit_rng_uniform(&rng) - 0.5);
		for (int o = 0; o < l.cout; o++)
			b[o] = (float) (unit_rng_uniform(&rng) - 0.5);
		for (int pass = 0; pass < 2; pass++)
		{
			bool		biased = pass == 1;

			CHECK(nn_conv_forward(&kernel, &l, m, x, W, biased ? b : NULL, false, biased, y, &err) == HACK_OK);
			for (int i = 0; i < m; i++)
				for (int oy = 0; oy < oh; oy++)
					for (int ox = 0; ox < ow; ox++)
						for (int o = 0; o < l.cout; o++)
						{
							double		want = biased ? b[o] : 0.0;

							for (int ky = 0; ky < 3; ky++)
								for (int kx = 0; kx < 3; kx++)
								{
									int			iy = oy * l.stride + ky - l.pad,
												ix = ox * l.stride + kx - l.pad;

									if (iy < 0 || iy >= h || ix < 0 || ix >= w)
										continue;
									for (int ci = 0; ci < c; ci++)
										want += (double) W[((o * c + ci) * 3 + ky) * 3 + kx] *
											x[(((size_t) i * h + iy) * w + ix) * c + ci];
								}
							if (biased && want < 0.0)
								want = 0.0;
							worst = fmax(worst, fabs(y[(((size_t) i * oh + oy) * ow + ox) * l.cout + o] - want));
						}
		}
		CHECK(worst < 1e-5);
		/* unbiased y again, for the adjoints */
		CHECK(nn_conv_forward(&kernel, &l, m, x, W, NULL, false, false, y, &err) == HACK_OK);
		CHECK(nn_conv_backward(&kernel, &l, m, x, W, dy, dW, dx, &err) == HACK_OK);
		for (size_t i = 0; i < ny; i++)
			ydy += (double) y[i] * dy[i];
		for (size_t i = 0; i < nx; i++)
			xdx += (double) x[i] * dx[i];
		for (size_t i = 0; i < nw; i++)
			wdw += (double) W[i] * dW[i];
		CHECK_CLOSE(xdx, ydy, 1e-4);
		CHECK_CLOSE(wdw, ydy, 1e-4);
		/* no input gradient asked: dW alone, the same */
		memset(dW, 0, sizeof(float) * nw);
		CHECK(nn_conv_backward(&kernel, &l, m, x, W, dy, dW, NULL, &err) == HACK_OK);
		wdw = 0.0;
		for (size_t i = 0; i < nw; i++)
			wdw += (double) W[i] * dW[i];
		CHECK_CLOSE(wdw, ydy, 1e-4);
		nn_conv_kernel_free(kernel);
		free(x);
		free(dx);
		free(y);
		free(dy);
		free(W);
		free(dW);
		free(b);
	}
}

/* resnet20's layer table: shapes, shortcuts, parameter count of the paper. */
static void
test_nn_resnet_shape(void)
{
	NnModel    *m = make_resnet(3, 32, 32, 2, 1);
	int			adds = 0,
				bns = 0,
				convs = 0,
				strided = 0;

	if (m == NULL)
		return;
	for (int i = 0; i < m->n_layers; i++)
	{
		NnLayer    *l = &m->layers[i];

		adds += l->kind == NN_LAYER_ADD;
		bns += l->kind == NN_LAYER_BATCHNORM;
		convs += l->kind == NN_LAYER_CONV;
		if (l->kind == NN_LAYER_CONV && l->stride == 2)
		{
			strided++;
			CHECK(l->h == 2 * l->oh && l->cout == 2 * l->cin);
		}
		if (l->kind == NN_LAYER_ADD)
		{
			/* the block input's gradient is the sum of both paths */
			CHECK(m->layers[l->src2].acc);
			CHECK(!l->acc2);
			CHECK(l->pad == (l->stride == 2 ? l->cout / 4 : 0));
		}
	}
	CHECK(adds == 9 && bns == 19 && convs == 19 && strided == 2);
	CHECK(m->layers[m->n_layers - 3].kind == NN_LAYER_AVGPOOL);
	CHECK(m->layers[m->n_layers - 3].h == 8 && m->layers[m->n_layers - 3].cin == 64);
	CHECK(m->layers[m->n_layers - 2].out == 10 && m->layers[m->n_layers - 1].out == 2);
	/* 0.27M parameters as He et al. table 6: 269,722 with the 64 -> 10 layer */
	CHECK(m->n_params == 269722 + 10 * 2 + 2);
	CHECK(m->n_buffers == 2 * (16 * 7 + 32 * 6 + 64 * 6));
	nn_model_free(m);
}

/* Every tensor's gradient, BatchNorm on batch statistics and on running ones. */
static void
test_nn_resnet_gradcheck(void)
{
	int			n = unit_small() ? 2 : 6;

	for (int mode = 0; mode < (unit_small() ? 1 : 2); mode++)
	{
		NnModel    *m = make_resnet(3, 8, 8, 3, 17);
		float	   *x;
		double	   *t;
		double		e;
		int			worst = -1;

		if (m == NULL)
			return;
		make_data(m, n, 23, &x, &t);
		if (mode == 1)
		{
			/* inference mode, on running statistics that are not the identity */
			m->training = true;
			for (int k = 0; k < 3; k++)
				CHECK(nn_forward(m, x, n, NULL, NULL) == HACK_OK);
			m->training = false;
			for (size_t i = 0; i < m->n_params; i++)
				if (i % 7 == 0)
					m->params[i] *= 1.1f;
		}
		else
			m->training = true;
		e = resnet_grad_error(m, x, n, t, 1.0f, -1, &worst);
		CHECK(e < RESNET_GRAD_TOL);
		if (e >= RESNET_GRAD_TOL || getenv("HACK_NN_VERBOSE"))
			fprintf(stderr, "    %s mode: worst gradient error %g (layer %d)\n",
					mode == 0 ? "training" : "inference", e, worst);
		free(x);
		free(t);
		nn_model_free(m);
	}
}

/* The check fails when one tensor's gradient is 5% off: conv, BatchNorm, linear. */
static void
test_nn_resnet_gradcheck_detects_bugs(void)
{
	int			layers[3] = {2, 8, -2};

	for (int k = 0; k < (unit_small() ? 1 : 3); k++)
	{
		NnModel    *m = make_resnet(3, 8, 8, 2, 5);
		float	   *x;
		double	   *t;
		int			li;

		if (m == NULL)
			return;
		li = layers[k] < 0 ? m->n_layers + layers[k] : layers[k];
		make_data(m, 4, 29, &x, &t);
		m->training = true;
		CHECK(resnet_grad_error(m, x, 4, t, 1.05f, li, NULL) > RESNET_GRAD_TOL);
		free(x);
		free(t);
		nn_model_free(m);
	}
}

/* Batch statistics: the first BatchNorm's output and running averages by the formula. */
static void
test_nn_batchnorm_statistics(void)
{
	NnModel    *m = make_resnet(3, 6, 6, 2, 3);
	NnModel    *e;
	float	   *x;
	double	   *t;
	int			n = 40;			/* two parts */
	NnLayer    *bn;
	size_t		P = 36;
	double		worst = 0.0,
				worst_r = 0.0;
	double	   *emb1,
			   *emb2;
	double		dummy_loss;

	if (m == NULL)
		return;
	bn = &m->layers[1];
	CHECK(bn->kind == NN_LAYER_BATCHNORM && bn->relu);
	make_data(m, n, 31, &x, &t);
	for (int c = 0; c < bn->cout; c++)
	{
		m->params[bn->weight + c] = 0.5f + 0.1f * c;
		m->params[bn->bias + c] = 0.2f - 0.05f * c;
	}
	m->training = true;
	CHECK(nn_forward(m, x, n, NULL, NULL) == HACK_OK);
	for (int c = 0; c < bn->cout; c++)
	{
		/* conv output of channel c: parts of 32 and 8 images, NHWC each */
		double		s1 = 0.0,
					s2 = 0.0,
					mean,
					var;

		for (int p = 0; p < 2; p++)
		{
			int			cnt = p == 0 ? 32 : 8;
			const float *a = m->ws->work[p].act[1] + c;

			for (size_t j = 0; j < cnt * P; j++)
			{
				s1 += a[j * bn->cout];
				s2 += (double) a[j * bn->cout] * a[j * bn->cout];
			}
		}
		mean = s1 / (n * P);
		var = s2 / (n * P) - mean * mean;
		for (int p = 0; p < 2; p++)
		{
			int			cnt = p == 0 ? 32 : 8;
			const float *a = m->ws->work[p].act[1] + c;
			const float *y = m->ws->work[p].act[2] + c;

			for (size_t j = 0; j < cnt * P; j++)
			{
				double		want = (a[j * bn->cout] - mean) / sqrt(var + 1e-5) *
					m->params[bn->weight + c] + m->params[bn->bias + c];

				worst = fmax(worst, fabs(y[j * bn->cout] - fmax(want, 0.0)));
			}
		}
		worst_r = fmax(worst_r, fabs(m->buffers[bn->rmean + c] - 0.1 * mean));
		worst_r = fmax(worst_r, fabs(m->buffers[bn->rvar + c] -
									 (0.9 + 0.1 * var * n * P / (n * P - 1))));
	}
	CHECK(worst < 1e-5);
	CHECK(worst_r < 1e-6);

	/*
	 * inference ignores the batch: one image alone embeds as in a batch
	 * (to float32 rounding: sgemm's blocking depends on the matrix sizes)
	 */
	emb1 = malloc(sizeof(double) * n * 2);
	emb2 = malloc(sizeof(double) * n * 2);
	CHECK(nn_embed(m, x, n, n, emb1, NULL, NULL, NULL) == HACK_OK);
	CHECK(m->training);			/* nn_embed restores the mode */
	CHECK(nn_embed(m, x, n, 1, emb2, NULL, NULL, NULL) == HACK_OK);
	for (int i = 0; i < 2 * n; i++)
		CHECK(fabs(emb1[i] - emb2[i]) < 1e-5);
	/* nn_embed folds BatchNorm and the residual adds into the convolutions: the same as unfolded */
	m->training = false;
	CHECK(nn_forward(m, x, n, emb2, NULL) == HACK_OK);
	for (int i = 0; i < 2 * n; i++)
		CHECK(fabs(emb1[i] - emb2[i]) < 1e-5);
	/* ... and keeps no convolution outputs, so no backward pass follows it */
	CHECK(nn_embed(m, x, n, n, emb2, NULL, NULL, NULL) == HACK_OK);
	CHECK(nn_backward(m, t, 0.0, &dummy_loss, NULL) == HACK_ERR_PARAMETER);
	m->training = true;
	/* ... and differs from the training mode's embedding of the batch */
	CHECK(nn_forward(m, x, n, emb2, NULL) == HACK_OK);
	CHECK(fabs(emb1[0] - emb2[0]) > 1e-6 || fabs(emb1[1] - emb2[1]) > 1e-6);
	(void) e;
	free(emb1);
	free(emb2);
	free(x);
	free(t);
	nn_model_free(m);
}

/* Training steps on 1 and 3 threads give the same bits (weights, statistics). */
static void
test_nn_resnet_threads(void)
{
	int			n = unit_small() ? 40 : 70;	/* 2 or 3 parts, the last short */
	NnModel    *a = make_resnet(3, 8, 8, 2, 9);
	NnModel    *b = make_resnet(3, 8, 8, 2, 9);
	float	   *x;
	double	   *t;
	NnSgd		sgd = {0.9, 5e-4};
	double		la = 0.0,
				lb = 0.0;

	if (a == NULL || b == NULL)
		return;
	make_data(a, n, 37, &x, &t);
	CHECK(nn_set_threads(b, 3, NULL) == HACK_OK);
	a->training = b->training = true;
	for (int step = 0; step < 2; step++)
	{
		CHECK(nn_forward(a, x, n, NULL, NULL) == HACK_OK);
		CHECK(nn_backward(a, t, 0.0, &la, NULL) == HACK_OK);
		nn_sgd_step(a, &sgd, 0.05);
		CHECK(nn_forward(b, x, n, NULL, NULL) == HACK_OK);
		CHECK(nn_backward(b, t, 0.0, &lb, NULL) == HACK_OK);
		nn_sgd_step(b, &sgd, 0.05);
		CHECK(la == lb);
	}
	CHECK(memcmp(a->params, b->params, sizeof(float) * a->n_params) == 0);
	CHECK(memcmp(a->buffers, b->buffers, sizeof(float) * a->n_buffers) == 0);
	free(x);
	free(t);
	nn_model_free(a);
	nn_model_free(b);
}

/*
 * Training on random targets lowers the loss.  Kaiming-normal weights, as
 * the reference has them, give tangent vectors beyond the clip radius at
 * the start, where the cap leaves no radial gradient and the loss hardly
 * moves in 60 steps; the projection to dim is scaled by 0.1 here so that
 * the embeddings start inside the cap.
 */
static void
test_nn_resnet_trains(void)
{
	NnModel    *m = make_resnet(3, 8, 8, 2, 13);
	float	   *x;
	double	   *t;
	NnSgd		sgd = {0.9, 0.0};
	double		first = 0.0,
				loss = 0.0,
				lr = 0.02;
	int			steps = unit_small() ? 10 : 60;

	if (getenv("HACK_NN_LR"))
		lr = atof(getenv("HACK_NN_LR"));

	if (m == NULL)
		return;
	make_data(m, 16, 43, &x, &t);
	{
		NnLayer    *last = &m->layers[m->n_layers - 1];

		for (size_t j = last->weight; j < last->bias + last->out; j++)
			m->params[j] *= 0.1f;
	}
	m->training = true;
	for (int s = 0; s < steps; s++)
	{
		CHECK(nn_forward(m, x, 16, NULL, NULL) == HACK_OK);
		CHECK(nn_backward(m, t, 0.0, &loss, NULL) == HACK_OK);
		if (s == 0)
			first = loss;
		nn_sgd_step(m, &sgd, lr);
	}
	CHECK(isfinite(loss) && loss < 0.7 * first);
	if (getenv("HACK_NN_VERBOSE") || !(loss < 0.7 * first))
		fprintf(stderr, "    loss %g -> %g\n", first, loss);
	free(x);
	free(t);
	nn_model_free(m);
}

/* Blob version 3: round trip bit-exact, running statistics kept, damage refused. */
static void
test_nn_resnet_serial(void)
{
	NnModel    *m = make_resnet(3, 8, 8, 2, 19);
	NnModel    *r = NULL;
	float	   *x;
	double	   *t;
	double		e1[8],
				e2[8];
	size_t		len;
	uint8_t    *blob,
			   *again;

	if (m == NULL)
		return;
	make_data(m, 4, 47, &x, &t);
	m->training = true;
	CHECK(nn_forward(m, x, 4, NULL, NULL) == HACK_OK);	/* moves the statistics */
	m->training = false;
	CHECK(nn_forward(m, x, 4, e1, NULL) == HACK_OK);
	len = nn_model_blob_size(m);
	blob = malloc(len);
	again = malloc(len);
	nn_model_write(m, blob);
	CHECK(blob[8] == NN_BLOB_VERSION_BUFFERS);
	CHECK(nn_model_read(blob, len, &r, NULL) == HACK_OK);
	if (r != NULL)
	{
		CHECK(r->cfg.arch == NN_ARCH_RESNET20 && r->n_buffers == m->n_buffers);
		CHECK(memcmp(r->buffers, m->buffers, sizeof(float) * m->n_buffers) == 0);
		nn_model_write(r, again);
		CHECK(memcmp(blob, again, len) == 0);
		CHECK(nn_forward(r, x, 4, e2, NULL) == HACK_OK);
		CHECK(memcmp(e1, e2, sizeof(e1)) == 0);
		nn_model_free(r);
	}
	/* every truncation of the buffer section and the checksum */
	for (size_t cut = len - 4 * m->n_buffers - 12; cut < len; cut += 7)
		CHECK(nn_model_read(blob, cut, &r, NULL) == HACK_ERR_CORRUPT);
	/* as version 2 (no buffers expected) it does not parse */
	memcpy(again, blob, len);
	again[8] = NN_BLOB_VERSION;
	{
		uint32_t	crc = nn_crc32(again, len - 4);

		for (int i = 0; i < 4; i++)
			again[len - 4 + i] = (uint8_t) (crc >> (8 * i));
	}
	CHECK(nn_model_read(again, len, &r, NULL) == HACK_ERR_CORRUPT);
	/* a negative running variance, checksum valid */
	memcpy(again, blob, len);
	{
		size_t		off = len - 4 - 4 * m->n_buffers + 4 * m->layers[1].rvar;
		float		neg = -1.0f;
		uint32_t	crc;

		memcpy(again + off, &neg, 4);
		crc = nn_crc32(again, len - 4);
		for (int i = 0; i < 4; i++)
			again[len - 4 + i] = (uint8_t) (crc >> (8 * i));
	}
	CHECK(nn_model_read(again, len, &r, NULL) == HACK_ERR_CORRUPT);
	free(blob);
	free(again);
	free(x);
	free(t);
	nn_model_free(m);
}

/* The names and the hint. */
static void
test_nn_resnet_names(void)
{
	NnArch		a;
	HackError	err;

	CHECK(nn_arch_from_name("resnet20", &a, &err) == HACK_OK && a == NN_ARCH_RESNET20);
	CHECK(strcmp(nn_arch_name(NN_ARCH_RESNET20), "resnet20") == 0);
	CHECK(nn_arch_from_name("resnet", &a, &err) == HACK_ERR_PARAMETER);
	CHECK(strstr(err.detail, "resnet20") != NULL);
}

void
suite_nn_resnet(void)
{
	RUN(test_nn_conv_direct);
	RUN(test_nn_resnet_shape);
	RUN(test_nn_resnet_gradcheck);
	RUN(test_nn_resnet_gradcheck_detects_bugs);
	RUN(test_nn_batchnorm_statistics);
	RUN(test_nn_resnet_threads);
	RUN(test_nn_resnet_trains);
	RUN(test_nn_resnet_serial);
	RUN(test_nn_resnet_names);
}
