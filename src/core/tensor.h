/*
 * tensor.h
 *	  Decoding image tensors stored in bytea: raw uint8 / float32 pixels and
 *	  NumPy .npy blobs.
 *
 * Images are decoded to float32 in CHW order (channel planes), the layout
 * the network consumes.  Raw blobs are CHW already; an .npy blob may be
 * (H, W) for one channel, (C, H, W), or (H, W, C), and is transposed as
 * needed.  Nothing here trusts its input: every length, shape and value is
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

typedef enum HackImageFormat
{
	HACK_IMAGE_AUTO,			/* .npy if the blob starts with its magic, else raw */
	HACK_IMAGE_U8,				/* raw uint8, C*H*W bytes */
	HACK_IMAGE_F32,				/* raw float32 little-endian, 4*C*H*W bytes */
	HACK_IMAGE_NPY				/* NumPy .npy, dtype u1, f4 or f8 */
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
extern HackStatus hack_image_decode(const uint8_t *data, size_t len,
									HackImageFormat format,
									const HackImageShape *shape, float *out,
									HackError *err);

#endif							/* HACK_CORE_TENSOR_H */
