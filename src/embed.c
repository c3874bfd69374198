/*
 * embed.c
 *	  hack_embed(model, image [, group]): the embedding of a new image by a
 *	  stored model.
 *
 * The network comes from the per-backend cache of catalog.c, so a large
 * UPDATE decodes the model once; the caller's right to see the model is
 * checked on every call (a REVOKE in another session takes effect at
 * once).  The function only reads, so it is STABLE and PARALLEL SAFE:
 * each parallel worker has its own cache.  One image is one part of a
 * batch, so it runs on the backend's own thread; parallelism comes from
 * parallel workers.
 */
#include "hack.h"
#include "catalog.h"
#include "embed.h"
#include "poincare.h"

#include "utils/builtins.h"

#include "core/hyperbolic.h"

#include "blas.h"

PG_FUNCTION_INFO_V1(hack_embed);

/*
 * Embed one image (raw bytes in the given format, of the model's shape)
 * with net into emb; a bad image names row_id in the error when given.
 */
void
embed_image(NnModel *net, const bytea *image, HackImageFormat format,
			const HackImageShape *shape, const int64 *row_id, double *emb)
{
	float	   *x;
	HackError	err;
	HackStatus	st;

	if ((size_t) shape->channels * shape->height * shape->width != nn_input_size(net))
		elog(ERROR, "image shape does not match the network's input");
	x = palloc(sizeof(float) * nn_input_size(net));
	st = hack_image_decode((const uint8_t *) VARDATA_ANY(image),
						   VARSIZE_ANY_EXHDR(image), format, shape,
						   hack_max_image_pixels, x, &err);
	if (st != HACK_OK && row_id != NULL)
		ereport(ERROR,
				(errcode(hack_sqlstate(st)),
				 errmsg("image of row id " INT64_FORMAT ": %s", *row_id, err.message),
				 err.detail[0] ? errdetail_internal("%s", err.detail) : 0));
	if (st != HACK_OK)
		hack_raise(&err);
	/* one image is one part: no engine threads, OpenBLAS checked */
	(void) hack_blas_prepare();
	st = nn_set_threads(net, 1, &err);
	if (st == HACK_OK)
		st = nn_forward(net, x, 1, emb, &err);
	if (st != HACK_OK)
		hack_raise(&err);
	pfree(x);
}

/* hack_embed(model, image [, group]) */
Datum
hack_embed(PG_FUNCTION_ARGS)
{
	char	   *model = text_to_cstring(PG_GETARG_TEXT_PP(0));
	bytea	   *image = PG_GETARG_BYTEA_PP(1);
	char	   *group = PG_NARGS() > 2 ? text_to_cstring(PG_GETARG_TEXT_PP(2)) : "";
	const CatalogModel *m;
	NnModel    *net;
	double		emb[HACK_MAX_DIM];

	catalog_cache_begin();
	m = catalog_model_cached(model);
	if (!catalog_model_visible(m->owner, m->source))
		catalog_model_missing(model, NULL);
	net = catalog_network_cached(m, group, false);
	embed_image(net, image, m->format, &m->shape, NULL, emb);
	PG_RETURN_POINCARE_P(poincare_from_coords(emb, m->dim));
}
