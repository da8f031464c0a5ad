/* Tests for src/domain/note.c and supervision.c: the group note filed to
 * several charts without leaking one attendee's part into another's,
 * versions of a draft, signing locks, addenda, the co-signature flow, the
 * unsigned list, psychotherapy notes visible to their author only. */
#include "unit.h"

#include "domain/note.h"
#include "domain/session.h"
#include "domain/supervision.h"

#include <time.h>

#define HOUR 3600
#define DAY 86400

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

static int slot;

/* A session that started in the past, with n patients (telehealth). */
static int64_t held_session(struct tdb *t, const struct actor *a, const int64_t *patients, int n)
{
	struct session_input in;
	memset(&in, 0, sizeof in);
	snprintf(in.kind, sizeof in.kind, "%s", n > 1 ? "group" : "individual");
	snprintf(in.modality, sizeof in.modality, "relapse_prevention");
	time_t at = time(NULL) - 20 * DAY + (time_t)(slot++) * 2 * HOUR;
	instant_format(at - at % HOUR, in.starts_at);
	in.minutes = 90;
	in.telehealth = 1;
	for (int i = 0; i < n; i++)
		in.patients[in.n_patients++] = patients[i];
	struct session s;
	struct tdm_err err;
	tdm_err_clear(&err);
	assert_ok(session_create(t->db, a, &in, &s, &err), &err);
	int64_t id = s.id;
	session_release(&s);
	return id;
}

/* A DAP note: shared data, and for each patient "SECRET-<id>". */
static void dap(struct note_input *in, const int64_t *patients, int n, char secrets[][32])
{
	memset(in, 0, sizeof *in);
	snprintf(in->format, sizeof in->format, "DAP");
	in->shared.text[0] = "Group discussed high-risk situations";
	in->shared.text[2] = "Meet next week";
	for (int i = 0; i < n; i++) {
		snprintf(secrets[i], 32, "SECRET-%lld", (long long)patients[i]);
		in->individual[i].patient_id = patients[i];
		in->individual[i].text[0] = secrets[i];
	}
	in->n_individual = n;
}

/* Everything a view holds, as one string, to look for leaks. */
static void view_text(const struct note *n, char *out, size_t len)
{
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; i < n->n_individual; i++)
		for (int k = 0; k < NOTE_MAX_SECTIONS; k++)
			if (n->individual[i].text[k])
				used += (size_t)snprintf(out + used, used < len ? len - used : 0, "%s|",
							 n->individual[i].text[k]);
	for (int i = 0; i < n->n_addenda; i++)
		used += (size_t)snprintf(out + used, used < len ? len - used : 0, "%s|", n->addenda[i].text);
}

static void test_sections(void **state)
{
	(void)state;
	const char *names[NOTE_MAX_SECTIONS];
	assert_int_equal(note_sections("SOAP", names), 4);
	assert_string_equal(names[1], "objective");
	assert_int_equal(note_sections("DAP", names), 3);
	assert_string_equal(names[0], "data");
	assert_int_equal(note_sections("BIRP", names), 4);
	assert_string_equal(names[3], "plan");
	assert_int_equal(note_sections("soap", names), 0);
	assert_int_equal(note_sections(NULL, names), 0);
}

static void test_group_note_reaches_each_chart_with_its_own_part(void **state)
{
	struct tdb *t = *state;
	struct actor th, nurse;
	struct tdm_err err;
	tdb_user(t, "therapist", "main", ROLE_THERAPIST, &th);
	tdb_user(t, "nurse", "main", ROLE_NURSE, &nurse);
	int64_t p[3];
	for (int i = 0; i < 3; i++)
		p[i] = tdb_patient(t, "Doe", "Pat", "1980-01-01", NULL);
	int64_t sid = held_session(t, &th, p, 3);
	struct note_input in;
	char secrets[3][32];
	dap(&in, p, 3, secrets);
	struct note n;
	assert_ok(note_create(t->db, &th, sid, &in, &n, &err), &err);
	int64_t nid = n.id;
	assert_string_equal(n.status, "draft");
	assert_int_equal(n.chart_patient, 0); /* the author's full view */
	assert_int_equal(n.n_individual, 3);
	assert_int_equal(n.n_charts, 3);
	note_release(&n);
	char text[4096];
	for (int i = 0; i < 3; i++) {
		struct note *rows = NULL;
		int k = 0;
		int64_t total = 0;
		assert_ok(note_list(t->db, &nurse, p[i], 50, 0, &rows, &k, &total, &err), &err);
		assert_int_equal(k, 1);
		assert_int_equal(rows[0].id, nid);
		assert_int_equal(rows[0].chart_patient, p[i]);
		assert_int_equal(rows[0].n_individual, 1);
		assert_int_equal(rows[0].individual[0].patient_id, p[i]);
		assert_string_equal(rows[0].individual[0].text[0], secrets[i]);
		assert_string_equal(rows[0].shared.text[0], "Group discussed high-risk situations");
		view_text(&rows[0], text, sizeof text);
		for (int j = 0; j < 3; j++)
			if (j != i)
				assert_null(strstr(text, secrets[j]));
		note_list_free(rows, k);
		/* By id, for that chart. */
		assert_ok(note_get(t->db, &nurse, nid, p[i], &n, &err), &err);
		assert_int_equal(n.n_individual, 1);
		view_text(&n, text, sizeof text);
		for (int j = 0; j < 3; j++)
			assert_true((strstr(text, secrets[j]) != NULL) == (j == i));
		note_release(&n);
	}
	/* Without a chart: the author sees it whole, anyone else must name one. */
	assert_status(TDM_EINVAL, note_get(t->db, &nurse, nid, 0, &n, &err), &err);
	assert_string_equal(err.field, "patient");
	assert_null(strstr(err.msg, "SECRET"));
	assert_ok(note_get(t->db, &th, nid, 0, &n, &err), &err);
	assert_int_equal(n.n_individual, 3);
	note_release(&n);
	int64_t stranger = tdb_patient(t, "Roe", "Stranger", "1980-01-01", NULL);
	assert_status(TDM_ENOTFOUND, note_get(t->db, &nurse, nid, stranger, &n, &err), &err);
	/* One audit row per chart for the write, naming no other patient. */
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE action = 'note.create'"), 3);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE detail LIKE '%SECRET%'"), 0);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE action LIKE 'note.%' AND detail LIKE '%patient%'"), 0);
}

static void test_input_checks(void **state)
{
	struct tdb *t = *state;
	struct actor th;
	struct tdm_err err;
	tdb_user(t, "therapist", "main", ROLE_THERAPIST, &th);
	int64_t p[2] = {tdb_patient(t, "Doe", "A", "1980-01-01", NULL), tdb_patient(t, "Doe", "B", "1980-01-01", NULL)};
	int64_t outsider = tdb_patient(t, "Roe", "C", "1980-01-01", NULL);
	int64_t sid = held_session(t, &th, p, 2);
	struct note_input in;
	char secrets[2][32];
	struct note n;
	dap(&in, p, 2, secrets);
	snprintf(in.format, sizeof in.format, "XYZ");
	assert_status(TDM_EINVAL, note_create(t->db, &th, sid, &in, &n, &err), &err);
	assert_string_equal(err.field, "format");
	/* A section the format does not have. */
	dap(&in, p, 2, secrets);
	in.shared.text[3] = "fourth";
	assert_status(TDM_EINVAL, note_create(t->db, &th, sid, &in, &n, &err), &err);
	/* Empty. */
	memset(&in, 0, sizeof in);
	snprintf(in.format, sizeof in.format, "SOAP");
	assert_status(TDM_EINVAL, note_create(t->db, &th, sid, &in, &n, &err), &err);
	/* A patient not on the session. */
	dap(&in, p, 2, secrets);
	in.individual[1].patient_id = outsider;
	assert_status(TDM_EINVAL, note_create(t->db, &th, sid, &in, &n, &err), &err);
	char want[48];
	snprintf(want, sizeof want, "individual.%lld", (long long)outsider);
	assert_string_equal(err.field, want);
	/* An objective of no plan of the patient. */
	dap(&in, p, 2, secrets);
	in.individual[0].objectives[0].plan_id = 12345;
	snprintf(in.individual[0].objectives[0].key, NOTE_KEY_LEN, "O1");
	in.individual[0].n_objectives = 1;
	assert_status(TDM_EINVAL, note_create(t->db, &th, sid, &in, &n, &err), &err);
	/* The system actor writes no notes; a session in the future takes none. */
	dap(&in, p, 2, secrets);
	assert_status(TDM_EFORBIDDEN, note_create(t->db, &t->sys, sid, &in, &n, &err), &err);
	struct session_input si;
	memset(&si, 0, sizeof si);
	snprintf(si.kind, sizeof si.kind, "individual");
	snprintf(si.modality, sizeof si.modality, "cbt");
	instant_format(time(NULL) + 2 * DAY, si.starts_at);
	si.minutes = 60;
	si.telehealth = 1;
	si.patients[si.n_patients++] = outsider;
	struct session s;
	assert_ok(session_create(t->db, &th, &si, &s, &err), &err);
	session_release(&s);
	memset(&in, 0, sizeof in);
	snprintf(in.format, sizeof in.format, "DAP");
	in.shared.text[0] = "too early";
	assert_status(TDM_ECONFLICT, note_create(t->db, &th, s.id, &in, &n, &err), &err);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM progress_note"), 0);
	/* Without individual parts: filed to everyone on the session. */
	assert_ok(note_create(t->db, &th, sid, &in, &n, &err), &err);
	assert_int_equal(n.n_charts, 2);
	note_release(&n);
	assert_status(TDM_ECONFLICT, note_create(t->db, &th, sid, &in, &n, &err), &err);
}

static void test_versions_signing_and_addenda(void **state)
{
	struct tdb *t = *state;
	struct actor th, th2;
	struct tdm_err err;
	tdb_user(t, "therapist", "main", ROLE_THERAPIST, &th);
	tdb_user(t, "therapist2", "main", ROLE_THERAPIST, &th2);
	int64_t p[2] = {tdb_patient(t, "Doe", "A", "1980-01-01", NULL), tdb_patient(t, "Doe", "B", "1980-01-01", NULL)};
	int64_t sid = held_session(t, &th, p, 2);
	struct note_input in;
	char secrets[2][32];
	struct note n;
	dap(&in, p, 2, secrets);
	assert_ok(note_create(t->db, &th, sid, &in, &n, &err), &err);
	int64_t nid = n.id;
	note_release(&n);
	struct note_addendum ad;
	assert_status(TDM_ECONFLICT, note_addendum_add(t->db, &th, nid, 0, "too early", &ad, &err), &err);
	/* Only the author changes or signs a draft. */
	in.shared.text[0] = "Revised";
	assert_status(TDM_EFORBIDDEN, note_update(t->db, &th2, nid, &in, &n, &err), &err);
	assert_status(TDM_EFORBIDDEN, note_sign(t->db, &th2, nid, &n, &err), &err);
	assert_ok(note_update(t->db, &th, nid, &in, &n, &err), &err);
	assert_int_equal(n.version, 2);
	assert_string_equal(n.shared.text[0], "Revised");
	note_release(&n);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM progress_note_version"), 2);
	assert_ok(note_sign(t->db, &th, nid, &n, &err), &err);
	assert_string_equal(n.status, "signed");
	assert_string_equal(n.signed_by, "therapist");
	note_release(&n);
	/* Locked. */
	assert_status(TDM_ECONFLICT, note_update(t->db, &th, nid, &in, &n, &err), &err);
	assert_status(TDM_ECONFLICT, note_sign(t->db, &th, nid, &n, &err), &err);
	assert_status(TDM_ECONFLICT, note_cosign(t->db, &th2, nid, &n, &err), &err);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM progress_note_version"), 2);
	/* Addenda, signed on creation: one for every chart, one for A only. */
	assert_ok(note_addendum_add(t->db, &th2, nid, 0, "Late entry", &ad, &err), &err);
	assert_string_equal(ad.author, "therapist2");
	assert_true(ad.signed_at[0] != '\0');
	assert_ok(note_addendum_add(t->db, &th, nid, p[0], "About A only", &ad, &err), &err);
	int64_t outsider = tdb_patient(t, "Roe", "C", "1980-01-01", NULL);
	assert_status(TDM_EINVAL, note_addendum_add(t->db, &th, nid, outsider, "x", &ad, &err), &err);
	assert_status(TDM_EINVAL, note_addendum_add(t->db, &th, nid, 0, "", &ad, &err), &err);
	assert_ok(note_get(t->db, &th2, nid, p[0], &n, &err), &err);
	assert_int_equal(n.n_addenda, 2);
	note_release(&n);
	assert_ok(note_get(t->db, &th2, nid, p[1], &n, &err), &err);
	assert_int_equal(n.n_addenda, 1);
	assert_string_equal(n.addenda[0].text, "Late entry");
	note_release(&n);
}

static void test_cosign_flow(void **state)
{
	struct tdb *t = *state;
	struct actor sup, trainee, other;
	struct tdm_err err;
	tdb_user(t, "supervisor", "main", ROLE_THERAPIST, &sup);
	tdb_user(t, "trainee", "main", ROLE_THERAPIST, &trainee);
	tdb_user(t, "other", "main", ROLE_THERAPIST, &other);
	assert_ok(supervision_start(t->db, &t->sys, "trainee", "supervisor", &err), &err);
	assert_status(TDM_ECONFLICT, supervision_start(t->db, &t->sys, "trainee", "supervisor", &err), &err);
	assert_status(TDM_EINVAL, supervision_start(t->db, &t->sys, "trainee", "trainee", &err), &err);
	assert_status(TDM_ENOTFOUND, supervision_start(t->db, &t->sys, "trainee", "ghost", &err), &err);
	int64_t p = tdb_patient(t, "Doe", "A", "1980-01-01", NULL);
	int64_t sid = held_session(t, &trainee, &p, 1);
	struct note_input in;
	char secrets[1][32];
	struct note n;
	dap(&in, &p, 1, secrets);
	assert_ok(note_create(t->db, &trainee, sid, &in, &n, &err), &err);
	int64_t nid = n.id;
	note_release(&n);
	assert_ok(note_sign(t->db, &trainee, nid, &n, &err), &err);
	assert_string_equal(n.status, "awaiting_cosign");
	assert_string_equal(n.cosigner, "supervisor");
	note_release(&n);
	assert_status(TDM_ECONFLICT, note_update(t->db, &trainee, nid, &in, &n, &err), &err);
	/* On the supervisor's list. */
	struct note_pending *un = NULL, *co = NULL;
	int n_un = 0, n_co = 0;
	assert_ok(note_pending(t->db, &sup, &un, &n_un, &co, &n_co, &err), &err);
	assert_int_equal(n_co, 1);
	assert_int_equal(co[0].id, nid);
	assert_string_equal(co[0].author, "trainee");
	free(un);
	free(co);
	assert_status(TDM_EFORBIDDEN, note_cosign(t->db, &other, nid, &n, &err), &err);
	assert_status(TDM_EFORBIDDEN, note_cosign(t->db, &trainee, nid, &n, &err), &err);
	/* The supervisor may read the whole note before co-signing. */
	assert_ok(note_get(t->db, &sup, nid, 0, &n, &err), &err);
	note_release(&n);
	assert_ok(note_cosign(t->db, &sup, nid, &n, &err), &err);
	assert_string_equal(n.status, "signed");
	assert_string_equal(n.cosigned_by, "supervisor");
	note_release(&n);
	assert_status(TDM_ECONFLICT, note_cosign(t->db, &sup, nid, &n, &err), &err);
	/* Ended: the next note is signed alone. */
	assert_ok(supervision_end(t->db, &t->sys, "trainee", &err), &err);
	assert_status(TDM_ECONFLICT, supervision_end(t->db, &t->sys, "trainee", &err), &err);
	int64_t sid2 = held_session(t, &trainee, &p, 1);
	assert_ok(note_create(t->db, &trainee, sid2, &in, &n, &err), &err);
	nid = n.id;
	note_release(&n);
	assert_ok(note_sign(t->db, &trainee, nid, &n, &err), &err);
	assert_string_equal(n.status, "signed");
	assert_string_equal(n.cosigner, "");
	note_release(&n);
}

static void test_unsigned_list(void **state)
{
	struct tdb *t = *state;
	struct actor th, th2;
	struct tdm_err err;
	tdb_user(t, "therapist", "main", ROLE_THERAPIST, &th);
	tdb_user(t, "therapist2", "main", ROLE_THERAPIST, &th2);
	int64_t p = tdb_patient(t, "Doe", "A", "1980-01-01", NULL);
	struct note_input in;
	char secrets[1][32];
	struct note n;
	dap(&in, &p, 1, secrets);
	int64_t fresh_id, old_id;
	assert_ok(note_create(t->db, &th, held_session(t, &th, &p, 1), &in, &n, &err), &err);
	fresh_id = n.id;
	note_release(&n);
	assert_ok(note_create(t->db, &th, held_session(t, &th, &p, 1), &in, &n, &err), &err);
	old_id = n.id;
	note_release(&n);
	char old[INSTANT_LEN], sql[160];
	instant_format(time(NULL) - 25 * HOUR, old);
	snprintf(sql, sizeof sql, "UPDATE progress_note SET created_at = '%s' WHERE id = %lld", old, (long long)old_id);
	assert_ok(db_exec(t->db, sql, &err), &err);
	struct note_pending *un = NULL, *co = NULL;
	int n_un = 0, n_co = 0;
	assert_ok(note_pending(t->db, &th, &un, &n_un, &co, &n_co, &err), &err);
	assert_int_equal(n_un, 1);
	assert_int_equal(un[0].id, old_id);
	assert_true(un[0].hours >= 25);
	assert_int_equal(n_co, 0);
	free(un);
	free(co);
	assert_ok(note_pending(t->db, &th2, &un, &n_un, &co, &n_co, &err), &err);
	assert_int_equal(n_un, 0);
	free(un);
	free(co);
	assert_ok(note_sign(t->db, &th, old_id, &n, &err), &err);
	note_release(&n);
	assert_ok(note_pending(t->db, &th, &un, &n_un, &co, &n_co, &err), &err);
	assert_int_equal(n_un, 0);
	free(un);
	free(co);
	(void)fresh_id;
}

static void test_psychotherapy_notes_author_only(void **state)
{
	struct tdb *t = *state;
	struct actor th, th2, admin;
	struct tdm_err err;
	tdb_user(t, "therapist", "main", ROLE_THERAPIST, &th);
	tdb_user(t, "therapist2", "main", ROLE_THERAPIST, &th2);
	tdb_user(t, "boss", "main", ROLE_ADMIN | ROLE_THERAPIST, &admin);
	int64_t p = tdb_patient(t, "Doe", "A", "1980-01-01", NULL);
	int64_t sid = held_session(t, &th, &p, 1);
	struct psychotherapy_note pn;
	assert_ok(psychotherapy_note_add(t->db, &th, p, sid, "PSY-SECRET", &pn, &err), &err);
	int64_t id = pn.id;
	psychotherapy_note_release(&pn);
	assert_ok(psychotherapy_note_get(t->db, &th, id, &pn, &err), &err);
	assert_string_equal(pn.text, "PSY-SECRET");
	psychotherapy_note_release(&pn);
	const struct actor *others[] = {&th2, &admin, &t->sys};
	for (size_t i = 0; i < 3; i++) {
		assert_status(TDM_ENOTFOUND, psychotherapy_note_get(t->db, others[i], id, &pn, &err), &err);
		assert_null(strstr(err.msg, "PSY-SECRET"));
		struct psychotherapy_note *rows = NULL;
		int k = -1;
		assert_ok(psychotherapy_note_list(t->db, others[i], p, &rows, &k, &err), &err);
		assert_int_equal(k, 0);
		free(rows);
	}
	struct psychotherapy_note *rows = NULL;
	int k = 0;
	assert_ok(psychotherapy_note_list(t->db, &th, p, &rows, &k, &err), &err);
	assert_int_equal(k, 1);
	psychotherapy_note_list_free(rows, k);
	/* Not in the progress record; audited without its text. */
	struct note *notes = NULL;
	int64_t total = 0;
	assert_ok(note_list(t->db, &th, p, 50, 0, &notes, &k, &total, &err), &err);
	assert_int_equal(k, 0);
	free(notes);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE action = 'psychotherapy_note.read'"
				  " AND outcome = 'denied'"), 3);
	assert_int_equal(count(t, "SELECT COUNT(*) FROM audit WHERE detail LIKE '%PSY-SECRET%'"), 0);
	/* A session the patient is not on. */
	int64_t q = tdb_patient(t, "Roe", "B", "1980-01-01", NULL);
	assert_status(TDM_EINVAL, psychotherapy_note_add(t->db, &th, q, sid, "x", &pn, &err), &err);
	assert_string_equal(err.field, "session_id");
}

#define T(f) cmocka_unit_test_setup_teardown(f, tdb_setup, tdb_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_sections),
		T(test_group_note_reaches_each_chart_with_its_own_part),
		T(test_input_checks),
		T(test_versions_signing_and_addenda),
		T(test_cosign_flow),
		T(test_unsigned_list),
		T(test_psychotherapy_notes_author_only),
	};
	return cmocka_run_group_tests_name("note", tests, NULL, NULL);
}
