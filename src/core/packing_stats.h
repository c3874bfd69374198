/*
 * packing_stats.h
 *	  Quality figures of a packing, as hack_packing_stats() reports them.
 *
 * HackPackStats and hack_packing_stats(), also defined in packing_stats.c,
 * are still declared in packing.h, which every user of the packing
 * includes; the figures derived from them are declared here.
 */
#ifndef HACK_CORE_PACKING_STATS_H
#define HACK_CORE_PACKING_STATS_H

#include "packing.h"

extern double hack_packing_annulus_deviation(const HackPackStats *s);

#endif							/* HACK_CORE_PACKING_STATS_H */
