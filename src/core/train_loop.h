/*
 * train_loop.h
 *	  The HACK training loop for one group of images.
 *
 * HACK (Guo et al., "Unsupervised Feature Learning with Emergent
 * Data-Driven Prototypicality", CVPR 2024): pack one particle per image
 * uniformly in the ball of Euclidean radius r (packing.h), assign the
 * particles to the images at random, one to one, then train the encoder
 * (nn_model.h) to bring each image's embedding onto its particle.  Every
 * `reassign_every` epochs, inside each batch, the assignment between the
 * batch's images and the batch's particles is re-solved with the
 * Hungarian algorithm (hungarian.h) for the least total Poincaré distance;
 * since a batch only permutes its own particles, the global assignment
 * stays one to one.  Typical images end up near the origin.
 */
#ifndef HACK_CORE_TRAIN_LOOP_H
#define HACK_CORE_TRAIN_LOOP_H

#include <stdint.h>

#include "nn_model.h"
#include "nn_optim.h"
#include "packing.h"
#include "packing_stats.h"
#include "status.h"

#define HACK_TRAIN_MAX_EPOCHS 100000
#define HACK_TRAIN_MAX_BATCH 8192	/* the Hungarian step is O(batch^3) */

/* When the cosine learning rate is evaluated. */
typedef enum HackLrSchedule
{
	HACK_LR_STEP = 0,			/* every step: lr(step / total steps) */
	HACK_LR_EPOCH = 1			/* once per epoch e = 1..E: lr(e / E), the reference */
} HackLrSchedule;

typedef struct HackTrainParams
{
	int			epochs;			/* training epochs, >= 1 (default 200) */
	int			batch_size;		/* images per batch (default 256) */
	int			reassign_every; /* Hungarian every k epochs; 0 = never (default 2) */
	int			reassign_phase; /* in epochs e (1-based) with e % k = phase, in
								 * [0, k) (default 0: epochs 2, 4, ...) */
	double		lr;				/* initial learning rate (default 0.1) */
	double		lr_min;			/* end of the cosine schedule (default 0) */
	HackLrSchedule lr_schedule; /* default HACK_LR_STEP */
	bool		riemannian_grad;	/* scale dL/dz by (1 - c|z|^2)^2 / 4 (default false) */
	NnSgd		sgd;			/* momentum and weight decay (default 0, 0) */
	HackPackParams pack;		/* radius, k, packing epochs and lr; n and dim are set here */
	uint64_t	seed;			/* everything random derives from it */
	bool		warm_start;		/* model is already trained: start from its
								 * own embeddings (assign_warm.h) instead
								 * of a random assignment */
} HackTrainParams;

/* What an epoch callback sees. */
typedef struct HackEpochReport
{
	int			epoch;			/* 1-based, just finished */
	int			epochs;
	double		loss;			/* mean Poincaré distance to the targets */
	double		images_per_sec;
	double		elapsed;		/* seconds since training started */
	double		eta;			/* seconds left, estimated */
	int			reassigned;		/* 1 if this epoch re-solved assignments */
} HackEpochReport;

/* Called after every epoch; returning false stops training (interrupted). */
typedef bool (*HackEpochFn) (void *arg, const HackEpochReport *report);

/* Output of a training run; arrays are malloc'd, freed by hack_train_result_free. */
typedef struct HackTrainResult
{
	int			n;
	int			dim;
	double	   *embeddings;		/* n x dim: final embedding of each image */
	double	   *particles;		/* n x dim: the packed particles */
	int		   *assignment;		/* particle index of each image */
	double		final_loss;		/* loss of the last epoch */
	double		first_loss;		/* loss of the first epoch */
	double		pack_seconds;
	double		train_seconds;
	double		images_per_sec; /* training throughput */
	HackPackStats pack_stats;
} HackTrainResult;

extern void hack_train_defaults(HackTrainParams *p);
extern HackStatus hack_train_check(const HackTrainParams *p, HackError *err);
extern HackStatus hack_train_group(NnModel *model, const float *images, int n,
								   const HackTrainParams *p,
								   HackTrainResult *result,
								   HackEpochFn on_epoch,
								   HackProgressFn progress, void *arg,
								   HackError *err);
extern void hack_train_result_free(HackTrainResult *result);
extern bool hack_train_reassigns(const HackTrainParams *p, int epoch);
extern double hack_train_lr(const HackTrainParams *p, int epoch, long step,
							long total_steps);

#endif							/* HACK_CORE_TRAIN_LOOP_H */
