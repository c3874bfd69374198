#!/usr/bin/env bash
# test/integration/fuzz.sh: a short run of every libFuzzer target of
# test/fuzz (make fuzz), starting from its committed seed corpus.
#
# Each target runs FUZZ_SECONDS (default 10) with a fixed seed (-seed=1),
# so a run tries the same inputs in the same order every time and only the
# length of the prefix depends on the machine's speed.  A crash, sanitizer
# report, leak, timeout or failed property makes libFuzzer exit non-zero,
# which fails the target; the offending input is printed in hex.  New
# corpus entries go to a temporary directory: the seeds are never changed.
# No cluster is needed.  The 10-minute runs are in doc/reliability.md.
set -uo pipefail
cd "$(dirname "$0")/../.."

seconds=${FUZZ_SECONDS:-10}
passed=0
failed=0

if ! out=$(make -s -j2 fuzz 2>&1); then
	echo "$out"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi

tmp=$(mktemp -d /tmp/hack-fuzz.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export OPENBLAS_NUM_THREADS=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# run_target NAME BIN [extra libFuzzer flags]: the short run, log in $tmp/NAME
run_target() {
	local name=$1 bin=$2
	shift 2
	rm -rf "$tmp/$name"
	mkdir -p "$tmp/$name/corpus" "$tmp/$name/artifacts"
	"$bin" -seed=1 -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$tmp/$name/artifacts/" "$@" \
		"$tmp/$name/corpus" "test/fuzz/corpus/$name" >"$tmp/$name/log" 2>&1
}

for bin in test/fuzz/bin/fuzz_*; do
	name=${bin#test/fuzz/bin/fuzz_}
	run_target "$name" "$bin"
	rc=$?
	# LeakSanitizer needs ptrace; where a container forbids it, run without
	if [ "$rc" != 0 ] && grep -q 'LeakSanitizer has encountered a fatal error' "$tmp/$name/log"; then
		echo "note $name: LeakSanitizer cannot run here (no ptrace); leak checks off"
		run_target "$name" "$bin" -detect_leaks=0
		rc=$?
	fi
	if [ "$rc" = 0 ]; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$name/log")
		echo "ok $name: $runs executions in ${seconds} s"
		passed=$((passed + 1))
	else
		echo "FAILED $name"
		grep -vE '^#[0-9]+' "$tmp/$name/log" | tail -40
		for a in "$tmp/$name/artifacts"/*; do
			[ -e "$a" ] || continue
			echo "---- $(basename "$a") (reproduce: $bin FILE)"
			od -A d -t x1 "$a" | head -20
		done
		failed=$((failed + 1))
	fi
done

echo "fuzz: $passed passed, $failed failed"
[ "$failed" = 0 ]
