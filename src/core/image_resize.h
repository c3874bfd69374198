/*
 * image_resize.h
 *	  Resizing 8-bit rasters as Pillow's Image.resize(size, BILINEAR).
 */
#ifndef HACK_CORE_IMAGE_RESIZE_H
#define HACK_CORE_IMAGE_RESIZE_H

#include <stdint.h>

#include "status.h"

extern HackStatus hack_resize_bilinear(const uint8_t *in, int width,
									   int height, int channels,
									   uint8_t *out, int out_width,
									   int out_height, HackError *err);

#endif							/* HACK_CORE_IMAGE_RESIZE_H */
