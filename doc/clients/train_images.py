"""A small image table for the snippets of doc/clients.md: two groups of
28 x 28 uint8 images, a bright band (label 0) or column (label 1), noisy."""
import numpy as np


def images(n, seed=2):
    rng = np.random.default_rng(seed)
    for i in range(1, n + 1):
        label = i % 2
        a = rng.integers(0, 60, (28, 28), dtype=np.uint8)
        if label == 0:
            a[10:18, :] += 150
        else:
            a[:, 10:18] += 150
        yield i, label, a.tobytes()
