/*
 * image_png_decode.c
 *	  Decode a PNG held in memory to 8-bit grey, grey + alpha, RGB or RGBA
 *	  rows, with libpng.
 *
 * Every PNG colour type and bit depth is read: palettes become RGB (RGBA
 * when a tRNS chunk gives transparency), grey of 1, 2 or 4 bits is scaled
 * to 0..255 (libpng replicates the bits, as Pillow does), a tRNS colour
 * key becomes an alpha channel, 16-bit samples keep their high byte (as
 * Pillow's RGB;16B unpacker), interlaced images are de-interlaced.  gAMA,
 * cHRM and iCCP are ignored, as Pillow ignores them.
 *
 * The size in IHDR is checked against max_pixels before any pixel memory
 * is allocated.  libpng reports errors by longjmp to the setjmp below,
 * which stays inside hack_png_decode: callers only see a status.  Chunk
 * CRC errors in critical chunks, truncation and bad zlib data are errors;
 * libpng's warnings (bad ancillary chunks, which it drops) are ignored.
 * Nothing after the image data is read, so a file cut inside its final
 * IEND chunk still decodes: its pixels are all there.
 */
#include "image_png_decode.h"


#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The bytes being read and libpng's last error message. */
typedef struct PngSource
{
	const uint8_t *data;
	size_t		len;
	size_t		pos;
	char		message[HACK_MSG_LEN];
} PngSource;

/* Does the blob start with the 8-byte PNG signature? */
int
hack_is_png(const uint8_t *data, size_t len)
{
	return len >= 8 && png_sig_cmp((png_const_bytep) data, 0, 8) == 0;
}

static void
png_source_read(png_structp p, png_bytep out, png_size_t n)
{
	PngSource  *s = (PngSource *) png_get_io_ptr(p);

	if (n > s->len - s->pos)
		png_error(p, "the file ends early (truncated)");
	memcpy(out, s->data + s->pos, n);
	s->pos += n;
}

static void
png_source_error(png_structp p, png_const_charp msg)
{
	PngSource  *s = (PngSource *) png_get_error_ptr(p);

	snprintf(s->message, sizeof(s->message), "libpng: %s.", msg);
	png_longjmp(p, 1);
}

static void
png_source_warning(png_structp p, png_const_charp msg)
{
	(void) p;
	(void) msg;
}

/* Decode a PNG into out (pixels malloc'd; out is zeroed on failure). */
HackStatus
hack_png_decode(const uint8_t *data, size_t len, int64_t max_pixels,
				HackRaster *out, HackError *err)
{
	PngSource	src;
	png_structp p;
	png_infop	info = NULL;
	uint8_t    *volatile pixels = NULL;
	png_bytep  *volatile rows = NULL;
	png_uint_32 width,
				height;
	int			depth,
				color,
				interlace,
				channels;
	size_t		rowbytes;
	HackStatus	st;

	memset(out, 0, sizeof(*out));
	if (!hack_is_png(data, len))
		return hack_error_set(err, HACK_ERR_BINARY,
							  "The blob does not start with the PNG signature.",
							  "corrupt PNG image");
	memset(&src, 0, sizeof(src));
	src.data = data;
	src.len = len;
	p = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, png_source_error,
							   png_source_warning);
	if (p == NULL)
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL, "could not start a PNG decoder");
	info = png_create_info_struct(p);
	if (info == NULL)
	{
		png_destroy_read_struct(&p, NULL, NULL);
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL, "could not start a PNG decoder");
	}
	if (setjmp(png_jmpbuf(p)))
	{
		png_destroy_read_struct(&p, &info, NULL);
		free(pixels);
		free(rows);
		return hack_error_set(err, HACK_ERR_BINARY, src.message[0] ? src.message : NULL,
							  "corrupt PNG image");
	}
	png_set_read_fn(p, &src, png_source_read);
	/*
	 * Skip every ancillary chunk but tRNS, the one that changes the pixels
	 * (gamma, colour profiles, text, palettes suggested: none is applied).
	 * libpng allocates a chunk it handles at its declared length before
	 * reading it, and Debian's build sets no cap on that: a 200-byte file
	 * declaring a 1.9 GB sPLT made it allocate 1.9 GB (found by fuzz_png).
	 * A skipped chunk is read past in small pieces.
	 */
	png_set_keep_unknown_chunks(p, PNG_HANDLE_CHUNK_NEVER, NULL, -1);
	png_set_keep_unknown_chunks(p, PNG_HANDLE_CHUNK_AS_DEFAULT, (png_const_bytep) "tRNS", 1);
	png_read_info(p, info);
	png_get_IHDR(p, info, &width, &height, &depth, &color, &interlace, NULL, NULL);
	st = hack_pixel_limit_check("PNG", width, height, max_pixels, err);
	if (st != HACK_OK)
	{
		png_destroy_read_struct(&p, &info, NULL);
		return st;
	}
	png_set_expand(p);			/* palette to RGB, grey to 8 bits, tRNS to alpha */
	png_set_packing(p);
	png_set_strip_16(p);
	(void) png_set_interlace_handling(p);
	png_read_update_info(p, info);
	channels = png_get_channels(p, info);
	rowbytes = png_get_rowbytes(p, info);
	if (png_get_bit_depth(p, info) != 8 || channels < 1 || channels > 4 ||
		rowbytes != (size_t) width * channels)
		png_error(p, "unexpected layout after transformations");
	pixels = malloc(rowbytes * height);
	rows = malloc(sizeof(png_bytep) * height);
	if (pixels == NULL || rows == NULL)
	{
		png_destroy_read_struct(&p, &info, NULL);
		free(pixels);
		free(rows);
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL,
							  "out of memory decoding a %u x %u PNG", width, height);
	}
	for (png_uint_32 y = 0; y < height; y++)
		rows[y] = pixels + (size_t) y * rowbytes;
	png_read_image(p, rows);
	png_destroy_read_struct(&p, &info, NULL);
	free(rows);
	out->width = (int) width;
	out->height = (int) height;
	out->channels = channels;
	out->pixels = pixels;
	return HACK_OK;
}
