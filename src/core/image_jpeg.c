/*
 * image_jpeg.c
 *	  Decode a JPEG held in memory to 8-bit grey or RGB rows, with
 *	  libjpeg-turbo, as Pillow's JPEG plugin does.
 *
 * Baseline, extended and progressive JPEGs (whatever libjpeg reads) decode
 * with libjpeg's defaults (islow IDCT, fancy upsampling), Pillow's
 * defaults too.  Greyscale stays grey; YCbCr and RGB come out as RGB;
 * CMYK and YCCK come out as CMYK, which is taken to be in Adobe's inverted
 * polarity (Pillow: "always use Adobe polarity") and converted to RGB by
 * Pillow's formula (image_convert.c).
 *
 * The size in the frame header is checked against max_pixels before
 * jpeg_start_decompress allocates anything for the image.  libjpeg
 * reports errors through error_exit, which longjmps to the setjmp in
 * hack_jpeg_decode and never leaves it.  Its warnings mean corrupt data
 * (a premature end, a bad Huffman code, a lost marker), so each one
 * rejects the image, but for extraneous bytes before a marker, which
 * cameras write and decoders ignore.  A progressive file of more than
 * HACK_JPEG_MAX_SCANS scans is refused, since each scan costs a pass over
 * the whole image (a known denial of service).
 */
#include "image_jpeg.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

/* libjpeg's error manager, the jump back and the message. */
typedef struct JpegFail
{
	struct jpeg_error_mgr pub;
	jmp_buf		jump;
	char		message[JMSG_LENGTH_MAX + 16];
} JpegFail;

/* Does the blob start with a JPEG SOI marker followed by another marker? */
int
hack_is_jpeg(const uint8_t *data, size_t len)
{
	return len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;
}

static void
jpeg_fail_exit(j_common_ptr c)
{
	JpegFail   *f = (JpegFail *) c->err;
	char		buf[JMSG_LENGTH_MAX];

	(*c->err->format_message) (c, buf);
	snprintf(f->message, sizeof(f->message), "libjpeg: %s.", buf);
	longjmp(f->jump, 1);
}

static void
jpeg_fail_message(j_common_ptr c, int level)
{
	if (level < 0 && c->err->msg_code != JWRN_EXTRANEOUS_DATA)
		jpeg_fail_exit(c);
}

static void
jpeg_scan_limit(j_common_ptr c)
{
	j_decompress_ptr d = (j_decompress_ptr) c;

	if (d->input_scan_number > HACK_JPEG_MAX_SCANS)
	{
		JpegFail   *f = (JpegFail *) c->err;

		snprintf(f->message, sizeof(f->message),
				 "The file has more than %d progressive scans.", HACK_JPEG_MAX_SCANS);
		longjmp(f->jump, 1);
	}
}

/* Decode a JPEG into out (pixels malloc'd; out is zeroed on failure). */
HackStatus
hack_jpeg_decode(const uint8_t *data, size_t len, int64_t max_pixels,
				 HackRaster *out, HackError *err)
{
	struct jpeg_decompress_struct cinfo;
	struct jpeg_progress_mgr progress;
	JpegFail	fail;
	uint8_t    *volatile pixels = NULL;
	uint8_t    *volatile cmyk = NULL;
	int			cmyk_in,
				channels;
	size_t		stride;
	HackStatus	st;

	memset(out, 0, sizeof(*out));
	if (!hack_is_jpeg(data, len))
		return hack_error_set(err, HACK_ERR_BINARY,
							  "The blob does not start with a JPEG SOI marker.",
							  "corrupt JPEG image");
	memset(&fail, 0, sizeof(fail));
	cinfo.err = jpeg_std_error(&fail.pub);
	fail.pub.error_exit = jpeg_fail_exit;
	fail.pub.emit_message = jpeg_fail_message;
	if (setjmp(fail.jump))
	{
		jpeg_destroy_decompress(&cinfo);
		free(pixels);
		free(cmyk);
		return hack_error_set(err, HACK_ERR_BINARY, fail.message[0] ? fail.message : NULL,
							  "corrupt JPEG image");
	}
	jpeg_create_decompress(&cinfo);
	progress.progress_monitor = jpeg_scan_limit;
	cinfo.progress = &progress;
	jpeg_mem_src(&cinfo, (const unsigned char *) data, (unsigned long) len);
	(void) jpeg_read_header(&cinfo, TRUE);
	st = hack_pixel_limit_check("JPEG", cinfo.image_width, cinfo.image_height,
								max_pixels, err);
	if (st != HACK_OK)
	{
		jpeg_destroy_decompress(&cinfo);
		return st;
	}
	cmyk_in = (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK);
	if (cinfo.jpeg_color_space == JCS_GRAYSCALE)
		cinfo.out_color_space = JCS_GRAYSCALE;
	else if (cmyk_in)
		cinfo.out_color_space = JCS_CMYK;
	else
		cinfo.out_color_space = JCS_RGB;
	(void) jpeg_start_decompress(&cinfo);
	channels = cmyk_in ? 3 : cinfo.output_components;
	if (cinfo.output_components != (cmyk_in ? 4 : cinfo.out_color_space == JCS_RGB ? 3 : 1))
		ERREXIT(&cinfo, JERR_CONVERSION_NOTIMPL);
	stride = (size_t) cinfo.output_width * channels;
	pixels = malloc(stride * cinfo.output_height > 0 ? stride * cinfo.output_height : 1);
	if (cmyk_in)
		cmyk = malloc((size_t) cinfo.output_width * 4);
	if (pixels == NULL || (cmyk_in && cmyk == NULL))
		ERREXIT1(&cinfo, JERR_OUT_OF_MEMORY, 0);
	while (cinfo.output_scanline < cinfo.output_height)
	{
		uint8_t    *row = pixels + stride * cinfo.output_scanline;
		JSAMPROW	r = cmyk_in ? cmyk : row;

		if (jpeg_read_scanlines(&cinfo, &r, 1) != 1)
			ERREXIT(&cinfo, JERR_INPUT_EOF);
		if (cmyk_in)
			hack_cmyk_to_rgb(cmyk, (int) cinfo.output_width, 1, row);
	}
	out->width = (int) cinfo.output_width;
	out->height = (int) cinfo.output_height;
	out->channels = channels;
	/* the rest of the file (after the last scan) is not needed */
	jpeg_abort_decompress(&cinfo);
	jpeg_destroy_decompress(&cinfo);
	free(cmyk);
	out->pixels = pixels;
	return HACK_OK;
}
