/*
 * fuzz_png.c
 *	  libFuzzer target for PNG decoding (image_png_decode.c, then image_convert.c
 *	  and image_resize.c through hack_image_decode with format 'png').
 *
 * Byte 0 chooses the output shape: channels 1 or 3 (bit 7), height and
 * width - 1 (bits 3-6 and 0-2, so up to 16 x 8); the rest is the file.
 * The pixel limit is 2^18, so bombs are refused quickly.  Properties: the
 * decoder either succeeds, with a raster of 1 to 4 channels within the
 * limit whose dimensions the dispatcher then resizes from, or fails with
 * 22P03 (corrupt) or 54000 (over the limit) and a message; a success of
 * the dispatcher gives every pixel an integer in 0..255; the dispatcher
 * and the decoder agree on success; nothing leaks (ASan) on any path.
 */
#include "fuzz.h"

#include <math.h>

#include "image_convert.h"
#include "image_png_decode.h"
#include "tensor.h"

#define FUZZ_MAX_PIXELS (1 << 18)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
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

	st = hack_png_decode(blob, len, FUZZ_MAX_PIXELS, &r, &err);
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
	st2 = hack_image_decode(blob, len, HACK_IMAGE_PNG, &shape, FUZZ_MAX_PIXELS, out, &err);
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
