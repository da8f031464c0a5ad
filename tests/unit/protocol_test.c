/*
 * Tests for src/domain/protocol.c: the symptom-triggered withdrawal protocols
 * of data/protocols.conf. A score (from real answers, scored by the
 * instrument) maps to the step the site's protocol orders and the time to
 * reassess; the loader refuses tables with gaps, overlaps or missing fields.
 *
 * The expected ranges and times are typed in from data/protocols.conf, so a
 * changed edge fails here.
 */
#include "unit.h"

#include "domain/instrument.h"
#include "domain/protocol.h"

static int setup(void **state)
{
	struct tdm_err err;
	(void)state;
	tdm_err_clear(&err);
	if (clinic_load("data", &err) != TDM_OK) {
		print_error("clinic_load(data): %s (%s)\n", err.msg, err.field);
		return -1;
	}
	return 0;
}

static const struct instrument *get(const char *code)
{
	const struct instrument *in = instrument_find(code);
	if (!in)
		fail_msg("instrument %s is not loaded", code);
	return in;
}

static int fill_from(const struct instrument *in, int i, int want, int *v)
{
	if (i == in->n_items)
		return want == 0;
	const struct instr_item *it = &in->items[i];
	int n = it->n_options ? it->n_options : it->max - it->min + 1;
	for (int k = n - 1; k >= 0; k--) {
		int x = it->n_options ? it->options[k].value : it->min + k;
		if (x > want)
			continue;
		v[i] = x;
		if (fill_from(in, i + 1, want - x, v))
			return 1;
	}
	return 0;
}

/* The total of real answers summing to want, as the instrument scores it. */
static int score_of(const char *code, int want)
{
	const struct instrument *in = get(code);
	int v[INSTR_MAX_ITEMS];
	struct instr_score s;
	struct tdm_err err;
	for (int i = 0; i < INSTR_MAX_ITEMS; i++)
		v[i] = INSTR_MISSING;
	if (!fill_from(in, 0, want, v))
		fail_msg("%s: no answers sum to %d", code, want);
	tdm_err_clear(&err);
	assert_ok(instrument_score(in, v, &s, &err), &err);
	assert_int_equal(s.total, want);
	return s.total;
}

struct edge {
	int total;
	int step;          /* 1-based */
	int min, max;
	int reassess;
};

static void check_edges(const char *code, const struct edge *e, int n)
{
	const struct protocol *p = protocol_for(code);
	assert_non_null(p);
	for (int i = 0; i < n; i++) {
		int total = score_of(code, e[i].total);
		const struct protocol_step *s = protocol_step(p, total);
		if (!s)
			fail_msg("%s total %d: no step", code, total);
		int step = (int)(s - p->steps) + 1;
		if (step != e[i].step || s->min != e[i].min || s->max != e[i].max ||
		    s->reassess_minutes != e[i].reassess)
			fail_msg("%s total %d: step %d (%d-%d, reassess %d min); expected step %d "
				 "(%d-%d, reassess %d min)", code, total, step, s->min, s->max,
				 s->reassess_minutes, e[i].step, e[i].min, e[i].max, e[i].reassess);
		assert_true(s->action[0] && s->source[0]);
	}
}

static void test_ciwa_steps(void **state)
{
	(void)state;
	const struct protocol *p = protocol_for("CIWA-Ar");
	assert_non_null(p);
	assert_string_equal(p->instrument, "CIWA-Ar");
	assert_string_equal(p->name, "Symptom-triggered alcohol withdrawal (site protocol, CIWA-Ar)");
	assert_int_equal(p->n_steps, 3);
	static const struct edge e[] = {
		{0, 1, 0, 9, 240},   {9, 1, 0, 9, 240},   {10, 2, 10, 18, 60},
		{18, 2, 10, 18, 60}, {19, 3, 19, 67, 60}, {67, 3, 19, 67, 60},
	};
	check_edges("CIWA-Ar", e, (int)(sizeof e / sizeof e[0]));
	/* The words a nurse reads at the bedside. */
	assert_non_null(strstr(protocol_step(p, 9)->action, "no withdrawal medication"));
	assert_non_null(strstr(protocol_step(p, 10)->action, "Moderate withdrawal"));
	assert_non_null(strstr(protocol_step(p, 19)->action, "notify the prescriber now"));
	assert_non_null(strstr(protocol_step(p, 19)->source, "ASAM 2020"));
	/* Outside the scale: no step. */
	assert_null(protocol_step(p, -1));
	assert_null(protocol_step(p, 68));
}

static void test_cows_steps(void **state)
{
	(void)state;
	const struct protocol *p = protocol_for("COWS");
	assert_non_null(p);
	assert_string_equal(p->name, "Opioid withdrawal monitoring (site protocol, COWS)");
	assert_int_equal(p->n_steps, 4);
	static const struct edge e[] = {
		{0, 1, 0, 4, 240},    {4, 1, 0, 4, 240},    {5, 2, 5, 12, 120},
		{12, 2, 5, 12, 120},  {13, 3, 13, 24, 60},  {24, 3, 13, 24, 60},
		{25, 4, 25, 48, 30},  {36, 4, 25, 48, 30},  {37, 4, 25, 48, 30},
		{48, 4, 25, 48, 30},
	};
	check_edges("COWS", e, (int)(sizeof e / sizeof e[0]));
	assert_non_null(strstr(protocol_step(p, 25)->action, "notify the prescriber now"));
	assert_non_null(strstr(protocol_step(p, 5)->source, "Wesson & Ling 2003"));
	assert_null(protocol_step(p, 49));
	assert_null(protocol_step(p, -5));
}

/* Every band of the instrument lies inside one protocol step, so the step
 * never disagrees with the severity shown next to it. */
static void test_steps_follow_bands(void **state)
{
	(void)state;
	static const char *const codes[] = {"CIWA-Ar", "COWS"};
	for (size_t c = 0; c < sizeof codes / sizeof codes[0]; c++) {
		const struct instrument *in = get(codes[c]);
		const struct protocol *p = protocol_for(codes[c]);
		assert_non_null(p);
		for (int b = 0; b < in->n_bands; b++) {
			const struct protocol_step *lo = protocol_step(p, in->bands[b].min);
			const struct protocol_step *hi = protocol_step(p, in->bands[b].max);
			if (!lo || lo != hi)
				fail_msg("%s band %s (%d-%d) spans protocol steps", codes[c],
					 in->bands[b].label, in->bands[b].min, in->bands[b].max);
		}
		/* Reassessment is never slower at a worse step. */
		for (int s = 1; s < p->n_steps; s++)
			assert_true(p->steps[s].reassess_minutes <= p->steps[s - 1].reassess_minutes);
	}
}

static void test_lookup(void **state)
{
	(void)state;
	assert_ptr_equal(protocol_for("ciwa-ar"), protocol_for("CIWA-Ar"));
	assert_ptr_equal(protocol_for("cows"), protocol_for("COWS"));
	/* Instruments without a protocol. */
	assert_null(protocol_for("PHQ-9"));
	assert_null(protocol_for("GAD-7"));
	assert_null(protocol_for("AUDIT-C"));
	assert_null(protocol_for("NOPE"));
	assert_null(protocol_for(""));
	assert_null(protocol_for(NULL));
	assert_null(protocol_step(NULL, 10));
	assert_non_null(get("PHQ-9")); /* the instrument itself is loaded */
}

/* ---- the loader ---- */

static void write_conf(const char *dir, const char *text)
{
	char path[300];
	snprintf(path, sizeof path, "%s/protocols.conf", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

#define STEP(n, range, minutes)                                                     \
	"step." #n ".range = " range "\nstep." #n ".action = act " #n "\n"                 \
	"step." #n ".reassess_minutes = " minutes "\nstep." #n ".source = src " #n "\n"

static void test_load(void **state)
{
	(void)state;
	struct tdm_err err;
	char dir[256], path[300];
	static const struct {
		const char *name, *text;
		enum tdm_status expect;
	} cases[] = {
		{"good", "[COWS]\nname = test\n" STEP(1, "0-20", "45") STEP(2, "21-48", "15"), TDM_OK},
		{"gap", "[COWS]\nname = test\n" STEP(1, "0-20", "45") STEP(2, "22-48", "15"),
		 TDM_EINVAL},
		{"overlap", "[COWS]\nname = test\n" STEP(1, "0-20", "45") STEP(2, "20-48", "15"),
		 TDM_EINVAL},
		{"short of the maximum", "[COWS]\nname = test\n" STEP(1, "0-20", "45")
		 STEP(2, "21-47", "15"), TDM_EINVAL},
		{"not from 0", "[COWS]\nname = test\n" STEP(1, "1-48", "45"), TDM_EINVAL},
		{"past the maximum", "[COWS]\nname = test\n" STEP(1, "0-49", "45"), TDM_EINVAL},
		{"no time", "[COWS]\nname = test\n" STEP(1, "0-48", "0"), TDM_EINVAL},
		{"time not a number", "[COWS]\nname = test\n" STEP(1, "0-48", "soon"), TDM_EINVAL},
		{"bad range", "[COWS]\nname = test\n" STEP(1, "0 to 48", "45"), TDM_EINVAL},
		{"unknown instrument", "[NOPE]\nname = test\n" STEP(1, "0-48", "45"), TDM_EINVAL},
		{"unknown key", "[COWS]\nname = test\ncolour = red\n" STEP(1, "0-48", "45"),
		 TDM_EINVAL},
		{"unknown step field", "[COWS]\nname = test\n" STEP(1, "0-48", "45")
		 "step.1.dose = 8 mg\n", TDM_EINVAL},
		{"step 9", "[COWS]\nname = test\n" STEP(9, "0-48", "45"), TDM_EINVAL},
		{"no action", "[COWS]\nname = test\nstep.1.range = 0-48\nstep.1.reassess_minutes = 45\n"
		 "step.1.source = s\n", TDM_EINVAL},
		{"no source", "[COWS]\nname = test\nstep.1.range = 0-48\nstep.1.action = a\n"
		 "step.1.reassess_minutes = 45\n", TDM_EINVAL},
		{"outside a section", "name = test\n", TDM_EINVAL},
	};
	enum tdm_status got[sizeof cases / sizeof cases[0]];
	int good_steps = -1, good_reassess = -1, good_ciwa = -1;
	unit_tmpdir(dir, sizeof dir);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		write_conf(dir, cases[i].text);
		tdm_err_clear(&err);
		got[i] = protocol_load(dir, &err);
		if (i == 0 && got[i] == TDM_OK) {
			const struct protocol *p = protocol_for("COWS");
			good_steps = p ? p->n_steps : -1;
			good_reassess = p ? protocol_step(p, 21)->reassess_minutes : -1;
			good_ciwa = protocol_for("CIWA-Ar") != NULL;
		}
	}
	snprintf(path, sizeof path, "%s/protocols.conf", dir);
	unlink(path);
	rmdir(dir);
	/* The shipped table back before asserting. */
	tdm_err_clear(&err);
	assert_ok(protocol_load("data", &err), &err);
	assert_non_null(protocol_for("CIWA-Ar"));
	assert_int_equal(protocol_for("COWS")->n_steps, 4);

	assert_int_equal(good_steps, 2);
	assert_int_equal(good_reassess, 15);
	assert_int_equal(good_ciwa, 0); /* only what the file holds */
	int wrong = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (got[i] == cases[i].expect)
			continue;
		print_error("protocols.conf '%s': %s, expected %s\n", cases[i].name,
			    tdm_code_name(got[i]), tdm_code_name(cases[i].expect));
		wrong++;
	}
	assert_int_equal(wrong, 0);
}

/* A time written with a unit must not be read as a number of minutes:
 * "1h" is not 1 minute. */
static void test_load_time_with_unit(void **state)
{
	(void)state;
	struct tdm_err err;
	char dir[256], path[300];
	unit_tmpdir(dir, sizeof dir);
	write_conf(dir, "[COWS]\nname = test\n" STEP(1, "0-48", "1h"));
	tdm_err_clear(&err);
	enum tdm_status rc = protocol_load(dir, &err);
	const struct protocol *p = protocol_for("COWS");
	int minutes = rc == TDM_OK && p ? p->steps[0].reassess_minutes : -1;
	snprintf(path, sizeof path, "%s/protocols.conf", dir);
	unlink(path);
	rmdir(dir);
	assert_ok(protocol_load("data", &err), &err);
	if (rc == TDM_OK)
		fail_msg("reassess_minutes = 1h was accepted as %d minute(s)", minutes);
	assert_int_equal(rc, TDM_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ciwa_steps),
		cmocka_unit_test(test_cows_steps),
		cmocka_unit_test(test_steps_follow_bands),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_load_time_with_unit),
	};
	return cmocka_run_group_tests_name("protocol", tests, setup, NULL);
}
