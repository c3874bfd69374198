/*
 * plot_sql.c
 *	  hack_plot(points, ...): a PNG picture of embeddings in the Poincaré
 *	  disc, with optional image thumbnails (core/plot.c draws it); and
 *	  hack_plot(model, group_key, ...), the same picture of a model's
 *	  stored embeddings.
 *
 * The model's form reads the points from the catalogue, picks the
 * thumbnails first (hack_plot_pick, every point a candidate) and then
 * reads only those images, as the caller: a row the caller may not read
 * (row security) or that is gone shows no thumbnail.
 */
#include "hack.h"
#include "poincare.h"
#include "point_array.h"
#include "catalog.h"
#include "plot_sql.h"
#include "source_images.h"
#include "train_source.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "core/plot.h"
#include "core/tensor.h"

PG_FUNCTION_INFO_V1(hack_plot);
PG_FUNCTION_INFO_V1(hack_plot_model);

/* the most points hack_plot(model) reads: 16 bytes each, and a second pass per thumbnail */
#define PLOT_MAX_MODEL_POINTS (1 << 22)

/* Arguments of hack_plot(points, ...), as declared in hack--1.0.sql */
enum
{
	P_POINTS, P_GROUPS, P_IMAGES, P_SIZE, P_COLOR, P_RAYS, P_RINGS,
	P_HEIGHT, P_WIDTH, P_CHANNELS
};

/* 22004 if any of arguments first..last is NULL. */
static void
check_options(FunctionCallInfo fcinfo, int first, int last)
{
	for (int i = first; i <= last; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("hack_plot options must not be NULL")));
}

/* The color_by argument. */
static HackPlotColor
color_arg(text *t)
{
	char	   *color = text_to_cstring(t);

	if (strcmp(color, "group") == 0)
		return HACK_PLOT_BY_GROUP;
	if (strcmp(color, "norm") == 0)
		return HACK_PLOT_BY_NORM;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("color_by must be \"group\" or \"norm\", not \"%s\"", color)));
	pg_unreachable();
}

/*
 * A rendered picture (malloc'd RGB, freed here) as a PNG bytea: the
 * result of hack_plot and hack_gallery.
 */
bytea *
plot_png_result(uint8_t *rgb, int width, int height)
{
	uint8_t    *png;
	size_t		png_len;
	HackError	err;
	HackStatus	st;

	st = hack_png_encode(rgb, width, height, &png, &png_len, hack_interrupt_callback, NULL, &err);
	free(rgb);
	if (st != HACK_OK)
		hack_raise(&err);
	return hack_bytea_from_core(png, png_len, "the picture");
}

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
	HackImageShape shape;
	uint8_t    *rgb;
	HackError	err;
	HackStatus	st;

	check_options(fcinfo, P_SIZE, P_CHANNELS);
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
	in.color = color_arg(PG_GETARG_TEXT_PP(P_COLOR));
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
				thumbs[i] = source_display_pixels(DatumGetByteaPP(imgs[i]), HACK_IMAGE_AUTO,
												  &shape, NULL, 0);
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
	PG_RETURN_BYTEA_P(plot_png_result(rgb, in.size, in.size));
}

/* Arguments of hack_plot(model, ...), as declared in hack--1.4.sql */
enum
{
	M_MODEL, M_GROUP, M_SIZE, M_COLOR, M_THUMBNAILS, M_RAYS, M_RINGS
};

/* hack_plot(model, group_key, size, color_by, thumbnails, rays, rings) */
Datum
hack_plot_model(PG_FUNCTION_ARGS)
{
	HackPlotInput in;
	CatalogModel m;
	CatalogPoints pts;
	char	   *group;
	List	   *keys;
	uint8_t    *rgb;
	HackError	err;
	HackStatus	st;

	check_options(fcinfo, M_SIZE, M_RINGS);
	if (PG_ARGISNULL(M_MODEL))
		PG_RETURN_NULL();
	memset(&in, 0, sizeof(in));
	in.size = PG_GETARG_INT32(M_SIZE);
	in.color = color_arg(PG_GETARG_TEXT_PP(M_COLOR));
	in.rays = PG_GETARG_INT32(M_RAYS);
	in.rings = PG_GETARG_INT32(M_RINGS);
	/* the options first: a bad one costs nothing */
	hack_check(hack_plot_check(&in, PG_GETARG_BOOL(M_THUMBNAILS), &err), &err);
	catalog_model_get(text_to_cstring(PG_GETARG_TEXT_PP(M_MODEL)), &m, CATALOG_USE);
	if (m.dim != 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hack_plot draws 2-D points, and model \"%s\" has dimension %d", m.model, m.dim)));
	group = PG_ARGISNULL(M_GROUP) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(M_GROUP));
	keys = catalog_check_group(&m, group);
	catalog_model_points(&m, group, keys, PLOT_MAX_MODEL_POINTS, &pts);
	in.n = pts.n;
	in.xy = pts.xy;
	in.groups = pts.group_index;
	in.progress = hack_interrupt_callback;
	if (PG_GETARG_BOOL(M_THUMBNAILS) && pts.n > 0)
	{
		int		   *picks = palloc(sizeof(int) * HACK_PLOT_MAX_PICKS);
		int64	   *ids = palloc(sizeof(int64) * HACK_PLOT_MAX_PICKS);
		uint8_t   **pixels = palloc(sizeof(uint8_t *) * HACK_PLOT_MAX_PICKS);
		const uint8_t **thumbs = palloc0(sizeof(uint8_t *) * pts.n);
		TrainSource src;
		int			n_picks;

		hack_check(hack_plot_pick(&in, picks, &n_picks, &err), &err);
		for (int k = 0; k < n_picks; k++)
			ids[k] = pts.ids[picks[k]];
		train_source_open(&src, &m, false);
		source_images_by_ids(&src, n_picks, ids, pixels);
		for (int k = 0; k < n_picks; k++)
			thumbs[picks[k]] = pixels[k];
		in.images = thumbs;
		in.picks = picks;
		in.n_picks = n_picks;
		in.img_channels = m.shape.channels;
		in.img_height = m.shape.height;
		in.img_width = m.shape.width;
	}
	st = hack_plot_render(&in, &rgb, &err);
	if (st != HACK_OK)
		hack_raise(&err);
	PG_RETURN_BYTEA_P(plot_png_result(rgb, in.size, in.size));
}
