/*
 * fuzz_model_blob.c
 *	  libFuzzer target for the encoder loader (nn_model_read).
 *
 * Build with `make fuzz` (clang -fsanitize=fuzzer,address,undefined) and
 * run test/fuzz/bin/fuzz_model_blob [corpus dir].  Every input must either be
 * rejected with HACK_ERR_CORRUPT or load a model that serialises back to
 * the same bytes (so a version-1 blob stays version 1) and runs a forward
 * pass; anything else aborts.  Since
 * random bytes almost never pass the checksum, half of the inputs get
 * their trailing CRC fixed up first so the fuzzer reaches the parser.
 */
#include "fuzz.h"

#include "nn_model.h"
#include "nn_serial.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t    *buf;
	NnModel    *m = NULL;
	HackError	err;
	HackStatus	st;

	if (size < 1)
		return 0;
	buf = fuzz_copy(data + 1, size - 1);
	size -= 1;
	if ((data[0] & 1) && size >= 4)
	{
		uint32_t	crc = nn_crc32(buf, size - 4);

		for (int i = 0; i < 4; i++)
			buf[size - 4 + i] = (uint8_t) (crc >> (8 * i));
	}
	st = nn_model_read(buf, size, &m, &err);
	if (st == HACK_OK)
	{
		size_t		len = nn_model_blob_size(m);
		uint8_t    *again = malloc(len);
		size_t		in = nn_input_size(m);
		float	   *x = calloc(in, sizeof(float));
		double	   *emb = malloc(sizeof(double) * m->cfg.dim);

		nn_model_write(m, again);
		FUZZ_ASSERT(len == size && memcmp(again, buf, len) == 0);
		/* only version 1 means a lenet without ReLU after its convolutions */
		FUZZ_ASSERT(m->cfg.conv_relu == (buf[8] != NN_BLOB_VERSION_NO_CONV_RELU));
		/* version 3 exactly when the model has buffers (resnet20's statistics) */
		FUZZ_ASSERT((buf[8] == NN_BLOB_VERSION_BUFFERS) == (m->n_buffers > 0));
		FUZZ_ASSERT(m->cfg.arch != NN_ARCH_LENET ||
					(m->layers[0].relu == m->cfg.conv_relu &&
					 m->layers[1].relu == m->cfg.conv_relu));
		if (in <= 4096)
			FUZZ_ASSERT(nn_forward(m, x, 1, emb, &err) == HACK_OK);
		free(again);
		free(x);
		free(emb);
		nn_model_free(m);
	}
	else
		fuzz_check_error(st, &err, HACK_ERR_CORRUPT, HACK_ERR_NO_MEMORY,
						 HACK_ERR_CORRUPT);
	free(buf);
	return 0;
}
