/*
 * fuzz_point_recv.c
 *	  libFuzzer target for the binary receive form of poincare_point
 *	  (point_binary.c, called by poincare_point_recv).
 *
 * Any input either fails with a binary-format or out-of-range error and a
 * message, or is exactly the 4 + 8 * dim bytes that the send function
 * writes for the decoded point (re-encoding it gives the input back), the
 * point lies in the unit ball, and a matching typmod accepts it while any
 * other rejects it.
 */
#include "fuzz.h"

#include "hyperbolic.h"
#include "point_binary.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	double		x[HACK_MAX_DIM],
				y[HACK_MAX_DIM];
	int			dim,
				dim2;
	HackError	err;
	HackStatus	st;

	st = hack_point_recv(data, size, -1, x, &dim, &err);
	if (st == HACK_OK)
	{
		uint8_t    *again;

		FUZZ_ASSERT(dim >= 1 && dim <= HACK_MAX_DIM);
		FUZZ_ASSERT(size == HACK_POINT_BINARY_SIZE(dim));
		FUZZ_ASSERT(hyp_check_point(x, dim, 1.0, &err) == HACK_OK);
		again = malloc(size);
		hack_point_send(x, dim, again);
		FUZZ_ASSERT(memcmp(again, data, size) == 0);
		free(again);
		FUZZ_ASSERT(hack_point_recv(data, size, dim, y, &dim2, &err) == HACK_OK);
		FUZZ_ASSERT(dim2 == dim && memcmp(x, y, sizeof(double) * dim) == 0);
		st = hack_point_recv(data, size, dim % HACK_MAX_DIM + 1, y, &dim2, &err);
		FUZZ_ASSERT(st == HACK_ERR_PARAMETER);
	}
	else
		fuzz_check_error(st, &err, HACK_ERR_BINARY, HACK_ERR_OUT_OF_RANGE,
						 HACK_ERR_BINARY);
	return 0;
}
