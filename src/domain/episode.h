/*
 * episode.h - episodes of care and placements in a level of care.
 *
 * An episode opens at admission with a first placement; each transition adds
 * a placement (the previous one ends the day the next starts); discharge is a
 * row of its own. Nothing is updated in place, so the whole history stays.
 * A patient has at most one open episode.
 */
#ifndef TDM_EPISODE_H
#define TDM_EPISODE_H

#include <stdint.h>

#include "domain/access.h"
#include "store/store.h"
#include "util/date.h"
#include "util/limits.h"

#define EPISODE_MAX_PLACEMENTS 200 /* refused beyond this: discharge and readmit */

struct placement {
	int64_t id;
	char level[16];
	char asam_level[12];
	char asam_edition[12];
	char started_on[DATE_LEN];
	char ended_on[DATE_LEN];      /* "" while current */
	char reason[TDM_LEN_REASON + 1];
	char recorded_at[INSTANT_LEN];
	char recorded_by[TDM_LEN_USERNAME + 16];
};

struct episode {
	int64_t id, patient_id, site_id;
	char admitted_on[DATE_LEN];
	char discharged_on[DATE_LEN];   /* "" while open */
	char discharge_reason[32];
	char discharge_note[TDM_LEN_REASON + 1];
	char level[16];                 /* current level, "" once discharged */
	char recorded_at[INSTANT_LEN];
	char recorded_by[TDM_LEN_USERNAME + 16];
	struct placement *placements;   /* oldest first; owned, episode_release */
	int n_placements;
};

void episode_release(struct episode *e);

/* Admits a patient: a new episode with its first placement at `level`.
 * admitted_on "" means today (clinic-local); past dates allowed. */
enum tdm_status episode_admit(struct db *db, const struct actor *a, int64_t patient_id,
			      const char *level, const char *asam_level, const char *admitted_on,
			      const char *reason, struct episode *out, struct tdm_err *err);
/* Moves an open episode to another level of care from started_on ("" today). */
enum tdm_status episode_place(struct db *db, const struct actor *a, int64_t episode_id,
			      const char *level, const char *asam_level, const char *started_on,
			      const char *reason, struct episode *out, struct tdm_err *err);
/* Discharges an open episode. reason: one of episode_discharge_reasons. */
enum tdm_status episode_discharge(struct db *db, const struct actor *a, int64_t episode_id,
				  const char *discharged_on, const char *reason, const char *note,
				  struct episode *out, struct tdm_err *err);
enum tdm_status episode_get(struct db *db, const struct actor *a, int64_t episode_id,
			    struct episode *out, struct tdm_err *err);
/* A patient's episodes, newest first; *rows caller-frees with
 * episode_release on each. */
enum tdm_status episode_list(struct db *db, const struct actor *a, int64_t patient_id,
			     struct episode **rows, int *n, struct tdm_err *err);

/* Inside an open transaction: the open episode and current level of a
 * patient (0 and "" when not in care). */
enum tdm_status episode_current(struct db *db, int64_t patient_id, int64_t *episode_id,
				char level[16], struct tdm_err *err);

/* NULL-terminated list of discharge reason codes. */
extern const char *const episode_discharge_reasons[];

#endif
