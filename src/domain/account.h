/*
 * account.h - users, role grants per site, sessions and login throttling.
 */
#ifndef TDM_ACCOUNT_H
#define TDM_ACCOUNT_H

#include <stdint.h>

#include "domain/access.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/date.h"

struct site {
	int64_t id;
	char code[TDM_LEN_CODE + 1];
	char name[TDM_LEN_SITE_NAME + 1];
};

/* Validates a username: 2-64 of [a-z0-9._-], starting with a letter. */
enum tdm_status account_check_username(const char *name, struct tdm_err *err);
/* Validates a password: at least TDM_MIN_PASSWORD characters, at most TDM_LEN_PASSWORD. */
enum tdm_status account_check_password(const char *pw, struct tdm_err *err);

/* Creates a user holding `roles` at the site with code site_code (NULL: the
 * default site). TDM_ECONFLICT when the name is taken. */
enum tdm_status account_add(struct db *db, const struct actor *a, const char *username,
			    const char *password, unsigned roles, const char *site_code,
			    int64_t *user_id, struct tdm_err *err);
/* Grants more roles to an existing user at a site. */
enum tdm_status account_grant(struct db *db, const struct actor *a, const char *username,
			      unsigned roles, const char *site_code, struct tdm_err *err);
/* Replaces a user's password hash and revokes their sessions. A non-system
 * actor must be an admin at every site the user holds a role at
 * (TDM_EFORBIDDEN otherwise). */
enum tdm_status account_set_password(struct db *db, const struct actor *a,
				     const char *username, const char *password,
				     struct tdm_err *err);

/*
 * First start: when the database has no user, creates the default site (if
 * none) and an "admin" account with a random password written to pw_out.
 * *created is 1 when it did so (print the password once), 0 otherwise.
 */
enum tdm_status account_bootstrap(struct db *db, char *pw_out, int pw_len, int *created,
				  struct tdm_err *err);

/* Checks credentials (with throttling) and opens a session. token_out gets
 * the opaque bearer token; only its hash is stored. */
enum tdm_status account_login(struct db *db, const char *username, const char *password,
			      const char *client_addr, const char *request_id,
			      char token_out[TOKEN_LEN], char expires_out[INSTANT_LEN],
			      struct tdm_err *err);
/* Revokes the session of a token. */
enum tdm_status account_logout(struct db *db, const struct actor *a, const char *token,
			       struct tdm_err *err);
/* Turns a bearer token into an actor with its grants; TDM_EUNAUTH if the
 * token is unknown, expired, revoked or its user disabled. */
enum tdm_status account_authenticate(struct db *db, const char *token, struct actor *a,
				     struct tdm_err *err);

/* Sites. */
enum tdm_status site_by_code(struct db *db, const char *code, struct site *out,
			     struct tdm_err *err);
enum tdm_status site_default(struct db *db, struct site *out, struct tdm_err *err);
enum tdm_status site_add(struct db *db, const char *code, const char *name,
			 struct site *out, struct tdm_err *err);
/* Sites the actor holds any role at (all for the system actor). *out is
 * caller-frees. */
enum tdm_status site_list(struct db *db, const struct actor *a, struct site **out, int *n,
			  struct tdm_err *err);

/* A member of staff who may be named on a session or a plan: a user holding
 * a prescriber, nurse or therapist role at a site. */
struct staff {
	char username[TDM_LEN_USERNAME + 1];
	int64_t site_id;
	unsigned roles;          /* ROLE_PRESCRIBER | ROLE_NURSE | ROLE_THERAPIST bits held there */
};

#define STAFF_MAX 2000

/* Staff at site_id (0: every site the actor holds a role at), by site then
 * username; disabled users and revoked roles left out. *out caller-frees. */
enum tdm_status account_staff(struct db *db, const struct actor *a, int64_t site_id, struct staff **out,
			      int *n, struct tdm_err *err);

#endif
