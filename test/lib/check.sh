# test/lib/check.sh: the pass/fail bookkeeping of the integration scripts
# (source it).  check NAME EXPECTED ACTUAL counts a passed or failed check
# in $passed / $failed and prints "ok NAME" or "FAIL NAME: ...".
passed=0
failed=0
check() {
	if [ "$2" = "$3" ]; then
		passed=$((passed + 1)); echo "ok $1"
	else
		failed=$((failed + 1)); echo "FAIL $1: expected [$2], got [$3]"
	fi
}
