/*
 * errors.h
 *	  Core statuses as PostgreSQL errors, and the core's malloc'd byte
 *	  strings as bytea values (errors.c).
 *
 * The core reports failures as a HackStatus plus message; hack_raise()
 * turns one into an ereport() with the single SQLSTATE that status maps
 * to, so every SQL entry point reports the same failure the same way.
 * Include postgres.h first (hack.h does).
 */
#ifndef HACK_ERRORS_H
#define HACK_ERRORS_H

#include "core/status.h"

extern void hack_raise(const HackError *err) pg_attribute_noreturn();
extern void hack_raise_input(const HackError *err, const char *typname,
							 const char *input) pg_attribute_noreturn();
extern int	hack_sqlstate(HackStatus status);
extern bytea *hack_bytea_from_core(uint8_t *buf, size_t len, const char *what);

/* Raise err unless st is HACK_OK. */
static inline void
hack_check(HackStatus st, const HackError *err)
{
	if (st != HACK_OK)
		hack_raise(err);
}

/*
 * Progress callback for core loops: returns false when an interrupt is
 * pending, so the core unwinds and returns HACK_ERR_INTERRUPTED; the glue
 * then frees what it holds and calls hack_raise(), which services the
 * interrupt.
 */
extern bool hack_interrupt_callback(void *arg, double done, double total);

#endif							/* HACK_ERRORS_H */
