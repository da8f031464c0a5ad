/*
 * Tests for src/domain/schedule.c: measurement schedules, due and overdue
 * derived from the start and the last administration, stopping, and the
 * due list across patients (overdue first).
 */
#include "unit.h"

#include <time.h>

#include "domain/assessment.h"
#include "domain/instrument.h"
#include "domain/schedule.h"

#define TWO_WEEKS (14 * 24 * 60)

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

/* now + seconds, as a stored instant. */
static void instant_in(long seconds, char out[INSTANT_LEN])
{
	instant_format(time(NULL) + (time_t)seconds, out);
}

/* An instant plus n days, by calendar arithmetic on the text. */
static void plus_days(const char *at, int n, char out[INSTANT_LEN])
{
	char day[DATE_LEN], later[DATE_LEN];
	memcpy(day, at, DATE_LEN - 1);
	day[DATE_LEN - 1] = '\0';
	date_add_days(day, n, later);
	snprintf(out, INSTANT_LEN, "%s%s", later, at + DATE_LEN - 1);
}

/* Records an instrument with every scored item at its lowest value. */
static void administer(struct tdb *t, int64_t pid, const char *code, const char *at)
{
	const struct instrument *in = instrument_find(code);
	struct assessment_input inp;
	struct assessment as;
	struct tdm_err err;
	assert_non_null(in);
	memset(&inp, 0, sizeof inp);
	inp.in = in;
	for (int i = 0; i < INSTR_MAX_ITEMS; i++)
		inp.values[i] = INSTR_MISSING;
	for (int i = 0; i < in->n_items; i++)
		if (in->items[i].scored)
			inp.values[i] = in->items[i].min;
	snprintf(inp.administered_at, sizeof inp.administered_at, "%s", at);
	tdm_err_clear(&err);
	assert_ok(assessment_record(t->db, &t->sys, pid, &inp, &as, &err), &err);
}

static int64_t add(struct tdb *t, int64_t pid, const char *code, int every, const char *starts,
		   struct schedule *out)
{
	struct tdm_err err;
	tdm_err_clear(&err);
	assert_ok(schedule_add(t->db, &t->sys, pid, code, every, starts,
			       "measurement-based care", out, &err), &err);
	assert_true(out->id > 0);
	return out->id;
}

/* The patient's one active schedule. */
static void only(struct tdb *t, int64_t pid, struct schedule *out)
{
	struct tdm_err err;
	struct schedule *rows = NULL;
	int n = -1;
	tdm_err_clear(&err);
	assert_ok(schedule_list(t->db, &t->sys, pid, &rows, &n, &err), &err);
	assert_int_equal(n, 1);
	*out = rows[0];
	free(rows);
}

static int due_n(struct tdb *t, const struct actor *a, int within)
{
	struct tdm_err err;
	struct schedule *rows = NULL;
	int n = -1;
	tdm_err_clear(&err);
	assert_ok(schedule_due(t->db, a, within, &rows, &n, &err), &err);
	free(rows);
	return n;
}

static void test_due_from_start_then_last(void **state)
{
	struct tdb *t = *state;
	struct schedule s, cur;
	char starts[INSTANT_LEN], at[INSTANT_LEN], later[INSTANT_LEN], expect[INSTANT_LEN];
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	instant_in(-86400, starts);
	int64_t id = add(t, pid, "PHQ-9", TWO_WEEKS, starts, &s);
	assert_int_equal(s.patient_id, pid);
	assert_int_equal(s.site_id, t->site.id);
	assert_string_equal(s.instrument, "PHQ-9");
	assert_int_equal(s.every_minutes, TWO_WEEKS);
	assert_string_equal(s.starts_at, starts);
	assert_string_equal(s.due_at, starts);
	assert_string_equal(s.reason, "measurement-based care");
	assert_string_equal(s.created_by, "system:test");

	/* Never administered since the start: due at the start, overdue. */
	only(t, pid, &cur);
	assert_int_equal(cur.id, id);
	assert_string_equal(cur.instrument, "PHQ-9");
	assert_int_equal(cur.every_minutes, TWO_WEEKS);
	assert_string_equal(cur.starts_at, starts);
	assert_string_equal(cur.last_at, "");
	assert_string_equal(cur.due_at, starts);
	assert_int_equal(cur.overdue, 1);
	assert_int_equal(cur.stopped, 0);
	assert_string_equal(cur.family_name, "Rivera");
	assert_string_equal(cur.given_name, "Ana");
	assert_true(cur.mrn[0]);
	assert_int_equal(due_n(t, &t->sys, 0), 1);

	/* Another instrument does not count. */
	instant_in(-3 * 3600, at);
	administer(t, pid, "GAD-7", at);
	only(t, pid, &cur);
	assert_string_equal(cur.due_at, starts);
	assert_int_equal(cur.overdue, 1);

	/* Administered 2 hours ago: due 14 days after that. */
	instant_in(-2 * 3600, at);
	administer(t, pid, "PHQ-9", at);
	plus_days(at, 14, expect);
	only(t, pid, &cur);
	assert_string_equal(cur.last_at, at);
	assert_string_equal(cur.due_at, expect);
	assert_int_equal(cur.overdue, 0);
	assert_int_equal(due_n(t, &t->sys, 60), 0);
	assert_int_equal(due_n(t, &t->sys, 14 * 24 * 60 + 60), 1);

	/* The newest administration counts; one entered late does not move it back. */
	instant_in(-3600, later);
	administer(t, pid, "PHQ-9", later);
	instant_in(-12 * 3600, at);
	administer(t, pid, "PHQ-9", at);
	plus_days(later, 14, expect);
	only(t, pid, &cur);
	assert_string_equal(cur.last_at, later);
	assert_string_equal(cur.due_at, expect);
	assert_int_equal(cur.overdue, 0);
}

static void test_withdrawal_every_4_hours(void **state)
{
	struct tdb *t = *state;
	struct schedule s, cur;
	char starts[INSTANT_LEN], at[INSTANT_LEN], expect[INSTANT_LEN];
	int64_t pid = tdb_patient(t, "Okafor", "Chidi", "1975-11-30", NULL);
	instant_in(-2 * 86400, starts);
	add(t, pid, "cows", 240, starts, &s);
	assert_string_equal(s.instrument, "COWS"); /* stored under its code */
	/* Last COWS 5 hours ago: due an hour ago. */
	time_t now = time(NULL);
	instant_format(now - 5 * 3600, at);
	administer(t, pid, "COWS", at);
	instant_format(now - 3600, expect);
	only(t, pid, &cur);
	assert_string_equal(cur.instrument, "COWS");
	assert_string_equal(cur.last_at, at);
	assert_string_equal(cur.due_at, expect);
	assert_int_equal(cur.overdue, 1);
	/* Reassessed now: due in 4 hours. */
	instant_format(now - 60, at);
	administer(t, pid, "COWS", at);
	instant_format(now - 60 + 4 * 3600, expect);
	only(t, pid, &cur);
	assert_string_equal(cur.due_at, expect);
	assert_int_equal(cur.overdue, 0);
	assert_int_equal(due_n(t, &t->sys, 60), 0);
	assert_int_equal(due_n(t, &t->sys, 240), 1);
}

static void test_start_now_and_future(void **state)
{
	struct tdb *t = *state;
	struct schedule s, cur;
	char before[INSTANT_LEN], after[INSTANT_LEN], starts[INSTANT_LEN], at[INSTANT_LEN];
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	int64_t p2 = tdb_patient(t, "Okafor", "Chidi", "1975-11-30", NULL);

	/* No start: now. */
	instant_in(0, before);
	add(t, pid, "GAD-7", TWO_WEEKS, NULL, &s);
	instant_in(0, after);
	assert_true(strcmp(s.starts_at, before) >= 0 && strcmp(s.starts_at, after) <= 0);
	assert_string_equal(s.due_at, s.starts_at);
	assert_string_equal(s.created_at, s.starts_at);
	only(t, pid, &cur);
	assert_string_equal(cur.due_at, s.starts_at);

	/* Starting in two days: not due yet, not overdue; an administration
	 * before the start does not count. */
	instant_in(2 * 86400, starts);
	add(t, p2, "PHQ-9", TWO_WEEKS, starts, &s);
	instant_in(-3600, at);
	administer(t, p2, "PHQ-9", at);
	only(t, p2, &cur);
	assert_string_equal(cur.last_at, "");
	assert_string_equal(cur.due_at, starts);
	assert_int_equal(cur.overdue, 0);
	/* Within an hour: only the GAD-7 due now. */
	assert_int_equal(due_n(t, &t->sys, 60), 1);
	assert_int_equal(due_n(t, &t->sys, 3 * 24 * 60), 2);
}

static void test_stop(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct site north;
	struct actor far, nurse;
	struct schedule s, *rows = NULL;
	int n = -1;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	assert_ok(site_add(t->db, "north", "North clinic", &north, &err), &err);
	tdb_user(t, "nurse.north", "north", ROLE_NURSE, &far);
	tdb_user(t, "nurse.main", "main", ROLE_NURSE, &nurse);
	int64_t id = add(t, pid, "PHQ-9", TWO_WEEKS, NULL, &s);
	int64_t keep = add(t, pid, "GAD-7", TWO_WEEKS, NULL, &s);

	tdm_err_clear(&err);
	assert_status(TDM_EINVAL, schedule_stop(t->db, &nurse, id, "", &err), &err);
	assert_string_equal(err.field, "reason");
	assert_status(TDM_EINVAL, schedule_stop(t->db, &nurse, id, NULL, &err), &err);
	assert_string_equal(err.field, "reason");
	assert_status(TDM_ENOTFOUND, schedule_stop(t->db, &far, id, "discharged", &err), &err);
	assert_status(TDM_ENOTFOUND, schedule_stop(t->db, &nurse, keep + 100, "discharged", &err),
		      &err);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM schedule_stop"), 0);

	assert_ok(schedule_stop(t->db, &nurse, id, "discharged from IOP", &err), &err);
	assert_ok(schedule_list(t->db, &nurse, pid, &rows, &n, &err), &err);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, keep);
	assert_string_equal(rows[0].instrument, "GAD-7");
	free(rows);
	assert_int_equal(due_n(t, &nurse, 0), 1);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM schedule_stop WHERE reason ="
				  " 'discharged from IOP' AND stopped_by = 'nurse.main'"), 1);

	tdm_err_clear(&err);
	assert_status(TDM_ECONFLICT, schedule_stop(t->db, &nurse, id, "again", &err), &err);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM schedule_stop"), 1);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE action = 'schedule.stop'"
				  " AND outcome = 'ok'"), 1);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE action = 'schedule.stop'"
				  " AND outcome = 'conflict'"), 1);
}

static void test_add_validation(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct site north;
	struct actor far;
	struct schedule s;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	assert_ok(site_add(t->db, "north", "North clinic", &north, &err), &err);
	tdb_user(t, "nurse.north", "north", ROLE_NURSE, &far);
#define BAD(field_, ...)                                                                  \
	do {                                                                              \
		tdm_err_clear(&err);                                                      \
		assert_status(TDM_EINVAL, schedule_add(t->db, &t->sys, pid, __VA_ARGS__, &s, \
						       &err), &err);                      \
		assert_string_equal(err.field, field_);                                   \
	} while (0)
	BAD("instrument", "PHQ-10", TWO_WEEKS, NULL, "mbc");
	BAD("instrument", "", TWO_WEEKS, NULL, "mbc");
	BAD("instrument", NULL, TWO_WEEKS, NULL, "mbc");
	BAD("every_minutes", "PHQ-9", SCHEDULE_MIN_MINUTES - 1, NULL, "mbc");
	BAD("every_minutes", "PHQ-9", 0, NULL, "mbc");
	BAD("every_minutes", "PHQ-9", -TWO_WEEKS, NULL, "mbc");
	BAD("every_minutes", "PHQ-9", SCHEDULE_MAX_MINUTES + 1, NULL, "mbc");
	BAD("reason", "PHQ-9", TWO_WEEKS, NULL, "");
	BAD("reason", "PHQ-9", TWO_WEEKS, NULL, NULL);
	BAD("starts_at", "PHQ-9", TWO_WEEKS, "tomorrow", "mbc");
	BAD("starts_at", "PHQ-9", TWO_WEEKS, "2026-02-30T08:00:00Z", "mbc");
#undef BAD
	assert_int_equal(count(t, "SELECT COUNT(*) FROM schedule"), 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE action = 'schedule.create'"), 0);

	tdm_err_clear(&err);
	assert_status(TDM_ENOTFOUND, schedule_add(t->db, &far, pid, "PHQ-9", TWO_WEEKS, NULL, "mbc",
						  &s, &err), &err);
	assert_status(TDM_ENOTFOUND, schedule_add(t->db, &t->sys, pid + 100, "PHQ-9", TWO_WEEKS,
						  NULL, "mbc", &s, &err), &err);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM schedule"), 0);
	struct schedule *rows = NULL;
	int n = -1;
	assert_status(TDM_ENOTFOUND, schedule_list(t->db, &far, pid, &rows, &n, &err), &err);
	assert_null(rows);

	/* The limits themselves are allowed. */
	add(t, pid, "COWS", SCHEDULE_MIN_MINUTES, NULL, &s);
	add(t, pid, "PHQ-9", SCHEDULE_MAX_MINUTES, NULL, &s);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM schedule"), 2);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE action = 'schedule.create'"
				  " AND outcome = 'ok'"), 2);
}

static void test_due_overdue_first(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct site north;
	struct actor nurse, far;
	struct schedule s, *rows = NULL;
	int n = -1;
	char at[INSTANT_LEN], s_a[INSTANT_LEN], s_b[INSTANT_LEN], s_c[INSTANT_LEN];
	char s_d[INSTANT_LEN], s_e[INSTANT_LEN], s_n[INSTANT_LEN];
	assert_ok(site_add(t->db, "north", "North clinic", &north, &err), &err);
	tdb_user(t, "nurse.main", "main", ROLE_NURSE, &nurse);
	tdb_user(t, "nurse.north", "north", ROLE_NURSE, &far);
	int64_t pa = tdb_patient(t, "Adams", "Amy", "1980-01-01", NULL);
	int64_t pb = tdb_patient(t, "Brown", "Ben", "1981-01-01", NULL);
	int64_t pc = tdb_patient(t, "Chen", "Cal", "1982-01-01", NULL);
	int64_t pd = tdb_patient(t, "Diaz", "Dee", "1983-01-01", NULL);
	int64_t pe = tdb_patient(t, "Eze", "Eli", "1984-01-01", NULL);
	int64_t pn = tdb_patient(t, "North", "Nia", "1985-01-01", "north");
	instant_in(-3 * 86400, s_a);  /* overdue 3 days */
	instant_in(-3600, s_b);       /* overdue 1 hour */
	instant_in(30 * 60, s_c);     /* due in 30 minutes */
	instant_in(2 * 86400, s_d);   /* due in 2 days */
	instant_in(-20 * 86400, s_e); /* done yesterday: due in 13 days */
	instant_in(-86400, s_n);      /* overdue, at north */
	/* Added out of due order. */
	int64_t id_d = add(t, pd, "PHQ-9", TWO_WEEKS, s_d, &s);
	int64_t id_c = add(t, pc, "GAD-7", TWO_WEEKS, s_c, &s);
	int64_t id_b = add(t, pb, "COWS", 240, s_b, &s);
	int64_t id_a = add(t, pa, "PHQ-9", TWO_WEEKS, s_a, &s);
	int64_t id_e = add(t, pe, "PHQ-9", TWO_WEEKS, s_e, &s);
	int64_t id_n = add(t, pn, "PHQ-9", TWO_WEEKS, s_n, &s);
	instant_in(-86400, at);
	administer(t, pe, "PHQ-9", at);
	/* A stopped one is never due. */
	int64_t id_x = add(t, pa, "GAD-7", TWO_WEEKS, s_a, &s);
	tdm_err_clear(&err);
	assert_ok(schedule_stop(t->db, &t->sys, id_x, "not needed", &err), &err);

	assert_ok(schedule_due(t->db, &nurse, 60, &rows, &n, &err), &err);
	assert_int_equal(n, 3);
	assert_int_equal(rows[0].id, id_a);
	assert_int_equal(rows[0].overdue, 1);
	assert_string_equal(rows[0].due_at, s_a);
	assert_string_equal(rows[0].family_name, "Adams");
	assert_string_equal(rows[0].instrument, "PHQ-9");
	assert_true(rows[0].mrn[0]);
	assert_int_equal(rows[1].id, id_b);
	assert_int_equal(rows[1].overdue, 1);
	assert_string_equal(rows[1].due_at, s_b);
	assert_string_equal(rows[1].family_name, "Brown");
	assert_int_equal(rows[2].id, id_c);
	assert_int_equal(rows[2].overdue, 0);
	assert_string_equal(rows[2].due_at, s_c);
	assert_string_equal(rows[2].family_name, "Chen");
	free(rows);

	/* Within 0 minutes: what is due now. */
	assert_ok(schedule_due(t->db, &nurse, 0, &rows, &n, &err), &err);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].id, id_a);
	assert_int_equal(rows[1].id, id_b);
	free(rows);

	/* Within 14 days: D, then E (due 13 days after yesterday). */
	assert_ok(schedule_due(t->db, &nurse, 14 * 24 * 60, &rows, &n, &err), &err);
	assert_int_equal(n, 5);
	assert_int_equal(rows[3].id, id_d);
	assert_int_equal(rows[4].id, id_e);
	char expect[INSTANT_LEN];
	plus_days(at, 14, expect);
	assert_string_equal(rows[4].due_at, expect);
	assert_int_equal(rows[4].overdue, 0);
	free(rows);

	/* North sees its own patient only; the system actor sees every site. */
	assert_ok(schedule_due(t->db, &far, 60, &rows, &n, &err), &err);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, id_n);
	assert_int_equal(rows[0].overdue, 1);
	free(rows);
	assert_ok(schedule_due(t->db, &t->sys, 60, &rows, &n, &err), &err);
	assert_int_equal(n, 4);
	assert_int_equal(rows[0].id, id_a);
	assert_int_equal(rows[1].id, id_n);
	assert_int_equal(rows[2].id, id_b);
	assert_int_equal(rows[3].id, id_c);
	free(rows);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE action = 'schedule.due'"
				  " AND outcome = 'ok'"), 5);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tdb_setup, tdb_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_due_from_start_then_last),
		T(test_withdrawal_every_4_hours),
		T(test_start_now_and_future),
		T(test_stop),
		T(test_add_validation),
		T(test_due_overdue_first),
	};
	return cmocka_run_group_tests_name("schedule", tests, NULL, NULL);
}
