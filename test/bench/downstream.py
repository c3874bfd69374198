#!/usr/bin/python3
"""test/bench/downstream.py: the paper's section 5.4 (downstream tasks) on
Fashion-MNIST.  Run it through downstream.sh, which gives it a cluster with
hack installed (PGHOST etc. in the environment).

One hack model, trained once (seed 1) with group_column => 'label' on the
first HACK_DS_N training images of each class, format => 'u8'.  Then a fixed
classifier, LeNet-5 with ReLU: conv 6@5x5 (padding 2) / max-pool 2 / conv
16@5x5 / max-pool 2 / fc 120 / fc 84 / fc 10, input raw [0, 1] pixels, Adam
lr 1e-3, batch 128, HACK_DS_CLS_EPOCHS epochs, torch seeded by the
classifier seed (weights and batch order), evaluated on the 10,000 t10k
images.

Sample complexity: the classifier trained on HACK_DS_FRACTION of each class,
the rows hack_select(model, fraction, mode) returns for 'typical',
'atypical' and 'diverse', or a random subset of the same size per class
(drawn again for each seed).  Robustness: trained on all rows, on all but
hack_select(model, HACK_DS_DROP, 'atypical'), and on all but a random subset
of the same size per class; clean test accuracy and accuracy under FGSM
(x + eps * sign(grad_x cross-entropy), clamped to [0, 1]).  Mean +- sd over
seeds 1..HACK_DS_SEEDS.
"""
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_bench import load_all, load_split, psql  # noqa: E402

N = int(os.environ.get("HACK_DS_N", "6000"))
HACK_EPOCHS = int(os.environ.get("HACK_DS_HACK_EPOCHS", "80"))
CLS_EPOCHS = int(os.environ.get("HACK_DS_CLS_EPOCHS", "20"))
SEEDS = int(os.environ.get("HACK_DS_SEEDS", "3"))
FRACTION = float(os.environ.get("HACK_DS_FRACTION", "0.1"))
DROP = float(os.environ.get("HACK_DS_DROP", "0.01"))
EPS = float(os.environ.get("HACK_DS_EPS", "0.07"))
THREADS = int(os.environ.get("HACK_DS_THREADS", "2"))
HACK_ARGS = os.environ.get("HACK_DS_HACK_ARGS", "")
ROBUST_EPOCHS = int(os.environ.get("HACK_DS_ROBUST_EPOCHS", str(CLS_EPOCHS)))
SELECTIONS = os.environ.get("HACK_DS_SELECTIONS", "")
SELECTION_FILES = ("s_typical", "s_atypical", "s_diverse", "drop", "norms")
BATCH = 128
LR = 1e-3
MODEL = "ds"
TABLE = "ds_train"


def load_test():
    return load_split("t10k")


def pick_rows(labels):
    """Indices into the training set: the first N of each class."""
    return np.concatenate([np.flatnonzero(labels == c)[:N] for c in range(10)])


def train_hack(images, labels, rows):
    """Load rows (id = index in the training set + 1) and train the model."""
    with tempfile.NamedTemporaryFile("w", suffix=".copy", delete=False) as f:
        for i in rows:
            f.write("%d\t%d\t\\\\x%s\n" % (i + 1, labels[i], images[i].tobytes().hex()))
        path = f.name
    psql("SELECT hack_drop_model('%s', true); DROP TABLE IF EXISTS %s; "
         "CREATE TABLE %s (id bigint PRIMARY KEY, label integer, img bytea)" % (MODEL, TABLE, TABLE))
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
                    "-c", "\\copy %s (id, label, img) FROM '%s'" % (TABLE, path)], check=True)
    os.unlink(path)
    call = ("CALL hack_train(model => '%s', source => '%s', group_column => 'label', format => 'u8', "
            "epochs => %d, seed => 1%s)" % (MODEL, TABLE, HACK_EPOCHS, ", " + HACK_ARGS if HACK_ARGS else ""))
    print("   %s" % call, file=sys.stderr)
    t0 = time.time()
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
                    "-c", "SET hack.blas_threads = %d" % THREADS,
                    "-c", "SET client_min_messages = warning", "-c", call], check=True)
    return time.time() - t0


def select(fraction, mode):
    """Training-set indices hack_select returns."""
    out = psql("SELECT id FROM hack_select('%s', %r, '%s')" % (MODEL, fraction, mode)).split()
    return np.array(sorted(int(i) - 1 for i in out), dtype=np.int64)


def save_selections(path, picked, drop, norms, hack_secs):
    """Write what the classifiers need of the model (ids as in the table)."""
    os.makedirs(path, exist_ok=True)
    for m, ids in picked.items():
        np.savetxt(os.path.join(path, "s_%s.txt" % m), ids + 1, fmt="%d")
    np.savetxt(os.path.join(path, "drop.txt"), drop + 1, fmt="%d")
    with open(os.path.join(path, "norms.txt"), "w") as f:
        f.writelines("%d|%.17g\n" % (i + 1, v) for i, v in sorted(norms.items()))
    with open(os.path.join(path, "hack_secs.txt"), "w") as f:
        f.write("%.1f\n" % hack_secs)


def load_selections(path):
    """The selections save_selections wrote (or psql -At printed)."""
    def ids(name):
        return np.sort(np.loadtxt(os.path.join(path, name + ".txt"), dtype=np.int64, ndmin=1) - 1)
    picked = {m: ids("s_" + m) for m in ("typical", "atypical", "diverse")}
    with open(os.path.join(path, "norms.txt")) as f:
        norms = {int(i) - 1: float(v) for i, v in (line.strip().split("|") for line in f if line.strip())}
    secs = os.path.join(path, "hack_secs.txt")
    hack_secs = float(open(secs).read()) if os.path.exists(secs) else float("nan")
    return picked, ids("drop"), norms, hack_secs


def norms_by_id():
    """Every row's hyperbolic norm in the model, as {training-set index: norm}."""
    out = psql("SELECT id, norm FROM hack_select('%s', 1.0, 'typical')" % MODEL).split()
    return {int(line.split("|")[0]) - 1: float(line.split("|")[1]) for line in out}


def stratified(rows, labels, norms, fraction, seed):
    """Per class, k = ceil(fraction n) strata of equal count along the norm
    (typical to atypical), one row drawn at random (seeded) from each: every
    level of prototypicality in proportion, with less spread than random."""
    out = []
    for c in range(10):
        pool = rows[labels[rows] == c]
        pool = pool[np.argsort([norms[i] for i in pool], kind="stable")]
        k = int(np.ceil(fraction * len(pool)))
        edges = np.linspace(0, len(pool), k + 1).astype(int)
        rng = np.random.default_rng([seed, c, 2])
        out.extend(pool[rng.integers(lo, hi)] for lo, hi in zip(edges[:-1], edges[1:]))
    return np.sort(np.array(out, dtype=np.int64))


def random_like(chosen, rows, labels, seed, tag):
    """Per class, a random subset of rows (seeded) as large as chosen's."""
    out = []
    for c in range(10):
        k = int(np.sum(labels[chosen] == c))
        pool = rows[labels[rows] == c]
        out.append(np.random.default_rng([seed, c, tag]).choice(pool, k, replace=False))
    return np.sort(np.concatenate(out))


def lenet():
    import torch.nn as nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def to_tensor(images):
    import torch
    return torch.tensor(images, dtype=torch.float32).unsqueeze(1) / 255.0


def train_classifier(x, y, seed, epochs):
    import torch
    torch.manual_seed(seed)
    model = lenet()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=g)
        for s in range(0, len(x), BATCH):
            idx = order[s:s + BATCH]
            loss = loss_fn(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    return model


def accuracy(model, x, y, eps=0.0):
    """Test accuracy, under FGSM with step eps when eps > 0."""
    import torch
    loss_fn = torch.nn.CrossEntropyLoss(reduction="sum")
    right = 0
    for s in range(0, len(x), 1000):
        xb, yb = x[s:s + 1000], y[s:s + 1000]
        if eps > 0:
            xb = xb.clone().requires_grad_()
            grad, = torch.autograd.grad(loss_fn(model(xb), yb), xb)
            xb = (xb.detach() + eps * grad.sign()).clamp(0, 1)
        with torch.no_grad():
            right += int((model(xb).argmax(1) == yb).sum())
    return right / len(x)


def fmt(values):
    sd = np.std(values, ddof=1) if len(values) > 1 else 0.0
    return "%.2f ± %.2f" % (100 * np.mean(values), 100 * sd)


def main():
    import torch
    torch.set_num_threads(THREADS)
    t_start = time.time()
    images, labels = load_all()
    test_img, test_lab = load_test()
    xt, yt = to_tensor(test_img), torch.tensor(test_lab, dtype=torch.long)
    rows = pick_rows(labels)
    if SELECTIONS and all(os.path.exists(os.path.join(SELECTIONS, f + ".txt")) for f in SELECTION_FILES):
        print("== the selections of an earlier run, from %s (no hack_train)" % SELECTIONS, file=sys.stderr)
        picked, drop, norms, hack_secs = load_selections(SELECTIONS)
    else:
        print("== hack_train on %d images (%d per class), %d epochs" % (len(rows), N, HACK_EPOCHS),
              file=sys.stderr)
        hack_secs = train_hack(images, labels, rows)
        print("   %.1f s" % hack_secs, file=sys.stderr)
        picked = {m: select(FRACTION, m) for m in ("typical", "atypical", "diverse")}
        drop = select(DROP, "atypical")
        norms = norms_by_id()
        if SELECTIONS:
            save_selections(SELECTIONS, picked, drop, norms, hack_secs)
    for m, ids in list(picked.items()) + [("drop", drop)]:
        assert np.isin(ids, rows).all(), "hack_select(%s) returned ids outside the training rows" % m

    def run(ids, seed, epochs=CLS_EPOCHS):
        x = to_tensor(images[ids])
        y = torch.tensor(labels[ids], dtype=torch.long)
        return train_classifier(x, y, seed, epochs)

    modes = ("typical", "atypical", "diverse", "stratified", "random")
    sample = {m: [] for m in modes}
    robust = {m: ([], []) for m in ("all", "atypical", "random")}
    sizes = {}
    for seed in range(1, SEEDS + 1):
        t0 = time.time()
        for m in modes:
            if m == "random":
                ids = random_like(picked["typical"], rows, labels, seed, 0)
            elif m == "stratified":
                ids = stratified(rows, labels, norms, FRACTION, seed)
            else:
                ids = picked[m]
            sizes["s_" + m] = len(ids)
            sample[m].append(accuracy(run(ids, seed), xt, yt))
            print("   seed %d, %s: %.2f%%" % (seed, m, 100 * sample[m][-1]), file=sys.stderr)
        for m in ("all", "atypical", "random"):
            if m == "all":
                ids = rows
            elif m == "atypical":
                ids = np.setdiff1d(rows, drop)
            else:
                ids = np.setdiff1d(rows, random_like(drop, rows, labels, seed, 1))
            sizes["r_" + m] = len(ids)
            model = run(ids, seed, ROBUST_EPOCHS)
            robust[m][0].append(accuracy(model, xt, yt))
            robust[m][1].append(accuracy(model, xt, yt, EPS))
            print("   seed %d, robustness %s: clean %.2f%%, FGSM %.2f%%"
                  % (seed, m, 100 * robust[m][0][-1], 100 * robust[m][1][-1]), file=sys.stderr)
        print("== seed %d: %.1f s" % (seed, time.time() - t0), file=sys.stderr)

    print()
    knobs = " ".join("%s=%s" % (k, v) for k, v in sorted(os.environ.items())
                     if k.startswith("HACK_DS_") and k != "HACK_DS_CMD")
    print("command: %s" % " ".join(w for w in (knobs, os.environ.get("HACK_DS_CMD", " ".join(sys.argv))) if w))
    print("knobs: HACK_DS_N=%d HACK_DS_HACK_EPOCHS=%d HACK_DS_CLS_EPOCHS=%d HACK_DS_SEEDS=%d "
          "HACK_DS_FRACTION=%g HACK_DS_DROP=%g HACK_DS_EPS=%g HACK_DS_THREADS=%d HACK_DS_HACK_ARGS='%s' "
          "HACK_DS_ROBUST_EPOCHS=%d HACK_DS_SELECTIONS='%s'"
          % (N, HACK_EPOCHS, CLS_EPOCHS, SEEDS, FRACTION, DROP, EPS, THREADS, HACK_ARGS, ROBUST_EPOCHS, SELECTIONS))
    print("hack_train: %d images, %.1f s; classifier LeNet-5 (ReLU), Adam lr %g, batch %d; "
          "test: %d t10k images; total %.1f s"
          % (len(rows), hack_secs, LR, BATCH, len(xt), time.time() - t_start))
    print()
    print("Sample complexity: test accuracy (%%), classifier trained on %g of each class" % FRACTION)
    print()
    print("| training rows | rows | accuracy |")
    print("|---|---|---|")
    for m, what in (("typical", "hack_select typical"), ("atypical", "hack_select atypical"),
                    ("diverse", "hack_select diverse"),
                    ("stratified", "norm strata, one random row each (seeded)"),
                    ("random", "random (seeded)")):
        print("| %s | %d | %s |" % (what, sizes["s_" + m], fmt(sample[m])))
    print()
    print("Robustness: clean and FGSM (eps %g) test accuracy (%%)" % EPS)
    print()
    print("| training rows | rows | clean | FGSM |")
    print("|---|---|---|---|")
    for m, what in (("all", "all"), ("atypical", "all but the %g most atypical" % DROP),
                    ("random", "all but a random %g" % DROP)):
        print("| %s | %d | %s | %s |" % (what, sizes["r_" + m], fmt(robust[m][0]), fmt(robust[m][1])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
