/*
 * status.c
 *	  Filling HackError structs for the core's callers.
 */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Record a failure and return its status, so callers can write
 * "return hack_error_set(err, ...)". err may be NULL. */
HackStatus
hack_error_set(HackError *err, HackStatus status, const char *detail,
			   const char *fmt,...)
{
	va_list		ap;

	if (err == NULL)
		return status;
	err->status = status;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	if (detail != NULL)
		snprintf(err->detail, sizeof(err->detail), "%s", detail);
	else
		err->detail[0] = '\0';
	return status;
}

/* Reset err to "no error". */
void
hack_error_clear(HackError *err)
{
	if (err == NULL)
		return;
	err->status = HACK_OK;
	err->message[0] = '\0';
	err->detail[0] = '\0';
}

const char *
hack_fmt_double(char *buf, int len, double v)
{
	if (v != v)
		return "NaN";
	if (v > 1.7976931348623157e308)
		return "Infinity";
	if (v < -1.7976931348623157e308)
		return "-Infinity";
	for (int digits = 15; digits <= 17; digits++)
	{
		snprintf(buf, len, "%.*g", digits, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}
