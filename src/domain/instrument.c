/*
 * instrument.c - parse instrument definitions (docs/instruments.md), keep a
 * registry, score answers.
 */
#include "domain/instrument.h"
#include "domain/access.h"

#include <ctype.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static struct instrument *registry[INSTR_MAX];
static int n_registry;

/* ---- parsing ---- */

struct parse {
	const char *origin;
	struct tdm_err *err;
};

static enum tdm_status bad(struct parse *p, const char *path, const char *what)
{
	return tdm_fail(p->err, TDM_EINVAL, "definition", "%s: %s: %s", p->origin, path, what);
}

/* Copies a string member; required ones must be present and non-empty. */
static enum tdm_status str(struct parse *p, json_t *o, const char *key, const char *path,
			   int required, char *dst, size_t n)
{
	json_t *v = json_object_get(o, key);
	char where[96];
	snprintf(where, sizeof where, "%s%s%s", path, *path ? "." : "", key);
	dst[0] = '\0';
	if (!v) {
		if (required)
			return bad(p, where, "is required");
		return TDM_OK;
	}
	if (!json_is_string(v))
		return bad(p, where, "must be a string");
	if (json_string_length(v) >= n)
		return bad(p, where, "is too long");
	if (required && !json_string_length(v))
		return bad(p, where, "must not be empty");
	snprintf(dst, n, "%s", json_string_value(v));
	return TDM_OK;
}

static enum tdm_status integer(struct parse *p, json_t *o, const char *key, const char *path,
			       int *out)
{
	json_t *v = json_object_get(o, key);
	char where[96];
	snprintf(where, sizeof where, "%s.%s", path, key);
	if (!v || !json_is_integer(v))
		return bad(p, where, "must be an integer");
	json_int_t x = json_integer_value(v);
	if (x < -1000 || x > 1000)
		return bad(p, where, "is out of range (-1000..1000)");
	*out = (int)x;
	return TDM_OK;
}

static int valid_id(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n < 1 || n > max)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return 0;
	return 1;
}

static enum tdm_status parse_options(struct parse *p, json_t *arr, const char *path,
				     struct instr_option *opts, int *n)
{
	if (!json_is_array(arr) || json_array_size(arr) < 1 || json_array_size(arr) > INSTR_MAX_OPTIONS)
		return bad(p, path, "must be an array of 1 to 12 options");
	size_t i;
	json_t *o;
	*n = 0;
	json_array_foreach(arr, i, o) {
		char where[96];
		snprintf(where, sizeof where, "%s[%zu]", path, i);
		if (!json_is_object(o))
			return bad(p, where, "must be an object");
		struct instr_option *opt = &opts[*n];
		enum tdm_status rc = integer(p, o, "value", where, &opt->value);
		if (!rc)
			rc = str(p, o, "label", where, 1, opt->label, sizeof opt->label);
		if (!rc)
			rc = str(p, o, "loinc", where, 0, opt->loinc, sizeof opt->loinc);
		if (rc)
			return rc;
		for (int k = 0; k < *n; k++)
			if (opts[k].value == opt->value)
				return bad(p, where, "repeats a value of another option");
		(*n)++;
	}
	return TDM_OK;
}

static void option_bounds(struct instr_item *it)
{
	it->min = it->options[0].value;
	it->max = it->options[0].value;
	for (int k = 1; k < it->n_options; k++) {
		if (it->options[k].value < it->min)
			it->min = it->options[k].value;
		if (it->options[k].value > it->max)
			it->max = it->options[k].value;
	}
}

static enum tdm_status parse_item(struct parse *p, json_t *o, const char *where,
				  const struct instr_option *defaults, int n_defaults,
				  struct instr_item *it)
{
	enum tdm_status rc;
	if (!json_is_object(o))
		return bad(p, where, "must be an object");
	if ((rc = str(p, o, "id", where, 1, it->id, sizeof it->id)) ||
	    (rc = str(p, o, "text", where, 1, it->text, sizeof it->text)) ||
	    (rc = str(p, o, "loinc", where, 0, it->loinc, sizeof it->loinc)))
		return rc;
	if (!valid_id(it->id, 24))
		return bad(p, where, "id must be 1-24 of A-Z a-z 0-9 - _");
	json_t *scored = json_object_get(o, "scored");
	if (scored && !json_is_boolean(scored))
		return bad(p, where, "scored must be true or false");
	it->scored = !scored || json_is_true(scored);
	json_t *opts = json_object_get(o, "options"), *range = json_object_get(o, "range");
	char sub[120];
	if (opts && range)
		return bad(p, where, "has both options and range");
	if (opts) {
		snprintf(sub, sizeof sub, "%s.options", where);
		if ((rc = parse_options(p, opts, sub, it->options, &it->n_options)))
			return rc;
		option_bounds(it);
	} else if (range) {
		snprintf(sub, sizeof sub, "%s.range", where);
		if (!json_is_object(range))
			return bad(p, sub, "must be an object");
		if ((rc = integer(p, range, "min", sub, &it->min)) ||
		    (rc = integer(p, range, "max", sub, &it->max)) ||
		    (rc = str(p, range, "low", sub, 0, it->low, sizeof it->low)) ||
		    (rc = str(p, range, "high", sub, 0, it->high, sizeof it->high)))
			return rc;
		if (it->min >= it->max)
			return bad(p, sub, "min must be below max");
	} else if (n_defaults) {
		memcpy(it->options, defaults, (size_t)n_defaults * sizeof *defaults);
		it->n_options = n_defaults;
		option_bounds(it);
	} else {
		return bad(p, where, "needs options or a range (the instrument has no default options)");
	}
	return TDM_OK;
}

static const char *const band_severities[] = {"none", "minimal", "mild", "moderate",
					      "moderately_severe", "severe", NULL};

static int one_of(const char *s, const char *const *list)
{
	for (int i = 0; list[i]; i++)
		if (!strcmp(s, list[i]))
			return 1;
	return 0;
}

static enum tdm_status parse_bands(struct parse *p, json_t *arr, struct instrument *in)
{
	if (!json_is_array(arr) || json_array_size(arr) < 1 || json_array_size(arr) > INSTR_MAX_BANDS)
		return bad(p, "bands", "must be an array of 1 to 10 bands");
	size_t i;
	json_t *o;
	int expect = in->min_total;
	json_array_foreach(arr, i, o) {
		char where[48];
		snprintf(where, sizeof where, "bands[%zu]", i);
		struct instr_band *b = &in->bands[in->n_bands];
		enum tdm_status rc;
		if (!json_is_object(o))
			return bad(p, where, "must be an object");
		if ((rc = integer(p, o, "min", where, &b->min)) || (rc = integer(p, o, "max", where, &b->max)) ||
		    (rc = str(p, o, "label", where, 1, b->label, sizeof b->label)) ||
		    (rc = str(p, o, "severity", where, 1, b->severity, sizeof b->severity)) ||
		    (rc = str(p, o, "interpretation", where, 0, b->interpretation, sizeof b->interpretation)))
			return rc;
		if (!one_of(b->severity, band_severities))
			return bad(p, where, "severity must be none, minimal, mild, moderate, moderately_severe or severe");
		if (b->min != expect || b->max < b->min) {
			char msg[120];
			snprintf(msg, sizeof msg, "must start at %d (bands are in order with no gap or overlap)", expect);
			return bad(p, where, msg);
		}
		expect = b->max + 1;
		in->n_bands++;
	}
	if (expect != in->max_total + 1) {
		char msg[120];
		snprintf(msg, sizeof msg, "the bands end at %d but the highest possible total is %d", expect - 1,
			 in->max_total);
		return bad(p, "bands", msg);
	}
	return TDM_OK;
}

static enum tdm_status parse_alerts(struct parse *p, json_t *arr, struct instrument *in)
{
	if (!arr)
		return TDM_OK;
	if (!json_is_array(arr) || json_array_size(arr) > INSTR_MAX_ALERTS)
		return bad(p, "alerts", "must be an array of at most 8 rules");
	size_t i;
	json_t *o;
	static const char *const sev[] = {"critical", "high", "warn", NULL};
	json_array_foreach(arr, i, o) {
		char where[48];
		snprintf(where, sizeof where, "alerts[%zu]", i);
		struct instr_alert *a = &in->alerts[in->n_alerts];
		enum tdm_status rc;
		if (!json_is_object(o))
			return bad(p, where, "must be an object");
		if ((rc = str(p, o, "id", where, 1, a->id, sizeof a->id)) ||
		    (rc = str(p, o, "severity", where, 1, a->severity, sizeof a->severity)) ||
		    (rc = str(p, o, "kind", where, 1, a->kind, sizeof a->kind)) ||
		    (rc = str(p, o, "message", where, 1, a->message, sizeof a->message)) ||
		    (rc = str(p, o, "why", where, 0, a->why, sizeof a->why)) ||
		    (rc = str(p, o, "source", where, 1, a->source, sizeof a->source)))
			return rc;
		if (!one_of(a->severity, sev))
			return bad(p, where, "severity must be critical, high or warn");
		json_t *when = json_object_get(o, "when");
		char wpath[64];
		snprintf(wpath, sizeof wpath, "%s.when", where);
		if (!json_is_object(when))
			return bad(p, wpath, "must be an object with item+min or total_min");
		if (json_object_get(when, "item") && json_object_get(when, "total_min"))
			return bad(p, wpath, "holds both item and total_min: one rule each");
		if (json_object_get(when, "item")) {
			if ((rc = str(p, when, "item", wpath, 1, a->item, sizeof a->item)) ||
			    (rc = integer(p, when, "min", wpath, &a->item_min)))
				return rc;
			int k = instrument_item_index(in, a->item);
			if (k < 0 || !in->items[k].scored)
				return bad(p, wpath, "names no scored item of this instrument");
			if (a->item_min <= in->items[k].min || a->item_min > in->items[k].max)
				return bad(p, wpath, "min must be above the item's lowest value and reachable");
		} else {
			if ((rc = integer(p, when, "total_min", wpath, &a->total_min)))
				return rc;
			if (a->total_min < in->min_total || a->total_min > in->max_total)
				return bad(p, wpath, "total_min is outside the possible totals");
		}
		json_t *roles = json_object_get(o, "roles");
		a->roles = 0;
		if (roles) {
			size_t r;
			json_t *rv;
			if (!json_is_array(roles))
				return bad(p, where, "roles must be an array of role names");
			json_array_foreach(roles, r, rv) {
				unsigned bit = json_is_string(rv) ? role_from_name(json_string_value(rv)) : 0;
				if (!bit)
					return bad(p, where, "roles holds an unknown role");
				a->roles |= bit;
			}
		}
		if (!a->roles)
			a->roles = ROLE_PRESCRIBER | ROLE_THERAPIST | ROLE_NURSE;
		a->roles |= ROLE_ADMIN;
		in->n_alerts++;
	}
	return TDM_OK;
}

static enum tdm_status parse_body(struct parse *p, json_t *root, struct instrument *in)
{
	enum tdm_status rc;
	if (!json_is_object(root))
		return bad(p, "$", "must be a JSON object");
	if ((rc = str(p, root, "code", "", 1, in->code, sizeof in->code)) ||
	    (rc = str(p, root, "name", "", 1, in->name, sizeof in->name)) ||
	    (rc = str(p, root, "version", "", 1, in->version, sizeof in->version)) ||
	    (rc = str(p, root, "recall", "", 0, in->recall, sizeof in->recall)) ||
	    (rc = str(p, root, "stem", "", 0, in->stem, sizeof in->stem)) ||
	    (rc = str(p, root, "licence", "", 1, in->licence, sizeof in->licence)) ||
	    (rc = str(p, root, "attribution", "", 0, in->attribution, sizeof in->attribution)) ||
	    (rc = str(p, root, "source", "", 1, in->source, sizeof in->source)))
		return rc;
	if (!valid_id(in->code, 16) || strlen(in->code) < 2)
		return bad(p, "code", "must be 2-16 of A-Z a-z 0-9 - _");
	json_t *loinc = json_object_get(root, "loinc");
	if (loinc && ((rc = str(p, loinc, "panel", "loinc", 0, in->loinc_panel, sizeof in->loinc_panel)) ||
		      (rc = str(p, loinc, "total", "loinc", 0, in->loinc_total, sizeof in->loinc_total))))
		return rc;
	json_t *sr = json_object_get(root, "self_report");
	if (sr && !json_is_boolean(sr))
		return bad(p, "self_report", "must be true or false");
	in->self_report = sr && json_is_true(sr);

	struct instr_option defaults[INSTR_MAX_OPTIONS];
	int n_defaults = 0;
	json_t *dopts = json_object_get(root, "options");
	if (dopts && (rc = parse_options(p, dopts, "options", defaults, &n_defaults)))
		return rc;
	json_t *items = json_object_get(root, "items");
	if (!json_is_array(items) || json_array_size(items) < 1 || json_array_size(items) > INSTR_MAX_ITEMS)
		return bad(p, "items", "must be an array of 1 to 40 items");
	size_t i;
	json_t *o;
	json_array_foreach(items, i, o) {
		char where[32];
		snprintf(where, sizeof where, "items[%zu]", i);
		struct instr_item *it = &in->items[in->n_items];
		if ((rc = parse_item(p, o, where, defaults, n_defaults, it)))
			return rc;
		if (instrument_item_index(in, it->id) >= 0)
			return bad(p, where, "repeats the id of another item");
		in->n_items++;
		if (it->scored) {
			in->n_scored++;
			in->min_total += it->min;
			in->max_total += it->max;
		}
	}
	if (!in->n_scored)
		return bad(p, "items", "no item is scored");

	json_t *missing = json_object_get(root, "missing");
	if (missing) {
		char rule[16];
		if ((rc = str(p, missing, "rule", "missing", 1, rule, sizeof rule)))
			return rc;
		if (!strcmp(rule, "prorate")) {
			in->prorate = 1;
			if ((rc = integer(p, missing, "max_missing", "missing", &in->max_missing)))
				return rc;
			if (in->max_missing < 1 || in->max_missing >= in->n_scored)
				return bad(p, "missing.max_missing", "must be at least 1 and fewer than the scored items");
		} else if (strcmp(rule, "refuse")) {
			return bad(p, "missing.rule", "must be refuse or prorate");
		}
	}
	if ((rc = parse_bands(p, json_object_get(root, "bands"), in)))
		return rc;
	in->response_drop_percent = in->baseline_min = in->remission_below = -1;
	json_t *oc = json_object_get(root, "outcomes");
	if (oc) {
		if (!json_is_object(oc))
			return bad(p, "outcomes", "must be an object");
		if ((rc = str(p, oc, "source", "outcomes", 1, in->outcomes_source, sizeof in->outcomes_source)))
			return rc;
		if (json_object_get(oc, "response_drop_percent") &&
		    ((rc = integer(p, oc, "response_drop_percent", "outcomes", &in->response_drop_percent)) ||
		     (rc = integer(p, oc, "baseline_min", "outcomes", &in->baseline_min))))
			return rc;
		if (json_object_get(oc, "remission_below") &&
		    (rc = integer(p, oc, "remission_below", "outcomes", &in->remission_below)))
			return rc;
		if (in->response_drop_percent != -1 &&
		    (in->response_drop_percent < 1 || in->response_drop_percent > 100))
			return bad(p, "outcomes.response_drop_percent", "must be 1 to 100");
	}
	return parse_alerts(p, json_object_get(root, "alerts"), in);
}

enum tdm_status instrument_parse(const char *text, size_t len, const char *origin,
				 struct instrument **out, struct tdm_err *err)
{
	struct parse p = {origin, err};
	json_error_t je;
	*out = NULL;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return tdm_fail(err, TDM_EINVAL, "definition", "%s: line %d column %d: %s", origin, je.line,
				je.column, je.text);
	struct instrument *in = calloc(1, sizeof *in);
	if (!in) {
		json_decref(root);
		return tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	}
	enum tdm_status rc = parse_body(&p, root, in);
	json_decref(root);
	if (rc) {
		free(in);
		return rc;
	}
	*out = in;
	return TDM_OK;
}

/* ---- registry ---- */

enum tdm_status instrument_register(struct instrument *in, struct tdm_err *err)
{
	for (int i = 0; i < n_registry; i++) {
		if (!strcasecmp(registry[i]->code, in->code)) {
			free(registry[i]);
			registry[i] = in;
			return TDM_OK;
		}
	}
	if (n_registry == INSTR_MAX) {
		free(in);
		return tdm_fail(err, TDM_ETOOBIG, "definition", "more than %d instruments", INSTR_MAX);
	}
	registry[n_registry++] = in;
	return TDM_OK;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(256 * 1024 + 1);
	size_t n = buf ? fread(buf, 1, 256 * 1024 + 1, f) : 0;
	fclose(f);
	if (!buf || n > 256 * 1024) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int json_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return n > 5 && !strcmp(d->d_name + n - 5, ".json") && d->d_name[0] != '.';
}

enum tdm_status instrument_load_dir(const char *dir, struct tdm_err *err)
{
	char path[512];
	struct dirent **names;
	snprintf(path, sizeof path, "%s/instruments", dir);
	int n = scandir(path, &names, json_file, by_name);
	if (n < 0)
		return tdm_fail(err, TDM_EIO, NULL, "cannot read %s", path);
	enum tdm_status rc = TDM_OK;
	for (int i = 0; i < n; i++) {
		char file[768];
		size_t len = 0;
		snprintf(file, sizeof file, "%s/%s", path, names[i]->d_name);
		char *text = rc ? NULL : read_file(file, &len);
		if (!rc && !text)
			rc = tdm_fail(err, TDM_EIO, NULL, "cannot read %s (or over 256 KiB)", file);
		struct instrument *in = NULL;
		if (!rc)
			rc = instrument_parse(text, len, file, &in, err);
		if (!rc)
			rc = instrument_register(in, err);
		free(text);
		free(names[i]);
	}
	free(names);
	return rc;
}

const struct instrument *instrument_find(const char *code)
{
	for (int i = 0; code && i < n_registry; i++)
		if (!strcasecmp(registry[i]->code, code))
			return registry[i];
	return NULL;
}

int instrument_count(void)
{
	return n_registry;
}

const struct instrument *instrument_at(int i)
{
	return i >= 0 && i < n_registry ? registry[i] : NULL;
}

int instrument_item_index(const struct instrument *in, const char *id)
{
	for (int i = 0; i < in->n_items; i++)
		if (!strcmp(in->items[i].id, id))
			return i;
	return -1;
}

/* ---- scoring ---- */

static int valid_value(const struct instr_item *it, int v)
{
	if (!it->n_options)
		return v >= it->min && v <= it->max;
	for (int k = 0; k < it->n_options; k++)
		if (it->options[k].value == v)
			return 1;
	return 0;
}

enum tdm_status instrument_score(const struct instrument *in, const int *values,
				 struct instr_score *out, struct tdm_err *err)
{
	char missing[200] = "";
	int sum = 0;
	memset(out, 0, sizeof *out);
	for (int i = 0; i < in->n_items; i++) {
		const struct instr_item *it = &in->items[i];
		char field[40];
		snprintf(field, sizeof field, "items.%s", it->id);
		if (values[i] == INSTR_MISSING) {
			if (it->scored) {
				size_t used = strlen(missing);
				snprintf(missing + used, sizeof missing - used, "%s%s", used ? ", " : "", it->id);
				out->n_missing++;
			}
			continue;
		}
		if (!valid_value(it, values[i])) {
			if (it->n_options)
				return tdm_fail(err, TDM_EINVAL, field, "%d is not an answer of item %s of %s",
						values[i], it->id, in->code);
			return tdm_fail(err, TDM_EINVAL, field, "item %s of %s takes %d to %d, not %d", it->id,
					in->code, it->min, it->max, values[i]);
		}
		if (it->scored)
			sum += values[i];
	}
	if (out->n_missing && (!in->prorate || out->n_missing > in->max_missing))
		return tdm_fail(err, TDM_EINVAL, "answers", "%s is incomplete: missing item%s %s", in->code,
				out->n_missing > 1 ? "s" : "", missing);
	if (out->n_missing) {
		int answered = in->n_scored - out->n_missing;
		sum = (sum * in->n_scored * 2 + answered) / (answered * 2); /* round half up */
		out->prorated = 1;
	}
	out->total = sum;
	for (int b = 0; b < in->n_bands; b++)
		if (sum >= in->bands[b].min && sum <= in->bands[b].max)
			out->band = &in->bands[b];
	for (int a = 0; a < in->n_alerts; a++) {
		const struct instr_alert *al = &in->alerts[a];
		int fire;
		if (al->item[0]) {
			int k = instrument_item_index(in, al->item);
			fire = k >= 0 && values[k] != INSTR_MISSING && values[k] >= al->item_min;
		} else {
			fire = sum >= al->total_min;
		}
		if (fire)
			out->alerts[out->n_alerts++] = al;
	}
	return TDM_OK;
}
