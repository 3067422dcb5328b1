/* test-requests: requests_list: who a request waits for, the limit, newest first. */
#include "fixture.h"
#include "base/cleanup.h"

#include "base/timeutil.h"
#include "core/core.h"
#include "core/requests.h"

#define N_REQUESTS 12

/* 税務課: sato applies, suzuki is its 課長, kato its 代決者; tanaka is 区民課's 課長. */
static void org(struct fixture *f)
{
	fx_section(f, "zeimu", "税務課");
	fx_section(f, "kumin", "区民課");
	fx_user(f, "sato", "zeimu");
	fx_user(f, "suzuki", "zeimu");
	fx_user(f, "kato", "zeimu");
	fx_user(f, "tanaka", "kumin");
	fx_grant(f, "suzuki", "security_officer@section:zeimu");
	fx_grant(f, "kato", "deputy_security_officer@section:zeimu");
	fx_grant(f, "tanaka", "security_officer@section:kumin");
}

/* A level-3 asset of 税務課 and its copy, which waits for 税務課's security officer. */
static int64_t pending_copy(struct fixture *f)
{
	struct act_attr fields[] = { { "title", "課税台帳" }, { "access_controlled", "true" } };
	struct act_input in = { .kind = ACT_RECORD, .actor = "sato", .register_id = "asset" };
	struct act_result res = ACT_RESULT_INIT;
	int64_t req;

	in.fields = fields;
	in.n_fields = 2;
	in.level = "3";
	in.section = "zeimu";
	assert_int_equal(fx_act(f, &in, &res), ACT_DONE);
	in = (struct act_input){ .kind = ACT_RECORD, .actor = "sato", .record_id = res.record_id };
	in.action = "asset.copy";
	act_result_release(&res);
	assert_int_equal(fx_act(f, &in, &res), ACT_PENDING);
	req = res.request_id;
	act_result_release(&res);
	return req;
}

static int64_t user_id(struct fixture *f, const char *login)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT id FROM users WHERE login = '%s'", login);
	return fx_count(f, sql);
}

/* The requests role may approve (as login), at most limit. */
static size_t to_approve(struct fixture *f, const char *login, const char *role, int64_t limit,
                         struct request_list *ret)
{
	struct strv roles = STRV_INIT;
	struct request_filter ft = { .to_approve_roles = &roles,
		                     .profile = door_profile(f->d),
		                     .to_approve_user = user_id(f, login),
		                     .now_ms = time_now_ms(),
		                     .limit = limit };

	if (role)
		strv_push(&roles, role);
	assert_int_equal(requests_list(door_store(f->d), &ft, ret, &f->err), 0);
	strv_release(&roles);
	return ret->nr;
}

static void test_to_approve_newest_first_up_to_limit(void **state)
{
	struct fixture *f = *state;
	struct request_list l = { 0 };
	int64_t req[N_REQUESTS];
	struct act_input in = { .kind = ACT_APPROVE, .actor = "suzuki" };

	org(f);
	for (int i = 0; i < N_REQUESTS; i++)
		req[i] = pending_copy(f);
	/* the 課長: the newest five, newest first */
	assert_int_equal(to_approve(f, "suzuki", "security_officer@section:zeimu", 5, &l), 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(l.items[i].id, req[N_REQUESTS - 1 - i]);
	assert_int_equal(l.items[0].n_slots, 1);
	assert_string_equal(l.items[0].slots[0].role, "security_officer");
	request_list_release(&l);
	/* no limit: every one */
	assert_int_equal(to_approve(f, "suzuki", "security_officer@section:zeimu", 0, &l),
	                 N_REQUESTS);
	request_list_release(&l);
	/* the 代決者 of the section too (its deputy role), but not another section's 課長 */
	assert_int_equal(to_approve(f, "kato", "deputy_security_officer@section:zeimu", 0, &l),
	                 N_REQUESTS);
	request_list_release(&l);
	assert_int_equal(to_approve(f, "tanaka", "security_officer@section:kumin", 0, &l), 0);
	request_list_release(&l);
	assert_int_equal(to_approve(f, "sato", NULL, 0, &l), 0);
	request_list_release(&l);
	/* approved: no longer waiting */
	in.request_id = req[N_REQUESTS - 1];
	assert_int_equal(fx_act(f, &in, NULL), ACT_DONE);
	assert_int_equal(to_approve(f, "suzuki", "security_officer@section:zeimu", 1, &l), 1);
	assert_int_equal(l.items[0].id, req[N_REQUESTS - 2]);
	request_list_release(&l);
}

static void test_mine_pending_up_to_limit(void **state)
{
	struct fixture *f = *state;
	struct request_list l = { 0 };
	struct request_filter fm = { .applicant = 0, .state = "pending", .limit = 3 };
	int64_t last = 0;

	org(f);
	for (int i = 0; i < 4; i++)
		last = pending_copy(f);
	fm.applicant = user_id(f, "sato");
	fm.now_ms = time_now_ms();
	assert_int_equal(requests_list(door_store(f->d), &fm, &l, &f->err), 0);
	assert_int_equal(l.nr, 3);
	assert_int_equal(l.items[0].id, last);
	request_list_release(&l);
	fm.applicant = user_id(f, "suzuki");
	assert_int_equal(requests_list(door_store(f->d), &fm, &l, &f->err), 0);
	assert_int_equal(l.nr, 0);
	request_list_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_to_approve_newest_first_up_to_limit,
		                                fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_mine_pending_up_to_limit, fixture_setup,
		                                fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
