/*
 * gallery.c
 *	  A grid of images with their norms: the HACK paper's Fig. 9.
 *
 * The picture is white, with one block per heading ("most typical",
 * "most atypical").  A block is its heading (font at scale 2) and
 * per_block cells in rows of `columns`; each cell is a cell x cell square
 * holding one image, framed, scaled by the largest whole factor that fits
 * (nearest neighbour, so pixels stay sharp) or shrunk to fit, and centred,
 * with its norm (two decimals) and its id written under it.  The layout
 * depends on the parameters only, never on how many images a block has,
 * so the size can be checked against the limits before any image is read,
 * and a block with fewer images leaves its last cells empty.
 */
#include "gallery.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canvas.h"
#include "font.h"

#define MARGIN 10
#define TITLE_SCALE 2
#define TITLE_H (HACK_FONT_HEIGHT * TITLE_SCALE)
#define TITLE_GAP 6				/* heading to first row */
#define CELL_GAP 8				/* between columns */
#define LABEL_GAP 4				/* image to its first label line */
#define LINE_GAP 2				/* between label lines */
#define LABEL_H (LABEL_GAP + 2 * HACK_FONT_HEIGHT + LINE_GAP)
#define ROW_GAP 6				/* below a row's labels */
#define BLOCK_GAP 14			/* between blocks */

static const uint8_t ink[3] = {30, 30, 30};

/* Columns actually used: no more than a block's cells. */
static int
used_columns(const HackGalleryInput *in)
{
	return in->columns < in->per_block ? in->columns : in->per_block;
}

/* Rows of a block. */
static int
block_rows(const HackGalleryInput *in)
{
	int			cols = used_columns(in);

	return (in->per_block + cols - 1) / cols;
}

/* Height in pixels of one block. */
static long
block_height(const HackGalleryInput *in)
{
	int			rows = block_rows(in);

	return TITLE_H + TITLE_GAP + (long) rows * (in->cell + LABEL_H) + (long) (rows - 1) * ROW_GAP;
}

/*
 * Check the parameters and compute the picture's size.  Too many images
 * or too large a picture is HACK_ERR_LIMIT with the sizes in the message;
 * other bad parameters are HACK_ERR_PARAMETER.
 */
HackStatus
hack_gallery_layout(const HackGalleryInput *in, int *width, int *height, HackError *err)
{
	long		w,
				h,
				grid;
	int			cols;

	if (in->per_block < 1)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "a gallery needs at least 1 image per block, got %d", in->per_block);
	if (in->per_block > HACK_GALLERY_MAX_IMAGES)
		return hack_error_set(err, HACK_ERR_LIMIT, NULL,
							  "a gallery shows at most %d images per block, got %d",
							  HACK_GALLERY_MAX_IMAGES, in->per_block);
	if (in->columns < 1 || in->columns > HACK_GALLERY_MAX_COLUMNS)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "gallery columns must be between 1 and %d, got %d",
							  HACK_GALLERY_MAX_COLUMNS, in->columns);
	if (in->cell < HACK_GALLERY_MIN_CELL || in->cell > HACK_GALLERY_MAX_CELL)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "gallery cell must be between %d and %d pixels, got %d",
							  HACK_GALLERY_MIN_CELL, HACK_GALLERY_MAX_CELL, in->cell);
	if (in->channels < 1 || in->height < 1 || in->width < 1)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "gallery images must have a positive shape, got %d x %d x %d",
							  in->channels, in->height, in->width);
	if (in->n_blocks < 1 || in->n_blocks > HACK_GALLERY_MAX_BLOCKS)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "a gallery has 1 to %d blocks, got %d",
							  HACK_GALLERY_MAX_BLOCKS, in->n_blocks);
	cols = used_columns(in);
	grid = (long) cols * in->cell + (long) (cols - 1) * CELL_GAP;
	for (int b = 0; b < in->n_blocks; b++)
	{
		long		t = hack_font_text_width(in->blocks[b].title, TITLE_SCALE);

		if (t > grid)
			grid = t;
	}
	w = 2 * MARGIN + grid;
	h = 2 * MARGIN + in->n_blocks * block_height(in) + (long) (in->n_blocks - 1) * BLOCK_GAP;
	if (w > HACK_GALLERY_MAX_SIDE || h > HACK_GALLERY_MAX_SIDE)
		return hack_error_set(err, HACK_ERR_LIMIT,
							  "Use fewer images, more or fewer columns, or smaller cells.",
							  "a gallery of %d x %d images in %d columns of %d-pixel cells would be %ld x %ld pixels, above the limit of %d x %d",
							  in->n_blocks, in->per_block, cols, in->cell, w, h,
							  HACK_GALLERY_MAX_SIDE, HACK_GALLERY_MAX_SIDE);
	*width = (int) w;
	*height = (int) h;
	return HACK_OK;
}

/*
 * The box of cell i of block b (parameters already checked): the image is
 * scaled by the largest whole factor that fits the cell, or shrunk to fit
 * when it is larger, keeping its aspect, and centred.
 */
void
hack_gallery_box(const HackGalleryInput *in, int block, int i, HackGalleryBox *box)
{
	int			cols = used_columns(in);
	int			side = in->height > in->width ? in->height : in->width;
	int			x = MARGIN + (i % cols) * (in->cell + CELL_GAP);
	long		y = MARGIN + block * (block_height(in) + BLOCK_GAP) + TITLE_H + TITLE_GAP +
		(long) (i / cols) * (in->cell + LABEL_H + ROW_GAP);

	if (side <= in->cell)
	{
		int			s = in->cell / side;

		box->dw = in->width * s;
		box->dh = in->height * s;
	}
	else
	{
		box->dw = (int) ((long) in->width * in->cell / side);
		box->dh = (int) ((long) in->height * in->cell / side);
		if (box->dw < 1)
			box->dw = 1;
		if (box->dh < 1)
			box->dh = 1;
	}
	box->x = x + (in->cell - box->dw) / 2;
	box->y = (int) y + (in->cell - box->dh) / 2;
}

/* Draw text centred on x, top at y, if it fits in width pixels. */
static void
label(HackCanvas *c, int x, int y, int width, const char *text)
{
	int			w = hack_font_text_width(text, 1);

	if (w <= width)
		hack_font_draw(c, x - w / 2, y, text, 1, ink);
}

/* Render the gallery to a new RGB buffer (malloc'd) of *width x *height. */
HackStatus
hack_gallery_render(const HackGalleryInput *in, uint8_t **rgb, int *width, int *height,
					HackError *err)
{
	HackCanvas	c;
	HackStatus	st;

	*rgb = NULL;
	if ((st = hack_gallery_layout(in, width, height, err)) != HACK_OK)
		return st;
	for (int b = 0; b < in->n_blocks; b++)
	{
		const HackGalleryBlock *blk = &in->blocks[b];

		if (blk->count < 0 || blk->count > in->per_block)
			return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
								  "gallery block %d has %d images, more than its %d cells",
								  b + 1, blk->count, in->per_block);
		for (int i = 0; i < blk->count; i++)
			if (blk->images[i] == NULL || !isfinite(blk->norms[i]))
				return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
									  "gallery image %d of block %d has no pixels or no finite norm",
									  i + 1, b + 1);
	}
	c.width = *width;
	c.height = *height;
	c.rgb = malloc((size_t) c.width * c.height * 3);
	if (c.rgb == NULL)
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL, "out of memory drawing a gallery");
	memset(c.rgb, 255, (size_t) c.width * c.height * 3);
	for (int b = 0; b < in->n_blocks; b++)
	{
		const HackGalleryBlock *blk = &in->blocks[b];
		int			top = MARGIN + b * (int) (block_height(in) + BLOCK_GAP);

		hack_font_draw(&c, MARGIN, top, blk->title, TITLE_SCALE, ink);
		for (int i = 0; i < blk->count; i++)
		{
			HackGalleryBox box;
			char		text[32];
			int			cx,
						ly;

			hack_gallery_box(in, b, i, &box);
			hack_canvas_image(&c, blk->images[i], in->channels, in->height, in->width,
							  box.x, box.y, box.dw, box.dh);
			/* labels centred under the cell, not under the (maybe smaller) image */
			cx = MARGIN + (i % used_columns(in)) * (in->cell + CELL_GAP) + in->cell / 2;
			ly = top + TITLE_H + TITLE_GAP + (i / used_columns(in)) * (in->cell + LABEL_H + ROW_GAP) +
				in->cell + LABEL_GAP;
			snprintf(text, sizeof(text), "%.2f", blk->norms[i]);
			label(&c, cx, ly, in->cell + CELL_GAP, text);
			snprintf(text, sizeof(text), "id %" PRId64, blk->ids[i]);
			label(&c, cx, ly + HACK_FONT_HEIGHT + LINE_GAP, in->cell + CELL_GAP, text);
		}
	}
	*rgb = c.rgb;
	return HACK_OK;
}
