/*
 * image_convert.h
 *	  Decoded 8-bit rasters and their conversion to 1 (grey) or 3 (RGB)
 *	  channels, alpha composited on white.
 */
#ifndef HACK_CORE_IMAGE_CONVERT_H
#define HACK_CORE_IMAGE_CONVERT_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/*
 * A decoded picture: height rows of width pixels of channels interleaved
 * bytes (1 grey, 2 grey + alpha, 3 RGB, 4 RGBA), malloc'd.
 */
typedef struct HackRaster
{
	int			width;
	int			height;
	int			channels;
	uint8_t    *pixels;
} HackRaster;

/* The background that alpha is composited on: white. */
#define HACK_IMAGE_BACKGROUND 255

extern HackStatus hack_pixel_limit_check(const char *what, int64_t width,
										 int64_t height, int64_t max_pixels,
										 HackError *err);
extern HackStatus hack_raster_convert(HackRaster *r, int channels,
									  HackError *err);
extern void hack_raster_free(HackRaster *r);
extern uint8_t hack_luma(uint8_t r, uint8_t g, uint8_t b);
extern uint8_t hack_composite(uint8_t v, uint8_t alpha);
extern void hack_cmyk_to_rgb(const uint8_t *cmyk, int n, int inverted,
							 uint8_t *rgb);

#endif							/* HACK_CORE_IMAGE_CONVERT_H */
