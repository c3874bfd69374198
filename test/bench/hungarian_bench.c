/*
 * hungarian_bench.c
 *	  Times the core assignment solver on the matrices written by
 *	  hungarian_bench.py: prints "name n seconds total" (best of REPEAT).
 */
#define _POSIX_C_SOURCE 199309L

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "hungarian.h"

#define REPEAT 3

/* Wall-clock seconds. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int
main(int argc, char **argv)
{
	static const char *const names[] = {"uniform", "hyperbolic"};
	static const int sizes[] = {1024, 2048};

	if (argc != 2)
	{
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (int s = 0; s < 2; s++)
		for (int k = 0; k < 2; k++)
		{
			int			n = sizes[s];
			char		path[4096];
			double	   *c = malloc(sizeof(double) * n * n);
			int		   *assign = malloc(sizeof(int) * n);
			double		best = 1e300,
						total = 0;
			FILE	   *f;
			HackError	err;

			snprintf(path, sizeof(path), "%s/%s_%d.f64", argv[1], names[k], n);
			if ((f = fopen(path, "rb")) == NULL ||
				fread(c, sizeof(double), (size_t) n * n, f) != (size_t) n * n)
			{
				fprintf(stderr, "cannot read %s\n", path);
				return 1;
			}
			fclose(f);
			for (int r = 0; r < REPEAT; r++)
			{
				double		t0 = now();

				if (hungarian_solve(c, n, n, false, assign, &total, NULL, NULL,
									NULL, NULL, &err) != HACK_OK)
				{
					fprintf(stderr, "%s: %s\n", path, err.message);
					return 1;
				}
				if (now() - t0 < best)
					best = now() - t0;
			}
			printf("%s %d %.6f %.17g\n", names[k], n, best, total);
			free(c);
			free(assign);
		}
	return 0;
}
