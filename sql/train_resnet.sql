-- hack_train with architecture => 'resnet20' (He et al.'s CIFAR ResNet-20,
-- BatchNorm, blob version 3) on a tiny 3-channel set: 24 raw u8 images of
-- 3 x 32 x 32, four epochs: it trains, stores, and hack_embed reproduces the
-- stored embeddings (inference uses the stored running statistics)
SET client_min_messages = warning;
CREATE FUNCTION pg_temp.rgb(kind int, seed int) RETURNS bytea LANGUAGE sql AS $$
	SELECT decode(string_agg(lpad(to_hex(v), 2, '0'), '' ORDER BY p), 'hex')
	FROM (SELECT p, least(255, greatest(0,
			CASE WHEN kind = 0 THEN CASE WHEN (p % 1024) / 32 BETWEEN 10 AND 20 THEN 40 + 80 * (p / 1024) ELSE 20 END
				 ELSE CASE WHEN (((p % 1024) / 32) / 4 + (p % 32) / 4) % 2 = 0 THEN 230 ELSE 10 END END
			+ ((hashint4(p * 7919 + seed) % 41) - 20)))::int AS v
		FROM generate_series(0, 3071) p) s
$$;
CREATE TABLE rgb_imgs (id bigint, img bytea);
INSERT INTO rgb_imgs SELECT i, pg_temp.rgb(CASE WHEN i % 8 = 0 THEN 1 ELSE 0 END, i)
	FROM generate_series(1, 24) i;
SELECT count(*), min(length(img)), max(length(img)) FROM rgb_imgs;
\set args 'source => ''rgb_imgs'', format => ''u8'', channels => 3, height => 32, width => 32, architecture => ''resnet20'', epochs => 4, batch_size => 12, lr => 0.02, pack_epochs => 50, seed => 4'
CALL hack_train(model => 'res', :args);
SELECT m.architecture, g.n_rows, get_byte(g.weights, 8) AS blob_version,
	length(g.weights) > 1000000 AS holds_weights,
	(g.metrics->>'final_loss')::float8 < (g.metrics->>'first_loss')::float8 AS loss_fell
FROM hack.models m JOIN hack.model_groups g USING (model) WHERE model = 'res';
SELECT count(*) AS embedded, max(poincare_norm(embedding)) < 40 AS finite,
	count(DISTINCT particle_id) = count(*) AS one_to_one
FROM hack.embeddings WHERE model = 'res';
-- training moved the weights: the embeddings are not all the same point
SELECT count(DISTINCT embedding::text) > 1 AS distinct_points FROM hack.embeddings WHERE model = 'res';
-- hack_embed (a fresh load of the stored blob) gives the stored embeddings
SELECT max(hack_embed('res', i.img) <-> e.embedding) < 1e-6 AS embed_matches
FROM rgb_imgs i JOIN hack.embeddings e ON e.id = i.id AND e.model = 'res';
-- a fixed seed gives identical embeddings, on any number of threads (the
-- BatchNorm statistics are summed in a fixed order)
CREATE TABLE res_first AS SELECT id, embedding FROM hack.embeddings WHERE model = 'res';
SET hack.blas_threads = 2;
CALL hack_train(model => 'res', :args);
RESET hack.blas_threads;
SELECT count(*) AS differing FROM res_first f JOIN hack.embeddings e USING (id)
WHERE e.model = 'res' AND e.embedding <> f.embedding;
-- the catalogue's shape must match the blob's: a 1-channel resnet20 is another model
CALL hack_train(model => 'res', source => 'rgb_imgs', format => 'u8', channels => 1, height => 32,
	width => 32, architecture => 'resnet20', epochs => 1, seed => 4);
CALL hack_train(model => 'res_bad', source => 'rgb_imgs', architecture => 'resnet');
DROP TABLE res_first, rgb_imgs;
SELECT hack_drop_model('res');
