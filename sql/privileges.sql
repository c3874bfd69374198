-- privileges: the catalogue is hack's own.  Everyone may read it under row
-- security, nobody may write it but hack's functions; a model has one owner,
-- whose members train, refresh, rename, give away and drop it; others see it
-- only when they can read every row of its source table.  A model cached by
-- one role is not served to another.  alice and bob can read priv_imgs, eve
-- cannot.
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_hack_alice, regress_hack_bob, regress_hack_eve;
CREATE ROLE regress_hack_alice;
CREATE ROLE regress_hack_bob;
CREATE ROLE regress_hack_eve;
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN EXECUTE q; RETURN 'ok'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END$$;
CREATE TABLE priv_imgs (id bigint, img bytea);
INSERT INTO priv_imgs SELECT i, decode(string_agg(lpad(to_hex((hashint4(p * 31 + i) & 255)), 2, '0'), '' ORDER BY p), 'hex')
	FROM generate_series(1, 24) i, generate_series(0, 783) p GROUP BY i;
GRANT SELECT ON priv_imgs TO regress_hack_alice, regress_hack_bob;
CREATE TABLE priv_eve (id bigint, img bytea);
INSERT INTO priv_eve SELECT * FROM priv_imgs;
ALTER TABLE priv_eve OWNER TO regress_hack_eve;

-- the tables are readable by everyone (under row security) and writable by no one
SELECT relname, relrowsecurity, has_table_privilege('regress_hack_eve', c.oid, 'SELECT') AS "select",
	has_table_privilege('regress_hack_eve', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE') AS write
FROM pg_class c WHERE c.oid IN ('hack.models'::regclass, 'hack.model_groups'::regclass,
	'hack.embeddings'::regclass) ORDER BY 1;

-- alice trains on a table she can read; the rows record the source and its owner
SET ROLE regress_hack_alice;
CALL hack_train(model => 'priv_a', source => 'priv_imgs', epochs => 1, pack_epochs => 20, seed => 1);
-- and a model of three dimensions ('diverse' then cuts directions by farthest points)
CALL hack_train(model => 'priv_a3', source => 'priv_imgs', architecture => 'mlp', hidden => '{8}', dim => 3,
	epochs => 1, pack_epochs => 20, seed => 1);
SELECT model, source, owner FROM hack.models WHERE model = 'priv_a';
SELECT group_key, owner, n_rows FROM hack.model_groups WHERE model = 'priv_a';
SELECT count(*), count(*) FILTER (WHERE owner = 'regress_hack_alice'::regrole AND dim = 2) AS stamped
FROM hack.embeddings WHERE model = 'priv_a';
SELECT poincare_dim(hack_embed('priv_a', img)) FROM priv_imgs WHERE id = 1;
-- even she writes the tables only through hack
SELECT q, pg_temp.sqlstate_of(q) FROM unnest(ARRAY[
	$$DELETE FROM hack.models WHERE model = 'priv_a'$$,
	$$UPDATE hack.model_groups SET weights = '\x00' WHERE model = 'priv_a'$$,
	$$DELETE FROM hack.embeddings WHERE model = 'priv_a'$$,
	$$TRUNCATE hack.embeddings$$,
	$$LOCK TABLE hack.models IN ACCESS EXCLUSIVE MODE$$,
	$$SELECT * FROM hack.models FOR UPDATE$$]) q;

-- bob can read the table: he sees the model and uses it, but cannot change it
SET ROLE regress_hack_bob;
SELECT count(*) AS models, (SELECT count(*) FROM hack.model_groups WHERE model = 'priv_a') AS groups,
	(SELECT count(*) FROM hack.embeddings WHERE model = 'priv_a') AS embeddings
FROM hack.models WHERE model = 'priv_a';
SELECT count(*) AS selected FROM hack_select('priv_a', 0.5);
SELECT count(*) AS diverse_3d, count(DISTINCT id) AS distinct_ids FROM hack_select('priv_a3', 0.5, 'diverse');
SELECT count(*) AS densities FROM hack_knn_density('priv_a', 3);
SELECT poincare_dim(hack_embed('priv_a', img)) FROM priv_imgs WHERE id = 1;
SELECT length(hack_export_model('priv_a')) > 1000 AS exported;
-- (refused before any training)
CALL hack_train(model => 'priv_a', source => 'priv_imgs', epochs => 1, pack_epochs => 20);
SELECT q, pg_temp.sqlstate_of(q) FROM unnest(ARRAY[
	$$CALL hack_refresh('priv_a')$$,
	$$SELECT hack_drop_model('priv_a')$$,
	$$SELECT hack_drop_group('priv_a', '')$$,
	$$SELECT hack_rename_model('priv_a', 'bobs')$$,
	$$SELECT hack_alter_model_owner('priv_a', 'regress_hack_bob')$$,
	$$INSERT INTO hack.embeddings (model, group_key, id, embedding, norm, owner, source, dim)
		VALUES ('priv_a', '', 999, '(0,0)', 0, 'regress_hack_alice', 'priv_imgs', 2)$$,
	$$INSERT INTO hack.model_groups SELECT * FROM hack.model_groups ON CONFLICT DO NOTHING$$]) q;

-- eve cannot read the table: no training on it, no model, no embedding, through any function
SET ROLE regress_hack_eve;
SELECT pg_temp.sqlstate_of($$CALL hack_train(model => 'priv_e', source => 'priv_imgs', epochs => 1, pack_epochs => 20)$$) AS train_unreadable;
SELECT (SELECT count(*) FROM hack.models WHERE model = 'priv_a') AS models,
	(SELECT count(*) FROM hack.model_groups WHERE model = 'priv_a') AS groups,
	(SELECT count(*) FROM hack.embeddings WHERE model = 'priv_a') AS embeddings;
SELECT q, pg_temp.sqlstate_of(q) FROM unnest(ARRAY[
	$$SELECT hack_embed('priv_a', img) FROM priv_eve WHERE id = 1$$,
	$$SELECT hack_select('priv_a', 0.5)$$,
	$$SELECT hack_select('priv_a3', 0.5, 'diverse')$$,
	$$SELECT hack_knn_density('priv_a', 3)$$,
	$$SELECT hack_export_model('priv_a')$$,
	$$SELECT hack_drop_model('priv_a')$$,
	$$CALL hack_refresh('priv_a')$$]) q;
-- nor take alice's model name with a table of her own: 42501 before any work
SELECT pg_temp.sqlstate_of($$CALL hack_train(model => 'priv_a', source => 'priv_eve', epochs => 1, pack_epochs => 20)$$) AS overwrite;
-- her own table is hers to train on
CALL hack_train(model => 'priv_e', source => 'priv_eve', epochs => 1, pack_epochs => 20, seed => 1);
SELECT model, owner FROM hack.models ORDER BY 1;
-- nor import a model onto a table she cannot read
RESET ROLE;
CREATE TEMP TABLE priv_archive AS SELECT hack_export_model('priv_a') AS a;
GRANT SELECT ON priv_archive TO regress_hack_eve;
SET ROLE regress_hack_eve;
SELECT pg_temp.sqlstate_of($$SELECT hack_import_model('priv_i', (SELECT a FROM priv_archive), 'priv_imgs')$$) AS import_unreadable;
SELECT pg_temp.sqlstate_of($$SELECT hack_import_model('priv_a', (SELECT a FROM priv_archive), 'priv_eve')$$) AS import_taken;
SELECT hack_import_model('priv_i', (SELECT a FROM priv_archive), 'priv_eve') AS imported;
SELECT model, owner, source FROM hack.models WHERE model = 'priv_i';
RESET ROLE;

-- the cache of hack_embed: a model loaded by alice is not served to eve after SET ROLE,
-- nor to bob once his SELECT on the source is revoked
SET ROLE regress_hack_alice;
SELECT poincare_dim(hack_embed('priv_a', '\x00'::bytea || repeat('a', 783)::bytea)) AS alice_cached;
SET ROLE regress_hack_eve;
SELECT pg_temp.sqlstate_of($$SELECT hack_embed('priv_a', '\x00'::bytea || repeat('a', 783)::bytea)$$) AS eve_after_set_role;
RESET ROLE;
SET SESSION AUTHORIZATION regress_hack_eve;
SELECT pg_temp.sqlstate_of($$SELECT hack_embed('priv_a', '\x00'::bytea || repeat('a', 783)::bytea)$$) AS eve_session_authorization;
RESET SESSION AUTHORIZATION;
SET ROLE regress_hack_bob;
SELECT poincare_dim(hack_embed('priv_a', '\x00'::bytea || repeat('a', 783)::bytea)) AS bob_cached;
RESET ROLE;
REVOKE SELECT ON priv_imgs FROM regress_hack_bob;
SET ROLE regress_hack_bob;
SELECT pg_temp.sqlstate_of($$SELECT hack_embed('priv_a', '\x00'::bytea || repeat('a', 783)::bytea)$$) AS bob_revoked;
SELECT count(*) AS bob_sees_after_revoke FROM hack.models WHERE model = 'priv_a';
RESET ROLE;
GRANT SELECT ON priv_imgs TO regress_hack_bob;

-- row security on the source hides the model from readers it applies to
ALTER TABLE priv_imgs ENABLE ROW LEVEL SECURITY;
CREATE POLICY priv_half ON priv_imgs FOR SELECT USING (id % 2 = 0);
SET ROLE regress_hack_bob;
SELECT count(*) AS bob_under_rls FROM hack.embeddings WHERE model = 'priv_a';
SELECT pg_temp.sqlstate_of($$SELECT hack_embed('priv_a', '\x00'::bytea || repeat('a', 783)::bytea)$$) AS bob_embed_under_rls;
SET ROLE regress_hack_alice;
SELECT count(*) AS owner_under_rls FROM hack.embeddings WHERE model = 'priv_a';
RESET ROLE;
ALTER TABLE priv_imgs DISABLE ROW LEVEL SECURITY;
DROP POLICY priv_half ON priv_imgs;

-- a model on a view is its owner's alone: a view may show each reader other rows
CREATE VIEW priv_view AS SELECT * FROM priv_imgs;
GRANT SELECT ON priv_view TO regress_hack_alice, regress_hack_bob;
SET ROLE regress_hack_alice;
CALL hack_train(model => 'priv_v', source => 'priv_view', epochs => 1, pack_epochs => 20, seed => 1);
SELECT count(*) AS owner_sees_view_model FROM hack.embeddings WHERE model = 'priv_v';
SET ROLE regress_hack_bob;
SELECT count(*) AS reader_sees_view_model FROM hack.embeddings WHERE model = 'priv_v';
RESET ROLE;

-- a member of the owner role may retrain, refresh and rename; the owner stays
GRANT regress_hack_alice TO regress_hack_bob;
SET ROLE regress_hack_bob;
CALL hack_train(model => 'priv_a', source => 'priv_imgs', epochs => 1, pack_epochs => 20, seed => 2);
CALL hack_refresh('priv_a');
SELECT hack_rename_model('priv_a', 'priv_b');
SELECT model, owner FROM hack.models WHERE model IN ('priv_a', 'priv_b');
SELECT hack_rename_model('priv_b', 'priv_a');
-- giving a model away needs membership of the new owner, who must read the source
SELECT pg_temp.sqlstate_of($$SELECT hack_alter_model_owner('priv_a', 'regress_hack_eve')$$) AS give_to_stranger;
RESET ROLE;
SELECT pg_temp.sqlstate_of($$SELECT hack_alter_model_owner('priv_a', 'regress_hack_eve')$$) AS give_to_nonreader;
SELECT hack_alter_model_owner('priv_a', 'regress_hack_bob');
SELECT (SELECT owner FROM hack.models WHERE model = 'priv_a') AS model_owner,
	(SELECT count(*) FROM hack.embeddings WHERE model = 'priv_a' AND owner <> 'regress_hack_bob'::regrole) AS stale_rows;
REVOKE regress_hack_alice FROM regress_hack_bob;

-- a dropped source leaves the model to its owner, who can still drop it
DROP TABLE priv_imgs CASCADE;
SET ROLE regress_hack_bob;
SELECT count(*) AS owner_after_drop FROM hack.models WHERE model = 'priv_a';
SELECT hack_drop_model('priv_a') AS dropped;
SELECT (SELECT count(*) FROM hack.models WHERE model = 'priv_a') + (SELECT count(*) FROM hack.embeddings WHERE model = 'priv_a') AS left_over;
RESET ROLE;

-- clean up
SELECT hack_drop_model(m, if_exists => true) FROM unnest(ARRAY['priv_e', 'priv_i', 'priv_v', 'priv_a3']) m;
DROP TABLE priv_eve, priv_archive;
DROP ROLE regress_hack_alice, regress_hack_bob, regress_hack_eve;
