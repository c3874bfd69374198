-- an atomic CALL hack_train (in a transaction block, in a function, in a
-- multi-statement command) trains every group in the caller's transaction:
-- its reads of the catalogue see what it has just written
SET client_min_messages = warning;
CREATE TABLE atomic_imgs (id int, label int, img bytea);
INSERT INTO atomic_imgs SELECT i, i % 2, (SELECT decode(string_agg(lpad(to_hex(hashint4(p + 100 * i) & 255), 2, '0'), '' ORDER BY p), 'hex')
	FROM generate_series(0, 63) p) FROM generate_series(1, 40) i;
BEGIN;
CALL hack_train(model => 'atomic_block', source => 'atomic_imgs', group_column => 'label', height => 8, width => 8,
	format => 'u8', architecture => 'mlp', hidden => '{4}', epochs => 1, pack_epochs => 20, seed => 1);
SELECT count(*) AS embeddings, count(DISTINCT group_key) AS groups FROM hack.embeddings WHERE model = 'atomic_block';
COMMIT;
SELECT count(*) AS embeddings FROM hack.embeddings WHERE model = 'atomic_block';
-- rolled back: nothing is kept
BEGIN;
CALL hack_train(model => 'atomic_rollback', source => 'atomic_imgs', height => 8, width => 8,
	format => 'u8', architecture => 'mlp', hidden => '{4}', epochs => 1, pack_epochs => 20, seed => 1);
ROLLBACK;
SELECT count(*) AS models FROM hack.models WHERE model = 'atomic_rollback';
-- in a function
CREATE FUNCTION atomic_train(name text) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
	CALL hack_train(model => name, source => 'atomic_imgs', height => 8, width => 8,
		format => 'u8', architecture => 'mlp', hidden => '{4}', epochs => 1, pack_epochs => 20, seed => 1);
	RETURN (SELECT count(*) FROM hack.embeddings WHERE model = name);
END $$;
SELECT atomic_train('atomic_function');
-- a multi-statement command (as pg_cron sends "CALL ...; SELECT 1")
CALL hack_train(model => 'atomic_multi', source => 'atomic_imgs', height => 8, width => 8,
	format => 'u8', architecture => 'mlp', hidden => '{4}', epochs => 1, pack_epochs => 20, seed => 1) \; SELECT 1 AS after;
SELECT count(*) AS embeddings FROM hack.embeddings WHERE model = 'atomic_multi';
-- the same model trained again in the same transaction replaces its rows
BEGIN;
CALL hack_train(model => 'atomic_block', source => 'atomic_imgs', group_column => 'label', height => 8, width => 8,
	format => 'u8', architecture => 'mlp', hidden => '{4}', epochs => 1, pack_epochs => 20, seed => 2);
CALL hack_refresh('atomic_block');
COMMIT;
SELECT count(*) AS embeddings FROM hack.embeddings WHERE model = 'atomic_block';
SELECT hack_drop_model(m) FROM unnest(ARRAY['atomic_block', 'atomic_function', 'atomic_multi']) m;
DROP FUNCTION atomic_train(text);
DROP TABLE atomic_imgs;
