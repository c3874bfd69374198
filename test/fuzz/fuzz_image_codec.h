/*
 * fuzz_image_codec.h
 *	  The body shared by the image decoder targets (fuzz_png.c, fuzz_jpeg.c):
 *	  the decoder alone, then hack_image_decode with the decoder's format.
 */
#ifndef FUZZ_IMAGE_CODEC_H
#define FUZZ_IMAGE_CODEC_H

#include "fuzz.h"

#include <math.h>

#include "image_convert.h"
#include "tensor.h"

#define FUZZ_MAX_PIXELS (1 << 18)

/*
 * One input through one decoder (png or jpeg) and the dispatcher with its
 * format: the properties of the header comment of fuzz_png.c/fuzz_jpeg.c.
 */
static int
fuzz_image_codec(const uint8_t *data, size_t size,
				 HackStatus (*decode) (const uint8_t *, size_t, int64_t,
									   HackRaster *, HackError *),
				 HackImageFormat format)
{
	HackImageShape shape;
	HackError	err;
	HackStatus	st,
				st2;
	HackRaster	r;
	uint8_t    *blob;
	size_t		len,
				n;
	float	   *out;

	if (size < 1)
		return 0;
	shape.channels = (data[0] & 0x80) ? 3 : 1;
	shape.height = 1 + ((data[0] >> 3) & 15);
	shape.width = 1 + (data[0] & 7);
	n = (size_t) shape.channels * shape.height * shape.width;
	len = size - 1;
	blob = fuzz_copy(data + 1, len);

	st = decode(blob, len, FUZZ_MAX_PIXELS, &r, &err);
	if (st == HACK_OK)
	{
		FUZZ_ASSERT(r.pixels != NULL);
		FUZZ_ASSERT(r.width >= 1 && r.height >= 1);
		FUZZ_ASSERT((int64_t) r.width * r.height <= FUZZ_MAX_PIXELS);
		FUZZ_ASSERT(r.channels >= 1 && r.channels <= 4);
		/* every byte of the raster is readable (ASan checks the extent) */
		{
			unsigned	sum = 0;

			for (size_t i = 0; i < (size_t) r.width * r.height * r.channels; i++)
				sum += r.pixels[i];
			(void) sum;
		}
		hack_raster_free(&r);
	}
	else
	{
		fuzz_check_error(st, &err, HACK_ERR_BINARY, HACK_ERR_LIMIT, HACK_ERR_BINARY);
		FUZZ_ASSERT(r.pixels == NULL);
	}

	out = malloc(sizeof(float) * n);
	st2 = hack_image_decode(blob, len, format, &shape, FUZZ_MAX_PIXELS, out, &err);
	FUZZ_ASSERT((st2 == HACK_OK) == (st == HACK_OK));
	if (st2 == HACK_OK)
		for (size_t i = 0; i < n; i++)
			FUZZ_ASSERT(out[i] >= 0 && out[i] <= 255 && out[i] == floorf(out[i]));
	else
		FUZZ_ASSERT(st2 == st);
	free(out);
	free(blob);
	return 0;
}

#endif							/* FUZZ_IMAGE_CODEC_H */
