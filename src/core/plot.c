/*
 * plot.c
 *	  Rendering the Poincaré disc to an RGB buffer.
 *
 * The picture: a white square, the unit circle, faint rings at hyperbolic
 * norms 1, 2, 3, ... (Euclidean radius tanh(rho / 2)), one dot per
 * embedding coloured by its group (a ten-colour categorical palette) or by
 * its hyperbolic norm (a viridis-like ramp), and optionally thumbnails:
 * `rays` rays at equal angles and `rings` radii along each (equal steps of
 * hyperbolic norm up to the outermost embedding), each showing the image of
 * the embedding nearest to that sample, as the HACK paper's figures do.
 * Thumbnails are drawn last, centred on the embedding they show, with a
 * thin frame, and a sample whose nearest image is already shown is
 * skipped.
 */
#include "plot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "canvas.h"
#include "hyperbolic.h"

#define PLOT_PI 3.14159265358979323846

/* Tableau's ten categorical colours */
static const uint8_t palette[10][3] = {
	{31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40}, {148, 103, 189},
	{140, 86, 75}, {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207},
};

/* Five stops of viridis, interpolated */
static const uint8_t ramp[5][3] = {
	{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37},
};

/* Disc coordinates (unit disc, y up) to pixel coordinates. */
static void
to_pixel(const HackCanvas *c, double x, double y, double *px, double *py)
{
	double		half = c->width / 2.0;
	double		scale = half - 4.0;

	*px = half + x * scale;
	*py = half - y * scale;
}

/* Draw the pixels of row y in [xa, xb] within one pixel of the circle. */
static void
circle_span(HackCanvas *c, int y, int xa, int xb, double cx, double cy, double r,
			const uint8_t *col, double alpha)
{
	for (int x = xa; x <= xb; x++)
	{
		double		d = fabs(hypot(x + 0.5 - cx, y + 0.5 - cy) - r);

		if (d < 1.0)
			hack_canvas_pixel(c, x, y, col, alpha * (1.0 - d));
	}
}

/*
 * An anti-aliased circle outline of pixel radius r around (cx, cy).  Each
 * row only visits the two spans where the ring can be (pixel centres at a
 * distance within r +- 1, widened by a pixel), not the whole bounding box:
 * O(r) pixels instead of O(r^2), which made a 4096-pixel picture take two
 * seconds for its twelve rings.
 */
static void
circle(HackCanvas *c, double cx, double cy, double r, const uint8_t *col, double alpha)
{
	int			y0 = (int) floor(cy - r - 2),
				y1 = (int) ceil(cy + r + 2);

	for (int y = y0; y <= y1; y++)
	{
		double		dy = y + 0.5 - cy;
		double		outer = (r + 1.0) * (r + 1.0) - dy * dy;
		double		inner = r > 1.0 ? (r - 1.0) * (r - 1.0) - dy * dy : -1.0;
		double		xo,
					xi;
		int			la,
					lb,
					ra,
					rb;

		if (outer < 0.0)
			continue;
		xo = sqrt(outer);
		xi = inner > 0.0 ? sqrt(inner) : 0.0;
		la = (int) floor(cx - xo - 0.5) - 1;
		lb = (int) ceil(cx - xi - 0.5) + 1;
		ra = (int) floor(cx + xi - 0.5) - 1;
		rb = (int) ceil(cx + xo - 0.5) + 1;
		if (ra <= lb)
			ra = lb + 1;
		circle_span(c, y, la, lb, cx, cy, r, col, alpha);
		circle_span(c, y, ra, rb, cx, cy, r, col, alpha);
	}
}

/* A filled anti-aliased dot. */
static void
dot(HackCanvas *c, double cx, double cy, double r, const uint8_t *col)
{
	for (int y = (int) floor(cy - r - 1); y <= (int) ceil(cy + r + 1); y++)
		for (int x = (int) floor(cx - r - 1); x <= (int) ceil(cx + r + 1); x++)
		{
			double		d = hypot(x + 0.5 - cx, y + 0.5 - cy) - r;

			if (d < 1.0)
				hack_canvas_pixel(c, x, y, col, d <= 0.0 ? 0.85 : 0.85 * (1.0 - d));
		}
}

/* Colour of norm t in [0, 1] on the ramp. */
static void
ramp_color(double t, uint8_t *col)
{
	double		s = (t < 0 ? 0 : t > 1 ? 1 : t) * 4.0;
	int			i = s >= 4.0 ? 3 : (int) s;
	double		f = s - i;

	for (int k = 0; k < 3; k++)
		col[k] = (uint8_t) lround(ramp[i][k] * (1 - f) + ramp[i + 1][k] * f);
}

/* Draw image `img` (CHW uint8) as a side x side thumbnail centred at (cx, cy). */
static void
thumbnail(HackCanvas *c, const HackPlotInput *in, const uint8_t *img, double cx,
		  double cy, int side)
{
	hack_canvas_image(c, img, in->img_channels, in->img_height, in->img_width,
					  (int) lround(cx - side / 2.0), (int) lround(cy - side / 2.0), side, side);
}

/*
 * Every HACK_PLOT_PROGRESS_EVERY points of a loop, ask the caller whether
 * to go on (a picture of millions of points takes seconds); true: stop.
 */
static bool
plot_interrupted(const HackPlotInput *in, long i, HackError *err)
{
	if (in->progress == NULL || (i & (HACK_PLOT_PROGRESS_EVERY - 1)) != 0 ||
		in->progress(in->progress_arg, (double) i, (double) in->n))
		return false;
	hack_error_set(err, HACK_ERR_INTERRUPTED, NULL, "interrupted");
	return true;
}

/*
 * The points whose images the thumbnails show, in drawing order: for each
 * sample (the centre, then `rings` radii of `rays` rays, radii in equal
 * steps of hyperbolic norm up to the outermost candidate), the candidate
 * nearest to it, each at most once.  Candidates are the points with an
 * image, or every point when in->images is NULL, so that a caller can pick
 * first and then read only the images it will show (hack_plot of a
 * model).  picks must hold HACK_PLOT_MAX_PICKS entries.
 */
HackStatus
hack_plot_pick(const HackPlotInput *in, int *picks, int *n_picks, HackError *err)
{
	double		max_norm = 0.0;
	char	   *shown;

	*n_picks = 0;
	if (in->rays < 1 || in->rays > HACK_PLOT_MAX_RAYS || in->rings < 0 ||
		in->rings > HACK_PLOT_MAX_RINGS)
		return hack_plot_check(in, true, err);
	shown = calloc(in->n > 0 ? in->n : 1, 1);
	if (shown == NULL)
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL, "out of memory drawing thumbnails");
	for (int i = 0; i < in->n; i++)
		if (in->images == NULL || in->images[i] != NULL)
		{
			double		h = hyp_norm(in->xy + 2 * i, 2, 1.0);

			if (h > max_norm)
				max_norm = h;
		}
	for (int ring = 0; ring <= in->rings; ring++)
	{
		/* ring 0 is the centre; then equal steps of hyperbolic norm */
		double		rho = max_norm * ring / (in->rings > 0 ? in->rings : 1);
		double		r = tanh(rho / 2.0);
		int			rays = ring == 0 ? 1 : in->rays;

		for (int a = 0; a < rays; a++)
		{
			double		theta = 2.0 * PLOT_PI * a / rays;
			double		s[2] = {r * cos(theta), r * sin(theta)};
			int			best = -1;
			double		best_d = INFINITY;

			for (int i = 0; i < in->n; i++)
			{
				double		d;

				if (plot_interrupted(in, i, err))
				{
					free(shown);
					return HACK_ERR_INTERRUPTED;
				}
				if (in->images != NULL && in->images[i] == NULL)
					continue;
				d = hyp_distance(s, in->xy + 2 * i, 2, 1.0);
				if (d < best_d)
				{
					best_d = d;
					best = i;
				}
			}
			if (best < 0 || shown[best])
				continue;
			shown[best] = 1;
			picks[(*n_picks)++] = best;
		}
	}
	free(shown);
	return HACK_OK;
}

/*
 * Draw the thumbnails: of in->picks when the caller picked them (those
 * without an image are left out), else of hack_plot_pick's choice.
 */
static HackStatus
draw_thumbnails(HackCanvas *c, const HackPlotInput *in, HackError *err)
{
	int			side = c->width / 16 > 8 ? c->width / 16 : 8;
	int			own[HACK_PLOT_MAX_PICKS];
	const int  *picks = in->picks;
	int			n_picks = in->n_picks;

	if (picks == NULL)
	{
		HackStatus	st = hack_plot_pick(in, own, &n_picks, err);

		if (st != HACK_OK)
			return st;
		picks = own;
	}
	for (int k = 0; k < n_picks; k++)
	{
		int			i = picks[k];
		double		px,
					py;

		if (i < 0 || i >= in->n || in->images[i] == NULL)
			continue;
		to_pixel(c, in->xy[2 * i], in->xy[2 * i + 1], &px, &py);
		thumbnail(c, in, in->images[i], px, py, side);
	}
	return HACK_OK;
}

/*
 * Check the size, and with thumbnails the rays and rings: what a caller
 * can check before it reads any point or image.
 */
HackStatus
hack_plot_check(const HackPlotInput *in, bool thumbnails, HackError *err)
{
	if (in->size < HACK_PLOT_MIN_SIZE || in->size > HACK_PLOT_MAX_SIZE)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "picture size must be between %d and %d pixels, got %d",
							  HACK_PLOT_MIN_SIZE, HACK_PLOT_MAX_SIZE, in->size);
	if (thumbnails && (in->rays < 1 || in->rays > HACK_PLOT_MAX_RAYS || in->rings < 0 ||
					   in->rings > HACK_PLOT_MAX_RINGS))
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "thumbnails need 1 to %d rays and 0 to %d rings",
							  HACK_PLOT_MAX_RAYS, HACK_PLOT_MAX_RINGS);
	return HACK_OK;
}

/* Render the picture to a new size x size RGB buffer (malloc'd). */
HackStatus
hack_plot_render(const HackPlotInput *in, uint8_t **rgb, HackError *err)
{
	static const uint8_t black[3] = {0, 0, 0};
	static const uint8_t grey[3] = {150, 150, 150};
	HackCanvas	c;
	double		half,
				max_norm = 0.0;
	HackStatus	st;

	*rgb = NULL;
	if ((st = hack_plot_check(in, in->images != NULL, err)) != HACK_OK)
		return st;
	for (int i = 0; i < in->n; i++)
	{
		HackStatus	pst = hyp_check_point(in->xy + 2 * i, 2, 1.0, err);

		if (pst != HACK_OK)
			return pst;
		if (plot_interrupted(in, i, err))
			return HACK_ERR_INTERRUPTED;
		if (hyp_norm(in->xy + 2 * i, 2, 1.0) > max_norm)
			max_norm = hyp_norm(in->xy + 2 * i, 2, 1.0);
	}
	c.width = c.height = in->size;
	c.rgb = malloc((size_t) in->size * in->size * 3);
	if (c.rgb == NULL)
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL, "out of memory drawing a picture");
	memset(c.rgb, 255, (size_t) in->size * in->size * 3);
	half = in->size / 2.0;
	for (int rho = 1; rho < 12; rho++)
		circle(&c, half, half, tanh(rho / 2.0) * (half - 4.0), grey, 0.35);
	circle(&c, half, half, half - 4.0, black, 1.0);
	for (int i = 0; i < in->n; i++)
	{
		uint8_t		col[3];
		double		px,
					py;

		if (plot_interrupted(in, i, err))
		{
			free(c.rgb);
			return HACK_ERR_INTERRUPTED;
		}
		if (in->color == HACK_PLOT_BY_NORM)
			ramp_color(max_norm > 0 ? hyp_norm(in->xy + 2 * i, 2, 1.0) / max_norm : 0.0, col);
		else
		{
			int			g = in->groups ? in->groups[i] : 0;

			memcpy(col, palette[((g % 10) + 10) % 10], 3);
		}
		to_pixel(&c, in->xy[2 * i], in->xy[2 * i + 1], &px, &py);
		dot(&c, px, py, in->size >= 800 ? 2.0 : 1.5, col);
	}
	if (in->images && (st = draw_thumbnails(&c, in, err)) != HACK_OK)
	{
		free(c.rgb);
		return st;
	}
	*rgb = c.rgb;
	return HACK_OK;
}
