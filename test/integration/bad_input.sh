#!/usr/bin/env bash
# test/integration/bad_input.sh: hundreds of malformed inputs through SQL.
#
# bad_input_cases.py (seeded) writes the corpus: malformed poincare_point
# and hball literals, crafted binary input, bad arrays, tensors and NPY
# headers for hack_embed, corrupted model blobs, bad parameters of every
# function and procedure, each with the SQLSTATE it must raise. A plpgsql
# harness runs every case in its own subtransaction (always rolled back)
# and records the SQLSTATE, in batches of one session each; a sample of
# cases also runs one session per case through psql. Passing means: every
# case raised its SQLSTATE, no backend died (the postmaster start time is
# unchanged, no "terminated by signal" in the server log).
# Uses the cluster of test/run.sh (PGHOST, PGPORT, PGUSER exported).
set -uo pipefail
cd "$(dirname "$0")/../.."
DB=hack_bad_input
SEED=${HACK_BAD_INPUT_SEED:-20261123}
BATCH=150
passed=0
failed=0
work=$(mktemp -d /tmp/hack-bad-input.XXXXXX)
trap 'rm -rf "$work"' EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

dropdb --if-exists "$DB" >/dev/null 2>&1
createdb "$DB" || { echo "bad_input: 0 passed, 1 failed"; exit 1; }
started=$(q -c "SELECT pg_postmaster_start_time()" -d postgres)
log="$PGHOST/server.log"
log_lines=$( [ -f "$log" ] && wc -l <"$log" || echo 0)

# a small model to feed: 20 images of 8 x 8 bytes, an mlp with one hidden layer
PGOPTIONS="-c client_min_messages=warning" q >/dev/null <<'SQL' || { echo "bad_input: 0 passed, 1 failed"; exit 1; }
CREATE EXTENSION hack;
CREATE TABLE bi_imgs (id bigint, img bytea, label_text text);
INSERT INTO bi_imgs SELECT i, (SELECT decode(string_agg(lpad(to_hex((hashint4(p + 100 * i) & 255)), 2, '0'), ''), 'hex')
	FROM generate_series(0, 63) p), 'x' FROM generate_series(1, 20) i;
CALL hack_train(model => 'bi', source => 'bi_imgs', height => 8, width => 8, architecture => 'mlp',
	hidden => '{4}', epochs => 2, pack_epochs => 20, seed => 1);
CREATE TABLE bad_cases (id int PRIMARY KEY, category text, expected text, sql text);
CREATE TABLE bad_results (id int PRIMARY KEY, state text);
SQL
q -c "SELECT weights FROM hack.model_groups WHERE model = 'bi'" >"$work/blob.hex"
/usr/bin/python3 test/integration/bad_input_cases.py "$SEED" "$work/blob.hex" >"$work/cases.sql" ||
	{ echo "bad_input: 0 passed, 1 failed"; exit 1; }
q -f "$work/cases.sql" >/dev/null
total=$(q -c "SELECT count(*) FROM bad_cases")

# run every case in a subtransaction that is always rolled back; returns its
# SQLSTATE ('ok' when it raised nothing)
q >/dev/null <<'SQL'
CREATE FUNCTION run_case(id int, q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	part text;
	st text;
BEGIN
	q := replace(q, '@FILE@', '/tmp/hack_bad_input_' || pg_backend_pid() || '.bin');
	q := replace(q, '@IMG@', '(SELECT img FROM bi_imgs WHERE id = 1)');
	BEGIN
		FOREACH part IN ARRAY string_to_array(q, E'\n--next\n') LOOP
			EXECUTE part;
		END LOOP;
		RAISE EXCEPTION 'no error' USING ERRCODE = 'HK000';
	EXCEPTION WHEN OTHERS THEN
		st := SQLSTATE;
	END;
	RETURN CASE st WHEN 'HK000' THEN 'ok' ELSE st END;
END $$;
SQL

# batches of cases, one session each; a batch whose session dies is rerun
# one case per session to name the culprit
for ((lo = 1; lo <= total; lo += BATCH)); do
	hi=$((lo + BATCH - 1))
	if ! PGOPTIONS="-c client_min_messages=error" q -c "INSERT INTO bad_results SELECT id, run_case(id, sql) FROM bad_cases WHERE id BETWEEN $lo AND $hi ORDER BY id" >"$work/batch.out" 2>&1; then
		echo "batch $lo..$hi failed: $(head -3 "$work/batch.out")"
		for ((i = lo; i <= hi && i <= total; i++)); do
			PGOPTIONS="-c client_min_messages=error" q -c "INSERT INTO bad_results SELECT id, run_case(id, sql) FROM bad_cases WHERE id = $i" >/dev/null 2>&1 ||
				q -c "INSERT INTO bad_results VALUES ($i, 'session died')" >/dev/null 2>&1
		done
	fi
done

# the verdict per case; a case may give a whole class as 'NN%'
q -F ' | ' -c "SELECT c.id, c.category, c.expected, coalesce(r.state, 'not run'), c.sql
	FROM bad_cases c LEFT JOIN bad_results r USING (id)
	WHERE r.state IS DISTINCT FROM c.expected AND NOT coalesce(r.state LIKE c.expected, false)
	ORDER BY c.id" >"$work/mismatch.out"
while IFS= read -r line; do
	fail "case $(echo "$line" | cut -c1-300)"
done <"$work/mismatch.out"
echo "cases per category (passed/total):"
q -F ' ' -c "SELECT rpad(c.category, 20), count(*) FILTER (WHERE r.state = c.expected OR r.state LIKE c.expected) || '/' || count(*)
	FROM bad_cases c LEFT JOIN bad_results r USING (id) GROUP BY c.category ORDER BY min(c.id)" | sed 's/^/  /'
good=$(q -c "SELECT count(*) FROM bad_cases c JOIN bad_results r USING (id) WHERE r.state = c.expected OR r.state LIKE c.expected")
passed=$((passed + good))

# a sample (every 25th case) again, one psql session per case: the error
# the client sees carries the same SQLSTATE
sample_bad=0
sample_n=0
while IFS=$'\t' read -r id expected; do
	sql=$(q -c "SELECT replace(replace(replace(sql, '@FILE@', '/tmp/hack_bad_input_s$$.bin'), '@IMG@', '(SELECT img FROM bi_imgs WHERE id = 1)'), E'\n--next\n', E';\n') FROM bad_cases WHERE id = $id")
	out=$(printf 'BEGIN;\n%s;\nROLLBACK;\n' "$sql" | PGOPTIONS="-c client_min_messages=error" \
		psql -X -q -At -d "$DB" -v ON_ERROR_STOP=1 -v VERBOSITY=verbose 2>&1 >/dev/null)
	got=$(echo "$out" | sed -n 's/^\(psql:[^ ]* \)\{0,1\}ERROR:  \([0-9A-Z]\{5\}\): .*/\2/p' | head -1)
	sample_n=$((sample_n + 1))
	if [ "$got" != "$expected" ] && [[ "$expected" != *% || "$got" != "${expected%\%}"* ]]; then
		sample_bad=$((sample_bad + 1))
		fail "sample case $id in its own session: expected $expected, got [${got:-$out}]"
	fi
done < <(q -F $'\t' -c "SELECT id, expected FROM bad_cases WHERE id % 25 = 0 ORDER BY id")
[ "$sample_bad" = 0 ] && passed=$((passed + 1))
echo "sample of $sample_n cases in separate sessions: $((sample_n - sample_bad)) agree"

# nothing crashed: same postmaster, no backend terminated by a signal
now=$(q -c "SELECT pg_postmaster_start_time()" -d postgres 2>&1)
if [ "$now" = "$started" ]; then passed=$((passed + 1)); else fail "postmaster restarted ($started -> $now)"; fi
if [ -f "$log" ]; then
	crashes=$(tail -n +"$((log_lines + 1))" "$log" | grep -c 'terminated by signal')
	if [ "$crashes" = 0 ]; then passed=$((passed + 1)); else fail "$crashes backend(s) terminated by a signal"; fi
fi
rm -f /tmp/hack_bad_input_*.bin 2>/dev/null

dropdb --if-exists "$DB" >/dev/null 2>&1
echo "$total cases; checks: each case, the sample, the postmaster start time, the server log"
echo "bad_input: $passed passed, $failed failed"
[ "$failed" = 0 ]
