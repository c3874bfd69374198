#!/usr/bin/env bash
# test/integration/train.sh: hack_train behaviours that need several
# sessions or transactions: per-group commits, cancellation, live
# progress, privileges, pg_dump/pg_restore of the catalogue.
# Uses the cluster of test/run.sh (PGHOST, PGPORT, PGUSER exported).
set -uo pipefail
DB=hack_train_it
. "$(dirname "$0")/../lib/check.sh"
# one statement per -c: a multi-statement string would make CALL atomic
q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -d "$DB" -c "$1" 2>&1; }

dropdb --if-exists "$DB" >/dev/null 2>&1
createdb "$DB"
psql -X -q -d "$DB" >/dev/null <<'SQL'
CREATE EXTENSION hack;
CREATE TABLE imgs (id bigint, label int, img bytea);
INSERT INTO imgs
SELECT i, i % 4, (SELECT decode(string_agg(lpad(to_hex((hashint4(p + 1000 * i) & 255)), 2, '0'), ''), 'hex')
	FROM generate_series(0, 783) p)
FROM generate_series(1, 400) i;
SQL

# 1. outside a transaction block, each group is committed on its own: make
#    group 3 fail (a NULL image) and groups 0-2 stay
q "UPDATE imgs SET img = NULL WHERE id = 3" >/dev/null
q "CALL hack_train(model => 'pergroup', source => 'imgs', group_column => 'label', epochs => 1, seed => 1)" >/dev/null
check "commit per group keeps groups before the failure" "0,1,2" \
	"$(q "SELECT string_agg(group_key, ',' ORDER BY group_key) FROM hack.model_groups WHERE model = 'pergroup'")"
check "the committed groups are under one model row" "1|label|lenet" \
	"$(q "SELECT count(*), min(group_column), min(architecture) FROM hack.models WHERE model = 'pergroup'")"
# inside a transaction block it is all or nothing
PGOPTIONS="-c client_min_messages=warning" psql -X -q -d "$DB" -c "BEGIN" -c "CALL hack_train(model => 'atomic', source => 'imgs', group_column => 'label', epochs => 1)" -c "COMMIT" >/dev/null 2>&1
check "inside a transaction block nothing is kept" "0|0|0" \
	"$(q "SELECT (SELECT count(*) FROM hack.models WHERE model = 'atomic'), (SELECT count(*) FROM hack.model_groups WHERE model = 'atomic'), (SELECT count(*) FROM hack.embeddings WHERE model = 'atomic')")"
q "UPDATE imgs SET img = (SELECT img FROM imgs WHERE id = 7) WHERE id = 3" >/dev/null

# 2. a job cancelled by statement_timeout stops quickly and leaves the previous results
q "CALL hack_train(model => 'cancel', source => 'imgs', epochs => 1, seed => 1)" >/dev/null
before=$(q "SELECT md5(string_agg(embedding::text, ',' ORDER BY id)) FROM hack.embeddings WHERE model = 'cancel'")
start=$(date +%s%N)
out=$(PGOPTIONS="-c statement_timeout=1500 -c client_min_messages=warning" psql -X -q -At -d "$DB" -c "CALL hack_train(model => 'cancel', source => 'imgs', epochs => 500, seed => 2)" 2>&1)
took_ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "statement_timeout cancels training" "ERROR:  canceling statement due to statement timeout" "$(echo "$out" | head -1)"
check "cancel takes effect within about a second of the timeout" "yes" "$([ "$took_ms" -lt 3500 ] && echo yes || echo "no ($took_ms ms)")"
check "cancelled job leaves the previous embeddings" "$before" \
	"$(q "SELECT md5(string_agg(embedding::text, ',' ORDER BY id)) FROM hack.embeddings WHERE model = 'cancel'")"

# 3. live progress is readable from another session
q "CALL hack_train(model => 'live', source => 'imgs', epochs => 400, seed => 3)" >/dev/null 2>&1 &
job=$!
seen=""
for i in $(seq 1 60); do
	seen=$(q "SELECT model || ':' || (epoch > 0) FROM hack.training_progress LIMIT 1")
	[ -n "$seen" ] && break
	sleep 0.25
done
check "progress view shows the running job" "live:true" "$seen"
psql -X -q -d "$DB" -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'hack_train progress:%'" >/dev/null
wait $job

# 4. privileges: a role without SELECT on the table cannot train on it
q "DROP ROLE IF EXISTS hack_nobody; CREATE ROLE hack_nobody LOGIN" >/dev/null
out=$(psql -X -q -At -d "$DB" -U hack_nobody -c "CALL hack_train(model => 'stolen', source => 'imgs', epochs => 1)" 2>&1)
check "no SELECT privilege, no training" "ERROR:  permission denied for table imgs" "$(echo "$out" | head -1)"
out=$(psql -X -q -At -d "$DB" -U hack_nobody -c "SELECT count(*) FROM hack.embeddings" 2>&1)
check "no embedding of a table it cannot read" "0" "$(echo "$out" | head -1)"
out=$(psql -X -q -At -d "$DB" -U hack_nobody -c "SELECT (SELECT count(*) FROM hack.models) || '|' || (SELECT count(*) FROM hack.model_groups)" 2>&1)
check "no model or group of a table it cannot read" "0|0" "$(echo "$out" | head -1)"

# 5. the catalogue survives pg_dump / pg_restore
dump=$(mktemp)
pg_dump -Fc -d "$DB" -f "$dump"
dropdb --if-exists "${DB}_restored" >/dev/null 2>&1
createdb "${DB}_restored"
pg_restore -d "${DB}_restored" "$dump" 2>&1 | grep -v "^$" | head -5
# every column of the three tables: models, their groups (weights in
# full), the embeddings with the digest of their group's weights
digest="SELECT (SELECT count(*) || ':' || md5(string_agg(m::text, ',' ORDER BY model)) FROM hack.models m)
	|| ' ' || (SELECT count(*) || ':' || md5(string_agg(g::text, ',' ORDER BY model, group_key)) FROM hack.model_groups g)
	|| ' ' || (SELECT count(*) || ':' || md5(string_agg(e::text || md5(g.weights), ',' ORDER BY e.model, e.group_key, e.id))
		FROM hack.embeddings e JOIN hack.model_groups g USING (model, group_key))"
orig=$(q "$digest")
rest=$(psql -X -q -At -d "${DB}_restored" -c "$digest" 2>&1)
check "pg_dump/pg_restore keeps models and embeddings" "$orig" "$rest"
check "the digest covers models, groups and embeddings" "yes" \
	"$(echo "$orig" | grep -qE '^[1-9][0-9]*:[0-9a-f]{32} [1-9][0-9]*:[0-9a-f]{32} [1-9][0-9]*:[0-9a-f]{32}$' && echo yes || echo "no: $orig")"
check "restored catalogue keeps its row security" "0|0|0" \
	"$(psql -X -q -At -d "${DB}_restored" -U hack_nobody -c "SELECT (SELECT count(*) FROM hack.models) || '|' || (SELECT count(*) FROM hack.model_groups) || '|' || (SELECT count(*) FROM hack.embeddings)" 2>&1)"
check "restored models still embed" "t" \
	"$(psql -X -q -At -d "${DB}_restored" -c "SELECT hack_embed('cancel', img) <-> embedding < 1e-6 FROM imgs JOIN hack.embeddings e USING (id) WHERE e.model = 'cancel' AND id = 5" 2>&1)"
rm -f "$dump"

dropdb "${DB}_restored"
dropdb "$DB"
psql -X -q -c "DROP ROLE IF EXISTS hack_nobody" >/dev/null
echo "train: $passed passed, $failed failed"
[ "$failed" = 0 ]
