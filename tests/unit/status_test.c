/* Tests for src/util/status.c: tdm_fail, code names, strerror. */
#include "unit.h"

static void test_fail_fills_context(void **state)
{
	(void)state;
	struct tdm_err err;
	tdm_err_clear(&err);
	enum tdm_status rc = tdm_fail(&err, TDM_EINVAL, "birth_date", "must be %s, got '%s'",
				      "YYYY-MM-DD", "1/2/3");
	assert_int_equal(rc, TDM_EINVAL);
	assert_int_equal(err.code, TDM_EINVAL);
	assert_string_equal(err.field, "birth_date");
	assert_string_equal(err.msg, "must be YYYY-MM-DD, got '1/2/3'");
}

static void test_fail_null_field_and_null_err(void **state)
{
	(void)state;
	struct tdm_err err;
	memset(&err, 'x', sizeof err);
	assert_int_equal(tdm_fail(&err, TDM_ENOTFOUND, NULL, "no patient %d", 12), TDM_ENOTFOUND);
	assert_string_equal(err.field, "");
	assert_string_equal(err.msg, "no patient 12");
	/* A NULL context is allowed and only returns the code. */
	assert_int_equal(tdm_fail(NULL, TDM_ECONFLICT, "mrn", "taken"), TDM_ECONFLICT);
}

static void test_fail_truncates_long_message(void **state)
{
	(void)state;
	struct tdm_err err;
	char big[600], field[200];
	memset(big, 'm', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	memset(field, 'f', sizeof field - 1);
	field[sizeof field - 1] = '\0';
	tdm_fail(&err, TDM_EINVAL, field, "%s", big);
	assert_int_equal(strlen(err.msg), sizeof err.msg - 1);
	assert_int_equal(strlen(err.field), sizeof err.field - 1);
}

static void test_clear(void **state)
{
	(void)state;
	struct tdm_err err;
	tdm_fail(&err, TDM_EDB, "db", "boom");
	tdm_err_clear(&err);
	assert_int_equal(err.code, TDM_OK);
	assert_string_equal(err.field, "");
	assert_string_equal(err.msg, "");
	tdm_err_clear(NULL); /* no crash */
}

static void test_code_names(void **state)
{
	(void)state;
	assert_string_equal(tdm_code_name(TDM_OK), "ok");
	assert_string_equal(tdm_code_name(TDM_EINVAL), "invalid");
	assert_string_equal(tdm_code_name(TDM_ENOTFOUND), "not_found");
	assert_string_equal(tdm_code_name(TDM_ECONFLICT), "conflict");
	assert_string_equal(tdm_code_name(TDM_EFORBIDDEN), "forbidden");
	assert_string_equal(tdm_code_name(TDM_EUNAUTH), "unauthorized");
	assert_string_equal(tdm_code_name(TDM_ETOOBIG), "too_large");
	assert_string_equal(tdm_code_name(TDM_ETHROTTLED), "throttled");
	assert_string_equal(tdm_code_name(TDM_EBUSY), "unavailable");
	assert_string_equal(tdm_code_name(TDM_EDB), "database_error");
	assert_string_equal(tdm_strerror(TDM_ENOTFOUND), "not found");
	assert_string_equal(tdm_strerror(TDM_ENOMEM), "out of memory");
	/* Out of range never gives NULL. */
	assert_string_equal(tdm_code_name((enum tdm_status)999), "internal");
	assert_string_equal(tdm_strerror((enum tdm_status)-1), "internal error");
}

static void test_every_status_named_and_distinct(void **state)
{
	(void)state;
	for (int i = 0; i < TDM_STATUS_COUNT; i++) {
		const char *c = tdm_code_name((enum tdm_status)i);
		const char *t = tdm_strerror((enum tdm_status)i);
		assert_non_null(c);
		assert_non_null(t);
		assert_true(c[0] != '\0');
		assert_true(t[0] != '\0');
		for (const char *s = c; *s; s++)
			assert_true((*s >= 'a' && *s <= 'z') || *s == '_');
		for (int j = 0; j < i; j++)
			assert_string_not_equal(c, tdm_code_name((enum tdm_status)j));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fail_fills_context),
		cmocka_unit_test(test_fail_null_field_and_null_err),
		cmocka_unit_test(test_fail_truncates_long_message),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_code_names),
		cmocka_unit_test(test_every_status_named_and_distinct),
	};
	return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}
