/* Tests for src/domain/access.c: role names, per-site access, the system actor. */
#include "unit.h"

static void test_role_from_name(void **state)
{
	(void)state;
	assert_int_equal(role_from_name("admin"), ROLE_ADMIN);
	assert_int_equal(role_from_name("prescriber"), ROLE_PRESCRIBER);
	assert_int_equal(role_from_name("nurse"), ROLE_NURSE);
	assert_int_equal(role_from_name("therapist"), ROLE_THERAPIST);
	assert_int_equal(role_from_name("intake"), ROLE_INTAKE);
	assert_int_equal(role_from_name("auditor"), ROLE_AUDITOR);
	assert_int_equal(role_from_name("Nurse"), 0); /* exact, lower case */
	assert_int_equal(role_from_name("nurse "), 0);
	assert_int_equal(role_from_name(""), 0);
	assert_int_equal(role_from_name("root"), 0);
	assert_int_equal(role_from_name(NULL), 0);
}

static void test_role_name_round_trip(void **state)
{
	(void)state;
	for (unsigned bit = 1; bit <= ROLE_AUDITOR; bit <<= 1) {
		const char *n = role_name(bit);
		assert_non_null(n);
		assert_int_equal(role_from_name(n), bit);
	}
	assert_string_equal(role_name(ROLE_THERAPIST), "therapist");
	assert_null(role_name(0));
	assert_null(role_name(ROLE_ADMIN | ROLE_NURSE)); /* one bit only */
	assert_null(role_name(1u << 6));
}

static void test_role_names(void **state)
{
	(void)state;
	char out[128];
	role_names(ROLE_NURSE | ROLE_ADMIN, out, sizeof out);
	assert_string_equal(out, "admin,nurse");
	role_names(ROLE_ALL, out, sizeof out);
	assert_string_equal(out, "admin,prescriber,nurse,therapist,intake,auditor");
	role_names(0, out, sizeof out);
	assert_string_equal(out, "");
	role_names(ROLE_AUDITOR | (1u << 10), out, sizeof out); /* unknown bits ignored */
	assert_string_equal(out, "auditor");
	/* A short buffer stays NUL-terminated and holds a prefix of the list. */
	char small[9];
	memset(small, 'x', sizeof small);
	role_names(ROLE_ALL, small, sizeof small);
	assert_true(strlen(small) < sizeof small);
	assert_memory_equal(small, "admin,prescriber", strlen(small));
}

static void two_site_actor(struct actor *a)
{
	memset(a, 0, sizeof *a);
	a->user_id = 7;
	snprintf(a->username, sizeof a->username, "casey");
	a->grants[0] = (struct grant){1, ROLE_NURSE};
	a->grants[1] = (struct grant){2, ROLE_THERAPIST | ROLE_INTAKE};
	a->n_grants = 2;
}

static void test_access_at_two_sites(void **state)
{
	(void)state;
	struct actor a;
	two_site_actor(&a);
	assert_int_equal(access_roles_at(&a, 1), ROLE_NURSE);
	assert_int_equal(access_roles_at(&a, 2), ROLE_THERAPIST | ROLE_INTAKE);
	assert_int_equal(access_roles_at(&a, 3), 0);
	assert_int_equal(access_roles_any(&a), ROLE_NURSE | ROLE_THERAPIST | ROLE_INTAKE);

	/* A route for nurses: only site 1. */
	a.route_roles = ROLE_NURSE;
	assert_true(access_at(&a, 1));
	assert_false(access_at(&a, 2));
	assert_false(access_at(&a, 3));
	/* A route for intake or admin: only site 2. */
	a.route_roles = ROLE_INTAKE | ROLE_ADMIN;
	assert_false(access_at(&a, 1));
	assert_true(access_at(&a, 2));
	/* A route for prescribers: nowhere. */
	a.route_roles = ROLE_PRESCRIBER;
	assert_false(access_at(&a, 1));
	assert_false(access_at(&a, 2));
	/* Every clinical role: both sites, not site 3. */
	a.route_roles = ROLE_CLINICAL;
	assert_true(access_at(&a, 1));
	assert_true(access_at(&a, 2));
	assert_false(access_at(&a, 3));
	/* A route accepting no role admits nobody. */
	a.route_roles = 0;
	assert_false(access_at(&a, 1));
}

static void test_no_grants(void **state)
{
	(void)state;
	struct actor a;
	memset(&a, 0, sizeof a);
	a.route_roles = ROLE_ALL;
	assert_false(access_at(&a, 1));
	assert_int_equal(access_roles_any(&a), 0);
}

static void test_system_actor_sees_all(void **state)
{
	(void)state;
	struct actor a;
	memset(&a, 0xff, sizeof a);
	actor_system(&a, "test");
	assert_string_equal(a.username, "system:test");
	assert_int_equal(a.user_id, 0);
	assert_int_equal(a.n_grants, 0);
	assert_true(a.all_sites);
	assert_int_equal(a.route_roles, ROLE_ALL);
	assert_string_equal(a.addr, "cli");
	assert_string_equal(a.request_id, "cli");
	for (int64_t site = 1; site < 50; site++) {
		assert_true(access_at(&a, site));
		assert_int_equal(access_roles_at(&a, site), ROLE_ALL);
	}
	assert_int_equal(access_roles_any(&a), ROLE_ALL);
	/* Even a narrow route admits the system actor. */
	a.route_roles = ROLE_AUDITOR;
	assert_true(access_at(&a, 123456));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_role_from_name),
		cmocka_unit_test(test_role_name_round_trip),
		cmocka_unit_test(test_role_names),
		cmocka_unit_test(test_access_at_two_sites),
		cmocka_unit_test(test_no_grants),
		cmocka_unit_test(test_system_actor_sees_all),
	};
	return cmocka_run_group_tests_name("access", tests, NULL, NULL);
}
