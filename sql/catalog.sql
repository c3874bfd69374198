-- the 1.1 catalogue: group keys, one definition per model, managing models,
-- export and import, dimensions side by side, partitioned sources, and
-- rows that do not survive validation
SET client_min_messages = warning;
\i sql/fixtures/images.sql

-- group keys: the output function under fixed settings, whatever the session's
SET datestyle = 'German, DMY';
SET timezone = 'Asia/Tokyo';
SET intervalstyle = 'sql_standard';
SET extra_float_digits = 0;
SET bytea_output = 'escape';
SELECT hack_group_key('2024-01-02'::date) AS date, hack_group_key('2024-01-02 03:04:05+00'::timestamptz) AS timestamptz,
	hack_group_key('1 day 2 hours'::interval) AS interval, hack_group_key(0.1::float8) AS float8,
	hack_group_key(true) AS bool, hack_group_key('ab'::char(4)) AS char4, hack_group_key('\x01ff'::bytea) AS bytea,
	hack_group_key(ARRAY['2024-01-02'::date]) AS date_array, hack_group_key(ROW(1.5::float4, 'x'::text)) AS record;
-- and the session's own settings are untouched
SELECT '2024-01-02'::date::text AS session_date, 0.1::float8::text AS session_float;
RESET datestyle;
RESET timezone;
RESET intervalstyle;
RESET extra_float_digits;
RESET bytea_output;

-- a boolean group column: training, refresh and the trigger agree on the keys
CREATE TABLE cat_bool (id int, good boolean, img bytea);
INSERT INTO cat_bool SELECT i, i % 3 = 0, pg_temp.img(i) FROM generate_series(1, 60) i;
CALL hack_train(model => 'cat_bool', source => 'cat_bool', group_column => 'good', architecture => 'mlp', hidden => '{8}', epochs => 1, pack_epochs => 20, seed => 1);
SELECT group_key, n_rows FROM hack.model_groups WHERE model = 'cat_bool' ORDER BY 1;
CREATE TRIGGER embed AFTER INSERT OR UPDATE OR DELETE ON cat_bool
	FOR EACH ROW EXECUTE FUNCTION hack_embed_trigger('cat_bool');
INSERT INTO cat_bool VALUES (100, true, pg_temp.img(100)), (101, false, pg_temp.img(101));
SELECT id, group_key FROM hack.embeddings WHERE model = 'cat_bool' AND id >= 100 ORDER BY id;
CALL hack_refresh('cat_bool');
-- under another DateStyle a refresh sees the same groups (and deletes nothing)
SET datestyle = 'SQL, DMY';
CALL hack_refresh('cat_bool');
RESET datestyle;

-- one definition per model: another source, shape or group column is refused before any work
SELECT pg_temp.sqlstate_of($$CALL hack_train(model => 'cat_bool', source => 'cat_bool', architecture => 'mlp', hidden => '{8}', epochs => 1)$$) AS other_grouping,
	pg_temp.sqlstate_of($$CALL hack_train(model => 'cat_bool', source => 'cat_bool', group_column => 'good', architecture => 'mlp', dim => 3, epochs => 1)$$) AS other_dim,
	pg_temp.sqlstate_of($$CALL hack_train(model => '', source => 'cat_bool', epochs => 1)$$) AS empty_name;

-- a partitioned source: the trigger on the parent serves its partitions
CREATE TABLE cat_part (id int, label int, img bytea) PARTITION BY LIST (label);
CREATE TABLE cat_part_0 PARTITION OF cat_part FOR VALUES IN (0);
CREATE TABLE cat_part_1 PARTITION OF cat_part FOR VALUES IN (1);
INSERT INTO cat_part SELECT i, i % 2, pg_temp.img(i) FROM generate_series(1, 40) i;
CALL hack_train(model => 'cat_part', source => 'cat_part', group_column => 'label', architecture => 'mlp', hidden => '{8}', epochs => 1, pack_epochs => 20, seed => 1);
CREATE TRIGGER embed AFTER INSERT OR UPDATE OR DELETE ON cat_part
	FOR EACH ROW EXECUTE FUNCTION hack_embed_trigger('cat_part');
INSERT INTO cat_part VALUES (41, 1, pg_temp.img(41));
INSERT INTO cat_part_0 VALUES (42, 0, pg_temp.img(42));
DELETE FROM cat_part WHERE id = 1;
UPDATE cat_part SET label = 0 WHERE id = 3;
SELECT id, group_key FROM hack.embeddings WHERE model = 'cat_part' AND id IN (1, 3, 41, 42) ORDER BY id;
-- the trigger on another table is refused
CREATE TABLE cat_other (id int, label int, img bytea);
CREATE TRIGGER embed AFTER INSERT ON cat_other FOR EACH ROW EXECUTE FUNCTION hack_embed_trigger('cat_part');
SELECT pg_temp.sqlstate_of($$INSERT INTO cat_other VALUES (1, 0, '\x00')$$) AS not_the_source;

-- models of two dimensions side by side, each in its own GiST index
CALL hack_train(model => 'cat_d3', source => 'cat_bool', architecture => 'mlp', hidden => '{8}', dim => 3, epochs => 1, pack_epochs => 20, seed => 1);
SELECT model, dim, count(*) FROM hack.embeddings WHERE model IN ('cat_bool', 'cat_d3') GROUP BY 1, 2 ORDER BY 1;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hack.embeddings WHERE dim = 3 ORDER BY embedding <-> '(0,0,0)' LIMIT 3;
SELECT count(*) FROM (SELECT id FROM hack.embeddings WHERE dim = 3 ORDER BY embedding <-> '(0,0,0)' LIMIT 3) s;
RESET enable_seqscan;

-- managing models: rename, drop a group (the last takes the model), drop
SELECT pg_temp.sqlstate_of($$SELECT hack_rename_model('cat_d3', 'cat_bool')$$) AS rename_taken,
	pg_temp.sqlstate_of($$SELECT hack_rename_model('cat_d3', repeat('x', 64))$$) AS rename_long,
	pg_temp.sqlstate_of($$SELECT hack_rename_model('no_such', 'x')$$) AS rename_missing;
SELECT hack_rename_model('cat_d3', 'cat_three');
SELECT model, (SELECT count(*) FROM hack.embeddings e WHERE e.model = m.model) FROM hack.models m WHERE model LIKE 'cat_t%';
SELECT hack_drop_group('cat_part', '0') AS dropped, hack_drop_group('cat_part', '7') AS absent;
SELECT group_key FROM hack.model_groups WHERE model = 'cat_part';
SELECT hack_drop_group('cat_part', '1') AS last_group;
SELECT count(*) AS cat_part_left FROM hack.models WHERE model = 'cat_part';
SELECT hack_drop_model('cat_three') AS dropped, hack_drop_model('cat_three', if_exists => true) AS again;
SELECT pg_temp.sqlstate_of($$SELECT hack_drop_model('cat_three')$$) AS drop_missing;

-- export and import: the networks move, hack_refresh embeds the rows anew
SELECT hack_import_model('cat_copy', hack_export_model('cat_bool'), 'cat_bool') AS groups;
SELECT architecture, group_column, (SELECT count(*) FROM hack.embeddings WHERE model = 'cat_copy') AS embeddings
FROM hack.models WHERE model = 'cat_copy';
CALL hack_refresh('cat_copy');
SELECT max(a.embedding <-> b.embedding) < 1e-9 AS same_embeddings
FROM hack.embeddings a JOIN hack.embeddings b USING (id) WHERE a.model = 'cat_bool' AND b.model = 'cat_copy';
-- a damaged archive is refused whole
SELECT q, pg_temp.sqlstate_of(q) FROM unnest(ARRAY[
	$$SELECT hack_import_model('cat_bad', '\x00'::bytea, 'cat_bool')$$,
	$$SELECT hack_import_model('cat_bad', substr(hack_export_model('cat_bool'), 1, 200), 'cat_bool')$$,
	$$SELECT hack_import_model('cat_bad', overlay(hack_export_model('cat_bool') placing '\xff' from 300 for 1), 'cat_bool')$$,
	$$SELECT hack_import_model('cat_bad', hack_export_model('cat_bool'), 'cat_other')$$,
	$$SELECT hack_import_model('cat_bad', hack_export_model('cat_bool'), 'pg_class')$$]) q;
SELECT count(*) AS no_partial_import FROM hack.models WHERE model = 'cat_bad';

-- progress lines: only hack's own shape parses; any other text gives no row
SELECT model, "group", epoch, epochs, loss FROM hack_progress_parse(
	'hack_train progress: {"model": "m", "group": "g", "group_no": 1, "groups": 2, "rows": 3, "epoch": 4, "epochs": 5, "loss": 0.5, "images_per_second": 6.0, "eta_seconds": 7.0}');
SELECT count(*) FROM hack_progress_parse('hack_train progress: {bad');
SELECT count(*) FROM hack_progress_parse('hack_train progress: {"model": "m"}');

-- a catalogue row a superuser damaged by hand is an error naming the model, not a crash
-- (a changed image makes hack_refresh load the network)
UPDATE cat_bool SET img = pg_temp.img(999) WHERE id = 3;
UPDATE hack.model_groups SET weights = '\x0102' WHERE model = 'cat_copy' AND group_key = 't';
SELECT pg_temp.sqlstate_of($$SELECT hack_embed('cat_copy', pg_temp.img(1), 't')$$) AS bad_weights_embed;
SELECT pg_temp.sqlstate_of($$CALL hack_refresh('cat_copy')$$) AS bad_weights_refresh;
UPDATE hack.model_groups g SET weights = (SELECT weights FROM hack.model_groups WHERE model = 'cat_bool' AND group_key = 't')
WHERE model = 'cat_copy' AND group_key = 't';
ALTER TABLE hack.models DROP CONSTRAINT models_height_check;
UPDATE hack.models SET height = 64 WHERE model = 'cat_copy';
SELECT pg_temp.sqlstate_of($$SELECT hack_embed('cat_copy', pg_temp.img(1), 't')$$) AS shape_mismatch_embed;
SELECT pg_temp.sqlstate_of($$CALL hack_refresh('cat_copy')$$) AS shape_mismatch_refresh;
UPDATE hack.models SET height = 0 WHERE model = 'cat_copy';
SELECT pg_temp.sqlstate_of($$SELECT hack_embed('cat_copy', pg_temp.img(1), 't')$$) AS zero_height;
UPDATE hack.models SET height = 28 WHERE model = 'cat_copy';
ALTER TABLE hack.models ADD CONSTRAINT models_height_check CHECK (height BETWEEN 1 AND 4096);
ALTER TABLE hack.models ALTER COLUMN format DROP NOT NULL;
UPDATE hack.models SET format = NULL WHERE model = 'cat_copy';
SELECT pg_temp.sqlstate_of($$SELECT hack_embed('cat_copy', pg_temp.img(1), 't')$$) AS null_format;
UPDATE hack.models SET format = 'auto' WHERE model = 'cat_copy';
ALTER TABLE hack.models ALTER COLUMN format SET NOT NULL;
SELECT poincare_dim(hack_embed('cat_copy', pg_temp.img(1), 't')) AS repaired;

-- clean up
SELECT hack_drop_model(m) FROM unnest(ARRAY['cat_bool', 'cat_copy']) m;
DROP TABLE cat_bool, cat_part, cat_other;
