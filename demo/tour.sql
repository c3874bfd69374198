-- demo/tour.sql: a short tour of hack's SQL surface on synthetic embeddings.
-- Run by demo/run.sh; safe to re-run.
\set ON_ERROR_STOP on
\pset footer off
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS hack;

\echo
\echo '== Points of the Poincare ball, distances and norms'
SELECT '(0.1,-0.25)'::poincare_point AS p,
	round(('(0.1,-0.25)'::poincare_point <-> '(0.6,0.3)')::numeric, 4) AS distance,
	round(poincare_norm('(0.1,-0.25)')::numeric, 4) AS norm_of_p,
	round(poincare_norm('(0.999,0)')::numeric, 4) AS norm_near_boundary;

\echo
\echo '== A synthetic embedding table: 3 classes, typical rows near the origin, 5% outliers near the boundary'
DROP TABLE IF EXISTS tour_embeddings;
CREATE TABLE tour_embeddings AS
SELECT id, label,
	expmap0(ARRAY[r * cos(a), r * sin(a)])::poincare_point(2) AS emb
FROM (SELECT id, id % 3 AS label,
		CASE WHEN id % 20 = 0 THEN 3.5 + (id % 7) * 0.1 ELSE 0.2 + (id % 13) * 0.12 END AS r,
		(id % 3) * 2.094 + ((id * 7919) % 1000) / 1000.0 AS a
	FROM generate_series(1, 3000) id) s;

\echo
\echo '== The 5 most typical and the 5 most atypical rows of class 0 (ORDER BY hyperbolic norm)'
(SELECT 'typical' AS kind, id, round(poincare_norm(emb)::numeric, 3) AS norm
	FROM tour_embeddings WHERE label = 0 ORDER BY poincare_norm(emb) LIMIT 5)
UNION ALL
(SELECT 'atypical', id, round(poincare_norm(emb)::numeric, 3)
	FROM tour_embeddings WHERE label = 0 ORDER BY poincare_norm(emb) DESC LIMIT 5);

\echo
\echo '== Class centres (Einstein midpoints) and spread'
SELECT label, poincare_midpoint(emb) AS centre,
	round(avg(poincare_norm(emb))::numeric, 3) AS mean_norm, count(*)
FROM tour_embeddings GROUP BY label ORDER BY label;

\echo
\echo '== The 10% most atypical rows of each class'
SELECT label, count(*) AS selected, min(norm) AS threshold_norm FROM (
	SELECT label, round(poincare_norm(emb)::numeric, 3) AS norm,
		percent_rank() OVER (PARTITION BY label ORDER BY poincare_norm(emb) DESC) AS pr
	FROM tour_embeddings) s
WHERE pr < 0.1 GROUP BY label ORDER BY label;
