/* Tests for src/domain/allergy.c: recording, formulary matching, duplicates,
 * statuses, site visibility. */
#include "unit.h"

#include "domain/allergy.h"

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

static void fill(struct allergy *g, const char *substance, const char *kind, const char *severity,
		 const char *noted_on)
{
	memset(g, 0, sizeof *g);
	snprintf(g->substance, sizeof g->substance, "%s", substance);
	snprintf(g->kind, sizeof g->kind, "%s", kind ? kind : "");
	snprintf(g->severity, sizeof g->severity, "%s", severity ? severity : "");
	snprintf(g->noted_on, sizeof g->noted_on, "%s", noted_on ? noted_on : "");
}

static int64_t add(struct tdb *t, int64_t pid, const char *substance, const char *kind)
{
	struct allergy g;
	struct tdm_err err;
	fill(&g, substance, kind, NULL, NULL);
	assert_ok(allergy_add(t->db, &t->sys, pid, &g, &err), &err);
	assert_true(g.id > 0);
	assert_string_equal(g.status, "active");
	return g.id;
}

static void refused(struct tdb *t, int64_t pid, struct allergy *g, enum tdm_status want,
		    const char *field)
{
	struct tdm_err err;
	int64_t before = count(t, "SELECT COUNT(*) FROM allergy");
	tdm_err_clear(&err);
	assert_status(want, allergy_add(t->db, &t->sys, pid, g, &err), &err);
	assert_string_equal(err.field, field);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM allergy"), before);
}

static void test_add_and_match(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct allergy g, *rows = NULL;
	int n = 0;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	fill(&g, "Naltrexone", "drug", "moderate", "2020-03-01");
	snprintf(g.reaction, sizeof g.reaction, "hives");
	assert_ok(allergy_add(t->db, &t->sys, pid, &g, &err), &err);
	assert_string_equal(g.substance, "Naltrexone");
	assert_string_equal(g.medication_id, "naltrexone");
	assert_string_equal(g.kind, "drug");
	assert_string_equal(g.severity, "moderate");
	assert_string_equal(g.reaction, "hives");
	assert_string_equal(g.noted_on, "2020-03-01");
	assert_string_equal(g.status, "active");
	assert_string_equal(g.recorded_by, "system:test");
	assert_int_equal(g.patient_id, pid);

	fill(&g, "Peanuts", "food", "severe", NULL);
	assert_ok(allergy_add(t->db, &t->sys, pid, &g, &err), &err);
	assert_string_equal(g.medication_id, "");

	fill(&g, "METHADONE", NULL, NULL, NULL); /* defaults: drug, unknown */
	assert_ok(allergy_add(t->db, &t->sys, pid, &g, &err), &err);
	assert_string_equal(g.medication_id, "methadone");
	assert_string_equal(g.kind, "drug");
	assert_string_equal(g.severity, "unknown");

	assert_ok(allergy_list(t->db, &t->sys, pid, &rows, &n, &err), &err);
	assert_int_equal(n, 3);
	assert_string_equal(rows[0].medication_id, "naltrexone");
	assert_string_equal(rows[1].medication_id, "");
	assert_string_equal(rows[2].substance, "METHADONE");
	free(rows);
	assert_int_equal(tdb_audit_count(t, "allergy.create"), 3);
	assert_int_equal(tdb_audit_count(t, "allergy.list"), 1);
}

static void test_duplicate_active(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct allergy g, out;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	int64_t other = tdb_patient(t, "Okafor", "Ben", "1975-01-02", NULL);
	int64_t id = add(t, pid, "Penicillin", NULL);
	fill(&g, "penicillin", NULL, NULL, NULL);
	refused(t, pid, &g, TDM_ECONFLICT, "substance");
	fill(&g, "PENICILLIN", "drug", "severe", NULL);
	refused(t, pid, &g, TDM_ECONFLICT, "substance");
	add(t, other, "penicillin", NULL); /* another patient is not a duplicate */
	assert_ok(allergy_set_status(t->db, &t->sys, id, "resolved", "desensitised", &out, &err), &err);
	add(t, pid, "penicillin", NULL); /* resolved: may be recorded again */
	assert_int_equal(count(t, "SELECT COUNT(*) FROM allergy"), 3);
}

static void test_bad_input_writes_nothing(void **state)
{
	struct tdb *t = *state;
	struct allergy g;
	struct tdm_err err;
	char future[DATE_LEN], today[DATE_LEN];
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	unit_day(2, future);
	unit_day(0, today);
	fill(&g, "", "drug", NULL, NULL);
	refused(t, pid, &g, TDM_EINVAL, "substance");
	fill(&g, "Sulfa", "medicine", NULL, NULL);
	refused(t, pid, &g, TDM_EINVAL, "kind");
	fill(&g, "Sulfa", "Drug", NULL, NULL);
	refused(t, pid, &g, TDM_EINVAL, "kind");
	fill(&g, "Sulfa", NULL, "high", NULL);
	refused(t, pid, &g, TDM_EINVAL, "severity");
	fill(&g, "Sulfa", NULL, NULL, "2020-02-30");
	refused(t, pid, &g, TDM_EINVAL, "noted_on");
	fill(&g, "Sulfa", NULL, NULL, "2020-13-01");
	refused(t, pid, &g, TDM_EINVAL, "noted_on");
	fill(&g, "Sulfa", NULL, NULL, future);
	refused(t, pid, &g, TDM_EINVAL, "noted_on");
	fill(&g, "Sulfa", NULL, NULL, NULL);
	assert_status(TDM_ENOTFOUND, allergy_add(t->db, &t->sys, 999, &g, &err), &err);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM allergy"), 0);
	fill(&g, "Sulfa", NULL, NULL, today);
	assert_ok(allergy_add(t->db, &t->sys, pid, &g, &err), &err);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM allergy"), 1);
}

static void test_status(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct allergy out;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	int64_t a = add(t, pid, "Codeine", NULL);
	int64_t b = add(t, pid, "Shellfish", "food");
	assert_status(TDM_EINVAL, allergy_set_status(t->db, &t->sys, a, "resolved", "", &out, &err), &err);
	assert_string_equal(err.field, "reason");
	assert_status(TDM_EINVAL, allergy_set_status(t->db, &t->sys, a, "resolved", NULL, &out, &err), &err);
	assert_string_equal(err.field, "reason");
	assert_status(TDM_EINVAL, allergy_set_status(t->db, &t->sys, a, "gone", "x", &out, &err), &err);
	assert_string_equal(err.field, "status");
	assert_int_equal(count(t, "SELECT COUNT(*) FROM allergy_status"), 0);

	assert_ok(allergy_set_status(t->db, &t->sys, a, "resolved", "tolerated a dose", &out, &err), &err);
	assert_string_equal(out.status, "resolved");
	assert_string_equal(out.status_reason, "tolerated a dose");
	assert_status(TDM_ECONFLICT, allergy_set_status(t->db, &t->sys, a, "resolved", "again", &out, &err), &err);
	/* Re-opened, then resolved again: the latest status counts. */
	assert_ok(allergy_set_status(t->db, &t->sys, a, "active", "reaction again", &out, &err), &err);
	assert_string_equal(out.status, "active");

	assert_ok(allergy_set_status(t->db, &t->sys, b, "entered_in_error", "wrong chart", &out, &err), &err);
	assert_string_equal(out.status, "entered_in_error");
	assert_status(TDM_ECONFLICT, allergy_set_status(t->db, &t->sys, b, "active", "undo", &out, &err), &err);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM allergy_status"), 3);
	assert_status(TDM_ENOTFOUND, allergy_set_status(t->db, &t->sys, 999, "resolved", "x", &out, &err), &err);
}

static void test_other_site(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct site north;
	struct actor nurse;
	struct allergy g, *rows = NULL;
	int n = -1;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	int64_t id = add(t, pid, "Latex", "environment");
	assert_ok(site_add(t->db, "north", "North clinic", &north, &err), &err);
	tdb_user(t, "nurse.north", "north", ROLE_NURSE, &nurse);
	fill(&g, "Dust", "environment", NULL, NULL);
	assert_status(TDM_ENOTFOUND, allergy_add(t->db, &nurse, pid, &g, &err), &err);
	assert_status(TDM_ENOTFOUND, allergy_list(t->db, &nurse, pid, &rows, &n, &err), &err);
	assert_null(rows);
	assert_status(TDM_ENOTFOUND, allergy_set_status(t->db, &nurse, id, "resolved", "x", &g, &err), &err);
	assert_string_equal(err.field, "allergy");
	assert_int_equal(count(t, "SELECT COUNT(*) FROM allergy"), 1);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM allergy_status"), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tdb_setup, tdb_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_add_and_match),
		T(test_duplicate_active),
		T(test_bad_input_writes_nothing),
		T(test_status),
		T(test_other_site),
	};
	return cmocka_run_group_tests_name("allergy", tests, NULL, NULL);
}
