/*
 * image_png_decode.h
 *	  PNG bytes to an 8-bit raster, with libpng.
 */
#ifndef HACK_CORE_IMAGE_PNG_DECODE_H
#define HACK_CORE_IMAGE_PNG_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "image_convert.h"
#include "status.h"

extern int	hack_is_png(const uint8_t *data, size_t len);
extern HackStatus hack_png_decode(const uint8_t *data, size_t len,
								  int64_t max_pixels, HackRaster *out,
								  HackError *err);

#endif							/* HACK_CORE_IMAGE_PNG_DECODE_H */
