#!/usr/bin/env bash
# test/bench/nn_bench.sh [THREADS] [SECONDS]: the encoder engine against
# PyTorch (Debian's python3-torch) on the same lenet, head and loss, with
# the same thread count, in the same run; prints both, the ratios, and the
# fraction of the machine's sgemm peak that training reaches.
# Run it alone: flock /work/hack-bench.lock bash test/bench/nn_bench.sh 2
set -euo pipefail
cd "$(dirname "$0")/../.."
threads=${1:-2}
secs=${2:-2}
bin=$(mktemp /tmp/nn_bench.XXXXXX)
trap 'rm -f "$bin"' EXIT
# the same optimisation level as the extension build (PGXS: -O2)
gcc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Isrc/core -o "$bin" \
	test/bench/nn_bench.c src/core/*.c -lopenblas -lm -lpthread
ours=$("$bin" "$threads" "$secs")
theirs=$(/usr/bin/python3 test/bench/nn_bench.py "$threads" "$secs")
echo "== hack (C, OpenBLAS)"; echo "$ours"
echo "== PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')"; echo "$theirs"
echo "== ratios (hack / PyTorch, images per second)"
for k in train_128 train_1024 infer_128 infer_1024; do
	a=$(echo "$ours" | awk -v k="${k}_img_per_s" '$1 == k {print $2}')
	b=$(echo "$theirs" | awk -v k="${k}_img_per_s" '$1 == k {print $2}')
	awk -v k="$k" -v a="$a" -v b="$b" 'BEGIN {printf "%-11s %8d vs %8d  x%.2f\n", k, a, b, a / b}'
done
