/*
 * fuzz_hball_text.c
 *	  libFuzzer target for the hball literal parser (hball_text.c).
 *
 * Any input either fails with a syntax, out-of-range or limit error and a
 * message, or gives a centre inside the unit ball and a finite radius
 * >= 0 (never -0) that print and parse back to the same bits.
 */
#include "fuzz.h"

#include <math.h>

#include "hball_text.h"
#include "hyperbolic.h"

/* "<(x1,...,xn),r>" with digits that read back exactly. */
static char *
print_hball(const double *x, int dim, double r)
{
	char	   *buf = malloc((size_t) (dim + 1) * (HACK_DOUBLE_BUF + 1) + 8);
	char		num[HACK_DOUBLE_BUF];
	char	   *p;

	buf[0] = '<';
	p = fuzz_print_coords(buf + 1, x, dim);
	sprintf(p, ",%s>", hack_fmt_double(num, sizeof(num), r));
	return buf;
}

/* An accepted ball: its centre and radius are valid and read back exactly. */
static void
check_accepted(const double *x, int dim, double r)
{
	double		y[HACK_MAX_DIM];
	double		r2;
	int			dim2;
	HackError	err;
	char	   *again = print_hball(x, dim, r);

	FUZZ_ASSERT(dim >= 1 && dim <= HACK_MAX_DIM);
	FUZZ_ASSERT(hyp_check_point(x, dim, 1.0, &err) == HACK_OK);
	FUZZ_ASSERT(isfinite(r) && r >= 0.0 && !signbit(r));
	FUZZ_ASSERT(hack_parse_hball(again, y, &dim2, &r2, &err) == HACK_OK);
	FUZZ_ASSERT(dim2 == dim && memcmp(x, y, sizeof(double) * dim) == 0);
	FUZZ_ASSERT(memcmp(&r, &r2, sizeof(double)) == 0);
	free(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *s = fuzz_cstring(data, size);
	double		x[HACK_MAX_DIM];
	double		r;
	int			dim;
	HackError	err;
	HackStatus	st = hack_parse_hball(s, x, &dim, &r, &err);

	free(s);
	if (st == HACK_OK)
		check_accepted(x, dim, r);
	else
		fuzz_check_error(st, &err, HACK_ERR_SYNTAX, HACK_ERR_OUT_OF_RANGE,
						 HACK_ERR_LIMIT);
	return 0;
}
