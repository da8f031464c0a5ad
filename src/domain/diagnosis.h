/*
 * diagnosis.h - a patient's diagnoses (ICD-10-CM) and the derived
 * dual-diagnosis flag. A diagnosis row never changes; its status (active,
 * resolved, entered in error) is the newest diagnosis_status row.
 */
#ifndef TDM_DIAGNOSIS_H
#define TDM_DIAGNOSIS_H

#include <stdint.h>

#include "domain/access.h"
#include "domain/icd10.h"
#include "store/store.h"
#include "util/date.h"
#include "util/limits.h"

struct diagnosis {
	int64_t id, patient_id;
	struct icd10_class cls;
	char onset_date[DATE_LEN];     /* "" when unknown */
	char note[TDM_LEN_REASON + 1];
	char status[20];               /* active | resolved | entered_in_error */
	char status_on[DATE_LEN];      /* date the status took effect */
	char status_reason[TDM_LEN_REASON + 1];
	char recorded_at[INSTANT_LEN];
	char recorded_by[TDM_LEN_USERNAME + 16];
};

/* Records a diagnosis. d->cls.code is the code as entered; it is checked and
 * classified. onset_date optional, not in the future. */
enum tdm_status diagnosis_add(struct db *db, const struct actor *a, int64_t patient_id,
			      struct diagnosis *d, struct tdm_err *err);
/* Lists a patient's diagnoses, oldest first. *rows caller-frees. */
enum tdm_status diagnosis_list(struct db *db, const struct actor *a, int64_t patient_id,
			       struct diagnosis **rows, int *n, struct tdm_err *err);
/* New status for a diagnosis: "resolved" (on = resolution date), "active"
 * (re-opened) or "entered_in_error". Reason required. */
enum tdm_status diagnosis_set_status(struct db *db, const struct actor *a, int64_t dx_id,
				     const char *status, const char *on, const char *reason,
				     struct diagnosis *out, struct tdm_err *err);

/* Inside an open transaction: the dual-diagnosis flag of a patient from the
 * active diagnoses and the configured rule. */
enum tdm_status diagnosis_dual(struct db *db, int64_t patient_id, int *dual, struct tdm_err *err);

#endif
