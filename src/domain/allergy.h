/*
 * allergy.h - a patient's allergies and intolerances. Checked at ordering
 * (the medication orders match allergy.medication_id against the formulary).
 * Resolving or correcting one is a status row; the entry stays.
 */
#ifndef TDM_ALLERGY_H
#define TDM_ALLERGY_H

#include <stdint.h>

#include "domain/access.h"
#include "store/store.h"
#include "util/date.h"
#include "util/limits.h"

struct allergy {
	int64_t id, patient_id;
	char substance[TDM_LEN_NAME + 1];  /* as the patient or record says it */
	char medication_id[40];           /* a formulary id when it names one, else "" */
	char kind[16];                    /* drug | food | environment | other */
	char reaction[201];
	char severity[12];                /* mild | moderate | severe | unknown */
	char noted_on[DATE_LEN];
	char status[20];                  /* active | resolved | entered_in_error */
	char status_reason[TDM_LEN_REASON + 1];
	char recorded_at[INSTANT_LEN];
	char recorded_by[TDM_LEN_USERNAME + 16];
};

enum tdm_status allergy_add(struct db *db, const struct actor *a, int64_t patient_id,
			    struct allergy *in, struct tdm_err *err);
enum tdm_status allergy_list(struct db *db, const struct actor *a, int64_t patient_id,
			     struct allergy **rows, int *n, struct tdm_err *err);
/* status: resolved | entered_in_error | active (re-opened); reason required. */
enum tdm_status allergy_set_status(struct db *db, const struct actor *a, int64_t allergy_id,
				   const char *status, const char *reason, struct allergy *out,
				   struct tdm_err *err);

#endif
