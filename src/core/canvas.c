/*
 * canvas.c
 *	  Drawing on an RGB buffer: one blended pixel, clipped to the picture,
 *	  and an image scaled into a box with a one-pixel frame.
 */
#include "canvas.h"

#include <math.h>

const uint8_t hack_canvas_frame[3] = {60, 60, 60};

/* Blend col into pixel (x, y) with opacity alpha; outside the picture: nothing. */
void
hack_canvas_pixel(HackCanvas *c, int x, int y, const uint8_t *col, double alpha)
{
	uint8_t    *p;

	if (x < 0 || y < 0 || x >= c->width || y >= c->height)
		return;
	p = c->rgb + ((size_t) y * c->width + x) * 3;
	for (int k = 0; k < 3; k++)
		p[k] = (uint8_t) lround(p[k] * (1.0 - alpha) + col[k] * alpha);
}

/*
 * Draw img (CHW uint8, channels x height x width) into the dw x dh box
 * whose top left pixel is (x0, y0), by nearest neighbour, framed just
 * outside the box.  Three or more channels are shown as RGB (the first
 * three), fewer as grey (the first).
 */
void
hack_canvas_image(HackCanvas *c, const uint8_t *img, int channels, int height,
				  int width, int x0, int y0, int dw, int dh)
{
	for (int y = -1; y <= dh; y++)
		for (int x = -1; x <= dw; x++)
		{
			uint8_t		col[3];

			if (x < 0 || y < 0 || x == dw || y == dh)
			{
				hack_canvas_pixel(c, x0 + x, y0 + y, hack_canvas_frame, 1.0);
				continue;
			}
			for (int k = 0; k < 3; k++)
			{
				int			ch = channels >= 3 ? k : 0;
				int			sy = y * height / dh,
							sx = x * width / dw;

				col[k] = img[((size_t) ch * height + sy) * width + sx];
			}
			hack_canvas_pixel(c, x0 + x, y0 + y, col, 1.0);
		}
}
