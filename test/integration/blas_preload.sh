#!/usr/bin/env bash
# test/integration/blas_preload.sh: the encoder's OpenBLAS use works both
# when hack is loaded per backend (the cluster test/run.sh started) and
# through shared_preload_libraries (a second cluster started here), with 1
# and 2 threads, in fresh backends forked after the preload and in
# parallel workers; every call runs under a timeout so a hang fails.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh

passed=0
failed=0
check() {	# check NAME COMMAND...: pass when the command succeeds
	local name=$1; shift
	if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; fi
}

# the self-test loss with the given thread count, in a new backend
selftest() {
	timeout 60 psql -XAtq -v ON_ERROR_STOP=1 -c "SET hack.blas_threads = $1" \
		-c "SET force_parallel_mode = ${2:-off}" \
		-c "SELECT round(hack_nn_selftest()::numeric, 6)" 2>&1
}

same() { [ "$1" = "$2" ] && [[ "$1" =~ ^[0-9]+\.[0-9]+$ ]]; }

psql -XAtq -c "CREATE EXTENSION IF NOT EXISTS hack" >/dev/null 2>&1
base=$(selftest 1)
check "per-backend, 1 thread ($base)" same "$base" "$base"
for t in 2 4; do
	v=$(selftest $t)
	check "per-backend, $t threads ($v)" same "$v" "$base"
done
v=$(selftest 2 on)
check "per-backend, parallel worker ($v)" same "$v" "$base"

# a second cluster with hack preloaded into the postmaster
(
	unset HACK_CLUSTER_DIR
	HACK_PORT=$((PGPORT + 1))
	hack_start_cluster "-c shared_preload_libraries=hack" || exit 2
	trap hack_stop_cluster EXIT
	psql -XAtq -c "CREATE EXTENSION hack" >/dev/null || exit 2
	# the GUC exists before any backend loaded the library itself
	[ "$(psql -XAtq -c 'SHOW hack.blas_threads')" = 1 ] || echo "FAIL: GUC not defined at preload"
	for i in 1 2 3; do
		for t in 1 2; do
			v=$(selftest $t)
			same "$v" "$base" || echo "FAIL: preload, backend $i, $t threads ($v)"
		done
	done
	v=$(selftest 2 on)
	same "$v" "$base" || echo "FAIL: preload, parallel worker ($v)"
	# the postmaster must not have kept any OpenBLAS thread
	pm=$(head -1 "$HACK_CLUSTER_DIR/data/postmaster.pid")
	n=$(ls /proc/"$pm"/task | wc -l)
	[ "$n" = 1 ] || echo "FAIL: postmaster has $n threads"
	echo "preload done"
) >/tmp/blas_preload.$$ 2>&1
out=$(cat /tmp/blas_preload.$$)
rm -f /tmp/blas_preload.$$
echo "$out" | grep -v "^preload done$"
check "preload cluster" bash -c "echo '$out' | grep -q '^preload done$' && ! echo '$out' | grep -q FAIL"

echo "blas_preload: $passed passed, $failed failed"
[ "$failed" = 0 ]
