/*
 * tensor_sql.c
 *	  hack_image_tensor(img, height, width, channels, format): the pixels
 *	  the encoder sees, as uint8 CHW, decoded by core/tensor.c exactly as
 *	  hack_train, hack_embed, hack_refresh and the trigger decode them.
 */
#include "hack.h"

#include "utils/builtins.h"

#include "core/tensor.h"

PG_FUNCTION_INFO_V1(hack_image_tensor);

/* hack_image_tensor(img bytea, height int, width int, channels int, format text) */
Datum
hack_image_tensor(PG_FUNCTION_ARGS)
{
	bytea	   *img = PG_GETARG_BYTEA_PP(0);
	HackImageShape shape;
	HackImageFormat format;
	HackError	err;
	size_t		n;
	float	   *x;
	bytea	   *result;

	shape.height = PG_GETARG_INT32(1);
	shape.width = PG_GETARG_INT32(2);
	shape.channels = PG_GETARG_INT32(3);
	hack_check(hack_image_shape_check(&shape, &err), &err);
	hack_check(hack_image_format_parse(text_to_cstring(PG_GETARG_TEXT_PP(4)), &format, &err), &err);
	n = (size_t) shape.channels * shape.height * shape.width;
	x = palloc(sizeof(float) * n);
	hack_check(hack_image_decode((const uint8_t *) VARDATA_ANY(img), VARSIZE_ANY_EXHDR(img),
								 format, &shape, hack_max_image_pixels, x, &err), &err);
	result = palloc(VARHDRSZ + n);
	SET_VARSIZE(result, VARHDRSZ + n);
	hack_image_to_u8(x, n, (uint8_t *) VARDATA(result));
	pfree(x);
	PG_RETURN_BYTEA_P(result);
}
