/*
 * point_binary.c
 *	  Encoding and checks of the binary forms of poincare_point and hball
 *	  (see point_binary.h).
 */
#include "point_binary.h"

#include <stdio.h>
#include <string.h>

#include "hball_text.h"
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

/* Write v big-endian in `bytes` bytes at p; returns the end. */
static uint8_t *
put_be(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--)
		*p++ = (uint8_t) (v >> (8 * i));
	return p;
}

/* n float8 at p, bit for bit (NaN payloads and -0 included). */
static void
get_float8s(const uint8_t *p, int n, double *out)
{
	for (int i = 0; i < n; i++)
	{
		uint64_t	u = get_be(p + 8 * i, 8);

		memcpy(&out[i], &u, sizeof(double));
	}
}

static uint8_t *
put_float8s(uint8_t *p, const double *x, int n)
{
	for (int i = 0; i < n; i++)
	{
		uint64_t	u;

		memcpy(&u, &x[i], sizeof(double));
		p = put_be(p, u, 8);
	}
	return p;
}

/*
 * The header both forms start with, and their length: complete, a
 * dimension in 1..HACK_MAX_DIM, flags 0, then exactly dim + extra float8
 * (extra: values before the coordinates), checked in that order.  typname
 * names the type in messages, body what the length counts.
 */
static HackStatus
read_header(const uint8_t *data, size_t len, const char *typname,
			const char *body, int extra, int *dim, HackError *err)
{
	char		detail[HACK_MSG_LEN];
	int			n,
				flags;

	if (len < HACK_POINT_BINARY_HEADER)
	{
		snprintf(detail, sizeof(detail),
				 "It has %zu bytes; the dimension and flags alone take %d.",
				 len, HACK_POINT_BINARY_HEADER);
		return hack_error_set(err, HACK_ERR_BINARY, detail,
							  "%s binary input is too short", typname);
	}
	n = (int16_t) get_be(data, 2);
	flags = (int16_t) get_be(data + 2, 2);
	if (n < 1 || n > HACK_MAX_DIM)
	{
		snprintf(detail, sizeof(detail),
				 "The dimension must be between 1 and %d.", HACK_MAX_DIM);
		return hack_error_set(err, HACK_ERR_BINARY, detail,
							  "invalid %s dimension %d in binary input",
							  typname, n);
	}
	if (flags != 0)
		return hack_error_set(err, HACK_ERR_BINARY,
							  "This version only writes and reads flags 0.",
							  "invalid %s flags %d in binary input",
							  typname, flags);
	if (len - HACK_POINT_BINARY_HEADER != sizeof(double) * (n + extra))
		return hack_error_set(err, HACK_ERR_BINARY, NULL,
							  "%s binary input has %zu bytes %s, expected %zu",
							  typname, len - HACK_POINT_BINARY_HEADER, body,
							  sizeof(double) * (n + extra));
	*dim = n;
	return HACK_OK;
}

static uint8_t *
write_header(uint8_t *out, int dim)
{
	out = put_be(out, (uint16_t) dim, 2);
	return put_be(out, 0, 2);
}

HackStatus
hack_point_recv(const uint8_t *data, size_t len, int typmod, double *coords,
				int *dim, HackError *err)
{
	HackStatus	st = read_header(data, len, "poincare_point", "of coordinates",
								 0, dim, err);

	if (st != HACK_OK)
		return st;
	if (typmod != -1 && *dim != typmod)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "expected %d dimensions, not %d", typmod, *dim);
	get_float8s(data + HACK_POINT_BINARY_HEADER, *dim, coords);
	return hyp_check_point(coords, *dim, 1.0, err);
}

void
hack_point_send(const double *coords, int dim, uint8_t *out)
{
	put_float8s(write_header(out, dim), coords, dim);
}

HackStatus
hack_hball_recv(const uint8_t *data, size_t len, double *coords, int *dim,
				double *radius, HackError *err)
{
	const uint8_t *body = data + HACK_POINT_BINARY_HEADER;
	HackStatus	st;

	if ((st = read_header(data, len, "hball", "after its header", 1, dim,
						  err)) != HACK_OK)
		return st;
	get_float8s(body, 1, radius);
	get_float8s(body + sizeof(double), *dim, coords);
	if ((st = hyp_check_point(coords, *dim, 1.0, err)) != HACK_OK)
		return st;
	if ((st = hack_check_radius(*radius, err)) != HACK_OK)
		return st;
	*radius += 0.0;				/* -0 becomes +0 */
	return HACK_OK;
}

void
hack_hball_send(const double *coords, int dim, double radius, uint8_t *out)
{
	put_float8s(put_float8s(write_header(out, dim), &radius, 1), coords, dim);
}
