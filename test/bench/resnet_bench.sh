#!/usr/bin/env bash
# test/bench/resnet_bench.sh [THREADS] [SECONDS] [ROUNDS]: the engine's
# resnet20 against PyTorch's (Debian's python3-torch, the reference model of
# test/t/nn_pytorch.py) on 3 x 32 x 32 images at batch 128, training and
# inference, alternating for ROUNDS rounds and keeping each best figure;
# the fraction of the cores' float32 peak each reaches (training counts a
# forward and a backward pass, 3 x 81 MFLOP an image); then the engine's
# oneDNN convolutions per stage shape on one thread against that peak.
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
peak=$(best "$ours" fma_peak_1thread_gflops)
mflop=$(best "$ours" forward_mflop_per_image)
printf '%-10s %8s %8s %7s %11s %11s\n' case hack PyTorch ratio 'hack peak' 'torch peak'
for k in train_128 infer_128; do
	a=$(best "$ours" "${k}_img_per_s")
	b=$(best "$theirs" "${k}_img_per_s")
	awk -v k="$k" -v a="$a" -v b="$b" -v p="$peak" -v f="$mflop" -v t="$threads" 'BEGIN {
		passes = k ~ /train/ ? 3 : 1
		printf "%-10s %8d %8d  x%.2f %10.0f%% %10.0f%%\n", k, a, b, a / b,
			100 * a * f * passes / 1000 / (p * t), 100 * b * f * passes / 1000 / (p * t) }'
done
echo "$ours" | grep -E '^(forward_mflop|fma_peak|sgemm_2048|conv[0-9])' | sort -u
