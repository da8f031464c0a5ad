/*
 * api_clinical.c - diagnoses, episodes and placements, census, audit trail.
 */
#include "api/api.h"
#include "domain/audit.h"
#include "domain/census.h"
#include "domain/diagnosis.h"
#include "domain/episode.h"
#include "domain/level.h"
#include "util/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- diagnoses ---- */

static json_t *dx_json(const struct diagnosis *d)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:o, s:s, s:o, s:o, s:s, s:s}",
			      "id", (json_int_t)d->id, "patient_id", (json_int_t)d->patient_id,
			      "code", d->cls.code, "category",
			      d->cls.category ? icd10_category_name(d->cls.category) : "unclassified",
			      "onset_date", api_text(d->onset_date), "status", d->status,
			      "status_on", api_text(d->status_on), "note", api_text(d->note),
			      "recorded_at", d->recorded_at, "recorded_by", d->recorded_by);
	if (!o)
		return NULL;
	if (d->cls.category == ICD10_SUBSTANCE_USE) {
		json_object_set_new(o, "substance", json_string(d->cls.substance));
		json_object_set_new(o, "pattern", json_string(d->cls.pattern));
		json_object_set_new(o, "in_remission", json_boolean(d->cls.in_remission));
	}
	json_object_set_new(o, "resolved_on",
			    !strcmp(d->status, "resolved") ? json_string(d->status_on) : json_null());
	json_object_set_new(o, "status_reason", api_text(d->status_reason));
	char title[ICD10_TITLE_LEN];
	title[0] = '\0';
	if (d->cls.category)
		icd10_title(&d->cls, title, sizeof title);
	json_object_set_new(o, "title", api_text(title));
	return o;
}

void api_diagnosis_create(struct api_ctx *c)
{
	static const char *const fields[] = {"code", "onset_date", "note", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	struct diagnosis d;
	memset(&d, 0, sizeof d);
	char code[32];
	enum tdm_status rc = api_str(c, o, "code", 1, 16, code, sizeof code);
	if (!rc)
		rc = api_date(c, o, "onset_date", 0, d.onset_date);
	if (!rc)
		rc = api_str(c, o, "note", 0, TDM_LEN_REASON, d.note, sizeof d.note);
	json_decref(o);
	if (!rc && strlen(code) >= sizeof d.cls.code)
		rc = tdm_fail(&c->err, TDM_EINVAL, "code", "'%s' is not an ICD-10-CM code", code);
	if (!rc) {
		snprintf(d.cls.code, sizeof d.cls.code, "%s", code);
		rc = diagnosis_add(c->db, &c->actor, c->ids[0], &d, &c->err);
	}
	if (rc) {
		api_fail(c, rc);
		return;
	}
	api_reply(c, 201, dx_json(&d));
}

void api_diagnosis_list(struct api_ctx *c)
{
	struct diagnosis *rows = NULL;
	int n = 0;
	enum tdm_status rc = diagnosis_list(c->db, &c->actor, c->ids[0], &rows, &n, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *items = json_array();
	for (int i = 0; items && i < n; i++)
		json_array_append_new(items, dx_json(&rows[i]));
	free(rows);
	api_reply(c, 200, api_page_json(items, n, n, 0));
}

void api_diagnosis_status(struct api_ctx *c)
{
	static const char *const fields[] = {"status", "effective_on", "reason", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	char status[24], on[DATE_LEN], reason[TDM_LEN_REASON + 1];
	enum tdm_status rc = api_str(c, o, "status", 1, 20, status, sizeof status);
	if (!rc)
		rc = api_date(c, o, "effective_on", 0, on);
	if (!rc)
		rc = api_str(c, o, "reason", 1, TDM_LEN_REASON, reason, sizeof reason);
	json_decref(o);
	struct diagnosis d;
	if (!rc)
		rc = diagnosis_set_status(c->db, &c->actor, c->ids[0], status, on, reason, &d, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	api_reply(c, 200, dx_json(&d));
}

/* ---- episodes ---- */

static json_t *episode_json(const struct episode *e)
{
	json_t *pl = json_array();
	for (int i = 0; pl && i < e->n_placements; i++) {
		const struct placement *p = &e->placements[i];
		json_array_append_new(pl, json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s}",
			"id", (json_int_t)p->id, "level", p->level, "asam_level", p->asam_level,
			"asam_edition", p->asam_edition, "started_on", p->started_on,
			"ended_on", api_text(p->ended_on), "reason", p->reason,
			"recorded_at", p->recorded_at, "recorded_by", p->recorded_by));
	}
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:o, s:o, s:s, s:s, s:o}",
			      "id", (json_int_t)e->id, "patient_id", (json_int_t)e->patient_id,
			      "status", e->discharged_on[0] ? "discharged" : "open",
			      "admitted_on", e->admitted_on, "level", api_text(e->level),
			      "discharged_on", api_text(e->discharged_on), "recorded_at",
			      e->recorded_at, "recorded_by", e->recorded_by, "placements", pl);
	if (o && e->discharged_on[0]) {
		json_object_set_new(o, "discharge_reason", json_string(e->discharge_reason));
		json_object_set_new(o, "discharge_note", api_text(e->discharge_note));
	}
	return o;
}

static void reply_episode(struct api_ctx *c, enum tdm_status rc, int status, struct episode *e)
{
	if (rc)
		api_fail(c, rc);
	else
		api_reply(c, status, episode_json(e));
	episode_release(e);
}

/* The body of an admission or a transition: a level of care, an optional
 * ASAM level, the date under date_field, and a reason. */
struct move {
	char level[32], asam[16], on[DATE_LEN], reason[TDM_LEN_REASON + 1];
};

static enum tdm_status read_move(struct api_ctx *c, const char *date_field, int reason_required,
				 struct move *m)
{
	const char *const fields[] = {"level", "asam_level", date_field, "reason", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return c->err.code ? c->err.code : TDM_EBADJSON;
	enum tdm_status rc = api_str(c, o, "level", 1, 16, m->level, sizeof m->level);
	if (!rc)
		rc = api_str(c, o, "asam_level", 0, 11, m->asam, sizeof m->asam);
	if (!rc)
		rc = api_date(c, o, date_field, 0, m->on);
	if (!rc)
		rc = api_str(c, o, "reason", reason_required, TDM_LEN_REASON, m->reason, sizeof m->reason);
	json_decref(o);
	if (rc)
		api_fail(c, rc);
	return rc;
}

void api_episode_create(struct api_ctx *c)
{
	struct move m;
	struct episode e = {0};
	if (read_move(c, "admitted_on", 0, &m))
		return;
	enum tdm_status rc = episode_admit(c->db, &c->actor, c->ids[0], m.level, m.asam, m.on, m.reason,
					   &e, &c->err);
	reply_episode(c, rc, 201, &e);
}

void api_placement_create(struct api_ctx *c)
{
	struct move m;
	struct episode e = {0};
	if (read_move(c, "started_on", 1, &m))
		return;
	enum tdm_status rc = episode_place(c->db, &c->actor, c->ids[0], m.level, m.asam, m.on, m.reason,
					   &e, &c->err);
	reply_episode(c, rc, 201, &e);
}

void api_episode_discharge(struct api_ctx *c)
{
	static const char *const fields[] = {"discharged_on", "reason", "note", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	char on[DATE_LEN], reason[32], note[TDM_LEN_REASON + 1];
	enum tdm_status rc = api_date(c, o, "discharged_on", 0, on);
	if (!rc)
		rc = api_str(c, o, "reason", 1, 24, reason, sizeof reason);
	if (!rc)
		rc = api_str(c, o, "note", 0, TDM_LEN_REASON, note, sizeof note);
	json_decref(o);
	struct episode e = {0};
	if (!rc)
		rc = episode_discharge(c->db, &c->actor, c->ids[0], on, reason, note, &e, &c->err);
	reply_episode(c, rc, 200, &e);
}

void api_episode_get(struct api_ctx *c)
{
	struct episode e = {0};
	enum tdm_status rc = episode_get(c->db, &c->actor, c->ids[0], &e, &c->err);
	reply_episode(c, rc, 200, &e);
}

void api_episode_list(struct api_ctx *c)
{
	struct episode *rows = NULL;
	int n = 0;
	enum tdm_status rc = episode_list(c->db, &c->actor, c->ids[0], &rows, &n, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *items = json_array();
	for (int i = 0; i < n; i++) {
		if (items)
			json_array_append_new(items, episode_json(&rows[i]));
		episode_release(&rows[i]);
	}
	free(rows);
	api_reply(c, 200, api_page_json(items, n, n, 0));
}

/* ---- census ---- */

void api_census(struct api_ctx *c)
{
	static const char *const params[] = {"site", NULL};
	struct census cs;
	int64_t site = 0;
	enum tdm_status rc = api_query_only(c, params);
	if (!rc)
		rc = api_query_id(c, "site", &site);
	if (!rc)
		rc = census_get(c->db, c->replica, &c->actor, site, &cs, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *levels = json_array();
	for (int i = 0; levels && i < cs.n_levels; i++)
		json_array_append_new(levels, json_pack("{s:s, s:s, s:I}", "level", cs.levels[i].level,
							"label", cs.levels[i].label, "patients",
							(json_int_t)cs.levels[i].patients));
	api_reply(c, 200, json_pack("{s:s, s:s, s:o, s:I, s:o, s:{s:I, s:I}, s:s}", "as_of", cs.as_of,
				    "time_zone", date_zone(), "site",
				    site ? json_integer(site) : json_null(), "total",
				    (json_int_t)cs.total, "levels", levels, "last_30_days",
				    "admissions", (json_int_t)cs.admissions_30d, "discharges",
				    (json_int_t)cs.discharges_30d, "source",
				    cs.from_replica ? "replica" : "primary"));
}

void api_census_daily(struct api_ctx *c)
{
	static const char *const params[] = {"site", "days", NULL};
	int64_t site = 0, days = 30;
	enum tdm_status rc = api_query_only(c, params);
	if (!rc)
		rc = api_query_id(c, "site", &site);
	if (!rc && api_query(c, "days")) {
		rc = api_query_id(c, "days", &days);
		if (!rc && days > CENSUS_MAX_DAYS)
			rc = tdm_fail(&c->err, TDM_EINVAL, "days", "days must be 1 to %d", CENSUS_MAX_DAYS);
	}
	struct census_daily *d = NULL;
	if (!rc && !(d = malloc(sizeof *d)))
		rc = tdm_fail(&c->err, TDM_ENOMEM, NULL, "out of memory");
	if (!rc)
		rc = census_daily(c->db, c->replica, &c->actor, site, (int)days, d, &c->err);
	if (rc) {
		free(d);
		api_fail(c, rc);
		return;
	}
	json_t *arr = json_array();
	for (int i = 0; arr && i < d->n_days; i++)
		json_array_append_new(arr, json_pack("{s:s, s:I, s:I, s:I}", "date", d->days[i].date,
						     "admissions", (json_int_t)d->days[i].admissions,
						     "discharges", (json_int_t)d->days[i].discharges,
						     "in_care", (json_int_t)d->days[i].in_care));
	api_reply(c, 200, json_pack("{s:s, s:s, s:o, s:o, s:s}", "as_of", d->as_of, "time_zone",
				    date_zone(), "site", site ? json_integer(site) : json_null(),
				    "days", arr, "source", d->from_replica ? "replica" : "primary"));
	free(d);
}

/* ---- audit ---- */

void api_audit_list(struct api_ctx *c)
{
	static const char *const params[] = {"patient", "mrn", "limit", "offset", NULL};
	int64_t patient = 0;
	int limit, offset;
	const char *mrn = api_query(c, "mrn");
	enum tdm_status rc = api_query_only(c, params);
	if (!rc)
		rc = api_query_id(c, "patient", &patient);
	if (!rc && mrn && patient)
		rc = tdm_fail(&c->err, TDM_EINVAL, "mrn", "give patient or mrn, not both");
	if (!rc && mrn)
		rc = audit_patient_by_mrn(c->db, mrn, &patient, &c->err);
	if (!rc)
		rc = api_page(c, &limit, &offset);
	struct audit_row *rows = NULL;
	int n = 0;
	int64_t total = 0;
	if (!rc)
		rc = audit_list(c->db, &c->actor, patient, limit, offset, &rows, &n, &total, &c->err);
	if (rc == TDM_ENOTFOUND && mrn) /* never reveal the id behind an MRN */
		tdm_fail(&c->err, TDM_ENOTFOUND, "mrn", "no patient with that MRN");
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *items = json_array();
	for (int i = 0; items && i < n; i++) {
		struct audit_row *r = &rows[i];
		json_array_append_new(items, json_pack(
			"{s:I, s:s, s:I, s:s, s:s, s:o, s:s, s:o, s:s, s:o, s:s, s:s, s:s, s:o}",
			"seq", (json_int_t)r->seq, "at", r->at, "user_id", (json_int_t)r->user_id,
			"username", r->username, "roles", r->roles,
			"site_id", r->site_id ? json_integer(r->site_id) : json_null(),
			"action", r->action,
			"patient_id", r->patient_id ? json_integer(r->patient_id) : json_null(),
			"object_type", r->object_type, "object_id", api_text(r->object_id),
			"outcome", r->outcome, "client_addr", r->client_addr, "request_id",
			r->request_id, "detail", api_text(r->detail)));
	}
	free(rows);
	api_reply(c, 200, api_page_json(items, total, limit, offset));
}
