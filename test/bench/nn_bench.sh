#!/usr/bin/env bash
# test/bench/nn_bench.sh [THREADS] [SECONDS] [ROUNDS]: the encoder engine
# against PyTorch (Debian's python3-torch) on the same lenet, head and loss,
# with the same thread count, in the same run; prints both, the ratios, and
# the fraction of the machine's sgemm peak that training reaches.
# The two alternate for ROUNDS rounds and each figure is the best seen, so
# that load from other processes on a shared machine hurts both alike.
# Run it alone: flock /work/hack-bench.lock bash test/bench/nn_bench.sh 2
set -euo pipefail
cd "$(dirname "$0")/../.."
threads=${1:-2}
secs=${2:-1}
rounds=${3:-3}
bin=$(mktemp /tmp/nn_bench.XXXXXX)
trap 'rm -f "$bin"' EXIT
# the same optimisation level as the extension build (PGXS: -O2)
gcc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Isrc/core -o "$bin" \
	test/bench/nn_bench.c src/core/*.c $(sed -n "s/^CORE_LIBS = //p" Makefile)
ours=""
theirs=""
for r in $(seq "$rounds"); do
	ours+=$("$bin" "$threads" "$secs")$'\n'
	theirs+=$(/usr/bin/python3 test/bench/nn_bench.py "$threads" "$secs")$'\n'
done
best() { echo "$1" | awk -v k="$2" '$1 == k && $2 > m {m = $2} END {print m}'; }
echo "== threads $threads, best of $rounds rounds"
peak=$(best "$ours" sgemm_peak_gflops)
echo "sgemm peak (2048^3, $threads threads): $peak GFLOP/s"
echo "PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')"
printf '%-11s %10s %10s %7s\n' case hack PyTorch ratio
for k in train_128 train_1024 infer_128 infer_1024; do
	a=$(best "$ours" "${k}_img_per_s")
	b=$(best "$theirs" "${k}_img_per_s")
	awk -v k="$k" -v a="$a" -v b="$b" 'BEGIN {printf "%-11s %10d %10d  x%.2f\n", k, a, b, a / b}'
done
for n in 128 1024; do
	g=$(best "$ours" "train_${n}_gflops")
	awk -v n="$n" -v g="$g" -v p="$peak" \
		'BEGIN {printf "training at batch %d: %.1f GFLOP/s, %.0f%% of the sgemm peak\n", n, g, 100 * g / p}'
done
