/*
 * Tests for src/domain/checkin.c: staff create a one-time, expiring self
 * check-in (link token and tablet code); the patient opens it and submits
 * answers that land on the chart as assessments answered by the patient and
 * raise the same alerts.
 */
#include "unit.h"

#include <ctype.h>
#include <time.h>

#include "domain/alert.h"
#include "domain/assessment.h"
#include "domain/checkin.h"
#include "domain/instrument.h"
#include "domain/schedule.h"

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

static const char *const PHQ_GAD[] = {"PHQ-9", "GAD-7"};
#define ADDR "198.51.100.20" /* the patient's device */

static void create(struct tdb *t, int64_t pid, const char *const *codes, int n, int minutes,
		   struct checkin *c)
{
	struct tdm_err err;
	tdm_err_clear(&err);
	assert_ok(checkin_create(t->db, &t->sys, pid, codes, n, minutes, c, &err), &err);
	assert_true(c->id > 0);
}

/* Answers for PHQ-9 (items 1-9 = item[], function unanswered) then GAD-7
 * (every item gad). */
static void answers(int values[][INSTR_MAX_ITEMS], const int item[9], int gad)
{
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < INSTR_MAX_ITEMS; i++)
			values[k][i] = INSTR_MISSING;
	for (int i = 0; i < 9; i++)
		values[0][i] = item[i];
	for (int i = 0; i < 7; i++)
		values[1][i] = gad;
}

/* "ABCDEFGHJ" -> "abc-def-ghj" */
static void typed(const char *code, char *out, size_t n)
{
	char low[CHECKIN_CODE_LEN];
	for (int i = 0; i < CHECKIN_CODE_LEN; i++)
		low[i] = (char)tolower((unsigned char)code[i]);
	snprintf(out, n, "%.3s-%.3s-%.3s", low, low + 3, low + 6);
}

static void test_create(void **state)
{
	struct tdb *t = *state;
	struct checkin c;
	char before[INSTANT_LEN], after[INSTANT_LEN];
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	time_t t0 = time(NULL);
	create(t, pid, PHQ_GAD, 2, 60, &c);
	time_t t1 = time(NULL);
	assert_int_equal(c.patient_id, pid);
	assert_int_equal(c.site_id, t->site.id);
	assert_int_equal(c.n_instruments, 2);
	assert_ptr_equal(c.instruments[0], instrument_find("PHQ-9"));
	assert_ptr_equal(c.instruments[1], instrument_find("GAD-7"));
	/* 256-bit token, base64url without padding. */
	assert_int_equal(strlen(c.token), 43);
	for (const char *p = c.token; *p; p++)
		assert_true(isalnum((unsigned char)*p) || *p == '-' || *p == '_');
	/* 9 characters a tablet user can type: upper case, no look-alikes. */
	assert_int_equal(strlen(c.code), 9);
	for (const char *p = c.code; *p; p++)
		assert_non_null(strchr("ABCDEFGHJKMNPQRSTUVWXYZ23456789", *p));
	instant_format(t0 + 3600, before);
	instant_format(t1 + 3600, after);
	assert_true(strcmp(c.expires_at, before) >= 0 && strcmp(c.expires_at, after) <= 0);
	assert_string_equal(c.used_at, "");

	/* Only hashes are stored. */
	assert_int_equal(count_id(t, "SELECT COUNT(*) FROM checkin WHERE id = ? AND used_at IS NULL"
				     " AND instruments = 'PHQ-9,GAD-7' AND created_by = 'system:test'",
				  c.id), 1);
	struct tdm_err err;
	struct stmt *st = db_prepare(t->db, "SELECT COUNT(*) FROM checkin WHERE token_hash = ?"
					    " OR code_hash = ? OR token_hash = ? OR code_hash = ?", &err);
	assert_non_null(st);
	db_bind_text(st, 1, c.token);
	db_bind_text(st, 2, c.token);
	db_bind_text(st, 3, c.code);
	db_bind_text(st, 4, c.code);
	int64_t plain = -1;
	int found = 0;
	assert_ok(db_query_int(st, &plain, &found, &err), &err);
	assert_int_equal(plain, 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE action = 'checkin.create'"
				  " AND outcome = 'ok'"), 1);

	/* Two check-ins never share a token or a code. */
	struct checkin c2;
	create(t, pid, PHQ_GAD, 1, 5, &c2);
	assert_string_not_equal(c2.token, c.token);
	assert_string_not_equal(c2.code, c.code);
	assert_int_equal(c2.n_instruments, 1);
}

static void test_create_refused(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct site north;
	struct actor far;
	struct checkin c;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	assert_ok(site_add(t->db, "north", "North clinic", &north, &err), &err);
	tdb_user(t, "nurse.north", "north", ROLE_NURSE, &far);
	static const char *const cows[] = {"PHQ-9", "COWS"};
	static const char *const ciwa[] = {"CIWA-Ar"};
	static const char *const twice[] = {"PHQ-9", "phq-9"};
	static const char *const unknown[] = {"PHQ-10"};
	static const char *const seven[] = {"PHQ-9", "GAD-7", "AUDIT-C", "PACS", "CRAVING",
					    "PHQ-9", "GAD-7"};
#define BAD(field_, codes_, n_, minutes_)                                                 \
	do {                                                                              \
		tdm_err_clear(&err);                                                      \
		assert_status(TDM_EINVAL, checkin_create(t->db, &t->sys, pid, codes_, n_,     \
							 minutes_, &c, &err), &err);      \
		assert_string_equal(err.field, field_);                                   \
	} while (0)
	BAD("instruments", cows, 2, 60); /* clinician-rated */
	assert_non_null(strstr(err.msg, "COWS"));
	BAD("instruments", ciwa, 1, 60);
	BAD("instruments", twice, 2, 60);
	BAD("instruments", unknown, 1, 60);
	BAD("instruments", PHQ_GAD, 0, 60);
	BAD("instruments", seven, 7, 60);
	BAD("expires_minutes", PHQ_GAD, 2, CHECKIN_MIN_MINUTES - 1);
	BAD("expires_minutes", PHQ_GAD, 2, CHECKIN_MAX_MINUTES + 1);
#undef BAD
	tdm_err_clear(&err);
	assert_status(TDM_ENOTFOUND, checkin_create(t->db, &far, pid, PHQ_GAD, 2, 60, &c, &err),
		      &err);
	assert_status(TDM_ENOTFOUND, checkin_create(t->db, &t->sys, pid + 100, PHQ_GAD, 2, 60, &c,
						    &err), &err);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM checkin"), 0);
	/* The limits themselves are allowed; codes in any case. */
	static const char *const lower[] = {"phq-9", "audit-c"};
	create(t, pid, lower, 2, CHECKIN_MIN_MINUTES, &c);
	assert_ptr_equal(c.instruments[1], instrument_find("AUDIT-C"));
	create(t, pid, PHQ_GAD, 2, CHECKIN_MAX_MINUTES, &c);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM checkin"), 2);
}

static void test_open(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct checkin c, o;
	char code[32];
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	create(t, pid, PHQ_GAD, 2, 60, &c);

	tdm_err_clear(&err);
	assert_ok(checkin_open(t->db, c.token, NULL, ADDR, "unit", "checkin.open", 1, &o, &err), &err);
	assert_int_equal(o.id, c.id);
	assert_int_equal(o.patient_id, pid);
	assert_int_equal(o.site_id, t->site.id);
	assert_int_equal(o.n_instruments, 2);
	assert_ptr_equal(o.instruments[0], instrument_find("PHQ-9"));
	assert_ptr_equal(o.instruments[1], instrument_find("GAD-7"));
	assert_string_equal(o.expires_at, c.expires_at);
	assert_string_equal(o.used_at, "");
	assert_string_equal(o.given_name, "Ana"); /* the greeting */
	assert_string_equal(o.token, "");          /* never given back */
	assert_string_equal(o.code, "");

	assert_ok(checkin_open(t->db, NULL, c.code, ADDR, "unit", "checkin.open", 1, &o, &err), &err);
	assert_int_equal(o.id, c.id);
	typed(c.code, code, sizeof code); /* "abc-def-ghj" */
	assert_ok(checkin_open(t->db, NULL, code, ADDR, "unit", "checkin.open", 1, &o, &err), &err);
	assert_int_equal(o.id, c.id);
	assert_int_equal(o.n_instruments, 2);
	snprintf(code, sizeof code, " %.4s %.5s ", c.code, c.code + 4);
	assert_ok(checkin_open(t->db, NULL, code, ADDR, "unit", "checkin.open", 1, &o, &err), &err);
	assert_int_equal(o.id, c.id);

	/* Tampered, truncated, or made up: not found. */
	char bad[TOKEN_LEN];
	snprintf(bad, sizeof bad, "%s", c.token);
	bad[10] = bad[10] == 'A' ? 'B' : 'A';
	tdm_err_clear(&err);
	assert_status(TDM_ENOTFOUND, checkin_open(t->db, bad, NULL, ADDR, "unit", "checkin.open", 1, &o, &err), &err);
	snprintf(bad, sizeof bad, "%.42s", c.token);
	assert_status(TDM_ENOTFOUND, checkin_open(t->db, bad, NULL, ADDR, "unit", "checkin.open", 1, &o, &err), &err);
	assert_status(TDM_ENOTFOUND, checkin_open(t->db, "", NULL, ADDR, "unit", "checkin.open", 1, &o, &err), &err);
	/* The code is not a token, nor the token a code. */
	assert_status(TDM_ENOTFOUND, checkin_open(t->db, c.code, NULL, ADDR, "unit", "checkin.open", 1, &o, &err), &err);
	assert_status(TDM_ENOTFOUND, checkin_open(t->db, NULL, c.token, ADDR, "unit", "checkin.open", 1, &o, &err), &err);
	snprintf(code, sizeof code, "%s", c.code);
	code[4] = code[4] == '2' ? '3' : '2';
	assert_status(TDM_ENOTFOUND, checkin_open(t->db, NULL, code, ADDR, "unit", "checkin.open", 1, &o, &err), &err);
	snprintf(code, sizeof code, "%.8s", c.code);
	assert_status(TDM_ENOTFOUND, checkin_open(t->db, NULL, code, ADDR, "unit", "checkin.open", 1, &o, &err), &err);
	snprintf(code, sizeof code, "%.8s!", c.code);
	assert_status(TDM_ENOTFOUND, checkin_open(t->db, NULL, code, ADDR, "unit", "checkin.open", 1, &o, &err), &err);
	snprintf(code, sizeof code, "%sX", c.code);
	assert_status(TDM_ENOTFOUND, checkin_open(t->db, NULL, code, ADDR, "unit", "checkin.open", 1, &o, &err), &err);
	assert_status(TDM_ENOTFOUND, checkin_open(t->db, NULL, NULL, ADDR, "unit", "checkin.open", 1, &o, &err), &err);
}

static void test_submit_by_token(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct checkin c, o;
	struct assessment res[2], *rows = NULL;
	struct actor nurse;
	struct alert *alerts = NULL;
	int values[2][INSTR_MAX_ITEMS];
	int n = -1;
	int64_t total = -1;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	tdb_user(t, "nurse.main", "main", ROLE_NURSE, &nurse);
	create(t, pid, PHQ_GAD, 2, 60, &c);
	static const int item[9] = {1, 1, 1, 0, 0, 0, 0, 0, 1}; /* total 4, item 9 = 1 */
	answers(values, item, 2);

	tdm_err_clear(&err);
	assert_ok(checkin_submit(t->db, c.token, NULL, values, 2, "203.0.113.7", "req-1", res, &err),
		  &err);
	assert_string_equal(res[0].instrument, "PHQ-9");
	assert_int_equal(res[0].total, 4);
	assert_string_equal(res[0].band, "Minimal");
	assert_string_equal(res[0].answered_by, "patient");
	assert_int_equal(res[0].patient_id, pid);
	assert_int_equal(res[0].n_alerts, 1);
	assert_string_equal(res[0].alerts[0]->id, "phq9-item9");
	assert_string_equal(res[1].instrument, "GAD-7");
	assert_int_equal(res[1].total, 14);
	assert_string_equal(res[1].band, "Moderate");
	assert_string_equal(res[1].answered_by, "patient");
	assert_int_equal(res[1].n_alerts, 0);

	/* On the chart: two assessments from this check-in, by the patient. */
	assert_int_equal(count_id(t, "SELECT COUNT(*) FROM assessment WHERE checkin_id = ?"
				     " AND answered_by = 'patient'", c.id), 2);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM assessment"), 2);
	assert_ok(assessment_list(t->db, &nurse, pid, NULL, 10, &rows, &n, &err), &err);
	assert_int_equal(n, 2);
	char who[64];
	snprintf(who, sizeof who, "patient:checkin/%lld", (long long)c.id);
	for (int i = 0; i < 2; i++) {
		assert_string_equal(rows[i].answered_by, "patient");
		assert_string_equal(rows[i].recorded_by, who);
	}
	free(rows);
	assert_ok(assessment_list(t->db, &nurse, pid, "PHQ-9", 10, &rows, &n, &err), &err);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].answers[8].value, 1);
	assert_int_equal(rows[0].answers[9].value, INSTR_MISSING);
	free(rows);

	/* The item-9 alert is in the nurse's inbox. */
	struct alert_query q = {.patient_id = 0, .open_only = 1, .limit = 10};
	assert_ok(alert_list(t->db, &nurse, &q, &alerts, &n, &total, &err), &err);
	assert_int_equal(n, 1);
	assert_string_equal(alerts[0].rule_id, "phq9-item9");
	assert_string_equal(alerts[0].severity, "critical");
	assert_int_equal(alerts[0].patient_id, pid);
	assert_int_equal(alerts[0].assessment_id, res[0].id);
	free(alerts);

	/* Used up: a second submit, by token or by code, and opening, conflict. */
	tdm_err_clear(&err);
	assert_status(TDM_ECONFLICT, checkin_submit(t->db, c.token, NULL, values, 2, "203.0.113.7",
						    "req-2", res, &err), &err);
	assert_status(TDM_ECONFLICT, checkin_submit(t->db, NULL, c.code, values, 2, "203.0.113.7",
						    "req-3", res, &err), &err);
	assert_status(TDM_ECONFLICT, checkin_open(t->db, c.token, NULL, ADDR, "unit", "checkin.open", 1, &o, &err), &err);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM assessment"), 2);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM alert"), 1);
	assert_int_equal(count_id(t, "SELECT COUNT(*) FROM checkin WHERE id = ? AND used_at IS NOT NULL",
				  c.id), 1);

	/* Audited as the check-in, from the patient's address. */
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE action = 'checkin.submit'"
				  " AND outcome = 'ok' AND client_addr = '203.0.113.7'"
				  " AND request_id = 'req-1' AND username LIKE 'patient:checkin/%'"), 1);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE action = 'checkin.submit'"
				  " AND outcome = 'conflict'"), 2);
}

static void test_submit_by_code(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct checkin c;
	struct assessment res[2];
	int values[2][INSTR_MAX_ITEMS];
	char code[32];
	struct schedule s, *rows = NULL;
	int n = -1;
	char starts[INSTANT_LEN];
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	/* A PHQ-9 every two weeks, overdue since yesterday. */
	instant_format(time(NULL) - 86400, starts);
	tdm_err_clear(&err);
	assert_ok(schedule_add(t->db, &t->sys, pid, "PHQ-9", 14 * 1440, starts, "depression MBC", &s,
			       &err), &err);
	create(t, pid, PHQ_GAD, 2, 30, &c);
	static const int item[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
	answers(values, item, 0);
	typed(c.code, code, sizeof code);
	tdm_err_clear(&err);
	assert_ok(checkin_submit(t->db, NULL, code, values, 2, "10.0.0.5", "tablet", res, &err), &err);
	assert_int_equal(res[0].total, 0);
	assert_int_equal(res[0].n_alerts, 0);
	assert_int_equal(res[1].total, 0);
	assert_int_equal(count_id(t, "SELECT COUNT(*) FROM assessment WHERE checkin_id = ?", c.id), 2);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM alert"), 0);
	/* The self-report counts for the schedule: next due in two weeks. */
	char expect[INSTANT_LEN];
	time_t at;
	assert_int_equal(instant_parse(res[0].administered_at, &at), 0);
	instant_format(at + 14 * 86400, expect);
	assert_ok(schedule_list(t->db, &t->sys, pid, &rows, &n, &err), &err);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].last_at, res[0].administered_at);
	assert_string_equal(rows[0].due_at, expect);
	assert_int_equal(rows[0].overdue, 0);
	free(rows);
	/* The link is used up with it. */
	assert_status(TDM_ECONFLICT, checkin_submit(t->db, c.token, NULL, values, 2, "10.0.0.5",
						    "tablet", res, &err), &err);
}

static void test_tampered_and_expired(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct checkin c, o;
	struct assessment res[2];
	int values[2][INSTR_MAX_ITEMS];
	char bad[TOKEN_LEN];
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	create(t, pid, PHQ_GAD, 2, 60, &c);
	static const int item[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
	answers(values, item, 1);

	snprintf(bad, sizeof bad, "%s", c.token);
	bad[42] = bad[42] == 'x' ? 'y' : 'x';
	tdm_err_clear(&err);
	assert_status(TDM_ENOTFOUND, checkin_submit(t->db, bad, NULL, values, 2, "198.51.100.1", "r",
						    res, &err), &err);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM assessment"), 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE action = 'checkin.submit'"
				  " AND outcome = 'not_found'"), 1);

	/* Expired: gone, for the link and the code, and nothing written. */
	tdm_err_clear(&err);
	assert_ok(db_exec(t->db, "UPDATE checkin SET expires_at = '2000-01-01T00:00:00Z'", &err), &err);
	assert_status(TDM_EGONE, checkin_open(t->db, c.token, NULL, ADDR, "unit", "checkin.open", 1, &o, &err), &err);
	assert_status(TDM_EGONE, checkin_open(t->db, NULL, c.code, ADDR, "unit", "checkin.open", 1, &o, &err), &err);
	assert_status(TDM_EGONE, checkin_submit(t->db, c.token, NULL, values, 2, "198.51.100.1", "r",
						 res, &err), &err);
	assert_status(TDM_EGONE, checkin_submit(t->db, NULL, c.code, values, 2, "198.51.100.1", "r",
						 res, &err), &err);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM assessment"), 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM alert"), 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM checkin WHERE used_at IS NOT NULL"), 0);

	/* A minute ago is expired too; in a minute is still open. */
	char at[INSTANT_LEN];
	instant_format(time(NULL) - 60, at);
	struct stmt *st = db_prepare(t->db, "UPDATE checkin SET expires_at = ? WHERE id = ?", &err);
	assert_non_null(st);
	db_bind_text(st, 1, at);
	db_bind_int(st, 2, c.id);
	assert_ok(db_run(st, &err), &err);
	assert_status(TDM_EGONE, checkin_open(t->db, c.token, NULL, ADDR, "unit", "checkin.open", 1, &o, &err), &err);
	instant_format(time(NULL) + 60, at);
	st = db_prepare(t->db, "UPDATE checkin SET expires_at = ? WHERE id = ?", &err);
	assert_non_null(st);
	db_bind_text(st, 1, at);
	db_bind_int(st, 2, c.id);
	assert_ok(db_run(st, &err), &err);
	assert_ok(checkin_open(t->db, c.token, NULL, ADDR, "unit", "checkin.open", 1, &o, &err), &err);
}

static void test_wrong_answers_write_nothing(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct checkin c, o;
	struct assessment res[2];
	int values[2][INSTR_MAX_ITEMS];
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	create(t, pid, PHQ_GAD, 2, 60, &c);
	static const int item[9] = {1, 1, 1, 0, 0, 0, 0, 0, 1};
	answers(values, item, 1);

	/* One answer set for two questionnaires. */
	tdm_err_clear(&err);
	assert_status(TDM_EINVAL, checkin_submit(t->db, c.token, NULL, values, 1, "192.0.2.1", "r",
						 res, &err), &err);
	assert_string_equal(err.field, "answers");
	assert_status(TDM_EINVAL, checkin_submit(t->db, c.token, NULL, values, 0, "192.0.2.1", "r",
						 res, &err), &err);
	assert_string_equal(err.field, "answers");
	/* The PHQ-9 is fine but the GAD-7 holds a value it does not take: the
	 * PHQ-9 (and its alert) must not be kept either. */
	values[1][3] = 9;
	tdm_err_clear(&err);
	assert_status(TDM_EINVAL, checkin_submit(t->db, c.token, NULL, values, 2, "192.0.2.1", "r",
						 res, &err), &err);
	assert_string_equal(err.field, "answers.1.items.4");
	/* An incomplete PHQ-9. */
	answers(values, item, 1);
	values[0][4] = INSTR_MISSING;
	assert_status(TDM_EINVAL, checkin_submit(t->db, c.token, NULL, values, 2, "192.0.2.1", "r",
						 res, &err), &err);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM assessment"), 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM assessment_answer"), 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM alert"), 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM checkin WHERE used_at IS NOT NULL"), 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE action = 'checkin.submit'"
				  " AND outcome = 'ok'"), 0);

	/* Still open, and the patient can correct and send. */
	assert_ok(checkin_open(t->db, c.token, NULL, ADDR, "unit", "checkin.open", 1, &o, &err), &err);
	answers(values, item, 1);
	assert_ok(checkin_submit(t->db, c.token, NULL, values, 2, "192.0.2.1", "r", res, &err), &err);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM assessment"), 2);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM alert"), 1);
}

/* Guessing codes from one device is throttled; other devices are not. */
static void test_open_throttled(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct checkin c, o;
	char code[CHECKIN_CODE_LEN];
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	create(t, pid, PHQ_GAD, 2, 60, &c);
	snprintf(code, sizeof code, "%s", c.code);
	code[0] = code[0] == '2' ? '3' : '2';
	for (int i = 0; i < TDM_CHECKIN_MAX_FAILS; i++) {
		tdm_err_clear(&err);
		assert_status(TDM_ENOTFOUND, checkin_open(t->db, NULL, code, "192.0.2.66", "unit", "checkin.open", 1, &o, &err),
			      &err);
	}
	assert_int_equal(count(t, "SELECT COUNT(*) FROM login_attempt WHERE client_addr = '192.0.2.66'"
				  " AND ok = 0"), TDM_CHECKIN_MAX_FAILS);
	/* Now even the right code is refused from that device. */
	tdm_err_clear(&err);
	assert_status(TDM_ETHROTTLED, checkin_open(t->db, NULL, c.code, "192.0.2.66", "unit", "checkin.open", 1, &o, &err), &err);
	assert_status(TDM_ETHROTTLED, checkin_open(t->db, c.token, NULL, "192.0.2.66", "unit", "checkin.open", 1, &o, &err), &err);
	/* The waiting-room tablet still works. */
	assert_ok(checkin_open(t->db, NULL, c.code, ADDR, "unit", "checkin.open", 1, &o, &err), &err);
	assert_int_equal(o.id, c.id);
	/* Failures older than the window no longer count. */
	char old[INSTANT_LEN];
	instant_format(time(NULL) - TDM_LOGIN_WINDOW_SECONDS - 60, old);
	struct stmt *st = db_prepare(t->db, "UPDATE login_attempt SET at = ? WHERE client_addr = ?",
				     &err);
	assert_non_null(st);
	db_bind_text(st, 1, old);
	db_bind_text(st, 2, "192.0.2.66");
	assert_ok(db_run(st, &err), &err);
	assert_ok(checkin_open(t->db, NULL, c.code, "192.0.2.66", "unit", "checkin.open", 1, &o, &err), &err);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tdb_setup, tdb_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_create),
		T(test_create_refused),
		T(test_open),
		T(test_open_throttled),
		T(test_submit_by_token),
		T(test_submit_by_code),
		T(test_tampered_and_expired),
		T(test_wrong_answers_write_nothing),
	};
	return cmocka_run_group_tests_name("checkin", tests, NULL, NULL);
}
