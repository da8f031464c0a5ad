/*
 * Tests for src/domain/alert.c: alerts raised by assessments (PHQ-9 item 9,
 * CIWA-Ar severe), the inbox per role against the chart, acknowledgement with
 * an action note, escalation to admins after the time in data/alerts.conf;
 * and the demo cohort's alerts (src/domain/demo_measures.c via demo_load).
 */
#include "unit.h"

#include <time.h>

#include "domain/alert.h"
#include "domain/assessment.h"
#include "domain/demo.h"
#include "domain/instrument.h"

#define STAFF (ROLE_PRESCRIBER | ROLE_THERAPIST | ROLE_NURSE)

static int64_t count_id(struct tdb *t, const char *sql, int64_t id)
{
	struct tdm_err err;
	int64_t n = -1;
	int found = 0;
	tdm_err_clear(&err);
	struct stmt *st = db_prepare(t->db, sql, &err);
	if (!st)
		fail_msg("prepare %s: %s", sql, err.msg);
	if (strchr(sql, '?'))
		db_bind_int(st, 1, id);
	if (db_query_int(st, &n, &found, &err) != TDM_OK)
		fail_msg("%s: %s", sql, err.msg);
	return n;
}

static int64_t count(struct tdb *t, const char *sql)
{
	return count_id(t, sql, 0);
}

/* Makes an alert look raised `minutes` ago. */
static void raised_ago(struct tdb *t, int64_t alert_id, int minutes)
{
	struct tdm_err err;
	char at[INSTANT_LEN];
	instant_format(time(NULL) - (time_t)minutes * 60, at);
	tdm_err_clear(&err);
	struct stmt *st = db_prepare(t->db, "UPDATE alert SET raised_at = ? WHERE id = ?", &err);
	if (!st)
		fail_msg("prepare: %s", err.msg);
	db_bind_text(st, 1, at);
	db_bind_int(st, 2, alert_id);
	if (db_run(st, &err) != TDM_OK)
		fail_msg("update alert: %s", err.msg);
}

static const struct instrument *get(const char *code)
{
	const struct instrument *in = instrument_find(code);
	if (!in)
		fail_msg("instrument %s is not loaded", code);
	return in;
}

/* Records a PHQ-9 with items 1-9 from item[]; returns the assessment. */
static void phq9(struct tdb *t, int64_t pid, const int item[9], struct assessment *as)
{
	struct assessment_input inp;
	struct tdm_err err;
	memset(&inp, 0, sizeof inp);
	inp.in = get("PHQ-9");
	for (int i = 0; i < INSTR_MAX_ITEMS; i++)
		inp.values[i] = INSTR_MISSING;
	for (int i = 0; i < 9; i++)
		inp.values[i] = item[i];
	tdm_err_clear(&err);
	assert_ok(assessment_record(t->db, &t->sys, pid, &inp, as, &err), &err);
}

/* PHQ-9 total 4 with item 9 = 1: the alert whatever the total. */
static int64_t item9_alert(struct tdb *t, int64_t pid)
{
	static const int item[9] = {1, 1, 1, 0, 0, 0, 0, 0, 1};
	struct assessment as;
	phq9(t, pid, item, &as);
	assert_int_equal(as.total, 4);
	assert_string_equal(as.band, "Minimal");
	assert_int_equal(as.n_alerts, 1);
	assert_string_equal(as.alerts[0]->id, "phq9-item9");
	return as.alert_ids[0];
}

/* CIWA-Ar with the given total (19 or more is severe). */
static int64_t ciwa(struct tdb *t, int64_t pid, int total, struct assessment *as)
{
	struct assessment_input inp;
	struct tdm_err err;
	const struct instrument *in = get("CIWA-Ar");
	memset(&inp, 0, sizeof inp);
	inp.in = in;
	for (int i = 0; i < INSTR_MAX_ITEMS; i++)
		inp.values[i] = INSTR_MISSING;
	for (int i = 0; i < in->n_items; i++) {
		int v = total < in->items[i].max ? total : in->items[i].max;
		inp.values[i] = v;
		total -= v;
	}
	assert_int_equal(total, 0);
	tdm_err_clear(&err);
	assert_ok(assessment_record(t->db, &t->sys, pid, &inp, as, &err), &err);
	return as->n_alerts ? as->alert_ids[0] : 0;
}

/* The actor's inbox (open alerts only when open_only). */
static int inbox(struct tdb *t, const struct actor *a, int open_only, struct alert **rows)
{
	struct alert_query q = {.patient_id = 0, .open_only = open_only, .limit = 100};
	struct tdm_err err;
	int n = -1;
	int64_t total = -1;
	tdm_err_clear(&err);
	assert_ok(alert_list(t->db, a, &q, rows, &n, &total, &err), &err);
	assert_int_equal(total, n);
	return n;
}

static int inbox_n(struct tdb *t, const struct actor *a)
{
	struct alert *rows = NULL;
	int n = inbox(t, a, 1, &rows);
	free(rows);
	return n;
}

static int chart(struct tdb *t, const struct actor *a, int64_t pid, int open_only,
		 struct alert **rows)
{
	struct alert_query q = {.patient_id = pid, .open_only = open_only, .limit = 100};
	struct tdm_err err;
	int n = -1;
	int64_t total = -1;
	tdm_err_clear(&err);
	assert_ok(alert_list(t->db, a, &q, rows, &n, &total, &err), &err);
	assert_int_equal(total, n);
	return n;
}

static void test_item9_raises_critical(void **state)
{
	struct tdb *t = *state;
	struct alert *rows = NULL;
	char before[INSTANT_LEN], after[INSTANT_LEN];
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	instant_now(before);
	int64_t id = item9_alert(t, pid);
	instant_now(after);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM alert"), 1);

	assert_int_equal(chart(t, &t->sys, pid, 0, &rows), 1);
	struct alert *al = &rows[0];
	assert_int_equal(al->id, id);
	assert_int_equal(al->patient_id, pid);
	assert_int_equal(al->site_id, t->site.id);
	assert_true(al->assessment_id > 0);
	assert_string_equal(al->rule_id, "phq9-item9");
	assert_string_equal(al->kind, "suicide_risk");
	assert_string_equal(al->severity, "critical");
	assert_string_equal(al->found, "PHQ-9 item 9 answered 1 (rule: 1 or more); total 4");
	assert_non_null(strstr(al->message, "item 9"));
	assert_true(al->why[0] && al->source[0]);
	assert_int_equal(al->roles & STAFF, STAFF);
	assert_int_equal(al->roles & (ROLE_INTAKE | ROLE_AUDITOR), 0);
	assert_true(strcmp(al->raised_at, before) >= 0 && strcmp(al->raised_at, after) <= 0);
	assert_int_equal(al->acked, 0);
	assert_string_equal(al->ack_note, "");
	assert_string_equal(al->acked_by, "");
	assert_int_equal(al->escalated, 0);
	assert_string_equal(al->family_name, "Rivera");
	assert_string_equal(al->given_name, "Ana");
	assert_true(al->mrn[0]);
	free(rows);

	/* Item 9 answered 2, high total: still exactly one alert, found says 2. */
	static const int item[9] = {3, 3, 3, 3, 3, 3, 3, 2, 2};
	struct assessment as;
	phq9(t, pid, item, &as);
	assert_int_equal(as.total, 25);
	assert_int_equal(as.n_alerts, 1);
	assert_int_equal(chart(t, &t->sys, pid, 1, &rows), 2);
	assert_string_equal(rows[0].found, "PHQ-9 item 9 answered 2 (rule: 1 or more); total 25");
	assert_int_equal(rows[0].assessment_id, as.id);
	free(rows);
	/* A severe total with item 9 at 0 raises no alert. */
	static const int no9[9] = {3, 3, 3, 3, 3, 3, 3, 3, 0};
	phq9(t, pid, no9, &as);
	assert_int_equal(as.total, 24);
	assert_int_equal(as.n_alerts, 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM alert"), 2);
}

static void test_inbox_by_role(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct site north;
	struct actor nurse, therapist, prescriber, intake, admin, auditor, far;
	struct alert *rows = NULL;
	int n;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	assert_ok(site_add(t->db, "north", "North clinic", &north, &err), &err);
	int64_t npid = tdb_patient(t, "Okafor", "Chidi", "1975-11-30", "north");
	tdb_user(t, "nurse.main", "main", ROLE_NURSE, &nurse);
	tdb_user(t, "therapist.main", "main", ROLE_THERAPIST, &therapist);
	tdb_user(t, "prescriber.main", "main", ROLE_PRESCRIBER, &prescriber);
	tdb_user(t, "intake.main", "main", ROLE_INTAKE, &intake);
	tdb_user(t, "admin.main", "main", ROLE_ADMIN, &admin);
	tdb_user(t, "auditor.main", "main", ROLE_AUDITOR, &auditor);
	tdb_user(t, "nurse.north", "north", ROLE_NURSE, &far);
	int64_t id = item9_alert(t, pid);

	n = inbox(t, &nurse, 1, &rows);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, id);
	assert_string_equal(rows[0].family_name, "Rivera");
	free(rows);
	n = inbox(t, &therapist, 1, &rows);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, id);
	free(rows);
	assert_int_equal(inbox_n(t, &prescriber), 1);
	assert_int_equal(inbox_n(t, &intake), 0);
	assert_int_equal(inbox_n(t, &admin), 0); /* not escalated yet */
	assert_int_equal(inbox_n(t, &auditor), 0);
	assert_int_equal(inbox_n(t, &far), 0);

	/* On the chart every alert shows, to anyone who may open the chart. */
	n = chart(t, &intake, pid, 1, &rows);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, id);
	free(rows);
	struct alert_query q = {.patient_id = pid, .open_only = 1, .limit = 10};
	int64_t total = -1;
	tdm_err_clear(&err);
	assert_status(TDM_ENOTFOUND, alert_list(t->db, &far, &q, &rows, &n, &total, &err), &err);
	assert_null(rows);

	/* An alert at north goes to north's nurse only. */
	int64_t nid = item9_alert(t, npid);
	n = inbox(t, &far, 1, &rows);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, nid);
	assert_int_equal(rows[0].site_id, north.id);
	free(rows);
	n = inbox(t, &nurse, 1, &rows);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, id);
	free(rows);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE action = 'alert.inbox'"
				  " AND outcome = 'ok'"), 9);
}

static void test_ack(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct site north;
	struct actor nurse, therapist, intake, far;
	struct alert out, *rows = NULL;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	assert_ok(site_add(t->db, "north", "North clinic", &north, &err), &err);
	tdb_user(t, "nurse.main", "main", ROLE_NURSE, &nurse);
	tdb_user(t, "therapist.main", "main", ROLE_THERAPIST, &therapist);
	tdb_user(t, "intake.main", "main", ROLE_INTAKE, &intake);
	tdb_user(t, "nurse.north", "north", ROLE_NURSE, &far);
	int64_t id = item9_alert(t, pid);
	const char *note = "Seen today: C-SSRS screen negative, safety plan reviewed.";

	tdm_err_clear(&err);
	assert_status(TDM_EINVAL, alert_ack(t->db, &therapist, id, NULL, &out, &err), &err);
	assert_string_equal(err.field, "note");
	tdm_err_clear(&err);
	assert_status(TDM_EINVAL, alert_ack(t->db, &therapist, id, "", &out, &err), &err);
	assert_string_equal(err.field, "note");
	char longnote[TDM_LEN_REASON + 2];
	memset(longnote, 'x', sizeof longnote - 1);
	longnote[sizeof longnote - 1] = '\0';
	assert_status(TDM_EINVAL, alert_ack(t->db, &therapist, id, longnote, &out, &err), &err);
	assert_string_equal(err.field, "note");
	assert_status(TDM_EFORBIDDEN, alert_ack(t->db, &intake, id, note, &out, &err), &err);
	assert_status(TDM_ENOTFOUND, alert_ack(t->db, &far, id, note, &out, &err), &err);
	assert_status(TDM_ENOTFOUND, alert_ack(t->db, &therapist, id + 1000, note, &out, &err), &err);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM alert_ack"), 0);
	assert_int_equal(inbox_n(t, &nurse), 1);

	char before[INSTANT_LEN], after[INSTANT_LEN];
	instant_now(before);
	assert_ok(alert_ack(t->db, &therapist, id, note, &out, &err), &err);
	instant_now(after);
	assert_int_equal(out.id, id);
	assert_int_equal(out.acked, 1);
	assert_string_equal(out.ack_note, note);
	assert_string_equal(out.acked_by, "therapist.main");
	assert_true(strcmp(out.acked_at, before) >= 0 && strcmp(out.acked_at, after) <= 0);
	assert_int_equal(out.escalated, 0);

	/* Out of the open inbox; still on the chart and in the full inbox. */
	assert_int_equal(inbox_n(t, &nurse), 0);
	assert_int_equal(inbox_n(t, &therapist), 0);
	assert_int_equal(inbox(t, &nurse, 0, &rows), 1);
	assert_int_equal(rows[0].acked, 1);
	assert_string_equal(rows[0].ack_note, note);
	assert_string_equal(rows[0].acked_by, "therapist.main");
	free(rows);
	assert_int_equal(chart(t, &nurse, pid, 1, &rows), 0);
	free(rows);
	assert_int_equal(chart(t, &nurse, pid, 0, &rows), 1);
	assert_int_equal(rows[0].acked, 1);
	assert_string_equal(rows[0].acked_at, out.acked_at);
	free(rows);

	/* Once only. */
	tdm_err_clear(&err);
	assert_status(TDM_ECONFLICT, alert_ack(t->db, &nurse, id, "also seen", &out, &err), &err);
	assert_non_null(strstr(err.msg, "therapist.main"));
	assert_int_equal(count(t, "SELECT COUNT(*) FROM alert_ack"), 1);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE action = 'alert.ack'"
				  " AND outcome = 'ok'"), 1);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE action = 'alert.ack'"
				  " AND outcome = 'forbidden'"), 1);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE action = 'alert.ack'"
				  " AND outcome = 'denied'"), 1);
}

static void test_escalation(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct actor nurse, intake, admin;
	struct alert out, *rows = NULL;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	tdb_user(t, "nurse.main", "main", ROLE_NURSE, &nurse);
	tdb_user(t, "intake.main", "main", ROLE_INTAKE, &intake);
	tdb_user(t, "admin.main", "main", ROLE_ADMIN, &admin);
	int64_t id = item9_alert(t, pid);
	assert_int_equal(inbox_n(t, &admin), 0);

	tdm_err_clear(&err);
	assert_ok(db_exec(t->db, "UPDATE alert SET raised_at = '2000-01-01T00:00:00Z'", &err), &err);
	assert_int_equal(inbox(t, &admin, 1, &rows), 1);
	assert_int_equal(rows[0].id, id);
	assert_int_equal(rows[0].escalated, 1);
	free(rows);
	assert_int_equal(inbox(t, &nurse, 1, &rows), 1);
	assert_int_equal(rows[0].escalated, 1);
	free(rows);
	assert_int_equal(inbox_n(t, &intake), 0);
	assert_int_equal(chart(t, &intake, pid, 1, &rows), 1);
	assert_int_equal(rows[0].escalated, 1);
	free(rows);

	/* Acknowledged: no longer escalated, gone from the admin's inbox. */
	assert_ok(alert_ack(t->db, &nurse, id, "Called the patient; crisis plan in place.", &out, &err),
		  &err);
	assert_int_equal(out.escalated, 0);
	assert_int_equal(inbox_n(t, &admin), 0);
	assert_int_equal(inbox(t, &admin, 0, &rows), 0);
	free(rows);
}

/* data/alerts.conf: critical 120 minutes, high 240. */
static void test_escalation_times(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct actor nurse, therapist, prescriber, admin;
	struct alert out, *rows = NULL;
	struct assessment as;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	tdb_user(t, "nurse.main", "main", ROLE_NURSE, &nurse);
	tdb_user(t, "therapist.main", "main", ROLE_THERAPIST, &therapist);
	tdb_user(t, "prescriber.main", "main", ROLE_PRESCRIBER, &prescriber);
	tdb_user(t, "admin.main", "main", ROLE_ADMIN, &admin);

	int64_t crit = item9_alert(t, pid);
	raised_ago(t, crit, 119);
	assert_int_equal(inbox_n(t, &admin), 0);
	raised_ago(t, crit, 121);
	assert_int_equal(inbox(t, &admin, 1, &rows), 1);
	assert_int_equal(rows[0].id, crit);
	free(rows);

	/* CIWA-Ar 18: moderate, no alert; 19: a high withdrawal alert for the
	 * prescriber and nurse, not the therapist. */
	assert_int_equal(ciwa(t, pid, 18, &as), 0);
	assert_string_equal(as.band, "Moderate");
	int64_t high = ciwa(t, pid, 19, &as);
	assert_true(high > 0);
	assert_string_equal(as.band, "Severe");
	assert_int_equal(as.n_alerts, 1);
	assert_int_equal(chart(t, &nurse, pid, 1, &rows), 2);
	assert_int_equal(rows[0].id, high);
	assert_string_equal(rows[0].rule_id, "ciwa-severe");
	assert_string_equal(rows[0].severity, "high");
	assert_string_equal(rows[0].kind, "withdrawal");
	assert_string_equal(rows[0].found, "CIWA-Ar total 19 (rule: 19 or more)");
	assert_int_equal(rows[0].roles & STAFF, ROLE_PRESCRIBER | ROLE_NURSE);
	free(rows);
	assert_int_equal(inbox_n(t, &nurse), 2);
	assert_int_equal(inbox_n(t, &prescriber), 2);
	assert_int_equal(inbox_n(t, &therapist), 1); /* the item-9 alert only */
	tdm_err_clear(&err);
	assert_status(TDM_EFORBIDDEN, alert_ack(t->db, &therapist, high, "n/a", &out, &err), &err);

	raised_ago(t, high, 239);
	assert_int_equal(inbox_n(t, &admin), 1);
	raised_ago(t, high, 241);
	assert_int_equal(inbox(t, &admin, 1, &rows), 2);
	assert_int_equal(rows[0].id, high);
	assert_int_equal(rows[0].escalated, 1);
	free(rows);
	/* The critical one at 200 minutes is past its 120. */
	raised_ago(t, crit, 200);
	raised_ago(t, high, 200);
	assert_int_equal(inbox(t, &admin, 1, &rows), 1);
	assert_int_equal(rows[0].id, crit);
	free(rows);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void test_escalation_configurable(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct actor admin;
	char dir[256], path[300];
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	tdb_user(t, "admin.main", "main", ROLE_ADMIN, &admin);
	int64_t id = item9_alert(t, pid);
	raised_ago(t, id, 10);

	unit_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/alerts.conf", dir);
	write_file(path, "[escalate_after_minutes]\ncritical = 5\nhigh = 30\nwarn = 60\n");
	tdm_err_clear(&err);
	enum tdm_status rc = alert_load_config(dir, &err);
	int n5 = rc == TDM_OK ? inbox_n(t, &admin) : -1;
	write_file(path, "[escalate_after_minutes]\ncritical = 0\n");
	enum tdm_status bad0 = alert_load_config(dir, &err);
	write_file(path, "[escalate_after_minutes]\nurgent = 10\n");
	enum tdm_status bad1 = alert_load_config(dir, &err);
	write_file(path, "[escalate]\ncritical = 10\n");
	enum tdm_status bad2 = alert_load_config(dir, &err);
	unlink(path);
	rmdir(dir);
	/* Put the shipped policy back before asserting. */
	assert_ok(alert_load_config("data", &err), &err);
	assert_int_equal(rc, TDM_OK);
	assert_int_equal(n5, 1);
	assert_int_equal(bad0, TDM_EINVAL);
	assert_int_equal(bad1, TDM_EINVAL);
	assert_int_equal(bad2, TDM_EINVAL);
	assert_int_equal(inbox_n(t, &admin), 0); /* 10 minutes < 120 again */
}

/* The demo cohort `make run` loads (240 patients, seed 1): assessments, schedules, and exactly the open alerts its
 * summary reports, all in a nurse's inbox. */
static void test_demo_cohort(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct demo_summary sum;
	struct actor nurse;
	struct alert *rows = NULL;
	memset(&sum, 0, sizeof sum);
	tdm_err_clear(&err);
	assert_ok(demo_load(t->db, &t->sys, 240, 1, &sum, &err), &err);
	assert_int_equal(sum.patients, 240);
	assert_true(sum.assessments > 0);
	assert_true(sum.schedules > 0);
	assert_true(sum.alerts_open > 0);

	assert_int_equal(count(t, "SELECT COUNT(*) FROM assessment"), sum.assessments);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM schedule"), sum.schedules);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM schedule_stop"), 0);
	/* Withdrawal scales every 4 hours, PHQ-9/GAD-7 every two weeks. */
	assert_int_equal(count(t, "SELECT COUNT(*) FROM schedule WHERE NOT ("
				  "(instrument IN ('CIWA-Ar', 'COWS') AND every_minutes = 240) OR"
				  " (instrument IN ('PHQ-9', 'GAD-7') AND every_minutes = 20160))"), 0);
	/* (The demo's one consecutive-absence alert is demo_therapy_test's.) */
	assert_int_equal(count(t, "SELECT COUNT(*) FROM alert al WHERE NOT EXISTS"
				  " (SELECT 1 FROM alert_ack k WHERE k.alert_id = al.id)"
				  " AND al.rule_id <> 'therapy-consecutive-absences'"),
			 sum.alerts_open);
	/* Open ones are item-9 alerts; every alert belongs to an assessment. */
	assert_int_equal(count(t, "SELECT COUNT(*) FROM alert al WHERE rule_id = 'phq9-item9' AND"
				  " NOT EXISTS (SELECT 1 FROM alert_ack k WHERE k.alert_id = al.id)"),
			 sum.alerts_open);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM alert WHERE assessment_id IS NULL"
				  " AND rule_id <> 'therapy-consecutive-absences'"), 0);
	/* Acknowledged ones carry a note. */
	assert_int_equal(count(t, "SELECT COUNT(*) FROM alert_ack WHERE note = ''"), 0);
	/* Every stored total matches its answers' sum (scored items). */
	assert_int_equal(count(t, "SELECT COUNT(*) FROM assessment a WHERE a.instrument = 'PHQ-9'"
				  " AND a.total <> (SELECT COALESCE(SUM(x.value), 0) FROM"
				  " assessment_answer x WHERE x.assessment_id = a.id AND x.item <> 'function')"),
			 0);
	/* Never in the future. */
	char now[INSTANT_LEN];
	instant_now(now);
	struct stmt *st = db_prepare(t->db, "SELECT COUNT(*) FROM assessment WHERE administered_at > ?",
				     &err);
	assert_non_null(st);
	db_bind_text(st, 1, now);
	int64_t future = -1;
	int found = 0;
	assert_ok(db_query_int(st, &future, &found, &err), &err);
	assert_int_equal(future, 0);

	tdb_user(t, "nurse.main", "main", ROLE_NURSE, &nurse);
	int n = inbox(t, &nurse, 1, &rows);
	assert_int_equal(n, sum.alerts_open);
	for (int i = 0; i < n; i++) {
		assert_string_equal(rows[i].rule_id, "phq9-item9");
		assert_string_equal(rows[i].severity, "critical");
		assert_int_equal(rows[i].acked, 0);
		assert_int_equal(strncmp(rows[i].mrn, "DEMO-", 5), 0);
	}
	free(rows);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tdb_setup, tdb_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_item9_raises_critical),
		T(test_inbox_by_role),
		T(test_ack),
		T(test_escalation),
		T(test_escalation_times),
		T(test_escalation_configurable),
		T(test_demo_cohort),
	};
	return cmocka_run_group_tests_name("alert", tests, NULL, NULL);
}
