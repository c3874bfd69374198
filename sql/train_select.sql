-- selection helpers on the models trained by train.sql
\set SHOW_CONTEXT never
SELECT mode, count(*), count(DISTINCT id) FROM unnest(ARRAY['typical', 'atypical', 'diverse']) mode,
	LATERAL hack_select('synth', 0.1, mode) GROUP BY mode ORDER BY mode;
-- typical rows are the smallest norms, atypical the largest, in rank order
SELECT bool_and(s.norm <= (SELECT min(norm) FROM hack.embeddings e WHERE e.model = 'synth'
		AND e.id NOT IN (SELECT id FROM hack_select('synth', 0.1, 'typical')))) AS typical_smallest,
	bool_and(s.rank = s.expected) AS ranked
FROM (SELECT *, row_number() OVER (ORDER BY norm, id) AS expected FROM hack_select('synth', 0.1, 'typical')) s;
SELECT bool_and(s.norm >= (SELECT max(norm) FROM hack.embeddings e WHERE e.model = 'synth'
		AND e.id NOT IN (SELECT id FROM hack_select('synth', 0.1, 'atypical')))) AS atypical_largest
FROM hack_select('synth', 0.1, 'atypical') s;
-- the planted outliers are the most atypical rows
SELECT count(*) FILTER (WHERE id % 16 = 0) AS outliers_in_top_8 FROM hack_select('synth', 8 / 128.0, 'atypical');
-- per group counts: ceil(fraction n) rows of each group
SELECT group_key, count(*) FROM hack_select('bylabel', 0.25, 'diverse') GROUP BY 1 ORDER BY 1;
-- bad input
SELECT * FROM hack_select('synth', 0, 'typical');
SELECT * FROM hack_select('synth', 1.5, 'typical');
SELECT * FROM hack_select('synth', 0.1, 'weird');
SELECT * FROM hack_select('nope', 0.1);
SELECT * FROM hack_select('synth', NULL);

-- diverse: in the disc and on the line, the sectors of the first two coordinates' angle, as
-- before 1.2 (old_diverse says it another way); above two dimensions, the cells of directions
-- spread by farthest-point sampling
CREATE FUNCTION old_diverse(m text, f double precision)
RETURNS TABLE (group_key text, id bigint, norm double precision, rank integer) LANGUAGE sql AS $$
	WITH g AS (SELECT e.group_key, ceil(f * count(*)) AS k FROM hack.embeddings e WHERE e.model = m GROUP BY 1),
	c AS (SELECT e.group_key, e.id, e.norm, g.k,
			floor((atan2(x[2], x[1]) + pi()) / (2 * pi()) * g.k) AS sector
		FROM hack.embeddings e JOIN g USING (group_key), LATERAL (SELECT e.embedding::float8[] AS x) p
		WHERE e.model = m),
	t AS (SELECT c.*, c.id = first_value(c.id) OVER (PARTITION BY c.group_key, c.sector
			ORDER BY c.norm DESC, c.id) AS heads FROM c)
	SELECT q.group_key, q.id, q.norm, q.r::integer FROM (SELECT t.*,
		row_number() OVER (PARTITION BY t.group_key ORDER BY NOT t.heads, t.norm DESC, t.id) AS r FROM t) q
	WHERE q.r <= q.k
$$;
CREATE FUNCTION same_as_old(m text, fraction double precision) RETURNS boolean LANGUAGE sql AS $$
	SELECT (SELECT array_agg(s ORDER BY s.group_key, s.rank) FROM hack_select(m, fraction, 'diverse') s)
		= (SELECT array_agg(o ORDER BY o.group_key, o.rank) FROM old_diverse(m, fraction) o)
$$;
SELECT m, bool_and(same_as_old(m, f)) AS unchanged FROM unnest(ARRAY['synth', 'bylabel']) m,
	unnest(ARRAY[0.01, 0.1, 0.25, 0.5, 1]) f GROUP BY m ORDER BY m;
-- models of other dimensions, as the superuser writes them: synth's row with another name and
-- dimension, and constructed embeddings
CREATE FUNCTION fake_model(name text, d integer, pts double precision[][]) RETURNS void LANGUAGE sql AS $$
	INSERT INTO hack.models SELECT (jsonb_populate_record(m, jsonb_build_object('model', name, 'dim', d))).*
		FROM hack.models m WHERE m.model = 'synth';
	INSERT INTO hack.embeddings (model, group_key, id, embedding, norm, owner, source, dim)
	SELECT name, '', i, p, poincare_norm(p), m.owner, m.source, d
	FROM hack.models m, generate_subscripts(pts, 1) i,
		LATERAL (SELECT array_agg(pts[i][j] ORDER BY j)::poincare_point AS p FROM generate_subscripts(pts, 2) j) q
	WHERE m.model = 'synth';
$$;
-- on the line: the two signs, as before
SELECT fake_model('line', 1, (SELECT array_agg(ARRAY[(0.9 - 0.01 * i) * (-1) ^ (i % 3)] ORDER BY i) FROM generate_series(1, 30) i));
SELECT bool_and(same_as_old('line', f)) AS line_unchanged FROM unnest(ARRAY[0.01, 0.1, 0.25, 0.5, 1]) f;
-- in 3-D, 41 directions on a half circle through the pole whose first two coordinates all have
-- the angle 45 degrees: phi from -80 to 80 degrees, the norm largest at phi = 60.  The first two
-- coordinates put them all in one sector, so the old way picked the five largest norms, 4
-- degrees apart; the cells spread them over the half circle
SELECT fake_model('tilted', 3, (SELECT array_agg(ARRAY[r * cosd(phi) / sqrt(2), r * cosd(phi) / sqrt(2), r * sind(phi)] ORDER BY phi)
	FROM generate_series(-80, 80, 4) phi, LATERAL (SELECT 0.9 - 0.005 * abs(phi - 60) / 4 AS r) q));
CREATE FUNCTION min_angle(m text, pick text) RETURNS double precision LANGUAGE sql AS $$
	WITH s AS (SELECT e.id, e.embedding::double precision[] AS x FROM hack.embeddings e
		WHERE e.model = m AND e.id IN (SELECT id FROM hack_select(m, 5 / 41.0, 'diverse') WHERE pick = 'new'
			UNION ALL SELECT id FROM old_diverse(m, 5 / 41.0) WHERE pick = 'old'))
	SELECT min(acosd(least(1, (a.x[1] * b.x[1] + a.x[2] * b.x[2] + a.x[3] * b.x[3])
		/ sqrt((a.x[1] ^ 2 + a.x[2] ^ 2 + a.x[3] ^ 2) * (b.x[1] ^ 2 + b.x[2] ^ 2 + b.x[3] ^ 2)))))
	FROM s a JOIN s b ON a.id < b.id
$$;
SELECT round(min_angle('tilted', 'old')) AS old_min_angle, round(min_angle('tilted', 'new')) AS new_min_angle;
-- the picks, in rank order: the largest norm (phi = 60) first, then the largest norm of each
-- other cell
SELECT s.rank, s.id, -84 + 4 * s.id AS phi FROM hack_select('tilted', 5 / 41.0, 'diverse') s ORDER BY s.rank;
SELECT count(*), count(DISTINCT id) FROM hack_select('tilted', 1, 'diverse');
SELECT hack_drop_model(m) FROM unnest(ARRAY['line', 'tilted']) m;
-- the cells themselves: the axes of 3-space, +x first, then its opposite, then the others in order
SELECT poincare_direction_cells('{"(0.5,0,0)","(0,0.3,0)","(0,0,0.2)","(-0.1,0,0)","(0,-0.4,0)","(0,0,-0.6)","(0.3,0.01,0)"}', 6);
SELECT poincare_direction_cells('{"(0.5,0,0)","(0,0.3,0)","(0,0,0.2)"}', 2);
SELECT poincare_direction_cells('{"(0.5,0,0)","(0,0.3,0)"}', 3);
SELECT poincare_direction_cells('{"(0.5,0,0)","(0,0.3,0)"}', 0);
SELECT poincare_direction_cells('{}', 1);
SELECT poincare_direction_cells('{"(0.5,0,0)",NULL}', 1);
SELECT poincare_direction_cells('{"(0.5,0,0)","(0,0.3)"}', 1);
\set VERBOSITY sqlstate
SELECT poincare_direction_cells('{"(0.5,0,0)","(0,0.3,0)"}', 3);
\set VERBOSITY default
DROP FUNCTION min_angle(text, text), fake_model(text, integer, double precision[]),
	same_as_old(text, double precision), old_diverse(text, double precision);

-- k-NN density: equals a brute-force computation, and falls as the norm grows
CREATE TEMP TABLE brute AS
SELECT e.id, (SELECT d FROM (SELECT e.embedding <-> f.embedding AS d FROM hack.embeddings f
		WHERE f.model = 'synth' AND f.id <> e.id ORDER BY 1 LIMIT 5) s ORDER BY d DESC LIMIT 1) AS r5
FROM hack.embeddings e WHERE e.model = 'synth';
SELECT count(*) AS rows, max(abs(d.knn_radius - b.r5)) < 1e-12 AS radius_matches,
	max(abs(d.density - 5.0 / 128 / (4 * pi() * sinh(b.r5 / 2) ^ 2)) / d.density) < 1e-9 AS density_matches
FROM hack_knn_density('synth', 5) d JOIN brute b USING (id);
SELECT corr(norm, ln(density)) < 0 AS density_falls_with_norm FROM hack_knn_density('synth', 5);
SELECT * FROM hack_knn_density('synth', 0);
SELECT * FROM hack_knn_density('synth', 1000);
SELECT * FROM hack_knn_density('nope', 5);
