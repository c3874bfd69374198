"""Poincaré-disc test data with numpy, shared by test/t and test/bench."""
import numpy as np


def disc_points(rng, n, radius=0.95):
    """n points uniform (by area) in the Euclidean disc of the given radius."""
    r = radius * np.sqrt(rng.random(n))
    t = 2 * np.pi * rng.random(n)
    return np.stack([r * np.cos(t), r * np.sin(t)], axis=1)


def poincare_distances(x, y):
    """Pairwise distances, arccosh(1 + 2|x-y|^2 / ((1-|x|^2)(1-|y|^2)))."""
    sq = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)
    den = (1 - (x ** 2).sum(1))[:, None] * (1 - (y ** 2).sum(1))[None, :]
    return np.arccosh(1 + 2 * sq / den)


def matrix_literal(c):
    """A float8[][] literal with round-trip digits."""
    return "{" + ",".join("{" + ",".join(map(repr, row.tolist())) + "}" for row in c) + "}"


def points_literal(p):
    """A poincare_point[] literal with round-trip digits."""
    return "{" + ",".join('"(%r,%r)"' % (float(a), float(b)) for a, b in p) + "}"
