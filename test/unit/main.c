/*
 * main.c
 *	  Runs every suite listed in suites.h and prints the closing tally.
 */
#include "unit.h"

#include <stdarg.h>
#include <string.h>

#define SUITE(name) extern void suite_##name(void);
#include "suites.h"
#undef SUITE

int			unit_current_failures;
static int	unit_passed;
static int	unit_failed;

/* Record a failed check of the current test and say where. */
void
unit_fail(const char *file, int line, const char *fmt,...)
{
	va_list		ap;

	if (unit_current_failures++ >= 5)
		return;					/* the first few are enough to debug */
	fprintf(stderr, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Run one test and count it. */
void
unit_run(const char *name, void (*fn) (void))
{
	unit_current_failures = 0;
	fn();
	if (unit_current_failures == 0)
	{
		unit_passed++;
		printf("ok %s\n", name);
	}
	else
	{
		unit_failed++;
		printf("FAIL %s (%d failed checks)\n", name, unit_current_failures);
	}
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;

#define SUITE(name) \
	if (only == NULL || strcmp(only, #name) == 0) \
	{ \
		printf("# suite %s\n", #name); \
		suite_##name(); \
	}
#include "suites.h"
#undef SUITE

	printf("unit: %d passed, %d failed\n", unit_passed, unit_failed);
	return unit_failed == 0 ? 0 : 1;
}
