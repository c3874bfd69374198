/*
 * nn_ops.c
 *	  Tensor kernels of the encoder network (see nn_ops.h for layouts).
 *
 * The convolutions are lowered to one sgemm per block of images: im2col
 * copies every k x k window of the block into a column of a K x (m*P)
 * matrix (K = cin*k*k, P = output pixels per image), in row-major order so
 * that each row is m*P consecutive floats that sgemm streams through.
 * Rows are filled by memcpy of whole output rows (ow floats), which is
 * what makes im2col cheap next to the sgemm it feeds.  col2im is its
 * adjoint: it adds each column back into the window it came from.
 */
#include "nn_ops.h"

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

/* dst[0..n) = src[0..n), for the short rows of im2col */
static inline void
copy_row(float *restrict dst, const float *restrict src, int n)
{
	for (int i = 0; i < n; i++)
		dst[i] = src[i];
}

/* Seed the generator; different seeds give unrelated streams. */
void
nn_rng_seed(NnRng *rng, uint64_t seed)
{
	rng->state = seed ^ 0x6A09E667F3BCC909ULL;
}

/* SplitMix64 (Steele, Lea, Flood 2014). */
uint64_t
nn_rng_next(NnRng *rng)
{
	uint64_t	z = (rng->state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1) with 53 random bits. */
double
nn_rng_uniform(NnRng *rng)
{
	return (nn_rng_next(rng) >> 11) * 0x1.0p-53;
}

/* Standard normal by Box-Muller (one draw per call, for simplicity). */
double
nn_rng_normal(NnRng *rng)
{
	double		u = nn_rng_uniform(rng);
	double		v = nn_rng_uniform(rng);

	return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

/*
 * cols[(c*k + ky)*k + kx][i*P + y*ow + x] = in[c][i][y + ky][x + kx]
 * for a valid (unpadded, stride 1) convolution: oh = h - k + 1.
 */
NN_KERNEL void
nn_im2col(const NnPlanes *in, int k, float *cols)
{
	int			oh = in->h - k + 1;
	int			ow = in->w - k + 1;
	size_t		plane = (size_t) in->h * in->w;
	size_t		rowlen = (size_t) in->m * oh * ow;

	for (int c = 0; c < in->channels; c++)
		for (int ky = 0; ky < k; ky++)
			for (int kx = 0; kx < k; kx++)
			{
				float	   *dst = cols + ((size_t) (c * k + ky) * k + kx) * rowlen;
				const float *src = in->data + c * in->cstride + (size_t) ky * in->w + kx;

				for (int i = 0; i < in->m; i++, src += plane)
					for (int y = 0; y < oh; y++, dst += ow)
						copy_row(dst, src + (size_t) y * in->w, ow);
			}
}

/* Adjoint of nn_im2col: out (zeroed first) += every column at its window. */
NN_KERNEL void
nn_col2im(const float *cols, int k, NnPlanes *out)
{
	int			oh = out->h - k + 1;
	int			ow = out->w - k + 1;
	size_t		plane = (size_t) out->h * out->w;
	size_t		rowlen = (size_t) out->m * oh * ow;

	for (int c = 0; c < out->channels; c++)
		memset(out->data + c * out->cstride, 0, sizeof(float) * plane * out->m);
	for (int c = 0; c < out->channels; c++)
		for (int ky = 0; ky < k; ky++)
			for (int kx = 0; kx < k; kx++)
			{
				const float *src = cols + ((size_t) (c * k + ky) * k + kx) * rowlen;
				float	   *dst = out->data + c * out->cstride + (size_t) ky * out->w + kx;

				for (int i = 0; i < out->m; i++, dst += plane)
					for (int y = 0; y < oh; y++, src += ow)
					{
						float	   *d = dst + (size_t) y * out->w;

						for (int x = 0; x < ow; x++)
							d[x] += src[x];
					}
			}
}

/*
 * 2x2 max-pool with stride 2 of a contiguous [channels][m][h][w] block,
 * plus a per-channel bias (adding it after the max is the same as before,
 * and four times cheaper).  argmax (laid out like out) records which of
 * the four inputs won, 0..3, for the backward pass; ties go to the
 * earlier one.
 */
NN_KERNEL void
nn_maxpool2_bias(const float *conv, int channels, int m, int h, int w,
				 const float *bias, NnPlanes *out, uint8_t *argmax)
{
	int			ph = h / 2;
	int			pw = w / 2;

	for (int c = 0; c < channels; c++)
	{
		float		b = bias[c];

		for (int i = 0; i < m; i++)
		{
			const float *src = conv + ((size_t) c * m + i) * h * w;
			size_t		o = c * out->cstride + (size_t) i * ph * pw;
			float	   *restrict dst = out->data + o;
			uint8_t    *restrict am = argmax + o;

			for (int y = 0; y < ph; y++)
			{
				const float *restrict r0 = src + (size_t) (2 * y) * w;
				const float *restrict r1 = r0 + w;

				/* branch-free, so it vectorises */
				for (int x = 0; x < pw; x++)
				{
					float		a0 = r0[2 * x],
								a1 = r0[2 * x + 1],
								a2 = r1[2 * x],
								a3 = r1[2 * x + 1];
					float		m01 = a1 > a0 ? a1 : a0;
					float		m23 = a3 > a2 ? a3 : a2;
					int			i01 = a1 > a0 ? 1 : 0;
					int			i23 = a3 > a2 ? 3 : 2;

					dst[y * pw + x] = (m23 > m01 ? m23 : m01) + b;
					am[y * pw + x] = (uint8_t) (m23 > m01 ? i23 : i01);
				}
			}
		}
	}
}

/* Route each pooled gradient to the input that won; dconv is contiguous. */
NN_KERNEL void
nn_maxpool2_backward(const NnPlanes *dout, const uint8_t *argmax, int h, int w,
					 float *dconv)
{
	int			ph = h / 2;
	int			pw = w / 2;

	memset(dconv, 0, sizeof(float) * (size_t) dout->channels * dout->m * h * w);
	for (int c = 0; c < dout->channels; c++)
		for (int i = 0; i < dout->m; i++)
		{
			size_t		o = c * dout->cstride + (size_t) i * ph * pw;
			const float *src = dout->data + o;
			const uint8_t *am = argmax + o;
			float	   *dst = dconv + ((size_t) c * dout->m + i) * h * w;

			for (int y = 0; y < ph; y++)
				for (int x = 0; x < pw; x++)
				{
					uint8_t		a = am[y * pw + x];

					dst[(2 * y + (a >> 1)) * w + 2 * x + (a & 1)] = src[y * pw + x];
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
