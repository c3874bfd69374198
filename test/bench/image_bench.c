/*
 * image_bench.c
 *	  Decoding + conversion + resize throughput of the core's image path
 *	  (hack_image_decode, format auto): the C side of image_bench.sh.
 *
 * usage: image_bench LISTFILE HEIGHT WIDTH CHANNELS ROUNDS
 * Reads every file named in LISTFILE (one path a line) into memory, then
 * decodes all of them ROUNDS times to CHANNELS x HEIGHT x WIDTH and prints
 * "images_per_s N" for the best round (load on a shared machine hurts
 * both sides alike that way), and "failed N" for files that did not decode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tensor.h"

typedef struct File
{
	uint8_t    *data;
	size_t		len;
} File;

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
	FILE	   *list;
	char		path[4096];
	File	   *files = NULL;
	int			n = 0,
				cap = 0,
				failed = 0,
				rounds;
	HackImageShape shape;
	float	   *out;
	double		best = 0;

	if (argc != 6)
	{
		fprintf(stderr, "usage: image_bench LISTFILE HEIGHT WIDTH CHANNELS ROUNDS\n");
		return 2;
	}
	shape.height = atoi(argv[2]);
	shape.width = atoi(argv[3]);
	shape.channels = atoi(argv[4]);
	rounds = atoi(argv[5]);
	if ((list = fopen(argv[1], "r")) == NULL)
		return 1;
	while (fgets(path, sizeof(path), list))
	{
		FILE	   *f;
		long		len;

		path[strcspn(path, "\n")] = '\0';
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		fseek(f, 0, SEEK_SET);
		if (n == cap)
		{
			cap = cap ? 2 * cap : 256;
			files = realloc(files, sizeof(File) * cap);
		}
		files[n].data = malloc(len > 0 ? len : 1);
		files[n].len = fread(files[n].data, 1, len, f);
		fclose(f);
		n++;
	}
	fclose(list);
	out = malloc(sizeof(float) * shape.channels * shape.height * shape.width);
	for (int r = 0; r < rounds; r++)
	{
		double		t0 = now(),
					dt;

		failed = 0;
		for (int i = 0; i < n; i++)
		{
			HackError	err;

			if (hack_image_decode(files[i].data, files[i].len, HACK_IMAGE_AUTO, &shape,
								  HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err) != HACK_OK)
				failed++;
		}
		dt = now() - t0;
		if (n / dt > best)
			best = n / dt;
	}
	printf("images_per_s %.1f\nfailed %d\n", best, failed);
	for (int i = 0; i < n; i++)
		free(files[i].data);
	free(files);
	free(out);
	return 0;
}
