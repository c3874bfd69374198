/*
 * nn_pytorch_driver.c
 *	  The engine's side of test/t/019_nn_pytorch.pl: loads the weights,
 *	  running statistics, images and targets nn_pytorch.py wrote, runs one
 *	  training-mode forward and backward pass and one inference pass
 *	  (nn_embed, as hack_embed), and writes what PyTorch computed too.
 *
 * Usage: nn_pytorch_driver DIR ARCH N DIM THREADS.  Built by the test from
 * src/core like test/bench/nn_bench.c; identity input normalisation, the
 * default head (curvature 1, tangent cap 2.3), Euclidean gradient.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_model.h"
#include "nn_model_internal.h"

/* Read exactly n items of size sz from DIR/name; exits on failure. */
static void
read_file(const char *dir, const char *name, void *buf, size_t sz, size_t n)
{
	char		path[4096];
	FILE	   *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (f == NULL || fread(buf, sz, n, f) != n || fgetc(f) != EOF)
	{
		fprintf(stderr, "cannot read %zu values from %s\n", n, path);
		exit(2);
	}
	fclose(f);
}

/* Write n items of size sz to DIR/name. */
static void
write_file(const char *dir, const char *name, const void *buf, size_t sz, size_t n)
{
	char		path[4096];
	FILE	   *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(buf, sz, n, f) != n || fclose(f) != 0)
	{
		fprintf(stderr, "cannot write %s\n", path);
		exit(2);
	}
}

int
main(int argc, char **argv)
{
	const char *dir;
	NnConfig	cfg;
	NnModel    *m = NULL;
	HackError	err;
	NnArch		arch;
	int			n,
				dim;
	float	   *x;
	double	   *t,
			   *emb,
				loss;

	if (argc != 6)
	{
		fprintf(stderr, "usage: nn_pytorch_driver DIR ARCH N DIM THREADS\n");
		return 2;
	}
	dir = argv[1];
	n = atoi(argv[3]);
	dim = atoi(argv[4]);
	if (nn_arch_from_name(argv[2], &arch, &err) != HACK_OK)
	{
		fprintf(stderr, "%s\n", err.message);
		return 2;
	}
	if (arch == NN_ARCH_RESNET20)
		nn_config_default(&cfg, arch, 3, 32, 32, dim);
	else
		nn_config_default(&cfg, arch, 1, 28, 28, dim);
	if (nn_model_create(&cfg, &m, &err) != HACK_OK ||
		nn_set_threads(m, atoi(argv[5]), &err) != HACK_OK)
	{
		fprintf(stderr, "%s\n", err.message);
		return 2;
	}
	x = malloc(sizeof(float) * nn_input_size(m) * n);
	t = malloc(sizeof(double) * n * dim);
	emb = malloc(sizeof(double) * n * dim);
	read_file(dir, "params.f32", m->params, sizeof(float), m->n_params);
	read_file(dir, "buffers.f32", m->buffers, sizeof(float), m->n_buffers);
	read_file(dir, "x.f32", x, sizeof(float), nn_input_size(m) * n);
	read_file(dir, "targets.f64", t, sizeof(double), (size_t) n * dim);

	m->training = true;
	if (nn_forward(m, x, n, emb, &err) != HACK_OK ||
		nn_backward(m, t, 0.0, &loss, &err) != HACK_OK)
	{
		fprintf(stderr, "%s\n", err.message);
		return 1;
	}
	write_file(dir, "hack_emb_train.f64", emb, sizeof(double), (size_t) n * dim);
	write_file(dir, "hack_loss.f64", &loss, sizeof(double), 1);
	write_file(dir, "hack_grads.f32", m->grads, sizeof(float), m->n_params);
	write_file(dir, "hack_buffers.f32", m->buffers, sizeof(float), m->n_buffers);
	/* inference as hack_embed runs it: nn_embed, BatchNorm folded into the convs */
	m->training = false;
	if (nn_embed(m, x, n, n, emb, NULL, NULL, &err) != HACK_OK)
	{
		fprintf(stderr, "%s\n", err.message);
		return 1;
	}
	write_file(dir, "hack_emb_eval.f64", emb, sizeof(double), (size_t) n * dim);
	nn_model_free(m);
	free(x);
	free(t);
	free(emb);
	return 0;
}
