/* Tests for src/domain/dosing.c: a dose recorded exactly once (idempotency
 * key, the scheduled-dose key, void and re-record), input checks, holds,
 * the missed-dose reassessment, the dosing window and the MAR, and doses
 * racing through group commit. */
#include "unit.h"

#include "domain/dosing.h"
#include "store/group.h"

#include <pthread.h>

static struct tdm_err err;

struct fx {
	struct tdb *t;
	struct actor doc, nurse, nurse2;
	int64_t pid;
};

static struct fx setup_fx(void **state)
{
	struct fx f;
	f.t = *state;
	tdb_user(f.t, "doc", "main", ROLE_PRESCRIBER, &f.doc);
	tdb_user(f.t, "nina", "main", ROLE_NURSE, &f.nurse);
	tdb_user(f.t, "ned", "main", ROLE_NURSE, &f.nurse2);
	f.pid = tdb_patient(f.t, "Dose", "Dana", "1979-05-06", NULL);
	return f;
}

static int64_t methadone(struct fx *f, int start_in, double dose)
{
	struct order_input in;
	struct order o;
	struct order_alerts al;
	memset(&in, 0, sizeof in);
	snprintf(in.medication, sizeof in.medication, "methadone");
	in.dose = dose;
	snprintf(in.unit, sizeof in.unit, "mg");
	snprintf(in.route, sizeof in.route, "oral");
	snprintf(in.frequency, sizeof in.frequency, "daily");
	unit_day(start_in, in.start_on);
	assert_ok(order_create(f->t->db, &f->doc, f->pid, &in, &o, &al, &err), &err);
	return o.id;
}

static void give(struct admin_input *in, const char *key, double amount)
{
	memset(in, 0, sizeof *in);
	snprintf(in->status, sizeof in->status, "given");
	in->amount = amount;
	in->has_amount = 1;
	snprintf(in->key, sizeof in->key, "%s", key);
	crypto_sha256_hex(key, strlen(key), in->hash); /* any fingerprint of the request */
}

static int64_t count_rows(struct tdb *t, const char *sql)
{
	int64_t n = 0;
	int found;
	assert_ok(db_begin(t->db, DB_READ, &err), &err);
	struct stmt *st = db_prepare(t->db, sql, &err);
	assert_non_null(st);
	assert_ok(db_query_int(st, &n, &found, &err), &err);
	db_rollback(t->db);
	return n;
}

static void test_once(void **state)
{
	struct fx f = setup_fx(state);
	int64_t oid = methadone(&f, 0, 30);
	struct admin_input in;
	struct admin_result r;
	give(&in, "k1", 30);
	assert_ok(admin_record(f.t->db, &f.nurse, oid, &in, &r, &err), &err);
	assert_false(r.replayed);
	int64_t first = r.a.id;
	/* The same key and request: the first record, nothing new. */
	assert_ok(admin_record(f.t->db, &f.nurse, oid, &in, &r, &err), &err);
	assert_true(r.replayed);
	assert_int_equal(r.a.id, first);
	/* The same key, another request. */
	give(&in, "k1", 25);
	snprintf(in.hash, sizeof in.hash, "different");
	assert_status(TDM_ECONFLICT, admin_record(f.t->db, &f.nurse, oid, &in, &r, &err), &err);
	assert_string_equal(err.field, "Idempotency-Key");
	/* Another nurse, another key: the dose is taken. */
	give(&in, "k2", 30);
	assert_status(TDM_ECONFLICT, admin_record(f.t->db, &f.nurse2, oid, &in, &r, &err), &err);
	assert_non_null(strstr(err.msg, "already recorded"));
	assert_int_equal(count_rows(f.t, "SELECT COUNT(*) FROM med_admin"), 1);
	/* Void, then the dose can be recorded again as the next attempt. */
	struct admin a;
	assert_status(TDM_EINVAL, admin_void(f.t->db, &f.nurse, first, "", &a, &err), &err);
	assert_ok(admin_void(f.t->db, &f.nurse, first, "wrong patient's cup", &a, &err), &err);
	assert_true(a.voided);
	assert_status(TDM_ECONFLICT, admin_void(f.t->db, &f.nurse, first, "again", &a, &err), &err);
	give(&in, "k3", 30);
	assert_ok(admin_record(f.t->db, &f.nurse2, oid, &in, &r, &err), &err);
	assert_int_equal(count_rows(f.t, "SELECT COUNT(*) FROM med_admin"), 2);
	assert_int_equal(count_rows(f.t, "SELECT MAX(attempt) FROM med_admin"), 1);
}

static void test_input(void **state)
{
	struct fx f = setup_fx(state);
	int64_t oid = methadone(&f, 0, 30);
	struct admin_input in;
	struct admin_result r;
	give(&in, "", 30);
	assert_status(TDM_EINVAL, admin_record(f.t->db, &f.nurse, oid, &in, &r, &err), &err);
	assert_string_equal(err.field, "Idempotency-Key");
	give(&in, "bad key", 30);
	assert_status(TDM_EINVAL, admin_record(f.t->db, &f.nurse, oid, &in, &r, &err), &err);
	give(&in, "a", 31);
	assert_status(TDM_EINVAL, admin_record(f.t->db, &f.nurse, oid, &in, &r, &err), &err);
	assert_string_equal(err.field, "amount");
	give(&in, "b", 30);
	in.has_amount = 0;
	assert_status(TDM_EINVAL, admin_record(f.t->db, &f.nurse, oid, &in, &r, &err), &err);
	give(&in, "c", 30);
	snprintf(in.status, sizeof in.status, "refused");
	assert_status(TDM_EINVAL, admin_record(f.t->db, &f.nurse, oid, &in, &r, &err), &err);
	give(&in, "d", 30);
	unit_day(1, in.dose_on);
	assert_status(TDM_EINVAL, admin_record(f.t->db, &f.nurse, oid, &in, &r, &err), &err);
	give(&in, "e", 30);
	in.slot = 2;
	assert_status(TDM_EINVAL, admin_record(f.t->db, &f.nurse, oid, &in, &r, &err), &err);
	give(&in, "f", 30);
	assert_status(TDM_ENOTFOUND, admin_record(f.t->db, &f.nurse, 9999, &in, &r, &err), &err);
	/* A nurse of another site does not see the order. */
	struct actor north;
	struct site s;
	assert_ok(site_add(f.t->db, "north", "North", &s, &err), &err);
	tdb_user(f.t, "nora", "north", ROLE_NURSE, &north);
	assert_status(TDM_ENOTFOUND, admin_record(f.t->db, &north, oid, &in, &r, &err), &err);
	assert_int_equal(count_rows(f.t, "SELECT COUNT(*) FROM med_admin"), 0);
	/* Held: only "held" can be recorded. */
	struct order o;
	struct order_alerts al;
	assert_ok(order_event_add(f.t->db, &f.doc, oid, "hold", 0, 0, "", "sedated", "", &o, &al, &err), &err);
	give(&in, "g", 30);
	assert_status(TDM_ECONFLICT, admin_record(f.t->db, &f.nurse, oid, &in, &r, &err), &err);
	memset(&in, 0, sizeof in);
	snprintf(in.status, sizeof in.status, "held");
	snprintf(in.key, sizeof in.key, "h");
	snprintf(in.hash, sizeof in.hash, "h");
	assert_ok(admin_record(f.t->db, &f.nurse, oid, &in, &r, &err), &err);
}

static void test_missed_doses(void **state)
{
	struct fx f = setup_fx(state);
	int64_t oid = methadone(&f, -3, 30); /* three days with nothing given */
	struct admin_input in;
	struct admin_result r;
	struct queue q;
	assert_ok(dosing_queue(f.t->db, &f.nurse, f.t->site.id, "", &q, &err), &err);
	assert_int_equal(q.n, 1);
	assert_int_equal(q.items[0].consecutive_missed, 3);
	assert_true(q.items[0].needs_reassessment);
	free(q.items);
	give(&in, "m1", 30);
	assert_status(TDM_ECONFLICT, admin_record(f.t->db, &f.nurse, oid, &in, &r, &err), &err);
	assert_int_equal(r.alerts.n, 1);
	assert_string_equal(r.alerts.a[0].rule, "missed_doses");
	/* A late entry for the day before yesterday breaks the run. */
	give(&in, "m2", 30);
	unit_day(-2, in.dose_on);
	assert_ok(admin_record(f.t->db, &f.nurse, oid, &in, &r, &err), &err);
	give(&in, "m3", 30);
	assert_ok(admin_record(f.t->db, &f.nurse, oid, &in, &r, &err), &err);
}

static void test_reassess(void **state)
{
	struct fx f = setup_fx(state);
	int64_t oid = methadone(&f, -3, 30);
	struct admin_input in;
	struct admin_result r;
	struct order o;
	struct order_alerts al;
	assert_ok(order_event_add(f.t->db, &f.doc, oid, "reassess", 0, 0, "", "seen, continue", "", &o, &al, &err),
		  &err);
	give(&in, "r1", 30);
	assert_ok(admin_record(f.t->db, &f.nurse, oid, &in, &r, &err), &err);
}

static void test_window_and_mar(void **state)
{
	struct fx f = setup_fx(state);
	int64_t oid = methadone(&f, -1, 30);
	struct admin_input in;
	struct admin_result r;
	struct queue q;
	give(&in, "w1", 30);
	unit_day(-1, in.dose_on);
	assert_ok(admin_record(f.t->db, &f.nurse, oid, &in, &r, &err), &err);
	assert_ok(dosing_queue(f.t->db, &f.nurse, f.t->site.id, "", &q, &err), &err);
	assert_int_equal(q.n, 1);
	assert_int_equal(q.due, 1);
	assert_string_equal(q.items[0].slots[0].status, "due");
	char yesterday[DATE_LEN];
	unit_day(-1, yesterday);
	assert_string_equal(q.items[0].last_on, yesterday);
	assert_int_equal(q.items[0].consecutive_missed, 0);
	free(q.items);
	give(&in, "w2", 25);
	assert_ok(admin_record(f.t->db, &f.nurse, oid, &in, &r, &err), &err);
	assert_ok(dosing_queue(f.t->db, &f.nurse, f.t->site.id, "", &q, &err), &err);
	assert_int_equal(q.due, 0);
	assert_int_equal(q.done, 1);
	assert_string_equal(q.items[0].slots[0].status, "given");
	assert_true(q.items[0].slots[0].amount == 25);
	free(q.items);
	assert_status(TDM_EINVAL, dosing_queue(f.t->db, &f.nurse, f.t->site.id, "2026-02-30", &q, &err), &err);
	struct mar m;
	char from[DATE_LEN], to[DATE_LEN];
	unit_day(-2, from);
	unit_day(1, to);
	assert_ok(dosing_mar(f.t->db, &f.nurse, f.pid, from, to, &m, &err), &err);
	assert_int_equal(m.n, 1);
	/* Day -2 is before the start: no cell; then given, given, scheduled. */
	assert_int_equal(m.rows[0].n_cells, 3);
	assert_string_equal(m.rows[0].cells[0].status, "given");
	assert_string_equal(m.rows[0].cells[1].status, "given");
	assert_string_equal(m.rows[0].cells[2].status, "scheduled");
	dosing_mar_free(&m);
	unit_day(-100, from);
	assert_status(TDM_EINVAL, dosing_mar(f.t->db, &f.nurse, f.pid, from, to, &m, &err), &err);
}

/* ---- racing through group commit ---- */

struct race {
	struct tdb *t;
	struct group *g;
	struct db *own;
	const struct actor *a;
	int64_t oid;
	char key[16];
	enum tdm_status rc;
};

struct call {
	struct race *r;
	struct admin_result out;
	struct admin_input in;
};

static enum tdm_status call_fn(struct db *db, void *arg, struct tdm_err *e)
{
	struct call *c = arg;
	return admin_record(db, c->r->a, c->r->oid, &c->in, &c->out, e);
}

static void *racer(void *arg)
{
	struct race *r = arg;
	struct call c;
	struct tdm_err e;
	memset(&c, 0, sizeof c);
	c.r = r;
	tdm_err_clear(&e);
	give(&c.in, r->key, 30);
	r->rc = group_run(r->g, r->own, call_fn, &c, &e);
	return NULL;
}

static void test_race_in_group(void **state)
{
	struct fx f = setup_fx(state);
	struct group *g;
	assert_ok(group_start(f.t->path, 0, &g, &err), &err);
	for (int round = 0; round < 5; round++) {
		char given[16];
		snprintf(given, sizeof given, "Racer%d", round);
		f.pid = tdb_patient(f.t, "Dose", given, "1979-05-06", NULL);
		int64_t oid = methadone(&f, 0, 30);
		struct race r[2];
		pthread_t th[2];
		for (int i = 0; i < 2; i++) {
			memset(&r[i], 0, sizeof r[i]);
			r[i].t = f.t;
			r[i].g = g;
			r[i].own = f.t->db;
			r[i].a = i ? &f.nurse2 : &f.nurse;
			r[i].oid = oid;
			snprintf(r[i].key, sizeof r[i].key, "race-%d-%d", round, i);
			assert_int_equal(pthread_create(&th[i], NULL, racer, &r[i]), 0);
		}
		for (int i = 0; i < 2; i++)
			pthread_join(th[i], NULL);
		int ok = (r[0].rc == TDM_OK) + (r[1].rc == TDM_OK);
		int conflict = (r[0].rc == TDM_ECONFLICT) + (r[1].rc == TDM_ECONFLICT);
		assert_int_equal(ok, 1);
		assert_int_equal(conflict, 1);
	}
	group_stop(g);
	assert_int_equal(count_rows(f.t, "SELECT COUNT(*) FROM med_admin"), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_once, tdb_setup, tdb_teardown),
		cmocka_unit_test_setup_teardown(test_input, tdb_setup, tdb_teardown),
		cmocka_unit_test_setup_teardown(test_missed_doses, tdb_setup, tdb_teardown),
		cmocka_unit_test_setup_teardown(test_reassess, tdb_setup, tdb_teardown),
		cmocka_unit_test_setup_teardown(test_window_and_mar, tdb_setup, tdb_teardown),
		cmocka_unit_test_setup_teardown(test_race_in_group, tdb_setup, tdb_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
