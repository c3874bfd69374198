/*
 * test_packing.c
 *	  Sphere packing (src/core/packing.c) and its statistics.
 *
 * The quality bar is the issue's: each of 10 shells of equal hyperbolic
 * volume holds n/10 +- 10%, nearest-neighbour distances have CV < 0.15 and
 * a minimum of at least half their mean, every particle lies strictly
 * inside r + margin and no two coincide.  Independent uniform points fail
 * that bar, which shows the checks can fail.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "hyperbolic.h"
#include "packing.h"
#include "packing_stats.h"

/* Pack with the defaults and the given n, dim, epochs and seed. */
static double *
pack(int n, int dim, int epochs, uint64_t seed, HackStatus *st)
{
	HackPackParams p;
	HackError	err;
	double	   *x = malloc(sizeof(double) * n * dim);

	hack_pack_defaults(&p);
	p.n = n;
	p.dim = dim;
	p.epochs = epochs;
	p.seed = seed;
	*st = hack_pack(&p, x, NULL, NULL, &err);
	if (*st != HACK_OK)
		fprintf(stderr, "    hack_pack: %s\n", err.message);
	return x;
}

/* Assert the quality bar on a packing of n points. */
static void
check_quality(const double *x, int n, int dim)
{
	HackPackParams p;
	HackPackGeometry g;
	HackPackStats s;
	HackError	err;
	long		in_shells = 0;

	hack_pack_defaults(&p);
	CHECK(hack_packing_stats(x, n, dim, p.radius, &s, NULL, NULL, &err) == HACK_OK);
	/* every shell holds n / 10 particles, give or take 10% */
	CHECK(hack_packing_annulus_deviation(&s) <= 0.1);
	for (int a = 0; a < HACK_PACK_ANNULI; a++)
		in_shells += s.annulus[a];
	CHECK(in_shells + s.outside == n);
	p.n = n;
	p.dim = dim;
	CHECK(hack_pack_geometry(&p, &g, &err) == HACK_OK);
	CHECK(s.nn_cv < 0.15);
	CHECK(s.nn_min >= 0.5 * s.nn_mean);
	CHECK(s.max_norm < p.radius + g.margin);
	CHECK(s.coincident == 0);
	if (unit_current_failures)
		fprintf(stderr, "    n %d dim %d: cv %g min %g mean %g max_norm %g\n",
				n, dim, s.nn_cv, s.nn_min, s.nn_mean, s.max_norm);
}

/* Pack n particles in 2-D and assert the bar. */
static void
check_packed(int n, int epochs, uint64_t seed)
{
	HackStatus	st;
	double	   *x = pack(n, 2, epochs, seed, &st);

	CHECK(st == HACK_OK);
	check_quality(x, n, 2);
	free(x);
}

static void
test_quality_2000(void)
{
	check_packed(2000, 1000, 1);
}

/* n = 20,000 with fewer epochs keeps the unit run short; the SQL
 * integration test checks it with the defaults. */
static void
test_quality_20000(void)
{
	check_packed(20000, 150, 2);
}

static void
test_quality_other_dims(void)
{
	for (int dim = 1; dim <= 4; dim++)
	{
		HackStatus	st;
		double	   *x;

		if (dim == 2)
			continue;
		x = pack(500, dim, 500, 3, &st);
		CHECK(st == HACK_OK);
		check_quality(x, 500, dim);
		free(x);
	}
}

/* Tiny packings: one particle, two particles, no epochs. */
static void
test_small_cases(void)
{
	HackStatus	st;
	HackPackStats s;
	HackError	err;
	double	   *x = pack(1, 2, 10, 0, &st);

	CHECK(st == HACK_OK);
	CHECK(sqrt(hyp_sqnorm(x, 2)) < 0.76);
	CHECK(hack_packing_stats(x, 1, 2, 0.76, &s, NULL, NULL, &err) == HACK_OK);
	CHECK(isnan(s.nn_mean));
	free(x);
	x = pack(2, 2, 100, 0, &st);
	CHECK(st == HACK_OK);
	CHECK(hyp_distance(x, x + 2, 2, 1.0) > 1.0);
	free(x);
	x = pack(300, 2, 0, 0, &st);
	CHECK(st == HACK_OK);
	check_quality(x, 300, 2);
	free(x);
}

/* Pack with the given parameters; check every coordinate is finite and inside radius. */
static void
check_extreme(int n, int dim, double radius, double k, double lr, int epochs)
{
	HackPackParams p;
	HackPackStats s;
	HackError	err;
	double	   *x = malloc(sizeof(double) * n * dim);
	int			finite = 1;

	hack_pack_defaults(&p);
	p.n = n;
	p.dim = dim;
	p.radius = radius;
	p.k = k;
	p.lr = lr;
	p.epochs = epochs;
	CHECK(hack_pack(&p, x, NULL, NULL, &err) == HACK_OK);
	for (long i = 0; i < (long) n * dim; i++)
		finite &= isfinite(x[i]) != 0;
	CHECK(finite);
	CHECK(hack_packing_stats(x, n, dim, radius, &s, NULL, NULL, &err) == HACK_OK);
	CHECK(s.outside == 0 && s.max_norm < radius);
	if (n >= 100)
		for (int a = 0; a < HACK_PACK_ANNULI; a++)
			CHECK(fabs(s.annulus[a] - n / 10.0) <= 0.1 * n / 10.0);
	if (unit_current_failures)
		fprintf(stderr, "    n %d dim %d radius %g k %g lr %g\n", n, dim, radius, k, lr);
	free(x);
}

/* The annulus deviation: the worst shell against the even share n / 10. */
static void
test_stats_annulus_deviation(void)
{
	HackPackStats s;

	memset(&s, 0, sizeof(s));
	s.n = 100;
	for (int a = 0; a < HACK_PACK_ANNULI; a++)
		s.annulus[a] = 10;
	CHECK(hack_packing_annulus_deviation(&s) == 0.0);
	s.annulus[3] = 13;
	s.annulus[7] = 7;
	CHECK_CLOSE(hack_packing_annulus_deviation(&s), 0.3, 1e-15);
	/* an empty shell deviates by 1, and a particle outside counts in none */
	s.annulus[3] = 10;
	s.annulus[7] = 0;
	s.outside = 10;
	CHECK(hack_packing_annulus_deviation(&s) == 1.0);
	/* one particle: its shell holds ten times its share */
	memset(&s, 0, sizeof(s));
	s.n = 1;
	s.annulus[0] = 1;
	CHECK(hack_packing_annulus_deviation(&s) == 9.0);
}

/* Parameters at the edges of their domains stay finite and inside. */
static void
test_extremes(void)
{
	check_extreme(500, 2, 0.999999, 1.55, 0.01, 100);	/* beyond hyp_expmap's clip */
	check_extreme(500, 2, 1e-9, 1.55, 0.01, 100);
	check_extreme(500, 2, 0.76, 1e300, 0.01, 100);	/* forces overflow */
	check_extreme(500, 2, 0.76, 1e-9, 0.01, 100);
	check_extreme(500, 2, 0.76, 1.55, 1e300, 100);	/* steps capped */
	check_extreme(200, 10, 0.76, 1.55, 0.01, 100);
	check_extreme(1, HACK_MAX_DIM, 0.76, 1.55, 0.01, 10);
	check_extreme(20, HACK_MAX_DIM, 0.76, 1.55, 0.01, 10);
}

static void
test_determinism(void)
{
	HackStatus	st;
	double	   *a = pack(3000, 2, 50, 7, &st);
	double	   *b = pack(3000, 2, 50, 7, &st);
	double	   *c = pack(3000, 2, 50, 8, &st);

	CHECK(memcmp(a, b, sizeof(double) * 3000 * 2) == 0);
	CHECK(memcmp(a, c, sizeof(double) * 3000 * 2) != 0);
	free(a);
	free(b);
	free(c);
	a = pack(400, 3, 50, 7, &st);
	b = pack(400, 3, 50, 7, &st);
	CHECK(memcmp(a, b, sizeof(double) * 400 * 3) == 0);
	free(a);
	free(b);
}

/* Brute-force repulsion sum_{i<j} C(k) (1/min(d, 2 r_n)^k - 1/(2 r_n)^k). */
static double
brute_energy(const double *x, int n, int dim, double cut, double k)
{
	double		e = 0.0;

	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
		{
			double		d = hyp_distance(x + i * dim, x + j * dim, dim, 1.0);

			if (d < cut)
				e += pow(cut, k + 1) / k * (pow(d, -k) - pow(cut, -k));
		}
	return e;
}

/*
 * The cell list finds every interacting pair (energy equal to brute
 * force) and the analytic gradient matches central differences, in 2, 3
 * and 5 dimensions (the grid uses at most 3 coordinates), on a perturbed
 * uniform layout that reaches the wall.
 */
static void
test_repulsion_gradient(void)
{
	UnitRng		r = {77};

	for (int dim = 2; dim <= 5; dim += (dim == 2 ? 1 : 2))
	{
		int			n = dim == 2 ? 600 : 250;
		HackPackParams p;
		HackPackGeometry g;
		HackError	err;
		HackStatus	st;
		double	   *x = pack(n, dim, 0, 5, &st);
		double	   *grad = malloc(sizeof(double) * n * dim);
		double		energy;
		int			pairs_checked = 0;

		hack_pack_defaults(&p);
		p.n = n;
		p.dim = dim;
		CHECK(hack_pack_geometry(&p, &g, &err) == HACK_OK);
		/* squeeze the layout by 10% in hyperbolic terms, so that most pairs interact */
		for (int i = 0; i < n; i++)
		{
			double	   *xi = x + i * dim;
			double		t = tanh(0.9 * atanh(sqrt(hyp_sqnorm(xi, dim))));
			double		nx = sqrt(hyp_sqnorm(xi, dim));

			for (int a = 0; a < dim; a++)
				xi[a] = xi[a] / nx * t + 1e-3 * g.r_n * (unit_rng_uniform(&r) - 0.5);
		}
		CHECK(hack_pack_repulsion(&p, x, &energy, grad, &err) == HACK_OK);
		CHECK(energy > 0.0);
		CHECK_CLOSE(energy, brute_energy(x, n, dim, g.cutoff, p.k), 1e-9);
		for (int t = 0; t < 12; t++)
		{
			int			i = (int) (unit_rng_uniform(&r) * n);
			int			a = (int) (unit_rng_uniform(&r) * dim);
			double		h = 1e-7;
			double		keep = x[i * dim + a];
			double		ep,
						em;

			x[i * dim + a] = keep + h;
			ep = brute_energy(x, n, dim, g.cutoff, p.k);
			x[i * dim + a] = keep - h;
			em = brute_energy(x, n, dim, g.cutoff, p.k);
			x[i * dim + a] = keep;
			if (fabs(grad[i * dim + a]) > 1e-3)
				pairs_checked++;
			CHECK_CLOSE(grad[i * dim + a], (ep - em) / (2 * h),
						1e-5 * fmax(1.0, fabs(grad[i * dim + a])));
		}
		CHECK(pairs_checked >= 6);	/* the check saw real forces */
		free(x);
		free(grad);
	}
}

/* Expect hack_pack to reject p with status want. */
static void
check_rejects(const HackPackParams *p, HackStatus want)
{
	HackError	err;
	double		x[16];

	hack_error_clear(&err);
	CHECK(hack_pack(p, x, NULL, NULL, &err) == want);
	CHECK(err.status == want);
	CHECK(err.message[0] != '\0');
}

static void
test_bad_parameters(void)
{
	HackPackParams p;

#define BAD(field, value, status) \
	do { hack_pack_defaults(&p); p.n = 4; p.field = (value); check_rejects(&p, status); } while (0)
	BAD(n, 0, HACK_ERR_PARAMETER);
	BAD(n, -5, HACK_ERR_PARAMETER);
	BAD(n, HACK_PACK_MAX_N + 1, HACK_ERR_LIMIT);
	BAD(dim, 0, HACK_ERR_PARAMETER);
	BAD(dim, -1, HACK_ERR_PARAMETER);
	BAD(dim, HACK_MAX_DIM + 1, HACK_ERR_LIMIT);
	BAD(radius, 0.0, HACK_ERR_PARAMETER);
	BAD(radius, 1.0, HACK_ERR_PARAMETER);
	BAD(radius, -0.5, HACK_ERR_PARAMETER);
	BAD(radius, NAN, HACK_ERR_PARAMETER);
	BAD(k, 0.0, HACK_ERR_PARAMETER);
	BAD(k, -1.55, HACK_ERR_PARAMETER);
	BAD(k, INFINITY, HACK_ERR_PARAMETER);
	BAD(epochs, -1, HACK_ERR_PARAMETER);
	BAD(epochs, HACK_PACK_MAX_EPOCHS + 1, HACK_ERR_LIMIT);
	BAD(lr, -0.01, HACK_ERR_PARAMETER);
	BAD(lr, NAN, HACK_ERR_PARAMETER);
	BAD(margin, 0.76, HACK_ERR_PARAMETER);
#undef BAD
	hack_pack_defaults(&p);
	p.n = HACK_PACK_MAX_N;
	p.dim = 101;				/* n * dim above HACK_PACK_MAX_COORDS */
	check_rejects(&p, HACK_ERR_LIMIT);
}

static int	calls;

/* Progress callback that stops the run on its fifth call. */
static bool
stop_at_five(void *arg, double done, double total)
{
	(void) arg;
	CHECK(done >= 0 && done <= total);
	return ++calls < 5;
}

static void
test_interrupt(void)
{
	HackPackParams p;
	HackError	err;
	double	   *x = malloc(sizeof(double) * 1000 * 2);
	HackPackStats s;

	hack_pack_defaults(&p);
	p.n = 1000;
	calls = 0;
	CHECK(hack_pack(&p, x, stop_at_five, NULL, &err) == HACK_ERR_INTERRUPTED);
	CHECK(calls == 5);
	/*
	 * one call per 1024 particles in each of the two passes of the initial
	 * layout; each epoch: one call, and one every 16 particles of the
	 * gradient pass
	 */
	p.epochs = 20;
	calls = -100000;
	CHECK(hack_pack(&p, x, stop_at_five, NULL, &err) == HACK_OK);
	CHECK(calls == -100000 + 2 + 20 * (1 + 1000 / 16 + 1));
	calls = 0;
	for (int i = 0; i < 1000 * 2; i++)
		x[i] = 0.5 * ((i * 7919) % 1000) / 1000.0 - 0.25;
	calls = 4;					/* stops at the first call */
	CHECK(hack_packing_stats(x, 1000, 2, 0.76, &s, stop_at_five, NULL, &err) ==
		  HACK_ERR_INTERRUPTED);
	free(x);
}

/* The paper's 2-D formulas, and the volume of other dimensions. */
static void
test_geometry(void)
{
	HackPackParams p;
	HackPackGeometry g;
	HackError	err;
	double		rb = 2.0 * atanh(0.76);
	double		ab = 4.0 * 3.14159265358979323846 * pow(sinh(rb / 2.0), 2);

	hack_pack_defaults(&p);
	p.n = 6000;
	CHECK(hack_pack_geometry(&p, &g, &err) == HACK_OK);
	CHECK_CLOSE(g.r_b, rb, 1e-14);
	CHECK_CLOSE(exp(g.log_volume), ab, 1e-13);
	CHECK_CLOSE(g.r_n, 2.0 * asinh(sqrt(ab / 6000 / (4.0 * 3.14159265358979323846))), 1e-13);
	CHECK_CLOSE(g.cutoff, 2.0 * g.r_n, 1e-15);
	CHECK(g.margin > 0.0 && g.margin < 0.01);
	CHECK_CLOSE(g.wall, 0.76 - g.margin, 1e-15);
	p.margin = 0.05;
	CHECK(hack_pack_geometry(&p, &g, &err) == HACK_OK);
	CHECK_CLOSE(g.wall, 0.71, 1e-15);
	/* dimension 3: V(rho) = pi (sinh(2 rho) - 2 rho) */
	for (double rho = 0.1; rho < 6.0; rho += 0.7)
		CHECK_CLOSE(hack_ball_log_volume(3, rho),
					log(3.14159265358979323846 * (sinh(2 * rho) - 2 * rho)), 1e-9);
	/* dimension 1: a segment; r_n = r_B / n */
	p.dim = 1;
	p.margin = -1;
	CHECK(hack_pack_geometry(&p, &g, &err) == HACK_OK);
	CHECK_CLOSE(g.r_n, rb / 6000, 1e-14);
	/* large dimensions stay finite */
	CHECK(isfinite(hack_ball_log_volume(HACK_MAX_DIM, 2.0)));
	CHECK_CLOSE(hack_ball_radius_of_log_volume(7, hack_ball_log_volume(7, 1.3), 5.0), 1.3, 1e-12);
}

/* Statistics against brute force on random points, duplicates included. */
static void
test_stats_brute_force(void)
{
	UnitRng		r = {42};

	for (int dim = 1; dim <= 5; dim += 2)
	{
		int			n = 400;
		double	   *x = malloc(sizeof(double) * n * dim);
		HackPackStats s;
		HackError	err;
		double		sum = 0.0,
					mn = INFINITY,
					mx = 0.0;

		for (int i = 0; i < n * dim; i++)
			x[i] = (unit_rng_uniform(&r) - 0.5) * (dim == 1 ? 1.8 : 0.9);
		memcpy(x + 7 * dim, x + 3 * dim, sizeof(double) * dim);
		memcpy(x + 9 * dim, x + 3 * dim, sizeof(double) * dim);
		CHECK(hack_packing_stats(x, n, dim, 0.5, &s, NULL, NULL, &err) == HACK_OK);
		for (int i = 0; i < n; i++)
		{
			double		best = INFINITY;

			for (int j = 0; j < n; j++)
				if (j != i)
				{
					double		d = hyp_distance(x + i * dim, x + j * dim, dim, 1.0);

					best = d < best ? d : best;
				}
			sum += best;
			mn = best < mn ? best : mn;
			mx = best > mx ? best : mx;
		}
		CHECK_CLOSE(s.nn_mean, sum / n, 1e-12);
		CHECK(s.nn_min == mn && mn == 0.0);
		CHECK_CLOSE(s.nn_max, mx, 1e-15);
		CHECK(s.coincident == 3);	/* pairs among three equal points */
		CHECK(s.outside > 0);
		free(x);
	}
}

/* Independent uniform points fail the bar: the checks can fail. */
static void
test_stats_reject_random(void)
{
	UnitRng		r = {9};
	int			n = 2000;
	double	   *x = malloc(sizeof(double) * n * 2);
	double		rb = 2.0 * atanh(0.76);
	HackPackStats s;
	HackError	err;

	for (int i = 0; i < n; i++)
	{
		/* uniform in hyperbolic area: cosh(rho) uniform in [1, cosh r_B] */
		double		rho = acosh(1.0 + unit_rng_uniform(&r) * (cosh(rb) - 1.0));
		double		th = 6.283185307179586 * unit_rng_uniform(&r);

		x[2 * i] = tanh(rho / 2.0) * cos(th);
		x[2 * i + 1] = tanh(rho / 2.0) * sin(th);
	}
	CHECK(hack_packing_stats(x, n, 2, 0.76, &s, NULL, NULL, &err) == HACK_OK);
	CHECK(s.nn_cv > 0.4);
	CHECK(s.nn_min < 0.1 * s.nn_mean);
	CHECK(s.outside == 0);
	CHECK(hack_packing_stats(x, 0, 2, 0.76, &s, NULL, NULL, &err) == HACK_ERR_PARAMETER);
	CHECK(hack_packing_stats(x, n, 2, 1.0, &s, NULL, NULL, &err) == HACK_ERR_PARAMETER);
	CHECK(hack_packing_stats(x, n, 0, 0.76, &s, NULL, NULL, &err) == HACK_ERR_PARAMETER);
	free(x);
}

void
suite_packing(void)
{
	RUN(test_geometry);
	RUN(test_repulsion_gradient);
	RUN(test_bad_parameters);
	RUN(test_small_cases);
	RUN(test_extremes);
	RUN(test_determinism);
	RUN(test_interrupt);
	RUN(test_stats_brute_force);
	RUN(test_stats_annulus_deviation);
	RUN(test_stats_reject_random);
	if (unit_small())
		return;					/* the quality runs take hours under valgrind */
	RUN(test_quality_2000);
	RUN(test_quality_20000);
	RUN(test_quality_other_dims);
}
