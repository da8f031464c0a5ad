/*
 * patient.h - patients and their demographics.
 *
 * Demographics are versioned: an update writes a new patient_version row with
 * who, when and why, and the previous one stays readable. Every read and
 * write is audited (domain/audit.h). A patient belongs to one site; a user
 * only ever sees patients of sites they hold a role at.
 */
#ifndef TDM_PATIENT_H
#define TDM_PATIENT_H

#include <stdint.h>

#include "domain/access.h"
#include "store/store.h"
#include "util/date.h"
#include "util/limits.h"

struct patient {
	int64_t id;
	int64_t site_id;
	char site_code[TDM_LEN_CODE + 1];
	char mrn[TDM_LEN_MRN + 1];
	char family_name[TDM_LEN_NAME + 1];
	char given_name[TDM_LEN_NAME + 1];
	char preferred_name[TDM_LEN_NAME + 1];
	char birth_date[DATE_LEN];
	char sex_at_birth[16];
	char gender_identity[TDM_LEN_GENDER + 1];
	char phone[TDM_LEN_PHONE + 1];
	char email[TDM_LEN_EMAIL + 1];
	char address_line[TDM_LEN_ADDRESS + 1];
	char city[TDM_LEN_CITY + 1];
	char region[TDM_LEN_REGION + 1];
	char postal_code[TDM_LEN_POSTAL + 1];
	char emergency_name[TDM_LEN_NAME + 1];
	char emergency_relationship[TDM_LEN_GENDER + 1];
	char emergency_phone[TDM_LEN_PHONE + 1];
	char preferred_language[TDM_LEN_LANGUAGE + 1];
	/* derived on read */
	int dual_diagnosis;
	char level[16];          /* current level of care, "" when not admitted */
	int64_t episode_id;      /* open episode, 0 when none */
	int version;             /* number of demographic versions */
	char created_at[INSTANT_LEN];
	char updated_at[INSTANT_LEN];
	char updated_by[TDM_LEN_USERNAME + 16];
};

/* Which fields of a struct patient an update sets. */
enum patient_field {
	PF_MRN = 1 << 0, PF_FAMILY = 1 << 1, PF_GIVEN = 1 << 2, PF_PREFERRED = 1 << 3,
	PF_BIRTH = 1 << 4, PF_SEX = 1 << 5, PF_GENDER = 1 << 6, PF_PHONE = 1 << 7,
	PF_EMAIL = 1 << 8, PF_ADDRESS = 1 << 9, PF_CITY = 1 << 10, PF_REGION = 1 << 11,
	PF_POSTAL = 1 << 12, PF_EM_NAME = 1 << 13, PF_EM_REL = 1 << 14, PF_EM_PHONE = 1 << 15,
	PF_LANGUAGE = 1 << 16,
};

/* Field-level validation of a complete patient (names, dates, codes). */
enum tdm_status patient_validate(const struct patient *p, struct tdm_err *err);

/* Creates a patient at site_code (NULL: the one site the actor may create
 * at, or the default site). An empty mrn is assigned. Fills p->id, p->mrn. */
enum tdm_status patient_create(struct db *db, const struct actor *a, struct patient *p,
			       const char *site_code, struct tdm_err *err);
/* Reads one patient (audited). TDM_ENOTFOUND when absent or not visible. */
enum tdm_status patient_get(struct db *db, const struct actor *a, int64_t id,
			    struct patient *out, struct tdm_err *err);
/* Applies the fields in `mask` from `in` as a new version; reason required. */
enum tdm_status patient_update(struct db *db, const struct actor *a, int64_t id,
			       const struct patient *in, unsigned mask, const char *reason,
			       struct patient *out, struct tdm_err *err);

struct patient_query {
	char q[TDM_LEN_NAME + 1];      /* name fragment, case-insensitive */
	char mrn[TDM_LEN_MRN + 1];     /* exact */
	char birth_date[DATE_LEN];     /* exact */
	char level[16];                /* current level of care */
	int64_t site_id;               /* 0: every visible site */
	int dual_only;
	int limit, offset;
};

/* Searches visible patients (one audit row for the search). *rows is
 * caller-frees. */
enum tdm_status patient_search(struct db *db, const struct actor *a,
			       const struct patient_query *q, struct patient **rows, int *n,
			       int64_t *total, struct tdm_err *err);

struct audit_event;

/*
 * Begins the transaction (DB_WRITE, or DB_AUDITED_READ for a read that only
 * appends its audit row) of an operation on one patient's record and
 * checks that the actor may see the patient. ev is filled for the audit row
 * (action, object type, site, patient; outcome "denied" for a patient of a
 * site the actor holds no role at). *open is 1 when the transaction began:
 * the caller then ends it with audit_finish() whatever the status; 0 when it
 * could not begin (return the status). Returns the status to carry on with.
 */
enum tdm_status patient_open(struct db *db, const struct actor *a, int64_t patient_id,
			     enum db_tx tx, const char *action, const char *object_type,
			     struct audit_event *ev, int *open, struct tdm_err *err);

/* Inside an open transaction: loads patient id if the actor may see it.
 * Used by other modules before touching a patient's record. */
enum tdm_status patient_visible(struct db *db, const struct actor *a, int64_t id,
				int64_t *site_id, struct tdm_err *err);

#endif
