/*
 * census.h - who is in care now, per level of care, and recent movement.
 */
#ifndef TDM_CENSUS_H
#define TDM_CENSUS_H

#include <stdint.h>

#include "domain/access.h"
#include "domain/level.h"
#include "store/store.h"
#include "util/date.h"

struct census {
	char as_of[DATE_LEN];
	int64_t site_id;              /* 0: all visible sites */
	int n_levels;
	struct {
		char level[16];
		char label[64];
		int64_t patients;
	} levels[LEVEL_MAX];
	int64_t total;
	int64_t admissions_30d;       /* episodes admitted in the last 30 days */
	int64_t discharges_30d;
};

/* Counts open episodes by current level at the sites the actor may see
 * (optionally one site). Audited as one aggregate read. */
enum tdm_status census_get(struct db *db, const struct actor *a, int64_t site_id,
			   struct census *out, struct tdm_err *err);

#endif
