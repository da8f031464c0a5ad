/*
 * Tests for src/store/group.c (group commit) and the savepoint semantics of
 * db_begin/db_commit/db_rollback inside a group transaction (store.c).
 *
 * Batches are made deterministic with a "gate": a first item that blocks the
 * writer until the test opens it, while the next items queue up one by one
 * (in a known order) and then run together in the following batch.
 *
 * TANDEM_GROUP_BENCH=N turns the program into a micro-benchmark instead of
 * the tests: 8 threads (TANDEM_GROUP_BENCH_THREADS) x N durable "insert +
 * audit row" operations, plain (a transaction and a commit each, one
 * connection per thread) against grouped. Not a timed test.
 */
#include "unit.h"

#include <pthread.h>
#include <time.h>

#include "domain/audit.h"
#include "store/group.h"

#define GT_SCHEMA                                                                          \
	"CREATE TABLE gt(k TEXT PRIMARY KEY, v BIGINT NOT NULL);"                          \
	"CREATE TABLE gparent(id BIGINT PRIMARY KEY);"                                     \
	"CREATE TABLE gchild(id BIGINT PRIMARY KEY,"                                       \
	" pid BIGINT REFERENCES gparent(id) DEFERRABLE INITIALLY DEFERRED)"

static int setup(void **state)
{
	struct tdm_err err;
	int rc = tdb_setup(state);
	if (rc)
		return rc;
	struct tdb *t = *state;
	if (db_exec(t->db, GT_SCHEMA, &err) != TDM_OK)
		fail_msg("schema: %s", err.msg);
	return 0;
}

static int64_t count_key(struct db *db, const char *k)
{
	struct tdm_err err;
	int64_t n = -1;
	int found;
	struct stmt *st = db_prepare(db, "SELECT COUNT(*) FROM gt WHERE ? = '' OR k = ?", &err);
	assert_non_null(st);
	db_bind_text(st, 1, k);
	db_bind_text(st, 2, k);
	assert_ok(db_query_int(st, &n, &found, &err), &err);
	return n;
}

static enum tdm_status insert_key(struct db *db, const char *k, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, "INSERT INTO gt(k, v) VALUES (?, 1)", err);
	if (!st)
		return err->code;
	db_bind_text(st, 1, k);
	return db_run(st, err);
}

/* ---- work items ---- */

enum how { OK_COMMIT, FAIL_ROLLBACK, LEAK_OPEN, RAW_NO_TX, ORPHAN };

struct ins {
	const char *key;
	enum how how;
};

/* Domain-shaped work: begin, insert, end the way `how` says. */
static enum tdm_status ins_fn(struct db *db, void *arg, struct tdm_err *err)
{
	struct ins *in = arg;
	enum tdm_status rc;
	if (in->how == RAW_NO_TX) /* a statement outside any transaction */
		return insert_key(db, in->key, err);
	if ((rc = db_begin(db, DB_WRITE, err)))
		return rc;
	if (in->how == ORPHAN) {
		struct stmt *st = db_prepare(db, "INSERT INTO gchild(id, pid) VALUES (1, 999)", err);
		rc = st ? db_run(st, err) : err->code;
	} else {
		rc = insert_key(db, in->key, err);
	}
	if (rc == TDM_OK && in->how == FAIL_ROLLBACK)
		rc = tdm_fail(err, TDM_EINVAL, "dose", "refused after the insert");
	if (in->how == LEAK_OPEN)
		return rc; /* the bug: neither commit nor rollback */
	if (rc) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db, err);
}

/* The gate: an item that holds the writer until the test opens it. */
struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int entered, open;
};

static struct gate the_gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};

static enum tdm_status gate_fn(struct db *db, void *arg, struct tdm_err *err)
{
	(void)db;
	(void)err;
	struct gate *gt = arg;
	pthread_mutex_lock(&gt->mu);
	gt->entered = 1;
	pthread_cond_broadcast(&gt->cv);
	while (!gt->open)
		pthread_cond_wait(&gt->cv, &gt->mu);
	pthread_mutex_unlock(&gt->mu);
	return TDM_OK;
}

/* One group_run on a thread of its own. */
struct job {
	struct group *g;
	group_fn fn;
	void *arg;
	struct tdm_err err;
	enum tdm_status rc;
	pthread_t th;
};

static void *job_main(void *p)
{
	struct job *j = p;
	tdm_err_clear(&j->err);
	j->rc = group_run(j->g, NULL, j->fn, j->arg, &j->err);
	return NULL;
}

static void job_start(struct job *j, struct group *g, group_fn fn, void *arg)
{
	j->g = g;
	j->fn = fn;
	j->arg = arg;
	if (pthread_create(&j->th, NULL, job_main, j))
		fail_msg("pthread_create");
}

static void job_join(struct job *j)
{
	pthread_join(j->th, NULL);
}

static void wait_queued(struct group *g, int64_t n)
{
	struct group_stats s;
	struct timespec ms = {0, 1000 * 1000};
	for (int i = 0; i < 10000; i++) {
		group_stats(g, &s);
		if (s.queued == n)
			return;
		nanosleep(&ms, NULL);
	}
	fail_msg("queue never reached %lld items", (long long)n);
}

/* Starts the gate item and waits until the writer is inside it. */
static void gate_close(struct group *g, struct job *j)
{
	pthread_mutex_lock(&the_gate.mu);
	the_gate.entered = the_gate.open = 0;
	pthread_mutex_unlock(&the_gate.mu);
	job_start(j, g, gate_fn, &the_gate);
	pthread_mutex_lock(&the_gate.mu);
	while (!the_gate.entered)
		pthread_cond_wait(&the_gate.cv, &the_gate.mu);
	pthread_mutex_unlock(&the_gate.mu);
}

static void gate_open(void)
{
	pthread_mutex_lock(&the_gate.mu);
	the_gate.open = 1;
	pthread_cond_broadcast(&the_gate.cv);
	pthread_mutex_unlock(&the_gate.mu);
}

/* Gate, then items queued in order, then one batch for all of them. */
static void run_batch(struct group *g, struct ins *items, struct job *jobs, int n)
{
	struct job gate;
	gate_close(g, &gate);
	for (int i = 0; i < n; i++) {
		job_start(&jobs[i], g, ins_fn, &items[i]);
		wait_queued(g, i + 1);
	}
	gate_open();
	job_join(&gate);
	assert_ok(gate.rc, &gate.err);
	for (int i = 0; i < n; i++)
		job_join(&jobs[i]);
}

static struct group *start(struct tdb *t, int max_batch)
{
	struct tdm_err err;
	struct group *g = NULL;
	assert_ok(group_start(t->path, max_batch, &g, &err), &err);
	return g;
}

/* ---- tests ---- */

static void test_savepoints_on_a_plain_connection(void **state)
{
	struct tdb *t = *state;
	struct db *db = t->db;
	struct tdm_err err;

	assert_ok(db_group_begin(db, &err), &err);
	assert_int_equal(db->in_group, 1);
	assert_int_equal(db->in_tx, 0);
	/* committed operation */
	assert_ok(db_begin(db, DB_WRITE, &err), &err);
	assert_ok(insert_key(db, "a", &err), &err);
	assert_ok(db_commit(db, &err), &err);
	assert_int_equal(db->in_tx, 0);
	/* rolled-back operation: undone alone */
	assert_ok(db_begin(db, DB_WRITE, &err), &err);
	assert_ok(insert_key(db, "b", &err), &err);
	assert_status(TDM_EINTERNAL, db_begin(db, DB_WRITE, &err), &err); /* no nesting */
	db_rollback(db);
	assert_int_equal(db->in_tx, 0);
	assert_status(TDM_EINTERNAL, db_commit(db, &err), &err); /* nothing open */
	/* a constraint error inside an operation does not poison the group
	 * (PostgreSQL aborts only the savepoint) */
	assert_ok(db_begin(db, DB_WRITE, &err), &err);
	assert_status(TDM_ECONFLICT, insert_key(db, "a", &err), &err);
	db_rollback(db);
	assert_true(db_tx_open(db));
	/* committing after a failed statement: PostgreSQL refuses (the
	 * operation is rolled back, the group goes on), SQLite keeps the rest */
	assert_ok(db_begin(db, DB_WRITE, &err), &err);
	assert_ok(insert_key(db, "g", &err), &err);
	assert_status(TDM_ECONFLICT, insert_key(db, "a", &err), &err);
	assert_status(tdb_pg() ? TDM_EDB : TDM_OK, db_commit(db, &err), &err);
	assert_int_equal(db->in_tx, 0);
	assert_true(db_tx_open(db));
	assert_ok(db_begin(db, DB_READ, &err), &err); /* any kind is a savepoint */
	assert_ok(insert_key(db, "c", &err), &err);
	assert_ok(db_serialize(db, &err), &err); /* re-entrant inside the group */
	assert_ok(db_commit(db, &err), &err);
	/* an operation left open is undone by the group commit */
	assert_ok(db_begin(db, DB_WRITE, &err), &err);
	assert_ok(insert_key(db, "d", &err), &err);
	assert_ok(db_group_commit(db, &err), &err);
	assert_int_equal(db->in_group, 0);
	assert_int_equal(db->in_tx, 0);
	assert_int_equal(count_key(db, "a"), 1);
	assert_int_equal(count_key(db, "b"), 0);
	assert_int_equal(count_key(db, "c"), 1);
	assert_int_equal(count_key(db, "d"), 0);
	assert_int_equal(count_key(db, "g"), tdb_pg() ? 0 : 1);

	/* db_group_rollback discards every operation of the group */
	assert_ok(db_group_begin(db, &err), &err);
	assert_status(TDM_EINTERNAL, db_group_begin(db, &err), &err);
	assert_ok(db_begin(db, DB_WRITE, &err), &err);
	assert_ok(insert_key(db, "e", &err), &err);
	assert_ok(db_commit(db, &err), &err);
	db_group_rollback(db);
	assert_int_equal(db->in_group, 0);
	assert_int_equal(count_key(db, "e"), 0);
	assert_false(db_tx_open(db));

	/* and afterwards transactions are real again */
	assert_ok(db_begin(db, DB_WRITE, &err), &err);
	assert_true(db_tx_open(db));
	assert_ok(insert_key(db, "f", &err), &err);
	assert_ok(db_commit(db, &err), &err);
	assert_false(db_tx_open(db));
	assert_int_equal(count_key(db, "f"), 1);
	assert_status(TDM_EINTERNAL, db_group_commit(db, &err), &err);
}

static void test_without_a_group_runs_on_own_db(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct ins a = {"solo", OK_COMMIT}, b = {"solo", OK_COMMIT}, c = {"refused", FAIL_ROLLBACK};
	struct group_stats s;
	assert_ok(group_run(NULL, t->db, ins_fn, &a, &err), &err);
	assert_status(TDM_ECONFLICT, group_run(NULL, t->db, ins_fn, &b, &err), &err);
	assert_status(TDM_EINVAL, group_run(NULL, t->db, ins_fn, &c, &err), &err);
	assert_int_equal(count_key(t->db, "solo"), 1);
	assert_int_equal(count_key(t->db, "refused"), 0);
	assert_int_equal(t->db->in_tx, 0);
	group_stats(NULL, &s);
	assert_int_equal(s.items, 0);
	group_stop(NULL);
}

#define THREADS 8
#define PER_THREAD 100

struct worker {
	struct group *g;
	int id;
	int failures;
	pthread_t th;
};

static void *worker_main(void *p)
{
	struct worker *w = p;
	for (int i = 0; i < PER_THREAD; i++) {
		char key[32];
		struct tdm_err err;
		snprintf(key, sizeof key, "t%d-%d", w->id, i);
		struct ins in = {key, OK_COMMIT};
		tdm_err_clear(&err);
		if (group_run(w->g, NULL, ins_fn, &in, &err) != TDM_OK)
			w->failures++;
	}
	return NULL;
}

static void test_many_threads_all_rows_committed(void **state)
{
	struct tdb *t = *state;
	struct group *g = start(t, 0);
	struct worker w[THREADS];
	struct group_stats s;
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){.g = g, .id = i};
		if (pthread_create(&w[i].th, NULL, worker_main, &w[i]))
			fail_msg("pthread_create");
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(w[i].th, NULL);
		assert_int_equal(w[i].failures, 0);
	}
	group_stats(g, &s);
	group_stop(g);
	assert_int_equal(count_key(t->db, ""), THREADS * PER_THREAD);
	assert_int_equal(s.items, THREADS * PER_THREAD);
	assert_int_equal(s.failed, 0);
	assert_int_equal(s.queued, 0);
	/* Batches really group under concurrency: fewer commits than items. */
	print_message("    %lld items in %lld batches (largest %lld)\n", (long long)s.items,
		      (long long)s.batches, (long long)s.largest);
	assert_true(s.batches < s.items);
	assert_true(s.largest > 1 && s.largest <= THREADS);
}

static void test_failing_item_rolled_back_alone(void **state)
{
	struct tdb *t = *state;
	struct group *g = start(t, 0);
	struct ins items[] = {{"a", OK_COMMIT}, {"b", FAIL_ROLLBACK}, {"c", LEAK_OPEN},
			      {"d", OK_COMMIT}};
	struct job jobs[4];
	struct group_stats s;
	run_batch(g, items, jobs, 4);
	group_stats(g, &s);
	group_stop(g);
	assert_ok(jobs[0].rc, &jobs[0].err);
	assert_status(TDM_EINVAL, jobs[1].rc, &jobs[1].err);
	assert_string_equal(jobs[1].err.field, "dose"); /* fn's own err comes back */
	assert_status(TDM_EINTERNAL, jobs[2].rc, &jobs[2].err);
	assert_ok(jobs[3].rc, &jobs[3].err);
	assert_int_equal(count_key(t->db, "a"), 1);
	assert_int_equal(count_key(t->db, "b"), 0);
	assert_int_equal(count_key(t->db, "c"), 0);
	assert_int_equal(count_key(t->db, "d"), 1);
	assert_int_equal(s.batches, 2); /* the gate's, then the four together */
	assert_int_equal(s.items, 5);
	assert_int_equal(s.largest, 4);
	assert_int_equal(s.failed, 0);
}

static void test_unique_violation_inside_a_batch(void **state)
{
	struct tdb *t = *state;
	struct group *g = start(t, 0);
	struct ins items[] = {{"dup", OK_COMMIT}, {"dup", OK_COMMIT}, {"after", OK_COMMIT}};
	struct job jobs[3];
	struct group_stats s;
	run_batch(g, items, jobs, 3);
	group_stats(g, &s);
	group_stop(g);
	/* In queue order: the first wins, the second is the store's conflict. */
	assert_ok(jobs[0].rc, &jobs[0].err);
	assert_status(TDM_ECONFLICT, jobs[1].rc, &jobs[1].err);
	assert_ok(jobs[2].rc, &jobs[2].err);
	assert_int_equal(count_key(t->db, "dup"), 1);
	assert_int_equal(count_key(t->db, "after"), 1);
	assert_int_equal(s.largest, 3);
}

static void test_max_batch_caps_a_batch(void **state)
{
	struct tdb *t = *state;
	struct group *g = start(t, 2);
	struct ins items[] = {{"m1", OK_COMMIT}, {"m2", OK_COMMIT}, {"m3", OK_COMMIT},
			      {"m4", OK_COMMIT}, {"m5", OK_COMMIT}};
	struct job jobs[5];
	struct group_stats s;
	run_batch(g, items, jobs, 5);
	group_stats(g, &s);
	group_stop(g);
	for (int i = 0; i < 5; i++)
		assert_ok(jobs[i].rc, &jobs[i].err);
	assert_int_equal(count_key(t->db, ""), 5);
	assert_int_equal(s.largest, 2);
	assert_int_equal(s.batches, 4); /* gate, 2, 2, 1 */

	struct tdm_err err;
	assert_status(TDM_EINVAL, group_start(t->path, -1, &g, &err), &err);
	assert_null(g);
	assert_status(TDM_EINVAL, group_start(t->path, GROUP_MAX_BATCH + 1, &g, &err), &err);
}

/* A deferred foreign key is checked at the real COMMIT only: the batch's
 * commit fails, and nobody in it is told success. */
static void test_commit_failure_reaches_every_item(void **state)
{
	struct tdb *t = *state;
	struct group *g = start(t, 0);
	struct ins items[] = {{"x", OK_COMMIT}, {"orphan", ORPHAN}, {"y", FAIL_ROLLBACK}};
	struct job jobs[3];
	struct group_stats s;
	run_batch(g, items, jobs, 3);
	assert_status(TDM_ECONFLICT, jobs[0].rc, &jobs[0].err); /* the commit's failure */
	assert_status(TDM_ECONFLICT, jobs[1].rc, &jobs[1].err);
	assert_status(TDM_EINVAL, jobs[2].rc, &jobs[2].err); /* its own failure stands */
	assert_int_equal(count_key(t->db, ""), 0);

	/* The group carries on with the next batch. */
	struct tdm_err err;
	struct ins z = {"z", OK_COMMIT};
	assert_ok(group_run(g, NULL, ins_fn, &z, &err), &err);
	group_stats(g, &s);
	group_stop(g);
	assert_int_equal(count_key(t->db, "z"), 1);
	assert_int_equal(s.failed, 1);
}

/* A statement failing outside any savepoint aborts a PostgreSQL transaction
 * (SQLite undoes the statement only): the items before it are told to
 * retry, the items after it run in a new transaction. */
static void test_lost_transaction_restarts_the_rest(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	assert_ok(db_exec(t->db, "INSERT INTO gt(k, v) VALUES ('taken', 1)", &err), &err);
	struct group *g = start(t, 0);
	struct ins items[] = {{"p1", OK_COMMIT}, {"taken", RAW_NO_TX}, {"p2", OK_COMMIT}};
	struct job jobs[3];
	struct group_stats s;
	run_batch(g, items, jobs, 3);
	group_stats(g, &s);
	group_stop(g);
	assert_status(TDM_ECONFLICT, jobs[1].rc, &jobs[1].err);
	assert_ok(jobs[2].rc, &jobs[2].err);
	assert_int_equal(count_key(t->db, "p2"), 1);
	if (tdb_pg()) {
		assert_status(TDM_EBUSY, jobs[0].rc, &jobs[0].err);
		assert_int_equal(count_key(t->db, "p1"), 0);
		assert_int_equal(s.batches, 3); /* gate, lost, restart */
		assert_int_equal(s.failed, 1);
	} else {
		assert_ok(jobs[0].rc, &jobs[0].err);
		assert_int_equal(count_key(t->db, "p1"), 1);
		assert_int_equal(s.batches, 2);
	}
}

static void *stop_main(void *g)
{
	group_stop(g);
	return NULL;
}

/* Stopping finishes what is queued. */
static void test_stop_drains_the_queue(void **state)
{
	struct tdb *t = *state;
	struct group *g = start(t, 0);
	struct ins items[] = {{"s1", OK_COMMIT}, {"s2", OK_COMMIT}, {"s3", OK_COMMIT}};
	struct job jobs[3], gate;
	gate_close(g, &gate);
	for (int i = 0; i < 3; i++) {
		job_start(&jobs[i], g, ins_fn, &items[i]);
		wait_queued(g, i + 1);
	}
	pthread_t stopper;
	if (pthread_create(&stopper, NULL, stop_main, g))
		fail_msg("pthread_create");
	gate_open();
	pthread_join(stopper, NULL);
	job_join(&gate);
	for (int i = 0; i < 3; i++) {
		job_join(&jobs[i]);
		assert_ok(jobs[i].rc, &jobs[i].err);
	}
	assert_int_equal(count_key(t->db, ""), 3);
}

/* PostgreSQL: the writer's connection is killed between batches. The next
 * batch fails retryably (TDM_EBUSY, a 503) and the one after reconnects. */
static enum tdm_status pid_fn(struct db *db, void *arg, struct tdm_err *err)
{
	int found;
	struct stmt *st = db_prepare(db, "SELECT pg_backend_pid()", err);
	return st ? db_query_int(st, arg, &found, err) : err->code;
}

static void test_lost_connection_reconnects(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	int64_t pid = 0, ok = 0;
	int found;
	if (!tdb_pg())
		skip();
	struct group *g = start(t, 0);
	assert_ok(group_run(g, NULL, pid_fn, &pid, &err), &err);
	struct stmt *st = db_prepare(t->db, "SELECT CASE WHEN pg_terminate_backend(?, 5000)"
					    " THEN 1 ELSE 0 END", &err);
	assert_non_null(st);
	db_bind_int(st, 1, pid);
	assert_ok(db_query_int(st, &ok, &found, &err), &err);
	assert_int_equal(ok, 1);
	struct ins a = {"before-reconnect", OK_COMMIT}, b = {"after-reconnect", OK_COMMIT};
	assert_status(TDM_EBUSY, group_run(g, NULL, ins_fn, &a, &err), &err);
	assert_ok(group_run(g, NULL, ins_fn, &b, &err), &err);
	struct group_stats s;
	group_stats(g, &s);
	group_stop(g);
	assert_int_equal(s.failed, 1);
	assert_int_equal(count_key(t->db, "before-reconnect"), 0);
	assert_int_equal(count_key(t->db, "after-reconnect"), 1);
}

/* Real domain operations (patient_create, patient_get with its audit row, a
 * refused read with its audit row of the failed attempt) from many threads:
 * every row is there and the hash chain verifies. */
struct dom_arg {
	const struct actor *a;
	struct patient p;
	int64_t id;
	int op; /* 0 create, 1 read p.id, 2 read a missing patient */
};

static enum tdm_status dom_fn(struct db *db, void *arg, struct tdm_err *err)
{
	struct dom_arg *d = arg;
	struct patient out;
	switch (d->op) {
	case 0:
		return patient_create(db, d->a, &d->p, NULL, err);
	case 1:
		return patient_get(db, d->a, d->p.id, &out, err);
	default:
		return patient_get(db, d->a, 987654321, &out, err);
	}
}

#define DOM_PER_THREAD 10

struct dom_worker {
	struct group *g;
	const struct actor *a;
	int id, failures;
	pthread_t th;
};

static void *dom_main(void *p)
{
	struct dom_worker *w = p;
	for (int i = 0; i < DOM_PER_THREAD; i++) {
		struct tdm_err err;
		struct dom_arg d = {.a = w->a};
		char given[32];
		snprintf(given, sizeof given, "G%dx%d", w->id, i);
		unit_patient(&d.p, "Grouped", given, "1980-01-02");
		for (d.op = 0; d.op < 3; d.op++) {
			tdm_err_clear(&err);
			enum tdm_status rc = group_run(w->g, NULL, dom_fn, &d, &err);
			if (rc != (d.op == 2 ? TDM_ENOTFOUND : TDM_OK))
				w->failures++;
		}
	}
	return NULL;
}

static void test_domain_code_and_audit_chain(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct audit_report rep;
	int64_t before = tdb_audit_count(t, NULL);
	struct group *g = start(t, 0);
	struct dom_worker w[THREADS];
	struct group_stats s;
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct dom_worker){.g = g, .a = &t->sys, .id = i};
		if (pthread_create(&w[i].th, NULL, dom_main, &w[i]))
			fail_msg("pthread_create");
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(w[i].th, NULL);
		assert_int_equal(w[i].failures, 0);
	}
	group_stats(g, &s);
	group_stop(g);
	assert_int_equal(s.items, THREADS * DOM_PER_THREAD * 3);
	assert_int_equal(s.failed, 0);
	int n = THREADS * DOM_PER_THREAD;
	assert_int_equal(tdb_audit_count(t, "patient.create"), n);
	assert_int_equal(tdb_audit_count(t, "patient.read"), 2 * n); /* ok and not_found */
	assert_int_equal(tdb_audit_count(t, NULL), before + 3 * n);
	assert_ok(audit_verify(t->db, &rep, &err), &err);
	assert_int_equal(rep.bad_seq, 0);
	assert_int_equal(rep.rows, before + 3 * n);
	struct stmt *st = db_prepare(t->db,
		"SELECT COUNT(*) FROM audit WHERE action = 'patient.read' AND outcome = 'not_found'", &err);
	int64_t refused = 0;
	int found;
	assert_non_null(st);
	assert_ok(db_query_int(st, &refused, &found, &err), &err);
	assert_int_equal(refused, n);
}

/* ---- micro-benchmark (TANDEM_GROUP_BENCH=N) ---- */

struct bench_arg {
	const struct actor *a;
	char key[32];
};

/* One durable write with its audit row, shaped like recording a dose. */
static enum tdm_status bench_fn(struct db *db, void *arg, struct tdm_err *err)
{
	struct bench_arg *b = arg;
	struct audit_event ev = {.action = "bench.write", .object_type = "Bench"};
	enum tdm_status rc = db_begin(db, DB_WRITE, err);
	if (rc)
		return rc;
	rc = insert_key(db, b->key, err);
	snprintf(ev.object_id, sizeof ev.object_id, "%s", b->key);
	return audit_finish(db, b->a, rc, &ev, err);
}

struct bench_worker {
	struct group *g;
	const char *target;
	const struct actor *a;
	int round, id, n, failures;
	pthread_t th;
};

static void *bench_main(void *p)
{
	struct bench_worker *w = p;
	struct tdm_err err;
	struct db *own = NULL;
	if (!w->g && db_open(w->target, &own, &err) != TDM_OK) {
		w->failures = w->n;
		return NULL;
	}
	for (int i = 0; i < w->n; i++) {
		struct bench_arg b = {.a = w->a};
		snprintf(b.key, sizeof b.key, "r%d-%d-%d", w->round, w->id, i);
		tdm_err_clear(&err);
		if (group_run(w->g, own, bench_fn, &b, &err) != TDM_OK)
			w->failures++;
	}
	db_close(own);
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define BENCH_MAX_THREADS 64

static void bench_round(struct tdb *t, struct group *g, int threads, int per_thread)
{
	static int round;
	struct bench_worker w[BENCH_MAX_THREADS];
	struct group_stats s0;
	int failures = 0;
	round++;
	group_stats(g, &s0);
	double t0 = now_s();
	for (int i = 0; i < threads; i++) {
		w[i] = (struct bench_worker){.g = g, .target = t->path, .a = &t->sys,
					     .round = round, .id = i, .n = per_thread};
		if (pthread_create(&w[i].th, NULL, bench_main, &w[i]))
			fail_msg("pthread_create");
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(w[i].th, NULL);
		failures += w[i].failures;
	}
	double secs = now_s() - t0;
	int total = threads * per_thread;
	printf("{\"backend\":\"%s\",\"mode\":\"%s\",\"threads\":%d,\"ops\":%d,\"failed\":%d,"
	       "\"seconds\":%.3f,\"ops_per_s\":%.0f",
	       tdb_pg() ? "postgresql" : "sqlite", g ? "grouped" : "plain", threads, total,
	       failures, secs, total / secs);
	if (g) {
		struct group_stats s;
		group_stats(g, &s);
		s.batches -= s0.batches;
		s.items -= s0.items;
		printf(",\"batches\":%lld,\"avg_batch\":%.1f,\"largest\":%lld",
		       (long long)s.batches, (double)s.items / (double)(s.batches ? s.batches : 1),
		       (long long)s.largest);
	}
	printf("}\n");
	fflush(stdout);
}

struct outsider {
	const char *target;
	const struct actor *a;
	pthread_mutex_t mu;
	int stop, ops, failures;
	double max_s;
	pthread_t th;
};

static void *outsider_main(void *p)
{
	struct outsider *o = p;
	struct tdm_err err;
	struct db *own = NULL;
	struct timespec pause = {0, 5 * 1000 * 1000};
	if (db_open(o->target, &own, &err) != TDM_OK)
		return NULL;
	for (int i = 0;; i++) {
		pthread_mutex_lock(&o->mu);
		int stop = o->stop;
		pthread_mutex_unlock(&o->mu);
		if (stop)
			break;
		struct bench_arg b = {.a = o->a};
		snprintf(b.key, sizeof b.key, "o-%d", i);
		double t0 = now_s();
		if (bench_fn(own, &b, &err) != TDM_OK)
			o->failures++;
		double d = now_s() - t0;
		if (d > o->max_s)
			o->max_s = d;
		o->ops++;
		nanosleep(&pause, NULL); /* about 200 writes a second at most */
	}
	db_close(own);
	return NULL;
}

static void bench(int threads, int per_thread)
{
	void *state = NULL;
	struct tdm_err err;
	struct audit_report rep;
	setup(&state);
	struct tdb *t = state;
	bench_round(t, NULL, threads, per_thread);
	struct group *g = start(t, 0);
	bench_round(t, g, threads, per_thread);
	/* Again, with one plain (ungrouped) writer on its own connection, one
	 * write every 5 ms, competing for the write lock: how long does it
	 * wait, and what does it cost the group? */
	struct outsider o = {.target = t->path, .a = &t->sys};
	pthread_mutex_init(&o.mu, NULL);
	if (pthread_create(&o.th, NULL, outsider_main, &o))
		fail_msg("pthread_create");
	bench_round(t, g, threads, per_thread);
	pthread_mutex_lock(&o.mu);
	o.stop = 1;
	pthread_mutex_unlock(&o.mu);
	pthread_join(o.th, NULL);
	pthread_mutex_destroy(&o.mu);
	printf("{\"outsider\":\"plain writer during the grouped round\",\"ops\":%d,\"failed\":%d,"
	       "\"max_wait_ms\":%.1f}\n", o.ops, o.failures, o.max_s * 1000);
	group_stop(g);
	if (audit_verify(t->db, &rep, &err) != TDM_OK || rep.bad_seq)
		printf("audit chain broken: %s\n", rep.why);
	tdb_teardown(&state);
}

int main(void)
{
	const char *b = getenv("TANDEM_GROUP_BENCH");
	if (b && *b) {
		const char *th = getenv("TANDEM_GROUP_BENCH_THREADS");
		int n = (int)strtol(b, NULL, 10), threads = th ? (int)strtol(th, NULL, 10) : 8;
		if (threads < 1 || threads > BENCH_MAX_THREADS)
			threads = 8;
		bench(threads, n > 0 ? n : 500);
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_savepoints_on_a_plain_connection, setup,
						tdb_teardown),
		cmocka_unit_test_setup_teardown(test_without_a_group_runs_on_own_db, setup,
						tdb_teardown),
		cmocka_unit_test_setup_teardown(test_many_threads_all_rows_committed, setup,
						tdb_teardown),
		cmocka_unit_test_setup_teardown(test_failing_item_rolled_back_alone, setup,
						tdb_teardown),
		cmocka_unit_test_setup_teardown(test_unique_violation_inside_a_batch, setup,
						tdb_teardown),
		cmocka_unit_test_setup_teardown(test_max_batch_caps_a_batch, setup, tdb_teardown),
		cmocka_unit_test_setup_teardown(test_commit_failure_reaches_every_item, setup,
						tdb_teardown),
		cmocka_unit_test_setup_teardown(test_lost_transaction_restarts_the_rest, setup,
						tdb_teardown),
		cmocka_unit_test_setup_teardown(test_stop_drains_the_queue, setup, tdb_teardown),
		cmocka_unit_test_setup_teardown(test_lost_connection_reconnects, setup,
						tdb_teardown),
		cmocka_unit_test_setup_teardown(test_domain_code_and_audit_chain, setup,
						tdb_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
