/*
 * api_measure.c - instruments, assessments, alerts, schedules, trends,
 * withdrawal flowsheets and patient self check-in.
 */
#include "api/api.h"
#include "domain/alert.h"
#include "domain/assessment.h"
#include "domain/checkin.h"
#include "domain/episode.h"
#include "domain/instrument.h"
#include "domain/protocol.h"
#include "domain/schedule.h"
#include "util/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- instruments ---- */

static json_t *options_json(const struct instr_item *it)
{
	json_t *arr = json_array();
	for (int k = 0; arr && k < it->n_options; k++) {
		json_t *o = json_pack("{s:i, s:s}", "value", it->options[k].value, "label", it->options[k].label);
		if (o && it->options[k].loinc[0])
			json_object_set_new(o, "loinc", json_string(it->options[k].loinc));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *instrument_json(const struct instrument *in, int full)
{
	const struct protocol *proto = protocol_for(in->code);
	json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:i, s:i, s:i, s:b, s:s, s:s, s:o, s:o}",
			      "code", in->code, "name", in->name, "version", in->version,
			      "self_report", in->self_report, "items", in->n_scored, "min_total",
			      in->min_total, "max_total", in->max_total, "imported", in->imported,
			      "licence", in->licence, "source", in->source, "protocol",
			      proto ? json_string(proto->name) : json_null(), "missing",
			      in->prorate ? json_pack("{s:s, s:i}", "rule", "prorate", "max_missing", in->max_missing)
					  : json_pack("{s:s}", "rule", "refuse"));
	if (!o || !full)
		return o;
	json_object_set_new(o, "recall", api_text(in->recall));
	json_object_set_new(o, "stem", api_text(in->stem));
	json_object_set_new(o, "attribution", api_text(in->attribution));
	json_object_set_new(o, "loinc", json_pack("{s:o, s:o}", "panel", api_text(in->loinc_panel), "total",
						  api_text(in->loinc_total)));
	json_t *items = json_array();
	for (int i = 0; items && i < in->n_items; i++) {
		const struct instr_item *it = &in->items[i];
		json_t *j = json_pack("{s:s, s:s, s:b, s:i, s:i}", "id", it->id, "text", it->text, "scored",
				      it->scored, "min", it->min, "max", it->max);
		if (!j)
			continue;
		json_object_set_new(j, "loinc", api_text(it->loinc));
		if (it->n_options)
			json_object_set_new(j, "options", options_json(it));
		else
			json_object_set_new(j, "range", json_pack("{s:i, s:i, s:o, s:o}", "min", it->min, "max",
								   it->max, "low", api_text(it->low), "high",
								   api_text(it->high)));
		json_array_append_new(items, j);
	}
	json_object_set_new(o, "item_list", items);
	json_t *bands = json_array();
	for (int b = 0; bands && b < in->n_bands; b++)
		json_array_append_new(bands, json_pack("{s:i, s:i, s:s, s:s, s:o}", "min", in->bands[b].min,
						       "max", in->bands[b].max, "label", in->bands[b].label,
						       "severity", in->bands[b].severity, "interpretation",
						       api_text(in->bands[b].interpretation)));
	json_object_set_new(o, "bands", bands);
	json_t *rules = json_array();
	for (int r = 0; rules && r < in->n_alerts; r++) {
		const struct instr_alert *al = &in->alerts[r];
		json_array_append_new(rules, json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", al->id, "severity",
						       al->severity, "kind", al->kind, "message", al->message,
						       "source", al->source));
	}
	json_object_set_new(o, "alerts", rules);
	if (in->remission_below >= 0 || in->response_drop_percent >= 0)
		json_object_set_new(o, "outcomes", json_pack("{s:i, s:i, s:i, s:s}", "response_drop_percent",
							     in->response_drop_percent, "baseline_min",
							     in->baseline_min, "remission_below",
							     in->remission_below, "source", in->outcomes_source));
	return o;
}

void api_instrument_list(struct api_ctx *c)
{
	json_t *arr = json_array();
	for (int i = 0; arr && i < instrument_count(); i++)
		json_array_append_new(arr, instrument_json(instrument_at(i), 0));
	api_reply(c, 200, json_pack("{s:o}", "items", arr));
}

void api_instrument_get(struct api_ctx *c)
{
	const struct instrument *in = instrument_find(c->code);
	if (!in) {
		tdm_fail(&c->err, TDM_ENOTFOUND, "instrument", "no instrument '%s'", c->code);
		api_fail(c, TDM_ENOTFOUND);
		return;
	}
	api_reply(c, 200, instrument_json(in, 1));
}

/* ---- answers ---- */

/* answers: an array of the scored items' values in item order (null for a
 * missing one), or an object keyed by item id. */
static enum tdm_status read_answers(struct api_ctx *c, json_t *answers, const struct instrument *in,
				    const char *field, int *values)
{
	for (int i = 0; i < INSTR_MAX_ITEMS; i++)
		values[i] = INSTR_MISSING;
	if (json_is_array(answers)) {
		if ((int)json_array_size(answers) != in->n_scored)
			return tdm_fail(&c->err, TDM_EINVAL, field, "%s takes %d answers in item order, got %zu",
					in->code, in->n_scored, json_array_size(answers));
		int k = 0;
		for (int i = 0; i < in->n_items; i++) {
			if (!in->items[i].scored)
				continue;
			json_t *v = json_array_get(answers, (size_t)k++);
			if (json_is_null(v))
				continue;
			if (!json_is_integer(v) || json_integer_value(v) < -1000 || json_integer_value(v) > 1000)
				return tdm_fail(&c->err, TDM_EINVAL, field, "answer %d (item %s) must be a whole number",
						k, in->items[i].id);
			values[i] = (int)json_integer_value(v);
		}
		return TDM_OK;
	}
	if (json_is_object(answers)) {
		const char *key;
		json_t *v;
		json_object_foreach(answers, key, v) {
			int i = instrument_item_index(in, key);
			if (i < 0)
				return tdm_fail(&c->err, TDM_EINVAL, field, "%s has no item '%.24s'", in->code, key);
			if (json_is_null(v))
				continue;
			if (!json_is_integer(v) || json_integer_value(v) < -1000 || json_integer_value(v) > 1000)
				return tdm_fail(&c->err, TDM_EINVAL, field, "item %s must be a whole number", key);
			values[i] = (int)json_integer_value(v);
		}
		return TDM_OK;
	}
	return tdm_fail(&c->err, TDM_EINVAL, field, "answers must be an array or an object");
}

static json_t *assessment_json(const struct assessment *as, int with_alerts)
{
	json_t *answers = json_object();
	for (int i = 0; answers && i < as->n_answers; i++)
		if (as->answers[i].item[0])
			json_object_set_new(answers, as->answers[i].item,
					    as->answers[i].value == INSTR_MISSING ? json_null()
										  : json_integer(as->answers[i].value));
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:i, s:s, s:s, s:o, s:b, s:s, s:s, s:o, s:o, s:s, s:s}",
			      "id", (json_int_t)as->id, "patient_id", (json_int_t)as->patient_id,
			      "instrument", as->instrument, "version", as->version, "total", as->total,
			      "severity", as->severity, "band", as->band, "interpretation",
			      api_text(as->interpretation), "prorated", as->prorated, "answered_by",
			      as->answered_by, "administered_at", as->administered_at, "note",
			      api_text(as->note), "answers", answers, "recorded_at", as->recorded_at,
			      "recorded_by", as->recorded_by);
	if (o && with_alerts) {
		json_t *al = json_array();
		for (int k = 0; al && k < as->n_alerts; k++)
			json_array_append_new(al, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
							    (json_int_t)as->alert_ids[k], "rule_id",
							    as->alerts[k]->id, "severity", as->alerts[k]->severity,
							    "kind", as->alerts[k]->kind, "message",
							    as->alerts[k]->message, "found", as->alert_found[k],
							    "why", as->alerts[k]->why, "source", as->alerts[k]->source));
		json_object_set_new(o, "alerts", al);
	}
	return o;
}

void api_assessment_create(struct api_ctx *c)
{
	static const char *const fields[] = {"instrument", "answers", "administered_at", "note", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	char code[24];
	struct assessment_input inp;
	memset(&inp, 0, sizeof inp);
	enum tdm_status rc = api_str(c, o, "instrument", 1, 16, code, sizeof code);
	if (!rc && !(inp.in = instrument_find(code)))
		rc = tdm_fail(&c->err, TDM_EINVAL, "instrument", "no instrument '%s' (GET /api/v1/instruments)", code);
	if (!rc && !json_object_get(o, "answers"))
		rc = tdm_fail(&c->err, TDM_EINVAL, "answers", "answers is required");
	if (!rc)
		rc = read_answers(c, json_object_get(o, "answers"), inp.in, "answers", inp.values);
	if (!rc)
		rc = api_str(c, o, "administered_at", 0, 20, inp.administered_at, sizeof inp.administered_at);
	if (!rc)
		rc = api_str(c, o, "note", 0, TDM_LEN_REASON, inp.note, sizeof inp.note);
	json_decref(o);
	struct assessment *as = NULL;
	if (!rc && !(as = malloc(sizeof *as)))
		rc = tdm_fail(&c->err, TDM_ENOMEM, NULL, "out of memory");
	if (!rc)
		rc = assessment_record(c->db, &c->actor, c->ids[0], &inp, as, &c->err);
	if (rc)
		api_fail(c, rc);
	else
		api_reply(c, 201, assessment_json(as, 1));
	free(as);
}

void api_assessment_list(struct api_ctx *c)
{
	static const char *const params[] = {"instrument", "limit", "offset", NULL};
	int limit, offset;
	enum tdm_status rc = api_query_only(c, params);
	if (!rc)
		rc = api_page(c, &limit, &offset);
	const char *code = api_query(c, "instrument");
	if (!rc && code && !instrument_find(code))
		rc = tdm_fail(&c->err, TDM_EINVAL, "instrument", "no instrument '%.20s'", code);
	struct assessment *rows = NULL;
	int n = 0;
	int64_t total = 0;
	if (!rc)
		rc = assessment_page(c->db, &c->actor, c->ids[0], code ? instrument_find(code)->code : NULL,
				     limit, offset, &rows, &n, &total, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *items = json_array();
	for (int i = 0; items && i < n; i++)
		json_array_append_new(items, assessment_json(&rows[i], 0));
	free(rows);
	api_reply(c, 200, api_page_json(items, total, limit, offset));
}

/* ---- trends and flowsheet ---- */

static const struct instrument *query_instrument(struct api_ctx *c)
{
	static const char *const params[] = {"instrument", NULL};
	if (api_query_only(c, params)) {
		api_fail(c, TDM_EINVAL);
		return NULL;
	}
	const char *code = api_query(c, "instrument");
	const struct instrument *in = code ? instrument_find(code) : NULL;
	if (!in) {
		tdm_fail(&c->err, TDM_EINVAL, "instrument", code ? "no instrument '%.20s'" : "instrument is required%.0s",
			 code ? code : "");
		api_fail(c, TDM_EINVAL);
	}
	return in;
}

void api_trends(struct api_ctx *c)
{
	const struct instrument *in = query_instrument(c);
	if (!in)
		return;
	struct assessment *rows = NULL;
	int n = 0;
	enum tdm_status rc = assessment_list(c->db, &c->actor, c->ids[0], in->code, ASSESSMENT_TREND_MAX,
					     &rows, &n, &c->err);
	struct episode *eps = NULL;
	int ne = 0;
	if (!rc)
		rc = episode_list(c->db, &c->actor, c->ids[0], &eps, &ne, &c->err);
	if (rc) {
		free(rows);
		api_fail(c, rc);
		return;
	}
	json_t *points = json_array();
	int baseline = n ? rows[0].total : 0;
	json_t *response = json_null(), *remission = json_null();
	for (int i = 0; points && i < n; i++) {
		const struct assessment *as = &rows[i];
		json_array_append_new(points, json_pack("{s:I, s:s, s:i, s:s, s:s}", "id", (json_int_t)as->id,
							"at", as->administered_at, "total", as->total, "band",
							as->band, "severity", as->severity));
		if (i > 0 && json_is_null(response) && in->response_drop_percent > 0 &&
		    baseline >= in->baseline_min &&
		    as->total * 100 <= baseline * (100 - in->response_drop_percent))
			response = json_pack("{s:s, s:i}", "at", as->administered_at, "total", as->total);
		if (i > 0 && json_is_null(remission) && in->remission_below >= 0 &&
		    baseline >= (in->baseline_min >= 0 ? in->baseline_min : in->remission_below) &&
		    as->total < in->remission_below)
			remission = json_pack("{s:s, s:i}", "at", as->administered_at, "total", as->total);
	}
	free(rows);
	json_t *placements = json_array();
	for (int e = ne - 1; e >= 0; e--) {
		for (int p = 0; placements && p < eps[e].n_placements; p++) {
			const struct placement *pl = &eps[e].placements[p];
			json_array_append_new(placements, json_pack("{s:I, s:s, s:s, s:o}", "episode_id",
								    (json_int_t)eps[e].id, "level", pl->level,
								    "started_on", pl->started_on, "ended_on",
								    api_text(pl->ended_on)));
		}
		episode_release(&eps[e]);
	}
	free(eps);
	json_t *def = instrument_json(in, 1);
	json_t *bands = def ? json_incref(json_object_get(def, "bands")) : json_array();
	json_t *outcomes = def && json_object_get(def, "outcomes") ? json_incref(json_object_get(def, "outcomes")) : json_null();
	json_decref(def);
	api_reply(c, 200, json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s}",
				    "instrument", in->code, "name", in->name, "bands", bands, "points", points,
				    "baseline", n ? json_integer(baseline) : json_null(), "response", response,
				    "remission", remission, "outcomes", outcomes, "placements", placements,
				    "time_zone", date_zone()));
}

static json_t *step_json(const struct protocol_step *s)
{
	if (!s)
		return json_null();
	return json_pack("{s:i, s:i, s:s, s:i, s:s}", "min", s->min, "max", s->max, "action", s->action,
			 "reassess_minutes", s->reassess_minutes, "source", s->source);
}

void api_flowsheet(struct api_ctx *c)
{
	const struct instrument *in = query_instrument(c);
	if (!in)
		return;
	const struct protocol *p = protocol_for(in->code);
	struct assessment *rows = NULL;
	int n = 0;
	enum tdm_status rc = assessment_list(c->db, &c->actor, c->ids[0], in->code, TDM_PAGE_MAX, &rows, &n, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *points = json_array();
	for (int i = 0; points && i < n; i++) {
		json_t *ans = assessment_json(&rows[i], 0);
		json_object_set_new(ans, "step", step_json(protocol_step(p, rows[i].total)));
		json_array_append_new(points, ans);
	}
	json_t *next = json_null();
	if (n && p) {
		const struct protocol_step *s = protocol_step(p, rows[n - 1].total);
		time_t at;
		if (s && !instant_parse(rows[n - 1].administered_at, &at)) {
			char due[INSTANT_LEN];
			at += (time_t)s->reassess_minutes * 60;
			instant_format(at, due);
			next = json_pack("{s:o, s:s, s:b, s:i}", "step", step_json(s), "reassess_at", due,
					 "overdue", time(NULL) > at, "last_total", rows[n - 1].total);
		}
	}
	free(rows);
	api_reply(c, 200, json_pack("{s:s, s:o, s:o, s:o, s:s}", "instrument", in->code, "protocol",
				    p ? json_string(p->name) : json_null(), "points", points, "next", next,
				    "note", "Suggested by the site's configured protocol; a clinician decides."));
}

/* ---- alerts ---- */

static json_t *alert_json(const struct alert *al)
{
	char roles[96];
	role_names(al->roles, roles, sizeof roles);
	json_t *o = json_pack("{s:I, s:I, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b}",
			      "id", (json_int_t)al->id, "patient_id", (json_int_t)al->patient_id,
			      "assessment_id", al->assessment_id ? json_integer(al->assessment_id) : json_null(),
			      "rule_id", al->rule_id, "kind", al->kind, "severity", al->severity, "message",
			      al->message, "found", al->found, "why", al->why, "source", al->source,
			      "raised_at", al->raised_at, "roles", roles, "acknowledged", al->acked,
			      "escalated", al->escalated);
	if (!o)
		return NULL;
	json_object_set_new(o, "patient", json_pack("{s:s, s:s, s:s}", "mrn", al->mrn, "family_name",
						    al->family_name, "given_name", al->given_name));
	json_object_set_new(o, "recipient", api_text(al->recipient));
	if (al->acked)
		json_object_set_new(o, "ack", json_pack("{s:s, s:s, s:s}", "note", al->ack_note, "at",
							al->acked_at, "by", al->acked_by));
	return o;
}

static void list_alerts(struct api_ctx *c, int64_t patient)
{
	static const char *const params[] = {"open", "limit", "offset", NULL};
	struct alert_query q = {.patient_id = patient, .open_only = 1};
	enum tdm_status rc = api_query_only(c, params);
	if (!rc)
		rc = api_page(c, &q.limit, &q.offset);
	const char *v = api_query(c, "open");
	if (!rc && v && strcmp(v, "true") && strcmp(v, "false"))
		rc = tdm_fail(&c->err, TDM_EINVAL, "open", "open must be true or false");
	if (v)
		q.open_only = !strcmp(v, "true");
	struct alert *rows = NULL;
	int n = 0;
	int64_t total = 0;
	if (!rc)
		rc = alert_list(c->db, &c->actor, &q, &rows, &n, &total, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *items = json_array();
	for (int i = 0; items && i < n; i++)
		json_array_append_new(items, alert_json(&rows[i]));
	free(rows);
	api_reply(c, 200, api_page_json(items, total, q.limit, q.offset));
}

void api_alert_inbox(struct api_ctx *c)
{
	list_alerts(c, 0);
}

void api_patient_alerts(struct api_ctx *c)
{
	list_alerts(c, c->ids[0]);
}

void api_alert_ack(struct api_ctx *c)
{
	static const char *const fields[] = {"note", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	char note[TDM_LEN_REASON + 1];
	enum tdm_status rc = api_str(c, o, "note", 1, TDM_LEN_REASON, note, sizeof note);
	json_decref(o);
	struct alert al;
	if (!rc)
		rc = alert_ack(c->db, &c->actor, c->ids[0], note, &al, &c->err);
	if (rc)
		api_fail(c, rc);
	else
		api_reply(c, 200, alert_json(&al));
}

/* ---- schedules ---- */

static json_t *schedule_json(const struct schedule *s)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:i, s:s, s:s, s:o, s:s, s:b, s:b, s:s, s:s}",
			      "id", (json_int_t)s->id, "patient_id", (json_int_t)s->patient_id,
			      "instrument", s->instrument, "every_minutes", s->every_minutes, "starts_at",
			      s->starts_at, "reason", s->reason, "last_at", api_text(s->last_at), "due_at",
			      s->due_at, "due", s->due, "overdue", s->overdue, "created_at", s->created_at,
			      "created_by", s->created_by);
	if (o && s->mrn[0])
		json_object_set_new(o, "patient", json_pack("{s:s, s:s, s:s}", "mrn", s->mrn, "family_name",
							    s->family_name, "given_name", s->given_name));
	return o;
}

/* Renders a schedule list and frees it. */
static void reply_schedules(struct api_ctx *c, struct schedule *rows, int n)
{
	json_t *items = json_array();
	for (int i = 0; items && i < n; i++)
		json_array_append_new(items, schedule_json(&rows[i]));
	free(rows);
	api_reply(c, 200, api_page_json(items, n, n, 0));
}

void api_schedule_create(struct api_ctx *c)
{
	static const char *const fields[] = {"instrument", "every_minutes", "every_hours", "every_days",
					     "starts_at", "reason", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	char code[24], starts[24], reason[TDM_LEN_REASON + 1];
	long every = 0;
	int given = 0;
	enum tdm_status rc = api_str(c, o, "instrument", 1, 16, code, sizeof code);
	static const struct {
		const char *key;
		long mult;
	} units[] = {{"every_minutes", 1}, {"every_hours", 60}, {"every_days", 1440}};
	for (int i = 0; !rc && i < 3; i++) {
		json_t *v = json_object_get(o, units[i].key);
		if (!v)
			continue;
		given++;
		long lo = (SCHEDULE_MIN_MINUTES + units[i].mult - 1) / units[i].mult;
		long hi = SCHEDULE_MAX_MINUTES / units[i].mult;
		if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
			rc = tdm_fail(&c->err, TDM_EINVAL, units[i].key, "%s must be a whole number from %ld to %ld",
				      units[i].key, lo, hi);
		else
			every = (long)json_integer_value(v) * units[i].mult;
	}
	if (!rc && given != 1)
		rc = tdm_fail(&c->err, TDM_EINVAL, "every_days", "give exactly one of every_minutes, every_hours, every_days");
	if (!rc)
		rc = api_str(c, o, "starts_at", 0, 20, starts, sizeof starts);
	if (!rc)
		rc = api_str(c, o, "reason", 1, TDM_LEN_REASON, reason, sizeof reason);
	json_decref(o);
	struct schedule s;
	if (!rc)
		rc = schedule_add(c->db, &c->actor, c->ids[0], code, (int)(every > 0x7fffffff ? 0 : every),
				  starts, reason, &s, &c->err);
	if (rc)
		api_fail(c, rc);
	else
		api_reply(c, 201, schedule_json(&s));
}

void api_schedule_list(struct api_ctx *c)
{
	struct schedule *rows = NULL;
	int n = 0;
	enum tdm_status rc = schedule_list(c->db, &c->actor, c->ids[0], &rows, &n, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	reply_schedules(c, rows, n);
}

void api_schedule_stop(struct api_ctx *c)
{
	char reason[TDM_LEN_REASON + 1];
	if (!api_reason_body(c, reason))
		return;
	enum tdm_status rc = schedule_stop(c->db, &c->actor, c->ids[0], reason, &c->err);
	if (rc)
		api_fail(c, rc);
	else
		api_reply(c, 204, NULL);
}

void api_due(struct api_ctx *c)
{
	static const char *const params[] = {"within_minutes", NULL};
	int64_t within = 0;
	enum tdm_status rc = api_query_only(c, params);
	if (!rc && api_query(c, "within_minutes")) {
		rc = api_query_id(c, "within_minutes", &within);
		if (!rc && within > 7 * 1440)
			rc = tdm_fail(&c->err, TDM_EINVAL, "within_minutes", "within_minutes must be at most %d", 7 * 1440);
	}
	struct schedule *rows = NULL;
	int n = 0;
	if (!rc)
		rc = schedule_due(c->db, &c->actor, (int)within, &rows, &n, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	reply_schedules(c, rows, n);
}

/* ---- self check-in ---- */

void api_checkin_create(struct api_ctx *c)
{
	static const char *const fields[] = {"instruments", "expires_minutes", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	const char *codes[CHECKIN_MAX_INSTRUMENTS];
	int n = 0;
	long minutes = 60;
	enum tdm_status rc = TDM_OK;
	json_t *arr = json_object_get(o, "instruments"), *v;
	size_t i;
	if (!json_is_array(arr) || !json_array_size(arr) || json_array_size(arr) > CHECKIN_MAX_INSTRUMENTS)
		rc = tdm_fail(&c->err, TDM_EINVAL, "instruments", "instruments must list 1 to %d codes",
			      CHECKIN_MAX_INSTRUMENTS);
	json_array_foreach(rc ? NULL : arr, i, v) {
		if (!json_is_string(v)) {
			rc = tdm_fail(&c->err, TDM_EINVAL, "instruments", "instruments must be codes");
			break;
		}
		codes[n++] = json_string_value(v);
	}
	json_t *m = json_object_get(o, "expires_minutes");
	if (!rc && m) {
		if (!json_is_integer(m))
			rc = tdm_fail(&c->err, TDM_EINVAL, "expires_minutes", "expires_minutes must be a whole number");
		else
			minutes = (long)json_integer_value(m);
	}
	struct checkin ck;
	if (!rc)
		rc = checkin_create(c->db, &c->actor, c->ids[0], codes, n,
				    minutes < 0 || minutes > 100000 ? 0 : (int)minutes, &ck, &c->err);
	json_decref(o);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	char link[80];
	snprintf(link, sizeof link, "/checkin/%s", ck.token);
	json_t *list = json_array();
	for (int k = 0; list && k < ck.n_instruments; k++)
		json_array_append_new(list, json_string(ck.instruments[k]->code));
	api_reply(c, 201, json_pack("{s:I, s:s, s:s, s:s, s:s, s:o}", "id", (json_int_t)ck.id, "token",
				    ck.token, "code", ck.code, "link", link, "expires_at", ck.expires_at,
				    "instruments", list));
	crypto_wipe(ck.token, sizeof ck.token);
}

/* {code} is the link's token (43 characters) or the tablet code (9). */
static void split_key(const char *key, const char **token, const char **code)
{
	*token = strlen(key) == TOKEN_LEN - 1 ? key : NULL;
	*code = *token ? NULL : key;
}

void api_checkin_get(struct api_ctx *c)
{
	const char *token, *code;
	struct checkin ck;
	split_key(c->code, &token, &code);
	enum tdm_status rc = checkin_open(c->db, token, code, c->actor.addr, c->actor.request_id,
					  "checkin.open", 1, &ck, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	/* Only what answering needs: no bands, rules or scoring details. */
	static const char *const keep[] = {"code", "name", "version", "stem", "recall", "attribution",
					   "licence", "item_list", "missing", NULL};
	json_t *list = json_array();
	for (int k = 0; list && k < ck.n_instruments; k++) {
		json_t *full = instrument_json(ck.instruments[k], 1), *slim = json_object();
		for (int i = 0; full && slim && keep[i]; i++)
			json_object_set(slim, keep[i], json_object_get(full, keep[i]));
		json_decref(full);
		json_array_append_new(list, slim);
	}
	api_reply(c, 200, json_pack("{s:s, s:s, s:o}", "greeting", ck.given_name, "expires_at",
				    ck.expires_at, "instruments", list));
}

void api_checkin_submit(struct api_ctx *c)
{
	static const char *const fields[] = {"answers", NULL};
	const char *token, *code;
	struct checkin ck;
	split_key(c->code, &token, &code);
	enum tdm_status rc = checkin_open(c->db, token, code, c->actor.addr, c->actor.request_id,
					  "checkin.submit", 0, &ck, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	int values[CHECKIN_MAX_INSTRUMENTS][INSTR_MAX_ITEMS];
	json_t *answers = json_object_get(o, "answers");
	if (!json_is_array(answers) || (int)json_array_size(answers) != ck.n_instruments)
		rc = tdm_fail(&c->err, TDM_EINVAL, "answers", "answers must hold one list per questionnaire (%d)",
			      ck.n_instruments);
	for (int k = 0; !rc && k < ck.n_instruments; k++) {
		char field[32];
		snprintf(field, sizeof field, "answers.%d", k);
		rc = read_answers(c, json_array_get(answers, (size_t)k), ck.instruments[k], field, values[k]);
	}
	json_decref(o);
	struct assessment *results = NULL;
	if (!rc && !(results = calloc(CHECKIN_MAX_INSTRUMENTS, sizeof *results)))
		rc = tdm_fail(&c->err, TDM_ENOMEM, NULL, "out of memory");
	if (!rc)
		rc = checkin_submit(c->db, token, code, values, ck.n_instruments, c->actor.addr,
				    c->actor.request_id, results, &c->err);
	free(results);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	/* The patient sees a thank-you, never scores or alerts. */
	api_reply(c, 201, json_pack("{s:s, s:i}", "message",
				    "Thank you. Your answers were sent to your care team.", "completed",
				    ck.n_instruments));
}
