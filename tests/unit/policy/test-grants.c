/* test-grants: access grants on a record: syntax, normalizing, matching, and the decision. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "policy/grants.h"
#include "policy/policy.h"

static const char yaml[] =
    "format: mamori-profile/1\n"
    "profile: {id: g, title: t, municipality: m}\n"
    "levels: [{id: \"3\", name: L3}, {id: \"1\", name: L1}]\n"
    "roles:\n"
    "  so: {name: SO, scope: section, includes: [staff]}\n"
    "  staff: {name: S, scope: section}\n"
    "  sa: {name: SA, scope: system}\n"
    "  chief: {name: C, scope: org}\n"
    "registers:\n"
    "  asset:\n"
    "    name: A\n"
    "    fields:\n"
    "      level: {type: level, required: true}\n"
    "      access: {type: grants, name: アクセス権限, as: staff}\n"
    "    actions: {new: {name: N, create: true}, copy: {name: C}, read: {name: R}}\n"
    "rules:\n"
    "  - {id: read, on: asset.read, when: {actor: {role: staff}}, effect: allow, clause: C-1}\n"
    "  - {id: copy, on: asset.copy, when: {level: [\"3\"], actor: {role: staff}}, effect: "
    "approval, approver: so@record, clause: C-1}\n"
    "  - {id: other, on: asset.copy, when: {level: [\"3\"]}, unless: {actor: {role: staff}}, "
    "effect: deny, clause: C-1}\n"
    "clauses:\n"
    "  C-1: {cite: 1, kind: E, text: t}\n";

static struct profile *P;

static int setup(void **state)
{
	struct strbuf err = STRBUF_INIT;
	int r = profile_load_buffer("g.yaml", yaml, strlen(yaml), &P, &err);

	if (r < 0)
		fprintf(stderr, "# %s\n", err.buf);
	strbuf_release(&err);
	return r;
}

static int teardown(void **state)
{
	profile_free(P);
	return 0;
}

static void expect_bad(const char *value, const char *want)
{
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(policy_grants_check(P, value, &err), -EINVAL);
	if (!strstr(err.buf, want))
		fprintf(stderr, "# got: %s\n# want: %s\n", err.buf, want);
	assert_non_null(strstr(err.buf, want));
	strbuf_release(&err);
}

static void test_syntax(void **state)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;

	assert_int_equal(policy_grants_check(P, "", &err), 0);
	assert_int_equal(
	    policy_grants_normalize(P,
	                            " section:zeimu ,user:sato,　role:sa@system:kokuho,"
	                            ",role:chief@org ",
	                            &out, &err),
	    0);
	assert_string_equal(out.buf,
	                    "section:zeimu,user:sato,role:sa@system:kokuho,role:chief@org");
	expect_bad("zeimu", "access grant 'zeimu' has no kind");
	expect_bad("group:x", "is of an unknown kind");
	expect_bad("user:Sato", "has an id that is not lowercase");
	expect_bad("role:nobody@org", "names a role the profile does not have");
	expect_bad("role:staff", "names no scope");
	expect_bad("role:staff@org", "names a role that is not held at org");
	expect_bad("role:staff@system:kokuho", "a scope of another kind than the role's");
	expect_bad("role:sa@section", "has a scope that is not org, section:ID or system:ID");
	expect_bad("user:sato,user:sato", "access grant 'user:sato' is listed twice");
	strbuf_release(&out);
	strbuf_release(&err);
}

static void test_match(void **state)
{
	const char *so_soumu[] = { "so@section:soumu" };
	const char *staff_soumu[] = { "staff@section:soumu" };
	const char *value = "user:sato,section:kikaku,role:staff@section:soumu";

	assert_true(policy_grants_match(P, value, "sato", "zeimu", NULL, 0));
	assert_true(policy_grants_match(P, value, "suzuki", "kikaku", NULL, 0));
	assert_false(policy_grants_match(P, value, "suzuki", "zeimu", NULL, 0));
	/* a security officer includes staff: the grant to staff there is theirs too */
	assert_true(policy_grants_match(P, value, "x", "zeimu", so_soumu, 1));
	assert_false(policy_grants_match(P, "role:so@section:soumu", "x", "y", staff_soumu, 1));
	/* a malformed value grants nothing, even where an earlier item would match */
	assert_false(policy_grants_match(P, "user:sato,bad", "sato", "zeimu", NULL, 0));
	assert_false(policy_grants_match(P, NULL, "sato", "zeimu", NULL, 0));
}

static enum policy_effect decide(const char *action, bool granted)
{
	const char *roles[] = { "staff@section:kikaku" };
	struct decide_request q = {
		.subject_id = "sato",
		.roles = roles,
		.n_roles = 1,
		.subject_section = "kikaku",
		.action = action,
		.resource_type = "asset",
		.level = "3",
		.section = "zeimu",
		.granted = granted,
	};
	struct decision d;

	assert_int_equal(policy_decide(P, &q, &d, NULL), 0);
	if (d.effect == EFFECT_APPROVAL) {
		/* the same approval as the record's own staff: its section's officer */
		assert_int_equal(d.n_approvers, 1);
		assert_string_equal(d.approvers[0].scope_value, "zeimu");
	}
	return d.effect;
}

static void test_decide(void **state)
{
	assert_int_equal(decide("asset.read", false), EFFECT_DENY);
	assert_int_equal(decide("asset.read", true), EFFECT_ALLOW);
	assert_int_equal(decide("asset.copy", false), EFFECT_DENY);
	assert_int_equal(decide("asset.copy", true), EFFECT_APPROVAL);
}

static void test_load_errors(void **state)
{
	static const char *const bad[][2] = {
		{ "      access: {type: grants}\n", "grants field 'access' needs 'as'" },
		{ "      access: {type: grants, as: chief}\n", "names role 'chief' of scope org" },
		{ "      access: grants\n", "needs the mapping form with 'as'" },
		{ "      access: {type: text, as: staff}\n", "'as' is only for grants fields" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;
		struct profile *p = NULL;
		const char *at = strstr(yaml, "      access:");
		const char *eol = strchr(at, '\n') + 1;

		strbuf_add(&text, yaml, (size_t)(at - yaml));
		strbuf_addstr(&text, bad[i][0]);
		strbuf_addstr(&text, eol);
		assert_int_equal(profile_load_buffer("b.yaml", text.buf, text.len, &p, &err),
		                 -EINVAL);
		if (!strstr(err.buf, bad[i][1]))
			fprintf(stderr, "# got: %s\n# want: %s\n", err.buf, bad[i][1]);
		assert_non_null(strstr(err.buf, bad[i][1]));
		strbuf_release(&text);
		strbuf_release(&err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_load_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
