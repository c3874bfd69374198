/*
 * run_as.c
 *	  Run a piece of work as another role inside a security-restricted
 *	  operation, as REFRESH MATERIALIZED VIEW and ANALYZE do
 *	  (src/backend/commands/matview.c).
 *
 * Two uses.  Maintenance of a model (hack_refresh, resume, retraining)
 * reads the model's source as the model's owner, so a superuser's nightly
 * job never runs a function of the owner's (in a view, a policy) with
 * superuser rights.  And hack's writes to its own catalogue run as the
 * extension's owner, the only role that may write it.
 *
 * Inside, SET ROLE, SET SESSION AUTHORIZATION and temporary objects are
 * refused (SECURITY_RESTRICTED_OPERATION), and a GUC nest level undoes
 * whatever settings the code run there changes.  An error unwinds both:
 * the (sub)transaction abort restores the user and pops the GUC level, so
 * run_as_end is for the normal path only.  Never span a commit.
 */
#include "hack.h"
#include "run_as.h"

#include "miscadmin.h"
#include "utils/guc.h"

/* Become role, restricted, until run_as_end. */
void
run_as_begin(RunAs *r, Oid role)
{
	GetUserIdAndSecContext(&r->saved_user, &r->saved_sec_context);
	SetUserIdAndSecContext(role, r->saved_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	r->guc_level = NewGUCNestLevel();
}

/* Undo run_as_begin: settings changed inside are rolled back. */
void
run_as_end(RunAs *r)
{
	AtEOXact_GUC(false, r->guc_level);
	SetUserIdAndSecContext(r->saved_user, r->saved_sec_context);
}
