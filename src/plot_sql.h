/*
 * plot_sql.h
 *	  What the glue of pictures shares (plot_sql.c).
 */
#ifndef HACK_PLOT_SQL_H
#define HACK_PLOT_SQL_H

#include "postgres.h"

extern bytea *plot_png_result(uint8_t *rgb, int width, int height);

#endif							/* HACK_PLOT_SQL_H */
