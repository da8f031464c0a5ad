/* Tests for src/domain/diagnosis.c: recording, statuses, the dual flag. */
#include "unit.h"

#include "domain/diagnosis.h"
#include "domain/episode.h"

static int64_t add_dx(struct tdb *t, int64_t pid, const char *code, const char *onset)
{
	struct diagnosis d;
	struct tdm_err err;
	memset(&d, 0, sizeof d);
	snprintf(d.cls.code, sizeof d.cls.code, "%s", code);
	if (onset)
		snprintf(d.onset_date, sizeof d.onset_date, "%s", onset);
	assert_ok(diagnosis_add(t->db, &t->sys, pid, &d, &err), &err);
	assert_true(d.id > 0);
	assert_string_equal(d.status, "active");
	return d.id;
}

static int dual_of(struct tdb *t, int64_t pid)
{
	struct patient p;
	struct tdm_err err;
	assert_ok(patient_get(t->db, &t->sys, pid, &p, &err), &err);
	return p.dual_diagnosis;
}

static void test_add_fields(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct diagnosis d;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	memset(&d, 0, sizeof d);
	snprintf(d.cls.code, sizeof d.cls.code, "f1120");
	snprintf(d.onset_date, sizeof d.onset_date, "2019-03-01");
	snprintf(d.note, sizeof d.note, "daily heroin use");
	assert_ok(diagnosis_add(t->db, &t->sys, pid, &d, &err), &err);
	assert_string_equal(d.cls.code, "F11.20"); /* stored normalised */
	assert_int_equal(d.cls.category, ICD10_SUBSTANCE_USE);
	assert_string_equal(d.cls.substance, "opioid");
	assert_string_equal(d.onset_date, "2019-03-01");
	assert_string_equal(d.note, "daily heroin use");
	assert_string_equal(d.status, "active");
	assert_string_equal(d.recorded_by, "system:test");
	assert_int_equal(d.patient_id, pid);
	/* Invalid codes never reach the database. */
	snprintf(d.cls.code, sizeof d.cls.code, "Z99.9");
	tdm_err_clear(&err);
	assert_status(TDM_EINVAL, diagnosis_add(t->db, &t->sys, pid, &d, &err), &err);
	assert_string_equal(err.field, "code");
	snprintf(d.cls.code, sizeof d.cls.code, "F32.1");
	assert_status(TDM_ENOTFOUND, diagnosis_add(t->db, &t->sys, 999, &d, &err), &err);
	assert_int_equal(tdb_audit_count(t, "diagnosis.create"), 2); /* ok + not_found */
}

static void test_dual_and_resolve(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct diagnosis out, *rows = NULL;
	int n = 0;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	assert_int_equal(dual_of(t, pid), 0);
	add_dx(t, pid, "F11.20", NULL);
	assert_int_equal(dual_of(t, pid), 0); /* substance use alone */
	int64_t dep = add_dx(t, pid, "F32.1", "2020-01-15");
	assert_int_equal(dual_of(t, pid), 1);

	char today[DATE_LEN];
	unit_day(0, today);
	assert_status(TDM_EINVAL, diagnosis_set_status(t->db, &t->sys, dep, "resolved", NULL, "",
						       &out, &err), &err);
	assert_string_equal(err.field, "reason");
	assert_status(TDM_EINVAL, diagnosis_set_status(t->db, &t->sys, dep, "gone", NULL, "x",
						       &out, &err), &err);
	assert_string_equal(err.field, "status");
	assert_status(TDM_EINVAL, diagnosis_set_status(t->db, &t->sys, dep, "resolved", "2019-12-31",
						       "before onset", &out, &err), &err);
	assert_string_equal(err.field, "effective_on");
	assert_ok(diagnosis_set_status(t->db, &t->sys, dep, "resolved", NULL, "in full remission",
				       &out, &err), &err);
	assert_string_equal(out.status, "resolved");
	assert_string_equal(out.status_on, today);
	assert_string_equal(out.status_reason, "in full remission");
	assert_int_equal(dual_of(t, pid), 0);
	assert_status(TDM_ECONFLICT, diagnosis_set_status(t->db, &t->sys, dep, "resolved", NULL,
							  "again", &out, &err), &err);

	/* Re-opened: dual again. */
	assert_ok(diagnosis_set_status(t->db, &t->sys, dep, "active", NULL, "relapse", &out, &err),
		  &err);
	assert_int_equal(dual_of(t, pid), 1);

	/* Entered in error is final. */
	assert_ok(diagnosis_set_status(t->db, &t->sys, dep, "entered_in_error", NULL, "wrong patient",
				       &out, &err), &err);
	assert_int_equal(dual_of(t, pid), 0);
	assert_status(TDM_ECONFLICT, diagnosis_set_status(t->db, &t->sys, dep, "active", NULL, "x",
							  &out, &err), &err);

	assert_ok(diagnosis_list(t->db, &t->sys, pid, &rows, &n, &err), &err);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].cls.code, "F11.20");
	assert_string_equal(rows[0].status, "active");
	assert_string_equal(rows[1].cls.code, "F32.1");
	assert_string_equal(rows[1].status, "entered_in_error");
	assert_string_equal(rows[1].onset_date, "2020-01-15");
	free(rows);
	assert_status(TDM_ENOTFOUND, diagnosis_set_status(t->db, &t->sys, 999, "resolved", NULL, "x",
							  &out, &err), &err);
}

static void test_same_active_code_twice(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct diagnosis d, out;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	int64_t first = add_dx(t, pid, "F11.20", NULL);
	memset(&d, 0, sizeof d);
	snprintf(d.cls.code, sizeof d.cls.code, "f11.20");
	tdm_err_clear(&err);
	assert_status(TDM_ECONFLICT, diagnosis_add(t->db, &t->sys, pid, &d, &err), &err);
	assert_string_equal(err.field, "code");
	/* Once resolved, the code may be recorded again (a new episode of it). */
	assert_ok(diagnosis_set_status(t->db, &t->sys, first, "resolved", NULL, "remission", &out,
				       &err), &err);
	add_dx(t, pid, "F11.20", NULL);
	/* Another patient may have the same code. */
	int64_t other = tdb_patient(t, "Okafor", "Chidi", "1975-11-30", NULL);
	add_dx(t, other, "F11.20", NULL);
}

static void test_nicotine_not_dual(void **state)
{
	struct tdb *t = *state;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	add_dx(t, pid, "F17.210", NULL);
	add_dx(t, pid, "F32.1", NULL);
	assert_int_equal(dual_of(t, pid), 0);
	/* A substance-induced disorder is not the mental-health half. */
	int64_t p2 = tdb_patient(t, "Okafor", "Chidi", "1975-11-30", NULL);
	add_dx(t, p2, "F11.24", NULL);
	assert_int_equal(dual_of(t, p2), 0);
	/* Remission codes count (count_in_remission = yes). */
	int64_t p3 = tdb_patient(t, "Nguyen", "Linh", "1988-08-08", NULL);
	add_dx(t, p3, "F10.21", NULL);
	add_dx(t, p3, "F43.10", NULL);
	assert_int_equal(dual_of(t, p3), 1);
}

/* The flag stored/derived for a patient must agree with the rule as the C
 * classifier states it (icd10_counts_substance / icd10_counts_mental). */
static void check_pairs_agree(struct tdb *t)
{
	static const char *const sub[] = {"F11.20", "F11.21", "F10.10", "F12.90", "F17.210",
					  "F11.24", "F14.91", "F10.239"};
	static const char *const mh[] = {"F32.1", "F84.0", "F90.0", "F43.10", "F60.3", "F99"};
	struct tdm_err err;
	int k = 0;
	for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
		for (size_t j = 0; j < sizeof mh / sizeof mh[0]; j++) {
			struct icd10_class a, b;
			char given[16];
			assert_ok(icd10_classify(sub[i], &a, &err), &err);
			assert_ok(icd10_classify(mh[j], &b, &err), &err);
			int expect = icd10_counts_substance(&a) && icd10_counts_mental(&b);
			snprintf(given, sizeof given, "P%d", k++);
			int64_t pid = tdb_patient(t, "Pair", given, "1980-01-01", NULL);
			add_dx(t, pid, sub[i], NULL);
			add_dx(t, pid, mh[j], NULL);
			int got = dual_of(t, pid);
			if (got != expect)
				fail_msg("%s + %s: dual %d, the rule says %d", sub[i], mh[j], got,
					 expect);
		}
	}
}

static void test_dual_matches_rule(void **state)
{
	struct tdb *t = *state;
	check_pairs_agree(t);
	/* Spot checks of the shipped rule. */
	struct icd10_class c;
	struct tdm_err err;
	assert_ok(icd10_classify("F11.21", &c, &err), &err);
	assert_true(icd10_counts_substance(&c));
	assert_ok(icd10_classify("F84.0", &c, &err), &err);
	assert_false(icd10_counts_mental(&c));
}


static void test_dual_rule_is_configurable(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	char dir[256], path[300];
	char cmd[600];
	unit_tmpdir(dir, sizeof dir);
	/* A copy of every shipped data file, then a changed rule. */
	snprintf(cmd, sizeof cmd, "cp -R data/. '%s/'", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof path, "%s/dual-diagnosis.conf", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("[rule]\nversion = test-1\ncount_nicotine = yes\ncount_use_unspecified = no\n"
	      "count_in_remission = no\nmental_health = F30-F39\n", f);
	assert_int_equal(fclose(f), 0);
	assert_ok(clinic_load(dir, &err), &err);
	assert_string_equal(icd10_rule_version(), "test-1");

	int64_t p1 = tdb_patient(t, "Nicotine", "Nat", "1980-01-01", NULL);
	add_dx(t, p1, "F17.210", NULL);
	add_dx(t, p1, "F32.1", NULL);
	int64_t p2 = tdb_patient(t, "Remission", "Rae", "1980-01-01", NULL);
	add_dx(t, p2, "F11.21", NULL);
	add_dx(t, p2, "F33.1", NULL);
	int64_t p3 = tdb_patient(t, "Anxiety", "Ann", "1980-01-01", NULL);
	add_dx(t, p3, "F11.20", NULL);
	add_dx(t, p3, "F41.1", NULL); /* outside F30-F39 now */
	int64_t p4 = tdb_patient(t, "Use", "Uma", "1980-01-01", NULL);
	add_dx(t, p4, "F12.90", NULL);
	add_dx(t, p4, "F31.0", NULL);
	int d1 = dual_of(t, p1), d2 = dual_of(t, p2), d3 = dual_of(t, p3), d4 = dual_of(t, p4);
	check_pairs_agree(t);

	/* Put the shipped tables back before asserting, whatever happens. */
	assert_ok(clinic_load("data", &err), &err);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(d1, 1);
	assert_int_equal(d2, 0);
	assert_int_equal(d3, 0);
	assert_int_equal(d4, 0);
	/* Under the shipped rule again, from the same stored rows. */
	assert_int_equal(dual_of(t, p1), 0);
	assert_int_equal(dual_of(t, p2), 1);
	assert_int_equal(dual_of(t, p3), 1);
	assert_int_equal(dual_of(t, p4), 1);
}

static void test_dual_in_search(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct patient_query q;
	struct patient *rows = NULL;
	int n;
	int64_t total;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	add_dx(t, pid, "F11.20", NULL);
	add_dx(t, pid, "F32.1", NULL);
	memset(&q, 0, sizeof q);
	q.limit = 10;
	assert_ok(patient_search(t->db, &t->sys, &q, &rows, &n, &total, &err), &err);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].dual_diagnosis, 1);
	free(rows);
}

static void test_search_filters(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct patient_query q;
	struct patient *rows = NULL;
	struct episode e;
	int n;
	int64_t total;
	int64_t dual = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	int64_t single = tdb_patient(t, "Okafor", "Chidi", "1975-11-30", NULL);
	tdb_patient(t, "Nguyen", "Linh", "1988-08-08", NULL);
	add_dx(t, dual, "F11.20", NULL);
	add_dx(t, dual, "F32.1", NULL);
	add_dx(t, single, "F10.20", NULL);
	assert_ok(episode_admit(t->db, &t->sys, single, "detox", NULL, NULL, NULL, &e, &err), &err);
	episode_release(&e);

	/* level: the current level of care. */
	memset(&q, 0, sizeof q);
	q.limit = 10;
	snprintf(q.level, sizeof q.level, "detox");
	assert_ok(patient_search(t->db, &t->sys, &q, &rows, &n, &total, &err), &err);
	assert_int_equal(total, 1);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, single);
	assert_string_equal(rows[0].level, "detox");
	free(rows);

	/* dual_only: only patients whose derived flag is set. */
	memset(&q, 0, sizeof q);
	q.limit = 10;
	q.dual_only = 1;
	assert_ok(patient_search(t->db, &t->sys, &q, &rows, &n, &total, &err), &err);
	int64_t first = n > 0 ? rows[0].id : 0;
	for (int i = 0; i < n; i++)
		if (!rows[i].dual_diagnosis)
			print_error("dual_only search returned %s, who is not dual\n",
				    rows[i].family_name);
	free(rows);
	assert_int_equal(n, 1);
	assert_int_equal(total, 1);
	assert_int_equal(first, dual);
}

static void test_onset_dates(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct diagnosis d;
	char tomorrow[DATE_LEN], today[DATE_LEN];
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	unit_day(1, tomorrow);
	unit_day(0, today);
	memset(&d, 0, sizeof d);
	snprintf(d.cls.code, sizeof d.cls.code, "F32.1");
	snprintf(d.onset_date, sizeof d.onset_date, "%s", tomorrow);
	tdm_err_clear(&err);
	assert_status(TDM_EINVAL, diagnosis_add(t->db, &t->sys, pid, &d, &err), &err);
	assert_string_equal(err.field, "onset_date");
	assert_non_null(strstr(err.msg, "future"));
	snprintf(d.onset_date, sizeof d.onset_date, "2021-02-30");
	assert_status(TDM_EINVAL, diagnosis_add(t->db, &t->sys, pid, &d, &err), &err);
	assert_string_equal(err.field, "onset_date");
	add_dx(t, pid, "F32.1", today);
}

static void test_other_site_cannot_add(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct site north;
	struct actor nurse;
	struct diagnosis d, *rows = NULL;
	int n = -1;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	int64_t dx = add_dx(t, pid, "F11.20", NULL);
	assert_ok(site_add(t->db, "north", "North clinic", &north, &err), &err);
	tdb_user(t, "nurse.north", "north", ROLE_NURSE, &nurse);
	memset(&d, 0, sizeof d);
	snprintf(d.cls.code, sizeof d.cls.code, "F32.1");
	assert_status(TDM_ENOTFOUND, diagnosis_add(t->db, &nurse, pid, &d, &err), &err);
	assert_status(TDM_ENOTFOUND, diagnosis_list(t->db, &nurse, pid, &rows, &n, &err), &err);
	assert_null(rows);
	assert_status(TDM_ENOTFOUND, diagnosis_set_status(t->db, &nurse, dx, "resolved", NULL, "x",
							  &d, &err), &err);
	assert_string_equal(err.field, "diagnosis");
	assert_int_equal(dual_of(t, pid), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tdb_setup, tdb_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_add_fields),
		T(test_dual_and_resolve),
		T(test_same_active_code_twice),
		T(test_nicotine_not_dual),
		T(test_dual_matches_rule),
		T(test_dual_rule_is_configurable),
		T(test_dual_in_search),
		T(test_search_filters),
		T(test_onset_dates),
		T(test_other_site_cannot_add),
	};
	return cmocka_run_group_tests_name("diagnosis", tests, NULL, NULL);
}
