/*
 * store.c - dispatch to the backend chosen by the connection target.
 */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

enum tdm_status db_open(const char *target, struct db **out, struct tdm_err *err)
{
	*out = NULL;
	if (!target || !*target)
		return tdm_fail(err, TDM_EINVAL, "db", "no database given (--db or TANDEM_DB)");
	if (!strncmp(target, "postgresql://", 13) || !strncmp(target, "postgres://", 11))
		return store_pg_ops.open(target, out, err);
	if (!strncmp(target, "sqlite:", 7))
		target += 7;
	return store_sqlite_ops.open(target, out, err);
}

void db_close(struct db *db)
{
	if (db)
		db->ops->close(db);
}

enum tdm_status db_exec(struct db *db, const char *sql, struct tdm_err *err)
{
	return db->ops->exec(db, sql, err);
}

/* Inside a group transaction an operation's transaction is this savepoint.
 * One name is enough: operations never nest (db_begin refuses). Releasing a
 * committed operation's savepoint is deferred to the next SAVEPOINT (one
 * statement, one round trip on PostgreSQL) or dropped (COMMIT releases every
 * savepoint): until then a newer savepoint of the same name hides it, so
 * ROLLBACK TO never reaches back into a committed operation. */
#define SP_BEGIN "SAVEPOINT tdm_op"
#define SP_NEXT "RELEASE SAVEPOINT tdm_op; SAVEPOINT tdm_op"
#define SP_UNDO "ROLLBACK TO SAVEPOINT tdm_op; RELEASE SAVEPOINT tdm_op"

enum tdm_status db_begin(struct db *db, enum db_tx tx, struct tdm_err *err)
{
	if (db->in_tx)
		return tdm_fail(err, TDM_EINTERNAL, NULL, "nested transaction");
	enum tdm_status rc;
	if (db->in_group) {
		rc = db->ops->exec(db, db->release_due ? SP_NEXT : SP_BEGIN, err);
		db->release_due = 0;
	} else {
		rc = db->ops->begin(db, tx, err);
	}
	if (rc == TDM_OK)
		db->in_tx = 1;
	return rc;
}

enum tdm_status db_commit(struct db *db, struct tdm_err *err)
{
	if (db->in_group) {
		if (!db->in_tx)
			return tdm_fail(err, TDM_EINTERNAL, NULL, "commit without a transaction");
		db->in_tx = 0;
		if (!db_tx_open(db)) { /* a statement failed and aborted it (PostgreSQL) */
			db->ops->exec(db, SP_UNDO, NULL);
			return tdm_fail(err, TDM_EDB, NULL, "the transaction failed; rolled back");
		}
		db->release_due = 1;
		return TDM_OK;
	}
	enum tdm_status rc = db->ops->commit(db, err);
	if (rc != TDM_OK)
		db->ops->rollback(db);
	db->in_tx = 0;
	return rc;
}

enum tdm_status db_serialize(struct db *db, struct tdm_err *err)
{
	return db->ops->serialize ? db->ops->serialize(db, err) : TDM_OK;
}

void db_rollback(struct db *db)
{
	if (db->in_tx) {
		if (db->in_group)
			db->ops->exec(db, SP_UNDO, NULL);
		else
			db->ops->rollback(db);
	}
	db->in_tx = 0;
}

enum tdm_status db_group_begin(struct db *db, struct tdm_err *err)
{
	if (db->in_tx || db->in_group)
		return tdm_fail(err, TDM_EINTERNAL, NULL, "group inside a transaction");
	enum tdm_status rc = db->ops->begin(db, DB_WRITE, err);
	if (rc == TDM_OK)
		db->in_group = 1;
	db->release_due = 0;
	return rc;
}

int db_tx_open(struct db *db)
{
	return db->ops->tx_open ? db->ops->tx_open(db) : 1;
}

enum tdm_status db_group_commit(struct db *db, struct tdm_err *err)
{
	if (!db->in_group)
		return tdm_fail(err, TDM_EINTERNAL, NULL, "no group transaction");
	db_rollback(db); /* an operation left open: undo it alone */
	enum tdm_status rc;
	if (!db_tx_open(db))
		rc = tdm_fail(err, TDM_EBUSY, NULL,
			      "the database rolled the grouped transaction back; retry");
	else
		rc = db->ops->commit(db, err);
	if (rc != TDM_OK)
		db->ops->rollback(db);
	db->in_group = db->release_due = 0;
	return rc;
}

void db_group_rollback(struct db *db)
{
	if (!db->in_group)
		return;
	db->in_tx = db->release_due = 0;
	db->ops->rollback(db);
	db->in_group = 0;
}

/* The statement remembers its connection through the backend. */
struct stmt_head {
	struct db *db;
};

struct stmt *db_prepare(struct db *db, const char *sql, struct tdm_err *err)
{
	return db->ops->prepare(db, sql, err);
}

#define OPS(st) (((struct stmt_head *)(st))->db->ops)

void db_bind_text(struct stmt *st, int i, const char *v)
{
	if (!v)
		OPS(st)->bind_null(st, i);
	else
		OPS(st)->bind_text(st, i, v);
}

void db_bind_int(struct stmt *st, int i, int64_t v)
{
	OPS(st)->bind_int(st, i, v);
}

void db_bind_null(struct stmt *st, int i)
{
	OPS(st)->bind_null(st, i);
}

int db_step(struct stmt *st, struct tdm_err *err)
{
	return OPS(st)->step(st, err);
}

const char *db_col_text(struct stmt *st, int i)
{
	return OPS(st)->col_text(st, i);
}

int64_t db_col_int(struct stmt *st, int i)
{
	return OPS(st)->col_int(st, i);
}

int db_col_null(struct stmt *st, int i)
{
	return OPS(st)->col_null(st, i);
}

void db_done(struct stmt *st)
{
	if (st)
		OPS(st)->done(st);
}

enum tdm_status db_run(struct stmt *st, struct tdm_err *err)
{
	int r = db_step(st, err);
	db_done(st);
	return r < 0 ? err->code : TDM_OK;
}

enum tdm_status db_insert_id(struct stmt *st, int64_t *id, struct tdm_err *err)
{
	int r = db_step(st, err);
	if (r == DB_ROW)
		*id = db_col_int(st, 0);
	db_done(st);
	if (r < 0)
		return err->code;
	if (r != DB_ROW)
		return tdm_fail(err, TDM_EDB, NULL, "insert returned no id");
	return TDM_OK;
}

enum tdm_status db_query_int(struct stmt *st, int64_t *out, int *found, struct tdm_err *err)
{
	int r = db_step(st, err);
	*found = r == DB_ROW;
	if (r == DB_ROW)
		*out = db_col_int(st, 0);
	db_done(st);
	return r < 0 ? err->code : TDM_OK;
}

enum tdm_status db_one(struct stmt *st, void (*read)(struct stmt *st, void *row), void *row, int *found,
		       struct tdm_err *err)
{
	int s = db_step(st, err);
	*found = s == DB_ROW;
	if (*found)
		read(st, row);
	db_done(st);
	return s < 0 ? err->code : TDM_OK;
}

enum tdm_status db_collect(struct stmt *st, size_t sz, int max,
			   void (*read)(struct stmt *st, void *row), void **rows, int *n,
			   struct tdm_err *err)
{
	char *buf = NULL;
	int cap = 0, s = DB_DONE;
	enum tdm_status rc = TDM_OK;
	*rows = NULL;
	*n = 0;
	while (*n < max && (s = db_step(st, err)) == DB_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			if (cap > max)
				cap = max;
			char *nb = realloc(buf, (size_t)cap * sz);
			if (!nb) {
				rc = tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
				break;
			}
			buf = nb;
		}
		void *row = buf + (size_t)*n * sz;
		memset(row, 0, sz);
		read(st, row);
		(*n)++;
	}
	if (!rc && *n < max && s < 0)
		rc = err->code;
	db_done(st);
	if (rc) {
		free(buf);
		*n = 0;
		return rc;
	}
	*rows = buf;
	return TDM_OK;
}
