/*
 * api_plan.c - treatment plans: create, change, review, sign, read
 * versions, and the clinic's reviews due (domain/plan.h).
 */
#include "api/api.h"
#include "domain/formulary.h"
#include "domain/plan.h"
#include "util/date.h"
#include "util/limits.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- rendering ---- */

static json_t *progress_json(const struct plan_objective *o)
{
	const struct plan_progress *g = &o->progress;
	if (!g->computed)
		return json_null();
	json_t *x = json_pack("{s:o, s:b, s:o}", "current", g->known ? json_real(g->current) : json_null(), "met",
			      g->met, "as_of", api_text(g->as_of));
	if (x && !strcmp(o->measure.kind, "instrument") && g->known)
		json_object_set_new(x, "current", json_integer((json_int_t)g->current));
	if (x && !strcmp(o->measure.kind, "negative_screens")) {
		if (g->known)
			json_object_set_new(x, "current", json_integer((json_int_t)g->current));
		json_object_set_new(x, "since", api_text(g->since));
		json_object_set_new(x, "last_positive", api_text(g->last_positive));
		json_object_set_new(x, "screens", json_integer(g->screens));
	}
	return x;
}

static json_t *measure_json(const struct plan_measure *m)
{
	if (!m->kind[0])
		return json_null();
	if (!strcmp(m->kind, "instrument"))
		return json_pack("{s:s, s:s, s:s, s:f}", "kind", m->kind, "instrument", m->instrument, "comparator",
				 m->comparator, "value", m->value);
	return json_pack("{s:s, s:i, s:o}", "kind", m->kind, "weeks", m->weeks, "substance", api_text(m->substance));
}

static json_t *intervention_json(const struct plan_intervention *v)
{
	json_t *x = json_pack("{s:s, s:s, s:o, s:o}", "id", v->key, "kind", v->kind, "responsible",
			      api_text(v->responsible), "description", api_text(v->description));
	if (!x)
		return NULL;
	if (!strcmp(v->kind, "therapy")) {
		const char *label = plan_modality_label(v->modality);
		json_object_set_new(x, "modality", json_string(v->modality));
		json_object_set_new(x, "modality_label", label ? json_string(label) : json_null());
		json_object_set_new(x, "frequency", json_string(v->frequency));
		return x;
	}
	json_object_set_new(x, "order_id", json_integer((json_int_t)v->order_id));
	if (!v->medication[0]) {
		json_object_set_new(x, "order", json_null());
		return x;
	}
	const struct medication *m = formulary_find(v->medication);
	json_object_set_new(x, "order", json_pack("{s:s, s:s, s:f, s:s, s:s, s:s}", "medication", v->medication,
						  "medication_name", m ? m->name : v->medication, "dose", v->dose,
						  "unit", v->unit, "frequency", v->order_frequency, "status",
						  v->order_status));
	return x;
}

static json_t *problem_json(const struct plan_problem *p)
{
	json_t *ids = json_array(), *dx = json_array(), *goals = json_array(), *ivs = json_array();
	for (int j = 0; ids && dx && j < p->n_diagnoses; j++) {
		const struct plan_dx *d = &p->dx[j];
		json_array_append_new(ids, json_integer((json_int_t)p->diagnosis_ids[j]));
		json_array_append_new(dx, json_pack("{s:I, s:o, s:o, s:o, s:o}", "id", (json_int_t)d->id, "code",
						    api_text(d->code), "title", api_text(d->title), "category",
						    api_text(d->category), "status", api_text(d->status)));
	}
	for (int g = 0; goals && g < p->n_goals; g++) {
		const struct plan_goal *gl = &p->goals[g];
		json_t *objs = json_array();
		for (int o = 0; objs && o < gl->n_objectives; o++) {
			const struct plan_objective *ob = &gl->objectives[o];
			json_array_append_new(objs, json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "id", ob->key, "text",
							      ob->text, "target_date", ob->target_date, "status",
							      ob->status, "measure", measure_json(&ob->measure),
							      "progress", progress_json(ob)));
		}
		json_array_append_new(goals, json_pack("{s:s, s:s, s:o}", "id", gl->key, "text", gl->text,
						       "objectives", objs));
	}
	for (int i = 0; ivs && i < p->n_interventions; i++)
		json_array_append_new(ivs, intervention_json(&p->interventions[i]));
	return json_pack("{s:s, s:s, s:o, s:o, s:b, s:b, s:o, s:o}", "id", p->key, "text", p->text, "diagnosis_ids",
			 ids, "diagnoses", dx, "substance_use", p->substance_use, "mental_health", p->mental_health,
			 "goals", goals, "interventions", ivs);
}

static json_t *signature_json(const struct plan_signature *g)
{
	return json_pack("{s:I, s:i, s:s, s:s, s:o, s:o, s:s, s:s}", "id", (json_int_t)g->id, "version", g->version,
			 "role", g->role, "signed_by", g->signed_by, "method", api_text(g->method), "attestation",
			 api_text(g->attestation), "signed_at", g->signed_at, "recorded_by", g->recorded_by);
}

/* Signatures of a version and the roles still to sign it. */
static void add_signatures(json_t *o, const struct plan_version_info *v)
{
	json_t *sigs = json_array(), *missing = json_array();
	int clinician = 0, patient = 0;
	for (int i = 0; sigs && i < v->n_signatures; i++) {
		json_array_append_new(sigs, signature_json(&v->signatures[i]));
		clinician |= !strcmp(v->signatures[i].role, "clinician");
		patient |= !strcmp(v->signatures[i].role, "patient");
	}
	if (missing && !clinician)
		json_array_append_new(missing, json_string("clinician"));
	if (missing && !patient)
		json_array_append_new(missing, json_string("patient"));
	json_object_set_new(o, "signatures", sigs);
	json_object_set_new(o, "unsigned", missing);
}

static json_t *version_json(const struct plan_version_info *v)
{
	json_t *o = json_pack("{s:i, s:s, s:s, s:o, s:s, s:s, s:i}", "version", v->version, "kind", v->kind,
			      "effective_on", v->effective_on, "note", api_text(v->note), "recorded_at", v->recorded_at,
			      "recorded_by", v->recorded_by, "problems", v->n_problems);
	if (o)
		add_signatures(o, v);
	return o;
}

static json_t *review_json(const struct plan_review *r)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:s}", "level", api_text(r->level), "interval_days",
			 r->interval_days ? json_integer(r->interval_days) : json_null(), "last_review_on",
			 api_text(r->last_review_on), "due_on", api_text(r->due_on), "status", r->status);
}

static json_t *covers_json(int substance, int mental, int dual)
{
	return json_pack("{s:b, s:b, s:b}", "substance_use", substance, "mental_health", mental, "dual_diagnosis",
			 dual);
}

static json_t *plan_json(const struct plan *p)
{
	json_t *problems = json_array();
	for (int i = 0; problems && i < p->doc.n_problems; i++)
		json_array_append_new(problems, problem_json(&p->doc.problems[i]));
	json_t *o = json_pack("{s:I, s:I, s:I, s:s, s:s, s:i, s:i, s:b, s:s, s:s, s:o, s:s, s:s, s:o, s:o, s:o}",
			      "id", (json_int_t)p->id, "patient_id", (json_int_t)p->patient_id, "episode_id",
			      (json_int_t)p->episode_id, "created_at", p->created_at, "created_by", p->created_by,
			      "version", p->v.version, "latest_version", p->latest, "current", p->current, "kind",
			      p->v.kind, "effective_on", p->v.effective_on, "note", api_text(p->v.note), "recorded_at",
			      p->v.recorded_at, "recorded_by", p->v.recorded_by, "problems", problems, "covers",
			      covers_json(p->covers_substance, p->covers_mental, p->covers_dual), "review",
			      review_json(&p->review));
	if (o)
		add_signatures(o, &p->v);
	return o;
}

static json_t *summary_json(const struct plan_summary *s)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:o, s:i, s:s, s:s, s:s, s:s, s:i, s:o, s:o}", "id",
			      (json_int_t)s->id, "episode_id", (json_int_t)s->episode_id, "admitted_on", s->admitted_on,
			      "discharged_on", api_text(s->discharged_on), "version", s->v.version, "kind", s->v.kind,
			      "effective_on", s->v.effective_on, "recorded_at", s->v.recorded_at, "recorded_by",
			      s->v.recorded_by, "problems", s->v.n_problems, "covers",
			      covers_json(s->covers_substance, s->covers_mental, s->covers_dual), "review",
			      review_json(&s->review));
	if (o)
		add_signatures(o, &s->v);
	return o;
}

/* ---- reading requests ---- */

/* The "problems" member as a plan document (*out caller-frees; NULL when
 * absent and not required). */
static enum tdm_status read_doc(struct api_ctx *c, json_t *o, int required, struct plan_doc **out)
{
	json_t *p = json_object_get(o, "problems");
	*out = NULL;
	if (!p || json_is_null(p))
		return required ? tdm_fail(&c->err, TDM_EINVAL, "problems", "problems is required") : TDM_OK;
	json_t *wrap = json_pack("{s:O}", "problems", p);
	char *text = wrap ? json_dumps(wrap, JSON_COMPACT) : NULL;
	json_decref(wrap);
	*out = text ? malloc(sizeof **out) : NULL;
	enum tdm_status rc = *out ? plan_doc_parse(text, strlen(text), *out, &c->err)
				  : tdm_fail(&c->err, TDM_ENOMEM, NULL, "out of memory");
	free(text);
	if (rc) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

static enum tdm_status read_version_no(struct api_ctx *c, json_t *o, int *out)
{
	return api_int(c, o, "version", 1, 1, PLAN_MAX_VERSIONS, out);
}

static void reply_plan(struct api_ctx *c, enum tdm_status rc, int status, struct plan *p)
{
	if (rc)
		api_fail(c, rc);
	else
		api_reply(c, status, plan_json(p));
	free(p);
}

/* ---- handlers ---- */

void api_plan_list(struct api_ctx *c)
{
	static const char *const params[] = {NULL};
	struct plan_summary *rows = NULL;
	int n = 0;
	enum tdm_status rc = api_query_only(c, params);
	if (!rc)
		rc = plan_list(c->db, &c->actor, c->ids[0], &rows, &n, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *items = json_array();
	for (int i = 0; items && i < n; i++)
		json_array_append_new(items, summary_json(&rows[i]));
	free(rows);
	api_reply(c, 200, api_page_json(items, n, n, 0));
}

void api_plan_create(struct api_ctx *c)
{
	static const char *const fields[] = {"episode_id", "effective_on", "note", "problems", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	struct plan_input in;
	struct plan_doc *doc = NULL;
	struct plan *p = NULL;
	int episode = 0;
	memset(&in, 0, sizeof in);
	enum tdm_status rc = api_int(c, o, "episode_id", 0, 1, INT_MAX, &episode);
	if (!rc)
		rc = api_date(c, o, "effective_on", 0, in.effective_on);
	if (!rc)
		rc = api_str(c, o, "note", 0, TDM_LEN_REASON, in.note, sizeof in.note);
	if (!rc)
		rc = read_doc(c, o, 1, &doc);
	json_decref(o);
	in.episode_id = episode;
	in.doc = doc;
	if (!rc)
		rc = plan_create(c->db, &c->actor, c->ids[0], &in, &p, &c->err);
	free(doc);
	reply_plan(c, rc, 201, p);
}

void api_plan_get(struct api_ctx *c)
{
	static const char *const params[] = {NULL};
	struct plan *p = NULL;
	enum tdm_status rc = api_query_only(c, params);
	if (!rc)
		rc = plan_get(c->db, &c->actor, c->ids[0], 0, &p, &c->err);
	reply_plan(c, rc, 200, p);
}

void api_plan_version_get(struct api_ctx *c)
{
	static const char *const params[] = {NULL};
	struct plan *p = NULL;
	enum tdm_status rc = api_query_only(c, params);
	if (!rc && c->ids[1] > PLAN_MAX_VERSIONS)
		rc = tdm_fail(&c->err, TDM_ENOTFOUND, "version", "plan %lld has no version %lld", (long long)c->ids[0],
			      (long long)c->ids[1]);
	if (!rc)
		rc = plan_get(c->db, &c->actor, c->ids[0], (int)c->ids[1], &p, &c->err);
	reply_plan(c, rc, 200, p);
}

void api_plan_versions(struct api_ctx *c)
{
	static const char *const params[] = {NULL};
	struct plan_version_info *rows = NULL;
	int n = 0;
	enum tdm_status rc = api_query_only(c, params);
	if (!rc)
		rc = plan_versions(c->db, &c->actor, c->ids[0], &rows, &n, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *items = json_array();
	for (int i = 0; items && i < n; i++)
		json_array_append_new(items, version_json(&rows[i]));
	free(rows);
	api_reply(c, 200, api_page_json(items, n, n, 0));
}

/* A change (kind "change": problems required) or a review ("review":
 * problems optional). */
static void revise(struct api_ctx *c, const char *kind)
{
	static const char *const fields[] = {"version", "effective_on", "note", "problems", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	struct plan_input in;
	struct plan_doc *doc = NULL;
	struct plan *p = NULL;
	memset(&in, 0, sizeof in);
	enum tdm_status rc = read_version_no(c, o, &in.version);
	if (!rc)
		rc = api_date(c, o, "effective_on", 0, in.effective_on);
	if (!rc)
		rc = api_str(c, o, "note", 1, TDM_LEN_REASON, in.note, sizeof in.note);
	if (!rc)
		rc = read_doc(c, o, !strcmp(kind, "change"), &doc);
	json_decref(o);
	in.doc = doc;
	if (!rc)
		rc = plan_revise(c->db, &c->actor, c->ids[0], kind, &in, &p, &c->err);
	free(doc);
	reply_plan(c, rc, 201, p);
}

void api_plan_change(struct api_ctx *c)
{
	revise(c, "change");
}

void api_plan_review(struct api_ctx *c)
{
	revise(c, "review");
}

void api_plan_sign(struct api_ctx *c)
{
	static const char *const fields[] = {"role", "version", "signed_by_name", "method", "attestation", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	struct plan_sign_input in;
	struct plan_signature g;
	memset(&in, 0, sizeof in);
	enum tdm_status rc = api_str(c, o, "role", 1, sizeof in.role - 1, in.role, sizeof in.role);
	if (!rc)
		rc = read_version_no(c, o, &in.version);
	if (!rc)
		rc = api_str(c, o, "signed_by_name", 0, TDM_LEN_NAME, in.signed_by_name, sizeof in.signed_by_name);
	if (!rc)
		rc = api_str(c, o, "method", 0, sizeof in.method - 1, in.method, sizeof in.method);
	if (!rc)
		rc = api_str(c, o, "attestation", 0, TDM_LEN_REASON, in.attestation, sizeof in.attestation);
	json_decref(o);
	if (!rc)
		rc = plan_sign(c->db, &c->actor, c->ids[0], &in, &g, &c->err);
	if (rc)
		api_fail(c, rc);
	else
		api_reply(c, 201, signature_json(&g));
}

void api_plan_due(struct api_ctx *c)
{
	static const char *const params[] = {"site", NULL};
	struct plan_due_item *rows = NULL;
	int n = 0, truncated = 0;
	int64_t site = 0;
	char today[DATE_LEN];
	enum tdm_status rc = api_query_only(c, params);
	if (!rc)
		rc = api_query_id(c, "site", &site);
	if (!rc)
		rc = plan_due(c->db, &c->actor, site, &rows, &n, &truncated, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *items = json_array();
	for (int i = 0; items && i < n; i++) {
		const struct plan_due_item *it = &rows[i];
		json_array_append_new(items, json_pack(
			"{s:s, s:{s:I, s:s, s:s, s:s}, s:I, s:I, s:o, s:s, s:o}", "kind", it->kind, "patient", "id",
			(json_int_t)it->patient_id, "mrn", it->mrn, "family_name", it->family_name, "given_name",
			it->given_name, "site_id", (json_int_t)it->site_id, "episode_id", (json_int_t)it->episode_id,
			"plan_id", it->plan_id ? json_integer((json_int_t)it->plan_id) : json_null(), "admitted_on",
			it->admitted_on, "review", review_json(&it->review)));
	}
	free(rows);
	date_today(today);
	api_reply(c, 200, json_pack("{s:o, s:s, s:i, s:o, s:b}", "site", site ? json_integer(site) : json_null(),
				    "as_of", today, "lead_days", plan_lead_days(), "items", items, "truncated",
				    truncated));
}
