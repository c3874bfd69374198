#!/usr/bin/env bash
# test/bench/fidelity.sh: planted typical and atypical Fashion-MNIST images,
# ranked by hack_train (defaults, each reference setting alone, all of them)
# and by a PyTorch port of the reference (test/bench/hack_reference.py).
# Not part of CI.  Builds and installs the extension for $HACK_PGBIN's
# PostgreSQL, runs a throwaway cluster and prints one table; see
# doc/training.md#fidelity-benchmark.  Knobs (environment):
#
#   HACK_FID_CLASSES  labels trained, each as its own group (0,1,7)
#   HACK_FID_N        normal images per class (1000)
#   HACK_FID_EPOCHS   epochs of every training (20; the paper: 200)
#   HACK_FID_SEEDS    seeds 1..S (3)
#   HACK_FID_PLANT    blends and outliers, each as a fraction of N (0.05)
#   HACK_FID_THREADS  BLAS / torch threads (2)
#
# Installs (as root) python3-torch and dataset-fashion-mnist besides the
# packages of test/lib/common.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/bench/lib.sh
bench_cluster python3-torch dataset-fashion-mnist
/usr/bin/python3 test/bench/fidelity.py
