-- sql/hack.sql: the SQL surface of the hack extension, the full install script of the current version
--
-- The Makefile copies this file to hack--<default_version>.sql (DATA_built),
-- so a fresh CREATE EXTENSION runs it alone.  It must create exactly what
-- hack--1.0.sql and the update scripts create on the way up (test/t/
-- 017_upgrade.pl compares the catalogues): a change here is a change of
-- every update script's target, so it goes with a new hack--X--Y.sql and a
-- new default_version.  Sections by object kind: types and I/O; geometry;
-- operators and operator classes; assignment; packing; training and the
-- catalogue; selection; pictures; deprecated names.  Names follow one
-- scheme (doc/reference.md, "Names"): type support is <type>_<what>,
-- geometry on poincare_point is poincare_<what>, the HACK workflow and its
-- tools are hack_<what>.
\echo Use "CREATE EXTENSION hack" to load this file. \quit

------------------------------------------------------------------------
-- Types and I/O: poincare_point, its casts, hball
------------------------------------------------------------------------

CREATE TYPE poincare_point;

CREATE FUNCTION poincare_point_in(cstring, oid, integer) RETURNS poincare_point
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_point_in(cstring, oid, integer) IS 'text input of poincare_point';
CREATE FUNCTION poincare_point_out(poincare_point) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_point_out(poincare_point) IS 'text output of poincare_point (shortest exact float8 digits)';
CREATE FUNCTION poincare_point_typmod_in(cstring[]) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_point_typmod_in(cstring[]) IS 'parses the dimension modifier of poincare_point(n)';
CREATE FUNCTION poincare_point_typmod_out(integer) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_point_typmod_out(integer) IS 'prints the dimension modifier of poincare_point(n)';
CREATE FUNCTION poincare_point_recv(internal, oid, integer) RETURNS poincare_point
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_point_recv(internal, oid, integer) IS 'binary input of poincare_point';
CREATE FUNCTION poincare_point_send(poincare_point) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_point_send(poincare_point) IS 'binary output of poincare_point';

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
	'a point of the Poincaré ball of curvature -1 (the open unit ball), text form (x1,...,xn) (input also [x1,...,xn], as JSON and Python lists print); poincare_point(n) fixes the dimension';

-- casts: the type's own name applies the typmod; <source>_to_<type> and
-- <type>_to_<target> convert
CREATE FUNCTION poincare_point(poincare_point, integer, boolean) RETURNS poincare_point
	AS 'MODULE_PATHNAME', 'poincare_point_typmod_cast' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_point(poincare_point, integer, boolean) IS 'enforces the dimension of poincare_point(n)';
CREATE FUNCTION array_to_poincare_point(double precision[], integer, boolean) RETURNS poincare_point
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION array_to_poincare_point(double precision[], integer, boolean) IS 'cast float8[] to poincare_point (validated: finite, inside the unit ball)';
CREATE FUNCTION array_to_poincare_point(real[], integer, boolean) RETURNS poincare_point
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION array_to_poincare_point(real[], integer, boolean) IS 'cast real[] to poincare_point (validated: finite, inside the unit ball)';
CREATE FUNCTION array_to_poincare_point(numeric[], integer, boolean) RETURNS poincare_point
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION array_to_poincare_point(numeric[], integer, boolean) IS 'cast numeric[] to poincare_point (validated: finite, inside the unit ball)';
CREATE FUNCTION array_to_poincare_point(integer[], integer, boolean) RETURNS poincare_point
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION array_to_poincare_point(integer[], integer, boolean) IS 'cast integer[] to poincare_point (only the origin fits the unit ball)';
CREATE FUNCTION poincare_point_to_float8(poincare_point, integer, boolean) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'poincare_point_to_float8_array' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_point_to_float8(poincare_point, integer, boolean) IS 'cast poincare_point to its float8[] coordinates';

CREATE CAST (poincare_point AS poincare_point)
	WITH FUNCTION poincare_point(poincare_point, integer, boolean) AS IMPLICIT;
COMMENT ON CAST (poincare_point AS poincare_point) IS 'applies the dimension of poincare_point(n)';
CREATE CAST (double precision[] AS poincare_point)
	WITH FUNCTION array_to_poincare_point(double precision[], integer, boolean) AS ASSIGNMENT;
COMMENT ON CAST (double precision[] AS poincare_point) IS 'coordinates to point; errors if outside the unit ball';
CREATE CAST (real[] AS poincare_point)
	WITH FUNCTION array_to_poincare_point(real[], integer, boolean) AS ASSIGNMENT;
COMMENT ON CAST (real[] AS poincare_point) IS 'coordinates to point; errors if outside the unit ball';
CREATE CAST (numeric[] AS poincare_point)
	WITH FUNCTION array_to_poincare_point(numeric[], integer, boolean) AS ASSIGNMENT;
COMMENT ON CAST (numeric[] AS poincare_point) IS 'coordinates to point; errors if outside the unit ball';
CREATE CAST (integer[] AS poincare_point)
	WITH FUNCTION array_to_poincare_point(integer[], integer, boolean) AS ASSIGNMENT;
COMMENT ON CAST (integer[] AS poincare_point) IS 'coordinates to point; errors if outside the unit ball';
CREATE CAST (poincare_point AS double precision[])
	WITH FUNCTION poincare_point_to_float8(poincare_point, integer, boolean) AS ASSIGNMENT;
COMMENT ON CAST (poincare_point AS double precision[]) IS 'point to its coordinates';
-- 1.4 (issue 18, clients): real[] both ways, as float8[] (float32 vectors of numpy and pgvector)
CREATE FUNCTION poincare_point_to_float4(poincare_point, integer, boolean) RETURNS real[]
	AS 'MODULE_PATHNAME', 'poincare_point_to_float4_array' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_point_to_float4(poincare_point, integer, boolean) IS 'cast poincare_point to its coordinates rounded to real[] (a coordinate that rounds to 0 is an error, as for float8 to real)';
CREATE CAST (poincare_point AS real[])
	WITH FUNCTION poincare_point_to_float4(poincare_point, integer, boolean) AS ASSIGNMENT;
COMMENT ON CAST (poincare_point AS real[]) IS 'point to its coordinates in single precision';

CREATE TYPE hball;

CREATE FUNCTION hball_in(cstring) RETURNS hball
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hball_in(cstring) IS 'text input of hball';
CREATE FUNCTION hball_out(hball) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hball_out(hball) IS 'text output of hball';
CREATE FUNCTION hball_recv(internal) RETURNS hball
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hball_recv(internal) IS 'binary input of hball (re-validated)';
CREATE FUNCTION hball_send(hball) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hball_send(hball) IS 'binary output of hball';

CREATE TYPE hball (
	INPUT = hball_in,
	OUTPUT = hball_out,
	RECEIVE = hball_recv,
	SEND = hball_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = external
);
COMMENT ON TYPE hball IS
	'a hyperbolic ball: centre poincare_point and hyperbolic radius >= 0 (curvature -1), text form <(x1,...,xn),r>';

CREATE FUNCTION hball(center poincare_point, radius double precision) RETURNS hball
	AS 'MODULE_PATHNAME', 'hball_make' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hball(poincare_point, double precision) IS 'the hyperbolic ball of the given centre and radius';
CREATE FUNCTION hball_center(hball) RETURNS poincare_point
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hball_center(hball) IS 'centre of a hyperbolic ball';
CREATE FUNCTION hball_radius(hball) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hball_radius(hball) IS 'hyperbolic radius of a hyperbolic ball';

------------------------------------------------------------------------
-- Geometry on poincare_point: poincare_<what> (doc/geometry.md)
------------------------------------------------------------------------

CREATE FUNCTION poincare_dim(poincare_point) RETURNS integer
	AS 'MODULE_PATHNAME', 'poincare_point_dim' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_dim(poincare_point) IS 'number of coordinates of a point';
CREATE FUNCTION poincare_distance(a poincare_point, b poincare_point) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_distance(poincare_point, poincare_point) IS 'hyperbolic (Poincaré) distance, curvature -1; same as <->';
CREATE FUNCTION poincare_distance(a poincare_point, b poincare_point, c double precision) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_distance(poincare_point, poincare_point, double precision) IS 'hyperbolic distance in the ball of curvature -c';
CREATE FUNCTION poincare_norm(p poincare_point, c double precision DEFAULT 1) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_norm(poincare_point, double precision) IS 'hyperbolic distance to the origin: the prototypicality score (small = typical)';
CREATE FUNCTION poincare_mobius_add(a poincare_point, b poincare_point, c double precision DEFAULT 1) RETURNS poincare_point
	AS 'MODULE_PATHNAME', 'poincare_mobius_add' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_mobius_add(poincare_point, poincare_point, double precision) IS 'Möbius addition a ⊕ b in the ball of curvature -c';
CREATE FUNCTION poincare_mobius_scale(r double precision, p poincare_point, c double precision DEFAULT 1) RETURNS poincare_point
	AS 'MODULE_PATHNAME', 'poincare_mobius_scale' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_mobius_scale(double precision, poincare_point, double precision) IS 'Möbius scalar multiplication r ⊗ p in the ball of curvature -c';
CREATE FUNCTION poincare_expmap0(v double precision[], c double precision DEFAULT 1) RETURNS poincare_point
	AS 'MODULE_PATHNAME', 'poincare_expmap0' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_expmap0(double precision[], double precision) IS 'exponential map at the origin: tangent vector to point, norm clipped at (1-1e-5)/sqrt(c)';
CREATE FUNCTION poincare_logmap0(p poincare_point, c double precision DEFAULT 1) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'poincare_logmap0' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_logmap0(poincare_point, double precision) IS 'logarithmic map at the origin: point to tangent vector';
CREATE FUNCTION poincare_expmap(p poincare_point, v double precision[], c double precision DEFAULT 1) RETURNS poincare_point
	AS 'MODULE_PATHNAME', 'poincare_expmap' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_expmap(poincare_point, double precision[], double precision) IS 'exponential map at base point p, norm clipped at (1-1e-5)/sqrt(c)';
CREATE FUNCTION poincare_logmap(p poincare_point, q poincare_point, c double precision DEFAULT 1) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'poincare_logmap' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_logmap(poincare_point, poincare_point, double precision) IS 'logarithmic map at base point p: the tangent vector at p pointing to q';
CREATE FUNCTION poincare_geodesic(a poincare_point, b poincare_point, t double precision, c double precision DEFAULT 1) RETURNS poincare_point
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_geodesic(poincare_point, poincare_point, double precision, double precision) IS 'the point at fraction t along the geodesic from a to b';

-- the Lorentz (hyperboloid) model and entailment cones
CREATE FUNCTION poincare_to_lorentz(p poincare_point) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'poincare_to_lorentz' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_to_lorentz(poincare_point) IS 'point to the hyperboloid model: n+1 coordinates, time first';
CREATE FUNCTION poincare_from_lorentz(h double precision[]) RETURNS poincare_point
	AS 'MODULE_PATHNAME', 'poincare_from_lorentz' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_from_lorentz(double precision[]) IS 'hyperboloid point (time first) to the Poincaré ball';
CREATE FUNCTION poincare_lorentz_distance(h double precision[], g double precision[]) RETURNS double precision
	AS 'MODULE_PATHNAME', 'poincare_lorentz_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_lorentz_distance(double precision[], double precision[]) IS 'hyperbolic distance between two hyperboloid points';
CREATE FUNCTION poincare_cone_half_aperture(p poincare_point, k double precision DEFAULT 0.1) RETURNS double precision
	AS 'MODULE_PATHNAME', 'poincare_cone_half_aperture' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_cone_half_aperture(poincare_point, double precision) IS 'half-aperture asin(K(1-|p|^2)/|p|) of the entailment cone at p (Ganea et al. 2018)';
CREATE FUNCTION poincare_cone_exterior_angle(parent poincare_point, child poincare_point) RETURNS double precision
	AS 'MODULE_PATHNAME', 'poincare_cone_exterior_angle' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_cone_exterior_angle(poincare_point, poincare_point) IS 'angle at parent between its cone axis and the geodesic to child; child is in the cone when it is at most the half-aperture';

-- the midpoint aggregate; its support functions are <aggregate>_<role>
CREATE FUNCTION poincare_midpoint_accum(double precision[], poincare_point) RETURNS double precision[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_midpoint_accum(double precision[], poincare_point) IS 'transition function of poincare_midpoint';
CREATE FUNCTION poincare_midpoint_combine(double precision[], double precision[]) RETURNS double precision[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_midpoint_combine(double precision[], double precision[]) IS 'combine function of poincare_midpoint';
CREATE FUNCTION poincare_midpoint_final(double precision[]) RETURNS poincare_point
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_midpoint_final(double precision[]) IS 'final function of poincare_midpoint';
CREATE AGGREGATE poincare_midpoint(poincare_point) (
	SFUNC = poincare_midpoint_accum,
	STYPE = double precision[],
	FINALFUNC = poincare_midpoint_final,
	COMBINEFUNC = poincare_midpoint_combine,
	INITCOND = '{0}',
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE poincare_midpoint(poincare_point) IS 'Einstein (Klein-model) midpoint of a set of points';

------------------------------------------------------------------------
-- Operators and operator classes: distance, ball containment, equality,
-- ordering and hashing (no geometric meaning), the GiST index
-- (doc/gist.md)
------------------------------------------------------------------------

-- LEAKPROOF (hack 1.4): the functions of <@, @> and the comparisons never
-- raise and return nothing but their result, so the planner may run them
-- before the row-security policies of hack's tables, and a plain role's
-- ball search uses the GiST index as a superuser's does (doc/gist.md, "Row
-- security").  A point and a ball of different dimensions are not
-- contained, rather than an error that would depend on a hidden row.  <->
-- is not LEAKPROOF: it raises on different dimensions, and ORDER BY, where
-- KNN uses it, needs no LEAKPROOF for the index.
CREATE OPERATOR <-> (
	LEFTARG = poincare_point, RIGHTARG = poincare_point,
	FUNCTION = poincare_distance, COMMUTATOR = '<->'
);
COMMENT ON OPERATOR <-> (poincare_point, poincare_point) IS 'hyperbolic distance (curvature -1)';

CREATE FUNCTION poincare_point_in_hball(poincare_point, hball) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
COMMENT ON FUNCTION poincare_point_in_hball(poincare_point, hball) IS 'implementation of <@: the point is within the radius of the centre (false for a point of another dimension; LEAKPROOF)';
CREATE FUNCTION hball_contains_point(hball, poincare_point) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
COMMENT ON FUNCTION hball_contains_point(hball, poincare_point) IS 'implementation of @>: the ball contains the point (false for a point of another dimension; LEAKPROOF)';
CREATE OPERATOR <@ (
	LEFTARG = poincare_point, RIGHTARG = hball, FUNCTION = poincare_point_in_hball,
	COMMUTATOR = '@>', RESTRICT = contsel, JOIN = contjoinsel
);
COMMENT ON OPERATOR <@ (poincare_point, hball) IS 'point lies in the hyperbolic ball (distance to the centre <= radius)';
CREATE OPERATOR @> (
	LEFTARG = hball, RIGHTARG = poincare_point, FUNCTION = hball_contains_point,
	COMMUTATOR = '<@', RESTRICT = contsel, JOIN = contjoinsel
);
COMMENT ON OPERATOR @> (hball, poincare_point) IS 'hyperbolic ball contains the point';

CREATE FUNCTION poincare_point_eq(poincare_point, poincare_point) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
COMMENT ON FUNCTION poincare_point_eq(poincare_point, poincare_point) IS 'implementation of = (same dimension and coordinates)';
CREATE FUNCTION poincare_point_ne(poincare_point, poincare_point) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
COMMENT ON FUNCTION poincare_point_ne(poincare_point, poincare_point) IS 'implementation of <>';
CREATE FUNCTION poincare_point_lt(poincare_point, poincare_point) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
COMMENT ON FUNCTION poincare_point_lt(poincare_point, poincare_point) IS 'implementation of < (lexicographic, no geometric meaning)';
CREATE FUNCTION poincare_point_le(poincare_point, poincare_point) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
COMMENT ON FUNCTION poincare_point_le(poincare_point, poincare_point) IS 'implementation of <=';
CREATE FUNCTION poincare_point_gt(poincare_point, poincare_point) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
COMMENT ON FUNCTION poincare_point_gt(poincare_point, poincare_point) IS 'implementation of >';
CREATE FUNCTION poincare_point_ge(poincare_point, poincare_point) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
COMMENT ON FUNCTION poincare_point_ge(poincare_point, poincare_point) IS 'implementation of >=';
CREATE FUNCTION poincare_point_cmp(poincare_point, poincare_point) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_point_cmp(poincare_point, poincare_point) IS 'btree comparison support (lexicographic order)';
CREATE FUNCTION poincare_point_hash(poincare_point) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_point_hash(poincare_point) IS 'hash support, consistent with =';

CREATE OPERATOR = (
	LEFTARG = poincare_point, RIGHTARG = poincare_point, FUNCTION = poincare_point_eq,
	COMMUTATOR = '=', NEGATOR = '<>', RESTRICT = eqsel, JOIN = eqjoinsel,
	HASHES, MERGES
);
COMMENT ON OPERATOR = (poincare_point, poincare_point) IS 'same dimension and coordinates';
CREATE OPERATOR <> (
	LEFTARG = poincare_point, RIGHTARG = poincare_point, FUNCTION = poincare_point_ne,
	COMMUTATOR = '<>', NEGATOR = '=', RESTRICT = neqsel, JOIN = neqjoinsel
);
COMMENT ON OPERATOR <> (poincare_point, poincare_point) IS 'not equal';
CREATE OPERATOR < (
	LEFTARG = poincare_point, RIGHTARG = poincare_point, FUNCTION = poincare_point_lt,
	COMMUTATOR = '>', NEGATOR = '>=', RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
COMMENT ON OPERATOR < (poincare_point, poincare_point) IS 'less than in the lexicographic total order';
CREATE OPERATOR <= (
	LEFTARG = poincare_point, RIGHTARG = poincare_point, FUNCTION = poincare_point_le,
	COMMUTATOR = '>=', NEGATOR = '>', RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
COMMENT ON OPERATOR <= (poincare_point, poincare_point) IS 'less than or equal in the lexicographic total order';
CREATE OPERATOR > (
	LEFTARG = poincare_point, RIGHTARG = poincare_point, FUNCTION = poincare_point_gt,
	COMMUTATOR = '<', NEGATOR = '<=', RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
COMMENT ON OPERATOR > (poincare_point, poincare_point) IS 'greater than in the lexicographic total order';
CREATE OPERATOR >= (
	LEFTARG = poincare_point, RIGHTARG = poincare_point, FUNCTION = poincare_point_ge,
	COMMUTATOR = '<=', NEGATOR = '<', RESTRICT = scalargesel, JOIN = scalargejoinsel
);
COMMENT ON OPERATOR >= (poincare_point, poincare_point) IS 'greater than or equal in the lexicographic total order';

CREATE OPERATOR CLASS poincare_point_btree_ops
	DEFAULT FOR TYPE poincare_point USING btree AS
	OPERATOR 1 <,
	OPERATOR 2 <=,
	OPERATOR 3 =,
	OPERATOR 4 >=,
	OPERATOR 5 >,
	FUNCTION 1 poincare_point_cmp(poincare_point, poincare_point);
COMMENT ON OPERATOR FAMILY poincare_point_btree_ops USING btree IS 'total order of poincare_point';
COMMENT ON OPERATOR CLASS poincare_point_btree_ops USING btree IS 'total order for DISTINCT, GROUP BY, UNIQUE and sorting';

CREATE OPERATOR CLASS poincare_point_hash_ops
	DEFAULT FOR TYPE poincare_point USING hash AS
	OPERATOR 1 =,
	FUNCTION 1 poincare_point_hash(poincare_point);
COMMENT ON OPERATOR FAMILY poincare_point_hash_ops USING hash IS 'hashing of poincare_point';
COMMENT ON OPERATOR CLASS poincare_point_hash_ops USING hash IS 'hashing for hash joins and hash aggregation';

-- like core's point_ops, support functions declare the indexed type for the query
-- argument (amvalidate requires it); the query of consistent is an hball
CREATE FUNCTION poincare_gist_consistent(internal, poincare_point, smallint, oid, internal) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_gist_consistent(internal, poincare_point, smallint, oid, internal) IS 'GiST support: can a subtree hold points of the hyperbolic ball (exact on leaves)';
CREATE FUNCTION poincare_gist_union(internal, internal) RETURNS poincare_point
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_gist_union(internal, internal) IS 'GiST support: Euclidean bounding box of keys';
CREATE FUNCTION poincare_gist_penalty(internal, internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_gist_penalty(internal, internal, internal) IS 'GiST support: growth of the box margin on insertion';
CREATE FUNCTION poincare_gist_picksplit(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_gist_picksplit(internal, internal) IS 'GiST support: R*-tree page split';
CREATE FUNCTION poincare_gist_same(poincare_point, poincare_point, internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_gist_same(poincare_point, poincare_point, internal) IS 'GiST support: key equality';
CREATE FUNCTION poincare_gist_distance(internal, poincare_point, smallint, oid, internal) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_gist_distance(internal, poincare_point, smallint, oid, internal) IS 'GiST support: exact hyperbolic distance on leaves, a proven lower bound on boxes';
CREATE FUNCTION poincare_gist_sortsupport(internal) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_gist_sortsupport(internal) IS 'GiST support: Hilbert (2-D) or Z-order curve order for sorted builds';

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
COMMENT ON OPERATOR FAMILY poincare_point_gist_ops USING gist IS 'GiST support of poincare_point: KNN by <-> and ball search by <@';
COMMENT ON OPERATOR CLASS poincare_point_gist_ops USING gist IS 'R-tree on ball coordinates: exact KNN by hyperbolic distance (ORDER BY <->) and hyperbolic-ball search (<@ hball)';

------------------------------------------------------------------------
-- Assignment: the Hungarian algorithm (doc/hungarian.md)
------------------------------------------------------------------------

CREATE TYPE hack_match AS (row_key bigint, col_key bigint, cost double precision);
COMMENT ON TYPE hack_match IS 'one matched pair of hack_hungarian_agg: row key, column key and its cost';

CREATE FUNCTION hack_hungarian(cost_matrix double precision[], maximize boolean DEFAULT false)
	RETURNS TABLE(row_index integer, col_index integer, cost double precision)
	AS 'MODULE_PATHNAME', 'hungarian' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION hack_hungarian(double precision[], boolean) IS
	'optimal one-to-one assignment of the rows and columns of a cost matrix (Infinity forbids a pair); one row per matched pair, by array subscripts';

CREATE FUNCTION hack_hungarian_agg_accum(internal, bigint, bigint, double precision) RETURNS internal
	AS 'MODULE_PATHNAME', 'hungarian_agg_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION hack_hungarian_agg_accum(internal, bigint, bigint, double precision) IS 'transition function of hack_hungarian_agg';
CREATE FUNCTION hack_hungarian_agg_final(internal) RETURNS hack_match[]
	AS 'MODULE_PATHNAME', 'hungarian_agg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION hack_hungarian_agg_final(internal) IS 'final function of hack_hungarian_agg';
CREATE AGGREGATE hack_hungarian_agg(row_key bigint, col_key bigint, cost double precision) (
	SFUNC = hack_hungarian_agg_accum,
	STYPE = internal,
	FINALFUNC = hack_hungarian_agg_final,
	FINALFUNC_MODIFY = READ_ONLY,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE hack_hungarian_agg(bigint, bigint, double precision) IS
	'optimal one-to-one assignment over an edge list (row_key, col_key, cost); missing pairs are forbidden';

CREATE FUNCTION hack_assign(points poincare_point[], targets poincare_point[])
	RETURNS TABLE(point_index integer, target_index integer, distance double precision)
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION hack_assign(poincare_point[], poincare_point[]) IS
	'matches points to targets one-to-one with the least total Poincaré distance (1-based positions)';

------------------------------------------------------------------------
-- Packing: uniform targets in the Poincaré ball (doc/packing.md)
------------------------------------------------------------------------

CREATE FUNCTION hack_pack(n integer, dim integer DEFAULT 2, radius float8 DEFAULT 0.76,
		k float8 DEFAULT 1.55, epochs integer DEFAULT 1000, lr float8 DEFAULT 0.01,
		seed bigint DEFAULT 0)
	RETURNS TABLE (particle_id integer, point poincare_point)
	AS 'MODULE_PATHNAME', 'packing_pack' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	COST 1000000 ROWS 1000;
COMMENT ON FUNCTION hack_pack(integer, integer, float8, float8, integer, float8, bigint) IS
	'n particles packed uniformly in the Poincaré ball of Euclidean radius radius (HACK, section 4.3); deterministic for a seed';

CREATE FUNCTION hack_packing_stats(points poincare_point[], radius float8 DEFAULT 0.76,
		OUT n integer, OUT dim integer, OUT annulus_counts bigint[],
		OUT annulus_max_deviation float8, OUT outside bigint, OUT nn_mean float8,
		OUT nn_cv float8, OUT nn_min float8, OUT nn_max float8, OUT max_norm float8,
		OUT coincident_pairs bigint)
	AS 'MODULE_PATHNAME', 'packing_stats' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	COST 10000;
COMMENT ON FUNCTION hack_packing_stats(poincare_point[], float8) IS
	'uniformity of a packing: counts in 10 shells of equal hyperbolic volume, nearest-neighbour hyperbolic distances, largest norm, coincident pairs';

------------------------------------------------------------------------
-- Training and the catalogue (doc/training.md, doc/incremental.md,
-- doc/reliability.md "Trust model")
--
-- One row per model (one owner, one source), its groups beneath it, the
-- embeddings beneath those.  PUBLIC may read all three (under row
-- security) and write none: hack's functions write them as the
-- extension's owner after checking the caller's rights, so no role can
-- forge, plant, squat or lock a model.  What the read policies need is
-- stored on each row (owner, source), so they have no subqueries.
------------------------------------------------------------------------

CREATE SCHEMA hack;
COMMENT ON SCHEMA hack IS 'tables of the hack extension: trained models and embeddings';
GRANT USAGE ON SCHEMA hack TO PUBLIC;

CREATE FUNCTION hack_model_visible(owner regrole, source regclass) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hack_model_visible(regrole, regclass) IS
	'may the current role see a model of this owner and source: members of the owner always; others when they can SELECT the source, it is a table, and row security is not active on it for them';

CREATE TABLE hack.models (
	model			text PRIMARY KEY CHECK (pg_catalog.length(model) BETWEEN 1 AND 63),
	owner			regrole NOT NULL,
	source			regclass NOT NULL,
	id_column		name NOT NULL,
	image_column	name NOT NULL,
	group_column	name,
	format			text NOT NULL CHECK (format IN ('auto', 'u8', 'f32', 'npy', 'png', 'jpeg')),
	architecture	text NOT NULL,
	channels		integer NOT NULL CHECK (channels BETWEEN 1 AND 4),
	height			integer NOT NULL CHECK (height BETWEEN 1 AND 4096),
	width			integer NOT NULL CHECK (width BETWEEN 1 AND 4096),
	dim				integer NOT NULL CHECK (dim BETWEEN 1 AND 1024),
	params			jsonb NOT NULL,
	created_at		timestamptz NOT NULL,
	trained_at		timestamptz NOT NULL
);
COMMENT ON TABLE hack.models IS 'one row per trained model: its owner, its source table and how to read it, the encoder''s shape, the last training''s parameters; written only by hack''s functions';
COMMENT ON COLUMN hack.models.owner IS 'the role that owns the model: its members train, refresh, rename, drop it; maintenance reads the source as this role';
COMMENT ON COLUMN hack.models.source IS 'the table or view trained on, read as the owner';
COMMENT ON COLUMN hack.models.id_column IS 'the source''s id column (smallint, integer or bigint)';
COMMENT ON COLUMN hack.models.image_column IS 'the source''s bytea image column';
COMMENT ON COLUMN hack.models.group_column IS 'the source''s group column, or NULL for one group; group keys are its values as text under fixed settings (hack_group_key)';
COMMENT ON COLUMN hack.models.format IS 'how images are decoded: auto, u8, f32, npy, png or jpeg';
COMMENT ON COLUMN hack.models.architecture IS 'the encoder: lenet, mlp or resnet20';
COMMENT ON COLUMN hack.models.channels IS 'image channels the encoder takes';
COMMENT ON COLUMN hack.models.height IS 'image height the encoder takes';
COMMENT ON COLUMN hack.models.width IS 'image width the encoder takes';
COMMENT ON COLUMN hack.models.dim IS 'dimension of the embeddings';
COMMENT ON COLUMN hack.models.params IS 'the parameters of the last training (informational)';
COMMENT ON COLUMN hack.models.created_at IS 'when the model was first trained or imported';
COMMENT ON COLUMN hack.models.trained_at IS 'when a group of it was last trained';
CREATE INDEX models_owner_idx ON hack.models (owner);

CREATE TABLE hack.model_groups (
	model			text NOT NULL,
	group_key		text NOT NULL,
	owner			regrole NOT NULL,
	source			regclass NOT NULL,
	weights			bytea NOT NULL,
	normalisation	jsonb NOT NULL,
	metrics			jsonb NOT NULL,
	n_rows			bigint NOT NULL,
	trained_at		timestamptz NOT NULL,
	PRIMARY KEY (model, group_key)
);
COMMENT ON TABLE hack.model_groups IS 'one row per group of a model: network weights, input normalisation, training metrics; written only by hack''s functions';
COMMENT ON COLUMN hack.model_groups.owner IS 'the model''s owner (a copy, for the read policy)';
COMMENT ON COLUMN hack.model_groups.source IS 'the model''s source (a copy, for the read policy)';
COMMENT ON COLUMN hack.model_groups.weights IS 'the trained network, validated on every load';
COMMENT ON COLUMN hack.model_groups.normalisation IS 'per-channel input mean and standard deviation';
COMMENT ON COLUMN hack.model_groups.metrics IS 'training metrics of the group (loss, packing quality, rows, timings)';
COMMENT ON COLUMN hack.model_groups.n_rows IS 'rows the group was trained on';
CREATE INDEX model_groups_owner_idx ON hack.model_groups (owner);

CREATE TABLE hack.embeddings (
	model			text NOT NULL,
	group_key		text NOT NULL,
	id				bigint NOT NULL,
	embedding		poincare_point NOT NULL,
	particle		poincare_point,
	particle_id		integer,
	norm			double precision NOT NULL,
	image_hash		bigint,
	owner			regrole NOT NULL,
	source			regclass NOT NULL,
	dim				smallint NOT NULL CHECK (dim BETWEEN 1 AND 1024),
	PRIMARY KEY (model, group_key, id)
);
COMMENT ON TABLE hack.embeddings IS 'one row per embedded image: its embedding, assigned particle and hyperbolic norm (small = typical); written only by hack''s functions';
COMMENT ON COLUMN hack.embeddings.particle IS 'the packed particle the row was trained towards; NULL for rows embedded since the last training';
COMMENT ON COLUMN hack.embeddings.particle_id IS 'index (from 1) of the particle; NULL for rows embedded since the last training';
COMMENT ON COLUMN hack.embeddings.image_hash IS 'hack_image_hash of the image the embedding was computed from: hack_refresh re-embeds a row when it differs';
COMMENT ON COLUMN hack.embeddings.owner IS 'the model''s owner (a copy, for the read policy)';
COMMENT ON COLUMN hack.embeddings.source IS 'the model''s source (a copy, for the read policy)';
COMMENT ON COLUMN hack.embeddings.dim IS 'dimension of the embedding; one GiST index per dimension (name it in KNN queries)';
CREATE INDEX embeddings_norm_idx ON hack.embeddings (model, group_key, norm);
-- one GiST index per dimension, so models of several dimensions share the
-- table (a GiST index holds one dimension); KNN queries name the dimension:
-- ... WHERE dim = 2 ORDER BY embedding <-> '(0,0)'
CREATE INDEX embeddings_embedding_1d_idx ON hack.embeddings USING gist (embedding) WHERE dim = 1;
COMMENT ON INDEX hack.embeddings_embedding_1d_idx IS 'KNN and ball search on 1-D embeddings (WHERE dim = 1)';
CREATE INDEX embeddings_embedding_2d_idx ON hack.embeddings USING gist (embedding) WHERE dim = 2;
COMMENT ON INDEX hack.embeddings_embedding_2d_idx IS 'KNN and ball search on 2-D embeddings (WHERE dim = 2)';
CREATE INDEX embeddings_embedding_3d_idx ON hack.embeddings USING gist (embedding) WHERE dim = 3;
COMMENT ON INDEX hack.embeddings_embedding_3d_idx IS 'KNN and ball search on 3-D embeddings (WHERE dim = 3)';
CREATE INDEX embeddings_embedding_4d_idx ON hack.embeddings USING gist (embedding) WHERE dim = 4;
COMMENT ON INDEX hack.embeddings_embedding_4d_idx IS 'KNN and ball search on 4-D embeddings (WHERE dim = 4)';
CREATE INDEX embeddings_embedding_8d_idx ON hack.embeddings USING gist (embedding) WHERE dim = 8;
COMMENT ON INDEX hack.embeddings_embedding_8d_idx IS 'KNN and ball search on 8-D embeddings (WHERE dim = 8)';

-- pg_dump dumps their rows with the extension (in the order an updated
-- 1.0 lists them: embeddings came first)
SELECT pg_catalog.pg_extension_config_dump('hack.embeddings', '');
SELECT pg_catalog.pg_extension_config_dump('hack.models', '');
SELECT pg_catalog.pg_extension_config_dump('hack.model_groups', '');

-- read by everyone under row security, written by no one but hack
GRANT SELECT ON hack.models, hack.model_groups, hack.embeddings TO PUBLIC;
ALTER TABLE hack.models ENABLE ROW LEVEL SECURITY;
ALTER TABLE hack.model_groups ENABLE ROW LEVEL SECURITY;
ALTER TABLE hack.embeddings ENABLE ROW LEVEL SECURITY;
CREATE POLICY models_read ON hack.models FOR SELECT USING (hack_model_visible(owner, source));
COMMENT ON POLICY models_read ON hack.models IS 'a model is visible as hack_model_visible says';
CREATE POLICY model_groups_read ON hack.model_groups FOR SELECT USING (hack_model_visible(owner, source));
COMMENT ON POLICY model_groups_read ON hack.model_groups IS 'a group is visible with its model';
CREATE POLICY embeddings_read ON hack.embeddings FOR SELECT USING (hack_model_visible(owner, source));
COMMENT ON POLICY embeddings_read ON hack.embeddings IS 'embeddings are visible with their model';

-- training, embedding, keeping the embeddings current
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
	riemannian_grad boolean DEFAULT true,
	normalise text DEFAULT 'group',
	lr_floor double precision DEFAULT 0,
	lr_schedule text DEFAULT 'step',
	reassign_phase integer DEFAULT 0)
	AS 'MODULE_PATHNAME' LANGUAGE C;
COMMENT ON PROCEDURE hack_train(text, regclass, name, name, name, integer, integer, integer, text, text, integer[], integer, integer, integer, double precision, double precision, double precision, integer, double precision, double precision, integer, double precision, double precision, bigint, boolean, boolean, text, boolean, text, double precision, text, integer) IS
	'trains HACK on the images of a table (per group) and writes hack.models and hack.embeddings; commits after each group when called outside a transaction block; resume => true warm-starts from the stored models; one job per model at a time (if_busy: error, skip or wait); riemannian_grad (default true since 1.3: the reference''s Riemannian gradient, chosen by measurement), normalise (group or none), lr_floor, lr_schedule (step or epoch) and reassign_phase select the reference implementation''s choices (doc/training.md)';

CREATE FUNCTION hack_embed(model text, image bytea, group_key text DEFAULT '') RETURNS poincare_point
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hack_embed(text, bytea, text) IS 'embeds a new image with a stored model (cached per backend)';

CREATE PROCEDURE hack_refresh(
	model text,
	batch_size integer DEFAULT 1000,
	if_busy text DEFAULT 'error',
	INOUT embedded bigint DEFAULT NULL,
	INOUT updated bigint DEFAULT NULL,
	INOUT deleted bigint DEFAULT NULL,
	INOUT skipped bigint DEFAULT NULL,
	INOUT status text DEFAULT NULL)
	AS 'MODULE_PATHNAME' LANGUAGE C;
COMMENT ON PROCEDURE hack_refresh(text, integer, text, bigint, bigint, bigint, bigint, text) IS
	'embeds source rows that have no embedding or whose image changed, and deletes embeddings of rows gone, with the stored models (no training), reading the source as the model''s owner; commits per batch outside a transaction block; returns the counts and status done, or skipped when if_busy => ''skip'' found the model busy';

CREATE FUNCTION hack_embed_trigger() RETURNS trigger
	AS 'MODULE_PATHNAME' LANGUAGE C;
COMMENT ON FUNCTION hack_embed_trigger() IS
	'row trigger AFTER INSERT OR UPDATE OR DELETE on a model''s source: EXECUTE FUNCTION hack_embed_trigger(''model'') keeps the embeddings of changed rows current';

CREATE FUNCTION hack_image_hash(image bytea) RETURNS bigint
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hack_image_hash(bytea) IS
	'64-bit hash of the raw bytes of an image (hash_bytes_extended, seed 0), as stored in hack.embeddings.image_hash';

-- hack_image_tensor is STABLE, not IMMUTABLE: whether it returns at all
-- depends on the setting hack.max_image_pixels.  Were it IMMUTABLE, a call
-- on constants could be folded into a cached plan, or stored in an index
-- or a generated column, under one limit and read back under another, so
-- the limit a session runs under would not hold; the pixels also follow
-- the linked libjpeg's IDCT, which a library upgrade may change.
CREATE FUNCTION hack_image_tensor(img bytea, height integer, width integer, channels integer, format text DEFAULT 'auto') RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hack_image_tensor(bytea, integer, integer, integer, text) IS
	'the pixels the encoder sees for an image: decoded as hack_train decodes it (format auto, u8, f32, npy, png or jpeg; PNG and JPEG converted to channels, alpha on white, stretched to height x width as Pillow''s BILINEAR), as uint8 in CHW order, rounded and clamped to 0..255';

-- managing models: the only ways to change the catalogue besides training
CREATE FUNCTION hack_drop_model(model text, if_exists boolean DEFAULT false) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION hack_drop_model(text, boolean) IS
	'drops a model, its groups and embeddings (members of its owner role only); true if it existed';
CREATE FUNCTION hack_drop_group(model text, group_key text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION hack_drop_group(text, text) IS
	'drops one group of a model and its embeddings (members of its owner role only); the last group takes the model with it; true if it existed';
CREATE FUNCTION hack_rename_model(model text, new_name text) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION hack_rename_model(text, text) IS
	'renames a model (members of its owner role only); remember to update triggers that name it';
CREATE FUNCTION hack_alter_model_owner(model text, new_owner regrole) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION hack_alter_model_owner(text, regrole) IS
	'gives a model to another role, as ALTER ... OWNER TO does: the caller must belong to both roles, and the new owner must be able to read the source';
CREATE FUNCTION hack_export_model(model text) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hack_export_model(text) IS
	'a model as one bytea (definition, parameters, each group''s weights, normalisation and metrics; no embeddings), for hack_import_model in another database';
CREATE FUNCTION hack_import_model(model text, archive bytea, source regclass) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION hack_import_model(text, bytea, regclass) IS
	'creates a model owned by the caller from hack_export_model''s bytea, on a source the caller can read with the archive''s columns; every network is validated; returns the groups imported; CALL hack_refresh(model) then embeds the rows';
CREATE FUNCTION hack_group_key(value anyelement) RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hack_group_key(anyelement) IS
	'the group key hack stores for a value of the group column: the type''s output function under DateStyle ISO, TimeZone UTC, IntervalStyle postgres, extra_float_digits 3 and bytea_output hex';

-- the progress of running trainings
CREATE FUNCTION hack_progress_parse(activity text)
	RETURNS TABLE (lock_classid oid, lock_objid oid, model text, "group" text, group_no integer, groups integer,
		rows integer, epoch integer, epochs integer, loss double precision,
		images_per_second double precision, eta_seconds double precision)
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION hack_progress_parse(text) IS
	'the fields of a progress line as hack_train writes it into pg_stat_activity, with the job-lock key of its model (classid and objid in pg_locks); no row for any other text';

CREATE VIEW hack.training_progress AS
SELECT a.pid, a.usename, a.query_start AS started_at, p.model, p."group", p.group_no, p.groups,
	p.rows, p.epoch, p.epochs, p.loss, p.images_per_second, p.eta_seconds
FROM pg_catalog.pg_stat_activity a
	CROSS JOIN LATERAL hack_progress_parse(a.query) p
WHERE EXISTS (SELECT FROM pg_catalog.pg_locks l
	WHERE l.pid OPERATOR(pg_catalog.=) a.pid AND l.locktype OPERATOR(pg_catalog.=) 'advisory'
	AND l.classid OPERATOR(pg_catalog.=) p.lock_classid
	AND l.objid OPERATOR(pg_catalog.=) p.lock_objid
	AND l.objsubid OPERATOR(pg_catalog.=) 3::pg_catalog.int2 AND l.granted);
COMMENT ON VIEW hack.training_progress IS 'live progress of running hack_train jobs: only lines hack_train wrote, from backends holding that model''s job lock (query texts are visible as pg_stat_activity shows them)';
GRANT SELECT ON hack.training_progress TO PUBLIC;

-- the encoder engine (the CNN that HACK trains; doc/encoder.md)
CREATE FUNCTION hack_nn_selftest()
	RETURNS float8
	AS 'MODULE_PATHNAME', 'hack_nn_selftest'
	LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hack_nn_selftest() IS 'smoke test of the encoder engine: a seeded lenet forward and backward pass through OpenBLAS with hack.blas_threads threads, a serialisation round trip and one SGD step; returns the initial loss';

------------------------------------------------------------------------
-- Selection: which rows are typical, atypical, diverse
------------------------------------------------------------------------

CREATE FUNCTION poincare_direction_cells(points poincare_point[], k integer)
	RETURNS integer[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_direction_cells(poincare_point[], integer) IS
	'for each point, the number (from 1, in pick order) of the nearest of k directions spread by farthest-point sampling of the unit directions x / |x|, the first point''s first; hack_select''s sectors above two dimensions';

CREATE FUNCTION hack_select(model text, fraction double precision, mode text DEFAULT 'typical')
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
COMMENT ON FUNCTION hack_select(text, double precision, text) IS
	'the fraction of each group''s rows that are most typical (smallest norm), most atypical (largest norm) or atypical and diverse (largest norm per sector: equal angular sectors in the disc, above two dimensions the cells of directions spread by farthest-point sampling)';

CREATE FUNCTION hack_knn_density(model text, k integer DEFAULT 10)
	RETURNS TABLE (group_key text, id bigint, norm double precision, knn_radius double precision, density double precision)
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hack_knn_density(text, integer) IS
	'k-nearest-neighbour density k / (n V(r_k)) of each embedding of a model, by group (r_k: hyperbolic distance to the k-th neighbour)';

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
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION hack_plot(poincare_point[], integer[], bytea[], integer, text, integer, integer, integer, integer, integer) IS
	'PNG picture of 2-D embeddings in the Poincaré disc, coloured by group or norm, with optional image thumbnails at sampled positions';

------------------------------------------------------------------------
-- Deprecated names (hack 1.2): the names of 1.0 outside the scheme, kept
-- so queries written for 1.0 and 1.1 keep working.  Each is the same C
-- function as its successor, with the same arguments, defaults and flags;
-- its comment names the successor (doc/reference.md, "Deprecated names").
------------------------------------------------------------------------

CREATE FUNCTION mobius_add(a poincare_point, b poincare_point, c double precision DEFAULT 1) RETURNS poincare_point
	AS 'MODULE_PATHNAME', 'poincare_mobius_add' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mobius_add(poincare_point, poincare_point, double precision) IS 'deprecated name (hack 1.2): use poincare_mobius_add';
CREATE FUNCTION mobius_scale(r double precision, p poincare_point, c double precision DEFAULT 1) RETURNS poincare_point
	AS 'MODULE_PATHNAME', 'poincare_mobius_scale' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mobius_scale(double precision, poincare_point, double precision) IS 'deprecated name (hack 1.2): use poincare_mobius_scale';
CREATE FUNCTION expmap0(v double precision[], c double precision DEFAULT 1) RETURNS poincare_point
	AS 'MODULE_PATHNAME', 'poincare_expmap0' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expmap0(double precision[], double precision) IS 'deprecated name (hack 1.2): use poincare_expmap0';
CREATE FUNCTION logmap0(p poincare_point, c double precision DEFAULT 1) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'poincare_logmap0' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION logmap0(poincare_point, double precision) IS 'deprecated name (hack 1.2): use poincare_logmap0';
CREATE FUNCTION expmap(p poincare_point, v double precision[], c double precision DEFAULT 1) RETURNS poincare_point
	AS 'MODULE_PATHNAME', 'poincare_expmap' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expmap(poincare_point, double precision[], double precision) IS 'deprecated name (hack 1.2): use poincare_expmap';
CREATE FUNCTION logmap(p poincare_point, q poincare_point, c double precision DEFAULT 1) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'poincare_logmap' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION logmap(poincare_point, poincare_point, double precision) IS 'deprecated name (hack 1.2): use poincare_logmap';
CREATE FUNCTION to_lorentz(p poincare_point) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'poincare_to_lorentz' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION to_lorentz(poincare_point) IS 'deprecated name (hack 1.2): use poincare_to_lorentz';
CREATE FUNCTION from_lorentz(h double precision[]) RETURNS poincare_point
	AS 'MODULE_PATHNAME', 'poincare_from_lorentz' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION from_lorentz(double precision[]) IS 'deprecated name (hack 1.2): use poincare_from_lorentz';
CREATE FUNCTION lorentz_distance(h double precision[], g double precision[]) RETURNS double precision
	AS 'MODULE_PATHNAME', 'poincare_lorentz_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lorentz_distance(double precision[], double precision[]) IS 'deprecated name (hack 1.2): use poincare_lorentz_distance';
CREATE FUNCTION cone_half_aperture(p poincare_point, k double precision DEFAULT 0.1) RETURNS double precision
	AS 'MODULE_PATHNAME', 'poincare_cone_half_aperture' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cone_half_aperture(poincare_point, double precision) IS 'deprecated name (hack 1.2): use poincare_cone_half_aperture';
CREATE FUNCTION cone_exterior_angle(parent poincare_point, child poincare_point) RETURNS double precision
	AS 'MODULE_PATHNAME', 'poincare_cone_exterior_angle' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cone_exterior_angle(poincare_point, poincare_point) IS 'deprecated name (hack 1.2): use poincare_cone_exterior_angle';
CREATE FUNCTION hungarian(cost_matrix double precision[], maximize boolean DEFAULT false)
	RETURNS TABLE(row_index integer, col_index integer, cost double precision)
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION hungarian(double precision[], boolean) IS 'deprecated name (hack 1.2): use hack_hungarian';
CREATE FUNCTION hungarian_agg_accum(internal, bigint, bigint, double precision) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION hungarian_agg_accum(internal, bigint, bigint, double precision) IS 'deprecated name (hack 1.2): use hack_hungarian_agg_accum';
CREATE FUNCTION hungarian_agg_final(internal) RETURNS hack_match[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION hungarian_agg_final(internal) IS 'deprecated name (hack 1.2): use hack_hungarian_agg_final';
CREATE AGGREGATE hungarian_agg(row_key bigint, col_key bigint, cost double precision) (
	SFUNC = hungarian_agg_accum,
	STYPE = internal,
	FINALFUNC = hungarian_agg_final,
	FINALFUNC_MODIFY = READ_ONLY,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE hungarian_agg(bigint, bigint, double precision) IS 'deprecated name (hack 1.2): use hack_hungarian_agg';

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
