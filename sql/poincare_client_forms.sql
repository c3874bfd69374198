-- poincare_point in the forms client tools write (doc/clients.md): the
-- bracketed literal "[x1,...,xn]" of Python's str(list), JSON.stringify and
-- pgvector, and real[] both ways as float8[]
SET extra_float_digits = 1;

-- brackets read as parentheses do; the output stays "(x1,...,xn)"
SELECT '[0.1,-0.25]'::poincare_point;
SELECT ' [ 0.5 ,	-0.5 ] '::poincare_point;
SELECT '[0]'::poincare_point;
SELECT '[1e-300, -0.9999999]'::poincare_point;
SELECT '[0.1, 0.2]'::poincare_point = '(0.1,0.2)' AS same;
SELECT (to_jsonb(ARRAY[0.25, -0.5]))::text::poincare_point AS from_jsonb;
SELECT '[0.1,0.2]'::poincare_point(2);
SELECT translate(p::text, '()', '[]')::poincare_point = p AS round_trip
FROM (SELECT ARRAY[random() * 0.7, random() * -0.7]::poincare_point AS p FROM generate_series(1, 1000)) s
GROUP BY 1;
SELECT poincare_dim(('[' || array_to_string(array_fill(0, ARRAY[1024]), ',') || ']')::poincare_point);

-- malformed: 22P02, the same grammar as in parentheses and no mixing
SELECT '['::poincare_point;
SELECT '[]'::poincare_point;
SELECT '[1,]'::poincare_point;
SELECT '[0.1 0.2]'::poincare_point;
SELECT '[0.1,0.2'::poincare_point;
SELECT '[0.1,0.2]]'::poincare_point;
SELECT '[0.1,0.2] x'::poincare_point;
SELECT '(0.1,0.2]'::poincare_point;
SELECT '[0.1,0.2)'::poincare_point;
SELECT '[[0.1,0.2]]'::poincare_point;
SELECT '{0.1,0.2}'::poincare_point;
SELECT '[np.float64(0.1)]'::poincare_point;
SELECT ('[' || repeat('x', 102400) || ']')::poincare_point;

-- out of range or outside the ball: 22003; too many dimensions: 54000
SELECT '[nan,0]'::poincare_point;
SELECT '[Infinity]'::poincare_point;
SELECT '[1e400,0]'::poincare_point;
SELECT '[0.8,0.8]'::poincare_point;
SELECT '[1,0]'::poincare_point;
SELECT ('[' || array_to_string(array_fill(0, ARRAY[1025]), ',') || ']')::poincare_point;
SELECT ('[' || repeat('0,', 1000000) || '0]')::poincare_point;
SELECT '[0.1,0.2]'::poincare_point(3);

-- real[] both ways, as float8[]: the casts and their contexts
SELECT format_type(castsource, NULL) AS source, format_type(casttarget, NULL) AS target, castcontext
FROM pg_cast WHERE 'poincare_point'::regtype IN (castsource, casttarget)
	AND castsource <> casttarget ORDER BY 1, 2;
SELECT '(0.25,-0.5)'::poincare_point::real[];
SELECT '(0.1,0.2)'::poincare_point::real[];
SELECT ARRAY[0.1, 0.2]::real[]::poincare_point;
SELECT '(0.1,0.2)'::poincare_point::real[]::poincare_point::real[] = ARRAY[0.1, 0.2]::real[] AS float32_round_trip;
CREATE TABLE f4 (id int, v real[], p poincare_point(2));
INSERT INTO f4 VALUES (1, '(0.5,0.25)'::poincare_point, ARRAY[0.5, 0.25]::real[]);
SELECT id, v, p FROM f4;
-- near the boundary a coordinate may round to 1 in single precision: the
-- real[] is fine, a point again it is not (22003)
SELECT '(0.99999999)'::poincare_point::real[];
SELECT '(0.99999999)'::poincare_point::real[]::poincare_point;
-- a coordinate that rounds to 0 is an error, as float8 -> real is (22003)
SELECT '(1e-300,0.5)'::poincare_point::real[];
SELECT ARRAY[1e-300::float8]::real[];
SELECT '(-0,0.5)'::poincare_point::real[];

-- bad real[]: the checks of float8[]
SELECT ARRAY[0.1, NULL]::real[]::poincare_point;
SELECT ARRAY[[0.1, 0.2], [0.3, 0.4]]::real[]::poincare_point;
SELECT ARRAY[]::real[]::poincare_point;
SELECT ARRAY['nan', 0]::real[]::poincare_point;
SELECT ARRAY[0.8, 0.8]::real[]::poincare_point;
SELECT array_fill(0::real, ARRAY[1025])::poincare_point;
SELECT ARRAY[0.1, 0.2, 0.3]::real[]::poincare_point(2);

-- the SQLSTATE of every kind of bad input
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN EXECUTE q; RETURN 'ok'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END$$;
SELECT left(lit, 16) AS literal, pg_temp.sqlstate_of(format('SELECT %L::poincare_point', lit))
FROM unnest(ARRAY['[', '[]', '[1,]', '[0.1 0.2]', '[0.1,0.2)', '(0.1,0.2]', '[[0.1]]', '[0.1] x',
	'[nan,0]', '[inf]', '[1e400,0]', '[1e-400,0]', '[0.8,0.8]', '[1,0]',
	'[' || array_to_string(array_fill(0, ARRAY[1025]), ',') || ']', '[0.1,0.2]']) lit;
SELECT q, pg_temp.sqlstate_of(q) FROM unnest(ARRAY[
	$$SELECT ARRAY[0.1, NULL]::real[]::poincare_point$$,
	$$SELECT ARRAY[[0.1, 0.2]]::real[]::poincare_point$$,
	$$SELECT ARRAY[]::real[]::poincare_point$$,
	$$SELECT ARRAY['nan'::real]::poincare_point$$,
	$$SELECT ARRAY[0.8, 0.8]::real[]::poincare_point$$,
	$$SELECT array_fill(0::real, ARRAY[1025])::poincare_point$$,
	$$SELECT ARRAY[0.1, 0.2]::real[]::poincare_point(3)$$,
	$$SELECT '(1e-300,0.5)'::poincare_point::real[]$$,
	$$SELECT '(0.99999999)'::poincare_point::real[]::poincare_point$$]) q;
