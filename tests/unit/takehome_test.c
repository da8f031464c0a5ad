/* Tests for src/domain/takehome.c: the time-in-treatment tiers and their
 * edges, the course start, the dispense check (ceiling, decision, closure
 * doses, the days 1-14 running total, the supply held), decisions, the six
 * factors' evidence, returns and outstanding bottles. Orders, dispenses and
 * administrations are inserted directly (domain/order.c and admin.c write
 * them in the product). */
#include "unit.h"

#include "domain/result.h"
#include "domain/takehome.h"

#include <time.h>

static struct tdm_err err;

static void day(int n, char out[DATE_LEN])
{
	unit_day(n, out);
}

static int64_t run_id(struct tdb *t, struct stmt *st)
{
	int64_t id = 0;
	if (!st)
		fail_msg("prepare: %s", err.msg);
	if (db_insert_id(st, &id, &err) != TDM_OK)
		fail_msg("insert: %s", err.msg);
	(void)t;
	return id;
}

/* An order of med starting today + start_in days, with its start event. */
static int64_t order(struct tdb *t, int64_t pid, const char *med, int start_in)
{
	char on[DATE_LEN];
	day(start_in, on);
	struct stmt *st = db_prepare(t->db,
		"INSERT INTO med_order(patient_id, site_id, medication, unit, route, frequency, start_on,"
		" created_at, created_by) VALUES (?, ?, ?, 'mg', 'oral', 'daily', ?, '2026-01-01T00:00:00Z',"
		" 'test') RETURNING id", &err);
	db_bind_int(st, 1, pid);
	db_bind_int(st, 2, t->site.id);
	db_bind_text(st, 3, med);
	db_bind_text(st, 4, on);
	int64_t id = run_id(t, st);
	st = db_prepare(t->db, "INSERT INTO med_order_event(order_id, kind, dose, effective_on, recorded_at,"
			" recorded_by) VALUES (?, 'start', 30, ?, '2026-01-01T00:00:00Z', 'test') RETURNING id", &err);
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, on);
	run_id(t, st);
	return id;
}

static void event(struct tdb *t, int64_t order_id, const char *kind, int on_in)
{
	char on[DATE_LEN];
	day(on_in, on);
	struct stmt *st = db_prepare(t->db, "INSERT INTO med_order_event(order_id, kind, effective_on, reason,"
				     " recorded_at, recorded_by) VALUES (?, ?, ?, 'test', '2026-01-01T00:00:00Z', 'test')"
				     " RETURNING id", &err);
	db_bind_int(st, 1, order_id);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, on);
	run_id(t, st);
}

static int64_t admin_row(struct tdb *t, int64_t order_id, int64_t pid, int on_in, const char *status,
			 int64_t dispense_id)
{
	char on[DATE_LEN];
	day(on_in, on);
	struct stmt *st = db_prepare(t->db,
		"INSERT INTO med_admin(order_id, patient_id, site_id, dose_on, slot, attempt, status, amount,"
		" unit, dispense_id, user_id, recorded_at, recorded_by) VALUES (?, ?, ?, ?, 1, 1, ?, 30, 'mg', ?, 1,"
		" '2026-01-01T00:00:00Z', 'test') RETURNING id", &err);
	db_bind_int(st, 1, order_id);
	db_bind_int(st, 2, pid);
	db_bind_int(st, 3, t->site.id);
	db_bind_text(st, 4, on);
	db_bind_text(st, 5, status);
	if (dispense_id)
		db_bind_int(st, 6, dispense_id);
	else
		db_bind_null(st, 6);
	return run_id(t, st);
}

/* A dispense of `days` doses from today + first_in, with its take_home
 * administrations, as domain/admin.c records it. */
static int64_t dispense(struct tdb *t, int64_t order_id, int64_t pid, int first_in, int days, int closure)
{
	char on[DATE_LEN];
	day(first_in, on);
	struct stmt *st = db_prepare(t->db,
		"INSERT INTO takehome_dispense(order_id, patient_id, site_id, first_on, days, bottles, amount,"
		" closure, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, 30, ?, '2026-01-01T00:00:00Z', 'test')"
		" RETURNING id", &err);
	db_bind_int(st, 1, order_id);
	db_bind_int(st, 2, pid);
	db_bind_int(st, 3, t->site.id);
	db_bind_text(st, 4, on);
	db_bind_int(st, 5, days);
	db_bind_int(st, 6, days);
	db_bind_int(st, 7, closure);
	int64_t id = run_id(t, st);
	for (int i = 0; i < days; i++)
		admin_row(t, order_id, pid, first_in + i, "take_home", id);
	return id;
}

static void void_admins_of(struct tdb *t, int64_t dispense_id)
{
	struct stmt *st = db_prepare(t->db, "INSERT INTO med_admin_void(admin_id, reason, recorded_at, recorded_by)"
				     " SELECT id, 'error', '2026-01-01T00:00:00Z', 'test' FROM med_admin"
				     " WHERE dispense_id = ?", &err);
	db_bind_int(st, 1, dispense_id);
	if (db_run(st, &err) != TDM_OK)
		fail_msg("void: %s", err.msg);
}

/* Runs the dispense check in a write transaction, rolled back. */
static enum tdm_status check(struct tdb *t, int64_t pid, const char *med, int first_in, int days, int closure,
			     int64_t *decision_id)
{
	char on[DATE_LEN];
	int64_t ignore;
	day(first_in, on);
	tdm_err_clear(&err);
	if (db_begin(t->db, DB_WRITE, &err) != TDM_OK)
		fail_msg("begin: %s", err.msg);
	enum tdm_status rc = takehome_check_dispense(t->db, pid, med, on, days, closure,
						     decision_id ? decision_id : &ignore, &err);
	db_rollback(t->db);
	return rc;
}

static struct actor doc;

static int64_t decide(struct tdb *t, int64_t pid, int days)
{
	struct takehome_decision d;
	tdm_err_clear(&err);
	assert_ok(takehome_decide(t->db, &doc, pid, days, "stable, storage reviewed", NULL, &d, &err), &err);
	return d.id;
}

/* A patient on methadone since today + start_in (day 1 = that day). */
static int64_t on_methadone(struct tdb *t, int start_in, int64_t *order_id)
{
	int64_t pid = tdb_patient(t, "Okafor", "Chidi", "1979-03-02", NULL);
	int64_t oid = order(t, pid, "methadone", start_in);
	if (order_id)
		*order_id = oid;
	if (!doc.user_id)
		tdb_user(t, "doc", "main", ROLE_PRESCRIBER, &doc);
	return pid;
}

static void eligibility(struct tdb *t, int64_t pid, struct takehome_eligibility *e)
{
	tdm_err_clear(&err);
	assert_ok(takehome_eligibility(t->db, &t->sys, pid, e, &err), &err);
}

static int setup(void **state)
{
	memset(&doc, 0, sizeof doc);
	return tdb_setup(state);
}

/* ---- tiers ---- */

static void test_tier_edges(void **state)
{
	(void)state;
	assert_null(takehome_tier_for(0));
	assert_int_equal(takehome_tier_for(1)->max_days, 7);
	assert_int_equal(takehome_tier_for(14)->max_days, 7);
	assert_int_equal(takehome_tier_for(15)->max_days, 14);
	assert_int_equal(takehome_tier_for(20)->max_days, 14);
	assert_int_equal(takehome_tier_for(30)->max_days, 14);
	assert_int_equal(takehome_tier_for(31)->max_days, 28);
	assert_int_equal(takehome_tier_for(400)->max_days, 28);
	assert_non_null(strstr(takehome_tier_for(20)->source, "8.12(i)(3)(ii)"));
	assert_true(takehome_has_ceiling("methadone"));
	assert_false(takehome_has_ceiling("buprenorphine"));
	assert_false(takehome_has_ceiling(NULL));
}

static void test_treatment_day_edges(void **state)
{
	struct tdb *t = *state;
	struct takehome_eligibility e;
	static const struct {
		int day, max;
	} cases[] = {{1, 7}, {14, 7}, {15, 14}, {20, 14}, {30, 14}, {31, 28}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t pid = on_methadone(t, 1 - cases[i].day, NULL);
		eligibility(t, pid, &e);
		assert_int_equal(e.treatment_day, cases[i].day);
		assert_int_equal(e.max_days, cases[i].max);
		assert_int_equal(e.tier.max_days, cases[i].max);
		assert_int_equal(e.ceiling, 0); /* no decision yet */
		assert_string_equal(e.medication, "methadone");
	}
	/* Not yet started, and no order at all: no course, no take-homes. */
	int64_t pid = on_methadone(t, 2, NULL);
	eligibility(t, pid, &e);
	assert_int_equal(e.treatment_day, 0);
	assert_int_equal(e.max_days, 0);
	assert_string_equal(e.treatment_start, "");
	assert_int_equal(tdb_audit_count(t, "takehome.eligibility"), 7);
}

static void test_course_gap(void **state)
{
	struct tdb *t = *state;
	struct takehome_eligibility e;
	char start[DATE_LEN];
	/* Stopped 80 days ago, back 19 days ago: a new course, day 20. */
	int64_t o1, pid = on_methadone(t, -100, &o1);
	event(t, o1, "discontinue", -80);
	order(t, pid, "methadone", -19);
	eligibility(t, pid, &e);
	assert_int_equal(e.treatment_day, 20);
	assert_int_equal(e.max_days, 14);
	/* A break of 21 days (<= course_gap_days 30) continues the course. */
	int64_t o2, pid2 = on_methadone(t, -60, &o2);
	event(t, o2, "discontinue", -40);
	order(t, pid2, "methadone", -19);
	eligibility(t, pid2, &e);
	assert_int_equal(e.treatment_day, 61);
	day(-60, start);
	assert_string_equal(e.treatment_start, start);
	assert_int_equal(e.max_days, 28);
	/* Discontinued more than 30 days ago and nothing since: no course. */
	int64_t o3, pid3 = on_methadone(t, -90, &o3);
	event(t, o3, "discontinue", -35);
	eligibility(t, pid3, &e);
	assert_int_equal(e.treatment_day, 0);
	assert_int_equal(e.max_days, 0);
}

/* ---- decisions ---- */

static void test_decision_bounds_and_role(void **state)
{
	struct tdb *t = *state;
	struct takehome_decision d;
	struct takehome_eligibility e;
	int64_t pid = on_methadone(t, -19, NULL); /* day 20 */
	tdm_err_clear(&err);
	assert_status(TDM_EINVAL, takehome_decide(t->db, &doc, pid, 15, "too many", NULL, &d, &err), &err);
	assert_string_equal(err.field, "approved_days");
	assert_non_null(strstr(err.msg, "14"));
	assert_non_null(strstr(err.msg, "8.12(i)(3)(ii)"));
	assert_status(TDM_EINVAL, takehome_decide(t->db, &doc, pid, -1, "x", NULL, &d, &err), &err);
	assert_status(TDM_EINVAL, takehome_decide(t->db, &doc, pid, 5, "", NULL, &d, &err), &err);
	assert_string_equal(err.field, "reason");
	struct actor nurse;
	tdb_user(t, "nurse1", "main", ROLE_NURSE, &nurse);
	assert_status(TDM_EFORBIDDEN, takehome_decide(t->db, &nurse, pid, 5, "x", NULL, &d, &err), &err);
	/* The refusals that reached the record are audited (over the ceiling, not a prescriber). */
	assert_int_equal(tdb_audit_count(t, "takehome.decide"), 2);

	assert_ok(takehome_decide(t->db, &doc, pid, 14, "all six factors reviewed",
				  "{\"storage\":{\"concern\":false,\"note\":\"lock box\"}}", &d, &err), &err);
	assert_int_equal(d.approved_days, 14);
	assert_int_equal(d.max_days, 14);
	assert_int_equal(d.treatment_day, 20);
	assert_string_equal(d.decided_by, "doc");
	assert_non_null(strstr(d.factors, "lock box"));
	eligibility(t, pid, &e);
	assert_true(e.has_decision);
	assert_int_equal(e.decision.id, d.id);
	assert_int_equal(e.ceiling, 14);
	/* A later, lower decision lowers the ceiling. */
	decide(t, pid, 3);
	eligibility(t, pid, &e);
	assert_int_equal(e.ceiling, 3);
}

/* ---- the dispense check ---- */

static void test_dispense_needs_decision(void **state)
{
	struct tdb *t = *state;
	int64_t pid = on_methadone(t, -19, NULL), dec = -1;
	assert_status(TDM_ECONFLICT, check(t, pid, "methadone", 1, 1, 0, &dec), &err);
	assert_non_null(strstr(err.msg, "decision"));
	assert_int_equal(dec, 0);
	/* A decision of 0 days allows none. */
	decide(t, pid, 0);
	assert_status(TDM_ECONFLICT, check(t, pid, "methadone", 1, 1, 0, NULL), &err);
}

static void test_dispense_ceiling(void **state)
{
	struct tdb *t = *state;
	int64_t dec = 0, pid = on_methadone(t, -19, NULL); /* day 20: up to 14 */
	int64_t id = decide(t, pid, 10);
	assert_ok(check(t, pid, "methadone", 1, 10, 0, &dec), &err);
	assert_int_equal(dec, id);
	assert_status(TDM_ECONFLICT, check(t, pid, "methadone", 1, 11, 0, NULL), &err);
	assert_non_null(strstr(err.msg, "ceiling of 10"));
	decide(t, pid, 14);
	assert_ok(check(t, pid, "methadone", 1, 14, 0, NULL), &err);
	assert_status(TDM_ECONFLICT, check(t, pid, "methadone", 1, 15, 0, NULL), &err);
	assert_non_null(strstr(err.msg, "treatment day 20 allows up to 14"));
	/* Day 31: up to 28 with a decision of 28. */
	int64_t p31 = on_methadone(t, -30, NULL);
	decide(t, p31, 28);
	assert_ok(check(t, p31, "methadone", 1, 28, 0, NULL), &err);
	assert_status(TDM_ECONFLICT, check(t, p31, "methadone", 1, 29, 0, NULL), &err);
	/* No course: refused whatever the decision table says. */
	int64_t none = tdb_patient(t, "Nobody", "Ann", "1990-01-01", NULL);
	assert_status(TDM_ECONFLICT, check(t, none, "methadone", 1, 1, 0, NULL), &err);
	assert_status(TDM_EINVAL, check(t, pid, "methadone", 1, 0, 0, NULL), &err);
	assert_string_equal(err.field, "days");
}

static int next_closed(int from, int want)
{
	char d[DATE_LEN];
	for (int i = from; i < from + 14; i++) {
		day(i, d);
		if (takehome_closed_on(d) == want)
			return i;
	}
	fail_msg("no %s day in two weeks", want ? "closed" : "open");
	return 0;
}

static void test_closure_dose(void **state)
{
	struct tdb *t = *state;
	int64_t dec = -1, pid = on_methadone(t, 0, NULL); /* day 1, no decision */
	int closed = next_closed(1, 1), open = next_closed(1, 0);
	assert_ok(check(t, pid, "methadone", closed, 1, 1, &dec), &err);
	assert_int_equal(dec, 0);
	assert_status(TDM_ECONFLICT, check(t, pid, "methadone", open, 1, 1, NULL), &err);
	assert_non_null(strstr(err.msg, "open"));
	assert_status(TDM_EINVAL, check(t, pid, "methadone", closed, 2, 1, NULL), &err);
	assert_string_equal(err.field, "days");
	/* Any patient, any day in treatment. */
	int64_t none = tdb_patient(t, "Nobody", "Ann", "1990-01-01", NULL);
	assert_ok(check(t, none, "methadone", closed, 1, 1, NULL), &err);
	/* The calendar: Sundays and the dated holidays of data/takehome.conf. */
	assert_true(takehome_closed_on("2026-11-29")); /* a Sunday */
	assert_false(takehome_closed_on("2026-11-30"));
	assert_true(takehome_closed_on("2026-12-25"));
	assert_false(takehome_closed_on("2026-12-26"));
	assert_false(takehome_closed_on("not a day"));
}

static void test_first_14_days_running_total(void **state)
{
	struct tdb *t = *state;
	int64_t oid, pid = on_methadone(t, -9, &oid); /* day 10 */
	decide(t, pid, 7);
	/* 5 take-home days already given on days 2-6 (all in the past). */
	dispense(t, oid, pid, -8, 5, 0);
	assert_ok(check(t, pid, "methadone", 1, 2, 0, NULL), &err);          /* 7 in total */
	assert_status(TDM_ECONFLICT, check(t, pid, "methadone", 1, 3, 0, NULL), &err); /* 8 */
	assert_non_null(strstr(err.msg, "at most 7"));
	/* Days after day 14 do not count toward it: days 15-17. */
	assert_ok(check(t, pid, "methadone", 5, 3, 0, NULL), &err);
	/* Closure-day doses are not counted. */
	dispense(t, oid, pid, -3, 1, 1);
	assert_ok(check(t, pid, "methadone", 1, 2, 0, NULL), &err);
	/* A dispense whose administrations were all voided does not count. */
	int64_t extra = dispense(t, oid, pid, -2, 1, 0);
	assert_status(TDM_ECONFLICT, check(t, pid, "methadone", 1, 2, 0, NULL), &err);
	void_admins_of(t, extra);
	assert_ok(check(t, pid, "methadone", 1, 2, 0, NULL), &err);
	struct takehome_eligibility e;
	eligibility(t, pid, &e);
	assert_int_equal(e.early_limit, 7);
	assert_int_equal(e.early_days, 14);
	assert_int_equal(e.early_used, 5);
}

static void test_supply_held_at_once(void **state)
{
	struct tdb *t = *state;
	int64_t oid, pid = on_methadone(t, -39, &oid); /* day 40 */
	decide(t, pid, 14);
	dispense(t, oid, pid, 1, 10, 0); /* days +1..+10 already out */
	assert_ok(check(t, pid, "methadone", 11, 4, 0, NULL), &err);  /* 14 held */
	assert_status(TDM_ECONFLICT, check(t, pid, "methadone", 11, 5, 0, NULL), &err);
	assert_non_null(strstr(err.msg, "hold 15 days"));
	/* Overlapping days are counted once. */
	assert_ok(check(t, pid, "methadone", 5, 10, 0, NULL), &err);
}

static void test_no_ceiling_for_buprenorphine(void **state)
{
	struct tdb *t = *state;
	int64_t dec = -1, pid = tdb_patient(t, "Silva", "Rui", "1988-08-08", NULL);
	order(t, pid, "buprenorphine", 0);
	assert_ok(check(t, pid, "buprenorphine", 1, 28, 0, &dec), &err);
	assert_int_equal(dec, 0);
}

/* ---- the six factors ---- */

static const struct takehome_factor *factor(const struct takehome_eligibility *e, const char *id)
{
	for (int i = 0; i < TAKEHOME_N_FACTORS; i++)
		if (!strcmp(e->factors[i].id, id))
			return &e->factors[i];
	fail_msg("no factor %s", id);
	return NULL;
}

static int has_kind(const struct takehome_factor *f, const char *kind)
{
	for (int i = 0; i < f->n; i++)
		if (!strcmp(f->ev[i].kind, kind))
			return 1;
	return 0;
}

static void uds(struct tdb *t, int64_t pid, const char *substance, const char *outcome)
{
	struct result r;
	memset(&r, 0, sizeof r);
	snprintf(r.kind, sizeof r.kind, "uds");
	snprintf(r.substance, sizeof r.substance, "%s", substance);
	snprintf(r.outcome, sizeof r.outcome, "%s", outcome);
	tdm_err_clear(&err);
	assert_ok(result_add(t->db, &t->sys, pid, &r, &err), &err);
}

static void test_factors_evidence(void **state)
{
	struct tdb *t = *state;
	struct takehome_eligibility e;
	struct takehome_note note;
	int64_t oid, pid = on_methadone(t, -10, &oid); /* day 11; days 1-10 in the window */
	eligibility(t, pid, &e);
	assert_false(factor(&e, "substance_use")->concern);
	assert_true(has_kind(factor(&e, "substance_use"), "no_screens"));
	assert_true(factor(&e, "storage")->concern); /* no education recorded */
	assert_false(e.has_education);
	assert_false(factor(&e, "behaviour")->concern);
	assert_true(has_kind(factor(&e, "behaviour"), "not_recorded"));
	assert_false(factor(&e, "diversion")->concern);
	assert_true(factor(&e, "attendance")->concern); /* nothing given on 10 scheduled days */

	/* An expected positive (own medication) is not a concern; fentanyl is. */
	uds(t, pid, "methadone", "positive");
	uds(t, pid, "opioids", "negative");
	eligibility(t, pid, &e);
	assert_false(factor(&e, "substance_use")->concern);
	uds(t, pid, "fentanyl", "positive");
	eligibility(t, pid, &e);
	assert_true(factor(&e, "substance_use")->concern);
	assert_true(has_kind(factor(&e, "substance_use"), "uds_positive"));

	/* Attendance: doses given on 9 of 10 days (one missed) is 90 %. */
	for (int d = -10; d <= -1; d++)
		admin_row(t, oid, pid, d, d == -4 ? "missed" : "given", 0);
	eligibility(t, pid, &e);
	assert_false(factor(&e, "attendance")->concern);
	assert_true(has_kind(factor(&e, "attendance"), "missed"));
	assert_non_null(strstr(factor(&e, "attendance")->ev[0].text, "given on 9 of 10"));

	/* Education recorded; a documented diversion. */
	assert_ok(takehome_educate(t->db, &t->sys, pid, "lock box shown", &note, &err), &err);
	assert_status(TDM_EINVAL, takehome_educate(t->db, &t->sys, pid, "", &note, &err), &err);
	char future[DATE_LEN];
	day(1, future);
	assert_status(TDM_EINVAL, takehome_diversion_add(t->db, &t->sys, pid, future, "sold", &note, &err), &err);
	assert_string_equal(err.field, "noted_on");
	assert_ok(takehome_diversion_add(t->db, &t->sys, pid, NULL, "sold a dose", &note, &err), &err);
	eligibility(t, pid, &e);
	assert_true(e.has_education);
	assert_string_equal(e.education_by, "system:test");
	assert_false(factor(&e, "storage")->concern);
	assert_true(factor(&e, "diversion")->concern);
	assert_true(has_kind(factor(&e, "diversion"), "diversion"));
}

static void test_held_days_not_scheduled(void **state)
{
	struct tdb *t = *state;
	struct takehome_eligibility e;
	int64_t oid, pid = on_methadone(t, -10, &oid);
	/* Held from day -10 to -6 (resumed -5): 5 scheduled days, all given. */
	event(t, oid, "hold", -10);
	event(t, oid, "resume", -5);
	for (int d = -5; d <= -1; d++)
		admin_row(t, oid, pid, d, "given", 0);
	eligibility(t, pid, &e);
	assert_false(factor(&e, "attendance")->concern);
	assert_non_null(strstr(factor(&e, "attendance")->ev[0].text, "given on 5 of 5"));
}

/* ---- returns ---- */

static void test_returns_and_outstanding(void **state)
{
	struct tdb *t = *state;
	struct takehome_return r;
	struct takehome_dispense d, *rows = NULL;
	struct takehome_eligibility e;
	int n = 0;
	int64_t total = 0, oid, pid = on_methadone(t, -60, &oid);
	int64_t id = dispense(t, oid, pid, -7, 5, 0); /* due back 2 days ago */
	tdm_err_clear(&err);
	assert_ok(takehome_dispenses(t->db, &t->sys, pid, 50, 0, &rows, &n, &total, &err), &err);
	assert_int_equal(n, 1);
	assert_int_equal(total, 1);
	assert_int_equal(rows[0].outstanding, 5);
	assert_true(rows[0].overdue);
	char due[DATE_LEN];
	day(-2, due);
	assert_string_equal(rows[0].due_back_on, due);
	free(rows);
	eligibility(t, pid, &e);
	assert_true(has_kind(factor(&e, "diversion"), "bottles_out"));
	assert_false(factor(&e, "diversion")->concern);

	assert_ok(takehome_return_add(t->db, &t->sys, id, 2, "returned", NULL, &r, &d, &err), &err);
	assert_int_equal(d.returned, 2);
	assert_int_equal(d.outstanding, 3);
	assert_status(TDM_EINVAL, takehome_return_add(t->db, &t->sys, id, 4, "returned", NULL, &r, &d, &err), &err);
	assert_string_equal(err.field, "bottles");
	assert_status(TDM_EINVAL, takehome_return_add(t->db, &t->sys, id, 1, "lost", NULL, &r, &d, &err), &err);
	assert_string_equal(err.field, "condition");
	assert_ok(takehome_return_add(t->db, &t->sys, id, 1, "tampered", "seal broken", &r, &d, &err), &err);
	assert_ok(takehome_return_add(t->db, &t->sys, id, 2, "missing", NULL, &r, &d, &err), &err);
	assert_int_equal(d.missing, 2);
	assert_int_equal(d.tampered, 1);
	assert_int_equal(d.outstanding, 0);
	assert_false(d.overdue);
	assert_status(TDM_ECONFLICT, takehome_return_add(t->db, &t->sys, id, 1, "returned", NULL, &r, &d, &err),
		      &err);
	/* Missing and tampered bottles are diversion evidence. */
	eligibility(t, pid, &e);
	assert_true(factor(&e, "diversion")->concern);
	assert_true(has_kind(factor(&e, "diversion"), "bottle_returned"));
	assert_false(has_kind(factor(&e, "diversion"), "bottles_out"));
	/* Another site's nurse cannot see the dispense. */
	struct site north;
	struct actor nn;
	assert_ok(site_add(t->db, "north", "North", &north, &err), &err);
	tdb_user(t, "northnurse", "north", ROLE_NURSE, &nn);
	assert_status(TDM_ENOTFOUND, takehome_return_add(t->db, &nn, id, 1, "returned", NULL, &r, &d, &err), &err);
	assert_int_equal(tdb_audit_count(t, "takehome.return"), 6);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, tdb_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_tier_edges),
		T(test_treatment_day_edges),
		T(test_course_gap),
		T(test_decision_bounds_and_role),
		T(test_dispense_needs_decision),
		T(test_dispense_ceiling),
		T(test_closure_dose),
		T(test_first_14_days_running_total),
		T(test_supply_held_at_once),
		T(test_no_ceiling_for_buprenorphine),
		T(test_factors_evidence),
		T(test_held_days_not_scheduled),
		T(test_returns_and_outstanding),
	};
	return cmocka_run_group_tests_name("takehome", tests, NULL, NULL);
}
