# test/bench/lib.sh: helpers of the benchmarks (source it; the SQL ones set DB).
#
# bench_cluster PKG...  installs the Debian packages PKG (as root) besides
#              test/lib/common.sh's, builds and installs the extension, starts
#              a throwaway cluster (stopped on exit) with hack in postgres
# q SQL        runs one statement in $DB (QOPTS: extra server options), tuples only
# ms SQL       the milliseconds q SQL took
# rate N MS    N rows in MS milliseconds as rows per second
# BENCH_POOL   SQL creating pool(i, img): 500 distinct 28 x 28 uint8 images
# bench_db SQL a fresh $DB with the extension, pool and then SQL (the source)
q() { PGOPTIONS="-c client_min_messages=warning ${QOPTS:-}" psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" -c "$1"; }
ms() {	# ms SQL: milliseconds taken
	local t0 t1
	t0=$(date +%s%N); q "$1" >/dev/null || echo "FAILED: $1" >&2; t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000000 ))
}
rate() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.0f", n * 1000 / (ms > 0 ? ms : 1) }'; }
BENCH_POOL="CREATE TABLE pool AS SELECT i, (SELECT decode(string_agg(lpad(to_hex(hashint4(p + 1000 * i) & 255), 2, '0'), '' ORDER BY p), 'hex')
	FROM generate_series(0, 783) p) AS img FROM generate_series(0, 499) i;"
bench_db() {	# bench_db SQL: drop and create $DB, with hack, pool and SQL in it
	dropdb --if-exists "$DB" >/dev/null 2>&1
	createdb "$DB"
	psql -X -q -d "$DB" >/dev/null <<SQL
CREATE EXTENSION hack;
$BENCH_POOL
$1
SQL
}
bench_cluster() {	# bench_cluster PKG...: a throwaway cluster with hack, for one bench
	. test/lib/common.sh
	hack_install_deps "$@"
	make -s PG_CONFIG="$HACK_PGBIN/pg_config" >/dev/null
	make -s PG_CONFIG="$HACK_PGBIN/pg_config" install >/dev/null
	unset HACK_CLUSTER_DIR
	hack_start_cluster
	trap hack_stop_cluster EXIT
	psql -X -q -c "CREATE EXTENSION hack"
}
