/*
 * nn_optim.c
 *	  SGD with momentum and weight decay, and the cosine learning rate.
 *
 * The update is PyTorch's torch.optim.SGD (dampening 0, not Nesterov):
 *	g = grad + wd * w;  v = mu * v + g;  w -= lr * v
 * (with mu = 0 this is plain SGD and v is just g).  HACK's reference
 * trains with plain SGD at lr 0.1 under a cosine schedule; momentum 0.9 at
 * that rate drives every embedding to the boundary, so momentum defaults
 * to 0.
 */
#include "nn_optim.h"

#include <math.h>

/* Validate optimiser settings. */
HackStatus
nn_sgd_check(const NnSgd *sgd, HackError *err)
{
	if (!(sgd->momentum >= 0.0 && sgd->momentum < 1.0))
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "momentum must be in [0, 1)");
	if (!(sgd->weight_decay >= 0.0) || !isfinite(sgd->weight_decay))
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "weight decay must be non-negative and finite");
	return HACK_OK;
}

/* One SGD update of every parameter from m->grads. */
void
nn_sgd_step(NnModel *m, const NnSgd *sgd, double lr)
{
	float		mu = (float) sgd->momentum;
	float		wd = (float) sgd->weight_decay;
	float		a = (float) lr;
	float	   *w = m->params;
	float	   *g = m->grads;
	float	   *v = m->velocity;

	if (mu == 0.0f)
		for (size_t i = 0; i < m->n_params; i++)
			w[i] -= a * (g[i] + wd * w[i]);
	else
		for (size_t i = 0; i < m->n_params; i++)
		{
			v[i] = mu * v[i] + g[i] + wd * w[i];
			w[i] -= a * v[i];
		}
}

/* Cosine annealing from lr0 to lr_min over total steps (Loshchilov & Hutter 2017). */
double
nn_cosine_lr(double lr0, double lr_min, long step, long total)
{
	if (total <= 0 || step >= total)
		return lr_min;
	if (step <= 0)
		return lr0;
	return lr_min + 0.5 * (lr0 - lr_min) * (1.0 + cos(3.141592653589793 * (double) step / total));
}
