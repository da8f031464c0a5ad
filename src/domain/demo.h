/*
 * demo.h - a synthetic, clearly labelled demo cohort.
 *
 * For training, demonstrations and trying Tandem out: loads made-up patients
 * with diagnoses and episodes of care through the ordinary domain calls, so
 * every write is validated and audited like any other. Every demo patient has
 * an MRN "DEMO-00001", "DEMO-00002", ..., the address line "Synthetic demo
 * record" and a fictional 555-01xx telephone number, so nobody mistakes one
 * for a real person. Never load it into a production database.
 */
#ifndef TDM_DEMO_H
#define TDM_DEMO_H

#include "domain/access.h"
#include "store/store.h"
#include "util/status.h"

#define DEMO_MAX_PATIENTS 10000

struct demo_summary {
	int patients;    /* patients registered */
	int dual;        /* of them, dual diagnosis under the configured rule */
	int episodes;    /* episodes opened (admissions and readmissions) */
	int placements;  /* placements, each episode's first one included */
	int discharged;  /* episodes discharged */
	int diagnoses;   /* diagnoses recorded, resolved ones included */
	int assessments; /* scores recorded (PHQ-9, GAD-7, CIWA-Ar, COWS) */
	int alerts_open; /* alerts left unacknowledged for the inbox */
	int schedules;   /* measurement schedules */
	int med_orders;  /* medication orders (domain/demo_meds.h) */
	int med_administrations; /* doses recorded: given, taken home, held, refused, missed */
	int takehome_dispenses;
	int results;     /* drug screens, breath alcohol, labs, ECGs */
	int plans;       /* treatment plans (domain/demo_therapy.h), one per episode */
	int plan_versions;
	int therapy_sessions; /* individual, group and family, past and ahead */
	int attendance;  /* attendance rows */
	int progress_notes;
};

/*
 * Loads a synthetic demo cohort of n patients (1 <= n <= DEMO_MAX_PATIENTS)
 * at the default site through the domain functions (patient_create,
 * diagnosis_add, diagnosis_set_status, episode_admit, episode_place,
 * episode_discharge), each in its own transaction, then each patient's
 * medication history (domain/demo_meds.h: orders, doses, take-homes,
 * results, written directly in one transaction per patient), treatment plans
 * and triggers and coping skills (domain/demo_therapy.h, likewise), and at
 * the end the therapy sessions of the last weeks and the next two with
 * attendance and progress notes, by four demo clinicians without passwords.
 * The cohort is deterministic for a seed; its dates are relative to today
 * and never in the future (take-home doses already dispensed may cover the
 * days ahead, and sessions are scheduled for them).
 * There are admissions in the last 30 days; with n >= 7 every level of care
 * has patients in care; with n >= 14 some were discharged in the last 30
 * days.
 *
 * The clinical data (clinic_load) must be loaded first. out (may be NULL)
 * gets the counts of what was written, also on failure.
 *
 * Returns TDM_OK; TDM_EINVAL for a bad n or when a needed level of care is
 * not configured; TDM_ECONFLICT when the database already holds patients;
 * otherwise the first failing domain call's status, with err filled by it
 * (the patients written before it stay).
 */
enum tdm_status demo_load(struct db *db, const struct actor *a, int n, unsigned seed,
			  struct demo_summary *out, struct tdm_err *err);

#endif
