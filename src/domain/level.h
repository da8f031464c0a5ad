/*
 * level.h - levels of care (detox ... otp) and their ASAM levels, loaded from
 * data/levels.conf.
 */
#ifndef TDM_LEVEL_H
#define TDM_LEVEL_H

#include "util/status.h"

#define LEVEL_MAX 16
#define LEVEL_MAX_ASAM 8

struct level {
	char id[16];            /* "detox", "residential", ... (API identifiers) */
	char label[64];
	char asam[LEVEL_MAX_ASAM][12];
	int n_asam;
	char asam_default[12];
	int order;
};

#define ASAM_EDITION "asam-3e"

enum tdm_status level_load(const char *dir, struct tdm_err *err);
/* NULL when unknown. */
const struct level *level_find(const char *id);
int level_count(void);
const struct level *level_at(int i); /* in display order */
/* Checks an ASAM level against a level of care; NULL/"" picks the default.
 * Writes the chosen ASAM level to out. */
enum tdm_status level_asam(const struct level *l, const char *asam, char out[12],
			   struct tdm_err *err);
/* "detox, residential, ..." for error messages. */
const char *level_list_text(void);

#endif
