/*
 * test_point_binary.c
 *	  The binary forms of poincare_point and hball (src/core/point_binary.c).
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

/* The encoders write what the wire format says, and decode back to the bits. */
static void
test_send(void)
{
	uint8_t		buf[64],
				sent[64];
	double		x[3] = {0.5, -0.25, -0.0};
	double		rx[4] = {1.5, 0.5, -0.25, -0.0};
	double		y[HACK_MAX_DIM];
	double		r;
	int			dim;
	HackError	err;
	size_t		len = wire(buf, 3, 0, x, 3);

	CHECK(HACK_POINT_BINARY_SIZE(3) == len);
	hack_point_send(x, 3, sent);
	CHECK(memcmp(buf, sent, len) == 0);
	len = wire(buf, 3, 0, rx, 4);
	CHECK(HACK_HBALL_BINARY_SIZE(3) == len);
	hack_hball_send(x, 3, 1.5, sent);
	CHECK(memcmp(buf, sent, len) == 0);
	CHECK(hack_hball_recv(sent, len, y, &dim, &r, &err) == HACK_OK);
	CHECK(dim == 3 && r == 1.5 && memcmp(x, y, sizeof(x)) == 0);
}

static void
test_hball_valid(void)
{
	uint8_t		buf[64];
	double		rx[3] = {-0.0, 0.5, -0.25};
	double		y[HACK_MAX_DIM];
	double		r;
	int			dim;
	HackError	err;
	size_t		len = wire(buf, 2, 0, rx, 3);

	CHECK(hack_hball_recv(buf, len, y, &dim, &r, &err) == HACK_OK);
	CHECK(dim == 2 && y[0] == 0.5 && y[1] == -0.25);
	CHECK(r == 0.0 && !signbit(r));	/* -0 becomes +0, as in the text form */
}

/* hack_hball_recv rejects len bytes of buf with this status, message and detail. */
static void
check_hball_error(const uint8_t *buf, size_t len, HackStatus status,
				  const char *message, const char *detail)
{
	double		y[HACK_MAX_DIM];
	double		r;
	int			dim;
	HackError	err;

	CHECK(hack_hball_recv(buf, len, y, &dim, &r, &err) == status);
	if (strcmp(err.message, message) != 0 || strcmp(err.detail, detail) != 0)
		unit_fail(__FILE__, __LINE__, "got \"%s\" (%s), expected \"%s\" (%s)",
				  err.message, err.detail, message, detail);
}

/*
 * Each bad hball fails with the status, message and detail that
 * expected/gist.out shows, in the order the checks are made.
 */
static void
test_hball_invalid(void)
{
	const char *radius_detail = "The radius of a hyperbolic ball must be a finite number at least 0.";
	uint8_t		buf[64] = {0};
	double		neg[2] = {-1.0, 0.0};
	double		nan[2] = {NAN, 0.0};
	double		outside[2] = {0.0, 1.0};
	double		both[2] = {NAN, NAN};

	check_hball_error(buf, 2, HACK_ERR_BINARY, "hball binary input is too short",
					  "It has 2 bytes; the dimension and flags alone take 4.");
	check_hball_error(buf, wire(buf, 0, 0, neg, 0), HACK_ERR_BINARY,
					  "invalid hball dimension 0 in binary input",
					  "The dimension must be between 1 and 1024.");
	check_hball_error(buf, wire(buf, 1, 1, outside, 2), HACK_ERR_BINARY,
					  "invalid hball flags 1 in binary input",
					  "This version only writes and reads flags 0.");
	check_hball_error(buf, wire(buf, 1, 0, outside, 1), HACK_ERR_BINARY,
					  "hball binary input has 8 bytes after its header, expected 16", "");
	check_hball_error(buf, wire(buf, 1, 0, neg, 2), HACK_ERR_OUT_OF_RANGE,
					  "hball radius -1 is out of range", radius_detail);
	check_hball_error(buf, wire(buf, 1, 0, nan, 2), HACK_ERR_OUT_OF_RANGE,
					  "hball radius NaN is out of range", radius_detail);
	check_hball_error(buf, wire(buf, 1, 0, outside, 2), HACK_ERR_OUT_OF_RANGE,
					  "point lies outside the Poincaré ball",
					  "Its Euclidean norm is 1; it must be below 1.");
	/* the centre is checked before the radius */
	check_hball_error(buf, wire(buf, 1, 0, both, 2), HACK_ERR_OUT_OF_RANGE,
					  "coordinate 1 is not finite (NaN)", "");
}

/* Random bytes never decode into anything but a valid point or ball. */
static void
test_garbage(void)
{
	UnitRng		r = {44};
	uint8_t		buf[4 + 8 * 4];
	double		y[HACK_MAX_DIM];
	double		radius;
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
			/* a length that fits the header: of a point, or of a ball */
			buf[1] = (uint8_t) ((len - 4) / 8 - (iter % 4 == 3));
			buf[2] = buf[3] = 0;
		}
		if (hack_point_recv(buf, len, -1, y, &dim, &err) == HACK_OK)
			CHECK(len == HACK_POINT_BINARY_SIZE(dim) &&
				  hyp_check_point(y, dim, 1.0, &err) == HACK_OK);
		if (hack_hball_recv(buf, len, y, &dim, &radius, &err) == HACK_OK)
			CHECK(len == HACK_HBALL_BINARY_SIZE(dim) && radius >= 0.0 &&
				  hyp_check_point(y, dim, 1.0, &err) == HACK_OK);
	}
}

void		suite_point_binary(void);

void
suite_point_binary(void)
{
	RUN(test_valid);
	RUN(test_invalid);
	RUN(test_send);
	RUN(test_hball_valid);
	RUN(test_hball_invalid);
	RUN(test_garbage);
}
