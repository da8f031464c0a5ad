/* Tests for src/domain/order.c: validation, the rules' block and the
 * prescriber's override, state derived from events (changes, holds,
 * discontinuation, stop dates, future starts), titration plans with pause
 * and resume, and the frequency schedule. */
#include "unit.h"

#include "domain/order.h"

static struct tdm_err err;

static void input(struct order_input *in, const char *med, double dose, const char *unit, const char *route,
		  const char *freq)
{
	memset(in, 0, sizeof *in);
	snprintf(in->medication, sizeof in->medication, "%s", med);
	in->dose = dose;
	snprintf(in->unit, sizeof in->unit, "%s", unit);
	snprintf(in->route, sizeof in->route, "%s", route);
	snprintf(in->frequency, sizeof in->frequency, "%s", freq);
}

struct fx {
	struct tdb *t;
	struct actor doc, nurse_admin;
	int64_t pid;
};

static struct fx setup_fx(void **state)
{
	struct fx f;
	f.t = *state;
	tdb_user(f.t, "doc", "main", ROLE_PRESCRIBER, &f.doc);
	tdb_user(f.t, "boss", "main", ROLE_ADMIN | ROLE_NURSE, &f.nurse_admin);
	f.pid = tdb_patient(f.t, "Order", "Olive", "1980-02-03", NULL);
	return f;
}

static void test_validation(void **state)
{
	struct fx f = setup_fx(state);
	struct order_input in;
	struct order o;
	struct order_alerts al;
	static const struct {
		const char *med, *unit, *route, *freq;
		double dose;
		const char *field;
	} bad[] = {
		{"unobtainium", "mg", "oral", "daily", 10, "medication"},
		{"METHADONE", "mg", "oral", "daily", 10, "medication"},
		{"methadone", "mL", "oral", "daily", 10, "unit"},
		{"methadone", "mg", "intravenous", "daily", 10, "route"},
		{"methadone", "mg", "oral", "hourly", 10, "frequency"},
		{"methadone", "mg", "oral", "daily", 0, "dose"},
		{"methadone", "mg", "oral", "daily", -1, "dose"},
		{"methadone", "mg", "oral", "daily", 1e9, "dose"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		input(&in, bad[i].med, bad[i].dose, bad[i].unit, bad[i].route, bad[i].freq);
		assert_status(TDM_EINVAL, order_create(f.t->db, &f.doc, f.pid, &in, &o, &al, &err), &err);
		assert_string_equal(err.field, bad[i].field);
	}
	input(&in, "methadone", 20, "mg", "oral", "daily");
	unit_day(-4, in.start_on);
	assert_status(TDM_EINVAL, order_create(f.t->db, &f.doc, f.pid, &in, &o, &al, &err), &err);
	assert_string_equal(err.field, "start_on");
	unit_day(0, in.start_on);
	unit_day(-1, in.stop_on);
	assert_status(TDM_EINVAL, order_create(f.t->db, &f.doc, f.pid, &in, &o, &al, &err), &err);
	assert_string_equal(err.field, "stop_on");
	in.stop_on[0] = '\0';
	in.indication_id = 424242;
	assert_status(TDM_EINVAL, order_create(f.t->db, &f.doc, f.pid, &in, &o, &al, &err), &err);
	assert_string_equal(err.field, "indication_id");
	struct order *rows = NULL;
	int n = -1;
	assert_ok(order_list(f.t->db, &f.doc, f.pid, 1, &rows, &n, &err), &err);
	assert_int_equal(n, 0);
	free(rows);
}

static void test_block_and_override(void **state)
{
	struct fx f = setup_fx(state);
	struct order_input in;
	struct order o;
	struct order_alerts al;
	input(&in, "methadone", 60, "mg", "oral", "daily");
	assert_status(TDM_ECONFLICT, order_create(f.t->db, &f.doc, f.pid, &in, &o, &al, &err), &err);
	int blocks = 0;
	for (int i = 0; i < al.n; i++)
		blocks += al.a[i].severity == RULE_BLOCK && !strcmp(al.a[i].rule, "methadone_first_day_limit");
	assert_int_equal(blocks, 1);
	/* Only a prescriber may override. */
	snprintf(in.override_reason, sizeof in.override_reason, "transfer from another OTP at 60 mg, verified");
	assert_status(TDM_ECONFLICT, order_create(f.t->db, &f.nurse_admin, f.pid, &in, &o, &al, &err), &err);
	assert_ok(order_create(f.t->db, &f.doc, f.pid, &in, &o, &al, &err), &err);
	assert_string_equal(o.status, "active");
	assert_true(o.dose == 60);
	int kept = 0;
	for (int i = 0; i < al.n; i++)
		kept += al.overridden[i];
	assert_int_equal(kept, 1);
	struct order_detail d;
	assert_ok(order_get(f.t->db, &f.doc, o.id, &d, &err), &err);
	int found = 0;
	for (int i = 0; i < d.n_alerts; i++)
		found += !strcmp(d.alerts[i].a.rule, "methadone_first_day_limit") &&
			 !strcmp(d.alerts[i].override_reason, in.override_reason);
	assert_int_equal(found, 1);
	assert_int_equal(d.n_events, 1);
	assert_string_equal(d.events[0].kind, "start");
	order_detail_free(&d);
	/* A second active methadone order is a duplicate. */
	input(&in, "methadone", 10, "mg", "oral", "daily");
	assert_status(TDM_ECONFLICT, order_create(f.t->db, &f.doc, f.pid, &in, &o, &al, &err), &err);
}

static void test_events_derive_state(void **state)
{
	struct fx f = setup_fx(state);
	struct order_input in;
	struct order o, now;
	struct order_alerts al;
	input(&in, "sertraline", 50, "mg", "oral", "daily");
	assert_ok(order_create(f.t->db, &f.doc, f.pid, &in, &o, &al, &err), &err);
	char tomorrow[DATE_LEN], today[DATE_LEN];
	unit_day(1, tomorrow);
	unit_day(0, today);
	/* A change from tomorrow leaves today's dose. */
	assert_ok(order_event_add(f.t->db, &f.doc, o.id, "change", 100, 1, tomorrow, "partial response", "", &now,
				  &al, &err), &err);
	assert_true(now.dose == 50);
	assert_ok(db_begin(f.t->db, DB_READ, &err), &err);
	assert_ok(order_load_state(f.t->db, o.id, tomorrow, &now, &err), &err);
	db_rollback(f.t->db);
	assert_true(now.dose == 100);
	assert_status(TDM_ECONFLICT, order_event_add(f.t->db, &f.doc, o.id, "resume", 0, 0, "", "x", "", &now, &al, &err),
		      &err);
	assert_ok(order_event_add(f.t->db, &f.doc, o.id, "hold", 0, 0, "", "nausea", "", &now, &al, &err), &err);
	assert_string_equal(now.status, "held");
	assert_status(TDM_ECONFLICT, order_event_add(f.t->db, &f.doc, o.id, "hold", 0, 0, "", "x", "", &now, &al, &err),
		      &err);
	assert_ok(order_event_add(f.t->db, &f.doc, o.id, "resume", 0, 0, "", "better", "", &now, &al, &err), &err);
	assert_string_equal(now.status, "active");
	assert_status(TDM_EINVAL, order_event_add(f.t->db, &f.doc, o.id, "change", 0, 0, "", "x", "", &now, &al, &err),
		      &err);
	assert_status(TDM_EINVAL, order_event_add(f.t->db, &f.doc, o.id, "hold", 5, 1, "", "x", "", &now, &al, &err),
		      &err);
	assert_status(TDM_EINVAL, order_event_add(f.t->db, &f.doc, o.id, "change", 75, 1, "", "", "", &now, &al, &err),
		      &err);
	assert_ok(order_event_add(f.t->db, &f.doc, o.id, "discontinue", 0, 0, "", "switched", "", &now, &al, &err),
		  &err);
	assert_string_equal(now.status, "discontinued");
	assert_status(TDM_ECONFLICT,
		      order_event_add(f.t->db, &f.doc, o.id, "change", 75, 1, "", "x", "", &now, &al, &err), &err);
	/* Future start: pending; a stop date in the past: ended. */
	input(&in, "escitalopram", 10, "mg", "oral", "daily");
	snprintf(in.start_on, sizeof in.start_on, "%s", tomorrow);
	assert_ok(order_create(f.t->db, &f.doc, f.pid, &in, &o, &al, &err), &err);
	assert_string_equal(o.status, "pending");
	input(&in, "trazodone", 50, "mg", "oral", "daily");
	unit_day(-2, in.start_on);
	unit_day(-1, in.stop_on);
	assert_ok(order_create(f.t->db, &f.doc, f.pid, &in, &o, &al, &err), &err);
	assert_string_equal(o.status, "ended");
	struct order *rows = NULL;
	int n = 0;
	assert_ok(order_list(f.t->db, &f.doc, f.pid, 0, &rows, &n, &err), &err);
	assert_int_equal(n, 1); /* the pending escitalopram */
	free(rows);
	assert_ok(order_list(f.t->db, &f.doc, f.pid, 1, &rows, &n, &err), &err);
	assert_int_equal(n, 3);
	free(rows);
	(void)today;
}

static void test_titration(void **state)
{
	struct fx f = setup_fx(state);
	struct order_input in;
	struct order o, now;
	struct order_alerts al;
	struct order_detail d;
	input(&in, "sertraline", 50, "mg", "oral", "daily");
	assert_ok(order_create(f.t->db, &f.doc, f.pid, &in, &o, &al, &err), &err);
	struct titration_input ti;
	memset(&ti, 0, sizeof ti);
	ti.step = 25;
	ti.every_days = 7;
	ti.target = 110; /* the last step stops at the target */
	assert_ok(order_titrate(f.t->db, &f.doc, o.id, &ti, &d, &al, &err), &err);
	assert_int_equal(d.n_titrations, 1);
	assert_int_equal(d.titrations[0].n_steps, 3);
	char on[DATE_LEN];
	unit_day(7, on);
	assert_string_equal(d.titrations[0].steps[0].on, on);
	assert_true(d.titrations[0].steps[0].dose == 75);
	assert_true(d.titrations[0].steps[2].dose == 110);
	assert_true(d.o.titrating);
	order_detail_free(&d);
	/* The dose on day 14 follows the plan. */
	unit_day(14, on);
	assert_ok(db_begin(f.t->db, DB_READ, &err), &err);
	assert_ok(order_load_state(f.t->db, o.id, on, &now, &err), &err);
	db_rollback(f.t->db);
	assert_true(now.dose == 100);
	/* A second plan while one runs is refused; a wrong direction too. */
	assert_status(TDM_ECONFLICT, order_titrate(f.t->db, &f.doc, o.id, &ti, &d, &al, &err), &err);
	assert_ok(order_titration_pause(f.t->db, &f.doc, o.id, 1, "dizzy", &d, &err), &err);
	assert_false(d.o.titrating);
	for (int i = 0; i < d.titrations[0].n_steps; i++)
		assert_false(d.titrations[0].steps[i].applies);
	order_detail_free(&d);
	assert_ok(db_begin(f.t->db, DB_READ, &err), &err);
	assert_ok(order_load_state(f.t->db, o.id, on, &now, &err), &err);
	db_rollback(f.t->db);
	assert_true(now.dose == 50);
	assert_ok(order_titration_pause(f.t->db, &f.doc, o.id, 0, "better", &d, &err), &err);
	assert_true(d.o.titrating);
	unit_day(1, on);
	assert_string_equal(d.o.next_on, on);
	assert_true(d.o.next_dose == 75);
	order_detail_free(&d);
	/* A manual change pauses the running plan. */
	assert_ok(order_event_add(f.t->db, &f.doc, o.id, "change", 60, 1, "", "by hand", "", &now, &al, &err), &err);
	assert_false(now.titrating);
	assert_true(now.dose == 60);
	ti.step = 10;
	ti.target = 40;
	assert_status(TDM_EINVAL, order_titrate(f.t->db, &f.doc, o.id, &ti, &d, &al, &err), &err);
	assert_string_equal(err.field, "target");
	/* Explicit steps: day 1 and day 2. */
	memset(&ti, 0, sizeof ti);
	ti.n_steps = 2;
	ti.steps[0].day = 1;
	ti.steps[0].dose = 70;
	ti.steps[1].day = 2;
	ti.steps[1].dose = 80;
	assert_ok(order_titrate(f.t->db, &f.doc, o.id, &ti, &d, &al, &err), &err);
	assert_true(d.o.dose == 70); /* day 1 is today */
	order_detail_free(&d);
}

static void test_schedule(void **state)
{
	(void)state;
	struct order o;
	memset(&o, 0, sizeof o);
	snprintf(o.start_on, sizeof o.start_on, "2026-11-02");
	snprintf(o.frequency, sizeof o.frequency, "weekly");
	assert_int_equal(order_freq_per_day("weekly"), 1);
	assert_int_equal(order_freq_per_day("bid"), 2);
	assert_int_equal(order_freq_per_day("prn"), 0);
	assert_int_equal(order_freq_per_day("hourly"), -1);
	assert_true(order_scheduled_on(&o, "2026-11-02"));
	assert_false(order_scheduled_on(&o, "2026-11-03"));
	assert_true(order_scheduled_on(&o, "2026-11-09"));
	assert_false(order_scheduled_on(&o, "2026-11-01"));
	snprintf(o.stop_on, sizeof o.stop_on, "2026-11-08");
	assert_false(order_scheduled_on(&o, "2026-11-09"));
	snprintf(o.frequency, sizeof o.frequency, "once");
	o.stop_on[0] = '\0';
	assert_true(order_scheduled_on(&o, "2026-11-02"));
	assert_false(order_scheduled_on(&o, "2026-11-03"));
	snprintf(o.frequency, sizeof o.frequency, "prn");
	assert_false(order_scheduled_on(&o, "2026-11-02"));
	assert_int_equal(order_missed_limit("methadone"), 3);
	assert_int_equal(order_missed_limit("sertraline"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_validation, tdb_setup, tdb_teardown),
		cmocka_unit_test_setup_teardown(test_block_and_override, tdb_setup, tdb_teardown),
		cmocka_unit_test_setup_teardown(test_events_derive_state, tdb_setup, tdb_teardown),
		cmocka_unit_test_setup_teardown(test_titration, tdb_setup, tdb_teardown),
		cmocka_unit_test_setup_teardown(test_schedule, tdb_setup, tdb_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
