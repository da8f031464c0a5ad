/* Tests for src/util/crypto.c: tokens, SHA-256, Argon2id, constant-time compare. */
#include "unit.h"

static int setup(void **state)
{
	(void)state;
	return crypto_init();
}

static int is_b64url(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static void test_token_length_alphabet_unique(void **state)
{
	(void)state;
	char tok[20][TOKEN_LEN];
	for (int i = 0; i < 20; i++) {
		crypto_token(tok[i]);
		assert_int_equal(strlen(tok[i]), 43);
		for (int k = 0; k < 43; k++)
			assert_true(is_b64url(tok[i][k]));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(tok[i], tok[j]);
	}
}

static void test_sha256_vectors(void **state)
{
	(void)state;
	char h[SHA256_HEX];
	crypto_sha256_hex("abc", 3, h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	crypto_sha256_hex("", 0, h);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_int_equal(strlen(h), 64);
}

static void test_pw_hash_verify(void **state)
{
	(void)state;
	char h[PWHASH_LEN], h2[PWHASH_LEN];
	assert_int_equal(crypto_pw_hash("correct horse battery", h), 0);
	assert_non_null(strstr(h, "$argon2id$"));
	assert_true(crypto_pw_verify(h, "correct horse battery"));
	assert_false(crypto_pw_verify(h, "correct horse batterY"));
	assert_false(crypto_pw_verify(h, ""));
	assert_false(crypto_pw_verify("not a hash", "correct horse battery"));
	assert_false(crypto_pw_verify("", ""));
	/* Salted: the same password hashes differently each time. */
	assert_int_equal(crypto_pw_hash("correct horse battery", h2), 0);
	assert_string_not_equal(h, h2);
	assert_true(crypto_pw_verify(h2, "correct horse battery"));
}

static void test_password_generator(void **state)
{
	(void)state;
	char pw[21], pw2[21];
	crypto_password(pw, sizeof pw);
	crypto_password(pw2, sizeof pw2);
	assert_int_equal(strlen(pw), 20);
	assert_string_not_equal(pw, pw2);
	for (int i = 0; i < 20; i++) {
		assert_non_null(strchr("abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789", pw[i]));
		assert_null(strchr("il1oO0I", pw[i])); /* no look-alikes */
	}
}

static void test_equal_and_wipe(void **state)
{
	(void)state;
	assert_true(crypto_equal("abcdef", "abcdef", 6));
	assert_false(crypto_equal("abcdef", "abcdeg", 6));
	assert_true(crypto_equal("abcdef", "abcxyz", 3));
	char secret[16] = "hunter2hunter2";
	crypto_wipe(secret, sizeof secret);
	for (size_t i = 0; i < sizeof secret; i++)
		assert_int_equal(secret[i], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_length_alphabet_unique),
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_pw_hash_verify),
		cmocka_unit_test(test_password_generator),
		cmocka_unit_test(test_equal_and_wipe),
	};
	return cmocka_run_group_tests_name("crypto", tests, setup, NULL);
}
