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
	int from_replica;             /* counted on the read replica */
};

/* Counts open episodes by current level at the sites the actor may see
 * (optionally one site). A report: with a replica (may be NULL) the counts
 * come from it, falling back to the primary when it fails. The audit row is
 * always written on the primary, db, before anything is returned. */
enum tdm_status census_get(struct db *db, struct db *replica, const struct actor *a,
			   int64_t site_id, struct census *out, struct tdm_err *err);

#define CENSUS_MAX_DAYS 366

struct census_day {
	char date[DATE_LEN];
	int64_t admissions, discharges;
	int64_t in_care; /* episodes open at the end of the day */
};

struct census_daily {
	char as_of[DATE_LEN];
	int64_t site_id;
	int n_days;
	struct census_day days[CENSUS_MAX_DAYS]; /* oldest first, today last */
	int from_replica;
};

/* Admissions, discharges and patients in care for each of the last `days`
 * clinic-local days (1..CENSUS_MAX_DAYS), today included. A report like
 * census_get: replica when given, audit row on the primary. */
enum tdm_status census_daily(struct db *db, struct db *replica, const struct actor *a,
			     int64_t site_id, int days, struct census_daily *out,
			     struct tdm_err *err);

#endif
