-- hack_train and hack_embed on a small synthetic image set whose typicality
-- is known by construction: 120 noisy copies of a prototype (a bright
-- horizontal band) and 8 planted outliers (a checkerboard), 28 x 28 uint8
SET client_min_messages = warning;
CREATE FUNCTION pg_temp.image(kind text, seed int) RETURNS bytea LANGUAGE sql AS $$
	SELECT decode(string_agg(lpad(to_hex(v), 2, '0'), '' ORDER BY p), 'hex')
	FROM (SELECT p, least(255, greatest(0,
			CASE WHEN kind = 'proto' THEN CASE WHEN p / 28 BETWEEN 10 AND 17 THEN 200 ELSE 30 END
				 ELSE CASE WHEN ((p / 28) / 4 + (p % 28) / 4) % 2 = 0 THEN 230 ELSE 10 END END
			+ ((hashint4(p * 7919 + seed) % 41) - 20)))::int AS v
		FROM generate_series(0, 783) p) s
$$;
CREATE TABLE imgs (id bigint, label int, img bytea);
INSERT INTO imgs SELECT i, i % 2, pg_temp.image(CASE WHEN i % 16 = 0 THEN 'outlier' ELSE 'proto' END, i)
	FROM generate_series(1, 128) i;
SELECT count(*), min(length(img)), max(length(img)) FROM imgs;

-- one model for the whole table, few epochs: every row gets an embedding inside the ball
CALL hack_train(model => 'synth', source => 'imgs', epochs => 30, batch_size => 64, seed => 1);
SELECT count(*) AS embedded, max(poincare_norm(embedding)) < 40 AS finite,
	bool_and(norm = poincare_norm(embedding)) AS norm_matches
FROM hack.embeddings WHERE model = 'synth';
SELECT count(DISTINCT particle_id) = count(*) AS one_to_one FROM hack.embeddings WHERE model = 'synth';
SELECT m.model, g.group_key, m.architecture, g.n_rows, m.params->>'epochs' AS epochs,
	(g.metrics->>'final_loss')::float8 < (g.metrics->>'first_loss')::float8 AS loss_fell
FROM hack.models m JOIN hack.model_groups g USING (model) ORDER BY 1, 2;
-- a new lenet is the reference's (ReLU after each convolution): its blob is
-- version 2, the u32 at byte 8 of the weights; 1.1's lenets, without those
-- ReLUs, stay version 1 (doc/encoder.md)
SELECT model, get_byte(weights, 8) AS blob_version FROM hack.model_groups WHERE model = 'synth';

-- planted outliers are atypical: AUC of the norm above 0.9
SELECT round(avg((o.norm > t.norm)::int)::numeric, 2) > 0.9 AS outliers_atypical
FROM hack.embeddings o JOIN hack.embeddings t ON o.model = t.model
WHERE o.model = 'synth' AND o.id % 16 = 0 AND t.id % 16 <> 0;

-- a fixed seed gives identical embeddings
CREATE TABLE first_run AS SELECT id, embedding FROM hack.embeddings WHERE model = 'synth';
CALL hack_train(model => 'synth', source => 'imgs', epochs => 30, batch_size => 64, seed => 1);
SELECT count(*) AS differing FROM first_run f JOIN hack.embeddings e USING (id)
WHERE e.model = 'synth' AND e.embedding <> f.embedding;

-- hack_embed reproduces the stored embeddings and embeds new images
SELECT max(hack_embed('synth', i.img) <-> e.embedding) < 1e-6 AS embed_matches
FROM imgs i JOIN hack.embeddings e ON e.id = i.id AND e.model = 'synth';
SELECT poincare_norm(hack_embed('synth', pg_temp.image('outlier', 999))) >
	poincare_norm(hack_embed('synth', pg_temp.image('proto', 999))) AS new_outlier_atypical;

-- one model per group, as the paper trains per class
CALL hack_train(model => 'bylabel', source => 'imgs', group_column => 'label', epochs => 5,
	batch_size => 100, seed => 2);
SELECT group_key, count(*) FROM hack.embeddings WHERE model = 'bylabel' GROUP BY 1 ORDER BY 1;
SELECT poincare_dim(hack_embed('bylabel', img, '1')) FROM imgs WHERE id = 3;

-- other formats: float32 raw and .npy blobs (uint8, shape 28 x 28)
CREATE TABLE imgs_f32 AS SELECT id, (SELECT string_agg(float4send(get_byte(img, p)::float4), ''::bytea ORDER BY p)
	FROM generate_series(0, 783) p) AS img FROM imgs WHERE id <= 40;
CALL hack_train(model => 'f32', source => 'imgs_f32', format => 'f32', epochs => 2, seed => 3);
CREATE TABLE imgs_npy AS SELECT id, '\x934e554d505901007600'::bytea
	|| convert_to(rpad('{''descr'': ''|u1'', ''fortran_order'': False, ''shape'': (28, 28), }', 117) || E'\n', 'UTF8')
	|| img AS img FROM imgs WHERE id <= 40;
CALL hack_train(model => 'npy', source => 'imgs_npy', epochs => 2, seed => 3);
SELECT model, count(*) FROM hack.embeddings WHERE model IN ('f32', 'npy') GROUP BY 1 ORDER BY 1;

-- hack_embed's cached model is dropped when the model is retrained
SELECT count(hack_embed('npy', img)) AS cached FROM imgs_npy;
SET client_min_messages = warning;
CALL hack_train(model => 'npy', source => 'imgs_npy', epochs => 2, seed => 99);
RESET client_min_messages;
SELECT max(hack_embed('npy', i.img) <-> e.embedding) < 1e-6 AS cache_invalidated
FROM imgs_npy i JOIN hack.embeddings e ON e.id = i.id AND e.model = 'npy';
SET client_min_messages = warning;

-- the mlp architecture
CALL hack_train(model => 'mlp', source => 'imgs', architecture => 'mlp', hidden => '{64,32}', epochs => 3, seed => 4);
SELECT architecture, count(*) FROM hack.models m JOIN hack.embeddings e USING (model)
WHERE model = 'mlp' GROUP BY 1;

-- bad input, each a clear error
RESET client_min_messages;
CALL hack_train(model => 'x', source => 'no_such_table');
CALL hack_train(model => 'x', source => 'imgs', id_column => 'nope');
CALL hack_train(model => 'x', source => 'imgs', image_column => 'label');
CALL hack_train(model => 'x', source => 'imgs', id_column => 'img');
CALL hack_train(model => 'x', source => 'imgs', group_column => 'nope');
CALL hack_train(model => 'x', source => 'imgs', epochs => 0);
CALL hack_train(model => 'x', source => 'imgs', batch_size => 0);
CALL hack_train(model => 'x', source => 'imgs', lr => -1);
CALL hack_train(model => 'x', source => 'imgs', radius => 1.5);
CALL hack_train(model => 'x', source => 'imgs', architecture => 'resnet');
CALL hack_train(model => 'x', source => 'imgs', format => 'gif');
CALL hack_train(model => 'x', source => 'imgs', height => 0);
CALL hack_train(model => 'x', source => 'imgs', height => 27);
CALL hack_train(model => 'x', source => 'imgs', format => 'f32');
CALL hack_train(model => '', source => 'imgs');
CALL hack_train(model => 'x', source => NULL);
CREATE TABLE dup AS SELECT * FROM imgs UNION ALL SELECT * FROM imgs WHERE id = 5;
CALL hack_train(model => 'x', source => 'dup');
CREATE TABLE withnull AS SELECT * FROM imgs WHERE id <= 20 UNION ALL SELECT 999, 0, NULL;
CALL hack_train(model => 'x', source => 'withnull');
SET client_min_messages = warning;
CALL hack_train(model => 'withnull', source => 'withnull', skip_invalid => true, epochs => 1);
RESET client_min_messages;
SELECT n_rows, metrics->>'skipped' AS skipped FROM hack.model_groups WHERE model = 'withnull';
CREATE TABLE short AS SELECT id, substr(img, 1, 700) AS img FROM imgs WHERE id <= 3;
CALL hack_train(model => 'x', source => 'short');
CREATE TABLE badnpy AS SELECT id, '\x934e554d5059010010007b7d'::bytea AS img FROM imgs WHERE id <= 3;
CALL hack_train(model => 'x', source => 'badnpy');
CREATE TABLE tiny AS SELECT * FROM imgs WHERE id = 1;
CALL hack_train(model => 'x', source => 'tiny');
CREATE TABLE empty (id int, img bytea);
CALL hack_train(model => 'x', source => 'empty');
SELECT hack_embed('no_such_model', img) FROM imgs WHERE id = 1;
SELECT hack_embed('synth', '\x0102'::bytea);
SELECT count(*) AS models_after_errors FROM hack.models WHERE model = 'x';
