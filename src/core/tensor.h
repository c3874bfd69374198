/*
 * tensor.h
 *	  Decoding image tensors stored in bytea: raw uint8 / float32 pixels,
 *	  NumPy .npy blobs, PNG and JPEG files.
 *
 * Images are decoded to float32 in CHW order (channel planes), the layout
 * the network consumes.  Raw blobs are CHW already; an .npy blob may be
 * (H, W) for one channel, (C, H, W), or (H, W, C), and is transposed as
 * needed.  A PNG or JPEG is decoded (image_png_decode.c, image_jpeg.c),
 * converted to 1 or 3 channels (image_convert.c) and stretched to height x
 * width (image_resize.c), as Pillow's convert and resize(BILINEAR) would;
 * its pixels come out as 0..255, like u8.  Nothing here trusts its input: every length, shape and value is
 * checked, and a bad blob gives a status and a message, never a crash.
 */
#ifndef HACK_CORE_TENSOR_H
#define HACK_CORE_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define HACK_NPY_MAX_DIMS 8
#define HACK_IMAGE_MAX_SIDE 4096
#define HACK_IMAGE_MAX_CHANNELS 64

/*
 * Pixels of a PNG or JPEG (width x height of the file) decoded at most by
 * default: Pillow's MAX_IMAGE_PIXELS; the hard cap keeps a decoded RGBA
 * picture within 1 GiB.
 */
#define HACK_IMAGE_DEFAULT_MAX_PIXELS 89478485
#define HACK_IMAGE_MAX_PIXELS_CAP (1 << 28)

typedef enum HackImageFormat
{
	HACK_IMAGE_AUTO,			/* by magic (.npy, PNG, JPEG), else raw by length */
	HACK_IMAGE_U8,				/* raw uint8, C*H*W bytes */
	HACK_IMAGE_F32,				/* raw float32 little-endian, 4*C*H*W bytes */
	HACK_IMAGE_NPY,				/* NumPy .npy, dtype u1, f4 or f8 */
	HACK_IMAGE_PNG,				/* PNG, any colour type and bit depth */
	HACK_IMAGE_JPEG				/* JPEG (JFIF, Adobe, progressive, CMYK) */
} HackImageFormat;

typedef enum HackNpyType
{
	HACK_NPY_U1,
	HACK_NPY_I1,
	HACK_NPY_U2,
	HACK_NPY_I2,
	HACK_NPY_U4,
	HACK_NPY_I4,
	HACK_NPY_U8,
	HACK_NPY_I8,
	HACK_NPY_F4,
	HACK_NPY_F8
} HackNpyType;

/* What an .npy header says. */
typedef struct HackNpyHeader
{
	HackNpyType type;
	int			elem_size;		/* 1, 2, 4 or 8 */
	int			big_endian;		/* data stored big-endian */
	int			ndim;
	int64_t		shape[HACK_NPY_MAX_DIMS];
	int64_t		count;			/* product of shape */
	size_t		data_offset;	/* where the data starts */
} HackNpyHeader;

/* The expected shape of every image of a column. */
typedef struct HackImageShape
{
	int			channels;
	int			height;
	int			width;
} HackImageShape;

extern HackStatus hack_image_shape_check(const HackImageShape *shape,
										 HackError *err);
extern HackStatus hack_image_format_parse(const char *name,
										  HackImageFormat *format,
										  HackError *err);
extern int	hack_is_npy(const uint8_t *data, size_t len);
extern HackStatus hack_npy_read_header(const uint8_t *data, size_t avail,
									   HackNpyHeader *header, HackError *err);
extern HackStatus hack_npy_parse_header(const uint8_t *data, size_t len,
										HackNpyHeader *header, HackError *err);
extern double hack_npy_elem(const uint8_t *data, int64_t i,
							const HackNpyHeader *header);
extern HackImageFormat hack_image_detect(const uint8_t *data, size_t len,
										 const HackImageShape *shape);
extern HackStatus hack_image_decode(const uint8_t *data, size_t len,
									HackImageFormat format,
									const HackImageShape *shape,
									int64_t max_pixels, float *out,
									HackError *err);
extern void hack_image_to_u8(const float *x, size_t n, uint8_t *out);
extern void hack_image_display_u8(const float *x, size_t n, uint8_t *out);

#endif							/* HACK_CORE_TENSOR_H */
