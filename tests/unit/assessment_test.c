/*
 * Tests for src/domain/assessment.c: administering an instrument stores every
 * item answer with the total, band, severity and interpretation; refused input
 * writes nothing; other sites cannot reach the chart; the list is oldest first.
 */
#include "unit.h"

#include <time.h>

#include "domain/assessment.h"
#include "domain/instrument.h"

/* One-integer query with an optional bound id (sql must be a literal). */
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

static const struct instrument *get(const char *code)
{
	const struct instrument *in = instrument_find(code);
	if (!in)
		fail_msg("instrument %s is not loaded", code);
	return in;
}

/* PHQ-9 answers: items 1-9 from item[], the unscored "function" item. */
static void phq9_input(struct assessment_input *inp, const int item[9], int function)
{
	memset(inp, 0, sizeof *inp);
	inp->in = get("PHQ-9");
	for (int i = 0; i < INSTR_MAX_ITEMS; i++)
		inp->values[i] = INSTR_MISSING;
	for (int i = 0; i < 9; i++)
		inp->values[i] = item[i];
	inp->values[9] = function;
}

/* GAD-7 answers all equal to v. */
static void gad7_input(struct assessment_input *inp, int v)
{
	memset(inp, 0, sizeof *inp);
	inp->in = get("GAD-7");
	for (int i = 0; i < INSTR_MAX_ITEMS; i++)
		inp->values[i] = INSTR_MISSING;
	for (int i = 0; i < 7; i++)
		inp->values[i] = v;
}

/* now + seconds, as a stored instant. */
static void instant_in(long seconds, char out[INSTANT_LEN])
{
	instant_format(time(NULL) + (time_t)seconds, out);
}

static void test_phq9_stored_per_item(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct assessment as, *rows = NULL;
	struct assessment_input inp;
	int n = 0;
	static const int item[9] = {2, 1, 1, 0, 1, 0, 0, 1, 0};
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	phq9_input(&inp, item, INSTR_MISSING); /* "function" left unanswered */
	snprintf(inp.administered_at, sizeof inp.administered_at, "2024-03-05T09:30:00Z");
	snprintf(inp.note, sizeof inp.note, "administered in clinic");
	tdm_err_clear(&err);
	assert_ok(assessment_record(t->db, &t->sys, pid, &inp, &as, &err), &err);
	assert_true(as.id > 0);
	assert_int_equal(as.patient_id, pid);
	assert_int_equal(as.site_id, t->site.id);
	assert_string_equal(as.instrument, "PHQ-9");
	assert_string_equal(as.version, "1");
	assert_int_equal(as.total, 6);
	assert_string_equal(as.band, "Mild");
	assert_string_equal(as.severity, "mild");
	assert_string_equal(as.interpretation, "Mild depressive symptoms (5-9).");
	assert_int_equal(as.prorated, 0);
	assert_string_equal(as.answered_by, "staff");
	assert_string_equal(as.administered_at, "2024-03-05T09:30:00Z");
	assert_string_equal(as.note, "administered in clinic");
	assert_string_equal(as.recorded_by, "system:test");
	assert_int_equal(as.n_alerts, 0); /* item 9 = 0 */
	assert_int_equal(as.n_answers, 10);

	/* As stored: one answer row per item, the missing one NULL. */
	assert_int_equal(count_id(t, "SELECT COUNT(*) FROM assessment_answer WHERE assessment_id = ?",
				  as.id), 10);
	assert_int_equal(count_id(t, "SELECT COUNT(*) FROM assessment_answer WHERE assessment_id = ?"
				     " AND item = 'function' AND value IS NULL", as.id), 1);
	assert_int_equal(count_id(t, "SELECT value FROM assessment_answer WHERE assessment_id = ?"
				     " AND item = '1'", as.id), 2);
	assert_int_equal(count_id(t, "SELECT total FROM assessment WHERE id = ?", as.id), 6);
	assert_int_equal(count_id(t, "SELECT COUNT(*) FROM assessment WHERE id = ? AND band = 'Mild'"
				     " AND severity = 'mild' AND interpretation LIKE 'Mild depressive%'"
				     " AND checkin_id IS NULL", as.id), 1);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE action = 'assessment.create'"
				  " AND outcome = 'ok'"), 1);

	/* Read back through the list, in the instrument's item order. */
	assert_ok(assessment_list(t->db, &t->sys, pid, NULL, 10, &rows, &n, &err), &err);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, as.id);
	assert_int_equal(rows[0].total, 6);
	assert_string_equal(rows[0].band, "Mild");
	assert_string_equal(rows[0].severity, "mild");
	assert_string_equal(rows[0].interpretation, "Mild depressive symptoms (5-9).");
	assert_string_equal(rows[0].administered_at, "2024-03-05T09:30:00Z");
	assert_string_equal(rows[0].note, "administered in clinic");
	assert_string_equal(rows[0].answered_by, "staff");
	assert_string_equal(rows[0].recorded_by, "system:test");
	assert_int_equal(rows[0].n_answers, 10);
	for (int i = 0; i < 9; i++) {
		char id[4];
		snprintf(id, sizeof id, "%d", i + 1);
		assert_string_equal(rows[0].answers[i].item, id);
		assert_int_equal(rows[0].answers[i].value, item[i]);
	}
	assert_string_equal(rows[0].answers[9].item, "function");
	assert_int_equal(rows[0].answers[9].value, INSTR_MISSING);
	free(rows);
}

static void test_band_edges_stored(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct assessment as;
	struct assessment_input inp;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	/* 9 items at 3 = 27: Severe, and item 9 raises its alert. */
	static const int all3[9] = {3, 3, 3, 3, 3, 3, 3, 3, 3};
	phq9_input(&inp, all3, 3);
	assert_ok(assessment_record(t->db, &t->sys, pid, &inp, &as, &err), &err);
	assert_int_equal(as.total, 27);
	assert_string_equal(as.band, "Severe");
	assert_string_equal(as.severity, "severe");
	assert_int_equal(as.n_alerts, 1);
	assert_string_equal(as.alerts[0]->id, "phq9-item9");
	assert_true(as.alert_ids[0] > 0);
	assert_int_equal(count_id(t, "SELECT COUNT(*) FROM alert WHERE assessment_id = ?", as.id), 1);
	/* GAD-7 at 11: Moderate. */
	gad7_input(&inp, 1);
	inp.values[0] = 3;
	inp.values[1] = 3;
	assert_ok(assessment_record(t->db, &t->sys, pid, &inp, &as, &err), &err);
	assert_int_equal(as.total, 11);
	assert_string_equal(as.band, "Moderate");
	assert_string_equal(as.severity, "moderate");
	assert_int_equal(as.n_alerts, 0);
	assert_int_equal(as.n_answers, 7);
}

static void test_invalid_writes_nothing(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct assessment as;
	struct assessment_input inp;
	static const int item[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);

	/* A value that is not one of the item's answers. */
	phq9_input(&inp, item, 0);
	inp.values[2] = 4;
	tdm_err_clear(&err);
	assert_status(TDM_EINVAL, assessment_record(t->db, &t->sys, pid, &inp, &as, &err), &err);
	assert_string_equal(err.field, "items.3");
	/* Even item 9 answered 1 raises nothing when the form is refused. */
	phq9_input(&inp, item, 7); /* the unscored item is checked too */
	assert_status(TDM_EINVAL, assessment_record(t->db, &t->sys, pid, &inp, &as, &err), &err);
	assert_string_equal(err.field, "items.function");
	phq9_input(&inp, item, 0);
	inp.values[8] = -1;
	assert_status(TDM_EINVAL, assessment_record(t->db, &t->sys, pid, &inp, &as, &err), &err);
	assert_string_equal(err.field, "items.9");
	/* A scored item left out: the PHQ-9 refuses incomplete forms. */
	phq9_input(&inp, item, 0);
	inp.values[1] = INSTR_MISSING;
	assert_status(TDM_EINVAL, assessment_record(t->db, &t->sys, pid, &inp, &as, &err), &err);
	assert_non_null(strstr(err.msg, "missing"));

	assert_int_equal(count(t, "SELECT COUNT(*) FROM assessment"), 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM assessment_answer"), 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM alert"), 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE action = 'assessment.create'"
				  " AND outcome = 'ok'"), 0);
}

static void test_other_site(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct site north;
	struct actor far, near;
	struct assessment as, *rows = NULL;
	struct assessment_input inp;
	int n = -1;
	static const int item[9] = {1, 1, 1, 1, 1, 0, 0, 0, 0};
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	assert_ok(site_add(t->db, "north", "North clinic", &north, &err), &err);
	tdb_user(t, "nurse.north", "north", ROLE_NURSE, &far);
	tdb_user(t, "nurse.main", "main", ROLE_NURSE, &near);
	phq9_input(&inp, item, 0);
	tdm_err_clear(&err);
	assert_status(TDM_ENOTFOUND, assessment_record(t->db, &far, pid, &inp, &as, &err), &err);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM assessment"), 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE action = 'assessment.create'"
				  " AND outcome = 'denied'"), 1);
	/* A patient that does not exist looks the same. */
	assert_status(TDM_ENOTFOUND, assessment_record(t->db, &near, 99999, &inp, &as, &err), &err);

	/* The nurse at the patient's site records it, under their own name. */
	assert_ok(assessment_record(t->db, &near, pid, &inp, &as, &err), &err);
	assert_string_equal(as.recorded_by, "nurse.main");
	assert_int_equal(as.total, 5);

	/* Nor can the other site read the scores. */
	assert_status(TDM_ENOTFOUND, assessment_list(t->db, &far, pid, NULL, 10, &rows, &n, &err),
		      &err);
	assert_null(rows);
	assert_int_equal(n, 0);
}

static void test_administered_at(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct assessment as;
	struct assessment_input inp;
	static const int item[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);

	/* In the future: refused. */
	phq9_input(&inp, item, 0);
	instant_in(86400, inp.administered_at);
	tdm_err_clear(&err);
	assert_status(TDM_EINVAL, assessment_record(t->db, &t->sys, pid, &inp, &as, &err), &err);
	assert_string_equal(err.field, "administered_at");
	assert_non_null(strstr(err.msg, "future"));
	instant_in(3600, inp.administered_at);
	assert_status(TDM_EINVAL, assessment_record(t->db, &t->sys, pid, &inp, &as, &err), &err);
	assert_string_equal(err.field, "administered_at");
	/* Not a UTC instant. */
	snprintf(inp.administered_at, sizeof inp.administered_at, "2024-02-30T08:00:00Z");
	assert_status(TDM_EINVAL, assessment_record(t->db, &t->sys, pid, &inp, &as, &err), &err);
	assert_string_equal(err.field, "administered_at");
	snprintf(inp.administered_at, sizeof inp.administered_at, "2024-02-01 08:00");
	assert_status(TDM_EINVAL, assessment_record(t->db, &t->sys, pid, &inp, &as, &err), &err);
	assert_string_equal(err.field, "administered_at");
	assert_int_equal(count(t, "SELECT COUNT(*) FROM assessment"), 0);

	/* Entered late (yesterday) is allowed and kept as given. */
	char yesterday[INSTANT_LEN];
	instant_in(-86400, yesterday);
	snprintf(inp.administered_at, sizeof inp.administered_at, "%s", yesterday);
	assert_ok(assessment_record(t->db, &t->sys, pid, &inp, &as, &err), &err);
	assert_string_equal(as.administered_at, yesterday);
	assert_string_equal(as.band, "Minimal");
	/* Empty: now. */
	char before[INSTANT_LEN], after[INSTANT_LEN];
	instant_in(0, before);
	inp.administered_at[0] = '\0';
	assert_ok(assessment_record(t->db, &t->sys, pid, &inp, &as, &err), &err);
	instant_in(0, after);
	assert_true(strcmp(as.administered_at, before) >= 0);
	assert_true(strcmp(as.administered_at, after) <= 0);
	assert_string_equal(as.administered_at, as.recorded_at);
}

static void test_list_order_and_filter(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct assessment as, *rows = NULL;
	struct assessment_input inp;
	int n = 0;
	char at[5][INSTANT_LEN];
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	int64_t other = tdb_patient(t, "Okafor", "Chidi", "1975-11-30", NULL);
	for (int i = 0; i < 5; i++)
		instant_in(-(long)(40 - 7 * i) * 86400, at[i]); /* at[0] oldest */

	/* Entered out of order: PHQ-9 totals 18, 9, 4 at at[1], at[3], at[0]... */
	static const int p18[9] = {2, 2, 2, 2, 2, 2, 2, 2, 2};
	static const int p9[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
	static const int p4[9] = {1, 1, 1, 1, 0, 0, 0, 0, 0};
	static const int p20[9] = {3, 3, 3, 3, 2, 2, 2, 2, 0};
	phq9_input(&inp, p9, 0);
	snprintf(inp.administered_at, sizeof inp.administered_at, "%s", at[3]);
	assert_ok(assessment_record(t->db, &t->sys, pid, &inp, &as, &err), &err);
	phq9_input(&inp, p20, 0);
	snprintf(inp.administered_at, sizeof inp.administered_at, "%s", at[0]);
	assert_ok(assessment_record(t->db, &t->sys, pid, &inp, &as, &err), &err);
	gad7_input(&inp, 2);
	snprintf(inp.administered_at, sizeof inp.administered_at, "%s", at[2]);
	assert_ok(assessment_record(t->db, &t->sys, pid, &inp, &as, &err), &err);
	phq9_input(&inp, p18, 1);
	snprintf(inp.administered_at, sizeof inp.administered_at, "%s", at[1]);
	assert_ok(assessment_record(t->db, &t->sys, pid, &inp, &as, &err), &err);
	phq9_input(&inp, p4, 0);
	snprintf(inp.administered_at, sizeof inp.administered_at, "%s", at[4]);
	assert_ok(assessment_record(t->db, &t->sys, pid, &inp, &as, &err), &err);
	/* Another patient's score never shows. */
	phq9_input(&inp, p18, 0);
	assert_ok(assessment_record(t->db, &t->sys, other, &inp, &as, &err), &err);

	/* All instruments, oldest first. */
	assert_ok(assessment_list(t->db, &t->sys, pid, NULL, 50, &rows, &n, &err), &err);
	assert_int_equal(n, 5);
	static const char *const codes[5] = {"PHQ-9", "PHQ-9", "GAD-7", "PHQ-9", "PHQ-9"};
	static const int totals[5] = {20, 18, 14, 9, 4};
	static const char *const bands[5] = {"Severe", "Moderately severe", "Moderate", "Mild",
					     "Minimal"};
	for (int i = 0; i < 5; i++) {
		assert_string_equal(rows[i].administered_at, at[i]);
		assert_string_equal(rows[i].instrument, codes[i]);
		assert_int_equal(rows[i].total, totals[i]);
		assert_string_equal(rows[i].band, bands[i]);
		assert_int_equal(rows[i].patient_id, pid);
	}
	assert_int_equal(rows[2].n_answers, 7);
	assert_int_equal(rows[1].answers[9].value, 1);
	free(rows);
	assert_ok(assessment_list(t->db, &t->sys, pid, "", 50, &rows, &n, &err), &err);
	assert_int_equal(n, 5);
	free(rows);

	/* One instrument. */
	assert_ok(assessment_list(t->db, &t->sys, pid, "PHQ-9", 50, &rows, &n, &err), &err);
	assert_int_equal(n, 4);
	assert_int_equal(rows[0].total, 20);
	assert_int_equal(rows[1].total, 18);
	assert_int_equal(rows[2].total, 9);
	assert_int_equal(rows[3].total, 4);
	for (int i = 0; i < n; i++)
		assert_string_equal(rows[i].instrument, "PHQ-9");
	free(rows);
	assert_ok(assessment_list(t->db, &t->sys, pid, "GAD-7", 50, &rows, &n, &err), &err);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].administered_at, at[2]);
	assert_int_equal(rows[0].total, 14);
	free(rows);
	assert_ok(assessment_list(t->db, &t->sys, pid, "COWS", 50, &rows, &n, &err), &err);
	assert_int_equal(n, 0);
	free(rows);

	/* A limit keeps the newest, still oldest first. */
	assert_ok(assessment_list(t->db, &t->sys, pid, "PHQ-9", 2, &rows, &n, &err), &err);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].administered_at, at[3]);
	assert_int_equal(rows[0].total, 9);
	assert_string_equal(rows[1].administered_at, at[4]);
	assert_int_equal(rows[1].total, 4);
	free(rows);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE action = 'assessment.list'"
				  " AND outcome = 'ok'"), 6);
}

/* assessment_insert, as the check-in uses it: inside the caller's
 * transaction, recorded under the given name, no audit row of its own. */
static void test_insert_in_transaction(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct assessment as;
	struct assessment_input inp;
	static const int item[9] = {0, 0, 0, 0, 0, 0, 0, 0, 1};
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	int64_t audits = tdb_audit_count(t, NULL);
	phq9_input(&inp, item, 0);
	snprintf(inp.answered_by, sizeof inp.answered_by, "patient");
	tdm_err_clear(&err);
	assert_ok(db_begin(t->db, DB_WRITE, &err), &err);
	assert_ok(assessment_insert(t->db, "patient:kiosk", pid, t->site.id, &inp, &as, &err), &err);
	db_rollback(t->db);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM assessment"), 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM alert"), 0);

	assert_ok(db_begin(t->db, DB_WRITE, &err), &err);
	assert_ok(assessment_insert(t->db, "patient:kiosk", pid, t->site.id, &inp, &as, &err), &err);
	assert_ok(db_commit(t->db, &err), &err);
	assert_int_equal(as.total, 1);
	assert_string_equal(as.answered_by, "patient");
	assert_string_equal(as.recorded_by, "patient:kiosk");
	assert_int_equal(as.n_alerts, 1);
	assert_int_equal(count_id(t, "SELECT COUNT(*) FROM assessment WHERE id = ?"
				     " AND answered_by = 'patient' AND recorded_by = 'patient:kiosk'",
				  as.id), 1);
	assert_int_equal(count_id(t, "SELECT COUNT(*) FROM alert WHERE assessment_id = ?", as.id), 1);
	assert_int_equal(tdb_audit_count(t, NULL), audits);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tdb_setup, tdb_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_phq9_stored_per_item),
		T(test_band_edges_stored),
		T(test_invalid_writes_nothing),
		T(test_other_site),
		T(test_administered_at),
		T(test_list_order_and_filter),
		T(test_insert_in_transaction),
	};
	return cmocka_run_group_tests_name("assessment", tests, NULL, NULL);
}
