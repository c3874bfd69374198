/*
 * packing_bench.c
 *	  Our side of test/bench/packing_bench.sh: time hack_pack() and print
 *	  the quality figures of a packing, ours or one read from a file.
 *
 * Usage: packing_bench pack N EPOCHS       pack with the defaults, seed 0
 *        packing_bench stats FILE N DIM    figures of N x DIM float64 points
 */
#define _POSIX_C_SOURCE 199309L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "packing.h"
#include "packing_stats.h"

/* Print the quality figures of x on one line. */
static int
print_stats(const char *who, const double *x, int n, int dim)
{
	HackPackStats s;
	HackError	err;
	long		lo = n,
				hi = 0;

	if (hack_packing_stats(x, n, dim, 0.76, &s, NULL, NULL, &err) != HACK_OK)
	{
		fprintf(stderr, "stats: %s\n", err.message);
		return 1;
	}
	for (int a = 0; a < HACK_PACK_ANNULI; a++)
	{
		lo = s.annulus[a] < lo ? s.annulus[a] : lo;
		hi = s.annulus[a] > hi ? s.annulus[a] : hi;
	}
	printf("%s stats: shells %ld..%ld of %d, outside %ld, nn_mean %.5f nn_cv %.4f "
		   "nn_min/mean %.3f max_norm %.5f coincident %ld\n",
		   who, lo, hi, n / HACK_PACK_ANNULI, s.outside, s.nn_mean, s.nn_cv,
		   s.nn_min / s.nn_mean, s.max_norm, s.coincident);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "pack") == 0)
	{
		HackPackParams p;
		HackError	err;
		struct timespec t0,
					t1;
		double	   *x;
		double		secs;

		hack_pack_defaults(&p);
		p.n = atoi(argv[2]);
		p.epochs = atoi(argv[3]);
		x = malloc(sizeof(double) * p.n * p.dim);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (hack_pack(&p, x, NULL, NULL, &err) != HACK_OK)
		{
			fprintf(stderr, "hack_pack: %s\n", err.message);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		secs = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
		printf("ours n=%d epochs=%d threads=1 time=%.3fs per_epoch=%.2fms\n",
			   p.n, p.epochs, secs, secs / (p.epochs > 0 ? p.epochs : 1) * 1000.0);
		return print_stats("ours", x, p.n, p.dim);
	}
	if (argc == 5 && strcmp(argv[1], "stats") == 0)
	{
		int			n = atoi(argv[3]);
		int			dim = atoi(argv[4]);
		double	   *x = malloc(sizeof(double) * n * dim);
		FILE	   *f = fopen(argv[2], "rb");

		if (f == NULL || fread(x, sizeof(double), (size_t) n * dim, f) != (size_t) n * dim)
		{
			fprintf(stderr, "cannot read %d x %d doubles from %s\n", n, dim, argv[2]);
			return 1;
		}
		fclose(f);
		return print_stats("torch", x, n, dim);
	}
	fprintf(stderr, "usage: %s pack N EPOCHS | stats FILE N DIM\n", argv[0]);
	return 2;
}
