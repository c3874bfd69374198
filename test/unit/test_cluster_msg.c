/*
 * test_cluster_msg.c
 *	  The messages of training on a cluster (src/core/cluster_msg.c): a
 *	  job and a trained group round-trip exactly, and every defect a
 *	  damaged connection, another version or a hostile caller could
 *	  produce is refused with HACK_ERR_BINARY (or the parameter checks'
 *	  own status) before anything is trusted.
 */
#include "unit.h"

#include <string.h>

#include "cluster_msg.h"
#include "model_archive.h"

/* Re-seal a message edited in place: the CRC-32C of all but its last 4 bytes. */
static void
reseal(uint8_t *buf, size_t len)
{
	uint32_t	crc = hack_archive_crc32c(buf, len - 4);

	for (int i = 0; i < 4; i++)
		buf[len - 4 + i] = (uint8_t) (crc >> (8 * i));
}

/* A job of two groups, an mlp, the second group resuming from a fake blob. */
static void
make_job(HackTrainJob *job, HackJobGroup *groups)
{
	static const uint8_t warm[3] = {1, 2, 3};

	memset(job, 0, sizeof(*job));
	nn_config_default(&job->cfg, NN_ARCH_MLP, 1, 8, 8, 3);
	job->cfg.n_hidden = 2;
	job->cfg.hidden[0] = 32;
	job->cfg.hidden[1] = 16;
	job->format = HACK_IMAGE_U8;
	hack_train_defaults(&job->params);
	job->params.epochs = 7;
	job->params.lr = 0.05;
	job->params.lr_min = 0.001;
	job->params.seed = UINT64_C(0xFEEDFACECAFEBEEF);
	job->params.riemannian_grad = true;
	job->params.lr_schedule = HACK_LR_EPOCH;
	job->normalise_none = true;
	job->skip_invalid = true;
	job->model = "fashion";
	job->model_len = 7;
	job->groups_total = 10;
	job->n_groups = 2;
	memset(groups, 0, 2 * sizeof(*groups));
	groups[0].key = "3";
	groups[0].key_len = 1;
	groups[0].group_no = 4;
	groups[0].resumed_from = -1;
	groups[1].key = "sandal";
	groups[1].key_len = 6;
	groups[1].group_no = 10;
	groups[1].warm = warm;
	groups[1].warm_len = sizeof(warm);
	groups[1].resumed_from = 6000;
	job->groups = groups;
}

static void
test_job_round_trip(void)
{
	HackTrainJob job;
	HackTrainJob got;
	HackJobGroup groups[2];
	HackError	err;
	uint8_t    *buf;
	size_t		len;

	make_job(&job, groups);
	CHECK(hack_job_write(&job, &buf, &len, &err) == HACK_OK);
	CHECK(hack_job_read(buf, len, &got, &err) == HACK_OK);
	CHECK(got.cfg.arch == NN_ARCH_MLP && got.cfg.dim == 3 && got.cfg.n_hidden == 2);
	CHECK(got.cfg.hidden[0] == 32 && got.cfg.hidden[1] == 16);
	CHECK(got.cfg.curvature == job.cfg.curvature && got.cfg.clip_r == job.cfg.clip_r);
	CHECK(got.format == HACK_IMAGE_U8);
	CHECK(got.params.epochs == 7 && got.params.lr == 0.05 && got.params.lr_min == 0.001);
	CHECK(got.params.seed == job.params.seed && got.params.riemannian_grad);
	CHECK(got.params.lr_schedule == HACK_LR_EPOCH);
	CHECK(got.params.pack.radius == job.params.pack.radius &&
		  got.params.pack.margin == job.params.pack.margin);
	CHECK(got.normalise_none && got.skip_invalid);
	CHECK(got.model_len == 7 && memcmp(got.model, "fashion", 7) == 0);
	CHECK(got.groups_total == 10 && got.n_groups == 2);
	CHECK(got.groups[0].key_len == 1 && got.groups[0].key[0] == '3');
	CHECK(got.groups[0].warm == NULL && got.groups[0].resumed_from == -1);
	CHECK(got.groups[1].group_no == 10 && got.groups[1].warm_len == 3);
	CHECK(got.groups[1].warm[2] == 3 && got.groups[1].resumed_from == 6000);
	hack_job_free(&got);
	free(buf);
}

static void
test_job_defects(void)
{
	HackTrainJob job;
	HackTrainJob got;
	HackJobGroup groups[2];
	HackError	err;
	uint8_t    *buf;
	size_t		len;

	make_job(&job, groups);
	CHECK(hack_job_write(&job, &buf, &len, &err) == HACK_OK);
	/* every truncation, resealed or not */
	for (size_t cut = 0; cut < len; cut++)
	{
		uint8_t    *t = malloc(cut + 1);

		memcpy(t, buf, cut);
		CHECK(hack_job_read(t, cut, &got, &err) == HACK_ERR_BINARY);
		if (cut > 16)
		{
			reseal(t, cut);
			CHECK(hack_job_read(t, cut, &got, &err) == HACK_ERR_BINARY);
		}
		free(t);
	}
	/* any flipped bit fails the checksum */
	buf[20] ^= 4;
	CHECK(hack_job_read(buf, len, &got, &err) == HACK_ERR_BINARY);
	CHECK(strstr(err.message, "checksum") != NULL);
	buf[20] ^= 4;
	/* another version is named */
	buf[8] = 2;
	reseal(buf, len);
	CHECK(hack_job_read(buf, len, &got, &err) == HACK_ERR_BINARY);
	CHECK(strstr(err.message, "version 2") != NULL);
	free(buf);

	/* a parameter the server would refuse is refused here too */
	job.params.lr = -1.0;
	CHECK(hack_job_write(&job, &buf, &len, &err) == HACK_OK);
	CHECK(hack_job_read(buf, len, &got, &err) == HACK_ERR_PARAMETER);
	free(buf);
	job.params.lr = 0.05;
	/* two groups with one key */
	groups[1].key = "3";
	groups[1].key_len = 1;
	CHECK(hack_job_write(&job, &buf, &len, &err) == HACK_OK);
	CHECK(hack_job_read(buf, len, &got, &err) == HACK_ERR_BINARY);
	free(buf);
	/* a key with a NUL byte is no text */
	groups[1].key = "a\0b";
	groups[1].key_len = 3;
	CHECK(hack_job_write(&job, &buf, &len, &err) == HACK_OK);
	CHECK(hack_job_read(buf, len, &got, &err) == HACK_ERR_BINARY);
	free(buf);
	/* a group number beyond the training's groups */
	groups[1].key = "x";
	groups[1].key_len = 1;
	groups[1].group_no = 11;
	CHECK(hack_job_write(&job, &buf, &len, &err) == HACK_OK);
	CHECK(hack_job_read(buf, len, &got, &err) == HACK_ERR_BINARY);
	free(buf);
}

#define GN 5
#define GD 2

/* A trained group of GN rows in 2-D, with a one-to-one assignment. */
static void
make_group(HackGroupMsg *m, int64_t *ids, int64_t *hashes, int *assign, double *emb,
		   double *par)
{
	static const uint8_t weights[4] = {9, 8, 7, 6};

	memset(m, 0, sizeof(*m));
	for (int i = 0; i < GN; i++)
	{
		ids[i] = 10 * i - 20;
		hashes[i] = -i;
		assign[i] = (i + 2) % GN;
		emb[2 * i] = 0.1 * i;
		emb[2 * i + 1] = -0.05 * i;
		par[2 * i] = -0.1 * i;
		par[2 * i + 1] = 0.15 * i;
	}
	m->n = GN;
	m->dim = GD;
	m->skipped = 3;
	m->first_loss = 1.5;
	m->final_loss = 0.25;
	m->pack_seconds = 0.5;
	m->train_seconds = 2.0;
	m->images_per_sec = 1000.0;
	m->nn_mean = 0.2;
	m->nn_cv = 0.1;
	m->nn_min = 0.05;
	m->max_norm = 0.76;
	m->started_at = 1000;
	m->finished_at = 2000;
	m->weights = weights;
	m->weights_len = sizeof(weights);
	m->ids = ids;
	m->hashes = hashes;
	m->assignment = assign;
	m->embeddings = emb;
	m->particles = par;
}

static void
test_group_round_trip(void)
{
	int64_t		ids[GN],
				hashes[GN];
	int			assign[GN];
	double		emb[GN * GD],
				par[GN * GD];
	HackGroupMsg m;
	HackGroupMsg got;
	HackError	err;
	uint8_t    *buf;
	size_t		len;

	make_group(&m, ids, hashes, assign, emb, par);
	CHECK(hack_group_msg_write(&m, &buf, &len, &err) == HACK_OK);
	CHECK(hack_group_msg_read(buf, len, GD, 100, 1.0, &got, &err) == HACK_OK);
	CHECK(got.n == GN && got.dim == GD && got.skipped == 3);
	CHECK(got.first_loss == 1.5 && got.final_loss == 0.25 && got.max_norm == 0.76);
	CHECK(got.started_at == 1000 && got.finished_at == 2000);
	CHECK(got.weights_len == 4 && got.weights[3] == 6);
	CHECK(memcmp(got.ids, ids, sizeof(ids)) == 0);
	CHECK(memcmp(got.hashes, hashes, sizeof(hashes)) == 0);
	CHECK(memcmp(got.assignment, assign, sizeof(assign)) == 0);
	CHECK(memcmp(got.embeddings, emb, sizeof(emb)) == 0);
	CHECK(memcmp(got.particles, par, sizeof(par)) == 0);
	hack_group_msg_free(&got);
	/* the reader's limits: the model's dimension, the row count, the curvature */
	CHECK(hack_group_msg_read(buf, len, 3, 100, 1.0, &got, &err) == HACK_ERR_BINARY);
	CHECK(hack_group_msg_read(buf, len, GD, GN - 1, 1.0, &got, &err) == HACK_ERR_BINARY);
	CHECK(hack_group_msg_read(buf, len, GD, 100, 4.0, &got, &err) == HACK_ERR_BINARY);
	CHECK(strstr(err.message, "inside the ball") != NULL);
	free(buf);
}

/* Write m, edit it with fn, reseal; the read must fail naming what. */
static void
check_group_defect(HackGroupMsg *m, const char *what)
{
	HackGroupMsg got;
	HackError	err;
	uint8_t    *buf;
	size_t		len;

	CHECK(hack_group_msg_write(m, &buf, &len, &err) == HACK_OK);
	CHECK(hack_group_msg_read(buf, len, GD, 100, 1.0, &got, &err) == HACK_ERR_BINARY);
	if (strstr(err.message, what) == NULL)
		unit_fail(__FILE__, __LINE__, "\"%s\" does not name \"%s\"", err.message, what);
	CHECK(got.ids == NULL && got.embeddings == NULL);
	free(buf);
}

static void
test_group_defects(void)
{
	int64_t		ids[GN],
				hashes[GN];
	int			assign[GN];
	double		emb[GN * GD],
				par[GN * GD];
	HackGroupMsg m;
	HackGroupMsg got;
	HackError	err;
	uint8_t    *buf;
	size_t		len;

	make_group(&m, ids, hashes, assign, emb, par);
	ids[3] = ids[2];
	check_group_defect(&m, "ascending");
	make_group(&m, ids, hashes, assign, emb, par);
	assign[4] = assign[0];
	check_group_defect(&m, "one-to-one");
	make_group(&m, ids, hashes, assign, emb, par);
	assign[1] = GN;
	check_group_defect(&m, "one-to-one");
	make_group(&m, ids, hashes, assign, emb, par);
	emb[3] = NAN;
	check_group_defect(&m, "inside the ball");
	make_group(&m, ids, hashes, assign, emb, par);
	par[8] = 0.8;
	par[9] = 0.7;
	check_group_defect(&m, "inside the ball");
	make_group(&m, ids, hashes, assign, emb, par);
	m.final_loss = -1.0;
	check_group_defect(&m, "metric");
	make_group(&m, ids, hashes, assign, emb, par);
	m.finished_at = 10;
	check_group_defect(&m, "metric");
	make_group(&m, ids, hashes, assign, emb, par);
	m.n = 1;
	check_group_defect(&m, "row count");

	/* a row count that does not match the arrays, resealed */
	make_group(&m, ids, hashes, assign, emb, par);
	CHECK(hack_group_msg_write(&m, &buf, &len, &err) == HACK_OK);
	buf[12] = GN - 1;
	reseal(buf, len);
	CHECK(hack_group_msg_read(buf, len, GD, 100, 1.0, &got, &err) == HACK_ERR_BINARY);
	CHECK(strstr(err.message, "length") != NULL);
	/* every truncation */
	buf[12] = GN;
	for (size_t cut = 0; cut < len; cut++)
	{
		reseal(buf, len);
		CHECK(hack_group_msg_read(buf, cut, GD, 100, 1.0, &got, &err) == HACK_ERR_BINARY);
	}
	/* a job is not a trained group */
	buf[4] = 'J';
	CHECK(hack_group_msg_read(buf, len, GD, 100, 1.0, &got, &err) == HACK_ERR_BINARY);
	free(buf);
}

void
suite_cluster_msg(void)
{
	RUN(test_job_round_trip);
	RUN(test_job_defects);
	RUN(test_group_round_trip);
	RUN(test_group_defects);
}
