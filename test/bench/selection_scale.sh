#!/usr/bin/env bash
# test/bench/selection_scale.sh: the selection queries on 10 million
# embeddings in 100 groups, as a superuser and as a plain role under hack's
# row security, on one throwaway cluster.  Not part of CI (test/t/
# 024_plans.pl checks the same plans on 100,000 rows); it takes about half an
# hour, most of it writing the rows.  Run it alone, gently:
#
#   nice -n 19 bash test/bench/selection_scale.sh
#
# The embeddings are generated in SQL (test/lib/selection_data.sql: uniform
# in the disc of Euclidean radius 0.76, the groups overlapping as a trained
# model's do) and written straight into hack's catalogue as the superuser;
# no training.  Prints, for each query, its plan's scans of hack.embeddings
# and its time in ms as the superuser and as reader (a role that may read
# the source): hack_select(model, 0.01, 'atypical') and 'typical' (best of
# 3), the same with the window-function query of hack 1.3 (best of 2), the
# top 100 by norm of a random group and the 100 nearest neighbours of a
# random point within a random group (pgbench averages, prepared, the best
# of 3 runs), and a ball search.  SCALE_GROUPS and SCALE_PER_GROUP change
# the size.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh

GROUPS_N=${SCALE_GROUPS:-100}
PER_GROUP=${SCALE_PER_GROUP:-100000}
TX=${SCALE_TX:-200}
ROUNDS=${SCALE_ROUNDS:-3}
PGBENCH=$HACK_PGBIN/pgbench
WORK=$(mktemp -d /tmp/hack-selection-bench.XXXXXX)
chmod 755 "$WORK"

hack_build || exit 1
hack_start_cluster "-c shared_buffers=1GB -c max_wal_size=8GB -c checkpoint_timeout=30min" || exit 1
trap 'hack_stop_cluster; rm -rf "$WORK"' EXIT
# a database of its own, so that a kept cluster (HACK_CLUSTER_DIR) works too
export PGDATABASE=hack_selection_bench
dropdb --if-exists "$PGDATABASE" 2>/dev/null; createdb "$PGDATABASE" || exit 1
READER=hack_bench_reader

q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

# milliseconds of the best of N runs of one statement (psql \timing), as
# the superuser or, with AS=role, under SET ROLE role
best_ms() {
	local n=$1 sql=$2 best="" t
	for _ in $(seq "$n"); do
		t=$(q -c '\timing on' ${AS:+-c "SET ROLE $AS"} -c "$sql" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1)
		best=$(awk -v a="$t" -v b="$best" 'BEGIN { print (b == "" || a + 0 < b + 0) ? a : b }')
	done
	printf '%.1f' "$best"
}

# average latency in ms of a pgbench script (prepared statements, one
# client, TX transactions), the best of ROUNDS runs after a warm-up
latency() {
	local file=$WORK/script.$RANDOM.sql best="" t
	printf '%s\n' "$1" >"$file"
	"$PGBENCH" -n -M prepared -c 1 -t $(( (TX + 4) / 5 )) -f "$file" ${AS:+-U "$AS"} >/dev/null 2>&1
	for _ in $(seq "$ROUNDS"); do
		t=$("$PGBENCH" -n -M prepared -c 1 -t "$TX" -f "$file" ${AS:+-U "$AS"} 2>&1 |
			sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p')
		best=$(awk -v a="$t" -v b="$best" 'BEGIN { print (b == "" || a + 0 < b + 0) ? a : b }')
	done
	echo "$best"
}

# the scans of hack.embeddings in every plan of one statement, nested ones
# included (auto_explain), as AS or the superuser
scans() {
	q -c "LOAD 'auto_explain'" -c 'SET auto_explain.log_min_duration = 0' \
		-c 'SET auto_explain.log_nested_statements = on' -c 'SET auto_explain.log_level = notice' \
		-c 'SET client_min_messages = notice' ${AS:+-c "SET ROLE $AS"} -c "$1" 2>&1 >/dev/null |
		sed -n 's/.*\(Seq Scan on embeddings\|Parallel Seq Scan on embeddings\|Index Scan\( Backward\)\? using embeddings_[a-z0-9_]*\|Index Only Scan using embeddings_[a-z0-9_]*\|Bitmap Index Scan on embeddings_[a-z0-9_]*\).*/\1/p' |
		sed 's/ using embeddings_/ /; s/ on embeddings_/ /; s/ on embeddings$//' | sort -u | paste -sd, -
}

N=$((GROUPS_N * PER_GROUP))
hack_log "writing $N embeddings in $GROUPS_N groups"
q -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION hack' -c "DROP ROLE IF EXISTS $READER" -c "CREATE ROLE $READER LOGIN" || exit 1
t0=$(date +%s)
q -v model=big -v groups="$GROUPS_N" -v per_group="$PER_GROUP" -v src=big_src \
	-f test/lib/selection_data.sql >/dev/null || exit 1
t_load=$(( $(date +%s) - t0 ))
q -c "GRANT SELECT ON big_src TO $READER" || exit 1
size=$(q -c "SELECT pg_size_pretty(pg_total_relation_size('hack.embeddings'))")
# the window-function query of hack 1.3, for comparison
q <<'SQL' || exit 1
CREATE FUNCTION select_13(model text, fraction double precision, mode text)
	RETURNS TABLE (group_key text, id bigint, norm double precision, rank integer) LANGUAGE sql AS $$
	SELECT s.group_key, s.id, s.norm, s.r::integer FROM (
		SELECT e.group_key, e.id, e.norm,
			row_number() OVER (PARTITION BY e.group_key ORDER BY
				CASE WHEN mode = 'typical' THEN e.norm ELSE -e.norm END, e.id) AS r,
			count(*) OVER (PARTITION BY e.group_key) AS n
		FROM hack.embeddings e WHERE e.model = select_13.model) s
	WHERE s.r <= ceil(fraction * s.n)
	ORDER BY s.group_key, s.r
$$;
SQL

SEL_A="SELECT count(*) FROM hack_select('big', 0.01, 'atypical')"
SEL_T="SELECT count(*) FROM hack_select('big', 0.01, 'typical')"
OLD_A="SELECT count(*) FROM select_13('big', 0.01, 'atypical')"
TOP="\\set g random(0, $((GROUPS_N - 1)))
SELECT id, norm FROM hack.embeddings WHERE model = 'big' AND group_key = :g ORDER BY norm DESC LIMIT 100;"
KNN="\\set g random(0, $((GROUPS_N - 1)))
\\set x random(-500, 500)
\\set y random(-500, 500)
SELECT id FROM hack.embeddings WHERE model = 'big' AND group_key = :g AND dim = 2
	ORDER BY embedding <-> ARRAY[:x::float8 / 1000, :y::float8 / 1000]::poincare_point LIMIT 100;"
BALL="\\set x random(-500, 500)
\\set y random(-500, 500)
SELECT count(*) FROM hack.embeddings WHERE dim = 2
	AND embedding <@ hball(ARRAY[:x::float8 / 1000, :y::float8 / 1000]::poincare_point, 0.02);"
TOP1="SELECT id, norm FROM hack.embeddings WHERE model = 'big' AND group_key = '7' ORDER BY norm DESC LIMIT 100"
KNN1="SELECT id FROM hack.embeddings WHERE model = 'big' AND group_key = '7' AND dim = 2 ORDER BY embedding <-> '(0.2,-0.4)' LIMIT 100"
BALL1="SELECT count(*) FROM hack.embeddings WHERE dim = 2 AND embedding <@ hball('(0.2,-0.4)', 0.02)"

hack_log "timing"
declare -A T P
for who in superuser reader; do
	if [ "$who" = reader ]; then AS=$READER; else AS=; fi
	P[$who,sel]=$(scans "$SEL_A"); T[$who,sel]=$(best_ms 3 "$SEL_A")
	T[$who,selt]=$(best_ms 3 "$SEL_T")
	P[$who,old]=$(scans "$OLD_A"); T[$who,old]=$(best_ms 2 "$OLD_A")
	P[$who,top]=$(scans "$TOP1"); T[$who,top]=$(latency "$TOP")
	P[$who,knn]=$(scans "$KNN1"); T[$who,knn]=$(latency "$KNN")
	P[$who,ball]=$(scans "$BALL1"); T[$who,ball]=$(latency "$BALL")
done
AS=

cat <<OUT
selection_scale: $N embeddings in $GROUPS_N groups of $PER_GROUP (hack.embeddings $size, written in $t_load s);
machine: $(nproc) cores, shared with other jobs; shared_buffers 1GB, work_mem default
query                                        superuser ms  reader ms   scans (superuser | reader)
hack_select(big, 0.01, 'atypical')           ${T[superuser,sel]}  ${T[reader,sel]}   ${P[superuser,sel]} | ${P[reader,sel]}
hack_select(big, 0.01, 'typical')            ${T[superuser,selt]}  ${T[reader,selt]}
the same atypical by 1.3's window query      ${T[superuser,old]}  ${T[reader,old]}   ${P[superuser,old]} | ${P[reader,old]}
top 100 by norm of a group                   ${T[superuser,top]}  ${T[reader,top]}   ${P[superuser,top]} | ${P[reader,top]}
100 nearest neighbours within a group        ${T[superuser,knn]}  ${T[reader,knn]}   ${P[superuser,knn]} | ${P[reader,knn]}
ball of hyperbolic radius 0.02               ${T[superuser,ball]}  ${T[reader,ball]}   ${P[superuser,ball]} | ${P[reader,ball]}
OUT
