/*
 * store_sqlite.c - the embedded SQLite backend.
 *
 * WAL journal, foreign keys on, synchronous=FULL (a committed dose survives a
 * power cut), a busy timeout so concurrent writers wait instead of failing.
 * Write transactions use BEGIN IMMEDIATE: the write lock is taken up front, so
 * two writers never deadlock upgrading a read lock.
 *
 * Writers of this process also queue, first come first served, on one
 * in-process lock before BEGIN IMMEDIATE. SQLite's busy handler waits by
 * sleeping and retrying, so against a busy writer (the dose group commit,
 * store/group.c) a plain writer could sleep hundreds of milliseconds while
 * others got in first; in the queue it waits for the writers ahead of it
 * only. The busy timeout still covers other processes (CLI commands).
 */
#include "store/store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_SIZE 256
#define BUSY_TIMEOUT_MS 10000

struct sq_stmt {
	struct db *db; /* must be first: see store.c */
	sqlite3_stmt *s;
	const char *sql;
};

struct sq_db {
	struct db base;
	sqlite3 *h;
	struct sq_stmt cache[CACHE_SIZE];
	int ncache;
	int queued; /* holds a turn in the writers' queue */
};

/* The writers' queue: a ticket lock (FIFO), one for the process. One queue
 * for every database file the process has open is simpler than one per file
 * and costs nothing in the server, which has one. */
#define QUEUE_SLOTS 64 /* waiters sleep on the slot of their ticket: no herd */

static pthread_mutex_t queue_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_cv[QUEUE_SLOTS];
static pthread_once_t queue_once = PTHREAD_ONCE_INIT;
static unsigned long queue_next, queue_serving;

static void queue_init(void)
{
	for (int i = 0; i < QUEUE_SLOTS; i++)
		pthread_cond_init(&queue_cv[i], NULL);
}

static void queue_enter(struct sq_db *d)
{
	if (d->queued)
		return; /* already its turn (a transaction SQLite ended on its own) */
	pthread_once(&queue_once, queue_init);
	pthread_mutex_lock(&queue_mu);
	unsigned long ticket = queue_next++;
	while (ticket != queue_serving)
		pthread_cond_wait(&queue_cv[ticket % QUEUE_SLOTS], &queue_mu);
	pthread_mutex_unlock(&queue_mu);
	d->queued = 1;
}

static void queue_leave(struct sq_db *d)
{
	if (!d->queued)
		return;
	d->queued = 0;
	pthread_mutex_lock(&queue_mu);
	queue_serving++;
	/* Wake the next ticket's slot (others sharing it check and sleep again). */
	pthread_cond_broadcast(&queue_cv[queue_serving % QUEUE_SLOTS]);
	pthread_mutex_unlock(&queue_mu);
}

static enum tdm_status map_rc(sqlite3 *h, int rc, struct tdm_err *err)
{
	const char *m = h ? sqlite3_errmsg(h) : sqlite3_errstr(rc);
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return tdm_fail(err, TDM_EBUSY, NULL, "database busy: %s", m);
	case SQLITE_CONSTRAINT:
		return tdm_fail(err, TDM_ECONFLICT, NULL, "constraint: %s", m);
	case SQLITE_NOMEM:
		return tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	case SQLITE_FULL:
		return tdm_fail(err, TDM_EDB, NULL, "database or disk is full");
	default:
		return tdm_fail(err, TDM_EDB, NULL, "sqlite: %s", m);
	}
}

static void sq_close(struct db *db)
{
	struct sq_db *d = (struct sq_db *)db;
	for (int i = 0; i < d->ncache; i++)
		sqlite3_finalize(d->cache[i].s);
	sqlite3_close(d->h);
	queue_leave(d);
	free(d);
}

static enum tdm_status sq_exec(struct db *db, const char *sql, struct tdm_err *err)
{
	struct sq_db *d = (struct sq_db *)db;
	int rc = sqlite3_exec(d->h, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? TDM_OK : map_rc(d->h, rc, err);
}

static enum tdm_status sq_open(const char *path, struct db **out, struct tdm_err *err)
{
	struct sq_db *d = calloc(1, sizeof *d);
	if (!d)
		return tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	d->base.ops = &store_sqlite_ops;
	int rc = sqlite3_open_v2(path, &d->h,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
					 SQLITE_OPEN_NOMUTEX,
				 NULL);
	if (rc != SQLITE_OK) {
		enum tdm_status s = tdm_fail(err, TDM_EIO, "db", "cannot open database %s: %s",
					     path, d->h ? sqlite3_errmsg(d->h) : sqlite3_errstr(rc));
		sqlite3_close(d->h);
		free(d);
		return s;
	}
	sqlite3_busy_timeout(d->h, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(d->h, 1);
	enum tdm_status s = sq_exec(&d->base,
				    "PRAGMA journal_mode=WAL;"
				    "PRAGMA foreign_keys=ON;"
				    "PRAGMA synchronous=FULL;"
				    "PRAGMA trusted_schema=OFF;",
				    err);
	if (s != TDM_OK) {
		sq_close(&d->base);
		return s;
	}
	*out = &d->base;
	return TDM_OK;
}

static enum tdm_status sq_begin(struct db *db, enum db_tx tx, struct tdm_err *err)
{
	struct sq_db *d = (struct sq_db *)db;
	if (tx == DB_READ)
		return sq_exec(db, "BEGIN", err);
	queue_enter(d);
	enum tdm_status rc = sq_exec(db, "BEGIN IMMEDIATE", err);
	if (rc)
		queue_leave(d);
	return rc;
}

static enum tdm_status sq_commit(struct db *db, struct tdm_err *err)
{
	struct sq_db *d = (struct sq_db *)db;
	enum tdm_status rc = sq_exec(db, "COMMIT", err);
	if (sqlite3_get_autocommit(d->h)) /* ended (a failed COMMIT may leave it open) */
		queue_leave(d);
	return rc;
}

static void sq_rollback(struct db *db)
{
	struct sq_db *d = (struct sq_db *)db;
	if (!sqlite3_get_autocommit(d->h))
		sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
	queue_leave(d);
}

static int sq_tx_open(struct db *db)
{
	return !sqlite3_get_autocommit(((struct sq_db *)db)->h);
}

static struct stmt *sq_prepare(struct db *db, const char *sql, struct tdm_err *err)
{
	struct sq_db *d = (struct sq_db *)db;
	for (int i = 0; i < d->ncache; i++)
		if (d->cache[i].sql == sql)
			return (struct stmt *)&d->cache[i];
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v3(d->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
	if (rc != SQLITE_OK) {
		map_rc(d->h, rc, err);
		return NULL;
	}
	if (d->ncache == CACHE_SIZE) {
		/* The program has fewer distinct statements than slots; a full
		 * cache means SQL text is being built at run time (a bug). */
		sqlite3_finalize(s);
		tdm_fail(err, TDM_EINTERNAL, NULL, "statement cache full");
		return NULL;
	}
	struct sq_stmt *e = &d->cache[d->ncache++];
	e->db = db;
	e->s = s;
	e->sql = sql;
	return (struct stmt *)e;
}

#define SQ(st) (((struct sq_stmt *)(st))->s)

static void sq_bind_text(struct stmt *st, int i, const char *v)
{
	sqlite3_bind_text(SQ(st), i, v, -1, SQLITE_TRANSIENT);
}

static void sq_bind_int(struct stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(SQ(st), i, v);
}

static void sq_bind_null(struct stmt *st, int i)
{
	sqlite3_bind_null(SQ(st), i);
}

static int sq_step(struct stmt *st, struct tdm_err *err)
{
	struct sq_stmt *s = (struct sq_stmt *)st;
	int rc = sqlite3_step(s->s);
	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	map_rc(((struct sq_db *)s->db)->h, rc, err);
	return -1;
}

static const char *sq_col_text(struct stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(SQ(st), i);
	return t ? (const char *)t : "";
}

static int64_t sq_col_int(struct stmt *st, int i)
{
	return sqlite3_column_int64(SQ(st), i);
}

static int sq_col_null(struct stmt *st, int i)
{
	return sqlite3_column_type(SQ(st), i) == SQLITE_NULL;
}

static void sq_done(struct stmt *st)
{
	sqlite3_reset(SQ(st));
	sqlite3_clear_bindings(SQ(st));
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.exec = sq_exec,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.tx_open = sq_tx_open,
	.prepare = sq_prepare,
	.bind_text = sq_bind_text,
	.bind_int = sq_bind_int,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.col_text = sq_col_text,
	.col_int = sq_col_int,
	.col_null = sq_col_null,
	.done = sq_done,
	.id_column = "INTEGER PRIMARY KEY",
};
