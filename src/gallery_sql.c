/*
 * gallery_sql.c
 *	  hack_gallery(model, group_key, n, columns, cell): a PNG of the n most
 *	  typical and n most atypical images of a group, with their norms (the
 *	  HACK paper's Fig. 9; core/gallery.c draws it).
 *
 * The model must be one the caller may see (catalog_model_get); its source
 * is read as the caller, under the caller's row security
 * (catalog_group_by_norm), so the gallery shows the most typical and most
 * atypical rows among those the caller can read, and nothing else.  The
 * picture's size is checked before anything is read.
 */
#include "hack.h"
#include "catalog.h"
#include "plot_sql.h"
#include "source_images.h"
#include "train_source.h"

#include "miscadmin.h"
#include "utils/builtins.h"

#include "core/gallery.h"

PG_FUNCTION_INFO_V1(hack_gallery);

/* Read one block's rows and decode their images. */
static void
read_block(const CatalogModel *m, const TrainSource *src, const char *group, int n,
		   bool largest, HackGalleryBlock *blk)
{
	CatalogNormRow *rows = palloc(sizeof(CatalogNormRow) * n);
	const uint8_t **images;
	double	   *norms;
	int64_t    *ids;
	int			got;

	got = catalog_group_by_norm(m, src->relname, src->id_col, src->image_col, group, n,
								largest, rows);
	images = palloc(sizeof(uint8_t *) * Max(got, 1));
	norms = palloc(sizeof(double) * Max(got, 1));
	ids = palloc(sizeof(int64_t) * Max(got, 1));
	for (int i = 0; i < got; i++)
	{
		CHECK_FOR_INTERRUPTS();
		images[i] = source_display_pixels(rows[i].image, m->format, &m->shape, src, rows[i].id);
		norms[i] = rows[i].norm;
		ids[i] = rows[i].id;
	}
	blk->count = got;
	blk->images = images;
	blk->norms = norms;
	blk->ids = ids;
}

/* hack_gallery(model text, group_key text, n int, columns int, cell int) */
Datum
hack_gallery(PG_FUNCTION_ARGS)
{
	char	   *model = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *group = text_to_cstring(PG_GETARG_TEXT_PP(1));
	HackGalleryBlock blocks[2] = {{"most typical"}, {"most atypical"}};
	HackGalleryInput in;
	CatalogModel m;
	TrainSource src;
	HackError	err;
	uint8_t    *rgb;
	int			width,
				height;
	HackStatus	st;

	memset(&in, 0, sizeof(in));
	in.per_block = PG_GETARG_INT32(2);
	in.columns = PG_GETARG_INT32(3);
	in.cell = PG_GETARG_INT32(4);
	in.channels = in.height = in.width = 1;
	in.n_blocks = 2;
	in.blocks = blocks;
	/* the limits first: a huge n or picture costs nothing */
	hack_check(hack_gallery_layout(&in, &width, &height, &err), &err);
	catalog_model_get(model, &m, CATALOG_USE);
	(void) catalog_check_group(&m, group);
	train_source_open(&src, &m, false);
	in.channels = m.shape.channels;
	in.height = m.shape.height;
	in.width = m.shape.width;
	read_block(&m, &src, group, in.per_block, false, &blocks[0]);
	read_block(&m, &src, group, in.per_block, true, &blocks[1]);
	st = hack_gallery_render(&in, &rgb, &width, &height, &err);
	if (st != HACK_OK)
		hack_raise(&err);
	PG_RETURN_BYTEA_P(plot_png_result(rgb, width, height));
}
