/*
 * test_point_binary.c
 *	  The binary receive form of poincare_point (src/core/point_binary.c).
 */
#include "unit.h"

#include <string.h>

#include "hyperbolic.h"
#include "point_binary.h"

/* Big-endian int16 dim, int16 flags, then nx float8 into buf; returns the length. */
static size_t
wire(uint8_t *buf, int dim, int flags, const double *x, int nx)
{
	size_t		len = 4;

	buf[0] = (uint8_t) (dim >> 8);
	buf[1] = (uint8_t) dim;
	buf[2] = (uint8_t) (flags >> 8);
	buf[3] = (uint8_t) flags;
	for (int i = 0; i < nx; i++)
	{
		uint64_t	u;

		memcpy(&u, &x[i], 8);
		for (int k = 0; k < 8; k++)
			buf[len++] = (uint8_t) (u >> (56 - 8 * k));
	}
	return len;
}

static void
test_valid(void)
{
	uint8_t		buf[64];
	double		x[3] = {0.5, -0.25, -0.0};
	double		y[HACK_MAX_DIM];
	int			dim;
	HackError	err;
	size_t		len = wire(buf, 3, 0, x, 3);

	CHECK(len == 28);
	CHECK(hack_point_recv(buf, len, -1, y, &dim, &err) == HACK_OK);
	CHECK(dim == 3 && memcmp(x, y, sizeof(x)) == 0);
	CHECK(hack_point_recv(buf, len, 3, y, &dim, &err) == HACK_OK);
}

/* Each bad input fails with the status and message the SQL tests expect. */
static void
test_invalid(void)
{
	uint8_t		buf[64] = {0};
	double		x[2] = {0.5, -0.25};
	double		out[1] = {1.5};
	double		nan[1] = {NAN};
	double		y[HACK_MAX_DIM];
	int			dim;
	HackError	err;
	size_t		len;

	CHECK(hack_point_recv(buf, 3, -1, y, &dim, &err) == HACK_ERR_BINARY);
	len = wire(buf, 2, 0, x, 1);
	CHECK(hack_point_recv(buf, len, -1, y, &dim, &err) == HACK_ERR_BINARY);
	CHECK(strcmp(err.message, "poincare_point binary input has 8 bytes of coordinates, expected 16") == 0);
	len = wire(buf, 0, 0, x, 0);
	CHECK(hack_point_recv(buf, len, -1, y, &dim, &err) == HACK_ERR_BINARY);
	CHECK(strcmp(err.message, "invalid poincare_point dimension 0 in binary input") == 0);
	CHECK(strcmp(err.detail, "The dimension must be between 1 and 1024.") == 0);
	len = wire(buf, -1, 0, x, 0);
	CHECK(hack_point_recv(buf, len, -1, y, &dim, &err) == HACK_ERR_BINARY);
	CHECK(strcmp(err.message, "invalid poincare_point dimension -1 in binary input") == 0);
	len = wire(buf, 1, 1, x, 1);
	CHECK(hack_point_recv(buf, len, -1, y, &dim, &err) == HACK_ERR_BINARY);
	CHECK(strcmp(err.message, "invalid poincare_point flags 1 in binary input") == 0);
	len = wire(buf, 2, 0, x, 2);
	CHECK(hack_point_recv(buf, len, 3, y, &dim, &err) == HACK_ERR_PARAMETER);
	CHECK(strcmp(err.message, "expected 3 dimensions, not 2") == 0);
	len = wire(buf, 1, 0, out, 1);
	CHECK(hack_point_recv(buf, len, -1, y, &dim, &err) == HACK_ERR_OUT_OF_RANGE);
	len = wire(buf, 1, 0, nan, 1);
	CHECK(hack_point_recv(buf, len, -1, y, &dim, &err) == HACK_ERR_OUT_OF_RANGE);
	/* the typmod is checked before the ball, as it always was */
	len = wire(buf, 1, 0, out, 1);
	CHECK(hack_point_recv(buf, len, 2, y, &dim, &err) == HACK_ERR_PARAMETER);
}

/* Random bytes never decode into anything but a valid point. */
static void
test_garbage(void)
{
	UnitRng		r = {44};
	uint8_t		buf[4 + 8 * 4];
	double		y[HACK_MAX_DIM];
	int			dim;
	HackError	err;

	for (int iter = 0; iter < 20000; iter++)
	{
		size_t		len = unit_rng_next(&r) % sizeof(buf);

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t) unit_rng_next(&r);
		if (iter % 2 && len >= 4)
		{
			buf[0] = 0;
			buf[1] = (uint8_t) ((len - 4) / 8);
			buf[2] = buf[3] = 0;
		}
		if (hack_point_recv(buf, len, -1, y, &dim, &err) == HACK_OK)
			CHECK(len == 4 + 8 * (size_t) dim &&
				  hyp_check_point(y, dim, 1.0, &err) == HACK_OK);
	}
}

void		suite_point_binary(void);

void
suite_point_binary(void)
{
	RUN(test_valid);
	RUN(test_invalid);
	RUN(test_garbage);
}
