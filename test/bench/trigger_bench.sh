#!/usr/bin/env bash
# test/bench/trigger_bench.sh: what hack_embed_trigger costs an INSERT.  Not
# part of CI.  Run it alone:
#
#   flock /work/hack-bench.lock flock /work/hack-pg.lock bash test/bench/trigger_bench.sh
#
# (With PGHOST already pointing at a running cluster that has the extension
# installed, it uses that cluster and builds nothing.)  A lenet model on
# 28 x 28 images; the same inserts into a plain table and into the model's
# source with the row trigger, side by side: single-row INSERT statements
# from pgbench (the OLTP case, one transaction each), and one INSERT ...
# SELECT of many rows; and hack_embed over the same rows, the forward
# passes alone.  Prints rows/s and the ratios.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh

N=${TRIGGER_BENCH_ROWS:-5000}
if [ -z "${PGHOST:-}" ]; then
	hack_build || exit 1
	hack_start_cluster || exit 1
	trap 'hack_stop_cluster' EXIT
fi
DB=hack_trigger_bench
PGBENCH=/usr/lib/postgresql/15/bin/pgbench
. test/bench/lib.sh
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / (b > 0 ? b : 1) }'; }

bench_db "CREATE TABLE src (id int PRIMARY KEY, img bytea);
CREATE TABLE plain (id int PRIMARY KEY, img bytea);
INSERT INTO src SELECT g, img FROM generate_series(1, 500) g JOIN pool ON i = g % 500;"
q "CALL hack_train(model => 'tb', source => 'src', epochs => 1, seed => 1)"
q "CREATE TRIGGER embed AFTER INSERT OR UPDATE OR DELETE ON src FOR EACH ROW EXECUTE FUNCTION hack_embed_trigger('tb')"

work=$(mktemp -d)
for t in plain src; do
	printf '%s\n' '\set id random(1000000, 1000000000)' \
		"INSERT INTO $t SELECT :id, img FROM pool WHERE i = :id % 500 ON CONFLICT DO NOTHING;" >"$work/$t.sql"
done
tps() { "$PGBENCH" -n -f "$work/$1.sql" -t "$N" "$DB" 2>&1 | awk '/^tps/ { printf "%.0f", $3 }'; }
plain_tps=$(tps plain)
trig_tps=$(tps src)
echo "single-row INSERT statements ($N): plain $plain_tps rows/s, with the trigger $trig_tps rows/s, ratio $(ratio "$plain_tps" "$trig_tps")"

q "DELETE FROM src WHERE id > 500"
q "TRUNCATE plain"
p_ms=$(ms "INSERT INTO plain SELECT g, img FROM generate_series(501, 500 + $N) g JOIN pool ON i = g % 500")
t_ms=$(ms "INSERT INTO src SELECT g, img FROM generate_series(501, 500 + $N) g JOIN pool ON i = g % 500")
e_ms=$(ms "SELECT count(hack_embed('tb', img)) FROM plain")
echo "one INSERT ... SELECT of $N rows: plain $(rate "$N" "$p_ms") rows/s, with the trigger $(rate "$N" "$t_ms") rows/s, ratio $(ratio "$t_ms" "$p_ms")"
echo "hack_embed of the same rows (the forward passes alone): $(rate "$N" "$e_ms") rows/s"
n_emb=$(q "SELECT count(*) FROM hack.embeddings WHERE model = 'tb'")
n_src=$(q "SELECT count(*) FROM src")
echo "embeddings: $n_emb of $n_src source rows"
rm -rf "$work"
dropdb "$DB"
