/*
 * image_hash.h
 *	  The hash of an image's raw bytes (image_hash.c).
 */
#ifndef HACK_IMAGE_HASH_H
#define HACK_IMAGE_HASH_H

#include "postgres.h"

extern int64 hack_image_hash_of(const bytea *image);

#endif							/* HACK_IMAGE_HASH_H */
