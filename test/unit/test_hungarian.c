/*
 * test_hungarian.c
 *	  The assignment solver (src/core/hungarian.c): against brute force on
 *	  small problems, and against its own optimality certificate (dual
 *	  feasibility and complementary slackness) on larger ones.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "hungarian.h"
#include "hyperbolic.h"

#define BF_MAX 8

/* Kinds of random matrices. */
typedef enum CostKind
{
	COST_UNIFORM,				/* uniform in [0, 1) */
	COST_TIES,					/* integers 0..3: many ties */
	COST_FORBIDDEN,				/* integers 0..9, 30% forbidden */
	COST_SPARSE,				/* uniform, 70% forbidden: often infeasible */
	COST_SIGNED,				/* uniform in [-1e3, 1e3) */
	COST_KINDS
} CostKind;

/* Fill an nr x nc matrix with costs of the given kind. */
static void
fill_costs(UnitRng *rng, double *c, int nr, int nc, CostKind kind)
{
	for (int k = 0; k < nr * nc; k++)
	{
		double		r = unit_rng_uniform(rng);

		switch (kind)
		{
			case COST_UNIFORM:
				c[k] = r;
				break;
			case COST_TIES:
				c[k] = (double) (unit_rng_next(rng) % 4);
				break;
			case COST_FORBIDDEN:
				c[k] = r < 0.3 ? INFINITY : (double) (unit_rng_next(rng) % 10);
				break;
			case COST_SPARSE:
				c[k] = r < 0.7 ? INFINITY : unit_rng_uniform(rng);
				break;
			default:
				c[k] = 2000.0 * r - 1000.0;
				break;
		}
	}
}

/* Brute force state: the best total over injections of the shorter side. */
typedef struct Brute
{
	const double *c;
	int			nr;
	int			nc;
	bool		maximize;
	bool		found;
	double		best;
} Brute;

/* cost of pairing element a of the shorter side with b of the longer one */
static double
brute_cost(const Brute *b, int a, int o)
{
	return b->nr <= b->nc ? b->c[a * b->nc + o] : b->c[o * b->nc + a];
}

/* Try every column for element a of the shorter side, recursively. */
static void
brute_rec(Brute *b, int a, unsigned used, double sum)
{
	int			shorter = b->nr <= b->nc ? b->nr : b->nc;
	int			longer = b->nr <= b->nc ? b->nc : b->nr;

	if (a == shorter)
	{
		if (!b->found || (b->maximize ? sum > b->best : sum < b->best))
			b->best = sum;
		b->found = true;
		return;
	}
	for (int o = 0; o < longer; o++)
	{
		double		w = brute_cost(b, a, o);

		if (!(used & (1u << o)) && isfinite(w))
			brute_rec(b, a + 1, used | (1u << o), sum + w);
	}
}

/*
 * Check that assign is a valid matching of total `total`, and that the
 * duals certify its optimality (see hungarian_solve's comment).
 */
static void
check_certificate(const double *c, int nr, int nc, bool maximize,
				  const int *assign, double total, const double *u,
				  const double *v)
{
	int			k = nr < nc ? nr : nc;
	double		scale = 1.0;
	double		sum = 0.0;
	double		dual = 0.0;
	int			assigned = 0;
	double		s = maximize ? -1.0 : 1.0;
	char	   *col_used = calloc(nc > 0 ? nc : 1, 1);
	double		tol;

	for (int q = 0; q < nr * nc; q++)
		if (isfinite(c[q]) && fabs(c[q]) > scale)
			scale = fabs(c[q]);
	tol = 1e-9 * scale * (k + 1);

	for (int i = 0; i < nr; i++)
	{
		int			j = assign[i];

		if (j < 0)
			continue;
		CHECK(j < nc && !col_used[j]);
		if (j >= nc || col_used[j])
			break;
		col_used[j] = 1;
		assigned++;
		CHECK(isfinite(c[i * nc + j]));
		sum += c[i * nc + j];
		/* complementary slackness: tight on the assignment */
		CHECK(fabs(u[i] + v[j] - c[i * nc + j]) <= tol);
	}
	CHECK(assigned == k);
	CHECK_CLOSE(total, sum, 1e-12);

	/* dual feasibility: s * (c - u - v) >= 0 on allowed pairs */
	for (int i = 0; i < nr; i++)
		for (int j = 0; j < nc; j++)
			if (isfinite(c[i * nc + j]))
				CHECK(s * (c[i * nc + j] - u[i] - v[j]) >= -tol);

	/* the longer side's duals: sign-constrained, zero where unassigned */
	for (int i = 0; nr > nc && i < nr; i++)
	{
		CHECK(s * u[i] <= tol);
		if (assign[i] < 0)
			CHECK(fabs(u[i]) <= tol);
	}
	for (int j = 0; nc > nr && j < nc; j++)
	{
		CHECK(s * v[j] <= tol);
		if (!col_used[j])
			CHECK(fabs(v[j]) <= tol);
	}
	for (int i = 0; i < nr; i++)
		dual += u[i];
	for (int j = 0; j < nc; j++)
		dual += v[j];
	CHECK(fabs(dual - total) <= tol * (nr + nc + 1));
	free(col_used);
}

/* Solve, and check the certificate when it succeeds. */
static HackStatus
solve_checked(const double *c, int nr, int nc, bool maximize, double *total)
{
	int		   *assign = malloc(sizeof(int) * (nr > 0 ? nr : 1));
	double	   *u = malloc(sizeof(double) * (nr > 0 ? nr : 1));
	double	   *v = malloc(sizeof(double) * (nc > 0 ? nc : 1));
	HackError	err;
	HackStatus	st;

	st = hungarian_solve(c, nr, nc, maximize, assign, total, u, v, NULL, NULL,
						 &err);
	if (st == HACK_OK)
		check_certificate(c, nr, nc, maximize, assign, *total, u, v);
	free(assign);
	free(u);
	free(v);
	return st;
}

/* The example of the issue, its maximisation and rectangular cuts. */
static void
test_known_example(void)
{
	const double c[9] = {4, 1, 3, 2, 0, 5, 3, 2, 2};
	int			assign[3];
	double		total;
	HackError	err;

	CHECK(hungarian_solve(c, 3, 3, false, assign, &total, NULL, NULL, NULL,
						  NULL, &err) == HACK_OK);
	CHECK(total == 5.0);
	CHECK(assign[0] == 1 && assign[1] == 0 && assign[2] == 2);
	CHECK(hungarian_solve(c, 3, 3, true, assign, &total, NULL, NULL, NULL,
						  NULL, &err) == HACK_OK);
	CHECK(total == 11.0);		/* 4 + 5 + 2 */
	/* 2 x 3 and its transpose */
	CHECK(solve_checked(c, 2, 3, false, &total) == HACK_OK && total == 3.0);
	{
		const double t[6] = {4, 2, 1, 0, 3, 5};

		CHECK(solve_checked(t, 3, 2, false, &total) == HACK_OK && total == 3.0);
	}
}

/* Thousands of random problems up to 8 x 8 against every permutation. */
static void
test_brute_force(void)
{
	UnitRng		rng = {20261123};
	double		c[BF_MAX * BF_MAX];
	int			infeasible = 0;

	for (int t = 0; t < 6000; t++)
	{
		int			nr = 1 + (int) (unit_rng_next(&rng) % BF_MAX);
		int			nc = 1 + (int) (unit_rng_next(&rng) % BF_MAX);
		CostKind	kind = (CostKind) (t % COST_KINDS);
		bool		maximize = (t / COST_KINDS) % 3 == 2;
		Brute		b = {c, nr, nc, maximize, false, 0.0};
		double		total = 0.0;
		HackStatus	st;

		if (t % 4 == 0)
			nc = nr;			/* plenty of square ones */
		b.nc = nc;
		fill_costs(&rng, c, nr, nc, kind);
		brute_rec(&b, 0, 0, 0.0);
		st = solve_checked(c, nr, nc, maximize, &total);
		if (!b.found)
		{
			infeasible++;
			if (st != HACK_ERR_INFEASIBLE)
				unit_fail(__FILE__, __LINE__, "case %d (%dx%d kind %d): status %d, expected infeasible",
						  t, nr, nc, kind, st);
		}
		else if (st != HACK_OK || fabs(total - b.best) > 1e-9 * (1 + fabs(b.best)))
			unit_fail(__FILE__, __LINE__, "case %d (%dx%d kind %d max %d): status %d total %.17g, expected %.17g",
					  t, nr, nc, kind, maximize, st, total, b.best);
	}
	CHECK(infeasible > 100);	/* the infeasible path was exercised */
}

/* Larger problems of every kind and shape, checked by their certificate. */
static void
test_certificate(void)
{
	static const int shapes[][2] = {
		{50, 50}, {120, 120}, {300, 300}, {40, 200}, {200, 40}, {199, 200},
		{257, 256}, {1, 300}, {300, 1},
	};
	UnitRng		rng = {4242};

	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
	{
		int			nr = shapes[s][0];
		int			nc = shapes[s][1];
		double	   *c = malloc(sizeof(double) * nr * nc);

		for (int kind = 0; kind < COST_KINDS; kind++)
			for (int maximize = 0; maximize < 2; maximize++)
			{
				double		total;
				HackStatus	st;

				fill_costs(&rng, c, nr, nc, (CostKind) kind);
				st = solve_checked(c, nr, nc, maximize, &total);
				if (kind == COST_SPARSE && st == HACK_ERR_INFEASIBLE)
					continue;	/* allowed; brute force covers correctness */
				if (st != HACK_OK)
					unit_fail(__FILE__, __LINE__, "%dx%d kind %d max %d: status %d",
							  nr, nc, kind, maximize, st);
			}
		free(c);
	}
}

/* An n x n cost matrix and room for its solution. */
typedef struct Square
{
	double	   *c;
	int		   *assign;
	double		total;
} Square;

static Square
square_new(int n)
{
	Square		sq = {malloc(sizeof(double) * n * n), malloc(sizeof(int) * n), 0.0};

	return sq;
}

static void
square_free(Square *sq)
{
	free(sq->c);
	free(sq->assign);
}

/* Infeasible problems are reported, big or small, never looped on. */
static void
test_infeasible(void)
{
	int			n = 400;
	UnitRng		rng = {7};
	Square		sq = square_new(n);
	HackError	err;

	/* one row with every pair forbidden */
	fill_costs(&rng, sq.c, n, n, COST_UNIFORM);
	for (int j = 0; j < n; j++)
		sq.c[123 * n + j] = INFINITY;
	CHECK(hungarian_solve(sq.c, n, n, false, sq.assign, &sq.total, NULL, NULL,
						  NULL, NULL, &err) == HACK_ERR_INFEASIBLE);
	CHECK(strcmp(err.message, "assignment problem is infeasible") == 0);
	CHECK(hungarian_solve(sq.c, n - 1, n, false, sq.assign, &sq.total, NULL, NULL,
						  NULL, NULL, &err) == HACK_ERR_INFEASIBLE);
	/* one column forbidden everywhere: square infeasible, rectangular fine */
	fill_costs(&rng, sq.c, n, n, COST_UNIFORM);
	for (int i = 0; i < n; i++)
		sq.c[i * n + 5] = INFINITY;
	CHECK(hungarian_solve(sq.c, n, n, false, sq.assign, &sq.total, NULL, NULL,
						  NULL, NULL, &err) == HACK_ERR_INFEASIBLE);
	CHECK(hungarian_solve(sq.c, n / 2, n, true, sq.assign, &sq.total, NULL, NULL,
						  NULL, NULL, &err) == HACK_OK);
	/* Hall violation: 10 rows that may only use the first 9 columns */
	fill_costs(&rng, sq.c, n, n, COST_UNIFORM);
	for (int i = 0; i < 10; i++)
		for (int j = 9; j < n; j++)
			sq.c[i * n + j] = INFINITY;
	CHECK(hungarian_solve(sq.c, n, n, false, sq.assign, &sq.total, NULL, NULL,
						  NULL, NULL, &err) == HACK_ERR_INFEASIBLE);
	CHECK(hungarian_solve(sq.c, 10, n, false, sq.assign, &sq.total, NULL, NULL,
						  NULL, NULL, &err) == HACK_ERR_INFEASIBLE);
	/* everything forbidden */
	for (int k = 0; k < n * n; k++)
		sq.c[k] = INFINITY;
	CHECK(hungarian_solve(sq.c, n, n, false, sq.assign, &sq.total, NULL, NULL,
						  NULL, NULL, &err) == HACK_ERR_INFEASIBLE);
	CHECK(hungarian_solve(sq.c, 3, n, false, sq.assign, &sq.total, NULL, NULL,
						  NULL, NULL, &err) == HACK_ERR_INFEASIBLE);
	square_free(&sq);
}

/* NaN, -Infinity and huge finite costs are rejected up front. */
static void
test_bad_costs(void)
{
	double		c[4] = {1, 2, 3, 4};
	int			assign[2];
	double		total;
	HackError	err;

	c[3] = NAN;
	CHECK(hungarian_solve(c, 2, 2, false, assign, &total, NULL, NULL, NULL,
						  NULL, &err) == HACK_ERR_PARAMETER);
	CHECK(strcmp(err.message, "invalid cost NaN at row 2, column 2") == 0);
	c[3] = -INFINITY;
	CHECK(hungarian_solve(c, 2, 2, true, assign, &total, NULL, NULL, NULL,
						  NULL, &err) == HACK_ERR_PARAMETER);
	c[3] = 1e101;
	CHECK(hungarian_solve(c, 2, 2, false, assign, &total, NULL, NULL, NULL,
						  NULL, &err) == HACK_ERR_OUT_OF_RANGE);
	c[3] = INFINITY;
	CHECK(hungarian_solve(c, 2, 2, false, assign, &total, NULL, NULL, NULL,
						  NULL, &err) == HACK_OK);
	CHECK(total == 5.0 && assign[0] == 1 && assign[1] == 0);
	c[3] = -1e100;				/* the extremes are fine */
	CHECK(solve_checked(c, 2, 2, false, &total) == HACK_OK && total == -1e100 + 1);
	CHECK(hungarian_solve(c, -1, 2, false, assign, &total, NULL, NULL, NULL,
						  NULL, &err) == HACK_ERR_PARAMETER);
}

/* Empty and one-element shapes. */
static void
test_degenerate(void)
{
	double		c[5] = {3, 1, 4, 1, 5};
	int			assign[5] = {9, 9, 9, 9, 9};
	double		total = -1;
	HackError	err;

	CHECK(hungarian_solve(c, 0, 0, false, assign, &total, NULL, NULL, NULL,
						  NULL, &err) == HACK_OK && total == 0.0);
	CHECK(hungarian_solve(c, 5, 0, false, assign, &total, NULL, NULL, NULL,
						  NULL, &err) == HACK_OK && assign[4] == -1);
	CHECK(solve_checked(c, 1, 1, false, &total) == HACK_OK && total == 3.0);
	CHECK(solve_checked(c, 1, 5, false, &total) == HACK_OK && total == 1.0);
	CHECK(solve_checked(c, 5, 1, true, &total) == HACK_OK && total == 5.0);
	CHECK(hungarian_solve(c, 5, 1, false, assign, &total, NULL, NULL, NULL,
						  NULL, &err) == HACK_OK);
	CHECK(assign[1] == 0 && assign[0] == -1 && assign[2] == -1);
}

static int	progress_calls;

/* Counts calls; asks to stop after `*(int *) arg` of them. */
static bool
stop_after(void *arg, double done, double total)
{
	(void) done;
	(void) total;
	return ++progress_calls <= *(int *) arg;
}

/* The callback is called and can stop the solver. */
static void
test_interrupt(void)
{
	int			n = 500;
	Square		sq = square_new(n);
	UnitRng		rng = {99};
	int			limit = 1000000;
	HackError	err;

	fill_costs(&rng, sq.c, n, n, COST_TIES);
	progress_calls = 0;
	CHECK(hungarian_solve(sq.c, n, n, false, sq.assign, &sq.total, NULL, NULL,
						  stop_after, &limit, &err) == HACK_OK);
	CHECK(progress_calls > 0);
	limit = 0;
	progress_calls = 0;
	CHECK(hungarian_solve(sq.c, n, n, false, sq.assign, &sq.total, NULL, NULL,
						  stop_after, &limit, &err) == HACK_ERR_INTERRUPTED);
	CHECK(progress_calls == 1);
	square_free(&sq);
}

/* hack_assign's cost matrix: exactly hyp_distance, pair by pair. */
static void
test_distance_matrix(void)
{
	UnitRng		rng = {31};
	int			n = 37,
				m = 23;

	for (int dim = 1; dim <= 5; dim += 2)
		for (int c10 = 5; c10 <= 20; c10 += 15)
		{
			double		c = c10 / 10.0;
			double	   *x = malloc(sizeof(double) * n * dim);
			double	   *y = malloc(sizeof(double) * m * dim);
			double	   *out = malloc(sizeof(double) * n * m);
			HackError	err;

			/* points inside the ball of radius 1/sqrt(c), some on top of others */
			for (int k = 0; k < n * dim; k++)
				x[k] = (unit_rng_uniform(&rng) - 0.5) / sqrt(c * dim);
			for (int k = 0; k < m * dim; k++)
				y[k] = k < 3 * dim ? x[k] : (unit_rng_uniform(&rng) - 0.5) / sqrt(c * dim);
			CHECK(hyp_distance_matrix(x, n, y, m, dim, c, out, NULL, NULL, &err) == HACK_OK);
			for (int i = 0; i < n; i++)
				for (int j = 0; j < m; j++)
					CHECK(out[i * m + j] == hyp_distance(x + i * dim, y + j * dim, dim, c));
			CHECK(out[0] == 0.0 && out[m + 1] == 0.0);
			free(x);
			free(y);
			free(out);
		}
}

void
suite_hungarian(void)
{
	RUN(test_known_example);
	RUN(test_brute_force);
	RUN(test_certificate);
	RUN(test_infeasible);
	RUN(test_bad_costs);
	RUN(test_degenerate);
	RUN(test_interrupt);
	RUN(test_distance_matrix);
}
