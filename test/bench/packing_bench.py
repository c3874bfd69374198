#!/usr/bin/python3
"""The peer of test/bench/packing_bench.sh: HACK's sphere packing as the
reference does it, in PyTorch with dense pairwise distances.

Particles are tangent vectors at the origin mapped into the ball by expmap0,
started uniformly within +-0.01, and optimised by SGD (lr 0.01, cosine
schedule over the epochs run) on the mean repulsion V = C(k) (1/min(d, 2 r_n)^k - 1/(2 r_n)^k)
over all pairs plus the mean boundary loss max(0, |x| - r + margin).  All
n^2 distances are computed every epoch, in row blocks of BLOCK rows: a
single n x n tensor would be as dense, but fresh allocations that large cost
about 17 us per page fault on this machine, which would dominate the timing
and flatter us.  Writes the final points (float64, n x dim) to --out.

Usage: packing_bench.py N EPOCHS THREADS OUT [--optimizer sgd|adam]
"""
import argparse
import math
import time

import numpy as np
import torch

BLOCK = 256

ap = argparse.ArgumentParser()
ap.add_argument("n", type=int)
ap.add_argument("epochs", type=int)
ap.add_argument("threads", type=int)
ap.add_argument("out")
ap.add_argument("--optimizer", default="sgd")
ap.add_argument("--lr", type=float, default=0.01)
ap.add_argument("--radius", type=float, default=0.76)
ap.add_argument("--k", type=float, default=1.55)
ap.add_argument("--margin", type=float, default=0.0)
args = ap.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

n, k, r = args.n, args.k, args.radius
r_b = 2 * math.atanh(r)
a_b = 4 * math.pi * math.sinh(r_b / 2) ** 2
r_n = 2 * math.asinh(math.sqrt(a_b / n / (4 * math.pi)))
cut = 2 * r_n
c_k = cut ** (k + 1) / k


def expmap0(v):
    nv = v.norm(dim=1, keepdim=True).clamp_min(1e-15)
    return torch.tanh(nv) * v / nv


def repulsion(pb, p, i0):
    """Sum of V over the pairs (i, j), i in the block, j anywhere, j != i."""
    alpha_b = 1 - (pb * pb).sum(1)
    alpha = 1 - (p * p).sum(1)
    d2 = torch.cdist(pb, p, compute_mode="use_mm_for_euclid_dist").pow(2)
    z = 1 + 2 * d2 / torch.outer(alpha_b, alpha)
    d = torch.acosh(z.clamp_min(1 + 1e-7))
    v = c_k * (d.clamp(min=1e-4, max=cut).pow(-k) - cut ** -k)
    rows = torch.arange(pb.shape[0])
    v[rows, rows + i0] = 0.0
    return v.sum()


v = (torch.rand(n, 2) * 0.02 - 0.01).requires_grad_()
if args.optimizer == "adam":
    opt = torch.optim.Adam([v], lr=args.lr)
else:
    opt = torch.optim.SGD([v], lr=args.lr)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, args.epochs)

start = time.time()
for epoch in range(args.epochs):
    opt.zero_grad()
    p = expmap0(v)
    pd = p.detach().requires_grad_()
    total = 0.0
    for i0 in range(0, n, BLOCK):
        pb = pd[i0:i0 + BLOCK]
        loss = repulsion(pb, pd, i0) / (n * (n - 1))
        loss.backward()
        total += loss.item()
    boundary = (pd.norm(dim=1) - r + args.margin).clamp_min(0).mean()
    boundary.backward()
    p.backward(pd.grad)
    opt.step()
    sched.step()
elapsed = time.time() - start
np.asarray(expmap0(v).detach().double()).tofile(args.out)
print(f"torch n={n} epochs={args.epochs} threads={args.threads} optimizer={args.optimizer} "
      f"time={elapsed:.2f}s per_epoch={elapsed / max(args.epochs, 1) * 1000:.1f}ms")
