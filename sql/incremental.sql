-- incremental curation: resume, hack_refresh, hack_embed_trigger, image hashes
SET client_min_messages = warning;
\i sql/fixtures/images.sql
CREATE TABLE inc (id int PRIMARY KEY, label int, img bytea);
INSERT INTO inc SELECT i, i % 2, pg_temp.img(i) FROM generate_series(1, 100) i;

-- hack_image_hash: equal bytes, equal hash; NULL in, NULL out
SELECT hack_image_hash(pg_temp.img(1)) = hack_image_hash(pg_temp.img(1)) AS same,
	hack_image_hash(pg_temp.img(1)) <> hack_image_hash(pg_temp.img(2)) AS differs,
	hack_image_hash('') = hack_image_hash(''::bytea) AS empty_ok, hack_image_hash(NULL) IS NULL AS strict;

-- training records how to read the source, and the hash of every image
CALL hack_train(model => 'inc', source => 'inc', architecture => 'mlp', hidden => '{16}', epochs => 2, batch_size => 32, seed => 1);
SELECT params->>'id_column' AS id_column, params->>'image_column' AS image_column,
	params->>'group_column' AS group_column, params->>'format' AS format, params->>'resume' AS resume
FROM hack.models WHERE model = 'inc';
SELECT count(*) AS rows, count(particle) AS with_particle,
	bool_and(e.image_hash = hack_image_hash(i.img)) AS hashes_match
FROM hack.embeddings e JOIN inc i USING (id) WHERE e.model = 'inc';

-- refresh after inserts, an update and deletes; a second refresh has nothing to do
INSERT INTO inc SELECT i, i % 2, pg_temp.img(i) FROM generate_series(101, 130) i;
UPDATE inc SET img = pg_temp.img(999) WHERE id = 7;
DELETE FROM inc WHERE id IN (8, 9);
CALL hack_refresh('inc', batch_size => 7);
CALL hack_refresh('inc');
SELECT count(*) AS rows, count(particle) AS with_particle, count(*) FILTER (WHERE id > 100) AS new_rows,
	bool_and(e.image_hash = hack_image_hash(i.img)) AS hashes_match
FROM hack.embeddings e JOIN inc i USING (id) WHERE e.model = 'inc';
-- a refreshed row gets what hack_embed gives
SELECT max(hack_embed('inc', i.img) <-> e.embedding) < 1e-6 AS refresh_matches_embed
FROM inc i JOIN hack.embeddings e ON e.id = i.id AND e.model = 'inc' WHERE i.id IN (7, 101, 130);
-- an image that cannot be decoded is skipped and loses its embedding
UPDATE inc SET img = '\x0102' WHERE id = 10;
CALL hack_refresh('inc');
UPDATE inc SET img = pg_temp.img(10) WHERE id = 10;

-- resume on the grown table: every row embedded, particle_id a permutation again
CALL hack_train(model => 'inc', source => 'inc', architecture => 'mlp', hidden => '{16}', epochs => 2, batch_size => 32, seed => 2, resume => true);
SELECT n_rows, (metrics->>'resumed_from_rows')::int AS resumed_from, params->>'resume' AS resume
FROM hack.models JOIN hack.model_groups USING (model) WHERE model = 'inc';
SELECT count(*) AS rows, (SELECT count(*) FROM inc) AS source_rows, count(particle) AS with_particle,
	count(DISTINCT particle_id) AS distinct_particles, min(particle_id), max(particle_id)
FROM hack.embeddings WHERE model = 'inc';
-- resume of a model that does not exist yet trains from scratch
CALL hack_train(model => 'fresh', source => 'inc', architecture => 'mlp', hidden => '{16}', epochs => 1, seed => 1, resume => true);
SELECT metrics ? 'resumed_from_rows' AS resumed, n_rows FROM hack.model_groups WHERE model = 'fresh';

-- the trigger, with one model per group
CALL hack_train(model => 'bygroup', source => 'inc', group_column => 'label', architecture => 'mlp', hidden => '{16}', epochs => 1, seed => 3);
CREATE TRIGGER embed AFTER INSERT OR UPDATE OR DELETE ON inc
	FOR EACH ROW EXECUTE FUNCTION hack_embed_trigger('bygroup');
INSERT INTO inc VALUES (500, 1, pg_temp.img(500)), (501, 0, pg_temp.img(501));
SELECT group_key, id, particle IS NULL AS no_particle, image_hash = hack_image_hash(pg_temp.img(id::int)) AS hashed,
	embedding <-> hack_embed('bygroup', pg_temp.img(id::int), group_key) < 1e-6 AS matches
FROM hack.embeddings WHERE model = 'bygroup' AND id >= 500 ORDER BY id;
UPDATE inc SET label = 0 WHERE id = 500;	-- moves to the other group's model
UPDATE inc SET img = pg_temp.img(7777) WHERE id = 501;
SELECT group_key, id, embedding <-> hack_embed('bygroup', pg_temp.img(CASE id WHEN 501 THEN 7777 ELSE id::int END), group_key) < 1e-6 AS matches
FROM hack.embeddings WHERE model = 'bygroup' AND id >= 500 ORDER BY id;
INSERT INTO inc VALUES (502, 5, pg_temp.img(502));	-- a group without a model waits for training
UPDATE inc SET img = NULL WHERE id = 501;
DELETE FROM inc WHERE id = 500;
SELECT count(*) AS left_over FROM hack.embeddings WHERE model = 'bygroup' AND id >= 500;
DROP TRIGGER embed ON inc;
DELETE FROM inc WHERE id >= 500;

-- bad calls, each with its SQLSTATE
CREATE TABLE other (id int, img bytea);
INSERT INTO other VALUES (1, NULL);
CREATE TRIGGER t_other AFTER INSERT ON other FOR EACH ROW EXECUTE FUNCTION hack_embed_trigger('inc');
CREATE TRIGGER t_none AFTER UPDATE ON other FOR EACH ROW EXECUTE FUNCTION hack_embed_trigger('no_such_model');
CREATE TRIGGER t_noarg AFTER DELETE ON other FOR EACH ROW EXECUTE FUNCTION hack_embed_trigger();
CREATE TABLE other2 (id int, img bytea);
CREATE TRIGGER t_before BEFORE INSERT ON other2 FOR EACH ROW EXECUTE FUNCTION hack_embed_trigger('inc');
CREATE TRIGGER t_stmt AFTER UPDATE ON other2 FOR EACH STATEMENT EXECUTE FUNCTION hack_embed_trigger('inc');
SELECT q, pg_temp.sqlstate_of(q) FROM unnest(ARRAY[
	$$CALL hack_refresh('no_such_model')$$,
	$$CALL hack_refresh(NULL)$$,
	$$CALL hack_refresh('inc', batch_size => 0)$$,
	$$CALL hack_refresh('inc', if_busy => 'never')$$,
	$$CALL hack_train(model => 'inc', source => 'inc', epochs => 1, if_busy => 'later')$$,
	$$CALL hack_train(model => 'inc', source => 'inc', epochs => 1, if_busy => NULL)$$,
	$$CALL hack_train(model => 'inc', source => 'inc', epochs => 1, resume => NULL)$$,
	$$CALL hack_train(model => 'inc', source => 'inc', architecture => 'mlp', hidden => '{16}', dim => 3, epochs => 1, resume => true)$$,
	$$CALL hack_train(model => 'inc', source => 'inc', architecture => 'mlp', hidden => '{8}', epochs => 1, resume => true)$$,
	$$CALL hack_train(model => 'inc', source => 'inc', epochs => 1, resume => true)$$,
	$$INSERT INTO other VALUES (1, NULL)$$,
	$$UPDATE other SET id = 2$$,
	$$DELETE FROM other$$,
	$$INSERT INTO other2 VALUES (1, NULL)$$,
	$$UPDATE other2 SET id = 2$$,
	$$SELECT hack_embed_trigger()$$]) q;
-- failed resumes left the model as it was
SELECT n_rows, architecture, (metrics->>'resumed_from_rows')::int AS resumed_from
FROM hack.models JOIN hack.model_groups USING (model) WHERE model = 'inc';

-- leave the shared regression database as it was
SELECT hack_drop_model(m) FROM unnest(ARRAY['inc', 'fresh', 'bygroup']) m;
DROP TABLE inc, other, other2;
