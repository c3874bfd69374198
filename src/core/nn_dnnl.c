/*
 * nn_dnnl.c
 *	  The encoder's padded, strided convolutions on oneDNN (nn_dnnl.h).
 *
 * oneDNN (Debian's libdnnl, the library PyTorch's CPU convolutions run
 * on) picks a JIT kernel for the machine's instruction set when a
 * primitive is built.  Its OpenMP runtime would start a thread pool on
 * the first call from a thread with more than one OpenMP thread; every
 * thread that calls in here is held to one first, so no pool is ever
 * started (the engine runs its own threads, with signals blocked, and a
 * PostgreSQL backend keeps its signals in its own thread), and the
 * scratchpads are ours (user mode), one per primitive, so two parts never
 * share one.
 */
#include "nn_dnnl.h"

#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdlib.h>

/* libgomp, oneDNN's threading runtime (no omp.h: clang's lacks it) */
extern void omp_set_num_threads(int n);

/* Weights in the layout a primitive reads or writes, and the reorder to or from OIHW. */
typedef struct NnWeights
{
	dnnl_memory_t user;			/* OIHW, on the caller's buffer */
	dnnl_memory_t mem;			/* the primitive's layout (user itself if the same) */
	dnnl_primitive_t reorder;	/* NULL when mem is user */
} NnWeights;

/* A primitive with its own scratchpad. */
typedef struct NnStep
{
	dnnl_primitive_t prim;
	dnnl_memory_t scratch;
} NnStep;

struct NnConvKernel
{
	dnnl_stream_t stream;
	/* forward, built for fwd_n images, with or without bias and ReLU */
	int			fwd_n;
	bool		fwd_bias;
	bool		fwd_sum;
	bool		fwd_relu;
	NnStep		fwd;
	NnWeights	fwd_w;
	dnnl_memory_t src,
				dst,
				bias;
	/* backward, built for bwd_n images */
	int			bwd_n;
	NnStep		bwd_data;
	NnStep		bwd_weights;
	NnWeights	bd_w;			/* weights as the data gradient reads them */
	NnWeights	dw;				/* the weights' gradient, reordered to OIHW */
	dnnl_memory_t b_src,
				b_ddst,
				b_dsrc;
};

static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static dnnl_engine_t engine;
static dnnl_status_t engine_status;

static void
engine_init(void)
{
	engine_status = dnnl_engine_create(&engine, dnnl_cpu, 0);
}

/* oneDNN on this thread alone (see the file's comment). */
static void
one_thread(void)
{
	static _Thread_local bool done;

	if (!done)
	{
		omp_set_num_threads(1);
		done = true;
	}
}

static HackStatus
fail(HackError *err, dnnl_status_t s, const char *what, const NnLayer *l)
{
	return hack_error_set(err, s == dnnl_out_of_memory ? HACK_ERR_NO_MEMORY : HACK_ERR_INTERNAL,
						  NULL, "oneDNN could not %s for a %dx%d convolution of %d to %d channels (status %d)",
						  what, l->k, l->k, l->cin, l->cout, (int) s);
}

#define TRY(call) do { if ((s = (call)) != dnnl_success) goto failed; } while (0)

static void
md_nhwc(dnnl_memory_desc_t *md, int n, int c, int h, int w)
{
	dnnl_dims_t d = {n, c, h, w};

	dnnl_memory_desc_init_by_tag(md, 4, d, dnnl_f32, dnnl_nhwc);
}

/* The descriptors of layer l on n images: NHWC data, weights as the kernel likes. */
typedef struct NnConvShape
{
	dnnl_memory_desc_t src,
				dst,
				wany,
				wuser,
				bias;
	dnnl_dims_t strides,
				pad_l,
				pad_r;
} NnConvShape;

static void
conv_shape(NnConvShape *cs, const NnLayer *l, int n)
{
	dnnl_dims_t wd = {l->cout, l->cin, l->k, l->k};
	dnnl_dims_t bd = {l->cout};

	md_nhwc(&cs->src, n, l->cin, l->h, l->w);
	md_nhwc(&cs->dst, n, l->cout, l->oh, l->ow);
	dnnl_memory_desc_init_by_tag(&cs->wany, 4, wd, dnnl_f32, dnnl_format_tag_any);
	dnnl_memory_desc_init_by_tag(&cs->wuser, 4, wd, dnnl_f32, dnnl_oihw);
	dnnl_memory_desc_init_by_tag(&cs->bias, 1, bd, dnnl_f32, dnnl_x);
	cs->strides[0] = cs->strides[1] = l->stride;
	cs->pad_l[0] = cs->pad_l[1] = l->pad;
	/* PyTorch's floor((h + 2 pad - k) / stride) + 1 leaves the rest unpadded */
	cs->pad_r[0] = (dnnl_dim_t) (l->oh - 1) * l->stride + l->k - l->h - l->pad;
	cs->pad_r[1] = (dnnl_dim_t) (l->ow - 1) * l->stride + l->k - l->w - l->pad;
}

static void
step_free(NnStep *st)
{
	if (st->prim)
		dnnl_primitive_destroy(st->prim);
	if (st->scratch)
		dnnl_memory_destroy(st->scratch);
	st->prim = NULL;
	st->scratch = NULL;
}

static void
weights_free(NnWeights *w)
{
	if (w->reorder)
		dnnl_primitive_destroy(w->reorder);
	if (w->mem && w->mem != w->user)
		dnnl_memory_destroy(w->mem);
	if (w->user)
		dnnl_memory_destroy(w->user);
	w->reorder = NULL;
	w->mem = w->user = NULL;
}

static void
mem_free(dnnl_memory_t *mem)
{
	if (*mem)
		dnnl_memory_destroy(*mem);
	*mem = NULL;
}

/* The primitive of pd and a scratchpad for it. */
static dnnl_status_t
step_create(NnStep *st, const_dnnl_primitive_desc_t pd)
{
	dnnl_status_t s = dnnl_primitive_create(&st->prim, pd);

	if (s == dnnl_success)
		s = dnnl_memory_create(&st->scratch,
							   dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0),
							   engine, DNNL_MEMORY_ALLOCATE);
	return s;
}

/*
 * Weights between OIHW and the layout want; to_user: want -> OIHW (a
 * gradient), else OIHW -> want.
 */
static dnnl_status_t
weights_create(NnWeights *w, const dnnl_memory_desc_t *user, const dnnl_memory_desc_t *want,
			   bool to_user)
{
	dnnl_primitive_desc_t rpd = NULL;
	dnnl_status_t s = dnnl_memory_create(&w->user, user, engine, DNNL_MEMORY_NONE);

	if (s != dnnl_success)
		return s;
	if (dnnl_memory_desc_equal(user, want))
	{
		w->mem = w->user;
		return dnnl_success;
	}
	if ((s = dnnl_memory_create(&w->mem, want, engine, DNNL_MEMORY_ALLOCATE)) != dnnl_success)
		return s;
	s = to_user ? dnnl_reorder_primitive_desc_create(&rpd, want, engine, user, engine, NULL)
		: dnnl_reorder_primitive_desc_create(&rpd, user, engine, want, engine, NULL);
	if (s == dnnl_success)
		s = dnnl_primitive_create(&w->reorder, rpd);
	if (rpd)
		dnnl_primitive_desc_destroy(rpd);
	return s;
}

/* Run w's reorder on the OIHW buffer oihw. */
static dnnl_status_t
weights_reorder(NnConvKernel *k, NnWeights *w, const float *oihw, bool to_user)
{
	dnnl_status_t s = dnnl_memory_set_data_handle(w->user, (void *) oihw);
	dnnl_exec_arg_t args[2] = {
		{DNNL_ARG_FROM, to_user ? w->mem : w->user},
		{DNNL_ARG_TO, to_user ? w->user : w->mem}
	};

	if (s != dnnl_success || w->reorder == NULL)
		return s;
	return dnnl_primitive_execute(w->reorder, k->stream, 2, args);
}

static dnnl_status_t
kernel_start(NnConvKernel **kernel)
{
	pthread_once(&engine_once, engine_init);
	if (engine_status != dnnl_success)
		return engine_status;
	if (*kernel == NULL)
	{
		if ((*kernel = calloc(1, sizeof(NnConvKernel))) == NULL)
			return dnnl_out_of_memory;
		if (dnnl_stream_create(&(*kernel)->stream, engine, dnnl_stream_default_flags) != dnnl_success)
		{
			free(*kernel);
			*kernel = NULL;
			return dnnl_out_of_memory;
		}
	}
	one_thread();
	return dnnl_success;
}

static void
forward_free(NnConvKernel *k)
{
	step_free(&k->fwd);
	weights_free(&k->fwd_w);
	mem_free(&k->src);
	mem_free(&k->dst);
	mem_free(&k->bias);
	k->fwd_n = 0;
}

static void
backward_free(NnConvKernel *k)
{
	step_free(&k->bwd_data);
	step_free(&k->bwd_weights);
	weights_free(&k->bd_w);
	weights_free(&k->dw);
	mem_free(&k->b_src);
	mem_free(&k->b_ddst);
	mem_free(&k->b_dsrc);
	k->bwd_n = 0;
}

/* An attribute with a user scratchpad, then dst's sum and the ReLU if asked. */
static dnnl_status_t
attr_create(dnnl_primitive_attr_t *attr, bool sum, bool relu)
{
	dnnl_post_ops_t po = NULL;
	dnnl_status_t s = dnnl_primitive_attr_create(attr);

	if (s == dnnl_success)
		s = dnnl_primitive_attr_set_scratchpad_mode(*attr, dnnl_scratchpad_mode_user);
	if (s == dnnl_success && (sum || relu))
	{
		s = dnnl_post_ops_create(&po);
		if (s == dnnl_success && sum)
			s = dnnl_post_ops_append_sum(po, 1.0f);
		if (s == dnnl_success && relu)
			s = dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f);
		if (s == dnnl_success)
			s = dnnl_primitive_attr_set_post_ops(*attr, po);
		if (po)
			dnnl_post_ops_destroy(po);
	}
	return s;
}

static dnnl_status_t
forward_build(NnConvKernel *k, const NnLayer *l, int n, bool bias, bool sum, bool relu)
{
	NnConvShape cs;
	dnnl_convolution_desc_t cd;
	dnnl_primitive_attr_t attr = NULL;
	dnnl_primitive_desc_t pd = NULL;
	dnnl_status_t s;

	conv_shape(&cs, l, n);
	TRY(dnnl_convolution_forward_desc_init(&cd, bias ? dnnl_forward_inference : dnnl_forward_training,
										   dnnl_convolution_direct, &cs.src, &cs.wany,
										   bias ? &cs.bias : NULL, &cs.dst,
										   cs.strides, cs.pad_l, cs.pad_r));
	TRY(attr_create(&attr, sum, relu));
	TRY(dnnl_primitive_desc_create(&pd, &cd, attr, engine, NULL));
	TRY(step_create(&k->fwd, pd));
	TRY(weights_create(&k->fwd_w, &cs.wuser,
					   dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), false));
	TRY(dnnl_memory_create(&k->src, &cs.src, engine, DNNL_MEMORY_NONE));
	TRY(dnnl_memory_create(&k->dst, &cs.dst, engine, DNNL_MEMORY_NONE));
	if (bias)
		TRY(dnnl_memory_create(&k->bias, &cs.bias, engine, DNNL_MEMORY_NONE));
	k->fwd_n = n;
	k->fwd_bias = bias;
	k->fwd_sum = sum;
	k->fwd_relu = relu;
failed:
	if (pd)
		dnnl_primitive_desc_destroy(pd);
	if (attr)
		dnnl_primitive_attr_destroy(attr);
	return s;
}

HackStatus
nn_conv_forward(NnConvKernel **kernel, const NnLayer *l, int n, const float *src,
				const float *W, const float *bias, bool accumulate, bool relu,
				float *dst, HackError *err)
{
	NnConvKernel *k;
	dnnl_status_t s;
	dnnl_exec_arg_t args[5];
	int			nargs = 0;

	if ((s = kernel_start(kernel)) != dnnl_success)
		return fail(err, s, "start", l);
	k = *kernel;
	if (k->fwd_n != n || k->fwd_bias != (bias != NULL) || k->fwd_sum != accumulate ||
		k->fwd_relu != relu)
	{
		forward_free(k);
		if ((s = forward_build(k, l, n, bias != NULL, accumulate, relu)) != dnnl_success)
		{
			forward_free(k);
			return fail(err, s, "build the forward pass", l);
		}
	}
	TRY(weights_reorder(k, &k->fwd_w, W, false));
	TRY(dnnl_memory_set_data_handle(k->src, (void *) src));
	TRY(dnnl_memory_set_data_handle(k->dst, dst));
	args[nargs++] = (dnnl_exec_arg_t) {DNNL_ARG_SRC, k->src};
	args[nargs++] = (dnnl_exec_arg_t) {DNNL_ARG_WEIGHTS, k->fwd_w.mem};
	args[nargs++] = (dnnl_exec_arg_t) {DNNL_ARG_DST, k->dst};
	args[nargs++] = (dnnl_exec_arg_t) {DNNL_ARG_SCRATCHPAD, k->fwd.scratch};
	if (bias)
	{
		TRY(dnnl_memory_set_data_handle(k->bias, (void *) bias));
		args[nargs++] = (dnnl_exec_arg_t) {DNNL_ARG_BIAS, k->bias};
	}
	TRY(dnnl_primitive_execute(k->fwd.prim, k->stream, nargs, args));
	TRY(dnnl_stream_wait(k->stream));
	return HACK_OK;
failed:
	return fail(err, s, "run the forward pass", l);
}

static dnnl_status_t
backward_build(NnConvKernel *k, const NnLayer *l, int n)
{
	NnConvShape cs;
	dnnl_convolution_desc_t fd,
				dd,
				wd;
	dnnl_primitive_attr_t attr = NULL;
	dnnl_primitive_desc_t hint = NULL,
				dpd = NULL,
				wpd = NULL;
	dnnl_status_t s;

	conv_shape(&cs, l, n);
	TRY(dnnl_convolution_forward_desc_init(&fd, dnnl_forward_training, dnnl_convolution_direct,
										   &cs.src, &cs.wany, NULL, &cs.dst,
										   cs.strides, cs.pad_l, cs.pad_r));
	TRY(dnnl_primitive_desc_create(&hint, &fd, NULL, engine, NULL));
	TRY(attr_create(&attr, false, false));
	TRY(dnnl_convolution_backward_data_desc_init(&dd, dnnl_convolution_direct, &cs.src, &cs.wany,
												 &cs.dst, cs.strides, cs.pad_l, cs.pad_r));
	TRY(dnnl_primitive_desc_create(&dpd, &dd, attr, engine, hint));
	TRY(step_create(&k->bwd_data, dpd));
	TRY(weights_create(&k->bd_w, &cs.wuser,
					   dnnl_primitive_desc_query_md(dpd, dnnl_query_weights_md, 0), false));
	TRY(dnnl_convolution_backward_weights_desc_init(&wd, dnnl_convolution_direct, &cs.src, &cs.wany,
													NULL, &cs.dst, cs.strides, cs.pad_l, cs.pad_r));
	TRY(dnnl_primitive_desc_create(&wpd, &wd, attr, engine, hint));
	TRY(step_create(&k->bwd_weights, wpd));
	TRY(weights_create(&k->dw, &cs.wuser,
					   dnnl_primitive_desc_query_md(wpd, dnnl_query_diff_weights_md, 0), true));
	TRY(dnnl_memory_create(&k->b_src, &cs.src, engine, DNNL_MEMORY_NONE));
	TRY(dnnl_memory_create(&k->b_dsrc, &cs.src, engine, DNNL_MEMORY_NONE));
	TRY(dnnl_memory_create(&k->b_ddst, &cs.dst, engine, DNNL_MEMORY_NONE));
	k->bwd_n = n;
failed:
	if (wpd)
		dnnl_primitive_desc_destroy(wpd);
	if (dpd)
		dnnl_primitive_desc_destroy(dpd);
	if (hint)
		dnnl_primitive_desc_destroy(hint);
	if (attr)
		dnnl_primitive_attr_destroy(attr);
	return s;
}

HackStatus
nn_conv_backward(NnConvKernel **kernel, const NnLayer *l, int n, const float *src,
				 const float *W, const float *ddst, float *dW, float *dsrc,
				 HackError *err)
{
	NnConvKernel *k;
	dnnl_status_t s;

	if ((s = kernel_start(kernel)) != dnnl_success)
		return fail(err, s, "start", l);
	k = *kernel;
	if (k->bwd_n != n)
	{
		backward_free(k);
		if ((s = backward_build(k, l, n)) != dnnl_success)
		{
			backward_free(k);
			return fail(err, s, "build the backward pass", l);
		}
	}
	TRY(dnnl_memory_set_data_handle(k->b_src, (void *) src));
	TRY(dnnl_memory_set_data_handle(k->b_ddst, (void *) ddst));
	{
		dnnl_exec_arg_t args[4] = {
			{DNNL_ARG_SRC, k->b_src},
			{DNNL_ARG_DIFF_DST, k->b_ddst},
			{DNNL_ARG_DIFF_WEIGHTS, k->dw.mem},
			{DNNL_ARG_SCRATCHPAD, k->bwd_weights.scratch}
		};

		/* dw.mem is dW itself when the kernel writes OIHW */
		TRY(dnnl_memory_set_data_handle(k->dw.user, dW));
		TRY(dnnl_primitive_execute(k->bwd_weights.prim, k->stream, 4, args));
		TRY(weights_reorder(k, &k->dw, dW, true));
	}
	if (dsrc != NULL)
	{
		dnnl_exec_arg_t args[4] = {
			{DNNL_ARG_DIFF_DST, k->b_ddst},
			{DNNL_ARG_WEIGHTS, k->bd_w.mem},
			{DNNL_ARG_DIFF_SRC, k->b_dsrc},
			{DNNL_ARG_SCRATCHPAD, k->bwd_data.scratch}
		};

		TRY(weights_reorder(k, &k->bd_w, W, false));
		TRY(dnnl_memory_set_data_handle(k->b_dsrc, dsrc));
		TRY(dnnl_primitive_execute(k->bwd_data.prim, k->stream, 4, args));
	}
	TRY(dnnl_stream_wait(k->stream));
	return HACK_OK;
failed:
	return fail(err, s, "run the backward pass", l);
}

void
nn_conv_kernel_free(NnConvKernel *k)
{
	if (k == NULL)
		return;
	forward_free(k);
	backward_free(k);
	dnnl_stream_destroy(k->stream);
	free(k);
}
