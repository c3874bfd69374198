#!/usr/bin/env bash
# test/sanitize.sh: the extension built with AddressSanitizer and UBSan, run
# through the whole pg_regress suite and some TAP tests (test/t).
#
# The tree is copied to a scratch directory and built there with
# -fsanitize=address,undefined (UBSan does not recover: a report aborts the
# backend), so the normal objects are left alone. That hack.so is installed
# into the system PostgreSQL, a throwaway cluster is started whose postmaster
# gets LD_PRELOAD of the ASan runtime (the server binary is not instrumented,
# the runtime must come first; test/sanitize_shim.c works around a hang of
# glibc's locale locks under it) and ASAN_OPTIONS/UBSAN_OPTIONS writing reports
# to files. A failure is any report file, any "terminated by signal" or
# sanitizer line in the server log, any failed regress test or script. The
# normal build is always reinstalled at the end: the install directory is
# shared, so run this under the lock (`flock /work/hack-pg.lock bash
# test/sanitize.sh`; test/run.sh calls it as its last stage).
#
# Prints "sanitize: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
. test/lib/common.sh

# TAP tests that also run on the sanitized build (and, to try a change
# quickly, HACK_SAN_REGRESS="test ..." runs only those regress tests); each
# starts clusters of its own, which get the same server environment
# (HACK_SERVER_ENV: the ASan runtime and options)
SAN_TESTS=${HACK_SAN_TESTS-"test/t/002_catalog_attacks.pl test/t/003_bad_input.pl"}
SAN_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -O1 -g"

passed=0
failed=0
check() {	# check NAME COMMAND...: pass when the command succeeds
	local name=$1; shift
	if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; fi
}
count() { passed=$((passed + $1)); failed=$((failed + $2)); }

libasan=$(gcc -print-file-name=libasan.so)
if [ ! -e "$libasan" ]; then
	echo "FAIL: no libasan.so for gcc"
	echo "sanitize: 0 passed, 1 failed"
	exit 1
fi

work=$(mktemp -d /tmp/hack-san.XXXXXX)
chmod 755 "$work"
logs=$work/reports
mkdir -p "$logs"
chmod 777 "$logs"

# put back the normal build, whatever happened
finish() {
	hack_log "sanitize: reinstalling the normal build"
	if ! hack_build; then
		echo "FAIL: reinstalling the normal build"
		failed=$((failed + 1))
	fi
	rm -rf "$work"
}
trap 'finish; echo "sanitize: $passed passed, $((failed + 1)) failed"; exit 1' INT TERM

hack_log "sanitize: building with $SAN_CFLAGS"
tar --exclude='./.git' --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
	--exclude='./results' --exclude='./test/fuzz/bin' -cf - . | tar -C "$work" -xf -
# (ldd goes to a file: piped into grep -q, it can die of SIGPIPE and, with
# pipefail, fail the build at random)
build() {
	gcc -shared -fPIC -O2 -o "$work/sanitize_shim.so" test/sanitize_shim.c >"$work/build.log" 2>&1 &&
		make -s -j2 -C "$work" PG_CONFIG=$HACK_PGBIN/pg_config with_llvm=no COPT="$SAN_CFLAGS" >>"$work/build.log" 2>&1 &&
		make -s -C "$work" PG_CONFIG=$HACK_PGBIN/pg_config with_llvm=no COPT="$SAN_CFLAGS" install >>"$work/build.log" 2>&1 &&
		ldd "$work/hack.so" >"$work/ldd.out" &&
		{ grep -q libasan "$work/ldd.out" || { echo "hack.so does not link libasan" >>"$work/build.log"; false; }; }
}
if ! build; then
	cat "$work/build.log"
	failed=$((failed + 1))
	finish
	echo "sanitize: $passed passed, $failed failed"
	exit 1
fi
passed=$((passed + 1))

# reports go to files; a UBSan or ASan finding aborts the backend (SIGABRT),
# which the postmaster logs as "terminated by signal 6"
asan_opts="detect_leaks=0:abort_on_error=1:halt_on_error=1:log_path=$logs/asan"
asan_opts+=":detect_stack_use_after_return=0:strict_string_checks=1:check_initialization_order=1"
ubsan_opts="print_stacktrace=1:halt_on_error=1:abort_on_error=1:log_path=$logs/ubsan"
(
	HACK_CLUSTER_DIR=$work/cluster
	unset HACK_CLUSTER_TEMP
	HACK_PORT=$(( 60000 + RANDOM % 5000 ))
	HACK_SERVER_ENV="LD_PRELOAD=$libasan:$work/sanitize_shim.so ASAN_OPTIONS=$asan_opts UBSAN_OPTIONS=$ubsan_opts"
	hack_start_cluster || exit 2
	trap hack_stop_cluster EXIT
	psql -XAtq -c "SELECT 'sanitized backend: ' || pg_backend_pid()" || exit 2

	hack_log "sanitize: pg_regress"
	rm -rf "$work/results"
	make -s -C "$work" PG_CONFIG=$HACK_PGBIN/pg_config installcheck \
		${HACK_SAN_REGRESS:+REGRESS="$HACK_SAN_REGRESS"} >"$work/regress.out" 2>&1
	rc=$?
	grep -E '^(ok|not ok|test |     )|\.\.\. ' "$work/regress.out" | grep -vE '\.\.\. ok |^ok ' | head -40
	ok=$(grep -cE '\.\.\. ok ' "$work/regress.out")
	bad=$(grep -cE '\.\.\. FAILED|failed \(ignored\)' "$work/regress.out")
	if [ "$rc" != 0 ] && [ "$bad" = 0 ]; then bad=1; fi
	[ -f "$work/regression.diffs" ] && head -100 "$work/regression.diffs"
	echo "pg_regress on the sanitized build: $ok ok, $bad failed"
	echo "count $ok $bad"

	# OpenBLAS's own threads under the sanitizer: the encoder with 1 and 2 threads
	psql -XAtq -c "CREATE EXTENSION IF NOT EXISTS hack" >/dev/null
	for t in 1 2; do
		v=$(psql -XAtq -v ON_ERROR_STOP=1 -c "SET hack.blas_threads = $t" \
			-c "SELECT round(hack_nn_selftest()::numeric, 6)" 2>&1)
		echo "selftest $t $v"
	done

	# the TAP tests below train with two engine threads (pthreads and
	# OpenBLAS calls from several threads, under the sanitizers), on clusters
	# of their own that get the same server environment
	tap_dir=$work/tap
	mkdir -p "$tap_dir"
	[ "$(id -u)" = 0 ] && chown postgres: "$tap_dir"
	hack_log "sanitize: $SAN_TESTS"
	HACK_SERVER_CONF="hack.blas_threads = 2" hack_prove "$tap_dir" "" "$SAN_TESTS" >"$tap_dir/prove.out" 2>&1
	rc=$?
	grep -vE '^ok |^# ' "$tap_dir/prove.out" | head -60
	echo "count $(hack_prove_counts "$tap_dir/prove.out" "$rc")"
	# their servers really ran with the ASan runtime (002 reports it)
	if grep -qE 'libasan mapped in the postmaster: [1-9]' "$tap_dir/prove.out"; then
		echo "count 1 0"
	else
		echo "FAIL: the TAP clusters' postmasters did not map libasan"
		echo "count 0 1"
	fi
	hack_stop_cluster
	trap - EXIT
	echo "cluster done"
) >"$work/run.out" 2>&1
grep -vE '^count |^selftest ' "$work/run.out"
while read -r _ p f; do count "$p" "$f"; done < <(grep -E '^count [0-9]+ [0-9]+$' "$work/run.out")
check "sanitized cluster ran" grep -q '^cluster done$' "$work/run.out"
check "the server loaded the sanitized hack.so" grep -q '^sanitized backend: ' "$work/run.out"
s1=$(grep '^selftest 1 ' "$work/run.out" | awk '{print $3}')
s2=$(grep '^selftest 2 ' "$work/run.out" | awk '{print $3}')
check "encoder self-test, 2 OpenBLAS threads ($s1, $s2)" \
	bash -c "[[ '$s1' =~ ^[0-9]+\.[0-9]+$ ]] && [ '$s1' = '$s2' ]"

# the findings: report files and the server log
nrep=$(find "$logs" -type f | wc -l)
if [ "$nrep" != 0 ]; then
	for f in "$logs"/*; do echo "---- $f"; head -60 "$f"; done
fi
check "no ASan or UBSan report files ($nrep)" [ "$nrep" = 0 ]
sig=$(grep -cE 'terminated by signal|AddressSanitizer|runtime error:' "$work/cluster/server.log" 2>/dev/null)
[ "$sig" != 0 ] && grep -E 'terminated by signal|AddressSanitizer|runtime error:' "$work/cluster/server.log" | head -20
check "no backend crash or sanitizer line in the server log ($sig)" [ "$sig" = 0 ]

finish
trap - INT TERM
echo "sanitize: $passed passed, $failed failed"
[ "$failed" = 0 ]
