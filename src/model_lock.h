/*
 * model_lock.h
 *	  One job per model at a time (model_lock.c).
 */
#ifndef HACK_MODEL_LOCK_H
#define HACK_MODEL_LOCK_H

typedef enum ModelBusy
{
	MODEL_BUSY_ERROR,			/* raise 55P03 */
	MODEL_BUSY_SKIP,			/* NOTICE and do nothing */
	MODEL_BUSY_WAIT				/* wait for the other job */
} ModelBusy;

extern ModelBusy model_lock_parse_busy(const char *s);
extern void model_lock_key(const char *model, uint32 *hi, uint32 *lo);
extern bool model_lock_acquire(const char *model, ModelBusy how, const char *job,
							   bool session);
extern void model_lock_release(const char *model, bool session);
extern bool model_lock_run(const char *model, ModelBusy how, const char *job, bool session,
						   void (*fn) (void *arg), void *arg);

#endif							/* HACK_MODEL_LOCK_H */
