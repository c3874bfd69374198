/*
 * group_key.h
 *	  The text key of a group column value (group_key.c).
 */
#ifndef HACK_GROUP_KEY_H
#define HACK_GROUP_KEY_H

#include "postgres.h"

/* A group key never exceeds this many bytes (it is a key of hack.model_groups). */
#define HACK_GROUP_KEY_MAX 1024

/* A model has at most this many groups (each is trained on its own). */
#define HACK_MAX_GROUPS 100000

extern char *hack_group_key_of(Datum value, Oid typid);

#endif							/* HACK_GROUP_KEY_H */
