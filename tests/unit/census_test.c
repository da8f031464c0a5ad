/* Tests for src/domain/census.c: open episodes per level, recent movement,
 * and what a restricted user may count. */
#include "unit.h"

#include "domain/census.h"
#include "domain/episode.h"

static int64_t admit(struct tdb *t, int64_t pid, const char *level, const char *on)
{
	struct episode e;
	struct tdm_err err;
	assert_ok(episode_admit(t->db, &t->sys, pid, level, NULL, on, NULL, &e, &err), &err);
	int64_t id = e.id;
	episode_release(&e);
	return id;
}

static int64_t at_level(const struct census *c, const char *level)
{
	for (int i = 0; i < c->n_levels; i++)
		if (!strcmp(c->levels[i].level, level))
			return c->levels[i].patients;
	fail_msg("level %s missing from the census", level);
	return -1;
}

static void test_empty(void **state)
{
	struct tdb *t = *state;
	struct census c;
	struct tdm_err err;
	char today[DATE_LEN];
	unit_day(0, today);
	assert_ok(census_get(t->db, NULL, &t->sys, 0, &c, &err), &err);
	assert_string_equal(c.as_of, today);
	assert_int_equal(c.total, 0);
	assert_int_equal(c.admissions_30d, 0);
	assert_int_equal(c.discharges_30d, 0);
	/* Every configured level is listed, in display order, with its label. */
	assert_int_equal(c.n_levels, 7);
	assert_string_equal(c.levels[0].level, "detox");
	assert_string_equal(c.levels[0].label, "Withdrawal management (detox)");
	assert_string_equal(c.levels[6].level, "otp");
	assert_int_equal(tdb_audit_count(t, "census.read"), 1);
}

static void test_counts(void **state)
{
	struct tdb *t = *state;
	struct census c;
	struct tdm_err err;
	struct episode e;
	char d40[DATE_LEN], d10[DATE_LEN], d5[DATE_LEN], d3[DATE_LEN];
	unit_day(-40, d40);
	unit_day(-10, d10);
	unit_day(-5, d5);
	unit_day(-3, d3);
	int64_t a = tdb_patient(t, "Alpha", "A", "1980-01-01", NULL);
	int64_t b = tdb_patient(t, "Bravo", "B", "1981-01-01", NULL);
	int64_t c3 = tdb_patient(t, "Charlie", "C", "1982-01-01", NULL);
	int64_t d = tdb_patient(t, "Delta", "D", "1983-01-01", NULL);
	int64_t x = tdb_patient(t, "Echo", "E", "1984-01-01", NULL);
	tdb_patient(t, "Foxtrot", "F", "1985-01-01", NULL); /* never admitted */

	int64_t ea = admit(t, a, "detox", d10);
	admit(t, b, "detox", d5);
	admit(t, c3, "residential", d40); /* old admission, still in care */
	int64_t ed = admit(t, d, "otp", d10);
	int64_t ex = admit(t, x, "iop", d10);
	/* a: detox -> residential; d: discharged; x: discharged then readmitted. */
	assert_ok(episode_place(t->db, &t->sys, ea, "residential", NULL, d5, "step down", &e, &err),
		  &err);
	episode_release(&e);
	assert_ok(episode_discharge(t->db, &t->sys, ed, d3, "transferred", NULL, &e, &err), &err);
	episode_release(&e);
	assert_ok(episode_discharge(t->db, &t->sys, ex, d5, "left_against_advice", NULL, &e, &err),
		  &err);
	episode_release(&e);
	admit(t, x, "outpatient", d3);

	assert_ok(census_get(t->db, NULL, &t->sys, 0, &c, &err), &err);
	assert_int_equal(at_level(&c, "detox"), 1);       /* b */
	assert_int_equal(at_level(&c, "residential"), 2); /* a, c */
	assert_int_equal(at_level(&c, "outpatient"), 1);  /* x */
	assert_int_equal(at_level(&c, "iop"), 0);
	assert_int_equal(at_level(&c, "otp"), 0);
	assert_int_equal(at_level(&c, "php"), 0);
	assert_int_equal(c.total, 4);
	assert_int_equal(c.admissions_30d, 5); /* all but c's */
	assert_int_equal(c.discharges_30d, 2);
	/* The same, asked for the one site. */
	assert_ok(census_get(t->db, NULL, &t->sys, t->site.id, &c, &err), &err);
	assert_int_equal(c.site_id, t->site.id);
	assert_int_equal(c.total, 4);
	assert_int_equal(at_level(&c, "residential"), 2);
}

static void test_other_site_sees_zero(void **state)
{
	struct tdb *t = *state;
	struct census c;
	struct tdm_err err;
	struct site north;
	struct actor nurse;
	int64_t a = tdb_patient(t, "Alpha", "A", "1980-01-01", NULL);
	int64_t b = tdb_patient(t, "Bravo", "B", "1981-01-01", NULL);
	admit(t, a, "detox", NULL);
	admit(t, b, "iop", NULL);
	assert_ok(site_add(t->db, "north", "North clinic", &north, &err), &err);
	tdb_user(t, "nurse.north", "north", ROLE_NURSE, &nurse);

	assert_ok(census_get(t->db, NULL, &nurse, 0, &c, &err), &err);
	assert_int_equal(c.total, 0);
	assert_int_equal(at_level(&c, "detox"), 0);
	assert_int_equal(at_level(&c, "iop"), 0);
	assert_int_equal(c.admissions_30d, 0);
	assert_int_equal(c.discharges_30d, 0);
	/* Asking for the other site by id is refused like an unknown site. */
	tdm_err_clear(&err);
	assert_status(TDM_ENOTFOUND, census_get(t->db, NULL, &nurse, t->site.id, &c, &err), &err);
	assert_string_equal(err.field, "site");

	/* A patient at north is counted for the nurse, and only that one. */
	int64_t n = tdb_patient(t, "North", "N", "1990-01-01", "north");
	admit(t, n, "residential", NULL);
	assert_ok(census_get(t->db, NULL, &nurse, 0, &c, &err), &err);
	assert_int_equal(c.total, 1);
	assert_int_equal(at_level(&c, "residential"), 1);
	assert_int_equal(c.admissions_30d, 1);
	assert_ok(census_get(t->db, NULL, &t->sys, 0, &c, &err), &err);
	assert_int_equal(c.total, 3);
	assert_ok(census_get(t->db, NULL, &t->sys, north.id, &c, &err), &err);
	assert_int_equal(c.total, 1);
}

/* A report reads the replica when there is one, writes its audit row on the
 * primary, and falls back to the primary when the replica fails. Here the
 * "replica" is a second connection to the same database. */
static void test_replica_counts_and_fallback(void **state)
{
	struct tdb *t = *state;
	struct census c;
	struct tdm_err err;
	struct db *replica;
	int64_t a = tdb_patient(t, "Alpha", "A", "1980-01-01", NULL);
	admit(t, a, "php", NULL);
	assert_ok(db_open(t->path, &replica, &err), &err);
	int64_t before = tdb_audit_count(t, "census.read");
	assert_ok(census_get(t->db, replica, &t->sys, 0, &c, &err), &err);
	assert_int_equal(c.from_replica, 1);
	assert_int_equal(c.total, 1);
	assert_int_equal(at_level(&c, "php"), 1);
	assert_int_equal(tdb_audit_count(t, "census.read"), before + 1);
	/* A replica missing the schema (a broken one) is not fatal. */
	struct db *broken;
	char path[320];
	snprintf(path, sizeof path, "%s", t->path);
	if (!tdb_pg()) {
		snprintf(path, sizeof path, "%s/empty.db", t->dir);
		assert_ok(db_open(path, &broken, &err), &err);
		assert_ok(census_get(t->db, broken, &t->sys, 0, &c, &err), &err);
		assert_int_equal(c.from_replica, 0);
		assert_int_equal(c.total, 1);
		db_close(broken);
		unlink(path);
	}
	db_close(replica);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tdb_setup, tdb_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_empty),
		T(test_counts),
		T(test_other_site_sees_zero),
		T(test_replica_counts_and_fallback),
	};
	return cmocka_run_group_tests_name("census", tests, NULL, NULL);
}
