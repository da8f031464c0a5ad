/*
 * plan_doc.c - the pure half of treatment plans (plan.h): the review
 * settings and modality list from data files, the review schedule, and the
 * plan document's JSON form (parse with field-level errors, canonical
 * format for storage). Nothing here touches the database.
 */
#include "domain/plan.h"
#include "domain/instrument.h"
#include "domain/level.h"
#include "domain/result.h"
#include "util/conf.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
	struct {
		char level[16];
		int review_days, initial_days;
	} levels[LEVEL_MAX];
	int n_levels;
	int lead_days;
	struct {
		char id[PLAN_MODALITY_LEN];
		char label[96];
	} modalities[PLAN_MAX_MODALITIES];
	int n_modalities;
} PR;

/* ---- configuration ---- */

static int parse_days(const char *v, int lo, int hi, int *out)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (end == v || *end || errno || n < lo || n > hi)
		return -1;
	*out = (int)n;
	return 0;
}

static int level_slot(const char *level)
{
	for (int i = 0; i < PR.n_levels; i++)
		if (!strcmp(PR.levels[i].level, level))
			return i;
	return -1;
}

static enum tdm_status load_review(const char *dir, struct tdm_err *err)
{
	char path[512];
	struct conf c;
	snprintf(path, sizeof path, "%s/plan-review.conf", dir);
	enum tdm_status rc = conf_load(&c, path, err);
	if (rc)
		return rc;
	for (int i = 0; i < level_count() && i < LEVEL_MAX; i++)
		snprintf(PR.levels[PR.n_levels++].level, sizeof PR.levels[0].level, "%s", level_at(i)->id);
	PR.lead_days = -1;
	for (int i = 0; i < c.n && !rc; i++) {
		const struct conf_entry *e = &c.e[i];
		int review = !strcmp(e->section, "review_days"), initial = !strcmp(e->section, "initial_days");
		int bad = 0, days = 0;
		if (review || initial) {
			int s = level_slot(e->key);
			bad = s < 0 || parse_days(e->value, 1, 366, &days);
			if (!bad && review)
				PR.levels[s].review_days = days;
			else if (!bad)
				PR.levels[s].initial_days = days;
		} else if (!strcmp(e->section, "settings") && !strcmp(e->key, "lead_days")) {
			bad = parse_days(e->value, 0, 60, &PR.lead_days);
		} else {
			bad = 1;
		}
		if (bad)
			rc = tdm_fail(err, TDM_EINVAL, NULL, "%s:%d: bad entry '%s' (a level of data/levels.conf"
				      " with 1-366 days, or settings lead_days 0-60)", path, e->line, e->key);
	}
	conf_release(&c);
	for (int i = 0; !rc && i < PR.n_levels; i++)
		if (!PR.levels[i].review_days)
			rc = tdm_fail(err, TDM_EINVAL, NULL, "%s: no review_days for level '%s'", path,
				      PR.levels[i].level);
	if (!rc && PR.lead_days < 0)
		rc = tdm_fail(err, TDM_EINVAL, NULL, "%s: settings lead_days is missing", path);
	return rc;
}

static int modality_id_ok(const char *s)
{
	if (!*s || strlen(s) >= PLAN_MODALITY_LEN)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static enum tdm_status load_modalities(const char *dir, struct tdm_err *err)
{
	char path[512];
	struct conf c;
	snprintf(path, sizeof path, "%s/therapy.conf", dir);
	enum tdm_status rc = conf_load(&c, path, err);
	if (rc)
		return rc;
	/* Other sections belong to other modules (sessions). */
	for (int i = 0; i < c.n && !rc; i++) {
		const struct conf_entry *e = &c.e[i];
		if (strcmp(e->section, "modality"))
			continue;
		if (!modality_id_ok(e->key) || !*e->value || PR.n_modalities == PLAN_MAX_MODALITIES ||
		    plan_modality_label(e->key))
			rc = tdm_fail(err, TDM_EINVAL, NULL, "%s:%d: bad or repeated modality '%s'", path, e->line,
				      e->key);
		else {
			snprintf(PR.modalities[PR.n_modalities].id, sizeof PR.modalities[0].id, "%s", e->key);
			snprintf(PR.modalities[PR.n_modalities++].label, sizeof PR.modalities[0].label, "%s",
				 e->value);
		}
	}
	conf_release(&c);
	if (!rc && !PR.n_modalities)
		rc = tdm_fail(err, TDM_EINVAL, NULL, "%s: no [modality] entries", path);
	return rc;
}

enum tdm_status plan_load(const char *dir, struct tdm_err *err)
{
	memset(&PR, 0, sizeof PR);
	enum tdm_status rc = load_review(dir, err);
	if (!rc)
		rc = load_modalities(dir, err);
	return rc;
}

int plan_review_days(const char *level)
{
	int s = level ? level_slot(level) : -1;
	return s < 0 ? 0 : PR.levels[s].review_days;
}

int plan_initial_days(const char *level)
{
	int s = level ? level_slot(level) : -1;
	return s < 0 ? 0 : PR.levels[s].initial_days;
}

int plan_lead_days(void)
{
	return PR.lead_days < 0 ? 0 : PR.lead_days;
}

int plan_modality_count(void)
{
	return PR.n_modalities;
}

const char *plan_modality_id(int i)
{
	return i >= 0 && i < PR.n_modalities ? PR.modalities[i].id : NULL;
}

const char *plan_modality_label(const char *id)
{
	for (int i = 0; id && i < PR.n_modalities; i++)
		if (!strcmp(PR.modalities[i].id, id))
			return PR.modalities[i].label;
	return NULL;
}

/* ---- the review schedule ---- */

static int day_num(const char *s, int64_t *out)
{
	int y, m, d;
	if (!s || date_parse(s, &y, &m, &d))
		return -1;
	*out = date_days(y, m, d);
	return 0;
}

void plan_review_schedule(const char *level, const char *last, const char *today,
			  struct plan_review *out)
{
	int64_t l, t;
	memset(out, 0, sizeof *out);
	snprintf(out->level, sizeof out->level, "%s", level ? level : "");
	snprintf(out->last_review_on, sizeof out->last_review_on, "%s", last ? last : "");
	out->interval_days = plan_review_days(level);
	if (!out->level[0]) {
		snprintf(out->status, sizeof out->status, "closed");
		return;
	}
	if (!out->interval_days || day_num(last, &l) || day_num(today, &t)) {
		snprintf(out->status, sizeof out->status, "ok");
		return;
	}
	int64_t due = l + out->interval_days;
	date_from_days(due, out->due_on);
	const char *st = t > due ? "overdue" : due - t <= plan_lead_days() ? "due" : "ok";
	snprintf(out->status, sizeof out->status, "%s", st);
}

/* ---- parsing the document ---- */

static void fname(char out[64], const char *path, const char *key)
{
	snprintf(out, 64, "%s%s%s", path, *path && key ? "." : "", key ? key : "");
}

/* Refuses keys outside allowed. */
static enum tdm_status only(json_t *o, const char *path, const char *const allowed[], struct tdm_err *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		int ok = 0;
		for (int i = 0; allowed[i]; i++)
			ok |= !strcmp(key, allowed[i]);
		if (!ok) {
			char f[64];
			char k[40];
			snprintf(k, sizeof k, "%s", key);
			fname(f, path, k);
			return tdm_fail(err, TDM_EINVAL, f, "unknown field '%s'", f);
		}
	}
	return TDM_OK;
}

static enum tdm_status text(json_t *o, const char *path, const char *key, int required, size_t maxlen,
			    char *dst, size_t dstsz, struct tdm_err *err)
{
	char f[64];
	fname(f, path, key);
	json_t *v = json_object_get(o, key);
	dst[0] = '\0';
	if (!v || json_is_null(v))
		return required ? tdm_fail(err, TDM_EINVAL, f, "%s is required", f) : TDM_OK;
	if (!json_is_string(v))
		return tdm_fail(err, TDM_EINVAL, f, "%s must be a string", f);
	size_t n = json_string_length(v);
	const char *s = json_string_value(v);
	if (strlen(s) != n)
		return tdm_fail(err, TDM_EINVAL, f, "%s must not contain NUL characters", f);
	if (n > maxlen || n >= dstsz)
		return tdm_fail(err, TDM_EINVAL, f, "%s is longer than %zu characters", f, maxlen);
	for (const char *c = s; *c; c++)
		if (((unsigned char)*c < 0x20 && *c != '\n' && *c != '\t' && *c != '\r') || *c == 0x7f)
			return tdm_fail(err, TDM_EINVAL, f, "%s must not contain control characters", f);
	size_t blank = strspn(s, " \t\r\n");
	if (required && blank == n)
		return tdm_fail(err, TDM_EINVAL, f, "%s must not be empty", f);
	memcpy(dst, s, n + 1);
	return TDM_OK;
}

/* A one-line value (names, frequencies): no line breaks or tabs. */
static enum tdm_status one_line(const char *path, const char *key, const char *v, struct tdm_err *err)
{
	if (!strpbrk(v, "\n\r\t"))
		return TDM_OK;
	char f[64];
	fname(f, path, key);
	return tdm_fail(err, TDM_EINVAL, f, "%s must be one line", f);
}

static enum tdm_status choice(json_t *o, const char *path, const char *key, int required,
			      const char *const list[], char *dst, size_t dstsz, struct tdm_err *err)
{
	enum tdm_status rc = text(o, path, key, required, 40, dst, dstsz, err);
	if (rc || !dst[0])
		return rc;
	for (int i = 0; list[i]; i++)
		if (!strcmp(dst, list[i]))
			return TDM_OK;
	char f[64], all[160] = "";
	for (int i = 0; list[i]; i++)
		snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", i ? ", " : "", list[i]);
	fname(f, path, key);
	return tdm_fail(err, TDM_EINVAL, f, "%s must be one of: %s", f, all);
}

/* A JSON array under key (NULL for absent or null). */
static enum tdm_status array(json_t *o, const char *path, const char *key, int min, int max, json_t **out,
			     struct tdm_err *err)
{
	char f[64];
	fname(f, path, key);
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (min > 0)
			return tdm_fail(err, TDM_EINVAL, f, "%s is required (at least %d)", f, min);
		return TDM_OK;
	}
	if (!json_is_array(v))
		return tdm_fail(err, TDM_EINVAL, f, "%s must be a list", f);
	if ((int)json_array_size(v) < min)
		return tdm_fail(err, TDM_EINVAL, f, "%s needs at least %d", f, min);
	if (json_array_size(v) > (size_t)max)
		return tdm_fail(err, TDM_EINVAL, f, "%s holds at most %d", f, max);
	*out = v;
	return TDM_OK;
}

static enum tdm_status object_at(json_t *arr, size_t i, const char *path, json_t **out, struct tdm_err *err)
{
	*out = json_array_get(arr, i);
	if (!json_is_object(*out))
		return tdm_fail(err, TDM_EINVAL, path, "%s must be an object", path);
	return TDM_OK;
}

static enum tdm_status positive_id(json_t *v, const char *f, int64_t *out, struct tdm_err *err)
{
	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return tdm_fail(err, TDM_EINVAL, f, "%s must be a positive whole number (an id)", f);
	*out = (int64_t)json_integer_value(v);
	return TDM_OK;
}

/* A key sent back ("id", optional): its kind's letter and 1-7 digits. */
static enum tdm_status key_field(json_t *o, const char *path, char letter, char *dst, struct tdm_err *err)
{
	enum tdm_status rc = text(o, path, "id", 0, PLAN_KEY_LEN - 1, dst, PLAN_KEY_LEN, err);
	if (rc || !dst[0])
		return rc;
	size_t n = strlen(dst);
	int ok = dst[0] == letter && n >= 2 && dst[1] != '0' && strspn(dst + 1, "0123456789") == n - 1;
	if (!ok) {
		char f[64];
		fname(f, path, "id");
		return tdm_fail(err, TDM_EINVAL, f, "%s '%s' is not a key of this kind (%c and digits, as the"
				" server gave it)", f, dst, letter);
	}
	return TDM_OK;
}

static enum tdm_status parse_measure(json_t *m, const char *path, struct plan_measure *out,
				     struct tdm_err *err)
{
	static const char *const fields[] = {"kind", "instrument", "comparator", "value", "weeks", "substance",
					     NULL};
	static const char *const kinds[] = {"instrument", "negative_screens", NULL};
	static const char *const comparators[] = {"below", "at_most", "above", "at_least", NULL};
	char f[64];
	if (!json_is_object(m))
		return tdm_fail(err, TDM_EINVAL, path, "%s must be an object or null", path);
	enum tdm_status rc = only(m, path, fields, err);
	if (!rc)
		rc = choice(m, path, "kind", 1, kinds, out->kind, sizeof out->kind, err);
	if (rc)
		return rc;
	int instr = !strcmp(out->kind, "instrument");
	static const char *const instr_only[] = {"instrument", "comparator", "value", NULL};
	static const char *const screen_only[] = {"weeks", "substance", NULL};
	const char *const *foreign = instr ? screen_only : instr_only;
	for (int i = 0; foreign[i]; i++)
		if (json_object_get(m, foreign[i])) {
			fname(f, path, foreign[i]);
			return tdm_fail(err, TDM_EINVAL, f, "%s does not apply to a %s measure", f, out->kind);
		}
	if (instr) {
		rc = text(m, path, "instrument", 1, 16, out->instrument, sizeof out->instrument, err);
		const struct instrument *in = rc ? NULL : instrument_find(out->instrument);
		if (!rc && !in) {
			fname(f, path, "instrument");
			return tdm_fail(err, TDM_EINVAL, f, "%s: no instrument '%s' (GET /api/v1/instruments)", f,
					out->instrument);
		}
		if (!rc)
			snprintf(out->instrument, sizeof out->instrument, "%s", in->code);
		if (!rc)
			rc = choice(m, path, "comparator", 1, comparators, out->comparator, sizeof out->comparator,
				    err);
		if (rc)
			return rc;
		json_t *v = json_object_get(m, "value");
		fname(f, path, "value");
		if (!json_is_number(v) || !isfinite(json_number_value(v)))
			return tdm_fail(err, TDM_EINVAL, f, "%s must be a number", f);
		out->value = json_number_value(v);
		if (out->value < in->min_total || out->value > in->max_total)
			return tdm_fail(err, TDM_EINVAL, f, "%s must be within the %s total, %d to %d", f, in->code,
					in->min_total, in->max_total);
		return TDM_OK;
	}
	json_t *w = json_object_get(m, "weeks");
	fname(f, path, "weeks");
	if (!json_is_integer(w) || json_integer_value(w) < 1 || json_integer_value(w) > PLAN_MAX_WEEKS)
		return tdm_fail(err, TDM_EINVAL, f, "%s must be a whole number from 1 to %d", f, PLAN_MAX_WEEKS);
	out->weeks = (int)json_integer_value(w);
	rc = text(m, path, "substance", 0, sizeof out->substance - 1, out->substance, sizeof out->substance, err);
	if (!rc && out->substance[0] && !result_uds_substance_known(out->substance)) {
		fname(f, path, "substance");
		return tdm_fail(err, TDM_EINVAL, f, "%s: '%s' is not a screen substance (data/results.conf)", f,
				out->substance);
	}
	return rc;
}

static enum tdm_status parse_objective(json_t *o, const char *path, struct plan_objective *out,
				       struct tdm_err *err)
{
	static const char *const fields[] = {"id", "text", "target_date", "status", "measure", NULL};
	static const char *const statuses[] = {"open", "achieved", "discontinued", NULL};
	char f[64], p[64];
	enum tdm_status rc = only(o, path, fields, err);
	if (!rc)
		rc = key_field(o, path, 'O', out->key, err);
	if (!rc)
		rc = text(o, path, "text", 1, PLAN_LEN_TEXT, out->text, sizeof out->text, err);
	if (!rc)
		rc = text(o, path, "target_date", 1, 10, out->target_date, sizeof out->target_date, err);
	if (!rc && !date_valid(out->target_date)) {
		fname(f, path, "target_date");
		return tdm_fail(err, TDM_EINVAL, f, "%s must be a real date in the form YYYY-MM-DD", f);
	}
	if (!rc)
		rc = choice(o, path, "status", 0, statuses, out->status, sizeof out->status, err);
	if (!rc && !out->status[0])
		snprintf(out->status, sizeof out->status, "open");
	json_t *m = json_object_get(o, "measure");
	if (!rc && m && !json_is_null(m)) {
		fname(p, path, "measure");
		rc = parse_measure(m, p, &out->measure, err);
	}
	return rc;
}

static enum tdm_status parse_goal(json_t *o, const char *path, struct plan_goal *out, struct tdm_err *err)
{
	static const char *const fields[] = {"id", "text", "objectives", NULL};
	json_t *arr;
	enum tdm_status rc = only(o, path, fields, err);
	if (!rc)
		rc = key_field(o, path, 'G', out->key, err);
	if (!rc)
		rc = text(o, path, "text", 1, PLAN_LEN_TEXT, out->text, sizeof out->text, err);
	if (!rc)
		rc = array(o, path, "objectives", 1, PLAN_MAX_OBJECTIVES, &arr, err);
	for (size_t i = 0; !rc && i < json_array_size(arr); i++) {
		char p[64];
		json_t *item;
		snprintf(p, sizeof p, "%s.objectives[%zu]", path, i);
		rc = object_at(arr, i, p, &item, err);
		if (!rc)
			rc = parse_objective(item, p, &out->objectives[out->n_objectives++], err);
	}
	return rc;
}

static enum tdm_status parse_intervention(json_t *o, const char *path, struct plan_intervention *out,
					  struct tdm_err *err)
{
	static const char *const fields[] = {"id", "kind", "modality", "frequency", "responsible", "order_id",
					     "description", NULL};
	static const char *const kinds[] = {"therapy", "medication", NULL};
	char f[64];
	enum tdm_status rc = only(o, path, fields, err);
	if (!rc)
		rc = key_field(o, path, 'I', out->key, err);
	if (!rc)
		rc = choice(o, path, "kind", 1, kinds, out->kind, sizeof out->kind, err);
	if (rc)
		return rc;
	int therapy = !strcmp(out->kind, "therapy");
	static const char *const therapy_only[] = {"modality", "frequency", NULL};
	static const char *const medication_only[] = {"order_id", NULL};
	const char *const *foreign = therapy ? medication_only : therapy_only;
	for (int i = 0; foreign[i]; i++)
		if (json_object_get(o, foreign[i])) {
			fname(f, path, foreign[i]);
			return tdm_fail(err, TDM_EINVAL, f, "%s does not apply to a %s intervention", f, out->kind);
		}
	if (therapy) {
		rc = text(o, path, "modality", 1, PLAN_MODALITY_LEN - 1, out->modality, sizeof out->modality, err);
		if (!rc && !plan_modality_label(out->modality)) {
			fname(f, path, "modality");
			return tdm_fail(err, TDM_EINVAL, f, "%s: unknown modality '%s' (data/therapy.conf)", f,
					out->modality);
		}
		if (!rc)
			rc = text(o, path, "frequency", 1, PLAN_LEN_FREQUENCY, out->frequency, sizeof out->frequency,
				  err);
		if (!rc)
			rc = one_line(path, "frequency", out->frequency, err);
	} else {
		fname(f, path, "order_id");
		json_t *v = json_object_get(o, "order_id");
		rc = v ? positive_id(v, f, &out->order_id, err) : tdm_fail(err, TDM_EINVAL, f, "%s is required", f);
	}
	if (!rc)
		rc = text(o, path, "responsible", therapy, TDM_LEN_USERNAME, out->responsible,
			  sizeof out->responsible, err);
	if (!rc)
		rc = one_line(path, "responsible", out->responsible, err);
	if (!rc)
		rc = text(o, path, "description", 0, PLAN_LEN_TEXT, out->description, sizeof out->description, err);
	return rc;
}

static enum tdm_status parse_problem(json_t *o, const char *path, struct plan_problem *out,
				     struct tdm_err *err)
{
	static const char *const fields[] = {"id", "text", "diagnosis_ids", "goals", "interventions", NULL};
	json_t *dx, *goals, *ivs;
	enum tdm_status rc = only(o, path, fields, err);
	if (!rc)
		rc = key_field(o, path, 'P', out->key, err);
	if (!rc)
		rc = text(o, path, "text", 1, PLAN_LEN_TEXT, out->text, sizeof out->text, err);
	if (!rc)
		rc = array(o, path, "diagnosis_ids", 1, PLAN_MAX_DIAGNOSES, &dx, err);
	for (size_t i = 0; !rc && i < json_array_size(dx); i++) {
		char f[64];
		snprintf(f, sizeof f, "%s.diagnosis_ids[%zu]", path, i);
		int64_t id = 0;
		rc = positive_id(json_array_get(dx, i), f, &id, err);
		for (int j = 0; !rc && j < out->n_diagnoses; j++)
			if (out->diagnosis_ids[j] == id)
				rc = tdm_fail(err, TDM_EINVAL, f, "%s: diagnosis %lld is listed twice", f, (long long)id);
		if (!rc)
			out->diagnosis_ids[out->n_diagnoses++] = id;
	}
	if (!rc)
		rc = array(o, path, "goals", 1, PLAN_MAX_GOALS, &goals, err);
	for (size_t i = 0; !rc && i < json_array_size(goals); i++) {
		char p[64];
		json_t *item;
		snprintf(p, sizeof p, "%s.goals[%zu]", path, i);
		rc = object_at(goals, i, p, &item, err);
		if (!rc)
			rc = parse_goal(item, p, &out->goals[out->n_goals++], err);
	}
	if (!rc)
		rc = array(o, path, "interventions", 0, PLAN_MAX_INTERVENTIONS, &ivs, err);
	for (size_t i = 0; !rc && i < json_array_size(ivs); i++) {
		char p[64];
		json_t *item;
		snprintf(p, sizeof p, "%s.interventions[%zu]", path, i);
		rc = object_at(ivs, i, p, &item, err);
		if (!rc)
			rc = parse_intervention(item, p, &out->interventions[out->n_interventions++], err);
	}
	return rc;
}

enum tdm_status plan_doc_parse(const char *json, size_t len, struct plan_doc *out, struct tdm_err *err)
{
	static const char *const fields[] = {"problems", NULL};
	json_error_t je;
	memset(out, 0, sizeof *out);
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
	if (!root)
		return tdm_fail(err, TDM_EBADJSON, NULL, "plan document: malformed JSON at line %d: %s", je.line,
				je.text);
	json_t *arr = NULL;
	enum tdm_status rc = json_is_object(root) ? only(root, "", fields, err)
						  : tdm_fail(err, TDM_EBADJSON, NULL, "a plan document is an object");
	if (!rc)
		rc = array(root, "", "problems", 1, PLAN_MAX_PROBLEMS, &arr, err);
	for (size_t i = 0; !rc && i < json_array_size(arr); i++) {
		char p[64];
		json_t *item;
		snprintf(p, sizeof p, "problems[%zu]", i);
		rc = object_at(arr, i, p, &item, err);
		if (!rc)
			rc = parse_problem(item, p, &out->problems[out->n_problems++], err);
	}
	json_decref(root);
	return rc;
}

/* ---- the stored form ---- */

static json_t *measure_json(const struct plan_measure *m)
{
	if (!strcmp(m->kind, "instrument"))
		return json_pack("{s:s, s:s, s:s, s:f}", "kind", m->kind, "instrument", m->instrument, "comparator",
				 m->comparator, "value", m->value);
	json_t *o = json_pack("{s:s, s:i}", "kind", m->kind, "weeks", m->weeks);
	if (o && m->substance[0])
		json_object_set_new(o, "substance", json_string(m->substance));
	return o;
}

static json_t *problem_json(const struct plan_problem *p)
{
	json_t *dx = json_array(), *goals = json_array(), *ivs = json_array();
	for (int i = 0; dx && i < p->n_diagnoses; i++)
		json_array_append_new(dx, json_integer((json_int_t)p->diagnosis_ids[i]));
	for (int g = 0; goals && g < p->n_goals; g++) {
		const struct plan_goal *gl = &p->goals[g];
		json_t *objs = json_array();
		for (int o = 0; objs && o < gl->n_objectives; o++) {
			const struct plan_objective *ob = &gl->objectives[o];
			json_t *x = json_pack("{s:s, s:s, s:s, s:s}", "id", ob->key, "text", ob->text, "target_date",
					      ob->target_date, "status", ob->status);
			if (x && ob->measure.kind[0])
				json_object_set_new(x, "measure", measure_json(&ob->measure));
			json_array_append_new(objs, x);
		}
		json_array_append_new(goals, json_pack("{s:s, s:s, s:o}", "id", gl->key, "text", gl->text,
						       "objectives", objs));
	}
	for (int i = 0; ivs && i < p->n_interventions; i++) {
		const struct plan_intervention *v = &p->interventions[i];
		json_t *x = json_pack("{s:s, s:s}", "id", v->key, "kind", v->kind);
		if (!x)
			continue;
		if (!strcmp(v->kind, "therapy")) {
			json_object_set_new(x, "modality", json_string(v->modality));
			json_object_set_new(x, "frequency", json_string(v->frequency));
		} else {
			json_object_set_new(x, "order_id", json_integer((json_int_t)v->order_id));
		}
		if (v->responsible[0])
			json_object_set_new(x, "responsible", json_string(v->responsible));
		if (v->description[0])
			json_object_set_new(x, "description", json_string(v->description));
		json_array_append_new(ivs, x);
	}
	return json_pack("{s:s, s:s, s:o, s:o, s:o}", "id", p->key, "text", p->text, "diagnosis_ids", dx, "goals",
			 goals, "interventions", ivs);
}

enum tdm_status plan_doc_format(const struct plan_doc *d, char **out, struct tdm_err *err)
{
	json_t *arr = json_array();
	for (int i = 0; arr && i < d->n_problems; i++)
		json_array_append_new(arr, problem_json(&d->problems[i]));
	if (arr && (int)json_array_size(arr) != d->n_problems) {
		json_decref(arr);
		arr = NULL;
	}
	json_t *root = arr ? json_pack("{s:o}", "problems", arr) : NULL;
	*out = root ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	return *out ? TDM_OK : tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
}
