/*
 * resnet_bench.c
 *	  Throughput of the engine's resnet20 on 3 x 32 x 32 images, dim 2:
 *	  training (forward with batch statistics, backward, SGD) and inference
 *	  (running statistics) at batch 128, best of three runs of SECONDS each;
 *	  and the single-thread speed of the forward convolution's sgemm at each
 *	  stage's shape (M = cout, K = cin*9, N = one im2col block), against a
 *	  2,048^3 sgemm on one thread.
 *
 * Usage: resnet_bench THREADS SECONDS.  "name value" lines, compared with
 * PyTorch by test/bench/resnet_bench.sh.
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "nn_model.h"
#include "nn_optim.h"

/* GFLOP/s of an M x N x K sgemm, best of a few runs of about 0.3 s. */
static double
sgemm_rate(int M, int N, int K)
{
	float	   *a = calloc((size_t) M * K, sizeof(float)),
			   *b = calloc((size_t) K * N, sizeof(float)),
			   *c = calloc((size_t) M * N, sizeof(float));
	double		best = 0.0;

	for (size_t i = 0; i < (size_t) M * K; i++)
		a[i] = (float) (i % 7) * 0.1f;
	for (size_t i = 0; i < (size_t) K * N; i++)
		b[i] = (float) (i % 5) * 0.1f;
	for (int r = 0; r < 3; r++)
	{
		long		reps = 0;
		double		t0 = hack_now_seconds(),
					el;

		do
		{
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f,
						a, K, b, N, 0.0f, c, N);
			reps++;
		} while ((el = hack_now_seconds() - t0) < 0.3);
		if (2.0 * M * N * (double) K * reps / el / 1e9 > best)
			best = 2.0 * M * N * (double) K * reps / el / 1e9;
	}
	free(a);
	free(b);
	free(c);
	return best;
}

/* FLOPs of one forward pass per image (convolutions and linear layers). */
static double
forward_flops(const NnModel *m)
{
	double		f = 0.0;

	for (int i = 0; i < m->n_layers; i++)
	{
		const NnLayer *l = &m->layers[i];

		if (l->kind == NN_LAYER_CONV)
			f += 2.0 * l->cout * l->cin * l->k * l->k * l->oh * l->ow;
		else if (l->kind == NN_LAYER_LINEAR)
			f += 2.0 * l->in * l->out;
	}
	return f;
}

/* Best images/s of three runs of secs: training steps or inference passes. */
static double
rate(NnModel *m, const float *x, const double *t, int n, bool train, double secs)
{
	NnSgd		sgd = {0.9, 5e-4};
	double		best = 0.0,
				loss;
	double	   *emb = malloc(sizeof(double) * n * m->cfg.dim);

	m->training = train;
	for (int r = 0; r < 4; r++)
	{
		long		steps = 0;
		double		t0 = hack_now_seconds(),
					el;

		do
		{
			nn_forward(m, x, n, emb, NULL);
			if (train)
			{
				nn_backward(m, t, 0.0, &loss, NULL);
				nn_sgd_step(m, &sgd, 0.01);
			}
			steps++;
		} while ((el = hack_now_seconds() - t0) < secs);
		if (r > 0 && steps * n / el > best)	/* the first run warms up */
			best = steps * n / el;
	}
	m->training = false;
	free(emb);
	return best;
}

int
main(int argc, char **argv)
{
	int			threads = argc > 1 ? atoi(argv[1]) : 2;
	double		secs = argc > 2 ? atof(argv[2]) : 2.0;
	int			n = 128;
	NnConfig	cfg;
	NnModel    *m;
	HackError	err;
	float	   *x = malloc(sizeof(float) * 3072 * n);
	double	   *t = malloc(sizeof(double) * 2 * n);
	double		fl,
				peak1;

	openblas_set_num_threads(1);
	srand(1);
	for (int i = 0; i < 3072 * n; i++)
		x[i] = (float) (rand() % 256) / 255.0f;
	for (int i = 0; i < 2 * n; i++)
		t[i] = ((rand() % 1000) / 1000.0 - 0.5) * 0.9;
	nn_config_default(&cfg, NN_ARCH_RESNET20, 3, 32, 32, 2);
	if (nn_model_create(&cfg, &m, &err) != HACK_OK ||
		nn_set_threads(m, threads, &err) != HACK_OK)
	{
		fprintf(stderr, "%s\n", err.message);
		return 1;
	}
	nn_model_init(m, 1);
	fl = forward_flops(m);
	printf("threads %d\n", threads);
	printf("forward_mflop_per_image %.1f\n", fl / 1e6);
	printf("train_128_img_per_s %.0f\n", rate(m, x, t, n, true, secs));
	printf("infer_128_img_per_s %.0f\n", rate(m, x, t, n, false, secs));
	peak1 = sgemm_rate(2048, 2048, 2048);
	printf("sgemm_peak_1thread_gflops %.1f\n", peak1);
	/* the forward sgemm of each stage's 3x3 convolutions, one im2col block */
	for (int i = 0, done = 0; i < m->n_layers; i++)
	{
		const NnLayer *l = &m->layers[i];

		if (l->kind == NN_LAYER_CONV && l->stride == 1 && l->cin == l->cout &&
			!(done & l->cout))
		{
			int			chunk = l->chunk < 32 ? l->chunk : 32;
			double		g = sgemm_rate(l->cout, chunk * l->oh * l->ow, l->cin * 9);

			done |= l->cout;
			printf("conv_sgemm_M%d_N%d_K%d_gflops %.1f\n", l->cout,
				   chunk * l->oh * l->ow, l->cin * 9, g);
			printf("conv_sgemm_M%d_peak_fraction %.2f\n", l->cout, g / peak1);
		}
	}
	nn_model_free(m);
	free(x);
	free(t);
	return 0;
}
