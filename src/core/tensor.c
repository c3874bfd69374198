/*
 * tensor.c
 *	  Image blobs to float32 CHW tensors: raw uint8, raw float32, .npy, PNG
 *	  and JPEG.  This file is the dispatcher: every way an image enters
 *	  (hack_train, hack_embed, hack_refresh, the trigger, hack_image_tensor)
 *	  calls hack_image_decode.
 *
 * Under 'auto' the magic decides: "\x93NUMPY" is .npy, the PNG signature
 * is PNG, FF D8 FF (SOI and a marker) is JPEG; anything else is raw,
 * float32 if it has 4*C*H*W bytes, else uint8.  So a raw uint8 image whose
 * first three bytes are 255, 216, 255 needs format 'u8'.
 *
 * The .npy format (numpy/lib/format.py): the magic "\x93NUMPY", a major
 * and minor version byte, the header length (uint16 little-endian for
 * version 1, uint32 for versions 2 and 3), then the header: a Python dict
 * literal {'descr': '<f4', 'fortran_order': False, 'shape': (28, 28), }
 * padded with spaces and a newline, then the raw data.  The dict is parsed
 * by a small hand-written scanner that accepts exactly the three keys, in
 * any order, once each.
 */
#include "tensor.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_convert.h"
#include "image_jpeg.h"
#include "image_png_decode.h"
#include "image_resize.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_MAX_HEADER (1 << 20)	/* numpy itself refuses headers this big */

/* Check the declared image shape of a column. */
HackStatus
hack_image_shape_check(const HackImageShape *shape, HackError *err)
{
	if (shape->channels < 1 || shape->channels > HACK_IMAGE_MAX_CHANNELS)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "channels must be between 1 and %d, got %d",
							  HACK_IMAGE_MAX_CHANNELS, shape->channels);
	if (shape->height < 1 || shape->height > HACK_IMAGE_MAX_SIDE ||
		shape->width < 1 || shape->width > HACK_IMAGE_MAX_SIDE)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "height and width must be between 1 and %d, got %d x %d",
							  HACK_IMAGE_MAX_SIDE, shape->height, shape->width);
	return HACK_OK;
}

/* Map a format name (auto, u8, f32, npy, png, jpeg) to its enum. */
HackStatus
hack_image_format_parse(const char *name, HackImageFormat *format,
						HackError *err)
{
	static const struct
	{
		const char *name;
		HackImageFormat format;
	}			names[] = {
		{"auto", HACK_IMAGE_AUTO}, {"u8", HACK_IMAGE_U8},
		{"f32", HACK_IMAGE_F32}, {"npy", HACK_IMAGE_NPY},
		{"png", HACK_IMAGE_PNG}, {"jpeg", HACK_IMAGE_JPEG},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i].name) == 0)
		{
			*format = names[i].format;
			return HACK_OK;
		}
	return hack_error_set(err, HACK_ERR_PARAMETER,
						  "Valid formats are auto, u8, f32, npy, png and jpeg.",
						  "unrecognized image format \"%.40s\"", name);
}

/* Does the blob start with the .npy magic? */
int
hack_is_npy(const uint8_t *data, size_t len)
{
	return len >= NPY_MAGIC_LEN && memcmp(data, NPY_MAGIC, NPY_MAGIC_LEN) == 0;
}

/* A cursor over the header text. */
typedef struct NpyScan
{
	const char *p;
	const char *end;
} NpyScan;

static void
npy_skip_space(NpyScan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* Consume character c (after whitespace) or fail. */
static int
npy_expect(NpyScan *s, char c)
{
	npy_skip_space(s);
	if (s->p < s->end && *s->p == c)
	{
		s->p++;
		return 1;
	}
	return 0;
}

/* A quoted Python string of at most cap-1 characters, into buf. */
static int
npy_string(NpyScan *s, char *buf, size_t cap)
{
	char		quote;
	size_t		n = 0;

	npy_skip_space(s);
	if (s->p >= s->end || (*s->p != '\'' && *s->p != '"'))
		return 0;
	quote = *s->p++;
	while (s->p < s->end && *s->p != quote)
	{
		if (n + 1 >= cap || *s->p == '\\')
			return 0;
		buf[n++] = *s->p++;
	}
	if (s->p >= s->end)
		return 0;
	s->p++;
	buf[n] = '\0';
	return 1;
}

/* The tuple of the 'shape' key: (), (n,), (a, b, ...) with an optional trailing comma. */
static int
npy_shape(NpyScan *s, HackNpyHeader *h)
{
	if (!npy_expect(s, '('))
		return 0;
	h->ndim = 0;
	for (;;)
	{
		int64_t		v = 0;
		int			digits = 0;

		npy_skip_space(s);
		if (s->p < s->end && *s->p == ')')
		{
			s->p++;
			return 1;
		}
		while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		{
			v = v * 10 + (*s->p++ - '0');
			if (++digits > 12)
				return 0;
		}
		if (s->p < s->end && *s->p == 'L')	/* Python 2 long */
			s->p++;
		if (digits == 0 || h->ndim >= HACK_NPY_MAX_DIMS)
			return 0;
		h->shape[h->ndim++] = v;
		npy_skip_space(s);
		if (s->p < s->end && *s->p == ',')
			s->p++;
		else if (!(s->p < s->end && *s->p == ')'))
			return 0;
	}
}

/* The 'descr' value: an unsigned or signed integer or a float, either byte order. */
static int
npy_descr(const char *d, HackNpyHeader *h)
{
	static const struct
	{
		const char *code;
		HackNpyType type;
		int			size;
	}			types[] = {
		{"u1", HACK_NPY_U1, 1}, {"i1", HACK_NPY_I1, 1}, {"u2", HACK_NPY_U2, 2},
		{"i2", HACK_NPY_I2, 2}, {"u4", HACK_NPY_U4, 4}, {"i4", HACK_NPY_I4, 4},
		{"u8", HACK_NPY_U8, 8}, {"i8", HACK_NPY_I8, 8}, {"f4", HACK_NPY_F4, 4},
		{"f8", HACK_NPY_F8, 8},
	};
	char		order = d[0];

	if (order != '<' && order != '>' && order != '|' && order != '=')
		return 0;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(d + 1, types[i].code) == 0 && (order != '|' || types[i].size == 1))
		{
			h->type = types[i].type;
			h->elem_size = types[i].size;
			h->big_endian = (order == '>');
			return 1;
		}
	return 0;
}

static HackStatus
npy_error(HackError *err, const char *detail)
{
	return hack_error_set(err, HACK_ERR_BINARY, detail, "corrupt .npy image blob");
}

/*
 * Parse an .npy preamble and header from the first `avail` bytes of a file
 * or blob; the data that follows is not looked at (see
 * hack_npy_parse_header for a whole blob).
 */
HackStatus
hack_npy_read_header(const uint8_t *data, size_t len, HackNpyHeader *h,
					 HackError *err)
{
	size_t		hlen,
				pre;
	NpyScan		s;
	int			seen_descr = 0,
				seen_order = 0,
				seen_shape = 0;

	memset(h, 0, sizeof(*h));
	if (!hack_is_npy(data, len))
		return npy_error(err, "The blob does not start with the .npy magic string.");
	if (len < 10)
		return npy_error(err, "The blob ends inside the .npy preamble.");
	if (data[6] == 1)
	{
		hlen = data[8] | (size_t) data[9] << 8;
		pre = 10;
	}
	else if (data[6] == 2 || data[6] == 3)
	{
		if (len < 12)
			return npy_error(err, "The blob ends inside the .npy preamble.");
		hlen = data[8] | (size_t) data[9] << 8 | (size_t) data[10] << 16 | (size_t) data[11] << 24;
		pre = 12;
	}
	else
		return npy_error(err, "Only .npy format versions 1, 2 and 3 are supported.");
	if (hlen > NPY_MAX_HEADER || hlen > len - pre)
		return npy_error(err, "The .npy header is longer than the blob.");
	s.p = (const char *) data + pre;
	s.end = s.p + hlen;
	if (!npy_expect(&s, '{'))
		return npy_error(err, "The .npy header is not a dictionary.");
	for (;;)
	{
		char		key[32],
					val[32];

		if (npy_expect(&s, '}'))
			break;
		if (!npy_string(&s, key, sizeof(key)) || !npy_expect(&s, ':'))
			return npy_error(err, "The .npy header dictionary is malformed.");
		if (strcmp(key, "descr") == 0 && !seen_descr++)
		{
			if (!npy_string(&s, val, sizeof(val)) || !npy_descr(val, h))
				return npy_error(err, "Only integer and float dtypes (u1 to i8, f4, f8) are supported.");
		}
		else if (strcmp(key, "fortran_order") == 0 && !seen_order++)
		{
			npy_skip_space(&s);
			if (s.end - s.p >= 5 && memcmp(s.p, "False", 5) == 0)
				s.p += 5;
			else if (s.end - s.p >= 4 && memcmp(s.p, "True", 4) == 0)
				return npy_error(err, "Fortran-ordered arrays are not supported; save the array in C order.");
			else
				return npy_error(err, "The .npy header has a malformed fortran_order.");
		}
		else if (strcmp(key, "shape") == 0 && !seen_shape++)
		{
			if (!npy_shape(&s, h))
				return npy_error(err, "The .npy header has a malformed shape.");
		}
		else
			return npy_error(err, "The .npy header has an unknown or repeated key.");
		if (npy_expect(&s, '}'))
			break;
		if (!npy_expect(&s, ','))
			return npy_error(err, "The .npy header dictionary is malformed.");
	}
	if (!seen_descr || !seen_order || !seen_shape)
		return npy_error(err, "The .npy header lacks descr, fortran_order or shape.");
	npy_skip_space(&s);
	if (s.p != s.end)
		return npy_error(err, "The .npy header has junk after the dictionary.");
	h->data_offset = pre + hlen;
	h->count = 1;
	for (int i = 0; i < h->ndim; i++)
	{
		if (h->shape[i] != 0 && h->count > (INT64_C(1) << 56) / h->shape[i])
			return npy_error(err, "The .npy shape is too large.");
		h->count *= h->shape[i];
	}
	return HACK_OK;
}

/* Parse and check an .npy blob's header; the data must fill the rest of the blob exactly. */
HackStatus
hack_npy_parse_header(const uint8_t *data, size_t len, HackNpyHeader *h,
					  HackError *err)
{
	HackStatus	st = hack_npy_read_header(data, len, h, err);

	if (st != HACK_OK)
		return st;
	if ((uint64_t) h->count > (len - h->data_offset) / h->elem_size ||
		(size_t) h->count * h->elem_size != len - h->data_offset)
		return npy_error(err, "The .npy data length does not match its shape and dtype.");
	return HACK_OK;
}

/* Element i of .npy data (any supported dtype and byte order) as a double. */
double
hack_npy_elem(const uint8_t *d, int64_t i, const HackNpyHeader *h)
{
	int			size = h->elem_size;
	uint64_t	u = 0;

	for (int k = 0; k < size; k++)
		u |= (uint64_t) d[i * size + (h->big_endian ? size - 1 - k : k)] << (8 * k);
	switch (h->type)
	{
		case HACK_NPY_U1:
		case HACK_NPY_U2:
		case HACK_NPY_U4:
		case HACK_NPY_U8:
			return (double) u;
		case HACK_NPY_I1:
			return (double) (int8_t) u;
		case HACK_NPY_I2:
			return (double) (int16_t) u;
		case HACK_NPY_I4:
			return (double) (int32_t) u;
		case HACK_NPY_I8:
			return (double) (int64_t) u;
		case HACK_NPY_F4:
			{
				uint32_t	w = (uint32_t) u;
				float		f;

				memcpy(&f, &w, 4);
				return f;
			}
		case HACK_NPY_F8:
			{
				double		v;

				memcpy(&v, &u, 8);
				return v;
			}
	}
	return NAN;
}

/*
 * Copy count elements to out as float32, from CHW (hwc = 0) or HWC
 * (hwc = 1) order, rejecting values float32 cannot hold.
 */
static HackStatus
convert(const uint8_t *d, const HackNpyHeader *h, int hwc,
		const HackImageShape *shape, float *out, HackError *err)
{
	int			C = shape->channels,
				H = shape->height,
				W = shape->width;

	for (int c = 0; c < C; c++)
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++)
			{
				int64_t		src = hwc ? ((int64_t) y * W + x) * C + c
					: ((int64_t) c * H + y) * W + x;
				double		v = hack_npy_elem(d, src, h);

				if (!isfinite(v) || fabs(v) > FLT_MAX)
					return hack_error_set(err, HACK_ERR_OUT_OF_RANGE,
										  "Pixel values must be finite float32 numbers.",
										  "pixel %lld of the image is not a finite float32",
										  (long long) src);
				out[((int64_t) c * H + y) * W + x] = (float) v;
			}
	return HACK_OK;
}

/* Does the .npy shape, less leading 1s, equal dims[0..n-1]? */
static int
shape_is(const HackNpyHeader *h, const int64_t *dims, int n)
{
	int			lead = h->ndim - n;

	if (lead < 0)
		return 0;
	for (int i = 0; i < lead; i++)
		if (h->shape[i] != 1)
			return 0;
	for (int i = 0; i < n; i++)
		if (h->shape[lead + i] != dims[i])
			return 0;
	return 1;
}

/* Decode one .npy image, accepting (H, W) for one channel, (C, H, W) and (H, W, C). */
static HackStatus
decode_npy(const uint8_t *data, size_t len, const HackImageShape *shape,
		   float *out, HackError *err)
{
	HackNpyHeader h;
	HackStatus	st;
	int64_t		chw[3] = {shape->channels, shape->height, shape->width};
	int64_t		hwc[3] = {shape->height, shape->width, shape->channels};
	char		detail[HACK_MSG_LEN];
	int			n = 0;

	if ((st = hack_npy_parse_header(data, len, &h, err)) != HACK_OK)
		return st;
	if (h.type != HACK_NPY_U1 && h.type != HACK_NPY_F4 && h.type != HACK_NPY_F8)
		return npy_error(err, "Image .npy blobs must have dtype u1, f4 or f8.");
	if (shape_is(&h, chw, 3) || (shape->channels == 1 && shape_is(&h, chw + 1, 2)))
		return convert(data + h.data_offset, &h, 0, shape, out, err);
	if (shape_is(&h, hwc, 3))
		return convert(data + h.data_offset, &h, 1, shape, out, err);
	n += snprintf(detail, sizeof(detail), "The blob has shape (");
	for (int i = 0; i < h.ndim && n < (int) sizeof(detail) - 24; i++)
		n += snprintf(detail + n, sizeof(detail) - n, i ? ", %lld" : "%lld",
					  (long long) h.shape[i]);
	snprintf(detail + n, sizeof(detail) - n, ").");
	return hack_error_set(err, HACK_ERR_BINARY, detail,
						  ".npy image shape does not match %d x %d x %d (channels x height x width)",
						  shape->channels, shape->height, shape->width);
}

/* The format 'auto' picks for a blob: by magic, else raw by length. */
HackImageFormat
hack_image_detect(const uint8_t *data, size_t len, const HackImageShape *shape)
{
	size_t		n = (size_t) shape->channels * shape->height * shape->width;

	if (hack_is_npy(data, len))
		return HACK_IMAGE_NPY;
	if (hack_is_png(data, len))
		return HACK_IMAGE_PNG;
	if (hack_is_jpeg(data, len))
		return HACK_IMAGE_JPEG;
	return len == 4 * n ? HACK_IMAGE_F32 : HACK_IMAGE_U8;
}

/*
 * A PNG or JPEG: decode (refusing more than max_pixels), convert to the
 * shape's channels, stretch to its height x width, write CHW floats.
 */
static HackStatus
decode_picture(const uint8_t *data, size_t len, HackImageFormat format,
			   const HackImageShape *shape, int64_t max_pixels, float *out,
			   HackError *err)
{
	HackRaster	r;
	HackStatus	st;
	int			C = shape->channels,
				H = shape->height,
				W = shape->width;
	uint8_t    *px;

	if (C != 1 && C != 3)
		return hack_error_set(err, HACK_ERR_PARAMETER,
							  "PNG and JPEG images decode to 1 (grey) or 3 (RGB) channels.",
							  "a %s image cannot give %d channels",
							  format == HACK_IMAGE_PNG ? "PNG" : "JPEG", C);
	st = format == HACK_IMAGE_PNG
		? hack_png_decode(data, len, max_pixels, &r, err)
		: hack_jpeg_decode(data, len, max_pixels, &r, err);
	if (st != HACK_OK)
		return st;
	if ((st = hack_raster_convert(&r, C, err)) != HACK_OK)
	{
		hack_raster_free(&r);
		return st;
	}
	px = r.pixels;
	if (r.width != W || r.height != H)
	{
		px = malloc((size_t) W * H * C);
		if (px == NULL)
		{
			hack_raster_free(&r);
			return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL, "out of memory resizing an image");
		}
		st = hack_resize_bilinear(r.pixels, r.width, r.height, C, px, W, H, err);
		hack_raster_free(&r);
		if (st != HACK_OK)
		{
			free(px);
			return st;
		}
	}
	for (int c = 0; c < C; c++)
		for (size_t i = 0; i < (size_t) H * W; i++)
			out[(size_t) c * H * W + i] = px[i * C + c];
	free(px);
	return HACK_OK;
}

/*
 * Decode one image blob into out (channels * height * width floats, CHW);
 * a PNG or JPEG of more than max_pixels pixels is refused from its header.
 */
HackStatus
hack_image_decode(const uint8_t *data, size_t len, HackImageFormat format,
				  const HackImageShape *shape, int64_t max_pixels, float *out,
				  HackError *err)
{
	size_t		n = (size_t) shape->channels * shape->height * shape->width;

	if (format == HACK_IMAGE_AUTO)
		format = hack_image_detect(data, len, shape);
	switch (format)
	{
		case HACK_IMAGE_NPY:
			return decode_npy(data, len, shape, out, err);
		case HACK_IMAGE_PNG:
		case HACK_IMAGE_JPEG:
			return decode_picture(data, len, format, shape, max_pixels, out, err);
		case HACK_IMAGE_U8:
		case HACK_IMAGE_F32:
			{
				int			f32 = (format == HACK_IMAGE_F32);
				HackNpyHeader raw;

				if (len != (f32 ? 4 * n : n))
				{
					char		detail[HACK_MSG_LEN];

					snprintf(detail, sizeof(detail),
							 "A %d x %d x %d %s image has %zu bytes.",
							 shape->channels, shape->height, shape->width,
							 f32 ? "float32" : "uint8", f32 ? 4 * n : n);
					return hack_error_set(err, HACK_ERR_BINARY, detail,
										  "image has %zu bytes, expected %zu",
										  len, f32 ? 4 * n : n);
				}
				memset(&raw, 0, sizeof(raw));
				raw.type = f32 ? HACK_NPY_F4 : HACK_NPY_U1;
				raw.elem_size = f32 ? 4 : 1;
				return convert(data, &raw, 0, shape, out, err);
			}
		case HACK_IMAGE_AUTO:
			break;
	}
	return hack_error_set(err, HACK_ERR_INTERNAL, NULL, "unknown image format");
}

/* Decoded pixels as the uint8 a picture shows: rounded, clamped to 0..255. */
void
hack_image_to_u8(const float *x, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++)
	{
		float		v = x[i];

		out[i] = !(v > 0.0f) ? 0 : v >= 255.0f ? 255 : (uint8_t) lrintf(v);
	}
}

/*
 * Decoded pixels (CHW float) as uint8 to look at, for the thumbnails of
 * hack_plot and the cells of hack_gallery.  Pixels already in 0..255 with
 * more than unit range (u8, PNG, JPEG, pixel-valued floats) are shown as
 * they are, so colours keep their hue and brightness; anything else
 * (z-scored or [0, 1] floats) is contrast-stretched to 0..255.
 */
void
hack_image_display_u8(const float *x, size_t n, uint8_t *out)
{
	float		lo = FLT_MAX,
				hi = -FLT_MAX;

	for (size_t i = 0; i < n; i++)
	{
		lo = x[i] < lo ? x[i] : lo;
		hi = x[i] > hi ? x[i] : hi;
	}
	if (lo >= 0.0f && hi <= 255.0f && hi > 1.0f)
		for (size_t i = 0; i < n; i++)
			out[i] = (uint8_t) (x[i] + 0.5f);
	else
		for (size_t i = 0; i < n; i++)
			out[i] = hi > lo ? (uint8_t) (255.0f * (x[i] - lo) / (hi - lo) + 0.5f) : 0;
}
