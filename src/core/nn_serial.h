/*
 * nn_serial.h
 *	  The stored form of an encoder: a versioned, self-describing,
 *	  checksummed byte string (layout in nn_serial.c and doc/encoder.md).
 */
#ifndef HACK_CORE_NN_SERIAL_H
#define HACK_CORE_NN_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#include "nn_model.h"

/*
 * Version 2: the lenet has a ReLU after each convolution (NnConfig.conv_relu).
 * Version 1 (hack 1.1 and before): the same layout, a lenet without them;
 * still read, and written for models read from it.
 */
#define NN_BLOB_VERSION 2
#define NN_BLOB_VERSION_NO_CONV_RELU 1
/*
 * Version 3: version 2's layout followed by the model's buffers (the
 * BatchNorm running statistics): u64 count, then the floats.  Written for,
 * and only for, models that have buffers (resnet20).
 */
#define NN_BLOB_VERSION_BUFFERS 3

extern uint32_t nn_crc32(const uint8_t *data, size_t len);
extern size_t nn_model_blob_size(const NnModel *model);
extern void nn_model_write(const NnModel *model, uint8_t *buf);
extern HackStatus nn_model_read(const uint8_t *buf, size_t len,
								NnModel **model, HackError *err);

#endif							/* HACK_CORE_NN_SERIAL_H */
