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

#define NN_BLOB_VERSION 1

extern uint32_t nn_crc32(const uint8_t *data, size_t len);
extern size_t nn_model_blob_size(const NnModel *model);
extern void nn_model_write(const NnModel *model, uint8_t *buf);
extern HackStatus nn_model_read(const uint8_t *buf, size_t len,
								NnModel **model, HackError *err);

#endif							/* HACK_CORE_NN_SERIAL_H */
