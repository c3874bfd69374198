#!/usr/bin/env bash
# test/bench/hungarian_bench.sh: the assignment solver against
# scipy.optimize.linear_sum_assignment, in the same run, on the same dense
# 1024 x 1024 and 2048 x 2048 matrices (uniform costs, and Poincaré
# distances between random points of the disc of radius 0.95).
#
# Times (best of 3): the core solver (C driver); the SQL functions in a
# throwaway cluster, on values held in PL/pgSQL variables (sql_s:
# hungarian() on the float8[][], hack_assign() on the points, which also
# builds the distance matrix) and reading the matrix from a table (stored_s:
# adds the TOAST read of an 8 or 32 MB array); and scipy (for "assign": the
# numpy distance matrix plus linear_sum_assignment).  Prints scipy / ours.  Run it alone: flock /work/hack-bench.lock bash test/bench/hungarian_bench.sh
# (it takes /work/hack-pg.lock itself around the build and the cluster).
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh

dir=$(mktemp -d /tmp/hungarian-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"

hack_log "generating matrices"
/usr/bin/python3 test/bench/hungarian_bench.py gen "$dir"
chmod 644 "$dir"/*

hack_log "core solver (C)"
${CC:-cc} -std=c11 -O2 -Isrc/core -o "$dir/bench" test/bench/hungarian_bench.c \
	src/core/hungarian.c src/core/status.c -lm
"$dir/bench" "$dir" | tee "$dir/core.txt"

hack_log "scipy"
/usr/bin/python3 test/bench/hungarian_bench.py time "$dir" | tee "$dir/scipy.txt"

hack_log "SQL"
flock /work/hack-pg.lock bash -c '
	set -e
	. test/lib/common.sh
	hack_build
	hack_start_cluster
	trap hack_stop_cluster EXIT
	psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION hack;
CREATE TABLE bench(name text, n int, c float8[], p poincare_point[], t poincare_point[]);
\copy bench FROM '"$dir"'/copy.txt
-- best of 3: the functions on values held in PL/pgSQL variables (in memory)
CREATE FUNCTION time_hungarian(nm text, nn int) RETURNS float8 LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan AS \$\$
DECLARE m float8[]; s float8; t0 timestamptz; best float8 := '"'"'Infinity'"'"';
BEGIN
	SELECT c INTO m FROM bench WHERE name = nm AND n = nn;
	FOR i IN 1..3 LOOP
		t0 := clock_timestamp();
		SELECT sum(cost) INTO s FROM hungarian(m);
		best := least(best, extract(epoch FROM clock_timestamp() - t0));
	END LOOP;
	RETURN best;
END \$\$;
CREATE FUNCTION time_assign(nn int) RETURNS float8 LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan AS \$\$
DECLARE pp poincare_point[]; tt poincare_point[]; s float8; t0 timestamptz; best float8 := '"'"'Infinity'"'"';
BEGIN
	SELECT p, t INTO pp, tt FROM bench WHERE name = '"'"'hyperbolic'"'"' AND n = nn;
	FOR i IN 1..3 LOOP
		t0 := clock_timestamp();
		SELECT sum(distance) INTO s FROM hack_assign(pp, tt);
		best := least(best, extract(epoch FROM clock_timestamp() - t0));
	END LOOP;
	RETURN best;
END \$\$;
-- the same query reading the matrix from the table: adds the TOAST read
CREATE FUNCTION time_stored(nm text, nn int) RETURNS float8 LANGUAGE plpgsql AS \$\$
DECLARE s float8; t0 timestamptz; best float8 := '"'"'Infinity'"'"';
BEGIN
	FOR i IN 1..3 LOOP
		t0 := clock_timestamp();
		SELECT sum(h.cost) INTO s FROM bench b, hungarian(b.c) h WHERE b.name = nm AND b.n = nn;
		best := least(best, extract(epoch FROM clock_timestamp() - t0));
	END LOOP;
	RETURN best;
END \$\$;
SQL
	psql -X -q -A -t -F " " -c "
		SELECT name, n, round(time_hungarian(name, n)::numeric, 6) FROM bench ORDER BY n, name DESC;
		SELECT '"'"'assign'"'"', n, round(time_assign(n)::numeric, 6) FROM bench WHERE name = '"'"'hyperbolic'"'"' ORDER BY n;
		SELECT '"'"'stored'"'"', n, name, round(time_stored(name, n)::numeric, 6) FROM bench ORDER BY n, name DESC;"
' | tee "$dir/sql.txt"

# ratios: scipy time / our time, per case
echo
printf '%-12s %5s %9s %9s %9s %9s %7s %7s %7s\n' case n scipy_s core_s sql_s stored_s core_x sql_x stor_x
awk '
	FILENAME ~ /scipy/ { s[$1" "$2] = $3 }
	FILENAME ~ /core/  { c[$1" "$2] = $3 }
	FILENAME ~ /sql/   { if ($1 == "stored") t[$3" "$2] = $4; else q[$1" "$2] = $3 }
	END {
		split("uniform 1024,hyperbolic 1024,uniform 2048,hyperbolic 2048,assign 1024,assign 2048", keys, ",")
		for (i = 1; i <= 6; i++) {
			k = keys[i]; split(k, a, " ")
			cx = (k in c) ? sprintf("%7.2f", s[k] / c[k]) : "      -"
			cs = (k in c) ? sprintf("%9.4f", c[k]) : "        -"
			ts = (k in t) ? sprintf("%9.4f", t[k]) : "        -"
			tx = (k in t) ? sprintf("%7.2f", s[k] / t[k]) : "      -"
			printf "%-12s %5s %9.4f %s %9.4f %s %s %7.2f %s\n", a[1], a[2], s[k], cs, q[k], ts, cx, s[k] / q[k], tx
		}
	}' "$dir/scipy.txt" "$dir/core.txt" "$dir/sql.txt"
