-- assignment: hungarian(), hungarian_agg(), hack_assign()
SET extra_float_digits = 0;

-- the example of the issue: rows 1, 2, 3 take columns 2, 1, 3 (total 5)
SELECT * FROM hungarian('{{4,1,3},{2,0,5},{3,2,2}}');
SELECT * FROM hungarian('{{4,1,3},{2,0,5},{3,2,2}}', maximize => true);
SELECT sum(cost) FROM hungarian('{{4,1,3},{2,0,5},{3,2,2}}');
-- rectangular both ways: every row (resp. column) of the short side is matched
SELECT * FROM hungarian('{{9,1,7,3},{8,2,1,4}}');
SELECT * FROM hungarian('{{9,8},{1,2},{7,1},{3,4}}');
SELECT * FROM hungarian('{{5}}');
-- Infinity forbids a pair; subscripts follow the array's lower bounds
SELECT * FROM hungarian('{{1,Infinity},{1,2}}');
SELECT * FROM hungarian('[0:1][5:6]={{1,9},{9,1}}');
-- ties and negative costs
SELECT sum(cost), count(*) FROM hungarian('{{0,0,0},{0,0,0},{0,0,0}}');
SELECT * FROM hungarian('{{-1,-2},{-3,-1}}');
-- a seeded random 60 x 40 problem: same optimum as its transpose
SELECT setseed(0.42);
CREATE TEMP TABLE m AS
	SELECT array_agg(r ORDER BY i) AS c FROM (
		SELECT i, array_agg(round(random() * 100) ORDER BY j)::float8[] AS r
		FROM generate_series(1, 60) i, generate_series(1, 40) j GROUP BY i) s;
CREATE TEMP TABLE mt AS
	SELECT array_agg(r ORDER BY j) AS c FROM (
		SELECT j, array_agg(c[i][j] ORDER BY i) AS r
		FROM m, generate_series(1, 60) i, generate_series(1, 40) j GROUP BY j) s;
SELECT (SELECT sum(cost) FROM m, hungarian(m.c)) = (SELECT sum(cost) FROM mt, hungarian(mt.c)) AS same_optimum,
	(SELECT count(*) FROM m, hungarian(m.c)) AS pairs,
	(SELECT count(DISTINCT row_index) FROM m, hungarian(m.c)) AS distinct_rows;

-- from a PL/pgSQL variable (an expanded array), before and after changing it
CREATE FUNCTION pg_temp.via_variable() RETURNS text LANGUAGE plpgsql AS $$
DECLARE m float8[] := '{{4,1,3},{2,0,5},{3,2,2}}'; a float8; b float8;
BEGIN
	SELECT sum(cost) INTO a FROM hungarian(m);
	m[1][2] := 10;
	SELECT sum(cost) INTO b FROM hungarian(m);
	RETURN a || ' then ' || b;
END $$;
SELECT pg_temp.via_variable();

-- hungarian_agg over an edge list, whole table and per group
CREATE TEMP TABLE edges(batch int, img bigint, particle bigint, cost float8);
INSERT INTO edges VALUES
	(1, 10, 100, 4), (1, 10, 101, 1), (1, 10, 102, 3),
	(1, 11, 100, 2), (1, 11, 101, 0), (1, 11, 102, 5),
	(1, 12, 100, 3), (1, 12, 101, 2), (1, 12, 102, 2),
	(2, 20, 200, 1), (2, 21, 200, 5), (2, 21, 201, 7),
	(3, 30, 300, NULL), (3, 30, 301, 2);
SELECT m.* FROM unnest((SELECT hungarian_agg(img, particle, cost) FROM edges WHERE batch = 1)) m;
SELECT batch, (unnest(hungarian_agg(img, particle, cost))).* FROM edges GROUP BY batch ORDER BY 1, 2;
SELECT hungarian_agg(img, particle, cost) FROM edges WHERE batch = 2;
SELECT hungarian_agg(img, particle, cost) = hungarian_agg(img, particle, cost) AS shared_state FROM edges WHERE batch = 1;
SELECT hungarian_agg(img, particle, cost) IS NULL AS no_edges FROM edges WHERE false;
SELECT hungarian_agg(img, particle, cost) FROM edges WHERE batch = 1 AND img = 10;
-- more rows than columns: every column is matched
SELECT hungarian_agg(g, 1, g * 1.5) FROM generate_series(1, 5) g;

-- hack_assign by Poincaré distance
SELECT * FROM hack_assign(ARRAY['(0.5,0)', '(-0.5,0)', '(0,0.5)']::poincare_point[],
	ARRAY['(0,0.45)', '(0.45,0)', '(-0.45,0)']::poincare_point[]);
SELECT point_index, target_index, round(distance::numeric, 12) AS distance
FROM hack_assign(ARRAY['(0.1,0.2,0.3)', '(0.9,0,0)']::poincare_point[],
	ARRAY['(0.8,0,0)', '(0,0,0)', '(0.1,0.2,0.31)']::poincare_point[]);
SELECT * FROM hack_assign(ARRAY['(0.5,0)', '(-0.5,0)', '(0,0.5)']::poincare_point[],
	ARRAY['(0,0.45)']::poincare_point[]);
SELECT count(*) FROM hack_assign('{}', ARRAY['(0.1)']::poincare_point[]);

-- bad input
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN EXECUTE q; RETURN 'ok'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END$$;
SELECT * FROM hungarian('{{1,NaN},{1,2}}');
SELECT * FROM hungarian('{{1,-Infinity},{1,2}}');
SELECT * FROM hungarian('{{1,1e300},{1,2}}');
SELECT * FROM hungarian('{1,2,3}');
SELECT * FROM hungarian('{}');
SELECT * FROM hungarian('{{{1}}}');
SELECT * FROM hungarian('{{1,2},{3}}');
SELECT * FROM hungarian('{{1,NULL},{3,4}}');
SELECT * FROM hungarian('{{1,2},{Infinity,Infinity}}');
SELECT * FROM hungarian('{{1,Infinity},{2,Infinity}}');
SELECT * FROM hungarian(NULL);
SELECT hungarian_agg(img, particle, cost) FROM (VALUES (1, 1, 1.0), (1, 2, 2.0), (1, 1, 3.0)) e(img, particle, cost);
SELECT hungarian_agg(img, particle, cost) FROM (VALUES (1, 1, 'NaN'::float8)) e(img, particle, cost);
SELECT hungarian_agg(img, particle, cost) FROM (VALUES (1, 1, '-Infinity'::float8)) e(img, particle, cost);
SELECT hungarian_agg(img, particle, cost) FROM (VALUES (1, 1, 1.0), (2, 1, 'Infinity')) e(img, particle, cost);
SELECT hungarian_agg(img, particle, cost) FROM (VALUES (1, 1, 1.0), (2, 1, 2.0), (3, 2, 5.0), (4, 2, 1.0)) e(img, particle, cost);
SELECT hungarian_agg(img, particle, cost) FROM (VALUES (1, 1, 1.0), (2, 1, 2.0), (1, 2, 'Infinity'), (2, 2, 'Infinity')) e(img, particle, cost);
SELECT * FROM hack_assign(ARRAY['(0.1,0.2)', '(0.3)']::poincare_point[], ARRAY['(0.1,0.2)']::poincare_point[]);
SELECT * FROM hack_assign(ARRAY['(0.1,0.2)']::poincare_point[], ARRAY['(0.1,0.2)', '(0.3,0,0)']::poincare_point[]);
SELECT * FROM hack_assign(ARRAY['(0.1,0.2)', NULL]::poincare_point[], ARRAY['(0.1,0.2)']::poincare_point[]);
SELECT q, pg_temp.sqlstate_of(q) FROM unnest(ARRAY[
	$$SELECT * FROM hungarian('{{1,NaN},{1,2}}')$$,
	$$SELECT * FROM hungarian('{{1,-Infinity},{1,2}}')$$,
	$$SELECT * FROM hungarian('{{1,1e300},{1,2}}')$$,
	$$SELECT * FROM hungarian('{1,2,3}')$$,
	$$SELECT * FROM hungarian('{}')$$,
	$$SELECT * FROM hungarian('{{1,2},{3}}')$$,
	$$SELECT * FROM hungarian('{{1,NULL},{3,4}}')$$,
	$$SELECT * FROM hungarian('{{1,2},{Infinity,Infinity}}')$$,
	$$SELECT hungarian_agg(r, c, w) FROM (VALUES (1, 1, 1.0), (1, 1, 3.0)) e(r, c, w)$$,
	$$SELECT hungarian_agg(r, c, w) FROM (VALUES (1, 1, 'NaN'::float8)) e(r, c, w)$$,
	$$SELECT hungarian_agg(r, c, w) FROM (VALUES (1, 1, 1.0), (2, 1, 'Infinity')) e(r, c, w)$$,
	$$SELECT * FROM hack_assign(ARRAY['(0.1,0.2)', '(0.3)']::poincare_point[], ARRAY['(0.1,0.2)']::poincare_point[])$$,
	$$SELECT * FROM hack_assign(ARRAY['(0.1,0.2)', NULL]::poincare_point[], ARRAY['(0.1,0.2)']::poincare_point[])$$]) q;

-- the size limit: the cost matrix must fit in maintenance_work_mem (54000)
SET maintenance_work_mem = '1MB';
SELECT count(*) FROM hungarian(array_fill(1.0::float8, ARRAY[362, 362]));
SELECT count(*) FROM hungarian(array_fill(1.0::float8, ARRAY[363, 363]));
SELECT pg_temp.sqlstate_of($$SELECT count(*) FROM hungarian(array_fill(1.0::float8, ARRAY[400, 400]))$$);
SELECT pg_temp.sqlstate_of($$SELECT hungarian_agg(i, j, 1) FROM generate_series(1, 400) i, generate_series(1, 400) j$$);
SELECT pg_temp.sqlstate_of($$SELECT count(*) FROM hack_assign(array_fill('(0.1)'::poincare_point, ARRAY[400]), array_fill('(0.2)'::poincare_point, ARRAY[400]))$$);
RESET maintenance_work_mem;
