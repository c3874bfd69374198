/*
 * nn_serial.c
 *	  Writing and validating the stored form of an encoder.
 *
 * Layout, all integers and floats little-endian:
 *	 0	8 bytes		magic "HACKNN\032\n"
 *	 8	u32			format version: 2 (NN_BLOB_VERSION), or 1 for a model
 *					whose lenet has no ReLU after its convolutions
 *					(NN_BLOB_VERSION_NO_CONV_RELU, hack 1.1 and before)
 *	12	u32			total length in bytes, checksum included
 *	16	u8 + bytes	architecture name ("lenet", "mlp")
 *		u32 x 4		channels, height, width, dim
 *		f64 x 2		curvature c, tangent clip radius
 *		u32 + u32s	number of hidden layers and their sizes (mlp)
 *		f32 x 2C	normalisation means then standard deviations
 *		u32			number of tensors; each: u32 rank, rank x u32 sizes
 *		u64			number of parameters (floats)
 *		f32 x N		the parameters, tensor after tensor
 *	version 3 only (NN_BLOB_VERSION_BUFFERS, resnet20):
 *		u64			number of buffer floats
 *		f32 x B		the buffers: each BatchNorm's running mean and variance
 *	end-4	u32		CRC-32 (IEEE) of every byte before it
 *
 * Reading trusts nothing: the length, checksum, every field and every
 * tensor shape are checked against the model the header describes, the
 * parameter count against the bytes actually present before anything is
 * allocated, and every weight must be finite.  Any mismatch is
 * HACK_ERR_CORRUPT.  Momentum buffers are not stored: a loaded model
 * resumes training with zero momentum.
 */
#include "nn_serial.h"

#include <math.h>
#include <string.h>

#include "nn_augment.h"

static const uint8_t nn_magic[8] = {'H', 'A', 'C', 'K', 'N', 'N', 032, '\n'};

#define NN_MAX_TENSORS (2 * NN_MAX_LAYERS)

/* CRC-32 (IEEE 802.3, reflected, as zlib), bytewise with a lazy table. */
uint32_t
nn_crc32(const uint8_t *data, size_t len)
{
	static uint32_t table[256];
	static int	ready;
	uint32_t	crc = 0xFFFFFFFFu;

	if (!ready)
	{
		for (uint32_t i = 0; i < 256; i++)
		{
			uint32_t	c = i;

			for (int k = 0; k < 8; k++)
				c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
		ready = 1;
	}
	for (size_t i = 0; i < len; i++)
		crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
	return crc ^ 0xFFFFFFFFu;
}

/* Append tensor t of rank r and sizes d (the first r are read). */
static void
tensor_add(int rank[], uint32_t sizes[][4], int *t, int r, const uint32_t d[4])
{
	rank[*t] = r;
	memcpy(sizes[*t], d, sizeof(uint32_t) * r);
	(*t)++;
}

/* The model's tensors as (rank, sizes) pairs, weight then bias; returns the count. */
static int
tensor_list(const NnModel *m, int rank[], uint32_t sizes[][4])
{
	int			t = 0;

	for (int i = 0; i < m->n_layers; i++)
	{
		const NnLayer *l = &m->layers[i];

		if (l->kind == NN_LAYER_CONV_POOL || l->kind == NN_LAYER_CONV)
		{
			tensor_add(rank, sizes, &t, 4, (uint32_t[4]) {l->cout, l->cin, l->k, l->k});
			if (l->kind == NN_LAYER_CONV_POOL)
				tensor_add(rank, sizes, &t, 1, (uint32_t[4]) {l->cout});
		}
		else if (l->kind == NN_LAYER_BATCHNORM)
		{
			tensor_add(rank, sizes, &t, 1, (uint32_t[4]) {l->cout});
			tensor_add(rank, sizes, &t, 1, (uint32_t[4]) {l->cout});
		}
		else if (l->kind == NN_LAYER_LINEAR)
		{
			tensor_add(rank, sizes, &t, 2, (uint32_t[4]) {l->out, l->in});
			tensor_add(rank, sizes, &t, 1, (uint32_t[4]) {l->out});
		}
	}
	return t;
}

/* Bytes nn_model_write will produce. */
size_t
nn_model_blob_size(const NnModel *m)
{
	int			rank[NN_MAX_TENSORS];
	uint32_t	sizes[NN_MAX_TENSORS][4];
	int			nt = tensor_list(m, rank, sizes);
	size_t		len = 8 + 4 + 4;

	len += 1 + strlen(nn_arch_name(m->cfg.arch));
	len += 4 * 4 + 8 * 2 + 4 + 4 * m->cfg.n_hidden;
	len += 4 * 2 * m->cfg.channels;
	len += 4;
	for (int t = 0; t < nt; t++)
		len += 4 + 4 * rank[t];
	len += 8 + 4 * m->n_params + 4;
	if (m->n_buffers > 0)
		len += 8 + 4 * m->n_buffers;
	return len;
}

/* Little-endian writers advancing *p. */
static void
put_u32(uint8_t **p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		*(*p)++ = (uint8_t) (v >> (8 * i));
}

static void
put_u64(uint8_t **p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		*(*p)++ = (uint8_t) (v >> (8 * i));
}

static void
put_f32(uint8_t **p, float f)
{
	uint32_t	v;

	memcpy(&v, &f, 4);
	put_u32(p, v);
}

static void
put_f64(uint8_t **p, double d)
{
	uint64_t	v;

	memcpy(&v, &d, 8);
	put_u64(p, v);
}

/* Serialise m into buf, which holds nn_model_blob_size(m) bytes. */
void
nn_model_write(const NnModel *m, uint8_t *buf)
{
	int			rank[NN_MAX_TENSORS];
	uint32_t	sizes[NN_MAX_TENSORS][4];
	int			nt = tensor_list(m, rank, sizes);
	size_t		len = nn_model_blob_size(m);
	const char *name = nn_arch_name(m->cfg.arch);
	uint8_t    *p = buf;

	memcpy(p, nn_magic, 8);
	p += 8;
	put_u32(&p, m->n_buffers > 0 ? NN_BLOB_VERSION_BUFFERS :
			m->cfg.conv_relu ? NN_BLOB_VERSION : NN_BLOB_VERSION_NO_CONV_RELU);
	put_u32(&p, (uint32_t) len);
	*p++ = (uint8_t) strlen(name);
	memcpy(p, name, strlen(name));
	p += strlen(name);
	put_u32(&p, m->cfg.channels);
	put_u32(&p, m->cfg.height);
	put_u32(&p, m->cfg.width);
	put_u32(&p, m->cfg.dim);
	put_f64(&p, m->cfg.curvature);
	put_f64(&p, m->cfg.clip_r);
	put_u32(&p, m->cfg.n_hidden);
	for (int i = 0; i < m->cfg.n_hidden; i++)
		put_u32(&p, m->cfg.hidden[i]);
	for (int c = 0; c < m->cfg.channels; c++)
		put_f32(&p, m->mean[c]);
	for (int c = 0; c < m->cfg.channels; c++)
		put_f32(&p, m->std[c]);
	put_u32(&p, nt);
	for (int t = 0; t < nt; t++)
	{
		put_u32(&p, rank[t]);
		for (int r = 0; r < rank[t]; r++)
			put_u32(&p, sizes[t][r]);
	}
	put_u64(&p, m->n_params);
	for (size_t i = 0; i < m->n_params; i++)
		put_f32(&p, m->params[i]);
	if (m->n_buffers > 0)
	{
		put_u64(&p, m->n_buffers);
		for (size_t i = 0; i < m->n_buffers; i++)
			put_f32(&p, m->buffers[i]);
	}
	put_u32(&p, nn_crc32(buf, (size_t) (p - buf)));
}

/* A bounds-checked little-endian reader. */
typedef struct Reader
{
	const uint8_t *p;
	const uint8_t *end;
	bool		ok;
} Reader;

static uint64_t
get_bytes(Reader *r, int n)
{
	uint64_t	v = 0;

	if (!r->ok || r->end - r->p < n)
	{
		r->ok = false;
		return 0;
	}
	for (int i = 0; i < n; i++)
		v |= (uint64_t) r->p[i] << (8 * i);
	r->p += n;
	return v;
}

static uint32_t
get_u32(Reader *r)
{
	return (uint32_t) get_bytes(r, 4);
}

static float
get_f32(Reader *r)
{
	uint32_t	v = get_u32(r);
	float		f;

	memcpy(&f, &v, 4);
	return f;
}

static double
get_f64(Reader *r)
{
	uint64_t	v = get_bytes(r, 8);
	double		d;

	memcpy(&d, &v, 8);
	return d;
}

/* Report a corrupt blob. */
static HackStatus
corrupt(HackError *err, const char *what)
{
	return hack_error_set(err, HACK_ERR_CORRUPT,
						  "The stored encoder is damaged or was not written by this extension.",
						  "invalid encoder model: %s", what);
}

/* A u32 that must not exceed limit; 0 (and the reader failed) otherwise. */
static int
get_small(Reader *r, uint32_t limit)
{
	uint32_t	v = get_u32(r);

	if (v > limit)
	{
		r->ok = false;
		return 0;
	}
	return (int) v;
}

/* Whether buffer i is a BatchNorm running variance. */
static bool
is_variance(const NnModel *m, size_t i)
{
	for (int k = 0; k < m->n_layers; k++)
	{
		const NnLayer *l = &m->layers[k];

		if (l->kind == NN_LAYER_BATCHNORM && i >= l->rvar && i < l->rvar + l->cout)
			return true;
	}
	return false;
}

/*
 * Parse and validate a stored encoder; on success *model is a new model
 * (free it with nn_model_free).
 */
HackStatus
nn_model_read(const uint8_t *buf, size_t len, NnModel **model, HackError *err)
{
	Reader		r = {buf, buf + len, true};
	NnConfig	cfg;
	NnModel    *m = NULL;
	char		name[256];
	int			namelen;
	float		mean[NN_MAX_CHANNELS],
				sd[NN_MAX_CHANNELS];
	int			nt;
	int			rank[NN_MAX_TENSORS],
				mrank[NN_MAX_TENSORS];
	uint32_t	sizes[NN_MAX_TENSORS][4],
				msizes[NN_MAX_TENSORS][4];
	uint64_t	np,
				nb = 0;
	HackStatus	st;
	HackError	sub;
	uint32_t	version;

	*model = NULL;
	if (len < 8 + 4 + 4 + 4 || memcmp(buf, nn_magic, 8) != 0)
		return corrupt(err, "bad magic number");
	r.p += 8;
	version = get_u32(&r);
	if (version != NN_BLOB_VERSION && version != NN_BLOB_VERSION_NO_CONV_RELU &&
		version != NN_BLOB_VERSION_BUFFERS)
		return corrupt(err, "unsupported format version");
	if (get_u32(&r) != len)
		return corrupt(err, "length mismatch");
	r.end = buf + len - 4;
	{
		Reader		tail = {buf + len - 4, buf + len, true};

		if (get_u32(&tail) != nn_crc32(buf, len - 4))
			return corrupt(err, "checksum mismatch");
	}

	memset(&cfg, 0, sizeof(cfg));
	/* the only difference between the versions: old lenets keep their network */
	cfg.conv_relu = version != NN_BLOB_VERSION_NO_CONV_RELU;
	namelen = (int) get_bytes(&r, 1);
	if (!r.ok || r.end - r.p < namelen)
		return corrupt(err, "truncated header");
	memcpy(name, r.p, namelen);
	name[namelen] = '\0';
	r.p += namelen;
	if (strlen(name) != (size_t) namelen ||
		nn_arch_from_name(name, &cfg.arch, NULL) != HACK_OK)
		return corrupt(err, "unknown architecture");
	cfg.channels = get_small(&r, NN_MAX_CHANNELS);
	cfg.height = get_small(&r, NN_MAX_SIDE);
	cfg.width = get_small(&r, NN_MAX_SIDE);
	cfg.dim = get_small(&r, 1u << 20);
	cfg.curvature = get_f64(&r);
	cfg.clip_r = get_f64(&r);
	cfg.n_hidden = get_small(&r, NN_MAX_HIDDEN);
	for (int i = 0; r.ok && i < cfg.n_hidden; i++)
		cfg.hidden[i] = get_small(&r, NN_MAX_WIDTH);
	if (!r.ok)
		return corrupt(err, "truncated header");
	if (cfg.arch != NN_ARCH_MLP && cfg.n_hidden != 0)
		return corrupt(err, "hidden sizes given for a convolutional encoder");
	if (nn_config_check(&cfg, &sub) != HACK_OK)
		return corrupt(err, sub.message);
	for (int c = 0; c < cfg.channels; c++)
		mean[c] = get_f32(&r);
	for (int c = 0; c < cfg.channels; c++)
		sd[c] = get_f32(&r);
	nt = get_small(&r, NN_MAX_TENSORS);
	for (int t = 0; r.ok && t < nt; t++)
	{
		rank[t] = get_small(&r, 4);
		for (int k = 0; k < rank[t]; k++)
			sizes[t][k] = get_u32(&r);
	}
	np = get_bytes(&r, 8);
	if (!r.ok)
		return corrupt(err, "truncated header");
	if (np > NN_MAX_PARAMS)
		return corrupt(err, "parameter count does not match the stored bytes");
	if (version == NN_BLOB_VERSION_BUFFERS)
	{
		/* the buffer count follows the parameters */
		Reader		b = {r.p + np * 4, r.end, (uint64_t) (r.end - r.p) >= np * 4};

		nb = get_bytes(&b, 8);
		if (!b.ok || nb == 0 || nb > NN_MAX_PARAMS ||
			(uint64_t) (r.end - r.p) != np * 4 + 8 + nb * 4)
			return corrupt(err, "buffer count does not match the stored bytes");
	}
	else if ((uint64_t) (r.end - r.p) != np * 4)
		return corrupt(err, "parameter count does not match the stored bytes");

	if ((st = nn_model_create(&cfg, &m, &sub)) != HACK_OK)
		return st == HACK_ERR_NO_MEMORY ? hack_error_set(err, st, NULL, "%s", sub.message)
			: corrupt(err, sub.message);
	if (m->n_params != np || m->n_buffers != nb ||
		tensor_list(m, mrank, msizes) != nt)
	{
		nn_model_free(m);
		return corrupt(err, "tensor list does not match the architecture");
	}
	for (int t = 0; t < nt; t++)
	{
		bool		same = rank[t] == mrank[t];

		for (int k = 0; same && k < rank[t]; k++)
			same = sizes[t][k] == msizes[t][k];
		if (!same)
		{
			nn_model_free(m);
			return corrupt(err, "tensor shape does not match the architecture");
		}
	}
	if (nn_set_normalisation(m, mean, sd, NULL) != HACK_OK)
	{
		nn_model_free(m);
		return corrupt(err, "invalid normalisation");
	}
	for (size_t i = 0; i < m->n_params; i++)
	{
		m->params[i] = get_f32(&r);
		if (!isfinite(m->params[i]))
		{
			nn_model_free(m);
			return corrupt(err, "non-finite weight");
		}
	}
	if (nb > 0)
		get_bytes(&r, 8);
	for (size_t i = 0; i < m->n_buffers; i++)
	{
		m->buffers[i] = get_f32(&r);
		/* a running variance is positive, a mean finite */
		if (!isfinite(m->buffers[i]) || (is_variance(m, i) && !(m->buffers[i] > 0.0f)))
		{
			nn_model_free(m);
			return corrupt(err, "invalid normalisation statistics");
		}
	}
	*model = m;
	return HACK_OK;
}
