/* Tests for src/util/conf.c: sections, comments, repeated keys, bad lines. */
#include "unit.h"

#include "util/conf.h"

struct tmp {
	char dir[256];
	char path[300];
};

static int setup(void **state)
{
	struct tmp *t = calloc(1, sizeof *t);
	if (!t)
		return -1;
	unit_tmpdir(t->dir, sizeof t->dir);
	snprintf(t->path, sizeof t->path, "%s/x.conf", t->dir);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tmp *t = *state;
	unlink(t->path);
	rmdir(t->dir);
	free(t);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void test_sections_comments_values(void **state)
{
	struct tmp *t = *state;
	struct conf c;
	struct tdm_err err;
	write_file(t->path,
		   "# a comment\n"
		   "top = level\n"
		   "\n"
		   "[detox]\n"
		   "   label =   Withdrawal management  \n"
		   "\t# indented comment\n"
		   "asam = 1-WM, 2-WM\n"
		   "[ residential ]\n"
		   "label = Residential\n"
		   "range = F20-F48\n"
		   "range = F50-F69\n"
		   "url = http://x/?a=b\n"
		   "empty =\n");
	assert_ok(conf_load(&c, t->path, &err), &err);
	assert_string_equal(c.path, t->path);
	assert_int_equal(c.n, 8);
	assert_string_equal(conf_get(&c, "", "top"), "level");
	assert_string_equal(conf_get(&c, "detox", "label"), "Withdrawal management");
	assert_string_equal(conf_get(&c, "detox", "asam"), "1-WM, 2-WM");
	assert_string_equal(conf_get(&c, "residential", "label"), "Residential");
	/* Repeated keys keep each entry; conf_get gives the first. */
	assert_string_equal(conf_get(&c, "residential", "range"), "F20-F48");
	assert_string_equal(c.e[5].key, "range");
	assert_string_equal(c.e[5].value, "F50-F69");
	assert_int_equal(c.e[5].line, 11);
	/* Only the first '=' splits. */
	assert_string_equal(conf_get(&c, "residential", "url"), "http://x/?a=b");
	assert_string_equal(conf_get(&c, "residential", "empty"), "");
	assert_int_equal(c.e[0].line, 2);
	assert_int_equal(c.e[1].line, 5);
	assert_null(conf_get(&c, "detox", "missing"));
	assert_null(conf_get(&c, "nosuch", "label"));
	assert_null(conf_get(&c, "", "label"));
	conf_release(&c);
	assert_int_equal(c.n, 0);
	assert_null(c.e);
}

static void test_many_entries_grow(void **state)
{
	struct tmp *t = *state;
	struct conf c;
	struct tdm_err err;
	FILE *f = fopen(t->path, "w");
	assert_non_null(f);
	fputs("[s]\n", f);
	for (int i = 0; i < 100; i++)
		fprintf(f, "k%d = v%d\n", i, i);
	fclose(f);
	assert_ok(conf_load(&c, t->path, &err), &err);
	assert_int_equal(c.n, 100);
	assert_string_equal(conf_get(&c, "s", "k99"), "v99");
	assert_int_equal(c.e[99].line, 101);
	conf_release(&c);
}

static void test_crlf_and_no_final_newline(void **state)
{
	struct tmp *t = *state;
	struct conf c;
	struct tdm_err err;
	write_file(t->path, "[rule]\r\nversion = 2026-11-29\r\n# note\r\ncount_nicotine = no");
	assert_ok(conf_load(&c, t->path, &err), &err);
	assert_int_equal(c.n, 2);
	assert_string_equal(conf_get(&c, "rule", "version"), "2026-11-29");
	assert_string_equal(conf_get(&c, "rule", "count_nicotine"), "no");
	assert_int_equal(c.e[1].line, 4);
	conf_release(&c);
}

static void expect_bad(struct tmp *t, const char *text, int line, const char *what)
{
	struct conf c;
	struct tdm_err err;
	char where[320];
	tdm_err_clear(&err);
	write_file(t->path, text);
	assert_status(TDM_EINVAL, conf_load(&c, t->path, &err), &err);
	assert_int_equal(err.code, TDM_EINVAL);
	snprintf(where, sizeof where, "%s:%d:", t->path, line);
	if (!strstr(err.msg, where))
		fail_msg("message '%s' does not name %s", err.msg, where);
	if (!strstr(err.msg, what))
		fail_msg("message '%s' does not say '%s'", err.msg, what);
	assert_int_equal(c.n, 0);
	assert_null(c.e);
}

static void test_bad_line_names_file_and_line(void **state)
{
	struct tmp *t = *state;
	expect_bad(t, "[a]\nk = v\njust some words\nx = y\n", 3, "expected key = value");
	expect_bad(t, "# c\n[unclosed\n", 2, "bad section header");
	expect_bad(t, "[a] trailing\n", 1, "bad section header");
	expect_bad(t, "[a]\n = novalue\n", 2, "empty");
	char longkey[200];
	memset(longkey, 'k', 60);
	snprintf(longkey + 60, sizeof longkey - 60, " = v\n");
	expect_bad(t, longkey, 1, "too long");
	char longline[700];
	memset(longline, 'v', 650);
	memcpy(longline, "k = ", 4);
	longline[650] = '\n';
	longline[651] = '\0';
	expect_bad(t, longline, 1, "line too long");
}

static void test_missing_file(void **state)
{
	struct tmp *t = *state;
	struct conf c;
	struct tdm_err err;
	char path[320];
	snprintf(path, sizeof path, "%s/nope.conf", t->dir);
	assert_status(TDM_EIO, conf_load(&c, path, &err), &err);
	assert_non_null(strstr(err.msg, path));
	conf_release(&c); /* safe after a failed load */
}

static void test_numbers(void **state)
{
	(void)state;
	int i = -1;
	double d = -1;
	assert_int_equal(conf_int("42", 0, 100, &i), 0);
	assert_int_equal(i, 42);
	assert_int_equal(conf_int("7  ", 0, 100, &i), 0);
	assert_int_equal(i, 7);
	assert_int_equal(conf_int("101", 0, 100, &i), -1);
	assert_int_equal(conf_int("-1", 0, 100, &i), -1);
	assert_int_equal(conf_int("1h", 0, 100, &i), -1);
	assert_int_equal(conf_int("", 0, 100, &i), -1);
	assert_int_equal(conf_int("99999999999999999999", 0, 2147483647, &i), -1);
	assert_int_equal(conf_double("0.05", &d), 0);
	assert_true(d == 0.05);
	assert_int_equal(conf_double("1e3 ", &d), 0);
	assert_true(d == 1000);
	assert_int_equal(conf_double("nan", &d), -1);
	assert_int_equal(conf_double("inf", &d), -1);
	assert_int_equal(conf_double("3 mg", &d), -1);
	assert_int_equal(conf_double("", &d), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sections_comments_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_entries_grow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crlf_and_no_final_newline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_line_names_file_and_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
		cmocka_unit_test(test_numbers),
	};
	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
