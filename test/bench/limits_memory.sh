#!/usr/bin/env bash
# test/bench/limits_memory.sh: backend peak memory (VmHWM of /proc/PID/status)
# of the largest calls of each long-running function of hack, each in a
# fresh backend, with maintenance_work_mem at its default (64 MB).  Needs a
# running cluster (PGHOST/PGPORT/PGUSER, e.g. from test/lib/common.sh) and a
# superuser (pg_read_file of /proc/self/status).  Takes a few minutes.
set -uo pipefail
cd "$(dirname "$0")/../.."
DB=hack_limits_mem
dropdb --if-exists "$DB" >/dev/null 2>&1
createdb "$DB" || exit 1
q() { psql -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
q -c "CREATE EXTENSION hack" >/dev/null || exit 1
# the largest Hungarian problems of the default maintenance_work_mem (8.4M cells)
q -v imgs=8192 -v emb=30000 -v hm=2896 -v edges=2896 -v pts=2896 -v plot=4000000 \
	-f test/lib/limits_fixtures.sql >/dev/null || exit 1

peak() {
	local name=$1 sql=$2 out
	out=$(psql -X -q -At -d "$DB" -c "SET client_min_messages = warning" -c '\timing on' -c "$sql" \
		-c '\timing off' -c "SELECT 'peak ' || substring(pg_read_file('/proc/self/status') from 'VmHWM:\s*([0-9]+)')::int / 1024" 2>&1)
	printf '%-46s %s MB   (%s)\n' "$name" "$(echo "$out" | grep '^peak ' | tail -1)" \
		"$(echo "$out" | grep -m1 -E '^Time:|^ERROR' | sed 's/^Time: //')"
}
peak "idle backend" "SELECT 1"
peak "hack_pack(200000), 10 epochs" "SELECT count(*) FROM hack_pack(200000, epochs => 10)"
# one epoch at dim 100 is n^2 dim / 2 flops (minutes): cancelled after 20 s, memory is allocated first
peak "hack_pack(200000, dim 100) = 2e7 coordinates" "SET statement_timeout = '20s'; SELECT count(*) FROM hack_pack(200000, dim => 100, epochs => 1)"
peak "hungarian 2896 x 2896 (8.4M cells)" "SELECT count(*) FROM hm, hungarian(hm.c)"
peak "hungarian_agg 2896 x 2896 edges" "SELECT cardinality(hungarian_agg(r, c, cost)) FROM edges"
peak "hack_assign 2896 x 2896" "SELECT count(*) FROM pts, hack_assign(pts.a, pts.b)"
peak "hack_train 8192 images, batch 256" "CALL hack_train(model => 'm1', source => 'imgs', pack_epochs => 10, epochs => 1)"
peak "hack_train 8192 images, batch 8192" "CALL hack_train(model => 'm2', source => 'imgs', pack_epochs => 10, batch_size => 8192, reassign_every => 1, epochs => 1)"
peak "hack_knn_density 30000 embeddings" "SELECT count(*) FROM hack_knn_density('lim_big', 10)"
peak "hack_embed 100,000 calls" "SELECT count(hack_embed('lim', img)) FROM imgs_small, generate_series(1, 400)"
peak "hack_plot 4M points, 4096 x 4096" "SELECT length(hack_plot(a, size => 4096)) FROM plotpts"
dropdb "$DB"
