/*
 * fuzz_model_archive.c
 *	  libFuzzer target for the container of exported models
 *	  (hack_archive_read, hack_archive_size, hack_archive_write).
 *
 * Build with `make fuzz` and run test/fuzz/bin/fuzz_model_archive [corpus
 * dir].  Byte 0 of an input selects what the rest is:
 *
 * bit 1 clear: an archive.  It must either be rejected with HACK_ERR_BINARY
 * and a message naming a byte offset within the input, leaving the result
 * zeroed, or read as an archive whose fields all lie inside the input, that
 * hack_archive_size accepts at exactly the input's length and that
 * hack_archive_write writes back to identical bytes.  Random bytes almost
 * never pass the checksum, so when bit 0 is set the last 4 bytes are first
 * replaced by the CRC-32C of the others, letting the fuzzer reach the
 * checks behind it.
 *
 * bit 1 set: the fields of an archive to write, separated by 0xFF bytes
 * (which UTF-8 never contains): the header, then key, normalisation,
 * metrics and weights of each group.  What hack_archive_size accepts must
 * be written in exactly that many bytes and read back with equal fields;
 * what it refuses must fail with HACK_ERR_PARAMETER or HACK_ERR_LIMIT.
 */
#include "fuzz.h"

#include "model_archive.h"

#define FUZZ_MAX_GROUPS 64

/* Whether [p, p + n) lies inside [buf, buf + len). */
static int
inside(const void *p, size_t n, const uint8_t *buf, size_t len)
{
	const uint8_t *q = p;

	return q >= buf && q <= buf + len && n <= (size_t) (buf + len - q);
}

/* Read an archive and check the properties of either outcome. */
static void
check_read(const uint8_t *buf, size_t size)
{
	HackArchive a;
	HackError	err;
	HackStatus	st;

	memset(&a, 0x5A, sizeof(a));
	st = hack_archive_read(buf, size, &a, &err);
	if (st == HACK_OK)
	{
		size_t		len = 0;
		uint8_t    *again;

		FUZZ_ASSERT(a.n_groups >= 1 && a.n_groups <= HACK_ARCHIVE_MAX_GROUPS);
		FUZZ_ASSERT(a.header_len <= HACK_ARCHIVE_MAX_TEXT &&
					inside(a.header, a.header_len, buf, size));
		for (int i = 0; i < a.n_groups; i++)
		{
			const HackArchiveGroup *g = &a.groups[i];

			FUZZ_ASSERT(g->key_len <= HACK_ARCHIVE_MAX_TEXT &&
						inside(g->key, g->key_len, buf, size));
			FUZZ_ASSERT(g->normalisation_len <= HACK_ARCHIVE_MAX_TEXT &&
						inside(g->normalisation, g->normalisation_len, buf, size));
			FUZZ_ASSERT(g->metrics_len <= HACK_ARCHIVE_MAX_TEXT &&
						inside(g->metrics, g->metrics_len, buf, size));
			FUZZ_ASSERT(g->n_rows >= 0 && g->weights_len >= 1 &&
						inside(g->weights, g->weights_len, buf, size));
		}
		FUZZ_ASSERT(hack_archive_size(&a, &len, &err) == HACK_OK);
		FUZZ_ASSERT(len == size);
		again = malloc(len);
		hack_archive_write(&a, again);
		FUZZ_ASSERT(memcmp(again, buf, len) == 0);
		free(again);
		hack_archive_free(&a);
		FUZZ_ASSERT(a.groups == NULL);
	}
	else
	{
		static const char prefix[] = "invalid model archive at byte offset ";

		fuzz_check_error(st, &err, HACK_ERR_BINARY, HACK_ERR_NO_MEMORY,
						 HACK_ERR_BINARY);
		FUZZ_ASSERT(a.header == NULL && a.header_len == 0 &&
					a.n_groups == 0 && a.groups == NULL);
		if (st == HACK_ERR_BINARY)
		{
			FUZZ_ASSERT(strncmp(err.message, prefix, sizeof(prefix) - 1) == 0);
			FUZZ_ASSERT(strtoull(err.message + sizeof(prefix) - 1, NULL, 10) <= size);
			FUZZ_ASSERT(err.detail[0] != '\0');
		}
	}
}

/* Whether n bytes at p and at q are equal (either may be NULL when n is 0). */
static int
same(const void *p, const void *q, size_t n)
{
	return n == 0 || memcmp(p, q, n) == 0;
}

/* Build an archive from 0xFF-separated fields, write it and read it back. */
static void
check_write(const uint8_t *data, size_t size)
{
	const uint8_t *field[1 + 4 * FUZZ_MAX_GROUPS];
	size_t		flen[1 + 4 * FUZZ_MAX_GROUPS];
	int			nf = 0;
	size_t		start = 0;
	HackArchiveGroup groups[FUZZ_MAX_GROUPS];
	HackArchive a,
				back;
	HackError	err;
	HackStatus	st;
	size_t		len = 0;
	uint8_t    *buf;

	for (size_t i = 0; i <= size && nf < 1 + 4 * FUZZ_MAX_GROUPS; i++)
	{
		if (i == size || data[i] == 0xFF)
		{
			field[nf] = data + start;
			flen[nf] = i - start;
			nf++;
			start = i + 1;
		}
	}
	memset(groups, 0, sizeof(groups));
	a.header = (const char *) field[0];
	a.header_len = flen[0];
	a.n_groups = (nf - 1) / 4;
	a.groups = groups;
	for (int i = 0; i < a.n_groups; i++)
	{
		const uint8_t *const *f = &field[1 + 4 * i];
		const size_t *fl = &flen[1 + 4 * i];

		groups[i].key = (const char *) f[0];
		groups[i].key_len = fl[0];
		groups[i].normalisation = (const char *) f[1];
		groups[i].normalisation_len = fl[1];
		groups[i].metrics = (const char *) f[2];
		groups[i].metrics_len = fl[2];
		groups[i].weights = f[3];
		groups[i].weights_len = fl[3];
		/* a weights byte of 0x7F asks for a negative row count */
		groups[i].n_rows = fl[3] == 0 ? 0 :
			f[3][0] == 0x7F ? -1 : (int64_t) f[3][0] * 123456789;
	}

	st = hack_archive_size(&a, &len, &err);
	if (st != HACK_OK)
	{
		fuzz_check_error(st, &err, HACK_ERR_PARAMETER, HACK_ERR_LIMIT,
						 HACK_ERR_NO_MEMORY);
		return;
	}
	buf = malloc(len);
	hack_archive_write(&a, buf);
	st = hack_archive_read(buf, len, &back, &err);
	if (st != HACK_OK)
		fprintf(stderr, "written archive rejected: %s\n", err.message);
	FUZZ_ASSERT(st == HACK_OK);
	FUZZ_ASSERT(back.n_groups == a.n_groups && back.header_len == a.header_len &&
				same(back.header, a.header, a.header_len));
	for (int i = 0; i < a.n_groups; i++)
	{
		const HackArchiveGroup *x = &a.groups[i];
		const HackArchiveGroup *y = &back.groups[i];

		FUZZ_ASSERT(x->key_len == y->key_len && same(x->key, y->key, x->key_len));
		FUZZ_ASSERT(x->normalisation_len == y->normalisation_len &&
					same(x->normalisation, y->normalisation, x->normalisation_len));
		FUZZ_ASSERT(x->metrics_len == y->metrics_len &&
					same(x->metrics, y->metrics, x->metrics_len));
		FUZZ_ASSERT(x->n_rows == y->n_rows && x->weights_len == y->weights_len &&
					same(x->weights, y->weights, x->weights_len));
	}
	hack_archive_free(&back);
	/* and the written bytes pass the reader's own properties */
	check_read(buf, len);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t    *buf;

	if (size < 1)
		return 0;
	if (data[0] & 2)
	{
		check_write(data + 1, size - 1);
		return 0;
	}
	/* an exact-size copy, so ASan sees any read past the end */
	size -= 1;
	buf = fuzz_copy(data + 1, size);
	if ((data[0] & 1) && size >= 4)
	{
		uint32_t	crc = hack_archive_crc32c(buf, size - 4);

		for (int i = 0; i < 4; i++)
			buf[size - 4 + i] = (uint8_t) (crc >> (8 * i));
	}
	check_read(buf, size);
	free(buf);
	return 0;
}
