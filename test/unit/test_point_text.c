/*
 * test_point_text.c
 *	  The poincare_point literal parser (src/core/point_text.c).
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "hyperbolic.h"
#include "point_text.h"

static HackStatus
parse(const char *s, double *x, int *dim)
{
	HackError	err;

	return hack_parse_point(s, x, dim, &err);
}

static void
test_valid_literals(void)
{
	double		x[HACK_MAX_DIM];
	int			dim;

	CHECK(parse("(0.1,-0.25)", x, &dim) == HACK_OK);
	CHECK(dim == 2 && x[0] == 0.1 && x[1] == -0.25);
	CHECK(parse("  ( 0.5 ,\t-0.5\n)  ", x, &dim) == HACK_OK);
	CHECK(dim == 2 && x[0] == 0.5 && x[1] == -0.5);
	CHECK(parse("(0)", x, &dim) == HACK_OK && dim == 1 && x[0] == 0.0);
	CHECK(parse("(-0.999999999)", x, &dim) == HACK_OK);
	CHECK(parse("(1e-300,5E-1)", x, &dim) == HACK_OK && x[1] == 0.5);
	/* the bracketed form of Python's str(list), JSON.stringify and pgvector */
	CHECK(parse("[0.1, -0.25]", x, &dim) == HACK_OK);
	CHECK(dim == 2 && x[0] == 0.1 && x[1] == -0.25);
	CHECK(parse(" [ 0.5 ,\t-0.5\n] ", x, &dim) == HACK_OK);
	CHECK(dim == 2 && x[0] == 0.5 && x[1] == -0.5);
	CHECK(parse("[0]", x, &dim) == HACK_OK && dim == 1 && x[0] == 0.0);
	CHECK(parse("[1e-300,5E-1]", x, &dim) == HACK_OK && x[1] == 0.5);
}

static void
test_malformed_literals(void)
{
	static const char *const syntax[] = {
		"", "(", "()", "(1,)", "(,1)", "(0.1 0.2)", "0.1,0.2", "(0.1,0.2", "(0.1,0.2))",
		"(0.1,0.2) x", "(abc)", "(0.1;0.2)", "(--1)", "((0.1))", "(0.1,,0.2)",
		/* brackets: the same grammar, and no mixing of the two */
		"[", "[]", "[1,]", "[,1]", "[0.1 0.2]", "[0.1,0.2", "[0.1,0.2]]", "[0.1,0.2] x",
		"[0.1,0.2)", "(0.1,0.2]", "[[0.1]]", "[(0.1)]", "{0.1,0.2}", "[abc]", "[0.1,,0.2]",
	};
	static const char *const range[] = {
		"(nan,0)", "(inf,0)", "(-Infinity,0)", "(1e400,0)", "(0.8,0.8)", "(1,0)", "(1e-400,0)",
		"[nan,0]", "[inf]", "[1e400,0]", "[0.8,0.8]", "[1,0]", "[-1]",
	};
	double		x[HACK_MAX_DIM];
	int			dim;

	for (size_t i = 0; i < sizeof(syntax) / sizeof(syntax[0]); i++)
	{
		HackStatus	st = parse(syntax[i], x, &dim);

		if (st != HACK_ERR_SYNTAX)
			unit_fail(__FILE__, __LINE__, "\"%s\" gave status %d, expected syntax error",
					  syntax[i], st);
	}
	for (size_t i = 0; i < sizeof(range) / sizeof(range[0]); i++)
	{
		HackStatus	st = parse(range[i], x, &dim);

		if (st != HACK_ERR_OUT_OF_RANGE)
			unit_fail(__FILE__, __LINE__, "\"%s\" gave status %d, expected out of range",
					  range[i], st);
	}
}

static void
test_dimension_limit(void)
{
	char	   *s = malloc(8 * (HACK_MAX_DIM + 2));
	double		x[HACK_MAX_DIM];
	int			dim;
	char	   *p = s;

	*p++ = '(';
	for (int i = 0; i < HACK_MAX_DIM; i++)
		p += sprintf(p, i ? ",0" : "0");
	strcpy(p, ")");
	CHECK(parse(s, x, &dim) == HACK_OK && dim == HACK_MAX_DIM);
	strcpy(p, ",0)");
	CHECK(parse(s, x, &dim) == HACK_ERR_LIMIT);
	/* the same limit in brackets */
	s[0] = '[';
	strcpy(p, "]");
	CHECK(parse(s, x, &dim) == HACK_OK && dim == HACK_MAX_DIM);
	strcpy(p, ",0]");
	CHECK(parse(s, x, &dim) == HACK_ERR_LIMIT);
	free(s);
}

static void
test_garbage(void)
{
	UnitRng		r = {42};
	size_t		n = 100 * 1024;
	char	   *s = malloc(n + 1);
	double		x[HACK_MAX_DIM];
	int			dim;

	for (int round = 0; round < 50; round++)
	{
		for (size_t i = 0; i < n; i++)
			s[i] = (char) (1 + unit_rng_next(&r) % 255);
		s[n] = '\0';
		if (round % 2)
			s[0] = '(';
		CHECK(parse(s, x, &dim) != HACK_OK);
	}
	free(s);
}

static void
test_round_trip(void)
{
	UnitRng		r = {43};
	char		buf[128];
	double		x[HACK_MAX_DIM];
	int			dim;

	for (int iter = 0; iter < 10000; iter++)
	{
		double		a = (unit_rng_uniform(&r) - 0.5) * 1.4;
		double		b = (unit_rng_uniform(&r) - 0.5) * 1.4;

		snprintf(buf, sizeof(buf), "(%.17g,%.17g)", a, b);
		CHECK(parse(buf, x, &dim) == HACK_OK && x[0] == a && x[1] == b);
	}
}

static void
test_error_position(void)
{
	HackError	err;
	double		x[4];
	int			dim;

	CHECK(hack_parse_point("(0.1,0.2) junk", x, &dim, &err) == HACK_ERR_SYNTAX);
	CHECK(strstr(err.detail, "Junk after closing parenthesis at character 11") != NULL);
	CHECK(hack_parse_point("(0.1,", x, &dim, &err) == HACK_ERR_SYNTAX);
	CHECK(strstr(err.detail, "at end of input") != NULL);
	CHECK(hack_parse_point("[0.1,0.2] junk", x, &dim, &err) == HACK_ERR_SYNTAX);
	CHECK(strstr(err.detail, "Junk after closing bracket at character 11") != NULL);
	CHECK(hack_parse_point("[0.1,0.2)", x, &dim, &err) == HACK_ERR_SYNTAX);
	CHECK(strstr(err.detail, "Expected \",\" or \"]\" at character 9") != NULL);
	CHECK(hack_parse_point("0.1", x, &dim, &err) == HACK_ERR_SYNTAX);
	CHECK(strstr(err.detail, "Expected \"(\" or \"[\" at character 1") != NULL);
}

void		suite_point_text(void);

void
suite_point_text(void)
{
	RUN(test_valid_literals);
	RUN(test_malformed_literals);
	RUN(test_dimension_limit);
	RUN(test_garbage);
	RUN(test_round_trip);
	RUN(test_error_position);
}
