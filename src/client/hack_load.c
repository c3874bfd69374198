/*
 * hack_load.c
 *	  hack-load: bulk-load an image dataset into a PostgreSQL table
 *	  (id bigint, label int, img bytea) with binary COPY.
 *
 *	  hack-load -t images --create train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz
 *	  hack-load -t images --npy-labels y.npy x.npy
 *
 * Connection settings come from -d (a conninfo string or database name)
 * and the usual PG* environment variables.  The whole load is one
 * transaction: a truncated or mismatched file aborts the COPY and nothing
 * is loaded.  A progress bar is drawn when stderr is a terminal.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "../core/clock.h"
#include "dataset.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "hack-load writes float32 pixels in host order and needs a little-endian host"
#endif

#define COPY_BUF (1 << 20)

typedef struct Options
{
	const char *conninfo;
	const char *table;
	const char *images;
	const char *labels;
	int			create;
	int			truncate;
	long long	start_id;
	long long	limit;
	int			quiet;
} Options;

/* A buffer of binary COPY data, flushed to the server when full. */
typedef struct CopyBuf
{
	PGconn	   *conn;
	char	   *data;
	size_t		len;
} CopyBuf;

static void
die(PGconn *conn, const char *fmt,...)
{
	va_list		ap;

	fprintf(stderr, "hack-load: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (conn)
		PQfinish(conn);
	exit(1);
}

static void
usage(void)
{
	printf("hack-load loads an image dataset into a table (id bigint, label int, img bytea).\n\n"
		   "Usage:\n  hack-load [OPTION]... IMAGES [LABELS]\n\n"
		   "IMAGES is an IDX file (N x H x W uint8, as MNIST and Fashion-MNIST ship) or a .npy\n"
		   "array (N x H x W or N x H x W x C, uint8 or float32); LABELS an IDX or .npy file of N\n"
		   "integers (each in the int32 range). Either may be gzip-compressed. Images are stored\n"
		   "as channel planes (CHW).\n\n"
		   "Options:\n"
		   "  -d, --dbname=CONNINFO  database name or connection string (default: PG* variables)\n"
		   "  -t, --table=NAME       target table, optionally schema-qualified (required)\n"
		   "      --create           create the table if it does not exist\n"
		   "      --truncate         empty the table first (in the same transaction)\n"
		   "      --start-id=N       id of the first image (default 1); the last id must fit\n"
		   "                         in a bigint\n"
		   "      --limit=N          load only the first N images\n"
		   "  -q, --quiet            print nothing but errors\n"
		   "  -h, --help             show this help\n");
}

static void
parse_options(int argc, char **argv, Options *o)
{
	static const struct option longopts[] = {
		{"dbname", required_argument, NULL, 'd'},
		{"table", required_argument, NULL, 't'},
		{"create", no_argument, NULL, 1},
		{"truncate", no_argument, NULL, 2},
		{"start-id", required_argument, NULL, 3},
		{"limit", required_argument, NULL, 4},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	int			c;
	char	   *end;

	memset(o, 0, sizeof(*o));
	o->conninfo = "";
	o->start_id = 1;
	o->limit = -1;
	while ((c = getopt_long(argc, argv, "d:t:qh", longopts, NULL)) != -1)
	{
		switch (c)
		{
			case 'd':
				o->conninfo = optarg;
				break;
			case 't':
				o->table = optarg;
				break;
			case 1:
				o->create = 1;
				break;
			case 2:
				o->truncate = 1;
				break;
			case 3:
				/* strtoll clamps an out-of-range value to LLONG_MIN/MAX: refuse it */
				errno = 0;
				o->start_id = strtoll(optarg, &end, 10);
				if (errno == ERANGE)
					die(NULL, "--start-id \"%s\" is out of the bigint range (%lld to %lld)",
						optarg, LLONG_MIN, LLONG_MAX);
				if (end == optarg || *end != '\0')
					die(NULL, "invalid --start-id \"%s\"", optarg);
				break;
			case 4:
				o->limit = strtoll(optarg, &end, 10);
				if (*end != '\0' || o->limit < 0)
					die(NULL, "invalid --limit \"%s\"", optarg);
				break;
			case 'q':
				o->quiet = 1;
				break;
			case 'h':
				usage();
				exit(0);
			default:
				fprintf(stderr, "Try \"hack-load --help\" for more information.\n");
				exit(2);
		}
	}
	if (o->table == NULL || optind >= argc || argc - optind > 2)
	{
		fprintf(stderr, "hack-load: give -t TABLE and an IMAGES file (and optionally a LABELS file)\n"
				"Try \"hack-load --help\" for more information.\n");
		exit(2);
	}
	o->images = argv[optind];
	o->labels = argc - optind == 2 ? argv[optind + 1] : NULL;
}

/* The table name quoted for SQL: each dot-separated part as an identifier. */
static char *
quote_table(PGconn *conn, const char *table)
{
	char	   *copy = strdup(table);
	char	   *dot = strchr(copy, '.');
	char	   *result;

	if (dot == NULL)
	{
		char	   *q = PQescapeIdentifier(conn, copy, strlen(copy));

		if (q == NULL)
			die(conn, "invalid table name \"%s\"", table);
		result = strdup(q);
		PQfreemem(q);
	}
	else
	{
		char	   *a,
				   *b;

		*dot = '\0';
		a = PQescapeIdentifier(conn, copy, strlen(copy));
		b = PQescapeIdentifier(conn, dot + 1, strlen(dot + 1));
		if (a == NULL || b == NULL)
			die(conn, "invalid table name \"%s\"", table);
		result = malloc(strlen(a) + strlen(b) + 2);
		sprintf(result, "%s.%s", a, b);
		PQfreemem(a);
		PQfreemem(b);
	}
	free(copy);
	if (result == NULL)
		die(conn, "invalid table name \"%s\"", table);
	return result;
}

static void
exec_ok(PGconn *conn, const char *sql)
{
	PGresult   *r = PQexec(conn, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		die(conn, "%s", PQerrorMessage(conn));
	PQclear(r);
}

static void
flush(CopyBuf *b)
{
	if (b->len > 0 && PQputCopyData(b->conn, b->data, (int) b->len) != 1)
		die(b->conn, "COPY failed: %s", PQerrorMessage(b->conn));
	b->len = 0;
}

static void
put(CopyBuf *b, const void *p, size_t n)
{
	if (b->len + n > COPY_BUF)
		flush(b);
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void
put16(CopyBuf *b, int v)
{
	uint8_t		x[2] = {(uint8_t) (v >> 8), (uint8_t) v};

	put(b, x, 2);
}

static void
put32(CopyBuf *b, uint32_t v)
{
	uint8_t		x[4] = {(uint8_t) (v >> 24), (uint8_t) (v >> 16), (uint8_t) (v >> 8), (uint8_t) v};

	put(b, x, 4);
}

static void
put64(CopyBuf *b, uint64_t v)
{
	put32(b, (uint32_t) (v >> 32));
	put32(b, (uint32_t) v);
}

/* Abandon the COPY with a message: the server rolls it back. */
static void
abort_copy(PGconn *conn, const char *msg)
{
	PGresult   *r;

	PQputCopyEnd(conn, msg);
	while ((r = PQgetResult(conn)) != NULL)
		PQclear(r);
	exec_ok(conn, "ROLLBACK");
	die(conn, "%s; nothing was loaded", msg);
}

static void
progress(long long done, long long total, double t0, int final)
{
	int			width = 40;
	int			filled = total > 0 ? (int) (width * done / total) : width;
	double		el = hack_now_seconds() - t0;

	fprintf(stderr, "\r[%.*s%*s] %lld/%lld images  %.0f images/s%s",
			filled, "########################################", width - filled, "",
			done, total, el > 0 ? done / el : 0.0, final ? "\n" : "");
}

int
main(int argc, char **argv)
{
	Options		o;
	Dataset		img,
				lab;
	char		err[DATASET_ERR_LEN];
	PGconn	   *conn;
	PGresult   *r;
	CopyBuf		buf;
	char	   *table;
	char		sql[1024];
	uint8_t    *pixels;
	long long	n;
	int			bar;
	double		t0;

	parse_options(argc, argv, &o);
	if (!dataset_open_images(&img, o.images, err))
		die(NULL, "%s", err);
	if (o.labels && !dataset_open_labels(&lab, o.labels, err))
		die(NULL, "%s", err);
	if (o.labels && lab.count != img.count)
		die(NULL, "%s has %lld labels but %s has %lld images", o.labels,
			(long long) lab.count, o.images, (long long) img.count);
	n = o.limit >= 0 && o.limit < img.count ? o.limit : img.count;

	/*
	 * Image i gets id start_id + i, a bigint: check that the last id fits
	 * before connecting, rather than let start_id + i overflow (undefined in
	 * C, a wrapped negative id in practice).  The difference cannot
	 * overflow, as 0 <= n - 1 < LLONG_MAX.
	 */
	if (n > 0 && o.start_id > LLONG_MAX - (n - 1))
		die(NULL, "--start-id %lld is too large for %lld images: the last id would exceed "
			"the bigint maximum %lld (the largest --start-id for them is %lld)",
			o.start_id, n, LLONG_MAX, LLONG_MAX - (n - 1));

	{
		/* like psql -d: a database name, a conninfo string or a URI */
		const char *keys[] = {"dbname", "fallback_application_name", NULL};
		const char *vals[] = {o.conninfo[0] ? o.conninfo : NULL, "hack-load", NULL};

		conn = PQconnectdbParams(keys, vals, 1);
	}
	if (PQstatus(conn) != CONNECTION_OK)
		die(conn, "%s", PQerrorMessage(conn));
	table = quote_table(conn, o.table);
	exec_ok(conn, "BEGIN");
	exec_ok(conn, "SET LOCAL client_min_messages = warning");
	if (o.create)
	{
		snprintf(sql, sizeof(sql),
				 "CREATE TABLE IF NOT EXISTS %s (id bigint PRIMARY KEY, label int, img bytea NOT NULL)",
				 table);
		exec_ok(conn, sql);
	}
	if (o.truncate)
	{
		snprintf(sql, sizeof(sql), "TRUNCATE %s", table);
		exec_ok(conn, sql);
	}
	snprintf(sql, sizeof(sql), "COPY %s (id, label, img) FROM STDIN (FORMAT binary)", table);
	r = PQexec(conn, sql);
	if (PQresultStatus(r) != PGRES_COPY_IN)
		die(conn, "%s", PQerrorMessage(conn));
	PQclear(r);

	buf.conn = conn;
	buf.data = malloc(COPY_BUF);
	buf.len = 0;
	pixels = malloc(img.out_bytes);
	if (buf.data == NULL || pixels == NULL)
		abort_copy(conn, "out of memory");
	put(&buf, "PGCOPY\n\377\r\n\0", 11);
	put32(&buf, 0);				/* flags */
	put32(&buf, 0);				/* header extension */
	bar = !o.quiet && isatty(2);
	t0 = hack_now_seconds();
	for (long long i = 0; i < n; i++)
	{
		int32_t		label = 0;

		if (!dataset_next_image(&img, pixels, err))
			abort_copy(conn, err);
		if (o.labels && !dataset_next_label(&lab, &label, err))
			abort_copy(conn, err);
		put16(&buf, 3);
		put32(&buf, 8);
		put64(&buf, (uint64_t) (o.start_id + i));
		if (o.labels)
		{
			put32(&buf, 4);
			put32(&buf, (uint32_t) label);
		}
		else
			put32(&buf, (uint32_t) -1);	/* NULL label */
		put32(&buf, (uint32_t) img.out_bytes);
		put(&buf, pixels, img.out_bytes);
		if (bar && (i % 2048 == 0))
			progress(i, n, t0, 0);
	}
	if (n == img.count && !dataset_finish(&img, err))
		abort_copy(conn, err);
	if (o.labels && n == lab.count && !dataset_finish(&lab, err))
		abort_copy(conn, err);
	put16(&buf, -1);
	flush(&buf);
	if (PQputCopyEnd(conn, NULL) != 1)
		die(conn, "COPY failed: %s", PQerrorMessage(conn));
	r = PQgetResult(conn);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
	{
		char	   *msg = strdup(PQerrorMessage(conn));

		PQclear(r);
		exec_ok(conn, "ROLLBACK");
		die(conn, "COPY failed: %s", msg);
	}
	PQclear(r);
	exec_ok(conn, "COMMIT");
	if (bar)
		progress(n, n, t0, 1);
	if (!o.quiet)
	{
		double		elapsed = hack_now_seconds() - t0;

		printf("loaded %lld images of %d x %d x %d %s into %s in %.2f s (%.0f images/s)\n",
			   n, img.channels, img.height, img.width, img.f32 ? "float32" : "uint8",
			   o.table, elapsed, n / (elapsed > 0 ? elapsed : 1e-9));
	}
	dataset_close(&img);
	if (o.labels)
		dataset_close(&lab);
	free(buf.data);
	free(pixels);
	free(table);
	PQfinish(conn);
	return 0;
}
