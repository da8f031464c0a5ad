/*
 * api.c - shared pieces of the JSON API: the status table, body parsing with
 * limits, field readers, pagination.
 */
#include "api/api.h"
#include "util/date.h"
#include "util/limits.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int api_http_status(enum tdm_status s)
{
	switch (s) {
	case TDM_OK: return 200;
	case TDM_EINVAL: return 422;
	case TDM_EBADJSON: return 400;
	case TDM_ENOTFOUND: return 404;
	case TDM_ECONFLICT: return 409;
	case TDM_EFORBIDDEN: return 403;
	case TDM_EGONE: return 410;
	case TDM_EUNAUTH: return 401;
	case TDM_ETOOBIG: return 413;
	case TDM_ETHROTTLED: return 429;
	case TDM_EMETHOD: return 405;
	case TDM_EMEDIA: return 415;
	case TDM_EBUSY: return 503;
	default: return 500;
	}
}

void api_reply(struct api_ctx *c, int status, json_t *body)
{
	if (c->out)
		json_decref(c->out);
	c->status = status;
	c->out = body;
}

void api_fail(struct api_ctx *c, enum tdm_status rc)
{
	if (c->err.code != rc || !c->err.msg[0])
		tdm_fail(&c->err, rc, NULL, "%s", tdm_strerror(rc));
	int http = api_http_status(rc);
	const char *msg = c->err.msg;
	if (http >= 500 && rc != TDM_EBUSY)
		msg = "internal error; the request id identifies it in the server log";
	json_t *e = json_pack("{s:s, s:s}", "code", tdm_code_name(rc), "message", msg);
	if (e && c->err.field[0])
		json_object_set_new(e, "field", json_string(c->err.field));
	if (rc == TDM_EBUSY)
		c->retry_after = 1;
	else if (rc == TDM_ETHROTTLED)
		c->retry_after = TDM_LOGIN_WINDOW_SECONDS; /* the lock-out's longest wait */
	if (e && rc == TDM_EBUSY)
		json_object_set_new(e, "retryable", json_true());
	api_reply(c, http, e ? json_pack("{s:o}", "error", e) : NULL);
}

/* Nesting depth of a JSON text, counting brackets outside strings. */
static int json_depth_ok(const char *p, size_t n, int max)
{
	int depth = 0, in_str = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];
		if (in_str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_str = 0;
		} else if (ch == '"') {
			in_str = 1;
		} else if (ch == '{' || ch == '[') {
			if (++depth > max)
				return 0;
		} else if (ch == '}' || ch == ']') {
			depth--;
		}
	}
	return 1;
}

json_t *api_body(struct api_ctx *c, const char *const allowed[])
{
	const char *ct = c->content_type;
	if (!ct || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] && ct[16] != ';' && ct[16] != ' ')) {
		tdm_fail(&c->err, TDM_EMEDIA, NULL, "send the body as Content-Type: application/json");
		api_fail(c, TDM_EMEDIA);
		return NULL;
	}
	if (!json_depth_ok(c->body, c->body_len, TDM_MAX_JSON_DEPTH)) {
		tdm_fail(&c->err, TDM_EBADJSON, NULL, "JSON nested deeper than %d levels", TDM_MAX_JSON_DEPTH);
		api_fail(c, TDM_EBADJSON);
		return NULL;
	}
	json_error_t je;
	json_t *o = json_loadb(c->body, c->body_len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
	if (!o) {
		tdm_fail(&c->err, TDM_EBADJSON, NULL, "malformed JSON at line %d column %d: %s",
			 je.line, je.column, je.text);
		api_fail(c, TDM_EBADJSON);
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		tdm_fail(&c->err, TDM_EBADJSON, NULL, "the body must be a JSON object");
		api_fail(c, TDM_EBADJSON);
		return NULL;
	}
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		int ok = 0;
		for (int i = 0; allowed && allowed[i]; i++)
			ok |= !strcmp(key, allowed[i]);
		if (!ok) {
			tdm_fail(&c->err, TDM_EINVAL, key, "unknown field '%.60s'", key);
			json_decref(o);
			api_fail(c, TDM_EINVAL);
			return NULL;
		}
	}
	return o;
}

enum tdm_status api_str(struct api_ctx *c, json_t *o, const char *key, int required,
			size_t maxlen, char *dst, size_t dstsz)
{
	json_t *v = json_object_get(o, key);
	dst[0] = '\0';
	if (!v || json_is_null(v)) {
		if (required)
			return tdm_fail(&c->err, TDM_EINVAL, key, "%s is required", key);
		return TDM_OK;
	}
	if (!json_is_string(v))
		return tdm_fail(&c->err, TDM_EINVAL, key, "%s must be a string", key);
	size_t n = json_string_length(v);
	const char *s = json_string_value(v);
	if (n > maxlen || n >= dstsz)
		return tdm_fail(&c->err, TDM_EINVAL, key, "%s is longer than %zu characters", key, maxlen);
	if (strlen(s) != n)
		return tdm_fail(&c->err, TDM_EINVAL, key, "%s must not contain NUL characters", key);
	if (required && n == 0)
		return tdm_fail(&c->err, TDM_EINVAL, key, "%s must not be empty", key);
	memcpy(dst, s, n + 1);
	return TDM_OK;
}

int api_reason_body(struct api_ctx *c, char reason[TDM_LEN_REASON + 1])
{
	static const char *const fields[] = {"reason", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return 0;
	enum tdm_status rc = api_str(c, o, "reason", 1, TDM_LEN_REASON, reason, TDM_LEN_REASON + 1);
	json_decref(o);
	if (rc)
		api_fail(c, rc);
	return rc == TDM_OK;
}

enum tdm_status api_number(struct api_ctx *c, json_t *o, const char *key, int required, double *out,
			   int *has)
{
	json_t *v = json_object_get(o, key);
	*out = 0;
	if (has)
		*has = 0;
	if (!v || json_is_null(v)) {
		if (required)
			return tdm_fail(&c->err, TDM_EINVAL, key, "%s is required", key);
		return TDM_OK;
	}
	if (!json_is_number(v) || !isfinite(json_number_value(v)))
		return tdm_fail(&c->err, TDM_EINVAL, key, "%s must be a number", key);
	*out = json_number_value(v);
	if (has)
		*has = 1;
	return TDM_OK;
}

enum tdm_status api_int(struct api_ctx *c, json_t *o, const char *key, int required, int lo, int hi,
			int *out)
{
	json_t *v = json_object_get(o, key);
	*out = 0;
	if (!v || json_is_null(v)) {
		if (required)
			return tdm_fail(&c->err, TDM_EINVAL, key, "%s is required", key);
		return TDM_OK;
	}
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return tdm_fail(&c->err, TDM_EINVAL, key, "%s must be a whole number from %d to %d", key, lo, hi);
	*out = (int)json_integer_value(v);
	return TDM_OK;
}

enum tdm_status api_bool(struct api_ctx *c, json_t *o, const char *key, int *out)
{
	json_t *v = json_object_get(o, key);
	*out = 0;
	if (!v || json_is_null(v))
		return TDM_OK;
	if (!json_is_boolean(v))
		return tdm_fail(&c->err, TDM_EINVAL, key, "%s must be true or false", key);
	*out = json_is_true(v);
	return TDM_OK;
}

enum tdm_status api_date(struct api_ctx *c, json_t *o, const char *key, int required, char *dst)
{
	char tmp[32];
	enum tdm_status rc = api_str(c, o, key, required, 10, tmp, sizeof tmp);
	if (rc == TDM_EINVAL && json_is_string(json_object_get(o, key)))
		return tdm_fail(&c->err, TDM_EINVAL, key, "%s must be a date in the form YYYY-MM-DD", key);
	if (rc)
		return rc;
	if (tmp[0] && !date_valid(tmp))
		return tdm_fail(&c->err, TDM_EINVAL, key,
				"%s '%s' is not a real date in the form YYYY-MM-DD", key, tmp);
	snprintf(dst, DATE_LEN, "%s", tmp);
	return TDM_OK;
}

const char *api_query(const struct api_ctx *c, const char *key)
{
	for (int i = 0; i < c->n_query; i++)
		if (!strcmp(c->query[i].key, key))
			return c->query[i].value ? c->query[i].value : "";
	return NULL;
}

enum tdm_status api_query_only(struct api_ctx *c, const char *const allowed[])
{
	for (int i = 0; i < c->n_query; i++) {
		int ok = 0;
		for (int j = 0; allowed[j]; j++)
			ok |= !strcmp(c->query[i].key, allowed[j]);
		if (!ok)
			return tdm_fail(&c->err, TDM_EINVAL, c->query[i].key,
					"unknown query parameter '%.40s'", c->query[i].key);
		if (c->query[i].value && strlen(c->query[i].value) > TDM_MAX_QUERY_PARAM)
			return tdm_fail(&c->err, TDM_EINVAL, c->query[i].key,
					"query parameter '%.40s' is longer than %d characters",
					c->query[i].key, TDM_MAX_QUERY_PARAM);
	}
	return TDM_OK;
}

static enum tdm_status parse_int(struct api_ctx *c, const char *key, const char *v, long min,
				 long max, long *out)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (!*v || *end || errno || n < min || n > max || !isdigit((unsigned char)v[0]))
		return tdm_fail(&c->err, TDM_EINVAL, key, "%s must be a whole number from %ld to %ld",
				key, min, max);
	*out = n;
	return TDM_OK;
}

enum tdm_status api_page(struct api_ctx *c, int *limit, int *offset)
{
	long l = TDM_PAGE_DEFAULT, o = 0;
	const char *v;
	enum tdm_status rc;
	if ((v = api_query(c, "limit")) && (rc = parse_int(c, "limit", v, 1, TDM_PAGE_MAX, &l)))
		return rc;
	if ((v = api_query(c, "offset")) && (rc = parse_int(c, "offset", v, 0, TDM_MAX_OFFSET, &o)))
		return rc;
	*limit = (int)l;
	*offset = (int)o;
	return TDM_OK;
}

enum tdm_status api_query_id(struct api_ctx *c, const char *key, int64_t *out)
{
	const char *v = api_query(c, key);
	long n = 0;
	*out = 0;
	if (!v)
		return TDM_OK;
	enum tdm_status rc = parse_int(c, key, v, 1, 0x7fffffffL, &n);
	*out = n;
	return rc;
}

json_t *api_text(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

json_t *api_page_json(json_t *items, int64_t total, int limit, int offset)
{
	return json_pack("{s:o, s:I, s:i, s:i}", "items", items, "total", (json_int_t)total,
			 "limit", limit, "offset", offset);
}
