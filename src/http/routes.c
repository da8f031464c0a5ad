/*
 * routes.c - every route, with the roles allowed to call it on the same line.
 *
 * The router refuses a user who holds none of the listed roles at any site
 * (403); the domain then checks the role at the record's own site.
 */
#include "http/http.h"
#include "domain/account.h"
#include "domain/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define A ROLE_ADMIN
#define P ROLE_PRESCRIBER
#define N ROLE_NURSE
#define T ROLE_THERAPIST
#define I ROLE_INTAKE
#define U ROLE_AUDITOR

const struct route routes[] = {
	{"GET",    "/healthz",                          api_health,            0, ROUTE_PUBLIC},
	{"POST",   "/api/v1/session",                   api_session_create,    0, ROUTE_PUBLIC},
	{"DELETE", "/api/v1/session",                   api_session_delete,    A|P|N|T|I|U, 0},
	{"GET",    "/api/v1/me",                        api_me,                A|P|N|T|I|U, 0},
	{"GET",    "/api/v1/sites",                     api_sites,             A|P|N|T|I|U, 0},
	{"GET",    "/api/v1/levels",                    api_levels,            A|P|N|T|I|U, 0},
	{"GET",    "/api/v1/staff",                     api_staff,             A|P|N|T, 0},
	{"GET",    "/api/v1/patients",                  api_patient_list,      A|P|N|T|I, 0},
	{"POST",   "/api/v1/patients",                  api_patient_create,    A|I, 0},
	{"GET",    "/api/v1/patients/{id}",             api_patient_get,       A|P|N|T|I, 0},
	{"PATCH",  "/api/v1/patients/{id}",             api_patient_update,    A|I, 0},
	{"GET",    "/api/v1/patients/{id}/diagnoses",   api_diagnosis_list,    A|P|N|T|I, 0},
	{"POST",   "/api/v1/patients/{id}/diagnoses",   api_diagnosis_create,  A|P|T, 0},
	{"POST",   "/api/v1/diagnoses/{id}/status",     api_diagnosis_status,  A|P|T, 0},
	{"GET",    "/api/v1/patients/{id}/episodes",    api_episode_list,      A|P|N|T|I, 0},
	{"POST",   "/api/v1/patients/{id}/episodes",    api_episode_create,    A|P|T|I, 0},
	{"GET",    "/api/v1/episodes/{id}",             api_episode_get,       A|P|N|T|I, 0},
	{"POST",   "/api/v1/episodes/{id}/placements",  api_placement_create,  A|P|T|I, 0},
	{"POST",   "/api/v1/episodes/{id}/discharge",   api_episode_discharge, A|P|T|I, 0},
	{"GET",    "/api/v1/census",                    api_census,            A|P|N|T|I, 0},
	{"GET",    "/api/v1/census/daily",              api_census_daily,      A|P|N|T|I, 0},
	{"GET",    "/api/v1/audit",                     api_audit_list,        A|U, 0},
	{"GET",    "/api/v1/instruments",               api_instrument_list,   A|P|N|T|I, 0},
	{"GET",    "/api/v1/instruments/{code}",        api_instrument_get,    A|P|N|T|I, 0},
	{"GET",    "/api/v1/patients/{id}/assessments", api_assessment_list,   A|P|N|T|I, 0},
	{"POST",   "/api/v1/patients/{id}/assessments", api_assessment_create, A|P|N|T|I, 0},
	{"GET",    "/api/v1/patients/{id}/trends",      api_trends,            A|P|N|T, 0},
	{"GET",    "/api/v1/patients/{id}/flowsheet",   api_flowsheet,         A|P|N|T, 0},
	{"GET",    "/api/v1/patients/{id}/alerts",      api_patient_alerts,    A|P|N|T, 0},
	{"GET",    "/api/v1/alerts",                    api_alert_inbox,       A|P|N|T, 0},
	{"POST",   "/api/v1/alerts/{id}/ack",           api_alert_ack,         A|P|N|T, 0},
	{"GET",    "/api/v1/patients/{id}/schedules",   api_schedule_list,     A|P|N|T, 0},
	{"POST",   "/api/v1/patients/{id}/schedules",   api_schedule_create,   A|P|T, 0},
	{"POST",   "/api/v1/schedules/{id}/stop",       api_schedule_stop,     A|P|T, 0},
	{"GET",    "/api/v1/due",                       api_due,               A|P|N|T, 0},
	{"POST",   "/api/v1/patients/{id}/checkins",    api_checkin_create,    A|P|N|T|I, 0},
	{"GET",    "/api/v1/patients/{id}/allergies",   api_allergy_list,      A|P|N|T|I, 0},
	{"POST",   "/api/v1/patients/{id}/allergies",   api_allergy_create,    A|P|N|I, 0},
	{"POST",   "/api/v1/allergies/{id}/status",     api_allergy_status,    A|P|N, 0},
	{"GET",    "/api/v1/patients/{id}/results",     api_result_list,       A|P|N|T, 0},
	{"POST",   "/api/v1/patients/{id}/results",     api_result_create,     A|P|N, 0},
	{"POST",   "/api/v1/results/{id}/void",         api_result_void,       A|P|N, 0},
	{"GET",    "/api/v1/formulary",                 api_formulary_list,    A|P|N|T|I, 0},
	{"GET",    "/api/v1/formulary/{code}",          api_formulary_get,     A|P|N|T|I, 0},
	{"GET",    "/api/v1/patients/{id}/take-homes/eligibility", api_takehome_eligibility, A|P|N, 0},
	{"POST",   "/api/v1/patients/{id}/take-homes/decisions", api_takehome_decide, P, 0},
	{"POST",   "/api/v1/patients/{id}/take-homes/education", api_takehome_education, A|P|N, 0},
	{"POST",   "/api/v1/patients/{id}/diversions",  api_diversion_create,  A|P|N, 0},
	{"GET",    "/api/v1/patients/{id}/take-homes",  api_takehome_list,     A|P|N, 0},
	{"POST",   "/api/v1/take-homes/{id}/returns",   api_takehome_return,   A|P|N, 0},
	{"GET",    "/api/v1/patients/{id}/monitoring",  api_monitoring_patient, A|P|N|T, 0},
	{"GET",    "/api/v1/monitoring",                api_monitoring_list,   A|P|N, 0},
	{"GET",    "/api/v1/patients/{id}/orders",      api_order_list,        A|P|N|T, 0},
	{"POST",   "/api/v1/patients/{id}/orders",      api_order_create,      P, 0},
	{"GET",    "/api/v1/orders/{id}",               api_order_get,         A|P|N|T, 0},
	{"POST",   "/api/v1/orders/{id}/events",        api_order_event,       P, 0},
	{"POST",   "/api/v1/orders/{id}/titration",     api_titration_create,  P, 0},
	{"POST",   "/api/v1/orders/{id}/titration/pause", api_titration_pause, P, 0},
	{"POST",   "/api/v1/orders/{id}/titration/resume", api_titration_resume, P, 0},
	{"POST",   "/api/v1/orders/{id}/administrations", api_admin_create,    A|P|N, 0},
	{"POST",   "/api/v1/administrations/{id}/void", api_admin_void,        A|P|N, 0},
	{"GET",    "/api/v1/patients/{id}/mar",         api_mar,               A|P|N|T, 0},
	{"GET",    "/api/v1/dosing",                    api_dosing,            A|P|N, 0},
	/* treatment plans: read A P N T, write P T */
	{"GET",    "/api/v1/patients/{id}/plans",       api_plan_list,         A|P|N|T, 0},
	{"POST",   "/api/v1/patients/{id}/plans",       api_plan_create,       P|T, 0},
	{"GET",    "/api/v1/plans/due",                 api_plan_due,          A|P|N|T, 0},
	{"GET",    "/api/v1/plans/{id}",                api_plan_get,          A|P|N|T, 0},
	{"GET",    "/api/v1/plans/{id}/versions",       api_plan_versions,     A|P|N|T, 0},
	{"GET",    "/api/v1/plans/{id}/versions/{id}",  api_plan_version_get,  A|P|N|T, 0},
	{"POST",   "/api/v1/plans/{id}/versions",       api_plan_change,       P|T, 0},
	{"POST",   "/api/v1/plans/{id}/reviews",        api_plan_review,       P|T, 0},
	{"POST",   "/api/v1/plans/{id}/sign",           api_plan_sign,         P|T, 0},
	/* therapy: sessions and attendance A P N T; progress notes written by
	 * P T and read by A P N T; psychotherapy notes P T (author only);
	 * triggers and coping skills A P N T */
	{"GET",    "/api/v1/sessions",                  api_therapy_session_list, A|P|N|T, 0},
	{"POST",   "/api/v1/sessions",                  api_therapy_session_create, A|P|N|T, 0},
	{"GET",    "/api/v1/sessions/{id}",             api_therapy_session_get, A|P|N|T, 0},
	{"POST",   "/api/v1/sessions/{id}/cancel",      api_therapy_session_cancel, A|P|N|T, 0},
	{"PUT",    "/api/v1/sessions/{id}/attendance/{id}", api_attendance_put, A|P|N|T, 0},
	{"GET",    "/api/v1/patients/{id}/sessions",    api_patient_sessions,  A|P|N|T, 0},
	{"POST",   "/api/v1/session-series",            api_series_create,     A|P|N|T, 0},
	{"GET",    "/api/v1/session-series/{id}",       api_series_get,        A|P|N|T, 0},
	{"PUT",    "/api/v1/session-series/{id}/roster", api_series_roster,    A|P|N|T, 0},
	{"POST",   "/api/v1/sessions/{id}/notes",       api_note_create,       P|T, 0},
	{"GET",    "/api/v1/patients/{id}/notes",       api_note_list,         A|P|N|T, 0},
	{"GET",    "/api/v1/notes/unsigned",            api_note_pending,      P|T, 0},
	{"GET",    "/api/v1/notes/{id}",                api_note_get,          A|P|N|T, 0},
	{"PUT",    "/api/v1/notes/{id}",                api_note_update,       P|T, 0},
	{"POST",   "/api/v1/notes/{id}/sign",           api_note_sign,         P|T, 0},
	{"POST",   "/api/v1/notes/{id}/cosign",         api_note_cosign,       P|T, 0},
	{"POST",   "/api/v1/notes/{id}/addenda",        api_note_addendum,     P|T, 0},
	{"GET",    "/api/v1/patients/{id}/psychotherapy-notes", api_pnote_list, P|T, 0},
	{"POST",   "/api/v1/patients/{id}/psychotherapy-notes", api_pnote_create, P|T, 0},
	{"GET",    "/api/v1/psychotherapy-notes/{id}",  api_pnote_get,         P|T, 0},
	{"GET",    "/api/v1/patients/{id}/triggers",    api_trigger_list,      A|P|N|T, 0},
	{"POST",   "/api/v1/patients/{id}/triggers",    api_trigger_create,    A|P|N|T, 0},
	{"POST",   "/api/v1/patients/{id}/coping-strategies", api_coping_create, A|P|N|T, 0},
	{"POST",   "/api/v1/coping-strategies/{id}/ratings", api_coping_rate,  A|P|N|T, 0},
	{"POST",   "/api/v1/patients/{id}/warning-signs", api_warning_sign_create, A|P|N|T, 0},
	{"POST",   "/api/v1/patients/{id}/support-contacts", api_contact_create, A|P|N|T, 0},
	{"POST",   "/api/v1/patients/{id}/relapse-prevention/retire", api_relapse_retire, A|P|N|T, 0},
	{"GET",    "/api/v1/patients/{id}/relapse-prevention", api_relapse_plan, A|P|N|T, 0},
	{"GET",    "/api/v1/checkin/{code}",            api_checkin_get,       0, ROUTE_PUBLIC},
	{"POST",   "/api/v1/checkin/{code}",            api_checkin_submit,    0, ROUTE_PUBLIC},
	{NULL, NULL, NULL, 0, 0},
};

/* Matches one path against a pattern; fills ids and one {code} segment
 * ([A-Za-z0-9_-], 1 to API_MAX_CODE characters). */
static int match(const char *pat, const char *path, int64_t *ids, int *n_ids, char *code)
{
	*n_ids = 0;
	while (*pat && *path) {
		if (!strncmp(pat, "{code}", 6)) {
			size_t n = 0;
			while ((path[n] >= 'a' && path[n] <= 'z') || (path[n] >= 'A' && path[n] <= 'Z') ||
			       (path[n] >= '0' && path[n] <= '9') || path[n] == '-' || path[n] == '_')
				n++;
			if (!n || n > API_MAX_CODE)
				return 0;
			memcpy(code, path, n);
			code[n] = '\0';
			path += n;
			pat += 6;
			continue;
		}
		if (!strncmp(pat, "{id}", 4)) {
			int64_t v = 0;
			int digits = 0;
			if (*path == '0')
				return 0;
			while (*path >= '0' && *path <= '9') {
				if (++digits > 15)
					return 0;
				v = v * 10 + (*path++ - '0');
			}
			if (!digits || *n_ids == API_MAX_IDS)
				return 0;
			ids[(*n_ids)++] = v;
			pat += 4;
			continue;
		}
		if (*pat++ != *path++)
			return 0;
	}
	return !*pat && !*path;
}

const struct route *route_match(const char *method, const char *path, struct api_ctx *c,
				int *status_out, char *allow, size_t allow_len)
{
	const struct route *found = NULL;
	int path_seen = 0;
	allow[0] = '\0';
	for (const struct route *r = routes; r->method; r++) {
		int64_t ids[API_MAX_IDS];
		int n;
		char code[API_MAX_CODE + 1] = "";
		if (!match(r->pattern, path, ids, &n, code))
			continue;
		path_seen = 1;
		size_t used = strlen(allow);
		snprintf(allow + used, allow_len - used, "%s%s", used ? ", " : "", r->method);
		if (!found && !strcmp(r->method, method)) {
			found = r;
			memcpy(c->ids, ids, sizeof ids);
			c->n_ids = n;
			memcpy(c->code, code, sizeof code);
		}
	}
	*status_out = found ? 200 : path_seen ? 405 : 404;
	return found;
}

void route_dispatch(struct api_ctx *c)
{
	char allow[64];
	int status;
	const struct route *r = route_match(c->method, c->path, c, &status, allow, sizeof allow);
	c->route = r ? (int)(r - routes) : -1;
	if (!r) {
		if (status == 405) {
			tdm_fail(&c->err, TDM_EMETHOD, NULL, "%s is not allowed here; allowed: %s",
				 c->method, allow);
			api_fail(c, TDM_EMETHOD);
		} else {
			tdm_fail(&c->err, TDM_ENOTFOUND, NULL, "no such route: %.100s", c->path);
			api_fail(c, TDM_ENOTFOUND);
		}
		return;
	}
	if (!(r->flags & ROUTE_PUBLIC)) {
		char addr[64], rid[40];
		memcpy(addr, c->actor.addr, sizeof addr);
		memcpy(rid, c->actor.request_id, sizeof rid);
		if (!c->token) {
			tdm_fail(&c->err, TDM_EUNAUTH, NULL,
				 "log in first: send Authorization: Bearer <token> from POST /api/v1/session");
			api_fail(c, TDM_EUNAUTH);
			return;
		}
		enum tdm_status rc = account_authenticate(c->db, c->token, &c->actor, &c->err);
		memcpy(c->actor.addr, addr, sizeof addr);
		memcpy(c->actor.request_id, rid, sizeof rid);
		if (rc) {
			api_fail(c, rc);
			return;
		}
		if (!(access_roles_any(&c->actor) & r->roles)) {
			char need[96];
			role_names(r->roles, need, sizeof need);
			tdm_fail(&c->err, TDM_EFORBIDDEN, NULL, "this needs one of the roles: %s", need);
			/* Refusals are part of the trail too. */
			struct audit_event ev = {.action = "route.denied", .object_type = "Route"};
			snprintf(ev.detail, sizeof ev.detail, "%s %.200s", r->method, r->pattern);
			if (db_begin(c->db, DB_WRITE, &c->err) == TDM_OK)
				audit_finish(c->db, &c->actor, TDM_EFORBIDDEN, &ev, &c->err);
			api_fail(c, TDM_EFORBIDDEN);
			return;
		}
		c->actor.route_roles = r->roles;
	}
	r->fn(c);
}
