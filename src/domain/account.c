#include "domain/account.h"
#include "domain/audit.h"

#include <ctype.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum tdm_status account_check_username(const char *name, struct tdm_err *err)
{
	size_t n = name ? strlen(name) : 0;
	if (n < 2 || n > TDM_LEN_USERNAME || !islower((unsigned char)name[0]))
		return tdm_fail(err, TDM_EINVAL, "username",
				"username must be 2-%d characters starting with a lower-case letter",
				TDM_LEN_USERNAME);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!islower(c) && !isdigit(c) && c != '.' && c != '_' && c != '-')
			return tdm_fail(err, TDM_EINVAL, "username",
					"username may hold only a-z, 0-9, '.', '_' and '-'");
	}
	return TDM_OK;
}

enum tdm_status account_check_password(const char *pw, struct tdm_err *err)
{
	size_t n = pw ? strlen(pw) : 0;
	if (n < TDM_MIN_PASSWORD)
		return tdm_fail(err, TDM_EINVAL, "password", "password must be at least %d characters",
				TDM_MIN_PASSWORD);
	if (n > TDM_LEN_PASSWORD)
		return tdm_fail(err, TDM_EINVAL, "password", "password must be at most %d characters",
				TDM_LEN_PASSWORD);
	return TDM_OK;
}

/* ---- sites ---- */

static void read_site(struct stmt *st, struct site *s)
{
	s->id = db_col_int(st, 0);
	snprintf(s->code, sizeof s->code, "%s", db_col_text(st, 1));
	snprintf(s->name, sizeof s->name, "%s", db_col_text(st, 2));
}

enum tdm_status site_by_code(struct db *db, const char *code, struct site *out,
			     struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, "SELECT id, code, name FROM site WHERE code = ?", err);
	if (!st)
		return err->code;
	db_bind_text(st, 1, code);
	int s = db_step(st, err);
	if (s == DB_ROW)
		read_site(st, out);
	db_done(st);
	if (s < 0)
		return err->code;
	if (s != DB_ROW)
		return tdm_fail(err, TDM_ENOTFOUND, "site", "no site with code '%s'", code);
	return TDM_OK;
}

enum tdm_status site_default(struct db *db, struct site *out, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, "SELECT id, code, name FROM site ORDER BY id LIMIT 1", err);
	if (!st)
		return err->code;
	int s = db_step(st, err);
	if (s == DB_ROW)
		read_site(st, out);
	db_done(st);
	if (s < 0)
		return err->code;
	if (s != DB_ROW)
		return tdm_fail(err, TDM_ENOTFOUND, "site", "the database has no site yet");
	return TDM_OK;
}

static enum tdm_status check_site_code(const char *code, struct tdm_err *err)
{
	size_t n = code ? strlen(code) : 0;
	if (n < 1 || n > TDM_LEN_CODE)
		return tdm_fail(err, TDM_EINVAL, "site", "site code must be 1-%d characters", TDM_LEN_CODE);
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)code[i]) && !isdigit((unsigned char)code[i]) && code[i] != '-')
			return tdm_fail(err, TDM_EINVAL, "site", "site code may hold only a-z, 0-9 and '-'");
	return TDM_OK;
}

static enum tdm_status site_insert(struct db *db, const char *code, const char *name,
				   struct site *out, struct tdm_err *err)
{
	char now[INSTANT_LEN];
	instant_now(now);
	struct stmt *st = db_prepare(db,
		"INSERT INTO site(code, name, created_at) VALUES (?, ?, ?) RETURNING id", err);
	if (!st)
		return err->code;
	db_bind_text(st, 1, code);
	db_bind_text(st, 2, name);
	db_bind_text(st, 3, now);
	int64_t id;
	enum tdm_status rc = db_insert_id(st, &id, err);
	if (rc == TDM_ECONFLICT)
		return tdm_fail(err, TDM_ECONFLICT, "site", "site code '%s' is taken", code);
	if (rc)
		return rc;
	if (out) {
		out->id = id;
		snprintf(out->code, sizeof out->code, "%s", code);
		snprintf(out->name, sizeof out->name, "%s", name);
	}
	return TDM_OK;
}

enum tdm_status site_add(struct db *db, const char *code, const char *name,
			 struct site *out, struct tdm_err *err)
{
	enum tdm_status rc;
	if ((rc = check_site_code(code, err)))
		return rc;
	if (!name || !*name || strlen(name) > TDM_LEN_SITE_NAME)
		return tdm_fail(err, TDM_EINVAL, "name", "site name must be 1-%d characters",
				TDM_LEN_SITE_NAME);
	if ((rc = db_begin(db, DB_WRITE, err)))
		return rc;
	struct site tmp;
	rc = site_insert(db, code, name, &tmp, err);
	struct actor sys;
	actor_system(&sys, "cli");
	struct audit_event ev = {.action = "site.create", .object_type = "Site",
				 .site_id = rc ? 0 : tmp.id};
	snprintf(ev.object_id, sizeof ev.object_id, "%s", code);
	rc = audit_finish(db, &sys, rc, &ev, err);
	if (!rc && out)
		*out = tmp;
	return rc;
}

enum tdm_status site_list(struct db *db, const struct actor *a, struct site **out, int *n,
			  struct tdm_err *err)
{
	*out = NULL;
	*n = 0;
	struct stmt *st = db_prepare(db,
		"SELECT id, code, name FROM site WHERE ? = 1 OR id IN"
		" (SELECT site_id FROM user_role WHERE user_id = ? AND revoked_at IS NULL)"
		" ORDER BY id LIMIT 1000", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, a->all_sites);
	db_bind_int(st, 2, a->user_id);
	int cap = 0, s;
	enum tdm_status rc = TDM_OK;
	while ((s = db_step(st, err)) == DB_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			struct site *ns = realloc(*out, (size_t)cap * sizeof *ns);
			if (!ns) {
				rc = tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
				break;
			}
			*out = ns;
		}
		read_site(st, &(*out)[(*n)++]);
	}
	if (s < 0)
		rc = err->code;
	db_done(st);
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

static void read_staff(struct stmt *st, void *row)
{
	struct staff *r = row;
	snprintf(r->username, sizeof r->username, "%s", db_col_text(st, 0));
	r->site_id = db_col_int(st, 1);
	r->roles = (unsigned)db_col_int(st, 2);
}

enum tdm_status account_staff(struct db *db, const struct actor *a, int64_t site_id, struct staff **out,
			      int *n, struct tdm_err *err)
{
	*out = NULL;
	*n = 0;
	if (site_id && !access_roles_at(a, site_id))
		return tdm_fail(err, TDM_ENOTFOUND, "site", "no site %lld for this user", (long long)site_id);
	enum tdm_status rc = db_begin(db, DB_READ, err);
	if (rc)
		return rc;
	/* One row per user and site: the role bits summed (a role is granted
	 * once per site while not revoked). */
	struct stmt *st = db_prepare(db,
		"SELECT u.username, r.site_id, SUM(DISTINCT r.role_bit) FROM user_role r"
		" JOIN app_user u ON u.id = r.user_id"
		" WHERE r.revoked_at IS NULL AND u.disabled_at IS NULL AND r.role_bit IN (?, ?, ?)"
		" AND (? = 0 OR r.site_id = ?)"
		" AND (? = 1 OR r.site_id IN (SELECT site_id FROM user_role WHERE user_id = ? AND revoked_at IS NULL))"
		" GROUP BY u.username, r.site_id ORDER BY r.site_id, u.username", err);
	if (!st) {
		rc = err->code;
	} else {
		db_bind_int(st, 1, ROLE_PRESCRIBER);
		db_bind_int(st, 2, ROLE_NURSE);
		db_bind_int(st, 3, ROLE_THERAPIST);
		db_bind_int(st, 4, site_id);
		db_bind_int(st, 5, site_id);
		db_bind_int(st, 6, a->all_sites);
		db_bind_int(st, 7, a->user_id);
		rc = db_collect(st, sizeof **out, STAFF_MAX, read_staff, (void **)out, n, err);
	}
	db_rollback(db);
	return rc;
}

/* ---- users ---- */

static enum tdm_status find_user(struct db *db, const char *username, int64_t *id,
				 struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, "SELECT id FROM app_user WHERE username = ?", err);
	if (!st)
		return err->code;
	db_bind_text(st, 1, username);
	int found;
	enum tdm_status rc = db_query_int(st, id, &found, err);
	if (!rc && !found)
		return tdm_fail(err, TDM_ENOTFOUND, "username", "no user '%s'", username);
	return rc;
}

static enum tdm_status insert_grants(struct db *db, const struct actor *a, int64_t user_id,
				     int64_t site_id, unsigned roles, struct tdm_err *err)
{
	char now[INSTANT_LEN];
	instant_now(now);
	for (unsigned bit = 1; bit <= ROLE_AUDITOR; bit <<= 1) {
		if (!(roles & bit))
			continue;
		/* Skip a role the user already holds there. */
		struct stmt *st = db_prepare(db,
			"SELECT COUNT(*) FROM user_role WHERE user_id = ? AND site_id = ?"
			" AND role_bit = ? AND revoked_at IS NULL", err);
		if (!st)
			return err->code;
		db_bind_int(st, 1, user_id);
		db_bind_int(st, 2, site_id);
		db_bind_int(st, 3, bit);
		int64_t have = 0;
		int found;
		enum tdm_status rc = db_query_int(st, &have, &found, err);
		if (rc)
			return rc;
		if (have)
			continue;
		st = db_prepare(db,
			"INSERT INTO user_role(user_id, site_id, role, role_bit, granted_at, granted_by)"
			" VALUES (?, ?, ?, ?, ?, ?)", err);
		if (!st)
			return err->code;
		db_bind_int(st, 1, user_id);
		db_bind_int(st, 2, site_id);
		db_bind_text(st, 3, role_name(bit));
		db_bind_int(st, 4, bit);
		db_bind_text(st, 5, now);
		db_bind_text(st, 6, a->username);
		if ((rc = db_run(st, err)))
			return rc;
	}
	return TDM_OK;
}

static enum tdm_status resolve_site(struct db *db, const char *site_code, struct site *site,
				    struct tdm_err *err)
{
	return site_code && *site_code ? site_by_code(db, site_code, site, err)
				       : site_default(db, site, err);
}

static enum tdm_status user_insert(struct db *db, const char *username, const char *password,
				   int64_t *id, struct tdm_err *err)
{
	char hash[PWHASH_LEN], now[INSTANT_LEN];
	if (crypto_pw_hash(password, hash))
		return tdm_fail(err, TDM_ENOMEM, NULL, "out of memory hashing the password");
	instant_now(now);
	struct stmt *st = db_prepare(db,
		"INSERT INTO app_user(username, password_hash, created_at) VALUES (?, ?, ?) RETURNING id",
		err);
	if (!st)
		return err->code;
	db_bind_text(st, 1, username);
	db_bind_text(st, 2, hash);
	db_bind_text(st, 3, now);
	enum tdm_status rc = db_insert_id(st, id, err);
	if (rc == TDM_ECONFLICT)
		return tdm_fail(err, TDM_ECONFLICT, "username", "user '%s' already exists", username);
	return rc;
}

enum tdm_status account_add(struct db *db, const struct actor *a, const char *username,
			    const char *password, unsigned roles, const char *site_code,
			    int64_t *user_id, struct tdm_err *err)
{
	enum tdm_status rc;
	if ((rc = account_check_username(username, err)) || (rc = account_check_password(password, err)))
		return rc;
	if (!roles || (roles & ~(unsigned)ROLE_ALL))
		return tdm_fail(err, TDM_EINVAL, "role", "at least one known role is required");
	if ((rc = db_begin(db, DB_WRITE, err)))
		return rc;
	struct site site;
	int64_t id = 0;
	rc = resolve_site(db, site_code, &site, err);
	if (!rc && !access_at(a, site.id))
		rc = tdm_fail(err, TDM_EFORBIDDEN, "site", "you may not add users at site '%s'", site.code);
	if (!rc)
		rc = user_insert(db, username, password, &id, err);
	if (!rc)
		rc = insert_grants(db, a, id, site.id, roles, err);
	struct audit_event ev = {.action = "user.create", .site_id = rc ? 0 : site.id,
				 .object_type = "User"};
	snprintf(ev.object_id, sizeof ev.object_id, "%s", username);
	rc = audit_finish(db, a, rc, &ev, err);
	if (!rc && user_id)
		*user_id = id;
	return rc;
}

enum tdm_status account_grant(struct db *db, const struct actor *a, const char *username,
			      unsigned roles, const char *site_code, struct tdm_err *err)
{
	enum tdm_status rc;
	if (!roles || (roles & ~(unsigned)ROLE_ALL))
		return tdm_fail(err, TDM_EINVAL, "role", "at least one known role is required");
	if ((rc = db_begin(db, DB_WRITE, err)))
		return rc;
	struct site site;
	int64_t id = 0;
	rc = resolve_site(db, site_code, &site, err);
	if (!rc && !access_at(a, site.id))
		rc = tdm_fail(err, TDM_EFORBIDDEN, "site", "you may not grant roles at site '%s'", site.code);
	if (!rc)
		rc = find_user(db, username, &id, err);
	if (!rc)
		rc = insert_grants(db, a, id, site.id, roles, err);
	struct audit_event ev = {.action = "user.grant", .site_id = rc ? 0 : site.id,
				 .object_type = "User"};
	snprintf(ev.object_id, sizeof ev.object_id, "%s", username);
	role_names(roles, ev.detail, sizeof ev.detail);
	return audit_finish(db, a, rc, &ev, err);
}

enum tdm_status account_set_password(struct db *db, const struct actor *a,
				     const char *username, const char *password,
				     struct tdm_err *err)
{
	enum tdm_status rc;
	if ((rc = account_check_password(password, err)))
		return rc;
	char hash[PWHASH_LEN], now[INSTANT_LEN];
	if (crypto_pw_hash(password, hash))
		return tdm_fail(err, TDM_ENOMEM, NULL, "out of memory hashing the password");
	instant_now(now);
	if ((rc = db_begin(db, DB_WRITE, err)))
		return rc;
	int64_t id = 0;
	rc = find_user(db, username, &id, err);
	if (!rc && !a->all_sites) {
		/* Only an admin at every site the user works at may reset them. */
		struct stmt *st = db_prepare(db,
			"SELECT COUNT(*) FROM user_role r WHERE r.user_id = ? AND r.revoked_at IS NULL"
			" AND r.site_id NOT IN (SELECT site_id FROM user_role WHERE user_id = ?"
			" AND revoked_at IS NULL AND role_bit = ?)", err);
		int64_t outside = 0;
		int found;
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, id);
			db_bind_int(st, 2, a->user_id);
			db_bind_int(st, 3, ROLE_ADMIN);
			rc = db_query_int(st, &outside, &found, err);
		}
		if (!rc && outside)
			rc = tdm_fail(err, TDM_EFORBIDDEN, "username",
				      "only an admin of every site '%s' works at may set their password", username);
	}
	if (!rc) {
		struct stmt *st = db_prepare(db, "UPDATE app_user SET password_hash = ? WHERE id = ?", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_text(st, 1, hash);
			db_bind_int(st, 2, id);
			rc = db_run(st, err);
		}
	}
	if (!rc) {
		struct stmt *st = db_prepare(db,
			"UPDATE session SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_text(st, 1, now);
			db_bind_int(st, 2, id);
			rc = db_run(st, err);
		}
	}
	struct audit_event ev = {.action = "user.password", .object_type = "User"};
	snprintf(ev.object_id, sizeof ev.object_id, "%s", username);
	return audit_finish(db, a, rc, &ev, err);
}

enum tdm_status account_bootstrap(struct db *db, char *pw_out, int pw_len, int *created,
				  struct tdm_err *err)
{
	enum tdm_status rc;
	*created = 0;
	if ((rc = db_begin(db, DB_WRITE, err)))
		return rc;
	int64_t users = 0, sites = 0;
	int found;
	struct stmt *st = db_prepare(db, "SELECT COUNT(*) FROM app_user", err);
	if (!st)
		rc = err->code;
	else
		rc = db_query_int(st, &users, &found, err);
	if (!rc) {
		st = db_prepare(db, "SELECT COUNT(*) FROM site", err);
		rc = st ? db_query_int(st, &sites, &found, err) : err->code;
	}
	if (!rc && users > 0) {
		db_rollback(db);
		return TDM_OK;
	}
	struct site site;
	if (!rc && sites == 0)
		rc = site_insert(db, "main", "Main clinic", &site, err);
	else if (!rc)
		rc = site_default(db, &site, err);
	struct actor sys;
	actor_system(&sys, "bootstrap");
	int64_t id = 0;
	crypto_password(pw_out, (size_t)pw_len);
	if (!rc)
		rc = user_insert(db, "admin", pw_out, &id, err);
	if (!rc)
		rc = insert_grants(db, &sys, id, site.id, ROLE_ADMIN, err);
	struct audit_event ev = {.action = "user.create", .site_id = rc ? 0 : site.id,
				 .object_type = "User", .object_id = "admin",
				 .detail = "first start: initial administrator"};
	rc = audit_finish(db, &sys, rc, &ev, err);
	if (!rc)
		*created = 1;
	return rc;
}

/* ---- sessions ---- */

static enum tdm_status count_failures(struct db *db, const char *col_sql, const char *value,
				      const char *since, int64_t *n, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, col_sql, err);
	if (!st)
		return err->code;
	db_bind_text(st, 1, value);
	db_bind_text(st, 2, since);
	db_bind_text(st, 3, value);
	int found;
	return db_query_int(st, n, &found, err);
}

/* Failures since the window opened and since the last success. */
static const char *fails_by_user =
	"SELECT COUNT(*) FROM login_attempt WHERE username = ? AND ok = 0 AND at > ?"
	" AND id > COALESCE((SELECT MAX(id) FROM login_attempt WHERE username = ? AND ok = 1), 0)";
static const char *fails_by_addr =
	"SELECT COUNT(*) FROM login_attempt WHERE client_addr = ? AND ok = 0 AND at > ?"
	" AND id > COALESCE((SELECT MAX(id) FROM login_attempt WHERE client_addr = ? AND ok = 1), 0)";

static enum tdm_status record_attempt(struct db *db, const char *username, const char *addr,
				      const char *now, int ok, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"INSERT INTO login_attempt(username, client_addr, at, ok) VALUES (?, ?, ?, ?)", err);
	if (!st)
		return err->code;
	db_bind_text(st, 1, username);
	db_bind_text(st, 2, addr);
	db_bind_text(st, 3, now);
	db_bind_int(st, 4, ok);
	return db_run(st, err);
}

/* A valid Argon2id string for a password nobody knows, so that an unknown
 * user costs as much time as a known one. */
static char dummy_hash[PWHASH_LEN];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
	if (crypto_pw_hash("not-a-password-anyone-knows", dummy_hash))
		dummy_hash[0] = '\0';
}

enum tdm_status account_login(struct db *db, const char *username, const char *password,
			      const char *client_addr, const char *request_id,
			      char token_out[TOKEN_LEN], char expires_out[INSTANT_LEN],
			      struct tdm_err *err)
{
	enum tdm_status rc;
	char now[INSTANT_LEN], since[INSTANT_LEN];
	time_t t = time(NULL);
	instant_format(t, now);
	instant_format(t - TDM_LOGIN_WINDOW_SECONDS, since);
	char uname[TDM_LEN_USERNAME + 1];
	/* A name longer than any account can hold matches none: never truncate
	 * it into someone else's (it still costs a full password check). */
	int overlong = username && strlen(username) > TDM_LEN_USERNAME;
	snprintf(uname, sizeof uname, "%s", username && !overlong ? username : "");

	/* Hash work happens outside the write transaction. */
	if ((rc = db_begin(db, DB_READ, err)))
		return rc;
	int64_t ufails = 0, afails = 0, uid = 0;
	char hash[PWHASH_LEN] = "";
	int disabled = 0, found = 0;
	rc = count_failures(db, fails_by_user, uname, since, &ufails, err);
	if (!rc)
		rc = count_failures(db, fails_by_addr, client_addr, since, &afails, err);
	if (!rc) {
		struct stmt *st = db_prepare(db,
			"SELECT id, password_hash, disabled_at FROM app_user WHERE username = ?", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_text(st, 1, uname);
			int s = db_step(st, err);
			if (s == DB_ROW) {
				found = 1;
				uid = db_col_int(st, 0);
				snprintf(hash, sizeof hash, "%s", db_col_text(st, 1));
				disabled = !db_col_null(st, 2);
			} else if (s < 0) {
				rc = err->code;
			}
			db_done(st);
		}
	}
	db_rollback(db);
	if (rc)
		return rc;

	struct actor who;
	actor_system(&who, "login");
	snprintf(who.username, sizeof who.username, "%s", uname);
	who.user_id = uid;
	who.all_sites = 0;
	snprintf(who.addr, sizeof who.addr, "%s", client_addr);
	snprintf(who.request_id, sizeof who.request_id, "%s", request_id);
	struct audit_event ev = {.action = "session.create", .object_type = "Session"};

	if (ufails >= TDM_LOGIN_MAX_USER_FAILS || afails >= TDM_LOGIN_MAX_ADDR_FAILS) {
		rc = tdm_fail(err, TDM_ETHROTTLED, NULL,
			      "too many failed logins; try again in %d minutes",
			      TDM_LOGIN_WINDOW_SECONDS / 60);
	} else {
		pthread_once(&dummy_once, make_dummy);
		int ok = crypto_pw_verify(found ? hash : dummy_hash, password ? password : "");
		if (!found || !ok || disabled || overlong)
			rc = tdm_fail(err, TDM_EUNAUTH, NULL, "wrong username or password");
	}

	enum tdm_status rc2 = db_begin(db, DB_WRITE, err);
	if (rc2)
		return rc2;
	if (rc != TDM_ETHROTTLED)
		rc2 = record_attempt(db, uname, client_addr, now, rc == TDM_OK, err);
	if (!rc && !rc2) {
		char expires[INSTANT_LEN], th[SHA256_HEX];
		instant_format(t + TDM_SESSION_TTL_SECONDS, expires);
		crypto_token(token_out);
		crypto_sha256_hex(token_out, strlen(token_out), th);
		struct stmt *st = db_prepare(db,
			"INSERT INTO session(token_hash, user_id, created_at, expires_at, client_addr)"
			" VALUES (?, ?, ?, ?, ?)", err);
		if (!st) {
			rc2 = err->code;
		} else {
			db_bind_text(st, 1, th);
			db_bind_int(st, 2, uid);
			db_bind_text(st, 3, now);
			db_bind_text(st, 4, expires);
			db_bind_text(st, 5, client_addr);
			rc2 = db_run(st, err);
		}
		snprintf(expires_out, INSTANT_LEN, "%s", expires);
	}
	if (rc2) {
		db_rollback(db);
		return rc2;
	}
	/* A failed login commits its attempt row and audit row, then reports. */
	ev.outcome = rc == TDM_OK ? "ok" : tdm_code_name(rc);
	rc2 = audit_append(db, &who, &ev, err);
	if (!rc2)
		rc2 = db_commit(db, err);
	else
		db_rollback(db);
	if (rc2)
		return rc2;
	return rc;
}

enum tdm_status account_logout(struct db *db, const struct actor *a, const char *token,
			       struct tdm_err *err)
{
	char th[SHA256_HEX], now[INSTANT_LEN];
	crypto_sha256_hex(token, strlen(token), th);
	instant_now(now);
	enum tdm_status rc = db_begin(db, DB_WRITE, err);
	if (rc)
		return rc;
	struct stmt *st = db_prepare(db,
		"UPDATE session SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL", err);
	if (!st) {
		rc = err->code;
	} else {
		db_bind_text(st, 1, now);
		db_bind_text(st, 2, th);
		rc = db_run(st, err);
	}
	struct audit_event ev = {.action = "session.revoke", .object_type = "Session"};
	return audit_finish(db, a, rc, &ev, err);
}

enum tdm_status account_authenticate(struct db *db, const char *token, struct actor *a,
				     struct tdm_err *err)
{
	char th[SHA256_HEX], now[INSTANT_LEN];
	size_t tl = token ? strlen(token) : 0;
	if (tl != TOKEN_LEN - 1)
		return tdm_fail(err, TDM_EUNAUTH, NULL, "invalid or expired session");
	crypto_sha256_hex(token, tl, th);
	instant_now(now);
	enum tdm_status rc = db_begin(db, DB_READ, err);
	if (rc)
		return rc;
	struct stmt *st = db_prepare(db,
		"SELECT u.id, u.username FROM session s JOIN app_user u ON u.id = s.user_id"
		" WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ?"
		" AND u.disabled_at IS NULL", err);
	if (!st) {
		db_rollback(db);
		return err->code;
	}
	db_bind_text(st, 1, th);
	db_bind_text(st, 2, now);
	int s = db_step(st, err);
	if (s == DB_ROW) {
		a->user_id = db_col_int(st, 0);
		snprintf(a->username, sizeof a->username, "%s", db_col_text(st, 1));
	}
	db_done(st);
	if (s != DB_ROW) {
		db_rollback(db);
		return s < 0 ? err->code : tdm_fail(err, TDM_EUNAUTH, NULL, "invalid or expired session");
	}
	a->n_grants = 0;
	a->all_sites = 0;
	st = db_prepare(db,
		"SELECT site_id, role_bit FROM user_role WHERE user_id = ? AND revoked_at IS NULL"
		" ORDER BY site_id", err);
	if (!st) {
		db_rollback(db);
		return err->code;
	}
	db_bind_int(st, 1, a->user_id);
	while ((s = db_step(st, err)) == DB_ROW) {
		int64_t site = db_col_int(st, 0);
		unsigned bit = (unsigned)db_col_int(st, 1);
		if (a->n_grants && a->grants[a->n_grants - 1].site_id == site)
			a->grants[a->n_grants - 1].roles |= bit;
		else if (a->n_grants < ACTOR_MAX_GRANTS)
			a->grants[a->n_grants++] = (struct grant){site, bit};
	}
	db_done(st);
	db_rollback(db);
	return s < 0 ? err->code : TDM_OK;
}
