#!/usr/bin/env bash
# test/bench/resnet_bench.sh [THREADS] [SECONDS] [ROUNDS]: the engine's
# resnet20 against PyTorch's (Debian's python3-torch, the reference model of
# test/t/nn_pytorch.py) on 3 x 32 x 32 images at batch 128, training and
# inference, alternating for ROUNDS rounds and keeping each best figure;
# then the engine's conv sgemm shapes against the 1-thread sgemm peak.
# Run it alone: flock /work/hack-bench.lock bash test/bench/resnet_bench.sh 2
set -euo pipefail
cd "$(dirname "$0")/../.."
threads=${1:-2}
secs=${2:-2}
rounds=${3:-2}
bin=$(mktemp /tmp/resnet_bench.XXXXXX)
trap 'rm -f "$bin"' EXIT
gcc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Isrc/core -o "$bin" \
	test/bench/resnet_bench.c src/core/*.c $(sed -n "s/^CORE_LIBS = //p" Makefile)
ours=""
theirs=""
for r in $(seq "$rounds"); do
	ours+=$("$bin" "$threads" "$secs")$'\n'
	theirs+=$(/usr/bin/python3 test/bench/resnet_bench.py "$threads" "$secs")$'\n'
done
best() { echo "$1" | awk -v k="$2" '$1 == k && $2 > m {m = $2} END {print m}'; }
echo "== resnet20, threads $threads, batch 128, best of $rounds rounds; load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s %8s %8s %7s\n' case hack PyTorch ratio
for k in train_128 infer_128; do
	a=$(best "$ours" "${k}_img_per_s")
	b=$(best "$theirs" "${k}_img_per_s")
	awk -v k="$k" -v a="$a" -v b="$b" 'BEGIN {printf "%-10s %8d %8d  x%.2f\n", k, a, b, a / b}'
done
echo "$ours" | grep -E '^(forward_mflop|sgemm_peak|conv_sgemm)' | sort -u
