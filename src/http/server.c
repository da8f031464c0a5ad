/*
 * server.c - libmicrohttpd glue: collect the body up to its cap, build an
 * api_ctx, dispatch, render JSON with the security headers, log one line.
 *
 * Threads: MHD's internal thread pool with epoll. Each worker thread opens
 * its own database connection on first use (one connection per thread).
 */
#include "http/http.h"
#include "domain/alert.h"
#include "http/metrics.h"
#include "store/group.h"
#include "http/static.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/limits.h"
#include "util/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct group *group; /* group commit; NULL when off */
static const char *db_target, *replica_target;
static pthread_key_t db_key, replica_key;

static void close_db(void *p)
{
	db_close(p);
}

static struct db *thread_db(struct tdm_err *err)
{
	struct db *db = pthread_getspecific(db_key);
	if (db)
		return db;
	if (db_open(db_target, &db, err) != TDM_OK)
		return NULL;
	pthread_setspecific(db_key, db);
	return db;
}

/* The read replica for reports, opened per thread like the primary; NULL
 * when none is configured or it cannot be reached now (reports then read
 * the primary). */
static struct db *thread_replica(void)
{
	struct tdm_err err;
	if (!replica_target)
		return NULL;
	struct db *db = pthread_getspecific(replica_key);
	if (db)
		return db;
	if (db_open(replica_target, &db, &err) != TDM_OK) {
		log_kv(LOG_WARN, "read replica unavailable; reports use the primary", "error", err.msg, NULL);
		return NULL;
	}
	pthread_setspecific(replica_key, db);
	return db;
}

struct conn {
	struct buf body;
	int too_big;
	int started;          /* the first call for this request has been seen */
	size_t raw_url_len;   /* the request target as sent, before decoding */
	struct timespec start;
};

/* Called with the raw request target before any parsing: the only place its
 * undecoded length is known. Returns the per-request state. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *mc)
{
	(void)cls;
	(void)mc;
	struct conn *cn = calloc(1, sizeof *cn);
	if (!cn)
		return NULL;
	buf_init(&cn->body, TDM_MAX_BODY);
	clock_gettime(CLOCK_MONOTONIC, &cn->start);
	cn->raw_url_len = uri ? strlen(uri) : 0;
	return cn;
}

static void add_security_headers(struct MHD_Response *r, const char *rid)
{
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
	MHD_add_response_header(r, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
	MHD_add_response_header(r, "X-Request-Id", rid);
}

static void add_headers(struct MHD_Response *r, const char *rid)
{
	add_security_headers(r, rid);
	MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'none'; frame-ancestors 'none'");
}

static enum MHD_Result send_metrics(struct MHD_Connection *mc)
{
	struct buf b;
	struct tdm_err err;
	buf_init(&b, 1 << 20);
	metrics_render(&b);
	/* Gauges read from the database: counts only, no patient data. */
	struct db *db = thread_db(&err);
	int64_t open_alerts = -1;
	if (db && alert_count_open(db, &open_alerts, &err) == TDM_OK)
		buf_printf(&b, "# HELP tandem_open_alerts Clinical alerts not yet acknowledged.\n"
			       "# TYPE tandem_open_alerts gauge\ntandem_open_alerts %lld\n",
			   (long long)open_alerts);
	if (group) {
		struct group_stats gs;
		group_stats(group, &gs);
		buf_printf(&b, "# HELP tandem_group_commits_total Durable commits shared by dose writes.\n"
			       "# TYPE tandem_group_commits_total counter\ntandem_group_commits_total %lld\n"
			       "# HELP tandem_group_writes_total Dose writes made through group commit.\n"
			       "# TYPE tandem_group_writes_total counter\ntandem_group_writes_total %lld\n"
			       "# HELP tandem_group_failed_total Group commits that failed (their writes answered 503).\n"
			       "# TYPE tandem_group_failed_total counter\ntandem_group_failed_total %lld\n"
			       "# HELP tandem_group_largest Most writes in one commit since start.\n"
			       "# TYPE tandem_group_largest gauge\ntandem_group_largest %lld\n"
			       "# HELP tandem_group_queued Dose writes waiting for the writer now.\n"
			       "# TYPE tandem_group_queued gauge\ntandem_group_queued %lld\n",
			   (long long)gs.batches, (long long)gs.items, (long long)gs.failed, (long long)gs.largest,
			   (long long)gs.queued);
	}
	if (b.err) {
		buf_release(&b);
		return MHD_NO;
	}
	size_t len;
	char *text = buf_detach(&b, &len);
	struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	enum MHD_Result ret = MHD_queue_response(mc, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* Serves a web app file; returns MHD_NO to fall through to a JSON 404. */
static int send_static(struct MHD_Connection *mc, const char *url, const char *rid, int *status)
{
	struct static_file f;
	if (static_open(url, &f))
		return 0;
	struct MHD_Response *r = MHD_create_response_from_fd64(f.size, f.fd);
	if (!r) {
		close(f.fd);
		return 0;
	}
	add_security_headers(r, rid);
	MHD_add_response_header(r, "Content-Type", f.type);
	MHD_add_response_header(r, "Cache-Control", "no-cache");
	MHD_add_response_header(r, "Content-Security-Policy", STATIC_CSP);
	MHD_queue_response(mc, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	*status = 200;
	return 1;
}

static enum MHD_Result send_json(struct MHD_Connection *mc, struct api_ctx *c)
{
	char *text = NULL;
	if (c->status == 204 && !c->out) {
		text = strdup("");
	} else if (c->out) {
		text = json_dumps(c->out, JSON_COMPACT | JSON_REAL_PRECISION(12));
	}
	if (!text) {
		c->status = 500;
		text = strdup("{\"error\":{\"code\":\"out_of_memory\",\"message\":\"out of memory\"}}");
		if (!text)
			return MHD_NO;
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text,
								 MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	add_headers(r, c->actor.request_id);
	if (c->status == 401)
		MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
	if (c->status == 405) {
		char allow[64];
		int st;
		struct api_ctx tmp;
		memset(&tmp, 0, sizeof tmp);
		route_match(c->method, c->path, &tmp, &st, allow, sizeof allow);
		MHD_add_response_header(r, "Allow", allow);
	}
	if (c->retry_after) {
		char ra[16];
		snprintf(ra, sizeof ra, "%d", c->retry_after);
		MHD_add_response_header(r, "Retry-After", ra);
	}
	if (c->replayed)
		MHD_add_response_header(r, "Idempotent-Replayed", "true");
	enum MHD_Result ret = MHD_queue_response(mc, (unsigned)c->status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	(void)kind;
	struct api_ctx *c = cls;
	if (c->n_query == API_MAX_QUERY) {
		c->n_query++; /* marks "too many" */
		return MHD_NO;
	}
	c->query[c->n_query].key = key;
	c->query[c->n_query].value = value;
	c->n_query++;
	c->query_len += strlen(key) + (value ? strlen(value) : 0) + 2;
	return MHD_YES;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static void request_id(struct MHD_Connection *mc, char out[40])
{
	const char *in = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "X-Request-Id");
	size_t n = in ? strlen(in) : 0;
	int ok = n > 0 && n < 40;
	for (size_t i = 0; ok && i < n; i++)
		ok = (in[i] >= 'a' && in[i] <= 'z') || (in[i] >= 'A' && in[i] <= 'Z') ||
		     (in[i] >= '0' && in[i] <= '9') || in[i] == '-' || in[i] == '_';
	if (ok) {
		memcpy(out, in, n + 1);
		return;
	}
	char tok[TOKEN_LEN];
	crypto_token(tok);
	snprintf(out, 40, "%.16s", tok);
}

static void client_addr(struct MHD_Connection *mc, char out[64])
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	out[0] = '\0';
	if (!ci || !ci->client_addr) {
		snprintf(out, 64, "unknown");
		return;
	}
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, 64);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, 64);
	else
		snprintf(out, 64, "unknown");
}

/* Percent-decoding for paths and query strings. A decoded NUL would cut the
 * C string short ("/patients/1%00x" read as "/patients/1"), so it becomes
 * DEL, which no route, id or field accepts. */
static size_t unescape(void *cls, struct MHD_Connection *mc, char *s)
{
	(void)cls;
	(void)mc;
	char *w = s;
	for (char *r = s; *r; r++) {
		int hi, lo;
		if (r[0] == '%' && r[1] && r[2] && (hi = hexval(r[1])) >= 0 && (lo = hexval(r[2])) >= 0) {
			char ch = (char)(hi * 16 + lo);
			*w++ = ch ? ch : 0x7f;
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

static long elapsed_us(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000000L + (now.tv_nsec - start->tv_nsec) / 1000L;
}

static void handle(struct MHD_Connection *mc, const char *url, const char *method,
		   struct conn *cn, struct api_ctx *c)
{
	c->method = method;
	c->path = url;
	request_id(mc, c->actor.request_id);
	client_addr(mc, c->actor.addr);
	c->content_type = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Content-Type");
	const char *auth = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Authorization");
	if (auth && !strncasecmp(auth, "Bearer ", 7))
		c->token = auth + 7;
	c->idem_key = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Idempotency-Key");
	c->body = cn->body.p;
	c->body_len = cn->body.len;

	if (strlen(url) > TDM_MAX_URL || cn->raw_url_len > TDM_MAX_URL) {
		tdm_fail(&c->err, TDM_ETOOBIG, NULL, "URL longer than %d bytes", TDM_MAX_URL);
		api_fail(c, TDM_ETOOBIG);
		return;
	}
	if (cn->too_big || cn->body.err) {
		tdm_fail(&c->err, TDM_ETOOBIG, NULL, "request body larger than %d bytes", TDM_MAX_BODY);
		api_fail(c, TDM_ETOOBIG);
		return;
	}
	MHD_get_connection_values(mc, MHD_GET_ARGUMENT_KIND, collect_query, c);
	if (c->n_query > API_MAX_QUERY) {
		tdm_fail(&c->err, TDM_EINVAL, NULL, "more than %d query parameters", API_MAX_QUERY);
		api_fail(c, TDM_EINVAL);
		return;
	}
	if (strlen(url) + c->query_len > TDM_MAX_URL) { /* decoded, in case */
		tdm_fail(&c->err, TDM_ETOOBIG, NULL, "URL longer than %d bytes", TDM_MAX_URL);
		api_fail(c, TDM_ETOOBIG);
		return;
	}
	c->db = thread_db(&c->err);
	if (!c->db) {
		log_kv(LOG_ERROR, "cannot open database", "error", c->err.msg, NULL);
		tdm_fail(&c->err, TDM_EBUSY, NULL, "database unavailable; retry shortly");
		api_fail(c, TDM_EBUSY);
		return;
	}
	c->replica = thread_replica();
	c->group = group;
	route_dispatch(c);
	if (c->db->in_tx) /* a handler bug must not leave a transaction open */
		db_rollback(c->db);
	if (!c->status) {
		tdm_fail(&c->err, TDM_EINTERNAL, NULL, "handler produced no response");
		api_fail(c, TDM_EINTERNAL);
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_size, void **con_cls)
{
	(void)cls;
	(void)version;
	struct conn *cn = *con_cls;
	if (!cn)
		return MHD_NO; /* on_uri could not allocate */
	if (!cn->started) {
		cn->started = 1;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!cn->too_big) {
			buf_add(&cn->body, upload_data, *upload_size);
			if (cn->body.err) {
				cn->too_big = 1;
				buf_release(&cn->body);
			}
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (!strcmp(url, "/metrics") && !strcmp(method, "GET"))
		return send_metrics(mc);
	struct api_ctx c;
	memset(&c, 0, sizeof c);
	c.route = -1;
	int is_api = !strncmp(url, "/api/", 5) || !strcmp(url, "/healthz");
	if (!is_api && (!strcmp(method, "GET") || !strcmp(method, "HEAD")) && !cn->body.len) {
		char rid[40];
		int st = 0;
		request_id(mc, rid);
		if (send_static(mc, url, rid, &st))
			return MHD_YES;
	}
	handle(mc, url, method, cn, &c);
	enum MHD_Result ret = send_json(mc, &c);
	char status[8], us[24];
	long micros = elapsed_us(&cn->start);
	snprintf(status, sizeof status, "%d", c.status);
	snprintf(us, sizeof us, "%ld", micros);
	metrics_observe(c.route, c.status, micros);
	log_kv(c.status >= 500 ? LOG_ERROR : LOG_INFO, "request", "id", c.actor.request_id,
	       "method", method, "path", url, "status", status, "us", us, "user",
	       c.actor.username, "error", c.status >= 400 ? c.err.msg : "", NULL);
	json_decref(c.out);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)mc;
	(void)toe;
	struct conn *cn = *con_cls;
	if (!cn)
		return;
	buf_release(&cn->body);
	free(cn);
	*con_cls = NULL;
}

static enum tdm_status parse_listen(const char *listen, struct sockaddr_in *sa, struct tdm_err *err)
{
	char host[64];
	const char *colon = listen ? strrchr(listen, ':') : NULL;
	if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host)
		return tdm_fail(err, TDM_EINVAL, "listen", "--listen must be HOST:PORT, e.g. 127.0.0.1:8080");
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	char *end;
	errno = 0;
	long port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port < 0 || port > 65535)
		return tdm_fail(err, TDM_EINVAL, "listen", "bad port in --listen '%s'", listen);
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return tdm_fail(err, TDM_EINVAL, "listen", "--listen host must be an IPv4 address, got '%s'",
				host);
	return TDM_OK;
}

enum tdm_status http_serve(const struct http_config *cfg, volatile sig_atomic_t *stop,
			   struct tdm_err *err)
{
	struct sockaddr_in sa;
	enum tdm_status rc = parse_listen(cfg->listen, &sa, err);
	if (rc)
		return rc;
	db_target = cfg->db_target;
	replica_target = cfg->replica_target && *cfg->replica_target ? cfg->replica_target : NULL;
	if (cfg->web_root && static_set_root(cfg->web_root))
		log_kv(LOG_WARN, "web app directory not found; serving the API only", "web",
		       cfg->web_root, NULL);
	if (pthread_key_create(&db_key, close_db) || pthread_key_create(&replica_key, close_db))
		return tdm_fail(err, TDM_ENOMEM, NULL, "cannot create thread key");
	if (cfg->group_batch >= 0 && (rc = group_start(cfg->db_target, cfg->group_batch, &group, err)))
		return rc;
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG, 0,
		NULL, NULL, on_request, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(cfg->threads > 0 ? cfg->threads : 4),
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)512,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
		MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
		MHD_OPTION_END);
	if (!d) {
		group_stop(group);
		group = NULL;
		return tdm_fail(err, TDM_EIO, "listen", "cannot listen on %s (in use?)", cfg->listen);
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	char host[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &sa.sin_addr, host, sizeof host);
	printf("tandem: listening on http://%s:%u\n", host, di ? di->port : ntohs(sa.sin_port));
	fflush(stdout);
	log_kv(LOG_INFO, "listening", "listen", cfg->listen, NULL);

	while (!*stop)
		usleep(100 * 1000);

	/* Graceful stop: accept nothing new, let in-flight requests finish. */
	log_kv(LOG_INFO, "shutting down", NULL);
	MHD_socket s = MHD_quiesce_daemon(d);
	if (s != MHD_INVALID_SOCKET)
		close(s);
	for (int i = 0; i < 30; i++) { /* at most 3 s: idle keep-alives count too */
		di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (!di || di->num_connections == 0)
			break;
		usleep(100 * 1000);
	}
	MHD_stop_daemon(d);
	group_stop(group); /* after the daemon: no request can still be queued */
	group = NULL;
	log_kv(LOG_INFO, "stopped", NULL);
	return TDM_OK;
}
