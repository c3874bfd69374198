-- test/lib/selection_data.sql: a model of synthetic 2-D embeddings, written
-- straight into hack's catalogue (no training), for the plan checks of
-- test/t/024_plans.pl and the timings of test/bench/selection_scale.sh.
--
-- psql variables: model (its name), groups (how many, keys '0' .. 'groups-1'),
-- per_group (rows in each), src (the source table, created here empty, with
-- columns id, label, img; its readers see the model).  Run as a superuser:
-- only a superuser writes hack's tables directly.  The points are uniform in
-- area in the disc of Euclidean radius 0.76 (where hack_train packs its
-- particles), ids 1 .. groups * per_group, row i in group (i % groups), so
-- the groups overlap everywhere, as the groups of a trained model do.
SELECT setseed(0.18);
CREATE TABLE :src (id bigint PRIMARY KEY, label integer, img bytea);
INSERT INTO hack.models (model, owner, source, id_column, image_column, group_column, format,
	architecture, channels, height, width, dim, params, created_at, trained_at)
VALUES (:'model', current_user::regrole, :'src'::regclass, 'id', 'img', 'label', 'u8',
	'mlp', 1, 8, 8, 2, '{}', now(), now());
INSERT INTO hack.model_groups (model, group_key, owner, source, weights, normalisation, metrics,
	n_rows, trained_at)
SELECT :'model', g::text, current_user::regrole, :'src'::regclass, '\x00', '{}', '{}', :per_group, now()
FROM generate_series(0, :groups - 1) g;
INSERT INTO hack.embeddings (model, group_key, id, embedding, norm, owner, source, dim)
SELECT :'model', (s.i % :groups)::text, s.i, p.p, poincare_norm(p.p), current_user::regrole,
	:'src'::regclass, 2
FROM (SELECT i, 0.76 * sqrt(random()) AS r, 2 * pi() * random() AS t
	FROM generate_series(1, :groups::bigint * :per_group) i) s,
	LATERAL (SELECT ARRAY[s.r * cos(s.t), s.r * sin(s.t)]::poincare_point AS p) p;
VACUUM ANALYZE hack.models, hack.model_groups, hack.embeddings;
