"""PyTorch peer of resnet_bench.c: the reference resnet20 (option A), head and
loss, 3 x 32 x 32 images, dim 2, batch 128, same threads.

Usage: /usr/bin/python3 resnet_bench.py THREADS SECONDS
"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "t"))
import nn_pytorch as P  # noqa: E402  the same model the agreement test uses

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
secs = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
torch.set_num_threads(threads)
torch.manual_seed(1)
n = 128
model = P.ResNet20(2)
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
x = torch.rand(n, 3, 32, 32)
t = (torch.rand(n, 2, dtype=torch.float64) - 0.5) * 0.9


def train_step():
    opt.zero_grad()
    loss = P.loss_fn(P.head(model(x)), t)
    loss.backward()
    opt.step()


def infer_step():
    with torch.no_grad():
        P.head(model(x))


def best_rate(step):
    best = 0.0
    for r in range(4):
        steps = 0
        t0 = time.perf_counter()
        while True:
            step()
            steps += 1
            el = time.perf_counter() - t0
            if el >= secs:
                break
        if r > 0:
            best = max(best, steps * n / el)
    return best


print(f"threads {threads}")
model.train()
print(f"train_128_img_per_s {best_rate(train_step):.0f}")
model.eval()
print(f"infer_128_img_per_s {best_rate(infer_step):.0f}")
