/*
 * api.h - the JSON API layer: JSON in, domain call, JSON out.
 *
 * Handlers are thin: they read the request through struct api_ctx, turn JSON
 * into domain structs with field-level errors, call one domain function and
 * render its result. Nothing clinical is decided here, and nothing here knows
 * about libmicrohttpd.
 */
#ifndef TDM_API_H
#define TDM_API_H

#include <jansson.h>
#include <stdint.h>

#include "domain/access.h"
#include "store/group.h"
#include "store/store.h"
#include "util/limits.h"
#include "util/status.h"

#define API_MAX_QUERY 16
#define API_MAX_IDS 4
#define API_MAX_CODE 64

struct api_query {
	const char *key, *value;
};

struct api_ctx {
	/* request */
	const char *method, *path;
	const char *body;               /* NUL-terminated, body_len bytes */
	size_t body_len;
	const char *content_type;       /* may be NULL */
	const char *token;              /* bearer token, NULL when none */
	const char *idem_key;           /* Idempotency-Key header, NULL when none */
	int64_t ids[API_MAX_IDS];       /* {id} path parameters in order */
	int n_ids;
	char code[API_MAX_CODE + 1];    /* the {code} path parameter, "" when none */
	struct api_query query[API_MAX_QUERY];
	int n_query;
	size_t query_len;               /* bytes of the query string, decoded */
	/* context */
	struct db *db;
	struct db *replica;             /* read replica for reports, NULL when none */
	struct group *group;            /* group commit for hot writes, NULL when off */
	struct actor actor;
	struct tdm_err err;
	/* response */
	int status;
	json_t *out;                    /* owned; rendered and freed by the server */
	int retry_after;                /* seconds, for 429/503 */
	int replayed;                   /* an idempotent replay (header on the answer) */
	int route;                      /* index of the matched route, -1 when none */
};

typedef void (*api_fn)(struct api_ctx *c);

/* HTTP status for a status code (the one table). */
int api_http_status(enum tdm_status s);
/* Sets an error response from c->err (or rc with a generic message). */
void api_fail(struct api_ctx *c, enum tdm_status rc);
/* Sets a response: status and body (steals the reference). */
void api_reply(struct api_ctx *c, int status, json_t *body);

/* Parses the body as a JSON object, checks content type and depth, and that
 * every key is in `allowed` (NULL-terminated). Returns the object (caller
 * decrefs) or NULL with the error response set. */
json_t *api_body(struct api_ctx *c, const char *const allowed[]);

/* Field readers. Each returns TDM_OK, or sets c->err and returns the status.
 * A missing optional field leaves dst empty. */
enum tdm_status api_str(struct api_ctx *c, json_t *o, const char *key, int required,
			size_t maxlen, char *dst, size_t dstsz);
enum tdm_status api_date(struct api_ctx *c, json_t *o, const char *key, int required,
			 char *dst);
/* A body that is only {"reason": "..."} (required, at most TDM_LEN_REASON):
 * 1 with reason filled, or 0 with the error response already set. */
int api_reason_body(struct api_ctx *c, char reason[TDM_LEN_REASON + 1]);
/* A JSON number (finite); *has (may be NULL) says whether it was given. */
enum tdm_status api_number(struct api_ctx *c, json_t *o, const char *key, int required, double *out,
			   int *has);
/* A whole number in [lo, hi]; 0 when absent and optional. */
enum tdm_status api_int(struct api_ctx *c, json_t *o, const char *key, int required, int lo, int hi,
			int *out);
/* true/false; 0 when absent. */
enum tdm_status api_bool(struct api_ctx *c, json_t *o, const char *key, int *out);
/* Query string: value or NULL. */
const char *api_query(const struct api_ctx *c, const char *key);
/* Checks query keys against allowed (NULL-terminated); sets error if not. */
enum tdm_status api_query_only(struct api_ctx *c, const char *const allowed[]);
/* limit/offset from the query string with caps. */
enum tdm_status api_page(struct api_ctx *c, int *limit, int *offset);
/* A positive integer query parameter (0 when absent). */
enum tdm_status api_query_id(struct api_ctx *c, const char *key, int64_t *out);

/* A JSON string or null for "". */
json_t *api_text(const char *s);
/* {"items": [...], "total": n, "limit": l, "offset": o} */
json_t *api_page_json(json_t *items, int64_t total, int limit, int offset);

/* Handlers, by resource family. */
void api_health(struct api_ctx *c);
void api_session_create(struct api_ctx *c);
void api_session_delete(struct api_ctx *c);
void api_me(struct api_ctx *c);
void api_levels(struct api_ctx *c);
void api_sites(struct api_ctx *c);
void api_patient_create(struct api_ctx *c);
void api_patient_list(struct api_ctx *c);
void api_patient_get(struct api_ctx *c);
void api_patient_update(struct api_ctx *c);
void api_diagnosis_create(struct api_ctx *c);
void api_diagnosis_list(struct api_ctx *c);
void api_diagnosis_status(struct api_ctx *c);
void api_episode_create(struct api_ctx *c);
void api_episode_list(struct api_ctx *c);
void api_episode_get(struct api_ctx *c);
void api_placement_create(struct api_ctx *c);
void api_episode_discharge(struct api_ctx *c);
void api_census(struct api_ctx *c);
void api_census_daily(struct api_ctx *c);
void api_audit_list(struct api_ctx *c);
void api_instrument_list(struct api_ctx *c);
void api_instrument_get(struct api_ctx *c);
void api_assessment_create(struct api_ctx *c);
void api_assessment_list(struct api_ctx *c);
void api_trends(struct api_ctx *c);
void api_flowsheet(struct api_ctx *c);
void api_alert_inbox(struct api_ctx *c);
void api_patient_alerts(struct api_ctx *c);
void api_alert_ack(struct api_ctx *c);
void api_schedule_create(struct api_ctx *c);
void api_schedule_list(struct api_ctx *c);
void api_schedule_stop(struct api_ctx *c);
void api_due(struct api_ctx *c);
void api_checkin_create(struct api_ctx *c);
void api_checkin_get(struct api_ctx *c);
void api_checkin_submit(struct api_ctx *c);
void api_allergy_create(struct api_ctx *c);
void api_allergy_list(struct api_ctx *c);
void api_allergy_status(struct api_ctx *c);
void api_result_create(struct api_ctx *c);
void api_result_list(struct api_ctx *c);
void api_result_void(struct api_ctx *c);
void api_formulary_list(struct api_ctx *c);
void api_formulary_get(struct api_ctx *c);
void api_takehome_eligibility(struct api_ctx *c);
void api_takehome_decide(struct api_ctx *c);
void api_takehome_education(struct api_ctx *c);
void api_diversion_create(struct api_ctx *c);
void api_takehome_list(struct api_ctx *c);
void api_takehome_return(struct api_ctx *c);
void api_monitoring_patient(struct api_ctx *c);
void api_monitoring_list(struct api_ctx *c);
void api_order_list(struct api_ctx *c);
void api_order_create(struct api_ctx *c);
void api_order_get(struct api_ctx *c);
void api_order_event(struct api_ctx *c);
void api_titration_create(struct api_ctx *c);
void api_titration_pause(struct api_ctx *c);
void api_titration_resume(struct api_ctx *c);
void api_admin_create(struct api_ctx *c);
void api_admin_void(struct api_ctx *c);
void api_mar(struct api_ctx *c);
void api_dosing(struct api_ctx *c);
void api_staff(struct api_ctx *c);
/* treatment plans (api_plan.c) */
void api_plan_list(struct api_ctx *c);
void api_plan_create(struct api_ctx *c);
void api_plan_due(struct api_ctx *c);
void api_plan_get(struct api_ctx *c);
void api_plan_versions(struct api_ctx *c);
void api_plan_version_get(struct api_ctx *c);
void api_plan_change(struct api_ctx *c);
void api_plan_review(struct api_ctx *c);
void api_plan_sign(struct api_ctx *c);

/* therapy: sessions, series, attendance, triggers (api_therapy.c); notes (api_notes.c) */
void api_therapy_session_list(struct api_ctx *c);
void api_therapy_session_create(struct api_ctx *c);
void api_therapy_session_get(struct api_ctx *c);
void api_therapy_session_cancel(struct api_ctx *c);
void api_attendance_put(struct api_ctx *c);
void api_patient_sessions(struct api_ctx *c);
void api_series_create(struct api_ctx *c);
void api_series_get(struct api_ctx *c);
void api_series_roster(struct api_ctx *c);
void api_note_create(struct api_ctx *c);
void api_note_list(struct api_ctx *c);
void api_note_pending(struct api_ctx *c);
void api_note_get(struct api_ctx *c);
void api_note_update(struct api_ctx *c);
void api_note_sign(struct api_ctx *c);
void api_note_cosign(struct api_ctx *c);
void api_note_addendum(struct api_ctx *c);
void api_pnote_list(struct api_ctx *c);
void api_pnote_create(struct api_ctx *c);
void api_pnote_get(struct api_ctx *c);
void api_trigger_list(struct api_ctx *c);
void api_trigger_create(struct api_ctx *c);
void api_coping_create(struct api_ctx *c);
void api_coping_rate(struct api_ctx *c);
void api_warning_sign_create(struct api_ctx *c);
void api_contact_create(struct api_ctx *c);
void api_relapse_retire(struct api_ctx *c);
void api_relapse_plan(struct api_ctx *c);

#endif
