/*
 * nn_model_internal.h
 *	  The encoder's batch workspace, private to the nn_*.c files.
 *
 * Callers outside the network see only NnModel's shape and parameters
 * (nn_model.h); the buffers a pass runs in, and how a batch is cut into
 * parts, are the network's business and may change with its kernels.
 */
#ifndef HACK_CORE_NN_MODEL_INTERNAL_H
#define HACK_CORE_NN_MODEL_INTERNAL_H

#include "nn_model.h"

/* One part of a batch: the activations and gradients of its images. */
typedef struct NnWork
{
	float	   *act[NN_MAX_LAYERS + 1];
	float	   *dact[NN_MAX_LAYERS + 1];	/* aliases of dslot (reserve_gradients) */
	float	   *dslot[NN_MAX_LAYERS + 1];	/* gradient buffers, shared by layers */
	uint8_t    *argmax[NN_MAX_LAYERS];
	double	   *stats[NN_MAX_LAYERS];	/* BatchNorm: this part's sums, the
										 * batch mean and 1/sd (nn_layers.c) */
	float	   *grads;			/* private gradients (parts > 0) */
	struct NnConvKernel *conv[NN_MAX_LAYERS];	/* oneDNN primitives (nn_dnnl.h) */
	HackError	err;			/* the first failure of a kernel in this part's pass */
} NnWork;

#define NN_MAX_PARTS 64			/* a batch is cut into at most this many parts */
#define NN_PART_MIN 32			/* ... of at least this many images */

/* Buffers for batches of up to capacity images. */
struct NnWorkspace
{
	int			capacity;
	int			part_cap;		/* images each part can hold */
	int			parts_ready;	/* parts allocated */
	int			scratch_ready;	/* per-thread scratch buffers allocated */
	int			batch;			/* images in the last forward pass */
	bool		train_pass;		/* ... which ran in training mode */
	/*
	 * Inference-only passes (nn_embed) fold each BatchNorm that only reads a
	 * convolution into it: folded holds the scaled weights at the conv's
	 * offset and the shift at the BatchNorm's gamma; fold[i] marks conv i.
	 */
	bool		fuse;
	float	   *folded;
	bool		fold[NN_MAX_LAYERS];
	/*
	 * ... and fold_add[i]: conv i's BatchNorm output is read only by the
	 * residual add after it, which the convolution then does too: its
	 * output starts as the shortcut and the kernel adds to it (and applies
	 * the add's ReLU), straight into the add's output.
	 */
	bool		fold_add[NN_MAX_LAYERS];
	int			pass_n;			/* images of the pass being run */
	int			pass_parts;		/* ... and its parts */
	const float *input;			/* raw images of the current pass */
	NnWork		work[NN_MAX_PARTS];
	float	   *cols[NN_MAX_THREADS];	/* per-thread im2col block */
	float	   *convbuf[NN_MAX_THREADS];	/* per-thread convolution output */
	float	   *vout;			/* last layer's outputs, n x dim */
	float	   *dvout;			/* their gradients */
	double	   *tangent;		/* capped tangent vectors u */
	double	   *emb;			/* embeddings z = expmap0(u) */
	double	   *gemb;			/* dLoss/dz */
};

#define NN_BN_MAX_CHANNELS 1024	/* channels of a BatchNorm layer */

/* Make the workspace hold a batch of n images on model->threads threads. */
extern HackStatus nn_reserve(NnModel *model, int n, HackError *err);

/* nn_arch.c */
extern HackStatus nn_build_layers(NnModel *model, size_t *np, size_t *nb,
								  HackError *err);

/* nn_layers.c */
extern void nn_layer_forward(NnModel *model, NnWork *wk, int li, int n,
							 float *cols, float *convbuf);
extern void nn_layer_backward(NnModel *model, NnWork *wk, int li, int n,
							  float *cols, float *convbuf, float *grads);
extern void nn_bn_forward_stats(const NnModel *model, NnWork *wk, int li, int n);
extern void nn_bn_forward_apply(NnModel *model, NnWork *wk, int li, int n, int p);
extern void nn_bn_backward_stats(const NnModel *model, NnWork *wk, int li, int n);
extern void nn_bn_backward_apply(const NnModel *model, NnWork *wk, int li, int n,
								 int p, float *grads);

#endif							/* HACK_CORE_NN_MODEL_INTERNAL_H */
