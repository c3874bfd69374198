#!/usr/bin/env bash
# test/bench/train_bench.sh: HACK end to end on one Fashion-MNIST class,
# hack_train against PyTorch (see train_bench.py).  Arguments are passed on.
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh
result=$(mktemp)
(
	hack_build
	unset HACK_CLUSTER_DIR
	hack_start_cluster
	trap hack_stop_cluster EXIT
	psql -X -q -c "CREATE EXTENSION hack"
	/usr/bin/python3 test/bench/train_bench.py hack --result "$result" "$@"
)
/usr/bin/python3 test/bench/train_bench.py torch --result "$result" "$@"
rm -f "$result"
