/*
 * embed.c
 *	  hack_embed(model, image [, group]): the embedding of a new image by a
 *	  stored model.
 *
 * The network comes from the per-backend cache of model_store.c, so a
 * large UPDATE decodes the model once.  The function only reads, so it is
 * STABLE and PARALLEL SAFE: each parallel worker has its own cache.  One
 * image is one part of a batch, so it runs on the backend's own thread;
 * parallelism comes from parallel workers.
 */
#include "hack.h"
#include "poincare.h"
#include "train.h"

#include "utils/builtins.h"

#include "blas.h"

PG_FUNCTION_INFO_V1(hack_embed);

/* Embed one image (raw bytes in the given format) with net into emb. */
void
embed_image(NnModel *net, const bytea *image, HackImageFormat format, double *emb)
{
	HackImageShape shape;
	float	   *x;
	HackError	err;
	HackStatus	st;

	shape.channels = net->cfg.channels;
	shape.height = net->cfg.height;
	shape.width = net->cfg.width;
	x = palloc(sizeof(float) * nn_input_size(net));
	st = hack_image_decode((const uint8_t *) VARDATA_ANY(image),
						   VARSIZE_ANY_EXHDR(image), format, &shape, x, &err);
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
	NnModel    *net = model_store_get(model, group);
	double		emb[HACK_MAX_DIM];

	embed_image(net, image, HACK_IMAGE_AUTO, emb);
	PG_RETURN_POINCARE_P(poincare_from_coords(emb, net->cfg.dim));
}
