/*
 * unit.h - shared helpers for the unit tests in tests/unit/.
 *
 * Each NAME_test.c is its own program linked with libtandem.a and cmocka, so
 * everything here is static inline. Tests run from the repository root (the
 * clinic data files are read from ./data).
 *
 * A test that needs a database uses tdb_setup/tdb_teardown as its cmocka
 * setup/teardown: a fresh SQLite file in a mkdtemp() directory, migrated,
 * the clinic data loaded and account_bootstrap run (default site "main" and
 * an "admin" account). The fixture is passed to the test as *state.
 */
#ifndef TDM_UNIT_H
#define TDM_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domain/access.h"
#include "domain/account.h"
#include "domain/clinic.h"
#include "domain/patient.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/date.h"
#include "util/status.h"

/* Asserts a status and prints the error context when it differs. */
#define assert_status(expect, got, errp)                                                  \
	do {                                                                              \
		enum tdm_status got_ = (got);                                             \
		if (got_ != (expect))                                                     \
			print_error("status %s (field '%s': %s), expected %s\n",         \
				    tdm_code_name(got_), (errp)->field, (errp)->msg,      \
				    tdm_code_name(expect));                               \
		assert_int_equal(got_, (expect));                                         \
	} while (0)

#define assert_ok(got, errp) assert_status(TDM_OK, (got), (errp))

/* Makes a temporary directory; dir must hold at least 64 bytes. */
static inline void unit_tmpdir(char *dir, size_t n)
{
	const char *base = getenv("TMPDIR");
	snprintf(dir, n, "%s/tandem-unit-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(dir))
		fail_msg("mkdtemp(%s) failed", dir);
}

struct tdb {
	char dir[256];
	char path[300];
	struct db *db;
	struct actor sys;       /* actor_system(&sys, "test") */
	struct site site;       /* the default site made by account_bootstrap */
	char admin_pw[32];
};

/* TANDEM_TEST_PG="postgresql://USER@HOST:PORT/" runs the database tests on
 * PostgreSQL: each fixture gets a database of its own, dropped afterwards. */
static inline const char *tdb_pg(void)
{
	const char *u = getenv("TANDEM_TEST_PG");
	return u && *u ? u : NULL;
}

static inline void tdb_pg_admin(const char *sql)
{
	struct tdm_err err;
	struct db *admin;
	char url[300];
	snprintf(url, sizeof url, "%spostgres", tdb_pg());
	if (db_open(url, &admin, &err) != TDM_OK)
		fail_msg("db_open(%s): %s", url, err.msg);
	if (db_exec(admin, sql, &err) != TDM_OK)
		fail_msg("%s: %s", sql, err.msg);
	db_close(admin);
}

/* Drops one of the audit table's append-only triggers, as an attacker with
 * the database would. */
static inline void tdb_drop_trigger(struct db *db, const char *name)
{
	char sql[128];
	struct tdm_err err;
	snprintf(sql, sizeof sql, "DROP TRIGGER %s%s", name, tdb_pg() ? " ON audit" : "");
	if (db_exec(db, sql, &err) != TDM_OK)
		fail_msg("%s: %s", sql, err.msg);
}

static inline int tdb_setup(void **state)
{
	struct tdm_err err;
	int applied = 0, created = 0;
	struct tdb *t = calloc(1, sizeof *t);
	if (!t)
		return -1;
	tdm_err_clear(&err);
	if (crypto_init())
		fail_msg("crypto_init failed");
	if (clinic_load("data", &err) != TDM_OK)
		fail_msg("clinic_load(data): %s", err.msg);
	if (tdb_pg()) {
		static int serial;
		char sql[128];
		snprintf(t->dir, sizeof t->dir, "tdmunit_%d_%d", (int)getpid(), ++serial);
		snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", t->dir);
		tdb_pg_admin(sql);
		snprintf(sql, sizeof sql, "CREATE DATABASE %s", t->dir);
		tdb_pg_admin(sql);
		snprintf(t->path, sizeof t->path, "%s%s", tdb_pg(), t->dir);
	} else {
		unit_tmpdir(t->dir, sizeof t->dir);
		snprintf(t->path, sizeof t->path, "%s/tandem.db", t->dir);
	}
	if (db_open(t->path, &t->db, &err) != TDM_OK)
		fail_msg("db_open: %s", err.msg);
	if (migrate_apply(t->db, &applied, &err) != TDM_OK)
		fail_msg("migrate_apply: %s", err.msg);
	if (account_bootstrap(t->db, t->admin_pw, sizeof t->admin_pw, &created, &err) != TDM_OK ||
	    !created)
		fail_msg("account_bootstrap: %s", err.msg);
	if (site_default(t->db, &t->site, &err) != TDM_OK)
		fail_msg("site_default: %s", err.msg);
	actor_system(&t->sys, "test");
	*state = t;
	return 0;
}

static inline int tdb_teardown(void **state)
{
	struct tdb *t = *state;
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	if (!t)
		return 0;
	db_close(t->db);
	if (tdb_pg()) {
		char sql[128];
		snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", t->dir);
		tdb_pg_admin(sql);
		free(t);
		*state = NULL;
		return 0;
	}
	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		char p[320];
		snprintf(p, sizeof p, "%s%s", t->path, suffix[i]);
		unlink(p);
	}
	rmdir(t->dir);
	free(t);
	*state = NULL;
	return 0;
}

/* A restricted actor built by hand: one grant of `roles` at site_id, and
 * route_roles accepting every clinical role. */
static inline void unit_actor(struct actor *a, int64_t user_id, const char *username,
			      int64_t site_id, unsigned roles)
{
	memset(a, 0, sizeof *a);
	a->user_id = user_id;
	snprintf(a->username, sizeof a->username, "%s", username);
	a->grants[0].site_id = site_id;
	a->grants[0].roles = roles;
	a->n_grants = 1;
	a->route_roles = ROLE_ALL;
	snprintf(a->addr, sizeof a->addr, "127.0.0.1");
	snprintf(a->request_id, sizeof a->request_id, "unit-test");
}

/* Creates a real user holding `roles` at site_code (so SQL visibility checks
 * against user_role agree with the actor), and the matching actor. */
static inline void tdb_user(struct tdb *t, const char *username, const char *site_code,
			    unsigned roles, struct actor *a)
{
	struct tdm_err err;
	struct site s;
	int64_t uid = 0;
	tdm_err_clear(&err);
	if (site_by_code(t->db, site_code, &s, &err) != TDM_OK)
		fail_msg("site_by_code(%s): %s", site_code, err.msg);
	if (account_add(t->db, &t->sys, username, "correct horse battery", roles, site_code, &uid,
			&err) != TDM_OK)
		fail_msg("account_add(%s): %s", username, err.msg);
	unit_actor(a, uid, username, s.id, roles);
}

/* A valid patient record (not yet stored). */
static inline void unit_patient(struct patient *p, const char *family, const char *given,
				const char *birth)
{
	memset(p, 0, sizeof *p);
	snprintf(p->family_name, sizeof p->family_name, "%s", family);
	snprintf(p->given_name, sizeof p->given_name, "%s", given);
	snprintf(p->birth_date, sizeof p->birth_date, "%s", birth);
	snprintf(p->sex_at_birth, sizeof p->sex_at_birth, "female");
}

/* Stores a patient at site_code (NULL: default) as the system actor. */
static inline int64_t tdb_patient(struct tdb *t, const char *family, const char *given,
				  const char *birth, const char *site_code)
{
	struct patient p;
	struct tdm_err err;
	tdm_err_clear(&err);
	unit_patient(&p, family, given, birth);
	if (patient_create(t->db, &t->sys, &p, site_code, &err) != TDM_OK)
		fail_msg("patient_create(%s): %s (%s)", family, err.msg, err.field);
	return p.id;
}

/* today + n days, clinic-local. */
static inline void unit_day(int n, char out[DATE_LEN])
{
	char today[DATE_LEN];
	date_today(today);
	date_add_days(today, n, out);
}

/* Number of audit rows (any action). */
static inline int64_t tdb_audit_count(struct tdb *t, const char *action)
{
	struct tdm_err err;
	int64_t n = -1;
	int found = 0;
	struct stmt *st = db_prepare(t->db, "SELECT COUNT(*) FROM audit WHERE ? = '' OR action = ?",
				     &err);
	if (!st)
		fail_msg("prepare: %s", err.msg);
	db_bind_text(st, 1, action ? action : "");
	db_bind_text(st, 2, action ? action : "");
	if (db_query_int(st, &n, &found, &err) != TDM_OK)
		fail_msg("count audit: %s", err.msg);
	return n;
}

#endif
