/*
 * progress_line.h
 *	  The progress line hack_train shows in pg_stat_activity, written and
 *	  read back by the same code (progress_line.c).
 */
#ifndef HACK_CORE_PROGRESS_LINE_H
#define HACK_CORE_PROGRESS_LINE_H

#include <stdbool.h>
#include <stddef.h>

#define HACK_PROGRESS_PREFIX "hack_train progress: "
#define HACK_PROGRESS_MODEL_MAX 63
#define HACK_PROGRESS_GROUP_MAX 1024
/* room for the longest line: every byte of model and group escaped as \u00XX */
#define HACK_PROGRESS_LINE_MAX (6 * (HACK_PROGRESS_MODEL_MAX + HACK_PROGRESS_GROUP_MAX) + 512)

typedef struct HackProgress
{
	char		model[HACK_PROGRESS_MODEL_MAX + 1];
	char		group[HACK_PROGRESS_GROUP_MAX + 1];
	int			group_no;
	int			groups;
	int			rows;
	int			epoch;
	int			epochs;
	double		loss;
	double		images_per_second;
	double		eta_seconds;
} HackProgress;

extern void hack_progress_line_format(const HackProgress *p, char *buf);
extern bool hack_progress_line_parse(const char *line, HackProgress *p);

#endif							/* HACK_CORE_PROGRESS_LINE_H */
