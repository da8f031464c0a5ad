/*
 * note.h - progress notes on therapy sessions, and psychotherapy notes.
 *
 * A progress note is written once per session in SOAP, DAP or BIRP form: one
 * shared part plus, for each patient whose chart it is filed to, an
 * individual part naming the plan objectives it addresses. A chart shows
 * the shared part and that patient's individual part only: every query
 * that reads a note for a chart filters the parts by that patient, so one
 * attendee's part can never reach another's chart.
 *
 * A draft can be replaced by its author (each replacement is a new version;
 * the old stays). Signing (author only) locks the note: any later change is
 * TDM_ECONFLICT; later text is an addendum, signed by its author on
 * creation. When the author is under supervision (domain/supervision.h) at
 * signing, the note awaits that supervisor's co-signature. Drafts older
 * than [notes] unsigned_after_hours (data/therapy.conf) are on the author's
 * unsigned list.
 *
 * Psychotherapy notes are kept apart (their own table, their own routes)
 * and only their author may read them: anyone else, admins included, gets
 * TDM_ENOTFOUND and never sees them in a list. Every read and write is
 * audited, one row per patient, with details that name no other patient
 * and no note text.
 */
#ifndef TDM_NOTE_H
#define TDM_NOTE_H

#include <stdint.h>

#include "domain/access.h"
#include "domain/therapy.h"
#include "store/store.h"
#include "util/date.h"
#include "util/limits.h"

#define NOTE_MAX_SECTIONS 4
#define NOTE_KEY_LEN 9 /* a plan objective key, "O12" */

/* The sections of a format ("SOAP", "DAP", "BIRP"), by their JSON names:
 * SOAP subjective objective assessment plan; DAP data assessment plan;
 * BIRP behavior intervention response plan. Returns the count, 0 for an
 * unknown format. names[i] are static strings. */
int note_sections(const char *format, const char *names[NOTE_MAX_SECTIONS]);

struct note_objective {
	int64_t plan_id;
	char key[NOTE_KEY_LEN];
};

/* One part as sent: texts borrowed from the caller, by section index. */
struct note_part_in {
	int64_t patient_id; /* 0: the shared part */
	const char *text[NOTE_MAX_SECTIONS];
	struct note_objective objectives[TDM_MAX_NOTE_OBJECTIVES];
	int n_objectives;
};

struct note_input {
	char format[8];
	struct note_part_in shared;
	struct note_part_in individual[THERAPY_GROUP_CEILING];
	int n_individual; /* 0: filed to every patient on the session, shared part only */
};

/* One part as read: texts owned (note_release). */
struct note_part {
	int64_t patient_id;
	char *text[NOTE_MAX_SECTIONS];
	struct note_objective objectives[TDM_MAX_NOTE_OBJECTIVES];
	int n_objectives;
};

struct note_addendum {
	int64_t id, patient_id; /* patient_id 0: on every chart of the note */
	char *text;             /* owned */
	char author[TDM_LEN_USERNAME + 16];
	char signed_at[INSTANT_LEN];
};

struct note {
	int64_t id, session_id, site_id, author_id;
	char author[TDM_LEN_USERNAME + 16];
	char format[8];
	int version;
	char status[20];        /* draft | awaiting_cosign | signed */
	char created_at[INSTANT_LEN], updated_at[INSTANT_LEN];
	char signed_at[INSTANT_LEN];
	char signed_by[TDM_LEN_USERNAME + 16];
	char cosigner[TDM_LEN_USERNAME + 16]; /* who must co-sign, "" when nobody */
	char cosigned_at[INSTANT_LEN];
	char cosigned_by[TDM_LEN_USERNAME + 16];
	/* the session */
	char session_kind[12];
	char modality[THERAPY_LEN_MODALITY + 1];
	char starts_at[INSTANT_LEN];
	int minutes;
	/* The view: chart_patient's chart (individual holds that patient's
	 * part only), or 0 for the author's full view (every part). */
	int64_t chart_patient;
	struct note_part shared;
	struct note_part *individual;
	int n_individual;
	int64_t charts[THERAPY_GROUP_CEILING]; /* full view only */
	int n_charts;
	struct note_addendum *addenda;
	int n_addenda;
};

void note_release(struct note *n);
void note_list_free(struct note *rows, int n);

/* Writes the note of a session (author: the actor). TDM_EINVAL names the
 * field ("individual.<patient id>.plan", ...); TDM_ECONFLICT when the
 * session already has a note, is cancelled or has not started. */
enum tdm_status note_create(struct db *db, const struct actor *a, int64_t session_id,
			    const struct note_input *in, struct note *out, struct tdm_err *err);
/* Replaces a draft's content (a new version). Author only (TDM_EFORBIDDEN);
 * a signed note is TDM_ECONFLICT. out is the author's full view. */
enum tdm_status note_update(struct db *db, const struct actor *a, int64_t note_id,
			    const struct note_input *in, struct note *out, struct tdm_err *err);
/* Reads a note for one chart (patient_id), or (patient_id 0) for the only
 * chart it is filed to, or the author's full view. A group note read by
 * someone else without a chart is TDM_EINVAL (field "patient"). */
enum tdm_status note_get(struct db *db, const struct actor *a, int64_t note_id, int64_t patient_id,
			 struct note *out, struct tdm_err *err);
/* The notes on a patient's chart, newest session first. */
enum tdm_status note_list(struct db *db, const struct actor *a, int64_t patient_id, int limit, int offset,
			  struct note **rows, int *n, int64_t *total, struct tdm_err *err);
/* Signs a draft (author only). out: the author's full view. */
enum tdm_status note_sign(struct db *db, const struct actor *a, int64_t note_id, struct note *out,
			  struct tdm_err *err);
/* Co-signs a note awaiting it (the supervisor named at signing only). */
enum tdm_status note_cosign(struct db *db, const struct actor *a, int64_t note_id, struct note *out,
			    struct tdm_err *err);
/* Adds a signed addendum to a signed note; patient_id (0: every chart)
 * must be one of its charts. out gets id, patient_id, author and signed_at
 * (out->text stays NULL: the caller has the text). */
enum tdm_status note_addendum_add(struct db *db, const struct actor *a, int64_t note_id, int64_t patient_id,
				  const char *text, struct note_addendum *out, struct tdm_err *err);

struct note_pending {
	int64_t id, session_id;
	char session_kind[12];
	char modality[THERAPY_LEN_MODALITY + 1];
	char starts_at[INSTANT_LEN];
	char author[TDM_LEN_USERNAME + 16];
	char created_at[INSTANT_LEN];
	char signed_at[INSTANT_LEN]; /* awaiting co-signature: when the author signed */
	int hours;                   /* since created (drafts) or signed */
};

/* The actor's drafts older than unsigned_after_hours, oldest first, and the
 * notes awaiting the actor's co-signature. One audit row. Both caller-frees. */
enum tdm_status note_pending(struct db *db, const struct actor *a, struct note_pending **unsigned_rows,
			     int *n_unsigned, struct note_pending **cosign_rows, int *n_cosign,
			     struct tdm_err *err);

/* ---- psychotherapy notes ---- */

struct psychotherapy_note {
	int64_t id, patient_id, session_id;
	char author[TDM_LEN_USERNAME + 16];
	char created_at[INSTANT_LEN];
	char *text; /* owned: psychotherapy_note_release */
};

void psychotherapy_note_release(struct psychotherapy_note *p);
void psychotherapy_note_list_free(struct psychotherapy_note *rows, int n);

/* Writes one (author: the actor). session_id (0: none) must be a session
 * the patient is on. */
enum tdm_status psychotherapy_note_add(struct db *db, const struct actor *a, int64_t patient_id,
				       int64_t session_id, const char *text, struct psychotherapy_note *out,
				       struct tdm_err *err);
/* The actor's own psychotherapy notes on the patient, newest first. */
enum tdm_status psychotherapy_note_list(struct db *db, const struct actor *a, int64_t patient_id,
					struct psychotherapy_note **rows, int *n, struct tdm_err *err);
/* One, for its author only: anyone else gets TDM_ENOTFOUND (audited as
 * "denied"). */
enum tdm_status psychotherapy_note_get(struct db *db, const struct actor *a, int64_t id,
				       struct psychotherapy_note *out, struct tdm_err *err);

#endif
