-- hack--1.0.sql: the SQL surface of the hack extension, version 1.0
\echo Use "CREATE EXTENSION hack" to load this file. \quit

------------------------------------------------------------------------
-- Type poincare_point
------------------------------------------------------------------------

CREATE TYPE poincare_point;

CREATE FUNCTION poincare_point_in(cstring, oid, integer) RETURNS poincare_point
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_point_out(poincare_point) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_point_typmod_in(cstring[]) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_point_typmod_out(integer) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_point_recv(internal, oid, integer) RETURNS poincare_point
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_point_send(poincare_point) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE poincare_point (
	INPUT = poincare_point_in,
	OUTPUT = poincare_point_out,
	TYPMOD_IN = poincare_point_typmod_in,
	TYPMOD_OUT = poincare_point_typmod_out,
	RECEIVE = poincare_point_recv,
	SEND = poincare_point_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = external
);

COMMENT ON TYPE poincare_point IS
	'a point of the Poincaré ball of curvature -1 (the open unit ball), text form (x1,...,xn); poincare_point(n) fixes the dimension';
COMMENT ON FUNCTION poincare_point_in(cstring, oid, integer) IS 'text input of poincare_point';
COMMENT ON FUNCTION poincare_point_out(poincare_point) IS 'text output of poincare_point (shortest exact float8 digits)';
COMMENT ON FUNCTION poincare_point_typmod_in(cstring[]) IS 'parses the dimension modifier of poincare_point(n)';
COMMENT ON FUNCTION poincare_point_typmod_out(integer) IS 'prints the dimension modifier of poincare_point(n)';
COMMENT ON FUNCTION poincare_point_recv(internal, oid, integer) IS 'binary input of poincare_point';
COMMENT ON FUNCTION poincare_point_send(poincare_point) IS 'binary output of poincare_point';

------------------------------------------------------------------------
-- Casts
------------------------------------------------------------------------

CREATE FUNCTION poincare_point(poincare_point, integer, boolean) RETURNS poincare_point
	AS 'MODULE_PATHNAME', 'poincare_point_typmod_cast' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_poincare_point(double precision[], integer, boolean) RETURNS poincare_point
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_poincare_point(real[], integer, boolean) RETURNS poincare_point
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_poincare_point(numeric[], integer, boolean) RETURNS poincare_point
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_poincare_point(integer[], integer, boolean) RETURNS poincare_point
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_point_to_float8(poincare_point, integer, boolean) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'poincare_point_to_float8_array' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE CAST (poincare_point AS poincare_point)
	WITH FUNCTION poincare_point(poincare_point, integer, boolean) AS IMPLICIT;
CREATE CAST (double precision[] AS poincare_point)
	WITH FUNCTION array_to_poincare_point(double precision[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (real[] AS poincare_point)
	WITH FUNCTION array_to_poincare_point(real[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (numeric[] AS poincare_point)
	WITH FUNCTION array_to_poincare_point(numeric[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (integer[] AS poincare_point)
	WITH FUNCTION array_to_poincare_point(integer[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (poincare_point AS double precision[])
	WITH FUNCTION poincare_point_to_float8(poincare_point, integer, boolean) AS ASSIGNMENT;

COMMENT ON FUNCTION poincare_point(poincare_point, integer, boolean) IS 'enforces the dimension of poincare_point(n)';
COMMENT ON FUNCTION array_to_poincare_point(double precision[], integer, boolean) IS 'cast float8[] to poincare_point (validated: finite, inside the unit ball)';
COMMENT ON FUNCTION array_to_poincare_point(real[], integer, boolean) IS 'cast real[] to poincare_point (validated: finite, inside the unit ball)';
COMMENT ON FUNCTION array_to_poincare_point(numeric[], integer, boolean) IS 'cast numeric[] to poincare_point (validated: finite, inside the unit ball)';
COMMENT ON FUNCTION array_to_poincare_point(integer[], integer, boolean) IS 'cast integer[] to poincare_point (only the origin fits the unit ball)';
COMMENT ON FUNCTION poincare_point_to_float8(poincare_point, integer, boolean) IS 'cast poincare_point to its float8[] coordinates';
COMMENT ON CAST (poincare_point AS poincare_point) IS 'applies the dimension of poincare_point(n)';
COMMENT ON CAST (double precision[] AS poincare_point) IS 'coordinates to point; errors if outside the unit ball';
COMMENT ON CAST (real[] AS poincare_point) IS 'coordinates to point; errors if outside the unit ball';
COMMENT ON CAST (numeric[] AS poincare_point) IS 'coordinates to point; errors if outside the unit ball';
COMMENT ON CAST (integer[] AS poincare_point) IS 'coordinates to point; errors if outside the unit ball';
COMMENT ON CAST (poincare_point AS double precision[]) IS 'point to its coordinates';

------------------------------------------------------------------------
-- Geometry
------------------------------------------------------------------------

CREATE FUNCTION poincare_dim(poincare_point) RETURNS integer
	AS 'MODULE_PATHNAME', 'poincare_point_dim' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_distance(a poincare_point, b poincare_point) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_distance(a poincare_point, b poincare_point, c double precision) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_norm(p poincare_point, c double precision DEFAULT 1) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION mobius_add(a poincare_point, b poincare_point, c double precision DEFAULT 1) RETURNS poincare_point
	AS 'MODULE_PATHNAME', 'poincare_mobius_add' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION mobius_scale(r double precision, p poincare_point, c double precision DEFAULT 1) RETURNS poincare_point
	AS 'MODULE_PATHNAME', 'poincare_mobius_scale' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION expmap0(v double precision[], c double precision DEFAULT 1) RETURNS poincare_point
	AS 'MODULE_PATHNAME', 'poincare_expmap0' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION logmap0(p poincare_point, c double precision DEFAULT 1) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'poincare_logmap0' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION expmap(p poincare_point, v double precision[], c double precision DEFAULT 1) RETURNS poincare_point
	AS 'MODULE_PATHNAME', 'poincare_expmap' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION logmap(p poincare_point, q poincare_point, c double precision DEFAULT 1) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'poincare_logmap' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_geodesic(a poincare_point, b poincare_point, t double precision, c double precision DEFAULT 1) RETURNS poincare_point
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION poincare_dim(poincare_point) IS 'number of coordinates of a point';
COMMENT ON FUNCTION poincare_distance(poincare_point, poincare_point) IS 'hyperbolic (Poincaré) distance, curvature -1; same as <->';
COMMENT ON FUNCTION poincare_distance(poincare_point, poincare_point, double precision) IS 'hyperbolic distance in the ball of curvature -c';
COMMENT ON FUNCTION poincare_norm(poincare_point, double precision) IS 'hyperbolic distance to the origin: the prototypicality score (small = typical)';
COMMENT ON FUNCTION mobius_add(poincare_point, poincare_point, double precision) IS 'Möbius addition a ⊕ b in the ball of curvature -c';
COMMENT ON FUNCTION mobius_scale(double precision, poincare_point, double precision) IS 'Möbius scalar multiplication r ⊗ p in the ball of curvature -c';
COMMENT ON FUNCTION expmap0(double precision[], double precision) IS 'exponential map at the origin: tangent vector to point, norm clipped at (1-1e-5)/sqrt(c)';
COMMENT ON FUNCTION logmap0(poincare_point, double precision) IS 'logarithmic map at the origin: point to tangent vector';
COMMENT ON FUNCTION expmap(poincare_point, double precision[], double precision) IS 'exponential map at base point p, norm clipped at (1-1e-5)/sqrt(c)';
COMMENT ON FUNCTION logmap(poincare_point, poincare_point, double precision) IS 'logarithmic map at base point p: the tangent vector at p pointing to q';
COMMENT ON FUNCTION poincare_geodesic(poincare_point, poincare_point, double precision, double precision) IS 'the point at fraction t along the geodesic from a to b';

CREATE OPERATOR <-> (
	LEFTARG = poincare_point, RIGHTARG = poincare_point,
	FUNCTION = poincare_distance, COMMUTATOR = '<->'
);
COMMENT ON OPERATOR <-> (poincare_point, poincare_point) IS 'hyperbolic distance (curvature -1)';

------------------------------------------------------------------------
-- Lorentz model and entailment cones
------------------------------------------------------------------------

CREATE FUNCTION to_lorentz(p poincare_point) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'poincare_to_lorentz' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION from_lorentz(h double precision[]) RETURNS poincare_point
	AS 'MODULE_PATHNAME', 'poincare_from_lorentz' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lorentz_distance(h double precision[], g double precision[]) RETURNS double precision
	AS 'MODULE_PATHNAME', 'poincare_lorentz_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cone_half_aperture(p poincare_point, k double precision DEFAULT 0.1) RETURNS double precision
	AS 'MODULE_PATHNAME', 'poincare_cone_half_aperture' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cone_exterior_angle(parent poincare_point, child poincare_point) RETURNS double precision
	AS 'MODULE_PATHNAME', 'poincare_cone_exterior_angle' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION to_lorentz(poincare_point) IS 'point to the hyperboloid model: n+1 coordinates, time first';
COMMENT ON FUNCTION from_lorentz(double precision[]) IS 'hyperboloid point (time first) to the Poincaré ball';
COMMENT ON FUNCTION lorentz_distance(double precision[], double precision[]) IS 'hyperbolic distance between two hyperboloid points';
COMMENT ON FUNCTION cone_half_aperture(poincare_point, double precision) IS 'half-aperture asin(K(1-|p|^2)/|p|) of the entailment cone at p (Ganea et al. 2018)';
COMMENT ON FUNCTION cone_exterior_angle(poincare_point, poincare_point) IS 'angle at parent between its cone axis and the geodesic to child; child is in the cone when it is at most the half-aperture';

------------------------------------------------------------------------
-- Aggregates
------------------------------------------------------------------------

CREATE FUNCTION poincare_midpoint_accum(double precision[], poincare_point) RETURNS double precision[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_midpoint_combine(double precision[], double precision[]) RETURNS double precision[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_midpoint_final(double precision[]) RETURNS poincare_point
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE poincare_midpoint(poincare_point) (
	SFUNC = poincare_midpoint_accum,
	STYPE = double precision[],
	FINALFUNC = poincare_midpoint_final,
	COMBINEFUNC = poincare_midpoint_combine,
	INITCOND = '{0}',
	PARALLEL = SAFE
);

COMMENT ON FUNCTION poincare_midpoint_accum(double precision[], poincare_point) IS 'transition function of poincare_midpoint';
COMMENT ON FUNCTION poincare_midpoint_combine(double precision[], double precision[]) IS 'combine function of poincare_midpoint';
COMMENT ON FUNCTION poincare_midpoint_final(double precision[]) IS 'final function of poincare_midpoint';
COMMENT ON AGGREGATE poincare_midpoint(poincare_point) IS 'Einstein (Klein-model) midpoint of a set of points';

------------------------------------------------------------------------
-- Equality, ordering and hashing (no geometric meaning)
------------------------------------------------------------------------

CREATE FUNCTION poincare_point_eq(poincare_point, poincare_point) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_point_ne(poincare_point, poincare_point) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_point_lt(poincare_point, poincare_point) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_point_le(poincare_point, poincare_point) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_point_gt(poincare_point, poincare_point) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_point_ge(poincare_point, poincare_point) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_point_cmp(poincare_point, poincare_point) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_point_hash(poincare_point) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR = (
	LEFTARG = poincare_point, RIGHTARG = poincare_point, FUNCTION = poincare_point_eq,
	COMMUTATOR = '=', NEGATOR = '<>', RESTRICT = eqsel, JOIN = eqjoinsel,
	HASHES, MERGES
);
CREATE OPERATOR <> (
	LEFTARG = poincare_point, RIGHTARG = poincare_point, FUNCTION = poincare_point_ne,
	COMMUTATOR = '<>', NEGATOR = '=', RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR < (
	LEFTARG = poincare_point, RIGHTARG = poincare_point, FUNCTION = poincare_point_lt,
	COMMUTATOR = '>', NEGATOR = '>=', RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR <= (
	LEFTARG = poincare_point, RIGHTARG = poincare_point, FUNCTION = poincare_point_le,
	COMMUTATOR = '>=', NEGATOR = '>', RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR > (
	LEFTARG = poincare_point, RIGHTARG = poincare_point, FUNCTION = poincare_point_gt,
	COMMUTATOR = '<', NEGATOR = '<=', RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR >= (
	LEFTARG = poincare_point, RIGHTARG = poincare_point, FUNCTION = poincare_point_ge,
	COMMUTATOR = '<=', NEGATOR = '<', RESTRICT = scalargesel, JOIN = scalargejoinsel
);

CREATE OPERATOR CLASS poincare_point_btree_ops
	DEFAULT FOR TYPE poincare_point USING btree AS
	OPERATOR 1 <,
	OPERATOR 2 <=,
	OPERATOR 3 =,
	OPERATOR 4 >=,
	OPERATOR 5 >,
	FUNCTION 1 poincare_point_cmp(poincare_point, poincare_point);

CREATE OPERATOR CLASS poincare_point_hash_ops
	DEFAULT FOR TYPE poincare_point USING hash AS
	OPERATOR 1 =,
	FUNCTION 1 poincare_point_hash(poincare_point);

COMMENT ON FUNCTION poincare_point_eq(poincare_point, poincare_point) IS 'implementation of = (same dimension and coordinates)';
COMMENT ON FUNCTION poincare_point_ne(poincare_point, poincare_point) IS 'implementation of <>';
COMMENT ON FUNCTION poincare_point_lt(poincare_point, poincare_point) IS 'implementation of < (lexicographic, no geometric meaning)';
COMMENT ON FUNCTION poincare_point_le(poincare_point, poincare_point) IS 'implementation of <=';
COMMENT ON FUNCTION poincare_point_gt(poincare_point, poincare_point) IS 'implementation of >';
COMMENT ON FUNCTION poincare_point_ge(poincare_point, poincare_point) IS 'implementation of >=';
COMMENT ON FUNCTION poincare_point_cmp(poincare_point, poincare_point) IS 'btree comparison support (lexicographic order)';
COMMENT ON FUNCTION poincare_point_hash(poincare_point) IS 'hash support, consistent with =';
COMMENT ON OPERATOR = (poincare_point, poincare_point) IS 'same dimension and coordinates';
COMMENT ON OPERATOR <> (poincare_point, poincare_point) IS 'not equal';
COMMENT ON OPERATOR < (poincare_point, poincare_point) IS 'less than in the lexicographic total order';
COMMENT ON OPERATOR <= (poincare_point, poincare_point) IS 'less than or equal in the lexicographic total order';
COMMENT ON OPERATOR > (poincare_point, poincare_point) IS 'greater than in the lexicographic total order';
COMMENT ON OPERATOR >= (poincare_point, poincare_point) IS 'greater than or equal in the lexicographic total order';
COMMENT ON OPERATOR FAMILY poincare_point_btree_ops USING btree IS 'total order of poincare_point';
COMMENT ON OPERATOR FAMILY poincare_point_hash_ops USING hash IS 'hashing of poincare_point';
COMMENT ON OPERATOR CLASS poincare_point_btree_ops USING btree IS 'total order for DISTINCT, GROUP BY, UNIQUE and sorting';
COMMENT ON OPERATOR CLASS poincare_point_hash_ops USING hash IS 'hashing for hash joins and hash aggregation';

------------------------------------------------------------------------
-- Pictures
------------------------------------------------------------------------

CREATE FUNCTION hack_plot(
	points poincare_point[],
	groups integer[] DEFAULT NULL,
	images bytea[] DEFAULT NULL,
	size integer DEFAULT 800,
	color_by text DEFAULT 'group',
	rays integer DEFAULT 12,
	rings integer DEFAULT 4,
	height integer DEFAULT 28,
	width integer DEFAULT 28,
	channels integer DEFAULT 1) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION hack_plot(poincare_point[], integer[], bytea[], integer, text, integer, integer, integer, integer, integer) IS
	'PNG picture of 2-D embeddings in the Poincaré disc, coloured by group or norm, with optional image thumbnails at sampled positions';

------------------------------------------------------------------------
-- Assignment (Hungarian problem)
------------------------------------------------------------------------

CREATE TYPE hack_match AS (row_key bigint, col_key bigint, cost double precision);

CREATE FUNCTION hungarian(cost_matrix double precision[], maximize boolean DEFAULT false)
	RETURNS TABLE(row_index integer, col_index integer, cost double precision)
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;

CREATE FUNCTION hungarian_agg_accum(internal, bigint, bigint, double precision) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION hungarian_agg_final(internal) RETURNS hack_match[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE hungarian_agg(row_key bigint, col_key bigint, cost double precision) (
	SFUNC = hungarian_agg_accum,
	STYPE = internal,
	FINALFUNC = hungarian_agg_final,
	FINALFUNC_MODIFY = READ_ONLY,
	PARALLEL = SAFE
);

CREATE FUNCTION hack_assign(points poincare_point[], targets poincare_point[])
	RETURNS TABLE(point_index integer, target_index integer, distance double precision)
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;

COMMENT ON TYPE hack_match IS 'one matched pair of hungarian_agg: row key, column key and its cost';
COMMENT ON FUNCTION hungarian(double precision[], boolean) IS
	'optimal one-to-one assignment of the rows and columns of a cost matrix (Infinity forbids a pair); one row per matched pair, by array subscripts';
COMMENT ON FUNCTION hungarian_agg_accum(internal, bigint, bigint, double precision) IS 'transition function of hungarian_agg';
COMMENT ON FUNCTION hungarian_agg_final(internal) IS 'final function of hungarian_agg';
COMMENT ON AGGREGATE hungarian_agg(bigint, bigint, double precision) IS
	'optimal one-to-one assignment over an edge list (row_key, col_key, cost); missing pairs are forbidden';
COMMENT ON FUNCTION hack_assign(poincare_point[], poincare_point[]) IS
	'matches points to targets one-to-one with the least total Poincaré distance (1-based positions)';

------------------------------------------------------------------------
-- Sphere packing (uniform targets in the Poincaré ball)
------------------------------------------------------------------------

CREATE FUNCTION hack_pack(n integer, dim integer DEFAULT 2, radius float8 DEFAULT 0.76,
		k float8 DEFAULT 1.55, epochs integer DEFAULT 1000, lr float8 DEFAULT 0.01,
		seed bigint DEFAULT 0)
	RETURNS TABLE (particle_id integer, point poincare_point)
	AS 'MODULE_PATHNAME', 'packing_pack' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	COST 1000000 ROWS 1000;

CREATE FUNCTION hack_packing_stats(points poincare_point[], radius float8 DEFAULT 0.76,
		OUT n integer, OUT dim integer, OUT annulus_counts bigint[],
		OUT annulus_max_deviation float8, OUT outside bigint, OUT nn_mean float8,
		OUT nn_cv float8, OUT nn_min float8, OUT nn_max float8, OUT max_norm float8,
		OUT coincident_pairs bigint)
	AS 'MODULE_PATHNAME', 'packing_stats' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	COST 10000;

COMMENT ON FUNCTION hack_pack(integer, integer, float8, float8, integer, float8, bigint) IS
	'n particles packed uniformly in the Poincaré ball of Euclidean radius radius (HACK, section 4.3); deterministic for a seed';
COMMENT ON FUNCTION hack_packing_stats(poincare_point[], float8) IS
	'uniformity of a packing: counts in 10 shells of equal hyperbolic volume, nearest-neighbour hyperbolic distances, largest norm, coincident pairs';

------------------------------------------------------------------------
-- Type hball and the GiST index on poincare_point
------------------------------------------------------------------------

CREATE TYPE hball;

CREATE FUNCTION hball_in(cstring) RETURNS hball
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION hball_out(hball) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION hball_recv(internal) RETURNS hball
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION hball_send(hball) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE hball (
	INPUT = hball_in,
	OUTPUT = hball_out,
	RECEIVE = hball_recv,
	SEND = hball_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = external
);

CREATE FUNCTION hball(center poincare_point, radius double precision) RETURNS hball
	AS 'MODULE_PATHNAME', 'hball_make' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION hball_center(hball) RETURNS poincare_point
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION hball_radius(hball) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_point_in_hball(poincare_point, hball) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION hball_contains_point(hball, poincare_point) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR <@ (
	LEFTARG = poincare_point, RIGHTARG = hball, FUNCTION = poincare_point_in_hball,
	COMMUTATOR = '@>', RESTRICT = contsel, JOIN = contjoinsel
);
CREATE OPERATOR @> (
	LEFTARG = hball, RIGHTARG = poincare_point, FUNCTION = hball_contains_point,
	COMMUTATOR = '<@', RESTRICT = contsel, JOIN = contjoinsel
);

COMMENT ON TYPE hball IS
	'a hyperbolic ball: centre poincare_point and hyperbolic radius >= 0 (curvature -1), text form <(x1,...,xn),r>';
COMMENT ON FUNCTION hball_in(cstring) IS 'text input of hball';
COMMENT ON FUNCTION hball_out(hball) IS 'text output of hball';
COMMENT ON FUNCTION hball_recv(internal) IS 'binary input of hball (re-validated)';
COMMENT ON FUNCTION hball_send(hball) IS 'binary output of hball';
COMMENT ON FUNCTION hball(poincare_point, double precision) IS 'the hyperbolic ball of the given centre and radius';
COMMENT ON FUNCTION hball_center(hball) IS 'centre of a hyperbolic ball';
COMMENT ON FUNCTION hball_radius(hball) IS 'hyperbolic radius of a hyperbolic ball';
COMMENT ON FUNCTION poincare_point_in_hball(poincare_point, hball) IS 'implementation of <@: the point is within the radius of the centre';
COMMENT ON FUNCTION hball_contains_point(hball, poincare_point) IS 'implementation of @>: the ball contains the point';
COMMENT ON OPERATOR <@ (poincare_point, hball) IS 'point lies in the hyperbolic ball (distance to the centre <= radius)';
COMMENT ON OPERATOR @> (hball, poincare_point) IS 'hyperbolic ball contains the point';

-- like core's point_ops, support functions declare the indexed type for the query
-- argument (amvalidate requires it); the query of consistent is an hball
CREATE FUNCTION poincare_gist_consistent(internal, poincare_point, smallint, oid, internal) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_gist_union(internal, internal) RETURNS poincare_point
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_gist_penalty(internal, internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_gist_picksplit(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_gist_same(poincare_point, poincare_point, internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_gist_distance(internal, poincare_point, smallint, oid, internal) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION poincare_gist_sortsupport(internal) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR CLASS poincare_point_gist_ops
	DEFAULT FOR TYPE poincare_point USING gist AS
	OPERATOR 8 <@ (poincare_point, hball),
	OPERATOR 15 <-> (poincare_point, poincare_point) FOR ORDER BY float_ops,
	FUNCTION 1 poincare_gist_consistent(internal, poincare_point, smallint, oid, internal),
	FUNCTION 2 poincare_gist_union(internal, internal),
	FUNCTION 5 poincare_gist_penalty(internal, internal, internal),
	FUNCTION 6 poincare_gist_picksplit(internal, internal),
	FUNCTION 7 poincare_gist_same(poincare_point, poincare_point, internal),
	FUNCTION 8 poincare_gist_distance(internal, poincare_point, smallint, oid, internal),
	FUNCTION 11 poincare_gist_sortsupport(internal);

COMMENT ON FUNCTION poincare_gist_consistent(internal, poincare_point, smallint, oid, internal) IS 'GiST support: can a subtree hold points of the hyperbolic ball (exact on leaves)';
COMMENT ON FUNCTION poincare_gist_union(internal, internal) IS 'GiST support: Euclidean bounding box of keys';
COMMENT ON FUNCTION poincare_gist_penalty(internal, internal, internal) IS 'GiST support: growth of the box margin on insertion';
COMMENT ON FUNCTION poincare_gist_picksplit(internal, internal) IS 'GiST support: R*-tree page split';
COMMENT ON FUNCTION poincare_gist_same(poincare_point, poincare_point, internal) IS 'GiST support: key equality';
COMMENT ON FUNCTION poincare_gist_distance(internal, poincare_point, smallint, oid, internal) IS 'GiST support: exact hyperbolic distance on leaves, a proven lower bound on boxes';
COMMENT ON FUNCTION poincare_gist_sortsupport(internal) IS 'GiST support: Hilbert (2-D) or Z-order curve order for sorted builds';
COMMENT ON OPERATOR FAMILY poincare_point_gist_ops USING gist IS 'GiST support of poincare_point: KNN by <-> and ball search by <@';
COMMENT ON OPERATOR CLASS poincare_point_gist_ops USING gist IS 'R-tree on ball coordinates: exact KNN by hyperbolic distance (ORDER BY <->) and hyperbolic-ball search (<@ hball)';
-- ---------------------------------------------------------------------------
-- Encoder engine (the CNN that HACK trains; see doc/encoder.md)
-- ---------------------------------------------------------------------------

CREATE FUNCTION hack_nn_selftest()
	RETURNS float8
	AS 'MODULE_PATHNAME', 'hack_nn_selftest'
	LANGUAGE C VOLATILE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION hack_nn_selftest() IS 'smoke test of the encoder engine: a seeded lenet forward and backward pass through OpenBLAS with hack.blas_threads threads, a serialisation round trip and one SGD step; returns the initial loss';

------------------------------------------------------------------------
-- Training: the model catalogue, the embeddings, hack_train, hack_embed
------------------------------------------------------------------------

CREATE SCHEMA hack;
COMMENT ON SCHEMA hack IS 'tables of the hack extension: trained models and embeddings';
GRANT USAGE ON SCHEMA hack TO PUBLIC;

CREATE TABLE hack.models (
	model			text NOT NULL,
	group_key		text NOT NULL DEFAULT '',
	architecture	text NOT NULL,
	params			jsonb NOT NULL,
	weights			bytea NOT NULL,
	normalisation	jsonb NOT NULL,
	metrics			jsonb NOT NULL,
	source			regclass NOT NULL,
	owner			regrole NOT NULL DEFAULT pg_catalog.quote_ident(CURRENT_USER)::pg_catalog.regrole,
	n_rows			bigint NOT NULL,
	trained_at		timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (model, group_key)
);
CREATE TABLE hack.embeddings (
	model			text NOT NULL,
	group_key		text NOT NULL DEFAULT '',
	id				bigint NOT NULL,
	embedding		poincare_point NOT NULL,
	-- NULL for rows embedded outside training (hack_refresh, the trigger)
	-- until the next training or resume
	particle		poincare_point,
	particle_id		integer,
	norm			double precision NOT NULL,
	image_hash		bigint,
	PRIMARY KEY (model, group_key, id),
	FOREIGN KEY (model, group_key) REFERENCES hack.models ON DELETE CASCADE
);
CREATE INDEX embeddings_norm_idx ON hack.embeddings (model, group_key, norm);
CREATE INDEX embeddings_embedding_idx ON hack.embeddings USING gist (embedding);
SELECT pg_catalog.pg_extension_config_dump('hack.models', '');
SELECT pg_catalog.pg_extension_config_dump('hack.embeddings', '');

COMMENT ON TABLE hack.models IS 'one row per trained (model, group): architecture, parameters, weights, normalisation, metrics';
COMMENT ON TABLE hack.embeddings IS 'one row per trained image: its embedding, assigned particle and hyperbolic norm (small = typical)';

-- Privileges (doc/reliability.md, "Privileges"): everyone may train and
-- read, but row-level security shows a model and its embeddings only to
-- roles that can SELECT the model's source table, and lets only members of
-- the model's owner role (who can read the source) write them.  A model
-- whose source was dropped is visible to superusers only.  No TRUNCATE:
-- it would bypass the policies.
ALTER TABLE hack.models ENABLE ROW LEVEL SECURITY;
ALTER TABLE hack.embeddings ENABLE ROW LEVEL SECURITY;
CREATE POLICY models_read ON hack.models FOR SELECT
	USING (pg_catalog.has_table_privilege(source, 'SELECT'));
CREATE POLICY models_insert ON hack.models FOR INSERT
	WITH CHECK (pg_catalog.pg_has_role(owner, 'MEMBER') AND pg_catalog.has_table_privilege(source, 'SELECT'));
CREATE POLICY models_update ON hack.models FOR UPDATE
	USING (pg_catalog.pg_has_role(owner, 'MEMBER') AND pg_catalog.has_table_privilege(source, 'SELECT'))
	WITH CHECK (pg_catalog.pg_has_role(owner, 'MEMBER') AND pg_catalog.has_table_privilege(source, 'SELECT'));
CREATE POLICY models_delete ON hack.models FOR DELETE
	USING (pg_catalog.pg_has_role(owner, 'MEMBER') AND pg_catalog.has_table_privilege(source, 'SELECT'));
-- the embeddings' policies use uncorrelated IN subqueries (one hashed scan
-- of the visible models a query): a correlated EXISTS is costed per row,
-- which made the planner JIT-compile every scan of a large model (+0.1-0.9 s)
CREATE POLICY embeddings_read ON hack.embeddings FOR SELECT
	USING ((model, group_key) IN (SELECT m.model, m.group_key FROM hack.models m));
CREATE POLICY embeddings_insert ON hack.embeddings FOR INSERT
	WITH CHECK ((model, group_key) IN (SELECT m.model, m.group_key FROM hack.models m
		WHERE pg_catalog.pg_has_role(m.owner, 'MEMBER')));
CREATE POLICY embeddings_update ON hack.embeddings FOR UPDATE
	USING ((model, group_key) IN (SELECT m.model, m.group_key FROM hack.models m
		WHERE pg_catalog.pg_has_role(m.owner, 'MEMBER')))
	WITH CHECK ((model, group_key) IN (SELECT m.model, m.group_key FROM hack.models m
		WHERE pg_catalog.pg_has_role(m.owner, 'MEMBER')));
CREATE POLICY embeddings_delete ON hack.embeddings FOR DELETE
	USING ((model, group_key) IN (SELECT m.model, m.group_key FROM hack.models m
		WHERE pg_catalog.pg_has_role(m.owner, 'MEMBER')));
GRANT SELECT, INSERT, UPDATE, DELETE ON hack.models, hack.embeddings TO PUBLIC;

COMMENT ON COLUMN hack.models.source IS 'the table trained on; the model is visible to roles that can SELECT it';
COMMENT ON COLUMN hack.models.owner IS 'the role that trained the model; its members (who can read the source) may retrain or delete it';
COMMENT ON POLICY models_read ON hack.models IS 'a model is visible to roles that can SELECT its source table';
COMMENT ON POLICY models_insert ON hack.models IS 'a new model belongs to a role of the writer and to a source the writer can read';
COMMENT ON POLICY models_update ON hack.models IS 'only members of the owner role who can read the source retrain a model';
COMMENT ON POLICY models_delete ON hack.models IS 'only members of the owner role who can read the source delete a model';
COMMENT ON POLICY embeddings_read ON hack.embeddings IS 'embeddings are visible with their model';
COMMENT ON POLICY embeddings_insert ON hack.embeddings IS 'embeddings are added by members of their model''s owner role';
COMMENT ON POLICY embeddings_update ON hack.embeddings IS 'embeddings are changed by members of their model''s owner role';
COMMENT ON POLICY embeddings_delete ON hack.embeddings IS 'embeddings are deleted by members of their model''s owner role';

CREATE FUNCTION hack_models_changed() RETURNS trigger
	AS 'MODULE_PATHNAME' LANGUAGE C;
CREATE TRIGGER models_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON hack.models
	FOR EACH STATEMENT EXECUTE FUNCTION hack_models_changed();
COMMENT ON FUNCTION hack_models_changed() IS 'trigger: makes every backend drop its cached models when hack.models changes';
COMMENT ON TRIGGER models_changed ON hack.models IS 'invalidates the model caches of hack_embed';

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
	if_busy text DEFAULT 'error')
	AS 'MODULE_PATHNAME' LANGUAGE C;
COMMENT ON PROCEDURE hack_train(text, regclass, name, name, name, integer, integer, integer, text, text, integer[], integer, integer, integer, double precision, double precision, double precision, integer, double precision, double precision, integer, double precision, double precision, bigint, boolean, boolean, text) IS
	'trains HACK on the images of a table (per group) and writes hack.models and hack.embeddings; commits after each group when called outside a transaction block; resume => true warm-starts from the stored models; one job per model at a time (if_busy: error, skip or wait)';

CREATE FUNCTION hack_embed(model text, image bytea, group_key text DEFAULT '') RETURNS poincare_point
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hack_embed(text, bytea, text) IS 'embeds a new image with a stored model (cached per backend)';

CREATE VIEW hack.training_progress AS
SELECT a.pid, a.usename, a.query_start AS started_at, p.model, p."group", p.group_no, p.groups,
	p.rows, p.epoch, p.epochs, p.loss, p.images_per_second, p.eta_seconds
FROM pg_catalog.pg_stat_activity a,
	LATERAL pg_catalog.jsonb_to_record(CASE WHEN a.query LIKE 'hack\_train progress: %'
		THEN pg_catalog.substr(a.query, 22)::jsonb END)
		AS p(model text, "group" text, group_no integer, groups integer, rows integer,
			epoch integer, epochs integer, loss double precision,
			images_per_second double precision, eta_seconds double precision)
WHERE a.query LIKE 'hack\_train progress: %';
GRANT SELECT ON hack.training_progress TO PUBLIC;
COMMENT ON VIEW hack.training_progress IS 'live progress of running hack_train jobs (visible as pg_stat_activity is)';

------------------------------------------------------------------------
-- Selection helpers
------------------------------------------------------------------------

CREATE FUNCTION hack_select(model text, fraction double precision, mode text DEFAULT 'typical')
	RETURNS TABLE (group_key text, id bigint, norm double precision, rank integer)
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
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
	IF NOT EXISTS (SELECT FROM hack.models m WHERE m.model = hack_select.model) THEN
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
	ELSE
		-- diverse: k = ceil(fraction n) equal sectors of angle; the largest-norm row
		-- of each sector first, then the largest-norm rows left
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
	END IF;
END
$$;
COMMENT ON FUNCTION hack_select(text, double precision, text) IS
	'the fraction of each group''s rows that are most typical (smallest norm), most atypical (largest norm) or atypical and diverse (largest norm per angular sector)';

CREATE FUNCTION hack_knn_density(model text, k integer DEFAULT 10)
	RETURNS TABLE (group_key text, id bigint, norm double precision, knn_radius double precision, density double precision)
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hack_knn_density(text, integer) IS
	'k-nearest-neighbour density k / (n V(r_k)) of each embedding of a model, by group (r_k: hyperbolic distance to the k-th neighbour)';

------------------------------------------------------------------------
-- Incremental curation: refresh, trigger, image hashes (doc/incremental.md)
------------------------------------------------------------------------

COMMENT ON COLUMN hack.embeddings.particle IS 'the packed particle the row was trained towards; NULL for rows embedded since the last training';
COMMENT ON COLUMN hack.embeddings.particle_id IS 'index (from 1) of the particle; NULL for rows embedded since the last training';
COMMENT ON COLUMN hack.embeddings.image_hash IS 'hack_image_hash of the image the embedding was computed from: hack_refresh re-embeds a row when it differs';

CREATE FUNCTION hack_image_hash(image bytea) RETURNS bigint
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hack_image_hash(bytea) IS
	'64-bit hash of the raw bytes of an image (hash_bytes_extended, seed 0), as stored in hack.embeddings.image_hash';

CREATE PROCEDURE hack_refresh(
	model text,
	batch_size integer DEFAULT 1000,
	if_busy text DEFAULT 'error',
	INOUT embedded bigint DEFAULT NULL,
	INOUT updated bigint DEFAULT NULL,
	INOUT deleted bigint DEFAULT NULL,
	INOUT skipped bigint DEFAULT NULL)
	AS 'MODULE_PATHNAME' LANGUAGE C;
COMMENT ON PROCEDURE hack_refresh(text, integer, text, bigint, bigint, bigint, bigint) IS
	'embeds source rows that have no embedding or whose image changed, and deletes embeddings of rows gone, group by group with the stored models (no training); commits per batch outside a transaction block; returns the counts';

CREATE FUNCTION hack_embed_trigger() RETURNS trigger
	AS 'MODULE_PATHNAME' LANGUAGE C;
COMMENT ON FUNCTION hack_embed_trigger() IS
	'row trigger AFTER INSERT OR UPDATE OR DELETE on a model''s source: EXECUTE FUNCTION hack_embed_trigger(''model'') keeps the embeddings of changed rows current';
