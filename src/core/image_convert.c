/*
 * image_convert.c
 *	  Colour conversions of decoded rasters, bit-exact with Pillow 9.4
 *	  (libImaging/Convert.c): what the PNG and JPEG decoders hand over is
 *	  grey, grey + alpha, RGB or RGBA bytes; the network wants 1 or 3
 *	  channels.
 *
 * - RGB to grey is Pillow's convert('L'), ITU-R 601-2 luma
 *   L = R * 299/1000 + G * 587/1000 + B * 114/1000, computed as Pillow
 *   does in 16-bit fixed point: (R*19595 + G*38470 + B*7471 + 0x8000) >> 16.
 * - Grey to RGB repeats the grey value.
 * - Alpha is composited on a white background, per channel, rounded to
 *   nearest: v' = (v*a + 255*(255 - a) + 127) / 255.  A fully transparent
 *   pixel is white, an opaque one is unchanged.  Compositing comes first,
 *   the grey conversion after it.
 * - CMYK to RGB is Pillow's cmyk2rgb: with nk = 255 - K,
 *   R = nk - round(C*nk/255) (and G, B from M, Y), where round is Pillow's
 *   MULDIV255.  Adobe's inverted CMYK is un-inverted first.
 */
#include "image_convert.h"

#include <stdio.h>
#include <stdlib.h>

/* Refuse a picture above max_pixels before anything is allocated for it. */
HackStatus
hack_pixel_limit_check(const char *what, int64_t width, int64_t height,
					   int64_t max_pixels, HackError *err)
{
	char		detail[HACK_MSG_LEN];

	if (width * height <= max_pixels)
		return HACK_OK;
	snprintf(detail, sizeof(detail),
			 "The limit is hack.max_image_pixels = %lld pixels.",
			 (long long) max_pixels);
	return hack_error_set(err, HACK_ERR_LIMIT, detail,
						  "%s image of %lld x %lld pixels (%lld) exceeds the pixel limit",
						  what, (long long) width, (long long) height,
						  (long long) (width * height));
}

/* Pillow's L24: RGB to ITU-R 601-2 luma, rounded. */
uint8_t
hack_luma(uint8_t r, uint8_t g, uint8_t b)
{
	return (uint8_t) ((r * 19595u + g * 38470u + b * 7471u + 0x8000u) >> 16);
}

/* v with alpha a over the white background, rounded to nearest. */
uint8_t
hack_composite(uint8_t v, uint8_t a)
{
	return (uint8_t) ((v * (unsigned) a + HACK_IMAGE_BACKGROUND * (255u - a) + 127u) / 255u);
}

/* Pillow's MULDIV255: a * b / 255, rounded. */
static inline int
muldiv255(int a, int b)
{
	int			t = a * b + 128;

	return ((t >> 8) + t) >> 8;
}

/* n CMYK pixels (inverted: Adobe's polarity, 255 = no ink) to RGB. */
void
hack_cmyk_to_rgb(const uint8_t *cmyk, int n, int inverted, uint8_t *rgb)
{
	for (int i = 0; i < n; i++)
	{
		int			inv = inverted ? 255 : 0;
		int			nk = 255 - (cmyk[4 * i + 3] ^ inv);

		for (int c = 0; c < 3; c++)
		{
			int			v = nk - muldiv255(cmyk[4 * i + c] ^ inv, nk);

			rgb[3 * i + c] = (uint8_t) (v < 0 ? 0 : v > 255 ? 255 : v);
		}
	}
}

/*
 * Convert r in place to channels (1 or 3): composite any alpha on white,
 * then grey to RGB or RGB to grey as needed.
 */
HackStatus
hack_raster_convert(HackRaster *r, int channels, HackError *err)
{
	size_t		n = (size_t) r->width * r->height;
	int			in = r->channels;
	const uint8_t *s = r->pixels;
	uint8_t    *d;

	if (channels != 1 && channels != 3)
		return hack_error_set(err, HACK_ERR_PARAMETER,
							  "PNG and JPEG images decode to 1 (grey) or 3 (RGB) channels.",
							  "a PNG or JPEG image cannot give %d channels", channels);
	if (in < 1 || in > 4)
		return hack_error_set(err, HACK_ERR_INTERNAL, NULL, "raster has %d channels", in);
	if (in == channels)
		return HACK_OK;
	/* the output is never larger per pixel than the input but for grey to RGB */
	if (channels > in)
	{
		d = malloc(n * channels > 0 ? n * channels : 1);
		if (d == NULL)
			return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL, "out of memory converting an image");
	}
	else
		d = r->pixels;
	for (size_t i = 0; i < n; i++)
	{
		uint8_t		rgb[3];

		switch (in)
		{
			case 1:
				rgb[0] = rgb[1] = rgb[2] = s[i];
				break;
			case 2:
				rgb[0] = rgb[1] = rgb[2] = hack_composite(s[2 * i], s[2 * i + 1]);
				break;
			case 3:
				rgb[0] = s[3 * i];
				rgb[1] = s[3 * i + 1];
				rgb[2] = s[3 * i + 2];
				break;
			default:
				rgb[0] = hack_composite(s[4 * i], s[4 * i + 3]);
				rgb[1] = hack_composite(s[4 * i + 1], s[4 * i + 3]);
				rgb[2] = hack_composite(s[4 * i + 2], s[4 * i + 3]);
				break;
		}
		/* in place is safe: pixel i is written at or before where it was read */
		if (channels == 1)
			d[i] = in <= 2 ? rgb[0] : hack_luma(rgb[0], rgb[1], rgb[2]);
		else
		{
			d[3 * i] = rgb[0];
			d[3 * i + 1] = rgb[1];
			d[3 * i + 2] = rgb[2];
		}
	}
	if (d != r->pixels)
	{
		free(r->pixels);
		r->pixels = d;
	}
	r->channels = channels;
	return HACK_OK;
}

/* Free a raster's pixels (safe on a zeroed raster). */
void
hack_raster_free(HackRaster *r)
{
	free(r->pixels);
	r->pixels = NULL;
}
