/*
 * gallery.h
 *	  The HACK paper's Fig. 9 as a picture: blocks of images in a grid
 *	  ("most typical", "most atypical"), each image with its hyperbolic
 *	  norm and its id written under it (gallery.c).
 */
#ifndef HACK_CORE_GALLERY_H
#define HACK_CORE_GALLERY_H

#include <stdint.h>

#include "status.h"

#define HACK_GALLERY_MAX_IMAGES 64	/* per block */
#define HACK_GALLERY_MAX_COLUMNS 64
#define HACK_GALLERY_MIN_CELL 16
#define HACK_GALLERY_MAX_CELL 512
#define HACK_GALLERY_MAX_SIDE 4096	/* pixels, as hack_plot's pictures */
#define HACK_GALLERY_MAX_BLOCKS 4

/* One block: a heading and up to per_block images in reading order. */
typedef struct HackGalleryBlock
{
	const char *title;
	int			count;
	const uint8_t *const *images;	/* count images, CHW uint8 */
	const double *norms;		/* count hyperbolic norms */
	const int64_t *ids;			/* count row ids */
} HackGalleryBlock;

typedef struct HackGalleryInput
{
	int			per_block;		/* cells of each block (its images may be fewer) */
	int			columns;		/* cells per row */
	int			cell;			/* side of a cell, pixels */
	int			channels,
				height,
				width;			/* of every image */
	int			n_blocks;
	const HackGalleryBlock *blocks;
} HackGalleryInput;

/* Where cell i of block b draws its image: top left (x, y), size dw x dh. */
typedef struct HackGalleryBox
{
	int			x,
				y,
				dw,
				dh;
} HackGalleryBox;

extern HackStatus hack_gallery_layout(const HackGalleryInput *in, int *width,
									  int *height, HackError *err);
extern void hack_gallery_box(const HackGalleryInput *in, int block, int i,
							 HackGalleryBox *box);
extern HackStatus hack_gallery_render(const HackGalleryInput *in, uint8_t **rgb,
									  int *width, int *height, HackError *err);

#endif							/* HACK_CORE_GALLERY_H */
