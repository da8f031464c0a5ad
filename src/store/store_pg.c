/*
 * store_pg.c - the PostgreSQL backend (libpq), for a network of clinics.
 *
 * Statements are prepared on the server once per connection (named s1, s2..)
 * after "?" placeholders are rewritten to $1, $2... Parameters travel as text.
 *
 * Write transactions take a transaction-scoped advisory lock first, so writers
 * are serialised exactly as SQLite's BEGIN IMMEDIATE serialises them: the
 * audit chain has one head, and read-check-insert sequences (one open episode,
 * one dose per schedule slot) cannot interleave. Reads run REPEATABLE READ.
 *
 * A lost connection (fail-over, restart) maps to TDM_EBUSY: the request fails
 * cleanly with a retryable error and the next request reconnects; libpq's
 * multi-host strings with target_session_attrs=read-write find the new primary.
 */
#include "store/store.h"
#include "util/buf.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG_CACHE 256
#define PG_MAX_PARAMS 64
#define WRITE_LOCK_KEY 7405001 /* pg_advisory_xact_lock key for writers */

struct pg_stmt {
	struct db *db; /* must be first: see store.c */
	const char *sql;
	char name[12];
	int nparams;
	char *params[PG_MAX_PARAMS];
	PGresult *res;
	int row, nrows;
	int executed;
};

struct pg_db {
	struct db base;
	PGconn *conn;
	char *target;
	int broken;
	int locked;  /* the writers' advisory lock is held in this transaction */
	struct pg_stmt cache[PG_CACHE];
	int ncache;
};

static enum tdm_status pg_fail(struct pg_db *d, PGresult *res, struct tdm_err *err)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(d->conn);
	if (PQstatus(d->conn) != CONNECTION_OK) {
		d->broken = 1;
		return tdm_fail(err, TDM_EBUSY, NULL, "database connection lost; retry: %.150s", msg);
	}
	if (state && !strncmp(state, "23", 2))
		return tdm_fail(err, TDM_ECONFLICT, NULL, "constraint: %.200s", msg);
	if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03") ||
		      !strcmp(state, "25006") || !strncmp(state, "08", 2) || !strcmp(state, "57P01"))) {
		if (!strcmp(state, "25006") || !strncmp(state, "08", 2) || !strcmp(state, "57P01"))
			d->broken = 1; /* read-only standby or going away: reconnect */
		return tdm_fail(err, TDM_EBUSY, NULL, "database busy or failing over; retry: %.150s", msg);
	}
	return tdm_fail(err, TDM_EDB, NULL, "postgresql %s: %.200s", state ? state : "", msg);
}

static void clear_cache(struct pg_db *d)
{
	for (int i = 0; i < d->ncache; i++) {
		struct pg_stmt *s = &d->cache[i];
		if (s->res)
			PQclear(s->res);
		for (int j = 0; j < s->nparams; j++)
			free(s->params[j]);
	}
	d->ncache = 0;
}

static void pg_close(struct db *db)
{
	struct pg_db *d = (struct pg_db *)db;
	clear_cache(d);
	PQfinish(d->conn);
	free(d->target);
	free(d);
}

static void quiet(void *arg, const PGresult *res)
{
	(void)arg;
	(void)res;
}

/* (Re)connects when the connection is broken; prepared statements are lost
 * with it. */
static enum tdm_status ensure_conn(struct pg_db *d, struct tdm_err *err)
{
	if (!d->broken && d->conn && PQstatus(d->conn) == CONNECTION_OK)
		return TDM_OK;
	clear_cache(d);
	if (d->conn)
		PQfinish(d->conn);
	d->conn = PQconnectdb(d->target);
	if (!d->conn || PQstatus(d->conn) != CONNECTION_OK) {
		const char *m = d->conn ? PQerrorMessage(d->conn) : "out of memory";
		d->broken = 1;
		return tdm_fail(err, TDM_EBUSY, "db", "cannot connect to PostgreSQL: %.200s", m);
	}
	PQsetNoticeReceiver(d->conn, quiet, NULL);
	d->broken = 0;
	PGresult *r = PQexec(d->conn, "SET client_min_messages = warning; SET TIME ZONE 'UTC'");
	enum tdm_status rc = PQresultStatus(r) == PGRES_COMMAND_OK ? TDM_OK : pg_fail(d, r, err);
	PQclear(r);
	return rc;
}

static enum tdm_status pg_open(const char *target, struct db **out, struct tdm_err *err)
{
	struct pg_db *d = calloc(1, sizeof *d);
	if (!d || !(d->target = strdup(target))) {
		free(d);
		return tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	}
	d->base.ops = &store_pg_ops;
	d->broken = 1;
	enum tdm_status rc = ensure_conn(d, err);
	if (rc) {
		if (rc == TDM_EBUSY)
			err->code = rc = TDM_EIO;
		pg_close(&d->base);
		return rc;
	}
	*out = &d->base;
	return TDM_OK;
}

static enum tdm_status pg_exec(struct db *db, const char *sql, struct tdm_err *err)
{
	struct pg_db *d = (struct pg_db *)db;
	enum tdm_status rc = ensure_conn(d, err);
	if (rc)
		return rc;
	PGresult *r = PQexec(d->conn, sql);
	ExecStatusType st = PQresultStatus(r);
	rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? TDM_OK : pg_fail(d, r, err);
	PQclear(r);
	return rc;
}

static enum tdm_status pg_serialize(struct db *db, struct tdm_err *err)
{
	struct pg_db *d = (struct pg_db *)db;
	if (d->locked)
		return TDM_OK;
	char sql[64];
	snprintf(sql, sizeof sql, "SELECT pg_advisory_xact_lock(%d)", WRITE_LOCK_KEY);
	enum tdm_status rc = pg_exec(db, sql, err);
	d->locked = rc == TDM_OK;
	return rc;
}

static enum tdm_status pg_begin(struct db *db, enum db_tx tx, struct tdm_err *err)
{
	struct pg_db *d = (struct pg_db *)db;
	d->locked = 0;
	if (tx == DB_READ)
		return pg_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err);
	enum tdm_status rc = pg_exec(db, "BEGIN ISOLATION LEVEL READ COMMITTED", err);
	if (!rc && tx == DB_WRITE) {
		rc = pg_serialize(db, err);
		if (rc)
			pg_exec(db, "ROLLBACK", NULL);
	}
	return rc;
}

static enum tdm_status pg_commit(struct db *db, struct tdm_err *err)
{
	return pg_exec(db, "COMMIT", err);
}

static void pg_rollback(struct db *db)
{
	struct pg_db *d = (struct pg_db *)db;
	if (d->conn && PQstatus(d->conn) == CONNECTION_OK &&
	    PQtransactionStatus(d->conn) != PQTRANS_IDLE) {
		PGresult *r = PQexec(d->conn, "ROLLBACK");
		PQclear(r);
	}
}

static int pg_tx_open(struct db *db)
{
	struct pg_db *d = (struct pg_db *)db;
	return !d->broken && d->conn && PQstatus(d->conn) == CONNECTION_OK &&
	       PQtransactionStatus(d->conn) == PQTRANS_INTRANS;
}

/* "?" -> "$n", outside quoted strings. */
static int rewrite(const char *sql, struct buf *out)
{
	int n = 0, in_str = 0;
	for (const char *p = sql; *p; p++) {
		if (*p == '\'')
			in_str = !in_str;
		if (*p == '?' && !in_str)
			buf_printf(out, "$%d", ++n);
		else
			buf_addc(out, *p);
	}
	return out->err ? -1 : n;
}

static struct stmt *pg_prepare(struct db *db, const char *sql, struct tdm_err *err)
{
	struct pg_db *d = (struct pg_db *)db;
	if (ensure_conn(d, err))
		return NULL;
	for (int i = 0; i < d->ncache; i++)
		if (d->cache[i].sql == sql)
			return (struct stmt *)&d->cache[i];
	if (d->ncache == PG_CACHE) {
		tdm_fail(err, TDM_EINTERNAL, NULL, "statement cache full");
		return NULL;
	}
	struct buf text;
	buf_init(&text, 1 << 16);
	int n = rewrite(sql, &text);
	if (n < 0 || n > PG_MAX_PARAMS) {
		buf_release(&text);
		tdm_fail(err, TDM_EINTERNAL, NULL, "statement too large");
		return NULL;
	}
	struct pg_stmt *s = &d->cache[d->ncache];
	memset(s, 0, sizeof *s);
	snprintf(s->name, sizeof s->name, "s%d", d->ncache + 1);
	PGresult *r = PQprepare(d->conn, s->name, text.p, n, NULL);
	buf_release(&text);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		pg_fail(d, r, err);
		PQclear(r);
		return NULL;
	}
	PQclear(r);
	s->db = db;
	s->sql = sql;
	s->nparams = n;
	d->ncache++;
	return (struct stmt *)s;
}

static void set_param(struct stmt *st, int i, char *v)
{
	struct pg_stmt *s = (struct pg_stmt *)st;
	if (i < 1 || i > s->nparams) {
		free(v);
		return;
	}
	free(s->params[i - 1]);
	s->params[i - 1] = v;
}

static void pg_bind_text(struct stmt *st, int i, const char *v)
{
	set_param(st, i, strdup(v));
}

static void pg_bind_int(struct stmt *st, int i, int64_t v)
{
	char t[24];
	snprintf(t, sizeof t, "%" PRId64, v);
	set_param(st, i, strdup(t));
}

static void pg_bind_null(struct stmt *st, int i)
{
	set_param(st, i, NULL);
}

static int pg_step(struct stmt *st, struct tdm_err *err)
{
	struct pg_stmt *s = (struct pg_stmt *)st;
	struct pg_db *d = (struct pg_db *)s->db;
	if (!s->executed) {
		s->executed = 1;
		s->res = PQexecPrepared(d->conn, s->name, s->nparams,
					(const char *const *)s->params, NULL, NULL, 0);
		ExecStatusType rs = PQresultStatus(s->res);
		if (rs != PGRES_TUPLES_OK && rs != PGRES_COMMAND_OK) {
			pg_fail(d, s->res, err);
			return -1;
		}
		s->nrows = rs == PGRES_TUPLES_OK ? PQntuples(s->res) : 0;
		s->row = -1;
	}
	if (s->row + 1 < s->nrows) {
		s->row++;
		return DB_ROW;
	}
	return DB_DONE;
}

static const char *pg_col_text(struct stmt *st, int i)
{
	struct pg_stmt *s = (struct pg_stmt *)st;
	if (!s->res || s->row < 0 || i >= PQnfields(s->res) || PQgetisnull(s->res, s->row, i))
		return "";
	return PQgetvalue(s->res, s->row, i);
}

static int64_t pg_col_int(struct stmt *st, int i)
{
	return strtoll(pg_col_text(st, i), NULL, 10);
}

static int pg_col_null(struct stmt *st, int i)
{
	struct pg_stmt *s = (struct pg_stmt *)st;
	return !s->res || s->row < 0 || i >= PQnfields(s->res) || PQgetisnull(s->res, s->row, i);
}

static void pg_done(struct stmt *st)
{
	struct pg_stmt *s = (struct pg_stmt *)st;
	if (s->res)
		PQclear(s->res);
	s->res = NULL;
	s->executed = 0;
	s->row = -1;
	s->nrows = 0;
	for (int j = 0; j < s->nparams; j++) {
		free(s->params[j]);
		s->params[j] = NULL;
	}
}

const struct store_ops store_pg_ops = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.exec = pg_exec,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.serialize = pg_serialize,
	.tx_open = pg_tx_open,
	.prepare = pg_prepare,
	.bind_text = pg_bind_text,
	.bind_int = pg_bind_int,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.col_text = pg_col_text,
	.col_int = pg_col_int,
	.col_null = pg_col_null,
	.done = pg_done,
	.id_column = "BIGSERIAL PRIMARY KEY",
};
