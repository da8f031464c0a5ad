/*
 * api_takehome.c - methadone take-homes (eligibility, decisions, storage
 * education, diversion, dispenses and returned bottles) and the monitoring
 * schedule, per patient and clinic-wide.
 */
#include "api/api.h"
#include "domain/formulary.h"
#include "domain/monitoring.h"
#include "domain/takehome.h"
#include "util/date.h"
#include "util/limits.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An integer field, required, lo..hi. */
static enum tdm_status int_field(struct api_ctx *c, json_t *o, const char *key, long lo, long hi, int *out)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return tdm_fail(&c->err, TDM_EINVAL, key, "%s is required", key);
	if (!json_is_integer(v))
		return tdm_fail(&c->err, TDM_EINVAL, key, "%s must be a whole number", key);
	json_int_t n = json_integer_value(v);
	if (n < lo || n > hi)
		return tdm_fail(&c->err, TDM_EINVAL, key, "%s must be %ld to %ld", key, lo, hi);
	*out = (int)n;
	return TDM_OK;
}

/* ---- take-homes ---- */

static json_t *decision_json(const struct takehome_decision *d)
{
	json_t *factors = json_loads(d->factors, 0, NULL);
	if (factors && !json_is_object(factors)) {
		json_decref(factors);
		factors = NULL;
	}
	return json_pack("{s:I, s:I, s:s, s:i, s:i, s:i, s:s, s:o, s:s, s:s}", "id", (json_int_t)d->id,
			 "patient_id", (json_int_t)d->patient_id, "medication", d->medication, "approved_days",
			 d->approved_days, "max_days", d->max_days, "treatment_day", d->treatment_day, "reason",
			 d->reason, "factors", factors ? factors : json_object(), "decided_at", d->decided_at,
			 "decided_by", d->decided_by);
}

static json_t *factor_json(const struct takehome_factor *f)
{
	json_t *ev = json_array();
	for (int i = 0; ev && i < f->n; i++)
		json_array_append_new(ev, json_pack("{s:s, s:o, s:s}", "kind", f->ev[i].kind, "on",
						    api_text(f->ev[i].on), "text", f->ev[i].text));
	return json_pack("{s:s, s:s, s:o, s:b, s:i}", "id", f->id, "title", f->title, "evidence", ev, "concern",
			 f->concern, "more", f->more);
}

void api_takehome_eligibility(struct api_ctx *c)
{
	static const char *const params[] = {NULL};
	struct takehome_eligibility *e = malloc(sizeof *e);
	enum tdm_status rc = e ? api_query_only(c, params) : tdm_fail(&c->err, TDM_ENOMEM, NULL, "out of memory");
	if (!rc)
		rc = takehome_eligibility(c->db, &c->actor, c->ids[0], e, &c->err);
	if (rc) {
		free(e);
		api_fail(c, rc);
		return;
	}
	json_t *factors = json_array();
	for (int i = 0; factors && i < TAKEHOME_N_FACTORS; i++)
		json_array_append_new(factors, factor_json(&e->factors[i]));
	json_t *o = json_pack("{s:I, s:s, s:s, s:o, s:o, s:i, s:o, s:b, s:o, s:o, s:o, s:o, s:i}",
			      "patient_id", (json_int_t)e->patient_id, "medication", e->medication, "as_of",
			      e->as_of, "treatment_start", api_text(e->treatment_start), "treatment_day",
			      e->treatment_day ? json_integer(e->treatment_day) : json_null(), "max_days",
			      e->max_days, "tier",
			      e->has_tier ? json_pack("{s:i, s:i, s:s}", "from_day", e->tier.from_day, "max_days",
						      e->tier.max_days, "source", e->tier.source)
					  : json_null(),
			      "closure_dose_allowed", 1, "first_days",
			      e->early_limit ? json_pack("{s:i, s:i, s:i}", "through_day", e->early_days, "limit",
							 e->early_limit, "used", e->early_used)
					     : json_null(),
			      "factors", factors, "education",
			      e->has_education ? json_pack("{s:s, s:s}", "recorded_at", e->education_at,
							   "recorded_by", e->education_by)
					       : json_null(),
			      "decision", e->has_decision ? decision_json(&e->decision) : json_null(), "ceiling",
			      e->ceiling);
	free(e);
	api_reply(c, 200, o);
}

/* The decision's factors: an object keyed by factor id, each value a note
 * (string) or {"concern": bool, "note": string}. Serialised into out. */
static enum tdm_status factors_text(struct api_ctx *c, json_t *f, char *out, size_t n)
{
	static const char *const ids[] = {"substance_use", "attendance", "behaviour", "diversion", "storage", "other"};
	const char *key;
	json_t *v;
	out[0] = '\0';
	if (!f)
		return TDM_OK;
	if (!json_is_object(f))
		return tdm_fail(&c->err, TDM_EINVAL, "factors", "factors must be an object keyed by factor id");
	json_object_foreach(f, key, v) {
		int known = 0;
		for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
			known |= !strcmp(key, ids[i]);
		if (!known)
			return tdm_fail(&c->err, TDM_EINVAL, "factors", "unknown factor '%.40s' (substance_use,"
					" attendance, behaviour, diversion, storage, other)", key);
		if (json_is_string(v)) {
			if (strlen(json_string_value(v)) > TDM_LEN_REASON)
				return tdm_fail(&c->err, TDM_EINVAL, "factors", "factors.%s is longer than %d characters",
						key, TDM_LEN_REASON);
			continue;
		}
		if (!json_is_object(v))
			return tdm_fail(&c->err, TDM_EINVAL, "factors", "factors.%s must be a note or"
					" {\"concern\": bool, \"note\": text}", key);
		const char *k2;
		json_t *v2;
		json_object_foreach(v, k2, v2) {
			int ok = (!strcmp(k2, "concern") && json_is_boolean(v2)) ||
				 (!strcmp(k2, "note") && json_is_string(v2) &&
				  strlen(json_string_value(v2)) <= TDM_LEN_REASON);
			if (!ok)
				return tdm_fail(&c->err, TDM_EINVAL, "factors", "factors.%s.%.20s: only concern (true or"
						" false) and note (at most %d characters)", key, k2, TDM_LEN_REASON);
		}
	}
	char *s = json_dumps(f, JSON_COMPACT | JSON_SORT_KEYS);
	if (!s)
		return tdm_fail(&c->err, TDM_ENOMEM, NULL, "out of memory");
	size_t len = strlen(s);
	if (len >= n) {
		free(s);
		return tdm_fail(&c->err, TDM_EINVAL, "factors", "factors is longer than %zu bytes", n - 1);
	}
	memcpy(out, s, len + 1);
	free(s);
	return TDM_OK;
}

void api_takehome_decide(struct api_ctx *c)
{
	static const char *const fields[] = {"approved_days", "reason", "factors", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	char reason[TDM_LEN_REASON + 1];
	char *factors = malloc(TAKEHOME_MAX_FACTORS_JSON + 1);
	struct takehome_decision *d = malloc(sizeof *d);
	int approved = 0;
	enum tdm_status rc = factors && d ? TDM_OK : tdm_fail(&c->err, TDM_ENOMEM, NULL, "out of memory");
	if (!rc)
		rc = int_field(c, o, "approved_days", 0, 366, &approved);
	if (!rc)
		rc = api_str(c, o, "reason", 1, TDM_LEN_REASON, reason, sizeof reason);
	if (!rc)
		rc = factors_text(c, json_object_get(o, "factors"), factors, TAKEHOME_MAX_FACTORS_JSON + 1);
	json_decref(o);
	if (!rc)
		rc = takehome_decide(c->db, &c->actor, c->ids[0], approved, reason, factors, d, &c->err);
	if (rc)
		api_fail(c, rc);
	else
		api_reply(c, 201, decision_json(d));
	free(factors);
	free(d);
}

static json_t *note_json(const struct takehome_note *n, int diversion)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s}", "id", (json_int_t)n->id, "patient_id",
			      (json_int_t)n->patient_id, "note", n->note, "recorded_at", n->recorded_at,
			      "recorded_by", n->recorded_by);
	if (o && diversion)
		json_object_set_new(o, "noted_on", json_string(n->noted_on));
	return o;
}

void api_takehome_education(struct api_ctx *c)
{
	static const char *const fields[] = {"note", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	char note[TDM_LEN_REASON + 1];
	struct takehome_note n;
	enum tdm_status rc = api_str(c, o, "note", 1, TDM_LEN_REASON, note, sizeof note);
	json_decref(o);
	if (!rc)
		rc = takehome_educate(c->db, &c->actor, c->ids[0], note, &n, &c->err);
	if (rc)
		api_fail(c, rc);
	else
		api_reply(c, 201, note_json(&n, 0));
}

void api_diversion_create(struct api_ctx *c)
{
	static const char *const fields[] = {"note", "noted_on", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	char note[TDM_LEN_REASON + 1], on[DATE_LEN] = "";
	struct takehome_note n;
	enum tdm_status rc = api_str(c, o, "note", 1, TDM_LEN_REASON, note, sizeof note);
	if (!rc)
		rc = api_date(c, o, "noted_on", 0, on);
	json_decref(o);
	if (!rc)
		rc = takehome_diversion_add(c->db, &c->actor, c->ids[0], on, note, &n, &c->err);
	if (rc)
		api_fail(c, rc);
	else
		api_reply(c, 201, note_json(&n, 1));
}

static json_t *dispense_json(const struct takehome_dispense *d)
{
	const struct medication *m = formulary_find(d->medication);
	json_t *o = json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:i, s:i, s:f, s:b, s:o, s:i, s:i, s:i, s:i, s:b,"
			 " s:s, s:s}",
			 "id", (json_int_t)d->id, "order_id", (json_int_t)d->order_id, "patient_id",
			 (json_int_t)d->patient_id, "medication", d->medication, "first_on", d->first_on,
			 "last_on", d->last_on, "due_back_on", d->due_back_on, "days", d->days, "bottles",
			 d->bottles, "amount", d->amount, "closure", d->closure, "decision_id",
			 d->decision_id ? json_integer(d->decision_id) : json_null(), "returned", d->returned,
			 "missing", d->missing, "tampered", d->tampered, "outstanding", d->outstanding, "overdue",
			 d->overdue, "recorded_at", d->recorded_at, "recorded_by", d->recorded_by);
	if (o) {
		json_object_set_new(o, "medication_name", json_string(m ? m->name : d->medication));
		json_object_set_new(o, "unit", json_string(m ? m->default_unit : ""));
	}
	return o;
}

void api_takehome_list(struct api_ctx *c)
{
	static const char *const params[] = {"limit", "offset", NULL};
	int limit, offset, n = 0;
	int64_t total = 0;
	struct takehome_dispense *rows = NULL;
	enum tdm_status rc = api_query_only(c, params);
	if (!rc)
		rc = api_page(c, &limit, &offset);
	if (!rc)
		rc = takehome_dispenses(c->db, &c->actor, c->ids[0], limit, offset, &rows, &n, &total, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *items = json_array();
	for (int i = 0; items && i < n; i++)
		json_array_append_new(items, dispense_json(&rows[i]));
	free(rows);
	api_reply(c, 200, api_page_json(items, total, limit, offset));
}

void api_takehome_return(struct api_ctx *c)
{
	static const char *const fields[] = {"bottles", "condition", "note", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	char condition[16], note[TDM_LEN_REASON + 1];
	int bottles = 0;
	struct takehome_return r;
	struct takehome_dispense d;
	enum tdm_status rc = int_field(c, o, "bottles", 1, 10000, &bottles);
	if (!rc)
		rc = api_str(c, o, "condition", 1, 15, condition, sizeof condition);
	if (!rc)
		rc = api_str(c, o, "note", 0, TDM_LEN_REASON, note, sizeof note);
	json_decref(o);
	if (!rc)
		rc = takehome_return_add(c->db, &c->actor, c->ids[0], bottles, condition, note, &r, &d, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	api_reply(c, 201, json_pack("{s:I, s:I, s:i, s:s, s:o, s:s, s:s, s:o}", "id", (json_int_t)r.id,
				    "dispense_id", (json_int_t)r.dispense_id, "bottles", r.bottles, "condition",
				    r.condition, "note", api_text(r.note), "recorded_at", r.recorded_at,
				    "recorded_by", r.recorded_by, "dispense", dispense_json(&d)));
}

/* ---- monitoring ---- */

static json_t *monitor_json(const struct monitor_item *it, int with_patient)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:s, s:s, s:o, s:s, s:s}", "rule", it->rule->id,
			      "what", it->rule->what, "kind", it->rule->kind, "medication", it->rule->medication,
			      "order_id", (json_int_t)it->order_id, "due_on", api_text(it->due_on), "status",
			      it->status, "stage", it->stage, "last_done", api_text(it->last_done), "anchor_on",
			      it->anchor_on, "source", it->rule->source);
	if (o && with_patient) {
		char name[2 * TDM_LEN_NAME + 4];
		snprintf(name, sizeof name, "%s, %s", it->family_name, it->given_name);
		json_object_set_new(o, "patient", json_pack("{s:I, s:s, s:s}", "id", (json_int_t)it->patient_id,
							    "mrn", it->mrn, "name", name));
	}
	return o;
}

void api_monitoring_patient(struct api_ctx *c)
{
	static const char *const params[] = {NULL};
	struct monitor_item *rows = NULL;
	int n = 0;
	char today[DATE_LEN];
	enum tdm_status rc = api_query_only(c, params);
	if (!rc)
		rc = monitoring_patient(c->db, &c->actor, c->ids[0], &rows, &n, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *items = json_array();
	for (int i = 0; items && i < n; i++)
		json_array_append_new(items, monitor_json(&rows[i], 0));
	free(rows);
	date_today(today);
	api_reply(c, 200, json_pack("{s:I, s:s, s:i, s:o}", "patient_id", (json_int_t)c->ids[0], "as_of", today,
				    "lead_days", monitoring_lead_days(), "items", items));
}

void api_monitoring_list(struct api_ctx *c)
{
	static const char *const params[] = {"site", NULL};
	struct monitor_item *rows = NULL;
	int n = 0, truncated = 0;
	int64_t site = 0;
	char today[DATE_LEN];
	enum tdm_status rc = api_query_only(c, params);
	if (!rc)
		rc = api_query_id(c, "site", &site);
	if (!rc)
		rc = monitoring_clinic(c->db, &c->actor, site, &rows, &n, &truncated, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *items = json_array();
	for (int i = 0; items && i < n; i++)
		json_array_append_new(items, monitor_json(&rows[i], 1));
	free(rows);
	date_today(today);
	api_reply(c, 200, json_pack("{s:o, s:s, s:i, s:o, s:b}", "site", site ? json_integer(site) : json_null(),
				    "as_of", today, "lead_days", monitoring_lead_days(), "items", items, "truncated",
				    truncated));
}
