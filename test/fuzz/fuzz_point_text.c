/*
 * fuzz_point_text.c
 *	  libFuzzer target for the poincare_point literal parser (point_text.c).
 *
 * Any input either fails with a syntax, out-of-range or limit error and a
 * message, or gives 1 to HACK_MAX_DIM finite coordinates inside the unit
 * ball that print (shortest round-trip digits) and parse back to the same
 * bits.  hack_parse_coords is also run with a small dimension limit.
 */
#include "fuzz.h"

#include "hyperbolic.h"
#include "point_text.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *s = fuzz_cstring(data, size);
	double		x[HACK_MAX_DIM],
				y[HACK_MAX_DIM];
	int			dim,
				dim2;
	const char *end;
	HackError	err;
	HackStatus	st;

	st = hack_parse_point(s, x, &dim, &err);
	if (st == HACK_OK)
	{
		char	   *again;

		FUZZ_ASSERT(dim >= 1 && dim <= HACK_MAX_DIM);
		FUZZ_ASSERT(hyp_check_point(x, dim, 1.0, &err) == HACK_OK);
		again = malloc((size_t) dim * (HACK_DOUBLE_BUF + 1) + 3);
		fuzz_print_coords(again, x, dim);
		FUZZ_ASSERT(hack_parse_point(again, y, &dim2, &err) == HACK_OK);
		FUZZ_ASSERT(dim2 == dim && memcmp(x, y, sizeof(double) * dim) == 0);
		free(again);
	}
	else
		fuzz_check_error(st, &err, HACK_ERR_SYNTAX, HACK_ERR_OUT_OF_RANGE,
						 HACK_ERR_LIMIT);

	/* the bare coordinate list, with room for 3 values only */
	st = hack_parse_coords(s, x, 3, &dim, &end, &err);
	if (st == HACK_OK)
	{
		FUZZ_ASSERT(dim >= 1 && dim <= 3);
		FUZZ_ASSERT(end > s && end <= s + strlen(s) && end[-1] == ')');
	}
	else
		fuzz_check_error(st, &err, HACK_ERR_SYNTAX, HACK_ERR_OUT_OF_RANGE,
						 HACK_ERR_LIMIT);
	free(s);
	return 0;
}
