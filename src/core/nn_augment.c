/*
 * nn_augment.c
 *	  Input normalisation statistics and seeded data augmentation.
 *
 * Augmentation follows torchvision's RandomResizedCrop and
 * RandomHorizontalFlip: a crop of area fraction s ~ U[min_scale, 1] and
 * aspect ratio r (log-uniform in [3/4, 4/3]) at a uniform position,
 * resized back to h x w bilinearly (pixel centres aligned), then mirrored
 * with probability 1/2 (min_scale >= 1 turns the crop off entirely,
 * aspect ratio included).  Draws come only from the caller's seeded NnRng,
 * four per image, so a seed fixes every view.
 */
#include "nn_augment.h"

#include <math.h>
#include <string.h>

/* Set the normalisation (per-channel mean and standard deviation). */
HackStatus
nn_set_normalisation(NnModel *m, const float *mean, const float *std,
					 HackError *err)
{
	for (int c = 0; c < m->cfg.channels; c++)
		if (!isfinite(mean[c]) || !(std[c] > 0.0f) || !isfinite(std[c]))
			return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
								  "normalisation of channel %d needs a finite mean and a positive finite standard deviation",
								  c + 1);
	for (int c = 0; c < m->cfg.channels; c++)
	{
		m->mean[c] = mean[c];
		m->std[c] = std[c];
	}
	return HACK_OK;
}

/*
 * The deviation that normalise => 'none' stores (with mean 0): hack_image_decode
 * gives u8, PNG and JPEG pixels as 0..255, and the reference feeds torchvision's
 * ToTensor() output, pixels / 255 in [0, 1]; f32 and npy values are taken
 * as stored.  Keeping it in the stored mean and deviation leaves the weight
 * blob's format as it was and makes every later embedding apply it.
 */
float
nn_raw_scale(HackImageFormat format)
{
	return format == HACK_IMAGE_U8 || format == HACK_IMAGE_PNG ||
		format == HACK_IMAGE_JPEG ? 255.0f : 1.0f;
}

/* Store normalise => 'none': mean 0 and nn_raw_scale(format) per channel. */
HackStatus
nn_set_raw_normalisation(NnModel *m, HackImageFormat format, HackError *err)
{
	float		mean[NN_MAX_CHANNELS] = {0};
	float		sd[NN_MAX_CHANNELS];

	for (int c = 0; c < m->cfg.channels; c++)
		sd[c] = nn_raw_scale(format);
	return nn_set_normalisation(m, mean, sd, err);
}

/*
 * Does the model hold what nn_set_raw_normalisation stores?  Read off the
 * network, not the arguments, since resume keeps the stored normalisation.
 */
bool
nn_normalisation_is_raw(const NnModel *m, HackImageFormat format)
{
	for (int c = 0; c < m->cfg.channels; c++)
		if (m->mean[c] != 0.0f || m->std[c] != nn_raw_scale(format))
			return false;
	return true;
}

/*
 * Measure the per-channel mean and standard deviation of n raw NCHW
 * training images and store them in the model (a constant channel gets
 * standard deviation 1, so it maps to zero instead of dividing by 0).
 */
HackStatus
nn_fit_normalisation(NnModel *m, const float *x, size_t n, HackError *err)
{
	int			C = m->cfg.channels;
	size_t		hw = (size_t) m->cfg.height * m->cfg.width;
	float		mean[NN_MAX_CHANNELS],
				sd[NN_MAX_CHANNELS];

	if (n < 1)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "normalisation needs at least one image");
	for (int c = 0; c < C; c++)
	{
		double		s = 0.0,
					s2 = 0.0,
					mu,
					var;
		size_t		cnt = n * hw;

		for (size_t i = 0; i < n; i++)
		{
			const float *p = x + (i * C + c) * hw;

			for (size_t j = 0; j < hw; j++)
				s += p[j];
		}
		mu = s / cnt;
		for (size_t i = 0; i < n; i++)
		{
			const float *p = x + (i * C + c) * hw;

			for (size_t j = 0; j < hw; j++)
				s2 += (p[j] - mu) * (p[j] - mu);
		}
		var = s2 / cnt;
		mean[c] = (float) mu;
		sd[c] = var > 1e-12 ? (float) sqrt(var) : 1.0f;
	}
	return nn_set_normalisation(m, mean, sd, err);
}

/* Bilinear sample of plane p (h x w) at (y, x), clamped to the edges. */
static float
bilinear(const float *p, int h, int w, double y, double x)
{
	int			y0,
				x0,
				y1,
				x1;
	double		fy,
				fx;

	if (y < 0)
		y = 0;
	if (x < 0)
		x = 0;
	if (y > h - 1)
		y = h - 1;
	if (x > w - 1)
		x = w - 1;
	y0 = (int) y;
	x0 = (int) x;
	y1 = y0 + 1 < h ? y0 + 1 : y0;
	x1 = x0 + 1 < w ? x0 + 1 : x0;
	fy = y - y0;
	fx = x - x0;
	return (float) ((1 - fy) * ((1 - fx) * p[y0 * w + x0] + fx * p[y0 * w + x1]) +
					fy * ((1 - fx) * p[y1 * w + x0] + fx * p[y1 * w + x1]));
}

/* Write one augmented view of each of n NCHW images to out. */
void
nn_augment(const float *x, float *out, size_t n, int c, int h, int w,
		   const NnAugment *opt, NnRng *rng)
{
	size_t		hw = (size_t) h * w;

	for (size_t i = 0; i < n; i++)
	{
		double		s = opt->min_scale + (1.0 - opt->min_scale) * nn_rng_uniform(rng);
		double		r = exp(log(0.75) + (log(4.0 / 3.0) - log(0.75)) * nn_rng_uniform(rng));
		double		cw = sqrt(s * r) * w;
		double		ch = sqrt(s / r) * h;
		double		ux = nn_rng_uniform(rng);
		double		uy = nn_rng_uniform(rng);
		bool		flip = opt->flip && (nn_rng_next(rng) & 1);
		double		x0,
					y0;

		if (opt->min_scale >= 1.0)
			cw = w, ch = h;		/* no crop at all */
		if (cw > w)
			cw = w;
		if (ch > h)
			ch = h;
		x0 = ux * (w - cw);
		y0 = uy * (h - ch);
		for (int k = 0; k < c; k++)
		{
			const float *src = x + (i * c + k) * hw;
			float	   *dst = out + (i * c + k) * hw;

			for (int yy = 0; yy < h; yy++)
				for (int xx = 0; xx < w; xx++)
				{
					int			sx = flip ? w - 1 - xx : xx;
					double		fy = y0 + (yy + 0.5) * ch / h - 0.5;
					double		fx = x0 + (sx + 0.5) * cw / w - 0.5;

					dst[yy * w + xx] = bilinear(src, h, w, fy, fx);
				}
		}
	}
}
