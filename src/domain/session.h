/*
 * session.h - therapy sessions (individual, group, family), weekly group
 * series with a roster, attendance, and the consecutive-absence alert.
 *
 * A session belongs to the site of its patients and has one clinician, a
 * modality from data/therapy.conf, a room of that site or telehealth, a start
 * (stored as a UTC instant) and a length. The same clinician, room or patient
 * cannot be in two sessions whose times overlap (back to back is fine).
 * Sessions are never deleted: a cancellation is a row with its reason.
 *
 * Attendance is a row per change (the latest wins, the history stays). The
 * attendance rate is attended / (attended + unexcused absences), where
 * attended is present, late or left_early; excused absences, program
 * cancellations and sessions with nothing recorded are left out.
 * consecutive_unexcused_alert unexcused absences in a row (data/therapy.conf;
 * excused absences and cancellations neither count nor break the run) raise
 * one alert addressed to the patient's primary clinician: the clinician of
 * the patient's latest individual session held, else of the session missed.
 *
 * Every read and write is audited with one row per patient it touches.
 */
#ifndef TDM_SESSION_H
#define TDM_SESSION_H

#include <stdint.h>

#include "domain/access.h"
#include "domain/therapy.h"
#include "store/store.h"
#include "util/date.h"
#include "util/limits.h"

#define SESSION_LEN_STATUS 24

struct session_patient {
	int64_t id;
	char mrn[TDM_LEN_MRN + 1];
	char family_name[TDM_LEN_NAME + 1];
	char given_name[TDM_LEN_NAME + 1];
	/* latest attendance, status "" when none recorded */
	char status[SESSION_LEN_STATUS];
	char note[TDM_LEN_REASON + 1];
	char recorded_at[INSTANT_LEN];
	char recorded_by[TDM_LEN_USERNAME + 16];
};

struct session {
	int64_t id, site_id, series_id, clinician_id, note_id;
	char site_code[TDM_LEN_CODE + 1];
	char kind[12];                       /* individual | group | family */
	char modality[THERAPY_LEN_MODALITY + 1];
	char title[TDM_LEN_NAME + 1];
	char clinician[TDM_LEN_USERNAME + 16];
	char room[THERAPY_LEN_ROOM + 1];     /* "" for telehealth */
	int telehealth;
	char starts_at[INSTANT_LEN], ends_at[INSTANT_LEN];
	int minutes;
	char status[SESSION_LEN_STATUS];     /* scheduled | cancelled_by_program */
	char cancel_reason[TDM_LEN_REASON + 1];
	char cancelled_at[INSTANT_LEN];
	char cancelled_by[TDM_LEN_USERNAME + 16];
	char created_at[INSTANT_LEN];
	char created_by[TDM_LEN_USERNAME + 16];
	/* Active participants (caller frees with session_release). In a
	 * patient's own list: that patient only. */
	struct session_patient *patients;
	int n_patients;
};

void session_release(struct session *s);
void session_list_free(struct session *rows, int n);

/* What a client asks for when scheduling (a session, or a series). */
struct session_input {
	char kind[12];
	char modality[THERAPY_LEN_MODALITY + 1];
	char title[TDM_LEN_NAME + 1];
	char clinician[TDM_LEN_USERNAME + 1]; /* "" = the caller */
	char room[THERAPY_LEN_ROOM + 1];
	int telehealth;
	char starts_at[32];                   /* ISO-8601 with Z or an offset */
	int minutes;
	int64_t patients[THERAPY_GROUP_CEILING];
	int n_patients;
	/* series only: exactly one of count (weekly sessions) and until (last day) */
	int count;
	char until[DATE_LEN];
};

/* Schedules one session. TDM_EINVAL names the field; TDM_ECONFLICT names the
 * other session when the clinician, room or a patient is double-booked;
 * TDM_ENOTFOUND for a patient the actor may not see. out is filled (release). */
enum tdm_status session_create(struct db *db, const struct actor *a, const struct session_input *in,
			       struct session *out, struct tdm_err *err);
/* One session with its participants and their latest attendance. */
enum tdm_status session_get(struct db *db, const struct actor *a, int64_t id, struct session *out,
			    struct tdm_err *err);
/* Cancels by the program, with a reason (kept). TDM_ECONFLICT when already
 * cancelled or when attendance shows it was held. */
enum tdm_status session_cancel(struct db *db, const struct actor *a, int64_t id, const char *reason,
			       struct session *out, struct tdm_err *err);

struct session_query {
	char clinician[TDM_LEN_USERNAME + 1]; /* "" all */
	char room[THERAPY_LEN_ROOM + 1];      /* "" all */
	int64_t site_id;                      /* 0 every visible site */
	char from[DATE_LEN], to[DATE_LEN];    /* clinic-local days, inclusive */
	int limit, offset;
};

/* A calendar: sessions starting on from..to at sites the actor may see,
 * oldest first (one audit row). *rows: session_list_free. */
enum tdm_status session_calendar(struct db *db, const struct actor *a, const struct session_query *q,
				 struct session **rows, int *n, int64_t *total, struct tdm_err *err);

struct attendance_summary {
	int sessions;          /* on the roster, started (not in the future) */
	int attended;          /* present, late, left_early */
	int absent_unexcused, absent_excused, cancelled; /* cancelled: by the program */
	int not_recorded;
	int rate_known;        /* 0 when attended + absent_unexcused is 0 */
	double rate;           /* attended / (attended + absent_unexcused) */
	int consecutive_unexcused; /* the current run */
};

/* A patient's sessions, newest first, each with that patient's attendance
 * only, and the summary. *rows: session_list_free. */
enum tdm_status session_patient_list(struct db *db, const struct actor *a, int64_t patient_id, int limit,
				     int offset, struct session **rows, int *n, int64_t *total,
				     struct attendance_summary *sum, struct tdm_err *err);

#define ATTENDANCE_MAX_HISTORY 50

struct attendance_row {
	int64_t id;
	char status[SESSION_LEN_STATUS];
	char note[TDM_LEN_REASON + 1];
	char recorded_at[INSTANT_LEN];
	char recorded_by[TDM_LEN_USERNAME + 16];
};

struct attendance_result {
	int64_t session_id, patient_id;
	struct attendance_row history[ATTENDANCE_MAX_HISTORY]; /* newest first; [0] is current */
	int n_history;
	struct attendance_summary summary;
	int64_t alert_id;           /* the consecutive-absence alert raised now, 0 none */
	char alert_to[TDM_LEN_USERNAME + 16]; /* its recipient */
};

/* 1 when status is one of the attendance statuses. */
int attendance_status_known(const char *status);

/*
 * Records a patient's attendance at a session (a new row; the same status
 * and note again records nothing). Statuses other than cancelled_by_program
 * need the session to have started. TDM_ENOTFOUND for a session or patient
 * not visible or a patient not on the session; TDM_ECONFLICT for a
 * cancelled session or one not started yet.
 */
enum tdm_status attendance_record(struct db *db, const struct actor *a, int64_t session_id,
				  int64_t patient_id, const char *status, const char *note,
				  struct attendance_result *out, struct tdm_err *err);

/* Inside an open transaction: the patient's summary as of now. */
enum tdm_status attendance_summarize(struct db *db, int64_t patient_id, struct attendance_summary *out,
				     struct tdm_err *err);

#define SERIES_LEN_NAME (TDM_LEN_NAME * 2 + 2)

struct series_member {
	int64_t id;
	char mrn[TDM_LEN_MRN + 1];
	char name[SERIES_LEN_NAME];
};

struct series_item {
	int64_t id;
	char starts_at[INSTANT_LEN];
	char status[SESSION_LEN_STATUS];
};

struct series {
	int64_t id, site_id, clinician_id;
	char kind[12];
	char modality[THERAPY_LEN_MODALITY + 1];
	char title[TDM_LEN_NAME + 1];
	char clinician[TDM_LEN_USERNAME + 16];
	char room[THERAPY_LEN_ROOM + 1];
	int telehealth;
	int minutes;
	struct series_member roster[THERAPY_GROUP_CEILING];
	int n_roster;
	struct series_item sessions[THERAPY_SERIES_CEILING];
	int n_sessions;
	char created_at[INSTANT_LEN];
	char created_by[TDM_LEN_USERNAME + 16];
};

/* Generates weekly sessions (same clinic-local time each week) from
 * in->starts_at, in->count of them or until in->until, all with the roster
 * in->patients. Any conflict refuses the whole series, naming the session. */
enum tdm_status session_series_create(struct db *db, const struct actor *a, const struct session_input *in,
				      struct series *out, struct tdm_err *err);
enum tdm_status session_series_get(struct db *db, const struct actor *a, int64_t id, struct series *out,
				   struct tdm_err *err);
/* Replaces the roster; the change applies to the series' sessions that have
 * not started and are not cancelled (earlier ones keep who was there). */
enum tdm_status session_series_roster(struct db *db, const struct actor *a, int64_t id,
				      const int64_t *patients, int n, struct series *out, struct tdm_err *err);

#endif
