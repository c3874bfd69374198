/*
 * nn_selftest.c
 *	  hack_nn_selftest(): the encoder engine (src/core/nn_*.c) checked
 *	  end to end inside a backend, through OpenBLAS and its threads.
 */
#include "hack.h"

#include <stdlib.h>

#include "blas.h"
#include "core/nn_augment.h"
#include "core/nn_model.h"
#include "core/nn_ops.h"
#include "core/nn_optim.h"
#include "core/nn_serial.h"

PG_FUNCTION_INFO_V1(hack_nn_selftest);

#define SELFTEST_BATCH 64
#define SELFTEST_DIM 2

/* Everything the self-test allocates with malloc, freed in one place. */
typedef struct Selftest
{
	NnModel    *model;
	NnModel    *copy;
	float	   *x;
	double	   *vecs;			/* t, e1 and e2, one allocation */
	double	   *t;				/* targets */
	double	   *e1;				/* embeddings of the model */
	double	   *e2;				/* and of its reloaded copy */
	uint8_t    *blob;
} Selftest;

static void
selftest_free(Selftest *s)
{
	nn_model_free(s->model);
	nn_model_free(s->copy);
	free(s->x);
	free(s->vecs);
	free(s->blob);
}

/* Run the checks; returns the first loss, or fills err. */
static HackStatus
selftest_run(Selftest *s, double *loss, HackError *err)
{
	NnConfig	cfg;
	NnSgd		sgd = {0.0, 0.0};
	NnRng		rng;
	HackStatus	st;
	size_t		len;
	double		loss2;

	nn_config_default(&cfg, NN_ARCH_LENET, 1, 28, 28, SELFTEST_DIM);
	if ((st = nn_model_create(&cfg, &s->model, err)) != HACK_OK)
		return st;
	nn_model_init(s->model, 42);
	if ((st = nn_set_threads(s->model, hack_blas_prepare(), err)) != HACK_OK)
		return st;
	s->x = malloc(sizeof(float) * 784 * SELFTEST_BATCH);
	s->vecs = malloc(sizeof(double) * 3 * SELFTEST_DIM * SELFTEST_BATCH);
	if (!s->x || !s->vecs)
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL, "out of memory");
	s->t = s->vecs;
	s->e1 = s->t + SELFTEST_DIM * SELFTEST_BATCH;
	s->e2 = s->e1 + SELFTEST_DIM * SELFTEST_BATCH;
	nn_rng_seed(&rng, 7);
	for (int i = 0; i < 784 * SELFTEST_BATCH; i++)
		s->x[i] = (float) nn_rng_uniform(&rng);
	for (int i = 0; i < SELFTEST_DIM * SELFTEST_BATCH; i++)
		s->t[i] = 0.6 * nn_rng_uniform(&rng) - 0.3;
	if ((st = nn_fit_normalisation(s->model, s->x, SELFTEST_BATCH, err)) != HACK_OK ||
		(st = nn_forward(s->model, s->x, SELFTEST_BATCH, s->e1, err)) != HACK_OK ||
		(st = nn_backward(s->model, s->t, 0.0, loss, err)) != HACK_OK)
		return st;

	/* the stored form must give back the same network */
	len = nn_model_blob_size(s->model);
	if ((s->blob = malloc(len)) == NULL)
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL, "out of memory");
	nn_model_write(s->model, s->blob);
	if ((st = nn_model_read(s->blob, len, &s->copy, err)) != HACK_OK ||
		(st = nn_set_threads(s->copy, s->model->threads, err)) != HACK_OK ||
		(st = nn_forward(s->copy, s->x, SELFTEST_BATCH, s->e2, err)) != HACK_OK)
		return st;
	if (memcmp(s->e1, s->e2, sizeof(double) * SELFTEST_DIM * SELFTEST_BATCH) != 0)
		return hack_error_set(err, HACK_ERR_INTERNAL, NULL,
							  "reloaded encoder gives different embeddings");

	/* one SGD step must lower the loss on this batch */
	nn_sgd_step(s->model, &sgd, 0.05);
	if ((st = nn_forward(s->model, s->x, SELFTEST_BATCH, NULL, err)) != HACK_OK ||
		(st = nn_backward(s->model, s->t, 0.0, &loss2, err)) != HACK_OK)
		return st;
	if (!(loss2 < *loss))
		return hack_error_set(err, HACK_ERR_INTERNAL, NULL,
							  "an SGD step did not lower the loss");
	return HACK_OK;
}

/*
 * hack_nn_selftest() -> float8: builds a seeded lenet for 1x28x28 images,
 * runs a forward and backward pass on a seeded batch through OpenBLAS
 * (with hack.blas_threads threads), checks a serialisation round trip and
 * that one SGD step lowers the loss, and returns the initial loss.
 */
Datum
hack_nn_selftest(PG_FUNCTION_ARGS)
{
	Selftest	s;
	HackError	err;
	HackStatus	st;
	double		loss = 0.0;

	memset(&s, 0, sizeof(s));
	hack_error_clear(&err);
	st = selftest_run(&s, &loss, &err);
	selftest_free(&s);
	hack_check(st, &err);
	PG_RETURN_FLOAT8(loss);
}
