/*
 * wire.c
 *	  Little-endian byte strings: a growing writer and a bounded reader.
 */
#include "wire.h"

#include <stdlib.h>
#include <string.h>

/* Append len bytes. */
void
wire_put_bytes(WireWriter *w, const void *data, size_t len)
{
	if (w->failed || len == 0)
		return;
	if (len > w->cap - w->len)
	{
		size_t		cap = w->cap ? w->cap : 256;
		uint8_t    *buf;

		while (cap - w->len < len)
		{
			if (cap > SIZE_MAX / 2)
			{
				w->failed = true;
				return;
			}
			cap *= 2;
		}
		buf = realloc(w->buf, cap);
		if (buf == NULL)
		{
			w->failed = true;
			return;
		}
		w->buf = buf;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, data, len);
	w->len += len;
}

/* Append v in n little-endian bytes. */
static void
put_le(WireWriter *w, uint64_t v, int n)
{
	uint8_t		b[8];

	for (int i = 0; i < n; i++)
		b[i] = (uint8_t) (v >> (8 * i));
	wire_put_bytes(w, b, (size_t) n);
}

void
wire_put_u8(WireWriter *w, uint8_t v)
{
	put_le(w, v, 1);
}

void
wire_put_u32(WireWriter *w, uint32_t v)
{
	put_le(w, v, 4);
}

void
wire_put_u64(WireWriter *w, uint64_t v)
{
	put_le(w, v, 8);
}

/* A double as its IEEE 754 bits: exact, whatever the digits. */
void
wire_put_f64(WireWriter *w, double v)
{
	uint64_t	bits;

	memcpy(&bits, &v, sizeof(bits));
	put_le(w, bits, 8);
}

/* A u64 length, then the bytes. */
void
wire_put_blob(WireWriter *w, const void *data, size_t len)
{
	wire_put_u64(w, (uint64_t) len);
	wire_put_bytes(w, data, len);
}

void
wire_reader_init(WireReader *r, const uint8_t *buf, size_t len)
{
	r->buf = buf;
	r->len = len;
	r->pos = 0;
	r->failed = false;
}

/* The next len bytes, or NULL (and failed) if fewer are left. */
const uint8_t *
wire_get_bytes(WireReader *r, size_t len)
{
	const uint8_t *p;

	if (r->failed || len > r->len - r->pos)
	{
		r->failed = true;
		return NULL;
	}
	p = r->buf + r->pos;
	r->pos += len;
	return p;
}

/* The next n bytes as a little-endian integer; 0 past the end. */
static uint64_t
get_le(WireReader *r, int n)
{
	const uint8_t *p = wire_get_bytes(r, (size_t) n);
	uint64_t	v = 0;

	if (p == NULL)
		return 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t) p[i] << (8 * i);
	return v;
}

uint8_t
wire_get_u8(WireReader *r)
{
	return (uint8_t) get_le(r, 1);
}

uint32_t
wire_get_u32(WireReader *r)
{
	return (uint32_t) get_le(r, 4);
}

uint64_t
wire_get_u64(WireReader *r)
{
	return get_le(r, 8);
}

double
wire_get_f64(WireReader *r)
{
	uint64_t	bits = get_le(r, 8);
	double		v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

/* A blob written by wire_put_blob of at most max_len bytes, or NULL. */
const uint8_t *
wire_get_blob(WireReader *r, size_t max_len, size_t *len)
{
	uint64_t	n = wire_get_u64(r);

	*len = 0;
	if (r->failed || n > max_len)
	{
		r->failed = true;
		return NULL;
	}
	*len = (size_t) n;
	return wire_get_bytes(r, (size_t) n);
}
