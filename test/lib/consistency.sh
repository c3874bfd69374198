# test/lib/consistency.sh: index scan against sequential scan on a GiST-
# indexed poincare_point column, for test/integration/crash_recovery.sh and
# test/integration/concurrency.sh (source it; PGHOST/PGPORT/PGUSER exported).
#
# check NAME EXPECTED ACTUAL
#	counts a passed or failed check in $passed / $failed and says which
# q SQL
#	runs one statement in $DB, prints the unaligned result or the error
# hack_consistency_setup DB
#	creates two functions in DB: rnd_point(dim) (a random point,
#	four in five uniform in hyperbolic radius up to 3, one in five at a
#	Euclidean norm between 1 - 1e-2 and 1 - 1e-6) and run_probe(query,
#	table, index) (which scans of the table the plan uses: "index", "seq",
#	"both" or "neither"; then the query's result).
# hack_consistency_probe DB TABLE COLUMN ID_COLUMN INDEX DIM NPROBES SEED LABEL [FILTER]
#	runs the probe queries (KNN top-10 from NPROBES random points, ball
#	containment <@ hball around them, and every row through a ball that
#	holds the whole ball model) once with only the index allowed and once
#	with only a sequential scan, and checks that each plan is the one asked
#	for and that both give the same rows and distances; then that every
#	row is found through the index by a ball search at its own point.
#	FILTER (default true) is a condition every query puts on the table's
#	rows, unqualified: the predicate of a partial index, e.g. "dim = 2" for
#	hack.embeddings_embedding_2d_idx (hack 1.1 has one per dimension).

. test/lib/check.sh

q() { psql -X -q -At -d "$DB" -c "$1" 2>&1; }

hack_consistency_setup() {
	psql -X -q -v ON_ERROR_STOP=1 -d "$1" >/dev/null <<'SQL'
CREATE OR REPLACE FUNCTION rnd_point(d int) RETURNS poincare_point
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	a	float8[];
	n	float8 := 0;
	r	float8;
BEGIN
	FOR i IN 1..d LOOP
		a[i] := random() - 0.5;
		n := n + a[i] * a[i];
	END LOOP;
	n := greatest(sqrt(n), 1e-12);
	IF random() < 0.2 THEN
		r := 1 - 10 ^ (-2 - 4 * random());
	ELSE
		r := tanh(1.5 * random());	-- tanh(hyperbolic radius / 2), radius up to 3
	END IF;
	FOR i IN 1..d LOOP
		a[i] := a[i] / n * r;
	END LOOP;
	RETURN a::poincare_point;
END
$$;
-- "index", "seq", "both" or "neither" (which scans of tab the plan of q uses), then q's result
CREATE OR REPLACE FUNCTION run_probe(q text, tab text, idx text) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	plan	text := '';
	line	text;
	res		text;
	uses_index boolean;
	uses_seq boolean;
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
		plan := plan || line || E'\n';
	END LOOP;
	uses_index := plan ~ ('(using|on) ' || idx || '\M');
	uses_seq := plan ~ ('Seq Scan on ' || tab || '\M');
	EXECUTE q INTO res;
	RETURN CASE WHEN uses_index AND NOT uses_seq THEN 'index'
				WHEN uses_seq AND NOT uses_index THEN 'seq'
				WHEN uses_index THEN 'both'
				ELSE 'neither' END || ' ' || coalesce(res, 'NULL');
END
$$;
SQL
}

hack_consistency_probe() {
	local db=$1 tab=$2 col=$3 idcol=$4 idx=$5 dim=$6 nprobes=$7 seed=$8 label=$9 filt=${10:-true}
	local short=${tab##*.} out knn ball all
	knn="SELECT count(*) || ' ' || md5(string_agg(r, ';' ORDER BY qid)) FROM (SELECT qid,
		(SELECT string_agg(d::text, ',' ORDER BY d) || '|' || string_agg(i::text, ',' ORDER BY i)
		 FROM (SELECT $idcol AS i, $col <-> q AS d FROM $tab WHERE $filt ORDER BY $col <-> q LIMIT 10) k) AS r
		FROM probes) s"
	ball="SELECT sum(split_part(r, ':', 1)::int) || ' ' || md5(string_agg(r, ';' ORDER BY qid)) FROM (SELECT qid,
		(SELECT count(*) || ':' || coalesce(string_agg($idcol::text, ',' ORDER BY $idcol), '')
		 FROM $tab WHERE $col <@ hball(q, rad) AND $filt) AS r
		FROM probes) s"
	# every row found through the index by a search at its own point: a
	# GiST check that amcheck lacks (each entry is reachable, so every box
	# above it holds it and the distance bound does not prune it)
	reach="SELECT count(*) || ' ' || count(*) FILTER (WHERE NOT t.$idcol = ANY (ARRAY(
		SELECT u.$idcol FROM $tab u WHERE u.$col <@ hball(t.$col, 1e-9) AND $filt))) FROM $tab t WHERE $filt"
	all="SELECT count(*) || ' ' || md5(string_agg($idcol::text, ',' ORDER BY $idcol))
		FROM $tab WHERE $col <@ hball(array_fill(0::float8, ARRAY[$dim])::poincare_point, 40) AND $filt"
	out=$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" 2>&1 <<SQL
SET client_min_messages = warning;
SELECT setseed($seed);
CREATE TEMP TABLE probes AS
	SELECT g AS qid, rnd_point($dim) AS q, 0.3 + 1.2 * random() AS rad FROM generate_series(1, $nprobes) g;
ANALYZE probes;
SET enable_seqscan = off; SET enable_indexscan = on; SET enable_bitmapscan = on;
SELECT 'knn idx ' || run_probe(\$q\$$knn\$q\$, '$short', '$idx');
SELECT 'ball idx ' || run_probe(\$q\$$ball\$q\$, '$short', '$idx');
SELECT 'all idx ' || run_probe(\$q\$$all\$q\$, '$short', '$idx');
SELECT 'reach idx ' || run_probe(\$q\$$reach\$q\$, '$short', '$idx');
SET enable_seqscan = on; SET enable_indexscan = off; SET enable_bitmapscan = off;
SELECT 'knn seq ' || run_probe(\$q\$$knn\$q\$, '$short', '$idx');
SELECT 'ball seq ' || run_probe(\$q\$$ball\$q\$, '$short', '$idx');
SELECT 'all seq ' || run_probe(\$q\$$all\$q\$, '$short', '$idx');
SELECT 'rows ' || count(*) FROM $tab WHERE $filt;
SQL
)
	local name plan_i res_i plan_s res_s rows
	rows=$(echo "$out" | awk '$1 == "rows" {print $2}')
	for name in knn ball all; do
		plan_i=$(echo "$out" | awk -v n="$name" '$1 == n && $2 == "idx" {print $3}')
		res_i=$(echo "$out" | awk -v n="$name" '$1 == n && $2 == "idx" {print $4, $5}')
		plan_s=$(echo "$out" | awk -v n="$name" '$1 == n && $2 == "seq" {print $3}')
		res_s=$(echo "$out" | awk -v n="$name" '$1 == n && $2 == "seq" {print $4, $5}')
		check "$label: $name plans use the index, then a seq scan" "index seq" "$plan_i $plan_s"
		if [ -z "$res_s" ] || [ "$res_s" = " " ]; then
			check "$label: $name probes ran" "" "$out"
		else
			check "$label: $name index scan = seq scan ($res_s)" "$res_s" "$res_i"
		fi
	done
	check "$label: every row of $tab is in its index" "$rows" \
		"$(echo "$out" | awk '$1 == "all" && $2 == "idx" {print $4}')"
	check "$label: every row of $tab is found through the index at its own point" "index $rows 0" \
		"$(echo "$out" | awk '$1 == "reach" && $2 == "idx" {sub(/^both/, "index", $3); print $3, $4, $5}')"
}
