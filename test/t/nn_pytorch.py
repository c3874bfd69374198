#!/usr/bin/env python3
"""The encoder engine against PyTorch on fixed weights (test/t/019_nn_pytorch.pl).

nn_pytorch.py gen DIR ARCH N DIM: builds ARCH (resnet20 or lenet) in PyTorch,
as the reference code has it, with seeded weights (BatchNorm's gamma, beta
and running statistics random too, so that none is the identity), seeded
images and targets, and writes DIR/params.f32, buffers.f32, x.f32 and
targets.f64 in the engine's order (parameters layer after layer, weight
then bias; each BatchNorm's running mean then variance).  Then, in training
mode and in float64, it computes the embeddings (tangent cap 2.3, expmap0 clipped at
1 - 1e-5, in double as the engine), the loss (mean Poincare distance to the
targets, curvature 1) and every parameter's gradient, then the running
statistics after that pass and the embeddings in inference mode, into
DIR/torch_*.

nn_pytorch.py check DIR: compares DIR/hack_* (written by nn_pytorch_driver)
with DIR/torch_*, printing one line per quantity with the largest
difference relative to the largest magnitude of PyTorch's tensor
(max |a - b| / max |b|, per tensor for gradients), and exits 1 if any
exceeds 1e-4.
"""
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CLIP_R = 2.3
EPS = 1e-5
TOL = 1e-4


class Block(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.pad = planes // 4 if (stride != 1 or cin != planes) else None

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.pad is None:
            sc = x
        else:
            # option A, as the reference resnet_cifar.py
            sc = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad), "constant", 0)
        return F.relu(out + sc)


class ResNet20(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        blocks = []
        cin = 16
        for stage in range(3):
            for b in range(3):
                planes = 16 << stage
                blocks.append(Block(cin, planes, 2 if stage > 0 and b == 0 else 1))
                cin = planes
        self.blocks = nn.Sequential(*blocks)
        self.linear = nn.Linear(64, 10)
        self.project = nn.Linear(10, dim)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.blocks(out)
        out = F.avg_pool2d(out, out.size()[3]).flatten(1)
        return self.project(self.linear(out))


class LeNet(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 5, 1)
        self.conv2 = nn.Conv2d(20, 50, 5, 1)
        self.fc1 = nn.Linear(4 * 4 * 50, 100)
        self.fc2 = nn.Linear(100, 100)
        self.fc3 = nn.Linear(100, 64)
        self.project = nn.Linear(64, dim)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2, 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2, 2)
        x = x.flatten(1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.project(self.fc3(x))


def head(v):
    """Tangent cap and expmap0 in double, as nn_head_forward."""
    v = v.double()
    n = v.norm(dim=1, keepdim=True)
    u = v * torch.clamp(CLIP_R / n, max=1.0)
    s = u.norm(dim=1, keepdim=True)
    t = torch.clamp(torch.tanh(s), max=1.0 - EPS)
    return t / s * u


def loss_fn(z, t):
    """Mean Poincare distance, curvature 1."""
    a = 1.0 - (z * z).sum(1)
    b = 1.0 - (t * t).sum(1)
    q = 2.0 * ((z - t) ** 2).sum(1) / (a * b)
    return torch.acosh(1.0 + q).mean()


def bn_modules(model):
    return [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]


def gen(d, arch, n, dim):
    torch.manual_seed(7)
    np.random.seed(7)
    model = ResNet20(dim) if arch == "resnet20" else LeNet(dim)
    shape = (3, 32, 32) if arch == "resnet20" else (1, 28, 28)
    with torch.no_grad():
        for bn in bn_modules(model):
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.2, 0.2)
            bn.running_mean.uniform_(-0.1, 0.1)
            bn.running_var.uniform_(0.5, 1.5)
        # some tangent vectors inside the cap, some beyond it
        model.project.weight.mul_(0.5)
    params = list(model.parameters())
    np.concatenate([p.detach().numpy().ravel() for p in params]).astype("<f4").tofile(f"{d}/params.f32")
    bufs = [np.concatenate([bn.running_mean.numpy(), bn.running_var.numpy()]) for bn in bn_modules(model)]
    (np.concatenate(bufs) if bufs else np.zeros(0)).astype("<f4").tofile(f"{d}/buffers.f32")
    x = torch.rand((n,) + shape)
    x.numpy().astype("<f4").tofile(f"{d}/x.f32")
    t = (torch.rand(n, dim, dtype=torch.float64) * 2 - 1) * 0.8 / dim ** 0.5
    t.numpy().astype("<f8").tofile(f"{d}/targets.f64")

    # the reference in float64: with float32 in both engines, a pre-ReLU value
    # within rounding of 0 can fall on either side of the kink, which changes
    # a gradient by up to 1% at 40 images (both engines then disagree with
    # float64 by that much); so the batch is small and the reference exact
    model = model.double()
    x64 = x.double()
    params = list(model.parameters())
    model.train()
    z = head(model(x64))
    loss = loss_fn(z, t)
    loss.backward()
    z.detach().numpy().astype("<f8").tofile(f"{d}/torch_emb_train.f64")
    np.array([loss.item()]).astype("<f8").tofile(f"{d}/torch_loss.f64")
    np.concatenate([p.grad.numpy().ravel() for p in params]).astype("<f4").tofile(f"{d}/torch_grads.f32")
    bufs = [np.concatenate([bn.running_mean.numpy(), bn.running_var.numpy()]) for bn in bn_modules(model)]
    (np.concatenate(bufs) if bufs else np.zeros(0)).astype("<f4").tofile(f"{d}/torch_buffers.f32")
    model.eval()
    with torch.no_grad():
        head(model(x64)).numpy().astype("<f8").tofile(f"{d}/torch_emb_eval.f64")
    # tensor sizes, for the per-tensor comparison of gradients
    with open(f"{d}/sizes.txt", "w") as f:
        f.write(" ".join(str(p.numel()) for p in params) + "\n")


def rel(a, b):
    scale = np.abs(b).max()
    return float(np.abs(a - b).max() / scale) if scale > 0 else float(np.abs(a - b).max())


def check(d):
    worst = 0.0
    for name, dt in (("emb_train", "<f8"), ("loss", "<f8"), ("buffers", "<f4"), ("emb_eval", "<f8")):
        a = np.fromfile(f"{d}/hack_{name}.{'f64' if dt == '<f8' else 'f32'}", dtype=dt).astype(np.float64)
        b = np.fromfile(f"{d}/torch_{name}.{'f64' if dt == '<f8' else 'f32'}", dtype=dt).astype(np.float64)
        if a.size != b.size:
            print(f"{name}: {a.size} values, PyTorch has {b.size}")
            return 1
        if b.size == 0:
            continue
        r = rel(a, b)
        worst = max(worst, r)
        print(f"{name} {r:.3g}")
    sizes = [int(s) for s in open(f"{d}/sizes.txt").read().split()]
    ga = np.fromfile(f"{d}/hack_grads.f32", dtype="<f4").astype(np.float64)
    gb = np.fromfile(f"{d}/torch_grads.f32", dtype="<f4").astype(np.float64)
    if ga.size != gb.size or gb.size != sum(sizes):
        print(f"grads: {ga.size} values, PyTorch has {gb.size}")
        return 1
    off = 0
    gw = 0.0
    for s in sizes:
        gw = max(gw, rel(ga[off:off + s], gb[off:off + s]))
        off += s
    print(f"grads {gw:.3g} ({len(sizes)} tensors)")
    worst = max(worst, gw)
    print(f"worst {worst:.3g}")
    return 0 if worst <= TOL else 1


if __name__ == "__main__":
    torch.set_num_threads(1)
    if sys.argv[1] == "gen":
        gen(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        sys.exit(check(sys.argv[2]))
