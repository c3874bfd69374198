/*
 * nn_model.h
 *	  The encoder network: architectures, batch training API, inference.
 *
 * A model maps images (float32, NCHW, raw pixel values) to points of the
 * Poincaré ball of curvature -c: the input is normalised with the mean and
 * standard deviation stored in the model, runs through the layers of its
 * architecture, and the last linear layer's output v (the tangent vector)
 * goes through the hyperbolic head: its norm is capped at clip_r, then the
 * exponential map at the origin (hyp_expmap0, clipped as HYP_CLIP_EPS
 * says) puts it in the ball.
 *
 * The trainer calls, per batch:
 *	nn_forward(model, x, n, emb, err)	embeddings (may be NULL)
 *	nn_backward(model, targets, w, &loss, err)	loss and gradients
 *	nn_sgd_step(model, &sgd, lr)		update (nn_optim.h)
 * The model owns a workspace sized for the largest batch seen so far, so
 * the loop allocates nothing after the first batch.  Each batch is cut
 * into parts of a size that depends only on the batch size; with threads
 * > 1 (nn_set_threads) that many POSIX threads take parts as they come,
 * each calling single-threaded sgemm (the caller must keep OpenBLAS at one
 * thread).  Results are bit-for-bit deterministic for a fixed seed,
 * whatever the thread count.
 */
#ifndef HACK_CORE_NN_MODEL_H
#define HACK_CORE_NN_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn_ops.h"
#include "status.h"

#define NN_MAX_LAYERS 64
#define NN_MAX_HIDDEN 8
#define NN_MAX_CHANNELS 4
#define NN_MAX_SIDE 1024
#define NN_MAX_WIDTH 65536		/* largest hidden or input feature count */
#define NN_MAX_PARAMS (64 * 1024 * 1024)	/* floats */

/* default cap of the tangent norm before expmap0 (Guo et al. 2022) */
#define NN_DEFAULT_CLIP_R 2.3

typedef enum NnArch
{
	NN_ARCH_LENET = 1,
	NN_ARCH_MLP = 2,
	NN_ARCH_RESNET20 = 3
} NnArch;

/* Everything that defines a model's shape; stored with its weights. */
typedef struct NnConfig
{
	NnArch		arch;
	int			channels;		/* C */
	int			height;			/* H */
	int			width;			/* W */
	int			dim;			/* dimension of the ball */
	double		curvature;		/* c > 0: the ball has curvature -c */
	double		clip_r;			/* tangent norm cap; 0 = none */
	int			n_hidden;		/* mlp only */
	int			hidden[NN_MAX_HIDDEN];	/* mlp only */
	/*
	 * ReLU after each convolution, as the reference LeNet has; true for
	 * every new model (nn_config_default).  False only for models read from
	 * a version-1 blob (hack 1.1 and before), whose lenet had none, so that
	 * they keep embedding as they were trained.  It also picks the blob
	 * version written (nn_serial.c), so an mlp, which it does not change,
	 * keeps its version too.
	 */
	bool		conv_relu;
} NnConfig;

/*
 * The layers an architecture is made of (nn_arch.c lists each
 * architecture as a table of them; nn_layers.c runs them).  Activations
 * are CNHW planes up to FLATTEN (lenet), NHWC pixels up to AVGPOOL
 * (resnet20: the layout of the oneDNN convolutions), and one row per
 * image after.
 */
typedef enum NnLayerKind
{
	NN_LAYER_CONV_POOL,			/* valid k x k convolution, stride 1, fused with a
								 * 2x2 max-pool, bias and optional ReLU (lenet) */
	NN_LAYER_FLATTEN,			/* CNHW -> one row per image */
	NN_LAYER_LINEAR,			/* y = x W^T + b, optional ReLU */
	NN_LAYER_CONV,				/* k x k convolution with padding and stride, no
								 * bias (a BatchNorm follows) */
	NN_LAYER_BATCHNORM,			/* per-channel batch normalisation, optional ReLU
								 * (ReLUs are a flag of the layer they follow) */
	NN_LAYER_ADD,				/* y = x + shortcut(act[src2]), optional ReLU */
	NN_LAYER_AVGPOOL			/* global average pool: CNHW -> rows of channels */
} NnLayerKind;

typedef struct NnLayer
{
	NnLayerKind kind;
	int			src;			/* activation read: act[src] (act[i] for most) */
	int			src2;			/* ADD: the shortcut's activation */
	int			cin,
				cout,
				k;				/* channels in and out, kernel side */
	int			h,
				w;				/* input plane */
	int			oh,
				ow;				/* output plane (CONV_POOL: before pooling) */
	int			stride,
				pad;			/* CONV; ADD: shortcut subsampling and the
								 * zero channels before the copied ones */
	int			in,
				out;			/* linear */
	bool		relu;			/* ReLU after (conv: after the bias) */
	bool		acc;			/* backward adds to dact[src] (it is shared) */
	bool		acc2;			/* ... and to dact[src2] */
	size_t		in_size;		/* floats per image in */
	size_t		out_size;		/* floats per image out */
	size_t		weight;			/* offset of W (BatchNorm: gamma) in the parameters */
	size_t		bias;			/* offset of b (BatchNorm: beta) */
	size_t		rmean;			/* BatchNorm: running mean in buffers */
	size_t		rvar;			/* BatchNorm: running variance in buffers */
	int			chunk;			/* CONV_POOL: images per im2col block */
} NnLayer;

/* PyTorch's BatchNorm2d defaults, which the reference resnet uses */
#define NN_BN_MOMENTUM 0.1
#define NN_BN_EPS 1e-5

#define NN_MAX_THREADS 64

/* batch buffers, private to the nn_*.c files (nn_model_internal.h) */
typedef struct NnWorkspace NnWorkspace;

typedef struct NnModel
{
	NnConfig	cfg;
	float		mean[NN_MAX_CHANNELS];	/* input normalisation */
	float		std[NN_MAX_CHANNELS];
	int			n_layers;
	NnLayer		layers[NN_MAX_LAYERS];
	size_t		n_params;
	float	   *params;			/* all weights and biases */
	float	   *grads;			/* same layout */
	float	   *velocity;		/* SGD momentum buffer, same layout */
	size_t		n_buffers;		/* BatchNorm running statistics: stored, not trained */
	float	   *buffers;
	/*
	 * Training mode, set by the training loop: BatchNorm normalises with the
	 * statistics of the batch and updates its running statistics (as
	 * PyTorch's model.train()); otherwise it uses the running statistics.
	 * Layers without BatchNorm do not depend on it.
	 */
	bool		training;
	int			threads;		/* threads a batch is run on */
	/*
	 * Training only, not stored: scale dL/dz by (1 - c|z|^2)^2 / 4 in
	 * nn_backward (the reference's Riemannian gradient, nn_loss.c).
	 */
	bool		riemannian_grad;
	/*
	 * Asked by the calling thread after each part of a pass (NULL: never);
	 * when it says stop, the pass ends early and nn_forward or nn_backward
	 * returns HACK_ERR_INTERRUPTED, leaving the batch's results undefined.
	 */
	HackProgressFn progress;
	void	   *progress_arg;

	NnWorkspace *ws;		/* batch buffers, grown by the first batches */
} NnModel;

extern const char *nn_arch_name(NnArch arch);
extern HackStatus nn_arch_from_name(const char *name, NnArch *arch,
									HackError *err);
extern void nn_config_default(NnConfig *cfg, NnArch arch, int channels,
							  int height, int width, int dim);
extern HackStatus nn_config_check(const NnConfig *cfg, HackError *err);
extern HackStatus nn_model_create(const NnConfig *cfg, NnModel **model,
								  HackError *err);
extern void nn_model_init(NnModel *model, uint64_t seed);
extern void nn_model_free(NnModel *model);
extern size_t nn_input_size(const NnModel *model);
extern HackStatus nn_set_threads(NnModel *model, int threads, HackError *err);

extern HackStatus nn_forward(NnModel *model, const float *x, int n,
							 double *emb, HackError *err);
extern HackStatus nn_backward(NnModel *model, const double *targets,
							  double consistency, double *loss,
							  HackError *err);
extern HackStatus nn_embed(NnModel *model, const float *x, size_t n,
						   int batch, double *emb, HackProgressFn progress,
						   void *progress_arg, HackError *err);

#endif							/* HACK_CORE_NN_MODEL_H */
