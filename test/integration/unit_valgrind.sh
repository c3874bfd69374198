#!/usr/bin/env bash
# test/integration/unit_valgrind.sh: the C unit tests under valgrind's
# memcheck (make unitcheck-valgrind, small sizes): any invalid access, use
# of uninitialised memory or definite leak fails.
set -uo pipefail
cd "$(dirname "$0")/../.."
if out=$(make -s unitcheck-valgrind 2>&1); then
	echo "$out" | grep -E '^unit: '
	echo "unit_valgrind: 1 passed, 0 failed"
else
	echo "$out" | grep -v '^ok '
	echo "unit_valgrind: 0 passed, 1 failed"
	exit 1
fi
