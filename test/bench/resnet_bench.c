/*
 * resnet_bench.c
 *	  Throughput of the engine's resnet20 on 3 x 32 x 32 images, dim 2:
 *	  training (forward with batch statistics, backward, SGD) and inference
 *	  (nn_embed: running statistics folded into the convolutions) at batch
 *	  128, best of three runs of SECONDS each; and the single-thread speed
 *	  of the oneDNN convolution of each stage's 3x3 shape on one part of 32
 *	  images, forward and backward, against the core's float32 peak (a loop
 *	  of independent AVX-512 FMAs) and a 2,048^3 OpenBLAS sgemm.
 *
 * Usage: resnet_bench THREADS SECONDS.  "name value" lines, compared with
 * PyTorch by test/bench/resnet_bench.sh.
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>

#include <immintrin.h>

#include "clock.h"
#include "nn_dnnl.h"
#include "nn_model.h"
#include "nn_optim.h"

/*
 * GFLOP/s of one core at its float32 peak: 12 independent chains of
 * 512-bit FMAs (2 x 16 flops each), enough to fill both FMA ports
 * through their 4-cycle latency.
 */
__attribute__((target("avx512f")))
static double
fma_peak(void)
{
	__m512		a = _mm512_set1_ps(0.999f),
				b = _mm512_set1_ps(0.001f);
	__m512		c0 = _mm512_set1_ps(0.0f), c1 = _mm512_set1_ps(1.0f),
				c2 = _mm512_set1_ps(2.0f), c3 = _mm512_set1_ps(3.0f),
				c4 = _mm512_set1_ps(4.0f), c5 = _mm512_set1_ps(5.0f),
				c6 = _mm512_set1_ps(6.0f), c7 = _mm512_set1_ps(7.0f),
				c8 = _mm512_set1_ps(8.0f), c9 = _mm512_set1_ps(9.0f),
				c10 = _mm512_set1_ps(10.0f), c11 = _mm512_set1_ps(11.0f);
	long		iters = 20000000;
	double		best = 0.0;
	float		sink;

	for (int r = 0; r < 8; r++)
	{
		double		t0 = hack_now_seconds(),
					el;

		for (long i = 0; i < iters; i++)
		{
#define FMA(c) c = _mm512_fmadd_ps(c, a, b)
			FMA(c0); FMA(c1); FMA(c2); FMA(c3); FMA(c4); FMA(c5);
			FMA(c6); FMA(c7); FMA(c8); FMA(c9); FMA(c10); FMA(c11);
#undef FMA
		}
		el = hack_now_seconds() - t0;
		if (iters * 12.0 * 32.0 / el / 1e9 > best)
			best = iters * 12.0 * 32.0 / el / 1e9;
	}
	sink = _mm512_reduce_add_ps(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
	if (sink == 12345.0f)		/* keeps the loop */
		printf("#\n");
	return best;
}

/* GFLOP/s of layer l's forward (or backward: data and weights) on n images, one thread. */
static double
conv_rate(const NnLayer *l, int n, bool backward)
{
	size_t		nx = (size_t) n * l->cin * l->h * l->w,
				ny = (size_t) n * l->cout * l->oh * l->ow,
				nw = (size_t) l->cout * l->cin * l->k * l->k;
	float	   *x = calloc(nx, sizeof(float)),
			   *dx = calloc(nx, sizeof(float)),
			   *y = calloc(ny, sizeof(float)),
			   *W = calloc(nw, sizeof(float)),
			   *dW = calloc(nw, sizeof(float));
	double		fl = 2.0 * n * nw * l->oh * l->ow * (backward ? 2 : 1);
	double		best = 0.0;
	NnConvKernel *k = NULL;
	HackError	err;

	for (int r = 0; r < 4; r++)
	{
		long		reps = 0;
		double		t0 = hack_now_seconds(),
					el;

		do
		{
			if (backward)
				nn_conv_backward(&k, l, n, x, W, y, dW, dx, &err);
			else
				nn_conv_forward(&k, l, n, x, W, NULL, false, false, y, &err);
			reps++;
		} while ((el = hack_now_seconds() - t0) < 0.3);
		if (r > 0 && reps * fl / el / 1e9 > best)
			best = reps * fl / el / 1e9;
	}
	nn_conv_kernel_free(k);
	free(x);
	free(dx);
	free(y);
	free(W);
	free(dW);
	return best;
}

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
			if (!train)
				nn_embed(m, x, n, n, emb, NULL, NULL, NULL);
			else
			{
				nn_forward(m, x, n, emb, NULL);
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
	peak1 = fma_peak();
	printf("fma_peak_1thread_gflops %.1f\n", peak1);
	printf("sgemm_2048_1thread_gflops %.1f\n", sgemm_rate(2048, 2048, 2048));
	/* each stage's 3x3 convolution on one part of 32 images, one thread */
	for (int i = 0, done = 0; i < m->n_layers; i++)
	{
		const NnLayer *l = &m->layers[i];

		if (l->kind == NN_LAYER_CONV && l->stride == 1 && l->cin == l->cout &&
			!(done & l->cout))
		{
			double		f = conv_rate(l, 32, false),
						b = conv_rate(l, 32, true);

			done |= l->cout;
			printf("conv%d_%dx%d_forward_gflops %.1f\n", l->cout, l->h, l->w, f);
			printf("conv%d_%dx%d_forward_peak_fraction %.2f\n", l->cout, l->h, l->w, f / peak1);
			printf("conv%d_%dx%d_backward_gflops %.1f\n", l->cout, l->h, l->w, b);
			printf("conv%d_%dx%d_backward_peak_fraction %.2f\n", l->cout, l->h, l->w, b / peak1);
		}
	}
	nn_model_free(m);
	free(x);
	free(t);
	return 0;
}
