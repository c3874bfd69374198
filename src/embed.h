/*
 * embed.h
 *	  Embedding one image with a stored network (embed.c).
 */
#ifndef HACK_EMBED_H
#define HACK_EMBED_H

#include "postgres.h"

#include "core/nn_model.h"
#include "core/tensor.h"

extern void embed_image(NnModel *net, const bytea *image, HackImageFormat format,
						const HackImageShape *shape, const int64 *row_id,
						double *emb);

#endif							/* HACK_EMBED_H */
