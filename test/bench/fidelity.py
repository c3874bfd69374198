#!/usr/bin/python3
"""test/bench/fidelity.py: how well planted typical and atypical images are
ranked by hack_train and by a PyTorch port of the reference
(hack_reference.py), on Fashion-MNIST.  Run it through fidelity.sh, which
gives it a cluster with hack installed (PGHOST etc. in the environment).

Per seed and class: N images of the class, plus "blends" (typical by
construction: an unused image of the class, halfway to the class's mean
image) and "outliers" (atypical: images of other classes), each a fraction
HACK_FID_PLANT of N.  Every row trains each class separately and scores
AUC(outliers above the normal images, by norm) and AUC(blends below them),
averaged over the classes; the table gives mean +- sd over the seeds.
"""
import os
import shlex
import subprocess
import sys
import tempfile
import time

import numpy as np
from scipy.stats import rankdata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hack_reference  # noqa: E402
from train_bench import load_all, psql  # noqa: E402

CLASSES = [int(c) for c in os.environ.get("HACK_FID_CLASSES", "0,1,7").split(",")]
N = int(os.environ.get("HACK_FID_N", "1000"))
EPOCHS = int(os.environ.get("HACK_FID_EPOCHS", "20"))
SEEDS = int(os.environ.get("HACK_FID_SEEDS", "3"))
PLANT = float(os.environ.get("HACK_FID_PLANT", "0.05"))
THREADS = int(os.environ.get("HACK_FID_THREADS", "2"))

# The reference's settings as hack_train parameters; lr_floor is the
# reference's 1e-3 x lr (utils.py: lr * 0.1 ** 3), as in hack_reference.py.
# The reference's LeNet (a ReLU after each convolution) is our default
# 'lenet' since 1.2, so it has no row of its own.
REFERENCE = [
    ("riemannian_grad => true", "Riemannian gradient through expmap0"),
    ("normalise => 'none'", "raw [0, 1] pixels"),
    ("batch_size => 1024", "batch 1024"),
    ("lr_floor => 1e-3, lr_schedule => 'epoch'", "cosine per epoch to 1e-3 x lr"),
    ("clip_r => 15", "tangent cap 15"),
    ("reassign_phase => 1", "re-assign on odd epochs"),
]
# The Riemannian gradient is the default since 1.3 (chosen by this
# benchmark), so its one-setting row is the defaults' and the row that
# switches it is 1.2's exact Euclidean gradient.
ONE_SETTING = ([("riemannian_grad => false", "Euclidean gradient (the default before 1.3)")]
               + REFERENCE[1:])
ROWS = ([("PyTorch port of the reference", None), ("ours, defaults", "")]
        + [("ours, " + what, params) for params, what in ONE_SETTING]
        + [("ours, all reference settings", ", ".join(p for p, _ in REFERENCE))])


def plant(images, labels, seed):
    """The planted set of one seed: uint8 images, their class (the group)
    and kind (0 normal, 1 blend, 2 outlier)."""
    out_img, out_cls, out_kind = [], [], []
    n_plant = max(1, round(PLANT * N))
    for c in CLASSES:
        rng = np.random.default_rng([seed, c])
        own = rng.permutation(np.flatnonzero(labels == c))[:N + n_plant]
        normal, base = images[own[:N]], images[own[N:]]
        mean = normal.astype(np.float64).mean(axis=0)
        blends = np.rint(0.5 * base + 0.5 * mean).astype(np.uint8)
        outliers = images[rng.choice(np.flatnonzero(labels != c), n_plant, replace=False)]
        for imgs, kind in ((normal, 0), (blends, 1), (outliers, 2)):
            out_img.append(imgs)
            out_cls += [c] * len(imgs)
            out_kind += [kind] * len(imgs)
    return np.concatenate(out_img), np.array(out_cls), np.array(out_kind)


def auc(pos, neg):
    """P(a positive scores above a negative), ties counting a half."""
    r = rankdata(np.concatenate([pos, neg]))
    return (r[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def scores(norms, cls, kind):
    """(outliers-high AUC, blends-low AUC), each the mean over the classes."""
    hi, lo = [], []
    for c in CLASSES:
        m = cls == c
        nm = norms[m & (kind == 0)]
        hi.append(auc(norms[m & (kind == 2)], nm))
        lo.append(auc(-norms[m & (kind == 1)], -nm))
    return np.mean(hi), np.mean(lo)


def load_table(images, cls, seed):
    table = "fid_images_%d" % seed
    with tempfile.NamedTemporaryFile("w", suffix=".copy", delete=False) as f:
        for i, (im, c) in enumerate(zip(images, cls)):
            f.write("%d\t%d\t\\\\x%s\n" % (i + 1, c, im.tobytes().hex()))
        path = f.name
    psql("SELECT hack_drop_model('fid', true); DROP TABLE IF EXISTS %s; "
         "CREATE TABLE %s (id bigint PRIMARY KEY, cls integer, img bytea)" % (table, table))
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
                    "-c", "\\copy %s (id, cls, img) FROM '%s'" % (table, path)], check=True)
    os.unlink(path)
    return table


def run_ours(table, params, seed, n):
    """Norms in id order and seconds, or (None, SQLSTATE) when hack_train
    rejects the parameters (42883: this install has no such parameter)."""
    extra = (", " + params) if params else ""
    call = ("CALL hack_train(model => 'fid', source => '%s', group_column => 'cls', format => 'u8', "
            "epochs => %d, seed => %d%s)" % (table, EPOCHS, seed, extra))
    t0 = time.time()
    r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=verbose",
                        "-c", "SET hack.blas_threads = %d" % THREADS,
                        "-c", "SET client_min_messages = warning", "-c", call],
                       capture_output=True, text=True)
    secs = time.time() - t0
    if r.returncode != 0:
        words = r.stderr.split()
        state = words[words.index("ERROR:") + 1].rstrip(":") if "ERROR:" in words else "?"
        print("   %s: %s" % (call, r.stderr.strip().splitlines()[0]), file=sys.stderr)
        return None, state
    rows = psql("SELECT id, norm FROM hack.embeddings WHERE model = 'fid' ORDER BY id").split()
    norms = np.array([float(r.split("|")[1]) for r in rows])
    assert len(norms) == n, "hack.embeddings has %d rows, expected %d" % (len(norms), n)
    return norms, secs


def run_port(images, cls, seed):
    """The port, each class on our packed particles (hack_pack, same seed)."""
    norms = np.empty(len(images))
    secs = 0.0
    for c in CLASSES:
        m = np.flatnonzero(cls == c)
        pts = psql("SELECT point::float8[] FROM hack_pack(%d, seed => %d) ORDER BY particle_id"
                   % (len(m), seed)).split()
        particles = [[float(v) for v in p.strip("{}").split(",")] for p in pts]
        t0 = time.time()
        norms[m], _ = hack_reference.train(images[m], particles, EPOCHS, seed)
        secs += time.time() - t0
    return norms, secs


def fmt(values):
    if not values:
        return "n/a"
    return "%.3f +- %.3f" % (np.mean(values), np.std(values, ddof=1) if len(values) > 1 else 0.0)


def main():
    import torch
    torch.set_num_threads(THREADS)
    images, labels = load_all()
    results = {label: ([], [], [], None) for label, _ in ROWS}
    for seed in range(1, SEEDS + 1):
        imgs, cls, kind = plant(images, labels, seed)
        table = load_table(imgs, cls, seed)
        for label, params in ROWS:
            print("== seed %d: %s" % (seed, label), file=sys.stderr)
            hi, lo, secs, _ = results[label]
            if params is None:
                norms, t = run_port(imgs, cls, seed)
            else:
                norms, t = run_ours(table, params, seed, len(imgs))
                if norms is None:
                    results[label] = (hi, lo, secs, t)
                    continue
            a, b = scores(norms, cls, kind)
            hi.append(a)
            lo.append(b)
            secs.append(t)
        psql("SELECT hack_drop_model('fid', true); DROP TABLE %s" % table)
    n_plant = max(1, round(PLANT * N))
    env = " ".join("%s=%s" % (k, shlex.quote(os.environ[k])) for k in sorted(os.environ)
                   if k.startswith("HACK_FID_"))
    print("command: %s bash test/bench/fidelity.sh" % env if env else "command: bash test/bench/fidelity.sh")
    print("classes %s, per class %d images + %d blends + %d outliers, %d epochs, seeds 1..%d, "
          "%d threads, %d cores (shared)" % (",".join(map(str, CLASSES)), N, n_plant, n_plant,
                                              EPOCHS, SEEDS, THREADS, os.cpu_count()))
    print("%-44s %-17s %-17s %s" % ("row", "outliers high", "blends low", "seconds per seed"))
    for label, params in ROWS:
        hi, lo, secs, state = results[label]
        note = "" if state is None else "  (hack_train: SQLSTATE %s)" % state
        print("%-44s %-17s %-17s %s%s" % (label, fmt(hi), fmt(lo),
                                          "%.1f" % np.mean(secs) if secs else "n/a", note))
    return 0


if __name__ == "__main__":
    sys.exit(main())
