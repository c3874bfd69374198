/*
 * image_dir.h
 *	  hack-load --dir: a directory tree of PNG and JPEG files as a list of
 *	  labelled files, in the order torchvision's ImageFolder gives them.
 *
 * The first-level subdirectories of the root are the classes; a class's
 * code is the index of its name among them in byte order (ImageFolder's
 * class_to_idx).  A file's label is the class it is under, at any depth.
 * Names beginning with '.' are not visited.  Symbolic links are followed;
 * a directory that is its own ancestor (a link loop) is reported, not
 * entered.  Files directly under the root have no class (code -1) and
 * come after every class.  Only names ending in .png, .jpg or .jpeg (in
 * any case) are candidates; every other file is counted in "other".
 * Whether a candidate really is an image is decided when it is read
 * (image_dir_read), by its first bytes.
 *
 * No libpq, no server: this file reads the file system only.
 */
#ifndef HACK_CLIENT_IMAGE_DIR_H
#define HACK_CLIENT_IMAGE_DIR_H

#include <stddef.h>
#include <stdint.h>

#define IMAGE_DIR_REASON_LEN 256

typedef struct ImageDirFile
{
	char	   *rel;			/* path under the root, '/'-separated */
	size_t		dirlen;			/* length of its directory part in rel */
	int			class_code;		/* index in classes, -1 directly under the root */
	long long	size;			/* bytes, from stat at scan time */
	char	   *bad;			/* why it cannot be loaded, found by the scan; or NULL */
} ImageDirFile;

typedef struct ImageDir
{
	char	   *root;
	char	  **classes;		/* sorted */
	int			nclasses;
	ImageDirFile *files;		/* in load order */
	size_t		nfiles;
	size_t		cap;
	long long	other;			/* files not named as images */
	long long	bytes;			/* sum of the candidates' sizes */
} ImageDir;

/*
 * A directory that cannot be walked (unreadable, a link loop, a name that
 * is not UTF-8): the callback gets its path under the root and the reason,
 * and returns 1 to go on without it or 0 to stop the scan.
 */
typedef int (*ImageDirProblemFn) (void *arg, const char *rel, const char *reason);

extern int	image_dir_scan(ImageDir *d, const char *root, ImageDirProblemFn problem,
						   void *arg, char *err, size_t errlen);
extern int	image_dir_read(const ImageDir *d, const ImageDirFile *f, long long max_bytes,
						   uint8_t **buf, size_t *cap, size_t *len, char *reason);
extern void image_dir_free(ImageDir *d);

#endif							/* HACK_CLIENT_IMAGE_DIR_H */
