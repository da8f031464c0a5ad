/* Tests for src/domain/episode.c: admission, placements, discharge, history. */
#include "unit.h"

#include "domain/episode.h"

struct days {
	char d10[DATE_LEN], d5[DATE_LEN], d2[DATE_LEN], d1[DATE_LEN], today[DATE_LEN],
		tomorrow[DATE_LEN];
};

static void days(struct days *d)
{
	unit_day(-10, d->d10);
	unit_day(-5, d->d5);
	unit_day(-2, d->d2);
	unit_day(-1, d->d1);
	unit_day(0, d->today);
	unit_day(1, d->tomorrow);
}

static void current(struct tdb *t, int64_t pid, int64_t *eid, char level[16])
{
	struct tdm_err err;
	assert_ok(db_begin(t->db, DB_READ, &err), &err);
	assert_ok(episode_current(t->db, pid, eid, level, &err), &err);
	db_rollback(t->db);
}

static void test_admit_place_history(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct episode e;
	struct days d;
	days(&d);
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);

	assert_ok(episode_admit(t->db, &t->sys, pid, "detox", NULL, d.d10, NULL, &e, &err), &err);
	int64_t eid = e.id;
	assert_true(eid > 0);
	assert_int_equal(e.patient_id, pid);
	assert_int_equal(e.site_id, t->site.id);
	assert_string_equal(e.admitted_on, d.d10);
	assert_string_equal(e.level, "detox");
	assert_string_equal(e.discharged_on, "");
	assert_int_equal(e.n_placements, 1);
	assert_string_equal(e.placements[0].asam_level, "3.7-WM"); /* the default */
	assert_string_equal(e.placements[0].asam_edition, "asam-3e");
	assert_string_equal(e.placements[0].reason, "admission");
	assert_string_equal(e.placements[0].started_on, d.d10);
	assert_string_equal(e.placements[0].ended_on, "");
	episode_release(&e);

	assert_ok(episode_place(t->db, &t->sys, eid, "residential", "3.7", d.d5, "stable, needs 24h",
				&e, &err), &err);
	assert_int_equal(e.n_placements, 2);
	assert_string_equal(e.level, "residential");
	episode_release(&e);
	assert_ok(episode_place(t->db, &t->sys, eid, "iop", NULL, d.d2, "step down", &e, &err), &err);
	assert_int_equal(e.id, eid);
	assert_string_equal(e.level, "iop");
	assert_int_equal(e.n_placements, 3);
	assert_string_equal(e.placements[0].level, "detox");
	assert_string_equal(e.placements[0].started_on, d.d10);
	assert_string_equal(e.placements[0].ended_on, d.d5);
	assert_string_equal(e.placements[1].level, "residential");
	assert_string_equal(e.placements[1].asam_level, "3.7");
	assert_string_equal(e.placements[1].started_on, d.d5);
	assert_string_equal(e.placements[1].ended_on, d.d2);
	assert_string_equal(e.placements[1].reason, "stable, needs 24h");
	assert_string_equal(e.placements[2].level, "iop");
	assert_string_equal(e.placements[2].asam_level, "2.1");
	assert_string_equal(e.placements[2].started_on, d.d2);
	assert_string_equal(e.placements[2].ended_on, "");
	assert_string_equal(e.placements[2].recorded_by, "system:test");
	episode_release(&e);

	/* The patient record shows the current level. */
	struct patient p;
	assert_ok(patient_get(t->db, &t->sys, pid, &p, &err), &err);
	assert_string_equal(p.level, "iop");
	assert_int_equal(p.episode_id, eid);

	int64_t cur = 0;
	char level[16];
	current(t, pid, &cur, level);
	assert_int_equal(cur, eid);
	assert_string_equal(level, "iop");

	/* episode_get returns the same history. */
	assert_ok(episode_get(t->db, &t->sys, eid, &e, &err), &err);
	assert_int_equal(e.n_placements, 3);
	assert_string_equal(e.placements[1].ended_on, d.d2);
	episode_release(&e);
	assert_status(TDM_ENOTFOUND, episode_get(t->db, &t->sys, 999, &e, &err), &err);
}

static void test_place_refusals(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct episode e;
	struct days d;
	days(&d);
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	assert_ok(episode_admit(t->db, &t->sys, pid, "residential", NULL, d.d5, NULL, &e, &err), &err);
	int64_t eid = e.id;
	episode_release(&e);

	tdm_err_clear(&err);
	assert_status(TDM_ECONFLICT, episode_place(t->db, &t->sys, eid, "residential", NULL, d.d1,
						   "again", &e, &err), &err);
	assert_string_equal(err.field, "level");
	assert_status(TDM_EINVAL, episode_place(t->db, &t->sys, eid, "spa", NULL, d.d1, "x", &e, &err),
		      &err);
	assert_string_equal(err.field, "level");
	assert_non_null(strstr(err.msg, "detox"));
	assert_status(TDM_EINVAL, episode_place(t->db, &t->sys, eid, "iop", "3.7", d.d1, "x", &e,
						&err), &err);
	assert_string_equal(err.field, "asam_level");
	assert_status(TDM_EINVAL, episode_place(t->db, &t->sys, eid, "iop", NULL, d.d10, "x", &e,
						&err), &err);
	assert_string_equal(err.field, "started_on");
	assert_status(TDM_EINVAL, episode_place(t->db, &t->sys, eid, "iop", NULL, d.tomorrow, "x", &e,
						&err), &err);
	assert_string_equal(err.field, "started_on");
	assert_status(TDM_EINVAL, episode_place(t->db, &t->sys, eid, "iop", NULL, d.d1, "", &e, &err),
		      &err);
	assert_string_equal(err.field, "reason");
	assert_status(TDM_ENOTFOUND, episode_place(t->db, &t->sys, 999, "iop", NULL, d.d1, "x", &e,
						   &err), &err);
	/* Same level, another ASAM level is a real move. */
	assert_ok(episode_place(t->db, &t->sys, eid, "residential", "3.7", d.d1, "more support", &e,
				&err), &err);
	assert_int_equal(e.n_placements, 2);
	episode_release(&e);
	/* Same day as the current start is allowed (a same-day correction). */
	assert_ok(episode_place(t->db, &t->sys, eid, "php", NULL, d.d1, "step down", &e, &err), &err);
	assert_int_equal(e.n_placements, 3);
	episode_release(&e);

	/* Admit while open. */
	assert_status(TDM_ECONFLICT, episode_admit(t->db, &t->sys, pid, "detox", NULL, NULL, NULL, &e,
						   &err), &err);
	assert_string_equal(err.field, "patient");
	assert_int_equal(t->db->in_tx, 0);
}

static void test_admit_refusals(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct episode e;
	struct days d;
	days(&d);
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "2000-01-01", NULL);
	assert_status(TDM_EINVAL, episode_admit(t->db, &t->sys, pid, "nowhere", NULL, NULL, NULL, &e,
						&err), &err);
	assert_string_equal(err.field, "level");
	assert_status(TDM_EINVAL, episode_admit(t->db, &t->sys, pid, "detox", NULL, d.tomorrow, NULL,
						&e, &err), &err);
	assert_string_equal(err.field, "admitted_on");
	assert_status(TDM_EINVAL, episode_admit(t->db, &t->sys, pid, "detox", NULL, "1999-12-31", NULL,
						&e, &err), &err);
	assert_string_equal(err.field, "admitted_on");
	assert_non_null(strstr(err.msg, "birth_date"));
	assert_status(TDM_EINVAL, episode_admit(t->db, &t->sys, pid, "detox", NULL, "2024-02-30", NULL,
						&e, &err), &err);
	assert_status(TDM_ENOTFOUND, episode_admit(t->db, &t->sys, 999, "detox", NULL, NULL, NULL, &e,
						   &err), &err);
	int64_t cur = -1;
	char level[16] = "x";
	current(t, pid, &cur, level);
	assert_int_equal(cur, 0);
	assert_string_equal(level, "");
}

static void test_discharge_and_readmit(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct episode e, *rows = NULL;
	struct days d;
	int n = 0;
	days(&d);
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	assert_ok(episode_admit(t->db, &t->sys, pid, "detox", "4-WM", d.d10, "withdrawal", &e, &err),
		  &err);
	int64_t eid = e.id;
	assert_string_equal(e.placements[0].asam_level, "4-WM");
	assert_string_equal(e.placements[0].reason, "withdrawal");
	episode_release(&e);
	assert_ok(episode_place(t->db, &t->sys, eid, "residential", NULL, d.d5, "step down", &e, &err),
		  &err);
	episode_release(&e);

	tdm_err_clear(&err);
	assert_status(TDM_EINVAL, episode_discharge(t->db, &t->sys, eid, NULL, "bored", NULL, &e, &err),
		      &err);
	assert_string_equal(err.field, "reason");
	assert_status(TDM_EINVAL, episode_discharge(t->db, &t->sys, eid, NULL, NULL, NULL, &e, &err),
		      &err);
	assert_string_equal(err.field, "reason");
	assert_status(TDM_EINVAL, episode_discharge(t->db, &t->sys, eid, d.d10, "completed", NULL, &e,
						    &err), &err);
	assert_string_equal(err.field, "discharged_on"); /* before the current placement */
	assert_status(TDM_EINVAL, episode_discharge(t->db, &t->sys, eid, d.tomorrow, "completed", NULL,
						    &e, &err), &err);
	assert_string_equal(err.field, "discharged_on");

	assert_ok(episode_discharge(t->db, &t->sys, eid, d.d2, "completed", "graduated", &e, &err),
		  &err);
	assert_string_equal(e.discharged_on, d.d2);
	assert_string_equal(e.discharge_reason, "completed");
	assert_string_equal(e.discharge_note, "graduated");
	assert_string_equal(e.level, "");
	assert_int_equal(e.n_placements, 2);
	assert_string_equal(e.placements[1].ended_on, d.d2);
	episode_release(&e);

	int64_t cur = -1;
	char level[16];
	current(t, pid, &cur, level);
	assert_int_equal(cur, 0);
	assert_string_equal(level, "");
	struct patient p;
	assert_ok(patient_get(t->db, &t->sys, pid, &p, &err), &err);
	assert_string_equal(p.level, "");
	assert_int_equal(p.episode_id, 0);

	/* A discharged episode takes no more placements or discharges. */
	assert_status(TDM_ECONFLICT, episode_place(t->db, &t->sys, eid, "iop", NULL, d.d1, "x", &e,
						   &err), &err);
	assert_string_equal(err.field, "episode");
	assert_status(TDM_ECONFLICT, episode_discharge(t->db, &t->sys, eid, NULL, "other", NULL, &e,
						       &err), &err);

	/* Readmission: not before the last discharge, then a new episode. */
	assert_status(TDM_EINVAL, episode_admit(t->db, &t->sys, pid, "iop", NULL, d.d5, NULL, &e,
						&err), &err);
	assert_string_equal(err.field, "admitted_on");
	assert_ok(episode_admit(t->db, &t->sys, pid, "iop", NULL, NULL, "relapse", &e, &err), &err);
	int64_t eid2 = e.id;
	assert_true(eid2 != eid);
	assert_string_equal(e.admitted_on, d.today);
	assert_string_equal(e.level, "iop");
	episode_release(&e);
	current(t, pid, &cur, level);
	assert_int_equal(cur, eid2);
	assert_string_equal(level, "iop");

	/* History: newest first. */
	assert_ok(episode_list(t->db, &t->sys, pid, &rows, &n, &err), &err);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].id, eid2);
	assert_string_equal(rows[0].discharged_on, "");
	assert_int_equal(rows[1].id, eid);
	assert_string_equal(rows[1].discharge_reason, "completed");
	assert_int_equal(rows[1].n_placements, 2);
	for (int i = 0; i < n; i++)
		episode_release(&rows[i]);
	free(rows);
	assert_int_equal(tdb_audit_count(t, "episode.admit"), 3); /* 2 ok + 1 refused */
}

static void test_other_site(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct episode e, *rows = NULL;
	struct site north;
	struct actor nurse;
	int n = -1;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	assert_ok(episode_admit(t->db, &t->sys, pid, "detox", NULL, NULL, NULL, &e, &err), &err);
	int64_t eid = e.id;
	episode_release(&e);
	assert_ok(site_add(t->db, "north", "North clinic", &north, &err), &err);
	tdb_user(t, "nurse.north", "north", ROLE_NURSE, &nurse);
	assert_status(TDM_ENOTFOUND, episode_get(t->db, &nurse, eid, &e, &err), &err);
	assert_status(TDM_ENOTFOUND, episode_place(t->db, &nurse, eid, "residential", NULL, NULL, "x",
						   &e, &err), &err);
	assert_status(TDM_ENOTFOUND, episode_discharge(t->db, &nurse, eid, NULL, "other", NULL, &e,
						       &err), &err);
	assert_status(TDM_ENOTFOUND, episode_admit(t->db, &nurse, pid, "detox", NULL, NULL, NULL, &e,
						   &err), &err);
	assert_status(TDM_ENOTFOUND, episode_list(t->db, &nurse, pid, &rows, &n, &err), &err);
	assert_null(rows);
	/* Nothing changed. */
	assert_ok(episode_get(t->db, &t->sys, eid, &e, &err), &err);
	assert_int_equal(e.n_placements, 1);
	assert_string_equal(e.discharged_on, "");
	episode_release(&e);
}

static void test_reasons_list(void **state)
{
	(void)state;
	int n = 0;
	for (; episode_discharge_reasons[n]; n++)
		assert_true(strlen(episode_discharge_reasons[n]) < 32);
	assert_int_equal(n, 9);
	assert_string_equal(episode_discharge_reasons[0], "completed");
}

#define T(f) cmocka_unit_test_setup_teardown(f, tdb_setup, tdb_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_admit_place_history),
		T(test_place_refusals),
		T(test_admit_refusals),
		T(test_discharge_and_readmit),
		T(test_other_site),
		cmocka_unit_test(test_reasons_list),
	};
	return cmocka_run_group_tests_name("episode", tests, NULL, NULL);
}
