/*
 * plot_sql.c
 *	  hack_plot(points, ...): a PNG picture of embeddings in the Poincaré
 *	  disc, with optional image thumbnails (core/plot.c draws it).
 */
#include "hack.h"
#include "poincare.h"
#include "point_array.h"

#include <float.h>

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "core/plot.h"
#include "core/tensor.h"

PG_FUNCTION_INFO_V1(hack_plot);

/* Arguments, as declared in hack--1.0.sql */
enum
{
	P_POINTS, P_GROUPS, P_IMAGES, P_SIZE, P_COLOR, P_RAYS, P_RINGS,
	P_HEIGHT, P_WIDTH, P_CHANNELS
};

/* An array argument, checked to be 1-D, or NULL when it is NULL. */
static ArrayType *
array_arg(FunctionCallInfo fcinfo, int i)
{
	ArrayType  *a;

	if (PG_ARGISNULL(i))
		return NULL;
	a = PG_GETARG_ARRAYTYPE_P(i);
	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hack_plot arrays must be 1-D")));
	return a;
}

/* The elements of a 1-D array argument. */
static Datum *
array_elems(ArrayType *a, bool **nulls, int *n)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;

	get_typlenbyvalalign(ARR_ELEMTYPE(a), &typlen, &typbyval, &typalign);
	deconstruct_array(a, ARR_ELEMTYPE(a), typlen, typbyval, typalign, &elems, nulls, n);
	return elems;
}

/* A point that is not 2-D: the disc has no room for it. */
static void
plot_dim_error(int expected, int got)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("hack_plot draws 2-D points, got a point of dimension %d", got)));
}

/*
 * An image blob as a CHW uint8 thumbnail.  Pixels already in 0..255 with
 * more than unit range (u8, PNG, JPEG, pixel-valued floats) are shown as
 * they are, so colours keep their hue and brightness; anything else
 * (z-scored or [0, 1] floats) is contrast-stretched to 0..255.
 */
static uint8_t *
thumbnail_pixels(bytea *b, const HackImageShape *shape)
{
	size_t		n = (size_t) shape->channels * shape->height * shape->width;
	float	   *x = palloc(sizeof(float) * n);
	uint8_t    *out = palloc(n);
	float		lo = FLT_MAX,
				hi = -FLT_MAX;
	HackError	err;

	if (hack_image_decode((const uint8_t *) VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b),
						  HACK_IMAGE_AUTO, shape, hack_max_image_pixels, x, &err) != HACK_OK)
		hack_raise(&err);
	for (size_t i = 0; i < n; i++)
	{
		lo = Min(lo, x[i]);
		hi = Max(hi, x[i]);
	}
	if (lo >= 0.0f && hi <= 255.0f && hi > 1.0f)
		for (size_t i = 0; i < n; i++)
			out[i] = (uint8_t) (x[i] + 0.5f);
	else
		for (size_t i = 0; i < n; i++)
			out[i] = hi > lo ? (uint8_t) (255.0f * (x[i] - lo) / (hi - lo) + 0.5f) : 0;
	pfree(x);
	return out;
}

Datum
hack_plot(PG_FUNCTION_ARGS)
{
	static const PointArrayRules rules = {
		"hack_plot points must not be NULL", 2, plot_dim_error
	};
	HackPlotInput in;
	bool	   *gnulls = NULL,
			   *inulls = NULL;
	int			n,
				dim,
				ng = 0,
				ni = 0;
	ArrayType  *pts,
			   *grp,
			   *img;
	Datum	   *grps = NULL,
			   *imgs = NULL;
	char	   *color;
	HackImageShape shape;
	uint8_t    *rgb,
			   *png;
	size_t		png_len;
	bytea	   *result;
	HackError	err;
	HackStatus	st;

	for (int i = P_SIZE; i <= P_CHANNELS; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("hack_plot options must not be NULL")));
	if (PG_ARGISNULL(P_POINTS))
		PG_RETURN_NULL();
	memset(&in, 0, sizeof(in));
	pts = array_arg(fcinfo, P_POINTS);
	grp = array_arg(fcinfo, P_GROUPS);
	img = array_arg(fcinfo, P_IMAGES);
	n = ArrayGetNItems(ARR_NDIM(pts), ARR_DIMS(pts));
	if (grp)
		grps = array_elems(grp, &gnulls, &ng);
	if (img)
		imgs = array_elems(img, &inulls, &ni);
	if ((grp && ng != n) || (img && ni != n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hack_plot needs as many groups and images as points (%d points, %d groups, %d images)",
						n, grp ? ng : n, img ? ni : n)));
	in.xy = hack_point_array_coords(pts, &rules, &n, &dim);
	if (grp)
	{
		int		   *groups = palloc(sizeof(int) * Max(n, 1));

		for (int i = 0; i < n; i++)
			groups[i] = gnulls[i] ? 7 : DatumGetInt32(grps[i]);	/* NULL: grey */
		in.groups = groups;
	}
	in.n = n;
	in.progress = hack_interrupt_callback;
	in.size = PG_GETARG_INT32(P_SIZE);
	color = text_to_cstring(PG_GETARG_TEXT_PP(P_COLOR));
	if (strcmp(color, "group") == 0)
		in.color = HACK_PLOT_BY_GROUP;
	else if (strcmp(color, "norm") == 0)
		in.color = HACK_PLOT_BY_NORM;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("color_by must be \"group\" or \"norm\", not \"%s\"", color)));
	in.rays = PG_GETARG_INT32(P_RAYS);
	in.rings = PG_GETARG_INT32(P_RINGS);
	if (img)
	{
		const uint8_t **thumbs = palloc0(sizeof(uint8_t *) * Max(n, 1));

		shape.height = PG_GETARG_INT32(P_HEIGHT);
		shape.width = PG_GETARG_INT32(P_WIDTH);
		shape.channels = PG_GETARG_INT32(P_CHANNELS);
		hack_check(hack_image_shape_check(&shape, &err), &err);
		for (int i = 0; i < n; i++)
		{
			if (!inulls[i])
				thumbs[i] = thumbnail_pixels(DatumGetByteaPP(imgs[i]), &shape);
			if ((i & 1023) == 0)
				CHECK_FOR_INTERRUPTS();
		}
		in.images = thumbs;
		in.img_channels = shape.channels;
		in.img_height = shape.height;
		in.img_width = shape.width;
	}
	st = hack_plot_render(&in, &rgb, &err);
	if (st != HACK_OK)
		hack_raise(&err);
	st = hack_png_encode(rgb, in.size, in.size, &png, &png_len,
						 hack_interrupt_callback, NULL, &err);
	free(rgb);
	if (st != HACK_OK)
		hack_raise(&err);
	result = palloc(VARHDRSZ + png_len);
	SET_VARSIZE(result, VARHDRSZ + png_len);
	memcpy(VARDATA(result), png, png_len);
	free(png);
	PG_RETURN_BYTEA_P(result);
}
