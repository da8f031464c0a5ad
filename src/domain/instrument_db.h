/*
 * instrument_db.h - importing clinic-supplied instrument definitions.
 */
#ifndef TDM_INSTRUMENT_DB_H
#define TDM_INSTRUMENT_DB_H

#include <stddef.h>

#include "domain/access.h"
#include "store/store.h"

/* Checks a definition (docs/instruments.md), stores it, registers it.
 * Refuses to shadow a built-in code. code gets the instrument's code. */
enum tdm_status instrument_import(struct db *db, const struct actor *a, const char *json,
				  size_t len, const char *origin, char *code, size_t code_len,
				  struct tdm_err *err);
/* Registers every imported definition (the newest per code). */
enum tdm_status instrument_load_db(struct db *db, struct tdm_err *err);

#endif
