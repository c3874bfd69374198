/*
 * hack_load.c
 *	  hack-load: bulk-load an image dataset into a PostgreSQL table with
 *	  binary COPY.
 *
 *	  hack-load -t images --create train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz
 *	  hack-load -t clipart --create --dir /usr/share/openclipart/png
 *
 * IDX and .npy files (dataset.c) load as (id bigint, label int, img bytea)
 * of decoded pixels; a directory tree of PNG and JPEG files (--dir,
 * image_dir.c) as (id bigint, label text, label_code int, file text, img
 * bytea) of the files' bytes as they are.  Connection settings come from
 * -d (a conninfo string or database name) and the usual PG* environment
 * variables.  The whole load is one transaction: a truncated or mismatched
 * file aborts the COPY and nothing is loaded.  A progress bar is drawn when
 * stderr is a terminal; both inputs share it, the connection, the
 * transaction and the COPY stream.
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
#include "image_dir.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "hack-load writes float32 pixels in host order and needs a little-endian host"
#endif

#define COPY_BUF (1 << 20)

/*
 * The largest bytea a binary COPY can store: the server allocates the
 * value with its 4-byte header, and no allocation may exceed MaxAllocSize
 * (1 GB - 1).
 */
#define BYTEA_MAX (0x3fffffffLL - 4)

typedef struct Options
{
	const char *conninfo;
	const char *table;
	const char *images;
	const char *labels;
	const char *dir;
	int			create;
	int			truncate;
	long long	start_id;
	long long	limit;
	int			quiet;
	int			skip_bad;		/* --dir: --on-error=skip */
	long long	max_file_size;	/* --dir */
} Options;

/* A buffer of binary COPY data, flushed to the server when full. */
typedef struct CopyBuf
{
	PGconn	   *conn;
	char	   *data;
	size_t		len;
} CopyBuf;

/*
 * The progress bar on stderr, when it is a terminal: items done of total,
 * their rate, MB/s and the time left (by bytes when they are known, which
 * suits files of unequal sizes).  Redrawn at most ten times a second.
 */
typedef struct Progress
{
	int			on;
	const char *unit;
	long long	total;
	long long	total_bytes;
	double		t0;
	double		drawn;
	int			width;			/* of the last line drawn, to clear it */
} Progress;

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
usage_error(const char *msg)
{
	fprintf(stderr, "hack-load: %s\nTry \"hack-load --help\" for more information.\n", msg);
	exit(2);
}

static void
usage(void)
{
	printf("hack-load loads an image dataset into a table.\n\n"
		   "Usage:\n  hack-load [OPTION]... IMAGES [LABELS]\n"
		   "  hack-load [OPTION]... --dir=PATH\n\n"
		   "IMAGES is an IDX file (N x H x W uint8, as MNIST and Fashion-MNIST ship) or a .npy\n"
		   "array (N x H x W or N x H x W x C, uint8 or float32); LABELS an IDX or .npy file of N\n"
		   "integers (each in the int32 range). Either may be gzip-compressed. Images are stored\n"
		   "as channel planes (CHW) in (id bigint, label int, img bytea).\n\n"
		   "--dir loads a tree of PNG and JPEG files, as torchvision's ImageFolder reads it, into\n"
		   "(id bigint, label text, label_code int, file text, img bytea): label is the first-level\n"
		   "directory a file is under, label_code that directory's index among the first-level\n"
		   "directories in sorted order, file the path under PATH, img the file's bytes as they\n"
		   "are. Files named *.png, *.jpg, *.jpeg (any case) are loaded if they start like a PNG or\n"
		   "a JPEG; other files are counted and left out. Ids follow the order class, directory,\n"
		   "file name; files directly in PATH come last, with a NULL label. Symbolic links are\n"
		   "followed (a loop is reported); names beginning with '.' are not read.\n\n"
		   "Options:\n"
		   "  -d, --dbname=CONNINFO  database name or connection string (default: PG* variables)\n"
		   "  -t, --table=NAME       target table, optionally schema-qualified (required)\n"
		   "      --create           create the table if it does not exist\n"
		   "      --truncate         empty the table first (in the same transaction)\n"
		   "      --start-id=N       id of the first image (default 1); the last id must fit\n"
		   "                         in a bigint\n"
		   "      --limit=N          load only the first N images (with --dir: the first N\n"
		   "                         files of the order)\n"
		   "      --dir=PATH         load the PNG and JPEG files under PATH\n"
		   "      --on-error=WHAT    with --dir, a file that cannot be read, is empty, too large\n"
		   "                         or not a PNG or JPEG: stop (the default: exit 1, nothing\n"
		   "                         loaded) or skip (warn, count and go on; its id is left\n"
		   "                         unused)\n"
		   "      --max-file-size=SIZE  with --dir, the largest file to load, in bytes or with\n"
		   "                         kB, MB or GB (powers of 1024); default and most: 1 GB - 5\n"
		   "                         bytes, the largest bytea\n"
		   "  -q, --quiet            print nothing but errors\n"
		   "  -h, --help             show this help\n");
}

/* A size in bytes, with an optional kB, MB or GB (1024-based, as PostgreSQL's units). */
static long long
parse_size(const char *arg)
{
	char	   *end;
	long long	v;
	long long	unit = 1;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (end == arg || errno == ERANGE || v <= 0)
		die(NULL, "invalid --max-file-size \"%s\": give a positive number of bytes", arg);
	if (strcmp(end, "kB") == 0)
		unit = 1LL << 10;
	else if (strcmp(end, "MB") == 0)
		unit = 1LL << 20;
	else if (strcmp(end, "GB") == 0)
		unit = 1LL << 30;
	else if (*end != '\0')
		die(NULL, "invalid --max-file-size \"%s\": the units are kB, MB and GB", arg);
	if (v > BYTEA_MAX / unit)
		die(NULL, "--max-file-size \"%s\" is above the largest bytea, %lld bytes", arg, BYTEA_MAX);
	return v * unit;
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
		{"dir", required_argument, NULL, 5},
		{"on-error", required_argument, NULL, 6},
		{"max-file-size", required_argument, NULL, 7},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	int			c;
	char	   *end;
	int			dir_only = 0;

	memset(o, 0, sizeof(*o));
	o->conninfo = "";
	o->start_id = 1;
	o->limit = -1;
	o->max_file_size = BYTEA_MAX;
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
			case 5:
				o->dir = optarg;
				break;
			case 6:
				if (strcmp(optarg, "skip") == 0)
					o->skip_bad = 1;
				else if (strcmp(optarg, "stop") != 0)
					usage_error("--on-error must be skip or stop");
				dir_only = 1;
				break;
			case 7:
				o->max_file_size = parse_size(optarg);
				dir_only = 1;
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
	if (o->table == NULL)
		usage_error("give -t TABLE and an IMAGES file (and optionally a LABELS file), or --dir");
	if (o->dir)
	{
		if (optind < argc)
			usage_error("--dir takes no IMAGES or LABELS file");
		return;
	}
	if (dir_only)
		usage_error("--on-error and --max-file-size go with --dir");
	if (optind >= argc || argc - optind > 2)
		usage_error("give -t TABLE and an IMAGES file (and optionally a LABELS file), or --dir");
	o->images = argv[optind];
	o->labels = argc - optind == 2 ? argv[optind + 1] : NULL;
}

/*
 * Image i gets id start_id + i, a bigint: check that the last id fits
 * before connecting, rather than let start_id + i overflow (undefined in
 * C, a wrapped negative id in practice).  The difference cannot overflow,
 * as 0 <= n - 1 < LLONG_MAX.
 */
static void
check_last_id(long long start_id, long long n, const char *what)
{
	if (n > 0 && start_id > LLONG_MAX - (n - 1))
		die(NULL, "--start-id %lld is too large for %lld %s: the last id would exceed "
			"the bigint maximum %lld (the largest --start-id for them is %lld)",
			start_id, n, what, LLONG_MAX, LLONG_MAX - (n - 1));
}

/* like psql -d: a database name, a conninfo string or a URI */
static PGconn *
connect_db(const Options *o)
{
	const char *keys[] = {"dbname", "fallback_application_name", NULL};
	const char *vals[] = {o->conninfo[0] ? o->conninfo : NULL, "hack-load", NULL};
	PGconn	   *conn = PQconnectdbParams(keys, vals, 1);

	if (PQstatus(conn) != CONNECTION_OK)
		die(conn, "%s", PQerrorMessage(conn));
	return conn;
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

/* The SQL "fmt" with the quoted table name for its one %s (malloc'd). */
static char *
table_sql(PGconn *conn, const char *fmt, const char *table)
{
	size_t		n = strlen(fmt) + strlen(table) + 1;
	char	   *sql = malloc(n);

	if (sql == NULL)
		die(conn, "out of memory");
	snprintf(sql, n, fmt, table);
	return sql;
}

static void
exec_table(PGconn *conn, const char *fmt, const char *table)
{
	char	   *sql = table_sql(conn, fmt, table);

	exec_ok(conn, sql);
	free(sql);
}

static void
flush(CopyBuf *b)
{
	if (b->len > 0 && PQputCopyData(b->conn, b->data, (int) b->len) != 1)
		die(b->conn, "COPY failed: %s", PQerrorMessage(b->conn));
	b->len = 0;
}

/* Append n bytes; what is larger than the buffer goes straight to libpq. */
static void
put(CopyBuf *b, const void *p, size_t n)
{
	if (b->len + n > COPY_BUF)
		flush(b);
	if (n > COPY_BUF)
	{
		for (size_t off = 0; off < n; off += COPY_BUF)
		{
			int			k = (int) (n - off < COPY_BUF ? n - off : COPY_BUF);

			if (PQputCopyData(b->conn, (const char *) p + off, k) != 1)
				die(b->conn, "COPY failed: %s", PQerrorMessage(b->conn));
		}
		return;
	}
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

/* A field of n bytes (binary COPY: its length, then the bytes). */
static void
put_field(CopyBuf *b, const void *p, size_t n)
{
	put32(b, (uint32_t) n);
	put(b, p, n);
}

static void
put_null(CopyBuf *b)
{
	put32(b, (uint32_t) -1);
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

/*
 * Open the transaction and the COPY of columns into table: created first
 * (as "CREATE TABLE IF NOT EXISTS %s (create_columns)") with --create,
 * then altered by after_create (a format for the table, or NULL) if it did
 * not exist before, emptied with --truncate, all in the one transaction.
 * Returns the buffer, with the binary COPY header in it.
 */
static CopyBuf
begin_copy(PGconn *conn, const Options *o, const char *table, const char *create_columns,
		   const char *after_create, const char *columns)
{
	CopyBuf		buf;
	PGresult   *r;
	char		fmt[512];
	char	   *sql;

	exec_ok(conn, "BEGIN");
	exec_ok(conn, "SET LOCAL client_min_messages = warning");
	if (o->create)
	{
		int			is_new = 0;

		if (after_create)
		{
			r = PQexecParams(conn, "SELECT to_regclass($1) IS NULL", 1, NULL, &table, NULL, NULL, 0);
			if (PQresultStatus(r) != PGRES_TUPLES_OK)
				die(conn, "%s", PQerrorMessage(conn));
			is_new = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
			PQclear(r);
		}
		snprintf(fmt, sizeof(fmt), "CREATE TABLE IF NOT EXISTS %%s (%s)", create_columns);
		exec_table(conn, fmt, table);
		if (is_new)
			exec_table(conn, after_create, table);
	}
	if (o->truncate)
		exec_table(conn, "TRUNCATE %s", table);
	snprintf(fmt, sizeof(fmt), "COPY %%s (%s) FROM STDIN (FORMAT binary)", columns);
	sql = table_sql(conn, fmt, table);
	r = PQexec(conn, sql);
	free(sql);
	if (PQresultStatus(r) != PGRES_COPY_IN)
		die(conn, "%s", PQerrorMessage(conn));
	PQclear(r);
	buf.conn = conn;
	buf.data = malloc(COPY_BUF);
	buf.len = 0;
	if (buf.data == NULL)
		abort_copy(conn, "out of memory");
	put(&buf, "PGCOPY\n\377\r\n\0", 11);
	put32(&buf, 0);				/* flags */
	put32(&buf, 0);				/* header extension */
	return buf;
}

/* End the COPY and commit; on an error from the server roll back and exit 1. */
static void
end_copy(CopyBuf *buf)
{
	PGconn	   *conn = buf->conn;
	PGresult   *r;

	put16(buf, -1);
	flush(buf);
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
	free(buf->data);
	buf->data = NULL;
}

static void
progress_start(Progress *p, const Options *o, const char *unit, long long total,
			   long long total_bytes)
{
	memset(p, 0, sizeof(*p));
	p->on = !o->quiet && isatty(2);
	p->unit = unit;
	p->total = total;
	p->total_bytes = total_bytes;
	p->t0 = hack_now_seconds();
}

/* Draw the bar for done items of bytes; the final one with the elapsed time and a newline. */
static void
progress_draw(Progress *p, long long done, long long bytes, int final)
{
	const int	bar = 30;
	double		now = hack_now_seconds();
	double		el = now - p->t0;
	double		frac = p->total_bytes > 0 ? (double) bytes / p->total_bytes
		: p->total > 0 ? (double) done / p->total : 1.0;
	int			filled = (int) (bar * (frac > 1 ? 1 : frac));
	char		tail[64];
	int			w;

	if (!p->on)
		return;
	if (final)
		snprintf(tail, sizeof(tail), "in %.1f s", el);
	else if (el > 0 && frac > 0)
		snprintf(tail, sizeof(tail), "ETA %.0f s", el * (1 - frac) / frac);
	else
		snprintf(tail, sizeof(tail), "ETA ?");
	w = fprintf(stderr, "\r[%.*s%*s] %lld/%lld %s  %.0f %s/s  %.1f MB/s  %s",
				filled, "##############################", bar - filled, "",
				done, p->total, p->unit, el > 0 ? done / el : 0.0, p->unit,
				el > 0 ? bytes / el / 1e6 : 0.0, tail);
	if (w < p->width)
		fprintf(stderr, "%*s", p->width - w, "");
	p->width = w;
	if (final)
		fputc('\n', stderr);
	p->drawn = now;
}

static void
progress_update(Progress *p, long long done, long long bytes)
{
	if (p->on && hack_now_seconds() - p->drawn >= 0.1)
		progress_draw(p, done, bytes, 0);
}

/* Clear the bar's line, so that a warning starts at its beginning. */
static void
progress_clear(Progress *p)
{
	if (p->on && p->width > 0)
	{
		fprintf(stderr, "\r%*s\r", p->width, "");
		p->width = 0;
		p->drawn = 0;
	}
}

/* IMAGES [LABELS]: (id, label int, img) of decoded pixels. */
static void
load_idx(const Options *o)
{
	Dataset		img,
				lab;
	char		err[DATASET_ERR_LEN];
	PGconn	   *conn;
	CopyBuf		buf;
	Progress	bar;
	char	   *table;
	uint8_t    *pixels;
	long long	n;

	if (!dataset_open_images(&img, o->images, err))
		die(NULL, "%s", err);
	if (o->labels && !dataset_open_labels(&lab, o->labels, err))
		die(NULL, "%s", err);
	if (o->labels && lab.count != img.count)
		die(NULL, "%s has %lld labels but %s has %lld images", o->labels,
			(long long) lab.count, o->images, (long long) img.count);
	n = o->limit >= 0 && o->limit < img.count ? o->limit : img.count;
	check_last_id(o->start_id, n, "images");

	conn = connect_db(o);
	table = quote_table(conn, o->table);
	buf = begin_copy(conn, o, table, "id bigint PRIMARY KEY, label int, img bytea NOT NULL",
					 NULL, "id, label, img");
	pixels = malloc(img.out_bytes);
	if (pixels == NULL)
		abort_copy(conn, "out of memory");
	progress_start(&bar, o, "images", n, n * (long long) img.out_bytes);
	for (long long i = 0; i < n; i++)
	{
		int32_t		label = 0;

		if (!dataset_next_image(&img, pixels, err))
			abort_copy(conn, err);
		if (o->labels && !dataset_next_label(&lab, &label, err))
			abort_copy(conn, err);
		put16(&buf, 3);
		put32(&buf, 8);
		put64(&buf, (uint64_t) (o->start_id + i));
		if (o->labels)
		{
			put32(&buf, 4);
			put32(&buf, (uint32_t) label);
		}
		else
			put_null(&buf);
		put_field(&buf, pixels, img.out_bytes);
		if (i % 256 == 0)
			progress_update(&bar, i, i * (long long) img.out_bytes);
	}
	if (n == img.count && !dataset_finish(&img, err))
		abort_copy(conn, err);
	if (o->labels && n == lab.count && !dataset_finish(&lab, err))
		abort_copy(conn, err);
	end_copy(&buf);
	progress_draw(&bar, n, n * (long long) img.out_bytes, 1);
	if (!o->quiet)
	{
		double		elapsed = hack_now_seconds() - bar.t0;

		printf("loaded %lld images of %d x %d x %d %s into %s in %.2f s (%.0f images/s)\n",
			   n, img.channels, img.height, img.width, img.f32 ? "float32" : "uint8",
			   o->table, elapsed, n / (elapsed > 0 ? elapsed : 1e-9));
	}
	dataset_close(&img);
	if (o->labels)
		dataset_close(&lab);
	free(pixels);
	free(table);
	PQfinish(conn);
}

/* What the walk of --dir met and left out, and how to treat it. */
typedef struct DirReport
{
	const Options *o;
	Progress   *bar;
	long long	bad_files;
	long long	bad_dirs;
} DirReport;

/*
 * A file or directory of --dir that cannot be loaded: with --on-error=stop
 * the message for the error, else a warning (unless -q).  Returns the
 * message to stop with, or NULL to go on.
 */
static const char *
dir_bad(DirReport *rep, const char *rel, const char *reason)
{
	static char msg[IMAGE_DIR_REASON_LEN + 4096];

	snprintf(msg, sizeof(msg), "%s/%s: %s", rep->o->dir, rel, reason);
	if (!rep->o->skip_bad)
	{
		strncat(msg, " (--on-error=skip leaves such files out)", sizeof(msg) - strlen(msg) - 1);
		return msg;
	}
	if (!rep->o->quiet)
	{
		if (rep->bar)
			progress_clear(rep->bar);
		fprintf(stderr, "hack-load: skipped %s\n", msg);
	}
	return NULL;
}

/* The scan's callback for a directory it cannot walk. */
static int
dir_problem(void *arg, const char *rel, const char *reason)
{
	DirReport  *rep = arg;
	const char *stop = dir_bad(rep, rel, reason);

	if (stop)
		die(NULL, "%s; nothing was loaded", stop);
	rep->bad_dirs++;
	return 1;
}

/*
 * --dir PATH: (id, label, label_code, file, img) of the files' bytes.  The
 * tree is scanned whole first, so that ids are fixed and the bar knows the
 * total; a file is then read as its row is written, so memory holds one
 * file at a time.
 */
static void
load_dir(const Options *o)
{
	ImageDir	d;
	DirReport	rep = {o, NULL, 0, 0};
	char		err[4096];
	char		reason[IMAGE_DIR_REASON_LEN];
	PGconn	   *conn;
	CopyBuf		buf;
	Progress	bar;
	char	   *table;
	uint8_t    *data = NULL;
	size_t		cap = 0;
	long long	n,
				loaded = 0,
				scanned_bytes = 0,
				loaded_bytes = 0;
	double		elapsed;

	if (!image_dir_scan(&d, o->dir, dir_problem, &rep, err, sizeof(err)))
		die(NULL, "%s", err);
	n = o->limit >= 0 && o->limit < (long long) d.nfiles ? o->limit : (long long) d.nfiles;
	check_last_id(o->start_id, n, "files");

	conn = connect_db(o);
	/* file and class names go as they are on disk: UTF-8 (checked by the scan) */
	if (PQsetClientEncoding(conn, "UTF8") != 0)
		die(conn, "could not set client_encoding to UTF8: %s", PQerrorMessage(conn));
	table = quote_table(conn, o->table);
	/*
	 * PNG and JPEG bytes are compressed already: pglz would save about 5% of
	 * the space (openclipart-png) and make the load 2.7 times slower, so a
	 * table hack-load creates stores img uncompressed.
	 */
	buf = begin_copy(conn, o, table,
					 "id bigint PRIMARY KEY, label text, label_code int, file text NOT NULL, "
					 "img bytea NOT NULL",
					 "ALTER TABLE %s ALTER img SET STORAGE EXTERNAL",
					 "id, label, label_code, file, img");
	progress_start(&bar, o, "files", n, 0);
	for (long long i = 0; i < n; i++)
		bar.total_bytes += d.files[i].size;
	rep.bar = &bar;
	for (long long i = 0; i < n; i++)
	{
		const ImageDirFile *f = &d.files[i];
		size_t		len;

		scanned_bytes += f->size;
		if (!image_dir_read(&d, f, o->max_file_size, &data, &cap, &len, reason))
		{
			const char *stop = dir_bad(&rep, f->rel, reason);

			if (stop)
				abort_copy(conn, stop);
			rep.bad_files++;
			continue;
		}
		put16(&buf, 5);
		put32(&buf, 8);
		put64(&buf, (uint64_t) (o->start_id + i));
		if (f->class_code >= 0)
		{
			put_field(&buf, d.classes[f->class_code], strlen(d.classes[f->class_code]));
			put32(&buf, 4);
			put32(&buf, (uint32_t) f->class_code);
		}
		else
		{
			put_null(&buf);
			put_null(&buf);
		}
		put_field(&buf, f->rel, strlen(f->rel));
		put_field(&buf, data, len);
		loaded++;
		loaded_bytes += (long long) len;
		progress_update(&bar, i + 1, scanned_bytes);
	}
	end_copy(&buf);
	progress_draw(&bar, n, scanned_bytes, 1);
	elapsed = hack_now_seconds() - bar.t0;
	if (!o->quiet)
		printf("loaded %lld files (%.1f MB) of %d classes into %s in %.2f s (%.1f MB/s, "
			   "%.0f files/s); skipped %lld bad files, %lld bad directories and %lld files "
			   "not named .png, .jpg or .jpeg\n",
			   loaded, loaded_bytes / 1e6, d.nclasses, o->table, elapsed,
			   loaded_bytes / 1e6 / (elapsed > 0 ? elapsed : 1e-9),
			   loaded / (elapsed > 0 ? elapsed : 1e-9), rep.bad_files, rep.bad_dirs, d.other);
	free(data);
	free(table);
	image_dir_free(&d);
	PQfinish(conn);
}

int
main(int argc, char **argv)
{
	Options		o;

	parse_options(argc, argv, &o);
	if (o.dir)
		load_dir(&o);
	else
		load_idx(&o);
	return 0;
}
