#!/usr/bin/env bash
# test/bench/image_bench.sh [N] [ROUNDS]: PNG and JPEG decoding + conversion
# + resize, images per second, of the core (hack_image_decode through
# test/bench/image_bench.c) against Pillow (test/bench/image_bench.py) on the
# same files in memory: the first N openclipart PNGs (Debian
# openclipart-png; mostly RGBA with transparency, about 0.3 megapixels) and
# JPEGs Pillow makes of them.  Each case is the best of ROUNDS rounds; the
# ratio is hack / Pillow (above 1: hack is faster).  Single-threaded both.
# Not in CI.  Run it alone: flock /work/hack-bench.lock bash test/bench/image_bench.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-200}
rounds=${2:-3}
dir=$(mktemp -d /tmp/image_bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
[ -d /usr/share/openclipart/png ] || { echo "install openclipart-png" >&2; exit 1; }
# the same optimisation level as the extension build (PGXS: -O2)
gcc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Isrc/core -o "$dir/bench" \
	test/bench/image_bench.c src/core/*.c $(sed -n "s/^CORE_LIBS = //p" Makefile)
/usr/bin/python3 test/bench/image_bench.py make "$dir" "$n"
echo "== $n files, best of $rounds rounds, Pillow $(/usr/bin/python3 -c 'import PIL; print(PIL.__version__)')"
printf '%-16s %10s %10s %7s\n' case hack Pillow ratio
for kind in png jpeg; do
	for spec in "224 224 3" "32 32 3" "28 28 1"; do
		set -- $spec
		a=$(OPENBLAS_NUM_THREADS=1 "$dir/bench" "$dir/$kind.list" "$1" "$2" "$3" "$rounds")
		fail=$(echo "$a" | awk '$1 == "failed" {print $2}')
		[ "$fail" = 0 ] || echo "warning: $fail $kind files failed to decode" >&2
		a=$(echo "$a" | awk '$1 == "images_per_s" {print $2}')
		b=$(/usr/bin/python3 test/bench/image_bench.py run "$dir/$kind.list" "$1" "$2" "$3" "$rounds" | awk '{print $2}')
		awk -v k="$kind ${3}x${1}x${2}" -v a="$a" -v b="$b" 'BEGIN {printf "%-16s %10.1f %10.1f  x%.2f\n", k, a, b, a / b}'
	done
done
