/*
 * dataset.h
 *	  Streaming readers for image dataset files: IDX (the MNIST and
 *	  Fashion-MNIST layout) and NumPy .npy, plain or gzip-compressed.
 *
 * A reader yields one image at a time as the bytes hack stores in a bytea:
 * uint8 (or float32 little-endian) pixels in channel planes (CHW), so that
 * hack_train's "auto" format reads them back.  Labels files yield one
 * integer per image, which must fit in int32 (the table's label column).  Every header, shape and length is checked, and a
 * file that ends early or goes on too long is an error.
 */
#ifndef HACK_CLIENT_DATASET_H
#define HACK_CLIENT_DATASET_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "../core/tensor.h"

#define DATASET_ERR_LEN 512

typedef enum DatasetKind
{
	DATASET_IDX,
	DATASET_NPY
} DatasetKind;

typedef struct Dataset
{
	gzFile		f;
	const char *path;
	DatasetKind kind;
	int64_t		count;			/* images (or labels) in the file */
	int			channels,
				height,
				width;			/* images only */
	int			f32;			/* images: float32 pixels, else uint8 */
	int			hwc;			/* images: stored N x H x W x C */
	size_t		item_bytes;		/* bytes of one item in the file */
	size_t		out_bytes;		/* bytes of one converted image */
	HackNpyHeader npy;
	uint8_t    *item;			/* one item as read */
	int64_t		done;			/* items read so far */
} Dataset;

extern int	dataset_open_images(Dataset *d, const char *path, char *err);
extern int	dataset_open_labels(Dataset *d, const char *path, char *err);
extern int	dataset_next_image(Dataset *d, uint8_t *out, char *err);
extern int	dataset_next_label(Dataset *d, int32_t *label, char *err);
extern int	dataset_finish(Dataset *d, char *err);
extern void dataset_close(Dataset *d);

#endif							/* HACK_CLIENT_DATASET_H */
