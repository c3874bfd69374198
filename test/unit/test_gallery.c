/*
 * test_gallery.c
 *	  The bitmap font (src/core/font.c), framed images on a canvas
 *	  (canvas.c), the gallery grid (gallery.c) and the thumbnails' pick
 *	  (plot.c's hack_plot_pick), by their pixels.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "canvas.h"
#include "font.h"
#include "gallery.h"
#include "plot.h"

static const uint8_t black[3] = {0, 0, 0};

static const uint8_t *
px(const uint8_t *rgb, int width, int x, int y)
{
	return rgb + ((size_t) y * width + x) * 3;
}

static bool
is_white(const uint8_t *p)
{
	return p[0] == 255 && p[1] == 255 && p[2] == 255;
}

/* A white canvas of w x h. */
static HackCanvas
white_canvas(int w, int h)
{
	HackCanvas	c = {w, h, malloc((size_t) w * h * 3)};

	memset(c.rgb, 255, (size_t) w * h * 3);
	return c;
}

static void
test_font_glyphs(void)
{
	const char *needed = "0123456789.-#() abcdefghijklmnopqrstuvwxyz";

	/* every character the labels use has a glyph, and every glyph but ' ' sets a cell */
	for (const char *p = needed; *p; p++)
	{
		int			set = 0;

		CHECK(hack_font_has(*p));
		for (int r = 0; r < HACK_FONT_HEIGHT; r++)
			for (int c = 0; c < HACK_FONT_WIDTH; c++)
				set += hack_font_bit(*p, r, c);
		CHECK(*p == ' ' ? set == 0 : set > 0);
	}
	/* '1': the stem is column 2 from row 1 to row 6, the foot row 6 is columns 1..3 */
	for (int r = 1; r < HACK_FONT_HEIGHT; r++)
		CHECK(hack_font_bit('1', r, 2));
	CHECK(hack_font_bit('1', 6, 1) && hack_font_bit('1', 6, 3) && !hack_font_bit('1', 6, 0));
	CHECK(!hack_font_bit('1', 0, 0) && !hack_font_bit('1', 3, 4));
	/* '.' is two by two cells at the bottom left */
	CHECK(hack_font_bit('.', 5, 1) && hack_font_bit('.', 6, 2) && !hack_font_bit('.', 4, 1));
	/* distinct digits look distinct */
	for (char a = '0'; a <= '9'; a++)
		for (char b = a + 1; b <= '9'; b++)
		{
			int			differ = 0;

			for (int r = 0; r < HACK_FONT_HEIGHT; r++)
				for (int c = 0; c < HACK_FONT_WIDTH; c++)
					differ += hack_font_bit(a, r, c) != hack_font_bit(b, r, c);
			CHECK(differ > 0);
		}
	/* upper case as lower; an unknown character is a hollow box; outside the cell nothing */
	CHECK(hack_font_bit('A', 2, 1) == hack_font_bit('a', 2, 1));
	CHECK(!hack_font_has('@') && hack_font_bit('@', 0, 0) && hack_font_bit('@', 3, 4) &&
		  !hack_font_bit('@', 3, 2));
	CHECK(!hack_font_bit('8', -1, 0) && !hack_font_bit('8', 0, HACK_FONT_WIDTH));
	CHECK(hack_font_text_width("", 1) == 0);
	CHECK(hack_font_text_width("1.25", 1) == 4 * HACK_FONT_ADVANCE - 1);
	CHECK(hack_font_text_width("1.25", 3) == 3 * (4 * HACK_FONT_ADVANCE - 1));
}

static void
test_font_draw(void)
{
	HackCanvas	c = white_canvas(40, 20);
	int			inked = 0;

	/* "1" at (3, 4), scale 2: each cell is a 2 x 2 block */
	hack_font_draw(&c, 3, 4, "1", 2, black);
	for (int r = 0; r < HACK_FONT_HEIGHT; r++)
		for (int col = 0; col < HACK_FONT_WIDTH; col++)
			for (int d = 0; d < 4; d++)
			{
				const uint8_t *p = px(c.rgb, c.width, 3 + 2 * col + d % 2, 4 + 2 * r + d / 2);

				CHECK(hack_font_bit('1', r, col) ? p[0] == 0 : is_white(p));
			}
	for (int i = 0; i < c.width * c.height; i++)
		inked += c.rgb[3 * i] == 0;
	{
		int			cells = 0;

		for (int r = 0; r < HACK_FONT_HEIGHT; r++)
			for (int col = 0; col < HACK_FONT_WIDTH; col++)
				cells += hack_font_bit('1', r, col);
		CHECK(inked == 4 * cells);
	}
	/* text running off the canvas is clipped, not written past it */
	hack_font_draw(&c, 35, 15, "888", 3, black);
	hack_font_draw(&c, -20, -20, "888", 3, black);
	free(c.rgb);
}

static void
test_canvas_image(void)
{
	HackCanvas	c = white_canvas(20, 20);
	uint8_t		img[3 * 2 * 2];

	/* 2 x 2 RGB: red green / blue white, drawn 3 times as large at (5, 6) */
	memset(img, 0, sizeof(img));
	img[0] = 255;				/* R plane: (0,0) */
	img[4 + 1] = 255;			/* G plane: (0,1) */
	img[8 + 2] = 255;			/* B plane: (1,0) */
	img[3] = img[4 + 3] = img[8 + 3] = 255;	/* (1,1) white */
	hack_canvas_image(&c, img, 3, 2, 2, 5, 6, 6, 6);
	CHECK(memcmp(px(c.rgb, 20, 5, 6), "\xff\0\0", 3) == 0);
	CHECK(memcmp(px(c.rgb, 20, 7, 8), "\xff\0\0", 3) == 0);
	CHECK(memcmp(px(c.rgb, 20, 8, 6), "\0\xff\0", 3) == 0);
	CHECK(memcmp(px(c.rgb, 20, 5, 9), "\0\0\xff", 3) == 0);
	CHECK(is_white(px(c.rgb, 20, 10, 11)));
	/* the frame is just outside the box, the rest is untouched */
	CHECK(memcmp(px(c.rgb, 20, 4, 6), hack_canvas_frame, 3) == 0);
	CHECK(memcmp(px(c.rgb, 20, 11, 12), hack_canvas_frame, 3) == 0);
	CHECK(is_white(px(c.rgb, 20, 3, 6)) && is_white(px(c.rgb, 20, 12, 13)));
	/* one channel is grey; a box partly outside is clipped */
	{
		uint8_t		grey[1] = {77};

		hack_canvas_image(&c, grey, 1, 1, 1, 16, 16, 8, 8);
		CHECK(memcmp(px(c.rgb, 20, 19, 19), "\x4d\x4d\x4d", 3) == 0);
	}
	free(c.rgb);
}

/* A 4 x 4 image of one grey level. */
static void
flat_image(uint8_t *img, uint8_t v)
{
	memset(img, v, 16);
}

static void
test_gallery_grid(void)
{
	uint8_t		pix[5][16];
	const uint8_t *typ[3] = {pix[0], pix[1], pix[2]};
	const uint8_t *atyp[2] = {pix[3], pix[4]};
	double		tn[3] = {0.12, 0.5, 1.25},
				an[2] = {7.5, 3.0};
	int64_t		tid[3] = {1, 2, 3},
				aid[2] = {40, 41};
	HackGalleryBlock blocks[2] = {
		{"most typical", 3, typ, tn, tid},
		{"most atypical", 2, atyp, an, aid},
	};
	HackGalleryInput in = {
		.per_block = 4, .columns = 2, .cell = 20, .channels = 1, .height = 4, .width = 4,
		.n_blocks = 2, .blocks = blocks
	};
	uint8_t    *rgb;
	int			w,
				h,
				lw,
				lh;
	HackError	err;

	for (int i = 0; i < 5; i++)
		flat_image(pix[i], (uint8_t) (10 + 40 * i));
	CHECK(hack_gallery_layout(&in, &lw, &lh, &err) == HACK_OK);
	CHECK(hack_gallery_render(&in, &rgb, &w, &h, &err) == HACK_OK);
	CHECK(w == lw && h == lh);
	/* width: the heading at scale 2 is wider than 2 cells; height: 2 blocks of 2 rows */
	CHECK(w == 2 * 10 + hack_font_text_width("most atypical", 2));
	CHECK(h == 2 * 10 + 2 * (14 + 6 + 2 * (20 + 20) + 6) + 14);
	/* each image fills its box (4 x 4 scaled by 5 to 20 x 20) with its grey */
	for (int b = 0; b < 2; b++)
		for (int i = 0; i < blocks[b].count; i++)
		{
			HackGalleryBox box;
			uint8_t		v = blocks[b].images[i][0];

			hack_gallery_box(&in, b, i, &box);
			CHECK(box.dw == 20 && box.dh == 20);
			CHECK(box.x >= 0 && box.y >= 0 && box.x + box.dw <= w && box.y + box.dh <= h);
			for (int y = 0; y < box.dh; y += 3)
				for (int x = 0; x < box.dw; x += 3)
					CHECK(px(rgb, w, box.x + x, box.y + y)[0] == v);
			CHECK(memcmp(px(rgb, w, box.x - 1, box.y), hack_canvas_frame, 3) == 0);
			/* the label rows under the image hold ink */
			{
				int			ink = 0;

				for (int y = box.y + box.dh + 1; y < box.y + box.dh + 22; y++)
					for (int x = box.x - 4; x < box.x + box.dw + 4; x++)
						ink += px(rgb, w, x, y)[0] < 100;
				CHECK(ink > 20);
			}
		}
	/* cells are laid out in reading order, rows below rows, the second block below the first */
	{
		HackGalleryBox a,
					b,
					c,
					d;

		hack_gallery_box(&in, 0, 0, &a);
		hack_gallery_box(&in, 0, 1, &b);
		hack_gallery_box(&in, 0, 2, &c);
		hack_gallery_box(&in, 1, 0, &d);
		CHECK(b.y == a.y && b.x == a.x + 20 + 8);
		CHECK(c.x == a.x && c.y == a.y + 20 + 20 + 6);
		CHECK(d.x == a.x && d.y > c.y + 20);
		/* the empty fourth cell of block 1 is white */
		hack_gallery_box(&in, 0, 3, &a);
		CHECK(is_white(px(rgb, w, a.x + 10, a.y + 10)));
	}
	free(rgb);
}

static void
test_gallery_colour_and_shrink(void)
{
	uint8_t		img[3 * 2 * 3];
	const uint8_t *one[1] = {img};
	double		norm[1] = {2.0};
	int64_t		id[1] = {9};
	HackGalleryBlock blk = {"x", 1, one, norm, id};
	HackGalleryInput in = {
		.per_block = 1, .columns = 1, .cell = 16, .channels = 3, .height = 2, .width = 3,
		.n_blocks = 1, .blocks = &blk
	};
	HackGalleryBox box;
	uint8_t    *rgb;
	int			w,
				h;
	HackError	err;

	/* a 2 x 3 image of (250, 20, 90): scaled by 5 to 15 x 10, centred, in colour */
	memset(img, 250, 6);
	memset(img + 6, 20, 6);
	memset(img + 12, 90, 6);
	CHECK(hack_gallery_render(&in, &rgb, &w, &h, &err) == HACK_OK);
	hack_gallery_box(&in, 0, 0, &box);
	CHECK(box.dw == 15 && box.dh == 10);
	CHECK(memcmp(px(rgb, w, box.x + 7, box.y + 5), "\xfa\x14\x5a", 3) == 0);
	free(rgb);
	/* an image larger than its cell is shrunk to fit, keeping its aspect */
	in.height = 64;
	in.width = 32;
	{
		uint8_t    *big = calloc(3 * 64 * 32, 1);

		one[0] = big;
		hack_gallery_box(&in, 0, 0, &box);
		CHECK(box.dh == 16 && box.dw == 8);
		CHECK(hack_gallery_render(&in, &rgb, &w, &h, &err) == HACK_OK);
		CHECK(memcmp(px(rgb, w, box.x + 4, box.y + 8), "\0\0\0", 3) == 0);
		free(rgb);
		free(big);
	}
}

static void
test_gallery_limits(void)
{
	HackGalleryBlock blocks[2] = {{"a", 0, NULL, NULL, NULL}, {"b", 0, NULL, NULL, NULL}};
	HackGalleryInput in = {
		.per_block = 8, .columns = 8, .cell = 96, .channels = 1, .height = 28, .width = 28,
		.n_blocks = 2, .blocks = blocks
	};
	int			w,
				h;
	uint8_t    *rgb;
	HackError	err;

	CHECK(hack_gallery_layout(&in, &w, &h, &err) == HACK_OK);
	/* empty blocks draw an empty grid of the same size */
	CHECK(hack_gallery_render(&in, &rgb, &w, &h, &err) == HACK_OK);
	free(rgb);
	in.per_block = 0;
	CHECK(hack_gallery_layout(&in, &w, &h, &err) == HACK_ERR_PARAMETER);
	in.per_block = HACK_GALLERY_MAX_IMAGES + 1;
	CHECK(hack_gallery_layout(&in, &w, &h, &err) == HACK_ERR_LIMIT);
	in.per_block = 64;
	in.columns = 64;
	in.cell = 512;
	CHECK(hack_gallery_layout(&in, &w, &h, &err) == HACK_ERR_LIMIT);
	CHECK(strstr(err.message, "33292 x 1138 pixels") != NULL);
	in.columns = 0;
	CHECK(hack_gallery_layout(&in, &w, &h, &err) == HACK_ERR_PARAMETER);
	in.columns = 8;
	in.cell = HACK_GALLERY_MIN_CELL - 1;
	CHECK(hack_gallery_layout(&in, &w, &h, &err) == HACK_ERR_PARAMETER);
	in.cell = 96;
	in.per_block = 4;
	blocks[0].count = 5;		/* more images than cells */
	CHECK(hack_gallery_render(&in, &rgb, &w, &h, &err) == HACK_ERR_PARAMETER && rgb == NULL);
	{
		const uint8_t *none[1] = {NULL};
		double		nan_norm[1] = {NAN};
		int64_t		id[1] = {1};
		uint8_t		pix[28 * 28] = {0};
		const uint8_t *some[1] = {pix};

		blocks[0] = (HackGalleryBlock) {"a", 1, none, nan_norm, id};
		CHECK(hack_gallery_render(&in, &rgb, &w, &h, &err) == HACK_ERR_PARAMETER);
		blocks[0].images = some;
		CHECK(hack_gallery_render(&in, &rgb, &w, &h, &err) == HACK_ERR_PARAMETER);
	}
}

/*
 * Thumbnails picked first (hack_plot_pick over every point) and drawn from
 * in.picks give the picture hack_plot_render picks by itself, and a pick
 * without an image is left out.
 */
static void
test_plot_picks(void)
{
	enum
	{
		N = 40
	};
	double		xy[2 * N];
	uint8_t		img[N][16];
	const uint8_t *imgs[N];
	int			picks[HACK_PLOT_MAX_PICKS];
	int			n_picks;
	HackPlotInput in = {0};
	uint8_t    *a,
			   *b;
	HackError	err;
	UnitRng		r = {11};
	size_t		bytes = (size_t) 256 * 256 * 3;

	for (int i = 0; i < N; i++)
	{
		double		t = 6.283 * unit_rng_uniform(&r),
					rad = 0.9 * sqrt(unit_rng_uniform(&r));

		xy[2 * i] = rad * cos(t);
		xy[2 * i + 1] = rad * sin(t);
		memset(img[i], (uint8_t) (i * 5), 16);
		imgs[i] = img[i];
	}
	in = (HackPlotInput) {
		.n = N, .xy = xy, .color = HACK_PLOT_BY_NORM, .img_channels = 1, .img_height = 4,
		.img_width = 4, .rays = 6, .rings = 2, .size = 256
	};
	CHECK(hack_plot_pick(&in, picks, &n_picks, &err) == HACK_OK);
	CHECK(n_picks >= 1 && n_picks <= 1 + 6 * 2);
	for (int k = 0; k < n_picks; k++)
		for (int j = 0; j < k; j++)
			CHECK(picks[j] != picks[k]);
	in.images = imgs;
	CHECK(hack_plot_render(&in, &a, &err) == HACK_OK);
	in.picks = picks;
	in.n_picks = n_picks;
	CHECK(hack_plot_render(&in, &b, &err) == HACK_OK);
	CHECK(memcmp(a, b, bytes) == 0);
	free(b);
	/* without the first pick's image, its thumbnail is gone and nothing else moves */
	imgs[picks[0]] = NULL;
	CHECK(hack_plot_render(&in, &b, &err) == HACK_OK);
	CHECK(memcmp(a, b, bytes) != 0);
	free(a);
	free(b);
	in.rays = 0;
	CHECK(hack_plot_pick(&in, picks, &n_picks, &err) == HACK_ERR_PARAMETER);
}

void		suite_gallery(void);

void
suite_gallery(void)
{
	RUN(test_font_glyphs);
	RUN(test_font_draw);
	RUN(test_canvas_image);
	RUN(test_gallery_grid);
	RUN(test_gallery_colour_and_shrink);
	RUN(test_gallery_limits);
	RUN(test_plot_picks);
}
