/*
 * group_key.c
 *	  The key of a group: a group column value as text, the same in
 *	  training, refresh, resume and the trigger, whoever runs them.
 *
 * 1.0 computed keys with (col)::text in SQL.  That went wrong two ways: a
 * role owning the column's type could CREATE CAST (t AS text) WITH
 * FUNCTION of its own, which a superuser's scheduled job then ran as
 * superuser; and the text of a date, timestamp, interval or float depends
 * on DateStyle, TimeZone, IntervalStyle and extra_float_digits, so a
 * refresh under other settings saw every row in a "new" group and deleted
 * all the embeddings.
 *
 * Here a key is the type's output function (a C function, which only a
 * superuser can install; composite, array, range and domain outputs call
 * their elements' output functions) run under fixed settings: DateStyle
 * ISO, MDY; TimeZone UTC; IntervalStyle postgres; extra_float_digits 3;
 * bytea_output hex.  The settings are swapped in around the call by
 * assigning the variables the GUCs set, not through the GUC machinery:
 * that is cheap enough per row, allowed in parallel workers, and restored
 * however the call ends.  Two kinds of type print differently under
 * settings that cannot be swapped so cheaply, and are refused (42804):
 * the OID alias types regclass, regtype, regproc and kin (their text
 * follows search_path) and money (lc_monetary), alone or as the elements
 * of an array or a domain's base.
 */
#include "hack.h"
#include "group_key.h"

#include "miscadmin.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/bytea.h"
#include "utils/float.h"
#include "catalog/pg_type.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(hack_group_key);

static pg_tz *utc_tz = NULL;

/* Does a value of typid (a base type) print differently under search_path or lc_monetary? */
static bool
type_prints_by_setting(Oid typid)
{
	switch (typid)
	{
		case REGCLASSOID:
		case REGTYPEOID:
		case REGPROCOID:
		case REGPROCEDUREOID:
		case REGOPEROID:
		case REGOPERATOROID:
		case REGCONFIGOID:
		case REGDICTIONARYOID:
		case REGCOLLATIONOID:
		case CASHOID:
			return true;
		default:
			return false;
	}
}

/* 42804 if values of typid cannot have a key that is the same under any settings. */
static void
check_key_type(Oid typid)
{
	static Oid	checked = InvalidOid;	/* the last type found fine */
	Oid			base;
	Oid			elem;

	if (typid == checked)
		return;
	base = getBaseType(typid);
	elem = get_element_type(base);
	if (type_prints_by_setting(base) ||
		(OidIsValid(elem) && type_prints_by_setting(getBaseType(elem))))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("a group column of type %s cannot be used", format_type_be(typid)),
				 errdetail("Its values print differently under other settings (search_path or lc_monetary), so group keys would change."),
				 errhint("Group by a view's column that casts it, to oid, text or numeric.")));
	checked = typid;
}

/* The key of value, of type typid: see the file header.  22023 if too long. */
char *
hack_group_key_of(Datum value, Oid typid)
{
	int			saved_datestyle = DateStyle;
	int			saved_dateorder = DateOrder;
	int			saved_intervalstyle = IntervalStyle;
	int			saved_float_digits = extra_float_digits;
	int			saved_bytea_output = bytea_output;
	pg_tz	   *saved_tz = session_timezone;
	Oid			out;
	bool		varlena;
	char	   *key;

	if (utc_tz == NULL)
	{
		utc_tz = pg_tzset("UTC");
		if (utc_tz == NULL)
			elog(ERROR, "could not load time zone UTC");
	}
	check_key_type(typid);
	getTypeOutputInfo(typid, &out, &varlena);
	PG_TRY();
	{
		DateStyle = USE_ISO_DATES;
		DateOrder = DATEORDER_MDY;
		IntervalStyle = INTSTYLE_POSTGRES;
		extra_float_digits = 3;
		bytea_output = BYTEA_OUTPUT_HEX;
		session_timezone = utc_tz;
		key = OidOutputFunctionCall(out, value);
	}
	PG_FINALLY();
	{
		DateStyle = saved_datestyle;
		DateOrder = saved_dateorder;
		IntervalStyle = saved_intervalstyle;
		extra_float_digits = saved_float_digits;
		bytea_output = saved_bytea_output;
		session_timezone = saved_tz;
	}
	PG_END_TRY();
	if (strlen(key) > HACK_GROUP_KEY_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("group value is %zu bytes as text; group keys are limited to %d",
						strlen(key), HACK_GROUP_KEY_MAX),
				 errhint("Group by a shorter column, such as a label id.")));
	return key;
}

/* hack_group_key(anyelement) */
Datum
hack_group_key(PG_FUNCTION_ARGS)
{
	Oid			typid = get_fn_expr_argtype(fcinfo->flinfo, 0);

	if (!OidIsValid(typid))
		elog(ERROR, "could not determine the type of hack_group_key's argument");
	PG_RETURN_TEXT_P(cstring_to_text(hack_group_key_of(PG_GETARG_DATUM(0), typid)));
}
