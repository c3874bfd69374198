-- hack--1.3--1.4.sql: the changes of issue 18 (works with the tools our users already use)
\echo Use "ALTER EXTENSION hack UPDATE TO '1.4'" to load this file. \quit

------------------------------------------------------------------------
-- Pictures of a model (hack 1.4, issue 18): hack_gallery and
-- hack_plot(model, group_key).  Both read the model's source with the
-- caller's own privileges and row security (a picture shows only images
-- its caller could SELECT), so they are STABLE and PARALLEL RESTRICTED:
-- the source may be a temporary table, which a parallel worker cannot
-- read.
------------------------------------------------------------------------

CREATE FUNCTION hack_gallery(
	model text,
	group_key text DEFAULT '',
	n integer DEFAULT 8,
	columns integer DEFAULT 8,
	cell integer DEFAULT 96) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION hack_gallery(text, text, integer, integer, integer) IS
	'PNG of the n most typical (smallest norm) and n most atypical (largest norm) images of a group of a model, with their norms and ids (the HACK paper''s Fig. 9); reads the source as the caller, so it shows only rows the caller may read';

CREATE FUNCTION hack_plot(
	model text,
	group_key text DEFAULT NULL,
	size integer DEFAULT 800,
	color_by text DEFAULT 'group',
	thumbnails boolean DEFAULT true,
	rays integer DEFAULT 12,
	rings integer DEFAULT 4) RETURNS bytea
	AS 'MODULE_PATHNAME', 'hack_plot_model' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION hack_plot(text, text, integer, text, boolean, integer, integer) IS
	'PNG picture of the stored 2-D embeddings of a model (one group, or all groups coloured by group when group_key is NULL) in the Poincaré disc, with thumbnails read from the source as the caller';

-- clients (issue 18): literals in brackets, real[] both ways
COMMENT ON TYPE poincare_point IS
	'a point of the Poincaré ball of curvature -1 (the open unit ball), text form (x1,...,xn) (input also [x1,...,xn], as JSON and Python lists print); poincare_point(n) fixes the dimension';
CREATE FUNCTION poincare_point_to_float4(poincare_point, integer, boolean) RETURNS real[]
	AS 'MODULE_PATHNAME', 'poincare_point_to_float4_array' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_point_to_float4(poincare_point, integer, boolean) IS 'cast poincare_point to its coordinates rounded to real[] (a coordinate that rounds to 0 is an error, as for float8 to real)';
CREATE CAST (poincare_point AS real[])
	WITH FUNCTION poincare_point_to_float4(poincare_point, integer, boolean) AS ASSIGNMENT;
COMMENT ON CAST (poincare_point AS real[]) IS 'point to its coordinates in single precision';

-- Plans under row security, and hack_select from the index (issue 18:
-- restore, plans, selection at scale)
--
-- The functions of <@, @> and the comparisons of poincare_point are
-- LEAKPROOF, so a plain role's ball search uses the GiST index under the
-- policies of hack.embeddings (a point and a ball of different dimensions
-- are now not contained, rather than an error); hack_select's typical and
-- atypical modes read each group's first rows from the index on
-- (model, group_key, norm) instead of sorting the model's rows.
------------------------------------------------------------------------

ALTER FUNCTION poincare_point_in_hball(poincare_point, hball) LEAKPROOF;
ALTER FUNCTION hball_contains_point(hball, poincare_point) LEAKPROOF;
ALTER FUNCTION poincare_point_eq(poincare_point, poincare_point) LEAKPROOF;
ALTER FUNCTION poincare_point_ne(poincare_point, poincare_point) LEAKPROOF;
ALTER FUNCTION poincare_point_lt(poincare_point, poincare_point) LEAKPROOF;
ALTER FUNCTION poincare_point_le(poincare_point, poincare_point) LEAKPROOF;
ALTER FUNCTION poincare_point_gt(poincare_point, poincare_point) LEAKPROOF;
ALTER FUNCTION poincare_point_ge(poincare_point, poincare_point) LEAKPROOF;
COMMENT ON FUNCTION poincare_point_in_hball(poincare_point, hball) IS 'implementation of <@: the point is within the radius of the centre (false for a point of another dimension; LEAKPROOF)';
COMMENT ON FUNCTION hball_contains_point(hball, poincare_point) IS 'implementation of @>: the ball contains the point (false for a point of another dimension; LEAKPROOF)';

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
	-- typical and atypical (hack 1.4): each group's size, then its first
	-- ceil(fraction n) rows by norm (ties by id) straight from the index on
	-- (model, group_key, norm), read forwards or backwards, with an
	-- incremental sort for the ties: no sort of the model's rows (doc/
	-- reference.md, "hack_select")
	IF mode = 'typical' THEN
		RETURN QUERY
		SELECT c.group_key, t.id, t.norm, t.r::integer
		FROM (SELECT e.group_key, count(*) AS n FROM hack.embeddings e
			WHERE e.model = hack_select.model GROUP BY e.group_key) c,
			LATERAL (SELECT e.id, e.norm, row_number() OVER (ORDER BY e.norm, e.id) AS r
				FROM hack.embeddings e
				WHERE e.model = hack_select.model AND e.group_key = c.group_key
				ORDER BY e.norm, e.id LIMIT ceil(fraction * c.n)::bigint) t
		ORDER BY c.group_key, t.r;
	ELSIF mode = 'atypical' THEN
		RETURN QUERY
		SELECT c.group_key, t.id, t.norm, t.r::integer
		FROM (SELECT e.group_key, count(*) AS n FROM hack.embeddings e
			WHERE e.model = hack_select.model GROUP BY e.group_key) c,
			LATERAL (SELECT e.id, e.norm, row_number() OVER (ORDER BY e.norm DESC, e.id) AS r
				FROM hack.embeddings e
				WHERE e.model = hack_select.model AND e.group_key = c.group_key
				ORDER BY e.norm DESC, e.id LIMIT ceil(fraction * c.n)::bigint) t
		ORDER BY c.group_key, t.r;
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

------------------------------------------------------------------------
-- hack_plot(points, ...) decodes PNG and JPEG thumbnails (since 1.3)
-- under hack.max_image_pixels, a setting, so its result can change within
-- a database: STABLE, not IMMUTABLE.
------------------------------------------------------------------------
ALTER FUNCTION hack_plot(poincare_point[], integer[], bytea[], integer, text, integer, integer, integer, integer, integer) STABLE;

------------------------------------------------------------------------
-- Training on a Citus cluster (hack 1.4, issue 19; doc/scaling.md).
-- CALL hack_train on a coordinator sends each group of a source
-- distributed by its group column to the worker holding it as one call of
-- the aggregate hack_train_group, and stores what comes back in its own
-- catalogue.  The aggregate reads no catalogue and writes nothing: it
-- trains on its arguments, as hack_pack packs.  hack_embed_with embeds
-- with an exported model instead of a catalogue lookup, so that a query
-- pushed down to the workers embeds with the network the coordinator
-- read, never a stale copy.
------------------------------------------------------------------------
CREATE FUNCTION hack_train_group_step(internal, bytea, bigint, bytea, anyelement) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL UNSAFE;
COMMENT ON FUNCTION hack_train_group_step(internal, bytea, bigint, bytea, anyelement) IS
	'transition function of hack_train_group: decodes one image';
CREATE FUNCTION hack_train_group_final(internal) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL UNSAFE;
COMMENT ON FUNCTION hack_train_group_final(internal) IS
	'final function of hack_train_group: trains the group';
CREATE AGGREGATE hack_train_group(job bytea, id bigint, image bytea, group_value anyelement) (
	SFUNC = hack_train_group_step,
	STYPE = internal,
	FINALFUNC = hack_train_group_final,
	PARALLEL = UNSAFE
);
COMMENT ON AGGREGATE hack_train_group(bytea, bigint, bytea, anyelement) IS
	'trains one group (GROUP BY the group column, ORDER BY id) as a training job from CALL hack_train describes, and returns it as one bytea for the coordinator of a Citus cluster to validate and store; writes nothing';

CREATE FUNCTION hack_embed_with(archive bytea, image bytea, group_key text DEFAULT '') RETURNS poincare_point
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hack_embed_with(bytea, bytea, text) IS
	'embeds an image with a model exported by hack_export_model (validated; cached for the query by its bytes): hack_embed_with(hack_export_model(''m''), img, hack_group_key(label)) in a query Citus pushes down embeds on the workers with the coordinator''s current model';
