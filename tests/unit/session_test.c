/* Tests for src/domain/session.c and therapy.c: time parsing, conflicts at
 * their exact boundaries, weekly series (wall-clock time across daylight
 * saving), roster changes, attendance history and rate, the
 * consecutive-absence alert (once, to the primary clinician), sites. */
#include "unit.h"

#include "domain/alert.h"
#include "domain/session.h"
#include "domain/therapy.h"

#include <time.h>

#define MIN 60
#define HOUR 3600
#define DAY 86400

static int64_t count(struct tdb *t, const char *sql)
{
	struct tdm_err err;
	int64_t n = -1;
	int found = 0;
	tdm_err_clear(&err);
	struct stmt *st = db_prepare(t->db, sql, &err);
	if (!st)
		fail_msg("prepare %s: %s", sql, err.msg);
	if (db_query_int(st, &n, &found, &err) != TDM_OK)
		fail_msg("%s: %s", sql, err.msg);
	return n;
}

/* A whole hour, days from now. */
static time_t hour_in(int days)
{
	time_t t = time(NULL) + (time_t)days * DAY;
	return t - t % HOUR;
}

static void in_init(struct session_input *in, const char *kind, time_t start, int minutes, const char *room)
{
	memset(in, 0, sizeof *in);
	snprintf(in->kind, sizeof in->kind, "%s", kind);
	snprintf(in->modality, sizeof in->modality, "cbt");
	instant_format(start, in->starts_at);
	in->minutes = minutes;
	if (room)
		snprintf(in->room, sizeof in->room, "%s", room);
	else
		in->telehealth = 1;
}

static void add_patient(struct session_input *in, int64_t id)
{
	in->patients[in->n_patients++] = id;
}

/* Schedules and returns the id (asserting success). */
static int64_t book(struct tdb *t, const struct actor *a, const struct session_input *in)
{
	struct session s;
	struct tdm_err err;
	tdm_err_clear(&err);
	assert_ok(session_create(t->db, a, in, &s, &err), &err);
	int64_t id = s.id;
	session_release(&s);
	return id;
}

static enum tdm_status try_book(struct tdb *t, const struct actor *a, const struct session_input *in,
				struct tdm_err *err)
{
	struct session s;
	tdm_err_clear(err);
	enum tdm_status rc = session_create(t->db, a, in, &s, err);
	session_release(&s);
	return rc;
}

static void test_parse_time(void **state)
{
	(void)state;
	time_t t;
	assert_int_equal(therapy_parse_time("2026-11-29T18:00:00Z", &t), 0);
	assert_int_equal((long)t, 1795975200L);
	assert_int_equal(therapy_parse_time("2026-11-29T18:00Z", &t), 0);
	assert_int_equal((long)t, 1795975200L);
	assert_int_equal(therapy_parse_time("2026-11-29T13:00:00-05:00", &t), 0);
	assert_int_equal((long)t, 1795975200L);
	assert_int_equal(therapy_parse_time("2026-11-30T03:30:00+09:30", &t), 0);
	assert_int_equal((long)t, 1795975200L);
	static const char *const bad[] = {"2026-11-29T18:00:00", "2026-11-29 18:00:00Z", "2026-02-30T10:00:00Z",
					  "2026-11-29T24:00:00Z", "2026-11-29T18:00:00.5Z", "2026-11-29T18:00:00+5",
					  "2026-11-29T18:00:00+15:00", "", "tomorrow"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(therapy_parse_time(bad[i], &t), -1);
	assert_int_equal(therapy_parse_time(NULL, &t), -1);
}

static void test_config(void **state)
{
	(void)state;
	const struct therapy_config *c = therapy_config();
	assert_int_equal(c->consecutive_unexcused_alert, 2);
	assert_int_equal(c->unsigned_after_hours, 24);
	assert_true(therapy_modality_known("relapse_prevention"));
	assert_false(therapy_modality_known("hypnosis"));
	assert_true(therapy_room_known("main", "group-a"));
	assert_false(therapy_room_known("north", "family"));
	assert_false(therapy_room_known("main", "../etc"));
	assert_true(therapy_crisis_count() >= 1);
}

static void test_conflicts_at_the_boundaries(void **state)
{
	struct tdb *t = *state;
	struct actor th, th2;
	struct tdm_err err;
	tdb_user(t, "therapist", "main", ROLE_THERAPIST, &th);
	tdb_user(t, "therapist2", "main", ROLE_THERAPIST, &th2);
	int64_t p[4];
	for (int i = 0; i < 4; i++)
		p[i] = tdb_patient(t, "Doe", "Pat", "1980-01-01", NULL);
	time_t t0 = hour_in(3);
	struct session_input in;
	in_init(&in, "individual", t0, 60, "office-1");
	add_patient(&in, p[0]);
	int64_t first = book(t, &th, &in);
	/* Back to back after and before: no conflict. */
	in_init(&in, "individual", t0 + HOUR, 60, "office-1");
	add_patient(&in, p[1]);
	book(t, &th, &in);
	in_init(&in, "individual", t0 - 30 * MIN, 30, "office-1");
	add_patient(&in, p[2]);
	book(t, &th, &in);
	/* One minute of overlap: the clinician. */
	in_init(&in, "individual", t0 + 59 * MIN, 15, "office-2");
	add_patient(&in, p[3]);
	assert_status(TDM_ECONFLICT, try_book(t, &th, &in, &err), &err);
	assert_string_equal(err.field, "clinician");
	char want[32];
	snprintf(want, sizeof want, "session %lld ", (long long)first);
	assert_non_null(strstr(err.msg, want));
	/* Ending one minute into it, another clinician in the same room. */
	in_init(&in, "individual", t0 - 29 * MIN, 30, "office-1");
	add_patient(&in, p[3]);
	assert_status(TDM_ECONFLICT, try_book(t, &th2, &in, &err), &err);
	assert_string_equal(err.field, "room");
	/* ... ending exactly at its start: fine. */
	in_init(&in, "individual", t0 - 60 * MIN, 30, "office-1");
	add_patient(&in, p[3]);
	book(t, &th2, &in);
	/* A patient booked elsewhere. */
	in_init(&in, "individual", t0 + 30 * MIN, 15, NULL);
	add_patient(&in, p[0]);
	assert_status(TDM_ECONFLICT, try_book(t, &th2, &in, &err), &err);
	assert_string_equal(err.field, "patients");
	/* Cancelled: the slot is free. */
	struct session s;
	assert_ok(session_cancel(t->db, &th, first, "ill", &s, &err), &err);
	assert_string_equal(s.status, "cancelled_by_program");
	session_release(&s);
	book(t, &th2, &in);
	assert_status(TDM_ECONFLICT, session_cancel(t->db, &th, first, "again", &s, &err), &err);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM therapy_session"), 5);
}

static void test_input_checks(void **state)
{
	struct tdb *t = *state;
	struct actor th;
	struct tdm_err err;
	tdb_user(t, "therapist", "main", ROLE_THERAPIST, &th);
	int64_t a = tdb_patient(t, "Doe", "A", "1980-01-01", NULL);
	int64_t b = tdb_patient(t, "Doe", "B", "1980-01-01", NULL);
	struct session_input in;
	in_init(&in, "individual", hour_in(2), 50, "office-1");
	add_patient(&in, a);
	add_patient(&in, b);
	assert_status(TDM_EINVAL, try_book(t, &th, &in, &err), &err);
	assert_string_equal(err.field, "patients");
	in.n_patients = 1;
	snprintf(in.kind, sizeof in.kind, "couple");
	assert_status(TDM_EINVAL, try_book(t, &th, &in, &err), &err);
	assert_string_equal(err.field, "kind");
	snprintf(in.kind, sizeof in.kind, "group");
	in.minutes = 14;
	assert_status(TDM_EINVAL, try_book(t, &th, &in, &err), &err);
	assert_string_equal(err.field, "minutes");
	in.minutes = 241;
	assert_status(TDM_EINVAL, try_book(t, &th, &in, &err), &err);
	in.minutes = 240;
	in.telehealth = 1;
	assert_status(TDM_EINVAL, try_book(t, &th, &in, &err), &err);
	assert_string_equal(err.field, "room");
	in.telehealth = 0;
	snprintf(in.room, sizeof in.room, "attic");
	assert_status(TDM_EINVAL, try_book(t, &th, &in, &err), &err);
	assert_string_equal(err.field, "room");
	snprintf(in.room, sizeof in.room, "group-a");
	/* The system actor names its clinician. */
	assert_status(TDM_EINVAL, try_book(t, &t->sys, &in, &err), &err);
	assert_string_equal(err.field, "clinician");
	snprintf(in.clinician, sizeof in.clinician, "therapist");
	book(t, &t->sys, &in);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM therapy_session"), 1);
	/* One audit row per patient for a group write. */
	in_init(&in, "group", hour_in(4), 60, "group-b");
	add_patient(&in, a);
	add_patient(&in, b);
	book(t, &th, &in);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE action = 'session.create' AND outcome = 'ok'"), 3);
}

static void test_weekly_series_keeps_wall_clock_time(void **state)
{
	struct tdb *t = *state;
	struct actor th;
	struct tdm_err err;
	tdb_user(t, "therapist", "main", ROLE_THERAPIST, &th);
	assert_int_equal(date_set_zone("America/New_York"), 0);
	int64_t p = tdb_patient(t, "Doe", "Pat", "1980-01-01", NULL);
	/* Tomorrow 18:00 New York time. */
	time_t now = time(NULL) + DAY;
	struct tm tm;
	localtime_r(&now, &tm);
	tm.tm_hour = 18;
	tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	time_t start = mktime(&tm);
	struct session_input in;
	in_init(&in, "group", start, 90, "group-a");
	snprintf(in.modality, sizeof in.modality, "relapse_prevention");
	add_patient(&in, p);
	in.count = 51; /* a year: at least one change of clock */
	struct series *r = calloc(1, sizeof *r);
	assert_non_null(r);
	assert_ok(session_series_create(t->db, &th, &in, r, &err), &err);
	assert_int_equal(r->n_sessions, 51);
	int hours_utc[24] = {0};
	for (int i = 0; i < r->n_sessions; i++) {
		time_t at;
		assert_int_equal(instant_parse(r->sessions[i].starts_at, &at), 0);
		localtime_r(&at, &tm);
		assert_int_equal(tm.tm_hour, 18);
		assert_int_equal(tm.tm_min, 0);
		static int wday = -1;
		if (!i)
			wday = tm.tm_wday;
		assert_int_equal(tm.tm_wday, wday);
		struct tm u;
		gmtime_r(&at, &u);
		hours_utc[u.tm_hour] = 1;
		if (i) {
			time_t prev;
			instant_parse(r->sessions[i - 1].starts_at, &prev);
			long gap = (long)(at - prev);
			assert_true(gap == 7L * DAY || gap == 7L * DAY - HOUR || gap == 7L * DAY + HOUR);
		}
	}
	assert_int_equal(hours_utc[22] + hours_utc[23], 2); /* EDT and EST */
	assert_int_equal(count(t, "SELECT COUNT(*) FROM therapy_session_patient"), 51);
	/* until is inclusive; count and until exclude each other. */
	in.count = 0;
	char until[DATE_LEN];
	date_local_day(start + 14 * DAY, until);
	snprintf(in.until, sizeof in.until, "%s", until);
	instant_format(start + 2 * HOUR, in.starts_at);
	snprintf(in.room, sizeof in.room, "group-b");
	in.n_patients = 0;
	add_patient(&in, tdb_patient(t, "Roe", "Sam", "1980-01-01", NULL));
	struct actor th2;
	tdb_user(t, "therapist2", "main", ROLE_THERAPIST, &th2);
	assert_ok(session_series_create(t->db, &th2, &in, r, &err), &err);
	assert_int_equal(r->n_sessions, 3);
	in.count = 2;
	assert_status(TDM_EINVAL, session_series_create(t->db, &th2, &in, r, &err), &err);
	assert_string_equal(err.field, "count");
	in.count = 53;
	in.until[0] = '\0';
	assert_status(TDM_EINVAL, session_series_create(t->db, &th2, &in, r, &err), &err);
	free(r);
	assert_int_equal(date_set_zone("UTC"), 0);
}

static void test_series_conflict_refuses_all(void **state)
{
	struct tdb *t = *state;
	struct actor th;
	struct tdm_err err;
	tdb_user(t, "therapist", "main", ROLE_THERAPIST, &th);
	int64_t p = tdb_patient(t, "Doe", "Pat", "1980-01-01", NULL);
	int64_t q = tdb_patient(t, "Doe", "Quinn", "1980-01-01", NULL);
	time_t t0 = hour_in(2);
	struct session_input in;
	in_init(&in, "individual", t0 + 21 * DAY + 30 * MIN, 30, "office-2");
	add_patient(&in, q);
	int64_t other = book(t, &th, &in);
	in_init(&in, "group", t0, 60, "group-a");
	add_patient(&in, p);
	in.count = 6;
	struct series *r = calloc(1, sizeof *r);
	assert_non_null(r);
	assert_status(TDM_ECONFLICT, session_series_create(t->db, &th, &in, r, &err), &err);
	char want[32];
	snprintf(want, sizeof want, "session %lld ", (long long)other);
	assert_non_null(strstr(err.msg, want));
	assert_int_equal(count(t, "SELECT COUNT(*) FROM therapy_session"), 1);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM therapy_series"), 0);
	free(r);
}

static void test_roster_change_applies_to_future_sessions(void **state)
{
	struct tdb *t = *state;
	struct actor th;
	struct tdm_err err;
	tdb_user(t, "therapist", "main", ROLE_THERAPIST, &th);
	int64_t a = tdb_patient(t, "Doe", "A", "1980-01-01", NULL);
	int64_t b = tdb_patient(t, "Doe", "B", "1980-01-01", NULL);
	int64_t c = tdb_patient(t, "Doe", "C", "1980-01-01", NULL);
	struct session_input in;
	in_init(&in, "group", hour_in(-15), 60, NULL);
	add_patient(&in, a);
	add_patient(&in, b);
	in.count = 4; /* -15, -8, -1, +6 days */
	struct series *r = calloc(1, sizeof *r);
	assert_non_null(r);
	assert_ok(session_series_create(t->db, &th, &in, r, &err), &err);
	int64_t s_past = r->sessions[2].id, s_future = r->sessions[3].id, sid = r->id;
	int64_t roster[2] = {a, c};
	assert_ok(session_series_roster(t->db, &th, sid, roster, 2, r, &err), &err);
	assert_int_equal(r->n_roster, 2);
	struct session s;
	assert_ok(session_get(t->db, &th, s_past, &s, &err), &err);
	assert_int_equal(s.n_patients, 2);
	assert_true((s.patients[0].id == a && s.patients[1].id == b) || (s.patients[0].id == b && s.patients[1].id == a));
	session_release(&s);
	assert_ok(session_get(t->db, &th, s_future, &s, &err), &err);
	assert_int_equal(s.n_patients, 2);
	assert_true(s.patients[0].id == c || s.patients[1].id == c);
	session_release(&s);
	/* b's rows are kept, marked removed. */
	assert_int_equal(count(t, "SELECT COUNT(*) FROM therapy_session_patient WHERE removed_at IS NOT NULL"), 1);
	free(r);
}

static int64_t past_session(struct tdb *t, const struct actor *a, const char *kind, int days_ago, int hour,
			    int64_t patient)
{
	struct session_input in;
	in_init(&in, kind, hour_in(-days_ago) + hour * HOUR, 60, NULL);
	add_patient(&in, patient);
	return book(t, a, &in);
}

static void attend(struct tdb *t, const struct actor *a, int64_t sid, int64_t pid, const char *status,
		   struct attendance_result *r)
{
	struct tdm_err err;
	tdm_err_clear(&err);
	assert_ok(attendance_record(t->db, a, sid, pid, status, NULL, r, &err), &err);
}

static void test_attendance_history_and_rate(void **state)
{
	struct tdb *t = *state;
	struct actor th;
	struct tdm_err err;
	tdb_user(t, "therapist", "main", ROLE_THERAPIST, &th);
	int64_t p = tdb_patient(t, "Doe", "Pat", "1980-01-01", NULL);
	struct attendance_result *r = calloc(1, sizeof *r);
	assert_non_null(r);
	static const char *const st[] = {"present", "late", "left_early", "absent_unexcused", "absent_excused",
					 "cancelled_by_program", "present", "absent_unexcused"};
	int64_t ids[8];
	for (int i = 0; i < 8; i++) {
		ids[i] = past_session(t, &th, "individual", 20 - i, 0, p);
		attend(t, &th, ids[i], p, st[i], r);
	}
	assert_int_equal(r->summary.sessions, 8);
	assert_int_equal(r->summary.attended, 4);
	assert_int_equal(r->summary.absent_unexcused, 2);
	assert_true(r->summary.rate_known);
	assert_true(r->summary.rate > 0.666 && r->summary.rate < 0.667);
	assert_int_equal(r->summary.consecutive_unexcused, 1);
	/* Corrected: a new row, the latest wins. */
	attend(t, &th, ids[7], p, "late", r);
	assert_int_equal(r->n_history, 2);
	assert_string_equal(r->history[0].status, "late");
	assert_string_equal(r->history[1].status, "absent_unexcused");
	assert_int_equal(r->summary.attended, 5);
	assert_int_equal(r->summary.consecutive_unexcused, 0);
	/* The same again: nothing new. */
	attend(t, &th, ids[7], p, "late", r);
	assert_int_equal(r->n_history, 2);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM attendance"), 9);
	/* Refusals. */
	assert_status(TDM_EINVAL, attendance_record(t->db, &th, ids[0], p, "asleep", NULL, r, &err), &err);
	int64_t q = tdb_patient(t, "Roe", "Q", "1980-01-01", NULL);
	assert_status(TDM_ENOTFOUND, attendance_record(t->db, &th, ids[0], q, "present", NULL, r, &err), &err);
	struct session_input in;
	in_init(&in, "individual", hour_in(3), 60, NULL);
	add_patient(&in, p);
	int64_t fut = book(t, &th, &in);
	assert_status(TDM_ECONFLICT, attendance_record(t->db, &th, fut, p, "present", NULL, r, &err), &err);
	attend(t, &th, fut, p, "cancelled_by_program", r);
	/* Nothing recorded: the rate is unknown. */
	int64_t fresh = tdb_patient(t, "New", "N", "1980-01-01", NULL);
	past_session(t, &th, "individual", 2, 3, fresh);
	struct attendance_summary sum;
	assert_ok(db_begin(t->db, DB_READ, &err), &err);
	assert_ok(attendance_summarize(t->db, fresh, &sum, &err), &err);
	db_rollback(t->db);
	assert_false(sum.rate_known);
	assert_int_equal(sum.not_recorded, 1);
	free(r);
}

static void test_consecutive_absences_alert_once(void **state)
{
	struct tdb *t = *state;
	struct actor th, th2;
	struct tdm_err err;
	tdb_user(t, "therapist", "main", ROLE_THERAPIST, &th);
	tdb_user(t, "therapist2", "main", ROLE_THERAPIST, &th2);
	int64_t p = tdb_patient(t, "Doe", "Pat", "1980-01-01", NULL);
	struct attendance_result *r = calloc(1, sizeof *r);
	assert_non_null(r);
	/* th2 holds the individual sessions: the primary clinician. */
	int64_t ind = past_session(t, &th2, "individual", 25, 0, p);
	attend(t, &th2, ind, p, "present", r);
	int64_t g[5];
	for (int i = 0; i < 5; i++)
		g[i] = past_session(t, &th, "group", 20 - 2 * i, 0, p);
	attend(t, &th, g[0], p, "absent_unexcused", r);
	assert_int_equal(r->alert_id, 0);
	attend(t, &th, g[1], p, "absent_unexcused", r);
	assert_true(r->alert_id > 0);
	assert_string_equal(r->alert_to, "therapist2");
	int64_t alert_id = r->alert_id;
	attend(t, &th, g[2], p, "absent_unexcused", r);
	assert_int_equal(r->alert_id, 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM alert WHERE rule_id = 'therapy-consecutive-absences'"), 1);
	/* In the recipient's inbox only. */
	struct alert *rows = NULL;
	int n = 0;
	int64_t total = 0;
	struct alert_query q = {.limit = 50};
	assert_ok(alert_list(t->db, &th2, &q, &rows, &n, &total, &err), &err);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, alert_id);
	assert_string_equal(rows[0].recipient, "therapist2");
	free(rows);
	assert_ok(alert_list(t->db, &th, &q, &rows, &n, &total, &err), &err);
	assert_int_equal(n, 0);
	free(rows);
	/* A correction that breaks the run and a new run after the ack. */
	struct alert out;
	assert_ok(alert_ack(t->db, &th2, alert_id, "Phoned; back next week", &out, &err), &err);
	attend(t, &th, g[3], p, "present", r);
	assert_int_equal(r->summary.consecutive_unexcused, 0);
	attend(t, &th, g[4], p, "absent_unexcused", r);
	assert_int_equal(r->alert_id, 0);
	int64_t last = past_session(t, &th, "group", 1, 0, p);
	attend(t, &th, last, p, "absent_unexcused", r);
	assert_true(r->alert_id > 0);
	/* Without any individual session the missed session's clinician gets it. */
	int64_t lone = tdb_patient(t, "Lone", "L", "1980-01-01", NULL);
	for (int i = 0; i < 2; i++)
		attend(t, &th, past_session(t, &th, "group", 10 - i, 5, lone), lone, "absent_unexcused", r);
	assert_string_equal(r->alert_to, "therapist");
	free(r);
}

static void test_other_site(void **state)
{
	struct tdb *t = *state;
	struct actor th, north;
	struct tdm_err err;
	struct site ns;
	assert_ok(site_add(t->db, "north", "North clinic", &ns, &err), &err);
	tdb_user(t, "therapist", "main", ROLE_THERAPIST, &th);
	tdb_user(t, "north.nurse", "north", ROLE_NURSE, &north);
	int64_t p = tdb_patient(t, "Doe", "Pat", "1980-01-01", NULL);
	int64_t np = tdb_patient(t, "Doe", "North", "1980-01-01", "north");
	int64_t sid = past_session(t, &th, "individual", 3, 0, p);
	struct session s;
	assert_status(TDM_ENOTFOUND, session_get(t->db, &north, sid, &s, &err), &err);
	struct attendance_result *r = calloc(1, sizeof *r);
	assert_non_null(r);
	assert_status(TDM_ENOTFOUND, attendance_record(t->db, &north, sid, p, "present", NULL, r, &err), &err);
	free(r);
	/* Patients of two sites never share a session. */
	struct session_input in;
	in_init(&in, "group", hour_in(2), 60, NULL);
	add_patient(&in, p);
	add_patient(&in, np);
	assert_status(TDM_EINVAL, try_book(t, &t->sys, &in, &err), &err);
	assert_string_equal(err.field, "patients");
	/* A refused read leaves a denied audit row. */
	assert_true(count(t, "SELECT COUNT(*) FROM audit WHERE action = 'session.read' AND outcome = 'denied'") >= 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tdb_setup, tdb_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_parse_time),
		T(test_config),
		T(test_conflicts_at_the_boundaries),
		T(test_input_checks),
		T(test_weekly_series_keeps_wall_clock_time),
		T(test_series_conflict_refuses_all),
		T(test_roster_change_applies_to_future_sessions),
		T(test_attendance_history_and_rate),
		T(test_consecutive_absences_alert_once),
		T(test_other_site),
	};
	return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}
