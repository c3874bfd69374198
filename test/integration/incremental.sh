#!/usr/bin/env bash
# test/integration/incremental.sh: incremental curation across sessions:
# resume on a grown table, refresh, the trigger, the per-model lock
# (error, skip, wait; other models run meanwhile; released on error and
# cancel), and statement_timeout during refresh and training.
# Uses the cluster of test/run.sh (PGHOST, PGPORT, PGUSER exported).
set -uo pipefail
DB=hack_incremental_it
. "$(dirname "$0")/../lib/check.sh"
# one statement per -c: a multi-statement string would make CALL atomic
q() { PGOPTIONS="-c client_min_messages=warning ${QOPTS:-}" psql -X -q -At -d "$DB" -c "$1" 2>&1; }
# the job lock of model $1 as pg_locks shows it, "classid objid objsubid":
# read from a session that holds it (a refresh in an open transaction,
# rolled back), so the script does not depend on how hack derives the key
# (an advisory lock in objsubid 3, which SQL's advisory locks cannot take)
declare -A KEY
lock_key() {
	PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -F ' ' -d "$DB" -c "BEGIN" -c "CALL hack_refresh('$1')" \
		-c "SELECT classid, objid, objsubid FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory' AND granted" \
		-c "ROLLBACK" 2>&1 | grep -E '^[0-9]+ [0-9]+ [0-9]+$'
}
# the pid holding the job lock of model $1, or nothing
holder() {
	local k=(${KEY[$1]:-0 0 0})
	q "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = ${k[0]} AND objid = ${k[1]} AND objsubid = ${k[2]} AND granted"
}
wait_for_holder() {
	for _ in $(seq 1 100); do
		[ -n "$(holder "$1")" ] && return 0
		sleep 0.1
	done
	return 1
}
MLP="architecture => 'mlp', hidden => '{32}', batch_size => 64"

dropdb --if-exists "$DB" >/dev/null 2>&1
createdb "$DB"
psql -X -q -d "$DB" >/dev/null <<'SQL'
CREATE EXTENSION hack;
CREATE FUNCTION img(seed int) RETURNS bytea LANGUAGE sql AS $$
	SELECT decode(string_agg(lpad(to_hex(hashint4(p + 1000 * seed) & 255), 2, '0'), '' ORDER BY p), 'hex')
	FROM generate_series(0, 783) p $$;
CREATE TABLE imgs (id int PRIMARY KEY, img bytea);
INSERT INTO imgs SELECT i, img(i) FROM generate_series(1, 400) i;
CREATE TABLE imgs2 (id int PRIMARY KEY, img bytea);
INSERT INTO imgs2 SELECT id, img FROM imgs;
SQL

# 1. resume on a grown table
q "CALL hack_train(model => 'a', source => 'imgs', $MLP, epochs => 3, seed => 1)" >/dev/null
q "INSERT INTO imgs SELECT i, img(i) FROM generate_series(401, 500) i" >/dev/null
q "CALL hack_train(model => 'a', source => 'imgs', $MLP, epochs => 3, seed => 2, resume => true)" >/dev/null
check "resume embeds every row of the grown table" "500|500|500|1|500|400" \
	"$(q "SELECT count(*), count(DISTINCT particle_id), count(particle), min(particle_id), max(particle_id),
		(SELECT (metrics->>'resumed_from_rows') FROM hack.model_groups WHERE model = 'a') FROM hack.embeddings WHERE model = 'a'")"

# 2. refresh after inserts, updates and deletes
q "INSERT INTO imgs SELECT i, img(i) FROM generate_series(501, 530) i" >/dev/null
q "UPDATE imgs SET img = img(9999) WHERE id IN (1, 2)" >/dev/null
q "DELETE FROM imgs WHERE id IN (3, 4, 5)" >/dev/null
check "refresh counts" "30|2|3|0|done" "$(q "CALL hack_refresh('a', batch_size => 8)")"
check "refresh leaves every row embedded" "527|527" \
	"$(q "SELECT count(*), count(*) FILTER (WHERE e.image_hash = hack_image_hash(i.img)) FROM hack.embeddings e JOIN imgs i USING (id) WHERE model = 'a'")"

# 3. the trigger
q "CREATE TRIGGER embed AFTER INSERT OR UPDATE OR DELETE ON imgs FOR EACH ROW EXECUTE FUNCTION hack_embed_trigger('a')" >/dev/null
q "INSERT INTO imgs VALUES (600, img(600))" >/dev/null
q "DELETE FROM imgs WHERE id = 6" >/dev/null
check "trigger embeds inserts and drops deletes" "1|0" \
	"$(q "SELECT count(*) FILTER (WHERE id = 600), count(*) FILTER (WHERE id = 6) FROM hack.embeddings WHERE model = 'a'")"
check "nothing left for refresh after the trigger" "0|0|0|0|done" "$(q "CALL hack_refresh('a')")"
q "DROP TRIGGER embed ON imgs" >/dev/null

# the job lock: one advisory lock in hack's own space, out of SQL's reach
KEY[a]=$(lock_key a)
check "a job holds one lock, in objsubid 3" "3" "$(echo "${KEY[a]}" | awk 'NF == 3 {print $3}' | paste -sd,)"
k=(${KEY[a]:-0 0 0})
# SQL's advisory locks on the same numbers (objsubid 1 and 2), and on 1.0's
# key, held by another session, do not make the model busy
PGAPPNAME=hack_sql_locker psql -X -q -At -d "$DB" -c "SELECT pg_advisory_lock(${k[0]}::int8 << 32 | ${k[1]}::int8),
	pg_advisory_lock((${k[0]}::int8 - CASE WHEN ${k[0]}::int8 >= 2147483648 THEN 4294967296 ELSE 0 END)::int4,
		(${k[1]}::int8 - CASE WHEN ${k[1]}::int8 >= 2147483648 THEN 4294967296 ELSE 0 END)::int4),
	pg_advisory_lock(1212236619, hashtext('a'))" -c "SELECT pg_sleep(30)" >/dev/null 2>&1 &
sql_locker=$!
for _ in $(seq 1 100); do
	[ "$(q "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'hack_sql_locker' AND l.locktype = 'advisory' AND l.granted")" = 3 ] && break
	sleep 0.1
done
check "SQL advisory locks on the model's key do not block its jobs" "3|0|0|0|0|done" \
	"$(q "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'hack_sql_locker' AND l.locktype = 'advisory' AND l.granted")|$(q "CALL hack_refresh('a', if_busy => 'skip')")"
q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'hack_sql_locker'" >/dev/null
wait $sql_locker

# 4. two sessions on the same model
q "CALL hack_train(model => 'a', source => 'imgs', $MLP, epochs => 100000, seed => 3, resume => true)" >/dev/null 2>&1 &
job=$!
wait_for_holder a
pid=$(holder a)
out=$(q "CALL hack_train(model => 'a', source => 'imgs', $MLP, epochs => 1)")
check "second job errors" "ERROR:  model \"a\" is busy|DETAIL:  Process $pid is running a job on it." \
	"$(echo "$out" | head -2 | paste -sd'|')"
check "second job errors with 55P03" "NOTICE:  55P03" \
	"$(PGOPTIONS="-c client_min_messages=notice" psql -X -q -At -d "$DB" -c "DO \$\$BEGIN EXECUTE 'CALL hack_refresh(''a'')'; EXCEPTION WHEN OTHERS THEN RAISE NOTICE '%', SQLSTATE; END\$\$" 2>&1)"
start=$(date +%s%N)
out=$(PGOPTIONS="-c client_min_messages=notice" psql -X -q -At -d "$DB" -c "CALL hack_train(model => 'a', source => 'imgs', $MLP, epochs => 1, if_busy => 'skip')" 2>&1)
took=$(( ($(date +%s%N) - start) / 1000000 ))
check "skip is a quick logged no-op" "NOTICE:  hack_train skipped: model \"a\" is busy|yes" \
	"$(echo "$out" | head -1)|$([ "$took" -lt 2000 ] && echo yes || echo "no ($took ms)")"
check "refresh skip returns zero counts and status skipped" "0|0|0|0|skipped" \
	"$(q "CALL hack_refresh('a', if_busy => 'skip')")"
check "wait honours lock_timeout" "ERROR:  canceling statement due to lock timeout" \
	"$(QOPTS="-c lock_timeout=300" q "CALL hack_refresh('a', if_busy => 'wait')" | head -1)"
check "wait honours statement_timeout" "ERROR:  canceling statement due to statement timeout" \
	"$(QOPTS="-c statement_timeout=300" q "CALL hack_train(model => 'a', source => 'imgs', $MLP, epochs => 1, if_busy => 'wait')" | head -1)"
q "CALL hack_refresh('a', if_busy => 'wait')" > /tmp/hack_inc_wait.$$ 2>&1 &
waiter=$!
check "another model trains meanwhile" "0|400" \
	"$(q "CALL hack_train(model => 'b', source => 'imgs2', $MLP, epochs => 2)" | wc -l | tr -d ' ')|$(q "SELECT count(*) FROM hack.embeddings WHERE model = 'b'")"
check "first job still runs" "$pid" "$(holder a)"
# cancelling the first job releases the lock; the waiter then runs
q "SELECT pg_cancel_backend($pid)" >/dev/null
wait $job
wait $waiter
check "the waiter ran after the cancel" "0|0|0|0|done" "$(cat /tmp/hack_inc_wait.$$)"
rm -f /tmp/hack_inc_wait.$$
check "no lock left behind" "" "$(holder a)"
# another definition is refused before the job starts (hack 1.1: one
# definition per model), and leaves no lock behind
check "resume with another definition is refused" "ERROR:  model \"a\" was trained with another definition" \
	"$(q "CALL hack_train(model => 'a', source => 'imgs', architecture => 'mlp', hidden => '{32}', dim => 3, epochs => 1, resume => true)" | head -1)"
check "no lock after the refused resume" "" "$(holder a)"
# an error after the lock was taken (reading the images) releases it too
q "UPDATE imgs SET img = NULL WHERE id = 7" >/dev/null
check "the job fails after taking the lock" "ERROR:  image of row id 7 is NULL" \
	"$(q "CALL hack_train(model => 'a', source => 'imgs', $MLP, epochs => 1, resume => true)" | head -1)"
q "UPDATE imgs SET img = img(7) WHERE id = 7" >/dev/null
check "lock released after an error" "|0|0|0|0|done" "$(holder a)|$(q "CALL hack_refresh('a')")"

# inside a transaction block the lock lasts until the transaction ends
PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -d "$DB" -c "BEGIN" -c "CALL hack_refresh('a')" \
	-c "SELECT pg_sleep(3)" -c "COMMIT" >/dev/null 2>&1 &
txn=$!
wait_for_holder a
sleep 0.5
check "a job in an open transaction keeps the model busy" "ERROR:  model \"a\" is busy" \
	"$(q "CALL hack_refresh('a')" | head -1)"
wait $txn
check "and frees it at commit" "" "$(holder a)"

# 5. statement_timeout during refresh and training keeps what was there
q "CALL hack_train(model => 'slow', source => 'imgs2', architecture => 'lenet', epochs => 1, seed => 5)" >/dev/null
KEY[slow]=$(lock_key slow)
check "each model has its own lock" "3|yes" \
	"$(echo "${KEY[slow]}" | awk 'NF == 3 {print $3}' | paste -sd,)|$([ "${KEY[slow]}" != "${KEY[a]}" ] && echo yes || echo no)"
q "INSERT INTO imgs2 SELECT 1000 + g * 400 + id, img FROM imgs2, generate_series(0, 79) g WHERE id <= 400" >/dev/null
before=$(q "SELECT md5(string_agg(embedding::text, ',' ORDER BY id)) || (SELECT m.trained_at || ' ' || g.trained_at || ' ' || md5(g.weights) FROM hack.models m JOIN hack.model_groups g USING (model) WHERE model = 'slow') FROM hack.embeddings WHERE model = 'slow' AND id <= 400")
out=$(QOPTS="-c statement_timeout=500" q "CALL hack_refresh('slow', batch_size => 500)")
check "statement_timeout cancels refresh" "ERROR:  canceling statement due to statement timeout" "$(echo "$out" | head -1)"
check "cancelled refresh keeps the old embeddings and whole batches" "$before|0|yes" \
	"$(q "SELECT md5(string_agg(embedding::text, ',' ORDER BY id)) || (SELECT m.trained_at || ' ' || g.trained_at || ' ' || md5(g.weights) FROM hack.models m JOIN hack.model_groups g USING (model) WHERE model = 'slow') FROM hack.embeddings WHERE model = 'slow' AND id <= 400")|$(q "SELECT count(*) % 500 FROM hack.embeddings WHERE model = 'slow' AND id > 400")|$(q "SELECT CASE WHEN count(*) < 32400 THEN 'yes' ELSE 'no: ' || count(*) END FROM hack.embeddings WHERE model = 'slow'")"
before=$(q "SELECT md5(string_agg(embedding::text, ',' ORDER BY id)) || (SELECT m.trained_at || ' ' || g.trained_at || ' ' || md5(g.weights) FROM hack.models m JOIN hack.model_groups g USING (model) WHERE model = 'slow') FROM hack.embeddings WHERE model = 'slow'")
out=$(QOPTS="-c statement_timeout=1500" q "CALL hack_train(model => 'slow', source => 'imgs2', architecture => 'lenet', epochs => 50, resume => true)")
check "statement_timeout cancels a resume" "ERROR:  canceling statement due to statement timeout" "$(echo "$out" | head -1)"
check "cancelled resume keeps model and embeddings" "$before" \
	"$(q "SELECT md5(string_agg(embedding::text, ',' ORDER BY id)) || (SELECT m.trained_at || ' ' || g.trained_at || ' ' || md5(g.weights) FROM hack.models m JOIN hack.model_groups g USING (model) WHERE model = 'slow') FROM hack.embeddings WHERE model = 'slow'")"
check "no lock left after the cancels" "" "$(holder slow)"

dropdb "$DB" >/dev/null 2>&1
echo "incremental: $passed passed, $failed failed"
[ "$failed" = 0 ]
