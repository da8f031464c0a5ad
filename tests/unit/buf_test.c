/* Tests for src/util/buf.c: growth, the cap and its sticky error, printf, detach. */
#include "unit.h"

#include "util/buf.h"

static void test_empty_is_empty_string(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 100);
	assert_non_null(b.p);
	assert_string_equal(b.p, "");
	assert_int_equal(b.len, 0);
	assert_int_equal(b.err, 0);
	buf_release(&b);
	assert_string_equal(b.p, "");
	assert_int_equal(b.max, 100);
}

static void test_growth(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 1 << 20);
	for (int i = 0; i < 5000; i++)
		buf_addc(&b, (char)('a' + i % 26));
	assert_int_equal(b.err, 0);
	assert_int_equal(b.len, 5000);
	assert_true(b.cap >= 5001);
	assert_int_equal(strlen(b.p), 5000);
	for (int i = 0; i < 5000; i++)
		assert_int_equal(b.p[i], 'a' + i % 26);
	buf_adds(&b, "END");
	assert_int_equal(b.len, 5003);
	assert_string_equal(b.p + 5000, "END");
	buf_release(&b);
}

static void test_add_binary_keeps_nul_terminated(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 64);
	buf_add(&b, "ab\0cd", 5);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.p, "ab\0cd", 6); /* includes the trailing NUL */
	buf_release(&b);
}

static void test_cap_exact_fits(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 10);
	buf_adds(&b, "0123456789");
	assert_int_equal(b.err, 0);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.p, "0123456789");
	assert_true(b.cap <= 11); /* never allocates past max + NUL */
	buf_release(&b);
}

static void test_cap_sets_sticky_error(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 10);
	buf_adds(&b, "12345678");
	assert_int_equal(b.err, 0);
	buf_adds(&b, "abc"); /* 11 > 10 */
	assert_int_equal(b.err, TDM_ETOOBIG);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.p, "12345678");
	/* Sticky: a later append that would fit is ignored too. */
	buf_addc(&b, 'x');
	buf_printf(&b, "%d", 7);
	assert_int_equal(b.err, TDM_ETOOBIG);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.p, "12345678");
	/* reset clears the error and the contents. */
	buf_reset(&b);
	assert_int_equal(b.err, 0);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.p, "");
	buf_adds(&b, "ok");
	assert_string_equal(b.p, "ok");
	buf_release(&b);
}

static void test_cap_zero(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	buf_addc(&b, 'x');
	assert_int_equal(b.err, TDM_ETOOBIG);
	assert_string_equal(b.p, "");
	buf_release(&b);
}

static void test_printf_short_and_long(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 4096);
	buf_printf(&b, "%s=%d;", "n", 42);
	assert_string_equal(b.p, "n=42;");
	/* Longer than buf_printf's 256-byte stack buffer: the second path. */
	char big[1001];
	memset(big, 'z', 1000);
	big[1000] = '\0';
	buf_printf(&b, "[%s]", big);
	assert_int_equal(b.err, 0);
	assert_int_equal(b.len, 5 + 1002);
	assert_int_equal(strlen(b.p), b.len);
	assert_memory_equal(b.p, "n=42;[zzz", 9);
	assert_int_equal(b.p[b.len - 1], ']');
	buf_release(&b);
}

static void test_printf_long_over_cap(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 300);
	buf_adds(&b, "head");
	char big[400];
	memset(big, 'q', 399);
	big[399] = '\0';
	buf_printf(&b, "%s", big);
	assert_int_equal(b.err, TDM_ETOOBIG);
	assert_string_equal(b.p, "head");
	buf_release(&b);
}

static void test_detach(void **state)
{
	(void)state;
	struct buf b;
	size_t len = 0;
	buf_init(&b, 1000);
	buf_printf(&b, "{\"id\":%d}", 7);
	char *s = buf_detach(&b, &len);
	assert_string_equal(s, "{\"id\":7}");
	assert_int_equal(len, 8);
	/* The buffer is empty and usable again; the memory is the caller's. */
	assert_int_equal(b.len, 0);
	assert_string_equal(b.p, "");
	buf_adds(&b, "again");
	assert_string_equal(b.p, "again");
	assert_string_equal(s, "{\"id\":7}");
	free(s);
	buf_release(&b);
}

static void test_detach_empty_gives_heap_string(void **state)
{
	(void)state;
	struct buf b;
	size_t len = 99;
	buf_init(&b, 10);
	char *s = buf_detach(&b, &len);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s); /* must be freeable */
	s = buf_detach(&b, NULL);
	assert_non_null(s);
	free(s);
}

/* "No limit" spelled as the largest size: max + 1 must not wrap to 0. */
static void test_max_size_t_no_overflow(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, (size_t)-1);
	buf_adds(&b, "hello");
	assert_int_equal(b.err, 0);
	assert_true(b.cap >= b.len + 1);
	buf_printf(&b, " %s", "world");
	assert_string_equal(b.p, "hello world");
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_is_empty_string),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_add_binary_keeps_nul_terminated),
		cmocka_unit_test(test_cap_exact_fits),
		cmocka_unit_test(test_cap_sets_sticky_error),
		cmocka_unit_test(test_cap_zero),
		cmocka_unit_test(test_printf_short_and_long),
		cmocka_unit_test(test_printf_long_over_cap),
		cmocka_unit_test(test_detach),
		cmocka_unit_test(test_detach_empty_gives_heap_string),
		cmocka_unit_test(test_max_size_t_no_overflow),
	};
	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
