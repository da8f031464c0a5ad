/*
 * api_notes.c - progress notes (SOAP, DAP, BIRP) on therapy sessions, their
 * signatures and addenda, the unsigned list, and psychotherapy notes.
 *
 * A note's JSON: {"format", "shared": {section: text}, "individual":
 * {"<patient id>": {section: text, "objectives": [{"plan_id", "objective_id"}]}}}.
 * A note read for a chart carries only that chart's individual part.
 */
#include "api/api.h"
#include "domain/note.h"
#include "util/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A patient id written as an object key: 1-15 digits, no leading zero. */
static int64_t key_id(const char *k)
{
	int64_t v = 0;
	int n = 0;
	if (*k == '0')
		return 0;
	for (; *k; k++, n++) {
		if (*k < '0' || *k > '9' || n == 15)
			return 0;
		v = v * 10 + (*k - '0');
	}
	return n ? v : 0;
}

static enum tdm_status read_objectives(struct api_ctx *c, json_t *arr, const char *where, struct note_part_in *p)
{
	char field[64];
	snprintf(field, sizeof field, "%s.objectives", where);
	if (!json_is_array(arr))
		return tdm_fail(&c->err, TDM_EINVAL, field, "%s must be a list of {\"plan_id\", \"objective_id\"}", field);
	if (json_array_size(arr) > TDM_MAX_NOTE_OBJECTIVES)
		return tdm_fail(&c->err, TDM_EINVAL, field, "%s lists more than %d objectives", field,
				TDM_MAX_NOTE_OBJECTIVES);
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		json_t *plan = json_object_get(v, "plan_id"), *key = json_object_get(v, "objective_id");
		if (!json_is_object(v) || json_object_size(v) != 2 || !json_is_integer(plan) ||
		    json_integer_value(plan) <= 0 || json_integer_value(plan) > 0x7fffffffffffLL || !json_is_string(key) ||
		    !json_string_length(key) || json_string_length(key) >= NOTE_KEY_LEN ||
		    strlen(json_string_value(key)) != json_string_length(key))
			return tdm_fail(&c->err, TDM_EINVAL, field,
					"each objective is {\"plan_id\": N, \"objective_id\": \"O1\"} (the id in the plan)");
		p->objectives[p->n_objectives].plan_id = (int64_t)json_integer_value(plan);
		snprintf(p->objectives[p->n_objectives].key, NOTE_KEY_LEN, "%s", json_string_value(key));
		p->n_objectives++;
	}
	return TDM_OK;
}

/* One part: its sections (texts borrowed from the JSON) and, for an
 * individual part, its objectives. */
static enum tdm_status read_part(struct api_ctx *c, json_t *o, const char *format, const char *where, int individual,
				 struct note_part_in *p)
{
	const char *names[NOTE_MAX_SECTIONS];
	int n = note_sections(format, names);
	if (!json_is_object(o))
		return tdm_fail(&c->err, TDM_EINVAL, where, "%s must be an object of sections", where);
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		char field[96];
		snprintf(field, sizeof field, "%s.%.40s", where, key);
		if (individual && !strcmp(key, "objectives")) {
			enum tdm_status rc = read_objectives(c, v, where, p);
			if (rc)
				return rc;
			continue;
		}
		int k = -1;
		for (int i = 0; i < n; i++)
			if (!strcmp(names[i], key))
				k = i;
		if (k < 0)
			return tdm_fail(&c->err, TDM_EINVAL, field, "unknown section '%.40s' for a %s note", key, format);
		if (json_is_null(v))
			continue;
		if (!json_is_string(v))
			return tdm_fail(&c->err, TDM_EINVAL, field, "%s must be text", field);
		if (json_string_length(v) > TDM_LEN_NOTE_SECTION)
			return tdm_fail(&c->err, TDM_EINVAL, field, "%s is longer than %d characters", field,
					TDM_LEN_NOTE_SECTION);
		if (strlen(json_string_value(v)) != json_string_length(v))
			return tdm_fail(&c->err, TDM_EINVAL, field, "%s must not contain NUL characters", field);
		p->text[k] = json_string_value(v);
	}
	return TDM_OK;
}

/* The body of a create or a change. in's texts point into o. */
static enum tdm_status read_note(struct api_ctx *c, json_t *o, struct note_input *in)
{
	memset(in, 0, sizeof *in);
	enum tdm_status rc = api_str(c, o, "format", 1, 7, in->format, sizeof in->format);
	const char *names[NOTE_MAX_SECTIONS];
	if (!rc && !note_sections(in->format, names))
		rc = tdm_fail(&c->err, TDM_EINVAL, "format", "format must be SOAP, DAP or BIRP");
	json_t *shared = json_object_get(o, "shared");
	if (!rc && shared && !json_is_null(shared))
		rc = read_part(c, shared, in->format, "shared", 0, &in->shared);
	json_t *ind = json_object_get(o, "individual");
	if (rc || !ind || json_is_null(ind))
		return rc;
	if (!json_is_object(ind))
		return tdm_fail(&c->err, TDM_EINVAL, "individual", "individual must be an object keyed by patient id");
	if (json_object_size(ind) > THERAPY_GROUP_CEILING)
		return tdm_fail(&c->err, TDM_EINVAL, "individual", "individual has more than %d parts",
				THERAPY_GROUP_CEILING);
	const char *key;
	json_t *v;
	json_object_foreach(ind, key, v) {
		int64_t pid = key_id(key);
		char where[48];
		snprintf(where, sizeof where, "individual.%.20s", key);
		if (!pid)
			return tdm_fail(&c->err, TDM_EINVAL, "individual", "individual is keyed by patient id, not '%.20s'",
					key);
		struct note_part_in *p = &in->individual[in->n_individual++];
		p->patient_id = pid;
		if ((rc = read_part(c, v, in->format, where, 1, p)))
			return rc;
	}
	return TDM_OK;
}

static json_t *part_json(const struct note *n, const struct note_part *p, int individual)
{
	const char *names[NOTE_MAX_SECTIONS];
	int k = note_sections(n->format, names);
	json_t *o = json_object();
	for (int i = 0; o && i < k; i++)
		json_object_set_new(o, names[i], p->text[i] ? json_string(p->text[i]) : json_null());
	if (o && individual) {
		json_t *arr = json_array();
		for (int i = 0; arr && i < p->n_objectives; i++)
			json_array_append_new(arr, json_pack("{s:I, s:s}", "plan_id", (json_int_t)p->objectives[i].plan_id,
							     "objective_id", p->objectives[i].key));
		json_object_set_new(o, "objectives", arr);
	}
	return o;
}

static json_t *note_json(const struct note *n)
{
	json_t *o = json_pack("{s:I, s:I, s:{s:s, s:s, s:s, s:i}, s:s, s:s, s:i, s:s, s:s, s:s}", "id",
			      (json_int_t)n->id, "session_id", (json_int_t)n->session_id, "session", "kind",
			      n->session_kind, "modality", n->modality, "starts_at", n->starts_at, "minutes", n->minutes,
			      "format", n->format, "status", n->status, "version", n->version, "author", n->author,
			      "created_at", n->created_at, "updated_at", n->updated_at);
	if (!o)
		return NULL;
	json_object_set_new(o, "signature", n->signed_at[0] ? json_pack("{s:s, s:s}", "by", n->signed_by, "at",
									 n->signed_at)
							    : json_null());
	json_object_set_new(o, "cosignature", n->cosigner[0] ? json_pack("{s:s, s:o, s:o}", "required_by", n->cosigner,
									 "by", api_text(n->cosigned_by), "at",
									 api_text(n->cosigned_at))
							     : json_null());
	json_object_set_new(o, "shared", part_json(n, &n->shared, 0));
	json_t *ind = json_object();
	for (int i = 0; ind && i < n->n_individual; i++) {
		char key[24];
		snprintf(key, sizeof key, "%lld", (long long)n->individual[i].patient_id);
		json_object_set_new(ind, key, part_json(n, &n->individual[i], 1));
	}
	json_object_set_new(o, "individual", ind);
	json_t *add = json_array();
	for (int i = 0; add && i < n->n_addenda; i++) {
		const struct note_addendum *a = &n->addenda[i];
		json_array_append_new(add, json_pack("{s:I, s:o, s:s, s:s, s:s}", "id", (json_int_t)a->id, "patient_id",
						     a->patient_id ? json_integer(a->patient_id) : json_null(), "text",
						     a->text ? a->text : "", "author", a->author, "signed_at", a->signed_at));
	}
	json_object_set_new(o, "addenda", add);
	json_object_set_new(o, "chart", n->chart_patient ? json_integer(n->chart_patient) : json_null());
	if (!n->chart_patient) {
		json_t *charts = json_array();
		for (int i = 0; charts && i < n->n_charts; i++)
			json_array_append_new(charts, json_integer(n->charts[i]));
		json_object_set_new(o, "charts", charts);
	}
	return o;
}

static void reply_note(struct api_ctx *c, enum tdm_status rc, struct note *n, int status)
{
	if (rc) {
		api_fail(c, rc);
		return;
	}
	api_reply(c, status, note_json(n));
	note_release(n);
}

static const char *const note_fields[] = {"format", "shared", "individual", NULL};

void api_note_create(struct api_ctx *c)
{
	json_t *o = api_body(c, note_fields);
	if (!o)
		return;
	struct note_input *in = malloc(sizeof *in);
	struct note n;
	memset(&n, 0, sizeof n);
	enum tdm_status rc = in ? read_note(c, o, in) : tdm_fail(&c->err, TDM_ENOMEM, NULL, "out of memory");
	if (!rc)
		rc = note_create(c->db, &c->actor, c->ids[0], in, &n, &c->err);
	free(in);
	json_decref(o);
	reply_note(c, rc, &n, 201);
}

void api_note_update(struct api_ctx *c)
{
	json_t *o = api_body(c, note_fields);
	if (!o)
		return;
	struct note_input *in = malloc(sizeof *in);
	struct note n;
	memset(&n, 0, sizeof n);
	enum tdm_status rc = in ? read_note(c, o, in) : tdm_fail(&c->err, TDM_ENOMEM, NULL, "out of memory");
	if (!rc)
		rc = note_update(c->db, &c->actor, c->ids[0], in, &n, &c->err);
	free(in);
	json_decref(o);
	reply_note(c, rc, &n, 200);
}

void api_note_get(struct api_ctx *c)
{
	static const char *const params[] = {"patient", NULL};
	int64_t patient = 0;
	enum tdm_status rc = api_query_only(c, params);
	if (!rc)
		rc = api_query_id(c, "patient", &patient);
	struct note n;
	memset(&n, 0, sizeof n);
	if (!rc)
		rc = note_get(c->db, &c->actor, c->ids[0], patient, &n, &c->err);
	reply_note(c, rc, &n, 200);
}

void api_note_list(struct api_ctx *c)
{
	static const char *const params[] = {"limit", "offset", NULL};
	int limit, offset;
	enum tdm_status rc = api_query_only(c, params);
	if (!rc)
		rc = api_page(c, &limit, &offset);
	struct note *rows = NULL;
	int n = 0;
	int64_t total = 0;
	if (!rc)
		rc = note_list(c->db, &c->actor, c->ids[0], limit, offset, &rows, &n, &total, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *items = json_array();
	for (int i = 0; items && i < n; i++)
		json_array_append_new(items, note_json(&rows[i]));
	note_list_free(rows, n);
	api_reply(c, 200, api_page_json(items, total, limit, offset));
}

void api_note_sign(struct api_ctx *c)
{
	struct note n;
	enum tdm_status rc = api_query_only(c, (const char *const[]){NULL});
	memset(&n, 0, sizeof n);
	if (!rc)
		rc = note_sign(c->db, &c->actor, c->ids[0], &n, &c->err);
	reply_note(c, rc, &n, 200);
}

void api_note_cosign(struct api_ctx *c)
{
	struct note n;
	enum tdm_status rc = api_query_only(c, (const char *const[]){NULL});
	memset(&n, 0, sizeof n);
	if (!rc)
		rc = note_cosign(c->db, &c->actor, c->ids[0], &n, &c->err);
	reply_note(c, rc, &n, 200);
}

void api_note_addendum(struct api_ctx *c)
{
	static const char *const fields[] = {"text", "patient_id", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	char *text = malloc(TDM_LEN_NOTE_TEXT + 1);
	int64_t patient = 0;
	enum tdm_status rc = text ? api_str(c, o, "text", 1, TDM_LEN_NOTE_TEXT, text, TDM_LEN_NOTE_TEXT + 1)
				  : tdm_fail(&c->err, TDM_ENOMEM, NULL, "out of memory");
	json_t *p = json_object_get(o, "patient_id");
	if (!rc && p && !json_is_null(p)) {
		if (!json_is_integer(p) || json_integer_value(p) <= 0 || json_integer_value(p) > 0x7fffffffffffLL)
			rc = tdm_fail(&c->err, TDM_EINVAL, "patient_id", "patient_id must be a positive id");
		else
			patient = (int64_t)json_integer_value(p);
	}
	json_decref(o);
	struct note_addendum ad;
	if (!rc)
		rc = note_addendum_add(c->db, &c->actor, c->ids[0], patient, text, &ad, &c->err);
	if (rc)
		api_fail(c, rc);
	else
		api_reply(c, 201, json_pack("{s:I, s:I, s:o, s:s, s:s, s:s}", "id", (json_int_t)ad.id, "note_id",
					    (json_int_t)c->ids[0], "patient_id",
					    ad.patient_id ? json_integer(ad.patient_id) : json_null(), "text", text,
					    "author", ad.author, "signed_at", ad.signed_at));
	free(text);
}

static json_t *pending_json(const struct note_pending *p, int n)
{
	json_t *arr = json_array();
	for (int i = 0; arr && i < n; i++)
		json_array_append_new(arr, json_pack("{s:I, s:I, s:{s:s, s:s, s:s}, s:s, s:s, s:o, s:i}", "id",
						     (json_int_t)p[i].id, "session_id", (json_int_t)p[i].session_id,
						     "session", "kind", p[i].session_kind, "modality", p[i].modality,
						     "starts_at", p[i].starts_at, "author", p[i].author, "created_at",
						     p[i].created_at, "signed_at", api_text(p[i].signed_at), "hours",
						     p[i].hours));
	return arr;
}

void api_note_pending(struct api_ctx *c)
{
	struct note_pending *un = NULL, *co = NULL;
	int n_un = 0, n_co = 0;
	enum tdm_status rc = api_query_only(c, (const char *const[]){NULL});
	if (!rc)
		rc = note_pending(c->db, &c->actor, &un, &n_un, &co, &n_co, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *out = api_page_json(pending_json(un, n_un), n_un, TDM_PAGE_MAX, 0);
	if (out) {
		json_object_set_new(out, "unsigned_after_hours", json_integer(therapy_config()->unsigned_after_hours));
		json_object_set_new(out, "awaiting_cosign", pending_json(co, n_co));
	}
	free(un);
	free(co);
	api_reply(c, 200, out);
}

/* ---- psychotherapy notes ---- */

static json_t *pnote_json(const struct psychotherapy_note *p)
{
	return json_pack("{s:I, s:s, s:I, s:o, s:s, s:s, s:s}", "id", (json_int_t)p->id, "kind", "psychotherapy",
			 "patient_id", (json_int_t)p->patient_id, "session_id",
			 p->session_id ? json_integer(p->session_id) : json_null(), "text", p->text ? p->text : "",
			 "author", p->author, "created_at", p->created_at);
}

void api_pnote_create(struct api_ctx *c)
{
	static const char *const fields[] = {"text", "session_id", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	char *text = malloc(TDM_LEN_NOTE_TEXT + 1);
	int64_t session = 0;
	enum tdm_status rc = text ? api_str(c, o, "text", 1, TDM_LEN_NOTE_TEXT, text, TDM_LEN_NOTE_TEXT + 1)
				  : tdm_fail(&c->err, TDM_ENOMEM, NULL, "out of memory");
	json_t *s = json_object_get(o, "session_id");
	if (!rc && s && !json_is_null(s)) {
		if (!json_is_integer(s) || json_integer_value(s) <= 0 || json_integer_value(s) > 0x7fffffffffffLL)
			rc = tdm_fail(&c->err, TDM_EINVAL, "session_id", "session_id must be a positive id");
		else
			session = (int64_t)json_integer_value(s);
	}
	json_decref(o);
	struct psychotherapy_note p;
	memset(&p, 0, sizeof p);
	if (!rc)
		rc = psychotherapy_note_add(c->db, &c->actor, c->ids[0], session, text, &p, &c->err);
	free(text);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	api_reply(c, 201, pnote_json(&p));
	psychotherapy_note_release(&p);
}

void api_pnote_list(struct api_ctx *c)
{
	struct psychotherapy_note *rows = NULL;
	int n = 0;
	enum tdm_status rc = api_query_only(c, (const char *const[]){NULL});
	if (!rc)
		rc = psychotherapy_note_list(c->db, &c->actor, c->ids[0], &rows, &n, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *items = json_array();
	for (int i = 0; items && i < n; i++)
		json_array_append_new(items, pnote_json(&rows[i]));
	psychotherapy_note_list_free(rows, n);
	api_reply(c, 200, api_page_json(items, n, TDM_PAGE_MAX, 0));
}

void api_pnote_get(struct api_ctx *c)
{
	struct psychotherapy_note p;
	memset(&p, 0, sizeof p);
	enum tdm_status rc = api_query_only(c, (const char *const[]){NULL});
	if (!rc)
		rc = psychotherapy_note_get(c->db, &c->actor, c->ids[0], &p, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	api_reply(c, 200, pnote_json(&p));
	psychotherapy_note_release(&p);
}
