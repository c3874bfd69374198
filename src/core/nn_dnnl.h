/*
 * nn_dnnl.h
 *	  The padded, strided convolutions of the encoder (NN_LAYER_CONV) on
 *	  oneDNN, one part of a batch at a time.
 *
 * Chosen by measurement (doc/encoder.md, "Kernels"): for resnet20's layer
 * shapes oneDNN's direct convolutions run at 2-4x the speed of the
 * im2col + OpenBLAS sgemm lowering they replace.  Activations are NHWC
 * (one image after another, the channels of a pixel together), which
 * oneDNN's kernels read and write as they are; the weights stay OIHW,
 * PyTorch's order and the stored blob's, and are reordered into the
 * kernels' blocked format on each call (a few hundred KB).
 *
 * Each call runs on the calling thread only (the engine's threads each
 * run their own parts), so results are the same on any number of threads.
 * The primitives of a layer are built on first use for a part of n images
 * and kept in *kernel until n changes; nn_conv_kernel_free releases them.
 */
#ifndef HACK_CORE_NN_DNNL_H
#define HACK_CORE_NN_DNNL_H

#include <stdbool.h>

#include "nn_model.h"
#include "status.h"

typedef struct NnConvKernel NnConvKernel;

/*
 * dst = conv(src, W) for n NHWC images; with bias (the folded BatchNorm's
 * shift, inference only) dst = conv + bias, plus dst's own values when
 * accumulate (a residual add), then the ReLU if relu.
 */
extern HackStatus nn_conv_forward(NnConvKernel **kernel, const NnLayer *l, int n,
								  const float *src, const float *W,
								  const float *bias, bool accumulate, bool relu,
								  float *dst, HackError *err);

/*
 * dW = the weights' gradient (overwritten, OIHW) and, unless dsrc is NULL,
 * dsrc = the input's gradient, both from ddst, for n NHWC images.
 */
extern HackStatus nn_conv_backward(NnConvKernel **kernel, const NnLayer *l, int n,
								   const float *src, const float *W,
								   const float *ddst, float *dW, float *dsrc,
								   HackError *err);

extern void nn_conv_kernel_free(NnConvKernel *kernel);

#endif							/* HACK_CORE_NN_DNNL_H */
