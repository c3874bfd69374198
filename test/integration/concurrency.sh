#!/usr/bin/env bash
# test/integration/concurrency.sh: pgbench, 8 clients for 60 s, on a
# GiST-indexed poincare_point(2) table: inserts, KNN queries
# (ORDER BY p <-> q LIMIT 10), ball searches (<@ hball) and deletes, with
# VACUUM every 5 s beside them.  No transaction may fail and no client
# abort; afterwards the table holds exactly what our own bookkeeping says
# (from pgbench's per-transaction log: each client deletes the initial rows
# of its own slice in id order, each insert adds one row), the index gives
# the same answers as a sequential scan, and amcheck finds the heap and the
# btree sound (PostgreSQL 15's amcheck has no GiST check: the index is
# checked by comparing it with the heap instead).  Prints the TPS and
# latency of each statement type and "concurrency: N passed, M failed".
# Uses the cluster of test/run.sh (PGHOST, PGPORT, PGUSER exported).
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib/consistency.sh

SECONDS_RUN=${HACK_CONCURRENCY_SECONDS:-60}
CLIENTS=8
SLICE=10000		# initial rows of each client's slice, ids c * 1000000 + 1..SLICE
DB=hack_concurrency
PGBENCH=${HACK_PGBIN:-/usr/lib/postgresql/15/bin}/pgbench

WORK=$(mktemp -d /tmp/hack-concurrency.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

dropdb --if-exists "$DB" >/dev/null 2>&1
createdb "$DB"
q "CREATE EXTENSION hack" >/dev/null
q "CREATE EXTENSION amcheck" >/dev/null
hack_consistency_setup "$DB"
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" >/dev/null <<SQL
SELECT setseed(0.5);
CREATE TABLE pts (id bigint PRIMARY KEY, p poincare_point(2) NOT NULL);
CREATE SEQUENCE pts_new_id START 100000000;
INSERT INTO pts SELECT c * 1000000 + k, rnd_point(2)
	FROM generate_series(0, $CLIENTS - 1) c, generate_series(1, $SLICE) k;
CREATE INDEX pts_p_idx ON pts USING gist (p);
ANALYZE pts;
SQL

# a query point: coordinates in (-0.67, 0.67), so inside the ball
point='\set x (random(0, 2000000) - 1000000) / 1500000.0
\set y (random(0, 2000000) - 1000000) / 1500000.0'
cat > "$WORK/insert.sql" <<EOF
INSERT INTO pts VALUES (nextval('pts_new_id'), rnd_point(2));
EOF
cat > "$WORK/knn.sql" <<EOF
$point
SELECT id FROM pts ORDER BY p <-> ARRAY[:x, :y]::poincare_point LIMIT 10;
EOF
cat > "$WORK/ball.sql" <<EOF
$point
SELECT count(*) FROM pts WHERE p <@ hball(ARRAY[:x, :y]::poincare_point, 0.3);
EOF
# :k persists between a client's transactions: each delete takes the next
# initial row of the client's own slice, so it deletes exactly one row
# (none once the slice is used up, on a machine fast enough for that)
cat > "$WORK/delete.sql" <<EOF
\set k :k + 1
\if :k <= $SLICE
DELETE FROM pts WHERE id = :client_id * 1000000 + :k;
\endif
EOF

# VACUUM beside the clients (GiST vacuum against concurrent scans and inserts)
(
	end=$(( $(date +%s) + SECONDS_RUN ))
	while [ "$(date +%s)" -lt "$end" ]; do
		sleep 5
		psql -X -q -d "$DB" -c "VACUUM pts" >>"$WORK/vacuum.log" 2>&1
	done
) &
vac=$!

log_start=$(wc -c < "$PGHOST/server.log" 2>/dev/null || echo 0)
(cd "$WORK" && "$PGBENCH" -n -c "$CLIENTS" -j 2 -T "$SECONDS_RUN" -r -D k=0 -l --failures-detailed \
	-f insert.sql@40 -f knn.sql@30 -f ball.sql@15 -f delete.sql@15 "$DB") > "$WORK/pgbench.out" 2>&1
rc=$?
wait "$vac"
sed -n '/^transaction type/,$p' "$WORK/pgbench.out" | grep -vE '\\set|serialization|deadlock' | sed 's/^/pgbench: /'

check "pgbench exits with 0" "0" "$rc"
check "no failed transactions" "0" \
	"$(grep -oE '^number of failed transactions: [0-9]+' "$WORK/pgbench.out" | awk '{print $5}')"
check "no client aborted, no error" "0" "$(grep -ciE 'aborted|error' "$WORK/pgbench.out")"
check "the concurrent VACUUMs ran without error" "0" "$(grep -c . "$WORK/vacuum.log")"
if [ -f "$PGHOST/server.log" ]; then
	check "the server log has no crash, PANIC or assertion" "0" \
		"$(tail -c +"$((log_start + 1))" "$PGHOST/server.log" | grep -cE 'PANIC|TRAP|terminated by signal|was terminated')"
fi

# bookkeeping from the per-transaction logs: "client tx time script ..."
# (script 0 insert, 3 delete; time "failed" or "skipped" when not done)
cat "$WORK"/pgbench_log.* > "$WORK/tx.log" 2>/dev/null
ins=$(awk '$4 == 0 && $3 ~ /^[0-9]+$/' "$WORK/tx.log" | wc -l)
awk '$4 == 3 && $3 ~ /^[0-9]+$/ {n[$1]++} END {for (c in n) print c, n[c]}' "$WORK/tx.log" > "$WORK/deletes"
# rows deleted: a client's deletes beyond its slice delete nothing
del=$(awk -v s="$SLICE" '{d += ($2 < s ? $2 : s)} END {print d + 0}' "$WORK/deletes")
check "every transaction is in pgbench's log" \
	"$(grep -oE '^number of transactions actually processed: [0-9]+' "$WORK/pgbench.out" | awk '{print $6}')" \
	"$(awk '$3 ~ /^[0-9]+$/' "$WORK/tx.log" | wc -l)"
echo "bookkeeping: $ins inserts, $del deletes"
check "rows = initial + inserts - deletes" "$((CLIENTS * SLICE + ins - del))" "$(q "SELECT count(*) FROM pts")"
check "every insert added its row" "$ins" "$(q "SELECT count(*) FROM pts WHERE id >= 100000000")"
wrong=0
for c in $(seq 0 $((CLIENTS - 1))); do
	d=$(awk -v c="$c" '$1 == c {print $2}' "$WORK/deletes")
	d=${d:-0}
	[ "$d" -gt "$SLICE" ] && d=$SLICE
	# client c deleted ids c * 1000000 + 1 .. + d and no other of its slice
	got=$(q "SELECT count(*) FILTER (WHERE id <= $c * 1000000 + $d) || ' ' || count(*)
		FROM pts WHERE id BETWEEN $c * 1000000 + 1 AND $c * 1000000 + $SLICE")
	[ "$got" = "0 $((SLICE - d))" ] || { wrong=$((wrong + 1)); echo "client $c: $d deletes, got $got"; }
done
check "each client's deletes removed exactly its first rows" "0" "$wrong"

hack_consistency_probe "$DB" pts p id pts_p_idx 2 100 0.25 "after pgbench"
check "amcheck: heap and primary key btree of pts" "0" \
	"$(q "SELECT (SELECT count(*) FROM verify_heapam('pts')) + (SELECT count(*) FROM (SELECT bt_index_parent_check('pts_pkey', true)) s) - 1")"

dropdb "$DB"
echo "concurrency: $passed passed, $failed failed"
[ "$failed" = 0 ]
