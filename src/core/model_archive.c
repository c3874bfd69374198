/*
 * model_archive.c
 *	  Framing and checking the container of an exported trained model.
 *
 * Layout, all integers little-endian, nothing aligned or padded:
 *	 0	8 bytes		magic "HACKARC\0"
 *	 8	u32			format version (HACK_ARCHIVE_VERSION, 1)
 *	12	u32			flags, 0 (reserved: a reader rejects any other value)
 *	16	u32 + bytes	header: JSON text, the model's definition and parameters
 *		u32			number of groups, 1 .. HACK_ARCHIVE_MAX_GROUPS
 *		per group:
 *			u32 + bytes		key text (may be empty)
 *			u32 + bytes		normalisation, JSON text
 *			u32 + bytes		metrics, JSON text
 *			i64				number of training rows, >= 0
 *			u32 + bytes		weights: an nn_serial blob, at least 1 byte
 *	end-4	u32		CRC-32C (Castagnoli) of every byte before it
 *
 * Why it is framed this way: the archive travels as one bytea between
 * databases, perhaps of other versions or architectures, so it is a plain
 * byte string with a fixed byte order and explicit lengths rather than a
 * dump of C structs; every field is length-prefixed so a reader can walk it
 * without parsing JSON and point at the exact byte of a defect; the magic
 * and version let a later release change the layout and still recognise
 * (or refuse) this one, and the zero flags word leaves room for options
 * without a version bump.  The checksum catches damage in transit that
 * still parses.  CRC-32C rather than the CRC-32 of nn_serial.c because its
 * polynomial detects more error patterns at these lengths and it is the
 * checksum PostgreSQL itself uses (pg_crc32c); the weights keep their own
 * CRC-32 inside, which nn_model_read checks.
 *
 * Reading trusts nothing: every length is checked against the bytes left
 * before it is used, each text against HACK_ARCHIVE_MAX_TEXT, for NUL bytes
 * and for valid UTF-8 (what a text value of a UTF8 database may hold), and
 * the group count against both its limit and the bytes that its smallest
 * possible groups would need before the group array is allocated.  The
 * checksum is located by walking the fields, so a truncated or extended
 * archive is reported as such, and checked once the structure is known.
 * Every defect is HACK_ERR_BINARY with its byte offset.  The writer checks
 * the same rules first, so whatever it writes reads back.
 */
#include "model_archive.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t archive_magic[8] = {'H', 'A', 'C', 'K', 'A', 'R', 'C', '\0'};

#define ARCHIVE_DETAIL \
	"The data is not a model archive written by hack_export_model, or it was damaged or truncated."

/* CRC-32C, reflected polynomial 0x82F63B78: table[i] is the CRC of byte i. */
static const uint32_t crc32c_table[256] = {
	0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4, 0xc79a971f, 0x35f1141c,
	0x26a1e7e8, 0xd4ca64eb, 0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b,
	0x4d43cfd0, 0xbf284cd3, 0xac78bf27, 0x5e133c24, 0x105ec76f, 0xe235446c,
	0xf165b798, 0x030e349b, 0xd7c45070, 0x25afd373, 0x36ff2087, 0xc494a384,
	0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54, 0x5d1d08bf, 0xaf768bbc,
	0xbc267848, 0x4e4dfb4b, 0x20bd8ede, 0xd2d60ddd, 0xc186fe29, 0x33ed7d2a,
	0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35, 0xaa64d611, 0x580f5512,
	0x4b5fa6e6, 0xb93425e5, 0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa,
	0x30e349b1, 0xc288cab2, 0xd1d83946, 0x23b3ba45, 0xf779deae, 0x05125dad,
	0x1642ae59, 0xe4292d5a, 0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a,
	0x7da08661, 0x8fcb0562, 0x9c9bf696, 0x6ef07595, 0x417b1dbc, 0xb3109ebf,
	0xa0406d4b, 0x522bee48, 0x86e18aa3, 0x748a09a0, 0x67dafa54, 0x95b17957,
	0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687, 0x0c38d26c, 0xfe53516f,
	0xed03a29b, 0x1f682198, 0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
	0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38, 0xdbfc821c, 0x2997011f,
	0x3ac7f2eb, 0xc8ac71e8, 0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7,
	0x61c69362, 0x93ad1061, 0x80fde395, 0x72966096, 0xa65c047d, 0x5437877e,
	0x4767748a, 0xb50cf789, 0xeb1fcbad, 0x197448ae, 0x0a24bb5a, 0xf84f3859,
	0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46, 0x7198540d, 0x83f3d70e,
	0x90a324fa, 0x62c8a7f9, 0xb602c312, 0x44694011, 0x5739b3e5, 0xa55230e6,
	0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36, 0x3cdb9bdd, 0xceb018de,
	0xdde0eb2a, 0x2f8b6829, 0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c,
	0x456cac67, 0xb7072f64, 0xa457dc90, 0x563c5f93, 0x082f63b7, 0xfa44e0b4,
	0xe9141340, 0x1b7f9043, 0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c,
	0x92a8fc17, 0x60c37f14, 0x73938ce0, 0x81f80fe3, 0x55326b08, 0xa759e80b,
	0xb4091bff, 0x466298fc, 0x1871a4d8, 0xea1a27db, 0xf94ad42f, 0x0b21572c,
	0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033, 0xa24bb5a6, 0x502036a5,
	0x4370c551, 0xb11b4652, 0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
	0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d, 0xef087a76, 0x1d63f975,
	0x0e330a81, 0xfc588982, 0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d,
	0x758fe5d6, 0x87e466d5, 0x94b49521, 0x66df1622, 0x38cc2a06, 0xcaa7a905,
	0xd9f75af1, 0x2b9cd9f2, 0xff56bd19, 0x0d3d3e1a, 0x1e6dcdee, 0xec064eed,
	0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530, 0x0417b1db, 0xf67c32d8,
	0xe52cc12c, 0x1747422f, 0x49547e0b, 0xbb3ffd08, 0xa86f0efc, 0x5a048dff,
	0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0, 0xd3d3e1ab, 0x21b862a8,
	0x32e8915c, 0xc083125f, 0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540,
	0x590ab964, 0xab613a67, 0xb831c993, 0x4a5a4a90, 0x9e902e7b, 0x6cfbad78,
	0x7fab5e8c, 0x8dc0dd8f, 0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee,
	0x24aa3f05, 0xd6c1bc06, 0xc5914ff2, 0x37faccf1, 0x69e9f0d5, 0x9b8273d6,
	0x88d28022, 0x7ab90321, 0xae7367ca, 0x5c18e4c9, 0x4f48173d, 0xbd23943e,
	0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81, 0x34f4f86a, 0xc69f7b69,
	0xd5cf889d, 0x27a40b9e, 0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
	0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

/* CRC-32C of data (initial value and final xor 0xFFFFFFFF), bytewise. */
uint32_t
hack_archive_crc32c(const uint8_t *data, size_t len)
{
	uint32_t	crc = 0xFFFFFFFFu;

	for (size_t i = 0; i < len; i++)
		crc = crc32c_table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
	return crc ^ 0xFFFFFFFFu;
}

/* What text_defect found. */
typedef enum TextDefect
{
	TEXT_OK,
	TEXT_NUL,
	TEXT_BAD_UTF8
} TextDefect;

/*
 * Check that s[0..len) is valid UTF-8 without NUL bytes, by the rules of
 * PostgreSQL's pg_utf8_islegal (no overlong forms, no surrogates, nothing
 * above U+10FFFF); on a defect set *at to the offset of the bad character.
 */
static TextDefect
text_defect(const uint8_t *s, size_t len, size_t *at)
{
	size_t		i = 0;

	while (i < len)
	{
		uint8_t		c = s[i];
		size_t		n;			/* continuation bytes */
		uint8_t		lo = 0x80,	/* range of the first continuation byte */
					hi = 0xBF;

		if (c < 0x80)
		{
			if (c == 0)
			{
				*at = i;
				return TEXT_NUL;
			}
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 1;
		else if (c == 0xE0)
		{
			n = 2;
			lo = 0xA0;
		}
		else if (c == 0xED)
		{
			n = 2;
			hi = 0x9F;
		}
		else if (c >= 0xE1 && c <= 0xEF)
			n = 2;
		else if (c == 0xF0)
		{
			n = 3;
			lo = 0x90;
		}
		else if (c >= 0xF1 && c <= 0xF3)
			n = 3;
		else if (c == 0xF4)
		{
			n = 3;
			hi = 0x8F;
		}
		else
		{
			*at = i;
			return TEXT_BAD_UTF8;
		}
		if (n > len - i - 1 || s[i + 1] < lo || s[i + 1] > hi)
		{
			*at = i;
			return TEXT_BAD_UTF8;
		}
		for (size_t k = 2; k <= n; k++)
		{
			if ((s[i + k] & 0xC0) != 0x80)
			{
				*at = i;
				return TEXT_BAD_UTF8;
			}
		}
		i += n + 1;
	}
	return TEXT_OK;
}

/* qsort order of groups by key (length, then bytes), ties by position. */
static int
key_cmp(const void *pa, const void *pb)
{
	const HackArchiveGroup *a = *(const HackArchiveGroup *const *) pa;
	const HackArchiveGroup *b = *(const HackArchiveGroup *const *) pb;
	int			c;

	if (a->key_len != b->key_len)
		return a->key_len < b->key_len ? -1 : 1;
	c = a->key_len > 0 ? memcmp(a->key, b->key, a->key_len) : 0;
	if (c != 0)
		return c;
	return a < b ? -1 : (a > b ? 1 : 0);
}

/*
 * Find two groups with the same key, in O(n log n) since there may be
 * 100000 of them: *first and *second are the indexes of the earliest group
 * that repeats an earlier key and of that earlier one (*second is -1 when
 * keys are unique).  Fails only for lack of memory.
 */
static HackStatus
find_duplicate_key(const HackArchiveGroup *groups, int n, int *first,
				   int *second, HackError *err)
{
	const HackArchiveGroup **order;

	*first = *second = -1;
	if (n < 2)
		return HACK_OK;
	order = malloc(sizeof(*order) * (size_t) n);
	if (order == NULL)
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL,
							  "out of memory checking the keys of %d model archive groups", n);
	for (int i = 0; i < n; i++)
		order[i] = &groups[i];
	qsort(order, (size_t) n, sizeof(*order), key_cmp);

	/*
	 * Ties are in archive order, so in a run of equal keys the first two
	 * entries are the earliest occurrence and its earliest repeat, and any
	 * later pair of the run has a later repeat; report the pair whose repeat
	 * comes first in the archive.
	 */
	for (int i = 1; i < n; i++)
	{
		int			rep = (int) (order[i] - groups);

		if (order[i]->key_len == order[i - 1]->key_len &&
			(order[i]->key_len == 0 ||
			 memcmp(order[i]->key, order[i - 1]->key, order[i]->key_len) == 0) &&
			(*second < 0 || rep < *second))
		{
			*first = (int) (order[i - 1] - groups);
			*second = rep;
		}
	}
	free(order);
	return HACK_OK;
}

/*
 * The name of a field in messages: field alone for the archive's own
 * fields (group 0), "field of group N" for a group's.  Built only when a
 * message needs it, so reading 100000 groups formats nothing.
 */
static const char *
field_name(char *buf, size_t size, const char *field, int group)
{
	if (group == 0)
		return field;
	snprintf(buf, size, "%s of group %d", field, group);
	return buf;
}

/* ---- writing ---- */

/* *total += n, or HACK_ERR_LIMIT if the sum does not fit in a size_t. */
static HackStatus
add_size(size_t *total, size_t n, HackError *err)
{
	if (n > SIZE_MAX - *total)
		return hack_error_set(err, HACK_ERR_LIMIT, NULL,
							  "model archive would be larger than %zu bytes",
							  (size_t) SIZE_MAX);
	*total += n;
	return HACK_OK;
}

/* Check one text of group (0: none) to be written and count its bytes. */
static HackStatus
size_text(const char *text, size_t len, const char *field, int group,
		  size_t *total, HackError *err)
{
	char		name[96];
	size_t		at;
	TextDefect	d;

	if (len > HACK_ARCHIVE_MAX_TEXT)
		return hack_error_set(err, HACK_ERR_LIMIT, NULL,
							  "model archive %s of %zu bytes is above the limit of %d bytes",
							  field_name(name, sizeof(name), field, group),
							  len, HACK_ARCHIVE_MAX_TEXT);
	if (len > 0 && text == NULL)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "model archive %s is NULL but has length %zu",
							  field_name(name, sizeof(name), field, group), len);
	d = len > 0 ? text_defect((const uint8_t *) text, len, &at) : TEXT_OK;
	if (d == TEXT_NUL)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "model archive %s contains a NUL byte at byte %zu",
							  field_name(name, sizeof(name), field, group), at);
	if (d == TEXT_BAD_UTF8)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "model archive %s is not valid UTF-8 at byte %zu",
							  field_name(name, sizeof(name), field, group), at);
	return add_size(total, 4 + len, err);
}

/* Check a against the format's rules and limits and compute its size. */
HackStatus
hack_archive_size(const HackArchive *a, size_t *size, HackError *err)
{
	size_t		total = sizeof(archive_magic) + 4 + 4;
	int			first,
				second;
	HackStatus	st;

	*size = 0;
	if (a->n_groups < 1)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "a model archive needs at least one group, not %d",
							  a->n_groups);
	if (a->n_groups > HACK_ARCHIVE_MAX_GROUPS)
		return hack_error_set(err, HACK_ERR_LIMIT, NULL,
							  "%d groups are above the limit of %d per model archive",
							  a->n_groups, HACK_ARCHIVE_MAX_GROUPS);
	if (a->groups == NULL)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "model archive has %d groups but no group array",
							  a->n_groups);
	if ((st = size_text(a->header, a->header_len, "header", 0, &total, err)) != HACK_OK)
		return st;
	if ((st = add_size(&total, 4, err)) != HACK_OK)
		return st;
	for (int i = 0; i < a->n_groups; i++)
	{
		const HackArchiveGroup *g = &a->groups[i];

		if ((st = size_text(g->key, g->key_len, "key", i + 1,
							&total, err)) != HACK_OK ||
			(st = size_text(g->normalisation, g->normalisation_len,
							"normalisation", i + 1, &total, err)) != HACK_OK ||
			(st = size_text(g->metrics, g->metrics_len, "metrics", i + 1,
							&total, err)) != HACK_OK)
			return st;
		if (g->n_rows < 0)
			return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
								  "negative row count %" PRId64 " in model archive group %d",
								  g->n_rows, i + 1);
		if (g->weights_len == 0 || g->weights == NULL)
			return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
								  "model archive group %d has no weights", i + 1);
#if SIZE_MAX > UINT32_MAX		/* else no size_t is too long for a u32 */
		if (g->weights_len > UINT32_MAX)
			return hack_error_set(err, HACK_ERR_LIMIT, NULL,
								  "weights of model archive group %d are %zu bytes, above the limit of %" PRIu32,
								  i + 1, g->weights_len, UINT32_MAX);
#endif
		if ((st = add_size(&total, 8 + 4, err)) != HACK_OK ||
			(st = add_size(&total, g->weights_len, err)) != HACK_OK)
			return st;
	}
	if ((st = add_size(&total, 4, err)) != HACK_OK)
		return st;
	if ((st = find_duplicate_key(a->groups, a->n_groups, &first, &second,
								 err)) != HACK_OK)
		return st;
	if (second >= 0)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "model archive groups %d and %d have the same key",
							  first + 1, second + 1);
	*size = total;
	return HACK_OK;
}

/* Append v little-endian in bytes bytes at *p. */
static void
put_le(uint8_t **p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		*(*p)++ = (uint8_t) (v >> (8 * i));
}

/* Append a u32 length and len bytes at *p. */
static void
put_bytes(uint8_t **p, const void *data, size_t len)
{
	put_le(p, (uint64_t) len, 4);
	if (len > 0)
		memcpy(*p, data, len);
	*p += len;
}

/* Write a, which hack_archive_size accepted, as its archive bytes. */
void
hack_archive_write(const HackArchive *a, uint8_t *out)
{
	uint8_t    *p = out;

	memcpy(p, archive_magic, sizeof(archive_magic));
	p += sizeof(archive_magic);
	put_le(&p, HACK_ARCHIVE_VERSION, 4);
	put_le(&p, 0, 4);
	put_bytes(&p, a->header, a->header_len);
	put_le(&p, (uint64_t) a->n_groups, 4);
	for (int i = 0; i < a->n_groups; i++)
	{
		const HackArchiveGroup *g = &a->groups[i];

		put_bytes(&p, g->key, g->key_len);
		put_bytes(&p, g->normalisation, g->normalisation_len);
		put_bytes(&p, g->metrics, g->metrics_len);
		put_le(&p, (uint64_t) g->n_rows, 8);
		put_bytes(&p, g->weights, g->weights_len);
	}
	put_le(&p, hack_archive_crc32c(out, (size_t) (p - out)), 4);
}

/* ---- reading ---- */

/* A cursor over the archive being read. */
typedef struct Reader
{
	const uint8_t *buf;
	size_t		len;
	size_t		pos;			/* next byte to read, <= len */
	HackError  *err;
} Reader;

static HackStatus bad(Reader *r, size_t offset, const char *detail,
					  const char *fmt,...) __attribute__((format(printf, 4, 5)));

/* Report a defect of the archive at offset: HACK_ERR_BINARY. */
static HackStatus
bad(Reader *r, size_t offset, const char *detail, const char *fmt,...)
{
	char		what[HACK_MSG_LEN];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return hack_error_set(r->err, HACK_ERR_BINARY,
						  detail != NULL ? detail : ARCHIVE_DETAIL,
						  "invalid model archive at byte offset %zu: %s",
						  offset, what);
}

/* Little-endian unsigned integer of bytes bytes at p. */
static uint64_t
get_le(const uint8_t *p, int bytes)
{
	uint64_t	v = 0;

	for (int i = 0; i < bytes; i++)
		v |= (uint64_t) p[i] << (8 * i);
	return v;
}

/* Read a u32 (bytes = 4) or u64 (8) field of group (0: none). */
static HackStatus
read_uint(Reader *r, int bytes, const char *field, int group, uint64_t *v)
{
	char		name[96];

	if (r->len - r->pos < (size_t) bytes)
		return bad(r, r->pos, NULL, "%s runs past the end of the %zu-byte archive",
				   field_name(name, sizeof(name), field, group), r->len);
	*v = get_le(r->buf + r->pos, bytes);
	r->pos += (size_t) bytes;
	return HACK_OK;
}

/* Read a length-prefixed text field of group (0: none), checking its bytes. */
static HackStatus
read_text(Reader *r, const char *field, int group, const char **text,
		  size_t *text_len)
{
	size_t		at_len = r->pos;
	size_t		at;
	uint64_t	n = 0;
	char		name[96];
	TextDefect	d;

	if (r->len - r->pos < 4)
		return bad(r, r->pos, NULL, "length of %s runs past the end of the %zu-byte archive",
				   field_name(name, sizeof(name), field, group), r->len);
	(void) read_uint(r, 4, field, group, &n);
	if (n > HACK_ARCHIVE_MAX_TEXT)
		return bad(r, at_len, NULL, "%s has length %" PRIu64 ", above the limit of %d bytes",
				   field_name(name, sizeof(name), field, group), n,
				   HACK_ARCHIVE_MAX_TEXT);
	if (n > r->len - r->pos)
		return bad(r, r->pos, NULL, "%s of length %" PRIu64 " runs past the end of the %zu-byte archive",
				   field_name(name, sizeof(name), field, group), n, r->len);
	d = text_defect(r->buf + r->pos, (size_t) n, &at);
	if (d == TEXT_NUL)
		return bad(r, r->pos + at, NULL, "NUL byte in %s",
				   field_name(name, sizeof(name), field, group));
	if (d == TEXT_BAD_UTF8)
		return bad(r, r->pos + at, NULL, "invalid UTF-8 in %s",
				   field_name(name, sizeof(name), field, group));
	*text = (const char *) (r->buf + r->pos);
	*text_len = (size_t) n;
	r->pos += (size_t) n;
	return HACK_OK;
}

/* Read one group's fields into g; group counts from 1. */
static HackStatus
read_group(Reader *r, int group, HackArchiveGroup *g)
{
	size_t		at;
	uint64_t	v = 0;
	HackStatus	st;

	if ((st = read_text(r, "key", group, &g->key, &g->key_len)) != HACK_OK ||
		(st = read_text(r, "normalisation", group, &g->normalisation,
						&g->normalisation_len)) != HACK_OK ||
		(st = read_text(r, "metrics", group, &g->metrics,
						&g->metrics_len)) != HACK_OK)
		return st;

	at = r->pos;
	if ((st = read_uint(r, 8, "row count", group, &v)) != HACK_OK)
		return st;
	if (v > (uint64_t) INT64_MAX)
		return bad(r, at, NULL, "negative row count %" PRId64 " in group %d",
				   -(int64_t) ~v - 1, group);
	g->n_rows = (int64_t) v;

	at = r->pos;
	if ((st = read_uint(r, 4, "length of the weights", group, &v)) != HACK_OK)
		return st;
	if (v == 0)
		return bad(r, at, NULL, "empty weights in group %d", group);
	if (v > r->len - r->pos)
		return bad(r, r->pos, NULL, "weights of group %d of length %" PRIu64 " run past the end of the %zu-byte archive",
				   group, v, r->len);
	g->weights = r->buf + r->pos;
	g->weights_len = (size_t) v;
	r->pos += (size_t) v;
	return HACK_OK;
}

/* Walk and check the archive's fields, then its checksum and keys. */
static HackStatus
read_archive(Reader *r, HackArchive *out)
{
	uint64_t	v = 0;
	size_t		at,
				rest;
	uint32_t	stored,
				computed;
	int			first,
				second;
	HackStatus	st;

	if (r->len < HACK_ARCHIVE_MIN_SIZE)
		return bad(r, r->len, NULL, "too short, the smallest archive has %d bytes",
				   HACK_ARCHIVE_MIN_SIZE);
	if (memcmp(r->buf, archive_magic, sizeof(archive_magic)) != 0)
		return bad(r, 0, NULL, "bad magic number");
	r->pos = sizeof(archive_magic);
	(void) read_uint(r, 4, "version", 0, &v);	/* the length was checked */
	if (v != HACK_ARCHIVE_VERSION)
		return bad(r, r->pos - 4, "This version of hack reads archive version 1.",
				   "unknown version %" PRIu64, v);
	(void) read_uint(r, 4, "flags", 0, &v);
	if (v != 0)
		return bad(r, r->pos - 4, "This version of hack writes and reads flags 0.",
				   "flags 0x%" PRIx64 " are not 0", v);
	if ((st = read_text(r, "header", 0, &out->header, &out->header_len)) != HACK_OK)
		return st;

	at = r->pos;
	if ((st = read_uint(r, 4, "group count", 0, &v)) != HACK_OK)
		return st;
	if (v < 1 || v > HACK_ARCHIVE_MAX_GROUPS)
		return bad(r, at, NULL, "group count %" PRIu64 " is not between 1 and %d",
				   v, HACK_ARCHIVE_MAX_GROUPS);
	/* v <= 100000, so the products below fit in any size_t */
	rest = r->len - r->pos;
	if (rest < 4 || (rest - 4) / HACK_ARCHIVE_MIN_GROUP < (size_t) v)
		return bad(r, at, NULL, "%" PRIu64 " groups need at least %zu more bytes, only %zu remain",
				   v, (size_t) v * HACK_ARCHIVE_MIN_GROUP + 4, rest);
	out->groups = calloc((size_t) v, sizeof(HackArchiveGroup));
	if (out->groups == NULL)
		return hack_error_set(r->err, HACK_ERR_NO_MEMORY, NULL,
							  "out of memory for %" PRIu64 " model archive groups", v);
	out->n_groups = (int) v;
	for (int i = 0; i < out->n_groups; i++)
	{
		if ((st = read_group(r, i + 1, &out->groups[i])) != HACK_OK)
			return st;
	}

	at = r->pos;
	if ((st = read_uint(r, 4, "checksum", 0, &v)) != HACK_OK)
		return st;
	if (r->pos != r->len)
		return bad(r, r->pos, NULL, "trailing data after the checksum (%zu %s)",
				   r->len - r->pos, r->len - r->pos == 1 ? "byte" : "bytes");
	stored = (uint32_t) v;
	computed = hack_archive_crc32c(r->buf, at);
	if (stored != computed)
		return bad(r, at, "The archive was changed or damaged after it was written.",
				   "checksum 0x%08" PRIx32 " does not match the contents (0x%08" PRIx32 ")",
				   stored, computed);

	if ((st = find_duplicate_key(out->groups, out->n_groups, &first, &second,
								 r->err)) != HACK_OK)
		return st;
	if (second >= 0)
		return bad(r, (size_t) ((const uint8_t *) out->groups[second].key - r->buf) - 4,
				   NULL, "groups %d and %d have the same key", first + 1, second + 1);
	return HACK_OK;
}

/* Parse and check an archive; see model_archive.h. */
HackStatus
hack_archive_read(const uint8_t *buf, size_t len, HackArchive *out,
				  HackError *err)
{
	Reader		r;
	HackStatus	st;

	memset(out, 0, sizeof(*out));
	r.buf = buf;
	r.len = len;
	r.pos = 0;
	r.err = err;
	st = read_archive(&r, out);
	if (st != HACK_OK)
		hack_archive_free(out);
	return st;
}

/* Release what hack_archive_read allocated and zero a. */
void
hack_archive_free(HackArchive *a)
{
	if (a == NULL)
		return;
	free(a->groups);
	memset(a, 0, sizeof(*a));
}
