/* Tests for src/domain/audit.c: the hash chain, tamper detection, the
 * append-only guard, and the audited listing. */
#include "unit.h"

#include "domain/audit.h"

/* A few audited domain operations: bootstrap already wrote one row. */
static void make_rows(struct tdb *t, int64_t *pid)
{
	struct tdm_err err;
	struct patient p;
	*pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	assert_ok(patient_get(t->db, &t->sys, *pid, &p, &err), &err);
	tdb_patient(t, "Okafor", "Chidi", "1975-11-30", NULL);
	assert_ok(patient_get(t->db, &t->sys, *pid, &p, &err), &err);
	/* A refused operation is audited too (outcome not_found). */
	assert_status(TDM_ENOTFOUND, patient_get(t->db, &t->sys, 999, &p, &err), &err);
}

static void verify(struct tdb *t, struct audit_report *rep)
{
	struct tdm_err err;
	assert_ok(audit_verify(t->db, rep, &err), &err);
	assert_int_equal(t->db->in_tx, 0);
}

static void test_chain_intact(void **state)
{
	struct tdb *t = *state;
	struct audit_report rep;
	int64_t pid;
	make_rows(t, &pid);
	verify(t, &rep);
	assert_int_equal(rep.rows, 6); /* bootstrap + 5 */
	assert_int_equal(rep.bad_seq, 0);
	assert_string_equal(rep.why, "");
	assert_int_equal(tdb_audit_count(t, NULL), 6);
	assert_int_equal(tdb_audit_count(t, "patient.create"), 2);
	assert_int_equal(tdb_audit_count(t, "patient.read"), 3);
}

static void test_rows_carry_who_what(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct audit_row *rows = NULL;
	int n = 0;
	int64_t total = 0, pid;
	make_rows(t, &pid);
	/* Rows about patient pid, newest first. */
	assert_ok(audit_list(t->db, &t->sys, pid, 10, 0, &rows, &n, &total, &err), &err);
	assert_int_equal(total, 3); /* create + 2 reads */
	assert_int_equal(n, 3);
	assert_true(rows[0].seq > rows[1].seq && rows[1].seq > rows[2].seq);
	assert_string_equal(rows[2].action, "patient.create");
	assert_string_equal(rows[0].action, "patient.read");
	assert_string_equal(rows[0].outcome, "ok");
	assert_string_equal(rows[0].username, "system:test");
	assert_string_equal(rows[0].client_addr, "cli");
	assert_string_equal(rows[0].object_type, "Patient");
	assert_int_equal(rows[0].patient_id, pid);
	assert_int_equal(rows[0].site_id, t->site.id);
	assert_string_equal(rows[0].roles, "admin,prescriber,nurse,therapist,intake,auditor");
	assert_int_equal(strlen(rows[0].at), INSTANT_LEN - 1);
	free(rows);
	/* The listing itself was audited, and the chain still holds. */
	assert_int_equal(tdb_audit_count(t, "audit.read"), 1);
	/* Paging through all rows. */
	assert_ok(audit_list(t->db, &t->sys, 0, 2, 1, &rows, &n, &total, &err), &err);
	assert_int_equal(total, 7); /* 6 + the first audit.read */
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].seq, 6);
	assert_int_equal(rows[1].seq, 5);
	free(rows);
	/* The failed read of patient 999 names its outcome. */
	assert_ok(audit_list(t->db, &t->sys, 0, 50, 0, &rows, &n, &total, &err), &err);
	int saw_not_found = 0;
	for (int i = 0; i < n; i++)
		if (!strcmp(rows[i].action, "patient.read") && rows[i].patient_id == 999)
			saw_not_found = !strcmp(rows[i].outcome, "not_found");
	assert_true(saw_not_found);
	free(rows);
	struct audit_report rep;
	verify(t, &rep);
	assert_int_equal(rep.bad_seq, 0);
	assert_int_equal(rep.rows, 9);
}

static void test_edit_detected(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct audit_report rep;
	int64_t pid;
	make_rows(t, &pid);
	tdb_drop_trigger(t->db, "audit_no_update");
	assert_ok(db_exec(t->db, "UPDATE audit SET action = 'patient.nothing' WHERE seq = 3", &err),
		  &err);
	verify(t, &rep);
	assert_int_equal(rep.bad_seq, 3);
	assert_int_equal(rep.rows, 3);
	assert_non_null(strstr(rep.why, "edited"));
}

static void test_edit_of_detail_detected(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct audit_report rep;
	int64_t pid;
	make_rows(t, &pid);
	tdb_drop_trigger(t->db, "audit_no_update");
	assert_ok(db_exec(t->db, "UPDATE audit SET username = 'someone-else' WHERE seq = 5", &err),
		  &err);
	verify(t, &rep);
	assert_int_equal(rep.bad_seq, 5);
}

static void test_rehash_detected_at_next_row(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct audit_report rep;
	int64_t pid;
	make_rows(t, &pid);
	/* An editor who also replaces the row's own hash breaks the link to
	 * the next row. */
	tdb_drop_trigger(t->db, "audit_no_update");
	assert_ok(db_exec(t->db, "UPDATE audit SET hash = (SELECT hash FROM audit WHERE seq = 2)"
				 " WHERE seq = 4", &err), &err);
	verify(t, &rep);
	assert_true(rep.bad_seq == 4 || rep.bad_seq == 5);
}

static void test_delete_names_row_after_gap(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct audit_report rep;
	int64_t pid;
	make_rows(t, &pid);
	tdb_drop_trigger(t->db, "audit_no_delete");
	assert_ok(db_exec(t->db, "DELETE FROM audit WHERE seq = 3", &err), &err);
	verify(t, &rep);
	assert_int_equal(rep.bad_seq, 4);
	assert_non_null(strstr(rep.why, "removed"));
}

static void test_renumbered_rows_detected(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct audit_report rep;
	int64_t pid;
	make_rows(t, &pid);
	/* Delete row 3 and renumber the rest to close the gap. */
	tdb_drop_trigger(t->db, "audit_no_delete");
	tdb_drop_trigger(t->db, "audit_no_update");
	assert_ok(db_exec(t->db, "DELETE FROM audit WHERE seq = 3;"
				 "UPDATE audit SET seq = seq - 1 WHERE seq > 3", &err), &err);
	verify(t, &rep);
	assert_int_equal(rep.bad_seq, 3);
}

static void test_append_only_guard(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct audit_report rep;
	int64_t pid, n;
	make_rows(t, &pid);
	tdm_err_clear(&err);
	enum tdm_status rc = db_exec(t->db, "UPDATE audit SET action = 'x' WHERE seq = 2", &err);
	assert_int_not_equal(rc, TDM_OK);
	assert_non_null(strstr(err.msg, "append-only"));
	rc = db_exec(t->db, "DELETE FROM audit WHERE seq = 2", &err);
	assert_int_not_equal(rc, TDM_OK);
	assert_non_null(strstr(err.msg, "append-only"));
	n = tdb_audit_count(t, NULL);
	assert_int_equal(n, 6);
	assert_int_equal(tdb_audit_count(t, "x"), 0);
	verify(t, &rep);
	assert_int_equal(rep.bad_seq, 0);
	assert_int_equal(rep.rows, 6);
}

static void test_audit_list_hidden_patient(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct site north;
	struct actor nurse;
	struct audit_row *rows = (struct audit_row *)1;
	int n = -1;
	int64_t total = -1, pid;
	make_rows(t, &pid);
	assert_ok(site_add(t->db, "north", "North clinic", &north, &err), &err);
	tdb_user(t, "nurse.north", "north", ROLE_NURSE | ROLE_AUDITOR, &nurse);
	assert_status(TDM_ENOTFOUND,
		      audit_list(t->db, &nurse, pid, 10, 0, &rows, &n, &total, &err), &err);
	assert_null(rows);
	assert_int_equal(n, 0);
	/* The denied attempt is itself on the trail. */
	assert_ok(audit_list(t->db, &t->sys, 0, 1, 0, &rows, &n, &total, &err), &err);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].action, "audit.read");
	assert_string_equal(rows[0].outcome, "denied");
	assert_string_equal(rows[0].username, "nurse.north");
	free(rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_chain_intact, tdb_setup, tdb_teardown),
		cmocka_unit_test_setup_teardown(test_rows_carry_who_what, tdb_setup, tdb_teardown),
		cmocka_unit_test_setup_teardown(test_edit_detected, tdb_setup, tdb_teardown),
		cmocka_unit_test_setup_teardown(test_edit_of_detail_detected, tdb_setup, tdb_teardown),
		cmocka_unit_test_setup_teardown(test_rehash_detected_at_next_row, tdb_setup, tdb_teardown),
		cmocka_unit_test_setup_teardown(test_delete_names_row_after_gap, tdb_setup, tdb_teardown),
		cmocka_unit_test_setup_teardown(test_renumbered_rows_detected, tdb_setup, tdb_teardown),
		cmocka_unit_test_setup_teardown(test_append_only_guard, tdb_setup, tdb_teardown),
		cmocka_unit_test_setup_teardown(test_audit_list_hidden_patient, tdb_setup, tdb_teardown),
	};
	return cmocka_run_group_tests_name("audit", tests, NULL, NULL);
}
