/*
 * train_source.h
 *	  Reading a model's source table, as its owner (train_source.c).
 */
#ifndef HACK_TRAIN_SOURCE_H
#define HACK_TRAIN_SOURCE_H

#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"
#include "nodes/pg_list.h"

#include "catalog.h"
#include "core/tensor.h"

/* The table a model reads, checked, with its names quoted. */
typedef struct TrainSource
{
	Oid			relid;
	Oid			owner;			/* every read runs as this role */
	char	   *relname;		/* schema-qualified and quoted */
	char	   *id_col;			/* quoted */
	char	   *image_col;		/* quoted */
	char	   *group_col;		/* quoted, or NULL for one group */
	Oid			group_type;		/* type of the group column */
	HackImageShape shape;
	HackImageFormat format;
	bool		skip_invalid;	/* skip rows with NULL or bad images */
} TrainSource;

/* The images of one group, in id order. */
typedef struct GroupImages
{
	int			n;
	int64	   *ids;
	float	   *images;			/* n x C x H x W, palloc'd (huge) */
	int64	   *hashes;			/* hack_image_hash of each raw image */
	int64		skipped;		/* rows skipped because of skip_invalid */
} GroupImages;

extern void train_source_check_id_type(const char *column, Oid t);
extern void train_source_check_image_type(const char *column, Oid t);
extern void train_source_open(TrainSource *src, const CatalogModel *def, bool skip_invalid);
extern List *train_source_groups(const TrainSource *src);
extern void train_source_read(const TrainSource *src, const char *group, GroupImages *out);
extern void train_source_add_image(GroupImages *out, int *cap, MemoryContext cxt, int64 id,
								   bytea *image, HackImageFormat format,
								   const HackImageShape *shape, bool skip_invalid);
extern void train_source_null_group(const TrainSource *src);
extern char *train_source_row_group(const TrainSource *src, Datum value, bool isnull);

/* One row of the source as train_source_query selects it. */
typedef struct SourceRow
{
	int64		id;
	bool		id_null;
	bool		has_image;		/* the image is not NULL */
	bytea	   *image;			/* NULL if NULL or hashed; detoasted in the current context */
	int64		image_hash;		/* its hack_image_hash, when read hashed */
	char	   *group;			/* the row's group key; NULL if its group is NULL */
} SourceRow;

extern char *train_source_query(const TrainSource *src, bool by_ids, bool ordered, bool hashed);
extern void train_source_row(const TrainSource *src, HeapTuple tup, TupleDesc desc,
							 bool with_image, bool hashed, SourceRow *row);

/* Called by train_source_scan for each row. */
typedef void (*SourceRowFn) (void *arg, SourceRow *row, MemoryContext row_cxt);

extern void train_source_scan(const TrainSource *src, bool ordered, bool hashed, int fetch_rows,
							  SourceRowFn fn, void *arg);

#endif							/* HACK_TRAIN_SOURCE_H */
