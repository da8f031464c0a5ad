/* Tests for src/store/migrate.c: idempotent apply, recorded version, guards. */
#include "unit.h"

struct mdb {
	char dir[256];
	char path[300];
	struct db *db;
};

static int setup(void **state)
{
	struct mdb *m = calloc(1, sizeof *m);
	struct tdm_err err;
	if (!m)
		return -1;
	unit_tmpdir(m->dir, sizeof m->dir);
	snprintf(m->path, sizeof m->path, "%s/m.db", m->dir);
	if (db_open(m->path, &m->db, &err))
		fail_msg("db_open: %s", err.msg);
	*state = m;
	return 0;
}

static int teardown(void **state)
{
	struct mdb *m = *state;
	char p[320];
	db_close(m->db);
	unlink(m->path);
	snprintf(p, sizeof p, "%s-wal", m->path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", m->path);
	unlink(p);
	rmdir(m->dir);
	free(m);
	return 0;
}

static int64_t count(struct db *db, const char *sql)
{
	struct tdm_err err;
	int64_t n = -1;
	int found;
	struct stmt *st = db_prepare(db, sql, &err);
	assert_non_null(st);
	assert_ok(db_query_int(st, &n, &found, &err), &err);
	assert_true(found);
	return n;
}

static void test_fresh_version_is_zero(void **state)
{
	struct mdb *m = *state;
	struct tdm_err err;
	int v = -1;
	assert_ok(migrate_version(m->db, &v, &err), &err);
	assert_int_equal(v, 0);
	assert_true(migrate_latest() >= 1);
}

static void test_apply_twice_is_idempotent(void **state)
{
	struct mdb *m = *state;
	struct tdm_err err;
	int applied = -1, v = -1;
	assert_ok(migrate_apply(m->db, &applied, &err), &err);
	assert_int_equal(applied, migrate_latest()); /* versions are 1..latest */
	assert_ok(migrate_version(m->db, &v, &err), &err);
	assert_int_equal(v, migrate_latest());

	assert_ok(migrate_apply(m->db, &applied, &err), &err);
	assert_int_equal(applied, 0);
	assert_ok(migrate_version(m->db, &v, &err), &err);
	assert_int_equal(v, migrate_latest());
	assert_int_equal(count(m->db, "SELECT COUNT(*) FROM schema_migration"), migrate_latest());
	assert_int_equal(m->db->in_tx, 0);

	/* And after reopening the file. */
	db_close(m->db);
	assert_ok(db_open(m->path, &m->db, &err), &err);
	assert_ok(migrate_apply(m->db, &applied, &err), &err);
	assert_int_equal(applied, 0);
}

static void test_schema_has_tables_and_audit_guard(void **state)
{
	struct mdb *m = *state;
	struct tdm_err err;
	int applied;
	assert_ok(migrate_apply(m->db, &applied, &err), &err);
	static const char *const tables[] = {"site", "app_user", "user_role", "session",
					     "login_attempt", "audit", "patient", "patient_version",
					     "diagnosis", "diagnosis_status", "episode",
					     "placement", "discharge", "meta"};
	struct stmt *st = db_prepare(m->db,
		"SELECT COUNT(*) FROM sqlite_master WHERE type = ? AND name = ?", &err);
	assert_non_null(st);
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		int64_t n = 0;
		int found;
		db_bind_text(st, 1, "table");
		db_bind_text(st, 2, tables[i]);
		assert_ok(db_query_int(st, &n, &found, &err), &err);
		if (n != 1)
			fail_msg("table %s missing", tables[i]);
	}
	assert_int_equal(count(m->db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'"
				      " AND name IN ('audit_no_update', 'audit_no_delete')"), 2);
}

static void test_newer_database_refused(void **state)
{
	struct mdb *m = *state;
	struct tdm_err err;
	int applied;
	assert_ok(migrate_apply(m->db, &applied, &err), &err);
	assert_ok(db_exec(m->db, "INSERT INTO schema_migration(version, name, applied_at)"
				 " VALUES (9999, 'future', '2099-01-01T00:00:00Z')", &err), &err);
	tdm_err_clear(&err);
	assert_status(TDM_EDB, migrate_apply(m->db, &applied, &err), &err);
	assert_int_equal(applied, 0);
	assert_non_null(strstr(err.msg, "9999"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fresh_version_is_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_twice_is_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_has_tables_and_audit_guard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_database_refused, setup, teardown),
	};
	return cmocka_run_group_tests_name("migrate", tests, NULL, NULL);
}
