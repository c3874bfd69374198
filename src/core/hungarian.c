/*
 * hungarian.c
 *	  Rectangular linear assignment by shortest augmenting paths (LAPJV).
 *
 * The solver is the dense algorithm of Jonker and Volgenant, "A shortest
 * augmenting path algorithm for dense and sparse linear assignment
 * problems" (Computing 38, 1987), extended to n rows <= m columns as in
 * Crouse, "On implementing 2D rectangular assignment algorithms" (IEEE
 * TAES 52(4), 2016), the algorithm behind scipy's linear_sum_assignment.
 *
 * It keeps column prices v (dual variables) such that every assigned row
 * i is assigned to a column of least reduced cost c[i][j] - v[j]; the
 * row dual is then u[i] = c[i][x[i]] - v[x[i]], so u[i] + v[j] <= c[i][j]
 * everywhere with equality on the assignment.  For a rectangular problem
 * the prices also satisfy v <= 0 with v = 0 on every unassigned column:
 * they start at 0 and only ever decrease on assigned columns.  These are
 * the optimality conditions of the LP, so once every row is assigned the
 * assignment is optimal.  Three phases get there:
 *
 *	1. column reduction and reduction transfer (square problems only, since
 *	   they raise prices of columns that may end unassigned): v[j] is the
 *	   column minimum and each row that is the minimum of exactly one
 *	   column takes it; then its price drops by the row's second-best
 *	   reduced cost, so it stays tight;
 *	2. augmenting row reduction, twice over the free rows: a free row takes
 *	   its best column, and the price of that column drops by the gap to
 *	   the row's second best, so the displaced owner (if any) is likely to
 *	   find a cheap alternative at once.  On random uniform matrices these
 *	   two phases leave 1-3% of the rows free (15% on hyperbolic ones);
 *	3. for each remaining free row, Dijkstra on reduced costs over the
 *	   columns until it reaches an unassigned column (the dense variant: no
 *	   heap, each scanned row relaxes all m columns and finds the next
 *	   closest in the same pass); then the prices of the scanned columns
 *	   drop by their distance below the path length and the path is
 *	   flipped.
 *
 * Worst case O(n^2 m) time (phase 3 alone is O(n * n * m)), O(m) working
 * memory beyond the matrix; a transposed or maximised problem also makes
 * an O(nm) working copy.  Infeasibility (a row or a Hall set with only
 * forbidden pairs) shows up as an infinite shortest path, or an infinite
 * best reduced cost in phases 1-2, and is reported; augmenting row
 * reduction is bounded by a step budget, so nothing loops.
 */
#include "hungarian.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* augmenting row reduction: passes over the free rows, and a step budget */
#define ARR_PASSES 2
#define ARR_STEPS_PER_ROW 16

/* phases 1-2 call the progress callback every this many row scans */
#define PROGRESS_EVERY 256

/* Working state of one solve: n rows <= m columns, prices and matching. */
typedef struct Lap
{
	const double *c;			/* n x m, row-major */
	int			n;
	int			m;
	int		   *x;				/* column of each row, or -1 */
	int		   *y;				/* row of each column, or -1 */
	double	   *v;				/* column prices */
	int		   *free_rows;		/* rows still unassigned */
	int			nfree;
	int		   *collist;		/* phase 1 scratch; phase 3: scanned columns */
	double	   *scanval;		/* phase 3: their old price + distance */
	int		   *scratch;		/* phase 1 scratch */
	double	   *pred;			/* phase 3: predecessor row of each column */
	int		   *freecols;		/* phase 3: unassigned columns */
	int			nfreecols;
	double	   *d;				/* phase 3: tentative distances */
	HackProgressFn progress;
	void	   *progress_arg;
	long		steps;			/* row scans so far, for the callback */
} Lap;

/* Ask the callback whether to go on; true means stop. */
static bool
lap_interrupted(Lap *lap, double done, double total)
{
	return lap->progress != NULL &&
		!lap->progress(lap->progress_arg, done, total);
}

/* The one message for every way infeasibility shows up. */
static HackStatus
lap_infeasible(HackError *err)
{
	return hack_error_set(err, HACK_ERR_INFEASIBLE,
						  "Some rows cannot all be matched to distinct columns through allowed (finite-cost) pairs.",
						  "assignment problem is infeasible");
}

/* The callback asked to stop. */
static HackStatus
lap_stopped(HackError *err)
{
	return hack_error_set(err, HACK_ERR_INTERRUPTED, NULL,
						  "assignment interrupted");
}

/*
 * Phase 1 (square problems): column reduction, then reduction transfer.
 * Column minima are found row by row so the matrix is read in order.
 */
static HackStatus
lap_column_reduction(Lap *lap, HackError *err)
{
	int			n = lap->n;
	int			m = lap->m;
	int		   *argmin = lap->collist;	/* borrowed scratch */
	int		   *matches;

	for (int j = 0; j < m; j++)
	{
		lap->v[j] = INFINITY;
		argmin[j] = -1;
	}
	for (int i = 0; i < n; i++)
	{
		const double *ci = lap->c + (size_t) i * m;

		for (int j = 0; j < m; j++)
			if (ci[j] < lap->v[j])
			{
				lap->v[j] = ci[j];
				argmin[j] = i;
			}
	}

	matches = lap->scratch;
	memset(matches, 0, sizeof(int) * n);
	for (int j = m - 1; j >= 0; j--)
	{
		int			i = argmin[j];

		if (i < 0)
			return lap_infeasible(err); /* a column with no allowed row */
		if (++matches[i] == 1)
		{
			lap->x[i] = j;
			lap->y[j] = i;
		}
		else if (lap->v[j] < lap->v[lap->x[i]])
		{
			lap->y[lap->x[i]] = -1;
			lap->x[i] = j;
			lap->y[j] = i;
		}
		else
			lap->y[j] = -1;
	}

	lap->nfree = 0;
	for (int i = 0; i < n; i++)
	{
		const double *ci = lap->c + (size_t) i * m;
		int			j1 = lap->x[i];
		double		best = INFINITY;

		if (matches[i] == 0)
		{
			lap->free_rows[lap->nfree++] = i;
			continue;
		}
		if (matches[i] > 1)
			continue;
		for (int j = 0; j < m; j++)
			if (j != j1 && ci[j] - lap->v[j] < best)
				best = ci[j] - lap->v[j];
		if (isfinite(best))
			lap->v[j1] -= best;
	}
	return HACK_OK;
}

/*
 * The two inner loops where the solver spends its time are written with
 * vectors of four doubles (GCC vector extensions, which compile to plain
 * SSE2 pairs by default) and cloned for AVX2 where the compiler can.
 */
#if defined(__GNUC__) && defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define LAP_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef LAP_CLONES
#define LAP_CLONES
#endif

typedef double LapVec __attribute__((vector_size(32)));
typedef long long LapMask __attribute__((vector_size(32)));

/* mask ? a : b, lane by lane (a macro: vector arguments would change the ABI) */
#define lap_blend(mask, a, b) \
	((LapVec) ((((LapMask) (a)) & (mask)) | (((LapMask) (b)) & ~(mask))))

/*
 * Phase 2 kernel: the least and second least reduced costs c[i][j] - v[j]
 * of row ci, and the column of the least (u2 is +Infinity if m == 1).
 */
LAP_CLONES
static int
lap_two_least(const double *ci, const double *v, int m, double *u1out,
			  double *u2out)
{
	LapVec		inf = {INFINITY, INFINITY, INFINITY, INFINITY};
	LapVec		m1 = inf,
				m2 = inf;
	LapVec		i1 = {-1, -1, -1, -1};
	LapVec		jv = {0, 1, 2, 3};
	LapVec		four = {4, 4, 4, 4};
	double		u1 = INFINITY,
				u2 = INFINITY;
	int			j1 = -1;
	int			j;

	for (j = 0; j + 4 <= m; j += 4)
	{
		LapVec		c4,
					v4,
					h;
		LapMask		lt;

		memcpy(&c4, ci + j, sizeof(c4));
		memcpy(&v4, v + j, sizeof(v4));
		h = c4 - v4;
		lt = h < m1;
		m2 = lap_blend(lt, m1, lap_blend(h < m2, h, m2));
		m1 = lap_blend(lt, h, m1);
		i1 = lap_blend(lt, jv, i1);
		jv += four;
	}
	/* merge the lanes: the least of all, then the least of the rest */
	for (int k = 0; k < 4; k++)
	{
		if (m1[k] < u1 || (m1[k] == u1 && i1[k] < j1))
		{
			u2 = u1 < m2[k] ? u1 : m2[k];
			u1 = m1[k];
			j1 = (int) i1[k];
		}
		else
			u2 = u2 < m1[k] ? u2 : m1[k];
		if (m2[k] < u2)
			u2 = m2[k];
	}
	for (; j < m; j++)
	{
		double		h = ci[j] - v[j];

		if (h < u1)
		{
			u2 = u1;
			u1 = h;
			j1 = j;
		}
		else if (h < u2)
			u2 = h;
	}
	*u1out = u1;
	*u2out = u2;
	return j1;
}

/* A column other than j1 where row ci has reduced cost u2 (a tie). */
static int
lap_other_least(const double *ci, const double *v, int m, int j1, double u2)
{
	for (int j = 0; j < m; j++)
		if (j != j1 && ci[j] - v[j] == u2)
			return j;
	return -1;
}

/*
 * Phase 2: augmenting row reduction.  A free row takes its least reduced
 * cost column j1; when its second best is strictly worse, v[j1] drops by
 * the gap and the displaced row is retried at once, otherwise the row
 * takes the second best if j1 was owned and a displaced row waits for the
 * next pass.  Every step keeps the invariant of the file header.
 */
static HackStatus
lap_row_reduction(Lap *lap, HackError *err)
{
	int			m = lap->m;
	int		   *x = lap->x;
	int		   *y = lap->y;
	double	   *v = lap->v;
	int		   *fr = lap->free_rows;

	for (int pass = 0; pass < ARR_PASSES && lap->nfree > 0; pass++)
	{
		int			prev = lap->nfree;
		long		budget = (long) ARR_STEPS_PER_ROW * prev + 64;
		int			k = 0;

		lap->nfree = 0;
		while (k < prev)
		{
			int			i = fr[k++];
			const double *ci = lap->c + (size_t) i * m;
			double		u1,
						u2;
			int			j1 = lap_two_least(ci, v, m, &u1, &u2);
			int			i0;

			if (!isfinite(u1))
				return lap_infeasible(err); /* a row with no allowed column */

			i0 = y[j1];
			if (u1 < u2 && isfinite(u2))
				v[j1] -= u2 - u1;
			else if (i0 >= 0 && u1 == u2)
			{
				int			j2 = lap_other_least(ci, v, m, j1, u2);

				if (j2 >= 0)
				{
					j1 = j2;
					i0 = y[j2];
				}
			}
			x[i] = j1;
			y[j1] = i;
			if (i0 >= 0)
			{
				x[i0] = -1;
				if (u1 < u2 && isfinite(u2))
					fr[--k] = i0;
				else
					fr[lap->nfree++] = i0;
			}

			if ((++lap->steps % PROGRESS_EVERY) == 0 &&
				lap_interrupted(lap, 0, lap->n))
				return lap_stopped(err);
			if (--budget <= 0)
			{
				/* keep the rows not yet processed of this pass */
				memmove(fr + lap->nfree, fr + k, sizeof(int) * (prev - k));
				lap->nfree += prev - k;
				break;
			}
		}
	}
	return HACK_OK;
}

/*
 * Phase 3 kernel: relax every column through row ci (offset h) and return
 * the closest column still in the search, preferring an unassigned one on
 * a tie, or -1 if every remaining distance is infinite.
 *
 * Columns out of the search have v = -Infinity and d = +Infinity, so the
 * loop needs no test for them; the unassigned columns (listed in
 * freecols) are checked last, so that they win ties.  pred holds row
 * numbers as doubles so that every lane of the loop is 64 bits wide.
 */
LAP_CLONES
static int
lap_scan(const double *ci, const double *v, double *d, double *pred,
		 const int *freecols, int nfreecols, int m, double h, double dmin,
		 double row, double *dnext)
{
	LapVec		hv = {h, h, h, h};
	LapVec		lowv = {dmin, dmin, dmin, dmin};
	LapVec		rowv = {row, row, row, row};
	LapVec		inf = {INFINITY, INFINITY, INFINITY, INFINITY};
	LapVec		none = {-1, -1, -1, -1};
	LapVec		best0 = inf,
				best1 = inf;
	LapVec		bestj0 = none,
				bestj1 = none;
	LapVec		jv = {0, 1, 2, 3};
	LapVec		four = {4, 4, 4, 4};
	double		b = INFINITY;
	int			jb = -1;
	int			j;

	/*
	 * Relax columns jj..jj+3 and fold them into the running minimum (best,
	 * bestj).  Two running minima, for even and odd blocks, so that the
	 * compare-and-blend chain of one block does not wait for the other.
	 */
#define LAP_RELAX4(jj, best, bestj) \
	do { \
		LapVec		c4_, v4_, d4_, p4_, dj_; \
		LapMask		lt_; \
		memcpy(&c4_, ci + (jj), sizeof(c4_)); \
		memcpy(&v4_, v + (jj), sizeof(v4_)); \
		memcpy(&d4_, d + (jj), sizeof(d4_)); \
		memcpy(&p4_, pred + (jj), sizeof(p4_)); \
		dj_ = c4_ - v4_ - hv; \
		lt_ = dj_ < d4_; \
		/* rounding never takes a distance below dmin */ \
		dj_ = lap_blend(dj_ > lowv, dj_, lowv); \
		d4_ = lap_blend(lt_, dj_, d4_); \
		p4_ = lap_blend(lt_, rowv, p4_); \
		memcpy(d + (jj), &d4_, sizeof(d4_)); \
		memcpy(pred + (jj), &p4_, sizeof(p4_)); \
		lt_ = d4_ < (best); \
		(best) = lap_blend(lt_, d4_, (best)); \
		(bestj) = lap_blend(lt_, jv, (bestj)); \
		jv += four; \
	} while (0)

	for (j = 0; j + 8 <= m; j += 8)
	{
		LAP_RELAX4(j, best0, bestj0);
		LAP_RELAX4(j + 4, best1, bestj1);
	}
	if (j + 4 <= m)
	{
		LAP_RELAX4(j, best0, bestj0);
		j += 4;
	}
#undef LAP_RELAX4
	for (int k = 0; k < 8; k++)
	{
		double		bk = k < 4 ? best0[k] : best1[k - 4];
		int			jk = (int) (k < 4 ? bestj0[k] : bestj1[k - 4]);

		if (bk < b || (bk == b && jk < jb))
		{
			b = bk;
			jb = jk;
		}
	}
	for (; j < m; j++)
	{
		double		dj = ci[j] - v[j] - h;

		if (dj < d[j])
		{
			d[j] = dj > dmin ? dj : dmin;
			pred[j] = row;
		}
		if (d[j] < b)
		{
			b = d[j];
			jb = j;
		}
	}
	/* on a tie, an unassigned column ends the search at once */
	for (int k = 0; k < nfreecols; k++)
		if (d[freecols[k]] <= b)
		{
			b = d[freecols[k]];
			jb = freecols[k];
		}
	*dnext = b;
	return b < INFINITY ? jb : -1;
}

/*
 * Phase 3: one augmentation from free row f, Dijkstra over the columns.
 *
 * The dense variant: each scan of a row updates the tentative distances
 * d of all columns and finds the next closest one in the same contiguous
 * pass (no heap, no index list, no gathers).  A column leaves the search
 * by having its price set to -Infinity and its distance to +Infinity; its
 * old price plus its final distance are kept in scanval and give its new
 * price at the end.
 */
static HackStatus
lap_augment(Lap *lap, int f, HackError *err)
{
	int			m = lap->m;
	const double *c = lap->c;
	int		   *x = lap->x;
	int		   *y = lap->y;
	double	   *v = lap->v;
	int		   *scanned = lap->collist;
	double	   *scanval = lap->scanval;
	double	   *pred = lap->pred;
	double	   *d = lap->d;
	int			nscanned = 0;
	int			sink;
	double		dmin;
	int			jmin;

	for (int j = 0; j < m; j++)
		d[j] = INFINITY;
	jmin = lap_scan(c + (size_t) f * m, v, d, pred, lap->freecols, lap->nfreecols, m, 0.0,
					-INFINITY, f, &dmin);

	while (jmin >= 0 && y[jmin] >= 0)
	{
		/* take column jmin out of the search and scan its row */
		int			i = y[jmin];
		const double *ci = c + (size_t) i * m;
		double		h = ci[jmin] - v[jmin] - dmin;

		scanned[nscanned] = jmin;
		scanval[nscanned++] = v[jmin] + dmin;
		v[jmin] = -INFINITY;
		d[jmin] = INFINITY;
		jmin = lap_scan(ci, v, d, pred, lap->freecols, lap->nfreecols, m, h, dmin, i, &dmin);
	}

	if (jmin < 0)
		return lap_infeasible(err);

	/* scanned columns: price drops by their distance below the path's */
	for (int k = 0; k < nscanned; k++)
		v[scanned[k]] = scanval[k] - dmin;
	sink = jmin;
	for (int k = 0; k < lap->nfreecols; k++)
		if (lap->freecols[k] == sink)
		{
			lap->freecols[k] = lap->freecols[--lap->nfreecols];
			break;
		}

	/* flip the path */
	for (;;)
	{
		int			i = (int) pred[sink];
		int			next = x[i];

		y[sink] = i;
		x[i] = sink;
		if (i == f)
			break;
		sink = next;
	}
	return HACK_OK;
}

/* Solve the n <= m problem in lap->c; fills x and v. */
static HackStatus
lap_solve(Lap *lap, HackError *err)
{
	HackStatus	st;

	for (int i = 0; i < lap->n; i++)
		lap->x[i] = -1;
	for (int j = 0; j < lap->m; j++)
	{
		lap->y[j] = -1;
		lap->v[j] = 0.0;
	}

	if (lap->n == lap->m)
		st = lap_column_reduction(lap, err);
	else
	{
		for (int i = 0; i < lap->n; i++)
			lap->free_rows[i] = i;
		lap->nfree = lap->n;
		st = HACK_OK;
	}
	if (st == HACK_OK)
		st = lap_row_reduction(lap, err);

	lap->nfreecols = 0;
	for (int j = 0; j < lap->m; j++)
		if (lap->y[j] < 0)
			lap->freecols[lap->nfreecols++] = j;
	for (int k = 0; st == HACK_OK && k < lap->nfree; k++)
	{
		if (lap_interrupted(lap, k, lap->nfree))
			return lap_stopped(err);
		st = lap_augment(lap, lap->free_rows[k], err);
	}
	return st;
}

/* Reject NaN, -Infinity and finite costs out of range; +Infinity is allowed. */
static HackStatus
check_costs(const double *cost, int nrows, int ncols, HackError *err)
{
	size_t		total = (size_t) nrows * ncols;
	char		buf[HACK_DOUBLE_BUF];
	char		detail[HACK_MSG_LEN];

	for (size_t k = 0; k < total; k++)
	{
		double		a = cost[k];

		if (a >= -HUNGARIAN_MAX_COST && (a <= HUNGARIAN_MAX_COST || a == INFINITY))
			continue;
		snprintf(detail, sizeof(detail),
				 "Costs must be finite numbers between %g and %g, or Infinity for a forbidden pair.",
				 -HUNGARIAN_MAX_COST, HUNGARIAN_MAX_COST);
		return hack_error_set(err, isnan(a) || isinf(a) ? HACK_ERR_PARAMETER :
							  HACK_ERR_OUT_OF_RANGE, detail,
							  "invalid cost %s at row %d, column %d",
							  hack_fmt_double(buf, sizeof(buf), a),
							  (int) (k / ncols) + 1, (int) (k % ncols) + 1);
	}
	return HACK_OK;
}

/*
 * The working matrix: cost itself, or a copy that is transposed (so rows
 * <= columns) and/or negated (maximisation), keeping +Infinity forbidden.
 */
static double *
working_copy(const double *cost, int nrows, int ncols, bool transpose,
			 bool negate)
{
	double	   *w = malloc(sizeof(double) * (size_t) nrows * ncols);
	double		sign = negate ? -1.0 : 1.0;

	if (w == NULL)
		return NULL;
	if (!transpose)
	{
		for (size_t k = 0; k < (size_t) nrows * ncols; k++)
			w[k] = cost[k] == INFINITY ? INFINITY : sign * cost[k];
		return w;
	}
	/* blocked transpose: w is ncols x nrows */
	for (int i0 = 0; i0 < nrows; i0 += 32)
		for (int j0 = 0; j0 < ncols; j0 += 32)
			for (int i = i0; i < i0 + 32 && i < nrows; i++)
				for (int j = j0; j < j0 + 32 && j < ncols; j++)
				{
					double		a = cost[(size_t) i * ncols + j];

					w[(size_t) j * nrows + i] = a == INFINITY ? INFINITY : sign * a;
				}
	return w;
}

/*
 * Solve the assignment problem on the nrows x ncols matrix cost.
 *
 * col_for_row[i] receives the column (0-based) of row i, or -1 for the
 * rows left out when nrows > ncols; *total the optimal total cost.
 * row_dual and col_dual (either may be NULL) receive an optimality
 * certificate in terms of the given problem: for minimisation
 * u[i] + v[j] <= cost[i][j] for every allowed pair, with equality on the
 * assignment, and the duals of the longer side are <= 0 and 0 where
 * unassigned; for maximisation the inequalities are reversed.
 */
HackStatus
hungarian_solve(const double *cost, int nrows, int ncols, bool maximize,
				int *col_for_row, double *total, double *row_dual,
				double *col_dual, HackProgressFn progress, void *progress_arg,
				HackError *err)
{
	bool		transpose = nrows > ncols;
	int			n = transpose ? ncols : nrows;
	int			m = transpose ? nrows : ncols;
	double	   *work = NULL;
	Lap			lap;
	HackStatus	st;
	double		sum = 0.0;
	double		sign = maximize ? -1.0 : 1.0;

	hack_error_clear(err);
	*total = 0.0;
	if (nrows < 0 || ncols < 0)
		return hack_error_set(err, HACK_ERR_PARAMETER, NULL,
							  "negative matrix dimension");
	if ((size_t) n * m > SIZE_MAX / sizeof(double) / 2)
		return hack_error_set(err, HACK_ERR_LIMIT, NULL,
							  "cost matrix of %d x %d is too large", nrows, ncols);
	if ((st = check_costs(cost, nrows, ncols, err)) != HACK_OK)
		return st;
	for (int i = 0; i < nrows; i++)
		col_for_row[i] = -1;
	if (row_dual)
		memset(row_dual, 0, sizeof(double) * nrows);
	if (col_dual)
		memset(col_dual, 0, sizeof(double) * ncols);
	if (n == 0)
		return HACK_OK;

	memset(&lap, 0, sizeof(lap));
	if (transpose || maximize)
	{
		work = working_copy(cost, nrows, ncols, transpose, maximize);
		if (work == NULL)
			goto nomem;
	}
	lap.c = work ? work : cost;
	lap.n = n;
	lap.m = m;
	lap.progress = progress;
	lap.progress_arg = progress_arg;
	lap.x = malloc(sizeof(int) * n);
	lap.free_rows = malloc(sizeof(int) * n);
	lap.y = malloc(sizeof(int) * m);
	lap.collist = malloc(sizeof(int) * m);
	lap.pred = malloc(sizeof(double) * m);
	lap.freecols = malloc(sizeof(int) * m);
	lap.scratch = malloc(sizeof(int) * m);
	lap.v = malloc(sizeof(double) * m);
	lap.d = malloc(sizeof(double) * m);
	lap.scanval = malloc(sizeof(double) * m);
	if (!lap.x || !lap.free_rows || !lap.y || !lap.collist || !lap.pred ||
		!lap.freecols || !lap.scratch ||
		!lap.v || !lap.d || !lap.scanval)
		goto nomem;

	st = lap_solve(&lap, err);
	if (st == HACK_OK)
	{
		for (int i = 0; i < n; i++)
		{
			int			j = lap.x[i];
			int			orow = transpose ? j : i;
			int			ocol = transpose ? i : j;
			double		u = lap.c[(size_t) i * m + j] - lap.v[j];

			col_for_row[orow] = ocol;
			sum += cost[(size_t) orow * ncols + ocol];
			if (transpose)
			{
				if (col_dual)
					col_dual[i] = sign * u;
			}
			else if (row_dual)
				row_dual[i] = sign * u;
		}
		for (int j = 0; j < m; j++)
		{
			double		vj = sign * lap.v[j];

			if (transpose && row_dual)
				row_dual[j] = vj;
			else if (!transpose && col_dual)
				col_dual[j] = vj;
		}
		*total = sum;
	}
	goto done;

nomem:
	st = hack_error_set(err, HACK_ERR_NO_MEMORY, NULL,
						"out of memory for a %d x %d assignment problem",
						nrows, ncols);
done:
	free(work);
	free(lap.x);
	free(lap.free_rows);
	free(lap.y);
	free(lap.collist);
	free(lap.pred);
	free(lap.freecols);
	free(lap.scratch);
	free(lap.v);
	free(lap.d);
	free(lap.scanval);
	return st;
}
