/*
 * wire.h
 *	  Little-endian byte strings: a growing writer and a bounded reader
 *	  (wire.c), for the messages hack sends between servers
 *	  (cluster_msg.c).
 *
 * The writer grows with malloc and remembers a failed allocation instead
 * of failing each call; the reader never reads past its end, and once a
 * read fails every later read fails too, so a parser checks once, at the
 * end of a record, whether all its fields were there.
 */
#ifndef HACK_CORE_WIRE_H
#define HACK_CORE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct WireWriter
{
	uint8_t    *buf;			/* malloc'd; the caller frees it */
	size_t		len;
	size_t		cap;
	bool		failed;			/* an allocation failed: buf is incomplete */
} WireWriter;

typedef struct WireReader
{
	const uint8_t *buf;
	size_t		len;
	size_t		pos;			/* next byte to read, <= len */
	bool		failed;			/* a read ran past the end */
} WireReader;

extern void wire_put_bytes(WireWriter *w, const void *data, size_t len);
extern void wire_put_u8(WireWriter *w, uint8_t v);
extern void wire_put_u32(WireWriter *w, uint32_t v);
extern void wire_put_u64(WireWriter *w, uint64_t v);
extern void wire_put_f64(WireWriter *w, double v);
extern void wire_put_blob(WireWriter *w, const void *data, size_t len);

extern void wire_reader_init(WireReader *r, const uint8_t *buf, size_t len);
extern const uint8_t *wire_get_bytes(WireReader *r, size_t len);
extern uint8_t wire_get_u8(WireReader *r);
extern uint32_t wire_get_u32(WireReader *r);
extern uint64_t wire_get_u64(WireReader *r);
extern double wire_get_f64(WireReader *r);
extern const uint8_t *wire_get_blob(WireReader *r, size_t max_len, size_t *len);

#endif							/* HACK_CORE_WIRE_H */
