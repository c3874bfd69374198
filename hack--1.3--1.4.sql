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
