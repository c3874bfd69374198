/*
 * source_images.h
 *	  Images of a model's source for pictures, read as the caller and
 *	  decoded to pixels to look at (source_images.c).
 */
#ifndef HACK_SOURCE_IMAGES_H
#define HACK_SOURCE_IMAGES_H

#include "postgres.h"

#include "train_source.h"

extern uint8_t *source_display_pixels(bytea *img, HackImageFormat format,
									  const HackImageShape *shape, const TrainSource *src,
									  int64 id);
extern void source_images_by_ids(const TrainSource *src, int n, const int64 *ids,
								 uint8_t **pixels);

#endif							/* HACK_SOURCE_IMAGES_H */
