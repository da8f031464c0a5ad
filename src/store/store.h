/*
 * store.h - the backend-neutral database interface.
 *
 * Domain code writes portable SQL with "?" placeholders, computes dates in C
 * and talks to a struct db through these calls only; it never sees which
 * backend (SQLite today; PostgreSQL plugs in as another struct store_ops).
 *
 * Statements are prepared once per connection and cached by their SQL text
 * pointer: pass string literals. A statement is borrowed from the cache:
 * call db_done() when finished with it (resets it and clears bindings).
 *
 * One struct db is one connection and belongs to one thread at a time.
 */
#ifndef TDM_STORE_H
#define TDM_STORE_H

#include <stdint.h>

#include "util/status.h"

struct db;
struct stmt;

enum { DB_ROW = 1, DB_DONE = 2 };
/*
 * DB_READ: reads only. DB_WRITE: writers are serialised from the start (one
 * at a time, so read-check-insert sequences cannot interleave).
 * DB_AUDITED_READ: reads a patient's record and appends only an audit row;
 * on PostgreSQL it runs concurrently with other reads and is serialised only
 * from db_serialize() on (audit_append calls it before reading the chain
 * head). On SQLite it is the same as DB_WRITE.
 */
enum db_tx { DB_READ, DB_WRITE, DB_AUDITED_READ };

struct store_ops {
	const char *name;
	enum tdm_status (*open)(const char *target, struct db **out, struct tdm_err *err);
	void (*close)(struct db *db);
	enum tdm_status (*exec)(struct db *db, const char *sql, struct tdm_err *err);
	enum tdm_status (*begin)(struct db *db, enum db_tx tx, struct tdm_err *err);
	enum tdm_status (*commit)(struct db *db, struct tdm_err *err);
	void (*rollback)(struct db *db);
	/* Serialises the rest of the open transaction with every writer. */
	enum tdm_status (*serialize)(struct db *db, struct tdm_err *err);
	/* 1 while a transaction is open and usable (not rolled back by the
	 * server, not failed, connection alive). */
	int (*tx_open)(struct db *db);
	struct stmt *(*prepare)(struct db *db, const char *sql, struct tdm_err *err);
	void (*bind_text)(struct stmt *st, int i, const char *v);
	void (*bind_int)(struct stmt *st, int i, int64_t v);
	void (*bind_null)(struct stmt *st, int i);
	int (*step)(struct stmt *st, struct tdm_err *err); /* DB_ROW, DB_DONE or -1 */
	const char *(*col_text)(struct stmt *st, int i);    /* "" for NULL */
	int64_t (*col_int)(struct stmt *st, int i);
	int (*col_null)(struct stmt *st, int i);
	void (*done)(struct stmt *st);
	/* Text substituted for {{ID}} in migrations: an auto-increment key. */
	const char *id_column;
};

/* Every connection starts with a pointer to its ops. */
struct db {
	const struct store_ops *ops;
	int in_tx;    /* db_begin'd and not yet ended (in a group: a savepoint) */
	int in_group; /* a group transaction is open: see db_group_begin */
	int release_due; /* in a group: the last savepoint is committed, not yet released */
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

/* Opens "sqlite:PATH", a plain PATH, or "postgresql://..." (any libpq URI,
 * multi-host included). */
enum tdm_status db_open(const char *target, struct db **out, struct tdm_err *err);
void db_close(struct db *db);
enum tdm_status db_exec(struct db *db, const char *sql, struct tdm_err *err);
enum tdm_status db_begin(struct db *db, enum db_tx tx, struct tdm_err *err);
enum tdm_status db_commit(struct db *db, struct tdm_err *err);
void db_rollback(struct db *db);
enum tdm_status db_serialize(struct db *db, struct tdm_err *err);
struct stmt *db_prepare(struct db *db, const char *sql, struct tdm_err *err);

/*
 * Group transactions (used by store/group.c for group commit).
 *
 * db_group_begin opens one real write transaction (DB_WRITE: on PostgreSQL
 * it takes the writers' advisory lock, so db_serialize inside is a no-op).
 * Until db_group_commit or db_group_rollback, db_begin/db_commit/db_rollback
 * work on a savepoint instead: db_begin issues SAVEPOINT, db_commit keeps
 * the operation's work (it becomes durable only with the group's COMMIT;
 * the RELEASE is sent with the next SAVEPOINT), db_rollback ROLLBACK TO +
 * RELEASE (undoes that operation alone). Domain code runs unchanged.
 * Nesting db_begin is still refused (TDM_EINTERNAL). db_commit fails
 * (TDM_EDB, operation rolled back) when a statement inside it aborted the
 * transaction (PostgreSQL), as a real COMMIT would.
 *
 * db_group_commit commits: TDM_OK means every released savepoint is durable.
 * On failure (or when the transaction was already lost: see db_tx_open)
 * nothing of the group is kept, and the status says why (TDM_EBUSY: retry).
 * A savepoint still open is rolled back first. db_group_rollback discards
 * the whole group.
 */
enum tdm_status db_group_begin(struct db *db, struct tdm_err *err);
enum tdm_status db_group_commit(struct db *db, struct tdm_err *err);
void db_group_rollback(struct db *db);
/* 1 while the connection's transaction is open and usable: 0 after the
 * server rolled it back on its own (SQLite on a full disk or I/O error), a
 * failed statement outside any savepoint aborted it (PostgreSQL), or the
 * connection was lost. */
int db_tx_open(struct db *db);

void db_bind_text(struct stmt *st, int i, const char *v); /* NULL binds NULL */
void db_bind_int(struct stmt *st, int i, int64_t v);
void db_bind_null(struct stmt *st, int i);
int db_step(struct stmt *st, struct tdm_err *err);
const char *db_col_text(struct stmt *st, int i);
int64_t db_col_int(struct stmt *st, int i);
int db_col_null(struct stmt *st, int i);
void db_done(struct stmt *st);

/* Helpers built on the above. */
/* Runs a statement expecting no rows. */
enum tdm_status db_run(struct stmt *st, struct tdm_err *err);
/* Runs "INSERT ... RETURNING id" and stores the id. */
enum tdm_status db_insert_id(struct stmt *st, int64_t *id, struct tdm_err *err);
/* Runs a one-integer query; *found is 0 when there was no row. */
enum tdm_status db_query_int(struct stmt *st, int64_t *out, int *found, struct tdm_err *err);

/*
 * Steps a bound statement expecting at most one row: when there is one,
 * read(st, row) fills row and *found is 1; else *found is 0. Resets the
 * statement.
 */
enum tdm_status db_one(struct stmt *st, void (*read)(struct stmt *st, void *row), void *row, int *found,
		       struct tdm_err *err);

/*
 * Steps a bound statement and collects its rows: each row gets sz bytes
 * (zeroed) filled by read(st, row); at most max rows. *rows is caller-frees
 * (NULL when there are none); on failure nothing is left allocated. Resets
 * the statement.
 */
enum tdm_status db_collect(struct stmt *st, size_t sz, int max,
			   void (*read)(struct stmt *st, void *row), void **rows, int *n,
			   struct tdm_err *err);

/* Migrations (store/migrate.c). */
int migrate_latest(void);
/* Applies pending migrations in one transaction each. *applied counts them. */
enum tdm_status migrate_apply(struct db *db, int *applied, struct tdm_err *err);
enum tdm_status migrate_version(struct db *db, int *version, struct tdm_err *err);

#endif
