/*
 * nn_model.c
 *	  Architectures, workspace, forward and backward passes.
 *
 * Design.  A model is a short list of layers over one flat parameter
 * array, so the optimiser and the serialiser each see a single vector.
 * Convolutions are valid (unpadded), stride 1, and always fused with a 2x2
 * max-pool, their bias and their ReLU: conv -> pool -> +bias -> ReLU, the same
 * as the reference's conv -> +bias -> ReLU -> pool since a per-channel
 * constant and a monotone function both commute with max.  They run block by block over the batch: im2col of
 * `chunk` images (sized so the column matrix stays a few MB, in cache)
 * then one sgemm W[cout x K] * cols[K x chunk*P]; the backward pass
 * recomputes that block's im2col rather than keeping the whole batch's
 * (which would be 130 MB for lenet at batch 1,024), and uses two more
 * sgemms: dW += dY cols^T and dcols = W^T dY, then col2im.
 *
 * Activations stay channel-major (CNHW) through the convolutions, the
 * layout the sgemm writes, and become one row per image at the flatten
 * layer (PyTorch's c, h, w order), where linear layers are one sgemm
 * each: Y = X W^T.  The last linear layer outputs the tangent vector that
 * the hyperbolic head (nn_loss.c) maps into the ball.
 *
 * Threads: a batch is cut into parts (at least NN_PART_MIN images, at
 * most NN_MAX_PARTS parts, a function of the batch size only); each part
 * has its own activations and gradient buffer, threads take parts from a
 * shared counter with single-threaded sgemm calls, and the part gradients
 * are summed in part order.  So every result is bit-for-bit reproducible
 * for a fixed seed, on any number of threads.
 */
/* pthread_sigmask and sigset_t, also under -std=c11 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "nn_model_internal.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "hyperbolic.h"
#include "nn_loss.h"

/* floats of im2col columns per block: 1M floats = 4 MB */
#ifndef NN_COLS_BLOCK
#define NN_COLS_BLOCK (1024 * 1024)
#endif

/* Name of an architecture, as stored and as given in SQL. */
const char *
nn_arch_name(NnArch arch)
{
	switch (arch)
	{
		case NN_ARCH_LENET:
			return "lenet";
		case NN_ARCH_MLP:
			return "mlp";
	}
	return "unknown";
}

/* Parse an architecture name. */
HackStatus
nn_arch_from_name(const char *name, NnArch *arch, HackError *err)
{
	if (strcmp(name, "lenet") == 0)
		*arch = NN_ARCH_LENET;
	else if (strcmp(name, "mlp") == 0)
		*arch = NN_ARCH_MLP;
	else
		return hack_error_set(err, HACK_ERR_PARAMETER,
							  "Known architectures are lenet and mlp.",
							  "unknown encoder architecture \"%.64s\"", name);
	return HACK_OK;
}

/* Append a zeroed layer of the given kind. */
static NnLayer *
add_layer(NnModel *m, NnLayerKind kind)
{
	NnLayer    *l = &m->layers[m->n_layers++];

	memset(l, 0, sizeof(*l));
	l->kind = kind;
	return l;
}

/* Append a convolution + 2x2 max-pool taking *c x *h x *w. */
static HackStatus
add_conv(NnModel *m, int cout, int k, int *c, int *h, int *w,
		 size_t *np, HackError *err)
{
	NnLayer    *l;
	size_t		colsz;

	if (*h - k + 1 < 2 || *w - k + 1 < 2)
		return hack_error_set(err, HACK_ERR_PARAMETER,
							  "The lenet encoder needs images of at least 16 x 16 pixels.",
							  "image of %d x %d pixels is too small for the encoder",
							  m->cfg.height, m->cfg.width);
	l = add_layer(m, NN_LAYER_CONV);
	l->cin = *c;
	l->cout = cout;
	l->k = k;
	l->h = *h;
	l->w = *w;
	l->oh = *h - k + 1;
	l->ow = *w - k + 1;
	l->relu = m->cfg.conv_relu;
	l->in_size = (size_t) *c * *h * *w;
	*c = cout;
	*h = l->oh / 2;
	*w = l->ow / 2;
	l->out_size = (size_t) cout * *h * *w;
	l->weight = *np;
	l->bias = *np + (size_t) cout * l->cin * k * k;
	*np = l->bias + cout;
	colsz = (size_t) l->cin * k * k * 4 * *h * *w;
	l->chunk = (int) (NN_COLS_BLOCK / colsz);
	if (l->chunk < 1)
		l->chunk = 1;
	return HACK_OK;
}

/* Append a flatten layer after a convolution. */
static void
add_flatten(NnModel *m, int c, int h, int w)
{
	NnLayer    *l = add_layer(m, NN_LAYER_FLATTEN);

	l->cin = c;
	l->h = h;
	l->w = w;
	l->in_size = l->out_size = (size_t) c * h * w;
}

/* Append a linear layer of in -> out features. */
static void
add_linear(NnModel *m, int in, int out, bool relu, size_t *np)
{
	NnLayer    *l = add_layer(m, NN_LAYER_LINEAR);

	l->in = in;
	l->out = out;
	l->relu = relu;
	l->in_size = in;
	l->out_size = out;
	l->weight = *np;
	l->bias = *np + (size_t) in * out;
	*np = l->bias + out;
}

/*
 * The configuration of an arch encoder of channels x height x width images
 * into the ball of dimension dim, with what every caller wants unless it
 * says otherwise: curvature 1, the default clip radius, no hidden layers.
 */
void
nn_config_default(NnConfig *cfg, NnArch arch, int channels, int height,
				  int width, int dim)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->arch = arch;
	cfg->channels = channels;
	cfg->height = height;
	cfg->width = width;
	cfg->dim = dim;
	cfg->curvature = 1.0;
	cfg->clip_r = NN_DEFAULT_CLIP_R;
	cfg->conv_relu = true;
}

/* Validate a configuration before building from it. */
HackStatus
nn_config_check(const NnConfig *cfg, HackError *err)
{
	char		buf[HACK_DOUBLE_BUF];

	if (cfg->arch != NN_ARCH_LENET && cfg->arch != NN_ARCH_MLP)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "unknown encoder architecture %d", (int) cfg->arch);
	if (cfg->channels < 1 || cfg->channels > NN_MAX_CHANNELS)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "images must have 1 to %d channels, got %d",
							  NN_MAX_CHANNELS, cfg->channels);
	if (cfg->height < 1 || cfg->height > NN_MAX_SIDE ||
		cfg->width < 1 || cfg->width > NN_MAX_SIDE)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "image sides must be between 1 and %d pixels, got %d x %d",
							  NN_MAX_SIDE, cfg->height, cfg->width);
	if (cfg->dim < 1 || cfg->dim > HACK_MAX_DIM)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "embedding dimension must be between 1 and %d, got %d",
							  HACK_MAX_DIM, cfg->dim);
	if (hyp_check_curvature(cfg->curvature, err) != HACK_OK)
		return err ? err->status : HACK_ERR_PARAMETER;
	if (!(cfg->clip_r >= 0.0) || !isfinite(cfg->clip_r))
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "clip radius must be non-negative and finite, got %s",
							  hack_fmt_double(buf, sizeof(buf), cfg->clip_r));
	if (cfg->arch == NN_ARCH_MLP)
	{
		size_t		in = (size_t) cfg->channels * cfg->height * cfg->width;

		if (in > NN_MAX_WIDTH)
			return hack_error_set(err, HACK_ERR_LIMIT, NULL,
								  "mlp input of %zu features exceeds the limit of %d",
								  in, NN_MAX_WIDTH);
		if (cfg->n_hidden < 0 || cfg->n_hidden > NN_MAX_HIDDEN)
			return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
								  "mlp must have 0 to %d hidden layers, got %d",
								  NN_MAX_HIDDEN, cfg->n_hidden);
		for (int i = 0; i < cfg->n_hidden; i++)
			if (cfg->hidden[i] < 1 || cfg->hidden[i] > NN_MAX_WIDTH)
				return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
									  "hidden layer sizes must be between 1 and %d, got %d",
									  NN_MAX_WIDTH, cfg->hidden[i]);
	}
	return HACK_OK;
}

/*
 * Build the layer list of cfg's architecture; *np receives the parameter
 * count.  lenet is the HACK reference encoder, layer for layer as in the
 * authors' model.py: conv 20@5 -> ReLU -> pool -> conv 50@5 -> ReLU -> pool
 * -> fc 100 ReLU -> fc 100 ReLU -> fc 64 -> linear to dim.  Without
 * cfg->conv_relu (models of hack 1.1 and before) the convolutions have no
 * ReLU, as that first version had.
 */
static HackStatus
build_layers(NnModel *m, size_t *np, HackError *err)
{
	const NnConfig *cfg = &m->cfg;
	int			c = cfg->channels,
				h = cfg->height,
				w = cfg->width;
	int			in;

	*np = 0;
	m->n_layers = 0;
	if (cfg->arch == NN_ARCH_LENET)
	{
		HackStatus	st;

		if ((st = add_conv(m, 20, 5, &c, &h, &w, np, err)) != HACK_OK ||
			(st = add_conv(m, 50, 5, &c, &h, &w, np, err)) != HACK_OK)
			return st;
		add_flatten(m, c, h, w);
		add_linear(m, c * h * w, 100, true, np);
		add_linear(m, 100, 100, true, np);
		add_linear(m, 100, 64, false, np);
		add_linear(m, 64, cfg->dim, false, np);
	}
	else
	{
		in = c * h * w;
		for (int i = 0; i < cfg->n_hidden; i++)
		{
			add_linear(m, in, cfg->hidden[i], true, np);
			in = cfg->hidden[i];
		}
		add_linear(m, in, cfg->dim, false, np);
	}
	if (*np > NN_MAX_PARAMS)
		return hack_error_set(err, HACK_ERR_LIMIT, NULL,
							  "encoder of %zu parameters exceeds the limit of %d",
							  *np, NN_MAX_PARAMS);
	return HACK_OK;
}

/* Allocate a model of cfg's shape with zero weights and identity normalisation. */
HackStatus
nn_model_create(const NnConfig *cfg, NnModel **model, HackError *err)
{
	NnModel    *m;
	HackStatus	st;
	size_t		np;

	*model = NULL;
	if ((st = nn_config_check(cfg, err)) != HACK_OK)
		return st;
	m = calloc(1, sizeof(NnModel));
	if (m == NULL)
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL, "out of memory");
	m->ws = calloc(1, sizeof(NnWorkspace));
	if (m->ws == NULL)
	{
		free(m);
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL, "out of memory");
	}
	m->cfg = *cfg;
	m->threads = 1;
	if (cfg->arch != NN_ARCH_MLP)
	{
		m->cfg.n_hidden = 0;
		memset(m->cfg.hidden, 0, sizeof(m->cfg.hidden));
	}
	for (int i = 0; i < NN_MAX_CHANNELS; i++)
	{
		m->mean[i] = 0.0f;
		m->std[i] = 1.0f;
	}
	if ((st = build_layers(m, &np, err)) != HACK_OK)
	{
		nn_model_free(m);
		return st;
	}
	m->n_params = np;
	m->params = calloc(np, sizeof(float));
	m->grads = calloc(np, sizeof(float));
	m->velocity = calloc(np, sizeof(float));
	if (!m->params || !m->grads || !m->velocity)
	{
		nn_model_free(m);
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL, "out of memory");
	}
	*model = m;
	return HACK_OK;
}

/*
 * PyTorch's default initialisation of Conv2d and Linear, which HACK's
 * reference encoder uses: Kaiming-uniform with a = sqrt(5), that is
 * W ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and biases from the same range.
 * (Kaiming-normal with the ReLU gain makes lenet's initial tangent
 * vectors hundreds of times longer, so every embedding starts at the clip
 * radius, where the cap's gradient has no radial part and training
 * stalls.)  Momentum buffers restart at zero.
 */
void
nn_model_init(NnModel *m, uint64_t seed)
{
	NnRng		rng;

	nn_rng_seed(&rng, seed);
	memset(m->velocity, 0, sizeof(float) * m->n_params);
	for (int i = 0; i < m->n_layers; i++)
	{
		NnLayer    *l = &m->layers[i];
		size_t		fan_in,
					end;
		double		bound;

		if (l->kind == NN_LAYER_FLATTEN)
			continue;
		fan_in = l->kind == NN_LAYER_CONV ? (size_t) l->cin * l->k * l->k : (size_t) l->in;
		end = l->bias + (l->kind == NN_LAYER_CONV ? l->cout : l->out);
		bound = 1.0 / sqrt((double) fan_in);
		for (size_t j = l->weight; j < end; j++)
			m->params[j] = (float) (bound * (2.0 * nn_rng_uniform(&rng) - 1.0));
	}
}

/* Free the workspace buffers. */
static void
free_workspace(NnModel *m)
{
	NnWorkspace *ws = m->ws;

	for (int p = 0; p < NN_MAX_PARTS; p++)
	{
		NnWork	   *wk = &ws->work[p];

		for (int i = 0; i <= NN_MAX_LAYERS; i++)
		{
			free(wk->act[i]);
			free(wk->dact[i]);
		}
		for (int i = 0; i < NN_MAX_LAYERS; i++)
			free(wk->argmax[i]);
		free(wk->grads);
		memset(wk, 0, sizeof(*wk));
	}
	for (int t = 0; t < NN_MAX_THREADS; t++)
	{
		free(ws->cols[t]);
		free(ws->convbuf[t]);
		ws->cols[t] = ws->convbuf[t] = NULL;
	}
	free(ws->vout);
	free(ws->dvout);
	free(ws->tangent);
	free(ws->emb);
	free(ws->gemb);
	ws->vout = ws->dvout = NULL;
	ws->tangent = ws->emb = ws->gemb = NULL;
	ws->capacity = ws->part_cap = ws->parts_ready = ws->scratch_ready = 0;
}

/* Free a model and everything it owns; NULL is fine. */
void
nn_model_free(NnModel *m)
{
	if (m == NULL)
		return;
	free_workspace(m);
	free(m->params);
	free(m->grads);
	free(m->velocity);
	free(m->ws);
	free(m);
}

/* Floats per input image. */
size_t
nn_input_size(const NnModel *m)
{
	return (size_t) m->cfg.channels * m->cfg.height * m->cfg.width;
}

/* Set the number of threads batches run on (results do not depend on it). */
HackStatus
nn_set_threads(NnModel *m, int threads, HackError *err)
{
	if (threads < 1 || threads > NN_MAX_THREADS)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "thread count must be between 1 and %d, got %d",
							  NN_MAX_THREADS, threads);
	m->threads = threads;
	return HACK_OK;
}

/*
 * Images per part of a batch of n: NN_PART_MIN, or more when that would
 * make more than NN_MAX_PARTS parts.  A function of n alone, so the
 * arithmetic, and thus every result, is the same on any thread count.
 */
static int
part_size(int n)
{
	int			ps = (n + NN_MAX_PARTS - 1) / NN_MAX_PARTS;

	return ps < NN_PART_MIN ? NN_PART_MIN : ps;
}

/* Allocate one part's buffers for cap images; false when out of memory. */
static bool
reserve_part(NnModel *m, NnWork *wk, int cap, bool private_grads)
{
	bool		ok = true;

	for (int i = 0; i < m->n_layers; i++)
		if (m->layers[i].kind == NN_LAYER_CONV)
			ok &= (wk->argmax[i] = malloc(m->layers[i].out_size * cap)) != NULL;
	for (int i = 0; i <= m->n_layers; i++)
	{
		size_t		sz = i == 0 ? m->layers[0].in_size : m->layers[i - 1].out_size;

		ok &= (wk->act[i] = malloc(sizeof(float) * sz * cap)) != NULL;
		ok &= (wk->dact[i] = malloc(sizeof(float) * sz * cap)) != NULL;
	}
	if (private_grads)
		ok &= (wk->grads = malloc(sizeof(float) * m->n_params)) != NULL;
	return ok;
}

/* Allocate one thread's im2col scratch for parts of cap images. */
static bool
reserve_scratch(NnModel *m, int t, int cap)
{
	size_t		cols = 0,
				conv = 0;
	bool		ok = true;

	for (int i = 0; i < m->n_layers; i++)
	{
		NnLayer    *l = &m->layers[i];

		if (l->kind == NN_LAYER_CONV)
		{
			size_t		chunk = l->chunk < cap ? l->chunk : cap;
			size_t		p = (size_t) 4 * (l->oh / 2) * (l->ow / 2);

			if (chunk * l->cin * l->k * l->k * p > cols)
				cols = chunk * l->cin * l->k * l->k * p;
			if (chunk * l->cout * p > conv)
				conv = chunk * l->cout * p;
		}
	}
	if (cols > 0)
	{
		ok &= (m->ws->cols[t] = malloc(sizeof(float) * cols)) != NULL;
		ok &= (m->ws->convbuf[t] = malloc(sizeof(float) * conv)) != NULL;
	}
	return ok;
}

/* Make the workspace hold a batch of n images on m->threads threads. */
HackStatus
nn_reserve(NnModel *m, int n, HackError *err)
{
	NnWorkspace *ws = m->ws;
	int			dim = m->cfg.dim;
	int			ps = part_size(n);
	int			parts = (n + ps - 1) / ps;
	int			threads = m->threads < parts ? m->threads : parts;
	bool		ok = true;

	if (n <= ws->capacity && ps <= ws->part_cap && parts <= ws->parts_ready &&
		threads <= ws->scratch_ready)
		return HACK_OK;
	if (n < ws->capacity)
		n = ws->capacity;		/* never shrink */
	ps = part_size(n) > ps ? part_size(n) : ps;
	parts = (n + ps - 1) / ps > parts ? (n + ps - 1) / ps : parts;
	threads = m->threads < parts ? m->threads : parts;
	free_workspace(m);
	for (int p = 0; p < parts; p++)
		ok &= reserve_part(m, &ws->work[p], ps, p > 0);
	for (int t = 0; t < threads; t++)
		ok &= reserve_scratch(m, t, ps);
	ok &= (ws->vout = malloc(sizeof(float) * n * dim)) != NULL;
	ok &= (ws->dvout = malloc(sizeof(float) * n * dim)) != NULL;
	ok &= (ws->tangent = malloc(sizeof(double) * n * dim)) != NULL;
	ok &= (ws->emb = malloc(sizeof(double) * n * dim)) != NULL;
	ok &= (ws->gemb = malloc(sizeof(double) * n * dim)) != NULL;
	if (!ok)
	{
		free_workspace(m);
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL,
							  "out of memory for an encoder batch of %d images", n);
	}
	ws->capacity = n;
	ws->part_cap = ps;
	ws->parts_ready = parts;
	ws->scratch_ready = threads;
	return HACK_OK;
}

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
					0.0f, wk->dact[li], l->in);
}

/* Normalise n raw NCHW images into act[0], channel-major for convolutions. */
static void
load_input(const NnModel *m, NnWork *wk, const float *x, int n)
{
	int			C = m->cfg.channels;
	size_t		hw = (size_t) m->cfg.height * m->cfg.width;
	bool		cnhw = m->layers[0].kind == NN_LAYER_CONV;

	for (int c = 0; c < C; c++)
	{
		float		mu = m->mean[c];
		float		inv = 1.0f / m->std[c];

		for (int i = 0; i < n; i++)
		{
			const float *src = x + ((size_t) i * C + c) * hw;
			float	   *dst = wk->act[0] + (cnhw ? ((size_t) c * n + i) * hw
											: ((size_t) i * C + c) * hw);

			for (size_t j = 0; j < hw; j++)
				dst[j] = (src[j] - mu) * inv;
		}
	}
}

/* What the threads of one pass share. */
typedef struct NnPass
{
	NnModel    *m;
	int			n;				/* images in the batch */
	int			ps;				/* images per part */
	int			parts;
	bool		backward;
	atomic_int	next;			/* next part to take */
	bool		interrupted;	/* the progress callback said stop */
} NnPass;

/* One thread of a pass. */
typedef struct NnThread
{
	NnPass	   *pass;
	int			t;				/* index of its scratch buffers */
} NnThread;

/* Forward or backward through the layers for part p of the batch. */
static void
run_part(NnModel *m, int p, int n0, int n, bool backward, float *cols,
		 float *convbuf)
{
	NnWork	   *wk = &m->ws->work[p];
	float	   *grads = p == 0 ? m->grads : wk->grads;
	int			L = m->n_layers;
	size_t		dim = m->cfg.dim;

	if (!backward)
	{
		load_input(m, wk, m->ws->input + n0 * nn_input_size(m), n);
		for (int i = 0; i < L; i++)
		{
			const NnLayer *l = &m->layers[i];

			if (l->kind == NN_LAYER_CONV)
				conv_forward(m, wk, cols, convbuf, i, n);
			else if (l->kind == NN_LAYER_FLATTEN)
				nn_cnhw_to_rows(wk->act[i], n, l->cin, l->h * l->w, wk->act[i + 1]);
			else
				linear_forward(m, wk, i, n);
		}
		memcpy(m->ws->vout + n0 * dim, wk->act[L], sizeof(float) * n * dim);
		return;
	}
	memcpy(wk->dact[L], m->ws->dvout + n0 * dim, sizeof(float) * n * dim);
	for (int i = L - 1; i >= 0; i--)
	{
		const NnLayer *l = &m->layers[i];

		if (l->kind == NN_LAYER_CONV)
			conv_backward(m, wk, cols, convbuf, i, n, grads);
		else if (l->kind == NN_LAYER_FLATTEN)
			nn_rows_to_cnhw(wk->dact[i + 1], n, l->cin, l->h * l->w, wk->dact[i]);
		else
			linear_backward(m, wk, i, n, grads);
	}
}

/* Thread body: take parts until none is left. */
static void *
run_thread(void *arg)
{
	NnThread   *th = arg;
	NnPass	   *pass = th->pass;
	int			p;

	while ((p = atomic_fetch_add(&pass->next, 1)) < pass->parts)
	{
		int			n0 = p * pass->ps;
		int			cnt = pass->n - n0 < pass->ps ? pass->n - n0 : pass->ps;

		run_part(pass->m, p, n0, cnt, pass->backward, pass->m->ws->cols[th->t],
				 pass->m->ws->convbuf[th->t]);
		/* only the calling thread may call back into the host */
		if (th->t == 0 && pass->m->progress != NULL &&
			!pass->m->progress(pass->m->progress_arg, p, pass->parts))
		{
			pass->interrupted = true;
			atomic_store(&pass->next, pass->parts);
		}
	}
	return NULL;
}

/*
 * Run a pass over the parts of a batch of n: the calling thread and
 * threads - 1 new ones take parts from a shared counter, so a thread slowed
 * by other load on its core just takes fewer.  New threads start with
 * every signal blocked (so a host such as PostgreSQL keeps receiving its
 * signals in its own thread); if one cannot be created the others do its
 * share.  Each part writes only its own buffers and the part gradients
 * are summed in part order, so the result does not depend on which
 * thread ran what, nor on how many there were.  The calling thread asks
 * m->progress after each of its parts, so a cancel stops a large batch
 * within about one part (1/64 of it); returns false then.
 */
static bool
run_parallel(NnModel *m, int n, bool backward)
{
	NnPass		pass;
	NnThread	th[NN_MAX_THREADS];
	pthread_t	tids[NN_MAX_THREADS];
	bool		started[NN_MAX_THREADS];
	int			nt;
	sigset_t	all,
				old;

	pass.m = m;
	pass.n = n;
	pass.ps = part_size(n);
	pass.parts = (n + pass.ps - 1) / pass.ps;
	pass.backward = backward;
	pass.interrupted = false;
	atomic_init(&pass.next, 0);
	nt = m->threads < pass.parts ? m->threads : pass.parts;
	for (int t = 0; t < nt; t++)
	{
		th[t].pass = &pass;
		th[t].t = t;
		started[t] = false;
	}
	if (nt > 1)
	{
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		for (int t = 1; t < nt; t++)
			started[t] = pthread_create(&tids[t], NULL, run_thread, &th[t]) == 0;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	run_thread(&th[0]);
	for (int t = 1; t < nt; t++)
		if (started[t])
			pthread_join(tids[t], NULL);
	if (pass.interrupted)
		return false;
	/* sum the parts' gradients in part order */
	if (backward)
		for (int p = 1; p < pass.parts; p++)
		{
			const float *g = m->ws->work[p].grads;

			for (size_t i = 0; i < m->n_params; i++)
				m->grads[i] += g[i];
		}
	return true;
}

/*
 * Run the network on n raw NCHW images; the embeddings (n x dim doubles)
 * are kept for nn_backward and copied to emb unless it is NULL.
 */
HackStatus
nn_forward(NnModel *m, const float *x, int n, double *emb, HackError *err)
{
	HackStatus	st;

	if (n < 1)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "batch must hold at least one image");
	if ((st = nn_reserve(m, n, err)) != HACK_OK)
		return st;
	m->ws->input = x;
	if (!run_parallel(m, n, false))
	{
		m->ws->input = NULL;
		m->ws->batch = 0;
		return hack_error_set(err, HACK_ERR_INTERRUPTED, NULL, "interrupted");
	}
	m->ws->input = NULL;
	nn_head_forward(m->ws->vout, n, m->cfg.dim, m->cfg.curvature,
					m->cfg.clip_r, m->ws->tangent, m->ws->emb);
	m->ws->batch = n;
	if (emb != NULL)
		memcpy(emb, m->ws->emb, sizeof(double) * n * m->cfg.dim);
	return HACK_OK;
}

/*
 * Loss of the last forward batch against targets (one point of the ball
 * per image), and the gradient of every parameter into m->grads.  With
 * consistency > 0 the batch holds two views of n/2 images, stacked.
 */
HackStatus
nn_backward(NnModel *m, const double *targets, double consistency,
			double *loss, HackError *err)
{
	int			n = m->ws->batch;
	int			dim = m->cfg.dim;
	HackStatus	st;

	if (n < 1)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "nn_backward called before nn_forward");
	if (!(consistency >= 0.0) || !isfinite(consistency))
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "consistency weight must be non-negative and finite");
	if (consistency > 0.0 && n % 2 != 0)
		return hack_error_set(err, HACK_ERR_PARAMETER,
							  "The consistency term needs the two views of each image stacked in one batch.",
							  "consistency term needs an even batch, got %d images", n);
	for (int i = 0; i < n; i++)
		if ((st = hyp_check_point(targets + (size_t) i * dim, dim,
								  m->cfg.curvature, err)) != HACK_OK)
			return st;
	*loss = nn_loss(m->ws->emb, targets, n, dim, m->cfg.curvature, consistency,
					m->ws->gemb);
	nn_head_backward(m->ws->vout, m->ws->tangent, m->ws->emb, m->ws->gemb, n,
					 dim, m->cfg.curvature, m->cfg.clip_r, m->riemannian_grad,
					 m->ws->dvout);
	if (!run_parallel(m, n, true))
		return hack_error_set(err, HACK_ERR_INTERRUPTED, NULL, "interrupted");
	return HACK_OK;
}

/*
 * Embed n images in batches of `batch`, writing n x dim doubles to emb;
 * progress is called after every batch and may stop the loop.
 */
HackStatus
nn_embed(NnModel *m, const float *x, size_t n, int batch, double *emb,
		 HackProgressFn progress, void *progress_arg, HackError *err)
{
	size_t		in = nn_input_size(m);
	HackStatus	st;

	if (batch < 1)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "batch size must be positive, got %d", batch);
	for (size_t i = 0; i < n; i += batch)
	{
		int			cnt = n - i < (size_t) batch ? (int) (n - i) : batch;

		if ((st = nn_forward(m, x + i * in, cnt, emb + i * m->cfg.dim, err)) != HACK_OK)
			return st;
		if (progress && !progress(progress_arg, (double) (i + cnt), (double) n))
			return hack_error_set(err, HACK_ERR_INTERRUPTED, NULL, "interrupted");
	}
	return HACK_OK;
}
