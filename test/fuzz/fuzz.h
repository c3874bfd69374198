/*
 * fuzz.h
 *	  Helpers shared by the libFuzzer targets of test/fuzz.
 *
 * A target checks properties, not only the absence of crashes: when one
 * fails it calls FUZZ_ASSERT, which prints the condition and aborts, so
 * libFuzzer saves the input as a crash.
 */
#ifndef HACK_FUZZ_H
#define HACK_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "%s:%d: property failed: %s\n", \
					__FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

/* The input as a NUL-terminated string (it ends at its first NUL byte). */
static inline char *
fuzz_cstring(const uint8_t *data, size_t size)
{
	char	   *s = malloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * A heap copy of the size bytes at data, of exactly that size, so that
 * ASan sees any read past its end (libFuzzer's own buffer may have slack).
 */
static inline uint8_t *
fuzz_copy(const uint8_t *data, size_t size)
{
	uint8_t    *copy = malloc(size > 0 ? size : 1);

	memcpy(copy, data, size);
	return copy;
}

/* A failure must carry one of the allowed statuses and a message. */
static inline void
fuzz_check_error(HackStatus st, const HackError *err, HackStatus a,
				 HackStatus b, HackStatus c)
{
	FUZZ_ASSERT(st == a || st == b || st == c);
	FUZZ_ASSERT(err->status == st);
	FUZZ_ASSERT(err->message[0] != '\0');
	FUZZ_ASSERT(memchr(err->message, '\0', sizeof(err->message)) != NULL);
	FUZZ_ASSERT(memchr(err->detail, '\0', sizeof(err->detail)) != NULL);
}

/*
 * Write "(x1,...,xn)" at p with digits that read back exactly; returns the
 * end.  p needs dim * (HACK_DOUBLE_BUF + 1) + 3 bytes.
 */
static inline char *
fuzz_print_coords(char *p, const double *x, int dim)
{
	char		num[HACK_DOUBLE_BUF];

	*p++ = '(';
	for (int i = 0; i < dim; i++)
		p += sprintf(p, i ? ",%s" : "%s", hack_fmt_double(num, sizeof(num), x[i]));
	strcpy(p, ")");
	return p + 1;
}

#endif							/* HACK_FUZZ_H */
