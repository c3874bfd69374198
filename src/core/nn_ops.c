/*
 * nn_ops.c
 *	  Tensor kernels of the encoder network (see nn_ops.h for layouts).
 *
 * The convolutions are lowered to one sgemm per block of images: im2col
 * copies every k x k window of the block into a column of a K x (m*P)
 * matrix (K = cin*k*k, P = output pixels per image), in row-major order so
 * that each row is m*P consecutive floats that sgemm streams through.
 * The columns are ordered for the 2x2 max-pool that always follows (see
 * nn_im2col_pool), which turns pooling and its backward pass into
 * elementwise loops over contiguous arrays.  col2im is the adjoint of
 * im2col: it adds each column back into the window it came from.
 */
#include "nn_ops.h"

#include "rng.h"

#include <math.h>
#include <string.h>

/*
 * The kernels below are simple loops written so that the compiler can
 * vectorise them; let GCC do so (PGXS builds at -O2) and, on x86-64,
 * also emit an AVX2 clone picked at load time.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize ("O3")
#endif
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define NN_KERNEL __attribute__((target_clones("avx2", "default")))
#else
#define NN_KERNEL
#endif


/* Seed the generator; different seeds give unrelated streams. */
void
nn_rng_seed(NnRng *rng, uint64_t seed)
{
	rng->state = seed ^ 0x6A09E667F3BCC909ULL;
}

/* SplitMix64 (rng.h). */
uint64_t
nn_rng_next(NnRng *rng)
{
	return hack_rng_next(&rng->state);
}

/* Uniform in [0, 1) with 53 random bits. */
double
nn_rng_uniform(NnRng *rng)
{
	return hack_rng_uniform(&rng->state);
}

/* Standard normal (rng.h). */
double
nn_rng_normal(NnRng *rng)
{
	return hack_rng_normal(&rng->state);
}

/* d0[x] = s[2x], d1[x] = s[2x + 1] for x < n */
static inline void
deinterleave(float *restrict d0, float *restrict d1, const float *restrict s,
			 int n)
{
	for (int x = 0; x < n; x++)
	{
		d0[x] = s[2 * x];
		d1[x] = s[2 * x + 1];
	}
}

/* d[2x] += s0[x], d[2x + 1] += s1[x] for x < n */
static inline void
interleave_add(float *restrict d, const float *restrict s0,
			   const float *restrict s1, int n)
{
	for (int x = 0; x < n; x++)
	{
		d[2 * x] += s0[x];
		d[2 * x + 1] += s1[x];
	}
}

/*
 * im2col for a valid (unpadded, stride 1) convolution followed by a 2x2
 * max-pool, with the columns in pooling order: column
 *	q * (m*ph*pw) + i * ph*pw + py * pw + px,	q = 2 dy + dx
 * holds the window of output pixel (2 py + dy, 2 px + dx) of image i, and
 * row (c*k + ky)*k + kx its input channel c at offset (ky, kx).  The sgemm
 * then writes each channel's outputs as four contiguous blocks, one per
 * position in the pooling window, so pooling is an elementwise max of four
 * arrays and lands directly in the pooled layout.  Output pixels no pool
 * window covers (last row or column of an odd side) are never computed.
 */
NN_KERNEL void
nn_im2col_pool(const NnPlanes *in, int k, float *cols)
{
	int			ph = (in->h - k + 1) / 2;
	int			pw = (in->w - k + 1) / 2;
	size_t		plane = (size_t) in->h * in->w;
	size_t		block = (size_t) in->m * ph * pw;

	for (int c = 0; c < in->channels; c++)
		for (int ky = 0; ky < k; ky++)
			for (int kx = 0; kx < k; kx++)
			{
				float	   *row = cols + ((size_t) (c * k + ky) * k + kx) * 4 * block;

				/* blocks 2 dy and 2 dy + 1 split one run of 2 pw inputs */
				for (int dy = 0; dy < 2; dy++)
				{
					float	   *d0 = row + 2 * dy * block;
					float	   *d1 = d0 + block;
					const float *src = in->data + c * in->cstride +
						(size_t) (ky + dy) * in->w + kx;

					for (int i = 0; i < in->m; i++, src += plane)
						for (int y = 0; y < ph; y++, d0 += pw, d1 += pw)
							deinterleave(d0, d1, src + (size_t) (2 * y) * in->w, pw);
				}
			}
}

/* Adjoint of nn_im2col_pool: out (zeroed first) += every column at its window. */
NN_KERNEL void
nn_col2im_pool(const float *cols, int k, NnPlanes *out)
{
	int			ph = (out->h - k + 1) / 2;
	int			pw = (out->w - k + 1) / 2;
	size_t		plane = (size_t) out->h * out->w;
	size_t		block = (size_t) out->m * ph * pw;

	for (int c = 0; c < out->channels; c++)
		memset(out->data + c * out->cstride, 0, sizeof(float) * plane * out->m);
	for (int c = 0; c < out->channels; c++)
		for (int ky = 0; ky < k; ky++)
			for (int kx = 0; kx < k; kx++)
			{
				const float *row = cols + ((size_t) (c * k + ky) * k + kx) * 4 * block;

				for (int dy = 0; dy < 2; dy++)
				{
					const float *s0 = row + 2 * dy * block;
					const float *s1 = s0 + block;
					float	   *dst = out->data + c * out->cstride +
						(size_t) (ky + dy) * out->w + kx;

					for (int i = 0; i < out->m; i++, dst += plane)
						for (int y = 0; y < ph; y++, s0 += pw, s1 += pw)
							interleave_add(dst + (size_t) (2 * y) * out->w, s0, s1, pw);
				}
			}
}

/*
 * Max-pool of a convolution output in pooling order (see nn_im2col_pool):
 * for each channel, the elementwise max of its four blocks of len values,
 * plus the channel's bias (adding it after the max is the same, and four
 * times cheaper).  argmax, laid out like out, records the winning block
 * 0..3 for the backward pass; ties go to the earlier block.
 */
NN_KERNEL void
nn_pool4_bias(const float *conv, int channels, size_t len, const float *bias,
			  NnPlanes *out, uint8_t *argmax)
{
	for (int c = 0; c < channels; c++)
	{
		const float *restrict a0 = conv + (size_t) c * 4 * len;
		const float *restrict a1 = a0 + len;
		const float *restrict a2 = a1 + len;
		const float *restrict a3 = a2 + len;
		float	   *restrict dst = out->data + c * out->cstride;
		uint8_t    *restrict am = argmax + c * out->cstride;
		float		b = bias[c];

		for (size_t j = 0; j < len; j++)
		{
			float		m01 = a1[j] > a0[j] ? a1[j] : a0[j];
			float		m23 = a3[j] > a2[j] ? a3[j] : a2[j];
			float		v = m23 > m01 ? m23 : m01;
			int			n0 = a0[j] != v;
			int			n1 = n0 & (a1[j] != v);
			int			n2 = n1 & (a2[j] != v);

			/* branch-free so it vectorises: first block equal to the max */
			dst[j] = v + b;
			am[j] = (uint8_t) (n0 + n1 + n2);
		}
	}
}

/* Route each pooled gradient to the block that won; dconv in pooling order. */
NN_KERNEL void
nn_pool4_backward(const NnPlanes *dout, const uint8_t *argmax, size_t len,
				  float *dconv)
{
	for (int c = 0; c < dout->channels; c++)
	{
		const float *restrict g = dout->data + c * dout->cstride;
		const uint8_t *restrict am = argmax + c * dout->cstride;

		for (int q = 0; q < 4; q++)
		{
			float	   *restrict d = dconv + ((size_t) c * 4 + q) * len;

			for (size_t j = 0; j < len; j++)
				d[j] = am[j] == q ? g[j] : 0.0f;
		}
	}
}

/* CNHW -> rows of c*hw features per image (PyTorch's flatten order). */
void
nn_cnhw_to_rows(const float *in, int n, int c, int hw, float *out)
{
	for (int ch = 0; ch < c; ch++)
		for (int i = 0; i < n; i++)
			memcpy(out + (size_t) i * c * hw + (size_t) ch * hw,
				   in + ((size_t) ch * n + i) * hw, sizeof(float) * hw);
}

/* Inverse of nn_cnhw_to_rows. */
void
nn_rows_to_cnhw(const float *in, int n, int c, int hw, float *out)
{
	for (int ch = 0; ch < c; ch++)
		for (int i = 0; i < n; i++)
			memcpy(out + ((size_t) ch * n + i) * hw,
				   in + (size_t) i * c * hw + (size_t) ch * hw, sizeof(float) * hw);
}

/* sum[c] = sum of the count floats of channel c (bias gradients). */
void
nn_sum_planes(const float *d, int channels, size_t cstride, size_t count,
			  float *sum)
{
	for (int c = 0; c < channels; c++)
	{
		const float *p = d + c * cstride;
		double		s = 0.0;

		for (size_t j = 0; j < count; j++)
			s += p[j];
		sum[c] = (float) s;
	}
}
