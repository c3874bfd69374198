/*
 * nn_optim.h
 *	  SGD with momentum and weight decay, and the cosine learning rate.
 */
#ifndef HACK_CORE_NN_OPTIM_H
#define HACK_CORE_NN_OPTIM_H

#include "nn_model.h"

typedef struct NnSgd
{
	double		momentum;		/* 0 (the default) = plain SGD */
	double		weight_decay;	/* L2 coefficient added to every gradient */
} NnSgd;

extern HackStatus nn_sgd_check(const NnSgd *sgd, HackError *err);
extern void nn_sgd_step(NnModel *model, const NnSgd *sgd, double lr);
extern double nn_cosine_lr(double lr0, double lr_min, long step, long total);

#endif							/* HACK_CORE_NN_OPTIM_H */
