/*
 * dataset.c
 *	  IDX and .npy readers for hack-load (see dataset.h).
 *
 * IDX (yann.lecun.com/exdb/mnist): a big-endian magic 0x0000TTNN, where
 * TT = 0x08 is unsigned bytes and NN the number of dimensions, then NN
 * big-endian int32 sizes, then the data.  Images are N x H x W (NN = 3),
 * labels N (NN = 1).  .npy headers are parsed by the core's
 * hack_npy_read_header; images may be N x H x W or N x H x W x C, uint8
 * or float32, labels any integer dtype of shape (N,).
 *
 * Every label must fit the int4 label column: a wider one is an error,
 * never silently truncated.
 */
#include "dataset.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HEADER (12 + (1 << 20))

/*
 * The most dimensions an IDX file of ours can have (images N x H x W).  The
 * magic's dimension byte is file data, so it is checked against this before
 * any sizes are read into a buffer of this many.
 */
#define IDX_MAX_DIMS 3

static int
fail(char *err, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(err, DATASET_ERR_LEN, fmt, ap);
	va_end(ap);
	return 0;
}

/* Read exactly n bytes, or say the file is truncated. */
static int
read_exact(Dataset *d, void *buf, size_t n, char *err)
{
	int			got = gzread(d->f, buf, (unsigned) n);

	if (got < 0)
	{
		int			e;

		return fail(err, "%s: %s", d->path, gzerror(d->f, &e));
	}
	if ((size_t) got != n)
		return fail(err, "%s is truncated: it ends after %lld of %lld items",
					d->path, (long long) d->done, (long long) d->count);
	return 1;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

/*
 * Open a file, recognise IDX or .npy and read its header.  An images file
 * (images != 0) must be N x H x W, or N x H x W x C for .npy; a labels file N.
 */
static int
open_any(Dataset *d, const char *path, int images, char *err)
{
	int			want_ndim_min = images ? 3 : 1;
	int			want_ndim_max = images ? 4 : 1;
	const char *want = images ? "an images file must be 3-D (N x H x W)"
		: "a labels file must be 1-D (N)";
	uint8_t		head[12];
	int			got;

	memset(d, 0, sizeof(*d));
	d->path = path;
	d->f = gzopen(path, "rb");
	if (d->f == NULL)
		return fail(err, "could not open %s", path);
	gzbuffer(d->f, 1 << 18);
	got = gzread(d->f, head, 4);
	if (got == 4 && head[0] == 0 && head[1] == 0)
	{
		int			ndim = head[3];
		uint8_t		dims[4 * IDX_MAX_DIMS];

		d->kind = DATASET_IDX;
		if (head[2] != 0x08)
			return fail(err, "%s: IDX data type 0x%02x is not unsigned bytes (0x08)", path, head[2]);
		/* before reading the sizes: dims[] holds at most IDX_MAX_DIMS */
		if (ndim < 1 || ndim > IDX_MAX_DIMS)
			return fail(err, "%s: IDX file has %d dimensions (magic 0x%02x%02x%02x%02x), "
						"only 1 to %d are supported; %s",
						path, ndim, head[0], head[1], head[2], head[3], IDX_MAX_DIMS, want);
		if (ndim != (images ? 3 : 1))
			return fail(err, "%s: IDX file has %d dimension%s, but %s",
						path, ndim, ndim == 1 ? "" : "s", want);
		if (!read_exact(d, dims, 4 * (size_t) ndim, err))
			return fail(err, "%s is truncated inside its IDX header", path);
		d->count = be32(dims);
		d->channels = 1;
		d->height = ndim > 1 ? (int) be32(dims + 4) : 0;
		d->width = ndim > 2 ? (int) be32(dims + 8) : 0;
		d->npy.type = HACK_NPY_U1;
		d->npy.elem_size = 1;
		return 1;
	}
	if (got == 4 && memcmp(head, "\x93NUM", 4) == 0)
	{
		uint8_t    *buf = malloc(MAX_HEADER);
		size_t		pre,
					hlen;
		HackError	herr;

		d->kind = DATASET_NPY;
		if (buf == NULL)
			return fail(err, "out of memory");
		memcpy(buf, head, 4);
		if (gzread(d->f, buf + 4, 6) != 6)
		{
			free(buf);
			return fail(err, "%s is truncated inside its .npy header", path);
		}
		pre = buf[6] == 1 ? 10 : 12;
		if (pre == 12 && gzread(d->f, buf + 10, 2) != 2)
		{
			free(buf);
			return fail(err, "%s is truncated inside its .npy header", path);
		}
		hlen = pre == 10 ? (size_t) buf[8] | (size_t) buf[9] << 8
			: (size_t) buf[8] | (size_t) buf[9] << 8 | (size_t) buf[10] << 16 | (size_t) buf[11] << 24;
		if (hlen > MAX_HEADER - pre || gzread(d->f, buf + pre, (unsigned) hlen) != (int) hlen)
		{
			free(buf);
			return fail(err, "%s is truncated inside its .npy header", path);
		}
		if (hack_npy_read_header(buf, pre + hlen, &d->npy, &herr) != HACK_OK)
		{
			free(buf);
			return fail(err, "%s: %s: %s", path, herr.message, herr.detail);
		}
		free(buf);
		if (d->npy.ndim < want_ndim_min || d->npy.ndim > want_ndim_max)
			return fail(err, "%s: .npy array has %d dimensions, but %s%s",
						path, d->npy.ndim, want, images ? " or 4-D (N x H x W x C)" : "");
		d->count = d->npy.shape[0];
		d->height = d->npy.ndim > 1 ? (int) d->npy.shape[1] : 0;
		d->width = d->npy.ndim > 2 ? (int) d->npy.shape[2] : 0;
		d->channels = d->npy.ndim > 3 ? (int) d->npy.shape[3] : 1;
		d->hwc = d->npy.ndim > 3;
		return 1;
	}
	return fail(err, "%s is neither an IDX nor a .npy file (gzip or plain)", path);
}

/* Open an images file: IDX N x H x W, or .npy N x H x W [x C] of uint8 or float32. */
int
dataset_open_images(Dataset *d, const char *path, char *err)
{
	HackImageShape shape;
	HackError	herr;

	if (!open_any(d, path, 1, err))
		return 0;
	if (d->kind == DATASET_NPY && d->npy.type != HACK_NPY_U1 && d->npy.type != HACK_NPY_F4)
		return fail(err, "%s: images must be uint8 or float32", path);
	d->f32 = d->npy.type == HACK_NPY_F4;
	shape.channels = d->channels;
	shape.height = d->height;
	shape.width = d->width;
	if (hack_image_shape_check(&shape, &herr) != HACK_OK)
		return fail(err, "%s: %s", path, herr.message);
	d->item_bytes = (size_t) d->npy.elem_size * d->channels * d->height * d->width;
	d->out_bytes = (d->f32 ? 4 : 1) * (size_t) d->channels * d->height * d->width;
	d->item = malloc(d->item_bytes);
	return d->item != NULL || fail(err, "out of memory");
}

/* Open a labels file: IDX N, or .npy (N,) of any integer dtype. */
int
dataset_open_labels(Dataset *d, const char *path, char *err)
{
	if (!open_any(d, path, 0, err))
		return 0;
	if (d->npy.type == HACK_NPY_F4 || d->npy.type == HACK_NPY_F8)
		return fail(err, "%s: labels must be integers", path);
	d->item_bytes = d->npy.elem_size;
	d->item = malloc(d->item_bytes);
	return d->item != NULL || fail(err, "out of memory");
}

/* The next image, converted to the bytes hack stores (CHW, little-endian). */
int
dataset_next_image(Dataset *d, uint8_t *out, char *err)
{
	int			C = d->channels,
				HW = d->height * d->width;

	if (d->done >= d->count)
		return fail(err, "%s: no more images", d->path);
	if (!read_exact(d, d->item, d->item_bytes, err))
		return 0;
	if (!d->f32 && !d->hwc)
		memcpy(out, d->item, d->item_bytes);
	else
		for (int c = 0; c < C; c++)
			for (int p = 0; p < HW; p++)
			{
				int64_t		src = d->hwc ? (int64_t) p * C + c : (int64_t) c * HW + p;
				int64_t		dst = (int64_t) c * HW + p;

				if (d->f32)
				{
					float		v = (float) hack_npy_elem(d->item, src, &d->npy);

					memcpy(out + 4 * dst, &v, 4);	/* hosts are little-endian */
				}
				else
					out[dst] = d->item[src];
			}
	d->done++;
	return 1;
}

/*
 * The next label, which must fit the int4 label column.
 *
 * The label is decoded here as an exact integer, not through
 * hack_npy_elem: a double cannot hold every int64 or uint64, so a range
 * check on it would be off by a rounding near the limits, and converting a
 * uint64 above INT64_MAX to int64 is not defined.
 */
int
dataset_next_label(Dataset *d, int32_t *label, char *err)
{
	int			size = d->npy.elem_size;
	uint64_t	u = 0;
	int64_t		v;

	if (d->done >= d->count)
		return fail(err, "%s: no more labels", d->path);
	if (!read_exact(d, d->item, d->item_bytes, err))
		return 0;
	for (int k = 0; k < size; k++)
		u |= (uint64_t) d->item[d->npy.big_endian ? size - 1 - k : k] << (8 * k);
	switch (d->npy.type)
	{
		case HACK_NPY_I1:
			v = (int8_t) u;
			break;
		case HACK_NPY_I2:
			v = (int16_t) u;
			break;
		case HACK_NPY_I4:
			v = (int32_t) u;
			break;
		case HACK_NPY_I8:
			v = (int64_t) u;
			break;
		case HACK_NPY_U1:
		case HACK_NPY_U2:
		case HACK_NPY_U4:
		case HACK_NPY_U8:
			/* compared as uint64, so values above INT64_MAX are caught too */
			if (u > INT32_MAX)
				return fail(err, "%s: label at index %lld is %" PRIu64 ", outside the "
							"int32 range (-2147483648 to 2147483647) of the label column",
							d->path, (long long) d->done, u);
			v = (int64_t) u;
			break;
		default:
			/* float dtypes are refused by dataset_open_labels */
			return fail(err, "%s: labels must be integers", d->path);
	}
	if (v < INT32_MIN || v > INT32_MAX)
		return fail(err, "%s: label at index %lld is %" PRId64 ", outside the "
					"int32 range (-2147483648 to 2147483647) of the label column",
					d->path, (long long) d->done, v);
	*label = (int32_t) v;
	d->done++;
	return 1;
}

/* After the last item: the file must end there. */
int
dataset_finish(Dataset *d, char *err)
{
	uint8_t		extra;

	if (gzread(d->f, &extra, 1) != 0)
		return fail(err, "%s has data after its %lld items", d->path, (long long) d->count);
	return 1;
}

void
dataset_close(Dataset *d)
{
	if (d->f)
		gzclose(d->f);
	free(d->item);
	d->f = NULL;
	d->item = NULL;
}
