/*
 * nn_ops.h
 *	  Tensor kernels of the encoder network: im2col/col2im, 2x2 max-pool,
 *	  layout changes, and the seeded random number generator.
 *
 * Tensors are float32.  Images enter as NCHW; inside the convolutional
 * stack activations are kept channel-major ("CNHW": for channel c, the
 * planes of images 0..n-1 follow each other), which is exactly the layout
 * the convolution sgemm W[cout x K] * cols[K x n*P] produces, so no
 * transpose is needed between layers.  See doc/encoder.md.
 */
#ifndef HACK_CORE_NN_OPS_H
#define HACK_CORE_NN_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* SplitMix64 state: seedable, fast, identical on every platform */
typedef struct NnRng
{
	uint64_t	state;
} NnRng;

extern void nn_rng_seed(NnRng *rng, uint64_t seed);
extern uint64_t nn_rng_next(NnRng *rng);
extern double nn_rng_uniform(NnRng *rng);
extern double nn_rng_normal(NnRng *rng);

/*
 * A view of a CNHW tensor block: images [n0, n0 + m) of a batch of n,
 * each plane h x w, channel c at data + c * cstride + i * h * w.
 */
typedef struct NnPlanes
{
	float	   *data;			/* first plane of image n0, channel 0 */
	size_t		cstride;		/* n * h * w */
	int			channels;
	int			m;				/* images in the block */
	int			h,
				w;
} NnPlanes;

extern void nn_im2col_pool(const NnPlanes *in, int k, float *cols);
extern void nn_col2im_pool(const float *cols, int k, NnPlanes *out);
extern void nn_pool4_bias(const float *conv, int channels, size_t len,
						  const float *bias, NnPlanes *out, uint8_t *argmax);
extern void nn_pool4_backward(const NnPlanes *dout, const uint8_t *argmax,
							  size_t len, float *dconv);
extern void nn_cnhw_to_rows(const float *in, int n, int c, int hw, float *out);
extern void nn_rows_to_cnhw(const float *in, int n, int c, int hw, float *out);
extern void nn_sum_planes(const float *d, int channels, size_t cstride,
						  size_t count, float *sum);

#endif							/* HACK_CORE_NN_OPS_H */
