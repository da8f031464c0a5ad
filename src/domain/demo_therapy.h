/*
 * demo_therapy.h - therapy data for the synthetic demo cohort (issue #7).
 *
 * Staff: four demo clinicians with the therapist role at the default site
 * (demo.okafor, demo.reyes, demo.chen and demo.walsh, a counsellor in
 * training whom demo.okafor supervises). They are ordinary accounts without
 * a password: the stored hash is a marker no password matches, so nobody can
 * sign in as one until an admin sets a password (`tandem user passwd
 * demo.reyes`). A name already taken is reused as it is.
 *
 * Per patient (demo_therapy_patient, after the medication history): a
 * treatment plan for every episode, current or past: one problem per
 * substance (nicotine on its own) and per mental-health condition, each
 * linked to its diagnoses, so a dual-diagnosis plan holds both kinds; goals
 * in the patient's words; objectives with target dates (PHQ-9 below 10,
 * GAD-7 below 10, 12 weeks of negative fentanyl screens where they fit);
 * therapy interventions with frequency and clinician, and the patient's
 * medication orders for the problem's diagnoses. A new version at each
 * change of level of care and a review at the level's interval
 * (data/plan-review.conf), signed by the clinician and the patient on most
 * versions; a few open plans are overdue for review. Triggers, coping
 * strategies with ratings, warning signs and support contacts for most
 * patients in care. One transaction and one audit row per patient.
 *
 * Cohort-wide (demo_therapy_sessions, after the last patient): weekly group
 * series with rosters of in-care patients of the right levels and diagnoses,
 * individual sessions by level (weekly in residential, PHP and IOP, every
 * two weeks in outpatient care and the OTP, monthly in aftercare), a few
 * family sessions, over the last DEMO_THERAPY_PAST days and the next
 * DEMO_THERAPY_AHEAD; nobody double-booked (clinician, room or patient).
 * Attendance on every session held (mostly present; late, left early,
 * excused and unexcused absences; never two unexcused absences in a row but
 * for one patient, whose second is recorded through attendance_record so the
 * consecutive-absence alert is raised as the session module does). Progress
 * notes on most sessions held (SOAP, DAP or BIRP; a group note has a shared
 * part and one individual part per attendee naming their plan objectives),
 * signed, with a few drafts older than a day, notes of the supervised
 * clinician co-signed or awaiting co-signature, two addenda and one
 * psychotherapy note. One transaction, one audit row per patient touched.
 *
 * Rows are written directly (the history is already decided), with the
 * canonical plan document of plan_doc_format and the keys plan.c would give.
 * Deterministic for a seed, except that times are relative to now.
 */
#ifndef TDM_DEMO_THERAPY_H
#define TDM_DEMO_THERAPY_H

#include <stdint.h>

#include "domain/access.h"
#include "domain/demo_meds.h"
#include "store/store.h"

#define DEMO_THERAPY_STAFF 4
#define DEMO_THERAPY_PAST 56   /* days of sessions before today */
#define DEMO_THERAPY_AHEAD 14  /* days of sessions scheduled after today */

struct demo_therapy_counts {
	int staff;                       /* demo clinician accounts created */
	int plans, plan_versions, plan_signatures, plans_overdue;
	int triggers, strategies, ratings, warning_signs, contacts;
	int series, sessions, group_sessions, family_sessions, cancelled, attendance, absence_alerts;
	int notes, notes_signed, drafts, awaiting_cosign, addenda, psychotherapy_notes;
};

struct demo_therapy; /* the cohort being built */

/* Creates (or finds) the demo clinicians and the supervision; *out for the
 * calls below (demo_therapy_end frees it). n: the cohort size. */
enum tdm_status demo_therapy_begin(struct db *db, const struct actor *a, int n, uint64_t seed,
				   struct demo_therapy **out, struct tdm_err *err);
/* Plans and relapse-prevention items of one patient (episodes as planned
 * for the medication history; the patient's diagnoses, orders and name are
 * read back). Remembers what the sessions need. */
enum tdm_status demo_therapy_patient(struct demo_therapy *t, struct db *db, const struct actor *a,
				     const struct demo_med_plan *p, uint64_t seed, struct tdm_err *err);
/* Series, sessions, attendance and notes for the patients seen so far. */
enum tdm_status demo_therapy_sessions(struct demo_therapy *t, struct db *db, const struct actor *a,
				      struct tdm_err *err);
/* The counts (out may be NULL); frees t (NULL is fine). */
void demo_therapy_end(struct demo_therapy *t, struct demo_therapy_counts *out);

#endif
