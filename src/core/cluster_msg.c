/*
 * cluster_msg.c
 *	  The job a coordinator sends to the workers and the trained group a
 *	  worker sends back.
 *
 * Job:    magic "HACKJOB\0", u32 version, the encoder (arch, channels,
 *         height, width, dim: u32; curvature, clip_r: f64; u32 n_hidden
 *         and that many u32 sizes; u8 conv_relu), u32 format, the training
 *         parameters (u32 epochs, batch_size, reassign_every,
 *         reassign_phase, lr_schedule; f64 lr, lr_min, momentum,
 *         weight_decay, pack radius, k, lr, margin; u32 pack epochs; u64
 *         pack seed, seed; u8 riemannian_grad), u8 normalise_none, u8
 *         skip_invalid, blob model, u32 groups_total, u32 n_groups, then
 *         per group: blob key, u32 group_no, blob warm network (empty:
 *         none), u64 resumed_from (two's complement); u32 CRC-32C of all
 *         before it.
 * Result: magic "HACKGRP\0", u32 version, u32 n, u32 dim, u64 skipped,
 *         f64 first_loss, final_loss, pack_seconds, train_seconds,
 *         images_per_sec, nn_mean, nn_cv, nn_min, max_norm, u64
 *         started_at, finished_at, blob weights, then n ids (u64), n
 *         hashes (u64), n particle indices (u32), n x dim embedding and n
 *         x dim particle coordinates (f64); u32 CRC-32C.
 *
 * Blobs are a u64 length and the bytes.
 */
#include "cluster_msg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_archive.h"
#include "packing.h"
#include "wire.h"

static const uint8_t job_magic[8] = {'H', 'A', 'C', 'K', 'J', 'O', 'B', '\0'};
static const uint8_t group_magic[8] = {'H', 'A', 'C', 'K', 'G', 'R', 'P', '\0'};

#define MSG_DETAIL "The worker may run another version of hack, or the message was damaged."

/* Finish a message: the CRC-32C of everything written, then out. */
static HackStatus
finish(WireWriter *w, uint8_t **out, size_t *len, HackError *err)
{
	if (!w->failed)
		wire_put_u32(w, hack_archive_crc32c(w->buf, w->len));
	if (w->failed)
	{
		free(w->buf);
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL,
							  "out of memory writing a cluster message");
	}
	*out = w->buf;
	*len = w->len;
	return HACK_OK;
}

/* Check magic, version and checksum; r then reads the fields. */
static HackStatus
open_msg(const uint8_t *buf, size_t len, const uint8_t *magic, const char *what,
		 WireReader *r, HackError *err)
{
	uint32_t	version;

	if (len < 8 + 4 + 4 || memcmp(buf, magic, 8) != 0)
		return hack_error_set(err, HACK_ERR_BINARY, MSG_DETAIL, "not a hack %s message", what);
	if (hack_archive_crc32c(buf, len - 4) !=
		((uint32_t) buf[len - 4] | (uint32_t) buf[len - 3] << 8 |
		 (uint32_t) buf[len - 2] << 16 | (uint32_t) buf[len - 1] << 24))
		return hack_error_set(err, HACK_ERR_BINARY, MSG_DETAIL,
							  "hack %s message fails its checksum", what);
	wire_reader_init(r, buf, len - 4);
	(void) wire_get_bytes(r, 8);
	version = wire_get_u32(r);
	if (version != HACK_CLUSTER_MSG_VERSION)
		return hack_error_set(err, HACK_ERR_BINARY,
							  "Install the same version of hack on every node.",
							  "hack %s message has version %u, this hack reads version %d",
							  what, version, HACK_CLUSTER_MSG_VERSION);
	return HACK_OK;
}

/* The end of a message: every field there, nothing after. */
static HackStatus
close_msg(WireReader *r, const char *what, HackError *err)
{
	if (r->failed)
		return hack_error_set(err, HACK_ERR_BINARY, MSG_DETAIL, "hack %s message is truncated", what);
	if (r->pos != r->len)
		return hack_error_set(err, HACK_ERR_BINARY, MSG_DETAIL,
							  "hack %s message has %zu bytes after its end", what, r->len - r->pos);
	return HACK_OK;
}

/* ---- the job ---- */

HackStatus
hack_job_write(const HackTrainJob *job, uint8_t **out, size_t *len, HackError *err)
{
	WireWriter	w = {0};
	const NnConfig *c = &job->cfg;
	const HackTrainParams *p = &job->params;

	wire_put_bytes(&w, job_magic, sizeof(job_magic));
	wire_put_u32(&w, HACK_CLUSTER_MSG_VERSION);
	wire_put_u32(&w, (uint32_t) c->arch);
	wire_put_u32(&w, (uint32_t) c->channels);
	wire_put_u32(&w, (uint32_t) c->height);
	wire_put_u32(&w, (uint32_t) c->width);
	wire_put_u32(&w, (uint32_t) c->dim);
	wire_put_f64(&w, c->curvature);
	wire_put_f64(&w, c->clip_r);
	wire_put_u32(&w, (uint32_t) c->n_hidden);
	for (int i = 0; i < c->n_hidden; i++)
		wire_put_u32(&w, (uint32_t) c->hidden[i]);
	wire_put_u8(&w, c->conv_relu);
	wire_put_u32(&w, (uint32_t) job->format);
	wire_put_u32(&w, (uint32_t) p->epochs);
	wire_put_u32(&w, (uint32_t) p->batch_size);
	wire_put_u32(&w, (uint32_t) p->reassign_every);
	wire_put_u32(&w, (uint32_t) p->reassign_phase);
	wire_put_u32(&w, (uint32_t) p->lr_schedule);
	wire_put_f64(&w, p->lr);
	wire_put_f64(&w, p->lr_min);
	wire_put_f64(&w, p->sgd.momentum);
	wire_put_f64(&w, p->sgd.weight_decay);
	wire_put_f64(&w, p->pack.radius);
	wire_put_f64(&w, p->pack.k);
	wire_put_f64(&w, p->pack.lr);
	wire_put_f64(&w, p->pack.margin);
	wire_put_u32(&w, (uint32_t) p->pack.epochs);
	wire_put_u64(&w, p->pack.seed);
	wire_put_u64(&w, p->seed);
	wire_put_u8(&w, p->riemannian_grad);
	wire_put_u8(&w, job->normalise_none);
	wire_put_u8(&w, job->skip_invalid);
	wire_put_blob(&w, job->model, job->model_len);
	wire_put_u32(&w, (uint32_t) job->groups_total);
	wire_put_u32(&w, (uint32_t) job->n_groups);
	for (int i = 0; i < job->n_groups; i++)
	{
		const HackJobGroup *g = &job->groups[i];

		wire_put_blob(&w, g->key, g->key_len);
		wire_put_u32(&w, (uint32_t) g->group_no);
		wire_put_blob(&w, g->warm, g->warm ? g->warm_len : 0);
		wire_put_u64(&w, (uint64_t) g->resumed_from);
	}
	return finish(&w, out, len, err);
}

/* A u32 field that must lie in [lo, hi]. */
static bool
get_int(WireReader *r, int lo, int hi, int *v)
{
	uint32_t	x = wire_get_u32(r);

	*v = (int) x;
	return !r->failed && x <= (uint32_t) INT32_MAX && (int) x >= lo && (int) x <= hi;
}

/* A u8 flag: 0 or 1, nothing else (one encoding per message). */
static bool
get_bool(WireReader *r, bool *v)
{
	uint8_t		x = wire_get_u8(r);

	*v = x == 1;
	return !r->failed && x <= 1;
}

/* Does a text hold a NUL byte (not a valid text value)? */
static bool
has_nul(const uint8_t *s, size_t len)
{
	return len > 0 && memchr(s, '\0', len) != NULL;
}

HackStatus
hack_job_read(const uint8_t *buf, size_t len, HackTrainJob *job, HackError *err)
{
	WireReader	r;
	NnConfig   *c = &job->cfg;
	HackTrainParams *p = &job->params;
	HackPackParams pp;
	HackStatus	st;
	int			v;
	bool		ok = true;
	const uint8_t *s;

	memset(job, 0, sizeof(*job));
	if ((st = open_msg(buf, len, job_magic, "training job", &r, err)) != HACK_OK)
		return st;
	nn_config_default(c, NN_ARCH_LENET, 1, 28, 28, 2);
	ok &= get_int(&r, NN_ARCH_LENET, NN_ARCH_RESNET20, &v);
	c->arch = (NnArch) v;
	ok &= get_int(&r, 1, NN_MAX_CHANNELS, &c->channels);
	ok &= get_int(&r, 1, NN_MAX_SIDE, &c->height);
	ok &= get_int(&r, 1, NN_MAX_SIDE, &c->width);
	ok &= get_int(&r, 1, 1024, &c->dim);
	c->curvature = wire_get_f64(&r);
	c->clip_r = wire_get_f64(&r);
	ok &= get_int(&r, 0, NN_MAX_HIDDEN, &c->n_hidden);
	for (int i = 0; ok && i < c->n_hidden; i++)
		ok &= get_int(&r, 1, NN_MAX_WIDTH, &c->hidden[i]);
	ok &= get_bool(&r, &c->conv_relu);
	ok &= get_int(&r, HACK_IMAGE_AUTO, HACK_IMAGE_JPEG, &v);
	job->format = (HackImageFormat) v;
	hack_train_defaults(p);
	ok &= get_int(&r, 1, HACK_TRAIN_MAX_EPOCHS, &p->epochs);
	ok &= get_int(&r, 1, HACK_TRAIN_MAX_BATCH, &p->batch_size);
	ok &= get_int(&r, 0, HACK_TRAIN_MAX_EPOCHS, &p->reassign_every);
	ok &= get_int(&r, 0, HACK_TRAIN_MAX_EPOCHS, &p->reassign_phase);
	ok &= get_int(&r, HACK_LR_STEP, HACK_LR_EPOCH, &v);
	p->lr_schedule = (HackLrSchedule) v;
	p->lr = wire_get_f64(&r);
	p->lr_min = wire_get_f64(&r);
	p->sgd.momentum = wire_get_f64(&r);
	p->sgd.weight_decay = wire_get_f64(&r);
	p->pack.radius = wire_get_f64(&r);
	p->pack.k = wire_get_f64(&r);
	p->pack.lr = wire_get_f64(&r);
	p->pack.margin = wire_get_f64(&r);
	ok &= get_int(&r, 0, INT32_MAX, &p->pack.epochs);
	p->pack.seed = wire_get_u64(&r);
	p->seed = wire_get_u64(&r);
	ok &= get_bool(&r, &p->riemannian_grad);
	ok &= get_bool(&r, &job->normalise_none);
	ok &= get_bool(&r, &job->skip_invalid);
	s = wire_get_blob(&r, HACK_JOB_MAX_MODEL, &job->model_len);
	ok &= s != NULL && job->model_len > 0 && !has_nul(s, job->model_len);
	job->model = (const char *) s;
	ok &= get_int(&r, 1, INT32_MAX, &job->groups_total);
	ok &= get_int(&r, 1, HACK_JOB_MAX_GROUPS, &job->n_groups);
	if (!ok || r.failed)
		return hack_error_set(err, HACK_ERR_BINARY, MSG_DETAIL,
							  "hack training job message has an invalid field");
	/* the same checks as the arguments of hack_train had */
	if ((st = nn_config_check(c, err)) != HACK_OK || (st = hack_train_check(p, err)) != HACK_OK)
		return st;
	pp = p->pack;
	pp.n = 2;
	pp.dim = c->dim;
	if ((st = hack_pack_check(&pp, err)) != HACK_OK)
		return st;
	job->groups = calloc((size_t) job->n_groups, sizeof(HackJobGroup));
	if (job->groups == NULL)
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL, "out of memory reading a training job");
	for (int i = 0; i < job->n_groups; i++)
	{
		HackJobGroup *g = &job->groups[i];

		g->key = (const char *) wire_get_blob(&r, HACK_JOB_MAX_KEY, &g->key_len);
		ok &= g->key != NULL && !has_nul((const uint8_t *) g->key, g->key_len);
		ok &= get_int(&r, 1, job->groups_total, &g->group_no);
		g->warm = wire_get_blob(&r, HACK_MSG_MAX_BLOB, &g->warm_len);
		if (g->warm_len == 0)
			g->warm = NULL;
		g->resumed_from = (int64_t) wire_get_u64(&r);
		ok &= g->resumed_from >= -1;
		if (!ok || r.failed)
			break;
		for (int j = 0; j < i; j++)
			if (job->groups[j].key_len == g->key_len &&
				memcmp(job->groups[j].key, g->key, g->key_len) == 0)
				ok = false;
	}
	if (!ok || r.failed)
	{
		hack_job_free(job);
		return hack_error_set(err, HACK_ERR_BINARY, MSG_DETAIL,
							  "hack training job message has an invalid group");
	}
	if ((st = close_msg(&r, "training job", err)) != HACK_OK)
		hack_job_free(job);
	return st;
}

void
hack_job_free(HackTrainJob *job)
{
	free(job->groups);
	job->groups = NULL;
}

/* ---- a trained group ---- */

HackStatus
hack_group_msg_write(const HackGroupMsg *m, uint8_t **out, size_t *len, HackError *err)
{
	WireWriter	w = {0};
	size_t		nd = (size_t) m->n * m->dim;

	wire_put_bytes(&w, group_magic, sizeof(group_magic));
	wire_put_u32(&w, HACK_CLUSTER_MSG_VERSION);
	wire_put_u32(&w, (uint32_t) m->n);
	wire_put_u32(&w, (uint32_t) m->dim);
	wire_put_u64(&w, (uint64_t) m->skipped);
	wire_put_f64(&w, m->first_loss);
	wire_put_f64(&w, m->final_loss);
	wire_put_f64(&w, m->pack_seconds);
	wire_put_f64(&w, m->train_seconds);
	wire_put_f64(&w, m->images_per_sec);
	wire_put_f64(&w, m->nn_mean);
	wire_put_f64(&w, m->nn_cv);
	wire_put_f64(&w, m->nn_min);
	wire_put_f64(&w, m->max_norm);
	wire_put_u64(&w, (uint64_t) m->started_at);
	wire_put_u64(&w, (uint64_t) m->finished_at);
	wire_put_blob(&w, m->weights, m->weights_len);
	for (int i = 0; i < m->n; i++)
		wire_put_u64(&w, (uint64_t) m->ids[i]);
	for (int i = 0; i < m->n; i++)
		wire_put_u64(&w, (uint64_t) m->hashes[i]);
	for (int i = 0; i < m->n; i++)
		wire_put_u32(&w, (uint32_t) m->assignment[i]);
	for (size_t i = 0; i < nd; i++)
		wire_put_f64(&w, m->embeddings[i]);
	for (size_t i = 0; i < nd; i++)
		wire_put_f64(&w, m->particles[i]);
	return finish(&w, out, len, err);
}

/* Is each of n points of dim coordinates finite and inside the ball of curvature -c? */
static bool
points_inside(const double *x, int n, int dim, double c)
{
	for (int i = 0; i < n; i++)
	{
		double		s = 0.0;

		for (int j = 0; j < dim; j++)
		{
			double		v = x[(size_t) i * dim + j];

			if (!isfinite(v))
				return false;
			s += v * v;
		}
		if (!(c * s < 1.0))
			return false;
	}
	return true;
}

/* Is a finite and >= 0 (times, rates, losses, distances)? */
static bool
nonneg(double a)
{
	return isfinite(a) && a >= 0.0;
}

/*
 * Read a trained group of dimension dim and at most max_n rows of a model
 * of curvature c, checking that a training could have produced it.
 */
HackStatus
hack_group_msg_read(const uint8_t *buf, size_t len, int dim, int max_n, double c,
					HackGroupMsg *m, HackError *err)
{
	WireReader	r;
	HackStatus	st;
	uint32_t	n;
	size_t		nd;
	uint8_t    *seen = NULL;
	const char *defect = NULL;

	memset(m, 0, sizeof(*m));
	if ((st = open_msg(buf, len, group_magic, "trained group", &r, err)) != HACK_OK)
		return st;
	n = wire_get_u32(&r);
	if (wire_get_u32(&r) != (uint32_t) dim)
		defect = "its dimension is not the model's";
	else if (n < 2 || n > (uint32_t) max_n)
		defect = "its row count is out of range";
	if (defect == NULL)
	{
		m->n = (int) n;
		m->dim = dim;
		m->skipped = (int64_t) wire_get_u64(&r);
		m->first_loss = wire_get_f64(&r);
		m->final_loss = wire_get_f64(&r);
		m->pack_seconds = wire_get_f64(&r);
		m->train_seconds = wire_get_f64(&r);
		m->images_per_sec = wire_get_f64(&r);
		m->nn_mean = wire_get_f64(&r);
		m->nn_cv = wire_get_f64(&r);
		m->nn_min = wire_get_f64(&r);
		m->max_norm = wire_get_f64(&r);
		m->started_at = (int64_t) wire_get_u64(&r);
		m->finished_at = (int64_t) wire_get_u64(&r);
		m->weights = wire_get_blob(&r, HACK_MSG_MAX_BLOB, &m->weights_len);
		nd = (size_t) n * dim;
		/* the arrays must be there before anything is allocated for them */
		if (r.failed || r.len - r.pos != (size_t) n * (8 + 8 + 4) + nd * 16)
			defect = "it has the wrong length";
		else if (m->skipped < 0 || !nonneg(m->first_loss) || !nonneg(m->final_loss) ||
				 !nonneg(m->pack_seconds) || !nonneg(m->train_seconds) ||
				 !nonneg(m->images_per_sec) || !nonneg(m->nn_mean) || !nonneg(m->nn_cv) ||
				 !nonneg(m->nn_min) || !nonneg(m->max_norm) || m->max_norm >= 1.0 ||
				 m->finished_at < m->started_at || m->weights_len == 0)
			defect = "a metric is out of range";
	}
	if (defect != NULL)
		return hack_error_set(err, HACK_ERR_BINARY, MSG_DETAIL, "invalid trained group: %s", defect);

	m->ids = malloc(sizeof(int64_t) * n);
	m->hashes = malloc(sizeof(int64_t) * n);
	m->assignment = malloc(sizeof(int) * n);
	m->embeddings = malloc(sizeof(double) * nd);
	m->particles = malloc(sizeof(double) * nd);
	seen = calloc(n, 1);
	if (!m->ids || !m->hashes || !m->assignment || !m->embeddings || !m->particles || !seen)
	{
		free(seen);
		hack_group_msg_free(m);
		return hack_error_set(err, HACK_ERR_NO_MEMORY, NULL, "out of memory reading a trained group");
	}
	for (uint32_t i = 0; i < n; i++)
		m->ids[i] = (int64_t) wire_get_u64(&r);
	for (uint32_t i = 0; i < n; i++)
		m->hashes[i] = (int64_t) wire_get_u64(&r);
	for (uint32_t i = 0; i < n; i++)
	{
		uint32_t	a = wire_get_u32(&r);

		if (a >= n || seen[a])
			defect = "its assignment is not one-to-one";
		else
			seen[a] = 1;
		m->assignment[i] = (int) (a < n ? a : 0);
	}
	for (size_t i = 0; i < nd; i++)
		m->embeddings[i] = wire_get_f64(&r);
	for (size_t i = 0; i < nd; i++)
		m->particles[i] = wire_get_f64(&r);
	free(seen);
	for (uint32_t i = 1; defect == NULL && i < n; i++)
		if (m->ids[i] <= m->ids[i - 1])
			defect = "its ids are not strictly ascending";
	if (defect == NULL && (!points_inside(m->embeddings, (int) n, dim, c) ||
						   !points_inside(m->particles, (int) n, dim, c)))
		defect = "a point is not finite or not inside the ball";
	if (defect == NULL && (st = close_msg(&r, "trained group", err)) != HACK_OK)
	{
		hack_group_msg_free(m);
		return st;
	}
	if (defect != NULL)
	{
		hack_group_msg_free(m);
		return hack_error_set(err, HACK_ERR_BINARY, MSG_DETAIL, "invalid trained group: %s", defect);
	}
	return HACK_OK;
}

void
hack_group_msg_free(HackGroupMsg *m)
{
	free(m->ids);
	free(m->hashes);
	free(m->assignment);
	free(m->embeddings);
	free(m->particles);
	m->ids = m->hashes = NULL;
	m->assignment = NULL;
	m->embeddings = m->particles = NULL;
}
