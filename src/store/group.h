/*
 * group.h - group commit: many requests' write transactions share one real
 * transaction and one durable COMMIT (one fsync), each still all-or-nothing.
 *
 * A group has one writer thread with a connection of its own. group_run
 * queues a piece of work (fn) and blocks; the writer takes what is queued
 * (up to max_batch items), opens one write transaction (db_group_begin),
 * runs each fn in turn, commits once and wakes the callers. fn is ordinary
 * domain code: its db_begin/db_commit/db_rollback become a savepoint and its
 * release or rollback (see store.h), so one fn's failure undoes that fn
 * alone; audit_finish's record of a failed attempt is kept, as without a
 * group. Writers are serialised as before (the group holds the write lock,
 * BEGIN IMMEDIATE or the PostgreSQL advisory lock, for the whole batch), so
 * every fn sees the work of those before it: the outcome is that of running
 * them one after another.
 *
 * What a caller is told:
 * - fn's status and err, when the batch's COMMIT succeeded (fn's work, if
 *   it committed its savepoint, is then durable);
 * - when fn succeeded but the batch's BEGIN or COMMIT failed, or the
 *   database dropped the transaction under the batch (connection lost, disk
 *   full): that failure, usually TDM_EBUSY ("retry"), and none of fn's work
 *   was kept. A caller must not report success unless TDM_OK comes back;
 * - a fn that returns with its transaction still open (a bug) is rolled back
 *   alone and its caller gets TDM_EINTERNAL.
 *
 * fn runs on the writer thread: it must use only the db it is given and
 * memory reachable from arg (the caller is blocked meanwhile, so arg may
 * point to its stack), and must not call group_run itself.
 */
#ifndef TDM_GROUP_H
#define TDM_GROUP_H

#include <stdint.h>

#include "store/store.h"
#include "util/status.h"

struct group;

typedef enum tdm_status (*group_fn)(struct db *db, void *arg, struct tdm_err *err);

/* 32: on PostgreSQL each item is a subtransaction, and past 64 of them in
 * one transaction (PGPROC_MAX_CACHED_SUBXIDS) every session's snapshots
 * get slower; a failed item can use two (its work, then its audit row). */
#define GROUP_DEFAULT_BATCH 32
#define GROUP_MAX_BATCH 4096

/*
 * Opens the writer's connection to target (as db_open) and starts the
 * writer thread. max_batch caps the items in one transaction (0: the
 * default, GROUP_DEFAULT_BATCH). *out is freed by group_stop. Returns
 * TDM_EINVAL (max_batch out of range), TDM_ENOMEM, db_open's failure, or
 * TDM_EIO when the thread cannot start.
 */
enum tdm_status group_start(const char *target, int max_batch, struct group **out,
			    struct tdm_err *err);

/*
 * Finishes every item already queued (their callers get their answers as
 * usual), stops the writer, closes its connection and frees g (NULL is
 * fine). A group_run that starts while the group is stopping gets TDM_EBUSY;
 * none may start after group_stop returns, so stop the callers first (for
 * the server: after the HTTP daemon has stopped).
 */
void group_stop(struct group *g);

/*
 * Runs fn(db, arg, err) in the next batch and waits until that batch has
 * committed durably (see above for what the status means). With g NULL the
 * work runs at once on own_db, the caller's connection, in transactions of
 * its own (the CLI and tests without a server); own_db is unused otherwise.
 */
enum tdm_status group_run(struct group *g, struct db *own_db, group_fn fn, void *arg,
			  struct tdm_err *err);

struct group_stats {
	int64_t batches;   /* transactions the writer opened (or tried to) */
	int64_t items;     /* fn calls made */
	int64_t largest;   /* most items in one batch */
	int64_t failed;    /* batches whose BEGIN or COMMIT failed or that were lost */
	int64_t queued;    /* items waiting now */
};

/* A snapshot of the counters since group_start. */
void group_stats(struct group *g, struct group_stats *out);

#endif
