/*
 * image_dir.c
 *	  The directory walk of hack-load --dir (see image_dir.h).
 *
 * The order is torchvision's ImageFolder's (datasets/folder.py,
 * make_dataset): classes in sorted order, then within a class the
 * directories of os.walk(followlinks=True) sorted by path, then the file
 * names of each sorted.  Python sorts str by code point, which is the byte
 * order of UTF-8, so one strcmp order reproduces it: a file's id is then
 * its index in ImageFolder's samples for a tree of PNG and JPEG files (plus
 * --start-id).  Files directly under the root, which ImageFolder leaves
 * out, come last.  A class's code is its index among all first-level
 * directories, whether or not they hold images (ImageFolder with
 * allow_empty), so that a file that cannot be read never renumbers the
 * classes after it.
 *
 * Where ImageFolder would loop forever (os.walk follows a link to an
 * ancestor), the walk keeps the (device, inode) of every directory between
 * the root and where it is, and reports a directory met again as a loop.
 */
#include "image_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static const uint8_t PNG_MAGIC[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
static const uint8_t JPEG_MAGIC[3] = {0xff, 0xd8, 0xff};

/* The state of one walk: the directories from the root down to here. */
typedef struct Walk
{
	ImageDir   *d;
	ImageDirProblemFn problem;
	void	   *arg;
	struct stat *up;			/* ancestors, root first */
	int			depth;
	int			updepth_cap;
} Walk;

/* malloc or exit: the client has nothing to unwind to */
static void *
xrealloc(void *p, size_t n)
{
	void	   *q = realloc(p, n ? n : 1);

	if (q == NULL)
	{
		fprintf(stderr, "hack-load: out of memory\n");
		exit(1);
	}
	return q;
}

static char *
xstrdup(const char *s)
{
	size_t		n = strlen(s) + 1;

	return memcpy(xrealloc(NULL, n), s, n);
}

/* a + "/" + b, or b alone when a is empty */
static char *
join(const char *a, const char *b)
{
	size_t		la = strlen(a),
				lb = strlen(b);
	char	   *s = xrealloc(NULL, la + lb + 2);

	if (la == 0)
		memcpy(s, b, lb + 1);
	else
	{
		memcpy(s, a, la);
		s[la] = '/';
		memcpy(s + la + 1, b, lb + 1);
	}
	return s;
}

/* Is s well-formed UTF-8 (no overlong forms, surrogates or values above U+10FFFF)? */
static int
utf8_valid(const char *s)
{
	const uint8_t *p = (const uint8_t *) s;

	while (*p)
	{
		uint32_t	c = *p;
		int			n;

		if (c < 0x80)
		{
			p++;
			continue;
		}
		else if (c >= 0xc2 && c <= 0xdf)
			n = 1, c &= 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, c &= 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, c &= 0x07;
		else
			return 0;
		for (int k = 1; k <= n; k++)
		{
			if ((p[k] & 0xc0) != 0x80)
				return 0;
			c = c << 6 | (p[k] & 0x3f);
		}
		if ((n == 2 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
			(n == 3 && (c < 0x10000 || c > 0x10ffff)))
			return 0;
		p += n + 1;
	}
	return 1;
}

/* Does the name end in .png, .jpg or .jpeg, in any case (ImageFolder's test)? */
static int
image_name(const char *name)
{
	size_t		n = strlen(name);

	return (n > 4 && (strcasecmp(name + n - 4, ".png") == 0 ||
					  strcasecmp(name + n - 4, ".jpg") == 0)) ||
		(n > 5 && strcasecmp(name + n - 5, ".jpeg") == 0);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * The names in directory path, sorted, without those beginning with '.';
 * NULL (errno set) if it cannot be read.
 */
static char **
list_dir(const char *path, size_t *count)
{
	DIR		   *dir = opendir(path);
	struct dirent *e;
	char	  **names = NULL;
	size_t		n = 0,
				cap = 0;

	if (dir == NULL)
		return NULL;
	errno = 0;
	while ((e = readdir(dir)) != NULL)
	{
		if (e->d_name[0] == '.')
			continue;
		if (n == cap)
			names = xrealloc(names, (cap = cap ? 2 * cap : 64) * sizeof(char *));
		names[n++] = xstrdup(e->d_name);
		errno = 0;
	}
	if (errno != 0)
	{
		int			saved = errno;

		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		closedir(dir);
		errno = saved;
		return NULL;
	}
	closedir(dir);
	*count = n;
	if (n == 0)					/* not NULL, and not given to qsort (its base is nonnull) */
		return xrealloc(NULL, sizeof(char *));
	qsort(names, n, sizeof(char *), cmp_names);
	return names;
}

static void
free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Add a candidate file (taking rel); bad is why it cannot be loaded, or NULL. */
static void
add_file(ImageDir *d, char *rel, int class_code, long long size, const char *bad)
{
	ImageDirFile *f;
	const char *slash = strrchr(rel, '/');

	if (d->nfiles == d->cap)
		d->files = xrealloc(d->files, (d->cap = d->cap ? 2 * d->cap : 256) * sizeof(ImageDirFile));
	f = &d->files[d->nfiles++];
	f->rel = rel;
	f->dirlen = slash ? (size_t) (slash - rel) : 0;
	f->class_code = class_code;
	f->size = size;
	f->bad = bad ? xstrdup(bad) : NULL;
	d->bytes += size;
}

/* Report a directory that is not walked; 0 if the callback stops the scan. */
static int
problem(Walk *w, const char *rel, const char *fmt,...)
{
	char		reason[IMAGE_DIR_REASON_LEN];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return w->problem(w->arg, rel, reason);
}

/*
 * A file (of any type but directory) met in the walk at rel, with st from
 * stat, or st NULL when stat failed with errno.  Takes rel.
 */
static void
visit_file(Walk *w, char *rel, const char *name, int class_code, const struct stat *st, int err)
{
	char		reason[IMAGE_DIR_REASON_LEN];

	if (!image_name(name))
	{
		w->d->other++;
		free(rel);
		return;
	}
	if (st == NULL)
		snprintf(reason, sizeof(reason), "could not stat: %s", strerror(err));
	else if (!S_ISREG(st->st_mode))
		snprintf(reason, sizeof(reason), "not a regular file");
	else if (!utf8_valid(rel))
		snprintf(reason, sizeof(reason), "its name is not valid UTF-8");
	else
	{
		add_file(w->d, rel, class_code, (long long) st->st_size, NULL);
		return;
	}
	add_file(w->d, rel, class_code, 0, reason);
}

/* Walk the directory rel (under a class) whose stat is st; 0 to stop. */
static int
walk(Walk *w, const char *rel, int class_code, const struct stat *st)
{
	char	   *path;
	char	  **names;
	size_t		n = 0;
	int			ok = 1;

	for (int i = 0; i < w->depth; i++)
		if (w->up[i].st_dev == st->st_dev && w->up[i].st_ino == st->st_ino)
			return problem(w, rel, "a symbolic link loop: it is the directory %s",
						   i == 0 ? "given to --dir" : "above it");
	if (!utf8_valid(rel))
		return problem(w, rel, "its name is not valid UTF-8");
	path = join(w->d->root, rel);
	names = list_dir(path, &n);
	if (names == NULL)
	{
		int			e = errno;

		free(path);
		return problem(w, rel, "could not read directory: %s", strerror(e));
	}
	if (w->depth == w->updepth_cap)
		w->up = xrealloc(w->up, (w->updepth_cap *= 2) * sizeof(struct stat));
	w->up[w->depth++] = *st;
	for (size_t i = 0; ok && i < n; i++)
	{
		char	   *child = join(rel, names[i]);
		char	   *full = join(w->d->root, child);
		struct stat cst;
		int			r = stat(full, &cst);
		int			e = errno;

		free(full);
		if (r == 0 && S_ISDIR(cst.st_mode))
		{
			ok = walk(w, child, class_code, &cst);
			free(child);
		}
		else
			visit_file(w, child, names[i], class_code, r == 0 ? &cst : NULL, e);
	}
	w->depth--;
	free_names(names, n);
	free(path);
	return ok;
}

/* The load order: by class (no class last), directory, then file name. */
static int
cmp_files(const void *a, const void *b)
{
	const ImageDirFile *x = a,
			   *y = b;
	unsigned	cx = (unsigned) x->class_code,	/* -1 sorts last */
				cy = (unsigned) y->class_code;
	size_t		m = x->dirlen < y->dirlen ? x->dirlen : y->dirlen;
	int			c;

	if (cx != cy)
		return cx < cy ? -1 : 1;
	c = memcmp(x->rel, y->rel, m);
	if (c != 0)
		return c;
	if (x->dirlen != y->dirlen)
		return x->dirlen < y->dirlen ? -1 : 1;
	return strcmp(x->rel + x->dirlen, y->rel + y->dirlen);
}

/*
 * Scan the tree under root into d.  0 with err if root is not a directory
 * that can be read, or if problem() stopped the scan (err then names the
 * directory).
 */
int
image_dir_scan(ImageDir *d, const char *root, ImageDirProblemFn problem_fn, void *arg,
			   char *err, size_t errlen)
{
	Walk		w;
	struct stat st;
	char	  **names;
	size_t		n = 0;
	int		   *is_class;
	int			ok = 1;

	memset(d, 0, sizeof(*d));
	d->root = xstrdup(root);
	if (stat(root, &st) != 0)
	{
		snprintf(err, errlen, "could not stat %s: %s", root, strerror(errno));
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
	{
		snprintf(err, errlen, "%s is not a directory", root);
		return 0;
	}
	names = list_dir(root, &n);
	if (names == NULL)
	{
		snprintf(err, errlen, "could not read directory %s: %s", root, strerror(errno));
		return 0;
	}
	memset(&w, 0, sizeof(w));
	w.d = d;
	w.problem = problem_fn;
	w.arg = arg;
	w.updepth_cap = 16;
	w.up = xrealloc(NULL, w.updepth_cap * sizeof(struct stat));
	w.up[w.depth++] = st;

	/* the classes first, so that their codes are known */
	is_class = xrealloc(NULL, (n ? n : 1) * sizeof(int));
	d->classes = xrealloc(NULL, (n ? n : 1) * sizeof(char *));
	for (size_t i = 0; i < n; i++)
	{
		char	   *full = join(root, names[i]);
		struct stat cst;
		int			r = stat(full, &cst);
		int			e = errno;

		free(full);
		is_class[i] = r == 0 && S_ISDIR(cst.st_mode) && utf8_valid(names[i]);
		if (is_class[i])
			d->classes[d->nclasses++] = xstrdup(names[i]);
		else if (r == 0 && S_ISDIR(cst.st_mode))
			ok = ok && problem(&w, names[i], "its name is not valid UTF-8");
		else
			visit_file(&w, xstrdup(names[i]), names[i], -1, r == 0 ? &cst : NULL, e);
	}
	/* names are sorted, so are the classes: walk each with its code */
	for (int c = 0; ok && c < d->nclasses; c++)
	{
		char	   *full = join(root, d->classes[c]);

		if (stat(full, &st) != 0)
			ok = problem(&w, d->classes[c], "could not stat: %s", strerror(errno));
		else
			ok = walk(&w, d->classes[c], c, &st);
		free(full);
	}
	free(is_class);
	free(w.up);
	free_names(names, n);
	if (!ok)
	{
		snprintf(err, errlen, "the scan of %s stopped", root);
		return 0;
	}
	if (d->nfiles > 1)
		qsort(d->files, d->nfiles, sizeof(ImageDirFile), cmp_files);
	return 1;
}

/*
 * Read file f whole into *buf (grown as needed, *cap its size) and check
 * that it is a PNG or JPEG of 1 to max_bytes bytes.  0 with the reason if
 * it is not, or cannot be read.
 */
int
image_dir_read(const ImageDir *d, const ImageDirFile *f, long long max_bytes,
			   uint8_t **buf, size_t *cap, size_t *len, char *reason)
{
	char	   *path;
	int			fd;
	struct stat st;
	size_t		n = 0;

	if (f->bad)
	{
		snprintf(reason, IMAGE_DIR_REASON_LEN, "%s", f->bad);
		return 0;
	}
	path = join(d->root, f->rel);
	fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	free(path);
	if (fd < 0)
	{
		snprintf(reason, IMAGE_DIR_REASON_LEN, "could not open: %s", strerror(errno));
		return 0;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
	{
		close(fd);
		snprintf(reason, IMAGE_DIR_REASON_LEN, "not a regular file");
		return 0;
	}
	if ((long long) st.st_size > max_bytes)
	{
		close(fd);
		snprintf(reason, IMAGE_DIR_REASON_LEN, "%lld bytes, above the size limit (--max-file-size) of %lld",
				 (long long) st.st_size, max_bytes);
		return 0;
	}
	for (;;)
	{
		ssize_t		got;

		/* room for the file as stat sized it, and a byte to see it end */
		if (*cap < n + 1 || *cap < (size_t) st.st_size + 1)
		{
			size_t		want = *cap * 2 > (size_t) st.st_size + 1 ? *cap * 2 : (size_t) st.st_size + 1;

			*buf = xrealloc(*buf, want < 65536 ? 65536 : want);
			*cap = want < 65536 ? 65536 : want;
		}
		got = read(fd, *buf + n, *cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
		{
			snprintf(reason, IMAGE_DIR_REASON_LEN, "could not read: %s", strerror(errno));
			close(fd);
			return 0;
		}
		if (got == 0)
			break;
		n += (size_t) got;
		if ((long long) n > max_bytes)
		{
			snprintf(reason, IMAGE_DIR_REASON_LEN, "more than %lld bytes, above the size limit (--max-file-size)",
					 max_bytes);
			close(fd);
			return 0;
		}
	}
	close(fd);
	*len = n;
	if (n == 0)
	{
		snprintf(reason, IMAGE_DIR_REASON_LEN, "empty file");
		return 0;
	}
	if (!(n >= sizeof(PNG_MAGIC) && memcmp(*buf, PNG_MAGIC, sizeof(PNG_MAGIC)) == 0) &&
		!(n >= sizeof(JPEG_MAGIC) && memcmp(*buf, JPEG_MAGIC, sizeof(JPEG_MAGIC)) == 0))
	{
		snprintf(reason, IMAGE_DIR_REASON_LEN, "not a PNG or JPEG file (by its first bytes)");
		return 0;
	}
	return 1;
}

void
image_dir_free(ImageDir *d)
{
	for (size_t i = 0; i < d->nfiles; i++)
	{
		free(d->files[i].rel);
		free(d->files[i].bad);
	}
	for (int c = 0; c < d->nclasses; c++)
		free(d->classes[c]);
	free(d->files);
	free(d->classes);
	free(d->root);
	memset(d, 0, sizeof(*d));
}
