#!/usr/bin/env bash
# test/integration/upgrade.sh: ALTER EXTENSION hack UPDATE from 1.0 to 1.1
# with trained models in place.
#
# The 1.0 catalogue is filled with real trained rows: models are trained in
# a 1.1 database and their weights, normalisation, metrics and embeddings
# copied into 1.0's per-group table (the network format did not change),
# plus what 1.0 let any role plant: a group of another owner under an
# existing model name, and a model whose parameters do not say how to read
# its source.  After the update the trained models work as before, the
# planted rows are gone with a WARNING naming each, and the catalogue is
# 1.1's (PUBLIC reads, nobody writes).
# Uses the cluster of test/run.sh (PGHOST, PGPORT, PGUSER exported).
set -uo pipefail
SRC=hack_upgrade_src
DB=hack_upgrade_it
. "$(dirname "$0")/../lib/check.sh"
q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -d "$DB" -c "$1" 2>&1; }
qs() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -d "$SRC" -c "$1" 2>&1; }
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"; dropdb --if-exists "$SRC" >/dev/null 2>&1; dropdb --if-exists "$DB" >/dev/null 2>&1' EXIT

IMGS="CREATE TABLE imgs (id bigint, label int, img bytea);
INSERT INTO imgs
SELECT i, i % 2, (SELECT decode(string_agg(lpad(to_hex((hashint4(p + 1000 * i) & 255)), 2, '0'), ''), 'hex')
	FROM generate_series(0, 783) p)
FROM generate_series(1, 120) i;"
for d in "$SRC" "$DB"; do dropdb --if-exists "$d" >/dev/null 2>&1; createdb "$d"; done
psql -X -q -d "$SRC" -c "CREATE EXTENSION hack" -c "$IMGS" >/dev/null
psql -X -q -d "$DB" -c "CREATE EXTENSION hack VERSION '1.0'" -c "$IMGS" \
	-c "DROP ROLE IF EXISTS hack_upgrade_mallory" -c "CREATE ROLE hack_upgrade_mallory" >/dev/null
qs "CALL hack_train(model => 'up', source => 'imgs', group_column => 'label', architecture => 'mlp', hidden => '{16}', epochs => 2, seed => 1)" >/dev/null
qs "CALL hack_train(model => 'single', source => 'imgs', epochs => 1, pack_epochs => 50, seed => 2)" >/dev/null

check "the database starts at 1.0" "1.0" "$(q "SELECT extversion FROM pg_extension WHERE extname = 'hack'")"
check "this library refuses to train on 1.0's catalogue, saying what to do" "55000" \
	"$(psql -X -q -At -d "$DB" -v VERBOSITY=verbose -c "\set VERBOSITY verbose" \
		-c "CALL hack_train(model => 'x', source => 'imgs', epochs => 1)" 2>&1 | grep -o '55000' | head -1)"

# 1.0's rows, from the trained models (copied as text, so regclass names resolve here)
qs "\\copy (SELECT m.model, g.group_key, m.architecture, m.params, g.weights, g.normalisation, g.metrics, 'imgs', 'postgres', g.n_rows, g.trained_at FROM hack.models m JOIN hack.model_groups g USING (model)) TO '$work/models.copy'"
qs "\\copy (SELECT model, group_key, id, embedding, particle, particle_id, norm, image_hash FROM hack.embeddings) TO '$work/embeddings.copy'"
psql -X -q -d "$DB" >/dev/null <<SQL
SET session_replication_role = replica;	-- 1.0's cache trigger on hack.models
\\copy hack.models (model, group_key, architecture, params, weights, normalisation, metrics, source, owner, n_rows, trained_at) FROM '$work/models.copy'
\\copy hack.embeddings (model, group_key, id, embedding, particle, particle_id, norm, image_hash) FROM '$work/embeddings.copy'
-- planted in 1.0 by another role: a group under 'up', and a model without its reading parameters
INSERT INTO hack.models (model, group_key, architecture, params, weights, normalisation, metrics, source, owner, n_rows, trained_at)
SELECT model, 'planted', architecture, params, weights, normalisation, metrics, 'pg_class', 'hack_upgrade_mallory', n_rows, trained_at + interval '1 hour'
FROM hack.models WHERE model = 'up' AND group_key = '0';
INSERT INTO hack.embeddings (model, group_key, id, embedding, norm) VALUES ('up', 'planted', 1, '(0,0)', 0);
INSERT INTO hack.models (model, group_key, architecture, params, weights, normalisation, metrics, source, owner, n_rows)
SELECT 'broken', '', architecture, params - 'channels', weights, normalisation, metrics, source, owner, n_rows
FROM hack.models WHERE model = 'single';
INSERT INTO hack.embeddings (model, group_key, id, embedding, norm) VALUES ('broken', '', 1, '(0,0)', 0);
SQL
before=$(q "SELECT count(*) || ':' || md5(string_agg(e.embedding::text || e.norm, ',' ORDER BY e.model, e.group_key, e.id))
	FROM hack.embeddings e WHERE e.model IN ('up', 'single') AND e.group_key <> 'planted'")
weights=$(q "SELECT md5(string_agg(weights::text, ',' ORDER BY model, group_key)) FROM hack.models WHERE model IN ('up', 'single') AND group_key <> 'planted'")
check "1.0 holds the copied models" "3" "$(q "SELECT count(*) FROM hack.models WHERE model IN ('up', 'single') AND group_key <> 'planted'")"

out=$(psql -X -q -d "$DB" -c "ALTER EXTENSION hack UPDATE" 2>&1)
check "the update runs" "1.1" "$(q "SELECT extversion FROM pg_extension WHERE extname = 'hack'")"
check "the update names the planted group it drops" "1" \
	"$(echo "$out" | grep -c 'WARNING:  hack 1.1: dropping group "planted" of model "up": its owner')"
check "the update names the model it cannot read" "1" \
	"$(echo "$out" | grep -c 'WARNING:  hack 1.1: dropping group "" of model "broken": the model.s parameters')"

# the trained models survive, bit for bit
check "one row per model" "single:imgs:postgres:1|up:imgs:postgres:2" \
	"$(q "SELECT string_agg(m.model || ':' || m.source || ':' || m.owner || ':' || (SELECT count(*) FROM hack.model_groups g WHERE g.model = m.model), '|' ORDER BY m.model) FROM hack.models m")"
check "their definitions are read off 1.0's params" "single::lenet:1:28:28:2|up:label:mlp:1:28:28:2" \
	"$(q "SELECT string_agg(model || ':' || coalesce(group_column, '') || ':' || architecture || ':' || channels || ':' || height || ':' || width || ':' || dim, '|' ORDER BY model) FROM hack.models")"
check "their weights are unchanged" "$weights" \
	"$(q "SELECT md5(string_agg(weights::text, ',' ORDER BY model, group_key)) FROM hack.model_groups")"
check "their embeddings are unchanged" "$before" \
	"$(q "SELECT count(*) || ':' || md5(string_agg(e.embedding::text || e.norm, ',' ORDER BY e.model, e.group_key, e.id)) FROM hack.embeddings e")"
check "each embedding carries its model's owner, source and dimension" "0" \
	"$(q "SELECT count(*) FROM hack.embeddings e JOIN hack.models m USING (model) WHERE e.owner <> m.owner OR e.source <> m.source OR e.dim <> 2")"
check "nothing planted is left" "0" \
	"$(q "SELECT (SELECT count(*) FROM hack.model_groups WHERE group_key = 'planted' OR model = 'broken') + (SELECT count(*) FROM hack.embeddings WHERE group_key = 'planted' OR model = 'broken')")"
check "hack_embed gives the stored embeddings" "t" \
	"$(q "SELECT bool_and(hack_embed(e.model, i.img, e.group_key) <-> e.embedding < 1e-6) FROM hack.embeddings e JOIN imgs i USING (id) WHERE i.id % 10 = 0")"
check "hack_refresh finds them current" "0|0|0|0|done" \
	"$(q "CALL hack_refresh('up')" | tr -d ' ')"
check "hack_select ranks them" "12" "$(q "SELECT count(*) FROM hack_select('up', 0.1)")"
q "INSERT INTO imgs SELECT 500, 1, img FROM imgs WHERE id = 3" >/dev/null
q "CREATE TRIGGER embed AFTER INSERT OR UPDATE OR DELETE ON imgs FOR EACH ROW EXECUTE FUNCTION hack_embed_trigger('up')" >/dev/null
q "INSERT INTO imgs SELECT 501, 0, img FROM imgs WHERE id = 4" >/dev/null
check "the trigger and a refresh embed new rows" "1|1" \
	"$(q "CALL hack_refresh('up')" | cut -d'|' -f1)|$(q "SELECT count(*) FROM hack.embeddings WHERE model = 'up' AND id = 501")"
check "a retrain with resume keeps the model's owner" "postgres:2" \
	"$(q "CALL hack_train(model => 'up', source => 'imgs', group_column => 'label', architecture => 'mlp', hidden => '{16}', epochs => 1, resume => true)" >/dev/null; q "SELECT owner || ':' || (SELECT count(*) FROM hack.model_groups WHERE model = 'up') FROM hack.models WHERE model = 'up'")"

# the catalogue is 1.1's
check "PUBLIC reads and does not write" "embeddings:true:false|model_groups:true:false|models:true:false" \
	"$(q "SELECT string_agg(relname || ':' || has_table_privilege('public', c.oid, 'SELECT') || ':' || has_table_privilege('public', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE'), '|' ORDER BY relname) FROM pg_class c WHERE relnamespace = 'hack'::regnamespace AND relkind = 'r'")"
check "no trigger is left on the catalogue" "0" \
	"$(q "SELECT count(*) FROM pg_trigger WHERE tgrelid IN ('hack.models'::regclass, 'hack.model_groups'::regclass, 'hack.embeddings'::regclass)")"
check "1.0's tables and helpers are gone" "0" \
	"$(q "SELECT count(*) FROM pg_class WHERE relnamespace = 'hack'::regnamespace AND relname IN ('models_1_0', 'heads_1_0')")"
check "the catalogue tables are dumped with the data" "3" \
	"$(q "SELECT count(*) FROM pg_extension e, unnest(e.extconfig) c WHERE e.extname = 'hack' AND c IN ('hack.models'::regclass, 'hack.model_groups'::regclass, 'hack.embeddings'::regclass)")"
# and the same as a fresh 1.1 install, object for object
objects() { psql -X -q -At -d "$1" -c "SELECT pg_describe_object(classid, objid, objsubid) FROM pg_depend d JOIN pg_extension e ON d.refobjid = e.oid WHERE e.extname = 'hack' AND d.deptype = 'e' ORDER BY 1"; }
check "the updated extension has the objects of a fresh one" "$(objects "$SRC" | md5sum)" "$(objects "$DB" | md5sum)"

echo "upgrade: $passed passed, $failed failed"
[ "$failed" = 0 ]
