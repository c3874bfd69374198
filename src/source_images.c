/*
 * source_images.c
 *	  The images pictures show (hack_plot's thumbnails, hack_gallery's
 *	  cells): read from a model's source as the caller, decoded by the one
 *	  dispatcher (core/tensor.c) with the model's format and shape, and
 *	  made displayable (hack_image_display_u8).
 *
 * Unlike train_source.c, which reads as the model's owner for training
 * and maintenance, these reads run with the caller's own privileges and
 * row security: a picture shows only images its caller could SELECT.  The
 * table and columns are checked and quoted by train_source_open.
 */
#include "hack.h"
#include "source_images.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

/*
 * The pixels of one image to look at (CHW uint8, palloc'd).  An image that
 * does not decode is an error naming the row (src NULL: of an array
 * argument, the core's message alone): 22P03 for a bad file, 54000 above
 * hack.max_image_pixels, as everywhere images are decoded.
 */
uint8_t *
source_display_pixels(bytea *img, HackImageFormat format, const HackImageShape *shape,
					  const TrainSource *src, int64 id)
{
	size_t		n = (size_t) shape->channels * shape->height * shape->width;
	float	   *x = palloc(sizeof(float) * n);
	uint8_t    *out = palloc(n);
	HackError	err;

	if (hack_image_decode((const uint8_t *) VARDATA_ANY(img), VARSIZE_ANY_EXHDR(img), format,
						  shape, hack_max_image_pixels, x, &err) != HACK_OK)
	{
		if (src == NULL || err.status == HACK_ERR_INTERRUPTED || err.status == HACK_ERR_INTERNAL)
			hack_raise(&err);
		ereport(ERROR,
				(errcode(hack_sqlstate(err.status)),
				 errmsg("image of row %lld of %s does not decode: %s", (long long) id,
						src->relname, err.message),
				 err.detail[0] ? errdetail_internal("%s", err.detail) : 0));
	}
	hack_image_display_u8(x, n, out);
	pfree(x);
	return out;
}

/*
 * The images of the rows with the n given ids (n is small: thumbnails),
 * as the caller: pixels[k] gets the pixels of ids[k], or stays NULL when
 * the caller cannot see that row (row security), it is gone, or its
 * image is NULL.
 */
void
source_images_by_ids(const TrainSource *src, int n, const int64 *ids, uint8_t **pixels)
{
	MemoryContext cxt = CurrentMemoryContext;
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	Oid			types[1] = {INT8ARRAYOID};
	Datum		vals[1];
	char	   *sql = train_source_query(src, true, false, false);
	int			rc;

	for (int k = 0; k < n; k++)
	{
		elems[k] = Int64GetDatum(ids[k]);
		pixels[k] = NULL;
	}
	vals[0] = PointerGetDatum(construct_array(elems, n, INT8OID, sizeof(int64), true,
											  TYPALIGN_DOUBLE));
	SPI_connect();
	rc = SPI_execute_with_args(sql, 1, types, vals, NULL, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "hack: \"%s\" failed: %s", sql, SPI_result_code_string(rc));
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		SourceRow	row;

		CHECK_FOR_INTERRUPTS();
		train_source_row(src, SPI_tuptable->vals[r], SPI_tuptable->tupdesc, true, false, &row);
		if (row.id_null || row.image == NULL)
			continue;
		for (int k = 0; k < n; k++)
			if (ids[k] == row.id && pixels[k] == NULL)
			{
				MemoryContext old = MemoryContextSwitchTo(cxt);

				pixels[k] = source_display_pixels(row.image, src->format, &src->shape, src, row.id);
				MemoryContextSwitchTo(old);
			}
	}
	SPI_finish();
}
