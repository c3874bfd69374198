#!/usr/bin/python3
"""test/bench/train_bench.py: HACK end to end on one Fashion-MNIST class,
hack_train in PostgreSQL against a PyTorch implementation of the same
algorithm, in the same run on the same machine (not part of CI).

    bash test/bench/train_bench.sh [--epochs 200] [--threads 2]

which runs this script twice: "hack" against a throwaway cluster with hack
installed, then "torch" with the cluster stopped (Debian's python3-torch,
python3-scipy and dataset-fashion-mnist).  Both sides: pack one particle per image (radius
0.76, k 1.55), random one-to-one assignment, LeNet encoder to 2-D with
expmap0 (tangent norm capped at 2.3), loss = mean Poincare distance, plain
SGD lr 0.1 with a cosine schedule, batch 256, Hungarian re-assignment inside
each batch every 2 epochs.  PyTorch packs the way the reference does (dense
pairwise distances, SGD on tangent coordinates).
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

DATA = "/usr/share/datasets/fashion-mnist"


def load_split(split="train"):
    """The images (uint8, n x 28 x 28) and labels of Fashion-MNIST's split
    "train" (60,000) or "t10k" (the 10,000 test images)."""
    with gzip.open(os.path.join(DATA, "%s-images-idx3-ubyte.gz" % split)) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(os.path.join(DATA, "%s-labels-idx1-ubyte.gz" % split)) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return images, labels


def load_all():
    """The 60,000 training images and their labels."""
    return load_split("train")


def load_class(label, n):
    images, labels = load_all()
    return images[labels == label][:n]


def psql(sql):
    return subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
                          check=True, capture_output=True, text=True).stdout


# ---------------------------------------------------------------- PyTorch side
def expmap0(v, clip_r=2.3, eps=1e-5):
    n = v.norm(dim=-1, keepdim=True).clamp_min(1e-15)
    v = v * torch.clamp(clip_r / n, max=1.0)
    n = v.norm(dim=-1, keepdim=True).clamp_min(1e-15)
    x = torch.tanh(n) * v / n
    xn = x.norm(dim=-1, keepdim=True).clamp_min(1e-15)
    return torch.where(xn > 1 - eps, x / xn * (1 - eps), x)


def poincare_dist(x, y):
    x2 = (x * x).sum(-1)
    y2 = (y * y).sum(-1)
    d2 = ((x - y) ** 2).sum(-1)
    z = 2 * d2 / ((1 - x2).clamp_min(1e-15) * (1 - y2).clamp_min(1e-15))
    return torch.acosh((1 + z).clamp_min(1 + 1e-12))


def torch_pack(n, epochs, lr=0.01, radius=0.76, k=1.55, seed=0):
    g = torch.Generator().manual_seed(seed)
    r_b = 2 * np.arctanh(radius)
    area = 4 * np.pi * np.sinh(r_b / 2) ** 2
    r_n = 2 * np.arcsinh(np.sqrt(area / n / (4 * np.pi)))
    cut = 2 * r_n
    c_k = cut ** (k + 1) / k
    v = ((torch.rand(n, 2, generator=g, dtype=torch.float64) - 0.5) * 0.02).requires_grad_()
    opt = torch.optim.SGD([v], lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    for _ in range(epochs):
        x = expmap0(v, clip_r=1e9)
        d = poincare_dist(x[:, None, :], x[None, :, :])
        d = d + torch.eye(n, dtype=d.dtype) * 1e3
        rep = c_k * (1 / d.clamp(min=1e-3, max=cut) ** k - 1 / cut ** k)
        loss = rep.sum() / 2 + torch.relu(x.norm(dim=-1) - radius + 0.01).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    return expmap0(v.detach(), clip_r=1e9)


class LeNet(torch.nn.Module):
    def __init__(self, dim=2):
        super().__init__()
        self.f = torch.nn.Sequential(
            torch.nn.Conv2d(1, 20, 5), torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(20, 50, 5), torch.nn.MaxPool2d(2), torch.nn.Flatten(),
            torch.nn.Linear(800, 100), torch.nn.ReLU(), torch.nn.Linear(100, 100), torch.nn.ReLU(),
            torch.nn.Linear(100, 64), torch.nn.Linear(64, dim))

    def forward(self, x):
        return expmap0(self.f(x))


def torch_hack(images, epochs, batch, pack_epochs, seed=0):
    torch.manual_seed(seed)
    n = len(images)
    x = torch.tensor(images, dtype=torch.float32).unsqueeze(1)
    x = (x - x.mean()) / x.std()
    t0 = time.time()
    particles = torch_pack(n, pack_epochs).float()
    t_pack = time.time() - t0
    assign = torch.randperm(n)
    model = LeNet()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    steps = epochs * ((n + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    t1 = time.time()
    for epoch in range(1, epochs + 1):
        order = torch.randperm(n)
        for s in range(0, n, batch):
            idx = order[s:s + batch]
            emb = model(x[idx])
            if epoch % 2 == 0:
                with torch.no_grad():
                    old = assign[idx].clone()
                    cost = poincare_dist(emb[:, None, :], particles[old][None, :, :]).double().numpy()
                    _, cols = linear_sum_assignment(cost)
                    assign[idx] = old[torch.as_tensor(cols)]
            loss = poincare_dist(emb, particles[assign[idx]]).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    t_train = time.time() - t1
    return t_pack, t_train, float(loss)


# ----------------------------------------------------------------------- main
def run_hack(args, images):
    """Load the images and time CALL hack_train; returns the figures."""
    with tempfile.NamedTemporaryFile("w", suffix=".copy", delete=False) as f:
        for i, im in enumerate(images):
            f.write("%d\t\\\\x%s\n" % (i + 1, im.tobytes().hex()))
        path = f.name
    # hack 1.1: a model keeps its source table, so drop the model with its table
    psql("SELECT hack_drop_model('bench', true)")
    psql("DROP TABLE IF EXISTS bench_images; CREATE TABLE bench_images (id bigint, img bytea)")
    subprocess.run(["psql", "-X", "-q", "-c", "\\copy bench_images FROM '%s'" % path], check=True)
    os.unlink(path)
    t0 = time.time()
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
                    "-c", "SET hack.blas_threads = %d" % args.threads,
                    "-c", "SET client_min_messages = warning",
                    "-c", "CALL hack_train(model => 'bench', source => 'bench_images', epochs => %d, "
                          "batch_size => %d, pack_epochs => %d, seed => 1)"
                          % (args.epochs, args.batch, args.pack_epochs)], check=True)
    total = time.time() - t0
    pack, train, loss = psql("SELECT metrics->>'pack_seconds', metrics->>'train_seconds', "
                             "metrics->>'final_loss' FROM hack.model_groups WHERE model = 'bench'").strip().split("|")
    return {"total": total, "pack": float(pack), "train": float(train), "loss": float(loss)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("phase", choices=["hack", "torch"],
                    help="hack: time hack_train (needs the cluster) and write the figures to --result; "
                         "torch: time PyTorch and print both")
    ap.add_argument("--result", default="/tmp/hack_train_bench.json")
    ap.add_argument("--label", type=int, default=0)
    ap.add_argument("--n", type=int, default=6000)
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--pack-epochs", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    images = load_class(args.label, args.n)
    n = len(images)
    if args.phase == "hack":
        json.dump(run_hack(args, images), open(args.result, "w"))
        return 0
    ours = json.load(open(args.result))
    t0 = time.time()
    t_pack, t_train, loss = torch_hack(images, args.epochs, args.batch, args.pack_epochs)
    theirs = time.time() - t0
    print("images: %d (class %d), epochs %d, batch %d, packing epochs %d, threads %d"
          % (n, args.label, args.epochs, args.batch, args.pack_epochs, args.threads))
    print("hack_train (SQL, end to end): %8.1f s  (packing %.1f s, training %.1f s, %.0f images/s, loss %.4f)"
          % (ours["total"], ours["pack"], ours["train"], n * args.epochs / ours["train"], ours["loss"]))
    print("PyTorch + scipy:              %8.1f s  (packing %.1f s, training %.1f s, %.0f images/s, loss %.4f)"
          % (theirs, t_pack, t_train, n * args.epochs / t_train, loss))
    print("ratio PyTorch / hack: end to end %.2f, packing %.2f, training %.2f"
          % (theirs / ours["total"], t_pack / ours["pack"], t_train / ours["train"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
