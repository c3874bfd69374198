-- poincare_point geometry: distances, norms, gyrovector operations, maps
SET extra_float_digits = 0;

SELECT '(0,0)'::poincare_point <-> '(0.5,0)';
SELECT poincare_distance('(0,0)', '(0.5,0)'), 2 * atanh(0.5) AS expected;
SELECT poincare_distance('(0.1,0.2)', '(0.1,0.2)');
SELECT poincare_distance('(0.3,-0.4)', '(-0.2,0.6)') = poincare_distance('(-0.2,0.6)', '(0.3,-0.4)') AS symmetric;
-- (0.5,0) is on the boundary of the ball of curvature -4
SELECT poincare_distance('(0,0)', '(0.5,0)', 4);
SELECT poincare_distance('(0,0)', '(0.25,0)', 4) AS c4, poincare_distance('(0,0)', '(0.5,0)') / 2 AS expected;
SELECT poincare_norm('(0.6,0.8)');  -- on the boundary
SELECT poincare_norm('(0.9999999,0)'), 2 * atanh(0.9999999::float8) AS expected;
SELECT poincare_norm('(0,0)'), poincare_norm('(0.5,0)', 0.5);
SELECT mobius_add('(0.1,0.2)', '(0.3,-0.1)');
SELECT mobius_add('(0.1,0.2)', '(0,0)'), mobius_add('(0,0)', '(0.1,0.2)');
SELECT mobius_add(mobius_scale(-1, '(0.7,0.7)'), '(0.7,0.7)');
SELECT mobius_add('(0.1,0.2)', '(0.3,-0.1)', 2);
SELECT mobius_scale(2, '(0.5,0)'), tanh(2 * atanh(0.5)) AS expected;
SELECT mobius_scale(0, '(0.5,0)'), mobius_scale(1, '(0.5,0.25)');
SELECT expmap0(ARRAY[1, 0]), tanh(1) AS expected;
SELECT expmap0(ARRAY[0, 0, 0]);
SELECT expmap0(ARRAY[100, 0]);
SELECT logmap0(expmap0(ARRAY[0.3, -1.2]));
SELECT logmap0('(0.5,0)', 2);
SELECT expmap('(0.2,0.1)', logmap('(0.2,0.1)', '(-0.4,0.3)'));
SELECT logmap('(0.2,0.1)', '(0.2,0.1)');
SELECT poincare_geodesic('(0.2,0.1)', '(-0.4,0.3)', 0), poincare_geodesic('(0.2,0.1)', '(-0.4,0.3)', 1);
SELECT round((poincare_geodesic('(0.2,0.1)', '(-0.4,0.3)', 0.25) <-> '(0.2,0.1)')::numeric, 12) =
	round((0.25 * poincare_distance('(0.2,0.1)', '(-0.4,0.3)'))::numeric, 12) AS quarter_of_the_way;
SELECT poincare_norm(poincare_geodesic('(-0.5,0)', '(0.5,0)', 0.5)) < 1e-15 AS midpoint_is_origin;

-- near the boundary: accurate distances, no overflow
SELECT poincare_distance('(0.9999999,0)', '(-0.9999999,0)'), 4 * atanh(0.9999999::float8) AS expected;
SELECT poincare_distance('(0.9999999,0)', '(0.99999989,0)') > 0 AS resolves_close_points;

-- results that float8 cannot hold inside the ball: 22003
SELECT mobius_scale(1000, '(0.5,0)');
SELECT mobius_add('(0.9,0)', '(0.9,0)', 0.5);

-- dimension mismatch in every binary function: 22023
SELECT '(0.1,0.2)'::poincare_point <-> '(0.1,0.2,0.3)';
SELECT poincare_distance('(0.1,0.2)', '(0.1)', 2);
SELECT mobius_add('(0.1,0.2)', '(0.1)');
SELECT expmap('(0.1,0.2)', ARRAY[0.1]);
SELECT logmap('(0.1,0.2)', '(0.1)');
SELECT poincare_geodesic('(0.1,0.2)', '(0.1)', 0.5);
SELECT cone_exterior_angle('(0.5,0)', '(0.6)');

-- bad curvature and parameters: 22023
SELECT poincare_distance('(0.1,0.2)', '(0.3,0.4)', 0);
SELECT poincare_distance('(0.1,0.2)', '(0.3,0.4)', -1);
SELECT poincare_distance('(0.1,0.2)', '(0.3,0.4)', 'nan');
SELECT poincare_distance('(0.1,0.2)', '(0.3,0.4)', 'inf');
SELECT poincare_norm('(0.1,0.2)', 0);
SELECT mobius_add('(0.1,0.2)', '(0.3,0.4)', 'nan');
SELECT mobius_scale('nan', '(0.1,0.2)');
SELECT expmap0(ARRAY[0.1], -2);
SELECT logmap0('(0.1)', 0);
SELECT poincare_geodesic('(0.1,0.2)', '(0.3,0.4)', 'inf');
SELECT poincare_geodesic('(0.1,0.2)', '(0.3,0.4)', 'nan');
-- a stored point outside the smaller ball of curvature -4 (radius 0.5)
SELECT poincare_norm('(0.6,0)', 4);
-- bad tangent vectors: 22003 non-finite, 22023 empty, 22004 NULL
SELECT expmap0(ARRAY['nan'::float8, 0]);
SELECT expmap0(ARRAY[]::float8[]);
SELECT expmap0(ARRAY[NULL::float8, 0]);
SELECT expmap0(ARRAY[[0.1, 0.2]]);

-- SQLSTATEs
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN EXECUTE q; RETURN 'ok'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END$$;
SELECT q, pg_temp.sqlstate_of(q) FROM unnest(ARRAY[
	$$SELECT '(0.1,0.2)'::poincare_point <-> '(0.1)'$$,
	$$SELECT mobius_add('(0.1,0.2)', '(0.1)')$$,
	$$SELECT expmap('(0.1,0.2)', ARRAY[0.1])$$,
	$$SELECT poincare_distance('(0.1)', '(0.2)', 0)$$,
	$$SELECT poincare_distance('(0.1)', '(0.2)', 'nan')$$,
	$$SELECT poincare_geodesic('(0.1)', '(0.2)', 'inf')$$,
	$$SELECT mobius_scale(1000, '(0.5,0)')$$,
	$$SELECT poincare_norm('(0.6,0)', 4)$$,
	$$SELECT expmap0(ARRAY['inf'::float8])$$]) q;

-- NULL in, NULL out
SELECT poincare_distance(NULL, '(0.1)'), poincare_norm(NULL), mobius_add('(0.1)', NULL);
