/*
 * nn_conv.c
 *	  im2col and col2im of convolutions with zero padding and a stride.
 *
 * The lowering of nn_ops.c without the pooling order: row (c*k + ky)*k + kx
 * of the column matrix holds, for image i of the block and output pixel
 * (oy, ox), input pixel (oy*s + ky - pad, ox*s + kx - pad) of channel c, or
 * 0 where that falls in the padding; column i*oh*ow + oy*ow + ox.  One
 * sgemm W[cout x K] cols[K x m*oh*ow] then writes the block's outputs as
 * each channel's planes of consecutive images, the CNHW layout.  col2im is
 * the adjoint, adding every column entry back onto its input pixel.
 */
#include "nn_ops.h"

#include <string.h>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize ("O3")
#endif

/* Output pixels ox in [lo, hi) whose input ox*s + off lies in [0, w). */
static void
valid_range(int ow, int s, int off, int w, int *lo, int *hi)
{
	int			a = 0,
				b = ow;

	while (a < ow && a * s + off < 0)
		a++;
	while (b > a && (b - 1) * s + off >= w)
		b--;
	*lo = a;
	*hi = b;
}

/* im2col of a padded, strided k x k convolution over the images of in. */
void
nn_im2col_pad(const NnPlanes *in, int k, int stride, int pad, int oh, int ow,
			  float *cols)
{
	size_t		plane = (size_t) in->h * in->w;
	size_t		P = (size_t) oh * ow;

	for (int c = 0; c < in->channels; c++)
		for (int ky = 0; ky < k; ky++)
			for (int kx = 0; kx < k; kx++)
			{
				float	   *row = cols + ((size_t) (c * k + ky) * k + kx) * in->m * P;
				int			lo,
							hi;

				valid_range(ow, stride, kx - pad, in->w, &lo, &hi);
				for (int i = 0; i < in->m; i++)
				{
					const float *src = in->data + c * in->cstride + i * plane;

					for (int oy = 0; oy < oh; oy++)
					{
						float	   *d = row + i * P + (size_t) oy * ow;
						int			iy = oy * stride + ky - pad;
						const float *s;

						if (iy < 0 || iy >= in->h || lo >= hi)
						{
							memset(d, 0, sizeof(float) * ow);
							continue;
						}
						for (int ox = 0; ox < lo; ox++)
							d[ox] = 0.0f;
						s = src + (size_t) iy * in->w + kx - pad;
						if (stride == 1)
							memcpy(d + lo, s + lo, sizeof(float) * (hi - lo));
						else
							for (int ox = lo; ox < hi; ox++)
								d[ox] = s[ox * stride];
						for (int ox = hi; ox < ow; ox++)
							d[ox] = 0.0f;
					}
				}
			}
}

/*
 * Adjoint of nn_im2col_pad: out += every column entry at its input pixel;
 * out's planes are zeroed first unless accumulate.
 */
void
nn_col2im_pad(const float *cols, int k, int stride, int pad, int oh, int ow,
			  NnPlanes *out, bool accumulate)
{
	size_t		plane = (size_t) out->h * out->w;
	size_t		P = (size_t) oh * ow;

	if (!accumulate)
		for (int c = 0; c < out->channels; c++)
			memset(out->data + c * out->cstride, 0, sizeof(float) * plane * out->m);
	for (int c = 0; c < out->channels; c++)
		for (int ky = 0; ky < k; ky++)
			for (int kx = 0; kx < k; kx++)
			{
				const float *row = cols + ((size_t) (c * k + ky) * k + kx) * out->m * P;
				int			lo,
							hi;

				valid_range(ow, stride, kx - pad, out->w, &lo, &hi);
				for (int i = 0; i < out->m; i++)
				{
					float	   *dst = out->data + c * out->cstride + i * plane;

					for (int oy = 0; oy < oh; oy++)
					{
						const float *s = row + i * P + (size_t) oy * ow;
						int			iy = oy * stride + ky - pad;
						float	   *d;

						if (iy < 0 || iy >= out->h)
							continue;
						d = dst + (size_t) iy * out->w + kx - pad;
						if (stride == 1)
							for (int ox = lo; ox < hi; ox++)
								d[ox] += s[ox];
						else
							for (int ox = lo; ox < hi; ox++)
								d[ox * stride] += s[ox];
					}
				}
			}
}
