#!/usr/bin/env bash
# test/integration/hungarian_scipy.sh: cross-check the assignment solver
# with scipy.optimize.linear_sum_assignment on random dense 1000 x 1000
# problems (uniform, integer with ties, hyperbolic distances, rectangular,
# maximize).  Uses the cluster of test/run.sh (PG* exported); skips with
# "0 passed, 0 failed" when scipy is not installed for /usr/bin/python3.
set -uo pipefail
cd "$(dirname "$0")"

if ! /usr/bin/python3 -c 'import numpy, scipy.optimize' 2>/dev/null; then
	echo "note: python3-scipy is not installed; cross-check skipped"
	echo "hungarian_scipy: 0 passed, 0 failed"
	exit 0
fi

db=hack_hungarian_scipy
psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null || {
	echo "hungarian_scipy: 0 passed, 1 failed"; exit 1; }
PGDATABASE=$db psql -X -q -c "CREATE EXTENSION hack" >/dev/null || {
	echo "hungarian_scipy: 0 passed, 1 failed"; exit 1; }
PGDATABASE=$db /usr/bin/python3 hungarian_scipy.py
rc=$?
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null
exit $rc
