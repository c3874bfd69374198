-- sphere packing: hack_pack() and hack_packing_stats()
-- coordinates depend on libm's last bits, so only properties are printed
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN EXECUTE q; RETURN 'ok'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END$$;

-- one row per particle, ids 1..n, points of the requested dimension
SELECT count(*), count(DISTINCT particle_id), min(particle_id), max(particle_id),
	count(DISTINCT point), max(poincare_dim(point)) FROM hack_pack(500);
SELECT count(*), max(poincare_dim(point)) FROM hack_pack(50, dim => 3, epochs => 10);
SELECT count(*) FROM hack_pack(NULL);

-- quality of the default packing (the bar of the issue)
SELECT n, dim, cardinality(annulus_counts) AS shells, (SELECT sum(c) FROM unnest(annulus_counts) c) AS inside,
	annulus_max_deviation <= 0.1 AS shells_even, outside, nn_cv < 0.15 AS regular,
	nn_min >= 0.5 * nn_mean AS no_close_pair, max_norm < 0.76 AS inside_radius, coincident_pairs
FROM hack_packing_stats(ARRAY(SELECT point FROM hack_pack(1000, seed => 3)));
-- named arguments, another radius, dimension and exponent
SELECT n, dim, annulus_max_deviation <= 0.1 AS shells_even, outside, nn_cv < 0.15 AS regular,
	nn_min >= 0.5 * nn_mean AS no_close_pair, max_norm < 0.5 AS inside_radius
FROM hack_packing_stats(ARRAY(SELECT point FROM hack_pack(400, dim => 3, radius => 0.5, k => 2,
	epochs => 300, lr => 0.02, seed => 7)), radius => 0.5);
SELECT n, dim, annulus_max_deviation <= 0.1 AS shells_even, nn_cv < 0.15 AS regular
FROM hack_packing_stats(ARRAY(SELECT point FROM hack_pack(100, dim => 1, epochs => 50)));
-- epochs => 0 returns the initial sunflower; with lr => 0 only the radial equalisation acts
SELECT annulus_max_deviation <= 0.1 AS shells_even, nn_cv < 0.15 AS regular
FROM hack_packing_stats(ARRAY(SELECT point FROM hack_pack(300, epochs => 0)));
SELECT annulus_max_deviation <= 0.1 AS shells_even, nn_cv < 0.15 AS regular
FROM hack_packing_stats(ARRAY(SELECT point FROM hack_pack(300, lr => 0, epochs => 20)));

-- deterministic for a seed, different for another
SELECT bool_and(a.point = b.point) AS same
FROM hack_pack(300, seed => 5) a JOIN hack_pack(300, seed => 5) b USING (particle_id);
SELECT bool_and(a.point = b.point) AS same
FROM hack_pack(300, seed => 5) a JOIN hack_pack(300, seed => 6) b USING (particle_id);

-- statistics of hand-made layouts
SELECT n, annulus_counts, outside, round(nn_min::numeric, 6) AS nn_min, coincident_pairs,
	round(max_norm::numeric, 6) AS max_norm
FROM hack_packing_stats(ARRAY['(0.1,0.1)', '(0.1,0.1)', '(0.5,0)', '(0,0.9)']::poincare_point[]);
SELECT n, nn_mean, nn_cv, nn_min, nn_max, round(max_norm::numeric, 6) AS max_norm
FROM hack_packing_stats(ARRAY['(0.3,0.4)']::poincare_point[]);
SELECT n, round(nn_mean::numeric, 9) AS nn_mean, round(nn_cv::numeric, 9) AS nn_cv
FROM hack_packing_stats(ARRAY['(-0.5)', '(0)', '(0.5)']::poincare_point[], 0.9);

-- bad parameters: 22023, above the limits: 54000
SELECT q, pg_temp.sqlstate_of(q) FROM unnest(ARRAY[
	$$SELECT * FROM hack_pack(0)$$,
	$$SELECT * FROM hack_pack(-1)$$,
	$$SELECT * FROM hack_pack(200001)$$,
	$$SELECT * FROM hack_pack(10, dim => 0)$$,
	$$SELECT * FROM hack_pack(10, dim => 1025)$$,
	$$SELECT * FROM hack_pack(200000, dim => 101)$$,
	$$SELECT * FROM hack_pack(10, radius => 0)$$,
	$$SELECT * FROM hack_pack(10, radius => 1)$$,
	$$SELECT * FROM hack_pack(10, radius => -0.5)$$,
	$$SELECT * FROM hack_pack(10, radius => 'nan')$$,
	$$SELECT * FROM hack_pack(10, k => 0)$$,
	$$SELECT * FROM hack_pack(10, k => -1.55)$$,
	$$SELECT * FROM hack_pack(10, k => 'inf')$$,
	$$SELECT * FROM hack_pack(10, epochs => -1)$$,
	$$SELECT * FROM hack_pack(10, epochs => 1000001)$$,
	$$SELECT * FROM hack_pack(10, lr => -0.01)$$,
	$$SELECT * FROM hack_pack(10, lr => 'nan')$$,
	$$SELECT * FROM hack_packing_stats(ARRAY[]::poincare_point[])$$,
	$$SELECT * FROM hack_packing_stats(ARRAY['(0.1,0.2)', NULL]::poincare_point[])$$,
	$$SELECT * FROM hack_packing_stats(ARRAY['(0.1,0.2)', '(0.1)']::poincare_point[])$$,
	$$SELECT * FROM hack_packing_stats(ARRAY['(0.1,0.2)']::poincare_point[], 1)$$,
	$$SELECT * FROM hack_packing_stats(ARRAY['(0.1,0.2)']::poincare_point[], 0)$$]) q;
-- the messages
SELECT * FROM hack_pack(0);
SELECT * FROM hack_pack(200001);
SELECT * FROM hack_pack(10, radius => 1.5);
SELECT * FROM hack_pack(10, k => 0);
SELECT * FROM hack_pack(10, epochs => -1);
SELECT * FROM hack_pack(10, lr => -1);
SELECT * FROM hack_pack(10, dim => 0);
SELECT * FROM hack_pack(200000, dim => 101);
SELECT * FROM hack_packing_stats(ARRAY['(0.1,0.2)', '(0.1)']::poincare_point[]);

-- a long packing stops at a cancel (here, statement_timeout)
SET statement_timeout = '200ms';
SELECT count(*) FROM hack_pack(200000);
RESET statement_timeout;
