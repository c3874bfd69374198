/*
 * hball_text.h
 *	  Hand-written parser and checks of hball literals "<(x1,...,xn), r>".
 *
 * A hyperbolic ball is a centre of the Poincaré ball (curvature -1) and a
 * hyperbolic radius r >= 0.  The centre uses the poincare_point syntax and
 * its parser (point_text.h); like it, this parser keeps (status, message,
 * position) and never allocates.
 */
#ifndef HACK_CORE_HBALL_TEXT_H
#define HACK_CORE_HBALL_TEXT_H

#include "status.h"

/* Check a radius: finite and >= 0 (HACK_ERR_OUT_OF_RANGE otherwise). */
extern HackStatus hack_check_radius(double radius, HackError *err);

/*
 * Parse a whole hball literal: centre into coords (room for HACK_MAX_DIM
 * values), its dimension into *dim and the radius into *radius, and check
 * both.  A radius of -0 is returned as +0.
 */
extern HackStatus hack_parse_hball(const char *str, double *coords, int *dim,
								   double *radius, HackError *err);

#endif							/* HACK_CORE_HBALL_TEXT_H */
