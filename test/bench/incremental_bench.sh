#!/usr/bin/env bash
# test/bench/incremental_bench.sh: throughput of incremental curation on
# lenet and 28 x 28 images.  Not part of CI.  Run it alone:
#
#   flock /work/hack-bench.lock flock /work/hack-pg.lock bash test/bench/incremental_bench.sh
#
# (With PGHOST already pointing at a running cluster that has the extension
# installed, it uses that cluster and builds nothing.)  Prints rows/s of
# hack_refresh (engine threads 1 and 2), of the same embedding done as a
# SELECT of hack_embed without and with parallel workers (and the plans),
# of the row trigger, and the time of a resume against a fresh training
# of the same epochs.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh

N=${INC_BENCH_ROWS:-10000}
BASE=2000
EPOCHS=${INC_BENCH_EPOCHS:-3}
if [ -z "${PGHOST:-}" ]; then
	hack_build || exit 1
	hack_start_cluster "-c shared_buffers=512MB -c max_worker_processes=8 -c max_parallel_workers=4" || exit 1
	trap 'hack_stop_cluster' EXIT
fi
DB=hack_incremental_bench
. test/bench/lib.sh

bench_db "CREATE TABLE src (id int PRIMARY KEY, img bytea);
INSERT INTO src SELECT g, img FROM generate_series(1, $BASE) g JOIN pool ON i = g % 500;"
q "CALL hack_train(model => 'bench', source => 'src', epochs => 1, seed => 1)"
q "INSERT INTO src SELECT g, img FROM generate_series($BASE + 1, $N) g JOIN pool ON i = g % 500"
q "VACUUM ANALYZE src"
NEW=$((N - BASE))
echo "rows: $BASE trained, $NEW new; cores: $(nproc)"

for t in 1 2; do
	# (a superuser may delete embeddings directly; hack_refresh embeds the rows again)
	q "DELETE FROM hack.embeddings WHERE model = 'bench' AND id > $BASE"
	t_ms=$(QOPTS="-c hack.blas_threads=$t" ms "CALL hack_refresh('bench')")
	echo "hack_refresh, hack.blas_threads=$t: $NEW rows in $t_ms ms = $(rate $NEW "$t_ms") rows/s"
done

# hack 1.1's refresh lists in two queries and compares them in C: the
# model's stored embeddings, and one scan of the source (as the owner)
echo "plans of the refresh's listing queries (defaults):"
q "EXPLAIN (COSTS OFF) SELECT id, group_key, image_hash FROM hack.embeddings WHERE model = 'bench' ORDER BY group_key COLLATE \"C\", id" | sed 's/^/  /'
q "EXPLAIN (COSTS OFF) SELECT (id)::int8, img FROM public.src" | sed 's/^/  /'

SEL="SELECT count(hack_embed('bench', img)) FROM src WHERE id > $BASE"
FORCE="-c parallel_setup_cost=0 -c parallel_tuple_cost=0 -c min_parallel_table_scan_size=0 -c hack.blas_threads=1"
echo "plan of $SEL with workers allowed:"
QOPTS="$FORCE -c max_parallel_workers_per_gather=2" q "EXPLAIN (COSTS OFF) $SEL" | sed 's/^/  /'
for w in 0 2; do
	t_ms=$(QOPTS="$FORCE -c max_parallel_workers_per_gather=$w" ms "$SEL")
	echo "SELECT hack_embed, $w parallel workers: $NEW rows in $t_ms ms = $(rate $NEW "$t_ms") rows/s"
done

q "CREATE TRIGGER embed AFTER INSERT OR UPDATE OR DELETE ON src FOR EACH ROW EXECUTE FUNCTION hack_embed_trigger('bench')"
T=2000
t_ms=$(QOPTS="-c hack.blas_threads=1" ms "INSERT INTO src SELECT g, img FROM generate_series($N + 1, $N + $T) g JOIN pool ON i = g % 500")
echo "row trigger: INSERT of $T rows in $t_ms ms = $(rate $T "$t_ms") rows/s"
t_ms=$(ms "INSERT INTO src SELECT g, img FROM generate_series($N + $T + 1, $N + 2 * $T) g JOIN pool ON i = g % 500")
echo "row trigger, second statement (model cached): $T rows in $t_ms ms = $(rate $T "$t_ms") rows/s"
q "DROP TRIGGER embed ON src"
t_ms=$(ms "INSERT INTO src SELECT g, img FROM generate_series($N + 2 * $T + 1, $N + 3 * $T) g JOIN pool ON i = g % 500")
echo "no trigger: INSERT of $T rows in $t_ms ms"

ALL=$((N + 3 * T))
t_fresh=$(ms "CALL hack_train(model => 'fresh', source => 'src', epochs => $EPOCHS, seed => 2)")
t_res=$(ms "CALL hack_train(model => 'bench', source => 'src', epochs => $EPOCHS, seed => 2, resume => true)")
echo "fresh training, $EPOCHS epochs on $ALL rows: $t_fresh ms, final loss $(q "SELECT round((metrics->>'final_loss')::numeric, 4) FROM hack.model_groups WHERE model = 'fresh'")"
echo "resume from $(q "SELECT metrics->>'resumed_from_rows' FROM hack.model_groups WHERE model = 'bench'") rows, $EPOCHS epochs on $ALL rows: $t_res ms, first loss $(q "SELECT round((metrics->>'first_loss')::numeric, 4) FROM hack.model_groups WHERE model = 'bench'"), final loss $(q "SELECT round((metrics->>'final_loss')::numeric, 4) FROM hack.model_groups WHERE model = 'bench'")"
echo "resume / fresh time: $(awk -v a="$t_res" -v b="$t_fresh" 'BEGIN { printf "%.2f", a / b }')"
dropdb "$DB" >/dev/null 2>&1
