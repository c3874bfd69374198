/*
 * test_tensor.c
 *	  Image blob decoding (src/core/tensor.c): raw u8/f32 and .npy.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "tensor.h"

/* Build an .npy version-1 blob with the given header dict and data. */
static size_t
make_npy(uint8_t *buf, const char *dict, const void *data, size_t data_len)
{
	size_t		dlen = strlen(dict);
	size_t		hlen = dlen + 1;

	/* pad so that the data starts at a multiple of 64, as numpy does */
	while ((10 + hlen) % 64 != 0)
		hlen++;
	memcpy(buf, "\x93NUMPY\x01\x00", 8);
	buf[8] = (uint8_t) (hlen & 0xff);
	buf[9] = (uint8_t) (hlen >> 8);
	memcpy(buf + 10, dict, dlen);
	memset(buf + 10 + dlen, ' ', hlen - dlen - 1);
	buf[10 + hlen - 1] = '\n';
	memcpy(buf + 10 + hlen, data, data_len);
	return 10 + hlen + data_len;
}

static void
test_raw_formats(void)
{
	HackImageShape shape = {2, 2, 3};
	uint8_t		u8[12];
	float		f32[12],
				out[12];
	HackError	err;

	for (int i = 0; i < 12; i++)
	{
		u8[i] = (uint8_t) (i * 20);
		f32[i] = (float) i / 7.0f;
	}
	CHECK(hack_image_decode(u8, 12, HACK_IMAGE_U8, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err) == HACK_OK);
	CHECK(out[0] == 0.0f && out[11] == 220.0f);
	CHECK(hack_image_decode(u8, 12, HACK_IMAGE_AUTO, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err) == HACK_OK);
	CHECK(hack_image_decode((uint8_t *) f32, 48, HACK_IMAGE_F32, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err) == HACK_OK);
	CHECK(memcmp(out, f32, sizeof(f32)) == 0);
	CHECK(hack_image_decode((uint8_t *) f32, 48, HACK_IMAGE_AUTO, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err) == HACK_OK);
	CHECK(memcmp(out, f32, sizeof(f32)) == 0);
	CHECK(hack_image_decode(u8, 11, HACK_IMAGE_U8, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err) == HACK_ERR_BINARY);
	CHECK(strstr(err.message, "image has 11 bytes, expected 12") != NULL);
	CHECK(hack_image_decode(u8, 11, HACK_IMAGE_AUTO, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err) == HACK_ERR_BINARY);
	CHECK(hack_image_decode((uint8_t *) f32, 44, HACK_IMAGE_F32, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err) == HACK_ERR_BINARY);
	f32[5] = NAN;
	CHECK(hack_image_decode((uint8_t *) f32, 48, HACK_IMAGE_F32, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err) == HACK_ERR_OUT_OF_RANGE);
	f32[5] = INFINITY;
	CHECK(hack_image_decode((uint8_t *) f32, 48, HACK_IMAGE_F32, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err) == HACK_ERR_OUT_OF_RANGE);
}

static void
test_npy_layouts(void)
{
	HackImageShape shape = {2, 2, 3};
	uint8_t		blob[512];
	uint8_t		chw[12],
				hwc[12];
	float		out[12];
	HackError	err;
	size_t		n;

	/* pixel (c, y, x) has value 100 c + 10 y + x */
	for (int c = 0; c < 2; c++)
		for (int y = 0; y < 2; y++)
			for (int x = 0; x < 3; x++)
			{
				chw[(c * 2 + y) * 3 + x] = (uint8_t) (100 * c + 10 * y + x);
				hwc[(y * 3 + x) * 2 + c] = (uint8_t) (100 * c + 10 * y + x);
			}
	n = make_npy(blob, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2, 3), }", chw, 12);
	CHECK(hack_image_decode(blob, n, HACK_IMAGE_NPY, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err) == HACK_OK);
	for (int i = 0; i < 12; i++)
		CHECK(out[i] == chw[i]);
	n = make_npy(blob, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3, 2), }", hwc, 12);
	CHECK(hack_image_decode(blob, n, HACK_IMAGE_AUTO, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err) == HACK_OK);
	for (int i = 0; i < 12; i++)
		CHECK(out[i] == chw[i]);
	n = make_npy(blob, "{'shape': (1, 1, 2, 2, 3), 'fortran_order': False, 'descr': '<u1'}", chw, 12);
	CHECK(hack_image_decode(blob, n, HACK_IMAGE_NPY, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err) == HACK_OK);
	CHECK(out[11] == chw[11]);
	/* (H, W) only for one channel */
	n = make_npy(blob, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3)}", chw, 6);
	CHECK(hack_image_decode(blob, n, HACK_IMAGE_NPY, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err) == HACK_ERR_BINARY);
	shape.channels = 1;
	CHECK(hack_image_decode(blob, n, HACK_IMAGE_NPY, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err) == HACK_OK);
	/* a mismatched shape says what it got */
	shape.channels = 2;
	n = make_npy(blob, "{'descr': '|u1', 'fortran_order': False, 'shape': (3, 4), }", chw, 12);
	CHECK(hack_image_decode(blob, n, HACK_IMAGE_NPY, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err) == HACK_ERR_BINARY);
	CHECK(strstr(err.detail, "(3, 4)") != NULL);
}

static void
test_npy_dtypes(void)
{
	HackImageShape shape = {1, 2, 2};
	uint8_t		blob[512];
	float		f4[4] = {0.5f, -1.0f, 2.0f, 3.25f},
				out[4];
	double		f8[4] = {0.5, -1.0, 2.0, 3.25};
	uint8_t		be[16];
	HackError	err;
	size_t		n;

	n = make_npy(blob, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", f4, 16);
	CHECK(hack_image_decode(blob, n, HACK_IMAGE_NPY, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err) == HACK_OK);
	CHECK(memcmp(out, f4, 16) == 0);
	n = make_npy(blob, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", f8, 32);
	CHECK(hack_image_decode(blob, n, HACK_IMAGE_NPY, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err) == HACK_OK);
	CHECK(memcmp(out, f4, 16) == 0);
	/* big-endian float32 */
	for (int i = 0; i < 4; i++)
		for (int k = 0; k < 4; k++)
			be[i * 4 + k] = ((uint8_t *) &f4[i])[3 - k];
	n = make_npy(blob, "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", be, 16);
	CHECK(hack_image_decode(blob, n, HACK_IMAGE_NPY, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err) == HACK_OK);
	CHECK(memcmp(out, f4, 16) == 0);
	/* float64 values beyond float32, and NaN */
	f8[2] = 1e300;
	n = make_npy(blob, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", f8, 32);
	CHECK(hack_image_decode(blob, n, HACK_IMAGE_NPY, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err) == HACK_ERR_OUT_OF_RANGE);
	f8[2] = NAN;
	n = make_npy(blob, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", f8, 32);
	CHECK(hack_image_decode(blob, n, HACK_IMAGE_NPY, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err) == HACK_ERR_OUT_OF_RANGE);
}

static void
test_npy_rejects(void)
{
	static const char *const bad[] = {
		"{'descr': '<c8', 'fortran_order': False, 'shape': (2, 2), }",
		"{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }",
		"{'descr': '|f4', 'fortran_order': False, 'shape': (2, 2), }",
		"{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
		"{'descr': '<f4', 'fortran_order': False, }",
		"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }",
		"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'extra': 1}",
		"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
		"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, }",
		"{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 2), }",
		"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999, 2), }",
		"{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2, 2), }",
		"['descr', '<f4']",
		"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), } junk",
	};
	HackImageShape shape = {1, 2, 2};
	uint8_t		blob[512];
	float		f4[4] = {0},
				out[4];
	HackError	err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		size_t		n = make_npy(blob, bad[i], f4, 16);
		HackStatus	st = hack_image_decode(blob, n, HACK_IMAGE_NPY, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err);

		if (st != HACK_ERR_BINARY)
			unit_fail(__FILE__, __LINE__, "header %s gave status %d", bad[i], st);
	}
	memcpy(blob, "\x93NUMPX", 6);
	CHECK(hack_image_decode(blob, 100, HACK_IMAGE_NPY, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err) == HACK_ERR_BINARY);
}

static void
test_npy_truncations_and_flips(void)
{
	HackImageShape shape = {1, 4, 4};
	uint8_t		blob[512],
				copy[512];
	float		f4[16],
				out[16];
	HackError	err;
	UnitRng		r = {77};
	size_t		n;
	int			accepted = 0;

	for (int i = 0; i < 16; i++)
		f4[i] = (float) i;
	n = make_npy(blob, "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 4), }", f4, 64);
	CHECK(hack_image_decode(blob, n, HACK_IMAGE_NPY, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err) == HACK_OK);
	/* every truncation is rejected; copies into exact-size buffers catch overreads under valgrind */
	for (size_t len = 0; len < n; len++)
	{
		uint8_t    *t = malloc(len ? len : 1);

		memcpy(t, blob, len);
		CHECK(hack_image_decode(t, len, HACK_IMAGE_NPY, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err) != HACK_OK);
		free(t);
	}
	/* random byte flips never crash; a flip in the data may still decode */
	for (int iter = 0; iter < 20000; iter++)
	{
		memcpy(copy, blob, n);
		copy[unit_rng_next(&r) % n] = (uint8_t) unit_rng_next(&r);
		if (hack_image_decode(copy, n, HACK_IMAGE_AUTO, &shape, HACK_IMAGE_DEFAULT_MAX_PIXELS, out, &err) == HACK_OK)
			accepted++;
	}
	CHECK(accepted > 0 && accepted < 20000);
}

static void
test_npy_integer_elements(void)
{
	uint8_t		blob[512];
	int64_t		i8[3] = {-5, 7, 1234567890123LL};
	uint8_t		be[6] = {0xff, 0xfe, 0x00, 0x09, 0x80, 0x00};
	HackNpyHeader h;
	HackError	err;
	size_t		n;

	n = make_npy(blob, "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", i8, 24);
	CHECK(hack_npy_parse_header(blob, n, &h, &err) == HACK_OK);
	CHECK(h.ndim == 1 && h.count == 3 && h.elem_size == 8);
	CHECK(hack_npy_elem(blob + h.data_offset, 0, &h) == -5.0);
	CHECK(hack_npy_elem(blob + h.data_offset, 2, &h) == 1234567890123.0);
	n = make_npy(blob, "{'descr': '>i2', 'fortran_order': False, 'shape': (3,), }", be, 6);
	CHECK(hack_npy_parse_header(blob, n, &h, &err) == HACK_OK);
	CHECK(hack_npy_elem(blob + h.data_offset, 0, &h) == -2.0);
	CHECK(hack_npy_elem(blob + h.data_offset, 1, &h) == 9.0);
	CHECK(hack_npy_elem(blob + h.data_offset, 2, &h) == -32768.0);
	/* the header alone is enough for hack_npy_read_header */
	CHECK(hack_npy_read_header(blob, h.data_offset, &h, &err) == HACK_OK);
	CHECK(hack_npy_parse_header(blob, h.data_offset, &h, &err) == HACK_ERR_BINARY);
	CHECK(hack_npy_read_header(blob, h.data_offset - 1, &h, &err) == HACK_ERR_BINARY);
}

static void
test_shape_and_format_names(void)
{
	HackImageShape ok = {3, 32, 32},
				bad_c = {0, 28, 28},
				bad_h = {1, 5000, 28};
	HackImageFormat f;
	HackError	err;

	CHECK(hack_image_shape_check(&ok, &err) == HACK_OK);
	CHECK(hack_image_shape_check(&bad_c, &err) == HACK_ERR_PARAMETER);
	CHECK(hack_image_shape_check(&bad_h, &err) == HACK_ERR_PARAMETER);
	CHECK(hack_image_format_parse("npy", &f, &err) == HACK_OK && f == HACK_IMAGE_NPY);
	CHECK(hack_image_format_parse("u8", &f, &err) == HACK_OK && f == HACK_IMAGE_U8);
	CHECK(hack_image_format_parse("png", &f, &err) == HACK_OK && f == HACK_IMAGE_PNG);
	CHECK(hack_image_format_parse("jpeg", &f, &err) == HACK_OK && f == HACK_IMAGE_JPEG);
	CHECK(hack_image_format_parse("bmp", &f, &err) == HACK_ERR_PARAMETER);
}

void		suite_tensor(void);

void
suite_tensor(void)
{
	RUN(test_raw_formats);
	RUN(test_npy_layouts);
	RUN(test_npy_dtypes);
	RUN(test_npy_rejects);
	RUN(test_npy_truncations_and_flips);
	RUN(test_npy_integer_elements);
	RUN(test_shape_and_format_names);
}
