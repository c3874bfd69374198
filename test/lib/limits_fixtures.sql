-- test/lib/limits_fixtures.sql: inputs of test/t/005_limits.pl and
-- test/bench/limits_memory.sh, built beforehand so that a timeout or a
-- memory peak falls inside our function.  psql variables give the sizes:
-- imgs (images), emb (embeddings of model lim_big), hm (side of the cost
-- matrix), edges (side of the edge list), pts (points and as many targets),
-- plot (points to draw).
SET client_min_messages = warning;
CREATE TABLE imgs AS SELECT i::bigint AS id, decode(repeat(md5(i::text), 49), 'hex') AS img
	FROM generate_series(1, :imgs) i;
CREATE TABLE imgs_small AS SELECT * FROM imgs WHERE id <= 256;
CALL hack_train(model => 'lim', source => 'imgs_small', epochs => 1, pack_epochs => 50, seed => 1);
-- a model of :emb random embeddings for hack_knn_density (all pairs),
-- written directly as superuser (hack 1.1: the model row, its group, and
-- embeddings that carry the model's owner, source and dimension)
INSERT INTO hack.models (model, owner, source, id_column, image_column, group_column, format,
		architecture, channels, height, width, dim, params, created_at, trained_at)
	SELECT 'lim_big', owner, source, id_column, image_column, group_column, format,
		architecture, channels, height, width, dim, params, created_at, trained_at
	FROM hack.models WHERE model = 'lim';
INSERT INTO hack.model_groups (model, group_key, owner, source, weights, normalisation, metrics, n_rows, trained_at)
	SELECT 'lim_big', group_key, owner, source, weights, normalisation, metrics, :emb, trained_at
	FROM hack.model_groups WHERE model = 'lim';
INSERT INTO hack.embeddings (model, group_key, id, embedding, particle, particle_id, norm, owner, source, dim)
	SELECT 'lim_big', '', i, p, p, i, poincare_norm(p), m.owner, m.source, poincare_dim(p)
	FROM hack.models m, generate_series(1, :emb) i,
		LATERAL (SELECT ARRAY[0.9 * sqrt(hashint4(i) / 4294967296.0 + 0.5) * cos(i), 0.9 * sqrt(hashint4(i) / 4294967296.0 + 0.5) * sin(i)]::poincare_point AS p) s
	WHERE m.model = 'lim_big';
CREATE TABLE hm AS SELECT array_agg(r ORDER BY i) AS c FROM (SELECT i, array_agg(((hashint4(i * 7919 + j) & 65535) / 65536.0)::float8 ORDER BY j) AS r
	FROM generate_series(1, :hm) i, generate_series(1, :hm) j GROUP BY i) s;
CREATE TABLE edges AS SELECT i::bigint AS r, j::bigint AS c, ((hashint4(i * 7919 + j) & 65535) / 65536.0)::float8 AS cost
	FROM generate_series(1, :edges) i, generate_series(1, :edges) j;
CREATE TABLE pts AS SELECT array_agg(p.pt) FILTER (WHERE k = 0) AS a, array_agg(p.pt) FILTER (WHERE k = 1) AS b
	FROM (SELECT i % 2 AS k, ARRAY[0.5 * cos(i), 0.5 * sin(i * 1.3)]::poincare_point AS pt FROM generate_series(1, 2 * :pts) i) p;
CREATE TABLE plotpts AS SELECT array_agg(ARRAY[0.6 * cos(i), 0.6 * sin(i * 1.7)]::poincare_point) AS a
	FROM generate_series(1, :plot) i;
