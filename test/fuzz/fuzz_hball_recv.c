/*
 * fuzz_hball_recv.c
 *	  libFuzzer target for the binary receive form of hball
 *	  (point_binary.c, called by hball_recv).
 *
 * Any input either fails with a binary-format or out-of-range error and a
 * message, or is exactly the 4 + 8 * (dim + 1) bytes that the send
 * function writes for the decoded ball (re-encoding gives the input back,
 * but for a radius of -0, read as +0), the centre lies in the unit ball,
 * the radius is finite and >= 0, and the centre reads back the same
 * through the binary form of poincare_point.
 */
#include "fuzz.h"

#include <math.h>

#include "hyperbolic.h"
#include "point_binary.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	double		x[HACK_MAX_DIM],
				y[HACK_MAX_DIM];
	double		r;
	int			dim,
				dim2;
	HackError	err;
	HackStatus	st;
	uint8_t    *again;

	st = hack_hball_recv(data, size, x, &dim, &r, &err);
	if (st != HACK_OK)
	{
		fuzz_check_error(st, &err, HACK_ERR_BINARY, HACK_ERR_OUT_OF_RANGE,
						 HACK_ERR_BINARY);
		return 0;
	}
	FUZZ_ASSERT(dim >= 1 && dim <= HACK_MAX_DIM);
	FUZZ_ASSERT(size == HACK_HBALL_BINARY_SIZE(dim));
	FUZZ_ASSERT(hyp_check_point(x, dim, 1.0, &err) == HACK_OK);
	FUZZ_ASSERT(isfinite(r) && r >= 0.0 && !signbit(r));
	again = malloc(size);
	hack_hball_send(x, dim, r, again);
	if (r == 0.0 && data[HACK_POINT_BINARY_HEADER] == 0x80)
		again[HACK_POINT_BINARY_HEADER] = 0x80;	/* the -0 it was sent as */
	FUZZ_ASSERT(memcmp(again, data, size) == 0);
	/* the centre alone, as a poincare_point */
	hack_point_send(x, dim, again);
	FUZZ_ASSERT(hack_point_recv(again, HACK_POINT_BINARY_SIZE(dim), -1, y,
								&dim2, &err) == HACK_OK);
	FUZZ_ASSERT(dim2 == dim && memcmp(x, y, sizeof(double) * dim) == 0);
	free(again);
	return 0;
}
