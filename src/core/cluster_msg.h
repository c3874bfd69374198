/*
 * cluster_msg.h
 *	  The two messages of training on a cluster (cluster_msg.c): the job a
 *	  coordinator sends to the workers (how to train, which groups, the
 *	  networks to resume from) and the trained group a worker sends back
 *	  (network, embeddings, assignment, metrics).
 *
 * Both are versioned, little-endian and end in a CRC-32C.  The readers
 * trust nothing: a message that a worker of another hack version, a
 * damaged connection or a hostile caller produced is refused with
 * HACK_ERR_BINARY, and a result is checked to be one a training could
 * have produced (ids ascending, a one-to-one assignment, points inside
 * the ball) before the coordinator stores it.  The network blob inside
 * is checked by nn_model_read, by the caller.
 */
#ifndef HACK_CORE_CLUSTER_MSG_H
#define HACK_CORE_CLUSTER_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "nn_model.h"
#include "status.h"
#include "tensor.h"
#include "train_loop.h"

#define HACK_CLUSTER_MSG_VERSION 1
#define HACK_JOB_MAX_GROUPS 4096	/* groups of one job message */
#define HACK_JOB_MAX_KEY 1024	/* bytes of a group key (HACK_GROUP_KEY_MAX) */
#define HACK_JOB_MAX_MODEL 63	/* bytes of a model name */
#define HACK_MSG_MAX_BLOB ((size_t) 1 << 30)	/* bytes of a network blob */

/* One group of a job: which, and what to resume from. */
typedef struct HackJobGroup
{
	const char *key;			/* not NUL-terminated: key_len bytes */
	size_t		key_len;
	int			group_no;		/* 1-based, for progress */
	const uint8_t *warm;		/* nn_serial blob to resume from, or NULL */
	size_t		warm_len;
	int64_t		resumed_from;	/* rows of that network, -1 without */
} HackJobGroup;

typedef struct HackTrainJob
{
	NnConfig	cfg;			/* the encoder (its shape is the images') */
	HackImageFormat format;
	HackTrainParams params;		/* warm_start and pack.n/dim are per group */
	bool		normalise_none;
	bool		skip_invalid;
	const char *model;			/* model_len bytes, for progress */
	size_t		model_len;
	int			groups_total;	/* groups of the whole training */
	int			n_groups;
	HackJobGroup *groups;		/* read: malloc'd, pointing into the input */
} HackTrainJob;

/* A trained group, as a worker returns it. */
typedef struct HackGroupMsg
{
	int			n;
	int			dim;
	int64_t		skipped;		/* rows left out (skip_invalid) */
	double		first_loss;
	double		final_loss;
	double		pack_seconds;
	double		train_seconds;
	double		images_per_sec;
	double		nn_mean;		/* packing quality (HackPackStats) */
	double		nn_cv;
	double		nn_min;
	double		max_norm;
	int64_t		started_at;		/* the worker's clock, microseconds */
	int64_t		finished_at;
	const uint8_t *weights;		/* nn_serial blob */
	size_t		weights_len;
	int64_t    *ids;			/* n, ascending */
	int64_t    *hashes;			/* n: hack_image_hash of each image */
	int		   *assignment;		/* n: particle index of each row */
	double	   *embeddings;		/* n x dim */
	double	   *particles;		/* n x dim, by particle index */
} HackGroupMsg;

extern HackStatus hack_job_write(const HackTrainJob *job, uint8_t **out, size_t *len,
								 HackError *err);
extern HackStatus hack_job_read(const uint8_t *buf, size_t len, HackTrainJob *job,
								HackError *err);
extern void hack_job_free(HackTrainJob *job);

extern HackStatus hack_group_msg_write(const HackGroupMsg *m, uint8_t **out, size_t *len,
									   HackError *err);
extern HackStatus hack_group_msg_read(const uint8_t *buf, size_t len, int dim, int max_n,
									  double curvature, HackGroupMsg *m, HackError *err);
extern void hack_group_msg_free(HackGroupMsg *m);

#endif							/* HACK_CORE_CLUSTER_MSG_H */
