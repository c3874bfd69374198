#!/usr/bin/env bash
# test/fuzz/coverage.sh: source coverage that a corpus gives each target.
#
# Usage: bash test/fuzz/coverage.sh [CORPUS_ROOT...]
# Builds every target with clang's source-based coverage (no sanitizers),
# runs it once over CORPUS_ROOT/<target> for every root given (default: the
# committed seeds in test/fuzz/corpus) and prints llvm-cov's line and branch coverage of the
# file the target parses.  Not part of CI; doc/reliability.md quotes it.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -gt 0 ] || set -- test/fuzz/corpus
roots=("$@")
out=$(mktemp -d /tmp/hack-fuzz-cov.XXXXXX)
trap 'rm -rf "$out"' EXIT
declare -A file=(
	[point_text]=src/core/point_text.c [hball_text]=src/core/hball_text.c
	[point_recv]=src/core/point_binary.c [hball_recv]=src/core/point_binary.c
	[npy]=src/core/tensor.c
	[image_raw]=src/core/tensor.c [model_blob]=src/core/nn_serial.c [model_archive]=src/core/model_archive.c
	[png]=src/core/image_png_decode.c [jpeg]=src/core/image_jpeg.c
)
printf '%-12s %-26s %9s %9s\n' target file lines branches
for src in test/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	name=${name#fuzz_}
	clang -g -O0 -std=c11 -D_POSIX_C_SOURCE=200809L -fsanitize=fuzzer \
		-fprofile-instr-generate -fcoverage-mapping -Isrc/core \
		-o "$out/$name" "$src" src/core/*.c -lopenblas -lpng -ljpeg -lm -lpthread
	LLVM_PROFILE_FILE="$out/$name.profraw" OPENBLAS_NUM_THREADS=1 \
		"$out/$name" -runs=0 "${roots[@]/%//$name}" >/dev/null 2>&1
	llvm-profdata merge -sparse "$out/$name.profraw" -o "$out/$name.profdata"
	llvm-cov report "$out/$name" -instr-profile="$out/$name.profdata" \
		"${file[$name]}" | awk -v t="$name" -v f="${file[$name]}" \
		'/^TOTAL/ { printf "%-12s %-26s %9s %9s\n", t, f, $10, $13 }'
done
