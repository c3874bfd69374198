-- Lorentz model, entailment cones, the Einstein midpoint aggregate
SET extra_float_digits = 0;

SELECT to_lorentz('(0,0)');
SELECT to_lorentz('(0.5,0)');
SELECT from_lorentz(to_lorentz('(0.3,-0.2)'));
SELECT lorentz_distance(to_lorentz('(0.3,-0.2)'), to_lorentz('(-0.1,0.6)')),
	poincare_distance('(0.3,-0.2)', '(-0.1,0.6)') AS expected;
SELECT from_lorentz(ARRAY[-1, 0, 0]);
SELECT from_lorentz(ARRAY[2, 0, 0]);
SELECT from_lorentz(ARRAY[1]);
SELECT from_lorentz(ARRAY['nan'::float8, 0]);
SELECT lorentz_distance(ARRAY[1, 0], ARRAY[1, 0, 0]);

SELECT cone_half_aperture('(0.5,0)'), asin(0.1 * 0.75 / 0.5) AS expected;
SELECT cone_half_aperture('(0.5,0)', 0.5);
SELECT cone_half_aperture('(0.05,0)');
SELECT cone_half_aperture('(0,0)');
SELECT cone_half_aperture('(0.5,0)', 0);
SELECT cone_exterior_angle('(0.5,0)', '(0.8,0)') < 1e-7 AS on_axis;
SELECT cone_exterior_angle('(0.5,0)', '(0.5,0.3)') > cone_half_aperture('(0.5,0)') AS outside_cone;
SELECT cone_exterior_angle('(0,0)', '(0.5,0)');

-- Einstein midpoint
SELECT poincare_midpoint(p) FROM (VALUES ('(0.5,0)'::poincare_point), ('(-0.5,0)')) v(p);
SELECT poincare_midpoint(p) FROM (VALUES ('(0.3,0.4)'::poincare_point)) v(p);
SELECT poincare_midpoint(p) <-> poincare_geodesic('(0.1,0.6)', '(-0.5,-0.2)', 0.5) < 1e-12 AS two_point_midpoint
	FROM (VALUES ('(0.1,0.6)'::poincare_point), ('(-0.5,-0.2)')) v(p);
SELECT poincare_midpoint(p) FROM (SELECT NULL::poincare_point WHERE false) v(p);
SELECT poincare_midpoint(p) FROM (VALUES ('(0.5,0)'::poincare_point), (NULL)) v(p);
SELECT poincare_midpoint(p) FROM (VALUES ('(0.5,0)'::poincare_point), ('(0.1,0.1,0.1)')) v(p);
SELECT g, poincare_midpoint(p) FROM (VALUES (1, '(0.5,0)'::poincare_point), (1, '(-0.5,0)'), (2, '(0,0.2)')) v(g, p)
	GROUP BY g ORDER BY g;

-- parallel aggregation gives the serial answer
CREATE TABLE mid AS
	SELECT ARRAY[0.6 * sin(i), 0.6 * cos(i * 1.3)]::poincare_point AS p FROM generate_series(1, 50000) i;
ANALYZE mid;
SELECT poincare_midpoint(p)::float8[] AS serial_mid FROM mid \gset
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT poincare_midpoint(p) FROM mid;
SELECT poincare_midpoint(p) <-> :'serial_mid'::float8[]::poincare_point < 1e-12 AS same FROM mid;
RESET max_parallel_workers_per_gather;
