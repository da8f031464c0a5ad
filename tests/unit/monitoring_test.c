/* Tests for src/domain/monitoring.c: the rules in data/monitoring.conf, the
 * schedule's edges (baseline, look-back, first follow-up, period, lead
 * days, due today, overdue), dose changes restarting the lithium level, the
 * patient view and the clinic-wide list (due and overdue only, one audit
 * row, site scope). */
#include "unit.h"

#include "domain/monitoring.h"
#include "domain/result.h"

#include <time.h>

static struct tdm_err err;

static const struct monitor_rule *rule(const char *id)
{
	for (int i = 0; i < monitoring_rule_count(); i++)
		if (!strcmp(monitoring_rule_at(i)->id, id))
			return monitoring_rule_at(i);
	fail_msg("no rule %s", id);
	return NULL;
}

/* The schedule of rule id for an order anchored today + a, last result
 * today + l (NULL: none). */
static struct monitor_item sched(const char *id, int a, const int *l)
{
	char anchor[DATE_LEN], last[DATE_LEN], today[DATE_LEN];
	struct monitor_item it;
	memset(&it, 0, sizeof it);
	unit_day(a, anchor);
	if (l)
		unit_day(*l, last);
	date_today(today);
	monitoring_schedule(rule(id), anchor, l ? last : NULL, today, &it);
	return it;
}

static void assert_due(struct monitor_item it, const char *status, const char *stage, int due_in)
{
	char due[DATE_LEN];
	unit_day(due_in, due);
	assert_string_equal(it.status, status);
	assert_string_equal(it.stage, stage);
	assert_string_equal(it.due_on, due);
}

static void test_rules_loaded(void **state)
{
	(void)state;
	assert_int_equal(monitoring_lead_days(), 14);
	const struct monitor_rule *r = rule("methadone_ecg");
	assert_string_equal(r->medication, "methadone");
	assert_string_equal(r->kind, "ecg");
	assert_true(r->baseline);
	assert_int_equal(r->first_days, 30);
	assert_int_equal(r->every_days, 365);
	assert_non_null(strstr(r->source, "Krantz"));
	assert_int_equal(rule("methadone_uds")->every_days, 45);
	assert_int_equal(rule("naltrexone_lft")->n_codes, 2);
	assert_int_equal(rule("lithium_level")->first_days, 7);
	assert_true(rule("lithium_level")->restart_on_change);
	assert_int_equal(rule("lithium_renal")->every_days, 180);
	assert_int_equal(rule("acamprosate_crcl")->every_days, 0);
	/* Every rule names its source and only lab codes results.conf knows. */
	for (int i = 0; i < monitoring_rule_count(); i++)
		assert_true(monitoring_rule_at(i)->source[0] != '\0');
}

static void test_bad_config_refused(void **state)
{
	(void)state;
	char dir[256], path[300];
	unit_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/results.conf", dir);
	FILE *f = fopen(path, "w");
	fputs("[lab]\nalt = U/L | 0 | 10\n", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/monitoring.conf", dir);
	f = fopen(path, "w");
	fputs("[lithium_tsh]\nmedication = lithium\nkind = lab\ncode = tsh\nwhat = TSH\nevery_days = 180\n"
	      "source = B.6\n", f);
	fclose(f);
	tdm_err_clear(&err);
	assert_status(TDM_EINVAL, monitoring_load(dir, &err), &err);
	assert_non_null(strstr(err.msg, "results.conf"));
	unlink(path);
	snprintf(path, sizeof path, "%s/results.conf", dir);
	unlink(path);
	rmdir(dir);
	/* Reload the shipped rules for the tests that follow. */
	assert_ok(monitoring_load("data", &err), &err);
}

static void test_schedule_baseline(void **state)
{
	(void)state;
	/* No ECG: due at the start; "due" within the 14 lead days, else ok;
	 * overdue once the start has passed. */
	assert_due(sched("methadone_ecg", 3, NULL), "due", "baseline", 3);
	assert_due(sched("methadone_ecg", 14, NULL), "due", "baseline", 14);
	assert_due(sched("methadone_ecg", 15, NULL), "ok", "baseline", 15);
	assert_due(sched("methadone_ecg", 0, NULL), "due", "baseline", 0);
	assert_due(sched("methadone_ecg", -1, NULL), "overdue", "baseline", -1);
	/* A baseline up to 30 days before the start counts; 31 does not. */
	int l = -30;
	assert_due(sched("methadone_ecg", 0, &l), "ok", "first", 30);
	l = -31;
	assert_due(sched("methadone_ecg", 0, &l), "due", "baseline", 0);
	assert_string_equal(sched("methadone_ecg", 0, &l).last_done[0] ? "shown" : "", "shown");
}

static void test_schedule_follow_ups(void **state)
{
	(void)state;
	/* Baseline done, started 20 days ago: the 30-day ECG is due in 10. */
	int l = -25;
	assert_due(sched("methadone_ecg", -20, &l), "due", "first", 10);
	/* Started 30 days ago: due today; 31: overdue by a day. */
	l = -35;
	assert_due(sched("methadone_ecg", -30, &l), "due", "first", 0);
	l = -40;
	assert_due(sched("methadone_ecg", -31, &l), "overdue", "first", -1);
	/* The follow-up done (after the start): yearly from it. */
	l = -300;
	assert_due(sched("methadone_ecg", -330, &l), "ok", "periodic", 65);
	l = -360;
	assert_due(sched("methadone_ecg", -400, &l), "due", "periodic", 5);
	l = -366;
	assert_due(sched("methadone_ecg", -400, &l), "overdue", "periodic", -1);
	/* No baseline rule: UDS 45 days after the start, then every 45. */
	assert_due(sched("methadone_uds", -40, NULL), "due", "first", 5);
	l = -10;
	assert_due(sched("methadone_uds", -100, &l), "ok", "periodic", 35);
	/* Baseline only: done means nothing more is due. */
	l = -2;
	struct monitor_item it = sched("acamprosate_crcl", 0, &l);
	assert_string_equal(it.status, "ok");
	assert_string_equal(it.stage, "done");
	assert_string_equal(it.due_on, "");
	assert_due(sched("acamprosate_crcl", -5, NULL), "overdue", "baseline", -5);
}

/* ---- database ---- */

static int64_t order(struct tdb *t, int64_t pid, const char *med, int start_in)
{
	char on[DATE_LEN];
	int64_t id = 0;
	unit_day(start_in, on);
	struct stmt *st = db_prepare(t->db,
		"INSERT INTO med_order(patient_id, site_id, medication, unit, route, frequency, start_on,"
		" created_at, created_by) SELECT id, site_id, ?, 'mg', 'oral', 'daily', ?,"
		" '2026-01-01T00:00:00Z', 'test' FROM patient WHERE id = ? RETURNING id", &err);
	db_bind_text(st, 1, med);
	db_bind_text(st, 2, on);
	db_bind_int(st, 3, pid);
	if (db_insert_id(st, &id, &err) != TDM_OK)
		fail_msg("order: %s", err.msg);
	return id;
}

static void event(struct tdb *t, int64_t order_id, const char *kind, int on_in)
{
	char on[DATE_LEN];
	unit_day(on_in, on);
	struct stmt *st = db_prepare(t->db, "INSERT INTO med_order_event(order_id, kind, dose, effective_on,"
				     " recorded_at, recorded_by) VALUES (?, ?, 600, ?, '2026-01-01T00:00:00Z', 'test')",
				     &err);
	db_bind_int(st, 1, order_id);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, on);
	if (db_run(st, &err) != TDM_OK)
		fail_msg("event: %s", err.msg);
}

/* A result taken `days_ago` days ago (noon UTC of that day is avoided:
 * now minus whole days keeps it on the same clinic-local date offset). */
static int64_t result(struct tdb *t, int64_t pid, const char *kind, const char *code, const char *value,
		      int days_ago)
{
	struct result r;
	memset(&r, 0, sizeof r);
	snprintf(r.kind, sizeof r.kind, "%s", kind);
	snprintf(r.code, sizeof r.code, "%s", code ? code : "");
	snprintf(r.value, sizeof r.value, "%s", value);
	if (!strcmp(kind, "uds")) {
		snprintf(r.substance, sizeof r.substance, "opioids");
		snprintf(r.outcome, sizeof r.outcome, "negative");
		r.value[0] = '\0';
	}
	instant_format(time(NULL) - (time_t)days_ago * 86400 - 60, r.taken_at);
	tdm_err_clear(&err);
	assert_ok(result_add(t->db, &t->sys, pid, &r, &err), &err);
	return r.id;
}

static const struct monitor_item *find(const struct monitor_item *rows, int n, const char *rule_id, int64_t oid)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(rows[i].rule->id, rule_id) && rows[i].order_id == oid)
			return &rows[i];
	return NULL;
}

static void test_patient_view(void **state)
{
	struct tdb *t = *state;
	struct monitor_item *rows = NULL;
	int n = 0;
	int64_t pid = tdb_patient(t, "Haddad", "Sami", "1975-02-02", NULL);
	int64_t meth = order(t, pid, "methadone", -20);
	int64_t li = order(t, pid, "lithium", -100);
	order(t, pid, "sertraline", -5); /* no rule */
	tdm_err_clear(&err);
	assert_ok(monitoring_patient(t->db, &t->sys, pid, &rows, &n, &err), &err);
	assert_int_equal(n, 4); /* ECG, UDS, lithium level, renal */
	assert_string_equal(find(rows, n, "methadone_ecg", meth)->status, "overdue");
	assert_string_equal(find(rows, n, "lithium_level", li)->status, "overdue");
	assert_string_equal(rows[0].status, "overdue"); /* overdue first */
	free(rows);

	/* An ECG 25 days ago (before the start) and a level 50 days ago. */
	result(t, pid, "ecg", NULL, "430", 25);
	result(t, pid, "lab", "lithium", "0.8", 50);
	assert_ok(monitoring_patient(t->db, &t->sys, pid, &rows, &n, &err), &err);
	const struct monitor_item *ecg = find(rows, n, "methadone_ecg", meth);
	char due[DATE_LEN];
	unit_day(10, due);
	assert_string_equal(ecg->status, "due");
	assert_string_equal(ecg->stage, "first");
	assert_string_equal(ecg->due_on, due);
	const struct monitor_item *lvl = find(rows, n, "lithium_level", li);
	assert_string_equal(lvl->stage, "periodic");
	assert_string_equal(lvl->due_on, due);
	free(rows);

	/* A dose change 3 days ago restarts the level: due 7 days after it. */
	event(t, li, "change", -3);
	assert_ok(monitoring_patient(t->db, &t->sys, pid, &rows, &n, &err), &err);
	lvl = find(rows, n, "lithium_level", li);
	unit_day(4, due);
	assert_string_equal(lvl->stage, "first");
	assert_string_equal(lvl->due_on, due);
	assert_string_equal(lvl->status, "due");
	/* ...but not the renal rule, which does not restart. */
	unit_day(-3, due);
	assert_true(strcmp(find(rows, n, "lithium_renal", li)->anchor_on, due) != 0);
	free(rows);

	/* A voided result does not count; a discontinued order drops out. */
	int64_t rid = result(t, pid, "ecg", NULL, "440", 1);
	assert_ok(monitoring_patient(t->db, &t->sys, pid, &rows, &n, &err), &err);
	assert_string_equal(find(rows, n, "methadone_ecg", meth)->stage, "periodic");
	free(rows);
	struct result out;
	assert_ok(result_void(t->db, &t->sys, rid, "wrong patient", &out, &err), &err);
	assert_ok(monitoring_patient(t->db, &t->sys, pid, &rows, &n, &err), &err);
	assert_string_equal(find(rows, n, "methadone_ecg", meth)->stage, "first");
	free(rows);
	event(t, meth, "discontinue", 0);
	assert_ok(monitoring_patient(t->db, &t->sys, pid, &rows, &n, &err), &err);
	assert_int_equal(n, 2);
	assert_null(find(rows, n, "methadone_ecg", meth));
	free(rows);
	assert_int_equal(tdb_audit_count(t, "monitoring.read"), 6);
}

static void test_pending_order_baseline(void **state)
{
	struct tdb *t = *state;
	struct monitor_item *rows = NULL;
	int n = 0;
	int64_t pid = tdb_patient(t, "Nakamura", "Yui", "1992-09-09", NULL);
	int64_t oid = order(t, pid, "naltrexone", 5);
	tdm_err_clear(&err);
	assert_ok(monitoring_patient(t->db, &t->sys, pid, &rows, &n, &err), &err);
	assert_int_equal(n, 1);
	assert_string_equal(find(rows, n, "naltrexone_lft", oid)->stage, "baseline");
	assert_string_equal(rows[0].status, "due");
	free(rows);
	/* AST counts for the liver-test rule as well as ALT. */
	result(t, pid, "lab", "ast", "30", 2);
	assert_ok(monitoring_patient(t->db, &t->sys, pid, &rows, &n, &err), &err);
	assert_string_equal(rows[0].status, "ok");
	assert_string_equal(rows[0].stage, "periodic");
	free(rows);
}

static void test_clinic_list(void **state)
{
	struct tdb *t = *state;
	struct monitor_item *rows = NULL;
	struct site north;
	struct actor nurse, northnurse;
	int n = 0, truncated = 0;
	tdm_err_clear(&err);
	assert_ok(site_add(t->db, "north", "North", &north, &err), &err);
	tdb_user(t, "nurse", "main", ROLE_NURSE, &nurse);
	tdb_user(t, "northnurse", "north", ROLE_NURSE, &northnurse);
	int64_t a = tdb_patient(t, "Alpha", "Ann", "1980-01-01", NULL);
	int64_t b = tdb_patient(t, "Beta", "Bob", "1981-01-01", NULL);
	int64_t c = tdb_patient(t, "Gamma", "Cy", "1982-01-01", "north");
	int64_t ao = order(t, a, "methadone", -40);   /* ECG and UDS overdue */
	order(t, b, "acamprosate", -100);            /* baseline overdue... */
	result(t, b, "lab", "creatinine_clearance", "90", 101); /* ...but done: ok */
	order(t, c, "methadone", -40);
	assert_ok(monitoring_clinic(t->db, &nurse, 0, &rows, &n, &truncated, &err), &err);
	assert_int_equal(n, 2); /* a's two; b is ok; c is at another site */
	for (int i = 0; i < n; i++) {
		assert_int_equal(rows[i].patient_id, a);
		assert_int_equal(rows[i].order_id, ao);
		assert_string_equal(rows[i].mrn[0] ? "mrn" : "", "mrn");
		assert_string_equal(rows[i].family_name, "Alpha");
	}
	/* Overdue first: the baseline ECG, then the UDS due in 5 days. */
	assert_string_equal(rows[0].rule->id, "methadone_ecg");
	assert_string_equal(rows[0].status, "overdue");
	assert_string_equal(rows[1].rule->id, "methadone_uds");
	assert_string_equal(rows[1].status, "due");
	assert_false(truncated);
	free(rows);
	/* The system actor sees both sites; one site narrows it. */
	assert_ok(monitoring_clinic(t->db, &t->sys, 0, &rows, &n, &truncated, &err), &err);
	assert_int_equal(n, 4);
	free(rows);
	assert_ok(monitoring_clinic(t->db, &t->sys, north.id, &rows, &n, &truncated, &err), &err);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].patient_id, c);
	free(rows);
	/* A site the user holds no role at is not found. */
	assert_status(TDM_ENOTFOUND, monitoring_clinic(t->db, &nurse, north.id, &rows, &n, &truncated, &err), &err);
	assert_string_equal(err.field, "site");
	assert_null(rows);
	/* One audit row per list, whatever its length. */
	assert_int_equal(tdb_audit_count(t, "monitoring.list"), 4);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tdb_setup, tdb_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_rules_loaded),
		T(test_bad_config_refused),
		T(test_schedule_baseline),
		T(test_schedule_follow_ups),
		T(test_patient_view),
		T(test_pending_order_baseline),
		T(test_clinic_list),
	};
	return cmocka_run_group_tests_name("monitoring", tests, NULL, NULL);
}
