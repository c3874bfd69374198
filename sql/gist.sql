-- hball type and the GiST index on poincare_point (KNN by <->, ball search by <@)
SET extra_float_digits = 0;

-- hball: text form, constructor, accessors
SELECT '<(0,0),1.5>'::hball, ' < ( 0.1 , -0.2 ) , 2e-1 > '::hball, '<(0.5),0>'::hball;
SELECT hball('(0.1,0.2)', 2), hball_center('<(0.1,0.2),3>'), hball_radius('<(0.1,0.2),3>');
SELECT '<(0.1,0.2),-0>'::hball, hball('(0.1,0.2)', '-0');
SELECT '<(0.1,0.2),1.5>'::hball::text::hball;
SELECT hball_send('<(0.5,-0.25),1.5>');

-- containment: distance to the centre <= radius (2 artanh 0.5 = 1.0986...)
SELECT '(0.5,0)'::poincare_point <@ '<(0,0),1.1>'::hball, '(0.5,0)'::poincare_point <@ '<(0,0),1.09>'::hball;
SELECT '<(0,0),1.1>'::hball @> '(0.5,0)'::poincare_point, '<(0,0),1.09>'::hball @> '(0.5,0)'::poincare_point;
SELECT '(0.3,0.1)'::poincare_point <@ '<(0.3,0.1),0>'::hball AS centre_in_radius_0;
SELECT '(0.9999999,0)'::poincare_point <@ hball('(0,0)', poincare_norm('(0.9999999,0)')) AS on_the_sphere;

-- malformed literals: 22P02
SELECT ''::hball;
SELECT '<'::hball;
SELECT '(0,0),1'::hball;
SELECT '<(0,0)>'::hball;
SELECT '<(0,0),>'::hball;
SELECT '<(0,0) 1>'::hball;
SELECT '<(0,0),1'::hball;
SELECT '<(0,0),1>x'::hball;
SELECT '<0,0,1>'::hball;
SELECT '<(),1>'::hball;
SELECT '<(0,0),abc>'::hball;
SELECT '<(0,0),1,2>'::hball;
-- bad radius or centre: 22003
SELECT '<(0,0),-1>'::hball;
SELECT '<(0,0),nan>'::hball;
SELECT '<(0,0),inf>'::hball;
SELECT '<(0,0),1e400>'::hball;
SELECT '<(1,0),1>'::hball;
SELECT hball('(0,0)', -0.5);
SELECT hball('(0,0)', 'nan');
SELECT hball('(0,0)', '-inf');
-- dimension mismatch: false, not an error (the operators are LEAKPROOF: they
-- may run on rows row security hides, so they raise on none)
SELECT '(0.5)'::poincare_point <@ '<(0,0),1>'::hball;
SELECT '<(0,0,0),1>'::hball @> '(0.1,0.2)'::poincare_point;
SELECT '(0,0)'::poincare_point <@ '<(0,0,0),1>'::hball, '<(0),1>'::hball @> '(0,0)'::poincare_point;

-- binary input is re-validated: a bytea written by COPY BINARY is read back as an hball.
-- copy_in_hball writes bytes as the one field of a one-row binary file and
-- copies that file into hb; it returns state 00000, or the error of the COPY
-- and the first line of its context (the rest names this function)
CREATE TEMP TABLE hb (b hball);
CREATE FUNCTION pg_temp.copy_in_hball(bytes bytea,
	OUT state text, OUT message text, OUT detail text, OUT context text) LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('COPY (SELECT %L::bytea) TO %L (FORMAT binary)', bytes, '/tmp/hack_regress_gist_hball.bin');
	COPY hb FROM '/tmp/hack_regress_gist_hball.bin' (FORMAT binary);
	state := '00000';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
		detail = PG_EXCEPTION_DETAIL, context = PG_EXCEPTION_CONTEXT;
	context := split_part(context, E'\n', 1);
END$$;
SELECT * FROM pg_temp.copy_in_hball(hball_send('<(0.5,-0.25),1.5>'));
SELECT b FROM hb;
-- bad radius, centre, flags and lengths: each is refused by hball_recv
-- (input shorter than the header too is 22P03, not a protocol error)
SELECT input, r.* FROM (VALUES
	('radius -1', '\x00010000bff00000000000000000000000000000'::bytea),
	('radius NaN', '\x000100007ff80000000000000000000000000000'),
	('centre outside the ball', '\x000100003ff00000000000003ff0000000000000'),
	('flags 1', '\x000100013ff00000000000000000000000000000'),
	('truncated', '\x000100003ff0000000000000'),
	('shorter than the header', '\x0001')) v(input, bytes),
	LATERAL pg_temp.copy_in_hball(bytes) r;

-- SQLSTATEs
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN EXECUTE q; RETURN 'ok'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END$$;
SELECT q, pg_temp.sqlstate_of(q) FROM unnest(ARRAY[
	$$SELECT '<(0,0) 1>'::hball$$,
	$$SELECT '<(0,0),-1>'::hball$$,
	$$SELECT '<(0,0),nan>'::hball$$,
	$$SELECT hball('(0,0)', -1)$$]) q;

-- NULL in, NULL out
SELECT hball(NULL, 1), hball('(0.1)', NULL), '(0.1)'::poincare_point <@ NULL::hball;

-- the operator class
SELECT amvalidate(oid) FROM pg_opclass WHERE opcname = 'poincare_point_gist_ops';

-- 20,000 points spread over the disc and a cluster near the boundary, one NULL
CREATE TABLE gpts (id integer PRIMARY KEY, p poincare_point(2));
SELECT setseed(0.25);
-- uniform in hyperbolic area within hyperbolic radius 6: r = acosh(1 + u (cosh 6 - 1))
INSERT INTO gpts
SELECT i, expmap0(ARRAY[r / 2 * cos(a), r / 2 * sin(a)])
FROM (SELECT i, acosh(1 + random() * (cosh(6) - 1)) AS r, 2 * pi() * random() AS a
	  FROM generate_series(1, 18000) i) s;
INSERT INTO gpts
SELECT 18000 + i, ARRAY[(1 - 1e-6 * (1 + i % 7)) * cos(0.7 + i * 1e-5), (1 - 1e-6 * (1 + i % 7)) * sin(0.7 + i * 1e-5)]::poincare_point
FROM generate_series(1, 1999) i;
INSERT INTO gpts VALUES (20000, NULL);
CREATE INDEX gpts_p ON gpts USING gist (p);
VACUUM ANALYZE gpts;

-- plans: KNN from the origin, KNN from a point, ball search, index-only scan
EXPLAIN (COSTS OFF) SELECT id FROM gpts ORDER BY p <-> '(0,0)' LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM gpts ORDER BY p <-> '(0.3,-0.2)' LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM gpts WHERE p <@ '<(0.2,0.1),1.5>';
EXPLAIN (COSTS OFF) SELECT p FROM gpts ORDER BY p <-> '(0.3,-0.2)' LIMIT 5;
-- the commutator is indexable too
EXPLAIN (COSTS OFF) SELECT id FROM gpts WHERE '<(0.2,0.1),1.5>'::hball @> p;
SELECT count(*) FROM gpts WHERE '<(0.2,0.1),1.5>'::hball @> p;

-- each query with the index, then without; results must be identical (exact ties,
-- as mobius_scale(0.5, p) makes below, are compared as sets: sorted by id)
CREATE TEMP TABLE answers (query text, mode text, result text);
CREATE FUNCTION pg_temp.run_queries(mode text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO answers SELECT 'knn origin', mode, string_agg(id || ':' || round(d::numeric, 10), ' ' ORDER BY d, id)
		FROM (SELECT id, p <-> '(0,0)' AS d FROM gpts ORDER BY p <-> '(0,0)' LIMIT 100) s;
	INSERT INTO answers SELECT 'knn point', mode, string_agg(id || ':' || round(d::numeric, 10), ' ' ORDER BY d, id)
		FROM (SELECT id, p <-> '(0.3,-0.2)' AS d FROM gpts ORDER BY p <-> '(0.3,-0.2)' LIMIT 100) s;
	INSERT INTO answers SELECT 'knn boundary', mode, string_agg(id || ':' || round(d::numeric, 6), ' ' ORDER BY d, id)
		FROM (SELECT id, p <-> '(0.7648420,0.6442176)' AS d FROM gpts ORDER BY p <-> '(0.7648420,0.6442176)' LIMIT 10) s;
	INSERT INTO answers SELECT 'ball', mode, string_agg(id::text, ' ' ORDER BY id)
		FROM gpts WHERE p <@ '<(0.2,0.1),1.5>';
	INSERT INTO answers SELECT 'ball boundary', mode, count(*)
		FROM gpts WHERE p <@ hball('(0.7648420,0.6442176)', 14);
	INSERT INTO answers SELECT 'index-only', mode, string_agg(p::text, ' ' ORDER BY p <-> '(-0.5,0.5)', p)
		FROM (SELECT p FROM gpts ORDER BY p <-> '(-0.5,0.5)' LIMIT 5) s;
	INSERT INTO answers SELECT 'knn all', mode, string_agg(id::text, ' ' ORDER BY d, id)
		FROM (SELECT id, p <-> '(0.3,-0.2)' AS d FROM gpts ORDER BY p <-> '(0.3,-0.2)') s;
	INSERT INTO answers SELECT 'nulls last', mode,
		(SELECT id FROM gpts ORDER BY p <-> '(0,0)' OFFSET (SELECT count(*) - 1 FROM gpts));
END $$;
SET enable_seqscan = off; SET enable_sort = off;
SELECT pg_temp.run_queries('index');
RESET enable_seqscan; RESET enable_sort;
SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_indexonlyscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM gpts ORDER BY p <-> '(0,0)' LIMIT 10;
SELECT pg_temp.run_queries('seqscan');
RESET enable_indexscan; RESET enable_bitmapscan; RESET enable_indexonlyscan;
SELECT query, count(DISTINCT result) = 1 AS identical, length(min(result)) > 0 AS nonempty
	FROM answers GROUP BY query ORDER BY query;
SELECT id, round((p <-> '(0,0)')::numeric, 12) AS d FROM gpts ORDER BY p <-> '(0,0)' LIMIT 5;
SELECT id, round((p <-> '(0.3,-0.2)')::numeric, 12) AS d FROM gpts ORDER BY p <-> '(0.3,-0.2)' LIMIT 5;
SELECT count(*) FROM gpts WHERE p <@ '<(0.2,0.1),1.5>';
SELECT count(*) FROM gpts WHERE p <@ hball('(0.7648420,0.6442176)', 14);

-- after deletes, inserts (no sorted build: splits and penalties) and VACUUM
DELETE FROM gpts WHERE id % 3 = 0;
INSERT INTO gpts SELECT 100000 + id, mobius_scale(0.5, p) FROM gpts WHERE id % 5 = 1;
VACUUM gpts;
TRUNCATE answers;
SET enable_seqscan = off; SET enable_sort = off;
SELECT pg_temp.run_queries('index');
RESET enable_seqscan; RESET enable_sort;
SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_indexonlyscan = off;
SELECT pg_temp.run_queries('seqscan');
RESET enable_indexscan; RESET enable_bitmapscan; RESET enable_indexonlyscan;
SELECT query, count(DISTINCT result) = 1 AS identical FROM answers GROUP BY query ORDER BY query;

-- dimension mismatch between index and query: KNN is 22023 with and without
-- the index, a ball of another dimension holds no row with and without it
SELECT id FROM gpts ORDER BY p <-> '(0.1,0.2,0.3)' LIMIT 1;
EXPLAIN (COSTS OFF) SELECT id FROM gpts WHERE p <@ '<(0.1,0.2,0.3),1>';
SELECT id FROM gpts WHERE p <@ '<(0.1,0.2,0.3),1>';
SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_indexonlyscan = off;
SELECT id FROM gpts ORDER BY p <-> '(0.1,0.2,0.3)' LIMIT 1;
SELECT id FROM gpts WHERE p <@ '<(0.1,0.2,0.3),1>';
RESET enable_indexscan; RESET enable_bitmapscan; RESET enable_indexonlyscan;

-- values of different dimensions cannot share an index (22023)
CREATE TABLE gmixed (p poincare_point);
INSERT INTO gmixed SELECT CASE WHEN i % 2 = 0 THEN '(0.1,0.2)'::poincare_point ELSE '(0.1,0.2,0.3)' END
	FROM generate_series(1, 1000) i;
CREATE INDEX ON gmixed USING gist (p);
DROP TABLE gmixed;

-- an index built row by row (no sorted build) in 3 dimensions answers the same
CREATE TABLE gpts3 (id integer, p poincare_point);
CREATE INDEX ON gpts3 USING gist (p);
INSERT INTO gpts3 SELECT i, expmap0(ARRAY[sin(i), cos(3 * i), sin(7 * i)]) FROM generate_series(1, 3000) i;
SET enable_seqscan = off; SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT id FROM gpts3 ORDER BY p <-> '(0.1,0.1,0.1)' LIMIT 20;
SELECT (SELECT string_agg(id::text, ' ') FROM (SELECT id FROM gpts3 ORDER BY p <-> '(0.1,0.1,0.1)' LIMIT 20) s) AS with_index \gset
RESET enable_seqscan; RESET enable_sort;
SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_indexonlyscan = off;
SELECT string_agg(id::text, ' ') = :'with_index' AS identical FROM (SELECT id FROM gpts3 ORDER BY p <-> '(0.1,0.1,0.1)' LIMIT 20) s;
RESET enable_indexscan; RESET enable_bitmapscan; RESET enable_indexonlyscan;
DROP TABLE gpts, gpts3;
