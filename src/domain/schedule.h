/*
 * schedule.h - which instruments are due for a patient and how often
 * (PHQ-9 every 2 weeks in outpatient, COWS every few hours in withdrawal
 * management). Due and overdue are derived from the last administration.
 */
#ifndef TDM_SCHEDULE_H
#define TDM_SCHEDULE_H

#include <stdint.h>

#include "domain/access.h"
#include "store/store.h"
#include "util/date.h"
#include "util/limits.h"

#define SCHEDULE_MIN_MINUTES 15
#define SCHEDULE_MAX_MINUTES (366 * 24 * 60)
/* Display rule, not a clinical one: a measure is "due" from due_at and
 * "overdue" once this much later (a schedule made now is due, not late). */
#define SCHEDULE_GRACE_MINUTES 15

struct schedule {
	int64_t id, patient_id, site_id;
	char instrument[17];
	int every_minutes;
	char starts_at[INSTANT_LEN];
	char reason[TDM_LEN_REASON + 1];
	char created_at[INSTANT_LEN];
	char created_by[TDM_LEN_USERNAME + 16];
	int stopped;
	char last_at[INSTANT_LEN];   /* newest administration since start, "" none */
	char due_at[INSTANT_LEN];
	int due;                     /* due_at has come */
	int overdue;                 /* more than SCHEDULE_GRACE_MINUTES past due_at */
	/* for lists across patients */
	char mrn[TDM_LEN_MRN + 1];
	char family_name[TDM_LEN_NAME + 1];
	char given_name[TDM_LEN_NAME + 1];
};

enum tdm_status schedule_add(struct db *db, const struct actor *a, int64_t patient_id,
			     const char *instrument, int every_minutes, const char *starts_at,
			     const char *reason, struct schedule *out, struct tdm_err *err);
enum tdm_status schedule_stop(struct db *db, const struct actor *a, int64_t schedule_id,
			      const char *reason, struct tdm_err *err);
/* A patient's active schedules with due times. *rows caller-frees. */
enum tdm_status schedule_list(struct db *db, const struct actor *a, int64_t patient_id,
			      struct schedule **rows, int *n, struct tdm_err *err);
/* Active schedules due within `within_minutes` (overdue first) at visible
 * sites. *rows caller-frees. */
enum tdm_status schedule_due(struct db *db, const struct actor *a, int within_minutes,
			     struct schedule **rows, int *n, struct tdm_err *err);

#endif
