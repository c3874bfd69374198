-- hack--1.3--1.4.sql: the changes of issue 18 (works with the tools our users already use)
\echo Use "ALTER EXTENSION hack UPDATE TO '1.4'" to load this file. \quit

-- clients (issue 18): literals in brackets, real[] both ways
COMMENT ON TYPE poincare_point IS
	'a point of the Poincaré ball of curvature -1 (the open unit ball), text form (x1,...,xn) (input also [x1,...,xn], as JSON and Python lists print); poincare_point(n) fixes the dimension';
CREATE FUNCTION poincare_point_to_float4(poincare_point, integer, boolean) RETURNS real[]
	AS 'MODULE_PATHNAME', 'poincare_point_to_float4_array' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION poincare_point_to_float4(poincare_point, integer, boolean) IS 'cast poincare_point to its coordinates rounded to real[] (a coordinate that rounds to 0 is an error, as for float8 to real)';
CREATE CAST (poincare_point AS real[])
	WITH FUNCTION poincare_point_to_float4(poincare_point, integer, boolean) AS ASSIGNMENT;
COMMENT ON CAST (poincare_point AS real[]) IS 'point to its coordinates in single precision';
