#!/usr/bin/env bash
# test/integration/demo.sh: a CI-sized run of the main job (demo/run.sh):
# 300 Fashion-MNIST images, 2 epochs, in a cluster of its own; then a
# re-run, which must skip loading and training.
set -uo pipefail
cd "$(dirname "$0")/../.."
passed=0
failed=0
check() {	# check NAME CONDITION-RESULT
	if [ "$2" = yes ]; then
		passed=$((passed + 1)); echo "ok $1"
	else
		failed=$((failed + 1)); echo "FAIL $1"
	fi
}
dir=$(mktemp -d /tmp/hack-demo-it.XXXXXX)
chmod 755 "$dir"
export HACK_CLUSTER_DIR=$dir/cluster HACK_DEMO_IMAGES=300 HACK_DEMO_EPOCHS=2
unset HACK_PORT
out=$(bash demo/run.sh 2>&1)
rc=$?
check "demo exits 0" "$([ $rc = 0 ] && echo yes)"
[ $rc = 0 ] || echo "$out" | tail -20
check "demo prints 10 classes" "$([ "$(echo "$out" | grep -c '^== class ')" = 10 ] && echo yes)"
check "demo prints typical and atypical ids" "$([ "$(echo "$out" | grep -cE '^(typical|atypical) +ids: [0-9]+( [0-9]+){9}$')" = 20 ] && echo yes)"
png=demo/out/disc_class_7.png
check "demo writes a PNG per class" "$(head -c 8 "$png" 2>/dev/null | od -An -tx1 | tr -d ' \n' | grep -q '^89504e470d0a1a0a$' && echo yes)"
check "demo prints the selection SQL" "$(echo "$out" | grep -q "hack_select('fashion_demo', 0.10, 'atypical')" && echo yes)"
start=$(date +%s)
out2=$(bash demo/run.sh 2>&1)
took=$(( $(date +%s) - start ))
check "re-run skips loading" "$(echo "$out2" | grep -q 'already holds 300 images' && echo yes)"
check "re-run skips training" "$(echo "$out2" | grep -q 'is up to date' && echo yes)"
check "re-run is fast" "$([ $took -lt 60 ] && echo yes)"
. test/lib/common.sh
HACK_CLUSTER_TEMP=1 hack_stop_cluster
rm -rf "$dir"
echo "demo: $passed passed, $failed failed"
[ "$failed" = 0 ]
