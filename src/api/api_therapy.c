/*
 * api_therapy.c - therapy sessions, weekly series, attendance, triggers and
 * coping skills, the relapse-prevention plan. Progress and psychotherapy
 * notes are api_notes.c.
 */
#include "api/api.h"
#include "domain/session.h"
#include "domain/therapy.h"
#include "domain/trigger.h"
#include "util/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- sessions ---- */

/* A JSON array of distinct positive ids, at most max. */
static enum tdm_status id_list(struct api_ctx *c, json_t *o, const char *key, int required, int64_t *ids, int max,
			       int *n)
{
	json_t *arr = json_object_get(o, key);
	*n = 0;
	if (!arr || json_is_null(arr)) {
		if (required)
			return tdm_fail(&c->err, TDM_EINVAL, key, "%s is required", key);
		return TDM_OK;
	}
	if (!json_is_array(arr))
		return tdm_fail(&c->err, TDM_EINVAL, key, "%s must be a list of ids", key);
	if (json_array_size(arr) > (size_t)max)
		return tdm_fail(&c->err, TDM_EINVAL, key, "%s lists more than %d ids", key, max);
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) <= 0 || json_integer_value(v) > 0x7fffffffffffLL)
			return tdm_fail(&c->err, TDM_EINVAL, key, "%s must be a list of positive ids", key);
		ids[(*n)++] = (int64_t)json_integer_value(v);
	}
	return TDM_OK;
}

static enum tdm_status read_session_input(struct api_ctx *c, json_t *o, int series, struct session_input *in)
{
	memset(in, 0, sizeof *in);
	enum tdm_status rc = api_str(c, o, "kind", !series, 11, in->kind, sizeof in->kind);
	if (!rc && series && !in->kind[0])
		snprintf(in->kind, sizeof in->kind, "group");
	if (!rc)
		rc = api_str(c, o, "modality", 1, THERAPY_LEN_MODALITY, in->modality, sizeof in->modality);
	if (!rc)
		rc = api_str(c, o, "title", 0, TDM_LEN_NAME, in->title, sizeof in->title);
	if (!rc)
		rc = api_str(c, o, "clinician", 0, TDM_LEN_USERNAME, in->clinician, sizeof in->clinician);
	if (!rc)
		rc = api_str(c, o, "room", 0, THERAPY_LEN_ROOM, in->room, sizeof in->room);
	if (!rc)
		rc = api_bool(c, o, "telehealth", &in->telehealth);
	if (!rc)
		rc = api_str(c, o, "starts_at", 1, sizeof in->starts_at - 1, in->starts_at, sizeof in->starts_at);
	if (!rc)
		rc = api_int(c, o, "minutes", 1, therapy_config()->min_minutes, therapy_config()->max_minutes,
			     &in->minutes);
	if (!rc)
		rc = id_list(c, o, "patients", 1, in->patients, THERAPY_GROUP_CEILING, &in->n_patients);
	if (!rc && series) {
		rc = api_int(c, o, "count", 0, 1, therapy_config()->max_series_sessions, &in->count);
		if (!rc)
			rc = api_date(c, o, "until", 0, in->until);
	}
	return rc;
}

static json_t *attendance_json(const struct session_patient *p)
{
	if (!p->status[0])
		return json_null();
	return json_pack("{s:s, s:o, s:s, s:s}", "status", p->status, "note", api_text(p->note), "recorded_at",
			 p->recorded_at, "recorded_by", p->recorded_by);
}

static json_t *session_json(const struct session *s)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:o, s:s, s:s, s:o, s:o, s:s, s:o, s:b, s:s, s:s, s:i, s:s, s:o,"
			      " s:s, s:s}",
			      "id", (json_int_t)s->id, "site_id", (json_int_t)s->site_id, "site", s->site_code,
			      "series_id", s->series_id ? json_integer(s->series_id) : json_null(), "kind", s->kind,
			      "modality", s->modality, "modality_label", api_text(therapy_modality_label(s->modality)),
			      "title", api_text(s->title), "clinician", s->clinician, "room", api_text(s->room),
			      "telehealth", s->telehealth, "starts_at", s->starts_at, "ends_at", s->ends_at, "minutes",
			      s->minutes, "status", s->status, "note_id",
			      s->note_id ? json_integer(s->note_id) : json_null(), "created_at", s->created_at,
			      "created_by", s->created_by);
	if (!o)
		return NULL;
	json_object_set_new(o, "cancellation",
			    strcmp(s->status, "scheduled")
				    ? json_pack("{s:s, s:s, s:s}", "reason", s->cancel_reason, "at", s->cancelled_at,
						"by", s->cancelled_by)
				    : json_null());
	json_t *pts = json_array();
	for (int i = 0; pts && i < s->n_patients; i++) {
		const struct session_patient *p = &s->patients[i];
		json_array_append_new(pts, json_pack("{s:I, s:s, s:s, s:s, s:o}", "id", (json_int_t)p->id, "mrn", p->mrn,
						     "family_name", p->family_name, "given_name", p->given_name,
						     "attendance", attendance_json(p)));
	}
	json_object_set_new(o, "patients", pts);
	return o;
}

void api_therapy_session_create(struct api_ctx *c)
{
	static const char *const fields[] = {"kind", "modality", "title", "clinician", "room", "telehealth",
					     "starts_at", "minutes", "patients", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	struct session_input in;
	enum tdm_status rc = read_session_input(c, o, 0, &in);
	json_decref(o);
	struct session s;
	memset(&s, 0, sizeof s);
	if (!rc)
		rc = session_create(c->db, &c->actor, &in, &s, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	api_reply(c, 201, session_json(&s));
	session_release(&s);
}

void api_therapy_session_list(struct api_ctx *c)
{
	static const char *const params[] = {"clinician", "room", "from", "to", "site", "limit", "offset", NULL};
	struct session_query q;
	memset(&q, 0, sizeof q);
	enum tdm_status rc = api_query_only(c, params);
	if (!rc)
		rc = api_page(c, &q.limit, &q.offset);
	if (!rc)
		rc = api_query_id(c, "site", &q.site_id);
	const char *v;
	if (!rc && (v = api_query(c, "clinician")) && strlen(v) > TDM_LEN_USERNAME)
		rc = tdm_fail(&c->err, TDM_EINVAL, "clinician", "clinician is a username of at most %d characters",
			      TDM_LEN_USERNAME);
	else if (!rc && v)
		snprintf(q.clinician, sizeof q.clinician, "%s", v);
	if (!rc && (v = api_query(c, "room")) && strlen(v) > THERAPY_LEN_ROOM)
		rc = tdm_fail(&c->err, TDM_EINVAL, "room", "room is at most %d characters", THERAPY_LEN_ROOM);
	else if (!rc && v)
		snprintf(q.room, sizeof q.room, "%s", v);
	if (!rc) {
		const char *from = api_query(c, "from"), *to = api_query(c, "to");
		if (from && !date_valid(from))
			rc = tdm_fail(&c->err, TDM_EINVAL, "from", "from must be a date YYYY-MM-DD");
		else if (to && !date_valid(to))
			rc = tdm_fail(&c->err, TDM_EINVAL, "to", "to must be a date YYYY-MM-DD");
		if (from)
			snprintf(q.from, sizeof q.from, "%s", from);
		else
			date_today(q.from);
		if (to)
			snprintf(q.to, sizeof q.to, "%s", to);
		else if (!rc)
			date_add_days(q.from, 6, q.to);
	}
	struct session *rows = NULL;
	int n = 0;
	int64_t total = 0;
	if (!rc)
		rc = session_calendar(c->db, &c->actor, &q, &rows, &n, &total, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *items = json_array();
	for (int i = 0; items && i < n; i++)
		json_array_append_new(items, session_json(&rows[i]));
	session_list_free(rows, n);
	json_t *out = api_page_json(items, total, q.limit, q.offset);
	if (out) {
		json_object_set_new(out, "from", json_string(q.from));
		json_object_set_new(out, "to", json_string(q.to));
	}
	api_reply(c, 200, out);
}

void api_therapy_session_get(struct api_ctx *c)
{
	struct session s;
	memset(&s, 0, sizeof s);
	enum tdm_status rc = api_query_only(c, (const char *const[]){NULL});
	if (!rc)
		rc = session_get(c->db, &c->actor, c->ids[0], &s, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	api_reply(c, 200, session_json(&s));
	session_release(&s);
}

void api_therapy_session_cancel(struct api_ctx *c)
{
	char reason[TDM_LEN_REASON + 1];
	if (!api_reason_body(c, reason))
		return;
	struct session s;
	memset(&s, 0, sizeof s);
	enum tdm_status rc = session_cancel(c->db, &c->actor, c->ids[0], reason, &s, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	api_reply(c, 200, session_json(&s));
	session_release(&s);
}

static json_t *summary_json(const struct attendance_summary *s)
{
	return json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:o, s:i}", "sessions", s->sessions, "attended",
			 s->attended, "absent_unexcused", s->absent_unexcused, "absent_excused", s->absent_excused,
			 "cancelled_by_program", s->cancelled, "not_recorded", s->not_recorded, "rate",
			 s->rate_known ? json_real((double)(long)(s->rate * 1000 + 0.5) / 1000) : json_null(),
			 "consecutive_unexcused", s->consecutive_unexcused);
}

void api_attendance_put(struct api_ctx *c)
{
	static const char *const fields[] = {"status", "note", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	char status[24], note[TDM_LEN_REASON + 1];
	enum tdm_status rc = api_str(c, o, "status", 1, 23, status, sizeof status);
	if (!rc)
		rc = api_str(c, o, "note", 0, TDM_LEN_REASON, note, sizeof note);
	json_decref(o);
	struct attendance_result *r = calloc(1, sizeof *r);
	if (!r)
		rc = tdm_fail(&c->err, TDM_ENOMEM, NULL, "out of memory");
	if (!rc)
		rc = attendance_record(c->db, &c->actor, c->ids[0], c->ids[1], status, note, r, &c->err);
	if (rc) {
		free(r);
		api_fail(c, rc);
		return;
	}
	json_t *hist = json_array();
	for (int i = 0; hist && i < r->n_history; i++)
		json_array_append_new(hist, json_pack("{s:I, s:s, s:o, s:s, s:s}", "id", (json_int_t)r->history[i].id,
						       "status", r->history[i].status, "note",
						       api_text(r->history[i].note), "recorded_at",
						       r->history[i].recorded_at, "recorded_by", r->history[i].recorded_by));
	const struct attendance_row *cur = &r->history[0];
	json_t *out = json_pack("{s:I, s:I, s:s, s:o, s:s, s:s, s:o, s:o}", "session_id", (json_int_t)r->session_id,
				"patient_id", (json_int_t)r->patient_id, "status", cur->status, "note",
				api_text(cur->note), "recorded_at", cur->recorded_at, "recorded_by", cur->recorded_by,
				"history", hist, "summary", summary_json(&r->summary));
	if (out)
		json_object_set_new(out, "alert",
				    r->alert_id ? json_pack("{s:I, s:s, s:s}", "id", (json_int_t)r->alert_id, "rule_id",
							    "therapy-consecutive-absences", "recipient", r->alert_to)
						: json_null());
	free(r);
	api_reply(c, 200, out);
}

void api_patient_sessions(struct api_ctx *c)
{
	static const char *const params[] = {"limit", "offset", NULL};
	int limit, offset;
	enum tdm_status rc = api_query_only(c, params);
	if (!rc)
		rc = api_page(c, &limit, &offset);
	struct session *rows = NULL;
	int n = 0;
	int64_t total = 0;
	struct attendance_summary sum;
	if (!rc)
		rc = session_patient_list(c->db, &c->actor, c->ids[0], limit, offset, &rows, &n, &total, &sum, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *items = json_array();
	for (int i = 0; items && i < n; i++) {
		json_t *s = session_json(&rows[i]);
		/* This patient's attendance only; the roster stays off the chart. */
		if (s) {
			json_object_set_new(s, "attendance",
					    rows[i].n_patients ? attendance_json(&rows[i].patients[0]) : json_null());
			json_object_del(s, "patients");
		}
		json_array_append_new(items, s);
	}
	session_list_free(rows, n);
	json_t *out = api_page_json(items, total, limit, offset);
	if (out)
		json_object_set_new(out, "attendance", summary_json(&sum));
	api_reply(c, 200, out);
}

/* ---- series ---- */

static json_t *series_json(const struct series *r)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:o, s:s, s:o, s:b, s:i, s:s, s:s}", "id", (json_int_t)r->id,
			      "site_id", (json_int_t)r->site_id, "kind", r->kind, "modality", r->modality, "title",
			      api_text(r->title), "clinician", r->clinician, "room", api_text(r->room), "telehealth",
			      r->telehealth, "minutes", r->minutes, "created_at", r->created_at, "created_by",
			      r->created_by);
	if (!o)
		return NULL;
	json_t *roster = json_array(), *sessions = json_array();
	for (int i = 0; roster && i < r->n_roster; i++)
		json_array_append_new(roster, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)r->roster[i].id, "mrn",
							r->roster[i].mrn, "name", r->roster[i].name));
	for (int i = 0; sessions && i < r->n_sessions; i++)
		json_array_append_new(sessions, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)r->sessions[i].id,
							  "starts_at", r->sessions[i].starts_at, "status",
							  r->sessions[i].status));
	json_object_set_new(o, "roster", roster);
	json_object_set_new(o, "sessions", sessions);
	return o;
}

/* Series are large (a roster and up to a hundred sessions): on the heap. */
static void reply_series(struct api_ctx *c, enum tdm_status rc, struct series *r, int status)
{
	if (rc)
		api_fail(c, rc);
	else
		api_reply(c, status, series_json(r));
	free(r);
}

void api_series_create(struct api_ctx *c)
{
	static const char *const fields[] = {"kind", "modality", "title", "clinician", "room", "telehealth",
					     "starts_at", "minutes", "patients", "count", "until", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	struct session_input in;
	enum tdm_status rc = read_session_input(c, o, 1, &in);
	json_decref(o);
	struct series *r = calloc(1, sizeof *r);
	if (!r && !rc)
		rc = tdm_fail(&c->err, TDM_ENOMEM, NULL, "out of memory");
	if (!rc)
		rc = session_series_create(c->db, &c->actor, &in, r, &c->err);
	reply_series(c, rc, r, 201);
}

void api_series_get(struct api_ctx *c)
{
	struct series *r = calloc(1, sizeof *r);
	enum tdm_status rc = api_query_only(c, (const char *const[]){NULL});
	if (!rc)
		rc = r ? session_series_get(c->db, &c->actor, c->ids[0], r, &c->err)
		       : tdm_fail(&c->err, TDM_ENOMEM, NULL, "out of memory");
	reply_series(c, rc, r, 200);
}

void api_series_roster(struct api_ctx *c)
{
	static const char *const fields[] = {"patients", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	int64_t ids[THERAPY_GROUP_CEILING];
	int n = 0;
	enum tdm_status rc = id_list(c, o, "patients", 1, ids, THERAPY_GROUP_CEILING, &n);
	json_decref(o);
	struct series *r = calloc(1, sizeof *r);
	if (!r && !rc)
		rc = tdm_fail(&c->err, TDM_ENOMEM, NULL, "out of memory");
	if (!rc)
		rc = session_series_roster(c->db, &c->actor, c->ids[0], ids, n, r, &c->err);
	reply_series(c, rc, r, 200);
}

/* ---- triggers, coping skills, the relapse-prevention plan ---- */

static void reply_created(struct api_ctx *c, enum tdm_status rc, int64_t id, const char *kind)
{
	if (rc)
		api_fail(c, rc);
	else
		api_reply(c, 201, json_pack("{s:I, s:I, s:s}", "id", (json_int_t)id, "patient_id",
					    (json_int_t)c->ids[0], "kind", kind));
}

void api_trigger_create(struct api_ctx *c)
{
	static const char *const fields[] = {"category", "description", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	char category[16], description[RELAPSE_LEN_TEXT + 1];
	enum tdm_status rc = api_str(c, o, "category", 1, 15, category, sizeof category);
	if (!rc)
		rc = api_str(c, o, "description", 1, RELAPSE_LEN_TEXT, description, sizeof description);
	json_decref(o);
	int64_t id = 0;
	if (!rc)
		rc = trigger_add(c->db, &c->actor, c->ids[0], category, description, &id, &c->err);
	reply_created(c, rc, id, "trigger");
}

void api_coping_create(struct api_ctx *c)
{
	static const char *const fields[] = {"description", "trigger_ids", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	char description[RELAPSE_LEN_TEXT + 1];
	int64_t ids[COPING_MAX_TRIGGERS];
	int n = 0;
	enum tdm_status rc = api_str(c, o, "description", 1, RELAPSE_LEN_TEXT, description, sizeof description);
	if (!rc)
		rc = id_list(c, o, "trigger_ids", 0, ids, COPING_MAX_TRIGGERS, &n);
	json_decref(o);
	int64_t id = 0;
	if (!rc)
		rc = coping_add(c->db, &c->actor, c->ids[0], description, ids, n, &id, &c->err);
	reply_created(c, rc, id, "coping_strategy");
}

void api_coping_rate(struct api_ctx *c)
{
	static const char *const fields[] = {"effectiveness", "note", "rated_on", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	int eff = 0;
	char note[TDM_LEN_REASON + 1], on[DATE_LEN];
	enum tdm_status rc = api_int(c, o, "effectiveness", 1, EFFECTIVENESS_MIN, EFFECTIVENESS_MAX, &eff);
	if (!rc)
		rc = api_str(c, o, "note", 0, TDM_LEN_REASON, note, sizeof note);
	if (!rc)
		rc = api_date(c, o, "rated_on", 0, on);
	json_decref(o);
	int64_t id = 0, patient = 0;
	if (!rc)
		rc = coping_rate(c->db, &c->actor, c->ids[0], eff, note, on, &patient, &id, &c->err);
	if (rc)
		api_fail(c, rc);
	else
		api_reply(c, 201, json_pack("{s:I, s:I, s:I, s:i}", "id", (json_int_t)id, "strategy_id",
					    (json_int_t)c->ids[0], "patient_id", (json_int_t)patient, "effectiveness",
					    eff));
}

void api_warning_sign_create(struct api_ctx *c)
{
	static const char *const fields[] = {"description", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	char description[RELAPSE_LEN_TEXT + 1];
	enum tdm_status rc = api_str(c, o, "description", 1, RELAPSE_LEN_TEXT, description, sizeof description);
	json_decref(o);
	int64_t id = 0;
	if (!rc)
		rc = warning_sign_add(c->db, &c->actor, c->ids[0], description, &id, &c->err);
	reply_created(c, rc, id, "warning_sign");
}

void api_contact_create(struct api_ctx *c)
{
	static const char *const fields[] = {"name", "relationship", "phone", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	char name[TDM_LEN_NAME + 1], rel[RELAPSE_LEN_RELATION + 1], phone[TDM_LEN_PHONE + 1];
	enum tdm_status rc = api_str(c, o, "name", 1, TDM_LEN_NAME, name, sizeof name);
	if (!rc)
		rc = api_str(c, o, "relationship", 0, RELAPSE_LEN_RELATION, rel, sizeof rel);
	if (!rc)
		rc = api_str(c, o, "phone", 0, TDM_LEN_PHONE, phone, sizeof phone);
	json_decref(o);
	int64_t id = 0;
	if (!rc)
		rc = support_contact_add(c->db, &c->actor, c->ids[0], name, rel, phone, &id, &c->err);
	reply_created(c, rc, id, "contact");
}

void api_relapse_retire(struct api_ctx *c)
{
	static const char *const fields[] = {"kind", "id", "reason", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	char kind[24], reason[TDM_LEN_REASON + 1];
	int64_t ids[1] = {0};
	int n = 0;
	enum tdm_status rc = api_str(c, o, "kind", 1, 23, kind, sizeof kind);
	if (!rc) {
		json_t *v = json_object_get(o, "id");
		if (!v || !json_is_integer(v) || json_integer_value(v) <= 0 || json_integer_value(v) > 0x7fffffffffffLL)
			rc = tdm_fail(&c->err, TDM_EINVAL, "id", "id must be a positive id");
		else
			ids[n++] = (int64_t)json_integer_value(v);
	}
	if (!rc)
		rc = api_str(c, o, "reason", 1, TDM_LEN_REASON, reason, sizeof reason);
	json_decref(o);
	if (!rc)
		rc = relapse_retire(c->db, &c->actor, c->ids[0], kind, ids[0], reason, &c->err);
	if (rc)
		api_fail(c, rc);
	else
		api_reply(c, 200, json_pack("{s:s, s:I, s:s, s:s}", "kind", kind, "id", (json_int_t)ids[0], "status",
					    "retired", "reason", reason));
}

static void meta_set(json_t *o, const struct relapse_meta *m, int chart)
{
	if (!o)
		return;
	json_object_set_new(o, "recorded_at", json_string(m->recorded_at));
	json_object_set_new(o, "recorded_by", json_string(m->recorded_by));
	if (chart) {
		json_object_set_new(o, "retired", json_boolean(m->retired));
		if (m->retired)
			json_object_set_new(o, "retirement", json_pack("{s:s, s:s}", "reason", m->retired_reason, "at",
								      m->retired_at));
	}
}

static const struct trigger_item *find_trigger(const struct relapse_plan *p, int64_t id)
{
	for (int i = 0; i < p->n_triggers; i++)
		if (p->triggers[i].id == id)
			return &p->triggers[i];
	return NULL;
}

static json_t *trigger_json(const struct trigger_item *t, int chart)
{
	json_t *o = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)t->id, "category", t->category, "description",
			      t->description);
	meta_set(o, &t->m, chart);
	return o;
}

/* A strategy with its ratings (oldest first) and the linked triggers the
 * plan holds (retired triggers are not in the printable plan). */
static json_t *coping_json(const struct relapse_plan *p, const struct coping_item *s, int chart)
{
	json_t *o = json_pack("{s:I, s:s, s:o, s:o, s:o}", "id", (json_int_t)s->id, "description", s->description,
			      "latest_effectiveness", s->latest ? json_integer(s->latest) : json_null(), "latest_rated_on",
			      api_text(s->latest_on), "mean_effectiveness",
			      s->n_ratings ? json_real((double)(long)(s->mean * 100 + 0.5) / 100) : json_null());
	if (!o)
		return NULL;
	json_t *tids = json_array(), *ratings = json_array();
	for (int i = 0; tids && i < s->n_triggers; i++)
		if (find_trigger(p, s->trigger_ids[i]))
			json_array_append_new(tids, json_integer(s->trigger_ids[i]));
	for (int i = 0; ratings && i < p->n_ratings; i++) {
		const struct coping_rating *r = &p->ratings[i];
		if (r->strategy_id == s->id)
			json_array_append_new(ratings, json_pack("{s:I, s:i, s:o, s:s, s:s}", "id", (json_int_t)r->id,
								 "effectiveness", r->effectiveness, "note",
								 api_text(r->note), "rated_on", r->rated_on,
								 "recorded_by", r->recorded_by));
	}
	json_object_set_new(o, "trigger_ids", tids);
	json_object_set_new(o, "ratings", ratings);
	meta_set(o, &s->m, chart);
	return o;
}

static json_t *relapse_lists(const struct relapse_plan *p, int chart)
{
	json_t *o = json_object(), *tr = json_array(), *co = json_array(), *ws = json_array(), *ct = json_array();
	for (int i = 0; tr && i < p->n_triggers; i++)
		json_array_append_new(tr, trigger_json(&p->triggers[i], chart));
	for (int i = 0; co && i < p->n_strategies; i++)
		json_array_append_new(co, coping_json(p, &p->strategies[i], chart));
	for (int i = 0; ws && i < p->n_signs; i++) {
		json_t *w = json_pack("{s:I, s:s}", "id", (json_int_t)p->signs[i].id, "description",
				      p->signs[i].description);
		meta_set(w, &p->signs[i].m, chart);
		json_array_append_new(ws, w);
	}
	for (int i = 0; ct && i < p->n_contacts; i++) {
		const struct contact_item *k = &p->contacts[i];
		json_t *w = json_pack("{s:I, s:s, s:o, s:o}", "id", (json_int_t)k->id, "name", k->name, "relationship",
				      api_text(k->relationship), "phone", api_text(k->phone));
		meta_set(w, &k->m, chart);
		json_array_append_new(ct, w);
	}
	if (o) {
		json_object_set_new(o, "patient_id", json_integer(p->patient_id));
		json_object_set_new(o, "triggers", tr);
		json_object_set_new(o, "coping_strategies", co);
		json_object_set_new(o, "warning_signs", ws);
		json_object_set_new(o, "contacts", ct);
	}
	return o;
}

void api_trigger_list(struct api_ctx *c)
{
	struct relapse_plan p;
	enum tdm_status rc = api_query_only(c, (const char *const[]){NULL});
	if (!rc)
		rc = relapse_plan_load(c->db, &c->actor, c->ids[0], 0, "trigger.list", &p, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	api_reply(c, 200, relapse_lists(&p, 1));
	relapse_plan_release(&p);
}

void api_relapse_plan(struct api_ctx *c)
{
	struct relapse_plan p;
	enum tdm_status rc = api_query_only(c, (const char *const[]){NULL});
	if (!rc)
		rc = relapse_plan_load(c->db, &c->actor, c->ids[0], 1, "relapse_plan.read", &p, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *o = relapse_lists(&p, 0);
	if (o) {
		json_object_set_new(o, "title", json_string("My relapse-prevention plan"));
		json_object_set_new(o, "patient",
				    json_pack("{s:s, s:s, s:s, s:o}", "mrn", p.mrn, "family_name", p.family_name,
					      "given_name", p.given_name, "preferred_name", api_text(p.preferred_name)));
		json_object_set_new(o, "generated_at", json_string(p.generated_at));
		/* Triggers grouped by category, each with the strategies that
		 * answer it, best rated first: the part a patient reads. */
		json_t *groups = json_array();
		static const char *const cats[] = {"people", "places", "feelings", "situations", "other"};
		for (size_t k = 0; groups && k < sizeof cats / sizeof cats[0]; k++) {
			json_t *items = json_array();
			for (int i = 0; items && i < p.n_triggers; i++) {
				const struct trigger_item *t = &p.triggers[i];
				if (strcmp(t->category, cats[k]))
					continue;
				json_t *answers = json_array();
				for (int best = EFFECTIVENESS_MAX; answers && best >= 0; best--)
					for (int s = 0; s < p.n_strategies; s++) {
						const struct coping_item *ci = &p.strategies[s];
						int linked = 0;
						for (int j = 0; j < ci->n_triggers; j++)
							linked |= ci->trigger_ids[j] == t->id;
						if (linked && ci->latest == best)
							json_array_append_new(answers, json_pack("{s:I, s:s, s:o}", "id",
								(json_int_t)ci->id, "description", ci->description,
								"latest_effectiveness",
								ci->latest ? json_integer(ci->latest) : json_null()));
					}
				json_array_append_new(items, json_pack("{s:I, s:s, s:o}", "id", (json_int_t)t->id,
								       "description", t->description, "coping",
								       answers));
			}
			if (json_array_size(items))
				json_array_append_new(groups, json_pack("{s:s, s:o}", "category", cats[k], "triggers",
									items));
			else
				json_decref(items);
		}
		json_object_set_new(o, "by_category", groups);
		json_t *crisis = json_array();
		for (int i = 0; crisis && i < therapy_crisis_count(); i++)
			json_array_append_new(crisis, json_string(therapy_crisis_at(i)));
		json_object_set_new(o, "crisis_lines", crisis);
	}
	relapse_plan_release(&p);
	api_reply(c, 200, o);
}
