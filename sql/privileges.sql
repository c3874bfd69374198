-- privileges: a role sees a model and its embeddings only when it can read
-- the model's source table, writes only its own models, and can do neither
-- through any function of ours; a model cached by one role is not served to
-- another.  alice and bob can read priv_imgs, eve cannot.
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

-- the tables are open to everyone, row-level security does the rest; no TRUNCATE (it bypasses policies)
SELECT relname, relrowsecurity, has_table_privilege('regress_hack_eve', c.oid, 'SELECT, INSERT, UPDATE, DELETE') AS dml,
	has_table_privilege('regress_hack_eve', c.oid, 'TRUNCATE') AS truncate
FROM pg_class c WHERE c.oid IN ('hack.models'::regclass, 'hack.embeddings'::regclass) ORDER BY 1;

-- alice trains on a table she can read; the row records the source and its owner
SET ROLE regress_hack_alice;
CALL hack_train(model => 'priv_a', source => 'priv_imgs', epochs => 1, pack_epochs => 20, seed => 1);
SELECT model, source, owner, n_rows FROM hack.models WHERE model = 'priv_a';
SELECT count(*) FROM hack.embeddings WHERE model = 'priv_a';
SELECT poincare_dim(hack_embed('priv_a', img)) FROM priv_imgs WHERE id = 1;

-- bob can read the table: he sees the model and uses it, but cannot overwrite or delete it
SET ROLE regress_hack_bob;
SELECT count(*) AS models, (SELECT count(*) FROM hack.embeddings WHERE model = 'priv_a') AS embeddings
FROM hack.models WHERE model = 'priv_a';
SELECT count(*) AS selected FROM hack_select('priv_a', 0.5);
SELECT count(*) AS densities FROM hack_knn_density('priv_a', 3);
SELECT poincare_dim(hack_embed('priv_a', img)) FROM priv_imgs WHERE id = 1;
-- (refused before any training, as the model is visible to him)
CALL hack_train(model => 'priv_a', source => 'priv_imgs', epochs => 1, pack_epochs => 20);
DELETE FROM hack.models WHERE model = 'priv_a';
DELETE FROM hack.embeddings WHERE model = 'priv_a';
UPDATE hack.embeddings SET norm = 0 WHERE model = 'priv_a';
SELECT pg_temp.sqlstate_of($$INSERT INTO hack.embeddings VALUES ('priv_a', '', 999, '(0,0)', '(0,0)', 1, 0)$$) AS forge_embedding;
SELECT pg_temp.sqlstate_of($$INSERT INTO hack.models (model, architecture, params, weights, normalisation, metrics, source, owner, n_rows)
	SELECT 'priv_forged', architecture, params, weights, normalisation, metrics, source, 'regress_hack_alice', n_rows
	FROM hack.models WHERE model = 'priv_a'$$) AS forge_owner;

-- eve cannot read the table: no training on it, no model, no embedding, through any function
SET ROLE regress_hack_eve;
SELECT pg_temp.sqlstate_of($$CALL hack_train(model => 'priv_e', source => 'priv_imgs', epochs => 1, pack_epochs => 20)$$) AS train_unreadable;
SELECT count(*) AS models FROM hack.models WHERE model = 'priv_a';
SELECT count(*) AS embeddings FROM hack.embeddings WHERE model = 'priv_a';
SELECT q, pg_temp.sqlstate_of(q) FROM unnest(ARRAY[
	$$SELECT hack_embed('priv_a', img) FROM priv_eve WHERE id = 1$$,
	$$SELECT hack_select('priv_a', 0.5)$$,
	$$SELECT hack_knn_density('priv_a', 3)$$,
	$$SELECT * FROM hack.embeddings e JOIN hack.models m USING (model, group_key) WHERE model = 'priv_a'$$]) q;
-- nor overwrite alice's model with one trained on her own table (the name is taken)
SELECT pg_temp.sqlstate_of($$CALL hack_train(model => 'priv_a', source => 'priv_eve', epochs => 1, pack_epochs => 20)$$) AS overwrite;
UPDATE hack.models SET weights = '\x00' WHERE model = 'priv_a';
DELETE FROM hack.models WHERE model = 'priv_a';
SELECT pg_temp.sqlstate_of($$TRUNCATE hack.embeddings$$) AS truncate;
-- her own table is hers to train on
CALL hack_train(model => 'priv_e', source => 'priv_eve', epochs => 1, pack_epochs => 20, seed => 1);
SELECT model, owner FROM hack.models ORDER BY 1;
RESET ROLE;

-- the cache of hack_embed: a model loaded by alice is not served to eve after SET ROLE,
-- nor to alice once her SELECT on the source is revoked
SET ROLE regress_hack_alice;
SELECT poincare_dim(hack_embed('priv_a', '\x00'::bytea || repeat('a', 783)::bytea)) AS alice_cached;
SET ROLE regress_hack_eve;
SELECT pg_temp.sqlstate_of($$SELECT hack_embed('priv_a', '\x00'::bytea || repeat('a', 783)::bytea)$$) AS eve_after_set_role;
RESET ROLE;
SET SESSION AUTHORIZATION regress_hack_eve;
SELECT pg_temp.sqlstate_of($$SELECT hack_embed('priv_a', '\x00'::bytea || repeat('a', 783)::bytea)$$) AS eve_session_authorization;
RESET SESSION AUTHORIZATION;
REVOKE SELECT ON priv_imgs FROM regress_hack_alice;
SET ROLE regress_hack_alice;
SELECT pg_temp.sqlstate_of($$SELECT hack_embed('priv_a', '\x00'::bytea || repeat('a', 783)::bytea)$$) AS alice_revoked;
SELECT count(*) AS alice_sees_after_revoke FROM hack.models WHERE model = 'priv_a';
RESET ROLE;
GRANT SELECT ON priv_imgs TO regress_hack_alice;

-- a member of the owner role may retrain; a dropped source hides the model from everyone but superusers
GRANT regress_hack_alice TO regress_hack_bob;
SET ROLE regress_hack_bob;
CALL hack_train(model => 'priv_a', source => 'priv_imgs', epochs => 1, pack_epochs => 20, seed => 2);
SELECT model, owner FROM hack.models WHERE model = 'priv_a';
RESET ROLE;
DROP TABLE priv_imgs;
SET ROLE regress_hack_alice;
SELECT count(*) AS after_drop FROM hack.models WHERE model = 'priv_a';
RESET ROLE;
SELECT count(*) AS superuser_sees FROM hack.models WHERE model = 'priv_a';

-- clean up
DELETE FROM hack.models WHERE model IN ('priv_a', 'priv_e');
DROP TABLE priv_eve;
DROP ROLE regress_hack_alice, regress_hack_bob, regress_hack_eve;
