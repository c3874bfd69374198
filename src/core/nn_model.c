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
 * Activations stay channel-major (CNHW) through lenet's convolutions, the
 * layout the sgemm writes (resnet20's run on oneDNN, NHWC: nn_dnnl.h),
 * and become one row per image at the flatten
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
#include "nn_dnnl.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "hyperbolic.h"
#include "nn_loss.h"

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

	if (cfg->arch != NN_ARCH_LENET && cfg->arch != NN_ARCH_MLP &&
		cfg->arch != NN_ARCH_RESNET20)
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

/* Allocate a model of cfg's shape with zero weights and identity normalisation. */
HackStatus
nn_model_create(const NnConfig *cfg, NnModel **model, HackError *err)
{
	NnModel    *m;
	HackStatus	st;
	size_t		np,
				nb;

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
	if ((st = nn_build_layers(m, &np, &nb, err)) != HACK_OK)
	{
		nn_model_free(m);
		return st;
	}
	m->n_params = np;
	m->params = calloc(np, sizeof(float));
	m->grads = calloc(np, sizeof(float));
	m->velocity = calloc(np, sizeof(float));
	m->n_buffers = nb;
	m->buffers = calloc(nb > 0 ? nb : 1, sizeof(float));
	if (!m->params || !m->grads || !m->velocity || !m->buffers)
	{
		nn_model_free(m);
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL, "out of memory");
	}
	*model = m;
	return HACK_OK;
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
			free(wk->dslot[i]);
		}
		for (int i = 0; i < NN_MAX_LAYERS; i++)
		{
			free(wk->argmax[i]);
			free(wk->stats[i]);
			nn_conv_kernel_free(wk->conv[i]);
		}
		free(wk->grads);
		memset(wk, 0, sizeof(*wk));
	}
	for (int t = 0; t < NN_MAX_THREADS; t++)
	{
		free(ws->cols[t]);
		free(ws->convbuf[t]);
		ws->cols[t] = ws->convbuf[t] = NULL;
	}
	free(ws->folded);
	ws->folded = NULL;
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
	free(m->buffers);
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

/*
 * The activation gradients of one part, in shared slots: the backward pass
 * runs the layers in reverse, so dact[a] is live from the first write by a
 * layer reading act[a] (the last such layer in the table) until layer a - 1,
 * which produced act[a], has used it.  Each gradient takes a slot free
 * over that span; a chain needs two slots, a residual block three, instead
 * of one buffer per layer (which doubled the memory of resnet20's
 * training).  dact[0], the images' gradient, is never written.
 */
static bool
reserve_gradients(NnModel *m, NnWork *wk, int cap)
{
	int			L = m->n_layers;
	int			slot_of[NN_MAX_LAYERS + 1];
	bool		busy[NN_MAX_LAYERS + 1];
	size_t		need[NN_MAX_LAYERS + 1];
	int			nslots = 0;

	for (int a = 0; a <= L; a++)
		slot_of[a] = -1;
	memset(busy, 0, sizeof(busy));
	memset(need, 0, sizeof(need));

	/* take a free slot (or a new one) for dact[a], which holds sz floats per image */
	for (int i = L; i >= 0; i--)
	{
		int			want[2] = {-1, -1};

		if (i == L)
			want[0] = L;		/* the head's gradient enters here */
		else
		{
			want[0] = m->layers[i].src;
			want[1] = m->layers[i].src2;
		}
		for (int k = 0; k < 2; k++)
		{
			int			a = want[k];
			size_t		sz;
			int			s = 0;

			if (a <= 0 || slot_of[a] >= 0)
				continue;
			while (s < nslots && busy[s])
				s++;
			if (s == nslots)
				nslots++;
			busy[s] = true;
			slot_of[a] = s;
			sz = a == 0 ? m->layers[0].in_size : m->layers[a - 1].out_size;
			if (sz > need[s])
				need[s] = sz;
		}
		/* after layer i's backward, its output's gradient is dead */
		if (i < L && slot_of[i + 1] >= 0)
			busy[slot_of[i + 1]] = false;
	}
	for (int s = 0; s < nslots; s++)
		if ((wk->dslot[s] = malloc(sizeof(float) * need[s] * cap)) == NULL)
			return false;
	for (int a = 0; a <= L; a++)
		wk->dact[a] = slot_of[a] >= 0 ? wk->dslot[slot_of[a]] : NULL;
	return true;
}

/* Allocate one part's buffers for cap images; false when out of memory. */
static bool
reserve_part(NnModel *m, NnWork *wk, int cap, bool private_grads)
{
	bool		ok = true;

	for (int i = 0; i < m->n_layers; i++)
	{
		if (m->layers[i].kind == NN_LAYER_CONV_POOL)
			ok &= (wk->argmax[i] = malloc(m->layers[i].out_size * cap)) != NULL;
		if (m->layers[i].kind == NN_LAYER_BATCHNORM)
			ok &= (wk->stats[i] = malloc(sizeof(double) * 6 * m->layers[i].cout)) != NULL;
	}
	for (int i = 0; i <= m->n_layers; i++)
	{
		size_t		sz = i == 0 ? m->layers[0].in_size : m->layers[i - 1].out_size;

		ok &= (wk->act[i] = malloc(sizeof(float) * sz * cap)) != NULL;
	}
	ok &= reserve_gradients(m, wk, cap);
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

		size_t		chunk = l->chunk < cap ? l->chunk : cap;

		if (l->kind == NN_LAYER_CONV_POOL)
		{
			size_t		p = (size_t) 4 * (l->oh / 2) * (l->ow / 2);

			if (chunk * l->cin * l->k * l->k * p > cols)
				cols = chunk * l->cin * l->k * l->k * p;
			if (chunk * l->cout * p > conv)
				conv = chunk * l->cout * p;
		}
		else if (l->kind == NN_LAYER_CONV)
		{
			/* the input gradient, when it adds to a shared one */
			size_t		in = (size_t) cap * l->cin * l->h * l->w;

			if (in > cols)
				cols = in;
		}
	}
	if (cols > 0)
	{
		ok &= (m->ws->cols[t] = malloc(sizeof(float) * cols)) != NULL;
		ok &= (m->ws->convbuf[t] = malloc(sizeof(float) * (conv > 0 ? conv : 1))) != NULL;
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

/*
 * Normalise n raw NCHW images into act[0]: channel-major (CNHW) for the
 * lenet convolutions, NHWC for the oneDNN ones, NCHW rows for an mlp.
 */
static void
load_input(const NnModel *m, NnWork *wk, const float *x, int n)
{
	int			C = m->cfg.channels;
	size_t		hw = (size_t) m->cfg.height * m->cfg.width;
	/* strides of image, channel and pixel in act[0] */
	size_t		si = (size_t) C * hw,
				sc = hw,
				sj = 1;

	if (m->layers[0].kind == NN_LAYER_CONV_POOL)
	{
		si = hw;
		sc = (size_t) n * hw;
	}
	else if (m->layers[0].kind == NN_LAYER_CONV)
	{
		sc = 1;
		sj = C;
	}
	for (int c = 0; c < C; c++)
	{
		float		mu = m->mean[c];
		float		inv = 1.0f / m->std[c];

		for (int i = 0; i < n; i++)
		{
			const float *src = x + ((size_t) i * C + c) * hw;
			float	   *dst = wk->act[0] + i * si + c * sc;

			for (size_t j = 0; j < hw; j++)
				dst[j * sj] = (src[j] - mu) * inv;
		}
	}
}

/*
 * A barrier whose party count may drop while threads wait (a thread that
 * could not be created leaves), on a mutex and a condition variable.
 */
typedef struct NnBarrier
{
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int			parties;
	int			waiting;
	unsigned	generation;
} NnBarrier;

static void
barrier_release_if_full(NnBarrier *b)
{
	if (b->waiting >= b->parties)
	{
		b->waiting = 0;
		b->generation++;
		pthread_cond_broadcast(&b->cv);
	}
}

/* Wait until every party has arrived. */
static void
barrier_wait(NnBarrier *b)
{
	unsigned	gen;

	pthread_mutex_lock(&b->mu);
	gen = b->generation;
	b->waiting++;
	barrier_release_if_full(b);
	while (gen == b->generation)
		pthread_cond_wait(&b->cv, &b->mu);
	pthread_mutex_unlock(&b->mu);
}

/* One party fewer (its thread was never started). */
static void
barrier_leave(NnBarrier *b)
{
	pthread_mutex_lock(&b->mu);
	b->parties--;
	if (b->waiting > 0)
		barrier_release_if_full(b);
	pthread_mutex_unlock(&b->mu);
}

/*
 * What the threads of one pass share.  A pass is a sequence of stages;
 * every part runs stage s before any part starts stage s + 1.  Stages end
 * at the layers that need the whole batch: a training BatchNorm's
 * statistics (split[], in layer order forward and reverse order backward).
 * Without those there is one stage and no barrier.
 */
typedef struct NnPass
{
	NnModel    *m;
	int			n;				/* images in the batch */
	int			ps;				/* images per part */
	int			parts;
	bool		backward;
	bool		training;		/* BatchNorm on batch statistics */
	int			nsplit;
	int			split[NN_MAX_LAYERS];
	atomic_int	next[NN_MAX_LAYERS + 1];	/* next part to take, per stage */
	atomic_bool interrupted;	/* the progress callback said stop */
	atomic_bool failed;			/* a part's kernel failed (its err says why) */
	NnBarrier	barrier;
} NnPass;

/* One thread of a pass. */
typedef struct NnThread
{
	NnPass	   *pass;
	int			t;				/* index of its scratch buffers */
} NnThread;

/* Stage s of the forward pass on part p (n0, n images). */
static void
forward_stage(NnPass *pass, int s, int p, int n0, int n, float *cols,
			  float *convbuf)
{
	NnModel    *m = pass->m;
	NnWork	   *wk = &m->ws->work[p];
	int			L = m->n_layers;
	int			end = s < pass->nsplit ? pass->split[s] : L;
	int			i = 0;
	size_t		dim = m->cfg.dim;

	if (s == 0)
		load_input(m, wk, m->ws->input + n0 * nn_input_size(m), n);
	else
	{
		i = pass->split[s - 1];
		nn_bn_forward_apply(m, wk, i, n, p);
		i++;
	}
	for (; i < end && wk->err.status == HACK_OK; i++)
		nn_layer_forward(m, wk, i, n, cols, convbuf);
	if (end < L)
		nn_bn_forward_stats(m, wk, end, n);
	else
		memcpy(m->ws->vout + n0 * dim, wk->act[L], sizeof(float) * n * dim);
}

/* Stage s of the backward pass on part p. */
static void
backward_stage(NnPass *pass, int s, int p, int n0, int n, float *cols,
			   float *convbuf)
{
	NnModel    *m = pass->m;
	NnWork	   *wk = &m->ws->work[p];
	float	   *grads = p == 0 ? m->grads : wk->grads;
	int			L = m->n_layers;
	int			bottom = s < pass->nsplit ? pass->split[s] : -1;
	int			i;
	size_t		dim = m->cfg.dim;

	if (s == 0)
	{
		memcpy(wk->dact[L], m->ws->dvout + n0 * dim, sizeof(float) * n * dim);
		i = L - 1;
	}
	else
	{
		i = pass->split[s - 1];
		nn_bn_backward_apply(m, wk, i, n, p, grads);
		i--;
	}
	for (; i > bottom && wk->err.status == HACK_OK; i--)
		nn_layer_backward(m, wk, i, n, cols, convbuf, grads);
	if (bottom >= 0)
		nn_bn_backward_stats(m, wk, bottom, n);
}

/* Thread body: every stage in turn, taking its parts until none is left. */
static void *
run_thread(void *arg)
{
	NnThread   *th = arg;
	NnPass	   *pass = th->pass;
	NnModel    *m = pass->m;

	for (int s = 0; s <= pass->nsplit; s++)
	{
		int			p;

		if (s > 0)
			barrier_wait(&pass->barrier);
		while ((p = atomic_fetch_add(&pass->next[s], 1)) < pass->parts)
		{
			int			n0 = p * pass->ps;
			int			cnt = pass->n - n0 < pass->ps ? pass->n - n0 : pass->ps;

			if (atomic_load(&pass->interrupted) || atomic_load(&pass->failed))
				break;
			if (pass->backward)
				backward_stage(pass, s, p, n0, cnt, m->ws->cols[th->t],
							   m->ws->convbuf[th->t]);
			else
				forward_stage(pass, s, p, n0, cnt, m->ws->cols[th->t],
							  m->ws->convbuf[th->t]);
			if (m->ws->work[p].err.status != HACK_OK)
				atomic_store(&pass->failed, true);
			/* only the calling thread may call back into the host */
			if (th->t == 0 && m->progress != NULL &&
				!m->progress(m->progress_arg,
							 (double) s * pass->parts + p,
							 (double) (pass->nsplit + 1) * pass->parts))
				atomic_store(&pass->interrupted, true);
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
 * share.  Each part writes only its own buffers, batch statistics are
 * summed in part order, and the part gradients are summed in part order,
 * so the result does not depend on which thread ran what, nor on how many
 * there were.  The calling thread asks m->progress after each of its
 * parts, so a cancel stops a large batch within about one part; returns
 * HACK_ERR_INTERRUPTED then, and a kernel's failure as the first failing
 * part's error.
 */
static HackStatus
run_parallel(NnModel *m, int n, bool backward, bool training, HackError *err)
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
	pass.training = training;
	pass.nsplit = 0;
	if (training)
		for (int i = 0; i < m->n_layers; i++)
		{
			int			li = backward ? m->n_layers - 1 - i : i;

			if (m->layers[li].kind == NN_LAYER_BATCHNORM)
				pass.split[pass.nsplit++] = li;
		}
	for (int s = 0; s <= pass.nsplit; s++)
		atomic_init(&pass.next[s], 0);
	atomic_init(&pass.interrupted, false);
	atomic_init(&pass.failed, false);
	for (int p = 0; p < pass.parts; p++)
		hack_error_clear(&m->ws->work[p].err);
	m->ws->pass_n = n;
	m->ws->pass_parts = pass.parts;
	nt = m->threads < pass.parts ? m->threads : pass.parts;
	for (int t = 0; t < nt; t++)
	{
		th[t].pass = &pass;
		th[t].t = t;
		started[t] = false;
	}
	pthread_mutex_init(&pass.barrier.mu, NULL);
	pthread_cond_init(&pass.barrier.cv, NULL);
	pass.barrier.parties = nt;
	pass.barrier.waiting = 0;
	pass.barrier.generation = 0;
	if (nt > 1)
	{
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		for (int t = 1; t < nt; t++)
		{
			started[t] = pthread_create(&tids[t], NULL, run_thread, &th[t]) == 0;
			if (!started[t])
				barrier_leave(&pass.barrier);
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	run_thread(&th[0]);
	for (int t = 1; t < nt; t++)
		if (started[t])
			pthread_join(tids[t], NULL);
	pthread_cond_destroy(&pass.barrier.cv);
	pthread_mutex_destroy(&pass.barrier.mu);
	for (int p = 0; p < pass.parts; p++)
		if (m->ws->work[p].err.status != HACK_OK)
		{
			*err = m->ws->work[p].err;
			return err->status;
		}
	if (atomic_load(&pass.interrupted))
		return hack_error_set(err, HACK_ERR_INTERRUPTED, NULL, "interrupted");
	/* sum the parts' gradients in part order */
	if (backward)
		for (int p = 1; p < pass.parts; p++)
		{
			const float *g = m->ws->work[p].grads;

			for (size_t i = 0; i < m->n_params; i++)
				m->grads[i] += g[i];
		}
	return HACK_OK;
}

/*
 * Fold every BatchNorm whose input is a convolution read by nothing else
 * into that convolution, with the running statistics: W' = W gamma/sd,
 * shift = beta - mean gamma/sd per output channel, so that the
 * convolution's sgemm, a bias and the ReLU give the BatchNorm's output in
 * one pass (inference only: nothing of the conv's own output is kept).
 */
/* No layer from `from` on reads activation a (act[a] is layer a-1's output). */
static bool
unread_from(const NnModel *m, int a, int from)
{
	for (int j = from; j < m->n_layers; j++)
		if (m->layers[j].src == a || m->layers[j].src2 == a)
			return false;
	return true;
}

static bool
fold_batchnorm(NnModel *m)
{
	NnWorkspace *ws = m->ws;
	bool		any = false;

	for (int i = 0; i + 1 < m->n_layers; i++)
	{
		const NnLayer *l = &m->layers[i];
		const NnLayer *bn = &m->layers[i + 1];
		bool		alone = l->kind == NN_LAYER_CONV && bn->kind == NN_LAYER_BATCHNORM &&
			bn->src == i + 1 && unread_from(m, i + 1, i + 2);

		ws->fold[i] = alone;
		ws->fold_add[i] = alone && !bn->relu && i + 2 < m->n_layers &&
			m->layers[i + 2].kind == NN_LAYER_ADD && m->layers[i + 2].src == i + 2 &&
			m->layers[i + 2].src2 != i + 2 && unread_from(m, i + 2, i + 3);
		any |= alone;
	}
	if (!any)
		return true;
	if (ws->folded == NULL &&
		(ws->folded = malloc(sizeof(float) * m->n_params)) == NULL)
		return false;
	for (int i = 0; i + 1 < m->n_layers; i++)
	{
		const NnLayer *l = &m->layers[i];
		const NnLayer *bn = &m->layers[i + 1];
		size_t		K = (size_t) l->cin * l->k * l->k;

		if (!ws->fold[i])
			continue;
		for (int c = 0; c < l->cout; c++)
		{
			double		inv = 1.0 / sqrt((double) m->buffers[bn->rvar + c] + NN_BN_EPS);
			double		scale = m->params[bn->weight + c] * inv;

			for (size_t j = 0; j < K; j++)
				ws->folded[l->weight + c * K + j] = (float) (m->params[l->weight + c * K + j] * scale);
			ws->folded[bn->weight + c] =
				(float) (m->params[bn->bias + c] - m->buffers[bn->rmean + c] * scale);
		}
	}
	return true;
}

/* nn_forward; fuse: an inference-only pass, with BatchNorms folded (nn_embed). */
static HackStatus
forward(NnModel *m, const float *x, int n, double *emb, bool fuse, HackError *err)
{
	HackStatus	st;

	if (n < 1)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "batch must hold at least one image");
	if ((st = nn_reserve(m, n, err)) != HACK_OK)
		return st;
	m->ws->fuse = fuse && !m->training && m->n_buffers > 0;
	if (m->ws->fuse && !fold_batchnorm(m))
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL, "out of memory");
	m->ws->input = x;
	if ((st = run_parallel(m, n, false, m->training, err)) != HACK_OK)
	{
		m->ws->input = NULL;
		m->ws->batch = 0;
		m->ws->fuse = false;
		return st;
	}
	m->ws->input = NULL;
	nn_head_forward(m->ws->vout, n, m->cfg.dim, m->cfg.curvature,
					m->cfg.clip_r, m->ws->tangent, m->ws->emb);
	/* a fused pass kept no convolution output: no backward pass from it */
	m->ws->batch = m->ws->fuse ? 0 : n;
	m->ws->train_pass = m->training;
	m->ws->fuse = false;
	if (emb != NULL)
		memcpy(emb, m->ws->emb, sizeof(double) * n * m->cfg.dim);
	return HACK_OK;
}

/*
 * Run the network on n raw NCHW images; the embeddings (n x dim doubles)
 * are kept for nn_backward and copied to emb unless it is NULL.
 */
HackStatus
nn_forward(NnModel *m, const float *x, int n, double *emb, HackError *err)
{
	return forward(m, x, n, emb, false, err);
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
	return run_parallel(m, n, true, m->ws->train_pass, err);
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
	HackStatus	st = HACK_OK;
	bool		training = m->training;

	if (batch < 1)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "batch size must be positive, got %d", batch);
	/* embeddings are inference: BatchNorm on its running statistics */
	m->training = false;
	for (size_t i = 0; i < n; i += batch)
	{
		int			cnt = n - i < (size_t) batch ? (int) (n - i) : batch;

		if ((st = forward(m, x + i * in, cnt, emb + i * m->cfg.dim, true, err)) != HACK_OK)
			break;
		if (progress && !progress(progress_arg, (double) (i + cnt), (double) n))
		{
			st = hack_error_set(err, HACK_ERR_INTERRUPTED, NULL, "interrupted");
			break;
		}
	}
	m->training = training;
	return st;
}
