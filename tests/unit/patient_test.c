/* Tests for src/domain/patient.c: validation, create/get/update, search,
 * and site visibility. */
#include "unit.h"

static void expect_invalid(const struct patient *p, const char *field)
{
	struct tdm_err err;
	tdm_err_clear(&err);
	enum tdm_status rc = patient_validate(p, &err);
	if (rc != TDM_EINVAL)
		fail_msg("expected invalid %s, got %s", field, tdm_code_name(rc));
	if (strcmp(err.field, field))
		fail_msg("expected field '%s', got '%s' (%s)", field, err.field, err.msg);
	assert_true(err.msg[0] != '\0');
}

static void test_validate_ok(void **state)
{
	(void)state;
	struct patient p;
	struct tdm_err err;
	unit_patient(&p, "García-López", "María José", "1985-07-09");
	snprintf(p.phone, sizeof p.phone, "+1 (555) 010-2030");
	snprintf(p.email, sizeof p.email, "maria@example.org");
	snprintf(p.preferred_language, sizeof p.preferred_language, "pt-BR");
	snprintf(p.mrn, sizeof p.mrn, "A-1234");
	assert_ok(patient_validate(&p, &err), &err);
	snprintf(p.preferred_language, sizeof p.preferred_language, "es");
	assert_ok(patient_validate(&p, &err), &err);
	snprintf(p.sex_at_birth, sizeof p.sex_at_birth, "intersex");
	assert_ok(patient_validate(&p, &err), &err);
}

static void test_validate_birth_date(void **state)
{
	(void)state;
	struct patient p;
	char tomorrow[DATE_LEN], today[DATE_LEN];
	struct tdm_err err;
	unit_day(1, tomorrow);
	unit_patient(&p, "Doe", "Jo", tomorrow);
	expect_invalid(&p, "birth_date");
	unit_patient(&p, "Doe", "Jo", "2023-02-29");
	expect_invalid(&p, "birth_date");
	unit_patient(&p, "Doe", "Jo", "1990-1-01");
	expect_invalid(&p, "birth_date");
	unit_patient(&p, "Doe", "Jo", "");
	expect_invalid(&p, "birth_date");
	unit_patient(&p, "Doe", "Jo", "1890-01-01"); /* over 120 years */
	expect_invalid(&p, "birth_date");
	unit_day(0, today);
	unit_patient(&p, "Doe", "Jo", today); /* a newborn is fine */
	assert_ok(patient_validate(&p, &err), &err);
}

static void test_validate_fields(void **state)
{
	(void)state;
	struct patient p;
#define BAD(field_, member, value)                                        \
	do {                                                              \
		unit_patient(&p, "Doe", "Jo", "1990-01-01");              \
		snprintf(p.member, sizeof p.member, "%s", value);         \
		expect_invalid(&p, field_);                               \
	} while (0)
	BAD("sex_at_birth", sex_at_birth, "M");
	BAD("sex_at_birth", sex_at_birth, "Female");
	BAD("sex_at_birth", sex_at_birth, "");
	BAD("email", email, "no-at-sign.org");
	BAD("email", email, "@example.org");
	BAD("email", email, "a@b@example.org");
	BAD("email", email, "a@localhost");
	BAD("email", email, "a b@example.org");
	BAD("phone", phone, "call me");
	BAD("phone", phone, "12");
	BAD("phone", phone, "123456789012345678901"); /* 21 digits */
	BAD("emergency_contact.phone", emergency_phone, "x");
	BAD("preferred_language", preferred_language, "english");
	BAD("preferred_language", preferred_language, "e");
	BAD("preferred_language", preferred_language, "en-");
	BAD("preferred_language", preferred_language, "en_US");
	BAD("family_name", family_name, "");
	BAD("family_name", family_name, " Doe");
	BAD("given_name", given_name, "");
	BAD("given_name", given_name, "Jo\n");
	BAD("mrn", mrn, "A 1");
	BAD("mrn", mrn, "A/1");
#undef BAD
}

static void test_create_assigns_mrn(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct patient p, q;
	char before[INSTANT_LEN];
	instant_now(before);
	unit_patient(&p, "Rivera", "Ana", "1980-05-04");
	p.sex_at_birth[0] = '\0'; /* defaults to unknown */
	snprintf(p.phone, sizeof p.phone, "555-0101");
	assert_ok(patient_create(t->db, &t->sys, &p, NULL, &err), &err);
	assert_true(p.id > 0);
	assert_string_equal(p.mrn, "T0000001");
	assert_string_equal(p.site_code, "main");
	assert_int_equal(p.site_id, t->site.id);
	assert_string_equal(p.sex_at_birth, "unknown");
	assert_int_equal(p.version, 1);
	assert_string_equal(p.updated_by, "system:test");
	assert_true(strcmp(p.created_at, before) >= 0);
	assert_int_equal(p.dual_diagnosis, 0);
	assert_string_equal(p.level, "");
	assert_int_equal(p.episode_id, 0);

	assert_ok(patient_get(t->db, &t->sys, p.id, &q, &err), &err);
	assert_int_equal(q.id, p.id);
	assert_string_equal(q.mrn, "T0000001");
	assert_string_equal(q.family_name, "Rivera");
	assert_string_equal(q.given_name, "Ana");
	assert_string_equal(q.birth_date, "1980-05-04");
	assert_string_equal(q.phone, "555-0101");
	assert_string_equal(q.email, "");
	assert_int_equal(q.version, 1);

	/* The next one gets the next number. */
	int64_t id2 = tdb_patient(t, "Okafor", "Chidi", "1975-11-30", NULL);
	assert_ok(patient_get(t->db, &t->sys, id2, &q, &err), &err);
	assert_string_equal(q.mrn, "T0000002");
	assert_int_equal(tdb_audit_count(t, "patient.create"), 2);
}

static void test_duplicate_mrn(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct patient p;
	tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL); /* T0000001 */
	unit_patient(&p, "Other", "Person", "1990-01-01");
	snprintf(p.mrn, sizeof p.mrn, "T0000001");
	tdm_err_clear(&err);
	assert_status(TDM_ECONFLICT, patient_create(t->db, &t->sys, &p, NULL, &err), &err);
	assert_string_equal(err.field, "mrn");
	assert_non_null(strstr(err.msg, "T0000001"));
	assert_int_equal(t->db->in_tx, 0);
	/* A chosen MRN is kept; the assigned sequence skips taken numbers. */
	unit_patient(&p, "Chosen", "Mrn", "1990-01-01");
	snprintf(p.mrn, sizeof p.mrn, "T0000003");
	assert_ok(patient_create(t->db, &t->sys, &p, NULL, &err), &err);
	assert_string_equal(p.mrn, "T0000003");
	unit_patient(&p, "Next", "One", "1990-01-01");
	assert_ok(patient_create(t->db, &t->sys, &p, NULL, &err), &err);
	assert_string_not_equal(p.mrn, "T0000001");
	assert_string_not_equal(p.mrn, "T0000003");
	/* Invalid input never reaches the database. */
	unit_patient(&p, "", "Nameless", "1990-01-01");
	assert_status(TDM_EINVAL, patient_create(t->db, &t->sys, &p, NULL, &err), &err);
	assert_string_equal(err.field, "family_name");
	unit_patient(&p, "Nowhere", "Nia", "1990-01-01");
	assert_status(TDM_EINVAL, patient_create(t->db, &t->sys, &p, "nosuch", &err), &err);
	assert_string_equal(err.field, "site");
}

static void test_get_missing(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct patient p;
	tdm_err_clear(&err);
	assert_status(TDM_ENOTFOUND, patient_get(t->db, &t->sys, 42, &p, &err), &err);
	assert_string_equal(err.field, "patient");
	assert_int_equal(t->db->in_tx, 0);
}

static void test_update_versions(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct patient in, out, old;
	int64_t id = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	assert_ok(patient_get(t->db, &t->sys, id, &old, &err), &err);

	memset(&in, 0, sizeof in);
	snprintf(in.family_name, sizeof in.family_name, "Rivera-Cruz");
	snprintf(in.email, sizeof in.email, "ana@example.org");
	snprintf(in.given_name, sizeof in.given_name, "IGNORED");
	tdm_err_clear(&err);
	assert_status(TDM_EINVAL, patient_update(t->db, &t->sys, id, &in, PF_FAMILY, "", &out, &err),
		      &err);
	assert_string_equal(err.field, "reason");
	assert_status(TDM_EINVAL, patient_update(t->db, &t->sys, id, &in, 0, "x", &out, &err), &err);

	assert_ok(patient_update(t->db, &t->sys, id, &in, PF_FAMILY | PF_EMAIL, "married", &out, &err),
		  &err);
	assert_int_equal(out.version, 2);
	assert_string_equal(out.family_name, "Rivera-Cruz");
	assert_string_equal(out.email, "ana@example.org");
	assert_string_equal(out.given_name, "Ana"); /* not in the mask */
	assert_string_equal(out.birth_date, "1980-05-04");
	assert_string_equal(out.mrn, old.mrn);
	assert_string_equal(out.created_at, old.created_at);

	/* The previous version stays readable, with its reason. */
	struct stmt *st = db_prepare(t->db,
		"SELECT family_name, reason, is_current FROM patient_version WHERE patient_id = ?"
		" ORDER BY id", &err);
	assert_non_null(st);
	db_bind_int(st, 1, id);
	assert_int_equal(db_step(st, &err), DB_ROW);
	assert_string_equal(db_col_text(st, 0), "Rivera");
	assert_string_equal(db_col_text(st, 1), "registered");
	assert_int_equal(db_col_int(st, 2), 0);
	assert_int_equal(db_step(st, &err), DB_ROW);
	assert_string_equal(db_col_text(st, 0), "Rivera-Cruz");
	assert_string_equal(db_col_text(st, 1), "married");
	assert_int_equal(db_col_int(st, 2), 1);
	assert_int_equal(db_step(st, &err), DB_DONE);
	db_done(st);

	/* The MRN is immutable. */
	snprintf(in.mrn, sizeof in.mrn, "NEW-1");
	tdm_err_clear(&err);
	assert_status(TDM_EINVAL, patient_update(t->db, &t->sys, id, &in, PF_MRN, "typo", &out, &err),
		      &err);
	assert_string_equal(err.field, "mrn");
	/* An update that makes the record invalid is refused, no new version. */
	snprintf(in.birth_date, sizeof in.birth_date, "2023-02-29");
	assert_status(TDM_EINVAL, patient_update(t->db, &t->sys, id, &in, PF_BIRTH, "typo", &out,
						 &err), &err);
	assert_string_equal(err.field, "birth_date");
	assert_ok(patient_get(t->db, &t->sys, id, &out, &err), &err);
	assert_int_equal(out.version, 2);
	assert_string_equal(out.mrn, old.mrn);
	assert_string_equal(out.birth_date, "1980-05-04");
	/* Clearing an optional field. */
	in.email[0] = '\0';
	assert_ok(patient_update(t->db, &t->sys, id, &in, PF_EMAIL, "asked to remove", &out, &err),
		  &err);
	assert_string_equal(out.email, "");
	assert_int_equal(out.version, 3);
	assert_status(TDM_ENOTFOUND, patient_update(t->db, &t->sys, 999, &in, PF_EMAIL, "x", &out,
						    &err), &err);
}

static void search(struct tdb *t, const struct actor *a, const struct patient_query *q,
		   int expect_n, int64_t expect_total, struct patient **rows)
{
	struct tdm_err err;
	int n = -1;
	int64_t total = -1;
	assert_ok(patient_search(t->db, a, q, rows, &n, &total, &err), &err);
	assert_int_equal(n, expect_n);
	assert_int_equal(total, expect_total);
}

static void seed(struct tdb *t)
{
	tdb_patient(t, "Smith", "John", "1970-01-01", NULL);    /* T0000001 */
	tdb_patient(t, "Smithers", "Wayland", "1950-02-02", NULL);
	tdb_patient(t, "Blacksmith", "Ann", "1990-03-03", NULL);
	tdb_patient(t, "Jones", "Smitty", "1970-01-01", NULL);
	tdb_patient(t, "Nguyen", "Linh", "1988-08-08", NULL);
}

static void test_search(void **state)
{
	struct tdb *t = *state;
	struct patient_query q;
	struct patient *rows = NULL;
	seed(t);

	memset(&q, 0, sizeof q);
	q.limit = 50;
	snprintf(q.q, sizeof q.q, "SMIT");
	search(t, &t->sys, &q, 4, 4, &rows);
	/* Ordered by family name, then given name. */
	assert_string_equal(rows[0].family_name, "Blacksmith");
	assert_string_equal(rows[1].family_name, "Jones");
	assert_string_equal(rows[2].family_name, "Smith");
	assert_string_equal(rows[3].family_name, "Smithers");
	assert_int_equal(rows[2].version, 1);
	free(rows);

	snprintf(q.q, sizeof q.q, "linh");
	search(t, &t->sys, &q, 1, 1, &rows);
	assert_string_equal(rows[0].given_name, "Linh");
	free(rows);

	/* LIKE wildcards in the query are taken literally. */
	snprintf(q.q, sizeof q.q, "%%");
	search(t, &t->sys, &q, 0, 0, &rows);
	free(rows);
	snprintf(q.q, sizeof q.q, "sm_th");
	search(t, &t->sys, &q, 0, 0, &rows);
	free(rows);

	memset(&q, 0, sizeof q);
	q.limit = 50;
	snprintf(q.mrn, sizeof q.mrn, "T0000001");
	search(t, &t->sys, &q, 1, 1, &rows);
	assert_string_equal(rows[0].family_name, "Smith");
	free(rows);
	snprintf(q.mrn, sizeof q.mrn, "T000000");
	search(t, &t->sys, &q, 0, 0, &rows); /* exact, not a prefix */
	free(rows);

	memset(&q, 0, sizeof q);
	q.limit = 50;
	snprintf(q.birth_date, sizeof q.birth_date, "1970-01-01");
	search(t, &t->sys, &q, 2, 2, &rows);
	assert_string_equal(rows[0].family_name, "Jones");
	assert_string_equal(rows[1].family_name, "Smith");
	free(rows);

	/* Combined criteria. */
	snprintf(q.q, sizeof q.q, "smith");
	search(t, &t->sys, &q, 1, 1, &rows);
	assert_string_equal(rows[0].given_name, "John");
	free(rows);
}

static void test_search_paging(void **state)
{
	struct tdb *t = *state;
	struct patient_query q;
	struct patient *rows = NULL;
	seed(t);
	memset(&q, 0, sizeof q);
	q.limit = 2;
	search(t, &t->sys, &q, 2, 5, &rows);
	assert_string_equal(rows[0].family_name, "Blacksmith");
	assert_string_equal(rows[1].family_name, "Jones");
	free(rows);
	q.offset = 2;
	search(t, &t->sys, &q, 2, 5, &rows);
	assert_string_equal(rows[0].family_name, "Nguyen");
	assert_string_equal(rows[1].family_name, "Smith");
	free(rows);
	q.offset = 4;
	search(t, &t->sys, &q, 1, 5, &rows);
	assert_string_equal(rows[0].family_name, "Smithers");
	free(rows);
	q.offset = 10;
	search(t, &t->sys, &q, 0, 5, &rows);
	free(rows);
	assert_int_equal(tdb_audit_count(t, "patient.search"), 4);
}

static void test_other_site_cannot_see(void **state)
{
	struct tdb *t = *state;
	struct tdm_err err;
	struct site north;
	struct actor nurse;
	struct patient p, *rows = NULL;
	struct patient_query q;
	int64_t mine = tdb_patient(t, "Rivera", "Ana", "1980-05-04", NULL);
	assert_ok(site_add(t->db, "north", "North clinic", &north, &err), &err);
	tdb_user(t, "nurse.north", "north", ROLE_NURSE | ROLE_INTAKE, &nurse);

	tdm_err_clear(&err);
	assert_status(TDM_ENOTFOUND, patient_get(t->db, &nurse, mine, &p, &err), &err);
	assert_string_equal(err.field, "patient");
	/* Same answer as for a patient that does not exist. */
	char msg_hidden[sizeof err.msg];
	snprintf(msg_hidden, sizeof msg_hidden, "%s", err.msg);
	assert_non_null(strstr(msg_hidden, "no patient"));

	memset(&q, 0, sizeof q);
	q.limit = 50;
	search(t, &nurse, &q, 0, 0, &rows);
	free(rows);
	snprintf(q.mrn, sizeof q.mrn, "T0000001");
	search(t, &nurse, &q, 0, 0, &rows);
	free(rows);

	struct patient in;
	memset(&in, 0, sizeof in);
	snprintf(in.email, sizeof in.email, "x@example.org");
	assert_status(TDM_ENOTFOUND, patient_update(t->db, &nurse, mine, &in, PF_EMAIL, "x", &p, &err),
		      &err);

	/* The nurse registers a patient: it goes to their only site. */
	unit_patient(&p, "Northman", "Ned", "1960-06-06");
	assert_ok(patient_create(t->db, &nurse, &p, NULL, &err), &err);
	assert_string_equal(p.site_code, "north");
	assert_status(TDM_EFORBIDDEN, patient_create(t->db, &nurse, &p, "main", &err), &err);
	memset(&q, 0, sizeof q);
	q.limit = 50;
	search(t, &nurse, &q, 1, 1, &rows);
	assert_string_equal(rows[0].family_name, "Northman");
	free(rows);
	assert_ok(patient_get(t->db, &nurse, p.id, &p, &err), &err);
	/* The system actor sees both. */
	search(t, &t->sys, &q, 2, 2, &rows);
	free(rows);
	/* The denied read was audited as denied. */
	struct stmt *st = db_prepare(t->db,
		"SELECT COUNT(*) FROM audit WHERE action = 'patient.read' AND outcome = 'denied'"
		" AND username = 'nurse.north' AND patient_id = ?", &err);
	int64_t n = 0;
	int found;
	assert_non_null(st);
	db_bind_int(st, 1, mine);
	assert_ok(db_query_int(st, &n, &found, &err), &err);
	assert_int_equal(n, 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tdb_setup, tdb_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_ok),
		cmocka_unit_test(test_validate_birth_date),
		cmocka_unit_test(test_validate_fields),
		T(test_create_assigns_mrn),
		T(test_duplicate_mrn),
		T(test_get_missing),
		T(test_update_versions),
		T(test_search),
		T(test_search_paging),
		T(test_other_site_cannot_see),
	};
	return cmocka_run_group_tests_name("patient", tests, NULL, NULL);
}
