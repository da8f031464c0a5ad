/*
 * demo_meds_test.c - the demo cohort's medication data (src/domain/demo_meds.c
 * via demo_load): what `make run` loads holds together the way the dosing,
 * take-home and monitoring code reads it.
 */
#include "unit.h"
#include "domain/audit.h"
#include "domain/demo.h"
#include "domain/dosing.h"
#include "domain/monitoring.h"
#include "domain/order.h"
#include "domain/takehome.h"

#include <string.h>

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

struct sample {
	int64_t order_id;
	char on[DATE_LEN];
	char status[12];
	double amount;
	int has_amount;
};

static void read_sample(struct stmt *st, void *row)
{
	struct sample *s = row;
	s->order_id = db_col_int(st, 0);
	snprintf(s->on, sizeof s->on, "%s", db_col_text(st, 1));
	snprintf(s->status, sizeof s->status, "%s", db_col_text(st, 2));
	s->has_amount = !db_col_null(st, 3);
	s->amount = s->has_amount ? strtod(db_col_text(st, 3), NULL) : 0;
}

/* The cohort `make run` loads (240 patients, seed 1). */
static void test_demo_medications(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct demo_summary sum;
	memset(&sum, 0, sizeof sum);
	tdm_err_clear(&err);
	assert_ok(demo_load(t->db, &t->sys, 240, 1, &sum, &err), &err);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM med_order"), sum.med_orders);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM med_admin"), sum.med_administrations);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM takehome_dispense"), sum.takehome_dispenses);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM result"), sum.results);
	assert_true(sum.med_administrations > 10000);

	/* What the issue asks the demo to show. */
	static const char *const meds[] = {"methadone", "buprenorphine", "naltrexone", "acamprosate",
					   "disulfiram", "lithium", "sertraline", "escitalopram", "quetiapine"};
	for (size_t i = 0; i < sizeof meds / sizeof meds[0]; i++) {
		struct stmt *st = db_prepare(t->db, "SELECT COUNT(*) FROM med_order WHERE medication = ?", &err);
		int64_t n = 0;
		int found;
		assert_non_null(st);
		db_bind_text(st, 1, meds[i]);
		assert_ok(db_query_int(st, &n, &found, &err), &err);
		if (n == 0)
			fail_msg("no %s order in the demo cohort", meds[i]);
	}
	assert_true(count(t, "SELECT COUNT(*) FROM med_titration") > 0);
	assert_true(count(t, "SELECT COUNT(*) FROM med_order_event WHERE kind = 'discontinue'") > 0);
	assert_true(count(t, "SELECT COUNT(*) FROM med_order_event WHERE kind = 'hold'") > 0);
	assert_true(count(t, "SELECT COUNT(*) FROM med_admin WHERE status = 'missed'") > 0);
	assert_true(count(t, "SELECT COUNT(*) FROM takehome_return WHERE condition = 'missing'") > 0);
	assert_true(count(t, "SELECT COUNT(*) FROM diversion") > 0);
	assert_true(count(t, "SELECT COUNT(*) FROM result WHERE kind = 'uds' AND expected = 1") > 0);
	assert_true(count(t, "SELECT COUNT(*) FROM result WHERE kind = 'ecg' AND value >= 455") > 0);
	assert_true(count(t, "SELECT COUNT(*) FROM result WHERE kind = 'lab' AND code = 'lithium'") > 0);
	/* Years of daily methadone for some. */
	assert_true(count(t, "SELECT COUNT(*) FROM med_order o WHERE medication = 'methadone' AND (SELECT COUNT(*)"
			     " FROM med_admin a WHERE a.order_id = o.id) > 730") > 0);

	/* Rows that hold together. */
	assert_int_equal(count(t, "SELECT COUNT(*) FROM med_admin WHERE status = 'take_home' AND dispense_id IS NULL"), 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM takehome_dispense d LEFT JOIN (SELECT dispense_id, COUNT(*) AS n"
				  " FROM med_admin WHERE dispense_id IS NOT NULL GROUP BY dispense_id) a"
				  " ON a.dispense_id = d.id WHERE COALESCE(a.n, 0) <> d.days"), 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM med_admin a JOIN med_order o ON o.id = a.order_id"
				  " WHERE a.dose_on < o.start_on OR (o.stop_on IS NOT NULL AND a.dose_on > o.stop_on)"), 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM med_admin a JOIN med_order_event e ON e.order_id = a.order_id"
				  " WHERE e.kind = 'discontinue' AND a.dose_on >= e.effective_on"), 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM med_order o WHERE (SELECT e.kind FROM med_order_event e"
				  " WHERE e.order_id = o.id ORDER BY e.id LIMIT 1) <> 'start'"), 0);
	/* Take-homes within the decision and the time-in-treatment ceiling. */
	assert_int_equal(count(t, "SELECT COUNT(*) FROM takehome_decision WHERE approved_days > max_days"), 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM takehome_dispense d JOIN med_order o ON o.id = d.order_id"
				  " WHERE o.medication = 'methadone' AND d.closure = 0 AND (d.decision_id IS NULL OR"
				  " d.days > (SELECT k.approved_days FROM takehome_decision k WHERE k.id = d.decision_id))"),
			 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM takehome_dispense WHERE closure = 1 AND days <> 1"), 0);
	/* Never in the future (take-home doses may be for the days ahead). */
	char now[INSTANT_LEN];
	instant_now(now);
	struct stmt *st = db_prepare(t->db, "SELECT COUNT(*) FROM med_admin WHERE recorded_at > ?", &err);
	int64_t future = -1;
	int found = 0;
	assert_non_null(st);
	db_bind_text(st, 1, now);
	assert_ok(db_query_int(st, &future, &found, &err), &err);
	assert_int_equal(future, 0);
	/* One audit row per patient with medications; the chain holds. */
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE action = 'demo.medications'"),
			 count(t, "SELECT COUNT(DISTINCT patient_id) FROM med_order"));
	struct audit_report rep;
	assert_ok(audit_verify(t->db, &rep, &err), &err);
	assert_int_equal(rep.bad_seq, 0);

	/* Every dose (a sample) is active on its day and not above the ordered dose. */
	struct sample *rows = NULL;
	int n = 0;
	assert_ok(db_begin(t->db, DB_READ, &err), &err);
	st = db_prepare(t->db, "SELECT order_id, dose_on, status, amount FROM med_admin WHERE id % 11 = 0", &err);
	assert_non_null(st);
	assert_ok(db_collect(st, sizeof *rows, 100000, read_sample, (void **)&rows, &n, &err), &err);
	assert_true(n > 500);
	for (int i = 0; i < n; i++) {
		struct order o;
		assert_ok(order_load_state(t->db, rows[i].order_id, rows[i].on, &o, &err), &err);
		if (strcmp(o.status, "active"))
			fail_msg("order %lld is %s on %s (a %s dose)", (long long)o.id, o.status, rows[i].on, rows[i].status);
		if (rows[i].has_amount && rows[i].amount > o.dose + 1e-9)
			fail_msg("order %lld: %g given on %s, ordered %g", (long long)o.id, rows[i].amount, rows[i].on,
				 o.dose);
	}
	db_rollback(t->db);
	free(rows);

	/* The nurse's window today: doses due, and a missed run that needs the prescriber. */
	struct actor nurse, doc;
	struct queue q;
	tdb_user(t, "nurse.demo", "main", ROLE_NURSE, &nurse);
	tdb_user(t, "doc.demo", "main", ROLE_PRESCRIBER, &doc);
	assert_ok(dosing_queue(t->db, &nurse, t->site.id, "", &q, &err), &err);
	int reassess = 0, held = 0;
	for (int i = 0; i < q.n; i++) {
		reassess += q.items[i].needs_reassessment;
		held += !strcmp(q.items[i].o.status, "held");
	}
	assert_true(q.due > 0);
	assert_true(reassess >= 1);
	assert_true(held >= 1);
	free(q.items);

	/* The longest methadone course: past two years, the 28-day tier. */
	int64_t pid = count(t, "SELECT o.patient_id FROM med_order o WHERE o.medication = 'methadone' AND o.stop_on IS NULL"
			       " AND NOT EXISTS (SELECT 1 FROM med_order_event e WHERE e.order_id = o.id AND"
			       " e.kind = 'discontinue') ORDER BY o.start_on, o.id LIMIT 1");
	struct takehome_eligibility el;
	assert_ok(takehome_eligibility(t->db, &doc, pid, &el, &err), &err);
	assert_true(el.treatment_day > 730);
	assert_int_equal(el.max_days, 28);

	/* Monitoring: a lithium level overdue somewhere in the clinic. */
	struct monitor_item *items = NULL;
	int n_items = 0, truncated = 0, overdue = 0;
	assert_ok(monitoring_clinic(t->db, &doc, 0, &items, &n_items, &truncated, &err), &err);
	for (int i = 0; i < n_items; i++)
		overdue += !strcmp(items[i].rule->id, "lithium_level") && !strcmp(items[i].status, "overdue");
	assert_true(overdue >= 1);
	free(items);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tdb_setup, tdb_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_demo_medications),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
