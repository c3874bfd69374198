-- hack--1.1--1.2.sql: one naming scheme for the SQL functions (doc/reference.md, "Names"); hack_select(..., 'diverse') above two dimensions
\echo Use "ALTER EXTENSION hack UPDATE TO '1.2'" to load this file. \quit

------------------------------------------------------------------------
-- Geometry on poincare_point is poincare_<what>, the HACK workflow and
-- its tools are hack_<what>.  Each function below is a second name of an
-- existing one: the same C symbol, arguments, defaults and flags.  The
-- old names stay, as deprecated aliases, so queries written for 1.0 and
-- 1.1 keep working; sql/hack.sql (hack--1.2.sql) creates the same.
------------------------------------------------------------------------

CREATE FUNCTION poincare_mobius_add(a poincare_point, b poincare_point, c double precision DEFAULT 1) RETURNS poincare_point
	AS 'MODULE_PATHNAME', 'poincare_mobius_add' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_mobius_scale(r double precision, p poincare_point, c double precision DEFAULT 1) RETURNS poincare_point
	AS 'MODULE_PATHNAME', 'poincare_mobius_scale' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_expmap0(v double precision[], c double precision DEFAULT 1) RETURNS poincare_point
	AS 'MODULE_PATHNAME', 'poincare_expmap0' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_logmap0(p poincare_point, c double precision DEFAULT 1) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'poincare_logmap0' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_expmap(p poincare_point, v double precision[], c double precision DEFAULT 1) RETURNS poincare_point
	AS 'MODULE_PATHNAME', 'poincare_expmap' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_logmap(p poincare_point, q poincare_point, c double precision DEFAULT 1) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'poincare_logmap' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_mobius_add(poincare_point, poincare_point, double precision) IS 'Möbius addition a ⊕ b in the ball of curvature -c';
COMMENT ON FUNCTION poincare_mobius_scale(double precision, poincare_point, double precision) IS 'Möbius scalar multiplication r ⊗ p in the ball of curvature -c';
COMMENT ON FUNCTION poincare_expmap0(double precision[], double precision) IS 'exponential map at the origin: tangent vector to point, norm clipped at (1-1e-5)/sqrt(c)';
COMMENT ON FUNCTION poincare_logmap0(poincare_point, double precision) IS 'logarithmic map at the origin: point to tangent vector';
COMMENT ON FUNCTION poincare_expmap(poincare_point, double precision[], double precision) IS 'exponential map at base point p, norm clipped at (1-1e-5)/sqrt(c)';
COMMENT ON FUNCTION poincare_logmap(poincare_point, poincare_point, double precision) IS 'logarithmic map at base point p: the tangent vector at p pointing to q';

CREATE FUNCTION poincare_to_lorentz(p poincare_point) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'poincare_to_lorentz' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_from_lorentz(h double precision[]) RETURNS poincare_point
	AS 'MODULE_PATHNAME', 'poincare_from_lorentz' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_lorentz_distance(h double precision[], g double precision[]) RETURNS double precision
	AS 'MODULE_PATHNAME', 'poincare_lorentz_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_cone_half_aperture(p poincare_point, k double precision DEFAULT 0.1) RETURNS double precision
	AS 'MODULE_PATHNAME', 'poincare_cone_half_aperture' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_cone_exterior_angle(parent poincare_point, child poincare_point) RETURNS double precision
	AS 'MODULE_PATHNAME', 'poincare_cone_exterior_angle' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_to_lorentz(poincare_point) IS 'point to the hyperboloid model: n+1 coordinates, time first';
COMMENT ON FUNCTION poincare_from_lorentz(double precision[]) IS 'hyperboloid point (time first) to the Poincaré ball';
COMMENT ON FUNCTION poincare_lorentz_distance(double precision[], double precision[]) IS 'hyperbolic distance between two hyperboloid points';
COMMENT ON FUNCTION poincare_cone_half_aperture(poincare_point, double precision) IS 'half-aperture asin(K(1-|p|^2)/|p|) of the entailment cone at p (Ganea et al. 2018)';
COMMENT ON FUNCTION poincare_cone_exterior_angle(poincare_point, poincare_point) IS 'angle at parent between its cone axis and the geodesic to child; child is in the cone when it is at most the half-aperture';

CREATE FUNCTION hack_hungarian(cost_matrix double precision[], maximize boolean DEFAULT false)
	RETURNS TABLE(row_index integer, col_index integer, cost double precision)
	AS 'MODULE_PATHNAME', 'hungarian' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
CREATE FUNCTION hack_hungarian_agg_accum(internal, bigint, bigint, double precision) RETURNS internal
	AS 'MODULE_PATHNAME', 'hungarian_agg_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION hack_hungarian_agg_final(internal) RETURNS hack_match[]
	AS 'MODULE_PATHNAME', 'hungarian_agg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE hack_hungarian_agg(row_key bigint, col_key bigint, cost double precision) (
	SFUNC = hack_hungarian_agg_accum,
	STYPE = internal,
	FINALFUNC = hack_hungarian_agg_final,
	FINALFUNC_MODIFY = READ_ONLY,
	PARALLEL = SAFE
);
COMMENT ON FUNCTION hack_hungarian(double precision[], boolean) IS
	'optimal one-to-one assignment of the rows and columns of a cost matrix (Infinity forbids a pair); one row per matched pair, by array subscripts';
COMMENT ON FUNCTION hack_hungarian_agg_accum(internal, bigint, bigint, double precision) IS 'transition function of hack_hungarian_agg';
COMMENT ON FUNCTION hack_hungarian_agg_final(internal) IS 'final function of hack_hungarian_agg';
COMMENT ON AGGREGATE hack_hungarian_agg(bigint, bigint, double precision) IS
	'optimal one-to-one assignment over an edge list (row_key, col_key, cost); missing pairs are forbidden';
COMMENT ON TYPE hack_match IS 'one matched pair of hack_hungarian_agg: row key, column key and its cost';

------------------------------------------------------------------------
-- The old names: deprecated, each comment names its successor
------------------------------------------------------------------------

COMMENT ON FUNCTION mobius_add(poincare_point, poincare_point, double precision) IS 'deprecated name (hack 1.2): use poincare_mobius_add';
COMMENT ON FUNCTION mobius_scale(double precision, poincare_point, double precision) IS 'deprecated name (hack 1.2): use poincare_mobius_scale';
COMMENT ON FUNCTION expmap0(double precision[], double precision) IS 'deprecated name (hack 1.2): use poincare_expmap0';
COMMENT ON FUNCTION logmap0(poincare_point, double precision) IS 'deprecated name (hack 1.2): use poincare_logmap0';
COMMENT ON FUNCTION expmap(poincare_point, double precision[], double precision) IS 'deprecated name (hack 1.2): use poincare_expmap';
COMMENT ON FUNCTION logmap(poincare_point, poincare_point, double precision) IS 'deprecated name (hack 1.2): use poincare_logmap';
COMMENT ON FUNCTION to_lorentz(poincare_point) IS 'deprecated name (hack 1.2): use poincare_to_lorentz';
COMMENT ON FUNCTION from_lorentz(double precision[]) IS 'deprecated name (hack 1.2): use poincare_from_lorentz';
COMMENT ON FUNCTION lorentz_distance(double precision[], double precision[]) IS 'deprecated name (hack 1.2): use poincare_lorentz_distance';
COMMENT ON FUNCTION cone_half_aperture(poincare_point, double precision) IS 'deprecated name (hack 1.2): use poincare_cone_half_aperture';
COMMENT ON FUNCTION cone_exterior_angle(poincare_point, poincare_point) IS 'deprecated name (hack 1.2): use poincare_cone_exterior_angle';
COMMENT ON FUNCTION hungarian(double precision[], boolean) IS 'deprecated name (hack 1.2): use hack_hungarian';
COMMENT ON FUNCTION hungarian_agg_accum(internal, bigint, bigint, double precision) IS 'deprecated name (hack 1.2): use hack_hungarian_agg_accum';
COMMENT ON FUNCTION hungarian_agg_final(internal) IS 'deprecated name (hack 1.2): use hack_hungarian_agg_final';
COMMENT ON AGGREGATE hungarian_agg(bigint, bigint, double precision) IS 'deprecated name (hack 1.2): use hack_hungarian_agg';

------------------------------------------------------------------------
-- hack_select(..., 'diverse') above two dimensions: the first two
-- coordinates' angle left the others out, so the sectors there are the
-- cells of directions spread by farthest-point sampling
-- (poincare_direction_cells); in the disc and on the line it returns what
-- it did.  The same text as sql/hack.sql.
------------------------------------------------------------------------

CREATE FUNCTION poincare_direction_cells(points poincare_point[], k integer)
	RETURNS integer[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_direction_cells(poincare_point[], integer) IS
	'for each point, the number (from 1, in pick order) of the nearest of k directions spread by farthest-point sampling of the unit directions x / |x|, the first point''s first; hack_select''s sectors above two dimensions';

CREATE OR REPLACE FUNCTION hack_select(model text, fraction double precision, mode text DEFAULT 'typical')
	RETURNS TABLE (group_key text, id bigint, norm double precision, rank integer)
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	model_dim integer;
BEGIN
	IF model IS NULL OR fraction IS NULL OR mode IS NULL THEN
		RAISE EXCEPTION 'hack_select arguments must not be NULL' USING ERRCODE = '22004';
	END IF;
	IF NOT (fraction > 0 AND fraction <= 1) THEN
		RAISE EXCEPTION 'fraction must be in (0, 1], got %', fraction USING ERRCODE = '22023';
	END IF;
	IF mode NOT IN ('typical', 'atypical', 'diverse') THEN
		RAISE EXCEPTION 'mode must be typical, atypical or diverse, not "%"', mode USING ERRCODE = '22023';
	END IF;
	SELECT m.dim INTO model_dim FROM hack.models m WHERE m.model = hack_select.model;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'model "%" does not exist', model USING ERRCODE = '42704';
	END IF;
	IF mode IN ('typical', 'atypical') THEN
		RETURN QUERY
		SELECT s.group_key, s.id, s.norm, s.r::integer FROM (
			SELECT e.group_key, e.id, e.norm,
				row_number() OVER (PARTITION BY e.group_key ORDER BY
					CASE WHEN mode = 'typical' THEN e.norm ELSE -e.norm END, e.id) AS r,
				count(*) OVER (PARTITION BY e.group_key) AS n
			FROM hack.embeddings e WHERE e.model = hack_select.model) s
		WHERE s.r <= ceil(fraction * s.n)
		ORDER BY s.group_key, s.r;
	ELSIF model_dim <= 2 THEN
		-- diverse in the disc (or on the line): k = ceil(fraction n) equal sectors
		-- of angle; the largest-norm row of each sector first, then the
		-- largest-norm rows left
		RETURN QUERY
		WITH e AS (
			SELECT e.group_key, e.id, e.norm,
				count(*) OVER (PARTITION BY e.group_key) AS n,
				atan2(x[2], x[1]) AS angle
			FROM hack.embeddings e,
				LATERAL (SELECT e.embedding::double precision[] AS x) c
			WHERE e.model = hack_select.model),
		s AS (
			SELECT e.*, ceil(fraction * e.n) AS k,
				row_number() OVER (PARTITION BY e.group_key,
					floor((e.angle + pi()) / (2 * pi()) * ceil(fraction * e.n))
					ORDER BY e.norm DESC, e.id) AS in_sector
			FROM e),
		o AS (
			SELECT s.*, row_number() OVER (PARTITION BY s.group_key
				ORDER BY (s.in_sector > 1), s.norm DESC, s.id) AS r
			FROM s)
		SELECT o.group_key, o.id, o.norm, o.r::integer FROM o WHERE o.r <= o.k
		ORDER BY o.group_key, o.r;
	ELSE
		-- diverse above two dimensions: the k sectors are the cells of k
		-- directions spread by farthest-point sampling, the largest-norm row's
		-- first (rows go in by norm DESC, id, so the order of the picks and
		-- their ties depend on the data only); then as in the disc
		RETURN QUERY
		WITH g AS (
			SELECT e.group_key,
				array_agg(e.id ORDER BY e.norm DESC, e.id) AS ids,
				array_agg(e.norm ORDER BY e.norm DESC, e.id) AS norms,
				array_agg(e.embedding ORDER BY e.norm DESC, e.id) AS points,
				ceil(fraction * count(*))::integer AS k
			FROM hack.embeddings e WHERE e.model = hack_select.model
			GROUP BY e.group_key),
		s AS (
			SELECT g.group_key, g.k, c.id, c.norm, c.ord,
				row_number() OVER (PARTITION BY g.group_key, c.cell ORDER BY c.ord) AS in_sector
			FROM g, LATERAL unnest(g.ids, g.norms,
				@extschema@.poincare_direction_cells(g.points, g.k))
				WITH ORDINALITY AS c(id, norm, cell, ord)),
		o AS (
			SELECT s.*, row_number() OVER (PARTITION BY s.group_key
				ORDER BY (s.in_sector > 1), s.ord) AS r
			FROM s)
		SELECT o.group_key, o.id, o.norm, o.r::integer FROM o WHERE o.r <= o.k
		ORDER BY o.group_key, o.r;
	END IF;
END
$$;
COMMENT ON FUNCTION hack_select(text, double precision, text) IS
	'the fraction of each group''s rows that are most typical (smallest norm), most atypical (largest norm) or atypical and diverse (largest norm per sector: equal angular sectors in the disc, above two dimensions the cells of directions spread by farthest-point sampling)';

------------------------------------------------------------------------
-- 1.1 dropped 1.0's hack.models, but a dropped table is not taken out of
-- pg_extension.extconfig: its OID stayed there, and would make pg_dump
-- treat a later table that reuses the OID as hack's.  Keep the entries of
-- tables that exist, so an updated database lists what a fresh 1.2 does.
------------------------------------------------------------------------

UPDATE pg_catalog.pg_extension x SET extconfig = k.cfg, extcondition = k.cond
FROM (SELECT pg_catalog.array_agg(c.cfg ORDER BY c.n) AS cfg,
		pg_catalog.array_agg(e.extcondition[c.n] ORDER BY c.n) AS cond
	FROM pg_catalog.pg_extension e, pg_catalog.unnest(e.extconfig) WITH ORDINALITY AS c(cfg, n)
	WHERE e.extname OPERATOR(pg_catalog.=) 'hack'
		AND EXISTS (SELECT FROM pg_catalog.pg_class r WHERE r.oid OPERATOR(pg_catalog.=) c.cfg)) k
WHERE x.extname OPERATOR(pg_catalog.=) 'hack';

------------------------------------------------------------------------
-- hack_train gains five parameters, appended, so positional calls keep
-- working: the choices where the reference implementation differs from
-- ours (doc/training.md).  A procedure's arguments cannot be added in
-- place: drop the 1.1 one and create it again, with its comment.
------------------------------------------------------------------------

DROP PROCEDURE hack_train(text, regclass, name, name, name, integer, integer, integer, text, text, integer[], integer, integer, integer, double precision, double precision, double precision, integer, double precision, double precision, integer, double precision, double precision, bigint, boolean, boolean, text);
CREATE PROCEDURE hack_train(
	model text,
	source regclass,
	id_column name DEFAULT 'id',
	image_column name DEFAULT 'img',
	group_column name DEFAULT NULL,
	height integer DEFAULT 28,
	width integer DEFAULT 28,
	channels integer DEFAULT 1,
	format text DEFAULT 'auto',
	architecture text DEFAULT 'lenet',
	hidden integer[] DEFAULT '{256,128}',
	dim integer DEFAULT 2,
	epochs integer DEFAULT 200,
	batch_size integer DEFAULT 256,
	lr double precision DEFAULT 0.1,
	momentum double precision DEFAULT 0,
	weight_decay double precision DEFAULT 0,
	reassign_every integer DEFAULT 2,
	radius double precision DEFAULT 0.76,
	k double precision DEFAULT 1.55,
	pack_epochs integer DEFAULT 1000,
	pack_lr double precision DEFAULT 0.01,
	clip_r double precision DEFAULT 2.3,
	seed bigint DEFAULT 0,
	skip_invalid boolean DEFAULT false,
	resume boolean DEFAULT false,
	if_busy text DEFAULT 'error',
	riemannian_grad boolean DEFAULT false,
	normalise text DEFAULT 'group',
	lr_floor double precision DEFAULT 0,
	lr_schedule text DEFAULT 'step',
	reassign_phase integer DEFAULT 0)
	AS 'MODULE_PATHNAME' LANGUAGE C;
COMMENT ON PROCEDURE hack_train(text, regclass, name, name, name, integer, integer, integer, text, text, integer[], integer, integer, integer, double precision, double precision, double precision, integer, double precision, double precision, integer, double precision, double precision, bigint, boolean, boolean, text, boolean, text, double precision, text, integer) IS
	'trains HACK on the images of a table (per group) and writes hack.models and hack.embeddings; commits after each group when called outside a transaction block; resume => true warm-starts from the stored models; one job per model at a time (if_busy: error, skip or wait); riemannian_grad, normalise (group or none), lr_floor, lr_schedule (step or epoch) and reassign_phase select the reference implementation''s choices (doc/training.md)';
