/*
 * progress_line.c
 *	  hack_train's progress line: "hack_train progress: {json}", one fixed
 *	  shape, written by hack_progress_line_format and read back by
 *	  hack_progress_line_parse.
 *
 * The line is a pg_stat_activity query text, and any session can make
 * its own query text say anything, so the reader trusts nothing: it
 * accepts exactly the shape the writer produces (the keys in order, the
 * escapes the writer uses, numbers in range, nothing after the closing
 * brace) and says false for any other text instead of failing.  1.0's view
 * cast the text to jsonb, so one session's malformed line broke
 * hack.training_progress for everyone.  (Who may publish a line at all is
 * the view's business: it requires the backend to hold the model's job
 * lock.)  The JSON stays readable by people and by jsonb.
 */
#include "progress_line.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Append s as a JSON string; returns the new end. */
static char *
put_string(char *out, const char *s)
{
	*out++ = '"';
	for (; *s; s++)
	{
		unsigned char c = (unsigned char) *s;

		if (c == '"' || c == '\\')
		{
			*out++ = '\\';
			*out++ = (char) c;
		}
		else if (c < 0x20)
			out += sprintf(out, "\\u%04x", c);
		else
			*out++ = (char) c;
	}
	*out++ = '"';
	*out = '\0';
	return out;
}

/* Write the line of p into buf (HACK_PROGRESS_LINE_MAX bytes). */
void
hack_progress_line_format(const HackProgress *p, char *buf)
{
	char	   *out = buf;

	out += sprintf(out, "%s{\"model\": ", HACK_PROGRESS_PREFIX);
	out = put_string(out, p->model);
	out += sprintf(out, ", \"group\": ");
	out = put_string(out, p->group);
	sprintf(out, ", \"group_no\": %d, \"groups\": %d, \"rows\": %d, \"epoch\": %d,"
			" \"epochs\": %d, \"loss\": %.6g, \"images_per_second\": %.1f,"
			" \"eta_seconds\": %.1f}",
			p->group_no, p->groups, p->rows, p->epoch, p->epochs,
			isfinite(p->loss) ? p->loss : -1.0,
			isfinite(p->images_per_second) ? p->images_per_second : -1.0,
			isfinite(p->eta_seconds) ? p->eta_seconds : -1.0);
}

/* Consume literal lit at *s. */
static bool
eat(const char **s, const char *lit)
{
	size_t		n = strlen(lit);

	if (strncmp(*s, lit, n) != 0)
		return false;
	*s += n;
	return true;
}

/* Read a JSON string as put_string writes it into out (max bytes plus NUL). */
static bool
get_string(const char **s, char *out, size_t max)
{
	const char *p = *s;
	size_t		n = 0;

	if (*p++ != '"')
		return false;
	while (*p != '"')
	{
		unsigned char c = (unsigned char) *p;
		unsigned	v;

		if (c == '\0' || c < 0x20 || n >= max)
			return false;
		if (c == '\\')
		{
			if (p[1] == '"' || p[1] == '\\')
			{
				c = (unsigned char) p[1];
				p += 2;
			}
			else if (p[1] == 'u' && p[2] == '0' && p[3] == '0' &&
					 sscanf(p + 4, "%2x", &v) == 1 && v >= 1 && v < 0x20 &&
					 strchr("0123456789abcdef", p[4]) && strchr("0123456789abcdef", p[5]))
			{
				c = (unsigned char) v;
				p += 6;
			}
			else
				return false;
		}
		else
			p++;
		out[n++] = (char) c;
	}
	out[n] = '\0';
	*s = p + 1;
	return true;
}

/* Read a non-negative int. */
static bool
get_int(const char **s, int *v)
{
	char	   *end;
	long		x;

	if (**s < '0' || **s > '9')
		return false;
	errno = 0;
	x = strtol(*s, &end, 10);
	if (errno != 0 || x > INT_MAX)
		return false;
	*v = (int) x;
	*s = end;
	return true;
}

/* Read a finite number. */
static bool
get_double(const char **s, double *v)
{
	char	   *end;

	if (!(**s == '-' || (**s >= '0' && **s <= '9')))
		return false;
	errno = 0;
	*v = strtod(*s, &end);
	if (end == *s || errno != 0 || !isfinite(*v))
		return false;
	*s = end;
	return true;
}

/* Parse a line written by hack_progress_line_format; false for any other text. */
bool
hack_progress_line_parse(const char *line, HackProgress *p)
{
	const char *s = line;

	memset(p, 0, sizeof(*p));
	return eat(&s, HACK_PROGRESS_PREFIX "{\"model\": ") &&
		get_string(&s, p->model, HACK_PROGRESS_MODEL_MAX) &&
		eat(&s, ", \"group\": ") && get_string(&s, p->group, HACK_PROGRESS_GROUP_MAX) &&
		eat(&s, ", \"group_no\": ") && get_int(&s, &p->group_no) &&
		eat(&s, ", \"groups\": ") && get_int(&s, &p->groups) &&
		eat(&s, ", \"rows\": ") && get_int(&s, &p->rows) &&
		eat(&s, ", \"epoch\": ") && get_int(&s, &p->epoch) &&
		eat(&s, ", \"epochs\": ") && get_int(&s, &p->epochs) &&
		eat(&s, ", \"loss\": ") && get_double(&s, &p->loss) &&
		eat(&s, ", \"images_per_second\": ") && get_double(&s, &p->images_per_second) &&
		eat(&s, ", \"eta_seconds\": ") && get_double(&s, &p->eta_seconds) &&
		eat(&s, "}") && *s == '\0' && p->model[0] != '\0';
}
