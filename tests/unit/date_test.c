/* Tests for src/util/date.c: strict dates, day arithmetic, instants, ages. */
#include "unit.h"

static void test_parse_accepts_real_days(void **state)
{
	(void)state;
	int y = 0, m = 0, d = 0;
	assert_int_equal(date_parse("2024-02-29", &y, &m, &d), 0);
	assert_int_equal(y, 2024);
	assert_int_equal(m, 2);
	assert_int_equal(d, 29);
	assert_int_equal(date_parse("2000-02-29", NULL, NULL, NULL), 0); /* 400-year leap */
	assert_int_equal(date_parse("1999-12-31", &y, &m, &d), 0);
	assert_int_equal(y, 1999);
	assert_int_equal(m, 12);
	assert_int_equal(d, 31);
	assert_true(date_valid("2023-04-30"));
}

static void test_parse_rejects(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"2023-02-29", /* not a leap year */
		"1900-02-29", /* century, not leap */
		"2024-13-01", "2024-00-10", "2024-04-31", "2024-01-00", "2024-01-32",
		"2024-1-01", "2024-01-1", "24-01-01", "2024/01/01", "2024-01-01T00:00:00Z",
		" 2024-01-01", "2024-01-01 ", "2024-0a-01", "+024-01-01", "", "garbage!!!",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int y = -7;
		if (date_parse(bad[i], &y, NULL, NULL) != -1)
			fail_msg("date_parse accepted '%s'", bad[i]);
		assert_int_equal(y, -7); /* outputs untouched on failure */
		assert_false(date_valid(bad[i]));
	}
	assert_int_equal(date_parse(NULL, NULL, NULL, NULL), -1);
}

static void test_days_round_trip(void **state)
{
	(void)state;
	char out[DATE_LEN];
	assert_int_equal(date_days(1970, 1, 1), 0);
	date_from_days(0, out);
	assert_string_equal(out, "1970-01-01");
	assert_int_equal(date_days(2000, 3, 1), 11017);
	date_from_days(11017, out);
	assert_string_equal(out, "2000-03-01");
	assert_int_equal(date_days(2000, 2, 29), 11016);
	assert_int_equal(date_days(1969, 12, 31), -1);
	date_from_days(-1, out);
	assert_string_equal(out, "1969-12-31");
	date_from_days(19782, out); /* 2024-02-29 */
	assert_string_equal(out, "2024-02-29");
	/* Every day from 1899 to 2101 round-trips and is consecutive. */
	int64_t start = date_days(1899, 1, 1), prev = start - 1;
	for (int64_t z = start; z <= date_days(2101, 1, 1); z++) {
		int y, m, d;
		date_from_days(z, out);
		assert_int_equal(date_parse(out, &y, &m, &d), 0);
		assert_int_equal(date_days(y, m, d), z);
		assert_int_equal(z, prev + 1);
		prev = z;
	}
}

static void test_add_days(void **state)
{
	(void)state;
	char out[DATE_LEN];
	date_add_days("2024-01-31", 1, out);
	assert_string_equal(out, "2024-02-01");
	date_add_days("2024-02-28", 1, out);
	assert_string_equal(out, "2024-02-29");
	date_add_days("2023-02-28", 1, out);
	assert_string_equal(out, "2023-03-01");
	date_add_days("2024-03-01", -1, out);
	assert_string_equal(out, "2024-02-29");
	date_add_days("2023-12-31", 1, out);
	assert_string_equal(out, "2024-01-01");
	date_add_days("2024-01-01", -1, out);
	assert_string_equal(out, "2023-12-31");
	date_add_days("2024-01-01", 366, out);
	assert_string_equal(out, "2025-01-01");
	date_add_days("2024-05-17", 0, out);
	assert_string_equal(out, "2024-05-17");
	date_add_days("2024-03-31", -30, out);
	assert_string_equal(out, "2024-03-01");
	/* An invalid input gives a recognisably invalid output. */
	date_add_days("2024-02-30", 1, out);
	assert_false(date_valid(out));
}

static void test_instant_round_trip(void **state)
{
	(void)state;
	char out[INSTANT_LEN];
	time_t t = 12345;
	instant_format(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	assert_int_equal(instant_parse("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(instant_parse("2024-02-29T23:59:59Z", &t), 0);
	assert_int_equal(t, (time_t)19782 * 86400 + 86399);
	instant_format(t, out);
	assert_string_equal(out, "2024-02-29T23:59:59Z");
	time_t now = time(NULL);
	instant_format(now, out);
	assert_int_equal(strlen(out), INSTANT_LEN - 1);
	assert_int_equal(instant_parse(out, &t), 0);
	assert_int_equal(t, now);
	/* Instants are UTC whatever the zone. */
	assert_int_equal(date_set_zone("America/Chicago"), 0);
	instant_format(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	assert_int_equal(date_set_zone("UTC"), 0);
}

static void test_instant_parse_rejects(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"2024-02-30T00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T10:60:00Z",
		"2024-01-01T10:00:00",  "2024-01-01 10:00:00Z", "2024-01-01T10:00:00+01",
		"2024-01-01T1:00:00Z",  "2024-01-01T10-00-00Z", "",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		time_t t;
		if (instant_parse(bad[i], &t) != -1)
			fail_msg("instant_parse accepted '%s'", bad[i]);
	}
	time_t t;
	assert_int_equal(instant_parse(NULL, &t), -1);
}

static void test_local_day_uses_zone(void **state)
{
	(void)state;
	char day[DATE_LEN];
	time_t t;
	/* 03:00 UTC on 1 March is still 28 February in Chicago (UTC-6). */
	assert_int_equal(instant_parse("2023-03-01T03:00:00Z", &t), 0);
	assert_int_equal(date_set_zone("America/Chicago"), 0);
	assert_string_equal(date_zone(), "America/Chicago");
	date_local_day(t, day);
	assert_string_equal(day, "2023-02-28");
	assert_int_equal(date_set_zone("UTC"), 0);
	date_local_day(t, day);
	assert_string_equal(day, "2023-03-01");
	assert_int_equal(date_set_zone("No/Such_Zone"), -1);
	assert_int_equal(date_set_zone("../etc/passwd"), -1);
	assert_int_equal(date_set_zone("/etc/passwd"), -1);
	assert_string_equal(date_zone(), "UTC");
}

static void test_age_years(void **state)
{
	(void)state;
	assert_int_equal(date_age_years("1990-06-15", "2024-06-14"), 33);
	assert_int_equal(date_age_years("1990-06-15", "2024-06-15"), 34);
	assert_int_equal(date_age_years("1990-06-15", "2024-06-16"), 34);
	assert_int_equal(date_age_years("1990-06-15", "2024-05-30"), 33);
	/* Born on 29 February: a year older on 1 March in common years. */
	assert_int_equal(date_age_years("2000-02-29", "2018-02-28"), 17);
	assert_int_equal(date_age_years("2000-02-29", "2018-03-01"), 18);
	assert_int_equal(date_age_years("2000-02-29", "2020-02-29"), 20);
	assert_int_equal(date_age_years("2024-01-01", "2024-01-01"), 0);
	assert_int_equal(date_age_years("2024-13-01", "2024-01-01"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_accepts_real_days),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_days_round_trip),
		cmocka_unit_test(test_add_days),
		cmocka_unit_test(test_instant_round_trip),
		cmocka_unit_test(test_instant_parse_rejects),
		cmocka_unit_test(test_local_day_uses_zone),
		cmocka_unit_test(test_age_years),
	};
	return cmocka_run_group_tests_name("date", tests, NULL, NULL);
}
