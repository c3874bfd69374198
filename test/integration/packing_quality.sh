#!/usr/bin/env bash
# test/integration/packing_quality.sh: the quality bar of hack_pack() at sizes
# too slow for pg_regress (issue 5): n = 20,000 with the default parameters,
# n = 2,000 for several seeds, and a 3-D packing.  Each case asserts that the
# 10 shells of equal hyperbolic volume hold n/10 +- 10%, that nearest-neighbour
# distances have CV < 0.15 and a minimum of at least half their mean, that
# every particle lies strictly inside the radius and that none coincide.
# Needs the cluster of test/run.sh (PGHOST, PGPORT, PGUSER exported).
set -uo pipefail

passed=0
failed=0
db=packing_quality_$$
createdb "$db" && psql -X -q -d "$db" -c "CREATE EXTENSION hack" || {
	echo "packing_quality: 0 passed, 1 failed"; exit 1; }
trap 'dropdb --if-exists "$db"' EXIT
export PGDATABASE=$db

check() {
	local label=$1 args=$2 radius=${3:-0.76}
	local row
	row=$(psql -X -At -v ON_ERROR_STOP=1 -c "
		SELECT annulus_max_deviation <= 0.1 AND outside = 0 AND nn_cv < 0.15
			AND nn_min >= 0.5 * nn_mean AND max_norm < $radius AND coincident_pairs = 0,
			format('shells %s dev %s nn_cv %s nn_min/mean %s max_norm %s',
				annulus_counts, round(annulus_max_deviation::numeric, 3), round(nn_cv::numeric, 4),
				round((nn_min / nn_mean)::numeric, 3), round(max_norm::numeric, 6))
		FROM hack_packing_stats(ARRAY(SELECT point FROM hack_pack($args)), $radius)" 2>&1)
	if [ "${row%%|*}" = "t" ]; then
		passed=$((passed + 1))
		echo "ok $label: ${row#*|}"
	else
		failed=$((failed + 1))
		echo "FAIL $label: $row"
	fi
}

start=$(date +%s)
check "n=20000 defaults" "20000"
for seed in 1 2 3; do
	check "n=2000 seed $seed" "2000, seed => $seed"
done
check "n=5000 dim 3" "5000, dim => 3, epochs => 300" 0.76
check "n=3000 radius 0.9 k 3" "3000, radius => 0.9, k => 3, epochs => 500" 0.9
echo "elapsed $(( $(date +%s) - start )) s"
echo "packing_quality: $passed passed, $failed failed"
[ "$failed" = 0 ]
