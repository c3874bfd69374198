/*
 * png.c
 *	  RGB buffers to PNG bytes with libpng, in memory.
 *
 * libpng reports errors by longjmp to the setjmp below, which stays inside
 * this function: callers only see a status.
 */
#include "plot.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

typedef struct PngBuf
{
	uint8_t    *data;
	size_t		len;
	size_t		cap;
	int			failed;
} PngBuf;

static void
png_buf_write(png_structp png, png_bytep data, png_size_t n)
{
	PngBuf	   *b = (PngBuf *) png_get_io_ptr(png);

	if (b->failed)
		return;
	if (b->len + n > b->cap)
	{
		size_t		cap = (b->len + n) * 2;
		uint8_t    *d = realloc(b->data, cap);

		if (d == NULL)
		{
			b->failed = 1;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, n);
	b->len += n;
}

static void
png_buf_flush(png_structp png)
{
	(void) png;
}

/*
 * Encode width x height RGB pixels as a PNG (malloc'd into *png).  Deflating
 * a 4096 x 4096 picture takes over a second, so progress (unless NULL) is
 * asked every 64 rows and may stop it.
 */
HackStatus
hack_png_encode(const uint8_t *rgb, int width, int height, uint8_t **png,
				size_t *png_len, HackProgressFn progress, void *arg,
				HackError *err)
{
	png_structp p;
	png_infop	info;
	PngBuf		buf = {NULL, 0, 0, 0};

	*png = NULL;
	*png_len = 0;
	p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (p == NULL)
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL, "could not start a PNG");
	info = png_create_info_struct(p);
	if (info == NULL || setjmp(png_jmpbuf(p)))
	{
		png_destroy_write_struct(&p, &info);
		free(buf.data);
		return hack_error_set(err, HACK_ERR_INTERNAL, NULL, "libpng failed to write the picture");
	}
	png_set_write_fn(p, &buf, png_buf_write, png_buf_flush);
	png_set_IHDR(p, info, (png_uint_32) width, (png_uint_32) height, 8, PNG_COLOR_TYPE_RGB,
				 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(p, info);
	for (int y = 0; y < height; y++)
	{
		if (progress != NULL && (y & 63) == 0 && !progress(arg, y, height))
		{
			png_destroy_write_struct(&p, &info);
			free(buf.data);
			return hack_error_set(err, HACK_ERR_INTERRUPTED, NULL, "interrupted");
		}
		png_write_row(p, (png_const_bytep) (rgb + (size_t) y * width * 3));
	}
	png_write_end(p, NULL);
	png_destroy_write_struct(&p, &info);
	if (buf.failed)
	{
		free(buf.data);
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL, "out of memory writing a PNG");
	}
	*png = buf.data;
	*png_len = buf.len;
	return HACK_OK;
}
