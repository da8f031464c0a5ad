/*
 * formulary.c - parse medication definitions (docs/formulary.md) and keep
 * the registry the order and dosing code reads.
 */
#include "domain/formulary.h"

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static struct medication *registry[MED_MAX];
static int n_registry;

/* ---- fixed lists ---- */

static const char *const class_names[MED_CLASS_COUNT + 1] = {
	[MED_OPIOID_FULL_AGONIST] = "opioid_full_agonist",
	[MED_OPIOID_PARTIAL_AGONIST] = "opioid_partial_agonist",
	[MED_OPIOID_ANTAGONIST] = "opioid_antagonist",
	[MED_AVERSIVE] = "aversive",
	[MED_GLUTAMATE_MODULATOR] = "glutamate_modulator",
	[MED_SSRI] = "ssri",
	[MED_SNRI] = "snri",
	[MED_ANTIDEPRESSANT_OTHER] = "antidepressant_other",
	[MED_MOOD_STABILIZER] = "mood_stabilizer",
	[MED_ANTIPSYCHOTIC] = "antipsychotic",
	[MED_BENZODIAZEPINE] = "benzodiazepine",
	[MED_ALPHA2_AGONIST] = "alpha2_agonist",
	[MED_ANTICONVULSANT] = "anticonvulsant",
	[MED_ANTIBIOTIC] = "antibiotic",
	[MED_ANTIEMETIC] = "antiemetic",
	[MED_OTHER] = "other",
	[MED_CLASS_COUNT] = NULL,
};

static const char *const units[] = {"mg", "mcg", "g", "mEq", "mmol", "mL", "units", NULL};
static const char *const routes[] = {"oral", "sublingual", "buccal", "intranasal",
				     "intramuscular", "subcutaneous", "intravenous",
				     "transdermal", "rectal", "topical", "vaginal", NULL};
static const char *const pers[] = {"day", "dose", "week", "month", NULL};
/* Position = schedule number; slot 1 (Schedule I, no accepted medical use)
 * is empty and never matches. */
static const char *const schedules[] = {"none", "", "II", "III", "IV", "V", NULL};

static int index_of(const char *s, const char *const *list)
{
	for (int i = 0; list[i]; i++)
		if (*list[i] && !strcmp(s, list[i]))
			return i;
	return -1;
}

/* ---- parsing helpers ---- */

struct parse {
	const char *origin;
	struct tdm_err *err;
};

static enum tdm_status bad(struct parse *p, const char *path, const char *what)
{
	return tdm_fail(p->err, TDM_EINVAL, path, "%s: %s: %s", p->origin, path, what);
}

static void join(char *dst, size_t n, const char *path, const char *key)
{
	snprintf(dst, n, "%s%s%s", path, *path ? "." : "", key);
}

/* Copies a string member; required ones must be present and non-empty. */
static enum tdm_status str(struct parse *p, json_t *o, const char *key, const char *path,
			   int required, char *dst, size_t n)
{
	json_t *v = json_object_get(o, key);
	char where[128];
	join(where, sizeof where, path, key);
	dst[0] = '\0';
	if (!v || (!required && json_is_null(v)))
		return required ? bad(p, where, "is required") : TDM_OK;
	if (!json_is_string(v))
		return bad(p, where, "must be a string");
	if (json_string_length(v) >= n) {
		char msg[64];
		snprintf(msg, sizeof msg, "is too long (at most %zu characters)", n - 1);
		return bad(p, where, msg);
	}
	if (required && !json_string_length(v))
		return bad(p, where, "must not be empty");
	snprintf(dst, n, "%s", json_string_value(v));
	return TDM_OK;
}

/* A string member that must be one of list; *idx gets its position. */
static enum tdm_status choice(struct parse *p, json_t *o, const char *key, const char *path,
			      const char *const *list, const char *expect, int *idx)
{
	char val[32], where[128], msg[200];
	enum tdm_status rc = str(p, o, key, path, 1, val, sizeof val);
	if (rc)
		return rc;
	*idx = index_of(val, list);
	if (*idx >= 0)
		return TDM_OK;
	join(where, sizeof where, path, key);
	snprintf(msg, sizeof msg, "'%s' is not one of %s", val, expect);
	return bad(p, where, msg);
}

static enum tdm_status boolean(struct parse *p, json_t *o, const char *key, int *out)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_boolean(v))
		return bad(p, key, v ? "must be true or false" : "is required (true or false)");
	*out = json_is_true(v);
	return TDM_OK;
}

/* A positive number (integer or decimal) up to 100000. */
static enum tdm_status number(struct parse *p, json_t *o, const char *key, const char *path,
			      double *out)
{
	json_t *v = json_object_get(o, key);
	char where[128];
	join(where, sizeof where, path, key);
	if (!json_is_number(v))
		return bad(p, where, v ? "must be a number" : "is required (a number)");
	double x = json_number_value(v);
	if (!isfinite(x) || x <= 0 || x > 100000)
		return bad(p, where, "must be above 0 and at most 100000");
	*out = x;
	return TDM_OK;
}

/* An RxNorm code: a string of 1-10 digits, or null / absent when unknown. */
static enum tdm_status rxcui(struct parse *p, json_t *o, const char *key, const char *path,
			     char *dst)
{
	char where[128];
	enum tdm_status rc = str(p, o, key, path, 0, dst, MED_RXCUI_LEN);
	if (rc)
		return rc;
	join(where, sizeof where, path, key);
	if (dst[0] && strspn(dst, "0123456789") != strlen(dst))
		return bad(p, where, "must be a string of digits (an RxNorm RXCUI) or null");
	if (json_object_get(o, key) && json_is_string(json_object_get(o, key)) && !dst[0])
		return bad(p, where, "must be null when unknown, not empty");
	return TDM_OK;
}

/* An optional array of up to MED_MAX_NOTES non-empty strings. */
static enum tdm_status text_list(struct parse *p, json_t *o, const char *key,
				 char (*dst)[MED_TEXT_LEN], int *n)
{
	json_t *arr = json_object_get(o, key), *v;
	size_t i;
	*n = 0;
	if (!arr || json_is_null(arr))
		return TDM_OK;
	if (!json_is_array(arr) || json_array_size(arr) > MED_MAX_NOTES)
		return bad(p, key, "must be an array of at most 8 strings");
	json_array_foreach(arr, i, v) {
		char where[64];
		snprintf(where, sizeof where, "%s[%zu]", key, i);
		if (!json_is_string(v) || !json_string_length(v))
			return bad(p, where, "must be a non-empty string");
		if (json_string_length(v) >= MED_TEXT_LEN)
			return bad(p, where, "is too long (at most 599 characters)");
		snprintf(dst[(*n)++], MED_TEXT_LEN, "%s", json_string_value(v));
	}
	return TDM_OK;
}

static int valid_id(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n >= MED_ID_LEN || s[0] < 'a' || s[0] > 'z' || s[n - 1] == '-')
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* Refuses a key not in allowed (a misspelt optional key would otherwise be
 * ignored without a word). */
static enum tdm_status known_keys(struct parse *p, json_t *o, const char *path,
				  const char *const *allowed)
{
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		if (index_of(key, allowed) < 0) {
			char where[128];
			join(where, sizeof where, path, key);
			return bad(p, where, "is not a key of this format (see docs/formulary.md)");
		}
	}
	return TDM_OK;
}

static const char *const medication_keys[] = {
	"id", "name", "rxcui", "rxcui_source", "class", "controlled", "cns_depressant",
	"qt_prolonging", "serotonergic", "flags_source", "forms", "default_unit", "usual_dose",
	"monitoring", "notes", "source", NULL};
static const char *const form_keys[] = {"form", "routes", "strengths", "source", NULL};
static const char *const strength_keys[] = {"label", "amount", "unit", "volume_ml", "rxcui",
					    "brand", "brand_rxcui", NULL};
static const char *const dose_keys[] = {"min", "max", "unit", "per", "route", "form", "note",
					"source", NULL};

/* ---- forms and strengths ---- */

/* "10 mg", "10 mg/mL", "100 mg/0.5 mL". */
static void default_label(struct med_strength *s)
{
	char label[sizeof s->label];
	if (s->volume_ml <= 0)
		snprintf(label, sizeof label, "%g %s", s->amount, s->unit);
	else if (s->volume_ml == 1)
		snprintf(label, sizeof label, "%g %s/mL", s->amount, s->unit);
	else
		snprintf(label, sizeof label, "%g %s/%g mL", s->amount, s->unit, s->volume_ml);
	memcpy(s->label, label, sizeof label);
}

static enum tdm_status parse_strength(struct parse *p, json_t *o, const char *where,
				      struct med_strength *s)
{
	enum tdm_status rc;
	int u;
	if (!json_is_object(o))
		return bad(p, where, "must be an object");
	if ((rc = known_keys(p, o, where, strength_keys)) ||
	    (rc = number(p, o, "amount", where, &s->amount)) ||
	    (rc = choice(p, o, "unit", where, units, "mg, mcg, g, mEq, mmol, mL, units", &u)) ||
	    (rc = str(p, o, "label", where, 0, s->label, sizeof s->label)) ||
	    (rc = rxcui(p, o, "rxcui", where, s->rxcui)) ||
	    (rc = str(p, o, "brand", where, 0, s->brand, sizeof s->brand)) ||
	    (rc = rxcui(p, o, "brand_rxcui", where, s->brand_rxcui)))
		return rc;
	snprintf(s->unit, sizeof s->unit, "%s", units[u]);
	if (json_object_get(o, "volume_ml") && (rc = number(p, o, "volume_ml", where, &s->volume_ml)))
		return rc;
	if (s->brand_rxcui[0] && !s->brand[0]) {
		char sub[128];
		join(sub, sizeof sub, where, "brand");
		return bad(p, sub, "is required with brand_rxcui");
	}
	if (!s->label[0])
		default_label(s);
	return TDM_OK;
}

static enum tdm_status add_route(struct parse *p, struct medication *m, const char *where,
				 const char *route)
{
	if (formulary_has_route(m, route))
		return TDM_OK;
	if (m->n_routes == MED_MAX_ROUTES)
		return bad(p, where, "more than 8 distinct routes");
	snprintf(m->routes[m->n_routes++], MED_ROUTE_LEN, "%s", route);
	return TDM_OK;
}

static enum tdm_status parse_form_routes(struct parse *p, json_t *arr, const char *where,
					 struct medication *m, struct med_form *f)
{
	json_t *v;
	size_t i;
	if (!json_is_array(arr) || json_array_size(arr) < 1 || json_array_size(arr) > MED_MAX_FORM_ROUTES)
		return bad(p, where, "must be an array of 1 to 4 routes");
	json_array_foreach(arr, i, v) {
		char at[128], msg[200];
		snprintf(at, sizeof at, "%s[%zu]", where, i);
		const char *r = json_is_string(v) ? json_string_value(v) : "";
		if (index_of(r, routes) < 0) {
			snprintf(msg, sizeof msg, "'%s' is not one of oral, sublingual, buccal, intranasal, "
				 "intramuscular, subcutaneous, intravenous, transdermal, rectal, topical, vaginal", r);
			return bad(p, at, msg);
		}
		for (int k = 0; k < f->n_routes; k++)
			if (!strcmp(f->routes[k], r))
				return bad(p, at, "repeats a route of this form");
		snprintf(f->routes[f->n_routes++], MED_ROUTE_LEN, "%s", r);
		enum tdm_status rc = add_route(p, m, at, r);
		if (rc)
			return rc;
	}
	return TDM_OK;
}

static enum tdm_status parse_form(struct parse *p, json_t *o, const char *where,
				  struct medication *m, struct med_form *f)
{
	enum tdm_status rc;
	char sub[128];
	if (!json_is_object(o))
		return bad(p, where, "must be an object");
	if ((rc = known_keys(p, o, where, form_keys)) ||
	    (rc = str(p, o, "form", where, 1, f->form, sizeof f->form)) ||
	    (rc = str(p, o, "source", where, 0, f->source, sizeof f->source)))
		return rc;
	join(sub, sizeof sub, where, "routes");
	if ((rc = parse_form_routes(p, json_object_get(o, "routes"), sub, m, f)))
		return rc;
	json_t *arr = json_object_get(o, "strengths"), *v;
	size_t i;
	join(sub, sizeof sub, where, "strengths");
	if (!arr)
		return TDM_OK;
	if (!json_is_array(arr) || json_array_size(arr) > MED_MAX_STRENGTHS)
		return bad(p, sub, "must be an array of at most 12 strengths");
	json_array_foreach(arr, i, v) {
		char at[128];
		snprintf(at, sizeof at, "%s[%zu]", sub, i);
		if ((rc = parse_strength(p, v, at, &f->strengths[f->n_strengths])))
			return rc;
		for (int k = 0; k < f->n_strengths; k++)
			if (!strcmp(f->strengths[k].label, f->strengths[f->n_strengths].label))
				return bad(p, at, "repeats the label of another strength of this form");
		f->n_strengths++;
	}
	return TDM_OK;
}

static int form_index(const struct medication *m, const char *form)
{
	for (int i = 0; i < m->n_forms; i++)
		if (!strcmp(m->forms[i].form, form))
			return i;
	return -1;
}

static enum tdm_status parse_forms(struct parse *p, json_t *arr, struct medication *m)
{
	json_t *o;
	size_t i;
	if (!json_is_array(arr) || json_array_size(arr) < 1 || json_array_size(arr) > MED_MAX_FORMS)
		return bad(p, "forms", "must be an array of 1 to 8 forms");
	json_array_foreach(arr, i, o) {
		char where[32];
		snprintf(where, sizeof where, "forms[%zu]", i);
		struct med_form *f = &m->forms[m->n_forms];
		enum tdm_status rc = parse_form(p, o, where, m, f);
		if (rc)
			return rc;
		if (form_index(m, f->form) >= 0)
			return bad(p, where, "repeats the form name of another form");
		m->n_forms++;
	}
	return TDM_OK;
}

/* ---- usual dose ---- */

static enum tdm_status parse_dose(struct parse *p, json_t *o, const char *where,
				  struct medication *m, struct med_dose *d)
{
	enum tdm_status rc;
	int u, per;
	char sub[128];
	if (!json_is_object(o))
		return bad(p, where, "must be an object");
	if ((rc = known_keys(p, o, where, dose_keys)) ||
	    (rc = number(p, o, "min", where, &d->min)) || (rc = number(p, o, "max", where, &d->max)) ||
	    (rc = choice(p, o, "unit", where, units, "mg, mcg, g, mEq, mmol, mL, units", &u)) ||
	    (rc = choice(p, o, "per", where, pers, "day, dose, week, month", &per)) ||
	    (rc = str(p, o, "route", where, 0, d->route, sizeof d->route)) ||
	    (rc = str(p, o, "form", where, 0, d->form, sizeof d->form)) ||
	    (rc = str(p, o, "note", where, 0, d->note, sizeof d->note)) ||
	    (rc = str(p, o, "source", where, 1, d->source, sizeof d->source)))
		return rc;
	snprintf(d->unit, sizeof d->unit, "%s", units[u]);
	snprintf(d->per, sizeof d->per, "%s", pers[per]);
	if (d->min > d->max) {
		join(sub, sizeof sub, where, "min");
		return bad(p, sub, "must not be above max");
	}
	join(sub, sizeof sub, where, "route");
	if (d->route[0] && !formulary_has_route(m, d->route))
		return bad(p, sub, "is not a route of any of this medication's forms");
	join(sub, sizeof sub, where, "form");
	if (d->form[0] && form_index(m, d->form) < 0)
		return bad(p, sub, "names none of this medication's forms");
	return TDM_OK;
}

/* null (not known), one dose object, or an array of 1 to 4 of them. */
static enum tdm_status parse_doses(struct parse *p, json_t *v, struct medication *m)
{
	json_t *o;
	size_t i;
	if (!v)
		return bad(p, "usual_dose", "is required (null when not known)");
	if (json_is_null(v))
		return TDM_OK;
	if (json_is_object(v)) {
		m->n_doses = 1;
		return parse_dose(p, v, "usual_dose", m, &m->doses[0]);
	}
	if (!json_is_array(v) || json_array_size(v) < 1 || json_array_size(v) > MED_MAX_DOSES)
		return bad(p, "usual_dose", "must be null, an object or an array of 1 to 4 objects");
	json_array_foreach(v, i, o) {
		char where[32];
		snprintf(where, sizeof where, "usual_dose[%zu]", i);
		enum tdm_status rc = parse_dose(p, o, where, m, &m->doses[m->n_doses]);
		if (rc)
			return rc;
		m->n_doses++;
	}
	return TDM_OK;
}

/* ---- the whole definition ---- */

static enum tdm_status parse_flags(struct parse *p, json_t *root, struct medication *m)
{
	enum tdm_status rc;
	int cls, sched;
	if ((rc = choice(p, root, "class", "", class_names,
			 "the classes listed in docs/formulary.md", &cls)) ||
	    (rc = choice(p, root, "controlled", "", schedules, "none, II, III, IV, V", &sched)) ||
	    (rc = boolean(p, root, "cns_depressant", &m->cns_depressant)) ||
	    (rc = boolean(p, root, "qt_prolonging", &m->qt_prolonging)) ||
	    (rc = boolean(p, root, "serotonergic", &m->serotonergic)) ||
	    (rc = str(p, root, "flags_source", "", 0, m->flags_source, sizeof m->flags_source)))
		return rc;
	m->cls = (enum med_class)cls;
	m->controlled = (enum med_schedule)(sched < 2 ? MED_NOT_CONTROLLED : sched);
	return TDM_OK;
}

static enum tdm_status parse_body(struct parse *p, json_t *root, struct medication *m)
{
	enum tdm_status rc;
	int u;
	if (!json_is_object(root))
		return bad(p, "$", "must be a JSON object");
	if ((rc = known_keys(p, root, "", medication_keys)) ||
	    (rc = str(p, root, "id", "", 1, m->id, sizeof m->id)) ||
	    (rc = str(p, root, "name", "", 1, m->name, sizeof m->name)))
		return rc;
	if (!valid_id(m->id))
		return bad(p, "id", "must be 1-40 of a-z 0-9 - (lower-case generic name), starting with a letter");
	if (!json_object_get(root, "rxcui"))
		return bad(p, "rxcui", "is required (null when not known)");
	if ((rc = rxcui(p, root, "rxcui", "", m->rxcui)) ||
	    (rc = str(p, root, "rxcui_source", "", 0, m->rxcui_source, sizeof m->rxcui_source)))
		return rc;
	if (m->rxcui[0] && !m->rxcui_source[0])
		return bad(p, "rxcui_source", "is required when rxcui is set (where the code comes from)");
	if ((rc = parse_flags(p, root, m)) ||
	    (rc = parse_forms(p, json_object_get(root, "forms"), m)) ||
	    (rc = choice(p, root, "default_unit", "", units, "mg, mcg, g, mEq, mmol, mL, units", &u)) ||
	    (rc = parse_doses(p, json_object_get(root, "usual_dose"), m)) ||
	    (rc = text_list(p, root, "monitoring", m->monitoring, &m->n_monitoring)) ||
	    (rc = text_list(p, root, "notes", m->notes, &m->n_notes)) ||
	    (rc = str(p, root, "source", "", 1, m->source, sizeof m->source)))
		return rc;
	snprintf(m->default_unit, sizeof m->default_unit, "%s", units[u]);
	return TDM_OK;
}

/* ---- files ---- */

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(MED_MAX_FILE + 1);
	size_t n = buf ? fread(buf, 1, MED_MAX_FILE + 1, f) : 0;
	fclose(f);
	if (!buf || n > MED_MAX_FILE) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* 1 when path's file name is exactly id + ".json". */
static int named_for(const char *path, const char *id)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(id);
	return !strncmp(base, id, n) && !strcmp(base + n, ".json");
}

static enum tdm_status parse_text(const char *text, size_t len, const char *path,
				  struct medication *m, struct tdm_err *err)
{
	struct parse p = {path, err};
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return tdm_fail(err, TDM_EINVAL, "$", "%s: line %d column %d: %s", path, je.line,
				je.column, je.text);
	enum tdm_status rc = parse_body(&p, root, m);
	json_decref(root);
	if (!rc && !named_for(path, m->id))
		rc = bad(&p, "id", "must equal the file name without .json");
	return rc;
}

enum tdm_status formulary_load_file(const char *path, struct medication **out,
				    struct tdm_err *err)
{
	size_t len = 0;
	*out = NULL;
	char *text = read_file(path, &len);
	if (!text)
		return tdm_fail(err, TDM_EIO, NULL, "cannot read %s (or over 64 KiB)", path);
	struct medication *m = calloc(1, sizeof *m);
	enum tdm_status rc = m ? parse_text(text, len, path, m, err)
			       : tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	free(text);
	if (rc) {
		free(m);
		return rc;
	}
	*out = m;
	return TDM_OK;
}

/* ---- registry ---- */

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int json_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return n > 5 && !strcmp(d->d_name + n - 5, ".json") && d->d_name[0] != '.';
}

static int by_id(const void *a, const void *b)
{
	return strcmp((*(struct medication *const *)a)->id, (*(struct medication *const *)b)->id);
}

static void free_all(struct medication **list, int n)
{
	for (int i = 0; i < n; i++)
		free(list[i]);
}

enum tdm_status formulary_load_dir(const char *dir, struct tdm_err *err)
{
	char path[512];
	struct dirent **names;
	snprintf(path, sizeof path, "%s/formulary", dir);
	int n = scandir(path, &names, json_file, by_name);
	if (n < 0)
		return tdm_fail(err, TDM_EIO, NULL, "cannot read %s", path);
	struct medication **staged = calloc(MED_MAX, sizeof *staged);
	enum tdm_status rc = staged ? TDM_OK : tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	if (!rc && n > MED_MAX)
		rc = tdm_fail(err, TDM_ETOOBIG, NULL, "%s: more than %d medications", path, MED_MAX);
	int n_staged = 0;
	for (int i = 0; i < n; i++) {
		char file[800];
		snprintf(file, sizeof file, "%s/%s", path, names[i]->d_name);
		if (!rc)
			rc = formulary_load_file(file, &staged[n_staged], err);
		if (!rc)
			n_staged++;
		free(names[i]);
	}
	free(names);
	if (!rc) {
		qsort(staged, (size_t)n_staged, sizeof *staged, by_id);
		formulary_release();
		memcpy(registry, staged, (size_t)n_staged * sizeof *staged);
		n_registry = n_staged;
	} else if (staged) {
		free_all(staged, n_staged);
	}
	free(staged);
	return rc;
}

void formulary_release(void)
{
	free_all(registry, n_registry);
	n_registry = 0;
}

const struct medication *formulary_find(const char *id)
{
	for (int i = 0; id && i < n_registry; i++)
		if (!strcasecmp(registry[i]->id, id))
			return registry[i];
	return NULL;
}

int formulary_count(void)
{
	return n_registry;
}

const struct medication *formulary_at(int i)
{
	return i >= 0 && i < n_registry ? registry[i] : NULL;
}

const char *formulary_class_name(enum med_class c)
{
	return (int)c >= 0 && c < MED_CLASS_COUNT ? class_names[c] : "other";
}

int formulary_unit_known(const char *unit)
{
	return unit && index_of(unit, units) >= 0;
}

int formulary_has_route(const struct medication *m, const char *route)
{
	for (int i = 0; route && i < m->n_routes; i++)
		if (!strcmp(m->routes[i], route))
			return 1;
	return 0;
}
