#!/usr/bin/python3
"""Points, extra points and queries of one dimension for test/t/009_gist_knn.pl.

Usage: gist_knn_points.py DIM DIR.  Writes DIR/points.csv (20,000 points,
ids 1..), DIR/extra.csv (4,000 more, ids 100001..) and DIR/queries.csv (200
queries with a ball radius), tab-separated for COPY.  Points are uniform in
hyperbolic volume within a ball, plus a quarter in clusters near the
boundary at norms up to 1 - 1e-6; queries are the origin, data points,
random points and points near the clusters.  Seeded by the dimension.
"""
import bisect
import math
import random
import sys

dim, work = int(sys.argv[1]), sys.argv[2]
rng = random.Random(1000 + dim)

def direction():
    v = [rng.gauss(0.0, 1.0) for _ in range(dim)]
    n = math.sqrt(sum(t * t for t in v))
    return [t / n for t in v]

def hyperbolic_radius_sampler(R):
    # density of the hyperbolic radius ~ sinh(r)^(dim-1): inverse CDF on a grid
    r = [R * i / 20000 for i in range(20001)]
    cdf, acc = [], 0.0
    for t in r:
        acc += math.sinh(t) ** (dim - 1)
        cdf.append(acc)
    def sample():
        u = rng.random() * acc
        i = min(bisect.bisect_left(cdf, u), len(r) - 1)
        return r[i]
    return sample

radius6 = hyperbolic_radius_sampler(6.0)
radius_main = hyperbolic_radius_sampler(6.0 if dim <= 3 else 5.0)
centres = [direction() for _ in range(5)]

def uniform_hyperbolic(sample):
    t = math.tanh(sample() / 2)
    return [t * c for c in direction()]

def near_boundary():
    c = rng.choice(centres)
    d = [t + 0.02 * rng.gauss(0.0, 1.0) for t in c]
    n = math.sqrt(sum(t * t for t in d))
    norm = 1.0 - 10.0 ** -rng.uniform(2.0, 6.0)
    return [t / n * norm for t in d]

def points(n):
    p = [uniform_hyperbolic(radius_main) for _ in range(n - n // 4)]
    p += [near_boundary() for _ in range(n // 4)]
    rng.shuffle(p)
    return p

def lit(x):
    return '(' + ','.join(repr(float(v)) for v in x) + ')'

pts = points(20000)
extra = points(4000)
with open(f'{work}/points.csv', 'w') as f:
    for i, x in enumerate(pts, 1):
        f.write(f'{i}\t{lit(x)}\n')
with open(f'{work}/extra.csv', 'w') as f:
    for i, x in enumerate(extra, 100001):
        f.write(f'{i}\t{lit(x)}\n')
qs = [[0.0] * dim for _ in range(5)]
qs += [rng.choice(pts) for _ in range(60)]
qs += [uniform_hyperbolic(radius6) for _ in range(75)]
qs += [near_boundary() for _ in range(60)]
with open(f'{work}/queries.csv', 'w') as f:
    for i, q in enumerate(qs, 1):
        f.write(f'{i}\t{lit(q)}\t{rng.uniform(0.0, 3.0) if i > 5 else 1.0 + i}\n')
