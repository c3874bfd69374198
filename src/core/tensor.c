/*
 * tensor.c
 *	  Image blobs to float32 CHW tensors: raw uint8, raw float32 and .npy.
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
#include <string.h>

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

/* Map a format name (auto, u8, f32, npy) to its enum. */
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
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i].name) == 0)
		{
			*format = names[i].format;
			return HACK_OK;
		}
	return hack_error_set(err, HACK_ERR_PARAMETER,
						  "Valid formats are auto, u8, f32 and npy.",
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

/* The 'descr' value: u1 with any byte order, f4/f8 little- or big-endian. */
static int
npy_descr(const char *d, HackNpyHeader *h)
{
	char		order = d[0];

	if (order != '<' && order != '>' && order != '|' && order != '=')
		return 0;
	h->big_endian = (order == '>');
	if (strcmp(d + 1, "u1") == 0)
	{
		h->type = HACK_NPY_U1;
		h->elem_size = 1;
	}
	else if (strcmp(d + 1, "f4") == 0 && order != '|')
	{
		h->type = HACK_NPY_F4;
		h->elem_size = 4;
	}
	else if (strcmp(d + 1, "f8") == 0 && order != '|')
	{
		h->type = HACK_NPY_F8;
		h->elem_size = 8;
	}
	else
		return 0;
	return 1;
}

static HackStatus
npy_error(HackError *err, const char *detail)
{
	return hack_error_set(err, HACK_ERR_BINARY, detail, "corrupt .npy image blob");
}

/* Parse and check an .npy header; the data must fill the rest of the blob exactly. */
HackStatus
hack_npy_parse_header(const uint8_t *data, size_t len, HackNpyHeader *h,
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
				return npy_error(err, "Only dtypes u1, f4 and f8 are supported.");
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
		if (h->shape[i] != 0 && h->count > (int64_t) (len / (size_t) h->shape[i]))
			return npy_error(err, "The .npy data is shorter than its shape says.");
		h->count *= h->shape[i];
	}
	if ((size_t) h->count > (len - h->data_offset) / h->elem_size ||
		(size_t) h->count * h->elem_size != len - h->data_offset)
		return npy_error(err, "The .npy data length does not match its shape and dtype.");
	return HACK_OK;
}

/* Read element i of raw data as a double, whatever its dtype and byte order. */
static double
read_elem(const uint8_t *d, int64_t i, HackNpyType type, int big_endian)
{
	uint8_t		b[8];
	int			size = type == HACK_NPY_U1 ? 1 : type == HACK_NPY_F4 ? 4 : 8;

	if (type == HACK_NPY_U1)
		return d[i];
	for (int k = 0; k < size; k++)
		b[k] = d[i * size + (big_endian ? size - 1 - k : k)];
	if (type == HACK_NPY_F4)
	{
		float		f;
		uint32_t	u = (uint32_t) b[0] | (uint32_t) b[1] << 8 |
			(uint32_t) b[2] << 16 | (uint32_t) b[3] << 24;

		memcpy(&f, &u, 4);
		return f;
	}
	else
	{
		double		v;
		uint64_t	u = 0;

		for (int k = 7; k >= 0; k--)
			u = u << 8 | b[k];
		memcpy(&v, &u, 8);
		return v;
	}
}

/*
 * Copy count elements to out as float32, from CHW (hwc = 0) or HWC
 * (hwc = 1) order, rejecting values float32 cannot hold.
 */
static HackStatus
convert(const uint8_t *d, HackNpyType type, int big_endian, int hwc,
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
				double		v = read_elem(d, src, type, big_endian);

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
	if (shape_is(&h, chw, 3) || (shape->channels == 1 && shape_is(&h, chw + 1, 2)))
		return convert(data + h.data_offset, h.type, h.big_endian, 0, shape, out, err);
	if (shape_is(&h, hwc, 3))
		return convert(data + h.data_offset, h.type, h.big_endian, 1, shape, out, err);
	n += snprintf(detail, sizeof(detail), "The blob has shape (");
	for (int i = 0; i < h.ndim && n < (int) sizeof(detail) - 24; i++)
		n += snprintf(detail + n, sizeof(detail) - n, i ? ", %lld" : "%lld",
					  (long long) h.shape[i]);
	snprintf(detail + n, sizeof(detail) - n, ").");
	return hack_error_set(err, HACK_ERR_BINARY, detail,
						  ".npy image shape does not match %d x %d x %d (channels x height x width)",
						  shape->channels, shape->height, shape->width);
}

/* Decode one image blob into out (channels * height * width floats, CHW). */
HackStatus
hack_image_decode(const uint8_t *data, size_t len, HackImageFormat format,
				  const HackImageShape *shape, float *out, HackError *err)
{
	size_t		n = (size_t) shape->channels * shape->height * shape->width;

	if (format == HACK_IMAGE_AUTO)
		format = hack_is_npy(data, len) ? HACK_IMAGE_NPY
			: len == 4 * n ? HACK_IMAGE_F32 : HACK_IMAGE_U8;
	switch (format)
	{
		case HACK_IMAGE_NPY:
			return decode_npy(data, len, shape, out, err);
		case HACK_IMAGE_U8:
		case HACK_IMAGE_F32:
			{
				int			f32 = (format == HACK_IMAGE_F32);

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
				return convert(data, f32 ? HACK_NPY_F4 : HACK_NPY_U1, 0, 0,
							   shape, out, err);
			}
		case HACK_IMAGE_AUTO:
			break;
	}
	return hack_error_set(err, HACK_ERR_INTERNAL, NULL, "unknown image format");
}
