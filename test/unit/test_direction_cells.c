/*
 * test_direction_cells.c
 *	  Farthest-point cells of directions (src/core/direction_cells.c):
 *	  against a plain recomputation, on the axes of the octahedron, with
 *	  repeated directions and the origin, its parameter checks and its
 *	  progress callback.
 */
#include "unit.h"

#include <string.h>

#include "direction_cells.h"

static double
dir_dot(const double *a, const double *b, int dim)
{
	double		na = 0.0,
				nb = 0.0,
				dot = 0.0;

	for (int d = 0; d < dim; d++)
	{
		na += a[d] * a[d];
		nb += b[d] * b[d];
		dot += a[d] * b[d];
	}
	return dot / sqrt(na * nb);
}

/*
 * Random points in dimensions 3 and 8: each pick is the unpicked point
 * whose largest cosine with the earlier picks is smallest (up to rounding:
 * the pick may differ from the best only by 1e-12), and each point's cell
 * is a pick of largest cosine with it.
 */
static void
test_against_recomputation(void)
{
	enum
	{
		n = 60
	};
	double		x[n * 8];
	int			centre[n],
				cell[n];
	UnitRng		rng = {23};
	HackError	err;

	for (int dim = 3; dim <= 8; dim += 5)
	{
		for (int i = 0; i < n * dim; i++)
			x[i] = unit_rng_normal(&rng) * 0.2;
		for (int k = 1; k <= n; k += 11)
		{
			CHECK(hack_direction_cells(x, n, dim, k, centre, cell, NULL, NULL,
									   &err) == HACK_OK);
			CHECK(centre[0] == 0);
			for (int p = 1; p < k; p++)
			{
				double		best = INFINITY,
							got = -INFINITY;

				for (int i = 0; i < n; i++)
				{
					double		m = -INFINITY;
					bool		was_picked = false;

					for (int q = 0; q < p; q++)
					{
						was_picked |= centre[q] == i;
						if (dir_dot(x + i * dim, x + centre[q] * dim, dim) > m)
							m = dir_dot(x + i * dim, x + centre[q] * dim, dim);
					}
					if (!was_picked && m < best)
						best = m;
					if (i == centre[p])
					{
						CHECK(!was_picked);
						got = m;
					}
				}
				CHECK(got <= best + 1e-12);
			}
			for (int i = 0; i < n; i++)
			{
				double		own = dir_dot(x + i * dim, x + centre[cell[i]] * dim, dim);

				CHECK(cell[i] >= 0 && cell[i] < k);
				for (int q = 0; q < k; q++)
					CHECK(own >= dir_dot(x + i * dim, x + centre[q] * dim, dim) - 1e-12);
			}
			for (int q = 0; q < k; q++)
				CHECK(cell[centre[q]] == q);
		}
	}
}

/*
 * The six axis directions of 3-space, with other points near them: the
 * first pick is point 0 (+x), the next its opposite (-x), then the four
 * others in index order (all at right angles to the picks: ties go to the
 * lowest index); every near point joins its axis.
 */
static void
test_octahedron(void)
{
	double		x[] = {
		0.5, 0, 0, 0, 0.3, 0, 0, 0, 0.2, -0.1, 0, 0, 0, -0.4, 0, 0, 0, -0.6,
		0.3, 0.01, 0, 0.02, 0, -0.5, -0.2, 0.01, 0.01
	};
	int			expected_centre[] = {0, 3, 1, 2, 4, 5};
	int			expected_cell[] = {0, 2, 3, 1, 4, 5, 0, 5, 1};
	int			centre[6],
				cell[9];
	HackError	err;

	CHECK(hack_direction_cells(x, 9, 3, 6, centre, cell, NULL, NULL, &err) == HACK_OK);
	CHECK(memcmp(centre, expected_centre, sizeof(centre)) == 0);
	CHECK(memcmp(cell, expected_cell, sizeof(cell)) == 0);
	/* k = 2: +x and -x, and the rest, at right angles to both, with +x */
	CHECK(hack_direction_cells(x, 9, 3, 2, centre, cell, NULL, NULL, &err) == HACK_OK);
	CHECK(centre[0] == 0 && centre[1] == 3);
	CHECK(cell[1] == 0 && cell[2] == 0 && cell[4] == 0 && cell[5] == 0 && cell[8] == 1);
}

/*
 * One direction three times and the origin: the origin (at right angles
 * to everything) is the second pick, the repeats come next in index order,
 * each in its own cell.
 */
static void
test_repeats_and_origin(void)
{
	double		x[] = {0.1, 0.2, 0.3, 0, 0, 0, 0.2, 0.4, 0.6, 0.01, 0.02, 0.03};
	int			centre[4],
				cell[4];
	HackError	err;

	CHECK(hack_direction_cells(x, 4, 3, 2, centre, cell, NULL, NULL, &err) == HACK_OK);
	CHECK(centre[0] == 0 && centre[1] == 1);
	CHECK(cell[0] == 0 && cell[1] == 1 && cell[2] == 0 && cell[3] == 0);
	CHECK(hack_direction_cells(x, 4, 3, 4, centre, cell, NULL, NULL, &err) == HACK_OK);
	CHECK(centre[0] == 0 && centre[1] == 1 && centre[2] == 2 && centre[3] == 3);
	CHECK(cell[0] == 0 && cell[1] == 1 && cell[2] == 2 && cell[3] == 3);
}

/* k outside [1, n] and bad dimensions are parameter errors, each saying so. */
static void
test_bad_parameters(void)
{
	static const struct
	{
		int			n,
					dim,
					k;
		const char *message;
	}			bad[] = {
		{2, 3, 0, "k must be between 1 and the number of points 2, got 0"},
		{2, 3, 3, "k must be between 1 and the number of points 2, got 3"},
		{0, 3, 1, "k must be between 1 and the number of points 0, got 1"},
		{2, 0, 1, "dimension must be between 1 and 1024, got 0"},
		{1, 1025, 1, "dimension must be between 1 and 1024, got 1025"},
	};
	double		x[6] = {0.1, 0.2, 0.3, -0.1, 0.2, 0.3};
	int			centre[6],
				cell[6];
	HackError	err;

	for (size_t i = 0; i < lengthof(bad); i++)
	{
		CHECK(hack_direction_cells(x, bad[i].n, bad[i].dim, bad[i].k, centre,
								   cell, NULL, NULL, &err) == HACK_ERR_PARAMETER);
		CHECK(strcmp(err.message, bad[i].message) == 0);
	}
	/* one dimension: the two signs */
	CHECK(hack_direction_cells(x, 6, 1, 2, centre, cell, NULL, NULL, &err) == HACK_OK);
	CHECK(centre[0] == 0 && centre[1] == 3);
}

/* The callback is called once a pick and stops the sampling. */
static void
test_interrupt(void)
{
	double		x[10] = {0.1, -0.1, 0.2, 0.3, -0.4, 0.0, 0.5, 0.1, 0.0, -0.2};
	int			centre[5],
				cell[5];
	int			calls = 0;
	HackError	err;

	CHECK(hack_direction_cells(x, 5, 2, 5, centre, cell, unit_stop_at_three, &calls,
							   &err) == HACK_ERR_INTERRUPTED);
	CHECK(calls == 3 && err.status == HACK_ERR_INTERRUPTED);
}

void
suite_direction_cells(void)
{
	RUN(test_against_recomputation);
	RUN(test_octahedron);
	RUN(test_repeats_and_origin);
	RUN(test_bad_parameters);
	RUN(test_interrupt);
}
