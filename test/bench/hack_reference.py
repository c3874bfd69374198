#!/usr/bin/python3
"""test/bench/hack_reference.py: a PyTorch port of the reference HACK training
(github yunhuiguo/HACK: model.py, hyperbolic_assignment.py, hyptorch/nn.py,
hyptorch/pmath.py, utils.py), for test/bench/fidelity.sh (not part of CI).

What is ported, line for line where it matters:
- feature_Net: conv 20@5 -> ReLU -> max-pool 2 -> conv 50@5 -> ReLU -> max-pool 2
  -> fc 100 ReLU -> fc 100 ReLU -> fc 64; Projection_Head: linear 64 -> 2, then
  ToPoincare: expmap0 with tanh's argument clamped at clip_norm 15, project to
  norm 1 - 1e-3, and RiemannianGradient (identity forward, the gradient
  scaled by (1 - |z|^2)^2 / 4 backward).  PyTorch's default initialisation.
- input: raw pixels in [0, 1] (their val_transform is ToTensor only).
- loss: mean of pmath.dist (Mobius addition, artanh clamped at 1 - 1e-5 with
  its own backward) between each embedding and its assigned particle.
- SGD lr 0.1, momentum 0, batch 1024, a fresh shuffle every epoch, last batch
  kept; adjust_cosine_learning_rate sets the rate at the start of each epoch
  e = 1..E to eta_min + (lr - eta_min)(1 + cos(pi e / E)) / 2 with eta_min =
  lr * 0.1 ** 3 (utils.py: 1e-3 x lr, not 1e-4).
- re-assignment when (epoch + 1) % 2 == 0 (odd epochs), inside each batch,
  from the same forward pass: scipy linear_sum_assignment on
  pairwise_poincare_distances between the batch's embeddings and the
  particles assigned to its images, then targets[i] = targets[col_ind[i]],
  a permutation inside the batch, so the global assignment stays one to one.

Not ported: the published packing (particle_simulation.py), which does not
do what the paper says; the caller passes the particles (fidelity.sh uses
ours from hack_pack, so both sides get the same targets).  The augmentation
views (off by default there) are not computed: without BatchNorm they do not
change the training.
"""
import math

import numpy as np
import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment

BATCH = 1024
LR = 0.1
LR_FLOOR = 1e-3         # utils.py adjust_cosine_learning_rate: lr * 0.1 ** 3
CLIP_NORM = 15.0        # hyperbolic_assignment.py --max_clip_norm
MAXNORM = 1 - 1e-3      # pmath._project


class Artanh(torch.autograd.Function):
    """pmath.Artanh: clamped argument, backward 1 / (1 - x^2) of the clamped x."""

    @staticmethod
    def forward(ctx, x):
        x = x.clamp(-1 + 1e-5, 1 - 1e-5)
        ctx.save_for_backward(x)
        return 0.5 * (torch.log(1 + x) - torch.log(1 - x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (1 - x ** 2)


class RiemannianGradient(torch.autograd.Function):
    """pmath.RiemannianGradient (c = 1): the Euclidean gradient at z times the
    inverse metric (1 - |z|^2)^2 / 4."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (1 - x.pow(2).sum(-1, keepdim=True)).pow(2) / 4


def to_poincare(u):
    """ToPoincare.forward with c = 1, train_x off: expmap0, project, grad fix."""
    n = u.norm(dim=-1, p=2, keepdim=True).clamp_min(1e-5)
    z = n.clamp(-CLIP_NORM, CLIP_NORM).tanh() * u / n
    zn = z.norm(dim=-1, p=2, keepdim=True).clamp_min(1e-5)
    z = torch.where(zn > MAXNORM, z / zn * MAXNORM, z)
    return RiemannianGradient.apply(z)


def mobius_add(x, y):
    x2 = x.pow(2).sum(-1, keepdim=True)
    y2 = y.pow(2).sum(-1, keepdim=True)
    xy = (x * y).sum(-1, keepdim=True)
    num = (1 + 2 * xy + y2) * x + (1 - x2) * y
    return num / (1 + 2 * xy + x2 * y2 + 1e-5)


def dist(x, y):
    """pmath.dist, c = 1."""
    return 2 * Artanh.apply(mobius_add(-x, y).norm(dim=-1, p=2))


def pairwise_dist(x, y):
    """pmath.pairwise_poincare_distances: the Hungarian cost matrix."""
    x2 = (x * x).sum(-1)[:, None]
    y2 = (y * y).sum(-1)[None, :]
    a = 1 + 2 * (x2 + y2 - 2 * x @ y.T) / (1 - x2 - y2 + x2 * y2)
    return torch.acosh(a.clamp_min(1.00001))


class Reference(torch.nn.Module):
    """feature_Net followed by Projection_Head (dim 2)."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 20, 5, 1)
        self.conv2 = torch.nn.Conv2d(20, 50, 5, 1)
        self.fc1 = torch.nn.Linear(4 * 4 * 50, 100)
        self.fc2 = torch.nn.Linear(100, 100)
        self.fc3 = torch.nn.Linear(100, 64)
        self.project = torch.nn.Linear(64, 2)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2, 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2, 2)
        x = F.relu(self.fc1(x.view(-1, 4 * 4 * 50)))
        x = F.relu(self.fc2(x))
        return to_poincare(self.project(self.fc3(x)))


def train(images, particles, epochs, seed, batch=BATCH, lr=LR):
    """Trains the reference on uint8 images (n x 28 x 28) towards particles
    (n x 2); returns the hyperbolic norm of every image's final embedding
    and the final epoch's mean loss."""
    torch.manual_seed(seed)
    n = len(images)
    x = torch.tensor(np.asarray(images), dtype=torch.float32).unsqueeze(1) / 255.0
    particles = torch.tensor(np.asarray(particles), dtype=torch.float32)
    targets = particles[torch.randperm(n)]      # random one-to-one start
    model = Reference()
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.0)
    eta_min = lr * LR_FLOOR
    loss_sum = 0.0
    for epoch in range(1, epochs + 1):
        for g in opt.param_groups:
            g["lr"] = eta_min + (lr - eta_min) * (1 + math.cos(math.pi * epoch / epochs)) / 2
        update = (epoch + 1) % 2 == 0
        order = torch.randperm(n)
        loss_sum = 0.0
        for s in range(0, n, batch):
            idx = order[s:s + batch]
            z = model(x[idx])
            if update:
                with torch.no_grad():
                    t = targets[idx]
                    _, col = linear_sum_assignment(pairwise_dist(z, t).double().numpy())
                    targets[idx] = t[torch.as_tensor(col)]
            loss = dist(z, targets[idx]).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += float(loss) * len(idx)
    with torch.no_grad():
        z = torch.cat([model(x[s:s + batch]) for s in range(0, n, batch)])
        norms = 2 * torch.atanh(z.norm(dim=-1).clamp(max=1 - 1e-7).double())
    return norms.numpy(), loss_sum / n
