/*
 * image_hash.c
 *	  hack_image_hash(bytea): a 64-bit hash of an image's raw bytes.
 *
 * hack.embeddings.image_hash keeps the hash of the image each embedding
 * was computed from, so hack_refresh can find rows whose image changed
 * without keeping a copy of the images.  The hash is PostgreSQL's
 * hash_bytes_extended (Bob Jenkins' lookup3, 64-bit) with seed 0: stable
 * across platforms and releases of PostgreSQL, since hash partitioning
 * stores values computed with it.  A change that keeps the 64-bit hash
 * is missed with probability 2^-64.
 */
#include "hack.h"
#include "image_hash.h"

#include "common/hashfn.h"

PG_FUNCTION_INFO_V1(hack_image_hash);

/* The hash of the raw bytes of an image. */
int64
hack_image_hash_of(const bytea *image)
{
	return (int64) hash_bytes_extended((const unsigned char *) VARDATA_ANY(image),
									   (int) VARSIZE_ANY_EXHDR(image), 0);
}

/* hack_image_hash(bytea) */
Datum
hack_image_hash(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(hack_image_hash_of(PG_GETARG_BYTEA_PP(0)));
}
