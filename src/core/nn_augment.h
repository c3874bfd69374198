/*
 * nn_augment.h
 *	  Input normalisation statistics and seeded data augmentation.
 */
#ifndef HACK_CORE_NN_AUGMENT_H
#define HACK_CORE_NN_AUGMENT_H

#include <stdbool.h>
#include <stddef.h>

#include "nn_model.h"
#include "nn_ops.h"
#include "tensor.h"

typedef struct NnAugment
{
	double		min_scale;		/* random resized crop: area in [min_scale, 1]; 1 = no crop */
	bool		flip;			/* horizontal flip with probability 1/2 */
} NnAugment;

extern HackStatus nn_set_normalisation(NnModel *model, const float *mean,
									   const float *std, HackError *err);
extern HackStatus nn_fit_normalisation(NnModel *model, const float *x,
									   size_t n, HackError *err);
extern float nn_raw_scale(HackImageFormat format);
extern HackStatus nn_set_raw_normalisation(NnModel *model, HackImageFormat format,
										   HackError *err);
extern bool nn_normalisation_is_raw(const NnModel *model, HackImageFormat format);
extern void nn_augment(const float *x, float *out, size_t n, int c, int h,
					   int w, const NnAugment *opt, NnRng *rng);

#endif							/* HACK_CORE_NN_AUGMENT_H */
