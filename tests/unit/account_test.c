/* Tests for src/domain/account.c: users, sites, sessions, throttling.
 * Each Argon2id hash costs ~0.1 s: logins are kept few. */
#include "unit.h"

#include "domain/audit.h"

#define PW "correct horse battery"

static void test_username_rules(void **state)
{
	(void)state;
	struct tdm_err err;
	assert_ok(account_check_username("ab", &err), &err);
	assert_ok(account_check_username("jane.doe_2-x", &err), &err);
	static const char *const bad[] = {"a", "", "Jane", "2jane", "jane doe", "jane@x", "-jane",
					  "jané", "JANE"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		tdm_err_clear(&err);
		if (account_check_username(bad[i], &err) != TDM_EINVAL)
			fail_msg("username '%s' accepted", bad[i]);
		assert_string_equal(err.field, "username");
	}
	char longname[TDM_LEN_USERNAME + 2];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert_int_equal(account_check_username(longname, &err), TDM_EINVAL);
	longname[TDM_LEN_USERNAME] = '\0';
	assert_ok(account_check_username(longname, &err), &err);
	assert_int_equal(account_check_username(NULL, &err), TDM_EINVAL);
}

static void test_password_rules(void **state)
{
	(void)state;
	struct tdm_err err;
	assert_int_equal(account_check_password("elevenchars", &err), TDM_EINVAL);
	assert_string_equal(err.field, "password");
	assert_non_null(strstr(err.msg, "12"));
	assert_ok(account_check_password("twelve chars", &err), &err);
	char big[TDM_LEN_PASSWORD + 2];
	memset(big, 'p', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(account_check_password(big, &err), TDM_EINVAL);
	assert_string_equal(err.field, "password");
	assert_int_equal(account_check_password(NULL, &err), TDM_EINVAL);
}

static void test_bootstrap(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	char pw[32];
	int created = -1;
	assert_string_equal(t->site.code, "main");
	assert_string_equal(t->site.name, "Main clinic");
	assert_int_equal(strlen(t->admin_pw), sizeof t->admin_pw - 1);
	/* Second start: nothing created. */
	assert_ok(account_bootstrap(t->db, pw, sizeof pw, &created, &err), &err);
	assert_int_equal(created, 0);
	assert_int_equal(t->db->in_tx, 0);
	assert_int_equal(tdb_audit_count(t, "user.create"), 1);
}

static void test_add_validates_and_conflicts(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	int64_t id = 0;
	tdm_err_clear(&err);
	assert_status(TDM_EINVAL, account_add(t->db, &t->sys, "nina", "short", ROLE_NURSE, NULL,
					      &id, &err), &err);
	assert_string_equal(err.field, "password");
	assert_status(TDM_EINVAL, account_add(t->db, &t->sys, "Nina", PW, ROLE_NURSE, NULL, &id,
					      &err), &err);
	assert_string_equal(err.field, "username");
	assert_status(TDM_EINVAL, account_add(t->db, &t->sys, "nina", PW, 0, NULL, &id, &err), &err);
	assert_string_equal(err.field, "role");
	assert_status(TDM_EINVAL, account_add(t->db, &t->sys, "nina", PW, 1u << 9, NULL, &id, &err),
		      &err);
	assert_status(TDM_ENOTFOUND, account_add(t->db, &t->sys, "nina", PW, ROLE_NURSE, "nosuch",
						 &id, &err), &err);
	assert_string_equal(err.field, "site");
	assert_int_equal(id, 0);

	assert_ok(account_add(t->db, &t->sys, "nina", PW, ROLE_NURSE, NULL, &id, &err), &err);
	assert_true(id > 1); /* admin is 1 */
	tdm_err_clear(&err);
	assert_status(TDM_ECONFLICT, account_add(t->db, &t->sys, "nina", PW, ROLE_NURSE, NULL, NULL,
						 &err), &err);
	assert_string_equal(err.field, "username");
	assert_non_null(strstr(err.msg, "nina"));
	assert_status(TDM_ECONFLICT, account_add(t->db, &t->sys, "admin", PW, ROLE_ADMIN, NULL, NULL,
						 &err), &err);
	assert_int_equal(t->db->in_tx, 0);
}

static void test_add_forbidden_at_other_site(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct site north;
	struct actor boss;
	assert_ok(site_add(t->db, "north", "North clinic", &north, &err), &err);
	unit_actor(&boss, 1, "admin", t->site.id, ROLE_ADMIN);
	boss.route_roles = ROLE_ADMIN;
	assert_status(TDM_EFORBIDDEN, account_add(t->db, &boss, "ned", PW, ROLE_NURSE, "north", NULL,
						  &err), &err);
	assert_string_equal(err.field, "site");
	assert_status(TDM_EFORBIDDEN, account_grant(t->db, &boss, "admin", ROLE_NURSE, "north", &err),
		      &err);
}

static void test_sites(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct site s, *list = NULL;
	int n = 0;
	assert_ok(site_add(t->db, "north-2", "North", &s, &err), &err);
	assert_true(s.id > t->site.id);
	assert_string_equal(s.code, "north-2");
	assert_status(TDM_ECONFLICT, site_add(t->db, "north-2", "Again", NULL, &err), &err);
	assert_status(TDM_EINVAL, site_add(t->db, "North", "Bad code", NULL, &err), &err);
	assert_string_equal(err.field, "site");
	assert_status(TDM_EINVAL, site_add(t->db, "ok", "", NULL, &err), &err);
	assert_string_equal(err.field, "name");
	assert_ok(site_by_code(t->db, "north-2", &s, &err), &err);
	assert_string_equal(s.name, "North");
	assert_status(TDM_ENOTFOUND, site_by_code(t->db, "south", &s, &err), &err);
	assert_ok(site_list(t->db, &t->sys, &list, &n, &err), &err);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].code, "main");
	assert_string_equal(list[1].code, "north-2");
	free(list);
	/* A user sees only the sites they hold a role at. */
	struct actor nurse;
	tdb_user(t, "nora", "north-2", ROLE_NURSE, &nurse);
	assert_ok(site_list(t->db, &nurse, &list, &n, &err), &err);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].code, "north-2");
	free(list);
}

static void test_login_authenticate_grants(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct site north;
	char tok[TOKEN_LEN], exp[INSTANT_LEN], now[INSTANT_LEN];
	int64_t id = 0;
	assert_ok(site_add(t->db, "north", "North clinic", &north, &err), &err);
	assert_ok(account_add(t->db, &t->sys, "nina", PW, ROLE_NURSE | ROLE_INTAKE, NULL, &id, &err),
		  &err);
	assert_ok(account_grant(t->db, &t->sys, "nina", ROLE_THERAPIST, "north", &err), &err);
	assert_ok(account_grant(t->db, &t->sys, "nina", ROLE_NURSE, NULL, &err), &err); /* held */
	assert_status(TDM_ENOTFOUND, account_grant(t->db, &t->sys, "nobody", ROLE_NURSE, NULL, &err),
		      &err);

	assert_ok(account_login(t->db, "nina", PW, "10.0.0.1", "req-1", tok, exp, &err), &err);
	assert_int_equal(strlen(tok), 43);
	instant_now(now);
	assert_true(strcmp(exp, now) > 0);
	time_t te, tn;
	assert_int_equal(instant_parse(exp, &te), 0);
	assert_int_equal(instant_parse(now, &tn), 0);
	assert_in_range(te - tn, TDM_SESSION_TTL_SECONDS - 5, TDM_SESSION_TTL_SECONDS);

	struct actor a;
	memset(&a, 0, sizeof a);
	assert_ok(account_authenticate(t->db, tok, &a, &err), &err);
	assert_int_equal(a.user_id, id);
	assert_string_equal(a.username, "nina");
	assert_false(a.all_sites);
	assert_int_equal(a.n_grants, 2);
	assert_int_equal(access_roles_at(&a, t->site.id), ROLE_NURSE | ROLE_INTAKE);
	assert_int_equal(access_roles_at(&a, north.id), ROLE_THERAPIST);
	assert_int_equal(t->db->in_tx, 0);

	/* Only the token's hash is stored. */
	struct stmt *st = db_prepare(t->db, "SELECT COUNT(*) FROM session WHERE token_hash = ?", &err);
	int64_t n = -1;
	int found;
	assert_non_null(st);
	db_bind_text(st, 1, tok);
	assert_ok(db_query_int(st, &n, &found, &err), &err);
	assert_int_equal(n, 0);
	char th[SHA256_HEX];
	crypto_sha256_hex(tok, strlen(tok), th);
	db_bind_text(st, 1, th);
	assert_ok(db_query_int(st, &n, &found, &err), &err);
	assert_int_equal(n, 1);

	/* Malformed and unknown tokens. */
	assert_status(TDM_EUNAUTH, account_authenticate(t->db, "abc", &a, &err), &err);
	assert_status(TDM_EUNAUTH, account_authenticate(t->db, NULL, &a, &err), &err);
	char other[TOKEN_LEN];
	crypto_token(other);
	assert_status(TDM_EUNAUTH, account_authenticate(t->db, other, &a, &err), &err);
	assert_int_equal(tdb_audit_count(t, "session.create"), 1);
}

static void test_wrong_password_and_unknown_user(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	char tok[TOKEN_LEN] = "", exp[INSTANT_LEN] = "";
	struct audit_row *rows;
	int n;
	int64_t total;
	assert_ok(account_add(t->db, &t->sys, "nina", PW, ROLE_NURSE, NULL, NULL, &err), &err);
	tdm_err_clear(&err);
	assert_status(TDM_EUNAUTH, account_login(t->db, "nina", "wrong password!", "10.0.0.1", "r",
						 tok, exp, &err), &err);
	/* Same message for an unknown user: no user enumeration. */
	char msg[sizeof err.msg];
	snprintf(msg, sizeof msg, "%s", err.msg);
	assert_status(TDM_EUNAUTH, account_login(t->db, "ghost", PW, "10.0.0.1", "r", tok, exp, &err),
		      &err);
	assert_string_equal(err.msg, msg);
	assert_string_equal(tok, "");
	assert_int_equal(t->db->in_tx, 0);
	/* Both attempts were recorded on the audit trail. */
	assert_ok(audit_list(t->db, &t->sys, 0, 2, 0, &rows, &n, &total, &err), &err);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].action, "session.create");
	assert_string_equal(rows[0].outcome, "unauthorized");
	assert_string_equal(rows[0].username, "ghost");
	assert_string_equal(rows[0].client_addr, "10.0.0.1");
	assert_string_equal(rows[1].username, "nina");
	assert_string_equal(rows[1].outcome, "unauthorized");
	free(rows);
}

static void test_throttle_after_five_failures(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	char tok[TOKEN_LEN], exp[INSTANT_LEN];
	assert_ok(account_add(t->db, &t->sys, "nina", PW, ROLE_NURSE, NULL, NULL, &err), &err);
	for (int i = 0; i < TDM_LOGIN_MAX_USER_FAILS; i++)
		assert_status(TDM_EUNAUTH, account_login(t->db, "nina", "not the password", "10.0.0.9",
							 "r", tok, exp, &err), &err);
	tdm_err_clear(&err);
	/* Even the right password is refused now, from any address. */
	assert_status(TDM_ETHROTTLED, account_login(t->db, "nina", PW, "10.0.0.9", "r", tok, exp,
						    &err), &err);
	assert_non_null(strstr(err.msg, "15 minutes"));
	assert_status(TDM_ETHROTTLED, account_login(t->db, "nina", PW, "10.7.7.7", "r", tok, exp,
						    &err), &err);
	/* Throttled attempts are audited but not counted as new failures. */
	assert_int_equal(tdb_audit_count(t, "session.create"), TDM_LOGIN_MAX_USER_FAILS + 2);
	struct stmt *st = db_prepare(t->db, "SELECT COUNT(*) FROM login_attempt", &err);
	int64_t n = 0;
	int found;
	assert_non_null(st);
	assert_ok(db_query_int(st, &n, &found, &err), &err);
	assert_int_equal(n, TDM_LOGIN_MAX_USER_FAILS);
	/* Another user from another address is unaffected. */
	assert_ok(account_add(t->db, &t->sys, "omar", PW, ROLE_NURSE, NULL, NULL, &err), &err);
	assert_ok(account_login(t->db, "omar", PW, "10.0.0.2", "r", tok, exp, &err), &err);
}

static void test_throttle_by_address(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	char tok[TOKEN_LEN], exp[INSTANT_LEN], name[32];
	assert_ok(account_add(t->db, &t->sys, "nina", PW, ROLE_NURSE, NULL, NULL, &err), &err);
	/* Password spraying: one try for each of many names from one address. */
	for (int i = 0; i < TDM_LOGIN_MAX_ADDR_FAILS; i++) {
		snprintf(name, sizeof name, "guess%d", i);
		assert_status(TDM_EUNAUTH, account_login(t->db, name, "Password123!", "10.6.6.6", "r",
							 tok, exp, &err), &err);
	}
	assert_status(TDM_ETHROTTLED, account_login(t->db, "nina", PW, "10.6.6.6", "r", tok, exp,
						    &err), &err);
	/* The user is not locked out from elsewhere. */
	assert_ok(account_login(t->db, "nina", PW, "10.0.0.1", "r", tok, exp, &err), &err);
}

/* Writes a past login attempt for nina from 10.0.0.1, seconds_ago before now. */
static void past_attempt(struct tdb *t, int seconds_ago, int ok)
{
	struct tdm_err err;
	char at[INSTANT_LEN];
	instant_format(time(NULL) - seconds_ago, at);
	struct stmt *st = db_prepare(t->db,
		"INSERT INTO login_attempt(username, client_addr, at, ok) VALUES ('nina', '10.0.0.1', ?, ?)",
		&err);
	assert_non_null(st);
	db_bind_text(st, 1, at);
	db_bind_int(st, 2, ok);
	assert_ok(db_run(st, &err), &err);
}

static void test_success_resets_user_failures(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	char tok[TOKEN_LEN], exp[INSTANT_LEN];
	assert_ok(account_add(t->db, &t->sys, "nina", PW, ROLE_NURSE, NULL, NULL, &err), &err);
	/* Four failures two minutes ago, then a success a minute ago. */
	for (int i = 0; i < TDM_LOGIN_MAX_USER_FAILS - 1; i++)
		past_attempt(t, 120, 0);
	past_attempt(t, 60, 1);
	/* A later slip is the first failure since that success, not the fifth. */
	assert_status(TDM_EUNAUTH, account_login(t->db, "nina", "typo typo typo", "10.0.0.1", "r",
						 tok, exp, &err), &err);
	assert_ok(account_login(t->db, "nina", PW, "10.0.0.1", "r", tok, exp, &err), &err);
	/* Failures before the window opened do not count either. */
	for (int i = 0; i < TDM_LOGIN_MAX_USER_FAILS; i++)
		past_attempt(t, TDM_LOGIN_WINDOW_SECONDS + 60, 0);
	assert_ok(account_login(t->db, "nina", PW, "10.0.0.1", "r", tok, exp, &err), &err);
}

static void test_success_in_same_second_resets(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	char tok[TOKEN_LEN], exp[INSTANT_LEN];
	assert_ok(account_add(t->db, &t->sys, "nina", PW, ROLE_NURSE, NULL, NULL, &err), &err);
	/* Four quick failures and then a success, all within one second (a
	 * script, or a password manager retrying): recorded in that order. */
	for (int i = 0; i < TDM_LOGIN_MAX_USER_FAILS - 1; i++)
		past_attempt(t, 30, 0);
	past_attempt(t, 30, 1);
	/* One failure after the success must not make five. */
	assert_status(TDM_EUNAUTH, account_login(t->db, "nina", "typo typo typo", "10.0.0.1", "r",
						 tok, exp, &err), &err);
	tdm_err_clear(&err);
	assert_ok(account_login(t->db, "nina", PW, "10.0.0.1", "r", tok, exp, &err), &err);
}

static void test_overlong_username_not_truncated(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	char name[TDM_LEN_USERNAME + 1], longer[TDM_LEN_USERNAME + 8];
	char tok[TOKEN_LEN] = "", exp[INSTANT_LEN];
	memset(name, 'n', TDM_LEN_USERNAME);
	name[TDM_LEN_USERNAME] = '\0';
	assert_ok(account_add(t->db, &t->sys, name, PW, ROLE_NURSE, NULL, NULL, &err), &err);
	/* A name longer than any account can have is nobody, even when its
	 * first 64 characters are someone's name. */
	snprintf(longer, sizeof longer, "%sextra", name);
	tdm_err_clear(&err);
	assert_status(TDM_EUNAUTH, account_login(t->db, longer, PW, "10.0.0.1", "r", tok, exp, &err),
		      &err);
	assert_string_equal(tok, "");
}

static void test_logout_revokes(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	char tok[TOKEN_LEN], tok2[TOKEN_LEN], exp[INSTANT_LEN];
	struct actor a;
	assert_ok(account_add(t->db, &t->sys, "nina", PW, ROLE_NURSE, NULL, NULL, &err), &err);
	assert_ok(account_login(t->db, "nina", PW, "10.0.0.1", "r1", tok, exp, &err), &err);
	assert_ok(account_login(t->db, "nina", PW, "10.0.0.1", "r2", tok2, exp, &err), &err);
	assert_string_not_equal(tok, tok2);
	memset(&a, 0, sizeof a);
	assert_ok(account_authenticate(t->db, tok, &a, &err), &err);
	assert_ok(account_logout(t->db, &a, tok, &err), &err);
	assert_status(TDM_EUNAUTH, account_authenticate(t->db, tok, &a, &err), &err);
	/* The other session stays open. */
	assert_ok(account_authenticate(t->db, tok2, &a, &err), &err);
	assert_string_equal(a.username, "nina");
	assert_int_equal(tdb_audit_count(t, "session.revoke"), 1);
}

static void test_set_password_revokes_sessions(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	char tok[TOKEN_LEN], exp[INSTANT_LEN];
	struct actor a;
	assert_ok(account_add(t->db, &t->sys, "nina", PW, ROLE_NURSE, NULL, NULL, &err), &err);
	assert_ok(account_login(t->db, "nina", PW, "10.0.0.1", "r", tok, exp, &err), &err);
	assert_status(TDM_EINVAL, account_set_password(t->db, &t->sys, "nina", "short", &err), &err);
	assert_string_equal(err.field, "password");
	assert_status(TDM_ENOTFOUND, account_set_password(t->db, &t->sys, "ghost", PW "!", &err),
		      &err);
	/* The refused change did not revoke anything. */
	memset(&a, 0, sizeof a);
	assert_ok(account_authenticate(t->db, tok, &a, &err), &err);

	assert_ok(account_set_password(t->db, &t->sys, "nina", "a brand new passphrase", &err), &err);
	assert_status(TDM_EUNAUTH, account_authenticate(t->db, tok, &a, &err), &err);
	assert_status(TDM_EUNAUTH, account_login(t->db, "nina", PW, "10.0.0.1", "r", tok, exp, &err),
		      &err);
	assert_ok(account_login(t->db, "nina", "a brand new passphrase", "10.0.0.1", "r", tok, exp,
				&err), &err);
	assert_ok(account_authenticate(t->db, tok, &a, &err), &err);
}

static void test_disabled_user(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	char tok[TOKEN_LEN], exp[INSTANT_LEN];
	struct actor a;
	assert_ok(account_add(t->db, &t->sys, "nina", PW, ROLE_NURSE, NULL, NULL, &err), &err);
	assert_ok(account_login(t->db, "nina", PW, "10.0.0.1", "r", tok, exp, &err), &err);
	assert_ok(db_exec(t->db, "UPDATE app_user SET disabled_at = '2024-01-01T00:00:00Z'"
				 " WHERE username = 'nina'", &err), &err);
	memset(&a, 0, sizeof a);
	assert_status(TDM_EUNAUTH, account_authenticate(t->db, tok, &a, &err), &err);
	assert_status(TDM_EUNAUTH, account_login(t->db, "nina", PW, "10.0.0.1", "r", tok, exp, &err),
		      &err);
}

static void test_expired_session(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	char tok[TOKEN_LEN], exp[INSTANT_LEN];
	struct actor a;
	assert_ok(account_add(t->db, &t->sys, "nina", PW, ROLE_NURSE, NULL, NULL, &err), &err);
	assert_ok(account_login(t->db, "nina", PW, "10.0.0.1", "r", tok, exp, &err), &err);
	assert_ok(db_exec(t->db, "UPDATE session SET expires_at = '2000-01-01T00:00:00Z'", &err),
		  &err);
	memset(&a, 0, sizeof a);
	assert_status(TDM_EUNAUTH, account_authenticate(t->db, tok, &a, &err), &err);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tdb_setup, tdb_teardown)

/* Only an admin of every site a user works at may set that user's password. */
static void test_set_password_needs_admin_of_their_sites(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct site north;
	struct actor north_admin, main_admin, nurse;
	assert_ok(site_add(t->db, "north", "North clinic", &north, &err), &err);
	tdb_user(t, "admin.north", "north", ROLE_ADMIN, &north_admin);
	tdb_user(t, "admin.main", "main", ROLE_ADMIN, &main_admin);
	tdb_user(t, "nurse.main", "main", ROLE_NURSE, &nurse);
	tdm_err_clear(&err);
	assert_status(TDM_EFORBIDDEN,
		      account_set_password(t->db, &north_admin, "nurse.main", "another long password", &err), &err);
	assert_string_equal(err.field, "username");
	assert_status(TDM_EFORBIDDEN,
		      account_set_password(t->db, &nurse, "admin.main", "another long password", &err), &err);
	assert_ok(account_set_password(t->db, &main_admin, "nurse.main", "another long password", &err), &err);
	assert_ok(account_set_password(t->db, &t->sys, "admin.north", "another long password", &err), &err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_username_rules),
		cmocka_unit_test(test_password_rules),
		T(test_bootstrap),
		T(test_add_validates_and_conflicts),
		T(test_add_forbidden_at_other_site),
		T(test_sites),
		T(test_login_authenticate_grants),
		T(test_wrong_password_and_unknown_user),
		T(test_throttle_after_five_failures),
		T(test_throttle_by_address),
		T(test_success_resets_user_failures),
		T(test_success_in_same_second_resets),
		T(test_overlong_username_not_truncated),
		T(test_logout_revokes),
		T(test_set_password_revokes_sessions),
		T(test_set_password_needs_admin_of_their_sites),
		T(test_disabled_user),
		T(test_expired_session),
	};
	return cmocka_run_group_tests_name("account", tests, NULL, NULL);
}
