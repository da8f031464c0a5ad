/*
 * Tests for src/domain/formulary.c: every shipped definition in
 * data/formulary/ loads; the MAT entries and lithium carry the facts of the
 * clinical reference section B (typed in below from the reference, not read
 * from the files); lookups; a site extending the formulary in its own data
 * folder; and the invalid definitions in tests/data/formulary/ refused with
 * the file and the JSON path of the problem.
 */
#include "unit.h"

#include <dirent.h>
#include <math.h>
#include <sys/stat.h>

#include "domain/formulary.h"

#define TDATA "tests/data/formulary/"
#define NOT_IN_REF "not in the clinical reference; to be completed from the product label"

struct med_ref {
	const char *id;
	enum med_class cls;
	enum med_schedule controlled;
	int cns, qt, sero;
	const char *rxcui;   /* "" when the reference has none, or only [U] */
	int from_reference;  /* facts (dose, forms) from section B */
};

/* The shipped formulary, with the flags each entry must carry. */
static const struct med_ref shipped[] = {
	/* B.0 [V] 6813; B.2 full agonist, Schedule II, QTc; B.7 rule 1 */
	{"methadone", MED_OPIOID_FULL_AGONIST, MED_SCHEDULE_II, 1, 1, 0, "6813", 1},
	/* B.0 [V] 1819; B.1 partial agonist; B.7 rule 1 */
	{"buprenorphine", MED_OPIOID_PARTIAL_AGONIST, MED_SCHEDULE_III, 1, 0, 0, "1819", 1},
	/* B.0: MIN 352364 is [U], so no ingredient code */
	{"buprenorphine-naloxone", MED_OPIOID_PARTIAL_AGONIST, MED_SCHEDULE_III, 1, 0, 0, "", 1},
	/* B.0 [V] 7243; B.3 antagonist */
	{"naltrexone", MED_OPIOID_ANTAGONIST, MED_NOT_CONTROLLED, 0, 0, 0, "7243", 1},
	/* B.0: 3554 is [U] */
	{"disulfiram", MED_AVERSIVE, MED_NOT_CONTROLLED, 0, 0, 0, "", 1},
	/* B.0 [S] 82819 */
	{"acamprosate", MED_GLUTAMATE_MODULATOR, MED_NOT_CONTROLLED, 0, 0, 0, "82819", 1},
	/* B.0 [S] 6448 */
	{"lithium", MED_MOOD_STABILIZER, MED_NOT_CONTROLLED, 0, 0, 0, "6448", 1},
	/* B.0 [V] 7242; everything else from the label */
	{"naloxone", MED_OPIOID_ANTAGONIST, MED_NOT_CONTROLLED, 0, 0, 0, "7242", 0},
	{"sertraline", MED_SSRI, MED_NOT_CONTROLLED, 0, 0, 1, "", 0},
	{"fluoxetine", MED_SSRI, MED_NOT_CONTROLLED, 0, 0, 1, "", 0},
	{"escitalopram", MED_SSRI, MED_NOT_CONTROLLED, 0, 0, 1, "", 0},
	{"venlafaxine", MED_SNRI, MED_NOT_CONTROLLED, 0, 0, 1, "", 0},
	{"duloxetine", MED_SNRI, MED_NOT_CONTROLLED, 0, 0, 1, "", 0},
	{"bupropion", MED_ANTIDEPRESSANT_OTHER, MED_NOT_CONTROLLED, 0, 0, 0, "", 0},
	{"mirtazapine", MED_ANTIDEPRESSANT_OTHER, MED_NOT_CONTROLLED, 0, 0, 1, "", 0},
	{"trazodone", MED_ANTIDEPRESSANT_OTHER, MED_NOT_CONTROLLED, 0, 0, 1, "", 0},
	{"quetiapine", MED_ANTIPSYCHOTIC, MED_NOT_CONTROLLED, 1, 0, 0, "", 0},
	{"olanzapine", MED_ANTIPSYCHOTIC, MED_NOT_CONTROLLED, 1, 0, 0, "", 0},
	{"aripiprazole", MED_ANTIPSYCHOTIC, MED_NOT_CONTROLLED, 0, 0, 0, "", 0},
	{"divalproex", MED_MOOD_STABILIZER, MED_NOT_CONTROLLED, 0, 0, 0, "", 0},
	{"lamotrigine", MED_MOOD_STABILIZER, MED_NOT_CONTROLLED, 0, 0, 0, "", 0},
	{"lorazepam", MED_BENZODIAZEPINE, MED_SCHEDULE_IV, 1, 0, 0, "", 0},
	{"diazepam", MED_BENZODIAZEPINE, MED_SCHEDULE_IV, 1, 0, 0, "", 0},
	{"chlordiazepoxide", MED_BENZODIAZEPINE, MED_SCHEDULE_IV, 1, 0, 0, "", 0},
	{"clonidine", MED_ALPHA2_AGONIST, MED_NOT_CONTROLLED, 0, 0, 0, "", 0},
	{"lofexidine", MED_ALPHA2_AGONIST, MED_NOT_CONTROLLED, 0, 0, 0, "", 0},
	/* B.7 rule 1 names gabapentinoids */
	{"gabapentin", MED_ANTICONVULSANT, MED_NOT_CONTROLLED, 1, 0, 0, "", 0},
	{"metronidazole", MED_ANTIBIOTIC, MED_NOT_CONTROLLED, 0, 0, 0, "", 0},
	{"ondansetron", MED_ANTIEMETIC, MED_NOT_CONTROLLED, 0, 0, 0, "", 0},
};
#define N_SHIPPED ((int)(sizeof shipped / sizeof shipped[0]))

static int setup(void **state)
{
	struct tdm_err err;
	(void)state;
	tdm_err_clear(&err);
	if (formulary_load_dir("data", &err) != TDM_OK) {
		print_error("formulary_load_dir(data): %s (%s)\n", err.msg, err.field);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	formulary_release();
	return 0;
}

/* ---- helpers ---- */

static const struct medication *get(const char *id)
{
	const struct medication *m = formulary_find(id);
	if (!m)
		fail_msg("medication %s is not loaded", id);
	return m;
}

static const struct med_form *form(const struct medication *m, const char *name)
{
	for (int i = 0; i < m->n_forms; i++)
		if (!strcmp(m->forms[i].form, name))
			return &m->forms[i];
	fail_msg("%s has no form '%s'", m->id, name);
	return NULL;
}

static const struct med_strength *strength(const struct med_form *f, const char *label)
{
	for (int i = 0; i < f->n_strengths; i++)
		if (!strcmp(f->strengths[i].label, label))
			return &f->strengths[i];
	fail_msg("form '%s' has no strength '%s'", f->form, label);
	return NULL;
}

static void expect_dose(const struct med_dose *d, double min, double max, const char *unit,
			const char *per, const char *route)
{
	if (fabs(d->min - min) > 1e-9 || fabs(d->max - max) > 1e-9 || strcmp(d->unit, unit) ||
	    strcmp(d->per, per) || strcmp(d->route, route))
		fail_msg("dose %g-%g %s per %s (%s), expected %g-%g %s per %s (%s)", d->min, d->max,
			 d->unit, d->per, d->route, min, max, unit, per, route);
	assert_true(d->source[0] != '\0');
}

static int count_json(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		n += e->d_name[0] != '.' && len > 5 && !strcmp(e->d_name + len - 5, ".json");
	}
	closedir(d);
	return n;
}

/* ---- every shipped file ---- */

static void test_all_shipped_load(void **state)
{
	(void)state;
	assert_int_equal(count_json("data/formulary"), N_SHIPPED);
	assert_int_equal(formulary_count(), N_SHIPPED);
	for (int i = 0; i < N_SHIPPED; i++) {
		const struct med_ref *r = &shipped[i];
		const struct medication *m = get(r->id);
		if (m->cls != r->cls || m->controlled != r->controlled || m->cns_depressant != r->cns ||
		    m->qt_prolonging != r->qt || m->serotonergic != r->sero || strcmp(m->rxcui, r->rxcui))
			fail_msg("%s: class %s schedule %d cns %d qt %d sero %d rxcui '%s'; expected %s %d "
				 "%d %d %d '%s'", r->id, formulary_class_name(m->cls), m->controlled,
				 m->cns_depressant, m->qt_prolonging, m->serotonergic, m->rxcui,
				 formulary_class_name(r->cls), r->controlled, r->cns, r->qt, r->sero,
				 r->rxcui);
		assert_true(m->name[0] && m->source[0] && m->flags_source[0]);
		assert_true(m->n_forms >= 1 && m->n_routes >= 1);
		assert_string_equal(m->default_unit, "mg");
		if (m->rxcui[0])
			assert_true(m->rxcui_source[0] != '\0');
		if (!r->from_reference) {
			/* no invented dose ranges or codes */
			assert_int_equal(m->n_doses, 0);
			assert_true(!strncmp(m->source, NOT_IN_REF, strlen(NOT_IN_REF)));
		}
		/* each file also loads on its own */
		char path[128];
		struct medication *one = NULL;
		struct tdm_err err;
		tdm_err_clear(&err);
		snprintf(path, sizeof path, "data/formulary/%s.json", r->id);
		assert_ok(formulary_load_file(path, &one, &err), &err);
		assert_string_equal(one->id, r->id);
		free(one);
	}
	/* id order */
	for (int i = 1; i < formulary_count(); i++)
		assert_true(strcmp(formulary_at(i - 1)->id, formulary_at(i)->id) < 0);
}

/* ---- the MAT entries and lithium against the reference ---- */

static void test_methadone(void **state)
{
	(void)state;
	const struct medication *m = get("methadone");
	assert_string_equal(m->rxcui, "6813");
	assert_non_null(strstr(m->rxcui_source, "B.0 [V]"));
	assert_int_equal(m->cls, MED_OPIOID_FULL_AGONIST);
	assert_true(m->qt_prolonging && m->cns_depressant);
	assert_int_equal(m->controlled, MED_SCHEDULE_II);
	assert_int_equal(m->n_routes, 1);
	assert_true(formulary_has_route(m, "oral"));
	assert_false(formulary_has_route(m, "intravenous"));
	/* B.2 forms: oral concentrate, powder, dispersible tablets; tablets */
	const struct med_strength *s = strength(form(m, "oral concentrate"), "10 mg/mL");
	assert_true(s->amount == 10 && s->volume_ml == 1);
	assert_string_equal(s->unit, "mg");
	assert_int_equal(form(m, "powder")->n_strengths, 0);
	(void)form(m, "dispersible tablet");
	/* B.2 maintenance 80-120 mg/day */
	assert_int_equal(m->n_doses, 1);
	expect_dose(&m->doses[0], 80, 120, "mg", "day", "");
	assert_non_null(strstr(m->doses[0].note, "50 mg"));
	assert_true(m->n_monitoring >= 2);
	assert_non_null(strstr(m->monitoring[0], "within 30 days"));
}

static void test_buprenorphine(void **state)
{
	(void)state;
	const struct medication *m = get("buprenorphine");
	assert_string_equal(m->rxcui, "1819");
	assert_non_null(strstr(m->rxcui_source, "B.0 [V]"));
	assert_int_equal(m->cls, MED_OPIOID_PARTIAL_AGONIST);
	assert_true(m->cns_depressant);
	assert_false(m->qt_prolonging);
	assert_true(formulary_has_route(m, "sublingual") && formulary_has_route(m, "subcutaneous"));
	/* B.0 [V] SL tablets 2 mg = 351264, 8 mg = 351265 */
	const struct med_form *sl = form(m, "sublingual tablet");
	assert_string_equal(strength(sl, "2 mg")->rxcui, "351264");
	assert_string_equal(strength(sl, "8 mg")->rxcui, "351265");
	/* B.0 [V] Sublocade 100 mg/0.5 mL SCD 1996184 SBD 1996189; 300 mg/1.5 mL */
	const struct med_form *xr = form(m, "extended-release injection");
	const struct med_strength *s = strength(xr, "100 mg/0.5 mL");
	assert_string_equal(s->rxcui, "1996184");
	assert_string_equal(s->brand_rxcui, "1996189");
	assert_string_equal(s->brand, "Sublocade");
	s = strength(xr, "300 mg/1.5 mL");
	assert_string_equal(s->rxcui, "1996192");
	assert_string_equal(s->brand_rxcui, "1996193");
	/* B.1: 4-24 mg/day sublingual; Sublocade 100-300 mg monthly */
	assert_int_equal(m->n_doses, 2);
	expect_dose(&m->doses[0], 4, 24, "mg", "day", "sublingual");
	expect_dose(&m->doses[1], 100, 300, "mg", "month", "subcutaneous");
	assert_string_equal(m->doses[1].form, "extended-release injection");

	const struct medication *bn = get("buprenorphine-naloxone");
	assert_string_equal(bn->rxcui, ""); /* MIN 352364 is [U] */
	assert_non_null(strstr(bn->rxcui_source, "352364"));
	assert_non_null(strstr(bn->rxcui_source, "[U]"));
	s = strength(form(bn, "sublingual film"), "8 mg/2 mg");
	assert_true(s->amount == 8);
	assert_string_equal(s->rxcui, "1010604");
	assert_string_equal(s->brand_rxcui, "1010606");
	s = strength(form(bn, "sublingual tablet"), "5.7 mg/1.4 mg");
	assert_string_equal(s->rxcui, "1431102");
	assert_string_equal(s->brand, "Zubsolv");
	assert_string_equal(strength(form(bn, "sublingual tablet"), "8 mg/2 mg")->rxcui, "");
	expect_dose(&bn->doses[0], 4, 24, "mg", "day", "");
}

static void test_naltrexone(void **state)
{
	(void)state;
	const struct medication *m = get("naltrexone");
	assert_string_equal(m->rxcui, "7243");
	assert_non_null(strstr(m->rxcui_source, "B.0 [V]"));
	assert_int_equal(m->cls, MED_OPIOID_ANTAGONIST);
	assert_false(m->cns_depressant);
	assert_int_equal(m->controlled, MED_NOT_CONTROLLED);
	/* B.3: oral 50 mg daily; XR-NTX 380 mg IM every 4 weeks */
	assert_int_equal(m->n_doses, 2);
	expect_dose(&m->doses[0], 50, 50, "mg", "day", "oral");
	expect_dose(&m->doses[1], 380, 380, "mg", "dose", "intramuscular");
	assert_non_null(strstr(m->doses[1].note, "4 weeks"));
	assert_true(strength(form(m, "extended-release injectable suspension"), "380 mg")->amount == 380);
}

static void test_disulfiram(void **state)
{
	(void)state;
	const struct medication *m = get("disulfiram");
	assert_int_equal(m->cls, MED_AVERSIVE);
	/* B.0: ingredient 3554 is [U] -> no code; SCD 197623 for 250 mg [S] */
	assert_string_equal(m->rxcui, "");
	assert_non_null(strstr(m->rxcui_source, "3554"));
	const struct med_form *f = form(m, "tablet");
	assert_string_equal(strength(f, "250 mg")->rxcui, "197623");
	assert_string_equal(strength(f, "500 mg")->rxcui, "");
	/* B.4 [V]: range 125-500 mg/day, maximum 500 */
	expect_dose(&m->doses[0], 125, 500, "mg", "day", "");
	assert_non_null(strstr(m->doses[0].source, "[V"));
}

static void test_acamprosate_lithium(void **state)
{
	(void)state;
	const struct medication *a = get("acamprosate");
	assert_string_equal(a->rxcui, "82819");
	assert_non_null(strstr(a->rxcui_source, "B.0 [S]"));
	assert_int_equal(a->cls, MED_GLUTAMATE_MODULATOR);
	assert_true(strength(form(a, "delayed-release tablet"), "333 mg")->amount == 333);
	expect_dose(&a->doses[0], 666, 666, "mg", "dose", "");
	assert_non_null(strstr(a->doses[0].note, "three times daily"));

	const struct medication *l = get("lithium");
	assert_string_equal(l->rxcui, "6448");
	assert_non_null(strstr(l->rxcui_source, "B.0 [S]"));
	assert_int_equal(l->cls, MED_MOOD_STABILIZER);
	assert_int_equal(l->n_doses, 0); /* B.6 gives levels, not a mg range */
	assert_non_null(strstr(l->monitoring[0], "0.6-1.2 mEq/L"));
	const struct med_strength *s = strength(form(l, "oral solution"), "8 mEq/5 mL");
	assert_string_equal(s->unit, "mEq");
	assert_true(s->volume_ml == 5);
}

/* ---- lookups ---- */

static void test_lookups(void **state)
{
	(void)state;
	assert_ptr_equal(formulary_find("Methadone"), formulary_find("methadone"));
	assert_ptr_not_equal(formulary_find("buprenorphine"), formulary_find("buprenorphine-naloxone"));
	assert_null(formulary_find("bupren"));
	assert_null(formulary_find("heroin"));
	assert_null(formulary_find(""));
	assert_null(formulary_find(NULL));
	assert_null(formulary_at(-1));
	assert_null(formulary_at(formulary_count()));
	assert_string_equal(formulary_at(0)->id, "acamprosate");
	assert_string_equal(formulary_class_name(MED_OPIOID_PARTIAL_AGONIST), "opioid_partial_agonist");
	assert_string_equal(formulary_class_name(MED_CLASS_COUNT), "other");
	assert_true(formulary_unit_known("mg") && formulary_unit_known("mEq") &&
		    formulary_unit_known("mL") && formulary_unit_known("units"));
	assert_false(formulary_unit_known("tablets") || formulary_unit_known("") ||
		     formulary_unit_known(NULL));
	const struct medication *nx = get("naloxone");
	assert_true(formulary_has_route(nx, "intranasal") && formulary_has_route(nx, "intramuscular"));
	assert_false(formulary_has_route(nx, NULL));
}

/* ---- a site's own data folder ---- */

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char buf[4096];
	size_t n;
	if (!in || !out)
		fail_msg("cannot copy %s to %s", from, to);
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	fclose(out);
}

static void remove_dir(const char *dir)
{
	char sub[300], file[400];
	snprintf(sub, sizeof sub, "%s/formulary", dir);
	DIR *d = opendir(sub);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof file, "%s/%s", sub, e->d_name);
		unlink(file);
	}
	if (d)
		closedir(d);
	rmdir(sub);
	rmdir(dir);
}

/* The shipped files plus `extra` (a file of TDATA) in a new data folder. */
static void site_dir(char *dir, size_t n, const char *extra)
{
	char sub[300], from[300], to[400];
	unit_tmpdir(dir, n);
	snprintf(sub, sizeof sub, "%s/formulary", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	for (int i = 0; i < N_SHIPPED; i++) {
		snprintf(from, sizeof from, "data/formulary/%s.json", shipped[i].id);
		snprintf(to, sizeof to, "%s/%s.json", sub, shipped[i].id);
		copy_file(from, to);
	}
	snprintf(from, sizeof from, TDATA "%s.json", extra);
	snprintf(to, sizeof to, "%s/%s.json", sub, extra);
	copy_file(from, to);
}

static void test_site_extends(void **state)
{
	char dir[256];
	struct tdm_err err;
	(void)state;
	tdm_err_clear(&err);
	site_dir(dir, sizeof dir, "valid-full");
	assert_ok(formulary_load_dir(dir, &err), &err);
	assert_int_equal(formulary_count(), N_SHIPPED + 1);
	const struct medication *m = get("valid-full");
	assert_string_equal(m->rxcui, "123");
	assert_int_equal(m->controlled, MED_SCHEDULE_III);
	assert_int_equal(m->n_routes, 3); /* oral, intramuscular, intravenous */
	assert_int_equal(m->n_forms, 3);
	assert_string_equal(form(m, "tablet")->strengths[0].brand_rxcui, "789");
	assert_non_null(strength(form(m, "injection"), "100 mg/0.5 mL"));
	assert_non_null(strength(form(m, "injection"), "5 mg/mL"));
	assert_int_equal(m->n_doses, 2);
	expect_dose(&m->doses[1], 100, 100, "mg", "month", "");
	assert_int_equal(m->n_monitoring, 2);
	assert_int_equal(m->n_notes, 1);
	assert_string_equal(get("methadone")->rxcui, "6813");
	remove_dir(dir);

	/* a broken site file refuses the whole folder and keeps what was loaded */
	site_dir(dir, sizeof dir, "invalid-class");
	assert_status(TDM_EINVAL, formulary_load_dir(dir, &err), &err);
	assert_non_null(strstr(err.msg, "/formulary/invalid-class.json: class"));
	assert_int_equal(formulary_count(), N_SHIPPED + 1);
	assert_non_null(formulary_find("valid-full"));
	remove_dir(dir);

	assert_status(TDM_EIO, formulary_load_dir("tests/data/no-such-dir", &err), &err);
	assert_int_equal(formulary_count(), N_SHIPPED + 1);
	assert_ok(formulary_load_dir("data", &err), &err);
	assert_int_equal(formulary_count(), N_SHIPPED);
	assert_null(formulary_find("valid-full"));
}

/* ---- invalid definitions ---- */

static void test_valid_minimal(void **state)
{
	struct medication *m = NULL;
	struct tdm_err err;
	(void)state;
	tdm_err_clear(&err);
	assert_ok(formulary_load_file(TDATA "valid-minimal.json", &m, &err), &err);
	assert_int_equal(m->n_doses, 0);
	assert_string_equal(m->rxcui, "");
	assert_string_equal(m->forms[0].strengths[0].label, "10 mg");
	assert_int_equal(m->cls, MED_OTHER);
	free(m);
}

static const struct {
	const char *file;   /* TDATA NAME.json */
	const char *path;   /* JSON path the error must name */
	const char *says;   /* and a phrase of the message */
} invalid[] = {
	{"invalid-class", "class", "'opioid' is not one of"},
	{"invalid-no-forms", "forms", "1 to 8 forms"},
	{"invalid-no-route", "forms[0].routes", "1 to 4 routes"},
	{"invalid-route", "forms[0].routes[0]", "'by mouth' is not one of"},
	{"invalid-dose-range", "usual_dose.min", "must not be above max"},
	{"invalid-strength-unit", "forms[0].strengths[0].unit", "'milligrams' is not one of"},
	{"invalid-strength-amount", "forms[0].strengths[0].amount", "above 0"},
	{"invalid-dose-unit", "usual_dose[1].unit", "'tabs' is not one of"},
	{"invalid-default-unit", "default_unit", "'tablet' is not one of"},
	{"invalid-per", "usual_dose.per", "'hour' is not one of day, dose, week, month"},
	{"invalid-dose-route", "usual_dose.route", "not a route"},
	{"invalid-dose-form", "usual_dose.form", "names none"},
	{"invalid-id-mismatch", "id", "file name"},
	{"invalid-id-case", "id", "lower-case"},
	{"invalid-missing-flag", "cns_depressant", "is required"},
	{"invalid-flag-type", "qt_prolonging", "true or false"},
	{"invalid-schedule", "controlled", "'I' is not one of none, II, III, IV, V"},
	{"invalid-rxcui", "rxcui", "digits"},
	{"invalid-rxcui-source", "rxcui_source", "is required when rxcui is set"},
	{"invalid-no-usual-dose", "usual_dose", "null when not known"},
	{"invalid-no-source", "source", "is required"},
	{"invalid-duplicate-form", "forms[1]", "repeats the form name"},
	{"invalid-brand-rxcui", "forms[0].strengths[0].brand", "required with brand_rxcui"},
	{"invalid-unknown-key", "forms[0].strengths[0].volume", "not a key of this format"},
	{"invalid-unknown-top-key", "usual_doses", "not a key of this format"},
	{"invalid-json", "line 4", "column"},
	{"invalid-duplicate-key", "line 1", "duplicate"},
};

static void test_invalid_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
		char path[128], want[160];
		struct medication *m = (struct medication *)1;
		struct tdm_err err;
		tdm_err_clear(&err);
		snprintf(path, sizeof path, TDATA "%s.json", invalid[i].file);
		enum tdm_status rc = formulary_load_file(path, &m, &err);
		if (rc != TDM_EINVAL)
			fail_msg("%s: %s, expected invalid", path, tdm_code_name(rc));
		assert_null(m);
		/* "FILE: PATH: ..." */
		snprintf(want, sizeof want, "%s: %s", path, invalid[i].path);
		if (strncmp(err.msg, want, strlen(want)) || !strstr(err.msg, invalid[i].says))
			fail_msg("%s: error '%s' should start '%s' and say '%s'", path, err.msg, want,
				 invalid[i].says);
	}
	struct medication *m;
	struct tdm_err err;
	assert_status(TDM_EIO, formulary_load_file(TDATA "no-such-file.json", &m, &err), &err);
	assert_non_null(strstr(err.msg, "no-such-file.json"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_shipped_load),
		cmocka_unit_test(test_methadone),
		cmocka_unit_test(test_buprenorphine),
		cmocka_unit_test(test_naltrexone),
		cmocka_unit_test(test_disulfiram),
		cmocka_unit_test(test_acamprosate_lithium),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_site_extends),
		cmocka_unit_test(test_valid_minimal),
		cmocka_unit_test(test_invalid_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
