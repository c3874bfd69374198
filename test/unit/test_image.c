/*
 * test_image.c
 *	  PNG and JPEG decoding, colour conversion and resizing (src/core:
 *	  image_png_decode.c, image_jpeg.c, image_convert.c, image_resize.c and
 *	  the dispatcher in tensor.c).  Test images are written here with
 *	  libpng and libjpeg; test/t/018_image_pillow.pl compares with Pillow.
 */
#include "unit.h"

#include <setjmp.h>
#include <string.h>

#include <png.h>
#include <jpeglib.h>

#include "image_convert.h"
#include "image_jpeg.h"
#include "image_png_decode.h"
#include "image_resize.h"
#include "tensor.h"

#define MAXPX HACK_IMAGE_DEFAULT_MAX_PIXELS

/* A growing memory buffer for the encoders. */
typedef struct Buf
{
	uint8_t    *data;
	size_t		len;
	size_t		cap;
} Buf;

static void
buf_put(Buf *b, const uint8_t *d, size_t n)
{
	if (b->len + n > b->cap)
	{
		b->cap = (b->len + n) * 2;
		b->data = realloc(b->data, b->cap);
	}
	memcpy(b->data + b->len, d, n);
	b->len += n;
}

static void
png_write_buf(png_structp p, png_bytep d, png_size_t n)
{
	buf_put((Buf *) png_get_io_ptr(p), d, n);
}

static void
png_flush_buf(png_structp p)
{
	(void) p;
}

/*
 * A PNG of w x h pixels of colour type color and bit depth depth from
 * samples (one byte per sample below 16 bits, big-endian pairs at 16),
 * optionally Adam7-interlaced, with a palette and a tRNS chunk.
 */
static Buf
make_png(int w, int h, int color, int depth, const uint8_t *samples,
		 int interlace, const png_color *palette, int npal,
		 const uint8_t *trns, int ntrns, const png_color_16 *key)
{
	Buf			b = {NULL, 0, 0};
	png_structp p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop	info = png_create_info_struct(p);
	int			spp = color == 0 ? 1 : color == 2 ? 3 : color == 3 ? 1 : color == 4 ? 2 : 4;
	size_t		rowbytes = (size_t) w * spp * (depth == 16 ? 2 : 1);
	int			passes;

	if (setjmp(png_jmpbuf(p)))
		abort();
	png_set_write_fn(p, &b, png_write_buf, png_flush_buf);
	png_set_IHDR(p, info, w, h, depth, color,
				 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
				 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (palette)
		png_set_PLTE(p, info, palette, npal);
	if (trns || key)
		png_set_tRNS(p, info, trns, ntrns, key);
	png_write_info(p, info);
	if (depth < 8)
		png_set_packing(p);
	passes = png_set_interlace_handling(p);
	for (int pass = 0; pass < passes; pass++)
		for (int y = 0; y < h; y++)
			png_write_row(p, samples + (size_t) y * rowbytes);
	png_write_end(p, NULL);
	png_destroy_write_struct(&p, &info);
	return b;
}

/* A JPEG of w x h pixels of components 1 (grey), 3 (RGB) or 4 (CMYK). */
static Buf
make_jpeg(int w, int h, int components, const uint8_t *pixels, int progressive)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr jerr;
	unsigned char *mem = NULL;
	unsigned long memlen = 0;
	Buf			b = {NULL, 0, 0};

	c.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &mem, &memlen);
	c.image_width = w;
	c.image_height = h;
	c.input_components = components;
	c.in_color_space = components == 1 ? JCS_GRAYSCALE : components == 3 ? JCS_RGB : JCS_CMYK;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 95, TRUE);
	if (progressive)
		jpeg_simple_progression(&c);
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height)
	{
		JSAMPROW	row = (JSAMPROW) (pixels + (size_t) c.next_scanline * w * components);

		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	buf_put(&b, mem, memlen);
	free(mem);
	return b;
}

/* Decode blob as channels x h x w (auto) into out; the status. */
static HackStatus
decode(const Buf *b, int channels, int h, int w, float *out, HackError *err)
{
	HackImageShape shape = {channels, h, w};

	return hack_image_decode(b->data, b->len, HACK_IMAGE_AUTO, &shape, MAXPX, out, err);
}

static void
test_png_grey_depths(void)
{
	uint8_t		s[16];
	uint8_t		s16[32];
	float		out[16];
	HackError	err;

	for (int depth = 1; depth <= 8; depth *= 2)
	{
		int			top = (1 << depth) - 1;
		Buf			b;

		for (int i = 0; i < 15; i++)
			s[i] = (uint8_t) (i % (top + 1));
		b = make_png(5, 3, 0, depth, s, 0, NULL, 0, NULL, 0, NULL);
		CHECK(decode(&b, 1, 3, 5, out, &err) == HACK_OK);
		/* libpng and Pillow scale v to v * 255 / top exactly */
		for (int i = 0; i < 15; i++)
			CHECK(out[i] == (float) (s[i] * 255 / top));
		free(b.data);
	}
	/* 16-bit keeps the high byte */
	for (int i = 0; i < 15; i++)
	{
		s16[2 * i] = (uint8_t) (i * 17);
		s16[2 * i + 1] = 0xFF;
	}
	{
		Buf			b = make_png(5, 3, 0, 16, s16, 0, NULL, 0, NULL, 0, NULL);

		CHECK(decode(&b, 1, 3, 5, out, &err) == HACK_OK);
		for (int i = 0; i < 15; i++)
			CHECK(out[i] == (float) (i * 17));
		/* grey to 3 channels repeats the value */
		{
			float		o3[45];

			CHECK(decode(&b, 3, 3, 5, o3, &err) == HACK_OK);
			for (int i = 0; i < 15; i++)
				CHECK(o3[i] == out[i] && o3[15 + i] == out[i] && o3[30 + i] == out[i]);
		}
		free(b.data);
	}
}

static void
test_png_colour_alpha_palette(void)
{
	/* 2 x 2 RGBA: opaque red, transparent green, half blue, opaque white */
	uint8_t		rgba[16] = {255, 0, 0, 255, 0, 255, 0, 0, 0, 0, 255, 128, 255, 255, 255, 255};
	png_color	pal[3] = {{255, 0, 0}, {0, 0, 0}, {10, 20, 30}};
	uint8_t		trns[2] = {255, 0};
	uint8_t		idx[4] = {0, 1, 2, 1};
	float		out[12];
	HackError	err;
	Buf			b = make_png(2, 2, 6, 8, rgba, 0, NULL, 0, NULL, 0, NULL);

	CHECK(decode(&b, 3, 2, 2, out, &err) == HACK_OK);
	/* CHW: R plane, G plane, B plane */
	CHECK(out[0] == 255 && out[4] == 0 && out[8] == 0);	/* red */
	CHECK(out[1] == 255 && out[5] == 255 && out[9] == 255);	/* transparent: white */
	CHECK(out[2] == hack_composite(0, 128) && out[10] == 255);	/* half blue */
	CHECK(out[2] == 127);
	CHECK(decode(&b, 1, 2, 2, out, &err) == HACK_OK);
	CHECK(out[0] == hack_luma(255, 0, 0) && out[0] == 76);
	CHECK(out[1] == 255 && out[3] == 255);
	free(b.data);

	/* palette with tRNS: index 1 transparent, index 2 without an entry is opaque */
	b = make_png(2, 2, 3, 2, idx, 0, pal, 3, trns, 2, NULL);
	CHECK(decode(&b, 3, 2, 2, out, &err) == HACK_OK);
	CHECK(out[0] == 255 && out[4] == 0 && out[8] == 0);
	CHECK(out[1] == 255 && out[5] == 255 && out[9] == 255);
	CHECK(out[2] == 10 && out[6] == 20 && out[10] == 30);
	free(b.data);

	/* grey + alpha at 16 bits */
	{
		uint8_t		ga[8] = {0x40, 0x11, 0xFF, 0xFF, 0x40, 0x00, 0x00, 0x00};
		png_color_16 key = {0, 0, 0, 0, 0x40};

		b = make_png(2, 1, 4, 16, ga, 0, NULL, 0, NULL, 0, NULL);
		CHECK(decode(&b, 1, 1, 2, out, &err) == HACK_OK);
		CHECK(out[0] == 0x40 && out[1] == 255);
		free(b.data);
		/* an 8-bit grey colour key: pixels equal to it become white */
		ga[0] = 0x40;
		ga[1] = 0x41;
		b = make_png(2, 1, 0, 8, ga, 0, NULL, 0, NULL, 0, &key);
		CHECK(decode(&b, 1, 1, 2, out, &err) == HACK_OK);
		CHECK(out[0] == 255 && out[1] == 0x41);
		free(b.data);
	}
}

static void
test_png_interlaced_odd_sizes(void)
{
	int			sizes[][2] = {{1, 1}, {13, 7}, {3, 11}, {9, 9}};

	for (size_t k = 0; k < lengthof(sizes); k++)
	{
		int			w = sizes[k][0],
					h = sizes[k][1];
		uint8_t    *s = malloc((size_t) w * h * 6);
		float	   *a = malloc(sizeof(float) * w * h * 3);
		float	   *c = malloc(sizeof(float) * w * h * 3);
		HackError	err;
		Buf			plain,
					inter;

		for (int i = 0; i < w * h * 6; i++)
			s[i] = (uint8_t) (i * 37 + 11);
		plain = make_png(w, h, 2, 16, s, 0, NULL, 0, NULL, 0, NULL);
		inter = make_png(w, h, 2, 16, s, 1, NULL, 0, NULL, 0, NULL);
		CHECK(decode(&plain, 3, h, w, a, &err) == HACK_OK);
		CHECK(decode(&inter, 3, h, w, c, &err) == HACK_OK);
		CHECK(memcmp(a, c, sizeof(float) * w * h * 3) == 0);
		/* pixel (0, 0) is the high bytes of the first three samples */
		CHECK(a[0] == s[0] && a[w * h] == s[2] && a[2 * w * h] == s[4]);
		free(plain.data);
		free(inter.data);
		free(s);
		free(a);
		free(c);
	}
}

static void
test_jpeg_kinds(void)
{
	enum
	{
		W = 16, H = 8
	};
	uint8_t		rgb[W * H * 3],
				grey[W * H],
				cmyk[W * H * 4];
	float		a[W * H * 3],
				p[W * H * 3];
	HackError	err;
	Buf			base,
				prog;

	for (int i = 0; i < W * H; i++)
	{
		rgb[3 * i] = 200;
		rgb[3 * i + 1] = 100;
		rgb[3 * i + 2] = 50;
		grey[i] = 90;
		/* Adobe polarity: 255 is no ink; cyan ink only */
		cmyk[4 * i] = 0;
		cmyk[4 * i + 1] = cmyk[4 * i + 2] = cmyk[4 * i + 3] = 255;
	}
	/* baseline and progressive code the same coefficients: the same pixels */
	base = make_jpeg(W, H, 3, rgb, 0);
	prog = make_jpeg(W, H, 3, rgb, 1);
	CHECK(hack_is_jpeg(base.data, base.len));
	CHECK(decode(&base, 3, H, W, a, &err) == HACK_OK);
	CHECK(decode(&prog, 3, H, W, p, &err) == HACK_OK);
	CHECK(memcmp(a, p, sizeof(a)) == 0);
	CHECK(fabs(a[0] - 200) <= 3 && fabs(a[W * H] - 100) <= 3 && fabs(a[2 * W * H] - 50) <= 3);
	free(base.data);
	free(prog.data);

	base = make_jpeg(W, H, 1, grey, 0);
	CHECK(decode(&base, 1, H, W, a, &err) == HACK_OK);
	CHECK(fabs(a[5] - 90) <= 1);
	CHECK(decode(&base, 3, H, W, p, &err) == HACK_OK);
	CHECK(p[5] == a[5] && p[W * H + 5] == a[5] && p[2 * W * H + 5] == a[5]);
	free(base.data);

	/* CMYK, inverted: cyan */
	base = make_jpeg(W, H, 4, cmyk, 0);
	CHECK(decode(&base, 3, H, W, a, &err) == HACK_OK);
	CHECK(a[3] <= 2 && a[W * H + 3] >= 253 && a[2 * W * H + 3] >= 253);
	free(base.data);
	{
		uint8_t		px[4] = {255 - 100, 255 - 50, 255 - 0, 255 - 40},
					o[3];

		hack_cmyk_to_rgb(px, 1, 1, o);
		/* nk = 215: R = 215 - round(100 * 215 / 255) = 215 - 84 */
		CHECK(o[0] == 131 && o[1] == 215 - 42 && o[2] == 215);
	}
}

static void
test_resize_rules(void)
{
	uint8_t		in4[4] = {0, 0, 255, 255},
				in2[2] = {0, 255},
				out[64];
	uint8_t		one[3] = {10, 20, 30};
	HackError	err;

	/* shrinking antialiases (Pillow: [36, 219]); growing interpolates */
	CHECK(hack_resize_bilinear(in4, 4, 1, 1, out, 2, 1, &err) == HACK_OK);
	CHECK(out[0] == 36 && out[1] == 219);
	CHECK(hack_resize_bilinear(in2, 2, 1, 1, out, 4, 1, &err) == HACK_OK);
	CHECK(out[0] == 0 && out[1] == 64 && out[2] == 191 && out[3] == 255);
	/* the same along columns */
	CHECK(hack_resize_bilinear(in4, 1, 4, 1, out, 1, 2, &err) == HACK_OK);
	CHECK(out[0] == 36 && out[1] == 219);
	/* 1 x 1 up to 5 x 3, RGB: every pixel the one colour */
	CHECK(hack_resize_bilinear(one, 1, 1, 3, out, 5, 3, &err) == HACK_OK);
	for (int i = 0; i < 15; i++)
		CHECK(out[3 * i] == 10 && out[3 * i + 1] == 20 && out[3 * i + 2] == 30);
	/* down to 1 x 1 averages */
	CHECK(hack_resize_bilinear(in4, 2, 2, 1, out, 1, 1, &err) == HACK_OK);
	CHECK(out[0] == 128);
	/* a PNG stretched by the dispatcher: 2 x 1 -> 4 x 3 */
	{
		Buf			b = make_png(2, 1, 0, 8, in2, 0, NULL, 0, NULL, 0, NULL);
		float		f[12];

		CHECK(decode(&b, 1, 3, 4, f, &err) == HACK_OK);
		for (int y = 0; y < 3; y++)
			CHECK(f[4 * y] == 0 && f[4 * y + 1] == 64 && f[4 * y + 2] == 191 && f[4 * y + 3] == 255);
		free(b.data);
	}
}

static void
test_limits_and_bad_input(void)
{
	uint8_t    *s = calloc(100 * 100 * 3, 1);
	HackImageShape shape = {1, 4, 4};
	float		out[16];
	HackError	err;
	Buf			p = make_png(100, 100, 0, 8, s, 0, NULL, 0, NULL, 0, NULL);
	Buf			j = make_jpeg(100, 100, 3, s, 1);
	static const uint8_t soi_eoi[] = {0xFF, 0xD8, 0xFF, 0xD9};

	/* the pixel limit, from the header */
	CHECK(hack_image_decode(p.data, p.len, HACK_IMAGE_PNG, &shape, 9999, out, &err) == HACK_ERR_LIMIT);
	CHECK(strstr(err.message, "100 x 100 pixels (10000)") != NULL);
	CHECK(hack_image_decode(p.data, p.len, HACK_IMAGE_PNG, &shape, 10000, out, &err) == HACK_OK);
	CHECK(hack_image_decode(j.data, j.len, HACK_IMAGE_JPEG, &shape, 9999, out, &err) == HACK_ERR_LIMIT);
	CHECK(hack_image_decode(j.data, j.len, HACK_IMAGE_JPEG, &shape, 10000, out, &err) == HACK_OK);
	/*
	 * every truncation is an error, never a crash; but for the 12-byte IEND
	 * chunk, which is not read: the pixels are complete without it
	 */
	for (size_t n = 0; n < p.len; n++)
		CHECK(hack_image_decode(p.data, n, HACK_IMAGE_PNG, &shape, MAXPX, out, &err) ==
			  (n < p.len - 12 ? HACK_ERR_BINARY : HACK_OK));
	for (size_t n = 0; n < j.len; n += (n < 64 ? 1 : 13))
		CHECK(hack_image_decode(j.data, n, HACK_IMAGE_JPEG, &shape, MAXPX, out, &err) == HACK_ERR_BINARY);
	/* a bad IHDR CRC */
	p.data[29] ^= 1;
	CHECK(hack_image_decode(p.data, p.len, HACK_IMAGE_PNG, &shape, MAXPX, out, &err) == HACK_ERR_BINARY);
	CHECK(strstr(err.detail, "CRC") != NULL);
	/* no frame header */
	CHECK(hack_image_decode(soi_eoi, 4, HACK_IMAGE_JPEG, &shape, MAXPX, out, &err) == HACK_ERR_BINARY);
	/* wrong magic under a named format */
	CHECK(hack_image_decode(soi_eoi, 4, HACK_IMAGE_PNG, &shape, MAXPX, out, &err) == HACK_ERR_BINARY);
	CHECK(hack_image_decode(p.data, p.len, HACK_IMAGE_JPEG, &shape, MAXPX, out, &err) == HACK_ERR_BINARY);
	/* PNG and JPEG give 1 or 3 channels */
	shape.channels = 2;
	CHECK(hack_image_decode(j.data, j.len, HACK_IMAGE_JPEG, &shape, MAXPX, out, &err) == HACK_ERR_PARAMETER);
	/* detection */
	shape.channels = 1;
	CHECK(hack_image_detect(j.data, j.len, &shape) == HACK_IMAGE_JPEG);
	CHECK(hack_image_detect(soi_eoi, 2, &shape) == HACK_IMAGE_U8);
	p.data[29] ^= 1;
	CHECK(hack_image_detect(p.data, p.len, &shape) == HACK_IMAGE_PNG);
	CHECK(hack_image_detect(p.data, 7, &shape) == HACK_IMAGE_U8);
	free(p.data);
	free(j.data);
	free(s);
}

static void
test_to_u8(void)
{
	float		x[6] = {-3.0f, 0.4f, 0.5f, 127.6f, 254.5f, 1e9f};
	uint8_t		o[6];

	hack_image_to_u8(x, 6, o);
	CHECK(o[0] == 0 && o[1] == 0 && o[2] == 0 && o[3] == 128 && o[4] == 254 && o[5] == 255);
	x[0] = NAN;
	hack_image_to_u8(x, 1, o);
	CHECK(o[0] == 0);
}

void		suite_image(void);

void
suite_image(void)
{
	RUN(test_png_grey_depths);
	RUN(test_png_colour_alpha_palette);
	RUN(test_png_interlaced_odd_sizes);
	RUN(test_jpeg_kinds);
	RUN(test_resize_rules);
	RUN(test_limits_and_bad_input);
	RUN(test_to_u8);
}
