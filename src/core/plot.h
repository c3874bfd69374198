/*
 * plot.h
 *	  Pictures of the Poincaré disc: embeddings as coloured points, rings of
 *	  equal hyperbolic norm, and image thumbnails at sampled positions (the
 *	  layout of the HACK paper's figures), rendered to RGB and PNG.
 */
#ifndef HACK_CORE_PLOT_H
#define HACK_CORE_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define HACK_PLOT_MIN_SIZE 64
#define HACK_PLOT_MAX_SIZE 4096

typedef enum HackPlotColor
{
	HACK_PLOT_BY_GROUP,			/* categorical palette by group number */
	HACK_PLOT_BY_NORM			/* sequential colour map by hyperbolic norm */
} HackPlotColor;

typedef struct HackPlotInput
{
	int			n;				/* points */
	const double *xy;			/* n x 2 coordinates in the unit disc */
	const int  *groups;			/* n group numbers, or NULL */
	HackPlotColor color;
	/* thumbnails: n images (entries may be NULL), CHW uint8, or images == NULL */
	const uint8_t *const *images;
	int			img_channels,
				img_height,
				img_width;
	int			rays;			/* thumbnail rays at equal angles (e.g. 12) */
	int			rings;			/* thumbnail radii per ray (e.g. 4) */
	/* the points to show thumbnails of (hack_plot_pick's), or NULL: pick them */
	const int  *picks;
	int			n_picks;
	int			size;			/* picture is size x size pixels */
	/* called every HACK_PLOT_PROGRESS_EVERY points; NULL: never */
	HackProgressFn progress;
	void	   *progress_arg;
} HackPlotInput;

#define HACK_PLOT_PROGRESS_EVERY 65536
#define HACK_PLOT_MAX_RAYS 64
#define HACK_PLOT_MAX_RINGS 16
/* the centre and every ring of every ray */
#define HACK_PLOT_MAX_PICKS (1 + HACK_PLOT_MAX_RAYS * HACK_PLOT_MAX_RINGS)

extern HackStatus hack_plot_check(const HackPlotInput *in, bool thumbnails,
								  HackError *err);
extern HackStatus hack_plot_render(const HackPlotInput *in, uint8_t **rgb,
								   HackError *err);
extern HackStatus hack_plot_pick(const HackPlotInput *in, int *picks,
								 int *n_picks, HackError *err);
extern HackStatus hack_png_encode(const uint8_t *rgb, int width, int height,
								  uint8_t **png, size_t *png_len,
								  HackProgressFn progress, void *arg,
								  HackError *err);

#endif							/* HACK_CORE_PLOT_H */
