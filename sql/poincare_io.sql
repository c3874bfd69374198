-- poincare_point: text and binary I/O, typmod, casts, validation
SET extra_float_digits = 1;

-- literals round-trip with shortest exact digits
SELECT '(0.1,-0.25)'::poincare_point;
SELECT '  ( 0.5 ,	-0.5 )  '::poincare_point;
SELECT '(0)'::poincare_point;
SELECT '(0.30000000000000004,0.1)'::poincare_point;
SELECT '(1e-300,-0.9999999)'::poincare_point;
SELECT '(0.1,0.2,0.3,0.4,0.5)'::poincare_point;
SELECT p::text::poincare_point = p AS round_trip
FROM (SELECT ARRAY[random() * 0.7, random() * -0.7]::poincare_point AS p FROM generate_series(1, 1000)) s
GROUP BY 1;
SELECT poincare_dim('(0.1,0.2,0.3)');

-- extra_float_digits <= 0 prints float8out's rounded digits
SET extra_float_digits = 0;
SELECT '(0.30000000000000004,0.1)'::poincare_point;
SET extra_float_digits = 1;

-- malformed literals: 22P02
SELECT '('::poincare_point;
SELECT '()'::poincare_point;
SELECT '(1,)'::poincare_point;
SELECT '(,1)'::poincare_point;
SELECT ''::poincare_point;
SELECT '0.1,0.2'::poincare_point;
SELECT '(0.1 0.2)'::poincare_point;
SELECT '(0.1,0.2'::poincare_point;
SELECT '(0.1,0.2))'::poincare_point;
SELECT '(0.1,0.2) x'::poincare_point;
SELECT '[0.1,0.2)'::poincare_point;
SELECT '(abc)'::poincare_point;
SELECT '(0.1,,0.2)'::poincare_point;
SELECT repeat('garbage!', 12800)::poincare_point;
SELECT ('(' || repeat('x', 102400) || ')')::poincare_point;

-- values out of range or outside the ball: 22003
SELECT '(nan,0)'::poincare_point;
SELECT '(inf,0)'::poincare_point;
SELECT '(-Infinity,0)'::poincare_point;
SELECT '(1e400,0)'::poincare_point;
SELECT '(1e-400,0)'::poincare_point;
SELECT '(0.8,0.8)'::poincare_point;
SELECT '(1,0)'::poincare_point;
SELECT '(-1)'::poincare_point;

-- dimension limits: 1,024 is the most, 54000 beyond
SELECT poincare_dim(('(' || array_to_string(array_fill(0, ARRAY[1024]), ',') || ')')::poincare_point);
SELECT ('(' || array_to_string(array_fill(0, ARRAY[1025]), ',') || ')')::poincare_point;

-- typmod
CREATE TABLE pts (id int, p poincare_point(2));
INSERT INTO pts VALUES (1, '(0.1,0.2)'), (2, '(-0.5,0.5)');
INSERT INTO pts VALUES (3, '(0.1,0.2,0.3)');
INSERT INTO pts VALUES (3, ARRAY[0.1, 0.2, 0.3]);
SELECT '(0.1,0.2)'::poincare_point(2);
SELECT '(0.1,0.2)'::poincare_point(3);
SELECT '(0.1)'::poincare_point(0);
SELECT '(0.1)'::poincare_point(1025);
SELECT '(0.1)'::poincare_point(1, 2);
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'pts'::regclass AND attname = 'p';

-- casts from and to arrays
SELECT ARRAY[0.25, -0.5]::float8[]::poincare_point;
SELECT ARRAY[0.25, -0.5]::real[]::poincare_point;
SELECT ARRAY[0.25, -0.5]::poincare_point;
SELECT ARRAY[0, 0]::poincare_point;
SELECT '(0.25,-0.5)'::poincare_point::float8[];
INSERT INTO pts VALUES (4, ARRAY[0.3, 0.4]::float8[]);
SELECT ARRAY[]::float8[]::poincare_point;
SELECT ARRAY[0.1, NULL]::float8[]::poincare_point;
SELECT ARRAY[[0.1, 0.2], [0.3, 0.4]]::float8[]::poincare_point;
SELECT ARRAY[0.8, 0.8]::float8[]::poincare_point;
SELECT ARRAY['nan', 0]::float8[]::poincare_point;
SELECT ARRAY['NaN'::numeric, 0]::poincare_point;
SELECT ARRAY[1, 0]::poincare_point;
SELECT ARRAY['inf', 0]::real[]::poincare_point;
SELECT ARRAY[0.1, 0.2, 0.3]::float8[]::poincare_point(2);
SELECT array_fill(0::float8, ARRAY[1025])::poincare_point;

-- binary send/receive through COPY BINARY
CREATE TABLE pts_copy (LIKE pts);
COPY pts TO '/tmp/hack_regress_pts.bin' (FORMAT binary);
COPY pts_copy FROM '/tmp/hack_regress_pts.bin' (FORMAT binary);
SELECT a.id, a.p = b.p AS same FROM pts a JOIN pts_copy b USING (id) ORDER BY id;
SELECT poincare_point_send('(0.5,-0.25)');

-- crafted binary files: header, one tuple with one field, trailer
CREATE FUNCTION write_copy_file(payload bytea) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	file bytea := '\x5047434f50590aff0d0a00'::bytea || '\x0000000000000000'::bytea
		|| '\x0001'::bytea || int4send(length(payload)) || payload || '\xffff'::bytea;
	lo oid := lo_from_bytea(0, file);
BEGIN
	PERFORM lo_export(lo, '/tmp/hack_regress_bad.bin');
	PERFORM lo_unlink(lo);
END $$;
CREATE TABLE one (p poincare_point);
SELECT write_copy_file(poincare_point_send('(0.5,-0.25)'));
COPY one FROM '/tmp/hack_regress_bad.bin' (FORMAT binary);
SELECT * FROM one;
-- truncated coordinates
SELECT write_copy_file(substr(poincare_point_send('(0.5,-0.25)'), 1, 12));
COPY one FROM '/tmp/hack_regress_bad.bin' (FORMAT binary);
-- dimension 0 and 2000
SELECT write_copy_file('\x00000000'::bytea);
COPY one FROM '/tmp/hack_regress_bad.bin' (FORMAT binary);
SELECT write_copy_file('\x07d00000'::bytea || float8send(0));
COPY one FROM '/tmp/hack_regress_bad.bin' (FORMAT binary);
-- reserved flags set
SELECT write_copy_file('\x00010001'::bytea || float8send(0.5));
COPY one FROM '/tmp/hack_regress_bad.bin' (FORMAT binary);
-- outside the ball, and NaN
SELECT write_copy_file('\x00010000'::bytea || float8send(1.5));
COPY one FROM '/tmp/hack_regress_bad.bin' (FORMAT binary);
SELECT write_copy_file('\x00010000'::bytea || float8send('nan'));
COPY one FROM '/tmp/hack_regress_bad.bin' (FORMAT binary);
-- shorter than the header (dimension and flags): 22P03 like any bad binary input
SELECT write_copy_file('\x'::bytea);
COPY one FROM '/tmp/hack_regress_bad.bin' (FORMAT binary);
SELECT write_copy_file('\x000100'::bytea);
COPY one FROM '/tmp/hack_regress_bad.bin' (FORMAT binary);
-- into a typmod column with the wrong dimension
CREATE TABLE one3 (p poincare_point(3));
SELECT write_copy_file(poincare_point_send('(0.5,-0.25)'));
COPY one3 FROM '/tmp/hack_regress_bad.bin' (FORMAT binary);
SELECT count(*) FROM one;

-- the SQLSTATE of every kind of bad input
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN EXECUTE q; RETURN 'ok'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END$$;
SELECT left(lit, 16) AS literal, pg_temp.sqlstate_of(format('SELECT %L::poincare_point', lit))
FROM unnest(ARRAY['(', '()', '(1,)', '', '(0.1 0.2)', '(0.1,0.2) x', repeat('?', 102400),
	'(nan,0)', '(inf,0)', '(1e400,0)', '(1e-400,0)', '(0.8,0.8)', '(1,0)',
	'(' || array_to_string(array_fill(0, ARRAY[1025]), ',') || ')']) lit;
SELECT q, pg_temp.sqlstate_of(q) FROM unnest(ARRAY[
	$$SELECT ARRAY[]::float8[]::poincare_point$$,
	$$SELECT ARRAY[0.1, NULL]::float8[]::poincare_point$$,
	$$SELECT ARRAY[[0.1, 0.2]]::float8[]::poincare_point$$,
	$$SELECT ARRAY['nan'::float8]::poincare_point$$,
	$$SELECT ARRAY[0.1, 0.2]::poincare_point(3)$$,
	$$SELECT '(0.1)'::poincare_point(0)$$]) q;
