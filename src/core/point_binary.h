/*
 * point_binary.h
 *	  The binary (send/receive) forms of poincare_point and hball.
 *
 * Both forms start with the same header, int16 dim and int16 flags (0);
 * poincare_point then has dim float8 coordinates, hball a float8 radius
 * and dim float8 coordinates of its centre, all in network byte order as
 * pq_sendint16 and pq_sendfloat8 write them.  The glue's send and receive
 * functions only copy bytes to and from these functions, so the fuzzers
 * and the server encode and check with the same code.
 */
#ifndef HACK_CORE_POINT_BINARY_H
#define HACK_CORE_POINT_BINARY_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* bytes before the coordinates: int16 dim and int16 flags */
#define HACK_POINT_BINARY_HEADER 4

/* bytes of the whole binary form of a point, and of a ball */
#define HACK_POINT_BINARY_SIZE(dim) \
	(HACK_POINT_BINARY_HEADER + sizeof(double) * (size_t) (dim))
#define HACK_HBALL_BINARY_SIZE(dim) HACK_POINT_BINARY_SIZE((size_t) (dim) + 1)

/*
 * Decode len bytes of binary input into coords (room for HACK_MAX_DIM
 * values) and *dim, checking in this order: the header is complete, the
 * dimension, the flags, the number of coordinate bytes, the declared
 * dimension typmod (-1 for none) and that the point lies in the unit ball.
 */
extern HackStatus hack_point_recv(const uint8_t *data, size_t len, int typmod,
								  double *coords, int *dim, HackError *err);

/* Write the HACK_POINT_BINARY_SIZE(dim) bytes of a point to out. */
extern void hack_point_send(const double *coords, int dim, uint8_t *out);

/*
 * Decode len bytes of hball binary input into the centre coords (room for
 * HACK_MAX_DIM values), *dim and *radius, checking in this order: the
 * header (as hack_point_recv), the number of bytes after it, the centre
 * (finite, in the unit ball) and the radius (finite, >= 0).  A radius of
 * -0 is returned as +0.
 */
extern HackStatus hack_hball_recv(const uint8_t *data, size_t len,
								  double *coords, int *dim, double *radius,
								  HackError *err);

/* Write the HACK_HBALL_BINARY_SIZE(dim) bytes of a ball to out. */
extern void hack_hball_send(const double *coords, int dim, double radius,
							uint8_t *out);

#endif							/* HACK_CORE_POINT_BINARY_H */
