/*
 * test_train_loop.c
 *	  The training loop's schedule: the cosine learning rate per step or per
 *	  epoch with its floor, the re-assignment epochs and their phase, and
 *	  the checks of those parameters.
 */
#include "unit.h"

#include "train_loop.h"

/* Per step (today's schedule): lr at the first step, towards lr_min. */
static void
test_lr_per_step(void)
{
	HackTrainParams p;

	hack_train_defaults(&p);
	CHECK(p.lr_schedule == HACK_LR_STEP);
	p.epochs = 4;
	p.lr = 0.1;
	p.lr_min = 1e-5;
	/* 10 steps per epoch: the rate changes inside an epoch */
	CHECK_CLOSE(hack_train_lr(&p, 1, 0, 40), 0.1, 1e-15);
	CHECK(hack_train_lr(&p, 1, 1, 40) < 0.1);
	CHECK(hack_train_lr(&p, 1, 9, 40) < hack_train_lr(&p, 1, 1, 40));
	CHECK_CLOSE(hack_train_lr(&p, 3, 20, 40), 1e-5 + 0.5 * (0.1 - 1e-5), 1e-15);
	/* the last step is above the floor, which the step after would reach */
	CHECK(hack_train_lr(&p, 4, 39, 40) > 1e-5);
	CHECK_CLOSE(hack_train_lr(&p, 4, 40, 40), 1e-5, 1e-15);
}

/* Per epoch (the reference's adjust_cosine_learning_rate at e / E, e from 1). */
static void
test_lr_per_epoch(void)
{
	HackTrainParams p;
	double		floor_ = 1e-3 * 0.1;

	hack_train_defaults(&p);
	p.lr_schedule = HACK_LR_EPOCH;
	p.epochs = 4;
	p.lr = 0.1;
	p.lr_min = floor_;
	for (int e = 1; e <= 4; e++)
	{
		double		want = floor_ + (0.1 - floor_) * (1.0 + cos(3.141592653589793 * e / 4.0)) / 2.0;

		/* the same rate for every step of the epoch */
		for (long s = (e - 1) * 10; s < e * 10; s++)
			CHECK_CLOSE(hack_train_lr(&p, e, s, 40), want, 1e-15);
	}
	CHECK(hack_train_lr(&p, 1, 0, 40) < 0.1);
	CHECK_CLOSE(hack_train_lr(&p, 4, 39, 40), floor_, 1e-15);
	/* floor 0 ends at 0 */
	p.lr_min = 0.0;
	CHECK_CLOSE(hack_train_lr(&p, 4, 39, 40), 0.0, 1e-15);
}

/* Which epochs (1-based) re-assign, by phase. */
static void
test_reassign_phase(void)
{
	HackTrainParams p;
	int			today[6] = {0, 1, 0, 1, 0, 1};	/* epochs 2, 4, 6 */
	int			ref[6] = {1, 0, 1, 0, 1, 0};	/* the reference: 1, 3, 5 */
	int			three[6] = {0, 1, 0, 0, 1, 0};	/* k 3, phase 2: 2, 5 */

	hack_train_defaults(&p);
	CHECK(p.reassign_every == 2 && p.reassign_phase == 0);
	for (int e = 1; e <= 6; e++)
		CHECK(hack_train_reassigns(&p, e) == today[e - 1]);
	p.reassign_phase = 1;
	for (int e = 1; e <= 6; e++)
		CHECK(hack_train_reassigns(&p, e) == ref[e - 1]);
	p.reassign_every = 3;
	p.reassign_phase = 2;
	for (int e = 1; e <= 6; e++)
		CHECK(hack_train_reassigns(&p, e) == three[e - 1]);
	p.reassign_every = 0;
	p.reassign_phase = 0;
	for (int e = 1; e <= 6; e++)
		CHECK(!hack_train_reassigns(&p, e));
}

/* The phase must be in [0, reassign_every), 0 when re-assignment is off. */
static void
test_phase_check(void)
{
	HackTrainParams p;
	HackError	err;

	hack_train_defaults(&p);
	CHECK(hack_train_check(&p, &err) == HACK_OK);
	p.reassign_phase = 1;
	CHECK(hack_train_check(&p, &err) == HACK_OK);
	p.reassign_phase = 2;
	CHECK(hack_train_check(&p, &err) == HACK_ERR_PARAMETER);
	p.reassign_phase = -1;
	CHECK(hack_train_check(&p, &err) == HACK_ERR_PARAMETER);
	p.reassign_every = 0;
	p.reassign_phase = 1;
	CHECK(hack_train_check(&p, &err) == HACK_ERR_PARAMETER);
	p.reassign_phase = 0;
	CHECK(hack_train_check(&p, &err) == HACK_OK);
	p.lr_schedule = (HackLrSchedule) 7;
	CHECK(hack_train_check(&p, &err) == HACK_ERR_PARAMETER);
}

void
suite_train_loop(void)
{
	RUN(test_lr_per_step);
	RUN(test_lr_per_epoch);
	RUN(test_reassign_phase);
	RUN(test_phase_check);
}
