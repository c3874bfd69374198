-- the naming scheme of the SQL functions (doc/reference.md, "Names") and
-- the deprecated names of 1.0 that 1.2 keeps as aliases
CREATE TEMP VIEW hack_functions AS
SELECT p.oid, p.proname, p.prokind, p.prosrc, p.probin, p.provolatile, p.proisstrict,
	p.proparallel, p.proleakproof, p.prosecdef, p.procost, p.prorows, p.proretset,
	p.prorettype, p.proacl, pg_get_function_arguments(p.oid) AS arguments,
	pg_get_function_identity_arguments(p.oid) AS identity,
	obj_description(p.oid, 'pg_proc') AS comment
FROM pg_depend d JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
	JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
WHERE e.extname = 'hack' AND d.deptype = 'e';

-- names outside the scheme that are not deprecated aliases: none.  Type
-- support is <type>_<what> (or the type's name), casts <source>_to_<type>,
-- geometry and index support poincare_<what>, the workflow hack_<what>.
SELECT proname AS outside_the_scheme FROM hack_functions
WHERE proname !~ '^(poincare_point|hball)(_[a-z0-9_]+)?$'
	AND proname !~ '^[a-z0-9]+_to_poincare_point$'
	AND proname !~ '^poincare_[a-z0-9_]+$'
	AND proname !~ '^hack_[a-z0-9_]+$'
	AND comment NOT LIKE 'deprecated name (hack 1.2): use %'
ORDER BY 1;

-- the deprecated names, and their successors: the same C function with the
-- same arguments, defaults, result and flags
SELECT o.proname AS deprecated, n.proname AS successor, o.identity,
	(o.prokind, o.prosrc, o.probin, o.provolatile, o.proisstrict, o.proparallel, o.proleakproof,
	 o.prosecdef, o.procost, o.prorows, o.proretset, o.prorettype, o.proacl, o.arguments)
	IS NOT DISTINCT FROM
	(n.prokind, n.prosrc, n.probin, n.provolatile, n.proisstrict, n.proparallel, n.proleakproof,
	 n.prosecdef, n.procost, n.prorows, n.proretset, n.prorettype, n.proacl, n.arguments) AS same
FROM hack_functions o
	LEFT JOIN hack_functions n ON n.proname = substring(o.comment FROM '^deprecated name \(hack 1\.2\): use ([a-z0-9_]+)$')
		AND n.identity = o.identity
WHERE o.comment LIKE 'deprecated name%'
ORDER BY 1;

-- the aggregates' support functions differ by name only
SELECT a.aggfnoid AS aggregate, a.aggtransfn, a.aggfinalfn, a.aggfinalmodify,
	(SELECT prosrc FROM pg_proc WHERE oid = a.aggtransfn) AS transfn_symbol,
	(SELECT prosrc FROM pg_proc WHERE oid = a.aggfinalfn) AS finalfn_symbol
FROM pg_aggregate a WHERE a.aggfnoid::regproc::text IN ('hungarian_agg', 'hack_hungarian_agg')
ORDER BY 1;

-- each old name gives what its new one gives
SELECT mobius_add(a, b) = poincare_mobius_add(a, b) AS add,
	mobius_add(a, b, 0.5) = poincare_mobius_add(a, b, 0.5) AS add_c,
	mobius_scale(0.5, a) = poincare_mobius_scale(0.5, a) AS scale,
	mobius_scale(0.5, b, 0.5) = poincare_mobius_scale(0.5, b, 0.5) AS scale_c,
	logmap0(a) = poincare_logmap0(a) AS logmap0,
	expmap0(logmap0(b)) = poincare_expmap0(poincare_logmap0(b)) AS expmap0,
	logmap(a, b) = poincare_logmap(a, b) AS logmap,
	expmap(a, logmap(a, b), 1) = poincare_expmap(a, poincare_logmap(a, b), 1) AS expmap,
	to_lorentz(a) = poincare_to_lorentz(a) AS to_lorentz,
	from_lorentz(to_lorentz(b)) = poincare_from_lorentz(poincare_to_lorentz(b)) AS from_lorentz,
	lorentz_distance(to_lorentz(a), to_lorentz(b))
		= poincare_lorentz_distance(poincare_to_lorentz(a), poincare_to_lorentz(b)) AS lorentz_distance,
	cone_half_aperture(b) = poincare_cone_half_aperture(b) AS half_aperture,
	cone_half_aperture(b, 0.3) = poincare_cone_half_aperture(b, 0.3) AS half_aperture_k,
	cone_exterior_angle(b, a) = poincare_cone_exterior_angle(b, a) AS exterior_angle
FROM (VALUES ('(0.1,-0.2)'::poincare_point, '(0.5,0.3)'::poincare_point),
	('(0,0.9)', '(-0.4,0.05)'), ('(0.3,0.3,0.3)', '(0.6,-0.1,0.2)')) v(a, b);

-- the same errors under both names
SELECT mobius_add('(0.1,0.2)', '(0.1)');
SELECT poincare_mobius_add('(0.1,0.2)', '(0.1)');
SELECT from_lorentz('{0.5,1}');
SELECT poincare_from_lorentz('{0.5,1}');
SELECT * FROM hungarian('{1,2,3}');
SELECT * FROM hack_hungarian('{1,2,3}');

-- the assignment under both names
SELECT (SELECT array_agg(h ORDER BY h) FROM hungarian(m) h)
	= (SELECT array_agg(h ORDER BY h) FROM hack_hungarian(m) h) AS hungarian,
	(SELECT array_agg(h ORDER BY h) FROM hungarian(m, true) h)
	= (SELECT array_agg(h ORDER BY h) FROM hack_hungarian(m, true) h) AS hungarian_max
FROM (VALUES ('{{4,1,3},{2,0,5},{3,2,2}}'::float8[]), ('{{1,2,3},{4,5,6}}'), ('{{7}}')) v(m);
SELECT * FROM hack_hungarian('{{4,1,3},{2,0,5},{3,2,2}}') ORDER BY 1;

SELECT k, hungarian_agg(r, c, w) = hack_hungarian_agg(r, c, w) AS same, hack_hungarian_agg(r, c, w)
FROM (VALUES (1, 10, 100, 1.0), (1, 10, 200, 5.0), (1, 20, 100, 2.0), (1, 20, 200, 0.5),
	(2, 1, 1, 3.0), (2, 1, 2, 1.0), (2, 2, 1, 1.0)) e(k, r, c, w)
GROUP BY k ORDER BY k;
