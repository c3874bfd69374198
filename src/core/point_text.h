/*
 * point_text.h
 *	  Hand-written single-pass parser of poincare_point literals.
 *
 * The text form is "(x1, x2, ..., xn)" with optional whitespace around
 * every token; a whole poincare_point literal may also be bracketed,
 * "[x1, ..., xn]", as Python's str(list), JSON.stringify and pgvector write
 * it (the output stays parenthesised).  Parsing and validation keep (status, message, position)
 * and never allocate, so the glue can later move to soft errors.
 */
#ifndef HACK_CORE_POINT_TEXT_H
#define HACK_CORE_POINT_TEXT_H

#include "status.h"

/*
 * Parse "(x1, ..., xn)" at the start of str (after optional whitespace)
 * into coords (room for maxdim values).  On success *dim is n and *end
 * points just past the closing parenthesis.  Numbers must be finite
 * float8 values; nothing is said about the ball here.
 */
extern HackStatus hack_parse_coords(const char *str, double *coords,
									int maxdim, int *dim, const char **end,
									HackError *err);

/* Skip whitespace as PostgreSQL's scanner does. */
extern const char *hack_skip_space(const char *s);

/* Parse one float8 as float8in does; *end points past it. */
extern HackStatus hack_parse_float8(const char *s, double *value,
									const char **end, HackError *err);

/*
 * Fill err with a syntax error ("malformed literal") whose detail is
 * "<what> at character N." (N is the 1-based position of at in start) or
 * "<what> at end of input."; returns HACK_ERR_SYNTAX.
 */
extern HackStatus hack_syntax_error(HackError *err, const char *start,
									const char *at, const char *what);

/*
 * Parse a whole poincare_point literal, "(...)" or "[...]", and check it
 * lies in the unit ball.
 */
extern HackStatus hack_parse_point(const char *str, double *coords, int *dim,
								   HackError *err);

#endif							/* HACK_CORE_POINT_TEXT_H */
