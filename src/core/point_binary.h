/*
 * point_binary.h
 *	  Decoding and checking the binary (send/receive) form of poincare_point.
 *
 * The wire form is int16 dim, int16 flags (0), then dim float8, all in
 * network byte order, as pq_sendint16 and pq_sendfloat8 write them.  The
 * glue's receive function hands the bytes here, so the fuzzer and the
 * server check them with the same code.
 */
#ifndef HACK_CORE_POINT_BINARY_H
#define HACK_CORE_POINT_BINARY_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* bytes before the coordinates: int16 dim and int16 flags */
#define HACK_POINT_BINARY_HEADER 4

/*
 * Decode len bytes of binary input into coords (room for HACK_MAX_DIM
 * values) and *dim, checking in this order: the header is complete, the
 * dimension, the flags, the number of coordinate bytes, the declared
 * dimension typmod (-1 for none) and that the point lies in the unit ball.
 */
extern HackStatus hack_point_recv(const uint8_t *data, size_t len, int typmod,
								  double *coords, int *dim, HackError *err);

#endif							/* HACK_CORE_POINT_BINARY_H */
