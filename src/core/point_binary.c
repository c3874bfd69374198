/*
 * point_binary.c
 *	  Checks of the binary form of poincare_point (see point_binary.h).
 */
#include "point_binary.h"

#include <stdio.h>
#include <string.h>

#include "hyperbolic.h"

/* An unsigned big-endian integer of `bytes` bytes. */
static uint64_t
get_be(const uint8_t *p, int bytes)
{
	uint64_t	v = 0;

	for (int i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

/* Every check the receive function makes, in the order hball_recv makes them too. */
HackStatus
hack_point_recv(const uint8_t *data, size_t len, int typmod, double *coords,
				int *dim, HackError *err)
{
	int			n,
				flags;
	size_t		coord_bytes;

	if (len < HACK_POINT_BINARY_HEADER)
	{
		char		detail[HACK_MSG_LEN];

		snprintf(detail, sizeof(detail),
				 "It has %zu bytes; the dimension and flags alone take %d.",
				 len, HACK_POINT_BINARY_HEADER);
		return hack_error_set(err, HACK_ERR_BINARY, detail,
							  "poincare_point binary input is too short");
	}
	n = (int16_t) get_be(data, 2);
	flags = (int16_t) get_be(data + 2, 2);
	if (n < 1 || n > HACK_MAX_DIM)
	{
		char		detail[HACK_MSG_LEN];

		snprintf(detail, sizeof(detail),
				 "The dimension must be between 1 and %d.", HACK_MAX_DIM);
		return hack_error_set(err, HACK_ERR_BINARY, detail,
							  "invalid poincare_point dimension %d in binary input", n);
	}
	if (flags != 0)
		return hack_error_set(err, HACK_ERR_BINARY,
							  "This version only writes and reads flags 0.",
							  "invalid poincare_point flags %d in binary input", flags);
	coord_bytes = len - HACK_POINT_BINARY_HEADER;
	if (coord_bytes != sizeof(double) * n)
		return hack_error_set(err, HACK_ERR_BINARY, NULL,
							  "poincare_point binary input has %zu bytes of coordinates, expected %zu",
							  coord_bytes, sizeof(double) * n);
	if (typmod != -1 && n != typmod)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "expected %d dimensions, not %d", typmod, n);
	for (int i = 0; i < n; i++)
	{
		uint64_t	u = get_be(data + HACK_POINT_BINARY_HEADER + 8 * i, 8);

		memcpy(&coords[i], &u, sizeof(double));
	}
	*dim = n;
	return hyp_check_point(coords, n, 1.0, err);
}
