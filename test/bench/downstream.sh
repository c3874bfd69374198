#!/usr/bin/env bash
# test/bench/downstream.sh: the paper's section 5.4 on Fashion-MNIST: a
# LeNet classifier trained on the rows hack_select picks (sample complexity)
# and on all rows less the most atypical 1% (robustness to FGSM).  Not part
# of CI.  Builds and installs the extension for $HACK_PGBIN's PostgreSQL,
# runs a throwaway cluster and prints two tables; see
# doc/training.md#downstream-benchmark.  Knobs (environment):
#
#   HACK_DS_N            training images per class, the first N (6000 = all)
#   HACK_DS_HACK_EPOCHS  epochs of hack_train (80)
#   HACK_DS_CLS_EPOCHS   epochs of every classifier training (20)
#   HACK_DS_SEEDS        classifier seeds 1..S (3)
#   HACK_DS_FRACTION     share of each class kept for sample complexity (0.1)
#   HACK_DS_DROP         share of each class removed for robustness (0.01)
#   HACK_DS_EPS          FGSM epsilon on [0, 1] pixels (0.07)
#   HACK_DS_THREADS      BLAS / torch threads (2)
#   HACK_DS_HACK_ARGS    more hack_train arguments, e.g. "batch_size => 1024" ()
#   HACK_DS_ROBUST_EPOCHS  epochs of the robustness classifiers (HACK_DS_CLS_EPOCHS)
#   HACK_DS_SELECTIONS   a directory: the model's selections are written there
#                        after hack_train, and when it holds them already they
#                        are read instead of training (classifiers only)
#
# Installs (as root) python3-torch and dataset-fashion-mnist besides the
# packages of test/lib/common.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
export HACK_DS_CMD="bash test/bench/downstream.sh${*:+ $*}"
. test/bench/lib.sh
bench_cluster python3-torch dataset-fashion-mnist
/usr/bin/python3 test/bench/downstream.py
