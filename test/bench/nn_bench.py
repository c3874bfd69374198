"""PyTorch peer of nn_bench.c: the same lenet, head and loss, same threads.

Usage: /usr/bin/python3 nn_bench.py THREADS SECONDS_PER_CASE
Prints "name value" lines like nn_bench.c (run both from nn_bench.sh).
"""
import sys
import time

import torch
import torch.nn as nn

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
secs = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
torch.set_num_threads(threads)
torch.manual_seed(1)

CLIP_R = 2.3
EPS = 1e-5


class LeNet(nn.Module):
    """HACK's MNIST encoder: conv 20@5x5, pool, conv 50@5x5, pool, fc 100,
    ReLU, fc 100, ReLU, fc 64, linear to dim (as src/core/nn_model.c)."""

    def __init__(self, dim=2):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(1, 20, 5), nn.MaxPool2d(2),
                                  nn.Conv2d(20, 50, 5), nn.MaxPool2d(2))
        self.fc = nn.Sequential(nn.Linear(800, 100), nn.ReLU(),
                                nn.Linear(100, 100), nn.ReLU(),
                                nn.Linear(100, 64), nn.Linear(64, dim))

    def forward(self, x):
        return self.fc(torch.flatten(self.conv(x), 1))


def expmap0(v):
    """Tangent cap at CLIP_R, then the exponential map at 0 (c = 1), clipped."""
    n = v.norm(dim=-1, keepdim=True).clamp_min(1e-15)
    u = v * torch.clamp(CLIP_R / n, max=1.0)
    nu = u.norm(dim=-1, keepdim=True).clamp_min(1e-15)
    t = torch.tanh(nu).clamp_max(1 - EPS)
    return t * u / nu


def poincare_dist(x, y):
    """acosh(1 + 2|x-y|^2 / ((1-|x|^2)(1-|y|^2)))"""
    d2 = (x - y).pow(2).sum(-1)
    a = 1 - x.pow(2).sum(-1)
    b = 1 - y.pow(2).sum(-1)
    return torch.acosh(1 + 2 * d2 / (a * b))


def best_rate(step, n):
    """Images per second of step() on n images: best of three runs of secs."""
    best = 0.0
    for _ in range(3):  # best of three, as nn_bench.c
        steps = 0
        t0 = time.perf_counter()
        while True:
            step()
            steps += 1
            el = time.perf_counter() - t0
            if el >= secs:
                break
        best = max(best, steps * n / el)
    return best


def main():
    model = LeNet()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.0)
    x = torch.rand(1024, 1, 28, 28)
    t = (torch.rand(1024, 2) - 0.5) * 0.9
    print("threads", threads)
    for n in (128, 1024):
        xb, tb = x[:n], t[:n]

        def train_step():
            opt.zero_grad()
            poincare_dist(expmap0(model(xb)), tb).mean().backward()
            opt.step()

        for _ in range(3):
            train_step()
        print("train_%d_img_per_s %.0f" % (n, best_rate(train_step, n)))
    with torch.no_grad():
        for n in (128, 1024):
            xb = x[:n]
            expmap0(model(xb))
            print("infer_%d_img_per_s %.0f"
                  % (n, best_rate(lambda: expmap0(model(xb)), n)))

if __name__ == "__main__":
    main()
