/*
 * group.c - group commit: one writer thread, one connection, one COMMIT per
 * batch of queued operations. See group.h for the guarantees.
 *
 * Callers queue an item that lives on their own stack and wait on its
 * condition variable; the writer takes up to max_batch items off the queue,
 * runs them in one transaction, and marks each done under the mutex. While
 * the writer commits (the fsync), new items pile up and form the next batch:
 * no timer, no spinning, and a lone request is committed at once.
 */
#include "store/group.h"
#include "util/log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct item {
	group_fn fn;
	void *arg;
	struct tdm_err *err;
	enum tdm_status rc;
	int done;            /* under g->mu */
	pthread_cond_t cv;   /* signalled when done */
	struct item *next;
};

struct group {
	struct db *db;            /* the writer's own; used by the writer thread only */
	int max_batch;
	struct item **batch;      /* max_batch slots, writer thread only */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work;      /* the writer waits here for items */
	pthread_cond_t idle;      /* group_stop waits here for callers to leave */
	struct item *head, *tail; /* the queue, under mu */
	int users;                /* callers inside group_run, under mu */
	int stopping;             /* under mu */
	struct group_stats stats; /* under mu */
};

/* An item whose fn succeeded but whose work was not kept. */
static void fail_item(struct item *it, const struct tdm_err *why)
{
	if (it->rc != TDM_OK)
		return; /* its own failure stands; its work was undone anyway */
	it->rc = why->code;
	if (it->err)
		*it->err = *why;
}

static void run_item(struct group *g, struct item *it)
{
	it->rc = it->fn(g->db, it->arg, it->err);
	if (g->db->in_tx) {
		log_kv(LOG_ERROR, "grouped operation left its transaction open; rolled back", NULL);
		db_rollback(g->db);
		if (it->rc == TDM_OK)
			it->rc = tdm_fail(it->err, TDM_EINTERNAL, NULL,
					  "operation left its transaction open");
	}
}

/*
 * Runs items[0..n) in one transaction. Returns how many were dealt with:
 * all n, or fewer when the transaction was lost under item k (items 0..k
 * get the failure; the rest go into a new transaction).
 */
static int run_segment(struct group *g, struct item **items, int n, int64_t *failed)
{
	struct tdm_err why;
	tdm_err_clear(&why);
	if (db_group_begin(g->db, &why) != TDM_OK) {
		for (int i = 0; i < n; i++)
			fail_item(items[i], &why);
		(*failed)++;
		return n;
	}
	for (int k = 0; k < n; k++) {
		run_item(g, items[k]);
		if (!db_tx_open(g->db)) {
			tdm_fail(&why, TDM_EBUSY, NULL,
				 "the database dropped the transaction (another request's failure); retry");
			db_group_rollback(g->db);
			for (int i = 0; i <= k; i++)
				fail_item(items[i], &why);
			(*failed)++;
			return k + 1;
		}
	}
	if (db_group_commit(g->db, &why) != TDM_OK) {
		log_kv(LOG_WARN, "group commit failed", "error", why.msg, NULL);
		for (int i = 0; i < n; i++)
			fail_item(items[i], &why);
		(*failed)++;
	}
	return n;
}

static void *writer(void *arg)
{
	struct group *g = arg;
	pthread_mutex_lock(&g->mu);
	for (;;) {
		while (!g->head && !g->stopping)
			pthread_cond_wait(&g->work, &g->mu);
		if (!g->head)
			break; /* stopping, and nothing left */
		int n = 0;
		while (g->head && n < g->max_batch) {
			g->batch[n++] = g->head;
			g->head = g->head->next;
			g->stats.queued--;
		}
		if (!g->head)
			g->tail = NULL;
		pthread_mutex_unlock(&g->mu);

		int64_t segments = 0, failed = 0;
		for (int done = 0; done < n; segments++)
			done += run_segment(g, g->batch + done, n - done, &failed);

		pthread_mutex_lock(&g->mu);
		g->stats.batches += segments;
		g->stats.items += n;
		g->stats.failed += failed;
		if (n > g->stats.largest)
			g->stats.largest = n;
		for (int i = 0; i < n; i++) {
			/* The caller may return (and free the item) as soon as we
			 * unlock: nothing touches it after this. */
			g->batch[i]->done = 1;
			pthread_cond_signal(&g->batch[i]->cv);
		}
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

enum tdm_status group_start(const char *target, int max_batch, struct group **out,
			    struct tdm_err *err)
{
	*out = NULL;
	if (max_batch == 0)
		max_batch = GROUP_DEFAULT_BATCH;
	if (max_batch < 1 || max_batch > GROUP_MAX_BATCH)
		return tdm_fail(err, TDM_EINVAL, "max_batch", "group batch must be 1-%d",
				GROUP_MAX_BATCH);
	struct group *g = calloc(1, sizeof *g);
	if (!g || !(g->batch = calloc((size_t)max_batch, sizeof *g->batch))) {
		free(g);
		return tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	}
	g->max_batch = max_batch;
	enum tdm_status rc = db_open(target, &g->db, err);
	if (rc) {
		free(g->batch);
		free(g);
		return rc;
	}
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->work, NULL);
	pthread_cond_init(&g->idle, NULL);
	if (pthread_create(&g->thread, NULL, writer, g)) {
		pthread_cond_destroy(&g->idle);
		pthread_cond_destroy(&g->work);
		pthread_mutex_destroy(&g->mu);
		db_close(g->db);
		free(g->batch);
		free(g);
		return tdm_fail(err, TDM_EIO, NULL, "cannot start the group commit thread");
	}
	*out = g;
	return TDM_OK;
}

void group_stop(struct group *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->mu);
	g->stopping = 1;
	pthread_cond_signal(&g->work);
	pthread_mutex_unlock(&g->mu);
	pthread_join(g->thread, NULL);
	/* Every item is done; wait for their callers to let go of the mutex. */
	pthread_mutex_lock(&g->mu);
	while (g->users)
		pthread_cond_wait(&g->idle, &g->mu);
	pthread_mutex_unlock(&g->mu);
	pthread_cond_destroy(&g->idle);
	pthread_cond_destroy(&g->work);
	pthread_mutex_destroy(&g->mu);
	db_close(g->db);
	free(g->batch);
	free(g);
}

enum tdm_status group_run(struct group *g, struct db *own_db, group_fn fn, void *arg,
			  struct tdm_err *err)
{
	if (!g)
		return fn(own_db, arg, err);
	struct item it;
	memset(&it, 0, sizeof it);
	it.fn = fn;
	it.arg = arg;
	it.err = err;
	pthread_cond_init(&it.cv, NULL);
	pthread_mutex_lock(&g->mu);
	if (g->stopping) {
		pthread_mutex_unlock(&g->mu);
		pthread_cond_destroy(&it.cv);
		return tdm_fail(err, TDM_EBUSY, NULL, "shutting down; retry");
	}
	if (g->tail)
		g->tail->next = &it;
	else
		g->head = &it;
	g->tail = &it;
	g->stats.queued++;
	g->users++;
	pthread_cond_signal(&g->work);
	while (!it.done)
		pthread_cond_wait(&it.cv, &g->mu);
	if (--g->users == 0 && g->stopping)
		pthread_cond_signal(&g->idle);
	pthread_mutex_unlock(&g->mu);
	pthread_cond_destroy(&it.cv);
	return it.rc;
}

void group_stats(struct group *g, struct group_stats *out)
{
	memset(out, 0, sizeof *out);
	if (!g)
		return;
	pthread_mutex_lock(&g->mu);
	*out = g->stats;
	pthread_mutex_unlock(&g->mu);
}
