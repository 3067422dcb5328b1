/* test-audit-profile: what audits add to the profile format: `many` fields, the field types
 * system and clause, the separation kind `independent` and an action's `actor_in`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "policy/policy.h"

#define HEAD                                                                                           \
	"format: mamori-profile/1\n"                                                                   \
	"profile: {id: x, title: t, municipality: m}\n"                                                \
	"clauses:\n  X-1: {cite: a, kind: E, text: 独立}\n  X-2: {cite: b, kind: R, text: 記録}\n" \
	"roles: {auditor: {name: A, scope: org}}\n"

#define AUDIT                                                                                      \
	"registers:\n"                                                                             \
	"  audit:\n"                                                                               \
	"    name: 監査\n"                                                                       \
	"    fields:\n"                                                                            \
	"      team: {type: user, many: true, name: チーム, required: true}\n"                  \
	"      secs: {type: section, many: true}\n"                                                \
	"      systems: {type: system, many: true}\n"                                              \
	"      lead: {type: user}\n"                                                               \
	"    actions: {plan: {name: 計画, create: true}}\n"                                      \
	"  finding:\n"                                                                             \
	"    name: 指摘\n"                                                                       \
	"    fields:\n"                                                                            \
	"      audit: {type: ref, to: audit, required: true}\n"                                    \
	"      clause: {type: clause, required: true}\n"

static struct profile *load(const char *yaml, struct strbuf *err)
{
	struct profile *p = NULL;

	strbuf_reset(err);
	if (profile_load_buffer("a.yaml", yaml, strlen(yaml), &p, err) < 0)
		return NULL;
	return p;
}

static void test_loads(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct profile *p =
	    load(HEAD AUDIT "    actions: {add: {name: 記録, create: true, actor_in: audit.team}}\n"
	                    "separation:\n"
	                    "  - {id: ind, kind: independent, persons: [audit.team, audit.lead],"
	                    " of: [audit.secs, audit.systems], clause: X-1}\n",
	         &err);
	const struct policy_register *a, *f;
	const struct policy_action *add;

	if (!p) {
		fprintf(stderr, "# %s\n", err.buf);
		fail();
		return;
	}
	a = policy_register(p, "audit");
	f = policy_register(p, "finding");
	assert_true(policy_register_field(a, "team")->many);
	assert_int_equal(policy_register_field(a, "systems")->type, FIELD_SYSTEM);
	assert_false(policy_register_field(a, "lead")->many);
	assert_null(policy_register_field(a, "lead")->holds);
	assert_int_equal(policy_register_field(f, "clause")->type, FIELD_CLAUSE);
	add = policy_action(p, "finding.add");
	assert_ptr_equal(add->actor_in_ref, policy_register_field(f, "audit"));
	assert_ptr_equal(add->actor_in_users, policy_register_field(a, "team"));
	assert_int_equal(p->n_separation, 1);
	assert_int_equal(p->separation[0].kind, SEP_INDEPENDENT);
	assert_int_equal(p->separation[0].n_fields, 2);
	assert_int_equal(p->separation[0].n_of, 2);
	assert_string_equal(p->separation[0].of[1]->id, "systems");

	/* values: a many field's items each once; a clause of the profile */
	assert_int_equal(policy_field_check(p, policy_register_field(a, "team"), "a,b、c", &err),
	                 0);
	assert_int_not_equal(policy_field_check(p, policy_register_field(a, "team"), "a, a", &err),
	                     0);
	assert_non_null(strstr(err.buf, "given twice"));
	assert_int_not_equal(policy_field_check(p, policy_register_field(a, "team"), " , ", &err),
	                     0);
	assert_int_equal(policy_field_check(p, policy_register_field(f, "clause"), "X-2", &err), 0);
	assert_int_not_equal(policy_field_check(p, policy_register_field(f, "clause"), "X-9", &err),
	                     0);
	profile_free(p);
	strbuf_release(&err);
}

/* `holds: ROLE` on a user field: the role its people must hold (監査実施者, MIN-9-1-2). */
static void test_holds(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct profile *p =
	    load(HEAD "registers:\n  audit:\n    name: 監査\n"
	              "    fields: {team: {type: user, many: true, holds: auditor}}\n"
	              "    actions: {plan: {name: 計画, create: true, clause: X-1}}\n",
	         &err);

	if (!p) {
		fprintf(stderr, "# %s\n", err.buf);
		fail();
		return;
	}
	assert_ptr_equal(policy_register_field(policy_register(p, "audit"), "team")->holds,
	                 policy_role(p, "auditor"));
	profile_free(p);
	/* `within`: a finding's clause keeps to its audit's clauses; a many clause field takes
	 * chapters */
	p = load(HEAD "registers:\n"
	              "  audit:\n    name: 監査\n"
	              "    fields: {scope: {type: clause, many: true}}\n"
	              "    actions: {plan: {name: 計画, create: true, clause: X-1}}\n"
	              "  finding:\n    name: 指摘\n"
	              "    fields:\n"
	              "      audit: {type: ref, to: audit}\n"
	              "      clause: {type: clause, within: audit.scope}\n",
	         &err);
	if (!p) {
		fprintf(stderr, "# %s\n", err.buf);
		fail();
		return;
	}
	{
		const struct policy_register *a = policy_register(p, "audit");
		const struct policy_field *c =
		    policy_register_field(policy_register(p, "finding"), "clause");

		assert_ptr_equal(c->within, policy_register_field(a, "scope"));
		assert_ptr_equal(c->within_ref,
		                 policy_register_field(policy_register(p, "finding"), "audit"));
		assert_int_equal(policy_field_check(p, c->within, "X-1,X-2", &err), 0);
		assert_int_equal(policy_field_check(p, c->within, "X", &err), 0); /* a chapter */
		assert_int_not_equal(policy_field_check(p, c->within, "X-1,X-1", &err), 0);
		assert_int_not_equal(policy_field_check(p, c->within, "Y", &err), 0);
		assert_non_null(strstr(err.buf, "'Y' is not a clause of this profile"));
	}
	profile_free(p);
	strbuf_release(&err);
}

static void expect_error(const char *yaml, const char *want)
{
	struct strbuf err = STRBUF_INIT;
	struct profile *p = load(yaml, &err);

	if (p || !strstr(err.buf, want))
		fprintf(stderr, "# got: %s\n# want: %s\n", err.buf, want);
	assert_null(p);
	assert_non_null(strstr(err.buf, want));
	strbuf_release(&err);
}

static void test_errors(void **state)
{
	expect_error(HEAD
	             "registers:\n  r:\n    name: R\n    fields: {t: {type: text, many: true}}\n",
	             "'many' is only for user, section, system and clause fields");
	expect_error(HEAD "registers:\n  r:\n    name: R\n"
	                  "    fields: {t: {type: text, holds: auditor}}\n",
	             "'holds' is for user fields");
	expect_error(HEAD "registers:\n  r:\n    name: R\n"
	                  "    fields: {t: {type: user, holds: nobody}}\n",
	             "nobody");
	expect_error(HEAD "registers:\n  r:\n    name: R\n"
	                  "    fields: {t: {type: text, within: a.b}}\n",
	             "'within' is for clause fields");
	expect_error(HEAD AUDIT "      scoped: {type: clause, within: clause.team}\n",
	             "'within': 'clause' is not a ref field of register 'finding'");
	expect_error(HEAD AUDIT "      scoped: {type: clause, within: audit.team}\n",
	             "'within': register 'audit' has no clause field 'team'");
	expect_error(HEAD AUDIT "    actions: {add: {name: 記録, create: true, actor_in: team}}\n",
	             "'actor_in' is REF.FIELD");
	expect_error(HEAD AUDIT
	             "    actions: {add: {name: 記録, create: true, actor_in: clause.team}}\n",
	             "'clause' is not a ref field");
	expect_error(HEAD AUDIT
	             "    actions: {add: {name: 記録, create: true, actor_in: audit.secs}}\n",
	             "register 'audit' has no user field 'secs'");
	expect_error(HEAD AUDIT
	             "separation:\n  - {id: i, kind: independent, clause: X-1, of: [audit.secs]}\n",
	             "independent needs 'persons'");
	expect_error(
	    HEAD AUDIT
	    "separation:\n  - {id: i, kind: independent, clause: X-1, persons: [audit.secs], of: "
	    "[audit.secs]}\n",
	    "not a user field");
	expect_error(
	    HEAD AUDIT
	    "separation:\n  - {id: i, kind: independent, clause: X-1, persons: [audit.team], of: "
	    "[finding.clause]}\n",
	    "not a section or system field");
	expect_error(
	    HEAD AUDIT
	    "separation:\n  - {id: i, kind: independent, clause: X-1, persons: [audit.team], of: "
	    "[audit.secs], fallback: exception}\n",
	    "independent has no fallback");
}

#define DESIG                                                                                      \
	"registers:\n"                                                                             \
	"  d:\n"                                                                                   \
	"    name: 指名\n"                                                                       \
	"    fields:\n"                                                                            \
	"      who: {type: user, many: true, required: true}\n"                                    \
	"      kind: {type: enum, values: [a, b]}\n"                                               \
	"      note: {type: text}\n"                                                               \
	"    states: {active: 指名中, ended: 終了}\n"                                         \
	"    actions: {add: {name: A, create: true, to: active}, end: {name: E, to: ended}}\n"     \
	"separation:\n  - {id: two, kind: at_least, clause: X-1, counted: [d.who], per: "          \
	"[d.note], "

/* at_least: `count` people or more, per group, in a state; its loader's errors. */
static void test_at_least(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct profile *p = load(HEAD DESIG "count: 2, state: active, only: {kind: [a]}}\n", &err);
	const struct policy_separation *s;

	if (!p) {
		fprintf(stderr, "# %s\n", err.buf);
		fail();
		return;
	}
	s = &p->separation[0];
	assert_int_equal(s->kind, SEP_AT_LEAST);
	assert_int_equal(s->count, 2);
	assert_string_equal(s->fields[0]->id, "who");
	assert_int_equal(s->n_of, 1);
	assert_string_equal(s->state, "active");
	assert_string_equal(s->only->id, "kind");
	assert_int_equal(s->n_only_values, 1);
	profile_free(p);
	strbuf_release(&err);
	expect_error(HEAD DESIG "count: 1, state: active}\n", "'count' must be a whole number");
	expect_error(HEAD DESIG "count: 2, state: nosuch}\n", "register 'd' has no state 'nosuch'");
	expect_error(HEAD DESIG "count: 2, state: active, only: {note: [x]}}\n",
	             "'only' names an enum field");
	expect_error(HEAD DESIG "count: 2, state: active, only: {kind: [c]}}\n",
	             "'c' is not a value of field 'kind'");
	expect_error(HEAD DESIG "count: 2, state: active, fallback: exception}\n",
	             "at_least has no fallback");
	expect_error(HEAD DESIG "count: 2}\n", "needs 'state'");
}

static void test_list_items(void **state)
{
	const char *cur = " kansa-1,kansa-2、 zeimu，x　y;z ", *b;
	const char *want[] = { "kansa-1", "kansa-2", "zeimu", "x", "y", "z" };
	size_t n, k = 0;

	while (policy_list_next(&cur, &b, &n)) {
		assert_true(k < ARRAY_SIZE(want));
		assert_int_equal(n, strlen(want[k]));
		assert_memory_equal(b, want[k], n);
		k++;
	}
	assert_int_equal(k, ARRAY_SIZE(want));
	assert_true(policy_list_has("a,bb", "bb"));
	assert_false(policy_list_has("a,bb", "b"));
	assert_false(policy_list_has(NULL, "b"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loads),      cmocka_unit_test(test_holds),
		cmocka_unit_test(test_errors),     cmocka_unit_test(test_at_least),
		cmocka_unit_test(test_list_items),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
