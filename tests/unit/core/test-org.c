/* test-org: role@scope parsing against the profile and the organization; ids; dates; employment. */
#include "fixture.h"

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/core.h"
#include "core/org.h"
#include "policy/policy.h"

static void test_role_scope(void **state)
{
	struct fixture *f = *state;
	struct store *st = door_store(f->d);
	const struct profile *p = door_profile(f->d);
	static const struct {
		const char *text, *role, *scope;
	} good[] = {
		{ "security_officer@section:zeimu", "security_officer", "section:zeimu" },
		{ "system_manager@system:kokuho", "system_manager", "system:kokuho" },
		{ "system_chief@org", "system_chief", "org" },
		{ "system_chief", "system_chief", "org" },
		{ "mamori_admin@org", "mamori_admin", "org" },
	};
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "", "a role is needed" },
		{ "auditer@org", "unknown role 'auditer'" },
		{ "security_officer@org", "held at section scope" },
		{ "security_officer", "held at section scope" },
		{ "system_chief@section:zeimu", "held at org scope" },
		{ "security_officer@section:nosuch", "no section 'nosuch'" },
		{ "system_manager@system:nosuch", "no information system 'nosuch'" },
		{ "security_officer@dept:zeimu", "bad scope 'dept:zeimu'" },
		{ "mamori_admin@section:zeimu", "held at org scope" },
	};
	struct act_attr sys[] = { { "name", "国保" }, { "section", "zeimu" } };

	fx_section(f, "zeimu", "税務課");
	fx_admin(f, ACT_SYSTEM_ADD, "kokuho", sys, 2);
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		char *role = NULL, *scope = NULL;
		assert_int_equal(org_parse_role_scope(st, p, good[i].text, &role, &scope, &f->err),
		                 0);
		assert_string_equal(role, good[i].role);
		assert_string_equal(scope, good[i].scope);
		free(role);
		free(scope);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *role = NULL, *scope = NULL;
		strbuf_reset(&f->err);
		assert_int_equal(org_parse_role_scope(st, p, bad[i].text, &role, &scope, &f->err),
		                 -EINVAL);
		if (!strstr(f->err.buf, bad[i].why))
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].text, f->err.buf,
			         bad[i].why);
		assert_null(role);
	}
	/* holders: only active people holding the role at that scope, now */
	fx_user(f, "a", "zeimu");
	fx_user(f, "b", "zeimu");
	fx_grant(f, "a", "security_officer@section:zeimu");
	fx_grant(f, "b", "security_officer@section:zeimu");
	fx_admin(f, ACT_USER_SUSPEND, "b", NULL, 0);
	{
		int64_t *ids = NULL;
		size_t n = 0;
		assert_int_equal(org_holders(st, "security_officer", "section:zeimu", time_now_ms(),
		                             &ids, &n, &f->err),
		                 0);
		assert_int_equal(n, 1);
		free(ids);
	}
	{
		char *name = org_scope_name(st, "section:zeimu");
		assert_string_equal(name, "税務課");
		free(name);
	}
}

static void test_employment(void **state)
{
	struct fixture *f = *state;
	const struct profile *p = door_profile(f->d);

	assert_string_equal(org_employment_resolve(p, "職員"), "職員");
	/* Minato names part-time staff 会計年度任用職員 (非常勤職員) */
	assert_string_equal(org_employment_resolve(p, "非常勤職員"), "会計年度任用職員");
	assert_string_equal(org_employment_resolve(p, "会計年度任用職員"), "会計年度任用職員");
	assert_null(org_employment_resolve(p, "社長"));
	assert_null(org_employment_resolve(p, ""));
	/* without a profile: the texts' five */
	assert_string_equal(org_employment_resolve(NULL, "派遣労働者"), "派遣労働者");
	assert_null(org_employment_resolve(NULL, "会計年度任用職員"));
}

static void test_ids_and_dates(void **state)
{
	int64_t ms = 0;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_true(core_valid_id("zeimu"));
	assert_true(core_valid_id("zeimu-sys_2"));
	assert_false(core_valid_id("Zeimu"));
	assert_false(core_valid_id("1zeimu"));
	assert_false(core_valid_id("zei mu"));
	assert_false(core_valid_id(""));
	assert_true(core_valid_login("zeimu-kacho"));
	assert_true(core_valid_login("t.sato"));
	assert_true(core_valid_login("2024001"));
	assert_false(core_valid_login(".sato"));
	assert_false(core_valid_login("sato@ward"));
	assert_false(core_valid_text("a\001b", 10));
	assert_true(core_valid_text("佐藤 花子", 100));
	assert_false(core_valid_text("\xff", 10));
	/* dates are Tokyo days: 2026-04-01 starts at 2026-03-31T15:00Z */
	assert_int_equal(core_parse_local_date("2026-04-01", &ms), 0);
	time_format_rfc3339(&sb, ms);
	assert_string_equal(sb.buf, "2026-03-31T15:00:00.000Z");
	strbuf_reset(&sb);
	core_format_local_date(&sb, ms);
	assert_string_equal(sb.buf, "2026-04-01");
	assert_int_equal(core_parse_local_date("2026-4-1", &ms), -EINVAL);
	assert_int_equal(core_parse_local_date("2026-02-30", &ms), -EINVAL);
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_role_scope, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_employment, fixture_setup, fixture_teardown),
		cmocka_unit_test(test_ids_and_dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
