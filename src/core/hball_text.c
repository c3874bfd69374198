/*
 * hball_text.c
 *	  Parser of hball literals "<(x1, ..., xn), r>".
 */
#include "hball_text.h"

#include "hyperbolic.h"
#include "point_text.h"

#include <math.h>

/* A radius is a hyperbolic length: finite, not negative. */
HackStatus
hack_check_radius(double radius, HackError *err)
{
	if (!(radius >= 0.0) || !isfinite(radius))
		return hyp_value_error(err, HACK_ERR_OUT_OF_RANGE,
							   "The radius of a hyperbolic ball must be a finite number at least 0.",
							   "hball radius %s is out of range", radius);
	return HACK_OK;
}

/* Single pass over "<" centre "," radius ">", then the checks of every entry path. */
HackStatus
hack_parse_hball(const char *str, double *coords, int *dim, double *radius,
				 HackError *err)
{
	const char *p = hack_skip_space(str);
	const char *after;
	HackStatus	st;

	if (*p != '<')
		return hack_syntax_error(err, str, p, "Expected \"<\"");
	st = hack_parse_coords(p + 1, coords, HACK_MAX_DIM, dim, &after, err);
	if (st == HACK_ERR_SYNTAX)
	{
		/* re-anchor the position at the start of the whole literal */
		p = hack_skip_space(p + 1);
		return hack_syntax_error(err, str, p, "Expected a centre \"(x1,...,xn)\"");
	}
	if (st != HACK_OK)
		return st;
	p = hack_skip_space(after);
	if (*p != ',')
		return hack_syntax_error(err, str, p, "Expected \",\" before the radius");
	p = hack_skip_space(p + 1);
	st = hack_parse_float8(p, radius, &after, err);
	if (st == HACK_ERR_SYNTAX)
		return hack_syntax_error(err, str, p, "Expected a radius");
	if (st != HACK_OK)
		return hack_error_set(err, HACK_ERR_OUT_OF_RANGE,
							  "The radius of a hyperbolic ball must be a finite number at least 0.",
							  "hball radius is out of range");
	p = hack_skip_space(after);
	if (*p != '>')
		return hack_syntax_error(err, str, p, "Expected \">\"");
	p = hack_skip_space(p + 1);
	if (*p != '\0')
		return hack_syntax_error(err, str, p, "Junk after closing \">\"");
	if ((st = hyp_check_point(coords, *dim, 1.0, err)) != HACK_OK)
		return st;
	if ((st = hack_check_radius(*radius, err)) != HACK_OK)
		return st;
	*radius += 0.0;				/* -0 becomes +0 */
	return HACK_OK;
}
