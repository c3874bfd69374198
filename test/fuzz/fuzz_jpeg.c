/*
 * fuzz_jpeg.c
 *	  libFuzzer target for JPEG decoding (image_jpeg.c, then image_convert.c
 *	  and image_resize.c through hack_image_decode with format 'jpeg').
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
#include "fuzz_image_codec.h"
#include "image_jpeg.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_image_codec(data, size, hack_jpeg_decode, HACK_IMAGE_JPEG);
}
