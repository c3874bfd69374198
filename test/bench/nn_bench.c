/*
 * nn_bench.c
 *	  Throughput of the encoder engine: lenet on 1x28x28 images, training
 *	  (forward, backward, SGD update) and inference at batch 128 and 1,024,
 *	  plus the machine's sgemm peak (a 2,048^3 sgemm).  Each figure is the
 *	  best of three runs of SECONDS each.
 *
 * Usage: nn_bench THREADS SECONDS_PER_CASE.  Prints one "name value" line
 * per figure; test/bench/nn_bench.sh compares them with PyTorch.
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "nn_augment.h"
#include "nn_model.h"
#include "nn_optim.h"

/* Best of a few timed runs of a big sgemm, in GFLOP/s. */
static double
sgemm_peak(void)
{
	int			n = 2048;
	float	   *a = malloc(sizeof(float) * n * n),
			   *b = malloc(sizeof(float) * n * n),
			   *c = malloc(sizeof(float) * n * n);
	double		best = 0.0;

	for (int i = 0; i < n * n; i++)
	{
		a[i] = (float) (i % 7) * 0.1f;
		b[i] = (float) (i % 5) * 0.1f;
	}
	for (int r = 0; r < 4; r++)
	{
		double		t = hack_now_seconds(),
					g;

		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f,
					a, n, b, n, 0.0f, c, n);
		g = 2.0 * n * n * (double) n / (hack_now_seconds() - t) / 1e9;
		if (r > 0 && g > best)
			best = g;
	}
	free(a);
	free(b);
	free(c);
	return best;
}

/* Multiply-adds of one lenet forward pass per image, times 2 (FLOPs). */
static double
forward_flops(const NnModel *m)
{
	double		f = 0.0;

	for (int i = 0; i < m->n_layers; i++)
	{
		const NnLayer *l = &m->layers[i];

		if (l->kind == NN_LAYER_CONV_POOL)
			f += 2.0 * l->cout * l->cin * l->k * l->k * l->oh * l->ow;
		else if (l->kind == NN_LAYER_LINEAR)
			f += 2.0 * l->in * l->out;
	}
	return f;
}

int
main(int argc, char **argv)
{
	int			threads = argc > 1 ? atoi(argv[1]) : 1;
	double		secs = argc > 2 ? atof(argv[2]) : 3.0;
	NnConfig	cfg;
	NnModel    *m;
	NnSgd		sgd = {0.0, 0.0};
	int			nmax = 1024;
	float	   *x = malloc(sizeof(float) * 784 * nmax);
	double	   *t = malloc(sizeof(double) * 2 * nmax);
	double	   *emb = malloc(sizeof(double) * 2 * nmax);
	int			batches[2] = {128, 1024};
	double		peak,
				fl;
	HackError	err;

	/* the engine splits each batch across threads, each on 1-thread sgemm */
	openblas_set_num_threads(1);
	srand(1);
	for (int i = 0; i < 784 * nmax; i++)
		x[i] = (float) (rand() % 256) / 255.0f;
	for (int i = 0; i < 2 * nmax; i++)
		t[i] = ((rand() % 1000) / 1000.0 - 0.5) * 0.9;
	nn_config_default(&cfg, NN_ARCH_LENET, 1, 28, 28, 2);
	if (nn_model_create(&cfg, &m, &err) != HACK_OK)
	{
		fprintf(stderr, "%s\n", err.message);
		return 1;
	}
	nn_model_init(m, 1);
	if (nn_set_threads(m, threads, &err) != HACK_OK)
	{
		fprintf(stderr, "%s\n", err.message);
		return 1;
	}
	nn_fit_normalisation(m, x, nmax, &err);
	fl = forward_flops(m);
	openblas_set_num_threads(threads);
	peak = sgemm_peak();
	openblas_set_num_threads(1);
	printf("threads %d\n", threads);
	printf("sgemm_peak_gflops %.1f\n", peak);
	for (int b = 0; b < 2; b++)
	{
		int			n = batches[b];
		double		ips = 0.0,
					loss;

		for (int w = 0; w < 3; w++)
		{
			nn_forward(m, x, n, NULL, &err);
			nn_backward(m, t, 0.0, &loss, &err);
			nn_sgd_step(m, &sgd, 0.01);
		}
		/* best of three timed runs: the machine is shared */
		for (int r = 0; r < 3; r++)
		{
			long		steps = 0;
			double		t0 = hack_now_seconds(),
						el;

			do
			{
				nn_forward(m, x, n, NULL, &err);
				nn_backward(m, t, 0.0, &loss, &err);
				nn_sgd_step(m, &sgd, 0.01);
				steps++;
			} while ((el = hack_now_seconds() - t0) < secs);
			if (steps * n / el > ips)
				ips = steps * n / el;
		}
		printf("train_%d_img_per_s %.0f\n", n, ips);
		/* backward ~ 2x forward (the first layer's input gradient is skipped) */
		printf("train_%d_gflops %.1f\n", n, ips * 3.0 * fl / 1e9);
		printf("train_%d_peak_fraction %.3f\n", n, ips * 3.0 * fl / 1e9 / peak);
	}
	for (int b = 0; b < 2; b++)
	{
		int			n = batches[b];
		double		ips = 0.0;

		nn_forward(m, x, n, emb, &err);
		for (int r = 0; r < 3; r++)
		{
			long		steps = 0;
			double		t0 = hack_now_seconds(),
						el;

			do
			{
				nn_forward(m, x, n, emb, &err);
				steps++;
			} while ((el = hack_now_seconds() - t0) < secs);
			if (steps * n / el > ips)
				ips = steps * n / el;
		}
		printf("infer_%d_img_per_s %.0f\n", n, ips);
	}
	nn_model_free(m);
	free(x);
	free(t);
	free(emb);
	return 0;
}
