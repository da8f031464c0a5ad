/*
 * api_results.c - allergies and results (drug screens, breath alcohol, labs,
 * ECG) on a patient's chart.
 */
#include "api/api.h"
#include "domain/allergy.h"
#include "domain/formulary.h"
#include "domain/result.h"
#include "util/limits.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *allergy_json(const struct allergy *g)
{
	return json_pack("{s:I, s:I, s:s, s:o, s:s, s:o, s:s, s:o, s:s, s:o, s:s, s:s}",
			 "id", (json_int_t)g->id, "patient_id", (json_int_t)g->patient_id, "substance",
			 g->substance, "medication", api_text(g->medication_id), "kind", g->kind, "reaction",
			 api_text(g->reaction), "severity", g->severity, "noted_on", api_text(g->noted_on),
			 "status", g->status, "status_reason", api_text(g->status_reason), "recorded_at",
			 g->recorded_at, "recorded_by", g->recorded_by);
}

void api_allergy_create(struct api_ctx *c)
{
	static const char *const fields[] = {"substance", "kind", "reaction", "severity", "noted_on", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	struct allergy g;
	memset(&g, 0, sizeof g);
	enum tdm_status rc = api_str(c, o, "substance", 1, TDM_LEN_NAME, g.substance, sizeof g.substance);
	if (!rc)
		rc = api_str(c, o, "kind", 0, 15, g.kind, sizeof g.kind);
	if (!rc)
		rc = api_str(c, o, "reaction", 0, 200, g.reaction, sizeof g.reaction);
	if (!rc)
		rc = api_str(c, o, "severity", 0, 11, g.severity, sizeof g.severity);
	if (!rc)
		rc = api_date(c, o, "noted_on", 0, g.noted_on);
	json_decref(o);
	if (!rc)
		rc = allergy_add(c->db, &c->actor, c->ids[0], &g, &c->err);
	if (rc)
		api_fail(c, rc);
	else
		api_reply(c, 201, allergy_json(&g));
}

void api_allergy_list(struct api_ctx *c)
{
	struct allergy *rows = NULL;
	int n = 0;
	enum tdm_status rc = allergy_list(c->db, &c->actor, c->ids[0], &rows, &n, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *items = json_array();
	for (int i = 0; items && i < n; i++)
		json_array_append_new(items, allergy_json(&rows[i]));
	free(rows);
	api_reply(c, 200, api_page_json(items, n, n, 0));
}

void api_allergy_status(struct api_ctx *c)
{
	static const char *const fields[] = {"status", "reason", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	char status[24], reason[TDM_LEN_REASON + 1];
	enum tdm_status rc = api_str(c, o, "status", 1, 20, status, sizeof status);
	if (!rc)
		rc = api_str(c, o, "reason", 1, TDM_LEN_REASON, reason, sizeof reason);
	json_decref(o);
	struct allergy g;
	if (!rc)
		rc = allergy_set_status(c->db, &c->actor, c->ids[0], status, reason, &g, &c->err);
	if (rc)
		api_fail(c, rc);
	else
		api_reply(c, 200, allergy_json(&g));
}

static json_t *result_json(const struct result *r)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:o, s:s, s:s}", "id", (json_int_t)r->id,
			      "patient_id", (json_int_t)r->patient_id, "kind", r->kind, "taken_at",
			      r->taken_at, "status", r->status, "note", api_text(r->note), "recorded_at",
			      r->recorded_at, "recorded_by", r->recorded_by);
	if (!o)
		return NULL;
	if (!strcmp(r->kind, "uds")) {
		json_object_set_new(o, "substance", json_string(r->substance));
		json_object_set_new(o, "result", json_string(r->outcome));
		json_object_set_new(o, "expected", json_boolean(r->expected));
	} else if (!strcmp(r->kind, "ecg")) {
		json_object_set_new(o, "qtc_ms", json_integer((json_int_t)strtol(r->value, NULL, 10)));
	} else {
		json_object_set_new(o, "code", json_string(r->code));
		json_object_set_new(o, "value", json_real(strtod(r->value, NULL)));
		json_object_set_new(o, "unit", json_string(r->unit));
	}
	if (strcmp(r->status, "final"))
		json_object_set_new(o, "status_reason", json_string(r->status_reason));
	return o;
}

/* A JSON number into text, or an error naming the field. */
static enum tdm_status number(struct api_ctx *c, json_t *o, const char *key, char *dst, size_t n)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return tdm_fail(&c->err, TDM_EINVAL, key, "%s is required", key);
	if (!json_is_number(v) || !isfinite(json_number_value(v)))
		return tdm_fail(&c->err, TDM_EINVAL, key, "%s must be a number", key);
	snprintf(dst, n, "%.10g", json_number_value(v));
	return TDM_OK;
}

void api_result_create(struct api_ctx *c)
{
	static const char *const fields[] = {"kind", "substance", "result", "expected", "value", "code",
					     "unit", "qtc_ms", "taken_at", "note", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	struct result r;
	memset(&r, 0, sizeof r);
	enum tdm_status rc = api_str(c, o, "kind", 1, 15, r.kind, sizeof r.kind);
	int uds = !rc && !strcmp(r.kind, "uds"), ecg = !rc && !strcmp(r.kind, "ecg");
	int lab = !rc && !strcmp(r.kind, "lab");
	if (!rc && !uds && !ecg && !lab && strcmp(r.kind, "breath_alcohol"))
		rc = tdm_fail(&c->err, TDM_EINVAL, "kind", "kind must be uds, breath_alcohol, lab or ecg");
	if (!rc && uds) {
		rc = api_str(c, o, "substance", 1, 23, r.substance, sizeof r.substance);
		if (!rc)
			rc = api_str(c, o, "result", 1, 11, r.outcome, sizeof r.outcome);
		json_t *e = json_object_get(o, "expected");
		if (!rc && e && !json_is_boolean(e))
			rc = tdm_fail(&c->err, TDM_EINVAL, "expected", "expected must be true or false");
		r.expected = e && json_is_true(e);
	} else if (!rc && ecg) {
		rc = number(c, o, "qtc_ms", r.value, sizeof r.value);
	} else if (!rc) {
		rc = number(c, o, "value", r.value, sizeof r.value);
		if (!rc && lab)
			rc = api_str(c, o, "code", 1, 31, r.code, sizeof r.code);
	}
	/* The domain checks the unit against the kind (uds has none). */
	if (!rc)
		rc = api_str(c, o, "unit", 0, 15, r.unit, sizeof r.unit);
	/* Fields of another kind are a mistake worth naming. */
	static const struct {
		const char *field, *kind;
	} only[] = {{"substance", "uds"}, {"result", "uds"}, {"expected", "uds"}, {"qtc_ms", "ecg"},
		    {"code", "lab"}};
	for (size_t i = 0; !rc && i < sizeof only / sizeof only[0]; i++)
		if (json_object_get(o, only[i].field) && strcmp(r.kind, only[i].kind))
			rc = tdm_fail(&c->err, TDM_EINVAL, only[i].field, "%s does not apply to kind %s",
				      only[i].field, r.kind);
	if (!rc && (uds || ecg) && json_object_get(o, "value"))
		rc = tdm_fail(&c->err, TDM_EINVAL, "value", "value does not apply to kind %s", r.kind);
	if (!rc)
		rc = api_str(c, o, "taken_at", 0, 20, r.taken_at, sizeof r.taken_at);
	if (!rc)
		rc = api_str(c, o, "note", 0, TDM_LEN_REASON, r.note, sizeof r.note);
	json_decref(o);
	if (!rc)
		rc = result_add(c->db, &c->actor, c->ids[0], &r, &c->err);
	if (rc)
		api_fail(c, rc);
	else
		api_reply(c, 201, result_json(&r));
}

void api_result_list(struct api_ctx *c)
{
	static const char *const params[] = {"kind", "limit", "offset", NULL};
	int limit, offset;
	enum tdm_status rc = api_query_only(c, params);
	if (!rc)
		rc = api_page(c, &limit, &offset);
	const char *kind = api_query(c, "kind");
	if (!rc && kind && strcmp(kind, "uds") && strcmp(kind, "breath_alcohol") && strcmp(kind, "lab") &&
	    strcmp(kind, "ecg"))
		rc = tdm_fail(&c->err, TDM_EINVAL, "kind", "kind must be uds, breath_alcohol, lab or ecg");
	struct result *rows = NULL;
	int n = 0;
	if (!rc)
		rc = result_list(c->db, &c->actor, c->ids[0], kind, limit, &rows, &n, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *items = json_array();
	for (int i = 0; items && i < n; i++)
		json_array_append_new(items, result_json(&rows[i]));
	free(rows);
	api_reply(c, 200, api_page_json(items, n, limit, 0));
}

void api_result_void(struct api_ctx *c)
{
	char reason[TDM_LEN_REASON + 1];
	if (!api_reason_body(c, reason))
		return;
	struct result r;
	enum tdm_status rc = result_void(c->db, &c->actor, c->ids[0], reason, &r, &c->err);
	if (rc)
		api_fail(c, rc);
	else
		api_reply(c, 200, result_json(&r));
}

/* ---- formulary ---- */

static json_t *strings(const char (*list)[MED_ROUTE_LEN], int n)
{
	json_t *arr = json_array();
	for (int i = 0; arr && i < n; i++)
		json_array_append_new(arr, json_string(list[i]));
	return arr;
}

static json_t *medication_json(const struct medication *m, int full)
{
	static const char *const schedules[] = {"none", "", "II", "III", "IV", "V"};
	json_t *o = json_pack("{s:s, s:s, s:o, s:s, s:s, s:b, s:b, s:b, s:o, s:s}",
			      "id", m->id, "name", m->name, "rxcui", api_text(m->rxcui), "class",
			      formulary_class_name(m->cls), "controlled",
			      (unsigned)m->controlled < 6 ? schedules[m->controlled] : "none", "cns_depressant",
			      m->cns_depressant, "qt_prolonging", m->qt_prolonging, "serotonergic",
			      m->serotonergic, "routes", strings(m->routes, m->n_routes), "default_unit",
			      m->default_unit);
	if (!o || !full)
		return o;
	json_t *forms = json_array();
	for (int f = 0; forms && f < m->n_forms; f++) {
		const struct med_form *fm = &m->forms[f];
		json_t *st = json_array();
		for (int s = 0; st && s < fm->n_strengths; s++)
			json_array_append_new(st, json_pack("{s:s, s:f, s:s, s:o}", "label", fm->strengths[s].label,
							    "amount", fm->strengths[s].amount, "unit",
							    fm->strengths[s].unit, "rxcui",
							    api_text(fm->strengths[s].rxcui)));
		json_array_append_new(forms, json_pack("{s:s, s:o, s:o}", "form", fm->form, "routes",
						       strings(fm->routes, fm->n_routes), "strengths", st));
	}
	json_object_set_new(o, "forms", forms);
	json_t *doses = json_array();
	for (int d = 0; doses && d < m->n_doses; d++) {
		const struct med_dose *ds = &m->doses[d];
		json_array_append_new(doses, json_pack("{s:f, s:f, s:s, s:s, s:o, s:o, s:s}", "min", ds->min,
						       "max", ds->max, "unit", ds->unit, "per", ds->per,
						       "route", api_text(ds->route), "note", api_text(ds->note),
						       "source", ds->source));
	}
	json_object_set_new(o, "usual_dose", m->n_doses ? doses : (json_decref(doses), json_null()));
	json_t *mon = json_array();
	for (int i = 0; mon && i < m->n_monitoring; i++)
		json_array_append_new(mon, json_string(m->monitoring[i]));
	json_object_set_new(o, "monitoring", mon);
	json_object_set_new(o, "source", json_string(m->source));
	return o;
}

void api_formulary_list(struct api_ctx *c)
{
	json_t *arr = json_array();
	for (int i = 0; arr && i < formulary_count(); i++)
		json_array_append_new(arr, medication_json(formulary_at(i), 0));
	api_reply(c, 200, json_pack("{s:o}", "items", arr));
}

void api_formulary_get(struct api_ctx *c)
{
	const struct medication *m = formulary_find(c->code);
	if (!m) {
		tdm_fail(&c->err, TDM_ENOTFOUND, "medication", "no medication '%s' in the formulary", c->code);
		api_fail(c, TDM_ENOTFOUND);
		return;
	}
	api_reply(c, 200, medication_json(m, 1));
}
