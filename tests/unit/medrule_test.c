/*
 * Tests for src/domain/medrule.c: every medication rule at the edges of its
 * thresholds (the numbers are typed in from the clinical reference and the
 * issue, not read from data/medication-rules.conf), both directions of each
 * combination, the "could not be checked" infos, the order of alerts, and
 * rules files that are refused with file:line.
 *
 * The clinic zone is UTC and "now" is fixed, so day counts are exact.
 */
#include "unit.h"

#include "domain/formulary.h"
#include "domain/medrule.h"

#define HOUR 3600
#define DAY 86400
#define NOW ((time_t)1773144000) /* 2026-03-10T12:00:00Z */

static struct rule_ctx *ctx;
static struct rule_alert alerts[RULE_MAX_ALERTS];
static int n_alerts;

/* ---- building orders and contexts ---- */

static const struct medication *med(const char *id)
{
	const struct medication *m = formulary_find(id);
	if (!m)
		fail_msg("%s is not in the formulary", id);
	return m;
}

static struct rule_order order(const char *id, double dose, int per_day)
{
	struct rule_order o;
	memset(&o, 0, sizeof o);
	o.med = med(id);
	o.dose = dose;
	snprintf(o.unit, sizeof o.unit, "mg");
	o.per_day = per_day;
	return o;
}

static struct rule_order start(const char *id, double dose, int per_day, double given_today)
{
	struct rule_order o = order(id, dose, per_day);
	o.new_start = 1;
	o.given_today = given_today;
	return o;
}

static void active_med(const struct medication *m, double dose, int64_t order_id)
{
	struct rule_active *a = &ctx->active[ctx->n_active++];
	a->med = m;
	a->dose = dose;
	a->per_day = 1;
	a->order_id = order_id;
}

static void active(const char *id, double dose, int64_t order_id)
{
	active_med(med(id), dose, order_id);
}

static struct rule_result *result(const char *kind, time_t age)
{
	struct rule_result *r = &ctx->results[ctx->n_results++];
	memset(r, 0, sizeof *r);
	snprintf(r->kind, sizeof r->kind, "%s", kind);
	r->taken_at = NOW - age;
	return r;
}

static void uds(const char *substance, int positive, int expected, time_t age)
{
	struct rule_result *r = result("uds", age);
	snprintf(r->substance, sizeof r->substance, "%s", substance);
	r->positive = positive;
	r->expected = expected;
}

static void lab(const char *code, double value, time_t age)
{
	struct rule_result *r = result("lab", age);
	snprintf(r->code, sizeof r->code, "%s", code);
	r->value = value;
}

static void ecg(double qtc, time_t age)
{
	struct rule_result *r = result("ecg", age);
	snprintf(r->code, sizeof r->code, "qtc");
	r->value = qtc;
}

static void breath(double value, time_t age)
{
	result("breath_alcohol", age)->value = value;
}

static void score(const char *instrument, int total, time_t age)
{
	struct rule_score *s = &ctx->scores[ctx->n_scores++];
	snprintf(s->instrument, sizeof s->instrument, "%s", instrument);
	s->total = total;
	s->at = NOW - age;
}

static void allergy(const char *medication, const char *substance)
{
	snprintf(ctx->allergies[ctx->n_allergies].medication, MED_ID_LEN, "%s", medication);
	snprintf(ctx->allergies[ctx->n_allergies].substance, sizeof ctx->allergies[0].substance, "%s",
		 substance);
	ctx->n_allergies++;
}

/* "YYYY-MM-DD" n days before today. */
static void days_before(int n, char out[DATE_LEN])
{
	date_add_days(ctx->today, -n, out);
}

static int reset(void **state)
{
	(void)state;
	memset(ctx, 0, sizeof *ctx);
	ctx->now = NOW;
	date_local_day(NOW, ctx->today);
	n_alerts = 0;
	return 0;
}

/* ---- checking alerts ---- */

static int run(const struct rule_order *o)
{
	memset(alerts, 0, sizeof alerts);
	n_alerts = medrule_check(o, ctx, alerts, RULE_MAX_ALERTS);
	for (int i = 1; i < n_alerts; i++)
		if (alerts[i].severity > alerts[i - 1].severity)
			fail_msg("alert %d (%s) is more severe than the one before it", i, alerts[i].rule);
	return n_alerts;
}

static const struct rule_alert *find(const char *rule)
{
	for (int i = 0; i < n_alerts; i++)
		if (!strcmp(alerts[i].rule, rule))
			return &alerts[i];
	return NULL;
}

static void dump(void)
{
	for (int i = 0; i < n_alerts; i++)
		print_error("  %s %s: %s\n", medrule_severity_name(alerts[i].severity), alerts[i].rule,
			    alerts[i].message);
}

/* The alert of rule with severity; its message contains says (or NULL). */
static const struct rule_alert *expect(const char *rule, enum rule_severity sev, const char *says)
{
	const struct rule_alert *a = find(rule);
	if (!a) {
		dump();
		fail_msg("expected a %s alert from %s", medrule_severity_name(sev), rule);
	}
	if (a->severity != sev || (says && !strstr(a->message, says))) {
		dump();
		fail_msg("%s: %s '%s', expected %s saying '%s'", rule, medrule_severity_name(a->severity), a->message,
			 medrule_severity_name(sev), says ? says : "");
	}
	assert_true(a->source[0] && a->why[0]);
	return a;
}

static void absent(const char *rule)
{
	if (find(rule)) {
		dump();
		fail_msg("unexpected alert from %s", rule);
	}
}

static int has_block(void)
{
	for (int i = 0; i < n_alerts; i++)
		if (alerts[i].severity == RULE_BLOCK)
			return 1;
	return 0;
}

/* ---- set-up ---- */

static int load_formulary(void **state)
{
	struct tdm_err err;
	(void)state;
	tdm_err_clear(&err);
	if (date_set_zone("UTC") || formulary_load_dir("data", &err) != TDM_OK) {
		print_error("formulary_load_dir(data): %s\n", err.msg);
		return -1;
	}
	ctx = calloc(1, sizeof *ctx);
	return ctx ? 0 : -1;
}

static int load_all(void **state)
{
	struct tdm_err err;
	if (load_formulary(state))
		return -1;
	tdm_err_clear(&err);
	if (medrule_load("data", &err) != TDM_OK) {
		print_error("medrule_load(data): %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int release(void **state)
{
	(void)state;
	free(ctx);
	ctx = NULL;
	formulary_release();
	return 0;
}

/* ---- before any rules file: every order is blocked ---- */

static void test_not_loaded_blocks(void **state)
{
	(void)state;
	struct rule_order o = order("sertraline", 50, 1);
	assert_int_equal(run(&o), 1);
	expect("rules_not_loaded", RULE_BLOCK, "not loaded");
}

/* ---- allergy, duplicate ---- */

static void test_allergy(void **state)
{
	(void)state;
	struct rule_order o = order("methadone", 30, 1);
	allergy("methadone", "Methadone");
	run(&o);
	expect("allergy", RULE_BLOCK, "allergy recorded to Methadone");

	reset(NULL);
	allergy("", "  METHADONE ");          /* free text, the id, any case and spaces */
	run(&o);
	expect("allergy", RULE_BLOCK, NULL);

	reset(NULL);
	struct rule_order b = order("buprenorphine-naloxone", 4, 1);
	allergy("", b.med->name);              /* the name as written in the formulary */
	run(&b);
	expect("allergy", RULE_BLOCK, NULL);

	reset(NULL);
	allergy("", "codeine");
	allergy("naltrexone", "naltrexone");
	run(&o);
	absent("allergy");
}

static void test_duplicate(void **state)
{
	(void)state;
	active("methadone", 60, 11);
	struct rule_order o = order("methadone", 30, 1);
	run(&o);
	const struct rule_alert *a = expect("duplicate_order", RULE_BLOCK, "change the dose of the existing order");
	assert_non_null(strstr(a->message, "order 11"));

	/* A dose change of that order is not a duplicate of itself. */
	o.is_change = 1;
	o.order_id = 11;
	o.prev_dose = 60;
	run(&o);
	absent("duplicate_order");
	/* ... but a second active order of it is. */
	active("methadone", 10, 12);
	run(&o);
	expect("duplicate_order", RULE_BLOCK, "order 12");
	/* A change whose order is not known: the duplicate rule cannot tell. */
	o.order_id = 0;
	run(&o);
	absent("duplicate_order");

	reset(NULL);
	active("buprenorphine", 16, 3); /* another medication, even of the same class */
	struct rule_order b = order("buprenorphine-naloxone", 8, 1);
	run(&b);
	absent("duplicate_order");
}

/* ---- methadone first day: 42 CFR 8.12(h)(3)(ii) 50 mg; label 30 / 40 mg ---- */

static void test_methadone_first_day(void **state)
{
	(void)state;
	struct rule_order o = start("methadone", 50, 1, 0);
	run(&o);
	absent("methadone_first_day_limit");

	o = start("methadone", 50.01, 1, 0);
	run(&o);
	const struct rule_alert *a =
		expect("methadone_first_day_limit", RULE_BLOCK, "first-day methadone total would be 50.01 mg");
	assert_non_null(strstr(a->message, "the limit is 50 mg"));
	assert_string_equal(a->config_key, "methadone_first_day_limit.limit_mg");
	assert_non_null(strstr(a->source, "42 CFR 8.12(h)(3)(ii)"));

	/* Given today + the new order. */
	o = start("methadone", 30, 1, 20);
	run(&o);
	absent("methadone_first_day_limit");
	o = start("methadone", 30.01, 1, 20);
	run(&o);
	expect("methadone_first_day_limit", RULE_BLOCK, "20 mg already given today");
	o = start("methadone", 40, 1, 20);
	run(&o);
	expect("methadone_first_day_limit", RULE_BLOCK, "would be 60 mg");

	/* Several doses a day count; per_day 0 counts one dose. */
	o = start("methadone", 25, 2, 0);
	run(&o);
	absent("methadone_first_day_limit");
	o = start("methadone", 26, 2, 0);
	run(&o);
	expect("methadone_first_day_limit", RULE_BLOCK, "2 x 26 mg");
	o = start("methadone", 50, 0, 0);
	run(&o);
	absent("methadone_first_day_limit");

	/* Not a new start: no first-day rules. */
	o = order("methadone", 90, 1);
	run(&o);
	absent("methadone_first_day_limit");
	absent("methadone_first_dose_label");
	absent("methadone_first_day_label");

	/* Another unit is not compared: info, no block. */
	o = start("methadone", 6, 1, 0);
	snprintf(o.unit, sizeof o.unit, "mL");
	run(&o);
	expect("methadone_first_day_limit", RULE_INFO, "could not be checked");
	assert_false(has_block());
	/* An empty unit is the medication's default (mg). */
	o = start("methadone", 60, 1, 0);
	o.unit[0] = '\0';
	run(&o);
	expect("methadone_first_day_limit", RULE_BLOCK, NULL);
}

static void test_methadone_label_advice(void **state)
{
	(void)state;
	struct rule_order o = start("methadone", 30, 1, 0);
	run(&o);
	absent("methadone_first_dose_label");
	absent("methadone_first_day_label");

	o = start("methadone", 30.01, 1, 0);
	run(&o);
	expect("methadone_first_dose_label", RULE_INFO, "30 mg");
	assert_false(has_block());

	o = start("methadone", 10, 1, 30); /* total 40: at the label's first day */
	run(&o);
	absent("methadone_first_day_label");
	absent("methadone_first_dose_label"); /* not the first dose */
	o = start("methadone", 10.01, 1, 30);
	run(&o);
	expect("methadone_first_day_label", RULE_INFO, "40 mg");

	/* Above 50 the block says it; the label's first-day advice is not repeated. */
	o = start("methadone", 60, 1, 0);
	run(&o);
	absent("methadone_first_day_label");
	expect("methadone_first_dose_label", RULE_INFO, NULL);
}

/* ---- buprenorphine induction: COWS >= 8 within 2 hours; day 1 <= 8 mg ---- */

static void test_buprenorphine_cows(void **state)
{
	(void)state;
	struct rule_order o = start("buprenorphine", 4, 1, 0);
	run(&o);
	expect("buprenorphine_induction_cows", RULE_BLOCK, "no COWS score is recorded");

	score("cows", 7, HOUR);
	run(&o);
	expect("buprenorphine_induction_cows", RULE_BLOCK, "the latest COWS was 7");

	reset(NULL);
	score("cows", 8, HOUR);
	run(&o);
	absent("buprenorphine_induction_cows");

	/* The window: 2 hours inclusive. */
	reset(NULL);
	score("COWS", 8, 2 * HOUR);
	run(&o);
	absent("buprenorphine_induction_cows");
	reset(NULL);
	score("cows", 12, 2 * HOUR + 1);
	run(&o);
	const struct rule_alert *a = expect("buprenorphine_induction_cows", RULE_BLOCK, "2.0 hours ago");
	assert_string_equal(a->config_key, "buprenorphine_induction_cows.window_hours");

	/* The newest score counts, not the highest. */
	reset(NULL);
	score("cows", 5, HOUR / 2);
	score("cows", 14, HOUR);
	run(&o);
	expect("buprenorphine_induction_cows", RULE_BLOCK, "was 5");

	/* CIWA-Ar is not COWS. */
	reset(NULL);
	score("ciwa-ar", 20, HOUR / 2);
	run(&o);
	expect("buprenorphine_induction_cows", RULE_BLOCK, "no COWS");

	/* Buprenorphine-naloxone too; not for a second dose of day 1 or a
	 * patient already on it; not for other medications. */
	struct rule_order bn = start("buprenorphine-naloxone", 4, 1, 0);
	run(&bn);
	expect("buprenorphine_induction_cows", RULE_BLOCK, NULL);
	bn.given_today = 4;
	run(&bn);
	absent("buprenorphine_induction_cows");
	struct rule_order kept = order("buprenorphine", 16, 1);
	run(&kept);
	absent("buprenorphine_induction_cows");
	struct rule_order m = start("methadone", 20, 1, 0);
	run(&m);
	absent("buprenorphine_induction_cows");
}

static void test_buprenorphine_day1(void **state)
{
	(void)state;
	score("cows", 10, HOUR);
	struct rule_order o = start("buprenorphine", 8, 1, 0);
	run(&o);
	absent("buprenorphine_day1_total");
	assert_false(has_block());

	o = start("buprenorphine", 8.01, 1, 0);
	run(&o);
	const struct rule_alert *a = expect("buprenorphine_day1_total", RULE_WARN, "8.01 mg");
	assert_string_equal(a->config_key, "buprenorphine_day1_total.max_mg");

	o = start("buprenorphine", 4, 1, 4); /* 4 given + 4 = 8 */
	run(&o);
	absent("buprenorphine_day1_total");
	o = start("buprenorphine", 4, 2, 4); /* 4 given + 2 x 4 = 12 */
	run(&o);
	expect("buprenorphine_day1_total", RULE_WARN, "12 mg");

	o = start("buprenorphine", 8000, 1, 0);
	snprintf(o.unit, sizeof o.unit, "mcg");
	run(&o);
	expect("buprenorphine_day1_total", RULE_INFO, "could not be checked");

	o = order("buprenorphine", 16, 1); /* not a new start */
	run(&o);
	absent("buprenorphine_day1_total");
}

/* ---- naltrexone ---- */

static void test_naltrexone_with_agonist(void **state)
{
	(void)state;
	active("methadone", 80, 7);
	struct rule_order o = order("naltrexone", 50, 1);
	run(&o);
	expect("naltrexone_with_agonist", RULE_BLOCK, "Methadone 80 mg (order 7)");

	reset(NULL);
	active("buprenorphine", 16, 8);
	run(&o);
	expect("naltrexone_with_agonist", RULE_BLOCK, "Buprenorphine");

	/* The other direction. */
	reset(NULL);
	active("naltrexone", 380, 9);
	struct rule_order m = order("methadone", 30, 1);
	run(&m);
	expect("naltrexone_with_agonist", RULE_BLOCK, "Naltrexone");

	/* Naloxone (the rescue drug) is not naltrexone. */
	reset(NULL);
	active("methadone", 80, 7);
	struct rule_order nx = order("naloxone", 4, 0);
	run(&nx);
	absent("naltrexone_with_agonist");
	/* Nor is a non-opioid. */
	reset(NULL);
	active("lorazepam", 1, 7);
	run(&o);
	absent("naltrexone_with_agonist");
}

static void test_naltrexone_screen(void **state)
{
	(void)state;
	struct rule_order o = order("naltrexone", 50, 1);
	uds("opioids", 1, 0, 6 * DAY);
	run(&o);
	const struct rule_alert *a = expect("naltrexone_opioid_screen", RULE_BLOCK, "positive for opioids");
	assert_string_equal(a->config_key, "naltrexone_opioid_screen.window_days");

	reset(NULL);
	uds("fentanyl", 1, 0, 7 * DAY); /* 7 days ago: outside a 7-day window */
	run(&o);
	absent("naltrexone_opioid_screen");

	/* An expected positive (the patient is on methadone) still blocks. */
	reset(NULL);
	uds("methadone", 1, 1, DAY);
	run(&o);
	expect("naltrexone_opioid_screen", RULE_BLOCK, "expected positive");

	/* Negatives and other substances do not. */
	reset(NULL);
	uds("opioids", 0, 0, DAY);
	uds("cocaine", 1, 0, DAY);
	uds("alcohol", 1, 0, DAY);
	run(&o);
	absent("naltrexone_opioid_screen");
	assert_false(has_block());
}

static void test_naltrexone_opioid_free(void **state)
{
	(void)state;
	struct rule_order o = order("naltrexone", 50, 1);
	days_before(6, ctx->last_agonist_on);
	run(&o);
	const struct rule_alert *a = expect("naltrexone_opioid_free", RULE_BLOCK, "6 days ago");
	assert_string_equal(a->config_key, "naltrexone_opioid_free.min_days");

	days_before(7, ctx->last_agonist_on);
	run(&o);
	absent("naltrexone_opioid_free");

	snprintf(ctx->last_agonist_on, sizeof ctx->last_agonist_on, "%s", ctx->today);
	run(&o);
	expect("naltrexone_opioid_free", RULE_BLOCK, "0 days ago");

	ctx->last_agonist_on[0] = '\0';
	run(&o);
	absent("naltrexone_opioid_free");
	assert_int_equal(n_alerts, 0);

	/* Only for naltrexone. */
	days_before(1, ctx->last_agonist_on);
	struct rule_order s = order("sertraline", 50, 1);
	run(&s);
	absent("naltrexone_opioid_free");
}

/* ---- disulfiram ---- */

static void test_disulfiram_alcohol(void **state)
{
	(void)state;
	struct rule_order o = order("disulfiram", 250, 1);
	breath(0.02, 12 * HOUR - 60);
	run(&o);
	const struct rule_alert *a = expect("disulfiram_alcohol", RULE_BLOCK, "breath alcohol 0.02");
	assert_string_equal(a->config_key, "disulfiram_alcohol.window_hours");

	reset(NULL);
	breath(0.08, 12 * HOUR); /* 12 hours without alcohol: allowed */
	run(&o);
	absent("disulfiram_alcohol");

	reset(NULL);
	breath(0, HOUR); /* a zero reading is not alcohol */
	run(&o);
	absent("disulfiram_alcohol");

	reset(NULL);
	uds("alcohol", 1, 0, 2 * HOUR);
	run(&o);
	expect("disulfiram_alcohol", RULE_BLOCK, "positive for alcohol");

	reset(NULL);
	uds("alcohol", 0, 0, 2 * HOUR);
	uds("cocaine", 1, 0, 2 * HOUR);
	run(&o);
	absent("disulfiram_alcohol");

	/* Not for acamprosate. */
	reset(NULL);
	breath(0.1, HOUR);
	lab("creatinine_clearance", 90, DAY);
	struct rule_order ac = order("acamprosate", 666, 3);
	run(&ac);
	absent("disulfiram_alcohol");
}

static void test_disulfiram_metronidazole(void **state)
{
	(void)state;
	active("metronidazole", 500, 21);
	struct rule_order o = order("disulfiram", 250, 1);
	run(&o);
	expect("disulfiram_interaction", RULE_BLOCK, "Metronidazole");

	reset(NULL);
	active("disulfiram", 250, 22);
	struct rule_order m = order("metronidazole", 500, 3);
	run(&m);
	expect("disulfiram_interaction", RULE_BLOCK, "Disulfiram");

	reset(NULL);
	active("metronidazole", 500, 21);
	struct rule_order n = order("naltrexone", 50, 1);
	run(&n);
	absent("disulfiram_interaction");
}

/* ---- acamprosate: CrCl <= 30 contraindicated; 30-50: 333 mg three times daily ---- */

static void test_acamprosate(void **state)
{
	(void)state;
	struct rule_order full = order("acamprosate", 666, 3), low = order("acamprosate", 333, 3);

	run(&full);
	expect("acamprosate_renal_contraindicated", RULE_INFO, "no creatinine_clearance is recorded");

	lab("creatinine_clearance", 30, DAY);
	run(&low);
	const struct rule_alert *a = expect("acamprosate_renal_contraindicated", RULE_BLOCK, "contraindicated");
	assert_string_equal(a->config_key, "acamprosate_renal_contraindicated.max_crcl");

	reset(NULL);
	lab("creatinine_clearance", 30.5, DAY);
	run(&full);
	a = expect("acamprosate_renal_dose", RULE_BLOCK, "333 mg three times daily");
	assert_string_equal(a->config_key, "acamprosate_renal_dose.max_dose_mg");
	absent("acamprosate_renal_contraindicated");
	run(&low);
	assert_int_equal(n_alerts, 0);

	reset(NULL);
	lab("creatinine_clearance", 50, DAY);
	run(&full);
	expect("acamprosate_renal_dose", RULE_BLOCK, NULL);
	run(&low);
	absent("acamprosate_renal_dose");

	reset(NULL);
	lab("creatinine_clearance", 51, DAY);
	run(&full);
	assert_int_equal(n_alerts, 0);

	/* The latest value counts. */
	reset(NULL);
	lab("creatinine_clearance", 25, 90 * DAY);
	lab("creatinine_clearance", 60, DAY);
	run(&full);
	assert_int_equal(n_alerts, 0);

	/* The dose cap needs mg. */
	reset(NULL);
	lab("creatinine_clearance", 40, DAY);
	struct rule_order tabs = order("acamprosate", 2, 3);
	snprintf(tabs.unit, sizeof tabs.unit, "units");
	run(&tabs);
	expect("acamprosate_renal_dose", RULE_INFO, "could not be checked");
	assert_false(has_block());
}

/* ---- opioid + CNS depressant: warns, never blocks ---- */

static void test_opioid_cns(void **state)
{
	(void)state;
	active("lorazepam", 1, 31);
	struct rule_order o = order("methadone", 60, 1);
	run(&o);
	const struct rule_alert *a = expect("opioid_cns_depressant", RULE_WARN, "does not block");
	assert_non_null(strstr(a->message, "Lorazepam"));
	assert_non_null(strstr(a->source, "2017-09-20"));
	assert_false(has_block());

	/* The other direction, and other depressants (gabapentin, quetiapine). */
	reset(NULL);
	active("buprenorphine", 16, 32);
	struct rule_order g = order("gabapentin", 300, 3);
	run(&g);
	expect("opioid_cns_depressant", RULE_WARN, "Buprenorphine");
	struct rule_order q = order("quetiapine", 50, 1);
	run(&q);
	expect("opioid_cns_depressant", RULE_WARN, NULL);

	/* Two opioid agonists are not this rule; a non-depressant is not either. */
	reset(NULL);
	active("buprenorphine", 16, 32);
	run(&o);
	absent("opioid_cns_depressant");
	reset(NULL);
	active("sertraline", 50, 33);
	run(&o);
	absent("opioid_cns_depressant");
}

/* ---- methadone QTc: 450-499 warns, >= 500 blocks a new order or an increase ---- */

static void test_methadone_qtc(void **state)
{
	(void)state;
	struct rule_order o = order("methadone", 80, 1);

	ecg(449, 10 * DAY);
	run(&o);
	absent("methadone_qtc");

	reset(NULL);
	ecg(450, 10 * DAY);
	run(&o);
	const struct rule_alert *a = expect("methadone_qtc", RULE_WARN, "450 ms");
	assert_string_equal(a->config_key, "methadone_qtc.warn_ms");

	reset(NULL);
	ecg(499, 10 * DAY);
	run(&o);
	expect("methadone_qtc", RULE_WARN, NULL);

	reset(NULL);
	ecg(500, 10 * DAY);
	run(&o);
	a = expect("methadone_qtc", RULE_BLOCK, "new order");
	assert_string_equal(a->config_key, "methadone_qtc.block_ms");

	/* 510 ms: a decrease or an unchanged dose warns, an increase blocks. */
	reset(NULL);
	ecg(510, 10 * DAY);
	struct rule_order c = order("methadone", 70, 1);
	c.is_change = 1;
	c.prev_dose = 80;
	run(&c);
	expect("methadone_qtc", RULE_WARN, "does not increase");
	assert_false(has_block());
	c.dose = 80;
	run(&c);
	expect("methadone_qtc", RULE_WARN, NULL);
	c.dose = 85;
	run(&c);
	expect("methadone_qtc", RULE_BLOCK, "dose increase");

	/* The latest ECG counts. */
	reset(NULL);
	ecg(520, 200 * DAY);
	ecg(440, 10 * DAY);
	run(&o);
	absent("methadone_qtc");

	/* None on record: said (info). Not for buprenorphine. */
	reset(NULL);
	run(&o);
	expect("methadone_qtc", RULE_INFO, "no ECG");
	ecg(530, DAY);
	struct rule_order b = order("buprenorphine", 16, 1);
	run(&b);
	absent("methadone_qtc");
}

static void test_methadone_qt_comedication(void **state)
{
	(void)state;
	/* No shipped non-opioid carries the QT flag yet, so a made-up one. */
	struct medication *qt = calloc(1, sizeof *qt);
	assert_non_null(qt);
	snprintf(qt->id, sizeof qt->id, "test-qt-drug");
	snprintf(qt->name, sizeof qt->name, "Test QT drug");
	snprintf(qt->default_unit, sizeof qt->default_unit, "mg");
	qt->cls = MED_ANTIPSYCHOTIC;
	qt->qt_prolonging = 1;

	active_med(qt, 10, 41);
	struct rule_order o = order("methadone", 80, 1);
	run(&o);
	expect("methadone_qt_comedication", RULE_WARN, "Test QT drug");

	reset(NULL);
	active("methadone", 80, 42);
	struct rule_order r;
	memset(&r, 0, sizeof r);
	r.med = qt;
	r.dose = 10;
	r.per_day = 1;
	run(&r);
	expect("methadone_qt_comedication", RULE_WARN, "Methadone");
	assert_false(has_block());

	/* Methadone is QT-prolonging itself but is not its own co-medication. */
	reset(NULL);
	active("sertraline", 50, 43);
	run(&o);
	absent("methadone_qt_comedication");
	free(qt);
}

/* ---- lithium: a level at least every 60 days; >= 1.5 warns ---- */

static void test_lithium(void **state)
{
	(void)state;
	struct rule_order o = order("lithium", 300, 2);
	run(&o);
	expect("lithium_level_overdue", RULE_WARN, "no lithium level");

	lab("lithium", 0.8, 60 * DAY);
	run(&o);
	absent("lithium_level_overdue");

	reset(NULL);
	lab("lithium", 0.8, 61 * DAY);
	run(&o);
	const struct rule_alert *a = expect("lithium_level_overdue", RULE_WARN, "61 days ago");
	assert_string_equal(a->config_key, "lithium_level_overdue.max_age_days");

	reset(NULL);
	lab("lithium", 1.49, DAY);
	run(&o);
	assert_int_equal(n_alerts, 0);

	reset(NULL);
	lab("lithium", 1.5, DAY);
	run(&o);
	a = expect("lithium_level_high", RULE_WARN, "1.5");
	assert_string_equal(a->config_key, "lithium_level_high.min_level");
	assert_false(has_block());
}

/* ---- serotonergic combination ---- */

static void test_serotonergic(void **state)
{
	(void)state;
	active("trazodone", 50, 51);
	struct rule_order o = order("sertraline", 50, 1);
	run(&o);
	expect("serotonergic_combination", RULE_WARN, "Trazodone");

	reset(NULL);
	active("sertraline", 50, 52); /* the same medication is a duplicate, not a combination */
	run(&o);
	absent("serotonergic_combination");
	expect("duplicate_order", RULE_BLOCK, NULL);

	reset(NULL);
	active("bupropion", 150, 53);
	run(&o);
	absent("serotonergic_combination");
}

/* ---- dose above the formulary's usual maximum: info ---- */

static void test_dose_above_usual(void **state)
{
	(void)state;
	struct rule_order o = order("methadone", 120, 1);
	run(&o);
	absent("dose_above_usual");
	o.dose = 121;
	run(&o);
	expect("dose_above_usual", RULE_INFO, "120 mg per day");
	assert_false(has_block());
	o = order("methadone", 65, 2); /* 130 a day */
	run(&o);
	expect("dose_above_usual", RULE_INFO, "130 mg per day");

	/* Buprenorphine: the sublingual range per day, the injection per month. */
	struct rule_order b = order("buprenorphine", 16, 2);
	snprintf(b.route, sizeof b.route, "sublingual");
	run(&b);
	expect("dose_above_usual", RULE_INFO, "24 mg per day");
	struct rule_order x = order("buprenorphine", 300, 0);
	snprintf(x.route, sizeof x.route, "subcutaneous");
	run(&x);
	absent("dose_above_usual");
	x.route[0] = '\0'; /* route unknown: above every entry, or nothing */
	run(&x);
	absent("dose_above_usual");

	/* Naltrexone oral 50 mg a day, injection 380 mg a dose. */
	struct rule_order n = order("naltrexone", 100, 1);
	snprintf(n.route, sizeof n.route, "oral");
	run(&n);
	expect("dose_above_usual", RULE_INFO, "50 mg per day");
	n.dose = 50;
	run(&n);
	absent("dose_above_usual");
	n = order("naltrexone", 380, 0);
	snprintf(n.route, sizeof n.route, "intramuscular");
	run(&n);
	absent("dose_above_usual");

	/* Another unit is not compared; no usual dose known is not an alert. */
	o = order("methadone", 12, 1);
	snprintf(o.unit, sizeof o.unit, "mL");
	run(&o);
	expect("dose_above_usual", RULE_INFO, "could not be checked");
	struct rule_order s = order("sertraline", 400, 1);
	run(&s);
	assert_int_equal(n_alerts, 0);
}

/* ---- several alerts: most severe first, the cap keeps the worst ---- */

static void test_order_and_cap(void **state)
{
	(void)state;
	/* Naltrexone for a patient on methadone with lorazepam, QT drug, an
	 * opioid screen, and a dose above the usual. */
	active("methadone", 80, 1);
	active("lorazepam", 1, 2);
	uds("methadone", 1, 1, DAY);
	days_before(0, ctx->last_agonist_on);
	struct rule_order o = order("naltrexone", 100, 1);
	snprintf(o.route, sizeof o.route, "oral");
	run(&o);
	assert_true(n_alerts >= 4);
	expect("naltrexone_with_agonist", RULE_BLOCK, NULL);
	expect("naltrexone_opioid_screen", RULE_BLOCK, NULL);
	expect("naltrexone_opioid_free", RULE_BLOCK, NULL);
	expect("dose_above_usual", RULE_INFO, NULL);
	assert_int_equal(alerts[n_alerts - 1].severity, RULE_INFO);

	/* Methadone start with a benzodiazepine and a long QTc: block, warn, info. */
	reset(NULL);
	active("lorazepam", 1, 2);
	ecg(470, DAY);
	struct rule_order m = start("methadone", 60, 1, 0);
	run(&m);
	assert_int_equal(n_alerts, 4);
	assert_string_equal(alerts[0].rule, "methadone_first_day_limit");
	assert_int_equal(alerts[1].severity, RULE_WARN);
	assert_int_equal(alerts[2].severity, RULE_WARN);
	assert_string_equal(alerts[3].rule, "methadone_first_dose_label");

	struct rule_alert one[1];
	assert_int_equal(medrule_check(&m, ctx, one, 1), 1);
	assert_string_equal(one[0].rule, "methadone_first_day_limit");
	assert_string_equal(medrule_severity_name(one[0].severity), "block");
	assert_int_equal(medrule_check(&m, ctx, one, 0), 0);

	/* No alerts for an unremarkable order. */
	reset(NULL);
	struct rule_order s = order("sertraline", 50, 1);
	assert_int_equal(run(&s), 0);
}

/* ---- rules files ---- */

struct tmp {
	char dir[256];
	char path[300];
	char *text; /* data/medication-rules.conf */
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *buf = calloc(1, 128 * 1024);
	assert_non_null(buf);
	size_t n = fread(buf, 1, 128 * 1024 - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* Writes data/medication-rules.conf with `from` replaced by `to` ("" drops
 * it) and returns the line number where the replacement begins. */
static int write_variant(struct tmp *t, const char *from, const char *to)
{
	const char *at = strstr(t->text, from);
	if (!at)
		fail_msg("'%s' is not in data/medication-rules.conf", from);
	FILE *f = fopen(t->path, "w");
	assert_non_null(f);
	fwrite(t->text, 1, (size_t)(at - t->text), f);
	fputs(to, f);
	fputs(at + strlen(from), f);
	assert_int_equal(fclose(f), 0);
	int line = 1;
	for (const char *p = t->text; p < at; p++)
		line += *p == '\n';
	return line;
}

/* Writes the variant, expects it refused with an error starting
 * "FILE:LINE:" (line = the replacement's line + offset; offset ANY_LINE:
 * some line; NO_LINE: "FILE: ") and saying says. */
#define ANY_LINE -1
#define NO_LINE -2
static void refused(struct tmp *t, const char *from, const char *to, int offset, const char *says)
{
	struct tdm_err err;
	char want[400];
	int line = write_variant(t, from, to);
	tdm_err_clear(&err);
	enum tdm_status rc = medrule_load(t->dir, &err);
	if (rc != TDM_EINVAL)
		fail_msg("'%s' -> '%s': %s, expected invalid (%s)", from, to, tdm_code_name(rc), err.msg);
	size_t n = strlen(t->path);
	int ok = !strncmp(err.msg, t->path, n) && strstr(err.msg, says);
	if (ok && offset >= 0) {
		snprintf(want, sizeof want, "%s:%d: ", t->path, line + offset);
		ok = !strncmp(err.msg, want, strlen(want));
	} else if (ok && offset == ANY_LINE) {
		const char *p = err.msg + n;
		ok = *p++ == ':' && *p >= '1' && *p <= '9';
		while (ok && *p >= '0' && *p <= '9')
			p++;
		ok = ok && *p == ':';
	} else if (ok) {
		ok = err.msg[n] == ':' && err.msg[n + 1] == ' ';
	}
	if (!ok)
		fail_msg("error '%s' should name %s (line %d%+d) and say '%s'", err.msg, t->path, line,
			 offset, says);
}

static void test_rules_file(void **state)
{
	(void)state;
	struct tmp t;
	struct tdm_err err;
	unit_tmpdir(t.dir, sizeof t.dir);
	snprintf(t.path, sizeof t.path, "%s/medication-rules.conf", t.dir);
	t.text = slurp("data/medication-rules.conf");

	/* A site changes a threshold: it applies, and the message says so. */
	write_variant(&t, "limit_mg = 50", "limit_mg = 60");
	assert_ok(medrule_load(t.dir, &err), &err);
	struct rule_order o = start("methadone", 60, 1, 0);
	run(&o);
	absent("methadone_first_day_limit");
	o.dose = 60.5;
	run(&o);
	expect("methadone_first_day_limit", RULE_BLOCK, "the limit is 60 mg");

	/* Malformed files are refused with file:line. */
	refused(&t, "limit_mg = 50", "limit_mg = fifty", 0, "limit_mg must be a number");
	refused(&t, "limit_mg = 50", "limit_mg = 50.0.1", 0, "must be a number");
	refused(&t, "limit_mg = 50", "limit_mg = 50\nlimit_mg = 40", 1, "is given twice");
	refused(&t, "max_crcl = 30", "max_crcl = 300", 0, "out of range");
	refused(&t, "min_score = 8", "min_score = -1", 0, "out of range");
	refused(&t, "medication = naltrexone", "medication = naltrexon", 0, "not a medication of the formulary");
	refused(&t, "with_class = opioid_full_agonist", "with_class = opioid_agonist", 0, "not a formulary class");
	refused(&t, "with_flag = serotonergic", "with_flag = sedating", 0, "must be cns_depressant");
	refused(&t, "window_days = 7", "window_days = 7\nwindow_weeks = 1", 1, "window_weeks is not a key");
	refused(&t, "max_age_days = 60", "max_age_days = 60\nwith_medication = lithium", 1, "is not a key");
	refused(&t, "max_crcl = 30\nreport_missing = yes", "max_crcl = 30\nreport_missing = maybe", 1, "must be yes or no");
	refused(&t, "[dose_above_usual]", "[dose_above_usal]", ANY_LINE, "unknown section [dose_above_usal]");
	refused(&t, "[allergy]", "[allergy", 0, "bad section header");
	refused(&t, "window_hours = 12", "window_hours 12", 0, "expected key = value");
	refused(&t, "block_ms = 500", "block_ms = 440", ANY_LINE, "warn_ms must be below block_ms");
	refused(&t, "max_crcl = 50", "max_crcl = 30", ANY_LINE, "must be above the contraindication");
	/* Incomplete sections name the section's first line and what is missing. */
	refused(&t, "lab = lithium\n# 1.5", "# 1.5", ANY_LINE, "[lithium_level_high] needs lab");
	refused(&t, "medication = acamprosate\nlab = creatinine_clearance\n# CrCl <=",
		"lab = creatinine_clearance\n# CrCl <=", ANY_LINE,
		"[acamprosate_renal_contraindicated] needs medication, class or flag");
	refused(&t, "with_medication = metronidazole\n", "", ANY_LINE, "needs with_medication");
	refused(&t, "substance = alcohol\n", "", ANY_LINE, "[disulfiram_alcohol] needs substance");
	refused(&t, "why = A recorded allergy", "# why = A recorded allergy", ANY_LINE, "[allergy] needs why");
	refused(&t, "min_level = 1.5\n", "", ANY_LINE, "needs min_level");
	refused(&t, "[lithium_level_high]\nmedication = lithium\nlab", "[lithium_level_overdue]\nmedication = lithium\nlab", 2,
		"[lithium_level_overdue] lab is given twice");
	{
		/* A whole section left out. */
		const char *from = strstr(t.text, "[dose_above_usual]");
		assert_non_null(from);
		refused(&t, from, "", NO_LINE, "missing section [dose_above_usual]");
	}

	/* None of those replaced the rules in force (limit 60). */
	o.dose = 60;
	run(&o);
	absent("methadone_first_day_limit");

	/* No file at all. */
	unlink(t.path);
	assert_status(TDM_EIO, medrule_load(t.dir, &err), &err);
	assert_non_null(strstr(err.msg, "medication-rules.conf"));

	/* The shipped file again. */
	assert_ok(medrule_load("data", &err), &err);
	run(&o);
	expect("methadone_first_day_limit", RULE_BLOCK, "the limit is 50 mg");

	/* clinic_load loads it too, after the formulary (which it reloads, so
	 * the order is made again). */
	assert_ok(clinic_load("data", &err), &err);
	o = start("methadone", 60, 1, 0);
	run(&o);
	expect("methadone_first_day_limit", RULE_BLOCK, NULL);

	rmdir(t.dir);
	free(t.text);
}

int main(void)
{
	const struct CMUnitTest before[] = {
		cmocka_unit_test(test_not_loaded_blocks),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_allergy, reset),
		cmocka_unit_test_setup(test_duplicate, reset),
		cmocka_unit_test_setup(test_methadone_first_day, reset),
		cmocka_unit_test_setup(test_methadone_label_advice, reset),
		cmocka_unit_test_setup(test_buprenorphine_cows, reset),
		cmocka_unit_test_setup(test_buprenorphine_day1, reset),
		cmocka_unit_test_setup(test_naltrexone_with_agonist, reset),
		cmocka_unit_test_setup(test_naltrexone_screen, reset),
		cmocka_unit_test_setup(test_naltrexone_opioid_free, reset),
		cmocka_unit_test_setup(test_disulfiram_alcohol, reset),
		cmocka_unit_test_setup(test_disulfiram_metronidazole, reset),
		cmocka_unit_test_setup(test_acamprosate, reset),
		cmocka_unit_test_setup(test_opioid_cns, reset),
		cmocka_unit_test_setup(test_methadone_qtc, reset),
		cmocka_unit_test_setup(test_methadone_qt_comedication, reset),
		cmocka_unit_test_setup(test_lithium, reset),
		cmocka_unit_test_setup(test_serotonergic, reset),
		cmocka_unit_test_setup(test_dose_above_usual, reset),
		cmocka_unit_test_setup(test_order_and_cap, reset),
		cmocka_unit_test_setup(test_rules_file, reset),
	};
	int failed = cmocka_run_group_tests_name("medrule before loading", before, load_formulary, release);
	return failed + cmocka_run_group_tests_name("medrule", tests, load_all, release);
}
