/*
 * test_plot.c
 *	  Disc pictures (src/core/plot.c) and PNG encoding (src/core/png.c).
 */
#include "unit.h"

#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"

static const uint8_t *
at(const uint8_t *rgb, int size, int x, int y)
{
	return rgb + ((size_t) y * size + x) * 3;
}

static void
test_render_points_and_circle(void)
{
	double		xy[6] = {0.0, 0.0, 0.5, 0.0, -0.3, -0.6};
	int			groups[3] = {0, 1, 3};
	HackPlotInput in = {0};
	uint8_t    *rgb;
	HackError	err;
	int			size = 200;
	double		scale = size / 2.0 - 4.0;

	in.n = 3;
	in.xy = xy;
	in.groups = groups;
	in.size = size;
	CHECK(hack_plot_render(&in, &rgb, &err) == HACK_OK);
	/* a corner is background, the boundary is dark, the dots have their group colours */
	CHECK(memcmp(at(rgb, size, 1, 1), "\xff\xff\xff", 3) == 0);
	CHECK(at(rgb, size, size / 2, 4)[0] < 100);
	CHECK(at(rgb, size, size / 2, size / 2)[2] > at(rgb, size, size / 2, size / 2)[0]);	/* blue */
	{
		const uint8_t *p = at(rgb, size, (int) (size / 2.0 + 0.5 * scale), size / 2);

		CHECK(p[0] > 200 && p[1] > 90 && p[1] < 170 && p[2] < 80);	/* orange */
	}
	free(rgb);
	in.size = 10;
	CHECK(hack_plot_render(&in, &rgb, &err) == HACK_ERR_PARAMETER);
	in.size = size;
	xy[2] = 1.0;
	CHECK(hack_plot_render(&in, &rgb, &err) == HACK_ERR_OUT_OF_RANGE);
}

static void
test_thumbnails(void)
{
	enum
	{
		N = 50
	};
	double		xy[2 * N];
	uint8_t		img[N][16];
	const uint8_t *imgs[N];
	HackPlotInput in = {0};
	uint8_t    *rgb;
	HackError	err;
	UnitRng		r = {3};
	int			size = 320;

	for (int i = 0; i < N; i++)
	{
		double		a = 6.283 * unit_rng_uniform(&r),
					rad = 0.9 * sqrt(unit_rng_uniform(&r));

		xy[2 * i] = rad * cos(a);
		xy[2 * i + 1] = rad * sin(a);
		memset(img[i], 0, sizeof(img[i]));	/* black thumbnails */
		imgs[i] = img[i];
	}
	xy[0] = xy[1] = 0.0;		/* the centre sample picks image 0 */
	in = (HackPlotInput) {
		.n = N, .xy = xy, .color = HACK_PLOT_BY_NORM, .images = imgs,
		.img_channels = 1, .img_height = 4, .img_width = 4,
		.rays = 8, .rings = 3, .size = size
	};
	CHECK(hack_plot_render(&in, &rgb, &err) == HACK_OK);
	CHECK(memcmp(at(rgb, size, size / 2, size / 2), "\0\0\0", 3) == 0);
	free(rgb);
	in.rays = 0;
	CHECK(hack_plot_render(&in, &rgb, &err) == HACK_ERR_PARAMETER);
}

static void
test_png_round_trip(void)
{
	int			w = 37,
				h = 23;
	uint8_t    *rgb = malloc((size_t) w * h * 3);
	uint8_t    *back = malloc((size_t) w * h * 3);
	uint8_t    *png;
	size_t		len;
	HackError	err;
	png_image	image;

	for (int i = 0; i < w * h * 3; i++)
		rgb[i] = (uint8_t) (i * 7);
	CHECK(hack_png_encode(rgb, w, h, &png, &len, NULL, NULL, &err) == HACK_OK);
	CHECK(len > 8 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0);
	memset(&image, 0, sizeof(image));
	image.version = PNG_IMAGE_VERSION;
	CHECK(png_image_begin_read_from_memory(&image, png, len));
	CHECK(image.width == (png_uint_32) w && image.height == (png_uint_32) h);
	image.format = PNG_FORMAT_RGB;
	CHECK(png_image_finish_read(&image, NULL, back, 0, NULL));
	CHECK(memcmp(rgb, back, (size_t) w * h * 3) == 0);
	free(png);
	free(rgb);
	free(back);
}

/* A progress callback that stops at its second call. */
static bool
stop_second(void *arg, double done, double total)
{
	int		   *calls = arg;

	(void) done;
	(void) total;
	return ++*calls < 2;
}

static void
test_render_interrupted(void)
{
	int			n = 3 * HACK_PLOT_PROGRESS_EVERY;
	double	   *xy = calloc((size_t) n * 2, sizeof(double));
	HackPlotInput in = {0};
	uint8_t    *rgb = NULL;
	HackError	err;
	int			calls = 0;

	in.n = n;
	in.xy = xy;
	in.size = 64;
	in.progress = stop_second;
	in.progress_arg = &calls;
	CHECK(hack_plot_render(&in, &rgb, &err) == HACK_ERR_INTERRUPTED);
	CHECK(rgb == NULL);
	CHECK(calls == 2);
	{
		/* the PNG encoder stops at its second check, row 64 */
		uint8_t    *pix = calloc(200 * 200, 3);
		uint8_t    *png = NULL;
		size_t		len = 0;

		calls = 0;
		CHECK(hack_png_encode(pix, 200, 200, &png, &len, stop_second, &calls, &err) ==
			  HACK_ERR_INTERRUPTED);
		CHECK(png == NULL && calls == 2);
		free(pix);
	}
	free(xy);
}

void		suite_plot(void);

void
suite_plot(void)
{
	RUN(test_render_points_and_circle);
	RUN(test_thumbnails);
	RUN(test_render_interrupted);
	RUN(test_png_round_trip);
}
