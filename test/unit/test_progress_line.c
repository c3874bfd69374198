/*
 * test_progress_line.c
 *	  hack_train's progress line (src/core/progress_line.c): what the
 *	  writer writes the reader reads back, and the reader refuses every
 *	  other text without failing.
 */
#include "unit.h"

#include <string.h>

#include "progress_line.h"

/* A progress of every field set, with a group key that needs escapes. */
static HackProgress
sample(void)
{
	HackProgress p;

	memset(&p, 0, sizeof(p));
	strcpy(p.model, "fashion \"v1\"");
	strcpy(p.group, "a\\b\n\x01z");
	p.group_no = 3;
	p.groups = 10;
	p.rows = 6000;
	p.epoch = 41;
	p.epochs = 200;
	p.loss = 0.123456;
	p.images_per_second = 2718.5;
	p.eta_seconds = 12.5;
	return p;
}

static void
test_round_trip(void)
{
	HackProgress p = sample();
	HackProgress q;
	char		line[HACK_PROGRESS_LINE_MAX];

	hack_progress_line_format(&p, line);
	CHECK(strncmp(line, HACK_PROGRESS_PREFIX "{\"model\": ", strlen(HACK_PROGRESS_PREFIX) + 10) == 0);
	CHECK(hack_progress_line_parse(line, &q));
	CHECK(strcmp(q.model, p.model) == 0 && strcmp(q.group, p.group) == 0);
	CHECK(q.group_no == 3 && q.groups == 10 && q.rows == 6000 && q.epoch == 41 && q.epochs == 200);
	CHECK_CLOSE(q.loss, 0.123456, 1e-9);
	CHECK(q.images_per_second == 2718.5 && q.eta_seconds == 12.5);
	/* the longest model and group, every byte escaped, fit the buffer */
	memset(p.model, '"', HACK_PROGRESS_MODEL_MAX);
	p.model[HACK_PROGRESS_MODEL_MAX] = '\0';
	memset(p.group, '\x02', HACK_PROGRESS_GROUP_MAX);
	p.group[HACK_PROGRESS_GROUP_MAX] = '\0';
	hack_progress_line_format(&p, line);
	CHECK(strlen(line) < HACK_PROGRESS_LINE_MAX);
	CHECK(hack_progress_line_parse(line, &q) && strcmp(q.group, p.group) == 0);
	/* a loss that is not finite is written as -1, still a valid line */
	p = sample();
	p.loss = NAN;
	hack_progress_line_format(&p, line);
	CHECK(hack_progress_line_parse(line, &q) && q.loss == -1.0);
}

static void
test_foreign_text(void)
{
	static const char *const bad[] = {
		"", "hack_train progress: ", "hack_train progress: {bad",
		"hack_train progress: {\"model\": \"m\"}",
		"CALL hack_train(model => 'm')",
		"hack_train progress: {\"model\": \"\", \"group\": \"\", \"group_no\": 1, \"groups\": 1, \"rows\": 1, \"epoch\": 1, \"epochs\": 1, \"loss\": 1, \"images_per_second\": 1, \"eta_seconds\": 1}",
		"hack_train progress: {\"model\": \"m\", \"group\": \"\", \"group_no\": -1, \"groups\": 1, \"rows\": 1, \"epoch\": 1, \"epochs\": 1, \"loss\": 1, \"images_per_second\": 1, \"eta_seconds\": 1}",
		"hack_train progress: {\"model\": \"m\", \"group\": \"\", \"group_no\": 99999999999, \"groups\": 1, \"rows\": 1, \"epoch\": 1, \"epochs\": 1, \"loss\": 1, \"images_per_second\": 1, \"eta_seconds\": 1}",
		"hack_train progress: {\"model\": \"m\", \"group\": \"\", \"group_no\": 1, \"groups\": 1, \"rows\": 1, \"epoch\": 1, \"epochs\": 1, \"loss\": nan, \"images_per_second\": 1, \"eta_seconds\": 1}",
		"hack_train progress: {\"model\": \"m\", \"group\": \"\", \"group_no\": 1, \"groups\": 1, \"rows\": 1, \"epoch\": 1, \"epochs\": 1, \"loss\": 1e999, \"images_per_second\": 1, \"eta_seconds\": 1}",
		"hack_train progress: {\"model\": \"m\", \"group\": \"\", \"group_no\": 1, \"groups\": 1, \"rows\": 1, \"epoch\": 1, \"epochs\": 1, \"loss\": 1, \"images_per_second\": 1, \"eta_seconds\": 1} trailing",
		"hack_train progress: {\"model\": \"m\\q\", \"group\": \"\", \"group_no\": 1, \"groups\": 1, \"rows\": 1, \"epoch\": 1, \"epochs\": 1, \"loss\": 1, \"images_per_second\": 1, \"eta_seconds\": 1}",
		"hack_train progress: {\"model\": \"m\\u0000\", \"group\": \"\", \"group_no\": 1, \"groups\": 1, \"rows\": 1, \"epoch\": 1, \"epochs\": 1, \"loss\": 1, \"images_per_second\": 1, \"eta_seconds\": 1}",
		"hack_train progress: {\"group\": \"\", \"model\": \"m\", \"group_no\": 1, \"groups\": 1, \"rows\": 1, \"epoch\": 1, \"epochs\": 1, \"loss\": 1, \"images_per_second\": 1, \"eta_seconds\": 1}",
	};
	HackProgress p = sample();
	HackProgress q;
	char		line[HACK_PROGRESS_LINE_MAX];
	char		longer[HACK_PROGRESS_LINE_MAX + 128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (hack_progress_line_parse(bad[i], &q))
			unit_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
	/* every proper prefix of a valid line (a truncated query text) is refused */
	hack_progress_line_format(&p, line);
	for (size_t n = 0; n < strlen(line); n++)
	{
		char		cut[HACK_PROGRESS_LINE_MAX];

		memcpy(cut, line, n);
		cut[n] = '\0';
		if (hack_progress_line_parse(cut, &q))
			unit_fail(__FILE__, __LINE__, "accepted a line cut at %zu", n);
	}
	/* a model name longer than any model */
	snprintf(longer, sizeof(longer), HACK_PROGRESS_PREFIX "{\"model\": \"%0100d\", \"group\": \"\", \"group_no\": 1,"
			 " \"groups\": 1, \"rows\": 1, \"epoch\": 1, \"epochs\": 1, \"loss\": 1,"
			 " \"images_per_second\": 1, \"eta_seconds\": 1}", 7);
	CHECK(!hack_progress_line_parse(longer, &q));
}

void
suite_progress_line(void)
{
	RUN(test_round_trip);
	RUN(test_foreign_text);
}
