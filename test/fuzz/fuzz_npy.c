/*
 * fuzz_npy.c
 *	  libFuzzer target for .npy headers and whole .npy image blobs
 *	  (tensor.c: hack_npy_read_header, hack_npy_parse_header,
 *	  hack_npy_elem and hack_image_decode).
 *
 * Byte 0 is the image shape the column declares: channels = 1 + (b >> 6),
 * height = 1 + ((b >> 3) & 7), width = 1 + (b & 7); the rest is the blob.
 * Properties: an accepted header lies inside the blob and its count is
 * the product of its shape; an accepted blob holds exactly count elements
 * (all of which are read); a decoded image fills the exact output buffer
 * with finite values, integral in [0, 255] for u1; the auto format decodes
 * an .npy blob exactly as the npy format does; and a blob whose header is
 * rejected never decodes.
 */
#include "fuzz.h"

#include <math.h>

#include "tensor.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	HackImageShape shape;
	HackNpyHeader h,
				h2;
	HackError	err;
	HackStatus	st_header,
				st_blob,
				st;
	const uint8_t *blob;
	uint8_t    *copy;
	size_t		len,
				n;
	float	   *out,
			   *out2;

	if (size < 1)
		return 0;
	shape.channels = 1 + (data[0] >> 6);
	shape.height = 1 + ((data[0] >> 3) & 7);
	shape.width = 1 + (data[0] & 7);
	n = (size_t) shape.channels * shape.height * shape.width;
	len = size - 1;
	copy = fuzz_copy(data + 1, len);
	blob = copy;

	st_header = hack_npy_read_header(blob, len, &h, &err);
	if (st_header == HACK_OK)
	{
		int64_t		count = 1;

		FUZZ_ASSERT(hack_is_npy(blob, len));
		FUZZ_ASSERT(h.data_offset <= len);
		FUZZ_ASSERT(h.ndim >= 0 && h.ndim <= HACK_NPY_MAX_DIMS);
		FUZZ_ASSERT(h.elem_size == 1 || h.elem_size == 2 ||
					h.elem_size == 4 || h.elem_size == 8);
		for (int i = 0; i < h.ndim; i++)
		{
			FUZZ_ASSERT(h.shape[i] >= 0);
			count *= h.shape[i];
		}
		FUZZ_ASSERT(count == h.count);
	}
	else
		fuzz_check_error(st_header, &err, HACK_ERR_BINARY, HACK_ERR_BINARY,
						 HACK_ERR_BINARY);

	st_blob = hack_npy_parse_header(blob, len, &h2, &err);
	if (st_blob == HACK_OK)
	{
		volatile double sum = 0.0;

		FUZZ_ASSERT(st_header == HACK_OK);
		FUZZ_ASSERT((size_t) h2.count * h2.elem_size == len - h2.data_offset);
		for (int64_t i = 0; i < h2.count; i++)
			sum += hack_npy_elem(blob + h2.data_offset, i, &h2);
		(void) sum;
	}
	else
		fuzz_check_error(st_blob, &err, HACK_ERR_BINARY, HACK_ERR_BINARY,
						 HACK_ERR_BINARY);

	out = malloc(sizeof(float) * n);
	out2 = malloc(sizeof(float) * n);
	st = hack_image_decode(blob, len, HACK_IMAGE_NPY, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err);
	if (st == HACK_OK)
	{
		FUZZ_ASSERT(st_blob == HACK_OK);
		for (size_t i = 0; i < n; i++)
		{
			FUZZ_ASSERT(isfinite(out[i]));
			if (h2.type == HACK_NPY_U1)
				FUZZ_ASSERT(out[i] >= 0 && out[i] <= 255 && out[i] == floorf(out[i]));
		}
	}
	else
		fuzz_check_error(st, &err, HACK_ERR_BINARY, HACK_ERR_OUT_OF_RANGE,
						 HACK_ERR_BINARY);
	if (hack_is_npy(blob, len))
	{
		HackStatus	st2 = hack_image_decode(blob, len, HACK_IMAGE_AUTO, &shape,
											HACK_IMAGE_DEFAULT_MAX_PIXELS, out2, &err);

		FUZZ_ASSERT(st2 == st);
		if (st == HACK_OK)
			FUZZ_ASSERT(memcmp(out, out2, sizeof(float) * n) == 0);
	}
	free(out);
	free(out2);
	free(copy);
	return 0;
}
