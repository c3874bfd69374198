/*
 * poincare_io.c
 *	  poincare_point input/output: text, binary, typmod and array casts.
 *
 * Text input reads "(x1,...,xn)" and, for client tools, "[x1,...,xn]"
 * (point_text.c); output is always "(x1,...,xn)".
 *
 * Every way into the type (text, binary receive, casts, typmod coercion)
 * ends in hyp_check_point(), so a stored poincare_point is always finite
 * and strictly inside the unit ball.
 */
#include "hack.h"
#include "poincare.h"

#include <float.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"

#include "core/point_binary.h"
#include "core/point_text.h"

PG_FUNCTION_INFO_V1(poincare_point_in);
PG_FUNCTION_INFO_V1(poincare_point_out);
PG_FUNCTION_INFO_V1(poincare_point_typmod_in);
PG_FUNCTION_INFO_V1(poincare_point_typmod_out);
PG_FUNCTION_INFO_V1(poincare_point_recv);
PG_FUNCTION_INFO_V1(poincare_point_send);
PG_FUNCTION_INFO_V1(poincare_point_typmod_cast);
PG_FUNCTION_INFO_V1(array_to_poincare_point);
PG_FUNCTION_INFO_V1(poincare_point_to_float8_array);
PG_FUNCTION_INFO_V1(poincare_point_to_float4_array);
PG_FUNCTION_INFO_V1(poincare_point_dim);

/* Allocate a zeroed point of the given dimension. */
PoincarePoint *
poincare_alloc(int dim)
{
	PoincarePoint *p = (PoincarePoint *) palloc0(POINCARE_SIZE(dim));

	SET_VARSIZE(p, POINCARE_SIZE(dim));
	p->dim = (int16) dim;
	return p;
}

/* Build a point from coordinates, validating them as any input is. */
PoincarePoint *
poincare_from_coords(const double *x, int dim)
{
	HackError	err;
	PoincarePoint *p;

	hack_check(hyp_check_point(x, dim, 1.0, &err), &err);
	p = poincare_alloc(dim);
	memcpy(p->x, x, sizeof(double) * dim);
	return p;
}

/*
 * Build the result of a geometric function.  It is inside the ball in
 * exact arithmetic; if rounding put it on or past the boundary, or (for
 * c < 1) it lies outside the unit ball the type can store, say so.
 */
PoincarePoint *
poincare_result(const double *x, int dim, double c, const char *func)
{
	HackError	err;

	if (hyp_check_point(x, dim, c > 1.0 ? c : 1.0, &err) != HACK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("result of %s cannot be represented as a poincare_point", func),
				 c < 1.0 ?
				 errdetail("The result lies outside the unit ball, which is all a poincare_point can hold.") :
				 errdetail("The result lies closer to the boundary than float8 can resolve."),
				 errhint("Move the inputs away from the boundary or use a smaller magnitude.")));
	return poincare_from_coords(x, dim);
}

/* Operands of binary functions must have the same dimension. */
void
poincare_check_dims(const PoincarePoint *a, const PoincarePoint *b)
{
	if (a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("different poincare_point dimensions %d and %d",
						a->dim, b->dim)));
}

/* Enforce poincare_point(n) on assignment. */
void
poincare_check_typmod(int dim, int32 typmod)
{
	if (typmod != -1 && dim != typmod)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("expected %d dimensions, not %d", typmod, dim)));
}

/* Read an optional curvature argument; 1 when the function has none. */
double
poincare_getarg_curvature(FunctionCallInfo fcinfo, int argno)
{
	HackError	err;
	double		c;

	if (PG_NARGS() <= argno)
		return 1.0;
	c = PG_GETARG_FLOAT8(argno);
	hack_check(hyp_check_curvature(c, &err), &err);
	return c;
}

/* A stored point lies in the unit ball; for c > 1 the ball is smaller. */
void
poincare_check_in_ball(const PoincarePoint *p, double c)
{
	HackError	err;

	if (c > 1.0)
		hack_check(hyp_check_point(p->x, p->dim, c, &err), &err);
}

/* Wrap n doubles as a float8[] datum. */
Datum
poincare_float8_array(const double *x, int n)
{
	Datum	   *elems = (Datum *) palloc(sizeof(Datum) * n);

	for (int i = 0; i < n; i++)
		elems[i] = Float8GetDatum(x[i]);
	return PointerGetDatum(construct_array(elems, n, FLOAT8OID, sizeof(float8),
										   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * Values of a 1-D float8[] or real[] without NULLs, as doubles (palloc'd).
 * Any other shape is an error: a point needs every coordinate.
 */
double *
poincare_array_values(ArrayType *array, int *n)
{
	Oid			elemtype = ARR_ELEMTYPE(array);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			count;
	double	   *values;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("array must be 1-D")));
	if (elemtype != FLOAT8OID && elemtype != FLOAT4OID &&
		elemtype != NUMERICOID && elemtype != INT4OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("array must be of type double precision[], real[], numeric[] or integer[]")));
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(array, elemtype, typlen, typbyval, typalign,
					  &elems, &nulls, &count);
	if (count < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("array must not be empty")));
	if (count > HACK_MAX_DIM + 1)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("array cannot have more than %d elements", HACK_MAX_DIM + 1)));
	values = (double *) palloc(sizeof(double) * count);
	for (int i = 0; i < count; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("array must not contain nulls")));
		switch (elemtype)
		{
			case FLOAT8OID:
				values[i] = DatumGetFloat8(elems[i]);
				break;
			case FLOAT4OID:
				values[i] = (double) DatumGetFloat4(elems[i]);
				break;
			case INT4OID:
				values[i] = (double) DatumGetInt32(elems[i]);
				break;
			default:
				values[i] = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
															   elems[i]));
				break;
		}
	}
	pfree(elems);
	pfree(nulls);
	*n = count;
	return values;
}

/*
 * A float8[] (or real[], numeric[], integer[]) argument as doubles, as
 * poincare_array_values reads it, then checked by a core check of what it
 * holds (hyp_check_tangent, hyp_check_lorentz).
 */
double *
poincare_getarg_vector(FunctionCallInfo fcinfo, int argno, int *n,
					   HackStatus (*check) (const double *, int, HackError *))
{
	double	   *v = poincare_array_values(PG_GETARG_ARRAYTYPE_P(argno), n);
	HackError	err;

	hack_check(check(v, *n, &err), &err);
	return v;
}

/* poincare_point_in(cstring, oid, int4) */
Datum
poincare_point_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	double		x[HACK_MAX_DIM];
	int			dim;
	HackError	err;

	if (hack_parse_point(str, x, &dim, &err) != HACK_OK)
		hack_raise_input(&err, "poincare_point", str);
	poincare_check_typmod(dim, typmod);
	PG_RETURN_POINCARE_P(poincare_from_coords(x, dim));
}

/*
 * Text form "(x1,...,xn)" of coordinates with float8out's digits: shortest
 * exact by default.  Shared by the output of every type holding a point.
 */
char *
poincare_coords_out(const double *x, int dim)
{
	int			ndig = DBL_DIG + extra_float_digits;
	char	   *buf = palloc(dim * (DOUBLE_SHORTEST_DECIMAL_LEN + 8) + 3);
	char	   *ptr = buf;

	if (ndig < 1)
		ndig = 1;
	*ptr++ = '(';
	for (int i = 0; i < dim; i++)
	{
		if (i > 0)
			*ptr++ = ',';
		if (extra_float_digits > 0)
			ptr += double_to_shortest_decimal_bufn(x[i], ptr);
		else
			ptr += sprintf(ptr, "%.*g", ndig, x[i]);
	}
	*ptr++ = ')';
	*ptr = '\0';
	return buf;
}

Datum
poincare_point_out(PG_FUNCTION_ARGS)
{
	PoincarePoint *p = PG_GETARG_POINCARE_P(0);

	PG_RETURN_CSTRING(poincare_coords_out(p->x, p->dim));
}

/* poincare_point(n): 1 <= n <= HACK_MAX_DIM */
Datum
poincare_point_typmod_in(PG_FUNCTION_ARGS)
{
	ArrayType  *ta = PG_GETARG_ARRAYTYPE_P(0);
	int32	   *tl;
	int			n;

	tl = ArrayGetIntegerTypmods(ta, &n);
	if (n != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type modifier"),
				 errdetail("poincare_point takes one modifier, its dimension.")));
	if (tl[0] < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type poincare_point must be at least 1")));
	if (tl[0] > HACK_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type poincare_point cannot exceed %d",
						HACK_MAX_DIM)));
	PG_RETURN_INT32(tl[0]);
}

Datum
poincare_point_typmod_out(PG_FUNCTION_ARGS)
{
	int32		typmod = PG_GETARG_INT32(0);

	if (typmod < 0)
		PG_RETURN_CSTRING(pstrdup(""));
	PG_RETURN_CSTRING(psprintf("(%d)", typmod));
}

/*
 * The rest of a binary input message, every byte of it consumed: the core
 * decoders (point_binary.c) check the length along with everything else.
 */
const uint8_t *
poincare_recv_bytes(StringInfo buf, size_t *len)
{
	int			n = buf->len - buf->cursor;

	*len = (size_t) n;
	return (const uint8_t *) pq_getmsgbytes(buf, n);
}

/* A bytea of len bytes for a core encoder (point_binary.c) to fill. */
bytea *
poincare_send_bytea(size_t len)
{
	bytea	   *b = (bytea *) palloc(VARHDRSZ + len);

	SET_VARSIZE(b, VARHDRSZ + len);
	return b;
}

/* Binary form: int16 dim, int16 flags (0), dim float8 (point_binary.h). */
Datum
poincare_point_recv(PG_FUNCTION_ARGS)
{
	int32		typmod = PG_GETARG_INT32(2);
	double		x[HACK_MAX_DIM];
	int			dim;
	size_t		len;
	const uint8_t *data = poincare_recv_bytes((StringInfo) PG_GETARG_POINTER(0),
											  &len);
	HackError	err;

	hack_check(hack_point_recv(data, len, typmod, x, &dim, &err), &err);
	PG_RETURN_POINCARE_P(poincare_from_coords(x, dim));
}

/* Binary output, the layout poincare_point_recv reads. */
Datum
poincare_point_send(PG_FUNCTION_ARGS)
{
	PoincarePoint *p = PG_GETARG_POINCARE_P(0);
	bytea	   *out = poincare_send_bytea(HACK_POINT_BINARY_SIZE(p->dim));

	hack_point_send(p->x, p->dim, (uint8_t *) VARDATA(out));
	PG_RETURN_BYTEA_P(out);
}

/* Length coercion poincare_point -> poincare_point(n). */
Datum
poincare_point_typmod_cast(PG_FUNCTION_ARGS)
{
	PoincarePoint *p = PG_GETARG_POINCARE_P(0);

	poincare_check_typmod(p->dim, PG_GETARG_INT32(1));
	PG_RETURN_POINCARE_P(p);
}

/* Casts float8[], real[], numeric[] and integer[] -> poincare_point(n). */
Datum
array_to_poincare_point(PG_FUNCTION_ARGS)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	int			n;
	double	   *x = poincare_array_values(array, &n);

	if (n > HACK_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("poincare_point cannot have more than %d dimensions",
						HACK_MAX_DIM)));
	poincare_check_typmod(n, typmod);
	PG_RETURN_POINCARE_P(poincare_from_coords(x, n));
}

Datum
poincare_point_to_float8_array(PG_FUNCTION_ARGS)
{
	PoincarePoint *p = PG_GETARG_POINCARE_P(0);

	PG_RETURN_DATUM(poincare_float8_array(p->x, p->dim));
}

/*
 * Cast poincare_point -> real[], for clients that keep float32 vectors
 * (numpy float32, pgvector).  As PostgreSQL's float8 -> real cast, a
 * coordinate that rounds to 0 in single precision is an error (22003)
 * rather than silently moving the point; coordinates inside the unit ball
 * cannot overflow.
 */
Datum
poincare_point_to_float4_array(PG_FUNCTION_ARGS)
{
	PoincarePoint *p = PG_GETARG_POINCARE_P(0);
	Datum	   *elems = (Datum *) palloc(sizeof(Datum) * p->dim);

	for (int i = 0; i < p->dim; i++)
	{
		float4		v = (float4) p->x[i];

		if (v == 0.0f && p->x[i] != 0.0)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("coordinate %d of poincare_point is out of range for type real", i + 1),
					 errdetail("%g rounds to 0 in single precision.", p->x[i]),
					 errhint("Cast to double precision[] to keep every coordinate.")));
		elems[i] = Float4GetDatum(v);
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, p->dim, FLOAT4OID, sizeof(float4),
										  true, TYPALIGN_INT));
}

Datum
poincare_point_dim(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_POINCARE_P(0)->dim);
}
