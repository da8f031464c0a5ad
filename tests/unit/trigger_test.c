/* Tests for src/domain/trigger.c: triggers, coping strategies linked to
 * them, effectiveness ratings over time, warning signs, contacts, retiring,
 * the plan read for the chart and for printing, sites and audit. */
#include "unit.h"

#include "domain/trigger.h"

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

static const struct coping_item *find(const struct relapse_plan *p, int64_t id)
{
	for (int i = 0; i < p->n_strategies; i++)
		if (p->strategies[i].id == id)
			return &p->strategies[i];
	return NULL;
}

static void test_plan_from_items(void **state)
{
	struct tdb *t = *state;
	struct actor th;
	struct tdm_err err;
	tdb_user(t, "therapist", "main", ROLE_THERAPIST, &th);
	int64_t p = tdb_patient(t, "Doe", "Pat", "1980-01-01", NULL);
	int64_t payday, lonely, call, walk, id, owner;
	assert_ok(trigger_add(t->db, &th, p, "situations", "Payday", &payday, &err), &err);
	assert_ok(trigger_add(t->db, &th, p, "feelings", "Lonely evenings", &lonely, &err), &err);
	int64_t both[2] = {payday, lonely};
	assert_ok(coping_add(t->db, &th, p, "Call my sponsor", both, 2, &call, &err), &err);
	assert_ok(coping_add(t->db, &th, p, "Walk home the long way", &payday, 1, &walk, &err), &err);
	char d1[DATE_LEN], d2[DATE_LEN];
	unit_day(-10, d1);
	unit_day(-3, d2);
	assert_ok(coping_rate(t->db, &th, call, 2, "meh", d1, &owner, &id, &err), &err);
	assert_int_equal(owner, p);
	assert_ok(coping_rate(t->db, &th, call, 5, NULL, d2, &owner, &id, &err), &err);
	assert_ok(warning_sign_add(t->db, &th, p, "Skipping meetings", &id, &err), &err);
	assert_ok(support_contact_add(t->db, &th, p, "Jordan", "sponsor", "555-0100", &id, &err), &err);
	struct relapse_plan plan;
	assert_ok(relapse_plan_load(t->db, &th, p, 1, "relapse_plan.read", &plan, &err), &err);
	assert_int_equal(plan.n_triggers, 2);
	assert_int_equal(plan.n_strategies, 2);
	const struct coping_item *c = find(&plan, call);
	assert_non_null(c);
	assert_int_equal(c->n_triggers, 2);
	assert_int_equal(c->n_ratings, 2);
	assert_int_equal(c->latest, 5);
	assert_string_equal(c->latest_on, d2);
	assert_true(c->mean > 3.49 && c->mean < 3.51);
	assert_int_equal(find(&plan, walk)->latest, 0);
	assert_int_equal(plan.n_signs, 1);
	assert_int_equal(plan.n_contacts, 1);
	assert_string_equal(plan.contacts[0].phone, "555-0100");
	relapse_plan_release(&plan);
	/* Retired: out of the printable plan, on the chart. */
	assert_ok(relapse_retire(t->db, &th, p, "coping_strategy", walk, "No longer walks", &err), &err);
	assert_status(TDM_ECONFLICT, relapse_retire(t->db, &th, p, "coping_strategy", walk, "again", &err), &err);
	assert_ok(relapse_plan_load(t->db, &th, p, 1, "relapse_plan.read", &plan, &err), &err);
	assert_int_equal(plan.n_strategies, 1);
	relapse_plan_release(&plan);
	assert_ok(relapse_plan_load(t->db, &th, p, 0, "trigger.list", &plan, &err), &err);
	assert_int_equal(plan.n_strategies, 2);
	assert_true(find(&plan, walk)->m.retired);
	assert_string_equal(find(&plan, walk)->m.retired_reason, "No longer walks");
	relapse_plan_release(&plan);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE action = 'relapse_plan.read'"), 2);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE action = 'coping.rate' AND patient_id > 0"), 2);
}

static void test_input_checks(void **state)
{
	struct tdb *t = *state;
	struct actor th;
	struct tdm_err err;
	tdb_user(t, "therapist", "main", ROLE_THERAPIST, &th);
	int64_t p = tdb_patient(t, "Doe", "Pat", "1980-01-01", NULL);
	int64_t q = tdb_patient(t, "Roe", "Quinn", "1980-01-01", NULL);
	int64_t id, owner, qt;
	assert_status(TDM_EINVAL, trigger_add(t->db, &th, p, "weather", "Rain", &id, &err), &err);
	assert_string_equal(err.field, "category");
	assert_status(TDM_EINVAL, trigger_add(t->db, &th, p, "people", "", &id, &err), &err);
	assert_ok(trigger_add(t->db, &th, q, "people", "Old crowd", &qt, &err), &err);
	/* Another patient's trigger cannot be linked or retired here. */
	assert_status(TDM_EINVAL, coping_add(t->db, &th, p, "x", &qt, 1, &id, &err), &err);
	assert_string_equal(err.field, "trigger_ids");
	assert_status(TDM_ENOTFOUND, relapse_retire(t->db, &th, p, "trigger", qt, "x", &err), &err);
	int64_t dup[2] = {qt, qt};
	assert_status(TDM_EINVAL, coping_add(t->db, &th, q, "x", dup, 2, &id, &err), &err);
	int64_t cs;
	assert_ok(coping_add(t->db, &th, p, "Breathe", NULL, 0, &cs, &err), &err);
	assert_status(TDM_EINVAL, coping_rate(t->db, &th, cs, 0, NULL, NULL, &owner, &id, &err), &err);
	assert_status(TDM_EINVAL, coping_rate(t->db, &th, cs, 6, NULL, NULL, &owner, &id, &err), &err);
	char tomorrow[DATE_LEN];
	unit_day(1, tomorrow);
	assert_status(TDM_EINVAL, coping_rate(t->db, &th, cs, 3, NULL, tomorrow, &owner, &id, &err), &err);
	assert_string_equal(err.field, "rated_on");
	assert_status(TDM_ENOTFOUND, coping_rate(t->db, &th, 999999, 3, NULL, NULL, &owner, &id, &err), &err);
	assert_status(TDM_EINVAL, support_contact_add(t->db, &th, p, "A", NULL, "call me", &id, &err), &err);
	assert_status(TDM_EINVAL, relapse_retire(t->db, &th, p, "mood", 1, "x", &err), &err);
	/* At most RELAPSE_MAX_ITEMS active items of a kind. */
	int64_t last = 0, none;
	for (int i = 0; i < RELAPSE_MAX_ITEMS; i++)
		assert_ok(warning_sign_add(t->db, &th, p, "sign", &last, &err), &err);
	assert_status(TDM_ECONFLICT, warning_sign_add(t->db, &th, p, "one more", &none, &err), &err);
	assert_ok(relapse_retire(t->db, &th, p, "warning_sign", last, "duplicate", &err), &err);
	assert_ok(warning_sign_add(t->db, &th, p, "one more", &id, &err), &err);
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
	int64_t cs, id, owner;
	assert_ok(coping_add(t->db, &th, p, "Breathe", NULL, 0, &cs, &err), &err);
	assert_status(TDM_ENOTFOUND, trigger_add(t->db, &north, p, "people", "x", &id, &err), &err);
	assert_status(TDM_ENOTFOUND, coping_rate(t->db, &north, cs, 3, NULL, NULL, &owner, &id, &err), &err);
	struct relapse_plan plan;
	assert_status(TDM_ENOTFOUND, relapse_plan_load(t->db, &north, p, 1, "relapse_plan.read", &plan, &err), &err);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM coping_rating"), 0);
	assert_true(count(t, "SELECT COUNT(*) FROM audit WHERE outcome = 'denied'") >= 3);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tdb_setup, tdb_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_plan_from_items),
		T(test_input_checks),
		T(test_other_site),
	};
	return cmocka_run_group_tests_name("trigger", tests, NULL, NULL);
}
