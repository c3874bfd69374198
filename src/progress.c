/*
 * progress.c
 *	  hack_progress_parse(text): the fields of a hack_train progress line,
 *	  for the hack.training_progress view.
 *
 * The line's format and its strict reader live in core/progress_line.c;
 * any other text gives no row, never an error.  The view shows a row only
 * when the backend also holds the job lock of the line's model (objsubid 3,
 * which SQL cannot take), whose key (classid and objid in pg_locks) this
 * function returns.
 */
#include "hack.h"
#include "model_lock.h"

#include "funcapi.h"
#include "utils/builtins.h"

#include "core/progress_line.h"

PG_FUNCTION_INFO_V1(hack_progress_parse);

/* hack_progress_parse(activity text) */
Datum
hack_progress_parse(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *line = text_to_cstring(PG_GETARG_TEXT_PP(0));
	HackProgress p;
	Datum		v[12];
	bool		nulls[12] = {false};
	uint32		hi,
				lo;

	InitMaterializedSRF(fcinfo, 0);
	if (!hack_progress_line_parse(line, &p))
		return (Datum) 0;
	model_lock_key(p.model, &hi, &lo);
	v[0] = ObjectIdGetDatum((Oid) hi);
	v[1] = ObjectIdGetDatum((Oid) lo);
	v[2] = CStringGetTextDatum(p.model);
	v[3] = CStringGetTextDatum(p.group);
	v[4] = Int32GetDatum(p.group_no);
	v[5] = Int32GetDatum(p.groups);
	v[6] = Int32GetDatum(p.rows);
	v[7] = Int32GetDatum(p.epoch);
	v[8] = Int32GetDatum(p.epochs);
	v[9] = Float8GetDatum(p.loss);
	v[10] = Float8GetDatum(p.images_per_second);
	v[11] = Float8GetDatum(p.eta_seconds);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, nulls);
	return (Datum) 0;
}
