/* Tests for src/domain/plan.c and plan_doc.c: the review schedule per level
 * of care (exact days), the document's field-level validation, versions
 * and keys, signatures per version, objectives' current values, the
 * clinic's due list, and site visibility. */
#include "unit.h"

#include "domain/assessment.h"
#include "domain/diagnosis.h"
#include "domain/episode.h"
#include "domain/instrument.h"
#include "domain/level.h"
#include "domain/order.h"
#include "domain/plan.h"
#include "domain/result.h"

#include <time.h>

/* ---- helpers ---- */

static int64_t admit(struct tdb *t, int64_t pid, const char *level, int days_ago)
{
	struct tdm_err err;
	struct episode e;
	char on[DATE_LEN];
	unit_day(-days_ago, on);
	assert_ok(episode_admit(t->db, &t->sys, pid, level, NULL, on, NULL, &e, &err), &err);
	episode_release(&e);
	return e.id;
}

static int64_t dx(struct tdb *t, int64_t pid, const char *code)
{
	struct tdm_err err;
	struct diagnosis d;
	memset(&d, 0, sizeof d);
	snprintf(d.cls.code, sizeof d.cls.code, "%s", code);
	assert_ok(diagnosis_add(t->db, &t->sys, pid, &d, &err), &err);
	return d.id;
}

/* Parses a document that must be valid. Caller frees. */
static struct plan_doc *doc_of(const char *json)
{
	struct tdm_err err;
	struct plan_doc *d = malloc(sizeof *d);
	assert_non_null(d);
	tdm_err_clear(&err);
	assert_ok(plan_doc_parse(json, strlen(json), d, &err), &err);
	return d;
}

/* A one-problem document naming diagnosis id, with one goal and objective. */
static struct plan_doc *simple_doc(int64_t dx_id)
{
	char json[512];
	snprintf(json, sizeof json,
		 "{\"problems\":[{\"text\":\"Opioid use\",\"diagnosis_ids\":[%lld],\"goals\":[{\"text\":\"I want"
		 " my kids back\",\"objectives\":[{\"text\":\"Attend group weekly\",\"target_date\":\"2030-01-01\"}]}]}]}",
		 (long long)dx_id);
	return doc_of(json);
}

static struct plan *create(struct tdb *t, int64_t pid, struct plan_doc *d, int days_ago)
{
	struct tdm_err err;
	struct plan_input in;
	struct plan *p = NULL;
	memset(&in, 0, sizeof in);
	in.doc = d;
	if (days_ago)
		unit_day(-days_ago, in.effective_on);
	tdm_err_clear(&err);
	assert_ok(plan_create(t->db, &t->sys, pid, &in, &p, &err), &err);
	free(d);
	return p;
}

static enum tdm_status try_create(struct tdb *t, int64_t pid, struct plan_doc *d, const char *effective_on,
				  struct tdm_err *err)
{
	struct plan_input in;
	struct plan *p = NULL;
	memset(&in, 0, sizeof in);
	in.doc = d;
	snprintf(in.effective_on, sizeof in.effective_on, "%s", effective_on ? effective_on : "");
	tdm_err_clear(err);
	enum tdm_status rc = plan_create(t->db, &t->sys, pid, &in, &p, err);
	free(p);
	free(d);
	return rc;
}

static struct plan *revise(struct tdb *t, int64_t plan_id, const char *kind, int version, struct plan_doc *d,
			   int days_ago)
{
	struct tdm_err err;
	struct plan_input in;
	struct plan *p = NULL;
	memset(&in, 0, sizeof in);
	in.doc = d;
	in.version = version;
	snprintf(in.note, sizeof in.note, "%s at the team meeting", kind);
	if (days_ago)
		unit_day(-days_ago, in.effective_on);
	tdm_err_clear(&err);
	assert_ok(plan_revise(t->db, &t->sys, plan_id, kind, &in, &p, &err), &err);
	free(d);
	return p;
}

/* A UTC instant n days before now. */
static void days_ago_at(int n, char out[INSTANT_LEN])
{
	instant_format(time(NULL) - (time_t)n * 86400, out);
}

static void screen(struct tdb *t, int64_t pid, const char *substance, const char *outcome, int expected,
		   int days_ago, int64_t *id)
{
	struct tdm_err err;
	struct result r;
	memset(&r, 0, sizeof r);
	snprintf(r.kind, sizeof r.kind, "uds");
	snprintf(r.substance, sizeof r.substance, "%s", substance);
	snprintf(r.outcome, sizeof r.outcome, "%s", outcome);
	r.expected = expected;
	days_ago_at(days_ago, r.taken_at);
	assert_ok(result_add(t->db, &t->sys, pid, &r, &err), &err);
	if (id)
		*id = r.id;
}

static void phq9(struct tdb *t, int64_t pid, int total, int days_ago)
{
	struct tdm_err err;
	struct assessment_input inp;
	struct assessment as;
	memset(&inp, 0, sizeof inp);
	inp.in = instrument_find("PHQ-9");
	assert_non_null(inp.in);
	for (int i = 0; i < INSTR_MAX_ITEMS; i++)
		inp.values[i] = INSTR_MISSING;
	for (int i = 0; i < 9; i++) {
		int v = total > 3 ? 3 : total;
		inp.values[i] = i == 8 ? 0 : v; /* item 9 stays 0: no alert */
		total -= inp.values[i];
	}
	assert_int_equal(total, 0);
	days_ago_at(days_ago, inp.administered_at);
	assert_ok(assessment_record(t->db, &t->sys, pid, &inp, &as, &err), &err);
}

static const struct plan_objective *objective(const struct plan *p, int prob, int goal, int obj)
{
	assert_true(prob < p->doc.n_problems);
	assert_true(goal < p->doc.problems[prob].n_goals);
	assert_true(obj < p->doc.problems[prob].goals[goal].n_objectives);
	return &p->doc.problems[prob].goals[goal].objectives[obj];
}

/* ---- the schedule (pure) ---- */

static void expect_status(const char *level, const char *last, const char *today, const char *due_on,
			  const char *status)
{
	struct plan_review r;
	plan_review_schedule(level, last, today, &r);
	if (strcmp(r.status, status) || strcmp(r.due_on, due_on))
		print_error("%s from %s on %s: due %s %s, expected %s %s\n", level, last, today, r.due_on, r.status,
			    due_on, status);
	assert_string_equal(r.due_on, due_on);
	assert_string_equal(r.status, status);
}

static void test_review_days_per_level(void **state)
{
	(void)state;
	struct tdm_err err;
	assert_ok(clinic_load("data", &err), &err);
	/* data/plan-review.conf */
	assert_int_equal(plan_review_days("detox"), 7);
	assert_int_equal(plan_review_days("residential"), 7);
	assert_int_equal(plan_review_days("php"), 14);
	assert_int_equal(plan_review_days("iop"), 30);
	assert_int_equal(plan_review_days("outpatient"), 30);
	assert_int_equal(plan_review_days("otp"), 30);
	assert_int_equal(plan_review_days("aftercare"), 90);
	assert_int_equal(plan_review_days("nowhere"), 0);
	assert_int_equal(plan_initial_days("otp"), 14);
	assert_int_equal(plan_initial_days("iop"), 0);
	assert_int_equal(plan_lead_days(), 3);
	/* Every level of data/levels.conf has an interval. */
	for (int i = 0; i < level_count(); i++)
		assert_true(plan_review_days(level_at(i)->id) > 0);

	/* Residential, weekly: last review 2026-03-01, due 2026-03-08. */
	expect_status("residential", "2026-03-01", "2026-03-04", "2026-03-08", "ok");   /* 4 days ahead */
	expect_status("residential", "2026-03-01", "2026-03-05", "2026-03-08", "due");  /* lead: 3 days */
	expect_status("residential", "2026-03-01", "2026-03-08", "2026-03-08", "due");  /* day N */
	expect_status("residential", "2026-03-01", "2026-03-09", "2026-03-08", "overdue"); /* N + 1 */
	/* PHP every 14 days; IOP, outpatient, OTP every 30 (across a month end). */
	expect_status("php", "2026-03-01", "2026-03-15", "2026-03-15", "due");
	expect_status("php", "2026-03-01", "2026-03-16", "2026-03-15", "overdue");
	expect_status("iop", "2026-01-31", "2026-03-02", "2026-03-02", "due");
	expect_status("iop", "2026-01-31", "2026-03-03", "2026-03-02", "overdue");
	expect_status("outpatient", "2026-02-10", "2026-03-12", "2026-03-12", "due");
	expect_status("otp", "2026-02-10", "2026-03-13", "2026-03-12", "overdue");
	expect_status("detox", "2026-12-28", "2027-01-04", "2027-01-04", "due");
	/* Aftercare quarterly, across a leap day. */
	expect_status("aftercare", "2028-01-15", "2028-04-14", "2028-04-14", "due");
	expect_status("aftercare", "2028-01-15", "2028-04-15", "2028-04-14", "overdue");
	/* Discharged: no review. */
	struct plan_review r;
	plan_review_schedule("", "2026-03-01", "2026-09-01", &r);
	assert_string_equal(r.status, "closed");
	assert_string_equal(r.due_on, "");
}

static void test_modalities_from_data(void **state)
{
	(void)state;
	struct tdm_err err;
	assert_ok(clinic_load("data", &err), &err);
	assert_true(plan_modality_count() >= 10);
	assert_non_null(plan_modality_label("relapse_prevention"));
	assert_non_null(plan_modality_label("cbt"));
	assert_null(plan_modality_label("astrology"));
	assert_string_equal(plan_modality_id(0), "cbt");
	assert_null(plan_modality_id(plan_modality_count()));
}

/* ---- the document ---- */

static void refused_doc(const char *json, const char *field)
{
	struct tdm_err err;
	struct plan_doc *d = malloc(sizeof *d);
	assert_non_null(d);
	tdm_err_clear(&err);
	enum tdm_status rc = plan_doc_parse(json, strlen(json), d, &err);
	free(d);
	if (rc != TDM_EINVAL || strcmp(err.field, field))
		print_error("%s\n -> %s '%s' (%s), expected field '%s'\n", json, tdm_code_name(rc), err.field, err.msg,
			    field);
	assert_int_equal(rc, TDM_EINVAL);
	assert_string_equal(err.field, field);
}

#define GOAL "\"goals\":[{\"text\":\"g\",\"objectives\":[{\"text\":\"o\",\"target_date\":\"2030-01-01\"}]}]"
#define OBJ_WITH(extra)                                                                               \
	"{\"problems\":[{\"text\":\"p\",\"diagnosis_ids\":[1],\"goals\":[{\"text\":\"g\",\"objectives\":[" \
	"{\"text\":\"o\",\"target_date\":\"2030-01-01\"" extra "}]}]}]}"
#define IV_WITH(iv) "{\"problems\":[{\"text\":\"p\",\"diagnosis_ids\":[1]," GOAL ",\"interventions\":[" iv "]}]}"

static void test_document_validation_names_nested_fields(void **state)
{
	(void)state;
	struct tdm_err err;
	assert_ok(clinic_load("data", &err), &err);
	refused_doc("{}", "problems");
	refused_doc("{\"problems\":[]}", "problems");
	refused_doc("{\"problems\":{}}", "problems");
	refused_doc("{\"problems\":[{\"diagnosis_ids\":[1]," GOAL "}]}", "problems[0].text");
	refused_doc("{\"problems\":[{\"text\":\"  \",\"diagnosis_ids\":[1]," GOAL "}]}", "problems[0].text");
	refused_doc("{\"problems\":[{\"text\":\"p\"," GOAL "}]}", "problems[0].diagnosis_ids");
	refused_doc("{\"problems\":[{\"text\":\"p\",\"diagnosis_ids\":[1]," GOAL "},"
		    "{\"text\":\"q\",\"diagnosis_ids\":[2,\"x\"]," GOAL "}]}", "problems[1].diagnosis_ids[1]");
	refused_doc("{\"problems\":[{\"text\":\"p\",\"diagnosis_ids\":[0]," GOAL "}]}", "problems[0].diagnosis_ids[0]");
	refused_doc("{\"problems\":[{\"text\":\"p\",\"diagnosis_ids\":[3,3]," GOAL "}]}", "problems[0].diagnosis_ids[1]");
	refused_doc("{\"problems\":[{\"text\":\"p\",\"diagnosis_ids\":[1,2,3,4,5]," GOAL "}]}",
		    "problems[0].diagnosis_ids");
	refused_doc("{\"problems\":[{\"text\":\"p\",\"diagnosis_ids\":[1]}]}", "problems[0].goals");
	refused_doc("{\"problems\":[{\"text\":\"p\",\"diagnosis_ids\":[1],\"goals\":[{\"text\":\"g\"}]}]}",
		    "problems[0].goals[0].objectives");
	refused_doc("{\"problems\":[{\"text\":\"p\",\"diagnosis_ids\":[1],\"goals\":[{\"text\":\"g\",\"why\":1,"
		    "\"objectives\":[]}]}]}", "problems[0].goals[0].why");
	refused_doc(OBJ_WITH(",\"color\":\"red\""), "problems[0].goals[0].objectives[0].color");
	refused_doc("{\"problems\":[{\"text\":\"p\",\"diagnosis_ids\":[1],\"goals\":[{\"text\":\"g\",\"objectives\":"
		    "[{\"text\":\"o\",\"target_date\":\"2030-02-30\"}]}]}]}", "problems[0].goals[0].objectives[0].target_date");
	refused_doc("{\"problems\":[{\"text\":\"p\",\"diagnosis_ids\":[1],\"goals\":[{\"text\":\"g\",\"objectives\":"
		    "[{\"text\":\"o\"}]}]}]}", "problems[0].goals[0].objectives[0].target_date");
	refused_doc(OBJ_WITH(",\"status\":\"done\""), "problems[0].goals[0].objectives[0].status");
	refused_doc(OBJ_WITH(",\"measure\":{\"kind\":\"vibes\"}"), "problems[0].goals[0].objectives[0].measure.kind");
	refused_doc(OBJ_WITH(",\"measure\":{\"kind\":\"instrument\",\"instrument\":\"XYZ-1\",\"comparator\":\"below\","
			     "\"value\":10}"), "problems[0].goals[0].objectives[0].measure.instrument");
	refused_doc(OBJ_WITH(",\"measure\":{\"kind\":\"instrument\",\"instrument\":\"PHQ-9\",\"comparator\":\"under\","
			     "\"value\":10}"), "problems[0].goals[0].objectives[0].measure.comparator");
	refused_doc(OBJ_WITH(",\"measure\":{\"kind\":\"instrument\",\"instrument\":\"PHQ-9\",\"comparator\":\"below\","
			     "\"value\":28}"), "problems[0].goals[0].objectives[0].measure.value");
	refused_doc(OBJ_WITH(",\"measure\":{\"kind\":\"instrument\",\"instrument\":\"PHQ-9\",\"comparator\":\"below\"}"),
		    "problems[0].goals[0].objectives[0].measure.value");
	refused_doc(OBJ_WITH(",\"measure\":{\"kind\":\"instrument\",\"instrument\":\"PHQ-9\",\"comparator\":\"below\","
			     "\"value\":10,\"weeks\":3}"), "problems[0].goals[0].objectives[0].measure.weeks");
	refused_doc(OBJ_WITH(",\"measure\":{\"kind\":\"negative_screens\",\"weeks\":0}"),
		    "problems[0].goals[0].objectives[0].measure.weeks");
	refused_doc(OBJ_WITH(",\"measure\":{\"kind\":\"negative_screens\",\"weeks\":105}"),
		    "problems[0].goals[0].objectives[0].measure.weeks");
	refused_doc(OBJ_WITH(",\"measure\":{\"kind\":\"negative_screens\",\"weeks\":12,\"substance\":\"heroin\"}"),
		    "problems[0].goals[0].objectives[0].measure.substance");
	refused_doc(IV_WITH("{\"kind\":\"therapy\",\"modality\":\"astrology\",\"frequency\":\"weekly\","
			    "\"responsible\":\"t\"}"), "problems[0].interventions[0].modality");
	refused_doc(IV_WITH("{\"kind\":\"therapy\",\"modality\":\"cbt\",\"responsible\":\"t\"}"),
		    "problems[0].interventions[0].frequency");
	refused_doc(IV_WITH("{\"kind\":\"therapy\",\"modality\":\"cbt\",\"frequency\":\"weekly\"}"),
		    "problems[0].interventions[0].responsible");
	refused_doc(IV_WITH("{\"kind\":\"therapy\",\"modality\":\"cbt\",\"frequency\":\"weekly\",\"responsible\":\"t\","
			    "\"order_id\":3}"), "problems[0].interventions[0].order_id");
	refused_doc(IV_WITH("{\"kind\":\"medication\"}"), "problems[0].interventions[0].order_id");
	refused_doc(IV_WITH("{\"kind\":\"medication\",\"order_id\":4,\"modality\":\"cbt\"}"),
		    "problems[0].interventions[0].modality");
	refused_doc(IV_WITH("{\"kind\":\"pill\"}"), "problems[0].interventions[0].kind");
	refused_doc("{\"problems\":[{\"id\":\"G1\",\"text\":\"p\",\"diagnosis_ids\":[1]," GOAL "}]}", "problems[0].id");
	refused_doc("{\"problems\":[{\"id\":\"P01\",\"text\":\"p\",\"diagnosis_ids\":[1]," GOAL "}]}", "problems[0].id");
	refused_doc("{\"problems\":[],\"extra\":1}", "extra");
	refused_doc("{\"problems\":[{\"text\":\"a\\u0000b\",\"diagnosis_ids\":[1]," GOAL "}]}", "problems[0].text");
	refused_doc("{\"problems\":[{\"text\":\"a\\u001bb\",\"diagnosis_ids\":[1]," GOAL "}]}", "problems[0].text");
	refused_doc(IV_WITH("{\"kind\":\"therapy\",\"modality\":\"cbt\",\"frequency\":\"weekly\\nand more\","
			    "\"responsible\":\"t\"}"), "problems[0].interventions[0].frequency");
	/* Several lines of text are fine in the patient's words. */
	free(doc_of("{\"problems\":[{\"text\":\"first line\\nsecond line\",\"diagnosis_ids\":[1]," GOAL "}]}"));

	/* Counts and lengths. */
	char big[8192];
	int n = snprintf(big, sizeof big, "{\"problems\":[");
	for (int i = 0; i <= PLAN_MAX_PROBLEMS; i++)
		n += snprintf(big + n, sizeof big - (size_t)n, "%s{\"text\":\"p\",\"diagnosis_ids\":[1]," GOAL "}",
			      i ? "," : "");
	snprintf(big + n, sizeof big - (size_t)n, "]}");
	refused_doc(big, "problems");
	char text[PLAN_LEN_TEXT + 2];
	memset(text, 'x', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	snprintf(big, sizeof big, "{\"problems\":[{\"text\":\"%s\",\"diagnosis_ids\":[1]," GOAL "}]}", text);
	refused_doc(big, "problems[0].text");
	text[PLAN_LEN_TEXT] = '\0'; /* exactly the limit is fine */
	snprintf(big, sizeof big, "{\"problems\":[{\"text\":\"%s\",\"diagnosis_ids\":[1]," GOAL "}]}", text);
	free(doc_of(big));

	/* A full document parses; the instrument code is normalised. */
	struct plan_doc *d = doc_of(OBJ_WITH(",\"measure\":{\"kind\":\"instrument\",\"instrument\":\"phq-9\","
					     "\"comparator\":\"below\",\"value\":10}"));
	assert_string_equal(d->problems[0].goals[0].objectives[0].measure.instrument, "PHQ-9");
	assert_string_equal(d->problems[0].goals[0].objectives[0].status, "open");
	free(d);
}

/* ---- saving and reading ---- */

static void test_dual_diagnosis_plan(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct actor th;
	tdb_user(t, "theo", "main", ROLE_THERAPIST, &th);
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	int64_t oud = dx(t, pid, "F11.20"), mdd = dx(t, pid, "F33.1");
	admit(t, pid, "residential", 10);
	char json[2048];
	snprintf(json, sizeof json,
		 "{\"problems\":["
		 "{\"text\":\"Opioid use disorder\",\"diagnosis_ids\":[%lld],\"goals\":[{\"text\":\"I don't want to"
		 " die like my brother\",\"objectives\":[{\"text\":\"12 weeks of negative screens\",\"target_date\":"
		 "\"2030-01-01\",\"measure\":{\"kind\":\"negative_screens\",\"weeks\":12}}]}],\"interventions\":["
		 "{\"kind\":\"therapy\",\"modality\":\"relapse_prevention\",\"frequency\":\"weekly group\","
		 "\"responsible\":\"theo\"}]},"
		 "{\"text\":\"Recurrent depression\",\"diagnosis_ids\":[%lld],\"goals\":[{\"text\":\"Get out of bed\","
		 "\"objectives\":[{\"text\":\"PHQ-9 below 10\",\"target_date\":\"2030-01-01\",\"measure\":"
		 "{\"kind\":\"instrument\",\"instrument\":\"PHQ-9\",\"comparator\":\"below\",\"value\":10}}]}],"
		 "\"interventions\":[{\"kind\":\"therapy\",\"modality\":\"cbt\",\"frequency\":\"weekly\","
		 "\"responsible\":\"theo\"}]}]}",
		 (long long)oud, (long long)mdd);
	struct plan *p = create(t, pid, doc_of(json), 0);
	assert_true(p->id > 0);
	assert_int_equal(p->v.version, 1);
	assert_string_equal(p->v.kind, "create");
	assert_int_equal(p->current, 1);
	assert_int_equal(p->doc.n_problems, 2);
	const struct plan_problem *a = &p->doc.problems[0], *b = &p->doc.problems[1];
	assert_int_equal(a->substance_use, 1);
	assert_int_equal(a->mental_health, 0);
	assert_int_equal(b->substance_use, 0);
	assert_int_equal(b->mental_health, 1);
	assert_string_equal(a->dx[0].code, "F11.20");
	assert_string_equal(a->dx[0].category, "substance_use");
	assert_string_equal(b->dx[0].code, "F33.1");
	assert_int_equal(p->covers_substance, 1);
	assert_int_equal(p->covers_mental, 1);
	assert_int_equal(p->covers_dual, 1);
	/* Keys in document order, one counter for the plan. */
	assert_string_equal(a->key, "P1");
	assert_string_equal(a->goals[0].key, "G2");
	assert_string_equal(a->goals[0].objectives[0].key, "O3");
	assert_string_equal(a->interventions[0].key, "I4");
	assert_string_equal(b->key, "P5");
	assert_string_equal(b->interventions[0].key, "I8");
	/* Reviews: residential, weekly from today. */
	char today[DATE_LEN], week[DATE_LEN];
	unit_day(0, today);
	unit_day(7, week);
	assert_string_equal(p->review.level, "residential");
	assert_string_equal(p->review.last_review_on, today);
	assert_string_equal(p->review.due_on, week);
	assert_string_equal(p->review.status, "ok");
	assert_int_equal(tdb_audit_count(t, "plan.create"), 1);
	free(p);

	/* The patient's list. */
	struct plan_summary *rows = NULL;
	int n = 0;
	assert_ok(plan_list(t->db, &t->sys, pid, &rows, &n, &err), &err);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].v.version, 1);
	assert_int_equal(rows[0].v.n_problems, 2);
	assert_int_equal(rows[0].covers_dual, 1);
	free(rows);
	assert_int_equal(tdb_audit_count(t, "plan.list"), 1);
}

static void test_save_checks_what_the_plan_points_at(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct actor th;
	char json[1024], today[DATE_LEN], day[DATE_LEN];
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	int64_t other = tdb_patient(t, "Other", "Person", "1970-01-01", NULL);
	int64_t mine = dx(t, pid, "F11.20"), theirs = dx(t, other, "F32.1");

	/* No open episode yet. */
	assert_status(TDM_ECONFLICT, try_create(t, pid, simple_doc(mine), NULL, &err), &err);
	assert_string_equal(err.field, "episode_id");
	admit(t, pid, "iop", 5);

	/* Another patient's diagnosis, named by its place. */
	snprintf(json, sizeof json, "{\"problems\":[{\"text\":\"a\",\"diagnosis_ids\":[%lld]," GOAL "},"
		 "{\"text\":\"b\",\"diagnosis_ids\":[%lld]," GOAL "}]}", (long long)mine, (long long)theirs);
	assert_status(TDM_EINVAL, try_create(t, pid, doc_of(json), NULL, &err), &err);
	assert_string_equal(err.field, "problems[1].diagnosis_ids[0]");

	/* A diagnosis entered in error. */
	int64_t wrong = dx(t, pid, "F10.20");
	struct diagnosis dd;
	assert_ok(diagnosis_set_status(t->db, &t->sys, wrong, "entered_in_error", NULL, "typo", &dd, &err), &err);
	assert_status(TDM_EINVAL, try_create(t, pid, simple_doc(wrong), NULL, &err), &err);
	assert_string_equal(err.field, "problems[0].diagnosis_ids[0]");

	/* Responsible clinician: a prescriber, nurse or therapist at the site. */
	tdb_user(t, "frontdesk", "main", ROLE_INTAKE, &th);
	tdb_user(t, "theo", "main", ROLE_THERAPIST, &th);
	const char *fmt = "{\"problems\":[{\"text\":\"a\",\"diagnosis_ids\":[%lld]," GOAL ",\"interventions\":["
			  "{\"kind\":\"therapy\",\"modality\":\"cbt\",\"frequency\":\"weekly\",\"responsible\":\"%s\"}]}]}";
	snprintf(json, sizeof json, fmt, (long long)mine, "nobody");
	assert_status(TDM_EINVAL, try_create(t, pid, doc_of(json), NULL, &err), &err);
	assert_string_equal(err.field, "problems[0].interventions[0].responsible");
	snprintf(json, sizeof json, fmt, (long long)mine, "frontdesk");
	assert_status(TDM_EINVAL, try_create(t, pid, doc_of(json), NULL, &err), &err);
	assert_string_equal(err.field, "problems[0].interventions[0].responsible");

	/* A medication order: the patient's own only. */
	struct order_input oi;
	struct order o;
	struct order_alerts al;
	memset(&oi, 0, sizeof oi);
	snprintf(oi.medication, sizeof oi.medication, "sertraline");
	oi.dose = 50;
	snprintf(oi.unit, sizeof oi.unit, "mg");
	snprintf(oi.route, sizeof oi.route, "oral");
	snprintf(oi.frequency, sizeof oi.frequency, "daily");
	assert_ok(order_create(t->db, &t->sys, other, &oi, &o, &al, &err), &err);
	int64_t their_order = o.id;
	assert_ok(order_create(t->db, &t->sys, pid, &oi, &o, &al, &err), &err);
	int64_t my_order = o.id;
	const char *mfmt = "{\"problems\":[{\"text\":\"a\",\"diagnosis_ids\":[%lld]," GOAL ",\"interventions\":["
			   "{\"kind\":\"medication\",\"order_id\":%lld,\"description\":\"for mood\"}]}]}";
	snprintf(json, sizeof json, mfmt, (long long)mine, (long long)their_order);
	assert_status(TDM_EINVAL, try_create(t, pid, doc_of(json), NULL, &err), &err);
	assert_string_equal(err.field, "problems[0].interventions[0].order_id");

	/* Dates: not before admission, not in the future. */
	unit_day(-6, day);
	assert_status(TDM_EINVAL, try_create(t, pid, simple_doc(mine), day, &err), &err);
	assert_string_equal(err.field, "effective_on");
	unit_day(1, day);
	assert_status(TDM_EINVAL, try_create(t, pid, simple_doc(mine), day, &err), &err);
	assert_string_equal(err.field, "effective_on");
	/* Keys are the server's on a new plan. */
	snprintf(json, sizeof json, "{\"problems\":[{\"id\":\"P1\",\"text\":\"a\",\"diagnosis_ids\":[%lld]," GOAL "}]}",
		 (long long)mine);
	assert_status(TDM_EINVAL, try_create(t, pid, doc_of(json), NULL, &err), &err);
	assert_string_equal(err.field, "problems[0].id");
	/* Nothing of the refused attempts was kept. */
	struct plan_summary *rows = NULL;
	int n = -1;
	assert_ok(plan_list(t->db, &t->sys, pid, &rows, &n, &err), &err);
	assert_int_equal(n, 0);
	free(rows);

	/* Valid: the medication intervention shows its order. */
	snprintf(json, sizeof json, mfmt, (long long)mine, (long long)my_order);
	struct plan *p = create(t, pid, doc_of(json), 0);
	const struct plan_intervention *iv = &p->doc.problems[0].interventions[0];
	assert_string_equal(iv->kind, "medication");
	assert_int_equal(iv->order_id, my_order);
	assert_string_equal(iv->medication, "sertraline");
	assert_true(iv->dose == 50);
	assert_string_equal(iv->order_status, "active");
	unit_day(0, today);
	assert_string_equal(p->v.effective_on, today);
	free(p);
	/* One plan per episode. */
	assert_status(TDM_ECONFLICT, try_create(t, pid, simple_doc(mine), NULL, &err), &err);
	assert_string_equal(err.field, "episode_id");
}

static void test_versions_keep_keys_and_history(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	char json[1024];
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	int64_t d1 = dx(t, pid, "F11.20");
	admit(t, pid, "outpatient", 3);
	struct plan *p = create(t, pid, simple_doc(d1), 0); /* P1 G2 O3 */
	int64_t plan_id = p->id;
	free(p);

	/* v2: keep everything, add an objective (gets O4). */
	snprintf(json, sizeof json,
		 "{\"problems\":[{\"id\":\"P1\",\"text\":\"Opioid use\",\"diagnosis_ids\":[%lld],\"goals\":[{\"id\":"
		 "\"G2\",\"text\":\"I want my kids back\",\"objectives\":[{\"id\":\"O3\",\"text\":\"Attend group"
		 " weekly\",\"target_date\":\"2030-01-01\",\"status\":\"achieved\"},{\"text\":\"Find a sponsor\","
		 "\"target_date\":\"2030-06-01\"}]}]}]}", (long long)d1);
	p = revise(t, plan_id, "change", 1, doc_of(json), 0);
	assert_int_equal(p->v.version, 2);
	assert_string_equal(p->v.kind, "change");
	assert_string_equal(p->v.note, "change at the team meeting");
	assert_string_equal(objective(p, 0, 0, 0)->key, "O3");
	assert_string_equal(objective(p, 0, 0, 0)->status, "achieved");
	assert_string_equal(objective(p, 0, 0, 1)->key, "O4");
	free(p);

	/* v3: drop O4, add another: O5, never O4 again. */
	snprintf(json, sizeof json,
		 "{\"problems\":[{\"id\":\"P1\",\"text\":\"Opioid use\",\"diagnosis_ids\":[%lld],\"goals\":[{\"id\":"
		 "\"G2\",\"text\":\"I want my kids back\",\"objectives\":[{\"id\":\"O3\",\"text\":\"Attend\","
		 "\"target_date\":\"2030-01-01\"},{\"text\":\"Call my sister\",\"target_date\":\"2030-06-01\"}]}]}]}",
		 (long long)d1);
	p = revise(t, plan_id, "change", 2, doc_of(json), 0);
	assert_string_equal(objective(p, 0, 0, 1)->key, "O5");
	assert_int_equal(p->latest, 3);
	free(p);

	/* Earlier versions stay readable as they were. */
	assert_ok(plan_get(t->db, &t->sys, plan_id, 2, &p, &err), &err);
	assert_int_equal(p->v.version, 2);
	assert_int_equal(p->current, 0);
	assert_int_equal(p->latest, 3);
	assert_string_equal(objective(p, 0, 0, 1)->text, "Find a sponsor");
	free(p);
	assert_ok(plan_get(t->db, &t->sys, plan_id, 1, &p, &err), &err);
	assert_int_equal(p->doc.problems[0].goals[0].n_objectives, 1);
	assert_string_equal(objective(p, 0, 0, 0)->status, "open");
	free(p);
	assert_status(TDM_ENOTFOUND, plan_get(t->db, &t->sys, plan_id, 4, &p, &err), &err);
	struct plan_version_info *vs = NULL;
	int n = 0;
	assert_ok(plan_versions(t->db, &t->sys, plan_id, &vs, &n, &err), &err);
	assert_int_equal(n, 3);
	assert_string_equal(vs[0].kind, "create");
	assert_string_equal(vs[2].kind, "change");
	assert_int_equal(vs[1].n_problems, 1);
	free(vs);

	/* Progress notes can ask whether an objective is in the plan now. */
	int found = 0;
	assert_ok(db_begin(t->db, DB_READ, &err), &err);
	assert_ok(plan_has_objective(t->db, pid, plan_id, "O5", &found, &err), &err);
	assert_int_equal(found, 1);
	assert_ok(plan_has_objective(t->db, pid, plan_id, "O4", &found, &err), &err);
	assert_int_equal(found, 0);
	assert_status(TDM_ENOTFOUND, plan_has_objective(t->db, pid + 1, plan_id, "O5", &found, &err), &err);
	db_rollback(t->db);

	/* Refusals: a stale version, an unknown key, a key twice, no note. */
	struct plan_input in;
	memset(&in, 0, sizeof in);
	snprintf(in.note, sizeof in.note, "edit");
	in.version = 2;
	in.doc = simple_doc(d1);
	assert_status(TDM_ECONFLICT, plan_revise(t->db, &t->sys, plan_id, "change", &in, &p, &err), &err);
	assert_string_equal(err.field, "version");
	free((void *)in.doc);
	in.version = 3;
	snprintf(json, sizeof json, "{\"problems\":[{\"id\":\"P1\",\"text\":\"a\",\"diagnosis_ids\":[%lld],\"goals\":["
		 "{\"text\":\"g\",\"objectives\":[{\"id\":\"O4\",\"text\":\"o\",\"target_date\":\"2030-01-01\"}]}]}]}",
		 (long long)d1);
	in.doc = doc_of(json);
	assert_status(TDM_EINVAL, plan_revise(t->db, &t->sys, plan_id, "change", &in, &p, &err), &err);
	assert_string_equal(err.field, "problems[0].goals[0].objectives[0].id");
	free((void *)in.doc);
	snprintf(json, sizeof json, "{\"problems\":[{\"id\":\"P1\",\"text\":\"a\",\"diagnosis_ids\":[%lld],\"goals\":["
		 "{\"text\":\"g\",\"objectives\":[{\"id\":\"O3\",\"text\":\"o\",\"target_date\":\"2030-01-01\"},"
		 "{\"id\":\"O3\",\"text\":\"o\",\"target_date\":\"2030-01-01\"}]}]}]}", (long long)d1);
	in.doc = doc_of(json);
	assert_status(TDM_EINVAL, plan_revise(t->db, &t->sys, plan_id, "change", &in, &p, &err), &err);
	assert_string_equal(err.field, "problems[0].goals[0].objectives[1].id");
	free((void *)in.doc);
	in.note[0] = '\0';
	in.doc = simple_doc(d1);
	assert_status(TDM_EINVAL, plan_revise(t->db, &t->sys, plan_id, "change", &in, &p, &err), &err);
	assert_string_equal(err.field, "note");
	free((void *)in.doc);
	/* A change needs content; a review may keep it. */
	snprintf(in.note, sizeof in.note, "edit");
	in.doc = NULL;
	assert_status(TDM_EINVAL, plan_revise(t->db, &t->sys, plan_id, "change", &in, &p, &err), &err);
	assert_string_equal(err.field, "problems");
	p = revise(t, plan_id, "review", 3, NULL, 0);
	assert_int_equal(p->v.version, 4);
	assert_string_equal(p->v.kind, "review");
	assert_string_equal(objective(p, 0, 0, 1)->key, "O5");
	free(p);
}

static void test_signatures_belong_to_a_version(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct plan_sign_input in;
	struct plan_signature g;
	struct actor nurse;
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	int64_t d1 = dx(t, pid, "F11.20");
	admit(t, pid, "outpatient", 3);
	struct plan *p = create(t, pid, simple_doc(d1), 0);
	int64_t plan_id = p->id;
	free(p);

	memset(&in, 0, sizeof in);
	snprintf(in.role, sizeof in.role, "clinician");
	in.version = 1;
	assert_ok(plan_sign(t->db, &t->sys, plan_id, &in, &g, &err), &err);
	assert_string_equal(g.role, "clinician");
	assert_string_equal(g.signed_by, "system:test");
	assert_int_equal(g.version, 1);
	/* Twice by the same clinician: refused. */
	assert_status(TDM_ECONFLICT, plan_sign(t->db, &t->sys, plan_id, &in, &g, &err), &err);
	/* A nurse is no signing clinician (the route lets prescribers and
	 * therapists in; the domain checks the site's roles). */
	tdb_user(t, "nina", "main", ROLE_NURSE, &nurse);
	assert_status(TDM_EFORBIDDEN, plan_sign(t->db, &nurse, plan_id, &in, &g, &err), &err);

	/* The patient's signature, recorded by staff. */
	snprintf(in.role, sizeof in.role, "patient");
	snprintf(in.signed_by_name, sizeof in.signed_by_name, "Ana Rivera");
	snprintf(in.method, sizeof in.method, "in_person");
	assert_status(TDM_EINVAL, plan_sign(t->db, &t->sys, plan_id, &in, &g, &err), &err);
	assert_string_equal(err.field, "attestation");
	snprintf(in.attestation, sizeof in.attestation, "Signed the printed plan in my presence");
	snprintf(in.method, sizeof in.method, "carrier pigeon");
	assert_status(TDM_EINVAL, plan_sign(t->db, &t->sys, plan_id, &in, &g, &err), &err);
	assert_string_equal(err.field, "method");
	snprintf(in.method, sizeof in.method, "in_person");
	assert_ok(plan_sign(t->db, &t->sys, plan_id, &in, &g, &err), &err);
	assert_string_equal(g.signed_by, "Ana Rivera");
	assert_string_equal(g.recorded_by, "system:test");
	assert_status(TDM_ECONFLICT, plan_sign(t->db, &t->sys, plan_id, &in, &g, &err), &err);

	assert_ok(plan_get(t->db, &t->sys, plan_id, 0, &p, &err), &err);
	assert_int_equal(p->v.n_signatures, 2);
	free(p);

	/* A review makes version 2: unsigned; version 1 keeps its two. */
	p = revise(t, plan_id, "review", 1, NULL, 0);
	assert_int_equal(p->v.version, 2);
	assert_int_equal(p->v.n_signatures, 0);
	free(p);
	assert_ok(plan_get(t->db, &t->sys, plan_id, 1, &p, &err), &err);
	assert_int_equal(p->v.n_signatures, 2);
	assert_string_equal(p->v.signatures[0].role, "clinician");
	assert_string_equal(p->v.signatures[1].role, "patient");
	free(p);
	/* Signing the old version is refused: sign what is current. */
	assert_status(TDM_ECONFLICT, plan_sign(t->db, &t->sys, plan_id, &in, &g, &err), &err);
	assert_string_equal(err.field, "version");
	in.version = 2;
	assert_ok(plan_sign(t->db, &t->sys, plan_id, &in, &g, &err), &err);
	assert_int_equal(g.version, 2);
	assert_int_equal(tdb_audit_count(t, "plan.sign"), 7); /* refusals in the transaction too */
}

static void test_objective_current_values(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	char json[2048];
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	int64_t oud = dx(t, pid, "F11.20"), mdd = dx(t, pid, "F32.1");
	admit(t, pid, "otp", 120);
	snprintf(json, sizeof json,
		 "{\"problems\":[{\"text\":\"Opioid use\",\"diagnosis_ids\":[%lld],\"goals\":[{\"text\":\"clean\","
		 "\"objectives\":["
		 "{\"text\":\"12 weeks negative\",\"target_date\":\"2030-01-01\",\"measure\":{\"kind\":"
		 "\"negative_screens\",\"weeks\":12}},"
		 "{\"text\":\"no cocaine 4 weeks\",\"target_date\":\"2030-01-01\",\"measure\":{\"kind\":"
		 "\"negative_screens\",\"weeks\":4,\"substance\":\"cocaine\"}}]}]},"
		 "{\"text\":\"Depression\",\"diagnosis_ids\":[%lld],\"goals\":[{\"text\":\"feel better\","
		 "\"objectives\":["
		 "{\"text\":\"PHQ-9 below 10\",\"target_date\":\"2030-01-01\",\"measure\":{\"kind\":\"instrument\","
		 "\"instrument\":\"PHQ-9\",\"comparator\":\"below\",\"value\":10}},"
		 "{\"text\":\"PHQ-9 at least 5 (for the test)\",\"target_date\":\"2030-01-01\",\"measure\":"
		 "{\"kind\":\"instrument\",\"instrument\":\"PHQ-9\",\"comparator\":\"at_least\",\"value\":14}},"
		 "{\"text\":\"no measure\",\"target_date\":\"2030-01-01\"}]}]}]}",
		 (long long)oud, (long long)mdd);
	struct plan *p = create(t, pid, doc_of(json), 0);
	int64_t plan_id = p->id;
	/* Nothing recorded yet. */
	assert_int_equal(objective(p, 0, 0, 0)->progress.computed, 1);
	assert_int_equal(objective(p, 0, 0, 0)->progress.known, 0);
	assert_int_equal(objective(p, 0, 0, 0)->progress.met, 0);
	assert_int_equal(objective(p, 1, 0, 0)->progress.known, 0);
	assert_int_equal(objective(p, 1, 0, 2)->progress.computed, 0);
	free(p);

	/* PHQ-9: 14, then 8 (latest counts). */
	phq9(t, pid, 14, 20);
	assert_ok(plan_get(t->db, &t->sys, plan_id, 0, &p, &err), &err);
	assert_int_equal(objective(p, 1, 0, 0)->progress.known, 1);
	assert_true(objective(p, 1, 0, 0)->progress.current == 14);
	assert_int_equal(objective(p, 1, 0, 0)->progress.met, 0);
	assert_int_equal(objective(p, 1, 0, 1)->progress.met, 1); /* 14 at least 14 */
	free(p);
	phq9(t, pid, 8, 2);
	char two[DATE_LEN];
	unit_day(-2, two);
	assert_ok(plan_get(t->db, &t->sys, plan_id, 0, &p, &err), &err);
	assert_true(objective(p, 1, 0, 0)->progress.current == 8);
	assert_int_equal(objective(p, 1, 0, 0)->progress.met, 1); /* 8 below 10 */
	assert_string_equal(objective(p, 1, 0, 0)->progress.as_of, two);
	assert_int_equal(objective(p, 1, 0, 1)->progress.met, 0);
	free(p);

	/* Screens: an unexpected positive 100 days ago, then weekly screens
	 * from day -90 to day -6 (84 days: 12 weeks) with an expected
	 * methadone positive among them and a voided opioid positive. */
	int64_t voided;
	screen(t, pid, "opioids", "positive", 0, 100, NULL);
	for (int d = 90; d >= 6; d -= 7) {
		screen(t, pid, "opioids", "negative", 0, d, NULL);
		screen(t, pid, "cocaine", "negative", 0, d, NULL);
	}
	screen(t, pid, "methadone", "positive", 1, 45, NULL);
	screen(t, pid, "fentanyl", "positive", 0, 30, &voided);
	struct result rv;
	assert_ok(result_void(t->db, &t->sys, voided, "lab error", &rv, &err), &err);
	assert_ok(plan_get(t->db, &t->sys, plan_id, 0, &p, &err), &err);
	const struct plan_progress *g = &objective(p, 0, 0, 0)->progress;
	char since[DATE_LEN], last[DATE_LEN], pos[DATE_LEN];
	unit_day(-90, since);
	unit_day(-6, last);
	unit_day(-100, pos);
	assert_int_equal(g->known, 1);
	assert_true(g->current == 12);
	assert_int_equal(g->met, 1);
	assert_string_equal(g->since, since);
	assert_string_equal(g->as_of, last);
	assert_string_equal(g->last_positive, pos);
	assert_int_equal(g->screens, 14); /* 13 weekly panels + the methadone one */
	free(p);

	/* A cocaine positive ends the cocaine run only; an opioid positive
	 * today ends the other. */
	screen(t, pid, "cocaine", "positive", 0, 3, NULL);
	assert_ok(plan_get(t->db, &t->sys, plan_id, 0, &p, &err), &err);
	assert_int_equal(objective(p, 0, 0, 0)->progress.met, 0); /* any substance: ended */
	assert_true(objective(p, 0, 0, 0)->progress.current == 0);
	assert_int_equal(objective(p, 0, 0, 1)->progress.known, 1);
	assert_true(objective(p, 0, 0, 1)->progress.current == 0);
	free(p);
	screen(t, pid, "cocaine", "negative", 0, 1, NULL);
	assert_ok(plan_get(t->db, &t->sys, plan_id, 0, &p, &err), &err);
	assert_int_equal(objective(p, 0, 0, 1)->progress.screens, 1);
	assert_true(objective(p, 0, 0, 1)->progress.current == 0);
	free(p);

	/* Older versions show no current values. */
	p = revise(t, plan_id, "review", 1, NULL, 0);
	free(p);
	assert_ok(plan_get(t->db, &t->sys, plan_id, 1, &p, &err), &err);
	assert_int_equal(objective(p, 1, 0, 0)->progress.computed, 0);
	free(p);
}

static void test_review_falls_due_by_level(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	char day[DATE_LEN];
	struct plan *p;
	struct plan_due_item *rows = NULL;
	int n = 0, truncated = 0;

	/* Residential: plan 7 days ago, due today. */
	int64_t res = tdb_patient(t, "Resident", "Rae", "1980-05-04", NULL);
	admit(t, res, "residential", 20);
	p = create(t, res, simple_doc(dx(t, res, "F11.20")), 7);
	int64_t res_plan = p->id;
	unit_day(0, day);
	assert_string_equal(p->review.due_on, day);
	assert_string_equal(p->review.status, "due");
	free(p);

	/* IOP: plan 31 days ago, due yesterday: overdue. */
	int64_t iop = tdb_patient(t, "Intensive", "Ira", "1980-05-04", NULL);
	int64_t iop_ep = admit(t, iop, "iop", 40);
	p = create(t, iop, simple_doc(dx(t, iop, "F10.20")), 31);
	int64_t iop_plan = p->id;
	unit_day(-1, day);
	assert_string_equal(p->review.due_on, day);
	assert_string_equal(p->review.status, "overdue");
	free(p);

	/* Outpatient: plan 26 days ago, due in 4 days: not listed. */
	int64_t out = tdb_patient(t, "Outside", "Oli", "1980-05-04", NULL);
	admit(t, out, "outpatient", 30);
	p = create(t, out, simple_doc(dx(t, out, "F12.20")), 26);
	assert_string_equal(p->review.status, "ok");
	free(p);

	/* OTP without a plan 16 days after admission: initial plan overdue
	 * (due on day 14); after 10 days: not yet listed (due in 4 days). */
	int64_t otp = tdb_patient(t, "Opioid", "Otto", "1980-05-04", NULL);
	admit(t, otp, "otp", 16);
	int64_t otp2 = tdb_patient(t, "Opioid", "Olga", "1980-05-04", NULL);
	admit(t, otp2, "otp", 10);

	assert_ok(plan_due(t->db, &t->sys, 0, &rows, &n, &truncated, &err), &err);
	assert_int_equal(n, 3);
	assert_int_equal(truncated, 0);
	/* overdue first, the earliest due first */
	assert_int_equal(rows[0].patient_id, otp);
	assert_string_equal(rows[0].kind, "initial");
	assert_int_equal(rows[0].plan_id, 0);
	unit_day(-2, day);
	assert_string_equal(rows[0].review.due_on, day);
	assert_string_equal(rows[0].review.status, "overdue");
	assert_int_equal(rows[1].plan_id, iop_plan);
	assert_string_equal(rows[1].review.status, "overdue");
	assert_string_equal(rows[1].kind, "review");
	assert_int_equal(rows[2].plan_id, res_plan);
	assert_string_equal(rows[2].review.status, "due");
	assert_string_equal(rows[2].mrn[0] ? "ok" : "", "ok");
	free(rows);
	assert_int_equal(tdb_audit_count(t, "plan.due"), 1);

	/* A change does not restart the clock; a review does. */
	p = revise(t, iop_plan, "change", 1, simple_doc(dx(t, iop, "F32.1")), 0);
	assert_string_equal(p->review.status, "overdue");
	free(p);
	p = revise(t, iop_plan, "review", 2, NULL, 0);
	unit_day(30, day);
	assert_string_equal(p->review.due_on, day);
	assert_string_equal(p->review.status, "ok");
	free(p);

	/* A move to aftercare: the interval follows the current level. */
	struct episode e;
	assert_ok(episode_place(t->db, &t->sys, iop_ep, "aftercare", NULL, "", "stepped down", &e, &err), &err);
	episode_release(&e);
	assert_ok(plan_get(t->db, &t->sys, iop_plan, 0, &p, &err), &err);
	unit_day(90, day);
	assert_string_equal(p->review.level, "aftercare");
	assert_string_equal(p->review.due_on, day);
	free(p);
	/* A review may be backdated, not before the newest version. */
	struct plan_input in;
	memset(&in, 0, sizeof in);
	in.version = 3;
	snprintf(in.note, sizeof in.note, "late entry");
	unit_day(-1, in.effective_on);
	assert_status(TDM_EINVAL, plan_revise(t->db, &t->sys, iop_plan, "review", &in, &p, &err), &err);
	assert_string_equal(err.field, "effective_on");

	/* Discharge closes the plan. */
	assert_ok(episode_discharge(t->db, &t->sys, iop_ep, "", "completed", NULL, &e, &err), &err);
	episode_release(&e);
	assert_ok(plan_get(t->db, &t->sys, iop_plan, 0, &p, &err), &err);
	assert_string_equal(p->review.status, "closed");
	free(p);
	in.effective_on[0] = '\0';
	assert_status(TDM_ECONFLICT, plan_revise(t->db, &t->sys, iop_plan, "review", &in, &p, &err), &err);

	/* Residential reviewed: off the list. */
	p = revise(t, res_plan, "review", 1, NULL, 0);
	free(p);
	assert_ok(plan_due(t->db, &t->sys, 0, &rows, &n, &truncated, &err), &err);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].patient_id, otp);
	free(rows);
}

static void test_other_sites_see_nothing(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct site north;
	struct actor far, near;
	struct plan *p;
	assert_ok(site_add(t->db, "north", "North clinic", &north, &err), &err);
	tdb_user(t, "farther", "north", ROLE_THERAPIST, &far);
	tdb_user(t, "nearer", "main", ROLE_THERAPIST, &near);
	int64_t pid = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	admit(t, pid, "iop", 3);
	p = create(t, pid, simple_doc(dx(t, pid, "F11.20")), 0);
	int64_t plan_id = p->id;
	free(p);
	assert_status(TDM_ENOTFOUND, plan_get(t->db, &far, plan_id, 0, &p, &err), &err);
	assert_ok(plan_get(t->db, &near, plan_id, 0, &p, &err), &err);
	free(p);
	struct plan_due_item *rows = NULL;
	int n = 0, truncated = 0;
	assert_status(TDM_ENOTFOUND, plan_due(t->db, &far, t->site.id, &rows, &n, &truncated, &err), &err);
	assert_ok(plan_due(t->db, &far, 0, &rows, &n, &truncated, &err), &err);
	assert_int_equal(n, 0);
	free(rows);
	int64_t denied = -1;
	int found = 0;
	struct stmt *st = db_prepare(t->db, "SELECT COUNT(*) FROM audit WHERE action = 'plan.read' AND outcome = 'denied'",
				     &err);
	assert_non_null(st);
	assert_ok(db_query_int(st, &denied, &found, &err), &err);
	assert_int_equal(denied, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_review_days_per_level),
		cmocka_unit_test(test_modalities_from_data),
		cmocka_unit_test(test_document_validation_names_nested_fields),
		cmocka_unit_test_setup_teardown(test_dual_diagnosis_plan, tdb_setup, tdb_teardown),
		cmocka_unit_test_setup_teardown(test_save_checks_what_the_plan_points_at, tdb_setup, tdb_teardown),
		cmocka_unit_test_setup_teardown(test_versions_keep_keys_and_history, tdb_setup, tdb_teardown),
		cmocka_unit_test_setup_teardown(test_signatures_belong_to_a_version, tdb_setup, tdb_teardown),
		cmocka_unit_test_setup_teardown(test_objective_current_values, tdb_setup, tdb_teardown),
		cmocka_unit_test_setup_teardown(test_review_falls_due_by_level, tdb_setup, tdb_teardown),
		cmocka_unit_test_setup_teardown(test_other_sites_see_nothing, tdb_setup, tdb_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
