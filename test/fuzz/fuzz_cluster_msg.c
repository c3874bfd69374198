/*
 * fuzz_cluster_msg.c
 *	  libFuzzer target for the messages of training on a cluster
 *	  (hack_job_read, hack_group_msg_read and their writers).
 *
 * Byte 0 of an input selects what the rest is: bit 0 clear a training
 * job, set a trained group (of dimension 1 + byte 1 % 4, the rest from
 * byte 2 on).  When bit 1 is set the last 4 bytes are first replaced by
 * the CRC-32C of the others, so the fuzzer gets past the checksum.  A
 * message must either be refused with an error status and a message, or
 * read into fields that write back to exactly the input's bytes (a read
 * accepts one encoding of each message, and checks every field a writer
 * could not have produced).
 */
#include "fuzz.h"

#include "cluster_msg.h"
#include "model_archive.h"

static void
reseal(uint8_t *buf, size_t len)
{
	uint32_t	crc;

	if (len < 4)
		return;
	crc = hack_archive_crc32c(buf, len - 4);
	for (int i = 0; i < 4; i++)
		buf[len - 4 + i] = (uint8_t) (crc >> (8 * i));
}

static void
fuzz_job(const uint8_t *msg, size_t len)
{
	HackTrainJob job;
	HackError	err;
	uint8_t    *out;
	size_t		out_len;

	if (hack_job_read(msg, len, &job, &err) != HACK_OK)
	{
		FUZZ_ASSERT(err.message[0] != '\0');
		FUZZ_ASSERT(job.groups == NULL);
		return;
	}
	FUZZ_ASSERT(job.n_groups >= 1 && job.n_groups <= HACK_JOB_MAX_GROUPS);
	for (int i = 0; i < job.n_groups; i++)
		FUZZ_ASSERT(job.groups[i].group_no >= 1 && job.groups[i].group_no <= job.groups_total);
	FUZZ_ASSERT(hack_job_write(&job, &out, &out_len, &err) == HACK_OK);
	FUZZ_ASSERT(out_len == len && memcmp(out, msg, len) == 0);
	free(out);
	hack_job_free(&job);
}

static void
fuzz_group(const uint8_t *msg, size_t len, int dim)
{
	HackGroupMsg m;
	HackError	err;
	uint8_t    *out;
	size_t		out_len;

	if (hack_group_msg_read(msg, len, dim, 1 << 20, 1.0, &m, &err) != HACK_OK)
	{
		FUZZ_ASSERT(err.message[0] != '\0');
		FUZZ_ASSERT(m.ids == NULL && m.embeddings == NULL);
		return;
	}
	FUZZ_ASSERT(m.n >= 2 && m.dim == dim);
	for (int i = 1; i < m.n; i++)
		FUZZ_ASSERT(m.ids[i] > m.ids[i - 1]);
	FUZZ_ASSERT(hack_group_msg_write(&m, &out, &out_len, &err) == HACK_OK);
	FUZZ_ASSERT(out_len == len && memcmp(out, msg, len) == 0);
	free(out);
	hack_group_msg_free(&m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t    *msg;
	size_t		len;
	int			dim;

	if (size < 2)
		return 0;
	dim = 1 + data[1] % 4;
	len = size - 2;
	msg = malloc(len + 1);
	memcpy(msg, data + 2, len);
	if (data[0] & 2)
		reseal(msg, len);
	if (data[0] & 1)
		fuzz_group(msg, len, dim);
	else
		fuzz_job(msg, len);
	free(msg);
	return 0;
}
