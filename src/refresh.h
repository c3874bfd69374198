/*
 * refresh.h
 *	  Bringing a model's embeddings up to date with its source (refresh.c).
 */
#ifndef HACK_REFRESH_H
#define HACK_REFRESH_H

#include "postgres.h"

#include "catalog.h"

/* What a refresh did. */
typedef struct RefreshCounts
{
	int64		embedded;		/* rows that had no embedding */
	int64		updated;		/* rows whose image changed */
	int64		deleted;		/* embeddings of rows gone (or now NULL, or moved) */
	int64		skipped;		/* rows whose image cannot be decoded */
} RefreshCounts;

extern void refresh_model(const CatalogModel *m, const char *only_group, int batch_size,
						  bool atomic, RefreshCounts *counts);

#endif							/* HACK_REFRESH_H */
