/*
 * test_model_archive.c
 *	  The container of an exported model (src/core/model_archive.c).
 *
 * Archives with defects are written by hand_write, which follows the
 * format as documented rather than calling the module, then edited at the
 * offsets it records; each defect must be rejected with HACK_ERR_BINARY,
 * the expected byte offset and a message naming it.
 */
#include "unit.h"

#include <string.h>

#include "model_archive.h"
#include "nn_serial.h"

/* A growable byte string. */
typedef struct Bytes
{
	uint8_t    *data;
	size_t		len;
	size_t		cap;
} Bytes;

/* Append n bytes of p to b. */
static void
bytes_put(Bytes *b, const void *p, size_t n)
{
	if (b->len + n > b->cap)
	{
		b->cap = (b->len + n) * 2 + 64;
		b->data = realloc(b->data, b->cap);
		if (b->data == NULL)
			abort();
	}
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

/* Write v little-endian in n bytes at p. */
static void
set_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

/* Little-endian n-byte integer at p. */
static uint64_t
get_le(const uint8_t *p, int n)
{
	uint64_t	v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint64_t) p[i] << (8 * i);
	return v;
}

/* Append v little-endian in n bytes to b. */
static void
bytes_le(Bytes *b, uint64_t v, int n)
{
	uint8_t		tmp[8];

	set_le(tmp, v, n);
	bytes_put(b, tmp, (size_t) n);
}

/* CRC-32C bit by bit, the reference for the module's table. */
static uint32_t
crc32c_bitwise(const uint8_t *p, size_t n)
{
	uint32_t	crc = 0xFFFFFFFFu;

	for (size_t i = 0; i < n; i++)
	{
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
	}
	return crc ^ 0xFFFFFFFFu;
}

/* Recompute the trailing checksum of an edited archive of len bytes. */
static void
fix_crc(uint8_t *buf, size_t len)
{
	set_le(buf + len - 4, crc32c_bitwise(buf, len - 4), 4);
}

/* Offsets of the fields of a hand-written archive (first LAY_GROUPS groups). */
#define LAY_GROUPS 8
typedef struct Layout
{
	size_t		header_len,
				header,
				n_groups,
				crc;
	size_t		key_len[LAY_GROUPS],
				key[LAY_GROUPS],
				norm_len[LAY_GROUPS],
				norm[LAY_GROUPS],
				metrics_len[LAY_GROUPS],
				metrics[LAY_GROUPS],
				rows[LAY_GROUPS],
				weights_len[LAY_GROUPS],
				weights[LAY_GROUPS];
} Layout;

/* Append a u32 length and the bytes; returns the length field's offset. */
static size_t
bytes_field(Bytes *b, const void *p, size_t n)
{
	size_t		at = b->len;

	bytes_le(b, n, 4);
	bytes_put(b, p, n);
	return at;
}

/*
 * Write a as the format describes it, checking nothing (so it can write
 * duplicate keys or empty weights), and record where each field lies.
 */
static Bytes
hand_write(const HackArchive *a, Layout *lay)
{
	Bytes		b = {NULL, 0, 0};
	Layout		dummy;

	if (lay == NULL)
		lay = &dummy;
	memset(lay, 0, sizeof(*lay));
	bytes_put(&b, "HACKARC\0", 8);
	bytes_le(&b, 1, 4);
	bytes_le(&b, 0, 4);
	lay->header_len = bytes_field(&b, a->header, a->header_len);
	lay->header = lay->header_len + 4;
	lay->n_groups = b.len;
	bytes_le(&b, (uint64_t) a->n_groups, 4);
	for (int i = 0; i < a->n_groups; i++)
	{
		const HackArchiveGroup *g = &a->groups[i];
		size_t		kl = bytes_field(&b, g->key, g->key_len);
		size_t		nl = bytes_field(&b, g->normalisation, g->normalisation_len);
		size_t		ml = bytes_field(&b, g->metrics, g->metrics_len);
		size_t		r = b.len;
		size_t		wl;

		bytes_le(&b, (uint64_t) g->n_rows, 8);
		wl = bytes_field(&b, g->weights, g->weights_len);
		if (i < LAY_GROUPS)
		{
			lay->key_len[i] = kl;
			lay->key[i] = kl + 4;
			lay->norm_len[i] = nl;
			lay->norm[i] = nl + 4;
			lay->metrics_len[i] = ml;
			lay->metrics[i] = ml + 4;
			lay->rows[i] = r;
			lay->weights_len[i] = wl;
			lay->weights[i] = wl + 4;
		}
	}
	lay->crc = b.len;
	bytes_le(&b, crc32c_bitwise(b.data, b.len), 4);
	return b;
}

/* The sample model: three groups, one with an empty key, one non-ASCII. */
static uint8_t sample_weights[3][300];
static HackArchiveGroup sample_groups[3];

static HackArchive
sample(void)
{
	HackArchive a;
	static const char *const keys[3] = {"0", "", "sneaker \xc3\xbc\xe2\x82\xac"};
	static const char *const norms[3] = {
		"{\"mean\":[0.5],\"sd\":[0.25]}", "{}", "{\"mean\":[0],\"sd\":[1]}"};
	static const char *const metrics[3] = {"{\"loss\":0.125}", "{}", ""};
	static const int64_t rows[3] = {6000, 0, 123456789012LL};
	static const size_t wlen[3] = {5, 1, 300};

	for (int i = 0; i < 3; i++)
	{
		for (int k = 0; k < 300; k++)
			sample_weights[i][k] = (uint8_t) (i * 101 + k * 7 + 1);
		sample_groups[i].key = keys[i];
		sample_groups[i].key_len = strlen(keys[i]);
		sample_groups[i].normalisation = norms[i];
		sample_groups[i].normalisation_len = strlen(norms[i]);
		sample_groups[i].metrics = metrics[i];
		sample_groups[i].metrics_len = strlen(metrics[i]);
		sample_groups[i].n_rows = rows[i];
		sample_groups[i].weights = sample_weights[i];
		sample_groups[i].weights_len = wlen[i];
	}
	a.header = "{\"arch\":\"mlp\",\"dim\":2,\"epochs\":40}";
	a.header_len = strlen(a.header);
	a.n_groups = 3;
	a.groups = sample_groups;
	return a;
}

/* The sample written by hand, with its layout. */
static Bytes
sample_bytes(Layout *lay)
{
	HackArchive a = sample();

	return hand_write(&a, lay);
}

/*
 * Whether reading len bytes fails with HACK_ERR_BINARY, a message
 * "invalid model archive at byte offset <offset>: ..." that contains what,
 * a detail, and *out zeroed.  Says what it got otherwise.
 */
static bool
rejects(const uint8_t *buf, size_t len, size_t offset, const char *what)
{
	HackArchive out;
	HackError	err;
	char		prefix[96];
	HackStatus	st;
	bool		ok;

	memset(&out, 0x5A, sizeof(out));
	hack_error_clear(&err);
	st = hack_archive_read(buf, len, &out, &err);
	snprintf(prefix, sizeof(prefix), "invalid model archive at byte offset %zu: ", offset);
	ok = st == HACK_ERR_BINARY && err.status == HACK_ERR_BINARY &&
		strncmp(err.message, prefix, strlen(prefix)) == 0 &&
		strstr(err.message + strlen(prefix), what) != NULL &&
		err.detail[0] != '\0' &&
		out.header == NULL && out.header_len == 0 && out.n_groups == 0 &&
		out.groups == NULL;
	if (!ok)
		fprintf(stderr, "    expected \"%s...%s\", got status %d \"%s\"\n",
				prefix, what, (int) st, st == HACK_OK ? "" : err.message);
	if (st == HACK_OK)
		hack_archive_free(&out);
	return ok;
}

/* Whether len bytes read as a valid archive (and free it). */
static bool
accepts(const uint8_t *buf, size_t len)
{
	HackArchive out;
	HackError	err;
	HackStatus	st = hack_archive_read(buf, len, &out, &err);

	if (st != HACK_OK)
		fprintf(stderr, "    unexpected: %s\n", err.message);
	hack_archive_free(&out);
	return st == HACK_OK;
}

/*
 * Copy the archive b to e, set the width-byte field at at to value
 * (little-endian) and fix the checksum.
 */
static void
edit_copy(uint8_t *e, const Bytes *b, size_t at, uint64_t value, int width)
{
	memcpy(e, b->data, b->len);
	set_le(e + at, value, width);
	fix_crc(e, b->len);
}

/* One defect of the sample archive and the rejection it must cause. */
typedef struct Edit
{
	size_t		at;				/* offset of the edited field */
	uint64_t	value;			/* its new value, little-endian */
	int			width;			/* its size in bytes (1 for a single byte) */
	size_t		offset;			/* byte offset the error must name */
	const char *what;			/* text the error message must contain */
} Edit;

/* Each edit, made alone to a fresh copy of b, must be rejected as it says. */
static void
check_edits(const Bytes *b, const Edit *edits, int n_edits)
{
	uint8_t    *e = malloc(b->len);

	for (int i = 0; i < n_edits; i++)
	{
		const Edit *ed = &edits[i];

		edit_copy(e, b, ed->at, ed->value, ed->width);
		if (!rejects(e, b->len, ed->offset, ed->what))
			unit_fail(__FILE__, __LINE__, "edit %d (at byte %zu) not rejected as expected",
					  i + 1, ed->at);
	}
	free(e);
}

/* Whether a read archive holds the same fields as the one written. */
static bool
same_archive(const HackArchive *a, const HackArchive *b)
{
	if (a->header_len != b->header_len ||
		memcmp(a->header, b->header, a->header_len) != 0 ||
		a->n_groups != b->n_groups)
		return false;
	for (int i = 0; i < a->n_groups; i++)
	{
		const HackArchiveGroup *x = &a->groups[i];
		const HackArchiveGroup *y = &b->groups[i];

		if (x->key_len != y->key_len ||
			(x->key_len > 0 && memcmp(x->key, y->key, x->key_len) != 0) ||
			x->normalisation_len != y->normalisation_len ||
			(x->normalisation_len > 0 &&
			 memcmp(x->normalisation, y->normalisation, x->normalisation_len) != 0) ||
			x->metrics_len != y->metrics_len ||
			(x->metrics_len > 0 && memcmp(x->metrics, y->metrics, x->metrics_len) != 0) ||
			x->n_rows != y->n_rows || x->weights_len != y->weights_len ||
			memcmp(x->weights, y->weights, x->weights_len) != 0)
			return false;
	}
	return true;
}

/* The table-driven CRC-32C: check value, empty input, the bitwise reference. */
static void
test_crc32c(void)
{
	uint8_t		data[300];
	UnitRng		rng = {7};
	bool		all_same = true;

	CHECK(hack_archive_crc32c((const uint8_t *) "123456789", 9) == 0xE3069283u);
	CHECK(hack_archive_crc32c(data, 0) == 0);
	for (int i = 0; i < 300; i++)
		data[i] = (uint8_t) unit_rng_next(&rng);
	for (size_t n = 0; n <= 300; n++)
		all_same &= hack_archive_crc32c(data, n) == crc32c_bitwise(data, n);
	CHECK(all_same);
}

/* Size, write, read and re-write several groups, one with an empty key. */
static void
test_round_trip(void)
{
	HackArchive a = sample();
	HackArchive back;
	HackError	err;
	size_t		size,
				size2;
	size_t		expect = 8 + 4 + 4 + 4 + a.header_len + 4 + 4;
	uint8_t    *buf,
			   *again;
	Layout		lay;
	Bytes		hand = hand_write(&a, &lay);

	for (int i = 0; i < a.n_groups; i++)
		expect += 4 + a.groups[i].key_len + 4 + a.groups[i].normalisation_len +
			4 + a.groups[i].metrics_len + 8 + 4 + a.groups[i].weights_len;
	CHECK(hack_archive_size(&a, &size, &err) == HACK_OK);
	CHECK(size == expect);
	buf = malloc(size);
	hack_archive_write(&a, buf);
	/* the bytes are the documented layout, independently written */
	CHECK(hand.len == size && memcmp(hand.data, buf, size) == 0);
	CHECK(memcmp(buf, "HACKARC\0\1\0\0\0\0\0\0\0", 16) == 0);
	CHECK(get_le(buf + size - 4, 4) == crc32c_bitwise(buf, size - 4));

	CHECK(hack_archive_read(buf, size, &back, &err) == HACK_OK);
	CHECK(same_archive(&a, &back));
	CHECK(back.groups[1].key_len == 0);
	CHECK(back.groups[2].n_rows == 123456789012LL);
	/* every pointer of the result is into the input buffer */
	CHECK(back.header == (const char *) buf + lay.header);
	CHECK(back.groups[0].key == (const char *) buf + lay.key[0]);
	CHECK(back.groups[1].normalisation == (const char *) buf + lay.norm[1]);
	CHECK(back.groups[2].metrics == (const char *) buf + lay.metrics[2]);
	CHECK(back.groups[2].weights == buf + lay.weights[2]);

	CHECK(hack_archive_size(&back, &size2, &err) == HACK_OK && size2 == size);
	again = malloc(size2);
	hack_archive_write(&back, again);
	CHECK(memcmp(again, buf, size) == 0);
	hack_archive_free(&back);
	CHECK(back.groups == NULL && back.n_groups == 0);
	free(again);
	free(buf);
	free(hand.data);
}

/* The smallest archive: empty header and texts, one weight byte. */
static void
test_smallest(void)
{
	static const uint8_t w = 42;
	HackArchiveGroup g = {"", 0, NULL, 0, "", 0, 0, &w, 1};
	HackArchive a = {NULL, 0, 1, &g};
	HackArchive back;
	HackError	err;
	size_t		size;
	uint8_t		buf[HACK_ARCHIVE_MIN_SIZE];

	CHECK(hack_archive_size(&a, &size, &err) == HACK_OK);
	CHECK(size == HACK_ARCHIVE_MIN_SIZE && size == 53);
	hack_archive_write(&a, buf);
	CHECK(hack_archive_read(buf, size, &back, &err) == HACK_OK);
	CHECK(back.n_groups == 1 && back.header_len == 0 && back.header != NULL);
	CHECK(back.groups[0].weights_len == 1 && back.groups[0].weights[0] == 42);
	hack_archive_free(&back);
}

/* Texts of exactly HACK_ARCHIVE_MAX_TEXT bytes are accepted, one more is not. */
static void
test_max_text(void)
{
	size_t		n = HACK_ARCHIVE_MAX_TEXT;
	char	   *big = malloc(n + 1);
	HackArchive a = sample();
	HackArchive back;
	HackError	err;
	size_t		size;
	uint8_t    *buf;
	Bytes		b;
	Layout		lay;

	memset(big, 'x', n + 1);
	a.header = big;
	a.header_len = n;
	sample_groups[0].metrics = big;
	sample_groups[0].metrics_len = n;
	CHECK(hack_archive_size(&a, &size, &err) == HACK_OK);
	buf = malloc(size);
	hack_archive_write(&a, buf);
	CHECK(hack_archive_read(buf, size, &back, &err) == HACK_OK);
	CHECK(back.header_len == n && back.groups[0].metrics_len == n);
	hack_archive_free(&back);
	free(buf);

	a.header_len = n + 1;
	CHECK(hack_archive_size(&a, &size, &err) == HACK_ERR_LIMIT);
	CHECK(strcmp(err.message, "model archive header of 1048577 bytes is above the limit of 1048576 bytes") == 0);
	b = hand_write(&a, &lay);
	CHECK(rejects(b.data, b.len, lay.header_len,
				  "header has length 1048577, above the limit of 1048576 bytes"));
	free(b.data);
	free(big);
}

/* HACK_ARCHIVE_MAX_GROUPS groups are accepted; a duplicate among them is found. */
static void
test_max_groups(void)
{
	int			n = HACK_ARCHIVE_MAX_GROUPS;
	HackArchiveGroup *g = calloc((size_t) n, sizeof(*g));
	char	   *keys = malloc((size_t) n * 8);
	static const uint8_t w = 1;
	HackArchive a = {"{}", 2, n, g};
	HackArchive back;
	HackError	err;
	size_t		size,
				at;
	uint8_t    *buf;
	Bytes		b;

	for (int i = 0; i < n; i++)
	{
		g[i].key = keys + 8 * i;
		g[i].key_len = (size_t) snprintf(keys + 8 * i, 8, "%d", i);
		g[i].n_rows = i;
		g[i].weights = &w;
		g[i].weights_len = 1;
	}
	CHECK(hack_archive_size(&a, &size, &err) == HACK_OK);
	buf = malloc(size);
	hack_archive_write(&a, buf);
	CHECK(hack_archive_read(buf, size, &back, &err) == HACK_OK);
	CHECK(back.n_groups == n && back.groups[n - 1].n_rows == n - 1);
	hack_archive_free(&back);
	/* one more group than the limit, in the count field */
	set_le(buf + 8 + 4 + 4 + 4 + 2, (uint64_t) n + 1, 4);
	fix_crc(buf, size);
	CHECK(rejects(buf, size, 22, "group count 100001 is not between 1 and 100000"));
	free(buf);

	/* group 99999 repeats the key of group 50000 */
	g[99998].key = g[49999].key;
	g[99998].key_len = g[49999].key_len;
	CHECK(hack_archive_size(&a, &size, &err) == HACK_ERR_PARAMETER);
	CHECK(strcmp(err.message, "model archive groups 50000 and 99999 have the same key") == 0);
	b = hand_write(&a, NULL);
	at = 22 + 4;				/* the first group */
	for (int i = 0; i < 99998; i++)
		at += 25 + g[i].key_len;
	CHECK(rejects(b.data, b.len, at, "groups 50000 and 99999 have the same key"));
	free(b.data);
	free(keys);
	free(g);
}

/* hack_archive_size refuses what the reader would reject, and says why. */
static void
test_writer_rejects(void)
{
	HackArchive a;
	HackError	err;
	size_t		size = 1;

	a = sample();
	a.n_groups = 0;
	CHECK(hack_archive_size(&a, &size, &err) == HACK_ERR_PARAMETER && size == 0);
	CHECK(strcmp(err.message, "a model archive needs at least one group, not 0") == 0);
	a.n_groups = -1;
	CHECK(hack_archive_size(&a, &size, &err) == HACK_ERR_PARAMETER);
	a.n_groups = HACK_ARCHIVE_MAX_GROUPS + 1;
	CHECK(hack_archive_size(&a, &size, &err) == HACK_ERR_LIMIT);
	CHECK(strcmp(err.message, "100001 groups are above the limit of 100000 per model archive") == 0);
	a = sample();
	a.groups = NULL;
	CHECK(hack_archive_size(&a, &size, &err) == HACK_ERR_PARAMETER);

	a = sample();
	sample_groups[1].key_len = HACK_ARCHIVE_MAX_TEXT + 1;
	CHECK(hack_archive_size(&a, &size, &err) == HACK_ERR_LIMIT);
	CHECK(strcmp(err.message, "model archive key of group 2 of 1048577 bytes is above the limit of 1048576 bytes") == 0);
	a = sample();
	a.header = NULL;
	CHECK(hack_archive_size(&a, &size, &err) == HACK_ERR_PARAMETER);
	CHECK(strstr(err.message, "header is NULL") != NULL);
	a = sample();
	sample_groups[2].metrics = "{}\0x";
	sample_groups[2].metrics_len = 4;
	CHECK(hack_archive_size(&a, &size, &err) == HACK_ERR_PARAMETER);
	CHECK(strcmp(err.message, "model archive metrics of group 3 contains a NUL byte at byte 2") == 0);
	a = sample();
	sample_groups[0].normalisation = "{\"\xc0\xaf\"}";
	sample_groups[0].normalisation_len = 6;
	CHECK(hack_archive_size(&a, &size, &err) == HACK_ERR_PARAMETER);
	CHECK(strcmp(err.message, "model archive normalisation of group 1 is not valid UTF-8 at byte 2") == 0);
	a = sample();
	sample_groups[1].n_rows = -1;
	CHECK(hack_archive_size(&a, &size, &err) == HACK_ERR_PARAMETER);
	CHECK(strcmp(err.message, "negative row count -1 in model archive group 2") == 0);
	a = sample();
	sample_groups[2].weights_len = 0;
	CHECK(hack_archive_size(&a, &size, &err) == HACK_ERR_PARAMETER);
	CHECK(strcmp(err.message, "model archive group 3 has no weights") == 0);
	a = sample();
	sample_groups[0].weights = NULL;
	CHECK(hack_archive_size(&a, &size, &err) == HACK_ERR_PARAMETER);
#if SIZE_MAX > UINT32_MAX
	a = sample();
	sample_groups[0].weights_len = (size_t) UINT32_MAX + 1;	/* never read */
	CHECK(hack_archive_size(&a, &size, &err) == HACK_ERR_LIMIT);
	CHECK(strstr(err.message, "weights of model archive group 1 are 4294967296 bytes") != NULL);
#endif
	a = sample();
	sample_groups[2].key = "0";
	sample_groups[2].key_len = 1;
	CHECK(hack_archive_size(&a, &size, &err) == HACK_ERR_PARAMETER);
	CHECK(strcmp(err.message, "model archive groups 1 and 3 have the same key") == 0);
	/* a NULL text of length 0 is an empty text */
	a = sample();
	a.header = NULL;
	a.header_len = 0;
	CHECK(hack_archive_size(&a, &size, &err) == HACK_OK && size > 0);
}

/* A buffer shorter than the smallest archive. */
static void
test_reject_short(void)
{
	Bytes		b = sample_bytes(NULL);

	CHECK(rejects(NULL, 0, 0, "too short, the smallest archive has 53 bytes"));
	CHECK(rejects(b.data, 52, 52, "too short, the smallest archive has 53 bytes"));
	free(b.data);
}

/* Bad magic, including an encoder blob given in place of an archive. */
static void
test_reject_magic(void)
{
	Bytes		b = sample_bytes(NULL);

	b.data[0] ^= 0x20;
	CHECK(rejects(b.data, b.len, 0, "bad magic number"));
	memcpy(b.data, "HACKNN\032\n", 8);
	CHECK(rejects(b.data, b.len, 0, "bad magic number"));
	memcpy(b.data, "HACKARC ", 8);
	CHECK(rejects(b.data, b.len, 0, "bad magic number"));
	free(b.data);
}

/* Unknown versions, with the detail naming the version this reads. */
static void
test_reject_version(void)
{
	Bytes		b = sample_bytes(NULL);
	HackArchive out;
	HackError	err;

	set_le(b.data + 8, 2, 4);
	fix_crc(b.data, b.len);
	CHECK(rejects(b.data, b.len, 8, "unknown version 2"));
	CHECK(hack_archive_read(b.data, b.len, &out, &err) == HACK_ERR_BINARY &&
		  strcmp(err.detail, "This version of hack reads archive version 1.") == 0);
	set_le(b.data + 8, 0, 4);
	CHECK(rejects(b.data, b.len, 8, "unknown version 0"));
	free(b.data);
}

/* Non-zero flags. */
static void
test_reject_flags(void)
{
	Bytes		b = sample_bytes(NULL);
	const Edit	edits[] = {
		{12, 1, 4, 12, "flags 0x1 are not 0"},
		{12, 0x80000000u, 4, 12, "flags 0x80000000 are not 0"},
	};

	check_edits(&b, edits, lengthof(edits));
	free(b.data);
}

/* Each length field pointing past the end of the buffer. */
static void
test_reject_past_end(void)
{
	Layout		lay;
	Bytes		b = sample_bytes(&lay);
	uint8_t    *e = malloc(b.len);
	char		what[128];
	const Edit	edits[] = {
		{lay.header_len, b.len - lay.header + 1, 4, lay.header, what},
		{lay.key_len[0], 100000, 4, lay.key[0], "key of group 1 of length 100000 runs past the end"},
		{lay.norm_len[1], b.len, 4, lay.norm[1], "normalisation of group 2 of"},
		{lay.metrics_len[2], b.len - lay.metrics[2] + 1, 4, lay.metrics[2], "metrics of group 3 of"},
		{lay.weights_len[2], 0xFFFFFFFFu, 4, lay.weights[2], "weights of group 3 of length 4294967295 run past the end"},
		{lay.weights_len[2], 305, 4, lay.weights[2], "weights of group 3 of length 305 run past the end"},
		/* 301 bytes fit, but then the checksum does not */
		{lay.weights_len[2], 301, 4, lay.weights[2] + 301, "checksum runs past the end"},
	};

	snprintf(what, sizeof(what), "header of length %zu runs past the end of the %zu-byte archive",
			 b.len - lay.header + 1, b.len);
	check_edits(&b, edits, lengthof(edits));
	/*
	 * One group more than present: the checksum is read as a key length,
	 * rejected at its offset if above the text limit, else at the key.
	 */
	edit_copy(e, &b, lay.n_groups, 4, 4);
	CHECK(rejects(e, b.len,
				  get_le(e + lay.crc, 4) > HACK_ARCHIVE_MAX_TEXT ? lay.crc : lay.crc + 4,
				  "key of group 4"));
	free(e);
	free(b.data);
}

/* Text lengths above HACK_ARCHIVE_MAX_TEXT, for each kind of text. */
static void
test_reject_text_limit(void)
{
	Layout		lay;
	Bytes		b = sample_bytes(&lay);
	const Edit	edits[] = {
		{lay.header_len, HACK_ARCHIVE_MAX_TEXT + 1, 4, lay.header_len, "header has length 1048577, above the limit of 1048576 bytes"},
		{lay.key_len[1], 0xFFFFFFFFu, 4, lay.key_len[1], "key of group 2 has length 4294967295, above the limit"},
		{lay.norm_len[0], HACK_ARCHIVE_MAX_TEXT + 1, 4, lay.norm_len[0], "normalisation of group 1 has length 1048577"},
		{lay.metrics_len[2], 1u << 31, 4, lay.metrics_len[2], "metrics of group 3 has length 2147483648"},
	};

	check_edits(&b, edits, lengthof(edits));
	free(b.data);
}

/* A NUL byte in each kind of text. */
static void
test_reject_nul(void)
{
	Layout		lay;
	Bytes		b = sample_bytes(&lay);
	const Edit	edits[] = {
		{lay.header + 3, 0, 1, lay.header + 3, "NUL byte in header"},
		{lay.key[0], 0, 1, lay.key[0], "NUL byte in key of group 1"},
		{lay.norm[0] + 2, 0, 1, lay.norm[0] + 2, "NUL byte in normalisation of group 1"},
		{lay.metrics[1] + 1, 0, 1, lay.metrics[1] + 1, "NUL byte in metrics of group 2"},
		{lay.key[2] + 3, 0, 1, lay.key[2] + 3, "NUL byte in key of group 3"},
		/* a NUL inside a multi-byte character makes the character invalid */
		{lay.key[2] + 12, 0, 1, lay.key[2] + 10, "invalid UTF-8 in key of group 3"},
	};

	check_edits(&b, edits, lengthof(edits));
	free(b.data);
}

/* Whether an archive whose header is "ab" seq "cd" is rejected at the seq. */
static bool
header_rejected(const char *seq)
{
	char		text[32];
	HackArchive a = sample();
	Layout		lay;
	Bytes		b;
	bool		ok;

	snprintf(text, sizeof(text), "ab%scd", seq);
	a.header = text;
	a.header_len = strlen(text);
	b = hand_write(&a, &lay);
	ok = rejects(b.data, b.len, lay.header + 2, "invalid UTF-8 in header");
	free(b.data);
	return ok;
}

/* Whether an archive whose header is "ab" seq "cd" is accepted. */
static bool
header_accepted(const char *seq)
{
	char		text[32];
	HackArchive a = sample();
	Bytes		b;
	bool		ok;

	snprintf(text, sizeof(text), "ab%scd", seq);
	a.header = text;
	a.header_len = strlen(text);
	b = hand_write(&a, NULL);
	ok = accepts(b.data, b.len);
	free(b.data);
	return ok;
}

/* Invalid UTF-8 in texts: PostgreSQL's rules, the offending character's offset. */
static void
test_reject_utf8(void)
{
	Layout		lay;
	Bytes		b = sample_bytes(&lay);
	uint8_t    *e = malloc(b.len);

	CHECK(header_rejected("\xff"));		/* never valid */
	CHECK(header_rejected("\xfe"));
	CHECK(header_rejected("\x80"));		/* a lone continuation byte */
	CHECK(header_rejected("\xc0\x80"));	/* overlong NUL */
	CHECK(header_rejected("\xc1\xbf"));	/* overlong 2-byte form */
	CHECK(header_rejected("\xe0\x80\xaf"));	/* overlong 3-byte form */
	CHECK(header_rejected("\xf0\x80\x80\xaf"));	/* overlong 4-byte form */
	CHECK(header_rejected("\xed\xa0\x80"));	/* surrogate U+D800 */
	CHECK(header_rejected("\xed\xbf\xbf"));	/* surrogate U+DFFF */
	CHECK(header_rejected("\xf4\x90\x80\x80"));	/* U+110000 */
	CHECK(header_rejected("\xf5\x80\x80\x80"));
	CHECK(header_rejected("\xf8\x88\x80\x80\x80"));	/* 5-byte form */
	CHECK(header_rejected("\xe2\x82"));	/* cut short by 'c' */
	CHECK(header_rejected("\xe2\x82\x41"));	/* bad third byte */
	CHECK(header_rejected("\xc3\x28"));	/* bad second byte */
	CHECK(header_rejected("\xf0\x9f\x98"));	/* 4-byte form cut short */

	/* a sequence cut by the end of the text, in a group key */
	memcpy(e, b.data, b.len);
	set_le(e + lay.key_len[2], sample_groups[2].key_len - 1, 4);
	memmove(e + lay.key[2] + sample_groups[2].key_len - 1,
			e + lay.key[2] + sample_groups[2].key_len,
			b.len - lay.key[2] - sample_groups[2].key_len);
	fix_crc(e, b.len - 1);
	CHECK(rejects(e, b.len - 1, lay.key[2] + 10, "invalid UTF-8 in key of group 3"));
	/*
	 * A key cut inside a character whose next bytes would complete it: the
	 * normalisation after it has 172 (0xAC) bytes, so the byte after the key
	 * is a continuation byte.  The character must not run across the field.
	 */
	{
		HackArchive a = sample();
		char		spaces[172];
		Bytes		c;
		Layout		lc;

		memset(spaces, ' ', sizeof(spaces));
		sample_groups[0].key = "x\xe2\x82";
		sample_groups[0].key_len = 3;
		sample_groups[0].normalisation = spaces;
		sample_groups[0].normalisation_len = sizeof(spaces);
		c = hand_write(&a, &lc);
		CHECK(c.data[lc.norm_len[0]] == 0xAC);
		CHECK(rejects(c.data, c.len, lc.key[0] + 1, "invalid UTF-8 in key of group 1"));
		free(c.data);
	}
	/* a bad byte in the other kinds of text */
	{
		const Edit	edits[] = {
			{lay.norm[2] + 1, 0xC3, 1, lay.norm[2] + 1, "invalid UTF-8 in normalisation of group 3"},
			{lay.metrics[0], 0xA9, 1, lay.metrics[0], "invalid UTF-8 in metrics of group 1"},
		};

		check_edits(&b, edits, lengthof(edits));
	}
	free(e);
	free(b.data);
}

/* The boundaries of valid UTF-8 are accepted. */
static void
test_utf8_accepted(void)
{
	CHECK(header_accepted("\x7f"));
	CHECK(header_accepted("\xc2\x80"));	/* U+0080 */
	CHECK(header_accepted("\xc3\xa9"));	/* é */
	CHECK(header_accepted("\xe0\xa0\x80"));	/* U+0800 */
	CHECK(header_accepted("\xe2\x82\xac"));	/* € */
	CHECK(header_accepted("\xed\x9f\xbf"));	/* U+D7FF */
	CHECK(header_accepted("\xee\x80\x80"));	/* U+E000 */
	CHECK(header_accepted("\xef\xbf\xbf"));	/* U+FFFF */
	CHECK(header_accepted("\xf0\x90\x80\x80"));	/* U+10000 */
	CHECK(header_accepted("\xf0\x9f\x98\x80"));	/* an emoji */
	CHECK(header_accepted("\xf4\x8f\xbf\xbf"));	/* U+10FFFF */
}

/* Group counts of 0, above the limit, and above what the bytes can hold. */
static void
test_reject_group_count(void)
{
	Layout		lay;
	Bytes		b = sample_bytes(&lay);
	const Edit	edits[] = {
		{lay.n_groups, 0, 4, lay.n_groups, "group count 0 is not between 1 and 100000"},
		{lay.n_groups, HACK_ARCHIVE_MAX_GROUPS + 1, 4, lay.n_groups, "group count 100001 is not between 1 and 100000"},
		{lay.n_groups, 0xFFFFFFFFu, 4, lay.n_groups, "group count 4294967295 is not between"},
		/* within the limit, but 1000 groups need at least 25004 bytes */
		{lay.n_groups, 1000, 4, lay.n_groups, "1000 groups need at least 25004 more bytes, only"},
		{lay.n_groups, HACK_ARCHIVE_MAX_GROUPS, 4, lay.n_groups, "100000 groups need at least 2500004 more bytes"},
		/* fewer groups than present: the rest follows the "checksum" */
		{lay.n_groups, 2, 4, lay.key_len[2] + 4, "trailing data after the checksum"},
	};

	check_edits(&b, edits, lengthof(edits));
	free(b.data);
}

/* Negative row counts; the largest int64 is fine. */
static void
test_reject_negative_rows(void)
{
	Layout		lay;
	Bytes		b = sample_bytes(&lay);

	set_le(b.data + lay.rows[1], (uint64_t) -5, 8);
	fix_crc(b.data, b.len);
	CHECK(rejects(b.data, b.len, lay.rows[1], "negative row count -5 in group 2"));
	set_le(b.data + lay.rows[1], 0x8000000000000000ULL, 8);
	fix_crc(b.data, b.len);
	CHECK(rejects(b.data, b.len, lay.rows[1], "negative row count -9223372036854775808 in group 2"));
	set_le(b.data + lay.rows[1], 0x7FFFFFFFFFFFFFFFULL, 8);
	fix_crc(b.data, b.len);
	CHECK(accepts(b.data, b.len));
	free(b.data);
}

/* A group with zero bytes of weights. */
static void
test_reject_empty_weights(void)
{
	HackArchive a = sample();
	Layout		lay;
	Bytes		b;

	sample_groups[1].weights_len = 0;
	b = hand_write(&a, &lay);
	CHECK(rejects(b.data, b.len, lay.weights_len[1], "empty weights in group 2"));
	free(b.data);
}

/* Two groups with the same key, reported as the earliest repeat. */
static void
test_reject_duplicate_keys(void)
{
	HackArchive a = sample();
	HackArchiveGroup g[4];
	static const char *const keys[4] = {"b", "a", "a", "b"};
	Layout		lay;
	Bytes		b;

	for (int i = 0; i < 4; i++)
	{
		g[i] = sample_groups[0];
		g[i].key = keys[i];
		g[i].key_len = 1;
	}
	a.groups = g;
	a.n_groups = 4;
	b = hand_write(&a, &lay);
	CHECK(rejects(b.data, b.len, lay.key_len[2], "groups 2 and 3 have the same key"));
	free(b.data);

	/* the repeat that comes first wins, whatever the keys' sort order */
	g[0].key = g[1].key = "b";
	g[2].key = g[3].key = "a";
	b = hand_write(&a, &lay);
	CHECK(rejects(b.data, b.len, lay.key_len[1], "groups 1 and 2 have the same key"));
	free(b.data);
	/* three of a kind */
	g[0].key = g[1].key = g[3].key = "c";
	g[2].key = "a";
	b = hand_write(&a, &lay);
	CHECK(rejects(b.data, b.len, lay.key_len[1], "groups 1 and 2 have the same key"));
	free(b.data);

	/* two empty keys */
	g[0].key = "";
	g[0].key_len = 0;
	g[2].key = "";
	g[2].key_len = 0;
	a.n_groups = 3;
	b = hand_write(&a, &lay);
	CHECK(rejects(b.data, b.len, lay.key_len[2], "groups 1 and 3 have the same key"));
	free(b.data);

	/* keys differing in case or by a prefix are distinct */
	g[0].key = "a";
	g[0].key_len = 1;
	g[1].key = "A";
	g[2].key = "ab";
	g[2].key_len = 2;
	b = hand_write(&a, NULL);
	CHECK(accepts(b.data, b.len));
	free(b.data);
}

/* Bytes after the checksum. */
static void
test_reject_trailing(void)
{
	Bytes		b = sample_bytes(NULL);
	size_t		len = b.len;

	bytes_put(&b, "x", 1);
	CHECK(rejects(b.data, b.len, len, "trailing data after the checksum (1 byte)"));
	bytes_put(&b, "\0\0\0\0", 4);
	CHECK(rejects(b.data, b.len, len, "trailing data after the checksum (5 bytes)"));
	free(b.data);
}

/* A checksum that does not match, whether the data or the checksum changed. */
static void
test_reject_crc(void)
{
	Layout		lay;
	Bytes		b = sample_bytes(&lay);
	char		what[96];
	uint32_t	good = (uint32_t) get_le(b.data + lay.crc, 4);

	b.data[lay.crc + 1] ^= 0x10;
	snprintf(what, sizeof(what), "checksum 0x%08x does not match the contents (0x%08x)",
			 good ^ 0x1000u, good);
	CHECK(rejects(b.data, b.len, lay.crc, what));
	b.data[lay.crc + 1] ^= 0x10;
	b.data[lay.weights[2] + 150] ^= 0x01;
	CHECK(rejects(b.data, b.len, lay.crc, "does not match the contents"));
	b.data[lay.weights[2] + 150] ^= 0x01;
	b.data[lay.header + 1] = 'A';	/* still valid UTF-8 */
	CHECK(rejects(b.data, b.len, lay.crc, "does not match the contents"));
	free(b.data);
}

/* Every single-bit flip, and every byte inverted, anywhere is rejected. */
static void
test_flip_every_byte(void)
{
	Bytes		b = sample_bytes(NULL);
	int			accepted = 0,
				wrong = 0;

	CHECK(accepts(b.data, b.len));
	for (size_t i = 0; i < b.len; i++)
	{
		for (int k = 0; k <= 8; k++)
		{
			uint8_t		mask = k < 8 ? (uint8_t) (1u << k) : 0xFF;
			HackArchive out;
			HackError	err;
			HackStatus	st;

			b.data[i] ^= mask;
			st = hack_archive_read(b.data, b.len, &out, &err);
			if (st == HACK_OK)
			{
				accepted++;
				hack_archive_free(&out);
			}
			else if (st != HACK_ERR_BINARY ||
					 strncmp(err.message, "invalid model archive at byte offset ", 37) != 0 ||
					 out.groups != NULL)
				wrong++;
			b.data[i] ^= mask;
		}
	}
	CHECK(accepted == 0);
	CHECK(wrong == 0);
	free(b.data);
}

/* Every truncation is rejected, as running past the end or too short. */
static void
test_truncate_every_length(void)
{
	Bytes		b = sample_bytes(NULL);
	int			accepted = 0,
				wrong = 0;

	for (size_t len = 0; len < b.len; len++)
	{
		/* a copy of exactly len bytes, so memcheck sees any overread */
		uint8_t    *t = malloc(len > 0 ? len : 1);
		HackArchive out;
		HackError	err;
		HackStatus	st;

		memcpy(t, b.data, len);
		st = hack_archive_read(t, len, &out, &err);
		if (st == HACK_OK)
		{
			accepted++;
			hack_archive_free(&out);
		}
		else if (st != HACK_ERR_BINARY ||
				 (strstr(err.message, "past the end") == NULL &&
				  strstr(err.message, "groups need at least") == NULL &&
				  strstr(err.message, "too short") == NULL))
		{
			if (wrong++ == 0)
				fprintf(stderr, "    at %zu: %s\n", len, err.message);
		}
		free(t);
	}
	CHECK(accepted == 0);
	CHECK(wrong == 0);
	free(b.data);
}

/* hack_archive_free on zeroed archives, twice, and on NULL. */
static void
test_free(void)
{
	HackArchive a;
	HackError	err;
	Bytes		b = sample_bytes(NULL);

	memset(&a, 0, sizeof(a));
	hack_archive_free(&a);
	hack_archive_free(NULL);
	CHECK(hack_archive_read(b.data, b.len, &a, &err) == HACK_OK && a.groups != NULL);
	hack_archive_free(&a);
	hack_archive_free(&a);
	CHECK(a.groups == NULL && a.n_groups == 0 && a.header == NULL);
	free(b.data);
}

/*
 * An archive carries encoder blobs as they are: a version-1 lenet (hack
 * 1.1 and before, no ReLU after its convolutions) and a version-2 one come
 * back byte for byte and load as their own networks, which is what
 * hack_import_model checks.
 */
static void
test_encoder_versions(void)
{
	uint8_t    *blob[2];
	size_t		blen[2];
	HackArchiveGroup g[2] = {
		{"v1", 2, "{}", 2, "{}", 2, 1, NULL, 0},
		{"v2", 2, "{}", 2, "{}", 2, 1, NULL, 0},
	};
	HackArchive a = {"{}", 2, 2, g};
	HackArchive back;
	HackError	err;
	size_t		len;
	uint8_t    *buf;

	for (int i = 0; i < 2; i++)
	{
		NnConfig	cfg;
		NnModel    *m = NULL;

		nn_config_default(&cfg, NN_ARCH_LENET, 1, 16, 16, 2);
		cfg.conv_relu = i == 1;
		CHECK(nn_model_create(&cfg, &m, &err) == HACK_OK);
		if (m == NULL)
			return;
		nn_model_init(m, 3);
		blen[i] = nn_model_blob_size(m);
		blob[i] = malloc(blen[i]);
		nn_model_write(m, blob[i]);
		CHECK(blob[i][8] == (i == 1 ? NN_BLOB_VERSION : NN_BLOB_VERSION_NO_CONV_RELU));
		nn_model_free(m);
		g[i].weights = blob[i];
		g[i].weights_len = blen[i];
	}
	CHECK(hack_archive_size(&a, &len, &err) == HACK_OK);
	buf = malloc(len);
	hack_archive_write(&a, buf);
	CHECK(hack_archive_read(buf, len, &back, &err) == HACK_OK);
	CHECK(back.n_groups == 2);
	for (int i = 0; i < 2 && back.n_groups == 2; i++)
	{
		NnModel    *m = NULL;

		CHECK(back.groups[i].weights_len == blen[i] &&
			  memcmp(back.groups[i].weights, blob[i], blen[i]) == 0);
		CHECK(nn_model_read(back.groups[i].weights, back.groups[i].weights_len, &m,
							&err) == HACK_OK);
		if (m != NULL)
			CHECK(m->cfg.conv_relu == (i == 1) && m->layers[0].relu == (i == 1));
		nn_model_free(m);
	}
	hack_archive_free(&back);
	free(buf);
	free(blob[0]);
	free(blob[1]);
}

void		suite_model_archive(void);

void
suite_model_archive(void)
{
	RUN(test_crc32c);
	RUN(test_round_trip);
	RUN(test_encoder_versions);
	RUN(test_smallest);
	RUN(test_max_text);
	RUN(test_max_groups);
	RUN(test_writer_rejects);
	RUN(test_reject_short);
	RUN(test_reject_magic);
	RUN(test_reject_version);
	RUN(test_reject_flags);
	RUN(test_reject_past_end);
	RUN(test_reject_text_limit);
	RUN(test_reject_nul);
	RUN(test_reject_utf8);
	RUN(test_utf8_accepted);
	RUN(test_reject_group_count);
	RUN(test_reject_negative_rows);
	RUN(test_reject_empty_weights);
	RUN(test_reject_duplicate_keys);
	RUN(test_reject_trailing);
	RUN(test_reject_crc);
	RUN(test_flip_every_byte);
	RUN(test_truncate_every_length);
	RUN(test_free);
}
