#!/usr/bin/python3
"""Benchmark peer for test/bench/hungarian_bench.sh.

gen DIR: writes the benchmark matrices (raw little-endian float64,
row-major) as DIR/{uniform,hyperbolic}_{N}.f64, a COPY file DIR/copy.txt
with rows (name, n, float8[] matrix, poincare_point[] points,
poincare_point[] targets) for the SQL timings, the points being those the
hyperbolic matrix was computed from.
time DIR: times scipy.optimize.linear_sum_assignment on each matrix
(best of REPEAT runs) and prints "name n seconds total"; "assign n ..."
times the distance matrix plus the assignment, the peer of hack_assign.
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from poincare_np import disc_points, matrix_literal, points_literal, poincare_distances  # noqa: E402

SIZES = (1024, 2048)
REPEAT = 3


def gen(d):
    rng = np.random.default_rng(20261123)
    with open(f"{d}/copy.txt", "w") as f:
        for n in SIZES:
            u = rng.random((n, n))
            u.tofile(f"{d}/uniform_{n}.f64")
            x = disc_points(rng, n)
            y = disc_points(rng, n)
            h = poincare_distances(x, y)
            h.tofile(f"{d}/hyperbolic_{n}.f64")
            np.save(f"{d}/points_{n}.npy", np.stack([x, y]))
            f.write(f"uniform\t{n}\t{matrix_literal(u)}\t\\N\t\\N\n")
            f.write(f"hyperbolic\t{n}\t{matrix_literal(h)}\t{points_literal(x)}\t{points_literal(y)}\n")


def timeit(d):
    from scipy.optimize import linear_sum_assignment
    for n in SIZES:
        for name in ("uniform", "hyperbolic"):
            c = np.fromfile(f"{d}/{name}_{n}.f64").reshape(n, n)
            best = float("inf")
            for _ in range(REPEAT):
                t0 = time.perf_counter()
                r, k = linear_sum_assignment(c)
                best = min(best, time.perf_counter() - t0)
            print(f"{name} {n} {best:.6f} {c[r, k].sum():.17g}")
        x, y = np.load(f"{d}/points_{n}.npy")
        best = float("inf")
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            c = poincare_distances(x, y)
            r, k = linear_sum_assignment(c)
            best = min(best, time.perf_counter() - t0)
        print(f"assign {n} {best:.6f} {c[r, k].sum():.17g}")


if __name__ == "__main__":
    {"gen": gen, "time": timeit}[sys.argv[1]](sys.argv[2])
