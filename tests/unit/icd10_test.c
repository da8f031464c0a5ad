/* Tests for src/domain/icd10.c with the shipped data/ tables. */
#include "unit.h"

#include "domain/icd10.h"

static int setup(void **state)
{
	struct tdm_err err;
	(void)state;
	if (clinic_load("data", &err) != TDM_OK) {
		print_error("clinic_load: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static void classify_ok(const char *in, struct icd10_class *c)
{
	struct tdm_err err;
	tdm_err_clear(&err);
	enum tdm_status rc = icd10_classify(in, c, &err);
	if (rc != TDM_OK)
		fail_msg("icd10_classify('%s') refused: %s", in, err.msg);
}

static void classify_bad(const char *in, const char *msg_part)
{
	struct tdm_err err;
	struct icd10_class c;
	tdm_err_clear(&err);
	enum tdm_status rc = icd10_classify(in, &c, &err);
	if (rc != TDM_EINVAL)
		fail_msg("icd10_classify('%s') gave %s, expected invalid", in ? in : "(null)",
			 tdm_code_name(rc));
	assert_string_equal(err.field, "code");
	if (msg_part && !strstr(err.msg, msg_part))
		fail_msg("message for '%s' is '%s', expected it to mention '%s'", in, err.msg, msg_part);
}

static void test_opioid_dependence(void **state)
{
	(void)state;
	struct icd10_class c;
	classify_ok("F11.20", &c);
	assert_string_equal(c.code, "F11.20");
	assert_int_equal(c.category, ICD10_SUBSTANCE_USE);
	assert_string_equal(icd10_category_name(c.category), "substance_use");
	assert_string_equal(c.substance, "opioid");
	assert_string_equal(c.pattern, "dependence");
	assert_false(c.in_remission);
	assert_true(icd10_counts_substance(&c));
	assert_false(icd10_counts_mental(&c));
}

static void test_normalisation(void **state)
{
	(void)state;
	struct icd10_class c;
	classify_ok("f1120", &c);
	assert_string_equal(c.code, "F11.20");
	assert_string_equal(c.substance, "opioid");
	classify_ok("f11.20", &c);
	assert_string_equal(c.code, "F11.20");
	classify_ok("F321", &c);
	assert_string_equal(c.code, "F32.1");
	classify_ok("f10.239", &c);
	assert_string_equal(c.code, "F10.239");
	assert_string_equal(c.substance, "alcohol");
	assert_string_equal(c.pattern, "dependence");
}

static void test_remission_and_patterns(void **state)
{
	(void)state;
	struct icd10_class c;
	classify_ok("F11.21", &c);
	assert_true(c.in_remission);
	assert_string_equal(c.pattern, "dependence");
	assert_true(icd10_counts_substance(&c)); /* count_in_remission = yes */
	classify_ok("F10.11", &c);
	assert_true(c.in_remission);
	assert_string_equal(c.pattern, "abuse");
	classify_ok("F12.91", &c);
	assert_true(c.in_remission);
	assert_string_equal(c.pattern, "use");
	assert_string_equal(c.substance, "cannabis");
	classify_ok("F14.90", &c);
	assert_false(c.in_remission);
	assert_string_equal(c.pattern, "use");
	assert_string_equal(c.substance, "cocaine");
	assert_true(icd10_counts_substance(&c)); /* count_use_unspecified = yes */
	classify_ok("F10.120", &c);
	assert_false(c.in_remission);
	assert_string_equal(c.pattern, "abuse");
}

static void test_mental_health(void **state)
{
	(void)state;
	struct icd10_class c;
	classify_ok("F32.1", &c);
	assert_int_equal(c.category, ICD10_MENTAL_HEALTH);
	assert_string_equal(icd10_category_name(c.category), "mental_health");
	assert_string_equal(c.substance, "");
	assert_string_equal(c.pattern, "");
	assert_true(icd10_counts_mental(&c));
	assert_false(icd10_counts_substance(&c));
	classify_ok("F43.10", &c);
	assert_true(icd10_counts_mental(&c));
	classify_ok("F20", &c); /* a mental-health category without subdivision */
	assert_int_equal(c.category, ICD10_MENTAL_HEALTH);
	/* F80-F89 are classified as mental health but are not in the dual
	 * rule's ranges (F20-F48, F50-F69, F90-F98). */
	classify_ok("F84.0", &c);
	assert_int_equal(c.category, ICD10_MENTAL_HEALTH);
	assert_false(icd10_counts_mental(&c));
	classify_ok("F90.0", &c);
	assert_true(icd10_counts_mental(&c));
}

static void test_nicotine(void **state)
{
	(void)state;
	struct icd10_class c;
	classify_ok("F17.210", &c);
	assert_int_equal(c.category, ICD10_SUBSTANCE_USE);
	assert_string_equal(c.substance, "nicotine");
	assert_string_equal(c.pattern, "dependence");
	assert_false(c.in_remission);
	/* count_nicotine = no in data/dual-diagnosis.conf */
	assert_false(icd10_counts_substance(&c));
	classify_ok("F17.211", &c); /* nicotine dependence, cigarettes, in remission */
	assert_false(icd10_counts_substance(&c));
	classify_bad("F17.10", "nicotine");
	classify_bad("F17.90", "nicotine");
}

static void test_substance_needs_4th_char(void **state)
{
	(void)state;
	classify_bad("F11", "4th character");
	classify_bad("F11.5", "4th character must be");
	classify_bad("F11.0", "4th character must be");
	classify_bad("F10.8", NULL);
}

static void test_substance_induced_not_mental(void **state)
{
	(void)state;
	struct icd10_class c;
	classify_ok("F11.24", &c); /* opioid dependence with opioid-induced mood disorder */
	assert_int_equal(c.category, ICD10_SUBSTANCE_USE);
	assert_false(icd10_counts_mental(&c));
	assert_true(icd10_counts_substance(&c));
}

static void test_unknown_categories(void **state)
{
	(void)state;
	classify_bad("Z99.9", "not in a category");
	classify_bad("E11.9", "not in a category");
	classify_bad("F01.50", "not in a category"); /* organic: left out on purpose */
	classify_bad("F70", "not in a category");
}

static void test_placeholder_x_format(void **state)
{
	(void)state;
	struct icd10_class c;
	/* The format rule is "letter, two digits, '.', 1-4 of [0-9A-Z]": a
	 * trailing X passes the format check and classifies by its 4th char. */
	classify_ok("F11.2X", &c);
	assert_string_equal(c.code, "F11.2X");
	assert_string_equal(c.pattern, "dependence");
	assert_false(c.in_remission);
	classify_ok("f11.2x", &c);
	assert_string_equal(c.code, "F11.2X");
}

static void test_garbage(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "F", "F1", "hello", "F11.", "F11..20", "F1.120", "F11.20.1", "F11.2-0",
		"F11 20", "1F1.20", "FF1.20", "F11.20000", "F11.201234", "F11.2\n", "F11.2%",
		"ÄÖÜ.1",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		classify_bad(bad[i], NULL);
	classify_bad(NULL, NULL);
	/* The message quotes at most 20 characters of hostile input. */
	char longin[100];
	memset(longin, 'A', sizeof longin - 1);
	longin[sizeof longin - 1] = '\0';
	struct tdm_err err;
	struct icd10_class c;
	assert_int_equal(icd10_classify(longin, &c, &err), TDM_EINVAL);
	assert_null(strstr(err.msg, "AAAAAAAAAAAAAAAAAAAAA"));
}

static void test_rule_version(void **state)
{
	(void)state;
	assert_string_equal(icd10_rule_version(), "2026-11-29");
	assert_string_equal(icd10_category_name((enum icd10_category)0), "unknown");
}

static void test_load_bad_dir(void **state)
{
	(void)state;
	struct tdm_err err;
	assert_status(TDM_EIO, icd10_load("/nonexistent-dir", &err), &err);
	assert_non_null(strstr(err.msg, "icd10-categories.conf"));
	/* Reload the real tables for any test that runs after. */
	assert_ok(icd10_load("data", &err), &err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opioid_dependence),
		cmocka_unit_test(test_normalisation),
		cmocka_unit_test(test_remission_and_patterns),
		cmocka_unit_test(test_mental_health),
		cmocka_unit_test(test_nicotine),
		cmocka_unit_test(test_substance_needs_4th_char),
		cmocka_unit_test(test_substance_induced_not_mental),
		cmocka_unit_test(test_unknown_categories),
		cmocka_unit_test(test_placeholder_x_format),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_rule_version),
		cmocka_unit_test(test_load_bad_dir),
	};
	return cmocka_run_group_tests_name("icd10", tests, setup, NULL);
}
