/*
 * demo_therapy_test.c - the demo cohort's therapy data (src/domain/demo_therapy.c
 * via demo_load): plans, sessions, attendance and notes hold together the way
 * the plan, session and note modules read them.
 */
#include "unit.h"
#include "domain/alert.h"
#include "domain/audit.h"
#include "domain/demo.h"
#include "domain/icd10.h"
#include "domain/note.h"
#include "domain/plan.h"
#include "domain/session.h"
#include "domain/trigger.h"

#include <string.h>

static int64_t count(struct tdb *t, const char *sql)
{
	struct tdm_err err;
	int64_t n = -1;
	int found = 0;
	tdm_err_clear(&err);
	struct stmt *st = db_prepare(t->db, sql, &err);
	if (!st)
		fail_msg("prepare %s: %s", sql, err.msg);
	if (db_query_int(st, &n, &found, &err) != TDM_OK)
		fail_msg("%s: %s", sql, err.msg);
	return n;
}

static void read_id(struct stmt *st, void *row)
{
	*(int64_t *)row = db_col_int(st, 0);
}

/* The ids a query yields (at most max). */
static int ids(struct tdb *t, const char *sql, int64_t **out)
{
	struct tdm_err err;
	int n = 0;
	*out = NULL;
	assert_ok(db_begin(t->db, DB_READ, &err), &err);
	struct stmt *st = db_prepare(t->db, sql, &err);
	assert_non_null(st);
	assert_ok(db_collect(st, sizeof **out, 100000, read_id, (void **)out, &n, &err), &err);
	db_rollback(t->db);
	return n;
}

/* A demo clinician as an actor (therapist at the default site). */
static void clinician(struct tdb *t, const char *username, struct actor *a)
{
	struct tdm_err err;
	tdm_err_clear(&err);
	struct stmt *st = db_prepare(t->db, "SELECT id FROM app_user WHERE username = ?", &err);
	int64_t id = 0;
	int found = 0;
	assert_non_null(st);
	db_bind_text(st, 1, username);
	assert_ok(db_query_int(st, &id, &found, &err), &err);
	if (!found)
		fail_msg("no demo clinician %s", username);
	unit_actor(a, id, username, t->site.id, ROLE_THERAPIST);
}

#define NOW_SQL(col) col " > ?"

static int64_t future(struct tdb *t, const char *sql)
{
	struct tdm_err err;
	char now[INSTANT_LEN];
	int64_t n = -1;
	int found = 0;
	instant_now(now);
	struct stmt *st = db_prepare(t->db, sql, &err);
	assert_non_null(st);
	db_bind_text(st, 1, now);
	assert_ok(db_query_int(st, &n, &found, &err), &err);
	return n;
}

/* The cohort `make run` loads (240 patients, seed 1). */
static void test_demo_therapy(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct demo_summary sum;
	memset(&sum, 0, sizeof sum);
	tdm_err_clear(&err);
	assert_ok(demo_load(t->db, &t->sys, 240, 1, &sum, &err), &err);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM plan"), sum.plans);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM plan_version"), sum.plan_versions);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM therapy_session"), sum.therapy_sessions);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM attendance"), sum.attendance);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM progress_note"), sum.progress_notes);
	assert_true(sum.plan_versions > sum.plans);
	assert_true(sum.therapy_sessions > 300);

	/* Every episode (so every patient with one) has a plan. */
	assert_int_equal(count(t, "SELECT COUNT(*) FROM episode e WHERE NOT EXISTS"
				  " (SELECT 1 FROM plan p WHERE p.episode_id = e.id)"), 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM plan_version WHERE version > 1 AND kind = 'create'"), 0);
	assert_true(count(t, "SELECT COUNT(*) FROM plan_version WHERE kind = 'review'") > 0);
	assert_true(count(t, "SELECT COUNT(*) FROM plan_version WHERE kind = 'change'") > 0);
	assert_true(count(t, "SELECT COUNT(*) FROM plan_signature WHERE role = 'patient'") > 0);

	/* Dual-diagnosis patients: the newest plan holds both kinds of problem. */
	int64_t *dual = NULL;
	int n_dual = ids(t, "SELECT p.id FROM patient p WHERE EXISTS (SELECT 1 FROM diagnosis d WHERE d.patient_id = p.id"
			    " AND d.category = 'substance_use' AND " ICD10_ACTIVE("d") ") AND EXISTS (SELECT 1 FROM diagnosis"
			    " d WHERE d.patient_id = p.id AND d.category = 'mental_health' AND " ICD10_ACTIVE("d") ")",
			 &dual);
	assert_true(n_dual > 50);
	for (int i = 0; i < n_dual; i++) {
		struct plan_summary *rows = NULL;
		int n = 0;
		assert_ok(plan_list(t->db, &t->sys, dual[i], &rows, &n, &err), &err);
		assert_true(n >= 1);
		if (!rows[0].covers_substance || !rows[0].covers_mental)
			fail_msg("patient %lld: plan %lld covers substance %d, mental %d", (long long)dual[i],
				 (long long)rows[0].id, rows[0].covers_substance, rows[0].covers_mental);
		free(rows);
	}
	free(dual);

	/* A plan reads back with its keys and derived values; a few are overdue. */
	struct plan *pl = NULL;
	int64_t pid = count(t, "SELECT MIN(id) FROM plan WHERE (SELECT COUNT(*) FROM plan_version v"
			       " WHERE v.plan_id = plan.id) > 3");
	assert_ok(plan_get(t->db, &t->sys, pid, 0, &pl, &err), &err);
	assert_true(pl->doc.n_problems >= 1);
	assert_int_equal(pl->doc.problems[0].key[0], 'P');
	free(pl);
	struct plan_due_item *due = NULL;
	int n_due = 0, truncated = 0, overdue = 0;
	assert_ok(plan_due(t->db, &t->sys, 0, &due, &n_due, &truncated, &err), &err);
	for (int i = 0; i < n_due; i++)
		overdue += !strcmp(due[i].review.status, "overdue");
	assert_true(overdue >= 2);
	free(due);

	/* Sessions: nobody double-booked (cancelled ones aside). */
#define LIVE(s) " NOT EXISTS (SELECT 1 FROM therapy_session_cancel c WHERE c.session_id = " s ".id)"
	assert_int_equal(count(t, "SELECT COUNT(*) FROM therapy_session a JOIN therapy_session b ON a.id < b.id"
				  " AND a.clinician_id = b.clinician_id AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"
				  " WHERE" LIVE("a") " AND" LIVE("b")), 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM therapy_session a JOIN therapy_session b ON a.id < b.id"
				  " AND a.site_id = b.site_id AND a.room = b.room AND a.starts_at < b.ends_at"
				  " AND b.starts_at < a.ends_at WHERE" LIVE("a") " AND" LIVE("b")), 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM therapy_session_patient pa JOIN therapy_session_patient pb"
				  " ON pa.patient_id = pb.patient_id AND pa.session_id < pb.session_id"
				  " JOIN therapy_session a ON a.id = pa.session_id JOIN therapy_session b ON b.id = pb.session_id"
				  " WHERE a.starts_at < b.ends_at AND b.starts_at < a.ends_at AND" LIVE("a") " AND" LIVE("b")),
			 0);
	assert_true(count(t, "SELECT COUNT(*) FROM therapy_series") >= 3);
	assert_true(count(t, "SELECT COUNT(*) FROM therapy_session WHERE kind = 'group'") > 0);
	assert_true(count(t, "SELECT COUNT(*) FROM therapy_session WHERE kind = 'family'") > 0);
	/* Nothing recorded ahead of time. */
	assert_int_equal(future(t, "SELECT COUNT(*) FROM attendance WHERE " NOW_SQL("recorded_at")), 0);
	assert_int_equal(future(t, "SELECT COUNT(*) FROM attendance a JOIN therapy_session s ON s.id = a.session_id"
				   " WHERE " NOW_SQL("s.starts_at")), 0);
	assert_int_equal(future(t, "SELECT COUNT(*) FROM progress_note n JOIN therapy_session s ON s.id = n.session_id"
				   " WHERE " NOW_SQL("s.ends_at")), 0);
	assert_int_equal(future(t, "SELECT COUNT(*) FROM plan_version WHERE " NOW_SQL("recorded_at")), 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM progress_note n JOIN therapy_session_cancel c"
				  " ON c.session_id = n.session_id"), 0);

	/* Notes: a patient's part and chart only for those who came. */
#define CAME(sess, pat) " EXISTS (SELECT 1 FROM attendance a WHERE a.session_id = " sess " AND a.patient_id = " pat \
	" AND a.status IN ('present', 'late', 'left_early'))"
	assert_int_equal(count(t, "SELECT COUNT(*) FROM progress_note_part pt JOIN progress_note_version v"
				  " ON v.id = pt.version_id JOIN progress_note n ON n.id = v.note_id"
				  " WHERE pt.patient_id IS NOT NULL AND NOT" CAME("n.session_id", "pt.patient_id")), 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM progress_note_patient np JOIN progress_note_version v"
				  " ON v.id = np.version_id JOIN progress_note n ON n.id = v.note_id"
				  " WHERE NOT" CAME("n.session_id", "np.patient_id")), 0);
	assert_true(count(t, "SELECT COUNT(*) FROM progress_note_part WHERE patient_id IS NOT NULL") > 0);
	assert_true(count(t, "SELECT COUNT(*) FROM progress_note_objective") > 0);
	assert_true(count(t, "SELECT COUNT(*) FROM progress_note_addendum") >= 1);
	/* A group note read for one chart shows that attendee's part only. */
	int64_t note = count(t, "SELECT MIN(n.id) FROM progress_note n JOIN therapy_session s ON s.id = n.session_id"
				" WHERE s.kind = 'group' AND (SELECT COUNT(*) FROM progress_note_patient np JOIN"
				" progress_note_version v ON v.id = np.version_id WHERE v.note_id = n.id) >= 3");
	int64_t chart = count(t, "SELECT MIN(np.patient_id) FROM progress_note_patient np JOIN progress_note_version v"
				 " ON v.id = np.version_id WHERE v.note_id = (SELECT MIN(n.id) FROM progress_note n JOIN"
				 " therapy_session s ON s.id = n.session_id WHERE s.kind = 'group' AND (SELECT COUNT(*)"
				 " FROM progress_note_patient np2 JOIN progress_note_version v2 ON v2.id = np2.version_id"
				 " WHERE v2.note_id = n.id) >= 3)");
	struct note nv;
	assert_ok(note_get(t->db, &t->sys, note, chart, &nv, &err), &err);
	assert_int_equal(nv.n_individual, 1);
	assert_int_equal(nv.individual[0].patient_id, chart);
	assert_non_null(nv.shared.text[0]);
	note_release(&nv);

	/* Attendance: two unexcused absences in a row for one patient only, with
	 * the alert to a demo clinician. */
	int64_t *pats = NULL;
	int n_pats = ids(t, "SELECT DISTINCT patient_id FROM therapy_session_patient ORDER BY patient_id", &pats);
	int64_t absent = 0;
	int runs = 0;
	assert_ok(db_begin(t->db, DB_READ, &err), &err);
	for (int i = 0; i < n_pats; i++) {
		struct attendance_summary s;
		assert_ok(attendance_summarize(t->db, pats[i], &s, &err), &err);
		if (s.consecutive_unexcused >= therapy_config()->consecutive_unexcused_alert) {
			runs++;
			absent = pats[i];
		}
	}
	db_rollback(t->db);
	free(pats);
	assert_int_equal(runs, 1);
	struct stmt *st = db_prepare(t->db, "SELECT COUNT(*) FROM alert al JOIN alert_recipient ar ON ar.alert_id = al.id"
				     " JOIN app_user u ON u.id = ar.user_id WHERE al.patient_id = ? AND al.rule_id ="
				     " 'therapy-consecutive-absences' AND u.username LIKE 'demo.%'", &err);
	int64_t alerts = 0;
	int found = 0;
	assert_non_null(st);
	db_bind_int(st, 1, absent);
	assert_ok(db_query_int(st, &alerts, &found, &err), &err);
	assert_int_equal(alerts, 1);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM alert WHERE rule_id = 'therapy-consecutive-absences'"), 1);

	/* Each demo clinician has a draft on the unsigned list; the supervisor
	 * has notes to co-sign. */
	static const char *const staff[] = {"demo.okafor", "demo.reyes", "demo.chen", "demo.walsh"};
	for (int i = 0; i < 4; i++) {
		struct actor c;
		struct note_pending *un = NULL, *co = NULL;
		int n_un = 0, n_co = 0;
		clinician(t, staff[i], &c);
		assert_ok(note_pending(t->db, &c, &un, &n_un, &co, &n_co, &err), &err);
		if (n_un < 1)
			fail_msg("%s has no unsigned note", staff[i]);
		if (i == 0)
			assert_true(n_co >= 1);
		free(un);
		free(co);
	}
	assert_true(count(t, "SELECT COUNT(*) FROM progress_note_signature WHERE kind = 'cosign'") > 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM psychotherapy_note"), 1);

	/* Triggers and coping skills, with ratings, for some patients. */
	int64_t rp = count(t, "SELECT MIN(s.patient_id) FROM coping_strategy s WHERE EXISTS (SELECT 1 FROM coping_rating r"
			      " WHERE r.strategy_id = s.id)");
	struct relapse_plan plan;
	assert_ok(relapse_plan_load(t->db, &t->sys, rp, 1, "relapse.print", &plan, &err), &err);
	assert_true(plan.n_triggers >= 1 && plan.n_strategies >= 1 && plan.n_ratings >= 1 && plan.n_signs >= 1);
	relapse_plan_release(&plan);

	/* The demo clinicians cannot sign in. */
	char token[TOKEN_LEN], expires[INSTANT_LEN];
	assert_status(TDM_EUNAUTH, account_login(t->db, "demo.reyes", "correct horse battery", "127.0.0.1", "unit",
						 token, expires, &err), &err);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM app_user WHERE username LIKE 'demo.%' AND password_hash LIKE '$%'"),
			 0);

	/* The audit chain holds. */
	struct audit_report rep;
	assert_ok(audit_verify(t->db, &rep, &err), &err);
	assert_int_equal(rep.bad_seq, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tdb_setup, tdb_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_demo_therapy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
