/*
 * fuzz_image_raw.c
 *	  libFuzzer target for raw uint8 and float32 image decoding
 *	  (tensor.c: hack_image_decode with the u8, f32 and auto formats).
 *
 * Byte 0 chooses the format (bits 6-7: auto, u8, f32, f32) and the image
 * shape (channels, height and width - 1 in bits 4-5, 2-3 and 0-1); the
 * rest is the blob.  Properties: a raw blob decodes if and only if its
 * length is exactly C*H*W (u8) or 4*C*H*W (f32) bytes and, for f32, every
 * value is finite; decoded pixels equal the input bytes or floats, in the
 * exact-size output buffer; auto picks f32 for 4*C*H*W bytes, else u8
 * (blobs that start with the .npy, PNG or JPEG magic are left to
 * fuzz_npy.c, fuzz_png.c and fuzz_jpeg.c).
 */
#include "fuzz.h"

#include <math.h>

#include "tensor.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const HackImageFormat formats[4] = {
		HACK_IMAGE_AUTO, HACK_IMAGE_U8, HACK_IMAGE_F32, HACK_IMAGE_F32
	};
	HackImageShape shape;
	HackImageFormat format;
	HackError	err;
	HackStatus	st;
	uint8_t    *blob;
	size_t		len,
				n;
	float	   *out;
	int			f32,
				finite = 1;

	if (size < 1)
		return 0;
	format = formats[data[0] >> 6];
	shape.channels = 1 + ((data[0] >> 4) & 3);
	shape.height = 1 + ((data[0] >> 2) & 3);
	shape.width = 1 + (data[0] & 3);
	n = (size_t) shape.channels * shape.height * shape.width;
	len = size - 1;
	blob = fuzz_copy(data + 1, len);
	if (format == HACK_IMAGE_AUTO &&
		hack_image_detect(blob, len, &shape) != HACK_IMAGE_U8 &&
		hack_image_detect(blob, len, &shape) != HACK_IMAGE_F32)
	{
		/* .npy, PNG and JPEG blobs are fuzz_npy.c's, fuzz_png.c's, fuzz_jpeg.c's */
		free(blob);
		return 0;
	}
	f32 = format == HACK_IMAGE_F32 || (format == HACK_IMAGE_AUTO && len == 4 * n);
	if (f32 && len == 4 * n)
		for (size_t i = 0; i < n; i++)
		{
			float		v;

			memcpy(&v, blob + 4 * i, 4);
			finite &= isfinite(v) != 0;
		}

	out = malloc(sizeof(float) * n);
	st = hack_image_decode(blob, len, format, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err);
	if (len == (f32 ? 4 * n : n) && finite)
	{
		FUZZ_ASSERT(st == HACK_OK);
		for (size_t i = 0; i < n; i++)
		{
			float		v;

			if (f32)
				memcpy(&v, blob + 4 * i, 4);
			else
				v = blob[i];
			FUZZ_ASSERT(memcmp(&v, &out[i], sizeof(float)) == 0);
		}
	}
	else if (len == (f32 ? 4 * n : n))
		fuzz_check_error(st, &err, HACK_ERR_OUT_OF_RANGE,
						 HACK_ERR_OUT_OF_RANGE, HACK_ERR_OUT_OF_RANGE);
	else
		fuzz_check_error(st, &err, HACK_ERR_BINARY, HACK_ERR_BINARY,
						 HACK_ERR_BINARY);
	free(out);
	free(blob);
	return 0;
}
