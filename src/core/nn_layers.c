/*
 * nn_layers.c
 *	  Forward and backward passes of each kind of layer, on one part of a
 *	  batch.
 *
 * A layer reads act[src] (and an ADD also act[src2]) and writes act[i+1];
 * backward reads dact[i+1] and writes, or with l->acc adds to, dact[src]:
 * an activation read by two layers (a residual block's input) gets the sum
 * of both gradients.  The lenet convolution is lowered to sgemm block by
 * block (nn_ops.c) and fused with its pool, bias and ReLU; the padded,
 * strided ones of resnet20 run on oneDNN (nn_dnnl.c), and the layers
 * between them (BatchNorm, add, average pool) read and write NHWC.  Most
 * layers need only their own part of the batch.
 * BatchNorm in training mode needs the statistics of the whole batch, so
 * its forward and backward passes are split in two (nn_bn_*_stats on each
 * part, then after every part has done so, nn_bn_*_apply), and the apply
 * step sums the parts' partial sums in part order: the same bits on any
 * number of threads.
 *
 * BatchNorm (Ioffe & Szegedy 2015), per channel over the N = n*h*w values
 * of a batch: y = gamma xhat + beta, xhat = (x - mean) / sqrt(var + eps),
 * var biased; backward dx = gamma/sqrt(var + eps) (dy - mean(dy) - xhat
 * mean(dy xhat)), dgamma = sum(dy xhat), dbeta = sum(dy).  Running
 * statistics as PyTorch: r = (1 - 0.1) r + 0.1 s, with the unbiased
 * variance N/(N-1) var; inference normalises with them, an affine map
 * per channel.  Sums are in double.
 */
#include "nn_model_internal.h"
#include "nn_dnnl.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* the elementwise loops vectorise at -O3, as nn_ops.c's (no reassociation) */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize ("O3")
#endif

/*
 * The per-pixel loops of BatchNorm, the residual add and the pool run
 * over a pixel's channels, which vectorise; built for AVX-512 and AVX2 as
 * well as the baseline, the CPU picking one when the library loads
 * (resnet20 training spent 45% of its time in them on SSE2 alone).  No
 * FMA contraction, so every build rounds the same; each channel's sums
 * keep their order (the vectors run across channels).
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define NN_CLONES __attribute__((target_clones("avx512f", "avx2", "default"), \
									   optimize("fp-contract=off")))
#else
#define NN_CLONES
#endif

/* A CNHW view of images [n0, n0+cnt) of a batch of n, at layer input. */
static NnPlanes
planes(float *base, int n, int n0, int cnt, int c, int h, int w)
{
	NnPlanes	p;

	p.data = base + (size_t) n0 * h * w;
	p.cstride = (size_t) n * h * w;
	p.channels = c;
	p.m = cnt;
	p.h = h;
	p.w = w;
	return p;
}

/* Forward of one convolution + pool layer over n images, block by block. */
static void
conv_forward(const NnModel *m, NnWork *wk, float *cols, float *convbuf,
			 int li, int n)
{
	const NnLayer *l = &m->layers[li];
	const float *W = m->params + l->weight;
	const float *b = m->params + l->bias;
	int			K = l->cin * l->k * l->k;
	int			PP = (l->oh / 2) * (l->ow / 2);

	for (int n0 = 0; n0 < n; n0 += l->chunk)
	{
		int			cnt = n - n0 < l->chunk ? n - n0 : l->chunk;
		NnPlanes	in = planes(wk->act[li], n, n0, cnt, l->cin, l->h, l->w);
		NnPlanes	out = planes(wk->act[li + 1], n, n0, cnt, l->cout,
								 l->oh / 2, l->ow / 2);

		nn_im2col_pool(&in, l->k, cols);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
					l->cout, 4 * cnt * PP, K, 1.0f, W, K, cols, 4 * cnt * PP,
					0.0f, convbuf, 4 * cnt * PP);
		nn_pool4_bias(convbuf, l->cout, (size_t) cnt * PP, b, &out,
					  wk->argmax[li] + (out.data - wk->act[li + 1]));
	}
	/* once over the whole output, which is contiguous (cout x n x PP) */
	if (l->relu)
	{
		float	   *y = wk->act[li + 1];

		for (size_t j = 0; j < (size_t) n * l->out_size; j++)
			y[j] = fmaxf(y[j], 0.0f);
	}
}

/* Backward of one convolution: gradients of W, b and (unless first) input. */
static void
conv_backward(const NnModel *m, NnWork *wk, float *cols, float *convbuf,
			  int li, int n, float *grads)
{
	const NnLayer *l = &m->layers[li];
	const float *W = m->params + l->weight;
	float	   *gW = grads + l->weight;
	int			K = l->cin * l->k * l->k;
	int			ph = l->oh / 2;
	int			pw = l->ow / 2;
	int			PP = ph * pw;

	/*
	 * ReLU mask from the output, before the bias sum and the pool routing:
	 * where the pooled output is 0 the derivative is 0 (PyTorch's choice at
	 * the kink), elsewhere the window's winner is the pre-ReLU one.
	 */
	if (l->relu)
	{
		const float *y = wk->act[li + 1];
		float	   *dy = wk->dact[li + 1];

		for (size_t j = 0; j < (size_t) n * l->out_size; j++)
			if (!(y[j] > 0.0f))
				dy[j] = 0.0f;
	}
	nn_sum_planes(wk->dact[li + 1], l->cout, (size_t) n * PP,
				  (size_t) n * PP, grads + l->bias);
	for (int n0 = 0; n0 < n; n0 += l->chunk)
	{
		int			cnt = n - n0 < l->chunk ? n - n0 : l->chunk;
		int			N = 4 * cnt * PP;
		NnPlanes	in = planes(wk->act[li], n, n0, cnt, l->cin, l->h, l->w);
		NnPlanes	dout = planes(wk->dact[li + 1], n, n0, cnt, l->cout, ph, pw);

		nn_pool4_backward(&dout, wk->argmax[li] + (dout.data - wk->dact[li + 1]),
						  (size_t) cnt * PP, convbuf);
		nn_im2col_pool(&in, l->k, cols);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
					l->cout, K, N, 1.0f, convbuf, N,
					cols, N, n0 == 0 ? 0.0f : 1.0f, gW, K);
		if (li > 0)
		{
			NnPlanes	din = planes(wk->dact[li], n, n0, cnt, l->cin, l->h, l->w);

			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
						K, N, l->cout, 1.0f, W, K, convbuf, N,
						0.0f, cols, N);
			nn_col2im_pool(cols, l->k, &din);
		}
	}
}

/* Forward of a linear layer: Y = X W^T + b, then ReLU if asked. */
static void
linear_forward(const NnModel *m, NnWork *wk, int li, int n)
{
	const NnLayer *l = &m->layers[li];
	const float *b = m->params + l->bias;
	float	   *Y = wk->act[li + 1];

	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, l->out, l->in,
				1.0f, wk->act[li], l->in, m->params + l->weight, l->in,
				0.0f, Y, l->out);
	for (int i = 0; i < n; i++)
	{
		float	   *y = Y + (size_t) i * l->out;

		if (l->relu)
			for (int j = 0; j < l->out; j++)
				y[j] = fmaxf(y[j] + b[j], 0.0f);
		else
			for (int j = 0; j < l->out; j++)
				y[j] += b[j];
	}
}

/* Backward of a linear layer (ReLU mask from its output). */
static void
linear_backward(const NnModel *m, NnWork *wk, int li, int n, float *grads)
{
	const NnLayer *l = &m->layers[li];
	float	   *dY = wk->dact[li + 1];
	const float *Y = wk->act[li + 1];
	float	   *gb = grads + l->bias;

	if (l->relu)
		for (size_t j = 0; j < (size_t) n * l->out; j++)
			if (!(Y[j] > 0.0f))
				dY[j] = 0.0f;
	for (int j = 0; j < l->out; j++)
		gb[j] = 0.0f;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < l->out; j++)
			gb[j] += dY[(size_t) i * l->out + j];
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, l->out, l->in, n,
				1.0f, dY, l->out, wk->act[li], l->in,
				0.0f, grads + l->weight, l->in);
	if (li > 0)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, l->in, l->out,
					1.0f, dY, l->out, m->params + l->weight, l->in,
					l->acc ? 1.0f : 0.0f, wk->dact[li], l->in);
}

/* y = max(y, 0) over len floats (a select, which vectorises; fmaxf is a call) */
NN_CLONES static void
relu_inplace(float *restrict y, size_t len)
{
	for (size_t j = 0; j < len; j++)
		y[j] = y[j] > 0.0f ? y[j] : 0.0f;
}

/* dy = 0 where the ReLU's output y is not positive (0 at the kink, as PyTorch). */
NN_CLONES static void
relu_mask(const float *y, float *dy, size_t len)
{
	for (size_t j = 0; j < len; j++)
		if (!(y[j] > 0.0f))
			dy[j] = 0.0f;
}

/* d = s, or d += s with acc. */
NN_CLONES static void
put_grad(float *d, const float *s, size_t len, bool acc)
{
	if (acc)
		for (size_t j = 0; j < len; j++)
			d[j] += s[j];
	else
		memcpy(d, s, sizeof(float) * len);
}

/* y = x * scale[c] + shift[c] per channel of NHWC pixels, then ReLU if asked. */
NN_CLONES static void
affine_channels(const NnLayer *l, const float *x, float *y, int n,
				const double *scale, const double *shift)
{
	size_t		len = (size_t) n * l->oh * l->ow;
	int			C = l->cout;
	float		a[NN_BN_MAX_CHANNELS],
				b[NN_BN_MAX_CHANNELS];

	for (int c = 0; c < C; c++)
	{
		a[c] = (float) scale[c];
		b[c] = (float) shift[c];
	}
	for (size_t j = 0; j < len; j++)
	{
		const float *restrict xr = x + j * C;
		float	   *restrict yr = y + j * C;

		if (l->relu)
			for (int c = 0; c < C; c++)
			{
				float		v = xr[c] * a[c] + b[c];

				yr[c] = v > 0.0f ? v : 0.0f;
			}
		else
			for (int c = 0; c < C; c++)
				yr[c] = xr[c] * a[c] + b[c];
	}
}

/* BatchNorm with the running statistics (inference). */
static void
bn_forward_eval(const NnModel *m, NnWork *wk, int li, int n)
{
	const NnLayer *l = &m->layers[li];
	double		scale[NN_BN_MAX_CHANNELS],
				shift[NN_BN_MAX_CHANNELS];

	for (int c = 0; c < l->cout; c++)
	{
		double		inv = 1.0 / sqrt((double) m->buffers[l->rvar + c] + NN_BN_EPS);

		scale[c] = m->params[l->weight + c] * inv;
		shift[c] = m->params[l->bias + c] - m->buffers[l->rmean + c] * scale[c];
	}
	affine_channels(l, wk->act[l->src], wk->act[li + 1], n, scale, shift);
}

/* Training BatchNorm, first half: this part's sum and sum of squares per channel. */
NN_CLONES void
nn_bn_forward_stats(const NnModel *m, NnWork *wk, int li, int n)
{
	const NnLayer *l = &m->layers[li];
	size_t		len = (size_t) n * l->oh * l->ow;
	double	   *st = wk->stats[li];
	int			C = l->cout;
	double		s1[NN_BN_MAX_CHANNELS] = {0},
				s2[NN_BN_MAX_CHANNELS] = {0};

	/* pixel by pixel, each channel's sums in the order of its values */
	for (size_t j = 0; j < len; j++)
	{
		const float *restrict x = wk->act[l->src] + j * C;

		for (int c = 0; c < C; c++)
		{
			s1[c] += x[c];
			s2[c] += (double) x[c] * x[c];
		}
	}
	for (int c = 0; c < C; c++)
	{
		st[2 * c] = s1[c];
		st[2 * c + 1] = s2[c];
	}
}

/*
 * Training BatchNorm, second half, on part p once every part has its
 * sums: the batch mean and variance (parts summed in order), the
 * normalisation, and (part 0 only) the running statistics' update.
 */
void
nn_bn_forward_apply(NnModel *m, NnWork *wk, int li, int n, int p)
{
	const NnLayer *l = &m->layers[li];
	NnWorkspace *ws = m->ws;
	double		N = (double) ws->pass_n * l->oh * l->ow;
	double	   *st = wk->stats[li];
	double		scale[NN_BN_MAX_CHANNELS],
				shift[NN_BN_MAX_CHANNELS];
	int			C = l->cout;

	for (int c = 0; c < C; c++)
	{
		double		s1 = 0.0,
					s2 = 0.0,
					mean,
					var,
					inv;

		for (int q = 0; q < ws->pass_parts; q++)
		{
			s1 += ws->work[q].stats[li][2 * c];
			s2 += ws->work[q].stats[li][2 * c + 1];
		}
		mean = s1 / N;
		var = s2 / N - mean * mean;
		if (var < 0.0)
			var = 0.0;
		inv = 1.0 / sqrt(var + NN_BN_EPS);
		st[2 * C + 2 * c] = mean;
		st[2 * C + 2 * c + 1] = inv;
		scale[c] = m->params[l->weight + c] * inv;
		shift[c] = m->params[l->bias + c] - mean * scale[c];
		if (p == 0)
		{
			float	   *rm = m->buffers + l->rmean + c;
			float	   *rv = m->buffers + l->rvar + c;
			double		unbiased = N > 1.0 ? var * N / (N - 1.0) : var;

			*rm = (float) ((1.0 - NN_BN_MOMENTUM) * *rm + NN_BN_MOMENTUM * mean);
			*rv = (float) ((1.0 - NN_BN_MOMENTUM) * *rv + NN_BN_MOMENTUM * unbiased);
		}
	}
	affine_channels(l, wk->act[l->src], wk->act[li + 1], n, scale, shift);
}

/*
 * Training BatchNorm backward, first half: the ReLU mask, then this part's
 * sums of dy and dy xhat per channel.
 */
NN_CLONES void
nn_bn_backward_stats(const NnModel *m, NnWork *wk, int li, int n)
{
	const NnLayer *l = &m->layers[li];
	size_t		len = (size_t) n * l->oh * l->ow;
	double	   *st = wk->stats[li];
	int			C = l->cout;
	double		mean[NN_BN_MAX_CHANNELS],
				sd[NN_BN_MAX_CHANNELS] = {0},
				sdx[NN_BN_MAX_CHANNELS] = {0};

	for (int c = 0; c < C; c++)
		mean[c] = st[2 * C + 2 * c];
	for (size_t j = 0; j < len; j++)
	{
		const float *restrict x = wk->act[l->src] + j * C;
		const float *restrict y = wk->act[li + 1] + j * C;
		float	   *restrict dy = wk->dact[li + 1] + j * C;

		/* the ReLU's mask in the same pass (0 at the kink, as PyTorch) */
		if (l->relu)
			for (int c = 0; c < C; c++)
				dy[c] = y[c] > 0.0f ? dy[c] : 0.0f;
		for (int c = 0; c < C; c++)
		{
			sd[c] += dy[c];
			sdx[c] += dy[c] * (x[c] - mean[c]);
		}
	}
	for (int c = 0; c < C; c++)
	{
		st[4 * C + 2 * c] = sd[c];
		st[4 * C + 2 * c + 1] = sdx[c] * st[2 * C + 2 * c + 1];
	}
}

/*
 * Training BatchNorm backward, second half: the batch sums (parts in
 * order), dx, and gamma's and beta's gradients, which part 0 holds whole
 * (the other parts' are 0, so the sum over parts is exact).
 */
NN_CLONES void
nn_bn_backward_apply(const NnModel *m, NnWork *wk, int li, int n, int p,
					 float *grads)
{
	const NnLayer *l = &m->layers[li];
	const NnWorkspace *ws = m->ws;
	size_t		len = (size_t) n * l->oh * l->ow;
	double		N = (double) ws->pass_n * l->oh * l->ow;
	const double *st = wk->stats[li];
	int			C = l->cout;
	float		fa[NN_BN_MAX_CHANNELS],
				fb[NN_BN_MAX_CHANNELS],
				fc[NN_BN_MAX_CHANNELS];

	for (int c = 0; c < C; c++)
	{
		double		sd = 0.0,
					sdx = 0.0;
		double		mean = st[2 * C + 2 * c],
					inv = st[2 * C + 2 * c + 1];
		double		a,
					b,
					cf;

		for (int q = 0; q < ws->pass_parts; q++)
		{
			sd += ws->work[q].stats[li][4 * C + 2 * c];
			sdx += ws->work[q].stats[li][4 * C + 2 * c + 1];
		}
		grads[l->weight + c] = p == 0 ? (float) sdx : 0.0f;
		grads[l->bias + c] = p == 0 ? (float) sd : 0.0f;
		/* dx = a dy + cf (x - mean) + b */
		a = m->params[l->weight + c] * inv;
		b = -a * sd / N;
		cf = -a * inv * sdx / N;
		fa[c] = (float) a;
		fc[c] = (float) cf;
		fb[c] = (float) (b - cf * mean);
	}
	if (l->src == 0)
		return;
	for (size_t j = 0; j < len; j++)
	{
		const float *restrict x = wk->act[l->src] + j * C;
		const float *restrict dy = wk->dact[li + 1] + j * C;
		float	   *restrict dx = wk->dact[l->src] + j * C;

		if (l->acc)
			for (int c = 0; c < C; c++)
				dx[c] += fa[c] * dy[c] + fc[c] * x[c] + fb[c];
		else
			for (int c = 0; c < C; c++)
				dx[c] = fa[c] * dy[c] + fc[c] * x[c] + fb[c];
	}
}

/* BatchNorm backward with the running statistics: an affine map per channel. */
NN_CLONES static void
bn_backward_eval(const NnModel *m, NnWork *wk, int li, int n, float *grads)
{
	const NnLayer *l = &m->layers[li];
	size_t		len = (size_t) n * l->oh * l->ow;
	int			C = l->cout;
	double		mean[NN_BN_MAX_CHANNELS],
				inv[NN_BN_MAX_CHANNELS],
				sd[NN_BN_MAX_CHANNELS] = {0},
				sdx[NN_BN_MAX_CHANNELS] = {0};
	float		a[NN_BN_MAX_CHANNELS];

	if (l->relu)
		relu_mask(wk->act[li + 1], wk->dact[li + 1], (size_t) C * len);
	for (int c = 0; c < C; c++)
	{
		inv[c] = 1.0 / sqrt((double) m->buffers[l->rvar + c] + NN_BN_EPS);
		mean[c] = m->buffers[l->rmean + c];
		a[c] = (float) (m->params[l->weight + c] * inv[c]);
	}
	for (size_t j = 0; j < len; j++)
	{
		const float *restrict x = wk->act[l->src] + j * C;
		const float *restrict dy = wk->dact[li + 1] + j * C;

		for (int c = 0; c < C; c++)
		{
			sd[c] += dy[c];
			sdx[c] += dy[c] * (x[c] - mean[c]) * inv[c];
		}
	}
	for (int c = 0; c < C; c++)
	{
		grads[l->weight + c] = (float) sdx[c];
		grads[l->bias + c] = (float) sd[c];
	}
	if (l->src == 0)
		return;
	for (size_t j = 0; j < len; j++)
	{
		const float *restrict dy = wk->dact[li + 1] + j * C;
		float	   *restrict dx = wk->dact[l->src] + j * C;

		if (l->acc)
			for (int c = 0; c < C; c++)
				dx[c] += a[c] * dy[c];
		else
			for (int c = 0; c < C; c++)
				dx[c] = a[c] * dy[c];
	}
}

/*
 * Residual add: y = x + shortcut, the shortcut being act[src2] itself or,
 * entering a stage, option A of He et al.: every stride-th pixel, with
 * l->pad zero channels before the copied ones (and as many after), as
 * F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, planes // 4, planes // 4)).
 * Pixels are NHWC: pixel (i, y, x) of the shortcut is the one the output
 * pixel (i, y / stride, x / stride) adds.
 */
static bool
add_identity(const NnModel *m, const NnLayer *l)
{
	return l->stride == 1 && m->layers[l->src2].cin == l->cout;
}

/* The shortcut's pixel that output pixel q (of n images) reads. */
static size_t
shortcut_pixel(const NnLayer *l, const NnLayer *s, size_t q)
{
	size_t		P = (size_t) l->oh * l->ow;
	size_t		i = q / P,
				oy = q % P / l->ow,
				ox = q % l->ow;

	return (i * s->h + oy * l->stride) * s->w + ox * l->stride;
}

/*
 * y = the shortcut of add li (zero in its padding channels), or with
 * accumulate y += it.
 */
NN_CLONES static void
shortcut_apply(const NnModel *m, const NnWork *wk, int li, int n, float *y,
			   bool accumulate)
{
	const NnLayer *l = &m->layers[li];
	const NnLayer *s = &m->layers[l->src2];	/* the layer reading the shortcut */
	size_t		len = (size_t) n * l->oh * l->ow;
	int			C = l->cout,
				Cs = s->cin;
	const float *sc = wk->act[l->src2];

	if (add_identity(m, l))
	{
		put_grad(y, sc, (size_t) C * len, accumulate);
		return;
	}
	if (!accumulate)
		memset(y, 0, sizeof(float) * C * len);
	for (size_t q = 0; q < len; q++)
	{
		const float *restrict r = sc + shortcut_pixel(l, s, q) * Cs;
		float	   *restrict d = y + q * C + l->pad;

		for (int c = 0; c < Cs; c++)
			d[c] += r[c];
	}
}

NN_CLONES static void
add_forward(const NnModel *m, NnWork *wk, int li, int n)
{
	const NnLayer *l = &m->layers[li];
	size_t		len = (size_t) n * l->oh * l->ow * l->cout;
	const float *x = wk->act[l->src];
	float	   *y = wk->act[li + 1];

	if (add_identity(m, l))
	{
		const float *sc = wk->act[l->src2];

		for (size_t j = 0; j < len; j++)
			y[j] = x[j] + sc[j];
	}
	else
	{
		memcpy(y, x, sizeof(float) * len);
		shortcut_apply(m, wk, li, n, y, true);
	}
	if (l->relu)
		relu_inplace(y, len);
}

/* Backward of the residual add: dy to both inputs (subsampled, cropped to the shortcut). */
NN_CLONES static void
add_backward(const NnModel *m, NnWork *wk, int li, int n)
{
	const NnLayer *l = &m->layers[li];
	const NnLayer *s = &m->layers[l->src2];
	size_t		len = (size_t) n * l->oh * l->ow;
	int			C = l->cout,
				Cs = s->cin;
	float	   *dy = wk->dact[li + 1];
	float	   *dsc = wk->dact[l->src2];

	if (l->relu)
		relu_mask(wk->act[li + 1], dy, (size_t) C * len);
	put_grad(wk->dact[l->src], dy, (size_t) C * len, l->acc);
	if (l->src2 == 0)
		return;
	if (add_identity(m, l))
	{
		put_grad(dsc, dy, (size_t) C * len, l->acc2);
		return;
	}
	if (!l->acc2)
		memset(dsc, 0, sizeof(float) * Cs * n * s->h * s->w);
	for (size_t q = 0; q < len; q++)
	{
		float	   *restrict r = dsc + shortcut_pixel(l, s, q) * Cs;
		const float *restrict g = dy + q * C + l->pad;

		for (int c = 0; c < Cs; c++)
			r[c] += g[c];
	}
}

/*
 * Forward of a padded, strided convolution (no bias) on oneDNN; folded
 * with its BatchNorm (inference, nn_model.c), straight to the
 * BatchNorm's output, with the shift as bias and its ReLU; and when the
 * residual add after it is folded too, straight to the add's output,
 * which starts as the shortcut.
 */
static void
conv2d_forward(const NnModel *m, NnWork *wk, int li, int n)
{
	const NnLayer *l = &m->layers[li];
	bool		fused = m->ws->fuse && m->ws->fold[li];
	bool		add = fused && m->ws->fold_add[li];
	bool		relu = add ? m->layers[li + 2].relu : fused && m->layers[li + 1].relu;
	float	   *dst = wk->act[add ? li + 3 : fused ? li + 2 : li + 1];

	if (add)
		shortcut_apply(m, wk, li + 2, n, dst, false);
	nn_conv_forward(&wk->conv[li], l, n, wk->act[l->src],
					(fused ? m->ws->folded : m->params) + l->weight,
					fused ? m->ws->folded + m->layers[li + 1].weight : NULL,
					add, relu, dst, &wk->err);
}

/*
 * Backward of a padded, strided convolution: dW and (unless first) dx,
 * through cols when dx adds to a shared gradient.
 */
static void
conv2d_backward(const NnModel *m, NnWork *wk, float *cols, int li, int n,
				float *grads)
{
	const NnLayer *l = &m->layers[li];
	float	   *dx = l->src == 0 ? NULL : l->acc ? cols : wk->dact[l->src];
	size_t		len = (size_t) n * l->cin * l->h * l->w;

	if (nn_conv_backward(&wk->conv[li], l, n, wk->act[l->src], m->params + l->weight,
						 wk->dact[li + 1], grads + l->weight, dx, &wk->err) != HACK_OK)
		return;
	if (dx == cols)
		put_grad(wk->dact[l->src], cols, len, true);
}

/* Global average pool: NHWC pixels -> one row of channel means per image. */
NN_CLONES static void
avgpool_forward(const NnModel *m, NnWork *wk, int li, int n)
{
	const NnLayer *l = &m->layers[li];
	size_t		P = (size_t) l->h * l->w;
	int			C = l->cin;

	for (int i = 0; i < n; i++)
	{
		const float *x = wk->act[l->src] + (size_t) i * P * C;
		float	   *y = wk->act[li + 1] + (size_t) i * C;
		float		s[NN_BN_MAX_CHANNELS] = {0};

		for (size_t j = 0; j < P; j++)
			for (int c = 0; c < C; c++)
				s[c] += x[j * C + c];
		for (int c = 0; c < C; c++)
			y[c] = s[c] / (float) P;
	}
}

/* Backward of the global average pool: each pixel gets dy / (h w). */
NN_CLONES static void
avgpool_backward(const NnModel *m, NnWork *wk, int li, int n)
{
	const NnLayer *l = &m->layers[li];
	size_t		P = (size_t) l->h * l->w;
	int			C = l->cin;

	for (int i = 0; i < n; i++)
	{
		const float *dy = wk->dact[li + 1] + (size_t) i * C;
		float	   *dx = wk->dact[l->src] + (size_t) i * P * C;
		float		g[NN_BN_MAX_CHANNELS];

		for (int c = 0; c < C; c++)
			g[c] = dy[c] / (float) P;
		for (size_t j = 0; j < P; j++)
			for (int c = 0; c < C; c++)
			{
				if (l->acc)
					dx[j * C + c] += g[c];
				else
					dx[j * C + c] = g[c];
			}
	}
}

/*
 * Forward of layer li on a part of n images; a training BatchNorm is
 * not run here but in its two halves (nn_model.c).
 */
void
nn_layer_forward(NnModel *m, NnWork *wk, int li, int n, float *cols,
				 float *convbuf)
{
	const NnLayer *l = &m->layers[li];

	switch (l->kind)
	{
		case NN_LAYER_CONV_POOL:
			conv_forward(m, wk, cols, convbuf, li, n);
			break;
		case NN_LAYER_FLATTEN:
			nn_cnhw_to_rows(wk->act[l->src], n, l->cin, l->h * l->w, wk->act[li + 1]);
			break;
		case NN_LAYER_LINEAR:
			linear_forward(m, wk, li, n);
			break;
		case NN_LAYER_CONV:
			conv2d_forward(m, wk, li, n);
			break;
		case NN_LAYER_BATCHNORM:
			/* folded into the convolution before it, which wrote our output */
			if (!(m->ws->fuse && li > 0 && m->ws->fold[li - 1]))
				bn_forward_eval(m, wk, li, n);
			break;
		case NN_LAYER_ADD:
			/* folded into the convolution two before it, which wrote our output */
			if (!(m->ws->fuse && li >= 2 && m->ws->fold_add[li - 2]))
				add_forward(m, wk, li, n);
			break;
		case NN_LAYER_AVGPOOL:
			avgpool_forward(m, wk, li, n);
			break;
	}
}

/*
 * Backward of layer li on a part: gradients of its parameters into grads
 * and of its input (unless that is the image) into dact[src].  A training
 * BatchNorm runs in its two halves instead (nn_model.c).
 */
void
nn_layer_backward(NnModel *m, NnWork *wk, int li, int n, float *cols,
				  float *convbuf, float *grads)
{
	const NnLayer *l = &m->layers[li];

	switch (l->kind)
	{
		case NN_LAYER_CONV_POOL:
			conv_backward(m, wk, cols, convbuf, li, n, grads);
			break;
		case NN_LAYER_FLATTEN:
			nn_rows_to_cnhw(wk->dact[li + 1], n, l->cin, l->h * l->w, wk->dact[l->src]);
			break;
		case NN_LAYER_LINEAR:
			linear_backward(m, wk, li, n, grads);
			break;
		case NN_LAYER_CONV:
			conv2d_backward(m, wk, cols, li, n, grads);
			break;
		case NN_LAYER_BATCHNORM:
			bn_backward_eval(m, wk, li, n, grads);
			break;
		case NN_LAYER_ADD:
			add_backward(m, wk, li, n);
			break;
		case NN_LAYER_AVGPOOL:
			if (l->src > 0)
				avgpool_backward(m, wk, li, n);
			break;
	}
}
