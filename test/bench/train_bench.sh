#!/usr/bin/env bash
# test/bench/train_bench.sh: build, start a throwaway cluster, run
# test/bench/train_bench.py (arguments are passed on), stop.
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh
hack_build
unset HACK_CLUSTER_DIR
hack_start_cluster
trap hack_stop_cluster EXIT
psql -X -q -c "CREATE EXTENSION hack"
/usr/bin/python3 test/bench/train_bench.py "$@"
