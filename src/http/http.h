/*
 * http.h - the HTTP server (libmicrohttpd) and the route table.
 */
#ifndef TDM_HTTP_H
#define TDM_HTTP_H

#include <signal.h>

#include "api/api.h"

enum route_flags {
	ROUTE_PUBLIC = 1, /* no session needed */
};

struct route {
	const char *method;
	const char *pattern; /* "/api/v1/patients/{id}"; {id} is a positive integer */
	api_fn fn;
	unsigned roles;      /* who may call it (enum role bits) */
	unsigned flags;
};

extern const struct route routes[];

/* Finds the route for method+path and fills c->ids. Returns the route, or
 * NULL with *status_out 404 (no such path) or 405 (path exists, not the
 * method: allow gets the methods that do). */
const struct route *route_match(const char *method, const char *path, struct api_ctx *c,
				int *status_out, char *allow, size_t allow_len);

/* Runs the request in c through authentication, the role check and the
 * handler. c->db, c->actor.addr and request id must be set. */
void route_dispatch(struct api_ctx *c);

struct http_config {
	const char *db_target;
	const char *replica_target; /* read replica for reports, NULL: none */
	const char *listen;    /* "HOST:PORT" */
	const char *web_root;  /* the web app's files; NULL: API only */
	int threads;
	/* Doses are recorded through group commit (store/group.h): at most this
	 * many requests share one durable commit. 0: the default; -1: off. */
	int group_batch;
};

/* Serves until *stop becomes non-zero, then finishes in-flight requests and
 * returns. Prints "listening on http://HOST:PORT" on stdout once ready. */
enum tdm_status http_serve(const struct http_config *cfg, volatile sig_atomic_t *stop,
			   struct tdm_err *err);

#endif
