/*
 * point_text.c
 *	  Parser of poincare_point literals "(x1, ..., xn)" and "[x1, ..., xn]".
 */
#include "point_text.h"

#include "hyperbolic.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* same set as PostgreSQL's scanner_isspace() */
static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

const char *
hack_skip_space(const char *s)
{
	while (is_space(*s))
		s++;
	return s;
}

/* Report a syntax error with its character position (1-based) in detail. */
HackStatus
hack_syntax_error(HackError *err, const char *start, const char *at,
			 const char *what)
{
	char		detail[HACK_MSG_LEN];

	if (*at == '\0')
		snprintf(detail, sizeof(detail), "%s at end of input.", what);
	else
		snprintf(detail, sizeof(detail), "%s at character %ld.", what,
				 (long) (at - start) + 1);
	return hack_error_set(err, HACK_ERR_SYNTAX, detail, "malformed literal");
}

HackStatus
hack_parse_float8(const char *s, double *value, const char **end,
				  HackError *err)
{
	char	   *stop;
	double		v;

	errno = 0;
	v = strtod(s, &stop);
	if (stop == s)
		return hack_syntax_error(err, s, s, "Expected a number");
	if (errno == ERANGE && (v == 0.0 || v >= HUGE_VAL || v <= -HUGE_VAL))
	{
		int			len = (int) (stop - s);

		return hack_error_set(err, HACK_ERR_OUT_OF_RANGE, NULL,
							  "\"%.*s%s\" is out of range for type double precision",
							  len > 40 ? 40 : len, s, len > 40 ? "..." : "");
	}
	if (!isfinite(v))
		return hyp_value_error(err, HACK_ERR_OUT_OF_RANGE,
							   "Coordinates of a poincare_point must be finite.",
							   "poincare_point coordinate %s is not finite", v);
	*value = v;
	*end = stop;
	return HACK_OK;
}

/*
 * The coordinate list between open and close at the start of str (after
 * optional whitespace): "(x1, ..., xn)", or "[x1, ..., xn]" as Python's
 * str(list), JSON and pgvector write it.  Positions in messages count from
 * str.
 */
static HackStatus
parse_list(const char *str, char open, char close, double *coords,
		   int maxdim, int *dim, const char **end, HackError *err)
{
	const char *p = hack_skip_space(str);
	char		what[64];
	int			n = 0;

	if (*p != open)
	{
		snprintf(what, sizeof(what), "Expected \"%c\"", open);
		return hack_syntax_error(err, str, p, what);
	}
	p = hack_skip_space(p + 1);
	if (*p == close)
		return hack_syntax_error(err, str, p,
							"A poincare_point needs at least one coordinate; expected a number");
	for (;;)
	{
		HackStatus	st;
		const char *after;

		if (n >= maxdim)
			return hack_error_set(err, HACK_ERR_LIMIT, NULL,
								  "poincare_point cannot have more than %d dimensions",
								  maxdim);
		st = hack_parse_float8(p, &coords[n], &after, err);
		if (st == HACK_ERR_SYNTAX)
			return hack_syntax_error(err, str, p, "Expected a number");
		if (st != HACK_OK)
			return st;
		n++;
		p = hack_skip_space(after);
		if (*p == close)
			break;
		if (*p != ',')
		{
			snprintf(what, sizeof(what), "Expected \",\" or \"%c\"", close);
			return hack_syntax_error(err, str, p, what);
		}
		p = hack_skip_space(p + 1);
	}
	*dim = n;
	*end = p + 1;
	return HACK_OK;
}

HackStatus
hack_parse_coords(const char *str, double *coords, int maxdim, int *dim,
				  const char **end, HackError *err)
{
	return parse_list(str, '(', ')', coords, maxdim, dim, end, err);
}

/*
 * A whole literal: "(...)" (what the output function writes) or "[...]"
 * (what client tools write), then nothing but whitespace, then the ball.
 */
HackStatus
hack_parse_point(const char *str, double *coords, int *dim, HackError *err)
{
	const char *p = hack_skip_space(str);
	const char *end;
	bool		bracket = (*p == '[');
	HackStatus	st;

	if (*p != '(' && *p != '[')
		return hack_syntax_error(err, str, p, "Expected \"(\" or \"[\"");
	st = parse_list(str, bracket ? '[' : '(', bracket ? ']' : ')', coords,
					HACK_MAX_DIM, dim, &end, err);
	if (st != HACK_OK)
		return st;
	end = hack_skip_space(end);
	if (*end != '\0')
		return hack_syntax_error(err, str, end, bracket ?
								 "Junk after closing bracket" :
								 "Junk after closing parenthesis");
	return hyp_check_point(coords, *dim, 1.0, err);
}
