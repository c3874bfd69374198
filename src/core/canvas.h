/*
 * canvas.h
 *	  An RGB picture being drawn: blended pixels and framed images, shared
 *	  by the disc picture (plot.c) and the gallery (gallery.c).
 */
#ifndef HACK_CORE_CANVAS_H
#define HACK_CORE_CANVAS_H

#include <stddef.h>
#include <stdint.h>

typedef struct HackCanvas
{
	int			width;
	int			height;
	uint8_t    *rgb;			/* width x height x 3, row by row */
} HackCanvas;

/* the grey of image frames and of text */
extern const uint8_t hack_canvas_frame[3];

extern void hack_canvas_pixel(HackCanvas *c, int x, int y, const uint8_t *col,
							  double alpha);
extern void hack_canvas_image(HackCanvas *c, const uint8_t *img, int channels,
							  int height, int width, int x0, int y0, int dw, int dh);

#endif							/* HACK_CORE_CANVAS_H */
