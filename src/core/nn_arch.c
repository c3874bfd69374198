/*
 * nn_arch.c
 *	  The architectures, each a table of layers, and their initialisation.
 *
 * An architecture is a list of NnLayerSpec rows (kind, width, kernel,
 * stride, padding, ReLU, shortcut source); build_from_specs turns it into
 * the model's layers: shapes, parameter and buffer offsets, im2col block
 * sizes and which input gradients must be accumulated (an activation read
 * by two layers, the input of a residual block).  The row order is the
 * order of the parameters in memory and in the stored form, so the tables
 * of lenet and mlp give exactly the layout of hack 1.2 and before.
 *
 *	lenet		the HACK reference encoder (the authors' model.py):
 *				conv 20@5 ReLU pool, conv 50@5 ReLU pool, fc 100 ReLU,
 *				fc 100 ReLU, fc 64, linear to dim (convolutions without ReLU
 *				for version-1 blobs, NnConfig.conv_relu)
 *	mlp			linear layers with ReLU of the hidden sizes, linear to dim
 *	resnet20	He et al. 2016, section 4.2 (CIFAR): conv 16@3 BN ReLU, three
 *				stages of three basic blocks at 16, 32 and 64 channels
 *				(conv3 BN ReLU conv3 BN + shortcut, ReLU), stride 2 entering
 *				stages 2 and 3 with the paper's option A shortcut (subsample,
 *				zero channels), global average pool, linear to 10, linear to
 *				dim, as the reference's resnet_cifar.py and model.py
 */
#include "nn_model_internal.h"

#include <math.h>
#include <string.h>

/* floats of im2col columns per block: 1M floats = 4 MB */
#ifndef NN_COLS_BLOCK
#define NN_COLS_BLOCK (1024 * 1024)
#endif

#define NN_SPEC_DIM (-1)		/* width: the ball's dimension */
#define NN_SPEC_PREV (-1)		/* src2: none */

/* How a layer's weights start (nn_model_init). */
typedef enum NnInit
{
	NN_INIT_TORCH,				/* PyTorch's default: U(-1/sqrt(fan_in), +) */
	NN_INIT_KAIMING				/* weights N(0, 2/fan_in), bias as PyTorch */
} NnInit;

/* One row of an architecture table. */
typedef struct NnLayerSpec
{
	NnLayerKind kind;
	int			width;			/* output channels or features; NN_SPEC_DIM */
	int			k;
	int			stride;
	int			pad;
	bool		relu;
	int			src2;			/* ADD: activation of the shortcut */
	NnInit		init;
} NnLayerSpec;

/* Name of an architecture, as stored and as given in SQL. */
const char *
nn_arch_name(NnArch arch)
{
	switch (arch)
	{
		case NN_ARCH_LENET:
			return "lenet";
		case NN_ARCH_MLP:
			return "mlp";
		case NN_ARCH_RESNET20:
			return "resnet20";
	}
	return "unknown";
}

/* Parse an architecture name. */
HackStatus
nn_arch_from_name(const char *name, NnArch *arch, HackError *err)
{
	if (strcmp(name, "lenet") == 0)
		*arch = NN_ARCH_LENET;
	else if (strcmp(name, "mlp") == 0)
		*arch = NN_ARCH_MLP;
	else if (strcmp(name, "resnet20") == 0)
		*arch = NN_ARCH_RESNET20;
	else
		return hack_error_set(err, HACK_ERR_PARAMETER,
							  "Known architectures are lenet, mlp and resnet20.",
							  "unknown encoder architecture \"%.64s\"", name);
	return HACK_OK;
}

/* Append a row to a table. */
static void
spec(NnLayerSpec *t, int *n, NnLayerKind kind, int width, int k, int stride,
	 int pad, bool relu, int src2, NnInit init)
{
	NnLayerSpec *s = &t[(*n)++];

	s->kind = kind;
	s->width = width;
	s->k = k;
	s->stride = stride;
	s->pad = pad;
	s->relu = relu;
	s->src2 = src2;
	s->init = init;
}

/* The table of cfg's architecture; returns the row count. */
static int
arch_table(const NnConfig *cfg, NnLayerSpec *t)
{
	int			n = 0;

	switch (cfg->arch)
	{
		case NN_ARCH_LENET:
			spec(t, &n, NN_LAYER_CONV_POOL, 20, 5, 1, 0, cfg->conv_relu, NN_SPEC_PREV, NN_INIT_TORCH);
			spec(t, &n, NN_LAYER_CONV_POOL, 50, 5, 1, 0, cfg->conv_relu, NN_SPEC_PREV, NN_INIT_TORCH);
			spec(t, &n, NN_LAYER_FLATTEN, 0, 0, 0, 0, false, NN_SPEC_PREV, NN_INIT_TORCH);
			spec(t, &n, NN_LAYER_LINEAR, 100, 0, 0, 0, true, NN_SPEC_PREV, NN_INIT_TORCH);
			spec(t, &n, NN_LAYER_LINEAR, 100, 0, 0, 0, true, NN_SPEC_PREV, NN_INIT_TORCH);
			spec(t, &n, NN_LAYER_LINEAR, 64, 0, 0, 0, false, NN_SPEC_PREV, NN_INIT_TORCH);
			spec(t, &n, NN_LAYER_LINEAR, NN_SPEC_DIM, 0, 0, 0, false, NN_SPEC_PREV, NN_INIT_TORCH);
			break;
		case NN_ARCH_MLP:
			for (int i = 0; i < cfg->n_hidden; i++)
				spec(t, &n, NN_LAYER_LINEAR, cfg->hidden[i], 0, 0, 0, true, NN_SPEC_PREV, NN_INIT_TORCH);
			spec(t, &n, NN_LAYER_LINEAR, NN_SPEC_DIM, 0, 0, 0, false, NN_SPEC_PREV, NN_INIT_TORCH);
			break;
		case NN_ARCH_RESNET20:
			spec(t, &n, NN_LAYER_CONV, 16, 3, 1, 1, false, NN_SPEC_PREV, NN_INIT_KAIMING);
			spec(t, &n, NN_LAYER_BATCHNORM, 16, 0, 0, 0, true, NN_SPEC_PREV, NN_INIT_TORCH);
			for (int stage = 0; stage < 3; stage++)
				for (int b = 0; b < 3; b++)
				{
					int			planes = 16 << stage;
					int			stride = stage > 0 && b == 0 ? 2 : 1;
					int			in = n;		/* the block's input activation */

					spec(t, &n, NN_LAYER_CONV, planes, 3, stride, 1, false, NN_SPEC_PREV, NN_INIT_KAIMING);
					spec(t, &n, NN_LAYER_BATCHNORM, planes, 0, 0, 0, true, NN_SPEC_PREV, NN_INIT_TORCH);
					spec(t, &n, NN_LAYER_CONV, planes, 3, 1, 1, false, NN_SPEC_PREV, NN_INIT_KAIMING);
					spec(t, &n, NN_LAYER_BATCHNORM, planes, 0, 0, 0, false, NN_SPEC_PREV, NN_INIT_TORCH);
					spec(t, &n, NN_LAYER_ADD, planes, 0, stride, 0, true, in, NN_INIT_TORCH);
				}
			spec(t, &n, NN_LAYER_AVGPOOL, 0, 0, 0, 0, false, NN_SPEC_PREV, NN_INIT_TORCH);
			spec(t, &n, NN_LAYER_LINEAR, 10, 0, 0, 0, false, NN_SPEC_PREV, NN_INIT_KAIMING);
			spec(t, &n, NN_LAYER_LINEAR, NN_SPEC_DIM, 0, 0, 0, false, NN_SPEC_PREV, NN_INIT_TORCH);
			break;
	}
	return n;
}

/* The shape of activation a: channels, plane, floats per image; rows if !planes. */
typedef struct NnShape
{
	bool		planes;
	int			c,
				h,
				w;
	size_t		size;
} NnShape;

/* im2col block of a convolution: images whose columns fill NN_COLS_BLOCK. */
static int
conv_chunk(size_t cols_per_image)
{
	int			chunk = (int) (NN_COLS_BLOCK / cols_per_image);

	return chunk < 1 ? 1 : chunk;
}

/*
 * Turn a table into layers: shapes, parameter and buffer offsets, and the
 * accumulate flags of shared activations.
 */
static HackStatus
build_from_specs(NnModel *m, const NnLayerSpec *t, int nspec, size_t *np,
				 size_t *nb, HackError *err)
{
	const NnConfig *cfg = &m->cfg;
	NnShape		sh[NN_MAX_LAYERS + 1];
	bool		written[NN_MAX_LAYERS + 1];

	*np = *nb = 0;
	m->n_layers = 0;
	sh[0].planes = t[0].kind == NN_LAYER_CONV_POOL || t[0].kind == NN_LAYER_CONV;
	sh[0].c = cfg->channels;
	sh[0].h = cfg->height;
	sh[0].w = cfg->width;
	sh[0].size = (size_t) cfg->channels * cfg->height * cfg->width;
	for (int i = 0; i < nspec; i++)
	{
		const NnLayerSpec *s = &t[i];
		NnLayer    *l = &m->layers[i];
		NnShape    *in = &sh[i],
				   *out = &sh[i + 1];
		int			width = s->width == NN_SPEC_DIM ? cfg->dim : s->width;

		memset(l, 0, sizeof(*l));
		l->kind = s->kind;
		l->src = i;
		l->src2 = -1;
		l->relu = s->relu;
		l->cin = in->c;
		l->h = in->h;
		l->w = in->w;
		l->in_size = in->size;
		*out = *in;
		switch (s->kind)
		{
			case NN_LAYER_CONV_POOL:
				if (in->h - s->k + 1 < 2 || in->w - s->k + 1 < 2)
					return hack_error_set(err, HACK_ERR_PARAMETER,
										  "The lenet encoder needs images of at least 16 x 16 pixels.",
										  "image of %d x %d pixels is too small for the encoder",
										  cfg->height, cfg->width);
				l->cout = width;
				l->k = s->k;
				l->stride = 1;
				l->oh = in->h - s->k + 1;
				l->ow = in->w - s->k + 1;
				out->c = width;
				out->h = l->oh / 2;
				out->w = l->ow / 2;
				l->weight = *np;
				l->bias = *np + (size_t) width * in->c * s->k * s->k;
				*np = l->bias + width;
				l->chunk = conv_chunk((size_t) in->c * s->k * s->k * 4 * out->h * out->w);
				break;
			case NN_LAYER_CONV:
				l->cout = width;
				l->k = s->k;
				l->stride = s->stride;
				l->pad = s->pad;
				l->oh = (in->h + 2 * s->pad - s->k) / s->stride + 1;
				l->ow = (in->w + 2 * s->pad - s->k) / s->stride + 1;
				if (in->h + 2 * s->pad < s->k || in->w + 2 * s->pad < s->k)
					return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
										  "image of %d x %d pixels is too small for the encoder",
										  cfg->height, cfg->width);
				out->c = width;
				out->h = l->oh;
				out->w = l->ow;
				l->weight = l->bias = *np;
				*np += (size_t) width * in->c * s->k * s->k;
				l->bias = *np;	/* no bias: an empty range */
				break;
			case NN_LAYER_BATCHNORM:
				l->cout = in->c;
				l->oh = in->h;
				l->ow = in->w;
				l->weight = *np;
				l->bias = *np + in->c;
				*np += 2 * (size_t) in->c;
				l->rmean = *nb;
				l->rvar = *nb + in->c;
				*nb += 2 * (size_t) in->c;
				break;
			case NN_LAYER_ADD:
				{
					const NnShape *sc = &sh[s->src2];

					l->src2 = s->src2;
					l->cout = in->c;
					l->oh = in->h;
					l->ow = in->w;
					l->stride = s->stride;
					l->pad = (in->c - sc->c) / 2;
					if (!sc->planes || sc->c > in->c ||
						(sc->h + s->stride - 1) / s->stride != in->h ||
						(sc->w + s->stride - 1) / s->stride != in->w)
						return hack_error_set(err, HACK_ERR_INTERNAL, NULL,
											  "residual shortcut does not match its block");
				}
				break;
			case NN_LAYER_AVGPOOL:
			case NN_LAYER_FLATTEN:
				out->planes = false;
				out->c = s->kind == NN_LAYER_AVGPOOL ? in->c : (int) in->size;
				out->h = out->w = 1;
				break;
			case NN_LAYER_LINEAR:
				l->in = (int) in->size;
				l->out = width;
				out->c = width;
				out->h = out->w = 1;
				l->weight = *np;
				l->bias = *np + (size_t) l->in * width;
				*np = l->bias + width;
				break;
		}
		out->size = (size_t) out->c * out->h * out->w;
		l->out_size = out->size;
		if (*np > NN_MAX_PARAMS)
			return hack_error_set(err, HACK_ERR_LIMIT, NULL,
								  "encoder of %zu parameters exceeds the limit of %d",
								  *np, NN_MAX_PARAMS);
		m->n_layers++;
	}

	/*
	 * Backward runs the layers in reverse: the first layer to write an
	 * activation's gradient sets it, later ones (earlier in the table) add.
	 */
	memset(written, 0, sizeof(written));
	for (int i = m->n_layers - 1; i >= 0; i--)
	{
		NnLayer    *l = &m->layers[i];

		l->acc = written[l->src];
		written[l->src] = true;
		if (l->src2 >= 0)
		{
			l->acc2 = written[l->src2];
			written[l->src2] = true;
		}
	}
	return HACK_OK;
}

/* Build the layers of cfg's architecture (nn_model_create). */
HackStatus
nn_build_layers(NnModel *m, size_t *np, size_t *nb, HackError *err)
{
	NnLayerSpec t[NN_MAX_LAYERS];
	int			n = arch_table(&m->cfg, t);

	return build_from_specs(m, t, n, np, nb, err);
}

/* Whether layer i of cfg's table starts with Kaiming-normal weights. */
static bool
kaiming(const NnModel *m, int i)
{
	NnLayerSpec t[NN_MAX_LAYERS];

	arch_table(&m->cfg, t);
	return t[i].init == NN_INIT_KAIMING;
}

/*
 * Initial weights as the reference code has them.  lenet and mlp:
 * PyTorch's default for Conv2d and Linear, Kaiming-uniform with a =
 * sqrt(5), i.e. W and b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn layer
 * after layer, W then b (the order of hack 1.2, so a seed gives the same
 * model).  (Kaiming-normal with the ReLU gain makes lenet's initial
 * tangent vectors hundreds of times longer, so every embedding starts at
 * the clip radius, where the cap's gradient has no radial part and
 * training stalls.)  resnet20: its convolutions and its linear layer to
 * 10 are Kaiming-normal, N(0, 2/fan_in), as resnet_cifar.py's
 * _weights_init, the projection to dim keeps PyTorch's default, and every
 * BatchNorm starts as the identity (gamma 1, beta 0, running mean 0,
 * variance 1).  Momentum buffers restart at zero.
 */
void
nn_model_init(NnModel *m, uint64_t seed)
{
	NnRng		rng;

	nn_rng_seed(&rng, seed);
	memset(m->velocity, 0, sizeof(float) * m->n_params);
	for (int i = 0; i < m->n_layers; i++)
	{
		NnLayer    *l = &m->layers[i];
		size_t		fan_in,
					end;
		double		bound;

		if (l->kind == NN_LAYER_BATCHNORM)
		{
			for (int c = 0; c < l->cout; c++)
			{
				m->params[l->weight + c] = 1.0f;
				m->params[l->bias + c] = 0.0f;
				m->buffers[l->rmean + c] = 0.0f;
				m->buffers[l->rvar + c] = 1.0f;
			}
			continue;
		}
		if (l->kind != NN_LAYER_CONV_POOL && l->kind != NN_LAYER_CONV &&
			l->kind != NN_LAYER_LINEAR)
			continue;
		fan_in = l->kind == NN_LAYER_LINEAR ? (size_t) l->in : (size_t) l->cin * l->k * l->k;
		end = l->bias + (l->kind == NN_LAYER_LINEAR ? l->out :
						 l->kind == NN_LAYER_CONV_POOL ? l->cout : 0);
		bound = 1.0 / sqrt((double) fan_in);
		if (kaiming(m, i))
		{
			double		sd = sqrt(2.0 / (double) fan_in);

			for (size_t j = l->weight; j < l->bias; j++)
				m->params[j] = (float) (sd * nn_rng_normal(&rng));
			for (size_t j = l->bias; j < end; j++)
				m->params[j] = (float) (bound * (2.0 * nn_rng_uniform(&rng) - 1.0));
		}
		else
			for (size_t j = l->weight; j < end; j++)
				m->params[j] = (float) (bound * (2.0 * nn_rng_uniform(&rng) - 1.0));
	}
}
