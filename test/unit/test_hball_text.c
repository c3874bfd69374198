/*
 * test_hball_text.c
 *	  The hball literal parser (src/core/hball_text.c).
 */
#include "unit.h"

#include "hball_text.h"
#include "hyperbolic.h"

static HackStatus
parse(const char *s, double *x, int *dim, double *r)
{
	HackError	err;

	return hack_parse_hball(s, x, dim, r, &err);
}

static void
test_valid_hballs(void)
{
	double		x[HACK_MAX_DIM];
	double		r;
	int			dim;

	CHECK(parse("<(0,0),1.5>", x, &dim, &r) == HACK_OK);
	CHECK(dim == 2 && x[0] == 0.0 && r == 1.5);
	CHECK(parse("  < ( 0.5 , -0.25 ) ,\t2e-3 >  ", x, &dim, &r) == HACK_OK);
	CHECK(dim == 2 && x[1] == -0.25 && r == 0.002);
	CHECK(parse("<(0.1),0>", x, &dim, &r) == HACK_OK && dim == 1 && r == 0.0);
	CHECK(parse("<(0.1),-0>", x, &dim, &r) == HACK_OK && r == 0.0 && !signbit(r));
}

static void
test_bad_hballs(void)
{
	static const char *const syntax[] = {
		"", "<", "(0,0),1", "<(0,0)>", "<(0,0),>", "<(0,0) 1>", "<(0,0),1", "<(0,0),1>x",
		"<(0,0),1>>", "<0,0,1>", "<(),1>", "<(0,0),abc>", "<<(0,0),1>", "<(0,0),1,2>",
	};
	static const char *const range[] = {
		"<(0,0),-1>", "<(0,0),nan>", "<(0,0),inf>", "<(0,0),1e400>", "<(1,0),1>", "<(nan,0),1>",
	};
	double		x[HACK_MAX_DIM];
	double		r;
	int			dim;

	for (size_t i = 0; i < sizeof(syntax) / sizeof(syntax[0]); i++)
		if (parse(syntax[i], x, &dim, &r) != HACK_ERR_SYNTAX)
			unit_fail(__FILE__, __LINE__, "\"%s\" is not a syntax error", syntax[i]);
	for (size_t i = 0; i < sizeof(range) / sizeof(range[0]); i++)
		if (parse(range[i], x, &dim, &r) != HACK_ERR_OUT_OF_RANGE)
			unit_fail(__FILE__, __LINE__, "\"%s\" is not out of range", range[i]);
	CHECK(hack_check_radius(-1e-300, NULL) == HACK_ERR_OUT_OF_RANGE);
	CHECK(hack_check_radius(0.0, NULL) == HACK_OK);
}

void
suite_hball_text(void)
{
	RUN(test_valid_hballs);
	RUN(test_bad_hballs);
}
