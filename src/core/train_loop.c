/*
 * train_loop.c
 *	  The HACK loop: pack, assign at random, train, re-assign per batch.
 *
 * One epoch visits the images in a fresh random order, in batches.  For
 * each batch the encoder runs forward once; on a re-assignment epoch the
 * b x b matrix of Poincaré distances between the batch's embeddings and
 * the particles currently assigned to the batch is solved with the
 * Hungarian algorithm and the particles are handed out again among the
 * batch's images (so the global assignment stays a permutation), and the
 * backward pass then uses the new targets: the forward activations are
 * still those of the current weights, so one forward pass serves both.
 * The learning rate follows a cosine schedule from lr to lr_min, over all
 * steps or (lr_schedule HACK_LR_EPOCH, as the reference does) evaluated
 * once per epoch; see hack_train_lr.
 *
 * Warm start (resume): the particles are packed afresh for the current n,
 * the model as stored embeds every image, and hack_assign_warm
 * (assign_warm.c) hands the particles out one to one so that each image
 * starts near where the model already puts it.
 *
 * Memory: the images (n x C x H x W floats, given), the particles, the
 * assignment and the embeddings (n x dim doubles), one batch of inputs
 * and targets, and a b x b cost matrix: nothing grows with the epochs.
 */
#include "train_loop.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "assign_warm.h"
#include "clock.h"
#include "hungarian.h"
#include "hyperbolic.h"
#include "rng.h"

/* Fisher-Yates shuffle of a[0..n-1]. */
static void
shuffle(int *a, int n, uint64_t *state)
{
	for (int i = n - 1; i > 0; i--)
	{
		int			j = (int) (hack_rng_next(state) % (uint64_t) (i + 1));
		int			t = a[i];

		a[i] = a[j];
		a[j] = t;
	}
}

/* The reference settings (see doc/training.md). */
void
hack_train_defaults(HackTrainParams *p)
{
	memset(p, 0, sizeof(*p));
	p->epochs = 200;
	p->batch_size = 256;
	p->reassign_every = 2;
	p->lr = 0.1;
	p->lr_min = 0.0;
	p->sgd.momentum = 0.0;
	p->sgd.weight_decay = 0.0;
	hack_pack_defaults(&p->pack);
	p->seed = 0;
}

/* Check the parameters that do not depend on the data. */
HackStatus
hack_train_check(const HackTrainParams *p, HackError *err)
{
	HackStatus	st;

	if (p->epochs < 1 || p->epochs > HACK_TRAIN_MAX_EPOCHS)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "epochs must be between 1 and %d, got %d",
							  HACK_TRAIN_MAX_EPOCHS, p->epochs);
	if (p->batch_size < 1 || p->batch_size > HACK_TRAIN_MAX_BATCH)
		return hack_error_set(err, HACK_ERR_PARAMETER,
							  "Each batch solves a batch x batch assignment problem.",
							  "batch_size must be between 1 and %d, got %d",
							  HACK_TRAIN_MAX_BATCH, p->batch_size);
	if (p->reassign_every < 0)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "reassign_every must be 0 (never) or positive, got %d",
							  p->reassign_every);
	if (p->reassign_every == 0 ? p->reassign_phase != 0
		: p->reassign_phase < 0 || p->reassign_phase >= p->reassign_every)
		return hack_error_set(err, HACK_ERR_PARAMETER,
							  "Re-assignment runs in the epochs e (counted from 1) with e % reassign_every = reassign_phase.",
							  "reassign_phase must be in [0, reassign_every) (0 when reassign_every is 0), got %d",
							  p->reassign_phase);
	if (p->lr_schedule != HACK_LR_STEP && p->lr_schedule != HACK_LR_EPOCH)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "unknown learning rate schedule %d", (int) p->lr_schedule);
	if (!(p->lr > 0.0) || !isfinite(p->lr) || !(p->lr_min >= 0.0) ||
		!(p->lr_min <= p->lr))
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "learning rates must satisfy 0 <= lr_min <= lr, lr > 0 and finite");
	if ((st = nn_sgd_check(&p->sgd, err)) != HACK_OK)
		return st;
	return HACK_OK;
}

/*
 * Does epoch (1-based, as the progress reports count) re-solve the
 * assignments?  Phase 0 gives epochs k, 2k, ...; the reference re-assigns
 * in its odd epochs 1, 3, ... (hyperbolic_assignment.py: (epoch+1) % 2 == 0
 * with epochs counted from 1), which is phase 1 with k = 2.
 */
bool
hack_train_reassigns(const HackTrainParams *p, int epoch)
{
	return p->reassign_every > 0 && epoch % p->reassign_every == p->reassign_phase;
}

/*
 * The learning rate of step `step` (0-based) of epoch `epoch` (1-based).
 * Per step it runs from lr at the first step towards lr_min; per epoch it
 * is the reference's adjust_cosine_learning_rate (utils.py), evaluated at
 * e / E with e counted from 1, so even the first epoch is below lr and the
 * last one is exactly lr_min.
 */
double
hack_train_lr(const HackTrainParams *p, int epoch, long step, long total_steps)
{
	if (p->lr_schedule == HACK_LR_EPOCH)
		return nn_cosine_lr(p->lr, p->lr_min, epoch, p->epochs);
	return nn_cosine_lr(p->lr, p->lr_min, step, total_steps);
}

/* Free what a result holds. */
void
hack_train_result_free(HackTrainResult *r)
{
	free(r->embeddings);
	free(r->particles);
	free(r->assignment);
	r->embeddings = r->particles = NULL;
	r->assignment = NULL;
}

/* Working memory of one run. */
typedef struct Loop
{
	int		   *order;			/* visiting order of images */
	float	   *x;				/* batch inputs */
	double	   *emb;			/* batch embeddings */
	double	   *targets;		/* batch targets */
	double	   *cost;			/* b x b distances */
	int		   *perm;			/* Hungarian result */
	int		   *old;			/* particles of the batch before re-assignment */
} Loop;

static void
loop_free(Loop *l)
{
	free(l->order);
	free(l->x);
	free(l->emb);
	free(l->targets);
	free(l->cost);
	free(l->perm);
	free(l->old);
}

/*
 * Re-solve the assignment of one batch: image idx[i] takes particle
 * old[perm[i]], where perm minimises the total distance to the embeddings.
 */
static HackStatus
reassign_batch(Loop *l, const int *idx, int b, int *assignment,
			   const double *particles, int dim, double c,
			   HackProgressFn progress, void *arg, HackError *err)
{
	double		total;
	HackStatus	st;

	for (int i = 0; i < b; i++)
	{
		l->old[i] = assignment[idx[i]];
		memcpy(l->targets + (size_t) i * dim,
			   particles + (size_t) l->old[i] * dim, sizeof(double) * dim);
	}
	st = hyp_distance_matrix(l->emb, b, l->targets, b, dim, c, l->cost,
							 progress, arg, err);
	if (st != HACK_OK)
		return st;
	st = hungarian_solve(l->cost, b, b, false, l->perm, &total, NULL, NULL,
						 progress, arg, err);
	if (st != HACK_OK)
		return st;
	for (int i = 0; i < b; i++)
		assignment[idx[i]] = l->old[l->perm[i]];
	return HACK_OK;
}

/* Train `model` on n images (NCHW floats); see the file header. */
HackStatus
hack_train_group(NnModel *model, const float *images, int n,
				 const HackTrainParams *p, HackTrainResult *r,
				 HackEpochFn on_epoch, HackProgressFn progress, void *arg,
				 HackError *err)
{
	int			dim = model->cfg.dim;
	double		c = model->cfg.curvature;
	size_t		in = nn_input_size(model);
	int			b = p->batch_size < n ? p->batch_size : n;
	int			steps_per_epoch = (n + b - 1) / b;
	long		total_steps = (long) steps_per_epoch * p->epochs;
	long		step = 0;
	uint64_t	rng = p->seed ^ 0x4841434BULL;	/* "HACK" */
	HackPackParams pack = p->pack;
	Loop		l;
	HackStatus	st;
	double		t0,
				t_train;

	memset(r, 0, sizeof(*r));
	memset(&l, 0, sizeof(l));
	if ((st = hack_train_check(p, err)) != HACK_OK)
		return st;
	model->riemannian_grad = p->riemannian_grad;
	/* BatchNorm on batch statistics for the training batches (nn_embed never) */
	model->training = true;
	/* a step of a large batch takes seconds: let a cancel stop it midway */
	model->progress = progress;
	model->progress_arg = arg;
	if (n < 2)
		return hack_error_set(err, HACK_ERR_PARAMETER,
							  "HACK spreads images over the ball relative to each other.",
							  "a group needs at least 2 images, got %d", n);
	r->n = n;
	r->dim = dim;
	r->embeddings = malloc(sizeof(double) * n * dim);
	r->particles = malloc(sizeof(double) * n * dim);
	r->assignment = malloc(sizeof(int) * n);
	l.order = malloc(sizeof(int) * n);
	l.x = malloc(sizeof(float) * in * b);
	l.emb = malloc(sizeof(double) * b * dim);
	l.targets = malloc(sizeof(double) * b * dim);
	l.cost = malloc(sizeof(double) * b * b);
	l.perm = malloc(sizeof(int) * b);
	l.old = malloc(sizeof(int) * b);
	if (!r->embeddings || !r->particles || !r->assignment || !l.order ||
		!l.x || !l.emb || !l.targets || !l.cost || !l.perm || !l.old)
	{
		st = hack_error_set(err, HACK_ERR_NO_MEMORY, NULL,
							"out of memory training a group of %d images", n);
		goto fail;
	}

	/* 1. one particle per image, packed uniformly */
	t0 = hack_now_seconds();
	pack.n = n;
	pack.dim = dim;
	pack.seed = p->seed;
	if ((st = hack_pack(&pack, r->particles, progress, arg, err)) != HACK_OK)
		goto fail;
	r->pack_seconds = hack_now_seconds() - t0;
	if ((st = hack_packing_stats(r->particles, n, dim, pack.radius,
								 &r->pack_stats, progress, arg, err)) != HACK_OK)
		goto fail;

	/* 2. a random one-to-one assignment, or one that follows the warm model */
	for (int i = 0; i < n; i++)
		r->assignment[i] = l.order[i] = i;
	shuffle(r->assignment, n, &rng);
	if (p->warm_start &&
		((st = nn_embed(model, images, n, b, r->embeddings, progress, arg, err)) != HACK_OK ||
		 (st = hack_assign_warm(r->embeddings, r->particles, n, dim, c, b,
								r->assignment, progress, arg, err)) != HACK_OK))
		goto fail;

	/* 3. epochs of batches */
	t_train = hack_now_seconds();
	for (int epoch = 1; epoch <= p->epochs; epoch++)
	{
		int			reassign = hack_train_reassigns(p, epoch);
		double		loss_sum = 0.0;
		HackEpochReport rep;

		shuffle(l.order, n, &rng);
		for (int s = 0; s < n; s += b)
		{
			int			cnt = n - s < b ? n - s : b;
			const int  *idx = l.order + s;
			double		loss;

			for (int i = 0; i < cnt; i++)
				memcpy(l.x + (size_t) i * in, images + (size_t) idx[i] * in,
					   sizeof(float) * in);
			if ((st = nn_forward(model, l.x, cnt, l.emb, err)) != HACK_OK)
				goto fail;
			/* a step of a large batch takes long: check between its parts too */
			if (progress && !progress(arg, (double) step, (double) total_steps))
			{
				st = hack_error_set(err, HACK_ERR_INTERRUPTED, NULL, "interrupted");
				goto fail;
			}
			if (reassign &&
				(st = reassign_batch(&l, idx, cnt, r->assignment, r->particles,
									 dim, c, progress, arg, err)) != HACK_OK)
				goto fail;
			for (int i = 0; i < cnt; i++)
				memcpy(l.targets + (size_t) i * dim,
					   r->particles + (size_t) r->assignment[idx[i]] * dim,
					   sizeof(double) * dim);
			if ((st = nn_backward(model, l.targets, 0.0, &loss, err)) != HACK_OK)
				goto fail;
			nn_sgd_step(model, &p->sgd,
						hack_train_lr(p, epoch, step, total_steps));
			step++;
			loss_sum += loss * cnt;
			if (progress && !progress(arg, (double) step, (double) total_steps))
			{
				st = hack_error_set(err, HACK_ERR_INTERRUPTED, NULL, "interrupted");
				goto fail;
			}
		}
		rep.epoch = epoch;
		rep.epochs = p->epochs;
		rep.loss = loss_sum / n;
		rep.elapsed = hack_now_seconds() - t_train;
		rep.images_per_sec = rep.elapsed > 0 ? (double) n * epoch / rep.elapsed : 0.0;
		rep.eta = rep.elapsed / epoch * (p->epochs - epoch);
		rep.reassigned = reassign;
		if (!isfinite(rep.loss))
		{
			st = hack_error_set(err, HACK_ERR_OUT_OF_RANGE,
								"Lower the learning rate, or the momentum if there is one.",
								"training diverged at epoch %d (loss is not finite)", epoch);
			goto fail;
		}
		if (epoch == 1)
			r->first_loss = rep.loss;
		r->final_loss = rep.loss;
		if (on_epoch && !on_epoch(arg, &rep))
		{
			st = hack_error_set(err, HACK_ERR_INTERRUPTED, NULL, "interrupted");
			goto fail;
		}
	}
	r->train_seconds = hack_now_seconds() - t_train;
	r->images_per_sec = r->train_seconds > 0
		? (double) n * p->epochs / r->train_seconds : 0.0;

	/* 4. the final embedding of every image */
	st = nn_embed(model, images, n, b, r->embeddings, progress, arg, err);
	if (st != HACK_OK)
		goto fail;
	loop_free(&l);
	model->progress = NULL;
	model->riemannian_grad = false;
	model->training = false;
	return HACK_OK;

fail:
	loop_free(&l);
	model->progress = NULL;
	model->riemannian_grad = false;
	model->training = false;
	hack_train_result_free(r);
	return st;
}
