/*
 * image_resize.c
 *	  Stretch an 8-bit interleaved raster to out_width x out_height with
 *	  Pillow's BILINEAR filter: a port of Pillow 9.4 libImaging/Resample.c
 *	  (precompute_coeffs, normalize_coeffs_8bpc, ImagingResampleHorizontal
 *	  and Vertical_8bpc), so the result is Pillow's to the bit.
 *
 * The filter is the triangle 1 - |x| on [-1, 1].  When shrinking by a
 * factor s > 1 its support is widened to [-s, s] (and its argument divided
 * by s): each output pixel averages every input pixel it covers, which is
 * the antialiasing that naive bilinear interpolation lacks.  Weights are
 * computed in double, normalised to sum to 1, and rounded to 22-bit fixed
 * point; each pass accumulates in 32-bit integers with a rounding half
 * and clips to 0..255.  The horizontal pass runs first, over only the
 * rows the vertical pass reads, into an 8-bit intermediate; a pass whose
 * size does not change is skipped.
 */
#include "image_resize.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PRECISION_BITS (32 - 8 - 2)

/* The coefficients of one direction: per output pixel a first input and a count. */
typedef struct ResizeCoeffs
{
	int			ksize;
	int		   *bounds;			/* [2 * out]: first input, number of inputs */
	int32_t    *kk;				/* [out * ksize] fixed-point weights */
} ResizeCoeffs;

static double
bilinear_filter(double x)
{
	if (x < 0.0)
		x = -x;
	if (x < 1.0)
		return 1.0 - x;
	return 0.0;
}

/* Pillow's precompute_coeffs and normalize_coeffs_8bpc for box (0, in_size). */
static int
precompute_coeffs(int in_size, int out_size, ResizeCoeffs *c)
{
	double		scale = (double) (float) in_size / out_size;
	double		filterscale = scale < 1.0 ? 1.0 : scale;
	double		support = 1.0 * filterscale;
	int			ksize = (int) ceil(support) * 2 + 1;
	double	   *k = malloc(sizeof(double) * ksize);

	c->ksize = ksize;
	c->bounds = malloc(sizeof(int) * 2 * out_size);
	c->kk = malloc(sizeof(int32_t) * (size_t) out_size * ksize);
	if (k == NULL || c->bounds == NULL || c->kk == NULL)
	{
		free(k);
		return 0;
	}
	for (int xx = 0; xx < out_size; xx++)
	{
		double		center = (xx + 0.5) * scale;
		double		ww = 0.0;
		double		ss = 1.0 / filterscale;
		int			xmin = (int) (center - support + 0.5);
		int			xmax = (int) (center + support + 0.5);
		int			x;

		if (xmin < 0)
			xmin = 0;
		if (xmax > in_size)
			xmax = in_size;
		xmax -= xmin;
		for (x = 0; x < xmax; x++)
		{
			double		w = bilinear_filter((x + xmin - center + 0.5) * ss);

			k[x] = w;
			ww += w;
		}
		for (x = 0; x < xmax; x++)
			if (ww != 0.0)
				k[x] /= ww;
		for (; x < ksize; x++)
			k[x] = 0;
		for (x = 0; x < ksize; x++)
			c->kk[(size_t) xx * ksize + x] = k[x] < 0
				? (int32_t) (-0.5 + k[x] * (1 << PRECISION_BITS))
				: (int32_t) (0.5 + k[x] * (1 << PRECISION_BITS));
		c->bounds[2 * xx] = xmin;
		c->bounds[2 * xx + 1] = xmax;
	}
	free(k);
	return 1;
}

static void
coeffs_free(ResizeCoeffs *c)
{
	free(c->bounds);
	free(c->kk);
}

static inline uint8_t
clip8(int32_t v)
{
	if (v >= (1 << PRECISION_BITS << 8))
		return 255;
	if (v <= 0)
		return 0;
	return (uint8_t) (v >> PRECISION_BITS);
}

/*
 * Resize in (width x height x channels, interleaved) into out (out_width x
 * out_height x channels); both sizes at least 1.
 */
HackStatus
hack_resize_bilinear(const uint8_t *in, int width, int height, int channels,
					 uint8_t *out, int out_width, int out_height,
					 HackError *err)
{
	ResizeCoeffs h = {0},
				v = {0};
	int			need_h = out_width != width;
	int			need_v = out_height != height;
	int			yfirst,
				ylast;
	uint8_t    *tmp = NULL;
	const uint8_t *src = in;
	int			C = channels;

	if (!need_h && !need_v)
	{
		memcpy(out, in, (size_t) width * height * C);
		return HACK_OK;
	}
	if (!precompute_coeffs(width, out_width, &h) ||
		!precompute_coeffs(height, out_height, &v))
	{
		coeffs_free(&h);
		coeffs_free(&v);
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL, "out of memory resizing an image");
	}
	yfirst = v.bounds[0];
	ylast = v.bounds[2 * out_height - 2] + v.bounds[2 * out_height - 1];
	if (need_h)
	{
		uint8_t    *dst;

		if (need_v)
		{
			for (int i = 0; i < out_height; i++)
				v.bounds[2 * i] -= yfirst;
			tmp = malloc((size_t) out_width * (ylast - yfirst) * C);
			if (tmp == NULL)
			{
				coeffs_free(&h);
				coeffs_free(&v);
				return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL, "out of memory resizing an image");
			}
			dst = tmp;
		}
		else
		{
			yfirst = 0;
			ylast = height;
			dst = out;
		}
		for (int y = yfirst; y < ylast; y++)
		{
			const uint8_t *row = in + (size_t) y * width * C;
			uint8_t    *o = dst + (size_t) (y - yfirst) * out_width * C;

			for (int xx = 0; xx < out_width; xx++)
			{
				int			xmin = h.bounds[2 * xx],
							xmax = h.bounds[2 * xx + 1];
				const int32_t *k = h.kk + (size_t) xx * h.ksize;

				for (int c = 0; c < C; c++)
				{
					int32_t		ss = 1 << (PRECISION_BITS - 1);
					const uint8_t *p = row + (size_t) xmin * C + c;

					for (int x = 0; x < xmax; x++)
						ss += p[x * C] * k[x];
					o[xx * C + c] = clip8(ss);
				}
			}
		}
		src = tmp;
	}
	if (need_v)
	{
		int			w = need_h ? out_width : width;
		size_t		stride = (size_t) w * C;

		for (int yy = 0; yy < out_height; yy++)
		{
			int			ymin = v.bounds[2 * yy],
						ymax = v.bounds[2 * yy + 1];
			const int32_t *k = v.kk + (size_t) yy * v.ksize;
			uint8_t    *o = out + (size_t) yy * stride;

			for (size_t i = 0; i < stride; i++)
			{
				int32_t		ss = 1 << (PRECISION_BITS - 1);
				const uint8_t *p = src + (size_t) ymin * stride + i;

				for (int y = 0; y < ymax; y++)
					ss += p[y * stride] * k[y];
				o[i] = clip8(ss);
			}
		}
	}
	free(tmp);
	coeffs_free(&h);
	coeffs_free(&v);
	return HACK_OK;
}
