#!/usr/bin/python3
"""test/bench/packing_published.py: the packing of yunhuiguo/HACK's
particle_simulation.py run as published, measured.  Not part of CI; needs
python3-torch.  doc/packing.md ("The published packing code") gives the
figures and why hack_pack follows the paper's description instead.

What is ported, line for line (commit 84bd71c of the authors' repository):
the README's MNIST command, `--use_hyperbolic_dist
--use_nonlinear_repulsion_loss --lr 0.01 --dim 2 --k 1.55 --epochs 600
--c 1.0 --max_clip_norm 15.0`; `Particles` (an nn.Embedding initialised
uniform in +-0.01); the disc's radius `Euclidean_r = tanh(sqrt(c) *
max_clip_norm)` and r_n from its hyperbolic area (pmath.h_area /
area_to_r); loss = 100 x boundary_loss(f1) + hyperbolic_uniform_loss(
ToPoincare(f1)), the boundary term on the raw parameters f1, the
repulsion on all pairs closer than 2 r_n; full-batch SGD, cosine per
epoch down to lr x 1e-3.  The ball points are ToPoincare(f1): expmap0
with the tangent clamp 15, projection at 1 - 1e-3, Riemannian gradient
(hack_reference.to_poincare, the same code the fidelity benchmark uses).

Knobs: HACK_PP_N particles (1000; an MNIST class has about 6,000),
HACK_PP_EPOCHS (600), HACK_PP_THREADS (2).
"""
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hack_reference import pairwise_dist, to_poincare  # noqa: E402

N = int(os.environ.get("HACK_PP_N", "1000"))
EPOCHS = int(os.environ.get("HACK_PP_EPOCHS", "600"))
THREADS = int(os.environ.get("HACK_PP_THREADS", "2"))
LR, K, CLIP, BOUNDARY_WEIGHT = 0.01, 1.55, 15.0, 100.0
PAPER_R = 0.76


def h_area(r):
    """pmath.h_area, c = 1: the area of the disc of hyperbolic radius r."""
    return 4 * math.pi * math.sinh(r / 2) ** 2


def area_to_r(area):
    """pmath.area_to_r, c = 1."""
    return 2 * math.asinh(math.sqrt(area / (4 * math.pi)))


def repulsion(d, r, k, clip_v=0.01):
    """losses.repulsion_loss, applied as hyperbolic_uniform_loss does."""
    d = torch.clamp(2 * r - d, clip_v, 2 * r)
    c_k = (2 * r) ** (k + 1) / k
    return (1 / d ** k - 1 / (2 * r) ** k) * c_k


def describe(z, r_n):
    """Norm quantiles, shares outside the paper's disc and at the
    projection limit, and the coefficient of variation of the nearest-
    neighbour distances (hyperbolic; 0 for a perfect lattice)."""
    with torch.no_grad():
        norm = z.norm(dim=1).double().numpy()
        d = pairwise_dist(z.double(), z.double())
        d.fill_diagonal_(float("inf"))
        nn = d.min(dim=1).values.numpy()
    return ("norm min %.4f median %.4f max %.4f | >= %.2f: %5.1f%% | >= 0.998: %5.1f%% | NN CV %.3f"
            % (norm.min(), np.median(norm), norm.max(), PAPER_R, 100 * np.mean(norm >= PAPER_R),
               100 * np.mean(norm >= 0.998), np.std(nn) / np.mean(nn)))


def main():
    torch.set_num_threads(THREADS)
    torch.manual_seed(1)
    euclidean_r = math.tanh(CLIP)
    hyperbolic_r = 2 * math.atanh(min(euclidean_r, 1 - 1e-16))
    r_n = area_to_r(h_area(hyperbolic_r) / N)
    paper_r_n = area_to_r(h_area(2 * math.atanh(PAPER_R)) / N)
    print("published: Euclidean_r = tanh(%g) = %.15f (the paper: %.2f)" % (CLIP, euclidean_r, PAPER_R))
    print("           hyperbolic radius %.2f, r_n %.3f for n = %d (the paper's disc: r_n %.4f)"
          % (hyperbolic_r, r_n, N, paper_r_n))
    f1 = torch.nn.Parameter(torch.empty(N, 2).uniform_(-0.01, 0.01))
    opt = torch.optim.SGD([f1], lr=LR, momentum=0.0)
    report = {0, 1, 2, 5, 10, 100, EPOCHS}
    print("epoch %4d: %s" % (0, describe(to_poincare(f1), r_n)))
    for epoch in range(EPOCHS):
        lr = LR * 1e-3 + (LR - LR * 1e-3) * (1 + math.cos(math.pi * epoch / EPOCHS)) / 2
        for g in opt.param_groups:
            g["lr"] = lr
        boundary = torch.relu(f1.norm(dim=1) - euclidean_r + 0.1).mean()
        z = to_poincare(f1)
        d = pairwise_dist(z, z)
        d = d + torch.diag(torch.full((N,), 1e10))
        close = d[d < 2 * r_n]
        uniform = repulsion(torch.relu(2 * r_n - close), r_n, K).mean()
        loss = BOUNDARY_WEIGHT * boundary + uniform
        opt.zero_grad()
        loss.backward()
        opt.step()
        if epoch + 1 in report:
            print("epoch %4d: %s (pairs within 2 r_n: %d of %d)"
                  % (epoch + 1, describe(to_poincare(f1), r_n), close.numel(), N * (N - 1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
