/*
 * image_jpeg.h
 *	  JPEG bytes to an 8-bit raster, with libjpeg-turbo.
 */
#ifndef HACK_CORE_IMAGE_JPEG_H
#define HACK_CORE_IMAGE_JPEG_H

#include <stddef.h>
#include <stdint.h>

#include "image_convert.h"
#include "status.h"

/* Progressive scans beyond this are refused (libjpeg-turbo's advice). */
#define HACK_JPEG_MAX_SCANS 256

extern int	hack_is_jpeg(const uint8_t *data, size_t len);
extern HackStatus hack_jpeg_decode(const uint8_t *data, size_t len,
								   int64_t max_pixels, HackRaster *out,
								   HackError *err);

#endif							/* HACK_CORE_IMAGE_JPEG_H */
