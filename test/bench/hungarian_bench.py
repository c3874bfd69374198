#!/usr/bin/python3
"""Benchmark peer for test/bench/hungarian_bench.sh.

gen DIR: writes the benchmark matrices (raw little-endian float64,
row-major) as DIR/{uniform,hyperbolic}_{N}.f64, and the hyperbolic points
as DIR/points_{N}.txt (poincare_point literals, one per line: first the N
points, then the N targets).
time DIR: times scipy.optimize.linear_sum_assignment on each matrix
(best of REPEAT runs) and prints "name n seconds total".
"""
import sys
import time

import numpy as np

SIZES = (1024, 2048)
REPEAT = 3


def disc_points(rng, n, radius=0.95):
    """Points uniform (by area) in the Euclidean disc of the given radius."""
    r = radius * np.sqrt(rng.random(n))
    t = 2 * np.pi * rng.random(n)
    return np.stack([r * np.cos(t), r * np.sin(t)], axis=1)


def poincare_distances(x, y):
    """Pairwise Poincaré distances, arccosh(1 + 2|x-y|^2 / ((1-|x|^2)(1-|y|^2)))."""
    sq = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)
    den = (1 - (x ** 2).sum(1))[:, None] * (1 - (y ** 2).sum(1))[None, :]
    return np.arccosh(1 + 2 * sq / den)


def gen(d):
    rng = np.random.default_rng(20261123)
    for n in SIZES:
        rng.random((n, n)).tofile(f"{d}/uniform_{n}.f64")
        x = disc_points(rng, n)
        y = disc_points(rng, n)
        poincare_distances(x, y).tofile(f"{d}/hyperbolic_{n}.f64")
        with open(f"{d}/points_{n}.txt", "w") as f:
            for p in np.concatenate([x, y]):
                f.write("(%r,%r)\n" % (float(p[0]), float(p[1])))


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


if __name__ == "__main__":
    {"gen": gen, "time": timeit}[sys.argv[1]](sys.argv[2])
