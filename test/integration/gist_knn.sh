#!/usr/bin/env bash
# test/integration/gist_knn.sh: the GiST index on poincare_point answers KNN
# and hyperbolic-ball queries exactly as a sequential scan does.
#
# For dims 2, 3 and 8: 20,000 points (uniform in hyperbolic volume within a
# ball, plus clusters near the boundary at norms up to 1 - 1e-6), an index
# built by the sorted build, 200 queries (the origin, data points, random
# points, points near the clusters).  Every KNN result (k = 1, 10, 100) must
# have exactly the distances of the sequential scan's and the same ids below
# the k-th distance (ties at the k-th distance may pick either row), every
# ball result the same ids.  Then random deletes, 4,000 inserts (the insert
# path: penalty and picksplit) and VACUUM, and the same checks again.
# Uses the cluster of test/run.sh (PGHOST/PGPORT/PGUSER exported).
set -uo pipefail

PY=python3
DB=hack_gist_knn
WORK=$(mktemp -d /tmp/hack-gist-knn.XXXXXX)
chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0

psql_q() { psql -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

# points, extra points and queries of one dimension, as CSV
gen() {
	"$PY" - "$1" "$WORK" <<'PYEOF'
import bisect
import math
import random
import sys

dim, work = int(sys.argv[1]), sys.argv[2]
rng = random.Random(1000 + dim)

def direction():
    v = [rng.gauss(0.0, 1.0) for _ in range(dim)]
    n = math.sqrt(sum(t * t for t in v))
    return [t / n for t in v]

def hyperbolic_radius_sampler(R):
    # density of the hyperbolic radius ~ sinh(r)^(dim-1): inverse CDF on a grid
    r = [R * i / 20000 for i in range(20001)]
    cdf, acc = [], 0.0
    for t in r:
        acc += math.sinh(t) ** (dim - 1)
        cdf.append(acc)
    def sample():
        u = rng.random() * acc
        i = min(bisect.bisect_left(cdf, u), len(r) - 1)
        return r[i]
    return sample

radius6 = hyperbolic_radius_sampler(6.0)
radius_main = hyperbolic_radius_sampler(6.0 if dim <= 3 else 5.0)
centres = [direction() for _ in range(5)]

def uniform_hyperbolic(sample):
    t = math.tanh(sample() / 2)
    return [t * c for c in direction()]

def near_boundary():
    c = rng.choice(centres)
    d = [t + 0.02 * rng.gauss(0.0, 1.0) for t in c]
    n = math.sqrt(sum(t * t for t in d))
    norm = 1.0 - 10.0 ** -rng.uniform(2.0, 6.0)
    return [t / n * norm for t in d]

def points(n):
    p = [uniform_hyperbolic(radius_main) for _ in range(n - n // 4)]
    p += [near_boundary() for _ in range(n // 4)]
    rng.shuffle(p)
    return p

def lit(x):
    return '(' + ','.join(repr(float(v)) for v in x) + ')'

pts = points(20000)
extra = points(4000)
with open(f'{work}/points.csv', 'w') as f:
    for i, x in enumerate(pts, 1):
        f.write(f'{i}\t{lit(x)}\n')
with open(f'{work}/extra.csv', 'w') as f:
    for i, x in enumerate(extra, 100001):
        f.write(f'{i}\t{lit(x)}\n')
qs = [[0.0] * dim for _ in range(5)]
qs += [rng.choice(pts) for _ in range(60)]
qs += [uniform_hyperbolic(radius6) for _ in range(75)]
qs += [near_boundary() for _ in range(60)]
with open(f'{work}/queries.csv', 'w') as f:
    for i, q in enumerate(qs, 1):
        f.write(f'{i}\t{lit(q)}\t{rng.uniform(0.0, 3.0) if i > 5 else 1.0 + i}\n')
PYEOF
}

# run every query in mode "index" or "seq" and store the answers
run_mode() {
	local mode=$1 settings
	if [ "$mode" = index ]; then
		settings="SET enable_seqscan = off; SET enable_sort = off;"
	else
		settings="SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_indexonlyscan = off;"
	fi
	psql_q <<SQL
$settings
INSERT INTO knn_res
SELECT '$mode', q.qid, k.k, array_agg(n.id ORDER BY n.ord), array_agg(n.d ORDER BY n.ord)
FROM queries q CROSS JOIN (VALUES (1), (10), (100)) k(k)
CROSS JOIN LATERAL (SELECT id, d, row_number() OVER () AS ord
	FROM (SELECT id, p <-> q.p AS d FROM pts ORDER BY p <-> q.p LIMIT k.k) s) n
GROUP BY q.qid, k.k;
INSERT INTO ball_res
SELECT '$mode', q.qid, coalesce((SELECT array_agg(id ORDER BY id) FROM pts WHERE p <@ hball(q.p, q.radius)), '{}')
FROM queries q;
SQL
}

# compare the two modes; prints "passed failed"
compare() {
	psql_q -At -F ' ' <<'SQL'
CREATE OR REPLACE FUNCTION pg_temp.below_last(ids int[], ds float8[]) RETURNS int[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM unnest(ids, ds) u(id, d)
	WHERE d < ds[array_length(ds, 1)] $$;
WITH checks AS (
	SELECT i.ds = s.ds AND pg_temp.below_last(i.ids, i.ds) = pg_temp.below_last(s.ids, s.ds) AS ok
	FROM knn_res i JOIN knn_res s USING (qid, k)
	WHERE i.mode = 'index' AND s.mode = 'seq'
	UNION ALL
	SELECT i.ids = s.ids FROM ball_res i JOIN ball_res s USING (qid)
	WHERE i.mode = 'index' AND s.mode = 'seq')
SELECT count(*) FILTER (WHERE ok), count(*) FILTER (WHERE NOT ok) FROM checks;
SQL
}

# one round of checks: plans, both modes, comparison
check_round() {
	local label=$1 plan counts p f
	plan=$(psql_q -At <<'SQL'
SET enable_seqscan = off; SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT id FROM pts ORDER BY p <-> (SELECT p FROM queries WHERE qid = 7) LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM pts WHERE p <@ hball((SELECT p FROM queries WHERE qid = 7), 1.0);
SQL
)
	if [ "$(echo "$plan" | grep -cE 'Index (Only )?Scan using pts_p|Bitmap Index Scan on pts_p')" -ge 2 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL $label: the index is not used:"
		echo "$plan"
	fi
	psql_q -c "TRUNCATE knn_res, ball_res"
	run_mode index && run_mode seq || { failed=$((failed + 1)); echo "FAIL $label: query error"; return; }
	counts=$(compare)
	p=${counts% *}
	f=${counts#* }
	# one test per round; the line says how many query results it compared
	if [ "$f" = 0 ]; then
		passed=$((passed + 1))
		echo "ok $label: $p results equal"
	else
		failed=$((failed + 1))
		echo "FAIL $label: $f of $((p + f)) results differ from the sequential scan"
	fi
}

psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" || exit 1
psql_q -c "CREATE EXTENSION hack" || exit 1

for dim in 2 3 8; do
	start=$(date +%s)
	gen "$dim" || { failed=$((failed + 1)); echo "FAIL dim $dim: generator"; continue; }
	psql_q <<SQL || { failed=$((failed + 1)); echo "FAIL dim $dim: load"; continue; }
SET client_min_messages = warning;
DROP TABLE IF EXISTS pts, queries, knn_res, ball_res;
CREATE TABLE pts (id integer PRIMARY KEY, p poincare_point($dim));
CREATE TABLE queries (qid integer, p poincare_point, radius float8);
CREATE TABLE knn_res (mode text, qid integer, k integer, ids integer[], ds float8[]);
CREATE TABLE ball_res (mode text, qid integer, ids integer[]);
\copy pts FROM '$WORK/points.csv'
\copy queries FROM '$WORK/queries.csv'
CREATE INDEX pts_p ON pts USING gist (p);
VACUUM ANALYZE pts;
SQL
	check_round "dim $dim sorted build"
	psql_q <<SQL || { failed=$((failed + 1)); echo "FAIL dim $dim: modify"; continue; }
SELECT setseed(0.$dim) \g /dev/null
DELETE FROM pts WHERE random() < 0.2;
\copy pts FROM '$WORK/extra.csv'
DELETE FROM pts WHERE id > 100000 AND random() < 0.1;
VACUUM ANALYZE pts;
SQL
	check_round "dim $dim after deletes, inserts and VACUUM"
	echo "   dim $dim took $(( $(date +%s) - start )) s"
done

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB"
echo "gist_knn: $passed passed, $failed failed"
[ "$failed" = 0 ]
