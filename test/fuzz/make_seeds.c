/*
 * make_seeds.c
 *	  Writes the seed corpora of the libFuzzer targets of test/fuzz.
 *
 * Usage: make_seeds DIR; writes DIR/<target>/<name> for every target.
 * `make fuzz-seeds` rebuilds test/fuzz/corpus with it.  The seeds are a few
 * valid inputs of each parser (so the fuzzer starts past the first check)
 * and a few classic near misses; the model blobs are written by the core's
 * own serialiser, so they follow the format whatever it becomes.  No data
 * set is involved and the output is the same on every run.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model_archive.h"
#include "cluster_msg.h"
#include "nn_model.h"
#include "nn_serial.h"

static const char *out_dir;

/* Write len bytes as out_dir/target/name, creating the directories. */
static void
seed(const char *target, const char *name, const void *data, size_t len)
{
	char		path[1024];
	FILE	   *f;

	snprintf(path, sizeof(path), "%s/%s", out_dir, target);
	if (mkdir(path, 0777) != 0 && errno != EEXIST)
	{
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", out_dir, target, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(data, 1, len, f) != len ||
		fclose(f) != 0)
	{
		perror(path);
		exit(1);
	}
}

static void
seed_text(const char *target, const char *name, const char *text)
{
	seed(target, name, text, strlen(text));
}

/* Literals of poincare_point and hball, good and bad. */
static void
text_seeds(void)
{
	static const char *const points[] = {
		"(0.5,-0.25)", "(0)", " ( 0.1 ,\t-0.2\n) ", "(1e-300,5E-1)",
		"(0.70710678118654746,0.70710678118654746)", "(-0,0x1p-3)",
		"(0.1,0.2", "(1,0)", "(nan,0)", "(1e400)", "(0.1 0.2)", "()",
		"(0.1,0.2) x", "(.5,-.5e-1,+0.25)",
		/* the bracketed form client tools write */
		"[0.1, -0.25]", "[0.1,0.2)", "[[0.5]]",
	};
	static const char *const balls[] = {
		"<(0.5,-0.25),1.5>", "<(0),0>", " < ( 0.1 , 0.2 ) , 1e-3 > ",
		"<(0.1),-0>", "<(0.1),-1>", "<(0.1),inf>", "<(1,0),1>", "<(0.1) 1>",
		"<(0.1),1> x", "<0.1,1>",
	};
	char		name[32];
	char		big[1100 * 4];
	char	   *p = big;

	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++)
	{
		snprintf(name, sizeof(name), "point_%02zu", i);
		seed_text("point_text", name, points[i]);
	}
	/* the dimension limit, 1024 coordinates, and one past it */
	*p++ = '(';
	for (int i = 0; i < 1025; i++)
		p += sprintf(p, i ? ",0" : "0");
	strcpy(p, ")");
	seed_text("point_text", "point_1025", big);
	big[strlen(big) - 3] = ')';
	big[strlen(big) - 2] = '\0';
	seed_text("point_text", "point_1024", big);
	for (size_t i = 0; i < sizeof(balls) / sizeof(balls[0]); i++)
	{
		snprintf(name, sizeof(name), "hball_%02zu", i);
		seed_text("hball_text", name, balls[i]);
	}
}

/* Append v big-endian (network order, as pq_sendint16/pq_sendfloat8). */
static uint8_t *
put_be(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--)
		*p++ = (uint8_t) (v >> (8 * i));
	return p;
}

/* Append v little-endian (the model blob's byte order). */
static uint8_t *
put_le(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		*p++ = (uint8_t) (v >> (8 * i));
	return p;
}

/*
 * A binary form holding a point: int16 dim, int16 flags, nx float8 (the
 * coordinates of a point; the radius, then the centre, of a ball).
 */
static void
binary_seed(const char *target, const char *name, int dim, int flags,
			const double *x, int nx)
{
	uint8_t		buf[4 + 8 * 8];
	uint8_t    *p = buf;

	p = put_be(p, (uint16_t) dim, 2);
	p = put_be(p, (uint16_t) flags, 2);
	for (int i = 0; i < nx; i++)
	{
		uint64_t	u;

		memcpy(&u, &x[i], 8);
		p = put_be(p, u, 8);
	}
	seed(target, name, buf, (size_t) (p - buf));
}

static void
binary_seeds(void)
{
	double		x[4] = {0.5, -0.25, 0.125, 0.0};
	double		out[2] = {1.5, 0.0};
	double		ball[4] = {1.5, 0.5, -0.25, 0.125};
	double		zero_ball[2] = {-0.0, 0.5};
	double		bad_ball[3] = {-1.0, 0.0, 1.0};

	binary_seed("point_recv", "ok_2", 2, 0, x, 2);
	binary_seed("point_recv", "ok_4", 4, 0, x, 4);
	binary_seed("point_recv", "short", 2, 0, x, 1);
	binary_seed("point_recv", "flags", 1, 1, x, 1);
	binary_seed("point_recv", "dim_0", 0, 0, x, 0);
	binary_seed("point_recv", "outside", 1, 0, out, 1);
	binary_seed("hball_recv", "ok_3", 3, 0, ball, 4);
	binary_seed("hball_recv", "radius_minus_0", 1, 0, zero_ball, 2);
	binary_seed("hball_recv", "radius_negative", 1, 0, bad_ball, 2);
	binary_seed("hball_recv", "centre_outside", 1, 0, bad_ball + 1, 2);
	binary_seed("hball_recv", "short", 2, 0, ball, 2);
	binary_seed("hball_recv", "flags", 1, 1, ball, 2);
	binary_seed("hball_recv", "header_only", 1, 0, ball, 0);
}

/*
 * An .npy blob (a version 1 header for descr and shape, then len data
 * bytes) after the byte that fuzz_npy.c reads as the expected image shape:
 * channels = 1 + (b >> 6), height = 1 + ((b >> 3) & 7), width = 1 + (b & 7).
 */
static void
npy_seed(const char *name, uint8_t shape_byte, const char *descr,
		 const char *shape, const uint8_t *data, size_t len)
{
	char		dict[256];
	uint8_t		buf[4096];
	int			n = snprintf(dict, sizeof(dict),
							 "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
							 descr, shape);
	int			hlen = (10 + n + 1 + 63) / 64 * 64 - 10;
	uint8_t    *p = buf + 1;

	buf[0] = shape_byte;
	memcpy(p, "\x93NUMPY\x01\x00", 8);
	p[8] = (uint8_t) hlen;
	p[9] = (uint8_t) (hlen >> 8);
	memcpy(p + 10, dict, n);
	memset(p + 10 + n, ' ', hlen - n - 1);
	p[10 + hlen - 1] = '\n';
	memcpy(p + 10 + hlen, data, len);
	seed("npy", name, buf, 1 + 10 + hlen + len);
}

static void
tensor_seeds(void)
{
	static const int shapes[][3] = {{1, 3, 4}, {3, 2, 2}, {1, 1, 1}};
	uint8_t		data[1024];
	uint8_t		raw[1 + 1024];
	float		f[12];
	double		d[12];
	uint8_t		s134 = (0 << 6) | (2 << 3) | 3;	/* 1 x 3 x 4 */
	uint8_t		s322 = (2 << 6) | (1 << 3) | 1;	/* 3 x 2 x 2 */

	for (int i = 0; i < 1024; i++)
		data[i] = (uint8_t) (i * 37 + 11);
	for (int i = 0; i < 12; i++)
	{
		f[i] = (float) i / 7.0f;
		d[i] = -(double) i / 3.0;
	}
	npy_seed("u1_hw", s134, "|u1", "(3, 4)", data, 12);
	npy_seed("f4_chw", s134, "<f4", "(1, 3, 4)", (uint8_t *) f, 48);
	npy_seed("f8_hwc_be", s322, ">f8", "(2, 2, 3)", (uint8_t *) d, 96);
	npy_seed("f4_chw3", s322, "<f4", "(1, 3, 2, 2)", (uint8_t *) f, 48);
	npy_seed("i2_1d", s134, "<i2", "(12,)", data, 24);
	npy_seed("u8_0d", s134, "<u8", "()", data, 8);
	npy_seed("f4_bad_len", s134, "<f4", "(3, 4)", data, 7);

	/*
	 * Raw images: fuzz_image_raw.c reads byte 0 as the format (bits 6-7:
	 * auto, u8, f32, f32) and channels, height, width - 1 (bits 4-5, 2-3,
	 * 0-1).
	 */
	for (int fmt = 0; fmt < 3; fmt++)
	{
		char		name[32];
		int			c = shapes[fmt][0],
					h = shapes[fmt][1],
					w = shapes[fmt][2];
		size_t		n = (size_t) c * h * w;
		size_t		len = fmt == 2 ? 4 * n : n;

		raw[0] = (uint8_t) (fmt << 6 | (c - 1) << 4 | (h - 1) << 2 | (w - 1));
		if (fmt == 2)
		{
			for (size_t i = 0; i < n; i++)
			{
				float		v = (float) i - 2.5f;

				memcpy(raw + 1 + 4 * i, &v, 4);
			}
		}
		else
			memcpy(raw + 1, data, len);
		snprintf(name, sizeof(name), "raw_%d", fmt);
		seed("image_raw", name, raw, 1 + len);
		snprintf(name, sizeof(name), "raw_%d_short", fmt);
		seed("image_raw", name, raw, len);
	}
}

/* Stop with the core's message unless st is HACK_OK. */
static void
must(HackStatus st, const HackError *err)
{
	if (st != HACK_OK)
	{
		fprintf(stderr, "make_seeds: %s\n", err->message);
		exit(1);
	}
}

/* A model of cfg with the weights every seed of a model uses (seed 42). */
static NnModel *
seed_model(const NnConfig *cfg)
{
	NnModel    *m;
	HackError	err;

	must(nn_model_create(cfg, &m, &err), &err);
	nn_model_init(m, 42);
	return m;
}

/* A model blob of cfg, prefixed by the target's "fix the CRC" byte. */
static void
model_seed(const char *name, const NnConfig *cfg)
{
	NnModel    *m = seed_model(cfg);
	size_t		len;
	uint8_t    *buf;

	len = nn_model_blob_size(m);
	buf = malloc(len + 1);
	buf[0] = 1;
	nn_model_write(m, buf + 1);
	seed("model_blob", name, buf, len + 1);
	free(buf);
	nn_model_free(m);
}

/*
 * A hand-made blob header with no tensors and no parameters, for the
 * checks that come before any weight: the shapes lenet cannot take and
 * hidden sizes given to lenet.
 */
static void
model_header_seed(const char *name, const char *arch, int side, int n_hidden)
{
	uint8_t		buf[256];
	uint8_t    *p = buf + 1;
	uint8_t    *q;
	double		curvature = 1.0,
				clip = 0.0;
	float		mean = 0.0f,
				sd = 1.0f;
	uint32_t	fields[4] = {1, (uint32_t) side, (uint32_t) side, 2};
	uint32_t	u32;
	uint64_t	u64;
	size_t		len;

	buf[0] = 0;
	memcpy(p, "HACKNN\032\n", 8);
	q = p + 16;
	*q++ = (uint8_t) strlen(arch);
	memcpy(q, arch, strlen(arch));
	q += strlen(arch);
	for (int i = 0; i < 4; i++)
		q = put_le(q, fields[i], 4);
	memcpy(&u64, &curvature, 8);
	q = put_le(q, u64, 8);
	memcpy(&u64, &clip, 8);
	q = put_le(q, u64, 8);
	q = put_le(q, (uint32_t) n_hidden, 4);
	for (int i = 0; i < n_hidden; i++)
		q = put_le(q, 5, 4);
	memcpy(&u32, &mean, 4);
	q = put_le(q, u32, 4);
	memcpy(&u32, &sd, 4);
	q = put_le(q, u32, 4);
	q = put_le(q, 0, 4);		/* no tensors */
	q = put_le(q, 0, 8);		/* no parameters */
	len = (size_t) (q - p) + 4;
	put_le(p + 8, NN_BLOB_VERSION, 4);
	put_le(p + 12, len, 4);
	put_le(q, nn_crc32(p, len - 4), 4);
	seed("model_blob", name, buf, 1 + len);
}

/* A model shape: square images, curvature 1, the default clip radius. */
static NnConfig
config(NnArch arch, int channels, int side, int dim)
{
	NnConfig	cfg;

	nn_config_default(&cfg, arch, channels, side, side, dim);
	return cfg;
}

static void
model_seeds(void)
{
	NnConfig	cfg = config(NN_ARCH_MLP, 1, 2, 2);

	model_seed("mlp_linear", &cfg);
	cfg = config(NN_ARCH_MLP, 2, 2, 3);
	cfg.n_hidden = 2;
	cfg.hidden[0] = 3;
	cfg.hidden[1] = 2;
	cfg.curvature = 0.5;
	cfg.clip_r = 0.0;
	model_seed("mlp_hidden", &cfg);
	/* the smallest lenet: 16 x 16 -> 12 -> 6 -> 2 -> 1 */
	cfg = config(NN_ARCH_LENET, 1, 16, 2);
	model_seed("lenet_16", &cfg);
	/* version 1 (hack 1.1 and before): no ReLU after the convolutions */
	cfg.conv_relu = false;
	model_seed("lenet_16_v1", &cfg);
	cfg = config(NN_ARCH_MLP, 1, 2, 2);
	cfg.conv_relu = false;
	model_seed("mlp_linear_v1", &cfg);
	model_header_seed("lenet_too_small", "lenet", 8, 0);
	model_header_seed("lenet_hidden", "lenet", 16, 1);
	model_header_seed("mlp_no_params", "mlp", 2, 1);
}

/*
 * An archive of a after the target's mode byte (bit 0: fix the CRC, bit 1:
 * the writer mode); edit, when not NULL, changes the archive first.
 */
static void
archive_seed(const char *name, uint8_t mode, const HackArchive *a,
			 void (*edit) (uint8_t *buf, size_t *len))
{
	HackError	err;
	size_t		len;
	uint8_t    *buf;

	must(hack_archive_size(a, &len, &err), &err);
	buf = malloc(1 + len + 8);
	buf[0] = mode;
	hack_archive_write(a, buf + 1);
	if (edit != NULL)
		edit(buf + 1, &len);
	seed("model_archive", name, buf, 1 + len);
	free(buf);
}

/* Edits of a written archive, for the near misses. */
static void
edit_version(uint8_t *buf, size_t *len)
{
	(void) len;
	buf[8] = 2;
}

static void
edit_trailing(uint8_t *buf, size_t *len)
{
	buf[(*len)++] = 0;
}

static void
edit_truncate(uint8_t *buf, size_t *len)
{
	(void) buf;
	*len -= 5;
}

static void
edit_crc(uint8_t *buf, size_t *len)
{
	buf[*len - 1] ^= 0x40;
}

/* key 2 of the two_groups archive: 20-byte prelude, "{}", count, group 1 */
#define DUP_KEY2_AT (8 + 4 + 4 + 4 + 2 + 4 + (4 + 1 + 4 + 2 + 4 + 2 + 8 + 4 + 1) + 4)

static void
edit_dup_key(uint8_t *buf, size_t *len)
{
	(void) len;
	buf[DUP_KEY2_AT] = 'a';
}

static void
edit_bad_utf8(uint8_t *buf, size_t *len)
{
	(void) len;
	buf[DUP_KEY2_AT] = 0xC0;
}

/* Archives: valid ones of a few shapes, near misses, and writer inputs. */
static void
archive_seeds(void)
{
	static const uint8_t one = 1;
	/* writer mode: 0xFF between header, key, normalisation, metrics, weights */
	static const char writer[] =
		"\x02{\"arch\":\"mlp\"}" "\xff" "0" "\xff" "{}" "\xff" "{\"loss\":1}"
		"\xff" "\x05\x01\x02" "\xff" "" "\xff" "{}" "\xff" "" "\xff" "\x09";
	static const char writer_negative[] =
		"\x02{}" "\xff" "k" "\xff" "{}" "\xff" "{}" "\xff" "\x7f";
	NnConfig	cfg;
	NnModel    *m;
	uint8_t    *blob;
	size_t		blob_len;
	HackArchiveGroup smallest = {"", 0, "", 0, "", 0, 0, &one, 1};
	HackArchiveGroup dup[2] = {
		{"a", 1, "{}", 2, "{}", 2, 10, &one, 1},
		{"b", 1, "{}", 2, "{}", 2, 20, &one, 1},
	};
	HackArchiveGroup three[3] = {
		{"0", 1, "{\"mean\":[0.5],\"sd\":[0.25]}", 26, "{\"loss\":0.125}", 14, 6000, NULL, 0},
		{"", 0, "{}", 2, "{}", 2, 0, &one, 1},
		{"sneaker \xc3\xbc", 10, "{}", 2, "", 0, 123456789012LL, &one, 1},
	};
	HackArchive a = {"", 0, 1, &smallest};

	archive_seed("smallest", 1, &a, NULL);
	a.header = "{}";
	a.header_len = 2;
	a.groups = dup;
	a.n_groups = 2;
	archive_seed("two_groups", 1, &a, NULL);
	archive_seed("version_2", 1, &a, edit_version);
	archive_seed("trailing", 0, &a, edit_trailing);
	archive_seed("truncated", 0, &a, edit_truncate);
	archive_seed("bad_crc", 0, &a, edit_crc);
	archive_seed("dup_keys", 1, &a, edit_dup_key);
	archive_seed("bad_utf8", 1, &a, edit_bad_utf8);

	/* three groups, the first with a real encoder as its weights */
	cfg = config(NN_ARCH_MLP, 1, 2, 2);
	m = seed_model(&cfg);
	blob_len = nn_model_blob_size(m);
	blob = malloc(blob_len);
	nn_model_write(m, blob);
	three[0].weights = blob;
	three[0].weights_len = blob_len;
	a.header = "{\"arch\":\"mlp\",\"dim\":2,\"epochs\":40}";
	a.header_len = strlen(a.header);
	a.groups = three;
	a.n_groups = 3;
	archive_seed("three_groups", 1, &a, NULL);
	free(blob);
	nn_model_free(m);

	seed("model_archive", "writer", writer, sizeof(writer) - 1);
	seed("model_archive", "writer_negative", writer_negative,
		 sizeof(writer_negative) - 1);
}

/*
 * cluster_msg: a job of two groups (one resuming) and a trained group of
 * three rows in 2-D, each behind its selector byte and dimension byte.
 */
static void
cluster_seeds(void)
{
	static const uint8_t warm[2] = {1, 2};
	static const uint8_t weights[3] = {7, 7, 7};
	HackJobGroup groups[2] = {{"0", 1, 1, NULL, 0, -1}, {"sandal", 6, 2, warm, 2, 600}};
	int64_t		ids[3] = {1, 5, 9};
	int64_t		hashes[3] = {-1, 0, 1};
	int			assign[3] = {2, 0, 1};
	double		emb[6] = {0.1, 0.2, -0.3, 0.0, 0.5, -0.5};
	double		par[6] = {0.0, 0.0, 0.7, 0.0, -0.2, 0.6};
	HackTrainJob job;
	HackGroupMsg m;
	HackError	err;
	uint8_t    *buf;
	uint8_t    *in;
	size_t		len;

	memset(&job, 0, sizeof(job));
	nn_config_default(&job.cfg, NN_ARCH_LENET, 1, 28, 28, 2);
	job.format = HACK_IMAGE_U8;
	hack_train_defaults(&job.params);
	job.model = "m";
	job.model_len = 1;
	job.groups_total = 2;
	job.n_groups = 2;
	job.groups = groups;
	if (hack_job_write(&job, &buf, &len, &err) != HACK_OK)
		abort();
	in = malloc(len + 2);
	in[0] = 0;
	in[1] = 0;
	memcpy(in + 2, buf, len);
	seed("cluster_msg", "job", in, len + 2);
	free(in);
	free(buf);

	memset(&m, 0, sizeof(m));
	m.n = 3;
	m.dim = 2;
	m.first_loss = 1.0;
	m.final_loss = 0.5;
	m.max_norm = 0.7;
	m.weights = weights;
	m.weights_len = sizeof(weights);
	m.ids = ids;
	m.hashes = hashes;
	m.assignment = assign;
	m.embeddings = emb;
	m.particles = par;
	if (hack_group_msg_write(&m, &buf, &len, &err) != HACK_OK)
		abort();
	in = malloc(len + 2);
	in[0] = 1;
	in[1] = 1;					/* dimension 1 + 1 */
	memcpy(in + 2, buf, len);
	seed("cluster_msg", "group", in, len + 2);
	free(in);
	free(buf);
}

int
main(int argc, char **argv)
{
	if (argc != 2)
	{
		fprintf(stderr, "usage: make_seeds DIR\n");
		return 2;
	}
	out_dir = argv[1];
	if (mkdir(out_dir, 0777) != 0 && errno != EEXIST)
	{
		perror(out_dir);
		return 1;
	}
	text_seeds();
	binary_seeds();
	tensor_seeds();
	model_seeds();
	archive_seeds();
	cluster_seeds();
	return 0;
}
