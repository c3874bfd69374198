#!/usr/bin/env bash
# test/bench/distance_bench.sh: SELECT sum(a <-> b) over 1M stored pairs of
# 2-D points against contrib cube's cube_distance over the same pairs, in the
# same run and the same cluster (not part of CI).
#
#   bash test/bench/distance_bench.sh [pairs]
#
# Builds and installs hack, starts a throwaway cluster, loads the pairs into
# one table (both representations side by side), then times each aggregate
# 7 times serially (no parallel workers) and prints the medians and ratio.
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh
N=${1:-1000000}
RUNS=7

hack_build
unset HACK_CLUSTER_DIR
hack_start_cluster "-c shared_buffers=512MB -c max_parallel_workers_per_gather=0"
trap hack_stop_cluster EXIT

psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION hack;
CREATE EXTENSION cube;
CREATE TABLE pairs AS
SELECT ARRAY[ax, ay]::poincare_point AS a, ARRAY[bx, by]::poincare_point AS b,
	cube(ARRAY[ax, ay]) AS ca, cube(ARRAY[bx, by]) AS cb
FROM (SELECT r1 * cos(t1) AS ax, r1 * sin(t1) AS ay, r2 * cos(t2) AS bx, r2 * sin(t2) AS by
	FROM (SELECT 0.99 * sqrt(random()) AS r1, 2 * pi() * random() AS t1,
			0.99 * sqrt(random()) AS r2, 2 * pi() * random() AS t2
		FROM generate_series(1, $N)) u) s;
VACUUM ANALYZE pairs;
SELECT sum(a <-> b) FROM pairs;              -- warm the cache
SELECT sum(cube_distance(ca, cb)) FROM pairs;
SQL

# median of RUNS timings of one query, in ms
time_query() {
	local q=$1
	for i in $(seq $RUNS); do
		psql -X -q -c '\timing on' -c "$q" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
	done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

hack_ms=$(time_query "SELECT sum(a <-> b) FROM pairs")
cube_ms=$(time_query "SELECT sum(cube_distance(ca, cb)) FROM pairs")
noop_ms=$(time_query "SELECT count(a), count(b) FROM pairs")
echo "pairs:                          $N"
echo "sum(a <-> b) (hack):            $hack_ms ms"
echo "sum(cube_distance(ca, cb)):     $cube_ms ms"
echo "count(a), count(b) (scan only): $noop_ms ms"
awk -v h="$hack_ms" -v c="$cube_ms" 'BEGIN {printf "ratio hack / cube:              %.2f (target <= 1.5)\n", h / c}'
