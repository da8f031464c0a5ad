/*
 * Tests for src/domain/instrument.c: the built-in definitions in
 * data/instruments/ scored against the published scoring (clinical reference
 * A.1-A.8), and the test-only definitions in tests/data/instruments/ (the
 * restricted DAST-10 and C-SSRS screener shapes, and invalid definitions the
 * loader must refuse).
 *
 * The expected bands below are typed in from the reference, not read from the
 * definitions, so a wrong edge in a JSON file fails here.
 */
#include "unit.h"

#include <ctype.h>

#include "domain/instrument.h"

#define TDATA "tests/data/instruments/"
#define STAFF (ROLE_PRESCRIBER | ROLE_THERAPIST | ROLE_NURSE)

struct band_ref {
	int min, max;
	const char *label, *severity;
};

struct alert_ref {
	const char *id;
	const char *item;    /* NULL: a total rule */
	int min;             /* item value, or total, from which it fires */
	const char *severity, *kind;
	unsigned roles;      /* of prescriber, therapist, nurse */
};

struct instr_ref {
	const char *code;
	int n_items, n_scored, max_total, self_report;
	const char *loinc_panel, *loinc_total;
	int n_bands;
	struct band_ref bands[6];
	int n_alerts;
	struct alert_ref alerts[3];
};

/* Published scoring, clinical reference A.1-A.8. */
static const struct instr_ref builtins[] = {
	/* A.1 [S]: 0-4, 5-9, 10-14, 15-19, 20-27; item 9 >= 1 alerts. */
	{"PHQ-9", 10, 9, 27, 1, "44249-1", "44261-6", 5,
	 {{0, 4, "Minimal", "none"},
	  {5, 9, "Mild", "mild"},
	  {10, 14, "Moderate", "moderate"},
	  {15, 19, "Moderately severe", "moderately_severe"},
	  {20, 27, "Severe", "severe"}},
	 1, {{"phq9-item9", "9", 1, "critical", "suicide_risk", STAFF}}},
	/* A.2 [S]: 0-4, 5-9, 10-14, 15-21; no critical item. */
	{"GAD-7", 7, 7, 21, 1, "69737-5", "70274-6", 4,
	 {{0, 4, "Minimal", "none"},
	  {5, 9, "Mild", "mild"},
	  {10, 14, "Moderate", "moderate"},
	  {15, 21, "Severe", "severe"}},
	 0, {{0}}},
	/* A.3 [V]: positive >= 4 men, >= 3 women. */
	{"AUDIT-C", 3, 3, 12, 1, "72109-2", "75626-2", 3,
	 {{0, 2, "Negative", "none"},
	  {3, 3, "Positive for women", "mild"},
	  {4, 12, "Positive", "moderate"}},
	 0, {{0}}},
	/* A.5 [S]: <5, 5-12, 13-24, 25-36, >36; max 48. */
	{"COWS", 11, 11, 48, 0, "", "", 5,
	 {{0, 4, "Not indicative of withdrawal", "none"},
	  {5, 12, "Mild", "mild"},
	  {13, 24, "Moderate", "moderate"},
	  {25, 36, "Moderately severe", "moderately_severe"},
	  {37, 48, "Severe", "severe"}},
	 1, {{"cows-severe", NULL, 37, "high", "withdrawal", ROLE_PRESCRIBER | ROLE_NURSE}}},
	/* A.6, ASAM 2020 scheme [S]: <10, 10-18, >=19; max 67. */
	{"CIWA-Ar", 10, 10, 67, 0, "", "", 3,
	 {{0, 9, "Minimal/mild", "minimal"},
	  {10, 18, "Moderate", "moderate"},
	  {19, 67, "Severe", "severe"}},
	 1, {{"ciwa-severe", NULL, 19, "high", "withdrawal", ROLE_PRESCRIBER | ROLE_NURSE}}},
	/* A.8: no validated bands. */
	{"PACS", 5, 5, 30, 1, "", "", 1, {{0, 30, "Score", "none"}}, 0, {{0}}},
	{"CRAVING", 1, 1, 10, 1, "", "", 1, {{0, 10, "Score", "none"}}, 0, {{0}}},
};
#define N_BUILTINS ((int)(sizeof builtins / sizeof builtins[0]))

/* A.4 [S]: 0, 1-2, 3-5, 6-8, 9-10. A.7 [S] levels, weighted yes values. */
static const struct instr_ref restricted[] = {
	{"DAST-10", 10, 10, 10, 1, "82666-9", "82667-7", 5,
	 {{0, 0, "No problems", "none"},
	  {1, 2, "Low", "mild"},
	  {3, 5, "Moderate", "moderate"},
	  {6, 8, "Substantial", "moderately_severe"},
	  {9, 10, "Severe", "severe"}},
	 0, {{0}}},
	{"C-SSRS-SCREEN", 7, 7, 35, 1, "93373-9", "", 4,
	 {{0, 0, "Negative", "none"},
	  {1, 2, "Low risk", "mild"},
	  {3, 8, "Moderate risk", "moderate"},
	  {9, 35, "High risk", "severe"}},
	 3, {{"cssrs-high", NULL, 9, "critical", "suicide_risk", STAFF},
	     {"cssrs-moderate", NULL, 3, "high", "suicide_risk", STAFF},
	     {"cssrs-positive", NULL, 1, "warn", "suicide_risk", STAFF}}},
};

static int setup(void **state)
{
	struct tdm_err err;
	(void)state;
	tdm_err_clear(&err);
	if (instrument_load_dir("data", &err) != TDM_OK) {
		print_error("instrument_load_dir(data): %s (%s)\n", err.msg, err.field);
		return -1;
	}
	return 0;
}

/* ---- helpers ---- */

static const struct instrument *get(const char *code)
{
	const struct instrument *in = instrument_find(code);
	if (!in)
		fail_msg("instrument %s is not loaded", code);
	return in;
}

static int idx(const struct instrument *in, const char *id)
{
	int k = instrument_item_index(in, id);
	if (k < 0)
		fail_msg("%s has no item '%s'", in->code, id);
	return k;
}

/* Every item 0 (or missing when unscored, or its lowest value). */
static void zeros(const struct instrument *in, int *v)
{
	for (int i = 0; i < INSTR_MAX_ITEMS; i++)
		v[i] = INSTR_MISSING;
	for (int i = 0; i < in->n_items; i++)
		if (in->items[i].scored)
			v[i] = in->items[i].min;
}

static void rest_bounds(const struct instrument *in, int from, int *lo, int *hi)
{
	*lo = *hi = 0;
	for (int i = from; i < in->n_items; i++) {
		if (!in->items[i].scored)
			continue;
		*lo += in->items[i].min;
		*hi += in->items[i].max;
	}
}

static int fill_from(const struct instrument *in, int i, int want, int *v)
{
	if (i == in->n_items)
		return want == 0;
	const struct instr_item *it = &in->items[i];
	if (!it->scored) {
		v[i] = INSTR_MISSING;
		return fill_from(in, i + 1, want, v);
	}
	int lo, hi;
	rest_bounds(in, i + 1, &lo, &hi);
	int n = it->n_options ? it->n_options : it->max - it->min + 1;
	for (int k = n - 1; k >= 0; k--) { /* largest first */
		int x = it->n_options ? it->options[k].value : it->min + k;
		if (want - x < lo || want - x > hi)
			continue;
		v[i] = x;
		if (fill_from(in, i + 1, want - x, v))
			return 1;
	}
	return 0;
}

/* Valid answers (from the definition's own option sets) summing to want. */
static void fill(const struct instrument *in, int want, int *v)
{
	for (int i = 0; i < INSTR_MAX_ITEMS; i++)
		v[i] = INSTR_MISSING;
	if (!fill_from(in, 0, want, v))
		fail_msg("%s: no valid answers sum to %d", in->code, want);
}

static void score_ok(const struct instrument *in, const int *v, struct instr_score *s)
{
	struct tdm_err err;
	tdm_err_clear(&err);
	enum tdm_status rc = instrument_score(in, v, s, &err);
	if (rc != TDM_OK)
		fail_msg("%s: scoring refused: %s (%s: %s)", in->code, tdm_code_name(rc), err.field,
			 err.msg);
}

static int has_alert(const struct instr_score *s, const char *id)
{
	for (int i = 0; i < s->n_alerts; i++)
		if (!strcmp(s->alerts[i]->id, id))
			return 1;
	return 0;
}

/* The score must carry exactly the reference alerts that apply. */
static void check_alerts(const struct instrument *in, const struct instr_ref *r, const int *v,
			 const struct instr_score *s)
{
	int expect = 0;
	for (int a = 0; a < r->n_alerts; a++) {
		const struct alert_ref *ar = &r->alerts[a];
		int fire = ar->item ? v[idx(in, ar->item)] >= ar->min : s->total >= ar->min;
		expect += fire;
		if (fire != has_alert(s, ar->id))
			fail_msg("%s total %d: alert %s %s", in->code, s->total, ar->id,
				 fire ? "did not fire" : "fired and should not");
	}
	if (s->n_alerts != expect)
		fail_msg("%s total %d: %d alerts, expected %d", in->code, s->total, s->n_alerts, expect);
}

/* Scores a vector for every band's lowest and highest total. */
static void check_edges(const struct instrument *in, const struct instr_ref *r)
{
	for (int b = 0; b < r->n_bands; b++) {
		const struct band_ref *br = &r->bands[b];
		int edge[2] = {br->min, br->max};
		for (int e = 0; e < 2; e++) {
			int v[INSTR_MAX_ITEMS];
			struct instr_score s;
			fill(in, edge[e], v);
			score_ok(in, v, &s);
			if (s.total != edge[e] || !s.band || strcmp(s.band->label, br->label) ||
			    strcmp(s.band->severity, br->severity))
				fail_msg("%s: answers summing to %d scored %d, band '%s'/%s; expected '%s'/%s",
					 in->code, edge[e], s.total, s.band ? s.band->label : "(none)",
					 s.band ? s.band->severity : "-", br->label, br->severity);
			assert_int_equal(s.prorated, 0);
			check_alerts(in, r, v, &s);
		}
	}
}

/* The definition's shape against the reference. */
static void check_shape(const struct instrument *in, const struct instr_ref *r)
{
	assert_string_equal(in->code, r->code);
	assert_int_equal(in->n_items, r->n_items);
	assert_int_equal(in->n_scored, r->n_scored);
	assert_int_equal(in->min_total, 0);
	assert_int_equal(in->max_total, r->max_total);
	assert_int_equal(in->self_report, r->self_report);
	assert_string_equal(in->loinc_panel, r->loinc_panel);
	assert_string_equal(in->loinc_total, r->loinc_total);
	assert_int_equal(in->prorate, 0); /* the reference gives no prorating rule */
	assert_true(in->licence[0] && in->source[0] && in->recall[0] && in->attribution[0]);
	assert_int_equal(in->n_bands, r->n_bands);
	for (int b = 0; b < r->n_bands; b++) {
		assert_int_equal(in->bands[b].min, r->bands[b].min);
		assert_int_equal(in->bands[b].max, r->bands[b].max);
		assert_string_equal(in->bands[b].label, r->bands[b].label);
		assert_string_equal(in->bands[b].severity, r->bands[b].severity);
	}
	assert_int_equal(in->n_alerts, r->n_alerts);
	for (int a = 0; a < r->n_alerts; a++) {
		const struct instr_alert *al = &in->alerts[a];
		const struct alert_ref *ar = &r->alerts[a];
		assert_string_equal(al->id, ar->id);
		assert_string_equal(al->item, ar->item ? ar->item : "");
		assert_int_equal(ar->item ? al->item_min : al->total_min, ar->min);
		assert_string_equal(al->severity, ar->severity);
		assert_string_equal(al->kind, ar->kind);
		assert_int_equal(al->roles & STAFF, ar->roles);
		assert_true(al->message[0] && al->source[0]);
	}
}

/* values must be refused naming "items.<id>". */
static void expect_bad_value(const struct instrument *in, const int *v, const char *id)
{
	struct tdm_err err;
	struct instr_score s;
	char name[40];
	snprintf(name, sizeof name, "items.%s", id);
	tdm_err_clear(&err);
	enum tdm_status rc = instrument_score(in, v, &s, &err);
	if (rc != TDM_EINVAL)
		fail_msg("%s: a bad value of item %s gave %s, expected invalid", in->code, id,
			 tdm_code_name(rc));
	if (strcmp(err.field, name) && !strstr(err.msg, name))
		fail_msg("%s: error '%s: %s' does not name %s", in->code, err.field, err.msg, name);
}

/* Item id `id` of `in` takes exactly the values in allowed[] among lo..hi. */
static void check_value_set(const struct instrument *in, const char *id, const int *allowed,
			    int n_allowed, int lo, int hi)
{
	int k = idx(in, id);
	for (int x = lo; x <= hi; x++) {
		int v[INSTR_MAX_ITEMS], ok = 0;
		zeros(in, v);
		v[k] = x;
		for (int j = 0; j < n_allowed; j++)
			ok |= allowed[j] == x;
		if (ok) {
			struct instr_score s;
			score_ok(in, v, &s);
			assert_int_equal(s.total, x);
		} else {
			expect_bad_value(in, v, id);
		}
	}
}

/* text mentions id as a whole token (not part of a longer word or number). */
static int mentions(const char *text, const char *id)
{
	size_t n = strlen(id);
	for (const char *p = strstr(text, id); p; p = strstr(p + 1, id)) {
		int before = p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '-');
		int after = isalnum((unsigned char)p[n]) || p[n] == '_';
		if (!before && !after)
			return 1;
	}
	return 0;
}

static void expect_missing(const struct instrument *in, const int *v, const char *const *ids,
			   int n)
{
	struct tdm_err err;
	struct instr_score s;
	char all[400];
	tdm_err_clear(&err);
	enum tdm_status rc = instrument_score(in, v, &s, &err);
	if (rc != TDM_EINVAL)
		fail_msg("%s: missing items gave %s, expected invalid", in->code, tdm_code_name(rc));
	snprintf(all, sizeof all, "%s: %s", err.field, err.msg);
	const char *tail = strstr(all, "missing");
	if (!tail)
		fail_msg("%s: error '%s' does not say items are missing", in->code, all);
	for (int i = 0; i < n; i++)
		if (!mentions(tail, ids[i]))
			fail_msg("%s: error '%s' does not list missing item %s", in->code, all, ids[i]);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	char *buf = malloc(65536);
	assert_non_null(buf);
	*len = fread(buf, 1, 65535, f);
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

static enum tdm_status parse_file(const char *path, struct instrument **out, struct tdm_err *err)
{
	size_t len;
	char *text = slurp(path, &len);
	tdm_err_clear(err);
	enum tdm_status rc = instrument_parse(text, len, path, out, err);
	free(text);
	return rc;
}

/* Value of the option labelled `label` of item `id`. */
static int answer(const struct instrument *in, const char *id, const char *label)
{
	const struct instr_item *it = &in->items[idx(in, id)];
	for (int k = 0; k < it->n_options; k++)
		if (!strcmp(it->options[k].label, label))
			return it->options[k].value;
	fail_msg("%s item %s has no option '%s'", in->code, id, label);
	return INSTR_MISSING;
}

/* ---- the built-in instruments ---- */

static void test_all_builtins_loaded(void **state)
{
	(void)state;
	assert_int_equal(instrument_count(), N_BUILTINS);
	for (int i = 0; i < N_BUILTINS; i++)
		check_shape(get(builtins[i].code), &builtins[i]);
	/* codes compare case-insensitively */
	assert_ptr_equal(instrument_find("phq-9"), instrument_find("PHQ-9"));
	assert_ptr_equal(instrument_find("ciwa-ar"), instrument_find("CIWA-Ar"));
	assert_null(instrument_find("NOPE"));
	assert_null(instrument_find("PHQ"));

	/* clinical reference G [V]: PHQ-9 response >= 50% drop from an index > 9,
	 * remission < 5. The GAD-7 analogy is [U] (no endorsed measure): none. */
	const struct instrument *phq = get("PHQ-9");
	assert_int_equal(phq->response_drop_percent, 50);
	assert_int_equal(phq->baseline_min, 10);
	assert_int_equal(phq->remission_below, 5);
	assert_true(phq->outcomes_source[0]);
	for (int i = 1; i < N_BUILTINS; i++) {
		const struct instrument *in = get(builtins[i].code);
		assert_int_equal(in->response_drop_percent, -1);
		assert_int_equal(in->remission_below, -1);
	}
}

static void test_band_edges(void **state)
{
	(void)state;
	for (int i = 0; i < N_BUILTINS; i++)
		check_edges(get(builtins[i].code), &builtins[i]);
}

static void test_phq9_items(void **state)
{
	(void)state;
	static const char *const loinc[] = {"44250-9", "44255-8", "44259-0", "44254-1", "44251-7",
					    "44258-2", "44252-5", "44253-3", "44260-8"};
	const struct instrument *in = get("PHQ-9");
	for (int i = 0; i < 9; i++) {
		char id[4];
		snprintf(id, sizeof id, "%d", i + 1);
		assert_int_equal(idx(in, id), i);
		assert_string_equal(in->items[i].loinc, loinc[i]);
		assert_true(in->items[i].scored);
		assert_int_equal(in->items[i].n_options, 4);
		assert_int_equal(in->items[i].min, 0);
		assert_int_equal(in->items[i].max, 3);
		assert_string_equal(in->items[i].options[0].loinc, "LA6568-5");
	}
	const struct instr_item *fn = &in->items[idx(in, "function")];
	assert_false(fn->scored);
	assert_string_equal(fn->loinc, "69722-7");
	assert_string_equal(in->items[8].text,
			    "Thoughts that you would be better off dead or of hurting yourself in some way");

	/* the function item is stored, validated, never summed */
	int v[INSTR_MAX_ITEMS];
	struct instr_score s;
	zeros(in, v);
	v[idx(in, "function")] = 3;
	score_ok(in, v, &s);
	assert_int_equal(s.total, 0);
	v[idx(in, "function")] = 4;
	expect_bad_value(in, v, "function");
}

static void test_gad7_items(void **state)
{
	(void)state;
	static const char *const loinc[] = {"69725-0", "68509-9", "69733-4", "69734-2",
					    "69735-9", "69689-8", "69736-7"};
	const struct instrument *in = get("GAD-7");
	for (int i = 0; i < 7; i++) {
		assert_string_equal(in->items[i].loinc, loinc[i]);
		assert_int_equal(in->items[i].min, 0);
		assert_int_equal(in->items[i].max, 3);
	}
	static const int set[] = {0, 1, 2, 3};
	check_value_set(in, "4", set, 4, -1, 4);
}

static void test_auditc_items(void **state)
{
	(void)state;
	const struct instrument *in = get("AUDIT-C");
	static const int set[] = {0, 1, 2, 3, 4};
	check_value_set(in, "1", set, 5, -1, 5);
	check_value_set(in, "2", set, 5, -1, 5);
	check_value_set(in, "3", set, 5, -1, 5);
	int v[INSTR_MAX_ITEMS];
	struct instr_score s;
	zeros(in, v);
	v[idx(in, "1")] = answer(in, "1", "4 or more times a week");
	v[idx(in, "2")] = answer(in, "2", "10 or more");
	v[idx(in, "3")] = answer(in, "3", "Daily or almost daily");
	score_ok(in, v, &s);
	assert_int_equal(s.total, 12);
	assert_string_equal(s.band->label, "Positive");
	/* 3 is the women's cut-off only */
	v[idx(in, "1")] = answer(in, "1", "2-3 times a week");
	v[idx(in, "2")] = answer(in, "2", "1 or 2");
	v[idx(in, "3")] = answer(in, "3", "Never");
	score_ok(in, v, &s);
	assert_int_equal(s.total, 3);
	assert_string_equal(s.band->label, "Positive for women");
}

/* A.5: each COWS item has its own value set; anything else is refused. */
static void test_cows_value_sets(void **state)
{
	(void)state;
	static const struct {
		const char *id;
		int n;
		int values[5];
	} sets[] = {
		{"pulse", 4, {0, 1, 2, 4}},        {"sweating", 5, {0, 1, 2, 3, 4}},
		{"restlessness", 4, {0, 1, 3, 5}}, {"pupils", 4, {0, 1, 2, 5}},
		{"aches", 4, {0, 1, 2, 4}},        {"runny_nose", 4, {0, 1, 2, 4}},
		{"gi_upset", 5, {0, 1, 2, 3, 5}},  {"tremor", 4, {0, 1, 2, 4}},
		{"yawning", 4, {0, 1, 2, 4}},      {"anxiety", 4, {0, 1, 2, 4}},
		{"gooseflesh", 3, {0, 3, 5}},
	};
	const struct instrument *in = get("COWS");
	assert_int_equal(in->n_items, 11);
	for (int i = 0; i < 11; i++) {
		assert_int_equal(idx(in, sets[i].id), i); /* reference order 1-11 */
		assert_int_equal(in->items[i].n_options, sets[i].n);
		check_value_set(in, sets[i].id, sets[i].values, sets[i].n, -1, 6);
	}
	/* the reference's own example: a pulse score of 3 */
	int v[INSTR_MAX_ITEMS];
	zeros(in, v);
	v[idx(in, "pulse")] = 3;
	expect_bad_value(in, v, "pulse");
}

static void test_ciwa_value_sets(void **state)
{
	(void)state;
	static const char *const seven[] = {"nausea",  "tremor",  "sweats", "anxiety", "agitation",
					    "tactile", "auditory", "visual", "headache"};
	static const int to7[] = {0, 1, 2, 3, 4, 5, 6, 7};
	static const int to4[] = {0, 1, 2, 3, 4};
	const struct instrument *in = get("CIWA-Ar");
	for (int i = 0; i < 9; i++) {
		assert_int_equal(idx(in, seven[i]), i);
		check_value_set(in, seven[i], to7, 8, -1, 8);
	}
	assert_int_equal(idx(in, "orientation"), 9);
	assert_int_equal(in->items[9].n_options, 5);
	check_value_set(in, "orientation", to4, 5, -1, 5);
}

static void test_craving_value_sets(void **state)
{
	(void)state;
	static const int to6[] = {0, 1, 2, 3, 4, 5, 6};
	static const int to10[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	const struct instrument *pacs = get("PACS");
	for (int i = 0; i < 5; i++)
		check_value_set(pacs, pacs->items[i].id, to6, 7, -1, 7);
	const struct instrument *c = get("CRAVING");
	assert_int_equal(idx(c, "now"), 0);
	check_value_set(c, "now", to10, 11, -1, 11);
	assert_string_equal(c->items[0].low, "no craving");
	assert_string_equal(c->items[0].high, "strongest imaginable");
}

static void test_invalid_values(void **state)
{
	(void)state;
	int v[INSTR_MAX_ITEMS];
	const struct instrument *phq = get("PHQ-9");
	zeros(phq, v);
	v[idx(phq, "1")] = 4;
	expect_bad_value(phq, v, "1");
	zeros(phq, v);
	v[idx(phq, "9")] = 4;
	expect_bad_value(phq, v, "9");
	zeros(phq, v);
	v[idx(phq, "3")] = -1;
	expect_bad_value(phq, v, "3");

	const struct instrument *c = get("CRAVING");
	zeros(c, v);
	v[0] = 11;
	expect_bad_value(c, v, "now");

	const struct instrument *cows = get("COWS");
	zeros(cows, v);
	v[idx(cows, "pulse")] = 3;
	expect_bad_value(cows, v, "pulse");
}

static void test_missing_items(void **state)
{
	(void)state;
	int v[INSTR_MAX_ITEMS];
	const struct instrument *phq = get("PHQ-9");
	zeros(phq, v);
	v[idx(phq, "5")] = INSTR_MISSING;
	static const char *const five[] = {"5"};
	expect_missing(phq, v, five, 1);

	zeros(phq, v);
	v[idx(phq, "3")] = INSTR_MISSING;
	v[idx(phq, "7")] = INSTR_MISSING;
	static const char *const three_seven[] = {"3", "7"};
	expect_missing(phq, v, three_seven, 2);

	const struct instrument *cows = get("COWS");
	zeros(cows, v);
	v[idx(cows, "pulse")] = INSTR_MISSING;
	v[idx(cows, "yawning")] = INSTR_MISSING;
	static const char *const two[] = {"pulse", "yawning"};
	expect_missing(cows, v, two, 2);

	const struct instrument *c = get("CRAVING");
	zeros(c, v);
	v[0] = INSTR_MISSING;
	static const char *const now[] = {"now"};
	expect_missing(c, v, now, 1);
}

static void test_phq9_item9_alert(void **state)
{
	(void)state;
	const struct instrument *in = get("PHQ-9");
	int v[INSTR_MAX_ITEMS];
	struct instr_score s;

	/* total 4 (minimal) with item 9 = 1: the alert fires whatever the total */
	zeros(in, v);
	v[idx(in, "1")] = 3;
	v[idx(in, "9")] = 1;
	score_ok(in, v, &s);
	assert_int_equal(s.total, 4);
	assert_string_equal(s.band->label, "Minimal");
	assert_int_equal(s.n_alerts, 1);
	assert_string_equal(s.alerts[0]->id, "phq9-item9");
	assert_string_equal(s.alerts[0]->kind, "suicide_risk");
	assert_string_equal(s.alerts[0]->severity, "critical");
	assert_int_equal(s.alerts[0]->roles & STAFF, STAFF);

	/* item 9 alone */
	zeros(in, v);
	v[idx(in, "9")] = 1;
	score_ok(in, v, &s);
	assert_int_equal(s.total, 1);
	assert_int_equal(s.n_alerts, 1);

	/* the highest total with item 9 = 0 is 24 (27 needs item 9 = 3): severe, no alert */
	for (int i = 0; i < 8; i++)
		v[i] = 3;
	v[idx(in, "9")] = 0;
	score_ok(in, v, &s);
	assert_int_equal(s.total, 24);
	assert_string_equal(s.band->label, "Severe");
	assert_int_equal(s.n_alerts, 0);

	/* 27: everything 3 */
	v[idx(in, "9")] = 3;
	score_ok(in, v, &s);
	assert_int_equal(s.total, 27);
	assert_int_equal(s.n_alerts, 1);
}

static void check_total_alert(const char *code, const char *alert_id, int edge)
{
	const struct instrument *in = get(code);
	int v[INSTR_MAX_ITEMS];
	struct instr_score s;
	fill(in, edge - 1, v);
	score_ok(in, v, &s);
	assert_int_equal(s.total, edge - 1);
	assert_int_equal(s.n_alerts, 0);
	fill(in, edge, v);
	score_ok(in, v, &s);
	assert_int_equal(s.total, edge);
	assert_int_equal(s.n_alerts, 1);
	assert_string_equal(s.alerts[0]->id, alert_id);
	assert_string_equal(s.alerts[0]->kind, "withdrawal");
	assert_string_equal(s.alerts[0]->severity, "high");
	assert_string_equal(s.band->severity, "severe");
	fill(in, in->max_total, v);
	score_ok(in, v, &s);
	assert_int_equal(s.n_alerts, 1);
}

static void test_withdrawal_alerts(void **state)
{
	(void)state;
	check_total_alert("COWS", "cows-severe", 37);
	check_total_alert("CIWA-Ar", "ciwa-severe", 19);

	/* a hand-made COWS 36: every item at its top but pulse 2, gooseflesh 0 */
	const struct instrument *in = get("COWS");
	int v[INSTR_MAX_ITEMS];
	struct instr_score s;
	for (int i = 0; i < in->n_items; i++)
		v[i] = in->items[i].max;
	v[idx(in, "gooseflesh")] = 0;
	v[idx(in, "pulse")] = 2;
	v[idx(in, "sweating")] = 3;
	score_ok(in, v, &s);
	assert_int_equal(s.total, 48 - 5 - 2 - 1);
	assert_int_equal(s.total, 40);
	assert_int_equal(s.n_alerts, 1);
	v[idx(in, "restlessness")] = 1; /* 40 - 4 = 36 */
	score_ok(in, v, &s);
	assert_int_equal(s.total, 36);
	assert_string_equal(s.band->label, "Moderately severe");
	assert_int_equal(s.n_alerts, 0);
}

/* ---- restricted instruments, imported as a clinic would ---- */

static void test_dast10_import(void **state)
{
	(void)state;
	struct instrument *in = NULL;
	struct tdm_err err;
	assert_ok(parse_file(TDATA "dast-10.json", &in, &err), &err);
	check_shape(in, &restricted[0]);
	check_edges(in, &restricted[0]);

	/* item 3 is reversed: "No" scores 1, "Yes" 0 */
	assert_int_equal(answer(in, "3", "Yes"), 0);
	assert_int_equal(answer(in, "3", "No"), 1);
	assert_int_equal(answer(in, "1", "Yes"), 1);
	int v[INSTR_MAX_ITEMS];
	struct instr_score s;
	for (int i = 0; i < in->n_items; i++)
		v[i] = answer(in, in->items[i].id, "No");
	score_ok(in, v, &s);
	assert_int_equal(s.total, 1);
	assert_string_equal(s.band->label, "Low");
	v[idx(in, "3")] = answer(in, "3", "Yes");
	score_ok(in, v, &s);
	assert_int_equal(s.total, 0);
	assert_string_equal(s.band->label, "No problems");
	for (int i = 0; i < in->n_items; i++)
		v[i] = answer(in, in->items[i].id, "Yes");
	score_ok(in, v, &s);
	assert_int_equal(s.total, 9);
	assert_string_equal(s.band->label, "Severe");
	v[idx(in, "3")] = 2;
	expect_bad_value(in, v, "3");
	free(in);
}

static int cssrs_total(const struct instrument *in, const char *const *yes, int n,
		       struct instr_score *s)
{
	int v[INSTR_MAX_ITEMS];
	for (int i = 0; i < in->n_items; i++)
		v[i] = answer(in, in->items[i].id, "No");
	for (int i = 0; i < n; i++)
		v[idx(in, yes[i])] = answer(in, yes[i], "Yes");
	score_ok(in, v, s);
	return s->total;
}

static void test_cssrs_import(void **state)
{
	(void)state;
	struct instrument *in = NULL;
	struct tdm_err err;
	struct instr_score s;
	assert_ok(parse_file(TDATA "cssrs-screener.json", &in, &err), &err);
	check_shape(in, &restricted[1]);
	check_edges(in, &restricted[1]);

	cssrs_total(in, NULL, 0, &s);
	assert_string_equal(s.band->label, "Negative");
	assert_int_equal(s.n_alerts, 0);

	static const char *const low[] = {"1", "2"};
	cssrs_total(in, low, 2, &s);
	assert_string_equal(s.band->label, "Low risk");
	assert_int_equal(s.n_alerts, 1);
	assert_true(has_alert(&s, "cssrs-positive"));

	static const char *const method[] = {"1", "2", "3"};
	cssrs_total(in, method, 3, &s);
	assert_string_equal(s.band->label, "Moderate risk");
	assert_int_equal(s.n_alerts, 2);
	assert_true(has_alert(&s, "cssrs-moderate"));
	assert_false(has_alert(&s, "cssrs-high"));

	static const char *const lifetime[] = {"6"};
	cssrs_total(in, lifetime, 1, &s);
	assert_string_equal(s.band->label, "Moderate risk");

	static const char *const intent[] = {"2", "4"};
	cssrs_total(in, intent, 2, &s);
	assert_string_equal(s.band->label, "High risk");
	assert_int_equal(s.n_alerts, 3);
	assert_true(has_alert(&s, "cssrs-high"));

	static const char *const plan[] = {"2", "5"};
	cssrs_total(in, plan, 2, &s);
	assert_string_equal(s.band->label, "High risk");

	static const char *const recent[] = {"6", "6a"};
	cssrs_total(in, recent, 2, &s);
	assert_string_equal(s.band->label, "High risk");

	/* the lower levels together never reach high */
	static const char *const all_moderate[] = {"1", "2", "3", "6"};
	assert_int_equal(cssrs_total(in, all_moderate, 4, &s), 8);
	assert_string_equal(s.band->label, "Moderate risk");

	static const char *const all[] = {"1", "2", "3", "4", "5", "6", "6a"};
	assert_int_equal(cssrs_total(in, all, 7, &s), 35);

	int v[INSTR_MAX_ITEMS];
	zeros(in, v);
	v[idx(in, "4")] = 1; /* "yes" is 9 for item 4 */
	expect_bad_value(in, v, "4");
	free(in);
}

static void test_register_imported(void **state)
{
	(void)state;
	struct instrument *dast = NULL, *cssrs = NULL;
	struct tdm_err err;
	int before = instrument_count();
	assert_ok(parse_file(TDATA "dast-10.json", &dast, &err), &err);
	assert_ok(parse_file(TDATA "cssrs-screener.json", &cssrs, &err), &err);
	assert_ok(instrument_register(dast, &err), &err);
	assert_ok(instrument_register(cssrs, &err), &err);
	assert_int_equal(instrument_count(), before + 2);
	assert_ptr_equal(instrument_find("dast-10"), dast);
	assert_ptr_equal(instrument_find("c-ssrs-screen"), cssrs);
	/* registering again replaces by code */
	struct instrument *again = NULL;
	assert_ok(parse_file(TDATA "dast-10.json", &again, &err), &err);
	assert_ok(instrument_register(again, &err), &err);
	assert_int_equal(instrument_count(), before + 2);
	assert_ptr_equal(instrument_find("DAST-10"), again);
	assert_non_null(instrument_find("PHQ-9"));
}

/* docs/instruments.md: prorate scales the sum to the full item count, rounded
 * half up, for up to max_missing missing items. No built-in instrument
 * prorates (the reference gives no rule), so a test definition does. */
static void test_prorate(void **state)
{
	(void)state;
	struct instrument *in = NULL;
	struct tdm_err err;
	struct instr_score s;
	assert_ok(parse_file(TDATA "valid-prorate.json", &in, &err), &err);
	assert_int_equal(in->prorate, 1);
	assert_int_equal(in->max_missing, 1);
	int v[INSTR_MAX_ITEMS] = {1, 1, 0, 0, 0};
	score_ok(in, v, &s);
	assert_int_equal(s.total, 2);
	assert_int_equal(s.prorated, 0);
	v[4] = INSTR_MISSING; /* 2 * 5/4 = 2.5 -> 3 */
	score_ok(in, v, &s);
	assert_int_equal(s.total, 3);
	assert_int_equal(s.prorated, 1);
	assert_int_equal(s.n_missing, 1);
	v[1] = 0; /* 1 * 5/4 = 1.25 -> 1 */
	score_ok(in, v, &s);
	assert_int_equal(s.total, 1);
	v[0] = 3;
	v[1] = 3;
	v[3] = 1; /* 7 * 5/4 = 8.75 -> 9 */
	score_ok(in, v, &s);
	assert_int_equal(s.total, 9);
	assert_string_equal(s.band->label, "High");
	v[3] = INSTR_MISSING;
	static const char *const two[] = {"q4", "q5"};
	expect_missing(in, v, two, 2);
	free(in);
}

/* ---- definitions the loader must refuse ---- */

static void test_invalid_definitions(void **state)
{
	(void)state;
	static const struct {
		const char *file;
		const char *path; /* JSON path the error must name */
	} bad[] = {
		{"invalid-band-gap.json", "bands[1]"},
		{"invalid-band-overlap.json", "bands[1]"},
		{"invalid-band-short.json", "bands"},
		{"invalid-band-severity.json", "bands[1]"},
		{"invalid-alert-unknown-item.json", "alerts[0].when"},
		{"invalid-alert-unscored-item.json", "alerts[0].when"},
		{"invalid-alert-total-range.json", "alerts[0].when"},
		{"invalid-duplicate-id.json", "items[2]"},
		{"invalid-option-float.json", "items[1].options[1].value"},
		{"invalid-option-string.json", "options[1].value"},
	};
	struct instrument *in = NULL;
	struct tdm_err err;

	/* the control: the same definition without the fault loads */
	assert_ok(parse_file(TDATA "valid-minimal.json", &in, &err), &err);
	assert_int_equal(in->max_total, 6);
	free(in);

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char path[128], all[400];
		snprintf(path, sizeof path, TDATA "%s", bad[i].file);
		in = NULL;
		enum tdm_status rc = parse_file(path, &in, &err);
		snprintf(all, sizeof all, "%s: %s", err.field, err.msg);
		if (rc != TDM_EINVAL)
			fail_msg("%s: %s (%s), expected invalid", bad[i].file, tdm_code_name(rc), all);
		assert_null(in);
		if (!strstr(all, bad[i].file))
			fail_msg("%s: error '%s' does not name the file", bad[i].file, all);
		if (!strstr(all, bad[i].path))
			fail_msg("%s: error '%s' does not name %s", bad[i].file, all, bad[i].path);
		print_message("  %s\n", err.msg);
	}
}

static void test_bad_json_and_dir(void **state)
{
	(void)state;
	struct instrument *in = NULL;
	struct tdm_err err;
	const char *text = "{\"code\": \"X1\", ";
	tdm_err_clear(&err);
	assert_int_not_equal(instrument_parse(text, strlen(text), "broken.json", &in, &err), TDM_OK);
	assert_null(in);
	assert_non_null(strstr(err.msg, "broken.json"));
	tdm_err_clear(&err);
	assert_status(TDM_EIO, instrument_load_dir("/nonexistent-dir", &err), &err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_builtins_loaded),
		cmocka_unit_test(test_band_edges),
		cmocka_unit_test(test_phq9_items),
		cmocka_unit_test(test_gad7_items),
		cmocka_unit_test(test_auditc_items),
		cmocka_unit_test(test_cows_value_sets),
		cmocka_unit_test(test_ciwa_value_sets),
		cmocka_unit_test(test_craving_value_sets),
		cmocka_unit_test(test_invalid_values),
		cmocka_unit_test(test_missing_items),
		cmocka_unit_test(test_phq9_item9_alert),
		cmocka_unit_test(test_withdrawal_alerts),
		cmocka_unit_test(test_dast10_import),
		cmocka_unit_test(test_cssrs_import),
		cmocka_unit_test(test_register_imported),
		cmocka_unit_test(test_prorate),
		cmocka_unit_test(test_invalid_definitions),
		cmocka_unit_test(test_bad_json_and_dir),
	};
	return cmocka_run_group_tests_name("instrument", tests, setup, NULL);
}
