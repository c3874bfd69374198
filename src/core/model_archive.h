/*
 * model_archive.h
 *	  The container of an exported trained model: one byte string that
 *	  carries a model's definition and, per group, its key, normalisation,
 *	  metrics, row count and encoder weights (layout in model_archive.c).
 *
 * hack_export_model and hack_import_model frame and unframe archives with
 * these functions.  The codec checks the container only: the JSON texts
 * are parsed by the glue and each group's weights by nn_model_read.
 */
#ifndef HACK_CORE_MODEL_ARCHIVE_H
#define HACK_CORE_MODEL_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define HACK_ARCHIVE_VERSION 1
#define HACK_ARCHIVE_MAX_GROUPS 100000
#define HACK_ARCHIVE_MAX_TEXT (1 << 20)	/* header, key, normalisation,
										 * metrics: bytes each */

/*
 * The smallest archive: magic, version, flags, an empty header, one group
 * with empty texts and a 1-byte weights blob, the checksum.
 */
#define HACK_ARCHIVE_MIN_GROUP (4 + 4 + 4 + 8 + 4 + 1)
#define HACK_ARCHIVE_MIN_SIZE (8 + 4 + 4 + 4 + 4 + HACK_ARCHIVE_MIN_GROUP + 4)

/*
 * Texts are not NUL-terminated: always use the lengths.  They must be
 * valid UTF-8 without NUL bytes (what a text value of a UTF8 database
 * holds); an empty text is allowed.  Group keys are unique.
 */
typedef struct HackArchiveGroup
{
	const char *key;			/* group key text (may be empty) */
	size_t		key_len;
	const char *normalisation;	/* JSON text */
	size_t		normalisation_len;
	const char *metrics;		/* JSON text */
	size_t		metrics_len;
	int64_t		n_rows;			/* >= 0 */
	const uint8_t *weights;		/* nn_serial blob, >= 1 byte */
	size_t		weights_len;
} HackArchiveGroup;

typedef struct HackArchive
{
	const char *header;			/* JSON text: the model's definition and
								 * parameters */
	size_t		header_len;
	int			n_groups;		/* 1 .. HACK_ARCHIVE_MAX_GROUPS */
	HackArchiveGroup *groups;	/* read: malloc'd array, pointers into the
								 * input buffer */
} HackArchive;

/*
 * The number of bytes hack_archive_write will write for a, after checking
 * that it can be written and read back: HACK_ERR_LIMIT when a count or
 * length is above its limit (or the total does not fit in a size_t),
 * HACK_ERR_PARAMETER for no groups, a negative row count, empty weights,
 * a NULL pointer with a non-zero length, a text with a NUL byte or invalid
 * UTF-8, or two groups with the same key; HACK_ERR_NO_MEMORY if the
 * duplicate-key check cannot allocate its index.
 */
extern HackStatus hack_archive_size(const HackArchive *a, size_t *size,
									HackError *err);

/* Write a into out, exactly the *size bytes hack_archive_size accepted. */
extern void hack_archive_write(const HackArchive *a, uint8_t *out);

/*
 * Parse and check len bytes; on success out->header and every text and
 * weights pointer of out->groups point into buf, which must outlive out,
 * and out->groups must be released with hack_archive_free.  Any defect is
 * HACK_ERR_BINARY with a message naming it and its byte offset (groups are
 * numbered from 1); HACK_ERR_NO_MEMORY if the group array cannot be
 * allocated.  On failure *out is zeroed.
 */
extern HackStatus hack_archive_read(const uint8_t *buf, size_t len,
									HackArchive *out, HackError *err);

/*
 * Free the groups array of an archive filled by hack_archive_read and zero
 * it; safe on a zeroed archive and twice.  Not for an archive whose groups
 * the caller allocated.
 */
extern void hack_archive_free(HackArchive *a);

/* CRC-32C (Castagnoli), the archive's checksum; exposed for tests. */
extern uint32_t hack_archive_crc32c(const uint8_t *data, size_t len);

#endif							/* HACK_CORE_MODEL_ARCHIVE_H */
