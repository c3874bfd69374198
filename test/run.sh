#!/usr/bin/env bash
# test/run.sh: run every test of hack (the README's test command).
#
# Installs missing Debian packages (as root), builds with warnings as
# errors, installs, runs the C unit tests, the pg_regress suite on a
# throwaway cluster, the TAP tests of test/t (each on clusters of its own,
# `make prove_installcheck`; Citus is built first for test/t/025_citus.pl,
# hack_build_citus), then test/sanitize.sh (ASan/UBSan build) and
# ends with "tests: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
. test/lib/common.sh

passed=0
failed=0
count() { passed=$((passed + $1)); failed=$((failed + $2)); }
# count_from OUTPUT STATUS: add the last "NAME: N passed, M failed" line of a
# script's output; none, or a failing status with 0 failed, is one failure
count_from() {
	local line
	line=$(echo "$1" | grep -E '^[A-Za-z_-]+: [0-9]+ passed, [0-9]+ failed$' | tail -1)
	if [ -n "$line" ]; then
		count "$(echo "$line" | awk '{print $2}')" "$(echo "$line" | awk '{print $4}')"
		[ "$2" != 0 ] && [ "$(echo "$line" | awk '{print $4}')" = 0 ] && count 0 1
	else
		count 0 1
	fi
}

hack_install_deps || exit 1
hack_log "building"
if ! hack_build; then
	echo "tests: 0 passed, 1 failed"
	exit 1
fi

hack_log "C unit tests"
make -s test/unit/run_unit >/dev/null
unit_out=$(test/unit/run_unit 2>&1)
echo "$unit_out" | grep -v '^ok '
line=$(echo "$unit_out" | grep -E '^unit: [0-9]+ passed, [0-9]+ failed$' | tail -1)
if [ -n "$line" ]; then
	count "$(echo "$line" | awk '{print $2}')" "$(echo "$line" | awk '{print $4}')"
else
	count 0 1
fi

unset HACK_CLUSTER_DIR
hack_start_cluster || { echo "tests: $passed passed, $((failed + 1)) failed"; exit 1; }
trap hack_stop_cluster EXIT

hack_log "pg_regress"
rm -rf results regression.diffs regression.out
make -s PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config installcheck >/tmp/hack-regress.$$ 2>&1
regress_rc=$?
cat /tmp/hack-regress.$$
ok=$(grep -cE '\.\.\. ok ' /tmp/hack-regress.$$ || true)
bad=$(grep -cE '\.\.\. FAILED|failed \(ignored\)' /tmp/hack-regress.$$ || true)
# pg_regress failing without a FAILED line (a missing expected file, a crash) is a failure too
if [ "$regress_rc" != 0 ] && [ "$bad" = 0 ]; then bad=1; fi
if [ "$ok" = 0 ] && [ "$bad" = 0 ]; then bad=1; fi
count "$ok" "$bad"
[ -f regression.diffs ] && { echo "---- regression.diffs"; cat regression.diffs; }
rm -f /tmp/hack-regress.$$

hack_stop_cluster
trap - EXIT

# the TAP tests (test/t/*.pl, PostgreSQL::Test::Cluster, one cluster each),
# four at once, as the cluster owner: initdb refuses root.  Their binaries
# (unit tests under valgrind, fuzz targets) are built here, as the caller,
# and Citus for test/t/025_citus.pl is built into the PostgreSQL under test
# unless it is there (about a minute on 2 cores); a failed Citus build is a
# failure here, and 025 then fails too rather than skip.
hack_log "TAP tests (test/t)"
make -s PG_CONFIG=$HACK_PGBIN/pg_config test/unit/run_unit fuzz >/dev/null || count 0 1
hack_build_citus "$HACK_PGBIN/pg_config" || count 0 1
tap_dir=$(mktemp -d /tmp/hack-tap.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres: "$tap_dir"
hack_prove "$tap_dir" "${HACK_PROVE_FLAGS:--j4}" >"$tap_dir/prove.out" 2>&1
prove_rc=$?
cat "$tap_dir/prove.out"
count $(hack_prove_counts "$tap_dir/prove.out" "$prove_rc")
rm -rf "$tap_dir"

# last stage: the extension built with ASan and UBSan runs the regress suite
# on a cluster of its own, then the normal build is reinstalled
hack_log "test/sanitize.sh"
out=$(bash test/sanitize.sh 2>&1)
rc=$?
echo "$out"
count_from "$out" "$rc"

echo "tests: $passed passed, $failed failed"
[ "$failed" = 0 ]
