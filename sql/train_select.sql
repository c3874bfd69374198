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
