/* Tests for src/domain/result.c: kinds, vocabulary and bounds from
 * data/results.conf, backdating, ordering, voiding, site visibility. */
#include "unit.h"

#include "domain/result.h"

#include <time.h>

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

static void uds(struct result *r, const char *substance, const char *outcome)
{
	memset(r, 0, sizeof *r);
	snprintf(r->kind, sizeof r->kind, "uds");
	snprintf(r->substance, sizeof r->substance, "%s", substance);
	snprintf(r->outcome, sizeof r->outcome, "%s", outcome);
}

static void numeric(struct result *r, const char *kind, const char *code, const char *value,
		    const char *unit)
{
	memset(r, 0, sizeof *r);
	snprintf(r->kind, sizeof r->kind, "%s", kind);
	snprintf(r->code, sizeof r->code, "%s", code ? code : "");
	snprintf(r->value, sizeof r->value, "%s", value);
	snprintf(r->unit, sizeof r->unit, "%s", unit ? unit : "");
}

/* Adding r fails with EINVAL naming field, and no result row appears. */
static void refused(struct tdb *t, int64_t pid, struct result *r, const char *field)
{
	struct tdm_err err;
	int64_t before = count(t, "SELECT COUNT(*) FROM result");
	tdm_err_clear(&err);
	assert_status(TDM_EINVAL, result_add(t->db, &t->sys, pid, r, &err), &err);
	if (strcmp(err.field, field))
		print_error("kind %s: field '%s' (%s), expected '%s'\n", r->kind, err.field, err.msg, field);
	assert_string_equal(err.field, field);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM result"), before);
}

static void test_kinds_round_trip(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct result r, *rows = NULL;
	int n = 0;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);

	uds(&r, "opioids", "positive");
	assert_ok(result_add(t->db, &t->sys, pid, &r, &err), &err);
	assert_true(r.id > 0);
	assert_string_equal(r.kind, "uds");
	assert_string_equal(r.substance, "opioids");
	assert_string_equal(r.outcome, "positive");
	assert_int_equal(r.expected, 0);
	assert_string_equal(r.status, "final");
	assert_string_equal(r.recorded_by, "system:test");
	assert_int_equal(r.patient_id, pid);
	assert_int_equal(strlen(r.taken_at), INSTANT_LEN - 1);

	uds(&r, "methadone", "positive");
	r.expected = 1;
	assert_ok(result_add(t->db, &t->sys, pid, &r, &err), &err);
	assert_int_equal(r.expected, 1);

	numeric(&r, "breath_alcohol", NULL, "0.05", NULL);
	assert_ok(result_add(t->db, &t->sys, pid, &r, &err), &err);
	assert_string_equal(r.value, "0.05");
	assert_string_equal(r.unit, "g/210L");

	numeric(&r, "lab", "creatinine_clearance", "25", "mL/min");
	assert_ok(result_add(t->db, &t->sys, pid, &r, &err), &err);
	assert_string_equal(r.code, "creatinine_clearance");
	assert_string_equal(r.value, "25");
	assert_string_equal(r.unit, "mL/min");

	numeric(&r, "lab", "lithium", "0.8", NULL); /* unit filled from results.conf */
	assert_ok(result_add(t->db, &t->sys, pid, &r, &err), &err);
	assert_string_equal(r.unit, "mmol/L");
	assert_string_equal(r.value, "0.8");

	numeric(&r, "ecg", NULL, "510", NULL);
	assert_ok(result_add(t->db, &t->sys, pid, &r, &err), &err);
	assert_string_equal(r.value, "510");
	assert_string_equal(r.unit, "ms");

	assert_ok(result_list(t->db, &t->sys, pid, NULL, 50, &rows, &n, &err), &err);
	assert_int_equal(n, 6);
	free(rows);
	assert_int_equal(tdb_audit_count(t, "result.create"), 6);
	assert_int_equal(tdb_audit_count(t, "result.list"), 1);
}

static void test_value_keeps_its_digits(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct result r;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	numeric(&r, "lab", "ast", "1234.567", NULL);
	assert_ok(result_add(t->db, &t->sys, pid, &r, &err), &err);
	assert_string_equal(r.value, "1234.567");
}

static void test_bad_input_writes_nothing(void **state)
{
	struct tdb *t = *state;
	struct result r;
	char future[INSTANT_LEN];
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);

	numeric(&r, "urine", NULL, "1", NULL);
	refused(t, pid, &r, "kind");
	uds(&r, "heroin", "positive");
	refused(t, pid, &r, "substance");
	uds(&r, "Opioids", "positive");
	refused(t, pid, &r, "substance");
	uds(&r, "opioids", "pos");
	refused(t, pid, &r, "result");
	uds(&r, "opioids", "");
	refused(t, pid, &r, "result");
	uds(&r, "opioids", "negative");
	r.expected = 1;
	refused(t, pid, &r, "expected");
	numeric(&r, "breath_alcohol", NULL, "0.05", NULL);
	r.expected = 1;
	refused(t, pid, &r, "expected");
	numeric(&r, "lab", "alt", "40", NULL);
	r.expected = 1;
	refused(t, pid, &r, "expected");

	numeric(&r, "breath_alcohol", NULL, "1.5", NULL);
	refused(t, pid, &r, "value");
	numeric(&r, "breath_alcohol", NULL, "-0.01", NULL);
	refused(t, pid, &r, "value");
	numeric(&r, "breath_alcohol", NULL, "", NULL);
	refused(t, pid, &r, "value");
	numeric(&r, "breath_alcohol", NULL, "abc", NULL);
	refused(t, pid, &r, "value");

	numeric(&r, "lab", "creatinine_clearance", "300", "mL/min");
	refused(t, pid, &r, "value");
	numeric(&r, "lab", "creatinine_clearance", "-1", NULL);
	refused(t, pid, &r, "value");
	numeric(&r, "lab", "creatinine_clearance", "25", "mL/s");
	refused(t, pid, &r, "unit");
	numeric(&r, "lab", "potassium", "4", NULL);
	refused(t, pid, &r, "code");
	numeric(&r, "lab", "", "4", NULL);
	refused(t, pid, &r, "code");

	numeric(&r, "ecg", NULL, "5100", NULL);
	refused(t, pid, &r, "qtc_ms");
	numeric(&r, "ecg", NULL, "249", NULL);
	refused(t, pid, &r, "qtc_ms");
	numeric(&r, "ecg", NULL, "450.5", NULL);
	refused(t, pid, &r, "qtc_ms");

	instant_format(time(NULL) + 3600, future);
	numeric(&r, "ecg", NULL, "450", NULL);
	snprintf(r.taken_at, sizeof r.taken_at, "%s", future);
	refused(t, pid, &r, "taken_at");
	const char *bad_at[] = {"2024-01-10", "2024-01-10 08:30:00", "2024-02-30T08:30:00Z",
				"2024-01-10T25:00:00Z", "yesterday"};
	for (size_t i = 0; i < sizeof bad_at / sizeof bad_at[0]; i++) {
		numeric(&r, "ecg", NULL, "450", NULL);
		snprintf(r.taken_at, sizeof r.taken_at, "%s", bad_at[i]);
		refused(t, pid, &r, "taken_at");
	}
	assert_int_equal(count(t, "SELECT COUNT(*) FROM result"), 0);

	/* The bounds themselves are accepted. */
	struct tdm_err err;
	numeric(&r, "breath_alcohol", NULL, "1", NULL);
	assert_ok(result_add(t->db, &t->sys, pid, &r, &err), &err);
	numeric(&r, "ecg", NULL, "800", NULL);
	assert_ok(result_add(t->db, &t->sys, pid, &r, &err), &err);
	numeric(&r, "ecg", NULL, "250", NULL);
	assert_ok(result_add(t->db, &t->sys, pid, &r, &err), &err);
	numeric(&r, "lab", "creatinine_clearance", "250", NULL);
	assert_ok(result_add(t->db, &t->sys, pid, &r, &err), &err);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM result"), 4);
	/* A missing patient writes nothing either. */
	numeric(&r, "ecg", NULL, "450", NULL);
	assert_status(TDM_ENOTFOUND, result_add(t->db, &t->sys, 999, &r, &err), &err);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM result"), 4);
}

/* Breath alcohol is recorded in g/210L: a value in another unit is refused,
 * not relabelled. */
static void test_breath_alcohol_other_unit(void **state)
{
	struct tdb *t = *state;
	struct result r;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	numeric(&r, "breath_alcohol", NULL, "0.05", "mg/L");
	refused(t, pid, &r, "unit");
}

/* A field of another kind does not end up on the record. */
static void test_other_kind_fields_not_stored(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct result r, *rows = NULL;
	int n = 0;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	numeric(&r, "lab", "alt", "40", NULL);
	snprintf(r.substance, sizeof r.substance, "opioids");
	snprintf(r.outcome, sizeof r.outcome, "positive");
	tdm_err_clear(&err);
	enum tdm_status rc = result_add(t->db, &t->sys, pid, &r, &err);
	if (rc == TDM_EINVAL) {
		assert_int_equal(count(t, "SELECT COUNT(*) FROM result"), 0);
		return;
	}
	assert_ok(rc, &err);
	assert_ok(result_list(t->db, &t->sys, pid, NULL, 10, &rows, &n, &err), &err);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].substance, "");
	assert_string_equal(rows[0].outcome, "");
	free(rows);
}

static void test_backdating_order_and_kind(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct result r, *rows = NULL;
	int n = 0;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	int64_t ids[4];
	numeric(&r, "ecg", NULL, "440", NULL);
	snprintf(r.taken_at, sizeof r.taken_at, "2024-01-10T08:30:00Z");
	assert_ok(result_add(t->db, &t->sys, pid, &r, &err), &err);
	assert_string_equal(r.taken_at, "2024-01-10T08:30:00Z");
	ids[2] = r.id;
	uds(&r, "cocaine", "negative");
	instant_format(time(NULL) - 7200, r.taken_at);
	assert_ok(result_add(t->db, &t->sys, pid, &r, &err), &err);
	ids[1] = r.id;
	numeric(&r, "breath_alcohol", NULL, "0", NULL);
	assert_ok(result_add(t->db, &t->sys, pid, &r, &err), &err);
	ids[0] = r.id;
	numeric(&r, "ecg", NULL, "450", NULL);
	snprintf(r.taken_at, sizeof r.taken_at, "2023-06-01T00:00:00Z");
	assert_ok(result_add(t->db, &t->sys, pid, &r, &err), &err);
	ids[3] = r.id;

	assert_ok(result_list(t->db, &t->sys, pid, NULL, 50, &rows, &n, &err), &err);
	assert_int_equal(n, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(rows[i].id, ids[i]);
	free(rows);
	assert_ok(result_list(t->db, &t->sys, pid, "ecg", 50, &rows, &n, &err), &err);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].id, ids[2]);
	assert_int_equal(rows[1].id, ids[3]);
	free(rows);
	assert_ok(result_list(t->db, &t->sys, pid, "", 1, &rows, &n, &err), &err);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, ids[0]);
	free(rows);
	assert_ok(result_list(t->db, &t->sys, pid, "lab", 50, &rows, &n, &err), &err);
	assert_int_equal(n, 0);
	free(rows);
}

static void test_void(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct result r, out;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	uds(&r, "fentanyl", "positive");
	assert_ok(result_add(t->db, &t->sys, pid, &r, &err), &err);
	assert_status(TDM_EINVAL, result_void(t->db, &t->sys, r.id, "", &out, &err), &err);
	assert_string_equal(err.field, "reason");
	assert_status(TDM_EINVAL, result_void(t->db, &t->sys, r.id, NULL, &out, &err), &err);
	assert_string_equal(err.field, "reason");
	assert_int_equal(count(t, "SELECT COUNT(*) FROM result_status"), 0);
	assert_ok(result_void(t->db, &t->sys, r.id, "wrong patient", &out, &err), &err);
	assert_string_equal(out.status, "entered_in_error");
	assert_string_equal(out.status_reason, "wrong patient");
	assert_string_equal(out.substance, "fentanyl");
	assert_status(TDM_ECONFLICT, result_void(t->db, &t->sys, r.id, "again", &out, &err), &err);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM result_status"), 1);
	assert_status(TDM_ENOTFOUND, result_void(t->db, &t->sys, 999, "x", &out, &err), &err);
	assert_int_equal(tdb_audit_count(t, "result.void"), 3); /* ok, conflict, not found */
}

static void test_other_site(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct site north;
	struct actor nurse;
	struct result r, out, *rows = NULL;
	int n = -1;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	numeric(&r, "ecg", NULL, "460", NULL);
	assert_ok(result_add(t->db, &t->sys, pid, &r, &err), &err);
	int64_t id = r.id;
	assert_ok(site_add(t->db, "north", "North clinic", &north, &err), &err);
	tdb_user(t, "nurse.north", "north", ROLE_NURSE, &nurse);
	numeric(&r, "ecg", NULL, "470", NULL);
	assert_status(TDM_ENOTFOUND, result_add(t->db, &nurse, pid, &r, &err), &err);
	assert_status(TDM_ENOTFOUND, result_list(t->db, &nurse, pid, NULL, 10, &rows, &n, &err), &err);
	assert_null(rows);
	assert_status(TDM_ENOTFOUND, result_void(t->db, &nurse, id, "x", &out, &err), &err);
	assert_string_equal(err.field, "result");
	assert_int_equal(count(t, "SELECT COUNT(*) FROM result"), 1);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM result_status"), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tdb_setup, tdb_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_kinds_round_trip),
		T(test_value_keeps_its_digits),
		T(test_bad_input_writes_nothing),
		T(test_breath_alcohol_other_unit),
		T(test_other_kind_fields_not_stored),
		T(test_backdating_order_and_kind),
		T(test_void),
		T(test_other_site),
	};
	return cmocka_run_group_tests_name("result", tests, NULL, NULL);
}
